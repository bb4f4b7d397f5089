"""Erasure blanks the subject's free text and rewrites the file: the bytes are gone from it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.decisions.conftest import NOW, Templates, World, open_world
from tests.decisions.conftest import templates as templates
from xinyong.decisions import (
    decide,
    grant_consent,
    place_fraud_alert,
    register_party,
    request_review,
    resolve_review,
)
from xinyong.errors import XinyongError
from xinyong.governance._audit_verify import verify_chain
from xinyong.governance._disputes import answer_dispute, open_dispute
from xinyong.governance._erasure_scrub import ERASED, blank_subject_text, rewrite_database_file
from xinyong.governance._identity import erase_subject, record_identity
from xinyong.store import Store

CREDIT = "extension_of_credit"
NAME = "Quixotina Zeppelinova"
STREET = "9 Quincunx Lane"
# Words that appear nowhere in the store but in what the subject (or others about them) wrote.
MARKERS = ("Quixotina", "Zeppelinova", "Quincunx", "Brontosaurine", "Xylophagous",
           "Ptarmigan", "Wobbegong", "Obelisque")


@pytest.fixture
def world(templates: Templates, tmp_path: Path) -> Iterator[World]:
    w = open_world(templates, tmp_path)
    register_party(w.store, "acme-bank", "Acme Bank", [CREDIT], now=NOW)
    yield w
    w.store.close()


def file_bytes(store: Store) -> bytes:
    store.con.execute("CHECKPOINT")
    return b"".join(p.read_bytes() for p in store.home.glob("xinyong.duckdb*") if p.is_file())


def _dispute_target(store: Store, subject_key: int) -> str:
    row = store.query("SELECT f.name, e.event_id FROM events AS e JOIN furnishers AS f "
                      "USING (furnisher_id) WHERE e.subject_key = ? ORDER BY e.event_seq "
                      "LIMIT 1", [subject_key])[0]
    return f"{row[0]}:{row[1]}"


def _write_everything(world: World) -> tuple[int, int]:
    """The low subject writes (and is written about) in every free-text place; high too."""
    store = world.store
    low, high = world.key(world.low), world.key(world.high)
    record_identity(store, low, name=NAME, address=STREET, now=NOW)
    dispute = open_dispute(store, low, event=_dispute_target(store, low),
                           reason=f"I, {NAME}, never had this account",
                           statement=f"{NAME} of {STREET}: Brontosaurine mix-up", now=NOW)
    furnisher = dispute.furnisher
    answer_dispute(store, dispute.dispute_id, furnisher=furnisher, answer="verified",
                   note="Xylophagous: checked with the customer file", now=NOW)
    place_fraud_alert(store, world.low, note="Ptarmigan: my phone was stolen", now=NOW)
    grant_consent(store, world.low, "acme-bank", CREDIT, days=30, now=NOW)
    decision = decide(store, party_id="acme-bank", subject_id=world.low, product="pay-later",
                      purpose=CREDIT, now=NOW)
    assert decision.outcome == "decline"
    review = request_review(store, decision.decision_id, "Wobbegong: a billing error", now=NOW)
    resolve_review(store, review.review_id, reviewer="Li Wei", outcome="upheld",
                   note="Obelisque: income too low", now=NOW + timedelta(days=1))
    place_fraud_alert(store, world.high, note="someone else's note stays", now=NOW)
    return low, high


def test_erasure_leaves_none_of_the_subject_s_text_in_the_database_file(world: World) -> None:
    store = world.store
    low, _ = _write_everything(world)
    before = file_bytes(store)
    assert all(m.encode() in before for m in MARKERS)  # the search finds what is stored

    erasure = erase_subject(store, low, now=NOW + timedelta(days=2), by="operator")

    assert erasure.file_rewritten and erasure.texts_blanked >= 8
    after = file_bytes(store)
    assert [m for m in MARKERS if m.encode() in after] == []
    assert b"someone else's note stays" in after
    assert store.query("SELECT reason, statement, answer_note FROM disputes "
                       "WHERE subject_key = ?", [low]) == [(ERASED, ERASED, ERASED)]
    assert store.query("SELECT note FROM subject_flags WHERE subject_key = ?", [low]) == [
        (ERASED,)]
    assert store.query("SELECT statement, note FROM decision_reviews") == [(ERASED, ERASED)]
    # the structured facts stay: what happened, when, with which outcome
    assert store.query("SELECT status, final_outcome FROM decision_reviews") == [
        ("upheld", "decline")]


def test_the_rewritten_store_is_the_same_store(world: World) -> None:
    store = world.store
    low, high = _write_everything(world)
    tables = [r[0] for r in store.query("SELECT table_name FROM duckdb_tables() "
                                        "WHERE NOT temporary ORDER BY 1")]
    counts = {t: store.query(f"SELECT COUNT(*) FROM {t}") for t in tables}
    erase_subject(store, low, now=NOW + timedelta(days=2), by="operator")
    assert {t: store.query(f"SELECT COUNT(*) FROM {t}") for t in tables} == {
        **counts, "subject_identity": [(0,)], "subject_erasures": [(1,)],
        "audit_log": [(counts["audit_log"][0][0] + 1,)]}
    assert verify_chain(store.con).ok
    # sequences go on where they were: a new dispute does not reuse a number
    again = open_dispute(store, high, event=_dispute_target(store, high), reason="not mine",
                         now=NOW + timedelta(days=3))
    assert again.dispute_id == 2
    store.close()
    reopened = Store.open(store.home)
    try:
        assert reopened.query("SELECT COUNT(*) FROM disputes") == [(2,)]
    finally:
        reopened.close()


def test_blanking_touches_only_the_subject_and_is_idempotent(world: World) -> None:
    store = world.store
    low, high = _write_everything(world)
    store.con.execute("BEGIN TRANSACTION")
    first = blank_subject_text(store.con, low)
    second = blank_subject_text(store.con, low)
    store.con.execute("COMMIT")
    assert first >= 8 and second == 0
    assert store.query("SELECT note FROM subject_flags WHERE subject_key = ?", [high]) == [
        ("someone else's note stays",)]
    notices = store.query("SELECT CAST(body AS VARCHAR) FROM subject_notices "
                          "WHERE subject_key = ?", [low])
    assert notices and not any("Obelisque" in n[0] for n in notices)


def test_a_rewrite_that_cannot_attach_leaves_the_old_file_in_use(world: World) -> None:
    store = world.store
    blocker = store.home / "xinyong.duckdb.rewrite"
    blocker.mkdir()  # the new file cannot be created where a directory is
    (blocker / "x").write_text("")
    with pytest.raises(XinyongError) as failed:
        rewrite_database_file(store)
    assert failed.value.code == "STORE_REWRITE_FAILED"
    assert store.query("SELECT COUNT(*) FROM subjects")[0][0] > 0
