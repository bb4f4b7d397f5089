"""What-if: two models' runs side by side, the review a rulebook change gets before promotion.

:func:`compare_models` joins the runs of models A and B on the same as-of date, subject by
subject, and reports:

``migration``   the tier migration matrix (A's tiers × B's tiers, unscorable included);
``spearman``    the rank correlation of the two scores over the subjects both could score;
``auc``         each model's AUC against the synthetic outcomes, on the same subjects;
``products``    per product that can run on both models' scores, how many subjects each
                approves and how many cross its threshold: approved by A only, by B only;
``fairness``    when protected-attribute groups are loaded, the fairness report of each
                (:func:`~xinyong.governance._fairness.fairness_report`).

Red line 3: every count between 1 and ``min_group`` − 1 is withheld (``None``), and so are
as many other cells as it takes that no such count can be worked out from what is published
(complementary suppression, :func:`~xinyong.governance._fairness.suppressed_cells`: the reader
is assumed to know the row and column totals, the table's total, the diagonal and the block of
subjects scored by both). Correlations and AUCs need ``min_group`` subjects.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.governance._fairness import (
    DEFAULT_MIN_GROUP,
    UNSCORABLE,
    fairness_report,
    outcomes_frame,
    score_auc,
    tier_order,
)
from xinyong.governance._groups import Groups
from xinyong.governance._product_outcomes import (
    applicable_products,
    find_run,
    model_identity,
    product_outcomes,
)
from xinyong.governance._suppression import suppressed_cells
from xinyong.store import Store, fetch_one


def common_as_of(store: Store, a: str, b: str) -> date:
    """The latest as-of date on which both models have a run."""
    row = fetch_one(store.con.execute(
        "SELECT MAX(as_of) FROM score_runs WHERE model_id = ? AND as_of IN "
        "(SELECT as_of FROM score_runs WHERE model_id = ?)", [a, b]))
    if row is None or row[0] is None:
        raise XinyongError("NO_COMMON_RUN", f"{a} and {b} have no batch run on the same as-of "
                           f"date; run `xinyong score --model M --as-of D` for both (or pass "
                           "--score-missing with --as-of)", field="--as-of")
    return row[0]  # type: ignore[no-any-return]


def _count(n: int, min_group: int) -> int | None:
    return None if 0 < n < min_group else n


def migration_matrix(joined: pd.DataFrame, tiers_a: list[str], tiers_b: list[str],
                     min_group: int) -> dict[str, Any]:
    """Counts of subjects by (A's tier, B's tier); small cells, and the cells that would give
    them away, withheld (``suppressed_cells`` says how many)."""
    rows, columns = [*tiers_a, UNSCORABLE], [*tiers_b, UNSCORABLE]
    table = pd.crosstab(joined["tier_a"].fillna(UNSCORABLE), joined["tier_b"].fillna(UNSCORABLE))
    table = table.reindex(index=rows, columns=columns, fill_value=0)
    raw = [[int(v) for v in r] for r in table.to_numpy()]
    diagonal = {(i, columns.index(t)) for i, t in enumerate(rows) if t in columns}
    # same_tier publishes the diagonal's sum; subjects.scored_by_both the scored block's
    scored = {(i, j) for i in range(len(rows) - 1) for j in range(len(columns) - 1)}
    hidden = suppressed_cells(raw, min_group, lines=[diagonal, scored])
    counts = [[None if (i, j) in hidden else v for j, v in enumerate(r)] for i, r in enumerate(raw)]
    return {"rows": rows, "columns": columns, "counts": counts, "suppressed_cells": len(hidden),
            "same_tier": _count(sum(raw[i][j] for i, j in diagonal), min_group)}


def rank_correlation(joined: pd.DataFrame, min_group: int) -> dict[str, Any]:
    both = joined.dropna(subset=["score_a", "score_b"])
    n = len(both)
    if n < max(3, min_group):
        return {"spearman": None, "n": None if n < min_group else n,
                "note": f"fewer than {max(3, min_group)} subjects scored by both"}
    rho = both["score_a"].corr(both["score_b"], method="spearman")  # Pearson of average ranks
    return {"spearman": None if np.isnan(rho) else float(rho), "n": n}


def product_crossings(joined: pd.DataFrame, products: list[str], min_group: int
                      ) -> dict[str, Any]:
    """Per product: subjects approved by A, by B, by A only and by B only.

    The four cells (by both, A only, B only, neither) and their totals (offered, approved by A,
    by B) are one 2 × 2 table whose cells follow from each other: when any of them is small,
    ``a_only`` and ``b_only`` are withheld with it."""
    result: dict[str, Any] = {}
    for p in products:
        offered = joined[joined[f"{p}_a"].notna() & joined[f"{p}_b"].notna()]
        yes_a = offered[f"{p}_a"] == "approve"
        yes_b = offered[f"{p}_b"] == "approve"
        cells = [[int((yes_a & yes_b).sum()), int((yes_a & ~yes_b).sum())],
                 [int((~yes_a & yes_b).sum()), int((~yes_a & ~yes_b).sum())]]
        hidden = suppressed_cells(cells, min_group, unpublished={(0, 0), (1, 1)})
        result[p] = {key: _count(int(v), min_group) for key, v in (
            ("offered", len(offered)), ("approved_a", yes_a.sum()), ("approved_b", yes_b.sum()))}
        result[p]["a_only"] = None if (0, 1) in hidden else cells[0][1]
        result[p]["b_only"] = None if (1, 0) in hidden else cells[1][0]
    return result


def compare_models(
    store: Store,
    a: str,
    b: str,
    as_of: date | None,
    *,
    groups: Groups | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
    actor: str = "operator",
) -> dict[str, Any]:
    """Compare the runs of models ``a`` and ``b`` (ids, or a candidate rulebook's ``.toml``
    path) on ``as_of`` (None: the latest date both were run). Recorded as ``audit.compare``."""
    if min_group < 1:
        raise XinyongError("BAD_MIN_GROUP", "the minimum group size is at least 1",
                           field="min_group")
    id_a, id_b = model_identity(a)[0], model_identity(b)[0]
    if id_a == id_b:
        raise XinyongError("SAME_MODEL", f"compare two different models; both are {id_a}",
                           field="model")
    day = as_of or common_as_of(store, id_a, id_b)
    run_a, run_b = find_run(store, id_a, day), find_run(store, id_b, day)
    on_a, skipped_a = applicable_products(a)
    on_b, skipped_b = applicable_products(b)
    both_ids = [p.id for p in on_a if p.id in {q.id for q in on_b}]
    chosen = [p for p in on_a if p.id in both_ids]
    frame_a = product_outcomes(store, run_a, chosen)
    frame_b = product_outcomes(store, run_b, chosen)
    joined = frame_a.merge(frame_b, on=["subject_key", "subject_kind"], how="inner",
                           suffixes=("_a", "_b"))
    joined = joined.merge(outcomes_frame(store), on="subject_key", how="left")
    common = joined.dropna(subset=["score_a", "score_b"])
    bad = common["bad"].to_numpy(dtype=np.float64)
    skipped = {s["product"]: s["reason"] for s in [*skipped_a, *skipped_b]}
    report: dict[str, Any] = {
        "a": run_a.to_json(), "b": run_b.to_json(), "as_of": day.isoformat(),
        "min_group": min_group,
        "subjects": {"both": _count(len(joined), min_group),
                     "only_a": _count(len(frame_a) - len(joined), min_group),
                     "only_b": _count(len(frame_b) - len(joined), min_group),
                     "scored_by_both": _count(len(common), min_group)},
        "migration": migration_matrix(joined, tier_order(store, run_a, a), tier_order(store, run_b, b),
                                      min_group),
        "rank_correlation": rank_correlation(joined, min_group),
        "auc": {"a": score_auc(common["score_a"].to_numpy(dtype=np.float64), bad, min_group),
                "b": score_auc(common["score_b"].to_numpy(dtype=np.float64), bad, min_group)},
        "products": product_crossings(joined, both_ids, min_group),
        "skipped_products": [{"product": k, "reason": v} for k, v in sorted(skipped.items())],
        "fairness": None,
    }
    if groups is not None:
        report["fairness"] = {
            side: fairness_report(store, model, day, groups, min_group=min_group, record=False)
            for side, model in (("a", a), ("b", b))}
    with atomic(store.con):
        record_audit(store.con, "audit.compare", actor=actor, details={
            "a": run_a.to_json(), "b": run_b.to_json(), "min_group": min_group,
            "products": both_ids, "groups": None if groups is None else list(groups.attributes)})
    return report

