"""Run the compiled scoring query on the embedded store (DuckDB).

Batch scoring writes one run per (model, version, as-of) into ``scores``. Scoring one subject
runs the same query filtered to that subject; its percentile is its rank in the batch run of the
same model and day, so it equals the batch row exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.compile import SCORE_COLUMNS, ScoringQuery, scoring_sql
from xinyong.scoring.rulebook import Rulebook
from xinyong.store import Store, fetch_one

# Scoring reads the log without voided events and only the subjects who take part.
EVENTS = "scoring_events"
SUBJECTS = "scoring_subjects"
RELATIONSHIPS = "relationship_scores"  # neutral for a subject without a propagation row


@dataclass(frozen=True)
class ScoreRun:
    model_id: str
    model_version: str
    as_of: date
    subjects: int
    scored: int
    seconds: float


def score_population(store: Store, rulebook: Rulebook, as_of: date) -> ScoreRun:
    """Score every known subject at ``as_of`` and store the run."""
    sql = scoring_sql(rulebook, ScoringQuery(as_of=as_of, events=EVENTS, subjects=SUBJECTS,
                                             relationships=RELATIONSHIPS))
    subjects = store.replace_scores(
        sql, model_id=rulebook.id, model_version=rulebook.version, as_of=as_of
    )
    row = fetch_one(store.con.execute(
        "SELECT scored, seconds FROM score_runs "
        "WHERE model_id = ? AND model_version = ? AND as_of = ?",
        [rulebook.id, rulebook.version, as_of],
    ))
    scored, seconds = (int(row[0]), float(row[1])) if row else (0, 0.0)
    return ScoreRun(rulebook.id, rulebook.version, as_of, subjects, scored, seconds)


def has_run(store: Store, rulebook: Rulebook, as_of: date) -> bool:
    row = fetch_one(store.con.execute(
        "SELECT COUNT(*) FROM score_runs WHERE model_id = ? AND model_version = ? AND as_of = ?",
        [rulebook.id, rulebook.version, as_of],
    ))
    return bool(row and row[0])


def score_subject(
    store: Store,
    rulebook: Rulebook,
    subject_key: int,
    as_of: date,
    *,
    events: str = EVENTS,
    detail: bool = False,
) -> dict[str, Any]:
    """Score one subject with the batch query filtered to it.

    The percentile is taken against the stored batch run of the same model and as-of; without
    one it is None (run a batch first to rank the subject in the population).
    """
    reference = "scores" if has_run(store, rulebook, as_of) else None
    query = ScoringQuery(
        as_of=as_of, events=events, subjects=SUBJECTS, subject_key=subject_key,
        reference=reference, detail=detail, relationships=RELATIONSHIPS,
    )
    cursor = store.con.execute(scoring_sql(rulebook, query))
    names = [d[0] for d in cursor.description]
    row = fetch_one(cursor)
    if row is None:
        raise XinyongError(
            "SUBJECT_NOT_SCORED", "the subject does not take part in scoring (unknown, opted "
            "out, erased, or held until opt-in)", field="subject_id")
    result = dict(zip(names, row, strict=True))
    if not detail:
        result = {k: result[k] for k in SCORE_COLUMNS}
    return result


def score_with_relationships(store: Store, rulebook: Rulebook, as_of: date) -> ScoreRun:
    """The full batch: propagate trust over declared ties for ``as_of``, then score.

    Rulebooks without a weighted relationships factor (rongcheng-like) skip propagation.
    """
    from xinyong.scoring.network import relationship_factor
    from xinyong.store._network import replace_relationship_scores

    if rulebook.method == "weighted" and rulebook.factor_weight(Factor.RELATIONSHIPS) > 0:
        table = relationship_factor(store, as_of, rulebook=rulebook)
        replace_relationship_scores(store, table, as_of)
    return score_population(store, rulebook, as_of)
