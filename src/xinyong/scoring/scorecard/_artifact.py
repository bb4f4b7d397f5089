"""The scorecard artifact: a versioned JSON document, and its Python scoring.

A :class:`Scorecard` is data — characteristics and their bins (:mod:`._bins`), points per bin,
the scaling, the intercept, what training saw — and it is the whole model: the SQL compiler
reads it, and so does the Python scoring here, so the two agree by construction. It is saved as
JSON (no pickles) and floats are written with ``repr``, so saving and loading give back the same
doubles and the same scores, bit for bit.

How a score is made (``scaling.rule`` in the JSON says it too)::

    factor = pdo / ln 2,   offset = points − factor · ln(odds)
    logit P(bad) = b0 + Σ_j b_j · WoE_j              (logistic regression on WoE, bad = 1)
    points of bin k of characteristic j = −factor · b_j · WoE_jk     (+ base / n if "spread")
    raw   = base_points + Σ_j points_j     (summed in characteristic order, left to right)
    score = min(max(raw, range_min), range_max)

``base_points`` is ``offset − factor · b0`` when the intercept is kept as separate base points
(the default) and 0 when it is spread evenly over the characteristics. ``P(bad)`` comes from the
unclamped raw score: ``1 / (1 + exp((raw − offset) / factor))``.

Reasons (at most :data:`REASON_SLOTS`) are the characteristics whose bin gives fewer points than
the characteristic's best bin (PMML's "pointsBelow"), ranked by points lost (most first, counted
in millionths of a point as the rulebook's reasons are), ties by characteristic order.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from xinyong.errors import XinyongError
from xinyong.scoring.scorecard._bins import Characteristic, FloatArray, IntArray
from xinyong.scoring.scorecard._deployment import (
    DEFAULT_TIERS,
    FeatureViewRecord,
    check_tiers,
    tier_of,
    tiers_from_json,
    tiers_to_json,
)
from xinyong.scoring.scorecard._target import TargetLabel

FORMAT = "xinyong.scorecard"
FORMAT_VERSION = 1
REASON_SLOTS = 4
MICRO_POINTS = 1_000_000  # reasons rank and report points lost to a millionth of a point


@dataclass(frozen=True)
class Scaling:
    """Points to double the odds, the score at ``odds`` (good:bad) and the platform's range."""

    pdo: float = 20.0
    odds: float = 50.0
    points: float = 600.0
    range_min: float = 350.0
    range_max: float = 950.0

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.points - self.factor * math.log(self.odds)

    def to_json(self) -> dict[str, Any]:
        return {"pdo": self.pdo, "odds": self.odds, "points": self.points,
                "factor": self.factor, "offset": self.offset,
                "range": [self.range_min, self.range_max],
                "rule": "score = min(max(base_points + sum of characteristic points, range[0]), "
                        "range[1]); points double the good:bad odds every pdo points and give "
                        "odds:1 at `points`"}


@dataclass(frozen=True)
class Intercept:
    """How the regression's intercept ``b0`` enters the score (see the module docstring)."""

    handling: Literal["base", "spread"]
    coefficient: float
    base_points: float


