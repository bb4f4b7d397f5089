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
