"""A per-subject index of the few event types decisions look up, kept from the log's tail.

A decision must know, for one subject and fast, which organisations they legally represent
(a listed organisation's restrictions extend to its legal representative) and whether they have
hard inquiries. Scanning the whole event log per decision costs tens of milliseconds on a
national log, so ``decision_event_index`` holds those events by subject. It is derived, like
the scores, and kept current from the log's tail:

* the watermark holds the last ``event_seq`` indexed and the log's row count at that moment.
  The log is append-only, so an unchanged ``COUNT(*)`` (answered from metadata) means nothing
  new; ``MAX(event_seq)``, which scans the log once rows were appended since the last
  checkpoint, is only computed when something was;
* :func:`refresh` indexes the rows recorded since the watermark; an inquiry event decisions
  append themselves is indexed in the same transaction (:func:`index_appended`);
* lookups leave out events scoring leaves out (voided by a correction, suppressed or deleted
  after a dispute: the `scoring_exclusions` view).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from xinyong.store import fetch_one, transaction

INDEXED_TYPES = ("relationship.legal_representative_of", "inquiry.hard")
_WATERMARK = "decision_event_index"

# The organisations ($key, a person) is legal representative of, as of $at: (org_ref).
REPRESENTED = """
  SELECT DISTINCT org_ref FROM decision_event_index
  WHERE subject_key = $key AND event_type = 'relationship.legal_representative_of'
    AND org_ref IS NOT NULL AND occurred_at <= $at
    AND event_seq NOT IN (SELECT event_seq FROM scoring_exclusions)"""

# Where the index stands and how long the log is: (indexed_seq, indexed_count, logged_count).
IndexState = tuple[int | None, int | None, int]
STATE_SQL = f"""
SELECT (SELECT event_seq FROM decision_watermarks WHERE name = '{_WATERMARK}'),
       (SELECT event_count FROM decision_watermarks WHERE name = '{_WATERMARK}'),
       (SELECT COUNT(*) FROM events)"""


def refresh(con: duckdb.DuckDBPyConnection, state: IndexState | None = None) -> int:
    """Index the events recorded since the last refresh; return the log's last ``event_seq``
    (``state``: where the index stood, when the caller has just read it)."""
    if state is None:
        row = fetch_one(con.execute(STATE_SQL))
        assert row is not None
        state = (row[0], row[1], int(row[2]))
    seen, counted, logged = state
    if counted is not None and counted == logged:
        return int(seen or 0)
    types = ", ".join(f"'{t}'" for t in INDEXED_TYPES)
    with transaction(con):
        now = fetch_one(con.execute("SELECT COALESCE(MAX(event_seq), 0), COUNT(*) FROM events"))
        assert now is not None
        latest, count = int(now[0]), int(now[1])
        con.execute(
            f"""INSERT INTO decision_event_index
                SELECT subject_key, CAST(event_type AS VARCHAR), event_seq, occurred_at,
                       CASE WHEN counterparty_kind = 'organisation' THEN counterparty_id END
                FROM events
                WHERE event_seq > ? AND event_seq <= ? AND event_type IN ({types})""",
            [int(seen or 0), latest])
        con.execute("INSERT OR REPLACE INTO decision_watermarks VALUES (?, ?, ?)",
                    [_WATERMARK, latest, count])
    return latest


def index_appended(con: duckdb.DuckDBPyConnection, subject_key: int, event_type: str,
                   event_seq: int, occurred_at: datetime) -> None:
    """Index an event just appended in the caller's transaction, if the index was current
    (otherwise the next refresh picks it up with the rest of the tail)."""
    moved = fetch_one(con.execute(  # an UPDATE answers with the count of rows it changed
        "UPDATE decision_watermarks SET event_seq = ?, event_count = event_count + 1 "
        "WHERE name = ? AND event_seq = ?", [event_seq, _WATERMARK, event_seq - 1]))
    if moved is not None and int(moved[0]) == 1:
        con.execute("INSERT INTO decision_event_index VALUES (?, ?, ?, ?, NULL)",
                    [subject_key, event_type, event_seq, occurred_at])


def hard_inquiry_times(con: duckdb.DuckDBPyConnection, subject_key: int, *,
                       fresh: bool = False) -> list[datetime]:
    """When the subject's hard inquiries happened (``fresh``: the caller has just refreshed
    the index)."""
    if not fresh:
        refresh(con)
    rows = con.execute(
        """SELECT occurred_at FROM decision_event_index
           WHERE subject_key = ? AND event_type = 'inquiry.hard'
             AND event_seq NOT IN (SELECT event_seq FROM scoring_exclusions)
           ORDER BY occurred_at""", [subject_key]).fetchall()
    return [r[0] for r in rows]
