"""What a query reads about its subject once the gate let it through, in one round trip.

After :func:`~xinyong.decisions._access.authorise` (which read the latest batch run of the model
and where the decisions' event index stands), a decision needs the subject's stored score in
that run, the disputes shown with it, their list entries in force, the organisations they
legally represent and when their hard inquiries happened. Each is a lookup by subject on an
index; asked one by one they cost a statement each, so :func:`read_subject_file` asks them as
one ``UNION ALL`` of tagged rows (or, when the query names its model, as branches of the gate's
own round trip: :data:`GATE_BRANCHES`). Most subjects have no list entry and no dispute: the
first read returns only the ids of those, and a second read fetches them for the few who have
some.

Two checks move from SQL to Python on rows already read: an entry suppressed because its
authority left a dispute about it unanswered (``suppressed_at`` of the subject's disputes, the
same test as :data:`~xinyong.decisions._lists.ACTIVE`), and the event types and times of the
decisions' event index rows (the subject's rows are few; filtering them in the scan would turn
the index lookup into a scan of the whole index table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from xinyong.catalog import Factor
from xinyong.decisions._event_index import INDEXED_TYPES
from xinyong.decisions._lists import ENTRY_FIELDS, IN_TERM, ListEntry, entry_from_row
from xinyong.decisions._scores import (
    SCORE_COLUMNS,
    SHOWN_DISPUTE,
    SHOWN_STATUSES,
    ScoreRun,
    StoredScore,
    stored_score,
)

_REPRESENTS, _HARD_INQUIRY = INDEXED_TYPES
_FACTORS = tuple(f.value for f in Factor)


# The first read: the score, the decisions' event index rows (few per subject) and only the
# ids of the subject's list entries and disputes, which most subjects have none of. Narrow
# branches cost half as much as branches padded to every table's columns.
_SCORE = ", ".join(SCORE_COLUMNS)
_NO_SCORE = ", ".join(["NULL"] * len(SCORE_COLUMNS))
_FIRST = f"""
SELECT 'score', {_SCORE}, NULL, NULL, NULL, NULL
FROM scores WHERE subject_key = $key AND model_id = $model AND model_version = $version
  AND as_of = $as_of
UNION ALL
SELECT 'index', {_NO_SCORE}, event_type, org_ref, occurred_at, event_seq
FROM decision_event_index WHERE subject_key = $key
  AND event_seq NOT IN (SELECT event_seq FROM scoring_exclusions)
UNION ALL
SELECT 'entry', {_NO_SCORE}, NULL, NULL, NULL, entry_id FROM list_entries WHERE subject_key = $key
UNION ALL
SELECT 'dispute', {_NO_SCORE}, NULL, NULL, NULL, dispute_id FROM disputes
WHERE subject_key = $key"""
_SCORE_SLICE = slice(1, 1 + len(SCORE_COLUMNS))
_INDEX_SLICE = slice(1 + len(SCORE_COLUMNS), 4 + len(SCORE_COLUMNS))

# The same first read as branches of the gate's own round trip (_access._STATE, whose columns
# they follow: tag, a, b, t1, t2, t3, i, list, nums), for a query that names its model: the
# subject's scores under the model up to the day (one per run; the gate's run picks one), the
# score's numbers and texts packed in two lists (narrower than a column each).
_NUMBERS = ("score", "percentile", *_FACTORS, "reason_1_points", "reason_2_points",
            "reason_3_points", "reason_4_points")
_TEXTS = ("tier", "reason_1", "reason_2", "reason_3", "reason_4", "unscorable_reason")
GATE_BRANCHES = f"""
SELECT 'score', model_version, NULL, CAST(as_of AS TIMESTAMP), NULL, NULL, n_events,
       [{', '.join(_TEXTS)}], [{', '.join(_NUMBERS)}]
FROM scores WHERE subject_key = $key AND model_id = $model AND as_of <= $day
UNION ALL
SELECT 'index', event_type, org_ref, occurred_at, NULL, NULL, event_seq, NULL, NULL
FROM decision_event_index WHERE subject_key = $key
  AND event_seq NOT IN (SELECT event_seq FROM scoring_exclusions)
