"""Disputes: a subject contests a record; its furnisher must answer in time or it stops counting.

The clock (FCRA §611 and Metro 2 practice): a dispute is opened (:func:`open_dispute`); the
furnisher must be notified within 5 business days (:func:`sweep_disputes` creates the
notifications); it answers verified, corrected or deleted (:func:`answer_dispute`) within 30
days, 45 when the subject added information. With no answer by then, :func:`sweep_disputes`
suppresses the record from scoring. An answer ``verified`` or ``corrected`` that comes after
``respond_by`` is refused (``DISPUTE_ANSWER_LATE``) and suppresses the record at that moment, so
the outcome does not depend on whether the sweep ran first; ``deleted`` is accepted late.
Business days are Monday to Friday: public holidays are not modelled. Every function takes
``now`` so that tests and replays fix the clock.

While a dispute is open, or after the furnisher verified the record, the record is shown as
disputed with the subject's statement: in the subject's report (:func:`subject_disputes`), to
relying parties (``StoredScore.disputes``) and in ``xinyong explain``. A record deleted after a
dispute, or suppressed because it was not verified in time (unverifiable is deleted under FCRA
§611(a)(5)), stays in the log (the history keeps it) but out of scoring, and ingest refuses it,
under its id or with the same content under a new one, until the furnisher certifies it accurate
and complete (:func:`certify_record`), which puts it back. A record retention purged cannot be
answered or certified any more: the purge closes its open dispute (``_retention``).
"Corrected" records the answer: the furnisher corrects the record with the existing
``correction.replace``/``correction.void`` first, and the answer is refused until such a
correction exists.

Every step writes an audit entry in its own transaction (``dispute.open``, ``dispute.notify``,
``dispute.answer``, ``dispute.suppress``, ``dispute.certify``; ``dispute.purge`` from retention),
with the dispute number and no personal data (the reason and statement stay in the disputes
table, and erasure blanks them: ``_erasure_scrub``).

A furnisher may report a dispute itself (Metro 2 ``XB``): ``opened_by = 'furnisher'``, shown the
same way, with no clock and no answer here; its own later files close it
(``_furnisher_disputes``). It does not stop the subject from opening a dispute of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import duckdb

from xinyong.decisions._notices import notify
from xinyong.decisions._tables import transaction, utcnow
from xinyong.errors import XinyongError
from xinyong.governance._audit import record_audit
from xinyong.governance._dispute_record import DISPUTE_COLUMNS, dispute_from_row
from xinyong.governance._dispute_record import Dispute as Dispute
from xinyong.governance._dispute_record import add_business_days as add_business_days
from xinyong.governance._dispute_record import get_dispute as get_dispute
from xinyong.store import Store, fetch_one
from xinyong.store._disputes_schema import DISPUTE_STATUSES

NOTIFY_BUSINESS_DAYS = 5
RESPOND_DAYS = 30
RESPOND_DAYS_WITH_INFORMATION = 45
MAX_STATEMENT = 500
SHOWN_STATUSES = ("open", "verified")  # the statement stays with a record that still counts
Answer = Literal["verified", "corrected", "deleted"]
ANSWERS: tuple[Answer, ...] = ("verified", "corrected", "deleted")

def _event_target(store: Store, subject_key: int, event: str) -> tuple[Any, ...]:
    """``(furnisher_id, furnisher, event_id, event_seq, event_type, occurred_at)``."""
    furnisher, sep, event_id = event.partition(":")
    if not sep or not furnisher or not event_id:
        raise XinyongError("DISPUTE_TARGET_INVALID", f"--event takes FURNISHER:EVENT_ID, as "
                           f"shown in your report; got '{event}'", field="event")
    row = fetch_one(store.con.execute(
        "SELECT f.furnisher_id, f.name, e.event_id, e.event_seq, CAST(e.event_type AS VARCHAR), "
        "e.occurred_at FROM events AS e JOIN furnishers AS f USING (furnisher_id) "
        "WHERE f.name = ? AND e.event_id = ? AND e.subject_key = ?",
        [furnisher, event_id, subject_key]))
    if row is None:
        raise XinyongError("DISPUTE_TARGET_UNKNOWN", f"no record {event} about this subject; "
                           "your report lists the records held about you", field="event")
    return tuple(row)


def open_dispute(
    store: Store,
    subject_key: int,
    *,
    event: str | None = None,
    list_entry: int | None = None,
    reason: str,
    statement: str | None = None,
    added_information: bool = False,
    opened_by: str = "subject",
    now: datetime | None = None,
) -> Dispute:
    """Open a dispute about one of the subject's events (``FURNISHER:EVENT_ID``) or list
    entries, and start its clock."""
    if (event is None) == (list_entry is None):
        raise XinyongError("DISPUTE_TARGET_INVALID", "name exactly one record: --event "
                           "FURNISHER:EVENT_ID or --list-entry N", field="event")
    if not reason.strip():
        raise XinyongError("DISPUTE_REASON_MISSING", "say why the record is wrong (--reason)",
                           field="reason")
    statement = statement.strip() if statement and statement.strip() else None
    if statement is not None and len(statement) > MAX_STATEMENT:
        raise XinyongError("DISPUTE_STATEMENT_TOO_LONG", f"a statement has at most "
                           f"{MAX_STATEMENT} characters; got {len(statement)}", field="statement")
    con = store.con
    moment = utcnow(now)
    if event is not None:
        furnisher_id, furnisher, event_id, event_seq, event_type, occurred_at = _event_target(
            store, subject_key, event)
        entry_id = None
        same = ("furnisher_id = ? AND event_id = ?", [furnisher_id, event_id])
    else:
        row = fetch_one(con.execute(
            "SELECT authority FROM list_entries WHERE entry_id = ? AND subject_key = ?",
            [list_entry, subject_key]))
        if row is None:
            raise XinyongError("DISPUTE_TARGET_UNKNOWN", f"no list entry #{list_entry} about "
                               "this subject", field="list_entry")
        furnisher_id = event_id = event_seq = event_type = occurred_at = None
        furnisher, entry_id = str(row[0]), list_entry
        same = ("entry_id = ?", [list_entry])
    already = fetch_one(con.execute(
        f"SELECT dispute_id FROM disputes WHERE subject_key = ? AND {same[0]} "
        "AND status = 'open' AND opened_by <> 'furnisher'", [subject_key, *same[1]]))
    if already is not None:
        raise XinyongError("DISPUTE_ALREADY_OPEN", f"dispute {already[0]} about this record is "
                           "still open; its furnisher has not answered yet", field="event")
    days = RESPOND_DAYS_WITH_INFORMATION if added_information else RESPOND_DAYS
    notify_by = add_business_days(moment, NOTIFY_BUSINESS_DAYS)
    respond_by = moment + timedelta(days=days)
    with transaction(con):
        row = fetch_one(con.execute("SELECT nextval('dispute_ids')"))
        assert row is not None
        dispute_id = int(row[0])
        con.execute(
            "INSERT INTO disputes (dispute_id, subject_key, target_kind, furnisher_id, event_id, "
            "event_seq, event_type, occurred_at, entry_id, furnisher, reason, statement, "
            "added_information, opened_by, opened_at, notify_by, respond_by, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
            [dispute_id, subject_key, "event" if event is not None else "list_entry",
             furnisher_id, event_id, event_seq, event_type, occurred_at, entry_id, furnisher,
             reason.strip(), statement, added_information, opened_by, moment, notify_by,
             respond_by])
        record_audit(con, "dispute.open", actor=opened_by, subject_key=subject_key, at=moment,
                     details={"dispute_id": dispute_id, "respond_by": respond_by.isoformat(),
                              "added_information": added_information})
    return get_dispute(con, dispute_id)


def _check_furnisher(dispute: Dispute, furnisher: str) -> None:
    if furnisher != dispute.furnisher:
        raise XinyongError("DISPUTE_WRONG_FURNISHER", f"dispute {dispute.dispute_id} is for "
                           f"{dispute.furnisher} to answer, not {furnisher}", field="furnisher")


def _record_hash(store: Store, dispute: Dispute) -> str:
    from xinyong.ingest._content import record_hash_sql, stored_record_sql

    row = fetch_one(store.con.execute(
        f"SELECT {record_hash_sql(store.catalogue, 'r')} FROM ({stored_record_sql(store.catalogue)}"
        ") AS r WHERE r.event_seq = ?", [dispute.event_seq]))
    if row is None:
        raise XinyongError("DISPUTE_RECORD_PURGED", f"record {dispute.record} of dispute "
                           f"{dispute.dispute_id} is no longer in the store (retention purged "
                           "it); there is nothing left to answer or certify", field="dispute_id")
    return str(row[0])


def _take_out(store: Store, dispute: Dispute, kind: Literal["suppressed", "deleted"],
              moment: datetime) -> None:
    """Take the disputed event out of scoring and block it at ingest until it is certified.

    Both a deleted record and a suppressed (unverifiable) one are deleted records in the sense
    of FCRA §611(a)(5): the reinsertion rule applies to both, under the same id or with the same
    content under a new one. A list entry is lifted by the exclusion list only (no ingest).
    """
    if dispute.target_kind != "event" or dispute.event_seq is None:
        return
    con = store.con
    content_hash = _record_hash(store, dispute)
    con.execute("DELETE FROM dispute_exclusions WHERE dispute_id = ?", [dispute.dispute_id])
    con.execute("INSERT INTO dispute_exclusions VALUES (?, ?, ?, ?)",
                [dispute.event_seq, dispute.dispute_id, kind, moment])
    con.execute(
        "INSERT INTO dispute_deleted_records (dispute_id, furnisher_id, subject_key, event_id, "
        "content_hash, deleted_at) SELECT dispute_id, furnisher_id, subject_key, event_id, ?, ? "
        "FROM disputes WHERE dispute_id = ? ON CONFLICT (dispute_id) DO NOTHING",
        [content_hash, moment, dispute.dispute_id])


def _suppress(store: Store, dispute: Dispute, moment: datetime) -> None:
    """Suppress an unanswered record (inside the caller's transaction), with its audit entry."""
    store.con.execute("UPDATE disputes SET status = 'suppressed', suppressed_at = ? "
                      "WHERE dispute_id = ?", [moment, dispute.dispute_id])
    _take_out(store, dispute, "suppressed", moment)
    record_audit(store.con, "dispute.suppress", actor="system", subject_key=dispute.subject_key,
                 at=moment, details={"dispute_id": dispute.dispute_id,
                                     "respond_by": dispute.respond_by.isoformat()})


def answer_dispute(
    store: Store,
    dispute_id: int,
    *,
    furnisher: str,
    answer: Answer,
    note: str | None = None,
    now: datetime | None = None,
) -> Dispute:
    """The furnisher's answer. ``deleted`` takes the record out of scoring and blocks it at
    ingest until certified; ``corrected`` needs the correction sent first."""
    if answer not in ANSWERS:
        raise XinyongError("DISPUTE_ANSWER_INVALID", f"an answer is one of {', '.join(ANSWERS)}",
                           field="answer")
    con = store.con
    dispute = get_dispute(con, dispute_id)
    _check_furnisher(dispute, furnisher)
    if not dispute.has_clock:
        raise XinyongError("DISPUTE_FURNISHER_REPORTED", f"dispute {dispute_id} is the one your "
                           "own file reports (compliance condition code); it closes when a later "
                           "file reports the account with XC, XH or XR", field="dispute_id")
    moment = utcnow(now)
    if dispute.status != "open" and not (dispute.status == "suppressed" and answer == "deleted"):
        raise XinyongError("DISPUTE_CLOSED", f"dispute {dispute_id} is {dispute.status}; "
                           + ("a suppressed record comes back only when you certify it "
                              "(xinyong dispute certify)" if dispute.status == "suppressed"
                              else "it takes no further answer"), field="dispute_id")
    if answer != "deleted" and dispute.status == "open" and moment > dispute.respond_by:
        # The clock ran out: the outcome must not depend on whether the sweep ran first.
        with transaction(con):
            _suppress(store, dispute, moment)
        raise XinyongError("DISPUTE_ANSWER_LATE", f"dispute {dispute_id} had to be answered by "
                           f"{dispute.respond_by:%Y-%m-%d %H:%M} UTC; the record is now "
                           "suppressed. You may still answer --deleted, or certify the record "
                           "accurate and complete to reinstate it (xinyong dispute certify)",
                           field="answer")
    if answer == "corrected" and dispute.target_kind == "event" and fetch_one(con.execute(
            "SELECT 1 FROM event_corrections WHERE target_event_seq = ? LIMIT 1",
            [dispute.event_seq])) is None:
        raise XinyongError("DISPUTE_NOT_CORRECTED", f"send a correction.replace (or "
                           f"correction.void) for {dispute.event_id} first, then answer "
                           "--corrected", field="answer")
    if answer == "deleted" and dispute.target_kind == "list_entry" and fetch_one(con.execute(
            "SELECT 1 FROM list_entries WHERE entry_id = ? AND removed_at IS NOT NULL",
            [dispute.entry_id])) is None:
        raise XinyongError("DISPUTE_NOT_REMOVED", f"remove list entry #{dispute.entry_id} "
                           "first (xinyong list remove), then answer --deleted", field="answer")
    with transaction(con):
        con.execute("UPDATE disputes SET status = ?, answered_at = ?, answer_note = ? "
                    "WHERE dispute_id = ?", [answer, moment, note, dispute_id])
        if answer == "deleted":
            _take_out(store, dispute, "deleted", moment)
        record_audit(con, "dispute.answer", actor=f"furnisher:{furnisher}",
                     subject_key=dispute.subject_key, at=moment,
                     details={"dispute_id": dispute_id, "answer": answer})
    return get_dispute(con, dispute_id)


def certify_record(
    store: Store, dispute_id: int, *, furnisher: str, note: str, now: datetime | None = None,
) -> Dispute:
    """The furnisher certifies a deleted or suppressed record accurate and complete: it counts
    again, may be re-reported, and the subject is told (FCRA §611(a)(5)(B))."""
    con = store.con
    dispute = get_dispute(con, dispute_id)
    _check_furnisher(dispute, furnisher)
    if dispute.target_kind != "event" or dispute.status not in ("deleted", "suppressed"):
        raise XinyongError("DISPUTE_NOT_CERTIFIABLE", f"dispute {dispute_id} is "
                           f"{dispute.status}: only a deleted or suppressed record is certified "
                           "back", field="dispute_id")
    if not note.strip():
        raise XinyongError("DISPUTE_NOTE_MISSING", "say how the record was checked (--note)",
                           field="note")
    if fetch_one(con.execute("SELECT 1 FROM events WHERE event_seq = ?",
                             [dispute.event_seq])) is None:
        _record_hash(store, dispute)  # raises DISPUTE_RECORD_PURGED
    moment = utcnow(now)
    with transaction(con):
        con.execute("INSERT INTO dispute_certifications VALUES (?, ?, ?, ?)",
                    [dispute_id, furnisher, note.strip(), moment])
        con.execute("UPDATE dispute_deleted_records SET certified_at = ? WHERE dispute_id = ?",
                    [moment, dispute_id])
        con.execute("DELETE FROM dispute_exclusions WHERE dispute_id = ?", [dispute_id])
        con.execute("UPDATE disputes SET status = 'reinstated', certified_at = ? "
                    "WHERE dispute_id = ?", [moment, dispute_id])
        notify(con, dispute.subject_key, "dispute_reinstated",
               {"dispute_id": dispute_id, "record": dispute.record,
                "description": dispute.description, "furnisher": furnisher}, at=moment)
        record_audit(con, "dispute.certify", actor=f"furnisher:{furnisher}",
                     subject_key=dispute.subject_key, at=moment,
                     details={"dispute_id": dispute_id})
    return get_dispute(con, dispute_id)


@dataclass(frozen=True)
class SweepResult:
    notified: list[int]  # dispute ids whose furnisher was notified now
    suppressed: list[int]  # dispute ids whose record was suppressed now
    late_notifications: list[int]  # notified after notify_by (the sweep ran too seldom)

    def to_json(self) -> dict[str, Any]:
        return {"notified": self.notified, "suppressed": self.suppressed,
                "late_notifications": self.late_notifications}


def sweep_disputes(store: Store, *, now: datetime | None = None,
                   dry_run: bool = False) -> SweepResult:
    """Notify furnishers of new disputes; suppress records not answered by ``respond_by``
    (strictly after it: an answer at ``respond_by`` itself is in time)."""
    con = store.con
    moment = utcnow(now)
    pending = [dispute_from_row(r) for r in con.execute(
        f"SELECT {DISPUTE_COLUMNS} FROM disputes WHERE status = 'open' AND opened_at <= ? "
        "AND (notified_at IS NULL OR respond_by < ?) ORDER BY dispute_id",
        [moment, moment]).fetchall()]
    notified = [d.dispute_id for d in pending if d.notified_at is None]
    late = [d.dispute_id for d in pending if d.notified_at is None and moment > d.notify_by]
    overdue = [d for d in pending if d.respond_by < moment]
    if dry_run:
        return SweepResult(notified, [d.dispute_id for d in overdue], late)
    with transaction(con):
        for d in pending:
            if d.notified_at is not None:
                continue
            con.execute("INSERT INTO dispute_notifications VALUES (?, ?, ?, ?, ?)",
                        [d.dispute_id, d.furnisher, moment, d.notify_by, d.respond_by])
            con.execute("UPDATE disputes SET notified_at = ? WHERE dispute_id = ?",
                        [moment, d.dispute_id])
            record_audit(con, "dispute.notify", actor="system", subject_key=d.subject_key,
                         at=moment, details={"dispute_id": d.dispute_id,
                                             "late": d.dispute_id in late})
        for d in overdue:
            _suppress(store, d, moment)
    return SweepResult(notified, [d.dispute_id for d in overdue], late)


def list_disputes(
    store: Store, *, subject_key: int | None = None, status: str | None = None,
    due: bool = False, now: datetime | None = None,
) -> list[Dispute]:
    """Disputes, oldest first; ``due``: those the next sweep would act on."""
    if status is not None and status not in DISPUTE_STATUSES:
        raise XinyongError("DISPUTE_STATUS_INVALID", f"a status is one of "
                           f"{', '.join(DISPUTE_STATUSES)}", field="status")
    where: list[str] = ["true"]
    params: list[Any] = []
    if subject_key is not None:
        where.append("subject_key = ?")
        params.append(subject_key)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    rows = store.con.execute(f"SELECT {DISPUTE_COLUMNS} FROM disputes WHERE {' AND '.join(where)} "
                             "ORDER BY dispute_id", params).fetchall()
    found = [dispute_from_row(r) for r in rows]
    moment = utcnow(now)
    return [d for d in found if d.is_due(moment)] if due else found


def subject_disputes(con: duckdb.DuckDBPyConnection, subject_key: int) -> list[dict[str, Any]]:
    """Every dispute about the subject's records (theirs and furnisher-reported), newest first,
    as JSON-ready dicts."""
    rows = con.execute(f"SELECT {DISPUTE_COLUMNS} FROM disputes WHERE subject_key = ? "
                       "ORDER BY opened_at DESC, dispute_id DESC", [subject_key]).fetchall()
    return [dispute_from_row(r).to_json() for r in rows]
