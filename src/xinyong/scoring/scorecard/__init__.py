"""Learned scorecards: fit from outcomes, save as JSON, score in Python or compiled SQL.

How the parts relate: :class:`ScorecardModel` (``_fit``) is the scikit-learn estimator; it bins
with optbinning (``_binning``) and fits a logistic regression, and its result is a
:class:`Scorecard` (``_artifact``), the versioned JSON artifact made of characteristics and bins
(``_bins``). The artifact is the model: it scores and explains in Python, compiles to SQL
(``_sql``), is evaluated for ranking, calibration and stability (``_metrics``), and is saved under
the platform home (``_home``). A card fitted on a feature view of the event log
(:mod:`xinyong.scoring.features`) records the view and its tiers (``_deployment``), and trains
and scores on the store like a rulebook (``_store``: :func:`fit_store`, :func:`score_store`).
``cli`` holds the ``xinyong model fit|evaluate`` commands.

>>> model = ScorecardModel(model_id="german").fit(X, y)                   # doctest: +SKIP
>>> sql = scorecard_sql(model.scorecard_, table="applicants", id_column="id")  # doctest: +SKIP
"""

from xinyong.scoring.scorecard._artifact import REASON_SLOTS, Scaling, Scorecard
from xinyong.scoring.scorecard._bins import Bin, Characteristic
from xinyong.scoring.scorecard._explain import CardExplanation, explain_card
from xinyong.scoring.scorecard._fit import DEFAULT_PROTECTED, ScorecardModel
from xinyong.scoring.scorecard._home import (
    load_scorecard,
    models_dir,
    save_scorecard,
    saved_scorecards,
)
from xinyong.scoring.scorecard._metrics import PSI_SHIFT, PSI_WATCH, evaluate, psi
from xinyong.scoring.scorecard._sql import scorecard_sql
from xinyong.scoring.scorecard._store import (
    card_view,
    factor_points,
    fit_frame,
    fit_store,
    score_store,
    store_sql,
    training_frame,
)

__all__ = [
    "DEFAULT_PROTECTED",
    "PSI_SHIFT",
    "PSI_WATCH",
    "REASON_SLOTS",
    "Bin",
    "CardExplanation",
    "Characteristic",
    "Scaling",
    "Scorecard",
    "ScorecardModel",
    "card_view",
    "evaluate",
    "explain_card",
    "factor_points",
    "fit_frame",
    "fit_store",
    "load_scorecard",
    "models_dir",
    "psi",
    "save_scorecard",
    "saved_scorecards",
    "score_store",
    "scorecard_sql",
    "store_sql",
    "training_frame",
]
