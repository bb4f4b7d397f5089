"""A decision's records: all or nothing, chained into the audit log, read in one round trip."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.decisions.conftest import NOW, Templates, World, open_world
from xinyong.decisions import (
    QueryRefused,
    add_listing,
    deactivate_party,
    decide,
    grant_consent,
    register_party,
)
from xinyong.decisions._access import authorise
from xinyong.decisions._event_index import REPRESENTED, hard_inquiry_times, refresh
from xinyong.decisions._lists import restrictions_for
from xinyong.decisions._scores import ScoreRun, latest_run, latest_score
from xinyong.decisions._subject_file import read_subject_file, subject_file_from_gate
from xinyong.governance import record_audit
from xinyong.governance._audit_verify import verify_chain
from xinyong.governance._disputes import sweep_disputes
from xinyong.store import Store

CREDIT = "extension_of_credit"
RECORDS = ("inquiries", "decisions", "subject_notices", "events", "batches",
           "decision_event_index", "audit_log")


@pytest.fixture
def bank(world: World) -> World:
    register_party(world.store, "acme-bank", "Acme Bank", [CREDIT], now=NOW)
    for subject in (world.high, world.low, world.rep):
        grant_consent(world.store, subject, "acme-bank", CREDIT, days=60, now=NOW)
    return world


def counts(world: World) -> dict[str, Any]:
    found: dict[str, Any] = {t: world.store.query(f"SELECT COUNT(*) FROM {t}")[0][0]
                             for t in RECORDS}
    found["head"] = world.store.query("SELECT seq, hash FROM audit_head")[0]
    return found


def pay_later(world: World, subject: str, days: int = 0) -> Any:
    return decide(world.store, party_id="acme-bank", subject_id=subject, product="pay-later",
                  purpose=CREDIT, now=NOW + timedelta(days=days))


def test_a_decision_that_fails_midway_records_nothing_and_the_chain_goes_on(
        bank: World, monkeypatch: pytest.MonkeyPatch) -> None:
    pay_later(bank, bank.high)  # the connection now remembers the audit head
    before = counts(bank)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the disk is full")

    # pay-later is a hard inquiry: the failure comes after the inquiry, its event, its index
    # row, its audit entry and the decision were written, and takes them all back.
    monkeypatch.setattr("xinyong.decisions._decide.notify", broken)
    with pytest.raises(RuntimeError):
        pay_later(bank, bank.low)
    assert counts(bank) == before
    monkeypatch.undo()
    decision = pay_later(bank, bank.low, days=1)
    assert decision.outcome == "decline" and decision.notice is not None
    after = counts(bank)
    assert after["audit_log"] == before["audit_log"] + 1
    assert after["head"][0] == before["head"][0] + 1
    assert after["decision_event_index"] == before["decision_event_index"] + 1
    assert verify_chain(bank.store.con).ok


def test_audit_entries_appended_through_two_connections_form_one_chain(bank: World) -> None:
    con = bank.store.con
    other = con.cursor()
    seqs = [record_audit(con, "operator.check", actor="operator", at=NOW),
            record_audit(other, "operator.check", actor="operator", at=NOW),
            record_audit(con, "operator.check", actor="operator", at=NOW),  # its head is stale
            record_audit(other, "operator.check", actor="operator", at=NOW)]
    other.close()
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    check = verify_chain(con)
    assert check.ok and check.head_seq == seqs[-1]


def test_an_edited_head_is_read_again_not_overwritten(bank: World) -> None:
    con = bank.store.con
    first = record_audit(con, "operator.check", actor="operator", at=NOW)
    # Someone (a restore, a second writer before this one opened) moves the head on.
    con.execute("UPDATE audit_head SET seq = seq + 5")
    second = record_audit(con, "operator.check", actor="operator", at=NOW)
    assert second == first + 6  # from the table's head, not the remembered one


def test_the_subject_file_agrees_with_the_separate_reads(bank: World) -> None:
    store = bank.store
    for subject in (bank.org_listed, bank.low):
        add_listing(store, "court-dishonest-debtors", subject, grounds="evades_enforcement",
                    legal_basis="Civil Procedure Law art. 262", authority="Chengdu Court",
                    now=NOW)
    pay_later(bank, bank.high)
    pay_later(bank, bank.high, days=2)  # two hard inquiries
    at = NOW + timedelta(days=11)
    refresh(store.con)
    for subject in (bank.high, bank.low, bank.rep, bank.thin, bank.org_listed, bank.org_clean):
        key, kind = store.find_subject(subject)
        run = latest_run(store.con, "sesame-like", at)
        assert run is not None
        file = read_subject_file(store.con, key, kind, run, at)
        assert file.score == latest_score(store.con, key, "sesame-like", at)
        own, _ = restrictions_for(store, key, kind, now=at)
        assert file.entries == own
        assert file.hard_inquiries == hard_inquiry_times(store.con, key)
        represented = sorted(r[0] for r in store.con.execute(
            REPRESENTED, {"key": key, "at": at}).fetchall()) if kind == "person" else []
        assert file.organisations == represented
        if subject in (bank.high, bank.low, bank.rep):  # the gate reads it in its round trip
            access = authorise(store, party_id="acme-bank", subject_id=subject, purpose=CREDIT,
                               model="sesame-like", now=at)
            assert access.file_rows is not None and access.run == run
            assert subject_file_from_gate(store.con, access.file_rows, key, kind, run,
                                          at) == file
    high = read_subject_file(store.con, bank.key(bank.high), "person", run, at)
    assert len(high.hard_inquiries) == 2
    rep = read_subject_file(store.con, bank.key(bank.rep), "person", run, at)
    assert rep.organisations == [bank.org_listed]
    low = read_subject_file(store.con, bank.key(bank.low), "person", run, at)
    assert [e.list_id for e in low.entries] == ["court-dishonest-debtors"]


def test_the_subject_file_shows_an_open_listing_dispute_and_drops_the_suppressed_entry(
        tmp_path: Path) -> None:
    from tests.governance.listings import listed_person_disputing

    with Store.init(tmp_path / "home", jurisdiction="us") as store:
        key, entry, dispute = listed_person_disputing(store)
        run = ScoreRun("sesame-like", "1.0.0", date(2026, 11, 1))
        refresh(store.con)
        before = read_subject_file(store.con, key, "person", run, dispute.respond_by)
        assert [e.entry_id for e in before.entries] == [entry.entry_id]
        assert before.entries == restrictions_for(store, key, "person",
                                                  now=dispute.respond_by)[0]
        assert [(d["record"], d["status"]) for d in before.score.disputes] == [
            (f"list-entry:{entry.entry_id}", "open")]
        after = dispute.respond_by + timedelta(hours=1)
        sweep_disputes(store, now=after)
        file = read_subject_file(store.con, key, "person", run, after)
        assert file.entries == [] == restrictions_for(store, key, "person", now=after)[0]
        assert file.score.disputes == []  # suppressed: no longer shown as pending
        assert file.score.unscorable_reason == "NOT_YET_SCORED"


def test_a_party_deactivated_after_its_registration_was_read_is_refused_next(
        bank: World) -> None:
    assert pay_later(bank, bank.high).outcome  # the gate now knows acme-bank's registration
    deactivate_party(bank.store, "acme-bank")
    with pytest.raises(QueryRefused) as refused:
        pay_later(bank, bank.high, days=1)
    assert refused.value.code == "UNKNOWN_PARTY"
    register_party(bank.store, "acme-bank", "Acme Bank", ["tenancy_screening"], now=NOW)
    with pytest.raises(QueryRefused) as refused:  # registered again, for another purpose
        pay_later(bank, bank.high, days=2)
    assert refused.value.code == "PURPOSE_NOT_REGISTERED"
    register_party(bank.store, "acme-bank", "Acme Bank", [CREDIT], now=NOW)
    assert pay_later(bank, bank.high, days=3).party_id == "acme-bank"


def test_a_registration_read_on_one_store_is_not_taken_for_another(
        templates: Templates, tmp_path: Path) -> None:
    first = open_world(templates, tmp_path / "a")
    second = open_world(templates, tmp_path / "b")
    try:
        register_party(first.store, "acme-bank", "Acme Bank", [CREDIT], now=NOW)
        grant_consent(first.store, first.high, "acme-bank", CREDIT, days=60, now=NOW)
        register_party(second.store, "acme-bank", "Acme Bank", ["tenancy_screening"], now=NOW)
        assert pay_later(first, first.high).outcome
        with pytest.raises(QueryRefused) as refused:  # registered otherwise on the second store
            pay_later(second, second.high)
        assert refused.value.code == "PURPOSE_NOT_REGISTERED"
    finally:
        first.store.close()
        second.store.close()
