"""Score drift: how far a model's scores and factor sub-scores moved between two runs.

:func:`score_drift` compares two stored batch runs of one model (``from`` and ``to`` as-of
dates) with the population stability index, using the PSI of
:mod:`xinyong.scoring.scorecard._metrics`: bins at the deciles of the ``from`` run (fewer when
values tie), plus a bin of their own for NULL values: unscorable subjects in the score's PSI (a
jump in the unscorable share is drift too), subjects without the sub-score in a factor's (a
factor that vanishes from the ``to`` run, or appears in it, is flagged ``shift`` whatever its
PSI, and its ``status`` says ``gone`` or ``new``; a factor NULL in both runs is left out). Each
other figure is flagged ``stable`` below 0.1, ``watch`` below 0.25 and ``shift`` from 0.25. The
tier shares of both runs, and their PSI, come alongside.

Only aggregates are reported, so no subject's score leaves the store.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.governance._fairness import (
    UNSCORABLE,
    tier_order,
)
from xinyong.governance._product_outcomes import (
    RunRef,
    find_run,
    model_identity,
)
from xinyong.scoring.scorecard._metrics import PSI_SHIFT, PSI_WATCH, psi, psi_flag, score_bands
from xinyong.store import Store

_FACTORS = [f.value for f in Factor]


def _run_frame(store: Store, run: RunRef, kind: str | None) -> pd.DataFrame:
    kind_filter = "" if kind is None else "AND subject_kind = $kind"
    return store.con.execute(
        f"SELECT score, tier, {', '.join(_FACTORS)} FROM scores WHERE model_id = $model "
        f"AND model_version = $version AND as_of = $as_of {kind_filter}",
        {"model": run.model_id, "version": run.model_version, "as_of": run.as_of,
         **({} if kind is None else {"kind": kind})}).df()


def binned_psi(expected: npt.NDArray[np.float64], actual: npt.NDArray[np.float64], *,
               missing_bin: bool) -> dict[str, Any] | None:
    """PSI of ``actual`` against ``expected`` over the deciles of ``expected`` (NaN values in
    a bin of their own when ``missing_bin``, else left out).

    ``status`` says whether the figure has values on both sides (``present``), only in
    ``expected`` (``gone``: every ``actual`` value is NaN) or only in ``actual`` (``new``). A
    side without values cannot be binned, so without ``missing_bin`` ``gone`` and ``new`` have
    no PSI (None); with it, the NaN bin carries the whole move. Either way they are flagged
    ``shift``. None when neither side has a value (nothing to compare).
    """
    known_e = expected[~np.isnan(expected)]
    known_a = actual[~np.isnan(actual)]
    if len(known_e) == 0 and len(known_a) == 0:
        return None
    status = "gone" if len(known_a) == 0 else "new" if len(known_e) == 0 else "present"
    if len(known_e) == 0:
        edges: tuple[float, ...] = ()  # nothing to cut the values at: one bin for all of them
        counts_e, counts_a = np.zeros(1, dtype=np.int64), np.array([len(known_a)])
    else:
        bands = score_bands(known_e)
        edges = bands.edges
        n_bins = len(edges) + 1
        counts_e = np.bincount(bands.assign(known_e), minlength=n_bins)
        counts_a = np.bincount(bands.assign(known_a), minlength=n_bins)
    if missing_bin:
        counts_e = np.append(counts_e, len(expected) - len(known_e))
        counts_a = np.append(counts_a, len(actual) - len(known_a))
    elif status != "present":
        return {"psi": None, "flag": "shift", "status": status, "bins": len(counts_e),
                "edges": list(edges)}
    value = psi(counts_e, counts_a)
    return {"psi": value, "flag": psi_flag(value) if status == "present" else "shift",
            "status": status, "bins": len(counts_e), "edges": list(edges)}


def _tier_shares(frame: pd.DataFrame, tiers: list[str]) -> list[float]:
    counts = frame["tier"].fillna(UNSCORABLE).value_counts()
    total = max(1, len(frame))
    return [float(counts.get(t, 0)) / total for t in tiers]


def _summary(run: RunRef, frame: pd.DataFrame) -> dict[str, Any]:
    scores = frame["score"].dropna()
    return {**run.to_json(), "subjects": len(frame), "scored": len(scores),
            "mean": None if scores.empty else float(scores.mean())}


def score_drift(
    store: Store,
    model: str,
    from_date: date,
    to_date: date,
    *,
    kind: str | None = None,
    actor: str = "operator",
) -> dict[str, Any]:
    """PSI of the score and of each factor between the runs of ``model`` on two as-of dates.

    ``kind`` limits both runs to ``person`` or ``organisation`` subjects. The check is recorded
    in the audit chain (``audit.drift``).
    """
    if from_date >= to_date:
        raise XinyongError("BAD_DATES", f"--from ({from_date}) must be before --to ({to_date})",
                           field="--from")
    if kind not in (None, "person", "organisation"):
        raise XinyongError("BAD_KIND", "the subject kind is person or organisation",
                           field="--kind")
    model_id = model_identity(model)[0]
    before, after = find_run(store, model_id, from_date), find_run(store, model_id, to_date)
    old, new = _run_frame(store, before, kind), _run_frame(store, after, kind)
    if old.empty or new.empty:
        raise XinyongError("EMPTY_RUN", "one of the runs has no subjects"
                           + ("" if kind is None else f" of kind {kind}"), field="--kind")
    score = binned_psi(old["score"].to_numpy(dtype=np.float64),
                       new["score"].to_numpy(dtype=np.float64), missing_bin=True)
    factors: dict[str, Any] = {}
    for factor in _FACTORS:
        figure = binned_psi(old[factor].to_numpy(dtype=np.float64),
                            new[factor].to_numpy(dtype=np.float64), missing_bin=True)
        if figure is not None:
            factors[factor] = figure
    tiers = tier_order(store, before, model)
    tiers += [t for t in tier_order(store, after, model) if t not in tiers] + [UNSCORABLE]
    shares_old, shares_new = _tier_shares(old, tiers), _tier_shares(new, tiers)
    tier_psi = psi(shares_old, shares_new)
    flags = [name for name, fig in [("score", score), *factors.items()]
             if fig is not None and fig["flag"] != "stable"]
    notes = [f"{name} has no value in the {'--to' if fig['status'] == 'gone' else '--from'} run "
             f"({fig['status']})" for name, fig in factors.items() if fig["status"] != "present"]
    if before.model_version != after.model_version:
        notes.append(f"the runs are of different versions ({before.model_version} → "
                     f"{after.model_version}): part of the drift is the model's own change")
    report: dict[str, Any] = {
        "model": model_id, "kind": kind, "from": _summary(before, old), "to": _summary(after, new),
        "thresholds": {"watch": PSI_WATCH, "shift": PSI_SHIFT},
        "score": score, "factors": factors,
        "tiers": {"names": tiers, "from": shares_old, "to": shares_new,
                  "psi": tier_psi, "flag": psi_flag(tier_psi)},
        "flagged": flags, "notes": notes,
    }
    with atomic(store.con):
        record_audit(store.con, "audit.drift", actor=actor, details={
            "model": model_id, "from": from_date.isoformat(), "to": to_date.isoformat(),
            "kind": kind, "score_psi": None if score is None else round(score["psi"], 6),
            "flagged": flags})
    return report
