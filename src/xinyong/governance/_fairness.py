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
recovered by subtraction. A tier share is a count too (share × n): shares of fewer than
``min_group`` subjects are withheld, with the complementary ones that would give them away
(:func:`suppressed_cells`, also used for the tables of :mod:`xinyong.governance._compare`).
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
from xinyong.governance._suppression import suppressed_cells, suppressed_groups
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
    """AUC of the score (lower = riskier) on subjects with a score and a known outcome; withheld
    unless there are ``min_group`` of them, and ``min_group`` bad and good ones."""
    from xinyong.scoring.scorecard._metrics import ranking

    known = ~np.isnan(score) & ~np.isnan(bad)
    n, bads = int(known.sum()), int(np.nansum(bad[known]))
    if n < min_group:
        return {"auc": None, "n": None, "note": f"fewer than {min_group} subjects with outcomes"}
    if bads in (0, n):
        return {"auc": None, "n": n, "note": "outcomes of one kind only"}
    if min(bads, n - bads) < min_group:  # with one bad, the AUC is that subject's rank
        return {"auc": None, "n": n, "note": f"fewer than {min_group} bad or good outcomes"}
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


def _group_figures(frame: pd.DataFrame, tiers: list[str], products: list[str],
                   min_group: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"n": len(frame), "suppressed": False}
    figures.update(distribution(frame, tiers, min_group))
    figures["approval"] = approval_rates(frame, products, min_group)
    figures["auc"] = score_auc(frame["score"].to_numpy(dtype=np.float64),
                               frame["bad"].to_numpy(dtype=np.float64), min_group)
    return figures


def tier_counts(frame: pd.DataFrame, tiers: list[str]) -> list[int]:
    """Subjects of ``frame`` in each of ``tiers`` and then unscorable."""
    counts = frame["tier"].fillna(UNSCORABLE).value_counts()
    return [int(counts.get(t, 0)) for t in [*tiers, UNSCORABLE]]


def withhold_tier_shares(figures: list[dict[str, Any]], counts: list[list[int]],
                         tiers: list[str], min_group: int, *, rest: list[int] | None = None
                         ) -> None:
    """Set to None the tier shares (of ``figures``, one per row of ``counts``) that would show,
    or let a reader work out, a count between 1 and ``min_group`` − 1, given each group's
    ``n`` and every tier's total; ``rest`` is the tier counts of the withheld groups together
    (never published, but in the totals). A withheld unscorable share withholds ``scored``
    too (``n`` − ``scored`` is that count)."""
    table = [*counts, *([rest] if rest is not None else [])]
    unpublished = set() if rest is None else {(len(counts), j) for j in range(len(rest))}
    hidden = suppressed_cells(table, min_group, unpublished=unpublished)
    names = [*tiers, UNSCORABLE]
    for i, fig in enumerate(figures):
        for j, name in enumerate(names):
            if (i, j) in hidden:
                fig["tiers"][name] = None
        if (i, len(names) - 1) in hidden:
            fig["scored"] = None


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
    shown = [g for g in groups if not g["suppressed"]]
    withhold_tier_shares(
        shown, [tier_counts(frame[frame["group"] == g["group"]], tiers) for g in shown], tiers,
        min_group, rest=tier_counts(frame[frame["group"].isin(hidden)], tiers) if hidden else None)
    favoured: dict[str, str | None] = {}
    flags: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    for p in products:
        rates = {g["group"]: g["approval"][p] for g in shown if g["approval"][p] is not None}
        _withhold_small_rates(frame, shown, p, min_group)
        best = max(((r, g) for g, r in rates.items()), default=None)
        favoured[p] = None if best is None or best[0] <= 0 else best[1]
        shown_best = best is not None and any(
            g["group"] == best[1] and g["approval"][p] is not None for g in shown)
        for g in shown:
            g.setdefault("air", {})
            g.setdefault("air_flag", {})
            rate = rates.get(g["group"])
            air = None if rate is None or best is None or best[0] <= 0 else rate / best[0]
            g["air_flag"][p] = air is not None and air < AIR_THRESHOLD
            # a ratio over a withheld rate would give that rate away: the flag alone is shown
            published = air is not None and g["approval"][p] is not None and shown_best
            g["air"][p] = air if published else None
            if g["air_flag"][p]:
                (flags if published else withheld).append(
                    {"product": p, "group": g["group"], **({"air": air} if published else {})})
    return {"groups": groups, "most_favoured": favoured, "flags": flags,
            "withheld_flags": withheld, "suppressed": sorted(hidden)}


def _withhold_small_rates(frame: pd.DataFrame, shown: list[dict[str, Any]], product: str,
                          min_group: int) -> None:
    """Set to None the approval rates of ``product`` that would show, or let a reader work out
    from the other groups' rates and the totals, fewer than ``min_group`` subjects approved or
    not approved (rate × offered is a count). A rate stands for both counts of its group, so a
    group loses its rate when either is withheld."""
    rated = [g for g in shown if g["approval"][product] is not None]
    if not rated:
        return
    offered = frame[frame[product].notna()]
    approved = offered[product] == "approve"
    table = []
    for g in rated:
        mine = offered["group"] == g["group"]
        table.append([int((mine & approved).sum()), int((mine & ~approved).sum())])
    others = ~offered["group"].isin([g["group"] for g in rated])
    table.append([int((others & approved).sum()), int((others & ~approved).sum())])
    unpublished = {(len(rated), 0), (len(rated), 1)}
    while True:
        hidden = suppressed_cells(table, min_group, unpublished=unpublished)
        rows = {(i, j) for i, _ in hidden for j in (0, 1)}
        if rows <= unpublished | hidden:
            break
        unpublished |= rows
    for i, g in enumerate(rated):
        if (i, 0) in hidden or (i, 1) in hidden:
            g["approval"][product] = None


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
    else:
        withhold_tier_shares([overall], [tier_counts(frame, tiers)], tiers, min_group)
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
        for flag in fig["withheld_flags"]:
            notes.append(f"{name}={flag['group']} on {flag['product']}: adverse-impact ratio "
                         f"below {AIR_THRESHOLD}, not shown (its rate, or the most favoured "
                         f"group's, would give away a count under {min_group})")
    return notes

