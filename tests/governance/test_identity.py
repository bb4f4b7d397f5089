"""Personal fields encrypted per subject, erasure by key deletion, opt-in and opt-out by profile.

The privacy claims are checked on the bytes: the plaintext never reaches the database file, and
an erased subject's key is gone from every file of the key store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.decisions.conftest import _good_person, _poor_person, batch
from xinyong.catalog.identifiers import generate_prc_resident_ids
from xinyong.cli import app
from xinyong.decisions import QueryRefused, grant_consent, inquiry_history, register_party
from xinyong.decisions._decide import request_score
from xinyong.errors import XinyongError
from xinyong.governance._identity import (
    erase_subject,
    read_identity,
    record_identity,
    set_enrollment,
)
from xinyong.governance._subject_keys import KEY_DIR, SubjectKeyStore
from xinyong.scoring.engine import score_with_relationships
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

AS_OF = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, 9, 0)
NAME = "Annabel Quixotic-Lindqvist"
ADDRESS = "17 Zeppelinstrasse, 80469 Muenchen"
runner = CliRunner()


def small_store(home: Path, jurisdiction: str = "eu") -> tuple[Store, str, str]:
    """Two people with a scoreable history each; enrolled (opted in where voluntary)."""
    ann, bob = ("P-ANN", "P-BOB") if jurisdiction != "cn-pilot" else tuple(
        generate_prc_resident_ids(np.random.default_rng(5), 2))
    rows = ([{"subject_id": ann, "subject_kind": "person", **r} for r in _good_person("a")]
            + [{"subject_id": bob, "subject_kind": "person", **r} for r in _poor_person("b")])
    store = Store.init(home, jurisdiction=jurisdiction)
    store.append_events(batch(rows))
    if jurisdiction == "eu":
        for subject in (ann, bob):
            set_enrollment(store, store.find_subject(subject)[0], True, now=NOW)
    return store, ann, bob


@pytest.fixture
def eu(tmp_path: Path) -> Iterator[tuple[Store, str, str]]:
    store, ann, bob = small_store(tmp_path / "eu")
    yield store, ann, bob
    store.close()


def db_bytes(store: Store) -> bytes:
    store.con.execute("CHECKPOINT")
    return b"".join(p.read_bytes() for p in store.home.glob("xinyong.duckdb*"))


def key_store_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((home / KEY_DIR).rglob("*")) if p.is_file())


def audit_actions(store: Store, subject_key: int) -> list[str]:
    return [r[0] for r in store.query(
        "SELECT action FROM audit_log WHERE subject_key = ? ORDER BY seq", [subject_key])]


def test_personal_fields_are_ciphertext_only_in_the_database(eu: tuple[Store, str, str]) -> None:
    store, ann, _ = eu
    key = store.find_subject(ann)[0]
    assert record_identity(store, key, name=NAME, birth_date=date(1988, 4, 9), address=ADDRESS,
                           now=NOW) == ["address", "birth_date", "name"]
    identity = read_identity(store, key)
    assert identity is not None
    assert (identity.name, identity.birth_date, identity.address) == (
        NAME, date(1988, 4, 9), ADDRESS)
    data = db_bytes(store)
    assert b"test-furnisher" in data  # the search does find what is stored in clear
    for plaintext in (NAME, ADDRESS, "Quixotic", "Zeppelinstrasse", "1988-04-09"):
        assert plaintext.encode() not in data
        assert plaintext.encode("utf-16-le") not in data
    assert audit_actions(store, key)[-1] == "identity.record"
    payload = store.query("SELECT payload FROM audit_log WHERE action = 'identity.record'")[0][0]
    assert "Quixotic" not in payload and json.loads(payload)["details"] == {
        "fields": ["address", "birth_date", "name"]}


def test_updating_one_field_keeps_the_others(eu: tuple[Store, str, str]) -> None:
    store, ann, _ = eu
    key = store.find_subject(ann)[0]
    record_identity(store, key, name=NAME, address=ADDRESS, now=NOW)
    record_identity(store, key, address="1 New Street", now=NOW)
    identity = read_identity(store, key)
    assert identity is not None and (identity.name, identity.address) == (NAME, "1 New Street")
    assert read_identity(store, store.find_subject("P-BOB")[0]) is None


def test_erasure_destroys_the_key_and_stops_scoring_and_queries(
        eu: tuple[Store, str, str]) -> None:
    store, ann, bob = eu
    key = store.find_subject(ann)[0]
    record_identity(store, key, name=NAME, address=ADDRESS, now=NOW)
    record_identity(store, store.find_subject(bob)[0], name="Bob Other", now=NOW)
    subject_key = SubjectKeyStore(store.home).get(key)
    assert subject_key is not None and subject_key in key_store_bytes(store.home)
    saved = store.query("SELECT * FROM subject_identity WHERE subject_key = ?", [key])

    erasure = erase_subject(store, key, now=NOW)

    assert erasure.key_destroyed and erasure.fields_deleted == 2
    assert subject_key not in key_store_bytes(store.home)
    assert subject_key.hex().encode() not in key_store_bytes(store.home)
    assert read_identity(store, key) is None
    assert store.query("SELECT enrolled FROM subjects WHERE subject_key = ?", [key]) == [(False,)]
    assert audit_actions(store, key)[-1] == "subject.erase"
    # Bob's key and fields are untouched.
    bob_identity = read_identity(store, store.find_subject(bob)[0])
    assert bob_identity is not None and bob_identity.name == "Bob Other"
    # A copy of the ciphertexts (say, a backup) is useless without the key.
    store.con.execute("INSERT INTO subject_identity SELECT * FROM (VALUES "
                      + ", ".join(["(?, ?, ?, ?, ?)"] * len(saved)) + ")",
                      [v for row in saved for v in row])
    assert read_identity(store, key) is None
    store.con.execute("DELETE FROM subject_erasures")
    with pytest.raises(XinyongError) as caught:
        read_identity(store, key)
    assert caught.value.code == "IDENTITY_KEY_MISSING"


def test_an_erased_subject_is_refused_everywhere(eu: tuple[Store, str, str]) -> None:
    store, ann, _ = eu
    key = store.find_subject(ann)[0]
    register_party(store, "acme-bank", "Acme Bank", ["extension_of_credit"], now=NOW)
    grant_consent(store, ann, "acme-bank", "extension_of_credit", days=30, now=NOW)
    erase_subject(store, key, now=NOW)
    with pytest.raises(QueryRefused) as refused:
        request_score(store, party_id="acme-bank", subject_id=ann,
                      purpose="extension_of_credit", now=NOW)
    assert refused.value.code == "SUBJECT_ERASED"
    for attempt in (lambda: set_enrollment(store, key, True, now=NOW),
                    lambda: record_identity(store, key, name=NAME, now=NOW),
                    lambda: grant_consent(store, ann, "acme-bank", "extension_of_credit",
                                          days=30, now=NOW)):
        with pytest.raises(XinyongError) as caught:
            attempt()
        assert caught.value.code == "SUBJECT_ERASED"
    again = erase_subject(store, key, now=NOW)  # harmless, and completes an interrupted one
    assert not again.key_destroyed


def test_tampered_or_moved_ciphertext_does_not_decrypt(eu: tuple[Store, str, str]) -> None:
    store, ann, bob = eu
    key, other = store.find_subject(ann)[0], store.find_subject(bob)[0]
    record_identity(store, key, name=NAME, address=ADDRESS, now=NOW)
    record_identity(store, other, name="Bob Other", now=NOW)

    def expect_tampered(field: str) -> None:
        with pytest.raises(XinyongError) as caught:
            read_identity(store, key)
        assert caught.value.code == "IDENTITY_TAMPERED" and caught.value.field == field

    # One flipped bit of the name's ciphertext.
    blob = bytearray(store.query("SELECT ciphertext FROM subject_identity WHERE subject_key = ? "
                                 "AND field = 'name'", [key])[0][0])
    blob[0] ^= 1
    store.con.execute("UPDATE subject_identity SET ciphertext = ? WHERE subject_key = ? "
                      "AND field = 'name'", [bytes(blob), key])
    expect_tampered("name")
    # The address blob copied into the name: the associated data binds the field.
    store.con.execute("UPDATE subject_identity AS t SET nonce = s.nonce, ciphertext = s.ciphertext "
                      "FROM subject_identity AS s WHERE t.subject_key = ? AND t.field = 'name' "
                      "AND s.subject_key = ? AND s.field = 'address'", [key, key])
    expect_tampered("name")
    # Bob's name blob copied to Ann: the associated data binds the subject too.
    store.con.execute("UPDATE subject_identity AS t SET nonce = s.nonce, ciphertext = s.ciphertext "
                      "FROM subject_identity AS s WHERE t.subject_key = ? AND t.field = 'name' "
                      "AND s.subject_key = ? AND s.field = 'name'", [key, other])
    expect_tampered("name")


def test_opt_out_stops_scoring_and_queries(eu: tuple[Store, str, str]) -> None:
    store, ann, _ = eu
    rulebook = load_rulebook("sesame-like")
    key = store.find_subject(ann)[0]
    score_with_relationships(store, rulebook, AS_OF)
    assert store.query("SELECT COUNT(*) FROM scores WHERE subject_key = ?", [key]) == [(1,)]
    register_party(store, "acme-bank", "Acme Bank", ["extension_of_credit"], now=NOW)
    grant_consent(store, ann, "acme-bank", "extension_of_credit", days=30, now=NOW)
    assert request_score(store, party_id="acme-bank", subject_id=ann,
                         purpose="extension_of_credit", now=NOW).score.score is not None

    assert set_enrollment(store, key, False, now=NOW)
    assert not set_enrollment(store, key, False, now=NOW)  # already out: no change

    run = score_with_relationships(store, rulebook, date(2026, 11, 2))
    assert run.subjects == 1
    assert store.query("SELECT COUNT(*) FROM scores WHERE subject_key = ? AND as_of = ?",
                       [key, date(2026, 11, 2)]) == [(0,)]
    with pytest.raises(QueryRefused) as refused:
        request_score(store, party_id="acme-bank", subject_id=ann,
                      purpose="extension_of_credit", now=NOW)
    assert refused.value.code == "SUBJECT_OPTED_OUT"
    last = inquiry_history(store, key)[-1]
    assert (last.result, last.refusal_code) == ("refused", "SUBJECT_OPTED_OUT")
    assert [a for a in audit_actions(store, key) if a.startswith("subject.")] == [
        "subject.opt_in", "subject.opt_out", "subject.opt_out"]
    # Opting back in: queries go ahead; the score comes with the next batch run.
    set_enrollment(store, key, True, now=NOW)
    assert request_score(store, party_id="acme-bank", subject_id=ann, purpose="extension_of_credit",
                         now=NOW).score.unscorable_reason == "NOT_YET_SCORED"
    score_with_relationships(store, rulebook, date(2026, 11, 2))
    assert request_score(store, party_id="acme-bank", subject_id=ann,
                         purpose="extension_of_credit", now=NOW).score.score is not None


def test_mandatory_profile_refuses_opt_out_and_erasure_on_request(tmp_path: Path) -> None:
    store, ann, _ = small_store(tmp_path / "cn", "cn-pilot")
    try:
        key = store.find_subject(ann)[0]
        record_identity(store, key, name=NAME, now=NOW)
        for attempt, code in [(lambda: set_enrollment(store, key, False, now=NOW),
                               "OPT_OUT_NOT_ALLOWED"),
                              (lambda: erase_subject(store, key, now=NOW),
                               "ERASURE_NOT_ALLOWED")]:
            with pytest.raises(XinyongError) as caught:
                attempt()
            assert caught.value.code == code
        assert read_identity(store, key) is not None
        assert store.query("SELECT enrolled FROM subjects WHERE subject_key = ?",
                           [key]) == [(True,)]
        erasure = erase_subject(store, key, now=NOW, by="operator")  # on a legal order
        assert erasure.key_destroyed and read_identity(store, key) is None
        assert store.query("SELECT actor FROM audit_log WHERE action = 'subject.erase'") == [
            ("operator",)]
    finally:
        store.close()


@pytest.mark.parametrize(("kwargs", "code"), [
    ({}, "IDENTITY_NOTHING"),
    ({"name": "  "}, "IDENTITY_FIELD_EMPTY"),
    ({"address": "x" * 501}, "IDENTITY_FIELD_TOO_LONG"),
    ({"birth_date": date(2030, 1, 1)}, "IDENTITY_BIRTH_DATE"),
])
def test_bad_identity_fields(eu: tuple[Store, str, str], kwargs: dict[str, object],
                             code: str) -> None:
    store, ann, _ = eu
    with pytest.raises(XinyongError) as caught:
        record_identity(store, store.find_subject(ann)[0], now=NOW, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 600)), max_size=40))
def test_key_store_keeps_exactly_the_live_keys(tmp_path_factory: pytest.TempPathFactory,
                                               steps: list[tuple[bool, int]]) -> None:
    home = tmp_path_factory.mktemp("keys")
    keys = SubjectKeyStore(home)
    live: dict[int, bytes] = {}
    dead: list[bytes] = []
    for create, subject in steps:
        if create:
            live[subject] = keys.create(subject)
        elif subject in live:
            assert keys.delete(subject)
            dead.append(live.pop(subject))
        else:
            assert not keys.delete(subject)
    for subject in range(1, 601):
        assert keys.get(subject) == live.get(subject)
    stored = key_store_bytes(home)
    assert all(k in stored for k in live.values())
    assert not any(k in stored for k in dead)


def test_cli_identity_erase_and_opt_out(tmp_path: Path) -> None:
    store, ann, _ = small_store(tmp_path / "eu")
    store.close()
    home = ["--home", str(tmp_path / "eu")]
    result = runner.invoke(app, ["subject", "identity", ann, "--name", NAME, "--birth-date",
                                 "1988-04-09", *home, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"recorded": ["birth_date", "name"]}
    refused = runner.invoke(app, ["subject", "erase", ann, *home])
    assert isinstance(refused.exception, XinyongError)
    assert refused.exception.code == "ERASE_NOT_CONFIRMED"
    result = runner.invoke(app, ["subject", "opt-out", ann, *home, "--json"])
    assert json.loads(result.stdout) == {"enrolled": False, "changed": True}
    result = runner.invoke(app, ["subject", "erase", ann, "--confirm", *home, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["key_destroyed"] is True
    result = runner.invoke(app, ["report", ann, *home, "--json"])
    assert json.loads(result.stdout)["identity"]["status"] == "erased"