@dataclass(frozen=True)
class ScoreBands:
    """Training score bands ``[edges[i-1], edges[i])`` (open at both ends) and their row counts."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]

    def assign(self, scores: FloatArray) -> IntArray:
        edges = np.asarray(self.edges, dtype=np.float64)
        return np.searchsorted(edges, scores, side="right").astype(np.int64)

    def labels(self) -> list[str]:
        bounds = ["-inf", *(f"{e:.2f}" for e in self.edges), "inf"]
        return [f"[{a}, {b})" for a, b in pairwise(bounds)]


@dataclass(frozen=True)
class Training:
    """What the scorecard was fitted on, and how well it ranked that data."""

    rows: int
    bad: int
    sha256: str
    sha256_of: str
    auc: float
    ks: float
    gini: float
    bands: ScoreBands


@dataclass(frozen=True)
class Exclusions:
    """Columns left out, protected attributes used on purpose, and the protected list applied."""

    protected: tuple[str, ...] = ()
    user: tuple[str, ...] = ()
    protected_used: tuple[str, ...] = ()
    protected_list: tuple[str, ...] = ()


@dataclass(frozen=True)
class Binning:
    """How the bins were found, and the characteristics that could not be made monotonic."""

    library: str
    version: str
    monotonic_trend: str | None
    non_monotonic: tuple[tuple[str, str], ...] = ()  # (characteristic, why)


@dataclass(frozen=True)
class Scorecard:
    """A learned scorecard: the artifact that scores, explains and compiles to SQL."""

    id: str
    target_name: str
    bad_label: TargetLabel
    characteristics: tuple[Characteristic, ...]
    scaling: Scaling
    intercept: Intercept
    training: Training
    exclusions: Exclusions
    binning: Binning
    created_at: str = ""
    tiers: tuple[tuple[str, float], ...] = DEFAULT_TIERS
    feature_view: FeatureViewRecord | None = None

    def __post_init__(self) -> None:
        check_tiers(self.tiers)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.characteristics]

    @property
    def version(self) -> str:
        """The first 12 hex digits of the artifact's SHA-256: a refit is a new version."""
        return hashlib.sha256(self.to_text().encode("utf-8")).hexdigest()[:12]

    def tier_of(self, score: float) -> str:
        return tier_of(self.tiers, score)

    # -- Python scoring: the reference the SQL is tested against ---------------------------------

    def bins(self, X: pd.DataFrame) -> dict[str, IntArray]:
        """The bin id of every row, per characteristic."""
        missing = [n for n in self.names if n not in X.columns]
        if missing:
            raise XinyongError("MISSING_COLUMN", f"the data has no column {missing[0]!r}, which "
                               f"scorecard {self.id!r} scores", field=missing[0])
        return {c.name: c.assign(X[c.name]) for c in self.characteristics}

    def points(self, X: pd.DataFrame) -> pd.DataFrame:
        """Points per characteristic, one column each, in characteristic order."""
        ids = self.bins(X)
        return pd.DataFrame({c.name: c.points[ids[c.name]] for c in self.characteristics},
                            index=X.index)

    def raw_score(self, X: pd.DataFrame) -> FloatArray:
        """Base points plus every characteristic's points, before clamping to the range."""
        return self.raw_score_of(self.bins(X))

    def raw_score_of(self, ids: dict[str, IntArray]) -> FloatArray:
        """:meth:`raw_score` from bin ids already assigned by :meth:`bins`."""
        n = len(next(iter(ids.values()))) if ids else 0
        total = np.full(n, self.intercept.base_points, dtype=np.float64)
        for c in self.characteristics:  # left to right, as the SQL adds them
            total = total + c.points[ids[c.name]]
        return total

    def score(self, X: pd.DataFrame) -> FloatArray:
        """The score on the platform's range: the raw score clamped to it."""
        raw = self.raw_score(X)
        return np.minimum(np.maximum(raw, self.scaling.range_min), self.scaling.range_max)

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        """``[P(good), P(bad)]`` per row, from the unclamped raw score."""
        z = (self.raw_score(X) - self.scaling.offset) / self.scaling.factor
        bad = 1.0 / (1.0 + np.exp(z))
        return np.column_stack([1.0 - bad, bad])

    @cached_property
    def reason_keys(self) -> list[IntArray]:
        """Per characteristic, per bin: its reason key, or 0 when the bin is not a reason.

        Bins are numbered across the card, characteristic after characteristic (``flat``, out of
        ``F`` = :attr:`flat_bins`), and ``key = floor(points lost · 10⁶) · F + (F − 1 − flat)``:
        larger keys come first, equal micro-points go to the earlier characteristic, ``key // F
        / 10⁶`` is the points lost that a reason reports and ``F − 1 − key % F`` names the bin —
        so its characteristic and its sentence — with one lookup. A bin losing less than a
        micro-point is no reason. The SQL uses these same integers.
        """
        total = self.flat_bins
        keys: list[IntArray] = []
        flat = 0
        for c in self.characteristics:
            micro = [math.floor(float(v) * MICRO_POINTS) for v in c.points_lost]
            keys.append(np.asarray([m * total + (total - 1 - (flat + i)) if m > 0 else 0
                                    for i, m in enumerate(micro)], dtype=np.int64))
            flat += len(c.bins)
        return keys

    @property
    def flat_bins(self) -> int:
        """How many bins the card has, all characteristics together."""
        return sum(len(c.bins) for c in self.characteristics)

    def reasons(self, X: pd.DataFrame, slots: int = REASON_SLOTS) -> pd.DataFrame:
        """Up to ``slots`` reasons per row: characteristic, points lost and a sentence.

        Columns ``reason_1 … reason_k``, ``reason_1_points …`` and ``reason_1_text …``; a slot
        with no reason holds None (NaN for points).
        """
        ids = self.bins(X)
        n, total = len(self.characteristics), self.flat_bins
        flat_text = np.asarray([b.reason for c in self.characteristics for b in c.bins],
                               dtype=object)
        flat_code = np.asarray([c.name for c in self.characteristics for _ in c.bins],
                               dtype=object)
        keys = np.column_stack([self.reason_keys[j][ids[c.name]]
                                for j, c in enumerate(self.characteristics)])
        top = -np.sort(-keys, axis=1)
        out: dict[str, Any] = {}
        for slot in range(slots):
            key = top[:, slot] if slot < n else np.zeros(len(X), dtype=np.int64)
            has = key > 0
            g = np.where(has, total - 1 - key % total, 0)
            code = flat_code[g]
            code[~has] = None
            lost = (key // total).astype(np.float64) / float(MICRO_POINTS)
            out[f"reason_{slot + 1}_points"] = np.where(has, lost, np.nan)
            sentence = flat_text[g]
            sentence[~has] = None
            # object columns, so that "no reason" stays None (pandas would make text NaN)
            out[f"reason_{slot + 1}"] = pd.Series(code, index=X.index, dtype=object)
            out[f"reason_{slot + 1}_text"] = pd.Series(sentence, index=X.index, dtype=object)
        order = [f"reason_{s}" for s in range(1, slots + 1)]
        order += [f"reason_{s}_points" for s in range(1, slots + 1)]
        order += [f"reason_{s}_text" for s in range(1, slots + 1)]
        return pd.DataFrame(out, index=X.index)[order]

    # -- the JSON artifact ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The artifact as a JSON-ready dict (``json.dumps`` it; floats survive via ``repr``)."""
        t = self.training
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "id": self.id,
            "created_at": self.created_at,
            "target": {"column": self.target_name, "bad": self.bad_label},
            "scaling": self.scaling.to_json(),
            "intercept": {"handling": self.intercept.handling,
                          "coefficient": self.intercept.coefficient,
                          "base_points": self.intercept.base_points},
            "bins_rule": "numeric intervals are [lower, upper): x < split goes left; missing "
                         "(NULL/NaN), then special values, are checked first; a category not "
                         "seen in training goes to the 'other' bin",
            "characteristics": [c.to_json() for c in self.characteristics],
            "excluded": {"protected": list(self.exclusions.protected),
                         "user": list(self.exclusions.user),
                         "protected_list": list(self.exclusions.protected_list)},
            "protected_attributes_used": list(self.exclusions.protected_used),
            "training": {"rows": t.rows, "bad": t.bad, "sha256": t.sha256,
                         "sha256_of": t.sha256_of,
                         "metrics": {"auc": t.auc, "ks": t.ks, "gini": t.gini},
                         "score_bands": {"edges": list(t.bands.edges),
                                         "counts": list(t.bands.counts)}},
            "binning": {"library": self.binning.library, "version": self.binning.version,
                        "monotonic_trend": self.binning.monotonic_trend,
                        "non_monotonic": [{"characteristic": n, "why": w}
                                          for n, w in self.binning.non_monotonic]},
            "reason_slots": REASON_SLOTS,
            "tiers": tiers_to_json(self.tiers),
            **({"feature_view": self.feature_view.to_json()} if self.feature_view else {}),
        }

    def to_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> Scorecard:
        """Read an artifact written by :meth:`to_json` (a dict or its JSON text)."""
        try:
            doc: dict[str, Any] = json.loads(data) if isinstance(data, str) else data
            if doc.get("format") != FORMAT:
                raise XinyongError("BAD_SCORECARD", f"not a scorecard: format is "
                                   f"{doc.get('format')!r}, expected {FORMAT!r}", field="format")
            if doc.get("format_version") != FORMAT_VERSION:
                raise XinyongError("BAD_SCORECARD", f"scorecard format version "
                                   f"{doc.get('format_version')!r} is not supported (this "
                                   f"xinyong reads {FORMAT_VERSION})", field="format_version")
            sc, ic, tr, ex, bn = (doc["scaling"], doc["intercept"], doc["training"],
                                  doc["excluded"], doc["binning"])
            bands = tr["score_bands"]
            return cls(
                id=str(doc["id"]),
                target_name=str(doc["target"]["column"]),
                bad_label=doc["target"]["bad"],
                characteristics=tuple(Characteristic.from_json(c) for c in doc["characteristics"]),
                scaling=Scaling(pdo=float(sc["pdo"]), odds=float(sc["odds"]),
                                points=float(sc["points"]), range_min=float(sc["range"][0]),
                                range_max=float(sc["range"][1])),
                intercept=Intercept(handling=ic["handling"], coefficient=float(ic["coefficient"]),
                                    base_points=float(ic["base_points"])),
                training=Training(rows=int(tr["rows"]), bad=int(tr["bad"]), sha256=tr["sha256"],
                                  sha256_of=tr["sha256_of"], auc=float(tr["metrics"]["auc"]),
                                  ks=float(tr["metrics"]["ks"]),
                                  gini=float(tr["metrics"]["gini"]),
                                  bands=ScoreBands(tuple(float(e) for e in bands["edges"]),
                                                   tuple(int(n) for n in bands["counts"]))),
                exclusions=Exclusions(protected=tuple(ex["protected"]), user=tuple(ex["user"]),
                                      protected_used=tuple(doc["protected_attributes_used"]),
                                      protected_list=tuple(ex["protected_list"])),
                binning=Binning(library=bn["library"], version=bn["version"],
                                monotonic_trend=bn["monotonic_trend"],
                                non_monotonic=tuple((d["characteristic"], d["why"])
                                                    for d in bn["non_monotonic"])),
                created_at=str(doc.get("created_at", "")),
                tiers=tiers_from_json(doc.get("tiers")),
                feature_view=FeatureViewRecord.from_json(doc.get("feature_view")),
            )
        except (KeyError, TypeError, ValueError, IndexError, StopIteration) as exc:
            raise XinyongError("BAD_SCORECARD", f"the scorecard JSON is incomplete or malformed "
                               f"({type(exc).__name__}: {exc})") from None

    def save(self, path: str | Path) -> Path:
        """Write the artifact as JSON to ``path`` (parents are created); return the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_text(), "utf-8")
        return target

    @classmethod
    def load(cls, path: str | Path) -> Scorecard:
        """Read an artifact saved by :meth:`save`."""
        source = Path(path)
        try:
            text = source.read_text("utf-8")
        except OSError as exc:
            raise XinyongError("UNKNOWN_MODEL", f"cannot read scorecard {source}: "
                               f"{exc.strerror or exc}", field="model") from None
        return cls.from_json(text)
