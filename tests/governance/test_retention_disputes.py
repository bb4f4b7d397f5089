"""Retention and disputes: a purge closes the disputes about the events it deletes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.governance.test_disputes import FRIDAY, FURNISHER, audit_actions, open_late
from tests.governance.test_disputes import store as store  # the fixture
from xinyong.errors import XinyongError
from xinyong.governance._disputes import (
    answer_dispute,
    certify_record,
    get_dispute,
    sweep_disputes,
)
from xinyong.governance._retention import purge_expired
from xinyong.store import Store

PURGE = datetime(2034, 1, 1)  # the late bill of October 2026 is past the 7 years of `us`


def test_a_purge_closes_the_open_dispute_and_an_answer_is_refused_cleanly(store: Store) -> None:
    dispute_id = open_late(store)
    dry = purge_expired(store, now=PURGE, dry_run=True)
    assert dry.disputes_closed == [dispute_id]
    assert get_dispute(store.con, dispute_id).status == "open"

    result = purge_expired(store, now=PURGE)

    assert result.disputes_closed == [dispute_id] and result.to_json()["disputes_closed"] == [
        dispute_id]
    dispute = get_dispute(store.con, dispute_id)
    assert (dispute.status, dispute.answer_note, dispute.answered_at) == (
        "deleted", "purged by retention", PURGE)
    assert audit_actions(store) == ["dispute.open", "dispute.purge"]
    payload = store.query("SELECT payload FROM audit_log WHERE action = 'dispute.purge'")[0][0]
    assert json.loads(payload)["details"] == {"dispute_id": dispute_id, "run_id": 1}
    for answer in ("deleted", "verified"):
        with pytest.raises(XinyongError) as closed:
            answer_dispute(store, dispute_id, furnisher=FURNISHER, answer=answer,  # type: ignore[arg-type]
                           now=PURGE + timedelta(days=1))
        assert closed.value.code == "DISPUTE_CLOSED"
    assert sweep_disputes(store, now=PURGE + timedelta(days=2)).suppressed == []


def test_a_suppressed_dispute_about_a_purged_record_is_closed_and_not_certified(
        store: Store) -> None:
    dispute_id = open_late(store)
    sweep_disputes(store, now=FRIDAY + timedelta(days=31))
    assert purge_expired(store, now=PURGE).disputes_closed == [dispute_id]
    assert get_dispute(store.con, dispute_id).status == "deleted"
    with pytest.raises(XinyongError) as refused:
        certify_record(store, dispute_id, furnisher=FURNISHER, note="checked",
                       now=PURGE + timedelta(days=1))
    assert refused.value.code == "DISPUTE_RECORD_PURGED"


def test_a_purge_leaves_disputes_about_kept_records_alone(store: Store) -> None:
    dispute_id = open_late(store)
    result = purge_expired(store, now=datetime(2030, 1, 1))  # not yet 7 years
    assert result.disputes_closed == [] and get_dispute(store.con, dispute_id).status == "open"
