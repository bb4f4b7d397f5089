"""What a query reads about its subject once the gate let it through, in one round trip.

After :func:`~xinyong.decisions._access.authorise` (which read the latest batch run of the model
and where the decisions' event index stands), a decision needs the subject's stored score in
that run, the disputes shown with it, their list entries in force, the organisations they
legally represent and when their hard inquiries happened. Each is a lookup by subject on an
index; asked one by one they cost a statement each, so :func:`read_subject_file` asks them as
one ``UNION ALL`` of tagged rows, each branch filling its own columns.

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


# Each branch's columns, in the order of the union's: score, list entry, dispute, index row.
_GROUPS: dict[str, list[str]] = {
    "score": list(SCORE_COLUMNS),
    "entry": [f"e.{c}" for c in ENTRY_FIELDS],
    "dispute": [*SHOWN_DISPUTE, "dispute_id", "target_kind", "entry_id", "suppressed_at"],
    "index": ["event_type", "occurred_at", "org_ref"],
}


def _branch(tag: str, source: str) -> str:
    columns = [f"'{tag}'"] + [c if group == tag else "NULL" for group, cs in _GROUPS.items()
                              for c in cs]
    return f"SELECT {', '.join(columns)}\n{source}"


_SQL = "\nUNION ALL\n".join([
    _branch("score", "FROM scores WHERE subject_key = $key AND model_id = $model "
            "AND model_version = $version AND as_of = $as_of"),
    _branch("entry", f"FROM list_entries AS e WHERE e.subject_key = $key AND {IN_TERM}"),
    _branch("dispute", "FROM disputes WHERE subject_key = $key AND (status IN ('open', "
            "'verified') OR (target_kind = 'list_entry' AND status = 'suppressed'))"),
    _branch("index", "FROM decision_event_index WHERE subject_key = $key "
            "AND event_seq NOT IN (SELECT event_seq FROM scoring_exclusions)"),
])
_SLICES: dict[str, slice] = {}
_start = 1
for _group, _cs in _GROUPS.items():
    _SLICES[_group] = slice(_start, _start + len(_cs))
    _start += len(_cs)


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
    rows = con.execute(_SQL, {"key": subject_key, "model": run.model_id,
                              "version": run.model_version, "as_of": run.as_of,
                              "at": at}).fetchall()
    by_tag: dict[str, list[tuple[Any, ...]]] = {tag: [] for tag in _GROUPS}
    for row in rows:
        by_tag[row[0]].append(row[_SLICES[row[0]]])
    disputes = sorted(by_tag["dispute"], key=lambda d: d[5])
    shown: list[dict[str, str | None]] = [
        {"record": d[0], "description": d[1], "event_type": d[2], "status": d[3],
         "statement": d[4]} for d in disputes if d[3] in SHOWN_STATUSES]
    suppressed = {d[7] for d in disputes if d[3] == "suppressed" and d[6] == "list_entry"
                  and d[8] is not None and d[8] <= at}
    entries = sorted((entry_from_row(r) for r in by_tag["entry"] if r[0] not in suppressed),
                     key=lambda e: e.entry_id)
    organisations = sorted({str(org) for event_type, occurred_at, org in by_tag["index"]
                            if event_type == _REPRESENTS and org is not None
                            and occurred_at <= at}) if subject_kind == "person" else []
    inquiries = sorted(occurred_at for event_type, occurred_at, _ in by_tag["index"]
                       if event_type == _HARD_INQUIRY)
    score_rows = by_tag["score"]
    return SubjectFile(stored_score(run, score_rows[0] if score_rows else None, shown), entries,
                       organisations, inquiries)
