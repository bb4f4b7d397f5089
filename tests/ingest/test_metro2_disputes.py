"""Metro 2 compliance condition codes through ingest: furnisher-reported disputes.

An account reported ``XB`` marks its stored events disputed (``opened_by = 'furnisher'``, open,
no clock), shown like a subject's dispute; a later file closes them (``XC`` verified, ``XH``/``XR``
resolved); a blank code changes nothing.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from xinyong.decisions._scores import shown_disputes
from xinyong.errors import XinyongError
from xinyong.governance import answer_dispute, list_disputes, open_dispute, sweep_disputes
from xinyong.governance._furnisher_disputes import FurnisherDisputes
from xinyong.governance._report import subject_report
from xinyong.ingest import IngestSummary, ingest_file
from xinyong.ingest.metro2 import metro2_fixed_bytes, read_metro2
from xinyong.ingest.metro2_adapter import record_metro2_disputes
from xinyong.store import Store

CCC = 152  # the compliance condition code's position in the base segment
JUNE, JULY = date(2024, 6, 30), date(2024, 7, 31)
DISPUTED, OTHER = "A00000000001", "A00000000002"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.init(tmp_path / "us", jurisdiction="us")
    s.add_furnisher("bank", ["loan.*", "relationship.*"])
    return s


def metro2_file(codes: dict[str, bytes], *, activity: date = JUNE) -> bytes:
    """Four generated accounts; every compliance code blank but those named in ``codes``."""
    data = bytearray(metro2_fixed_bytes(4, seed=5, activity_date=activity))
    for base in read_metro2(bytes(data)).bases:
        data[base.offset + CCC:base.offset + CCC + 2] = codes.get(base.account_number, b"  ")
    return bytes(data)


def ingest(store: Store, tmp_path: Path, data: bytes, name: str) -> IngestSummary:
    """Ingest a file: the pipeline applies its disputes after the batch commits."""
    path = tmp_path / name
    path.write_bytes(data)
    summary = ingest_file(store, path, furnisher="bank", fmt="metro2")
    assert summary.batch_id is not None
    furnisher_id, _ = store.furnisher("bank")
    # the staged reports were used by the pipeline: a second call finds nothing to do
    assert record_metro2_disputes(store, furnisher_id, batch_id=summary.batch_id) == \
        FurnisherDisputes(0, 0, 0)
    return summary


def account_events(store: Store, account: str) -> set[str]:
    return {r[0] for r in store.query(
        "SELECT event_id FROM events WHERE starts_with(event_id, ?)", [f"m2:{account}:"])}


def disputes_by_status(store: Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for d in list_disputes(store):
        assert d.opened_by == "furnisher" and d.event_id is not None
        found.setdefault(d.status, set()).add(d.event_id)
    return found


def subject_key_of(store: Store, account: str) -> int:
    row = store.query("SELECT subject_key FROM events WHERE starts_with(event_id, ?) LIMIT 1",
                      [f"m2:{account}:"])
    return int(row[0][0])


def furnisher_reports(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT subject_key, payload FROM audit_log "
                       "WHERE action = 'dispute.furnisher_report' ORDER BY seq")
    for subject_key, _ in rows:
        assert subject_key is None  # counts only: the disputes name the subjects
    return [json.loads(payload)["details"] for _, payload in rows]


def test_xb_marks_every_stored_event_of_the_account_open_with_no_clock(
        store: Store, tmp_path: Path) -> None:
    ingest(store, tmp_path, metro2_file({DISPUTED: b"XB"}), "june.dat")
    events = account_events(store, DISPUTED)
    assert events and disputes_by_status(store) == {"open": events}
    (first, *_) = list_disputes(store)
    shown = first.to_json()
    assert (shown["opened_by"], shown["notify_by"], shown["respond_by"]) == ("furnisher", None, None)
    assert "(XB)" in first.reason and first.statement is None
    # No clock: years later the sweep neither notifies nor suppresses anything.
    swept = sweep_disputes(store, now=datetime(2030, 1, 1))
    assert (swept.notified, swept.suppressed) == ([], [])
    assert furnisher_reports(store)[0]["opened"] == len(events)


def test_a_furnisher_dispute_is_shown_to_the_subject_and_to_relying_parties(
        store: Store, tmp_path: Path) -> None:
    ingest(store, tmp_path, metro2_file({DISPUTED: b"XB"}), "june.dat")
    key = subject_key_of(store, DISPUTED)
    report = subject_report(store, key)
    assert report["events"] and all(e["disputed"] for e in report["events"])
    shown = shown_disputes(store.con, key)
    assert {d["status"] for d in shown} == {"open"}
    assert {d["record"] for d in shown} == {f"bank:{e}" for e in account_events(store, DISPUTED)}
    other = subject_report(store, subject_key_of(store, OTHER))
    assert not any(e["disputed"] for e in other["events"])


def test_resending_the_file_opens_nothing_twice(store: Store, tmp_path: Path) -> None:
    data = metro2_file({DISPUTED: b"XB"})
    ingest(store, tmp_path, data, "june.dat")
    again = ingest(store, tmp_path, data, "june-again.dat")
    assert again.accepted == 0
    assert len(list_disputes(store)) == len(account_events(store, DISPUTED))
    assert len(furnisher_reports(store)) == 1  # the second batch changed nothing


def test_a_blank_code_keeps_the_dispute_and_marks_the_new_months(
        store: Store, tmp_path: Path) -> None:
    ingest(store, tmp_path, metro2_file({DISPUTED: b"XB"}), "june.dat")
    before = account_events(store, DISPUTED)
    july = ingest(store, tmp_path, metro2_file({}, activity=JULY), "july.dat")
    after = account_events(store, DISPUTED)
    assert july.accepted > 0 and after > before
    assert disputes_by_status(store) == {"open": after}


@pytest.mark.parametrize(("code", "status", "still_shown"), [
    (b"XC", "verified", True),  # investigation completed, the consumer disagrees
    (b"XH", "resolved", False),  # resolved
    (b"XR", "resolved", False),  # the last code removed
])
def test_a_later_code_closes_the_dispute(store: Store, tmp_path: Path, code: bytes,
                                         status: str, still_shown: bool) -> None:
    ingest(store, tmp_path, metro2_file({DISPUTED: b"XB"}), "june.dat")
    events = account_events(store, DISPUTED)
    ingest(store, tmp_path, metro2_file({DISPUTED: code}), "june-closed.dat")
    assert disputes_by_status(store) == {status: events}
    assert all(d.answer_note and d.answer_note.endswith(code.decode())
               for d in list_disputes(store))
    shown = shown_disputes(store.con, subject_key_of(store, DISPUTED))
    assert {d["status"] for d in shown} == ({status} if still_shown else set())
    assert furnisher_reports(store)[-1] == {"batch_id": 2, "opened": 0,
                                            "verified": len(events) if still_shown else 0,
                                            "resolved": 0 if still_shown else len(events)}
    # A new XB after the dispute closed opens a new one.
    ingest(store, tmp_path, metro2_file({DISPUTED: b"XB"}), "june-again.dat")
    assert disputes_by_status(store)["open"] == events


def test_a_code_on_an_account_never_disputed_opens_nothing(store: Store, tmp_path: Path) -> None:
    ingest(store, tmp_path, metro2_file({OTHER: b"XA", DISPUTED: b"XC"}), "june.dat")
    assert list_disputes(store) == [] and furnisher_reports(store) == []


def test_the_subject_may_still_dispute_but_the_furnisher_does_not_answer_its_own(
        store: Store, tmp_path: Path) -> None:
    ingest(store, tmp_path, metro2_file({DISPUTED: b"XB"}), "june.dat")
    (reported, *_) = list_disputes(store)
    with pytest.raises(XinyongError) as caught:
        answer_dispute(store, reported.dispute_id, furnisher="bank", answer="verified")
    assert caught.value.code == "DISPUTE_FURNISHER_REPORTED"
    own = open_dispute(store, reported.subject_key, event=reported.record,
                       reason="I paid that month", statement="Receipt attached.")
    assert own.opened_by == "subject" and own.to_json()["respond_by"] is not None
