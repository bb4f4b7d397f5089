"""How good and how stable a scorecard is: AUC, KS, Gini, calibration by band, and PSI.

Ranking metrics treat a *lower* score as riskier: AUC is the chance that a random bad row scores
below a random good one. The score bands are the training score's deciles, stored in the
artifact with their counts, so that :func:`evaluate` can compare any later population with
the training one:

``calibration``  per band, the observed bad rate next to the mean predicted ``P(bad)``
``psi``          population stability index of the score over the bands, and of every
                 characteristic over its bins (training shares from the bins' counts):
                 ``Σ (actual − expected) · ln(actual / expected)``, a share of 0 counted as
                 0.0001 unless both are 0. Flags: below 0.1 ``stable``, below 0.25 ``watch``,
                 else ``shift``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from xinyong.errors import XinyongError
from xinyong.scoring.scorecard._artifact import ScoreBands, Scorecard
from xinyong.scoring.scorecard._bins import FloatArray
from xinyong.scoring.scorecard._target import bad_indicator

PSI_WATCH = 0.1
PSI_SHIFT = 0.25
N_BANDS = 10
_EMPTY_SHARE = 1e-4


def ranking(bad: npt.NDArray[np.int8], score: FloatArray) -> dict[str, float]:
    """AUC, KS and Gini of ``score`` for the 0/1 outcome ``bad`` (lower score = riskier)."""
    from sklearn.metrics import auc as area
    from sklearn.metrics import roc_curve

    if len(np.unique(bad)) != 2:
        raise XinyongError("BAD_TARGET", "AUC, KS and Gini need both good and bad outcomes in the "
                           "data", field="target")
    fpr, tpr, _ = roc_curve(bad, -score)
    auc = float(area(fpr, tpr))  # the area under the one ROC curve, which also gives KS
    return {"auc": auc, "ks": float(np.max(tpr - fpr)), "gini": 2.0 * auc - 1.0}


def score_bands(score: FloatArray, n_bands: int = N_BANDS) -> ScoreBands:
    """Bands at the score's quantiles (fewer when scores tie), with their row counts."""
    inner = np.quantile(score, np.linspace(0.0, 1.0, n_bands + 1)[1:-1])
    edges = tuple(float(e) for e in np.unique(inner))
    counts = np.bincount(np.searchsorted(np.asarray(edges), score, side="right"),
                         minlength=len(edges) + 1)
    return ScoreBands(edges, tuple(int(c) for c in counts))


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Population stability index between two count (or share) vectors over the same bins."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.sum() <= 0 or a.sum() <= 0:
        return 0.0
    e, a = e / e.sum(), a / a.sum()
    used = (e > 0) | (a > 0)
    e = np.maximum(e[used], _EMPTY_SHARE)
    a = np.maximum(a[used], _EMPTY_SHARE)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_flag(value: float) -> str:
    return "stable" if value < PSI_WATCH else "watch" if value < PSI_SHIFT else "shift"


def evaluate(card: Scorecard, X: pd.DataFrame, y: Any) -> dict[str, Any]:
    """Ranking, calibration and stability of ``card`` on ``X`` with outcomes ``y``.

    ``y`` holds the target's labels (the artifact knows which one is bad). Returns a JSON-ready
    dict: ``auc``, ``ks``, ``gini``, ``calibration`` (a row per band), ``psi`` (``score`` and
    per characteristic, each with its flag) and the thresholds used.
    """
    bad = bad_indicator(y, card.bad_label)
    if len(bad) != len(X):
        raise XinyongError("BAD_TARGET", f"{len(X)} rows of data but {len(bad)} outcomes",
                           field="target")
    ids = card.bins(X)
    raw = card.raw_score_of(ids)
    score = np.minimum(np.maximum(raw, card.scaling.range_min), card.scaling.range_max)
    p_bad = 1.0 / (1.0 + np.exp((raw - card.scaling.offset) / card.scaling.factor))
    bands = card.training.bands
    band = bands.assign(score)
    n_bands = len(bands.counts)
    rows = np.bincount(band, minlength=n_bands)
    bads = np.bincount(band, weights=bad, minlength=n_bands)
    predicted = np.bincount(band, weights=p_bad, minlength=n_bands)
    calibration = [
        {"band": label, "rows": int(rows[i]),
         "observed_bad_rate": float(bads[i] / rows[i]) if rows[i] else None,
         "predicted_bad_rate": float(predicted[i] / rows[i]) if rows[i] else None}
        for i, label in enumerate(bands.labels())
    ]
    score_psi = psi(bands.counts, rows)
    characteristics = []
    for c in card.characteristics:
        value = psi([b.count for b in c.bins], np.bincount(ids[c.name], minlength=len(c.bins)))
        characteristics.append({"name": c.name, "psi": value, "flag": psi_flag(value)})
    return {
        "model": card.id,
        "rows": len(X),
        "bad": int(bad.sum()),
        "bad_rate": float(bad.mean()) if len(bad) else None,
        **ranking(bad, score),
        "calibration": calibration,
        "psi": {"score": {"psi": score_psi, "flag": psi_flag(score_psi)},
                "characteristics": characteristics},
        "psi_thresholds": {"watch": PSI_WATCH, "shift": PSI_SHIFT},
    }
