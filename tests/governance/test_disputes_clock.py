"""The dispute clock cannot be beaten, and a suppressed record stays out until certified."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.governance.test_disputes import (
    FRIDAY,
    FURNISHER,
    LATE_CSV,
    audit_actions,
    open_late,
    scoring_ids,
)
from tests.governance.test_disputes import store as store  # the fixture
from xinyong.errors import XinyongError
from xinyong.governance._disputes import (
    Answer,
    answer_dispute,
    certify_record,
    get_dispute,
    sweep_disputes,
)
from xinyong.ingest._pipeline import ingest_file
from xinyong.store import Store

RESPOND_BY = FRIDAY + timedelta(days=30)


@pytest.fixture
def renamed(tmp_path: Path) -> Iterator[Path]:
    """The disputed record's content under a new event id."""
    path = tmp_path / "renamed.csv"
    path.write_text(LATE_CSV.replace("L1,", "L1-again,"))
    yield path


def codes(result: Any) -> list[str]:
    return [e["code"] for e in result.errors]


# -- suppressed records and reinsertion (FCRA §611(a)(5)) ------------------------------------
def test_suppressed_record_is_refused_at_reingest_until_certified(
        store: Store, tmp_path: Path, renamed: Path) -> None:
    dispute_id = open_late(store)
    assert sweep_disputes(store, now=RESPOND_BY + timedelta(days=1)).suppressed == [dispute_id]
    assert "L1" not in scoring_ids(store)

    under_new_id = ingest_file(store, renamed, furnisher=FURNISHER)
    assert under_new_id.accepted == 0 and codes(under_new_id) == ["DISPUTE_DELETED"]
    same_id = ingest_file(store, tmp_path / "late.csv", furnisher=FURNISHER)
    assert same_id.quarantined == 1 and codes(same_id) == ["DISPUTE_DELETED"]
    assert "L1-again" not in scoring_ids(store)

    certify_record(store, dispute_id, furnisher=FURNISHER, note="checked against the meter",
                   now=RESPOND_BY + timedelta(days=2))
    assert "L1" in scoring_ids(store)
    again = ingest_file(store, renamed, furnisher=FURNISHER)
    assert again.quarantined == 0 and codes(again) == []


def test_a_suppressed_record_deleted_later_stays_blocked_once(store: Store,
                                                              renamed: Path) -> None:
    dispute_id = open_late(store)
    sweep_disputes(store, now=RESPOND_BY + timedelta(days=1))
    answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="deleted",
                   now=RESPOND_BY + timedelta(days=2))
    assert store.query("SELECT kind FROM dispute_exclusions") == [("deleted",)]
    assert store.query("SELECT COUNT(*) FROM dispute_deleted_records") == [(1,)]
    assert codes(ingest_file(store, renamed, furnisher=FURNISHER)) == ["DISPUTE_DELETED"]


# -- late answers ----------------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["verified", "corrected"])
def test_a_late_answer_is_refused_and_suppresses_the_record_at_once(
        store: Store, renamed: Path, answer: Answer) -> None:
    dispute_id = open_late(store)
    sweep_disputes(store, now=FRIDAY + timedelta(hours=1))  # notified; the sweep then stops
    late = RESPOND_BY + timedelta(minutes=1)
    with pytest.raises(XinyongError) as refused:
        answer_dispute(store, dispute_id, furnisher=FURNISHER, answer=answer, now=late)
    assert refused.value.code == "DISPUTE_ANSWER_LATE"
    assert "certify" in refused.value.message
    dispute = get_dispute(store.con, dispute_id)
    assert (dispute.status, dispute.suppressed_at, dispute.answered_at) == (
        "suppressed", late, None)
    assert "L1" not in scoring_ids(store)
    assert audit_actions(store) == ["dispute.open", "dispute.notify", "dispute.suppress"]
    assert codes(ingest_file(store, renamed, furnisher=FURNISHER)) == ["DISPUTE_DELETED"]
    # the sweep finds nothing left; the same answer again is refused as closed
    assert sweep_disputes(store, now=late + timedelta(days=1)).suppressed == []
    with pytest.raises(XinyongError) as closed:
        answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="verified", now=late)
    assert closed.value.code == "DISPUTE_CLOSED"


def test_an_answer_at_respond_by_itself_is_in_time(store: Store) -> None:
    dispute_id = open_late(store)
    answered = answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="verified",
                              now=RESPOND_BY)
    assert answered.status == "verified" and "L1" in scoring_ids(store)


def test_a_late_deletion_is_accepted(store: Store, renamed: Path) -> None:
    dispute_id = open_late(store)
    answered = answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="deleted",
                              now=RESPOND_BY + timedelta(days=5))
    assert answered.status == "deleted" and "L1" not in scoring_ids(store)
    assert codes(ingest_file(store, renamed, furnisher=FURNISHER)) == ["DISPUTE_DELETED"]


@pytest.mark.parametrize("sweep_first", [True, False])
def test_the_outcome_does_not_depend_on_when_the_sweep_runs(store: Store,
                                                           sweep_first: bool) -> None:
    """Sweep first or answer first, a late verified answer leaves the record suppressed."""
    dispute_id = open_late(store)
    moment = RESPOND_BY + timedelta(days=3)
    if sweep_first:
        sweep_disputes(store, now=moment)
    with pytest.raises(XinyongError):
        answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="verified", now=moment)
    if not sweep_first:
        assert sweep_disputes(store, now=moment).suppressed == []
    assert get_dispute(store.con, dispute_id).status == "suppressed"
    assert "L1" not in scoring_ids(store)
