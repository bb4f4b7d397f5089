"""Fairness audit: a model's scores and product approvals compared across protected groups.

:func:`fairness_report` reads one stored batch run of a model and reports, per protected
attribute and group (groups come from :mod:`xinyong.governance._groups`, a store kept apart
from scoring): the number of subjects, the score distribution (mean, p10/p50/p90, tier shares),
the approval rate of every product that can run on the model, the adverse-impact ratio of each
group against the most favoured one (flagged below 0.8, the four-fifths rule) and the AUC of
the score against the synthetic outcomes where they are known.

Products are evaluated in bulk by :mod:`xinyong.governance._product_outcomes`.

Red line 3: figures are published only for aggregates of at least ``min_group`` subjects.
Smaller groups are suppressed, and when the suppressed groups of an attribute add up to fewer
than ``min_group`` the next smallest group is suppressed too, so that no small group can be
recovered by subtraction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.governance._groups import Groups
from xinyong.governance._product_outcomes import (
    RunRef,
    applicable_products,
    find_run,
    model_identity,
    product_outcomes,
)
from xinyong.store import Store

AIR_THRESHOLD = 0.8
DEFAULT_MIN_GROUP = 10
UNSCORABLE = "unscorable"
_FACTORS = [f.value for f in Factor]


def tier_order(store: Store, run: RunRef, model: str | None = None) -> list[str]:
    """The model's tiers from the lowest to the highest: a rulebook's own list (``model``, when
    a path, else the run's id), then any other tier found in the run, by its lowest score."""
    frame = model_identity(model or run.model_id)[1]
    names = list(frame[1]) if frame is not None else []
    rows = store.con.execute(
        "SELECT tier FROM scores WHERE model_id = ? AND model_version = ? AND as_of = ? "
        "AND tier IS NOT NULL GROUP BY tier ORDER BY MIN(score)",
        [run.model_id, run.model_version, run.as_of]).fetchall()
    return names + [str(r[0]) for r in rows if str(r[0]) not in names]


def outcomes_frame(store: Store) -> pd.DataFrame:
    """Known outcomes (subject_key, bad as 0/1) from the synthetic population, if any."""
    return store.con.execute(
        "SELECT subject_key, CAST(defaulted_12m AS TINYINT) AS bad FROM synthetic_outcomes").df()


# -- figures ------------------------------------------------------------------------------------
def score_auc(score: np.ndarray[Any, Any], bad: np.ndarray[Any, Any], min_group: int
              ) -> dict[str, Any]:
    """AUC of the score (lower = riskier) on subjects with a score and a known outcome."""
    from xinyong.scoring.scorecard._metrics import ranking

    known = ~np.isnan(score) & ~np.isnan(bad)
    n, bads = int(known.sum()), int(np.nansum(bad[known]))
    if n < min_group:
        return {"auc": None, "n": None, "note": f"fewer than {min_group} subjects with outcomes"}
    if bads in (0, n):
        return {"auc": None, "n": n, "note": "outcomes of one kind only"}
    figures = ranking(bad[known].astype(np.int8), score[known])
    return {"auc": figures["auc"], "n": n, "bad": bads}


def distribution(frame: pd.DataFrame, tiers: list[str], min_group: int) -> dict[str, Any]:
    """Score mean and p10/p50/p90 of the scored, and every tier's share of the whole group."""
    scores = frame["score"].dropna().to_numpy(dtype=np.float64)
    shares = frame["tier"].fillna(UNSCORABLE).value_counts(normalize=True)
    result: dict[str, Any] = {
        "scored": len(scores),
        "tiers": {t: float(shares.get(t, 0.0)) for t in [*tiers, UNSCORABLE]},
    }
    if len(scores) < min_group:
        result.update(mean=None, p10=None, p50=None, p90=None)
        return result
    p10, p50, p90 = np.percentile(scores, [10, 50, 90])
    result.update(mean=float(scores.mean()), p10=float(p10), p50=float(p50), p90=float(p90))
    return result


def approval_rates(frame: pd.DataFrame, products: list[str], min_group: int
                   ) -> dict[str, float | None]:
    rates: dict[str, float | None] = {}
    for p in products:
        offered = frame[p].dropna()
        rates[p] = None if len(offered) < min_group else float((offered == "approve").mean())
    return rates


def suppressed_groups(sizes: dict[str, int], min_group: int) -> set[str]:
    """Groups whose figures are withheld: those under ``min_group``, plus the next smallest
    while the withheld ones add up to fewer than ``min_group`` (so none is recovered by
    subtracting the others from a total)."""
    hidden = {g for g, n in sizes.items() if n < min_group}
    rest = sorted((n, g) for g, n in sizes.items() if g not in hidden)
    while hidden and 0 < sum(sizes[g] for g in hidden) < min_group and rest:
        hidden.add(rest.pop(0)[1])
    return hidden


def _group_figures(frame: pd.DataFrame, tiers: list[str], products: list[str],
                   min_group: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"n": len(frame), "suppressed": False}
    figures.update(distribution(frame, tiers, min_group))
    figures["approval"] = approval_rates(frame, products, min_group)
    figures["auc"] = score_auc(frame["score"].to_numpy(dtype=np.float64),
                               frame["bad"].to_numpy(dtype=np.float64), min_group)
    return figures


def attribute_figures(frame: pd.DataFrame, tiers: list[str], products: list[str],
                      min_group: int) -> dict[str, Any]:
    """Every group of one attribute (``frame`` has a ``group`` column), with the adverse-impact
    ratio of each product's approval rate against the most favoured group."""
    sizes = {str(g): int(n) for g, n in frame.groupby("group").size().items()}
    hidden = suppressed_groups(sizes, min_group)
    groups: list[dict[str, Any]] = []
    for name in sorted(sizes):
        if name in hidden:
            groups.append({"group": name, "n": None, "suppressed": True})
            continue
        groups.append({"group": name, **_group_figures(frame[frame["group"] == name], tiers,
                                                        products, min_group)})
    favoured: dict[str, str | None] = {}
    flags: list[dict[str, Any]] = []
    for p in products:
        rated = [(g["approval"][p], g["group"]) for g in groups
                 if not g["suppressed"] and g["approval"][p] is not None]
        best = max(rated, default=None)
        favoured[p] = None if best is None or best[0] <= 0 else best[1]
        for g in groups:
            if g["suppressed"]:
                continue
            g.setdefault("air", {})
            g.setdefault("air_flag", {})
            rate = g["approval"][p]
            air = None if rate is None or best is None or best[0] <= 0 else rate / best[0]
            g["air"][p] = air
            g["air_flag"][p] = air is not None and air < AIR_THRESHOLD
            if g["air_flag"][p]:
                flags.append({"product": p, "group": g["group"], "air": air})
    return {"groups": groups, "most_favoured": favoured, "flags": flags,
            "suppressed": sorted(hidden)}


def fairness_report(
    store: Store,
    model: str,
    as_of: date | None,
    groups: Groups,
    *,
    min_group: int = DEFAULT_MIN_GROUP,
    products: list[str] | None = None,
    actor: str = "operator",
    record: bool = True,
) -> dict[str, Any]:
    """Per protected attribute and group: n, score distribution, approval rate per product,
    adverse-impact ratio (flag below 0.8) and AUC where outcomes are known.

    ``model`` is a model id or a candidate rulebook's ``.toml`` path; ``as_of`` None takes the
    model's latest run; ``products`` defaults to the shipped products that can run on it. The
    run is recorded in the audit chain (``audit.fairness``) unless ``record`` is False.
    """
    if min_group < 1:
        raise XinyongError("BAD_MIN_GROUP", "the minimum group size is at least 1",
                           field="min_group")
    chosen, skipped = applicable_products(model, products)
    run = find_run(store, model_identity(model)[0], as_of)
    names = [p.id for p in chosen]
    frame = product_outcomes(store, run, chosen).merge(outcomes_frame(store), how="left",
                                                       on="subject_key")
    tiers = tier_order(store, run, model)
    labelled = groups.frame.merge(frame, on="subject_key", how="inner")
    overall = _group_figures(frame, tiers, names, min_group)
    if overall["n"] < min_group:
        overall = {"n": None, "suppressed": True}
    attributes = {a: attribute_figures(labelled[labelled["attribute"] == a], tiers, names,
                                       min_group)
                  for a in groups.attributes}
    flags = [{"attribute": a, **f} for a, fig in attributes.items() for f in fig["flags"]]
    report: dict[str, Any] = {
        **run.to_json(), "min_group": min_group, "air_threshold": AIR_THRESHOLD,
        "products": names, "skipped_products": skipped, "tiers": [*tiers, UNSCORABLE],
        "subjects": len(frame), "labelled": int(labelled["subject_key"].nunique()),
        "unlabelled_in_run": len(frame) - int(labelled["subject_key"].nunique()),
        "overall": overall, "attributes": attributes, "flags": flags,
        "notes": _notes(attributes, min_group),
    }
    if record:
        with atomic(store.con):
            record_audit(store.con, "audit.fairness", actor=actor, details={
                **run.to_json(), "attributes": list(groups.attributes), "min_group": min_group,
                "products": names, "flags": len(flags)})
    return report


def _notes(attributes: dict[str, Any], min_group: int) -> list[str]:
    notes = []
    for name, fig in attributes.items():
        if fig["suppressed"]:
            notes.append(f"{name}: {len(fig['suppressed'])} group(s) suppressed (fewer than "
                         f"{min_group} subjects, or needed to keep such a group from being "
                         "recovered by subtraction)")
    return notes

