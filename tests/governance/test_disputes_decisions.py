"""A record a dispute took out of scoring stops counting in decisions too (hard inquiries)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from xinyong.decisions._event_index import hard_inquiry_times
from xinyong.governance._disputes import answer_dispute, open_dispute
from xinyong.ingest._pipeline import ingest_file
from xinyong.store import Store

INQUIRIES = ("event_id,subject_kind,subject_id,event_type,occurred_at,amount,attributes\n"
             "Q1,person,P-A,inquiry.hard,2026-09-01,,\n"
             "Q2,person,P-A,inquiry.hard,2026-10-01,,\n")


def test_a_deleted_hard_inquiry_no_longer_counts_in_decisions(tmp_path: Path) -> None:
    with Store.init(tmp_path / "home", jurisdiction="us") as store:
        store.add_furnisher("bank", ["inquiry.*"])
        (tmp_path / "q.csv").write_text(INQUIRIES)
        assert ingest_file(store, tmp_path / "q.csv", furnisher="bank").accepted == 2
        key = store.find_subject("P-A", "person")[0]
        assert len(hard_inquiry_times(store.con, key)) == 2
        dispute = open_dispute(store, key, event="bank:Q1", reason="I never applied",
                               now=datetime(2026, 11, 2))
        assert len(hard_inquiry_times(store.con, key)) == 2  # open: still counts
        answer_dispute(store, dispute.dispute_id, furnisher="bank", answer="deleted",
                       now=datetime(2026, 11, 3))
        assert hard_inquiry_times(store.con, key) == [datetime(2026, 10, 1)]


def test_an_unanswered_list_entry_dispute_lifts_the_listing_once_suppressed(tmp_path: Path) -> None:
    from datetime import timedelta

    from tests.governance.listings import listed_person_disputing
    from xinyong.decisions._lists import active_entries
    from xinyong.governance._disputes import sweep_disputes

    with Store.init(tmp_path / "home", jurisdiction="us") as store:
        key, entry, dispute = listed_person_disputing(store)
        sweep_disputes(store, now=dispute.respond_by)  # at the deadline: still in time
        assert [e.entry_id for e in active_entries(store.con, key, dispute.respond_by)] == [
            entry.entry_id]
        after = dispute.respond_by + timedelta(hours=1)
        sweep_disputes(store, now=after)
        assert active_entries(store.con, key, after) == []
        # before the suppression, the entry was in force: history is not rewritten
        assert len(active_entries(store.con, key, dispute.respond_by)) == 1
