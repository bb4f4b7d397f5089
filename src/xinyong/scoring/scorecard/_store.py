"""Scorecards on the store: train on the event log's features, score like a rulebook.

Training reads the feature table of a :class:`~xinyong.scoring.features.FeatureView` at as-of
(:func:`training_frame`) and joins the store's ``synthetic_outcomes`` to it in pandas, so that
outcomes never reach a scoring query; the fitted artifact records the view (name, version,
SHA-256 and text). Scoring (:func:`score_store`) compiles the recorded view and the card into
one statement — feature stages, then the card's stages (:func:`._sql.scoring_stages`) — whose
rows have the columns of a rulebook run and go into ``scores`` through
:meth:`Store.replace_scores`:

``score``            the card's score (NULL when unscorable), ``tier`` from the card's tiers
``percentile``       ``PERCENT_RANK`` by subject kind among the scorable, as rulebook runs
factor columns       the points of the characteristics of that factor (a feature's factor),
                     summed in card order; NULL for a factor without a characteristic
``reason_1 … 4``     characteristic names and points lost, as :meth:`Scorecard.reasons`
``n_events``, ``unscorable_reason``   from the feature view (no events: ``NO_EVENTS``)

The subjects scored are the enrolled subjects of the view's kind (``applies_to``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.compile import num, text
from xinyong.scoring.engine import EVENTS, SUBJECTS, ScoreRun
from xinyong.scoring.features import (
    FEATURES,
    FeatureView,
    feature_ctes,
    feature_frame,
    parse_feature_view,
)
from xinyong.scoring.scorecard._artifact import REASON_SLOTS, Scorecard
from xinyong.scoring.scorecard._bins import Characteristic
from xinyong.scoring.scorecard._deployment import FeatureViewRecord
from xinyong.scoring.scorecard._fit import ScorecardModel
from xinyong.scoring.scorecard._sql import quote, scoring_stages, transpile
from xinyong.store import Store, fetch_one

OUTCOME = "defaulted_12m"
_CARRY = ("subject_key", "subject_kind", "n_events", "unscorable_reason")


def record_of(view: FeatureView) -> FeatureViewRecord:
    """What an artifact keeps of the view it was trained on."""
    return FeatureViewRecord(view.name, view.version, view.sha256, view.source)


def card_view(card: Scorecard) -> FeatureView:
    """The feature view recorded in ``card``, checked to define every characteristic."""
    record = card.feature_view
    if record is None:
        raise XinyongError("NO_FEATURE_VIEW", f"scorecard {card.id!r} was fitted on a data file, "
                           "not on the event log, so it cannot score the store; fit it with "
                           "`xinyong model fit --features VIEW --as-of DATE`", field="model")
    view = parse_feature_view(record.definition, where=f"feature view {record.name!r} of "
                              f"scorecard {card.id!r}")
    for c in card.characteristics:
        feature = view.feature(c.name)
        if feature.kind != c.kind:
            raise XinyongError("BAD_SCORECARD", f"characteristic {c.name!r} is {c.kind} but the "
                               f"feature is {feature.kind}", field="characteristics",
                               position=c.name)
    return view


def training_frame(store: Store, view: FeatureView, as_of: date) -> pd.DataFrame:
    """The view's features at ``as_of`` for the scorable subjects with an outcome.

    Columns: ``subject_key``, the features and ``defaulted_12m`` (bool), sorted by subject.
    """
    features = feature_frame(store, view, as_of)
    features = features[features["unscorable_reason"].isna()]
    outcomes = store.con.execute(f"SELECT subject_key, {OUTCOME} FROM synthetic_outcomes").df()
    frame = features.merge(outcomes, on="subject_key", how="inner")
    if frame.empty:
        raise XinyongError("NO_OUTCOMES", f"no {view.applies_to} in the store has both events "
                           f"up to {as_of} and a synthetic outcome to learn from; load a "
                           "population first (`xinyong simulate`)", field="--as-of")
    frame = frame.sort_values("subject_key").reset_index(drop=True)
    return frame[["subject_key", *view.names, OUTCOME]]


def fit_store(model: ScorecardModel, store: Store, view: FeatureView, as_of: date) -> Scorecard:
    """Fit ``model`` on the view's features and the stored outcomes; the card records the view."""
    frame = training_frame(store, view, as_of)
    return fit_frame(model, frame, view)


