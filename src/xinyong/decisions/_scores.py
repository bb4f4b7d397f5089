"""The score a decision uses: the subject's row in the latest batch run of the model.

Decisions read stored scores rather than scoring online, so that a relying party sees the same
number, factors and reasons as the subject does in their report, and a decision costs a lookup.
A subject who joined after the run is reported as not yet scored, never given a number.

The score carries the subject's disputes that concern records still counting (open, or verified
with the subject's statement standing), so that a relying party sees the record as disputed and
reads the subject's statement (Metro 2 ``XB``); one indexed lookup by subject.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import duckdb

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.rulebook import Rulebook, load_rulebook
from xinyong.store import fetch_one

NOT_YET_SCORED = "NOT_YET_SCORED"
_FACTORS = [f.value for f in Factor]
# Runs that may answer a query: of a registered model, only its registered version (a candidate
# scored under the same id for comparison answers nobody); of an unregistered one, any.
ANSWERING_VERSION = """(model_version IN (SELECT version FROM models WHERE model_id = $model)
    OR NOT EXISTS (SELECT 1 FROM models WHERE model_id = $model))"""
# The latest answering batch run of $model on $day or before, as a struct (model_version, as_of).
LATEST_RUN = f"""
  SELECT struct_pack(model_version := model_version, as_of := as_of) FROM score_runs
  WHERE model_id = $model AND as_of <= $day AND {ANSWERING_VERSION}
  ORDER BY as_of DESC, scored_at DESC LIMIT 1"""
_RUN_SQL = f"SELECT ({LATEST_RUN}) AS run"
# A stored score's columns, in the order stored_score reads them.
SCORE_COLUMNS = ("score", "tier", "percentile", *_FACTORS, "reason_1", "reason_2", "reason_3",
                 "reason_4", "reason_1_points", "reason_2_points", "reason_3_points",
                 "reason_4_points", "n_events", "unscorable_reason")
_SCORE_SQL = f"""
SELECT {', '.join(SCORE_COLUMNS)}
FROM scores
WHERE subject_key = ? AND model_id = ? AND model_version = ? AND as_of = ?"""
# What a relying party is shown of a dispute: (record, description, event_type, status,
# statement); the subject's disputes shown are those open or verified (disputes_subject index).
SHOWN_DISPUTE = (
    "CASE WHEN target_kind = 'event' THEN furnisher || ':' || event_id "
    "ELSE 'list-entry:' || entry_id END",
    "CASE WHEN target_kind = 'event' THEN event_type || ' on ' "
    "|| strftime(occurred_at, '%Y-%m-%d') || ' reported by ' || furnisher "
    "ELSE 'list entry #' || entry_id || ' made by ' || furnisher END",
    "event_type", "status", "statement")
SHOWN_STATUSES = ("open", "verified")
_DISPUTES_SQL = f"""
SELECT {', '.join(SHOWN_DISPUTE)}
FROM disputes WHERE subject_key = ? AND status IN ('open', 'verified')
ORDER BY dispute_id"""


@dataclass(frozen=True)
class ScoreRun:
    model_id: str
    model_version: str
    as_of: date


@cache
def cached_rulebook(model_id: str) -> Rulebook:
    """A shipped rulebook, parsed once per process (rulebooks are immutable files)."""
    return load_rulebook(model_id)


@dataclass(frozen=True)
class StoredScore:
    model_id: str
    model_version: str
    as_of: date
    score: float | None
    tier: str | None
    percentile: float | None
    factors: dict[str, float]
    reasons: list[tuple[str, float]]  # (code, score points lost), most first
    n_events: int
    unscorable_reason: str | None
    # {record, description, event_type, status, statement}: records the subject disputes that still count
    disputes: list[dict[str, str | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["reasons"] = [{"code": c, "points": p} for c, p in self.reasons]
        return data


def latest_run(con: duckdb.DuckDBPyConnection, model_id: str, at: datetime) -> ScoreRun | None:
    row = fetch_one(con.execute(_RUN_SQL, {"model": model_id, "day": at.date()}))
    run = None if row is None else row[0]
    return None if run is None else ScoreRun(model_id, run["model_version"], run["as_of"])


def shown_disputes(con: duckdb.DuckDBPyConnection, subject_key: int) -> list[dict[str, str | None]]:
    """The subject's disputes a relying party sees, oldest first."""
    return [{"record": r, "description": d, "event_type": t, "status": st, "statement": text}
            for r, d, t, st, text in con.execute(_DISPUTES_SQL, [subject_key]).fetchall()]


def latest_score(
    con: duckdb.DuckDBPyConnection, subject_key: int, model_id: str, at: datetime,
    run: ScoreRun | None = None,
) -> StoredScore:
    """The subject's score in the latest run of ``model_id`` as of ``at`` or before
    (``run``: that run, when the caller has just read it)."""
    run = run or latest_run(con, model_id, at)
    if run is None:
        raise no_score_run(model_id, at)
    row = fetch_one(con.execute(_SCORE_SQL, [subject_key, model_id, run.model_version,
                                             run.as_of]))
    return stored_score(run, row, shown_disputes(con, subject_key))


def no_score_run(model_id: str, at: datetime) -> XinyongError:
    return XinyongError(
        "NO_SCORE_RUN",
        f"no batch run of {model_id} as of {at:%Y-%m-%d} or before; run `xinyong score "
        f"--model {model_id}` first", field="model")


def stored_score(run: ScoreRun, row: tuple[Any, ...] | None,
                 disputes: list[dict[str, str | None]]) -> StoredScore:
    """The score from a row of :data:`SCORE_COLUMNS` in ``run`` (None: the subject was not in
    the run, so is not yet scored)."""
    model_id = run.model_id
    if row is None:
        return StoredScore(model_id, run.model_version, run.as_of, None, None, None, {}, [], 0,
                           NOT_YET_SCORED, disputes)
    score, tier, percentile = row[:3]
    n = len(_FACTORS)
    factor_values = row[3:3 + n]
    codes = row[3 + n:7 + n]
    points = row[7 + n:11 + n]
    n_events, unscorable = row[11 + n:13 + n]
    factors = {} if score is None else {
        f: float(v) for f, v in zip(_FACTORS, factor_values, strict=True) if v is not None}
    reasons = [(str(c), float(p)) for c, p in zip(codes, points, strict=True) if c is not None]
    return StoredScore(model_id, run.model_version, run.as_of, score, tier, percentile, factors,
                       reasons, int(n_events), unscorable, disputes)
