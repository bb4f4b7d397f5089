"""A dispute as stored: the :class:`Dispute` record, how it is read, and the business-day clock.

The workflow that opens, answers, suppresses and certifies disputes is in
:mod:`xinyong.governance._disputes`, which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from xinyong.errors import XinyongError
from xinyong.store import fetch_one

DISPUTE_COLUMNS = ("dispute_id, subject_key, target_kind, furnisher, event_id, event_seq, event_type, "
            "occurred_at, entry_id, reason, statement, added_information, opened_by, opened_at, "
            "notify_by, respond_by, status, notified_at, answered_at, answer_note, "
            "suppressed_at, certified_at")


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` moved ``days`` working days (Mon–Fri) ahead, same time of day.

    >>> add_business_days(datetime(2026, 11, 27, 10), 5)  # a Friday
    datetime.datetime(2026, 12, 4, 10, 0)
    """
    moment, added = start, 0
    while added < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment


@dataclass(frozen=True)
class Dispute:
    dispute_id: int
    subject_key: int
    target_kind: str  # "event" or "list_entry"
    furnisher: str  # who must answer: the furnisher, or the list's issuing authority
    event_id: str | None
    event_seq: int | None
    event_type: str | None
    occurred_at: datetime | None
    entry_id: int | None
    reason: str
    statement: str | None
    added_information: bool
    opened_by: str
    opened_at: datetime
    notify_by: datetime
    respond_by: datetime
    status: str
    notified_at: datetime | None
    answered_at: datetime | None
    answer_note: str | None
    suppressed_at: datetime | None
    certified_at: datetime | None

    @property
    def record(self) -> str:
        """How the record is named: ``FURNISHER:EVENT_ID`` or ``list-entry:N``."""
        if self.target_kind == "event":
            return f"{self.furnisher}:{self.event_id}"
        return f"list-entry:{self.entry_id}"

    @property
    def description(self) -> str:
        if self.target_kind == "event" and self.occurred_at is not None:
            return (f"{self.event_type} on {self.occurred_at:%Y-%m-%d} reported by "
                    f"{self.furnisher}")
        return f"list entry #{self.entry_id} made by {self.furnisher}"

    @property
    def has_clock(self) -> bool:
        """A furnisher-reported dispute has no deadlines: the furnisher investigates already."""
        return self.opened_by != "furnisher"

    def is_due(self, now: datetime) -> bool:
        """Whether the sweep has work: a notification to send or a deadline passed."""
        return self.status == "open" and (self.notified_at is None or now > self.respond_by)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"dispute_id": self.dispute_id, "record": self.record,
                                "description": self.description}
        for name in ("target_kind", "furnisher", "event_id", "event_seq", "event_type",
                     "entry_id", "reason", "statement", "added_information", "opened_by",
                     "status", "answer_note"):
            data[name] = getattr(self, name)
        for name in ("occurred_at", "opened_at", "notify_by", "respond_by", "notified_at",
                     "answered_at", "suppressed_at", "certified_at"):
            clock = name in ("notify_by", "respond_by")
            value = None if clock and not self.has_clock else getattr(self, name)
            data[name] = None if value is None else value.isoformat()
        return data


def dispute_from_row(row: tuple[Any, ...]) -> Dispute:
    return Dispute(*row)


def get_dispute(con: duckdb.DuckDBPyConnection, dispute_id: int) -> Dispute:
    row = fetch_one(con.execute(f"SELECT {DISPUTE_COLUMNS} FROM disputes WHERE dispute_id = ?",
                                [dispute_id]))
    if row is None:
        raise XinyongError("UNKNOWN_DISPUTE", f"no dispute {dispute_id}; see `xinyong dispute "
                           "list`", field="dispute_id")
    return dispute_from_row(row)
