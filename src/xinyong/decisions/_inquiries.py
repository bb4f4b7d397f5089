"""Inquiries: every score request and decision, who asked, why, and what came of it.

Refused attempts are recorded too (with the refusal's code), so that a subject's history shows
every party that tried. A granted hard inquiry is also reported to the event log as an
``inquiry.hard`` event, where the scoring model may count it; a soft inquiry never reaches the
log and so never changes a score.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import duckdb

from xinyong.decisions._event_index import index_appended
from xinyong.decisions._purposes import InquiryKind
from xinyong.decisions._tables import tables
from xinyong.governance._audit import atomic, record_audit
from xinyong.store import Store, fetch_one
from xinyong.store._decisions_schema import append_inquiry_event

REFUSED = "refused"
DECIDED = ("approve", "decline", "refer")
_COLUMNS = ("inquiry_id, subject_key, party_id, purpose, product_id, kind, asked_at, result, "
            "refusal_code, event_seq")


@dataclass(frozen=True)
class Inquiry:
    inquiry_id: int
    party_id: str
    party_name: str | None
    purpose: str
    product_id: str | None
    kind: InquiryKind
    asked_at: datetime
    result: str  # refused, disclosed, approve, decline or refer
    refusal_code: str | None
    in_event_log: bool

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "asked_at": self.asked_at.isoformat()}


def record_inquiry(
    con: duckdb.DuckDBPyConnection,
    *,
    subject_key: int | None,
    party_id: str,
    purpose: str,
    product_id: str | None,
    kind: InquiryKind,
    asked_at: datetime,
    result: str,
    refusal_code: str | None = None,
    next_event_seq: int | None = None,
) -> int:
    """Record one inquiry; a granted hard one also goes to the event log, as
    ``next_event_seq`` when the caller knows the log's next sequence number.

    The inquiry and its audit entry (``inquiry.score``, ``inquiry.decision`` or
    ``inquiry.refused``) are written together: a granted inquiry in the caller's transaction
    (with what it disclosed), a refusal, recorded where the gate refuses, in one of its own.
    """
    if result == REFUSED:
        with atomic(con):
            return _record(con, subject_key, party_id, purpose, product_id, kind, asked_at,
                           result, refusal_code, None)
    return _record(con, subject_key, party_id, purpose, product_id, kind, asked_at, result,
                   refusal_code, next_event_seq)


def _record(con: duckdb.DuckDBPyConnection, subject_key: int | None, party_id: str,
            purpose: str, product_id: str | None, kind: InquiryKind, asked_at: datetime,
            result: str, refusal_code: str | None, next_event_seq: int | None) -> int:
    event_seq = None
    if kind == "hard" and result != REFUSED and subject_key is not None:
        event_seq = append_inquiry_event(con, subject_key, asked_at,
                                         f"inquiry-{secrets.token_hex(8)}",
                                         event_seq=next_event_seq)
        index_appended(con, subject_key, "inquiry.hard", event_seq, asked_at)
    row = fetch_one(con.execute(
        f"INSERT INTO inquiries ({_COLUMNS}) "
        "VALUES (nextval('inquiry_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING inquiry_id",
        [subject_key, party_id[:64], purpose[:64], product_id, kind, asked_at, result,
         refusal_code, event_seq]))
    assert row is not None
    inquiry_id = int(row[0])
    action = ("inquiry.refused" if result == REFUSED
              else "inquiry.decision" if result in DECIDED else "inquiry.score")
    record_audit(con, action, actor=party_id[:64], subject_key=subject_key, at=asked_at,
                 details={"inquiry_id": inquiry_id, "purpose": purpose[:64],
                          "product": product_id, "kind": kind, "result": result,
                          "refusal_code": refusal_code, "event_seq": event_seq})
    return inquiry_id


def inquiry_history(store: Store, subject_key: int) -> list[Inquiry]:
    """Every inquiry about the subject, oldest first, refused attempts included."""
    rows = tables(store).execute(
        """SELECT i.inquiry_id, i.party_id, p.name, i.purpose, i.product_id, i.kind, i.asked_at,
                  i.result, i.refusal_code, i.event_seq IS NOT NULL
           FROM inquiries AS i LEFT JOIN relying_parties AS p USING (party_id)
           WHERE i.subject_key = ? ORDER BY i.asked_at, i.inquiry_id""",
        [subject_key]).fetchall()
    return [Inquiry(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]))
            for r in rows]
