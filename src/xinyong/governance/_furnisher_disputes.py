"""Disputes a furnisher reports itself: an account it flags as disputed by the consumer.

A consumer may dispute an account directly with the furnisher, which then reports the account in
dispute in its files (Metro 2 compliance condition ``XB``; ``XD``, ``XF`` and ``XJ`` alike) until
its investigation ends. Each stored event of such an account gets a row in ``disputes`` with
``opened_by = 'furnisher'`` and status ``open``: it is shown like a subject's dispute (in the
subject's report, in ``xinyong explain``, to relying parties) but runs no clock, since the
furnisher is the one investigating: nothing to notify, no deadline to miss (``notify_by`` and
``respond_by`` are infinite, ``notified_at`` is the moment it was reported, so the sweep never
picks it up). Its record keeps counting in scores.

A later file of the furnisher closes the account's open disputes: ``verified`` when the
investigation ended and the consumer disagrees (``XC``, ``XE``, ``XG``: still shown, like a
subject's dispute the furnisher verified), ``resolved`` when the account is no longer in dispute
(``XH``, ``XR``, ``XA``: no longer shown). A blank code changes nothing (a Metro 2 code stands
until replaced): the new events of an account still in dispute are marked as well.

:func:`record_furnisher_disputes` applies one batch. Its input is two temp tables the reader of
the furnisher's format builds before the batch commits: ``furnisher_dispute_reports(account,
event_id, reported, code)`` — the file's events of the accounts that report a state (``open``,
``verified``, ``resolved``, or NULL for "no change" on an account with open disputes) — and
``furnisher_dispute_accounts(dispute_id, account)``, the furnisher's open furnisher-reported
disputes with the account of their event. Re-applying the same batch changes nothing, so a
crash between the batch's commit and this step is repaired by sending the file again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from xinyong.decisions._tables import transaction, utcnow
from xinyong.governance._audit import record_audit
from xinyong.store import Store, fetch_one

REPORTS = "furnisher_dispute_reports"
ACCOUNTS = "furnisher_dispute_accounts"

# The batch's events to mark, with their reason: those of accounts reported in dispute, and of
# accounts reporting no change while a dispute opened by an earlier file is open (same reason).
_MARKED = f"""
  SELECT r.event_id,
         CASE WHEN r.reported = 'open'
              THEN 'the furnisher reports that the consumer disputes this account ('
                   || r.code || ')'
              ELSE a.reason END AS reason
  FROM {REPORTS} AS r
  LEFT JOIN (SELECT a.account, arg_max(d.reason, d.dispute_id) AS reason
             FROM {ACCOUNTS} AS a JOIN disputes AS d USING (dispute_id)
             GROUP BY a.account) AS a USING (account)
  WHERE r.reported = 'open' OR (r.reported IS NULL AND a.account IS NOT NULL)"""


@dataclass(frozen=True)
class FurnisherDisputes:
    """What one batch did: disputes opened, and closed as verified or resolved."""

    opened: int
    verified: int
    resolved: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def record_furnisher_disputes(
    store: Store, furnisher_id: int, *, batch_id: int | None = None, now: datetime | None = None,
) -> FurnisherDisputes:
    """Open and close the furnisher-reported disputes of one batch (see the module docstring).

    One transaction, with one ``dispute.furnisher_report`` audit entry when anything changed
    (counts only: the disputes themselves name the subjects).
    """
    con = store.con
    pending = fetch_one(con.execute(f"SELECT COUNT(*) FROM {REPORTS}"))
    if pending is None or not pending[0]:
        return FurnisherDisputes(0, 0, 0)
    row = fetch_one(con.execute("SELECT name FROM furnishers WHERE furnisher_id = ?",
                                [furnisher_id]))
    assert row is not None, "the batch's furnisher is registered"
    furnisher = str(row[0])
    moment = utcnow(now)
    note = f"closed by the furnisher's file (batch {batch_id}): compliance condition "
    closed: dict[str, int] = {}
    with transaction(con):
        for status in ("verified", "resolved"):
            closed[status] = len(con.execute(
                f"""UPDATE disputes AS d SET status = ?, answered_at = ?, answer_note = ? || c.code
                    FROM (SELECT a.dispute_id, max(r.code) AS code
                          FROM {ACCOUNTS} AS a JOIN {REPORTS} AS r USING (account)
                          WHERE r.reported = ? GROUP BY a.dispute_id) AS c
                    WHERE d.dispute_id = c.dispute_id AND d.status = 'open'
                    RETURNING d.dispute_id""",
                [status, moment, note, status]).fetchall())
        opened = len(con.execute(
            f"""INSERT INTO disputes (dispute_id, subject_key, target_kind, furnisher_id,
                   event_id, event_seq, event_type, occurred_at, furnisher, reason,
                   added_information, opened_by, opened_at, notify_by, respond_by, status,
                   notified_at)
                SELECT nextval('dispute_ids'), e.subject_key, 'event', e.furnisher_id,
                       e.event_id, e.event_seq, CAST(e.event_type AS VARCHAR), e.occurred_at,
                       ?, m.reason, false, 'furnisher', ?, 'infinity'::TIMESTAMP,
                       'infinity'::TIMESTAMP, 'open', ?
                FROM ({_MARKED}) AS m
                JOIN events AS e ON e.furnisher_id = ? AND e.event_id = m.event_id
                WHERE e.event_seq NOT IN (SELECT event_seq FROM scoring_exclusions)
                  AND NOT EXISTS (SELECT 1 FROM disputes AS d
                                  WHERE d.furnisher_id = e.furnisher_id
                                    AND d.event_id = e.event_id AND d.opened_by = 'furnisher'
                                    AND d.status = 'open')
                RETURNING dispute_id""",
            [furnisher, moment, moment, furnisher_id]).fetchall())
        result = FurnisherDisputes(opened, closed["verified"], closed["resolved"])
        if opened or closed["verified"] or closed["resolved"]:
            record_audit(con, "dispute.furnisher_report", actor=f"furnisher:{furnisher}",
                         at=moment, details={"batch_id": batch_id, **result.to_json()})
    return result