UNION ALL
SELECT 'entry', NULL, NULL, NULL, NULL, NULL, entry_id, NULL, NULL
FROM list_entries WHERE subject_key = $key
UNION ALL
SELECT 'dispute', NULL, NULL, NULL, NULL, NULL, dispute_id, NULL, NULL
FROM disputes WHERE subject_key = $key"""
GATE_TAGS = frozenset({"score", "index", "entry", "dispute"})

# The second read, for a subject with list entries or disputes: the entries in term and the
# disputes shown or suppressing an entry, each branch with its own columns.
_ENTRY = [f"e.{c}" for c in ENTRY_FIELDS]
_DISPUTE = [*SHOWN_DISPUTE, "dispute_id", "target_kind", "entry_id", "suppressed_at"]
_DETAILS = f"""
SELECT 'entry', {', '.join(_ENTRY)}, {', '.join(['NULL'] * len(_DISPUTE))}
FROM list_entries AS e WHERE e.subject_key = $key AND {IN_TERM}
UNION ALL
SELECT 'dispute', {', '.join(['NULL'] * len(_ENTRY))}, {', '.join(_DISPUTE)}
FROM disputes WHERE subject_key = $key AND (status IN ('open', 'verified')
  OR (target_kind = 'list_entry' AND status = 'suppressed'))"""
_ENTRY_SLICE = slice(1, 1 + len(_ENTRY))
_DISPUTE_SLICE = slice(1 + len(_ENTRY), 1 + len(_ENTRY) + len(_DISPUTE))


@dataclass(frozen=True)
class SubjectFile:
    score: StoredScore
    entries: list[ListEntry]  # in force at the query's time, by entry_id
    organisations: list[str]  # the codes of the organisations they represent (people), sorted
    hard_inquiries: list[datetime]  # when, oldest first


def read_subject_file(con: duckdb.DuckDBPyConnection, subject_key: int, subject_kind: str,
                      run: ScoreRun, at: datetime) -> SubjectFile:
    """The subject's score in ``run``, list entries in force at ``at``, represented
    organisations and hard inquiries. Call after refreshing the decisions' event index."""
    rows = con.execute(_FIRST, {"key": subject_key, "model": run.model_id,
                                "version": run.model_version, "as_of": run.as_of}).fetchall()
    return _assemble(
        con, subject_key, subject_kind, run, at,
        next((r[_SCORE_SLICE] for r in rows if r[0] == "score"), None),
        [r[_INDEX_SLICE] for r in rows if r[0] == "index"],
        any(r[0] in ("entry", "dispute") for r in rows))


def subject_file_from_gate(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]],
                           subject_key: int, subject_kind: str, run: ScoreRun,
                           at: datetime) -> SubjectFile:
    """The subject file from the rows of :data:`GATE_BRANCHES` the gate read (with the event
    index current when it read them)."""
    score = None
    for tag, version, _, as_of, _, _, n_events, texts, numbers in rows:
        if tag == "score" and version == run.model_version and as_of.date() == run.as_of:
            values = dict(zip(_TEXTS + _NUMBERS, [*texts, *numbers], strict=True))
            score = tuple(n_events if c == "n_events" else values[c] for c in SCORE_COLUMNS)
    return _assemble(con, subject_key, subject_kind, run, at, score,
                     [(r[1], r[2], r[3]) for r in rows if r[0] == "index"],
                     any(r[0] in ("entry", "dispute") for r in rows))


def _assemble(con: duckdb.DuckDBPyConnection, subject_key: int, subject_kind: str,
              run: ScoreRun, at: datetime, score_row: tuple[Any, ...] | None,
              index: list[tuple[Any, ...]], has_details: bool) -> SubjectFile:
    """The file from the first read (index rows: event_type, org_ref, occurred_at), with the
    second read when the subject has list entries or disputes."""
    organisations = sorted({str(org) for event_type, org, occurred_at in index
                            if event_type == _REPRESENTS and org is not None
                            and occurred_at <= at}) if subject_kind == "person" else []
    inquiries = sorted(occurred_at for event_type, _, occurred_at in index
                       if event_type == _HARD_INQUIRY)
    shown: list[dict[str, str | None]] = []
    entries: list[ListEntry] = []
    if has_details:
        details = con.execute(_DETAILS, {"key": subject_key, "at": at}).fetchall()
        disputes = sorted((r[_DISPUTE_SLICE] for r in details if r[0] == "dispute"),
                          key=lambda d: d[5])
        shown = [{"record": d[0], "description": d[1], "event_type": d[2], "status": d[3],
                  "statement": d[4]} for d in disputes if d[3] in SHOWN_STATUSES]
        suppressed = {d[7] for d in disputes if d[3] == "suppressed" and d[6] == "list_entry"
                      and d[8] is not None and d[8] <= at}
        entries = sorted((entry_from_row(r[_ENTRY_SLICE]) for r in details
                          if r[0] == "entry" and r[1] not in suppressed),
                         key=lambda e: e.entry_id)
    return SubjectFile(stored_score(run, score_row, shown), entries, organisations, inquiries)
