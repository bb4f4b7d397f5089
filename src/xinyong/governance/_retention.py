"""Retention: negative items older than the jurisdiction's age are purged from the store.

The ages are in the profile (:class:`xinyong.profiles.RetentionPolicy`): 5 years in
``cn-pilot`` and ``eu``, 7 in ``us`` with 10 for court judgments (where bankruptcies are
reported). Positive items are never purged by retention. :func:`purge_expired` deletes the
expired events with the rows that depend on them (the voids that named them, dispute
exclusions, the decisions' event index) in one transaction, records a count per event type in
``retention_purges`` and writes one ``maintenance.purge`` audit entry, with no personal data.
A dispute still open (or suppressed, waiting for deletion or certification) about a purged event
is closed in the same transaction: status ``deleted``, answer note ``purged by retention``, one
``dispute.purge`` audit entry each; there is nothing left for its furnisher to answer.

Retention bites when ``xinyong maintenance`` runs, not inside the scoring view: a view that
compared ages with today would give a different score for the same events, model and as-of on
another day. The shipped rulebooks already stop counting negative items after 5 years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from xinyong.decisions._tables import transaction, utcnow
from xinyong.governance._audit import record_audit
from xinyong.profiles import ADVERSE_EVENT_TYPES, RetentionPolicy
from xinyong.store import Store, fetch_one


def years_before(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` calendar years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True)
class PurgeCount:
    event_type: str
    older_than: datetime
    purged: int


@dataclass(frozen=True)
class PurgeResult:
    profile: str
    ran_at: datetime
    dry_run: bool
    counts: list[PurgeCount]  # only the types with something to purge
    disputes_closed: list[int] = field(default_factory=list)  # open disputes about purged events

    @property
    def total(self) -> int:
        return sum(c.purged for c in self.counts)

    def to_json(self) -> dict[str, object]:
        return {"profile": self.profile, "ran_at": self.ran_at.isoformat(),
                "dry_run": self.dry_run, "total": self.total,
                "purged": [{"event_type": c.event_type, "older_than": c.older_than.isoformat(),
                            "count": c.purged} for c in self.counts],
                "disputes_closed": self.disputes_closed}


def cutoffs(policy: RetentionPolicy, now: datetime) -> dict[str, datetime]:
    """For each negative event type, the instant before which its events are purged."""
    ages = {t: policy.years_for(t) for t in sorted(ADVERSE_EVENT_TYPES)}
    return {t: years_before(now, years) for t, years in ages.items() if years is not None}


def purge_expired(store: Store, *, now: datetime | None = None,
                  dry_run: bool = False) -> PurgeResult:
    """Delete negative events older than the profile's retention age (``dry_run``: count only)."""
    con = store.con
    moment = utcnow(now)
    limits = cutoffs(store.profile.retention, moment)
    arms = " ".join(f"WHEN '{t}' THEN TIMESTAMP '{c.isoformat(sep=' ')}'"
                    for t, c in limits.items())
    types = ", ".join(f"'{t}'" for t in limits)
    expired = (f"SELECT event_seq, CAST(event_type AS VARCHAR) AS event_type FROM events "
               f"WHERE event_type IN ({types}) AND occurred_at < CASE event_type {arms} END")
    rows = con.execute(f"SELECT event_type, COUNT(*) FROM ({expired}) GROUP BY event_type "
                       "ORDER BY event_type").fetchall()
    counts = [PurgeCount(str(t), limits[str(t)], int(n)) for t, n in rows]
    pending = ("SELECT dispute_id, subject_key FROM disputes WHERE target_kind = 'event' "
               "AND status IN ('open', 'suppressed') AND event_seq IN (SELECT event_seq FROM "
               "{}) ORDER BY dispute_id")
    if dry_run or not counts:
        closing = con.execute(pending.format(f"({expired})")).fetchall() if counts else []
        return PurgeResult(store.profile.name, moment, dry_run, counts,
                           [int(r[0]) for r in closing])
    with transaction(con):
        con.execute(f"CREATE OR REPLACE TEMP TABLE retention_expired AS {expired}")
        row = fetch_one(con.execute("SELECT nextval('retention_run_ids')"))
        assert row is not None
        run_id = int(row[0])
        closing = con.execute(pending.format("retention_expired")).fetchall()
        for dispute_id, subject_key in closing:
            con.execute("UPDATE disputes SET status = 'deleted', answered_at = ?, "
                        "answer_note = 'purged by retention' WHERE dispute_id = ?",
                        [moment, dispute_id])
            record_audit(con, "dispute.purge", actor="system", subject_key=int(subject_key),
                         at=moment, details={"dispute_id": int(dispute_id), "run_id": run_id})
        # The decisions' event index counts the log's rows up to its watermark: keep it true.
        con.execute(
            """UPDATE decision_watermarks SET event_count = event_count - (
                 SELECT COUNT(*) FROM retention_expired AS x
                 WHERE x.event_seq <= decision_watermarks.event_seq)""")
        # A void has no event of its own and goes with its target; a replace stays, because
        # its replacing event tells an identical re-send of it from a conflict.
        for table, condition in (("decision_event_index", "event_seq"),
                                 ("dispute_exclusions", "event_seq"),
                                 ("event_corrections", "kind = 'correction.void' AND "
                                                       "target_event_seq"),
                                 ("events", "event_seq")):
            con.execute(f"DELETE FROM {table} WHERE {condition} IN "
                        "(SELECT event_seq FROM retention_expired)")
        for c in counts:
            con.execute("INSERT INTO retention_purges VALUES (?, ?, ?, ?, ?, ?)",
                        [run_id, moment, store.profile.name, c.event_type, c.older_than,
                         c.purged])
        record_audit(con, "maintenance.purge", actor="operator", at=moment,
                     details={"run_id": run_id, "profile": store.profile.name,
                              "purged": {c.event_type: c.purged for c in counts}})
        con.execute("DROP TABLE retention_expired")
    return PurgeResult(store.profile.name, moment, dry_run, counts, [int(r[0]) for r in closing])
