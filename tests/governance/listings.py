"""A listed person who disputes the listing: the store several dispute tests start from."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.decisions.conftest import batch
from xinyong.decisions._lists import ListEntry, add_listing
from xinyong.governance._disputes import Dispute, open_dispute
from xinyong.store import Store

OPENED = datetime(2026, 11, 27, 10, 0)  # a Friday


def listed_person_disputing(store: Store) -> tuple[int, ListEntry, Dispute]:
    """P-A, court-listed 20 days before :data:`OPENED`, opens a dispute about it then; returns
    (subject_key, entry, dispute)."""
    store.append_events(batch([{"subject_id": "P-A", "subject_kind": "person",
                                "event_id": "id1", "event_type": "identity.verified",
                                "occurred_at": datetime(2025, 1, 1)}]))
    entry = add_listing(store, "court-dishonest-debtors", "P-A",
                        grounds="able_but_refuses_to_perform",
                        legal_basis="Fa Shi [2017] No. 7", authority="Court A",
                        now=OPENED - timedelta(days=20))
    key = store.find_subject("P-A", "person")[0]
    dispute = open_dispute(store, key, list_entry=entry.entry_id,
                           reason="I performed the judgment", now=OPENED)
    return key, entry, dispute
