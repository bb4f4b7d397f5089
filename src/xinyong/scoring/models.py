"""Batch-score any model by its id: a shipped rulebook or a scorecard saved under the home.

This is the seam that the registry, comparisons and audits use, so that they need not know
which family a model belongs to. Rulebooks run with the relationships factor
(:func:`~xinyong.scoring.engine.score_with_relationships`); scorecards score on the store through
their feature view (:mod:`xinyong.scoring.scorecard`).
"""

from __future__ import annotations

from datetime import date

from xinyong.errors import XinyongError
from xinyong.scoring.engine import ScoreRun, score_with_relationships
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store


def score_model(store: Store, model_id: str, as_of: date) -> ScoreRun:
    """Score every subject with ``model_id`` at ``as_of`` and store the run in ``scores``."""
    try:
        rulebook = load_rulebook(model_id)
    except XinyongError as exc:
        if exc.code != "UNKNOWN_MODEL":
            raise
    else:
        return score_with_relationships(store, rulebook, as_of)
    from xinyong.scoring.scorecard import load_scorecard, score_store

    card = load_scorecard(model_id, home=store.home)
    return score_store(store, card, as_of)