def fit_frame(model: ScorecardModel, frame: pd.DataFrame, view: FeatureView) -> Scorecard:
    """Fit ``model`` on rows of :func:`training_frame` (e.g. a training split of them)."""
    categorical = [f.name for f in view.features if f.kind == "categorical"]
    model.set_params(categorical=tuple(categorical))
    model.fit(frame[view.names], frame[OUTCOME].astype(bool))
    fitted: Scorecard = model.scorecard_
    card = replace(fitted, feature_view=record_of(view),
                   characteristics=tuple(_described(c, view.feature(c.name).spec.description)
                                         for c in fitted.characteristics))
    model.scorecard_ = card
    return card


def _described(c: Characteristic, description: str) -> Characteristic:
    """``c`` with reason sentences that say what the feature is, in the view's words."""
    best = max(range(len(c.bins)), key=lambda i: (c.bins[i].points, -i))
    return replace(c, bins=tuple(
        replace(b, reason=f"{description}: {b.phrase()} (best: {c.bins[best].phrase()}).")
        for b in c.bins))


def store_sql(card: Scorecard, as_of: date, *, dialect: str = "duckdb", events: str = EVENTS,
              subjects: str = SUBJECTS) -> str:
    """The one statement that scores ``card`` on the store at ``as_of``, in ``dialect``."""
    view = card_view(card)
    stages = scoring_stages(card, FEATURES, carry=_CARRY,
                            columns=[quote(c.name) for c in card.characteristics])
    ok = "unscorable_reason IS NULL"
    ranked = (f"ranked AS (SELECT *, CASE WHEN {ok} THEN ROUND({num(100)} * PERCENT_RANK() OVER "
              f"(PARTITION BY subject_kind, {ok} ORDER BY score), 6) END AS percentile "
              f"FROM (SELECT *, {stages.score} AS score FROM {stages.last}))")
    tiers = " ".join(f"WHEN score >= {num(least)} THEN {text(name)}"
                     for name, least in reversed(card.tiers[1:]))
    factor_of = view.factor_of()
    factors = []
    for factor in Factor:
        terms = [f"p_{j}" for j, c in enumerate(card.characteristics)
                 if factor_of[c.name] == factor]
        total = " + ".join(terms) if terms else "CAST(NULL AS DOUBLE)"
        factors.append(f"CASE WHEN {ok} THEN {total} END AS {factor.value}")
    slots = range(1, REASON_SLOTS + 1)
    columns = [
        "subject_key", "subject_kind", f"{text(card.id)} AS model_id",
        f"{text(card.version)} AS model_version",
        f"CAST({text(as_of.isoformat())} AS DATE) AS as_of",
        f"CASE WHEN {ok} THEN score END AS score",
        f"CASE WHEN {ok} THEN CASE {tiers} ELSE {text(card.tiers[0][0])} END END AS tier"
        if tiers else f"CASE WHEN {ok} THEN {text(card.tiers[0][0])} END AS tier",
        "percentile", *factors,
        *(f"CASE WHEN {ok} THEN {stages.reason(s)} END AS reason_{s}" for s in slots),
        *(f"CASE WHEN {ok} THEN {stages.reason_points(s)} END AS reason_{s}_points"
          for s in slots),
        "n_events", "unscorable_reason",
    ]
    ctes = [*feature_ctes(view, as_of, events=events, subjects=subjects), *stages.ctes, ranked]
    body = ",\n  ".join(columns)
    return transpile("WITH " + ",\n".join(ctes) + f"\nSELECT\n  {body}\nFROM ranked", dialect)


def score_store(store: Store, card: Scorecard, as_of: date) -> ScoreRun:
    """Score every enrolled subject of the card's view at ``as_of``; store the run in ``scores``."""
    sql = store_sql(card, as_of)
    version = card.version
    subjects = store.replace_scores(sql, model_id=card.id, model_version=version, as_of=as_of)
    row = fetch_one(store.con.execute(
        "SELECT scored, seconds FROM score_runs WHERE model_id = ? AND model_version = ? "
        "AND as_of = ?", [card.id, version, as_of]))
    scored, seconds = (int(row[0]), float(row[1])) if row else (0, 0.0)
    return ScoreRun(card.id, version, as_of, subjects, scored, seconds)


def factor_points(card: Scorecard, view: FeatureView, X: pd.DataFrame) -> dict[str, Any]:
    """Per factor, the points of its characteristics summed in card order (None: no feature).

    The Python reference of the factor columns that :func:`store_sql` writes.
    """
    points = card.points(X)
    factor_of = view.factor_of()
    out: dict[str, Any] = {}
    for factor in Factor:
        names = [c.name for c in card.characteristics if factor_of[c.name] == factor]
        if not names:
            out[factor.value] = None
            continue
        total = points[names[0]].to_numpy().copy()
        for name in names[1:]:
            total = total + points[name].to_numpy()
        out[factor.value] = total
    return out
