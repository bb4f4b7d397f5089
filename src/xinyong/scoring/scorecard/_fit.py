"""Learning a scorecard: :class:`ScorecardModel`, a scikit-learn estimator that fits the artifact.

``fit`` runs in four steps: choose the characteristics (every column but the excluded ones and,
unless allowed by name, the protected attributes); bin them with optbinning
(:mod:`._binning`); count goods and bads per bin and turn them into WoE; fit scikit-learn's
``LogisticRegression`` on the WoE columns — once per distinct combination of bins and outcome,
weighted by its count, which is the same likelihood — and scale its coefficients to points
(:mod:`._artifact` gives the formulas). The result is ``scorecard_``, a :class:`Scorecard`.

>>> model = ScorecardModel(pdo=20, odds=50, points=600)      # doctest: +SKIP
>>> card = model.fit(X, y).scorecard_                          # doctest: +SKIP
>>> card.save("german.json"); card.score(X)                    # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator

from xinyong.errors import XinyongError
from xinyong.scoring.scorecard._artifact import (
    Binning,
    Exclusions,
    Intercept,
    Scaling,
    ScoreBands,
    Scorecard,
    Training,
)
from xinyong.scoring.scorecard._binning import (
    BinLayout,
    UserSplits,
    fit_layouts,
    is_categorical,
    trend_of,
)
from xinyong.scoring.scorecard._bins import (
    Bin,
    Category,
    Characteristic,
    CharacteristicKind,
    FloatArray,
    IntArray,
)
from xinyong.scoring.scorecard._metrics import ranking, score_bands
from xinyong.scoring.scorecard._target import TargetLabel, bad_indicator, bad_label

# Protected attributes, matched by exact column name (case-insensitive): sex, marital status,
# age, nationality and foreign-worker status, with german_credit's names among them.
DEFAULT_PROTECTED: tuple[str, ...] = (
    "sex", "gender", "marital_status", "personal_status", "personal_status_and_sex",
    "age", "age_in_years", "date_of_birth", "birth_date", "year_of_birth",
    "nationality", "citizenship", "country_of_birth", "foreign_worker",
)


class ScorecardModel(BaseEstimator):  # type: ignore[misc]  # sklearn ships no type hints
    """A scorecard learned from outcomes: optbinning bins, logistic regression, PDO scaling.

    Parameters are stored as given (scikit-learn's contract); ``fit`` checks them. ``exclude``
    drops columns; ``protected`` is the list of protected attributes, left out unless named in
    ``allow_protected`` (and then written into the artifact). ``special_codes`` and
    ``user_splits`` map a column to its special values or to its exact splits (numbers for a
    numeric column, category groups for a categorical one). ``intercept`` is ``"base"`` (separate
    base points) or ``"spread"`` (evenly over the characteristics). ``C`` is the inverse L2
    strength of the regression.
    """

    def __init__(
        self,
        *,
        model_id: str = "scorecard",
        bad_label: TargetLabel | None = None,
        exclude: Sequence[str] = (),
        protected: Sequence[str] = DEFAULT_PROTECTED,
        allow_protected: Sequence[str] = (),
        categorical: Sequence[str] = (),
        special_codes: Mapping[str, Sequence[Category]] | None = None,
        user_splits: Mapping[str, UserSplits] | None = None,
        monotonic_trend: str | None = "auto_asc_desc",
        max_n_bins: int | None = None,
        min_bin_size: float | None = None,
        pdo: float = 20.0,
        odds: float = 50.0,
        points: float = 600.0,
        score_range: tuple[float, float] = (350.0, 950.0),
        intercept: Literal["base", "spread"] = "base",
        C: float = 1.0,
        max_iter: int = 1000,
        n_jobs: int | None = None,
    ) -> None:
        self.model_id = model_id
        self.bad_label = bad_label
        self.exclude = exclude
        self.protected = protected
        self.allow_protected = allow_protected
        self.categorical = categorical
        self.special_codes = special_codes
        self.user_splits = user_splits
        self.monotonic_trend = monotonic_trend
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.pdo = pdo
        self.odds = odds
        self.points = points
        self.score_range = score_range
        self.intercept = intercept
        self.C = C
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    # -- fitting ------------------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y: Any, *, data_sha256: str | None = None) -> ScorecardModel:
        """Learn the scorecard from ``X`` (a DataFrame) and outcomes ``y``; return ``self``.

        ``data_sha256`` is the training file's digest when there is one (the CLI passes it);
        otherwise the artifact records a digest of the DataFrame's rows.
        """
        from sklearn.linear_model import LogisticRegression

        scaling = self._scaling()
        if self.intercept not in ("base", "spread"):
            raise XinyongError("BAD_OPTION", "intercept must be 'base' or 'spread'",
                               field="intercept")
        if not isinstance(X, pd.DataFrame):
            raise XinyongError("BAD_DATA", "X must be a pandas DataFrame", field="X")
        target = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y), name="target")
        target = target.reset_index(drop=True)
        if len(target) != len(X):
            raise XinyongError("BAD_TARGET", f"{len(X)} rows of data but {len(target)} outcomes",
                               field="target")
        label = bad_label(target, self.bad_label)
        bad = bad_indicator(target, label)
        names, exclusions = self._characteristics(X, str(target.name))
        kinds: dict[str, CharacteristicKind] = {
            n: "categorical" if n in self.categorical or is_categorical(X[n]) else "numeric"
            for n in names}
        layouts, report = fit_layouts(
            X, bad, kinds,
            special_codes=_per_column(self.special_codes, "special_codes", names),
            user_splits=_per_column(self.user_splits, "user_splits", names),
            monotonic_trend=self.monotonic_trend, max_n_bins=self.max_n_bins,
            min_bin_size=self.min_bin_size, n_jobs=self.n_jobs)

        skeletons = [_skeleton(layout) for layout in layouts]
        ids = {c.name: c.assign(X[c.name]) for c in skeletons}
        counted = [_counted(c, ids[c.name], bad) for c in skeletons]
        rows, weights = _distinct_rows([ids[c.name] for c in counted], bad)
        woe = np.column_stack([c.woe_of(ids[c.name][rows]) for c in counted])
        regression = LogisticRegression(C=self.C, max_iter=self.max_iter)
        regression.fit(woe, bad[rows], sample_weight=weights)
        coefficients = [float(b) for b in regression.coef_.ravel()]
        b0 = float(regression.intercept_[0])

        base = scaling.offset - scaling.factor * b0
        share = base / len(counted) if self.intercept == "spread" else 0.0
        characteristics = tuple(
            c.scored(coefficient, scaling.factor, share, layout)
            for c, coefficient, layout in zip(counted, coefficients, layouts, strict=True))
        non_monotonic = [*report, *(
            (c.name, "user splits kept as given; their bad rate is not monotonic")
            for c in characteristics if c.user_splits and c.trend == "none")]
        from optbinning import __version__ as optbinning_version

        card = Scorecard(
            id=self.model_id, target_name=str(target.name), bad_label=label,
            characteristics=characteristics, scaling=scaling,
            intercept=Intercept(self.intercept, b0, base if self.intercept == "base" else 0.0),
            training=Training(0, 0, "", "", 0.0, 0.0, 0.0, ScoreBands((), (0,))),
            exclusions=exclusions,
            binning=Binning("optbinning", str(optbinning_version), self.monotonic_trend,
                            tuple(non_monotonic)),
            created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        )
        raw = card.raw_score_of(ids)
        score = np.minimum(np.maximum(raw, scaling.range_min), scaling.range_max)
        metrics = ranking(bad, score)
        digest, digest_of = (
            (data_sha256, "file") if data_sha256 else (_frame_sha256(X, target), "dataframe rows")
        )
        self.scorecard_ = replace(card, training=Training(
            rows=len(X), bad=int(bad.sum()), sha256=digest, sha256_of=digest_of,
            auc=metrics["auc"], ks=metrics["ks"], gini=metrics["gini"], bands=score_bands(score)))
        self.estimator_ = regression
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.classes_ = np.asarray([0, 1])
        self.non_monotonic_ = list(non_monotonic)
        return self

    # -- using the fitted scorecard ---------------------------------------------------------------

    def _card(self) -> Scorecard:
        if not hasattr(self, "scorecard_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this ScorecardModel is not fitted yet; call fit(X, y) first")
        card: Scorecard = self.scorecard_
        return card

    def score(self, X: pd.DataFrame) -> FloatArray:
        """Points on the platform's range for every row (see :meth:`Scorecard.score`)."""
        return self._card().score(X)

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        """``[P(good), P(bad)]`` per row; ``classes_`` is ``[0, 1]`` with 1 for bad."""
        return self._card().predict_proba(X)

    def predict(self, X: pd.DataFrame) -> IntArray:
        """1 where bad is the likelier outcome, else 0."""
        return (self.predict_proba(X)[:, 1] > 0.5).astype(np.int64)

    def reasons(self, X: pd.DataFrame) -> pd.DataFrame:
        return self._card().reasons(X)

    def to_json(self) -> dict[str, Any]:
        return self._card().to_json()

    def save(self, path: Any) -> Any:
        return self._card().save(path)

    # -- checks -----------------------------------------------------------------------------------

    def _scaling(self) -> Scaling:
        low, high = (float(v) for v in self.score_range)
        if not (self.pdo > 0 and self.odds > 0 and math.isfinite(self.points) and low < high):
            raise XinyongError("BAD_OPTION", "pdo and odds must be positive and the range's low "
                               "end below its high end", field="scaling")
        return Scaling(float(self.pdo), float(self.odds), float(self.points), low, high)

    def _characteristics(self, X: pd.DataFrame, target: str) -> tuple[list[str], Exclusions]:
        columns = [str(c) for c in X.columns]
        for option in ("exclude", "allow_protected", "categorical"):
            unknown = [n for n in getattr(self, option) if n not in columns]
            if unknown:
                raise XinyongError("UNKNOWN_COLUMN", f"{option} names {unknown[0]!r}, which is "
                                   "not a column of the data", field=option, position=unknown[0])
        protected = {p.lower() for p in self.protected}
        wrongly = [n for n in self.allow_protected if n.lower() not in protected]
        if wrongly:
            raise XinyongError("NOT_PROTECTED", f"{wrongly[0]!r} is not a protected attribute; "
                               "allow_protected only admits names on the protected list",
                               field="allow_protected", position=wrongly[0])
        excluded = set(self.exclude) | {target}
        is_protected = [c for c in columns if c.lower() in protected and c not in excluded]
        used_protected = [c for c in is_protected if c in self.allow_protected]
        names = [c for c in columns if c not in excluded and
                 (c not in is_protected or c in used_protected)]
        if not names:
            raise XinyongError("NO_CHARACTERISTICS", "no columns are left to score with after "
                               "the exclusions", field="exclude")
        return names, Exclusions(
            protected=tuple(c for c in is_protected if c not in used_protected),
            user=tuple(c for c in columns if c in self.exclude),
            protected_used=tuple(used_protected), protected_list=tuple(self.protected))


class _Counted:
    """A characteristic's layout with training counts and WoE, before points exist."""

    def __init__(self, skeleton: Characteristic, counts: IntArray, bads: IntArray) -> None:
        self.name = skeleton.name
        self.skeleton = skeleton
        self.counts = counts
        self.bads = bads
        goods = counts - bads
        total_good, total_bad = goods.sum(), bads.sum()
        pure = (goods == 0) | (bads == 0)  # optbinning's rule: such a bin has WoE 0
        with np.errstate(divide="ignore", invalid="ignore"):
            woe = np.log((goods / total_good) / (bads / total_bad))
        self.woe: FloatArray = np.where(pure, 0.0, woe)

    def woe_of(self, ids: IntArray) -> FloatArray:
        return self.woe[ids]

    def scored(self, coefficient: float, factor: float, share: float,
               layout: BinLayout) -> Characteristic:
        bins = tuple(
            replace(b, woe=float(self.woe[i]), count=int(self.counts[i]), bad=int(self.bads[i]),
                    points=float(-factor * coefficient * self.woe[i] + share))
            for i, b in enumerate(self.skeleton.bins))
        intervals = [i for i, b in enumerate(bins) if b.kind == "interval"]
        rates = [self.bads[i] / self.counts[i] for i in intervals if self.counts[i]]
        trend = trend_of(rates) if self.skeleton.kind == "numeric" else None
        draft = replace(self.skeleton, coefficient=coefficient, bins=bins, trend=trend,
                        user_splits=layout.user_splits)
        return replace(draft, bins=tuple(replace(b, reason=draft.reason_sentence(i))
                                         for i, b in enumerate(bins)))


def _per_column(option: Mapping[str, Any] | None, name: str, names: list[str]) -> dict[str, Any]:
    values = dict(option or {})
    unknown = [n for n in values if n not in names]
    if unknown:
        raise XinyongError("UNKNOWN_COLUMN", f"{name} names {unknown[0]!r}, which is not a "
                           "characteristic (not a column, excluded or protected)", field=name,
                           position=unknown[0])
    return values


def _skeleton(layout: BinLayout) -> Characteristic:
    """The layout as a characteristic with zero points: enough to assign rows to bins."""
    body: list[Bin]
    if layout.kind == "numeric":
        edges: list[float | None] = [None, *layout.splits, None]
        body = [Bin("interval", 0.0, 0.0, 0, 0, lower=lo, upper=hi)
                for lo, hi in pairwise(edges)]
        tail = [Bin("missing", 0.0, 0.0, 0, 0),
                Bin("special", 0.0, 0.0, 0, 0, values=tuple(layout.special))]
    else:
        body = [Bin("set", 0.0, 0.0, 0, 0, values=tuple(g)) for g in layout.groups]
        tail = [Bin("missing", 0.0, 0.0, 0, 0),
                Bin("special", 0.0, 0.0, 0, 0, values=tuple(layout.special)),
                Bin("other", 0.0, 0.0, 0, 0)]
    return Characteristic(layout.name, layout.kind, 0.0, tuple(body + tail))


def _counted(c: Characteristic, ids: IntArray, bad: npt.NDArray[np.int8]) -> _Counted:
    counts = np.bincount(ids, minlength=len(c.bins)).astype(np.int64)
    bads = np.bincount(ids, weights=bad, minlength=len(c.bins)).astype(np.int64)
    return _Counted(c, counts, bads)


def _distinct_rows(bin_ids: list[IntArray], bad: npt.NDArray[np.int8]) -> tuple[IntArray, FloatArray]:
    """One row per distinct (bins, outcome) combination, and how many rows it stands for.

    The regression sees only WoE values, which depend only on the bins, so fitting it on the
    distinct combinations weighted by their counts is the same maximum-likelihood problem (the
    same loss, summed in groups) at a fraction of the cost when rows repeat.
    """
    columns = [*bin_ids, bad.astype(np.int64)]
    radix = [int(c.max()) + 1 if len(c) else 1 for c in columns]
    if math.prod(radix) < 2**62:  # the combination fits in one int64 key
        key = np.zeros(len(bad), dtype=np.int64)
        for column, base in zip(columns, radix, strict=True):
            key = key * base + column
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
    else:
        _, first, counts = np.unique(np.column_stack(columns), axis=0, return_index=True,
                                     return_counts=True)
    return first.astype(np.int64), counts.astype(np.float64)


def _frame_sha256(X: pd.DataFrame, y: pd.Series[Any]) -> str:
    """A digest of the training rows: column names, then pandas' per-row hashes, then y's."""
    digest = hashlib.sha256("\x1f".join(map(str, X.columns)).encode())
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(y, index=False).to_numpy().tobytes())
    return digest.hexdigest()
