"""The fairness report on hand-made runs whose figures are worked out by hand.

Group x: 15 people at 700 and 5 at 500. Group y: 10 at 660, 5 at 620 with a weak repayment
record (credit history 10), 4 at 500 and 1 unscorable. So deposit-free rental (≥ 650) approves
15/20 of x and 10/20 of y (AIR 0.667, flagged); the mortgage (≥ 700) approves 15/20 of x and
none of y (AIR 0, flagged); pay-later (≥ 600, credit history ≥ 25) approves 15/20 and 10/20.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from tests.governance.builders import hand_store, put_outcomes, put_run
from xinyong.errors import XinyongError
from xinyong.governance._fairness import fairness_report
from xinyong.governance._groups import Groups
from xinyong.governance._product_outcomes import (
    applicable_products,
)
from xinyong.governance._suppression import suppressed_groups
from xinyong.store import Store

AS_OF = date(2026, 11, 1)


def _world(tmp_path: Path) -> tuple[Store, Groups, dict[int, bool]]:
    store, _ = hand_store(tmp_path, 80)
    rows: list[tuple[int, float | None, str | None, dict[str, float]]] = []
    x = list(range(1, 21))
    y = list(range(21, 41))
    rows += [(k, 700.0, "excellent", {}) for k in x[:15]]
    rows += [(k, 500.0, "poor", {}) for k in x[15:]]
    rows += [(k, 660.0, "very_good", {}) for k in y[:10]]
    rows += [(k, 620.0, "good", {"credit_history": 10.0}) for k in y[10:15]]
    rows += [(k, 500.0, "poor", {}) for k in y[15:19]]
    rows += [(y[19], None, None, {})]
    # subjects 41..80: a second attribute only (band), all at 600
    rows += [(k, 600.0, "good", {}) for k in range(41, 81)]
    put_run(store, "sesame-like", AS_OF, rows)
    bad = {k: k in x[15:] or k == x[0] for k in x}  # the five 500s and one 700 defaulted
    bad.update({k: k in y[15:19] for k in y})
    put_outcomes(store, bad)
    labels = [(k, "sex", "x") for k in x] + [(k, "sex", "y") for k in y]
    # band: p has 25 subjects, q 12, r 3 (r is suppressed, and q with it: 3 alone < 10)
    band = ["p"] * 25 + ["q"] * 12 + ["r"] * 3
    labels += [(41 + i, "band", g) for i, g in enumerate(band)]
    return store, Groups.from_rows(labels), bad


def _group(report: dict[str, object], attribute: str, name: str) -> dict[str, object]:
    groups = report["attributes"][attribute]["groups"]  # type: ignore[index]
    return next(g for g in groups if g["group"] == name)


def test_approval_rates_and_adverse_impact_ratio(tmp_path: Path) -> None:
    store, groups, _ = _world(tmp_path)
    report = fairness_report(store, "sesame-like", AS_OF, groups, min_group=5)
    x, y = _group(report, "sex", "x"), _group(report, "sex", "y")
    assert (x["n"], y["n"]) == (20, 20)
    assert x["approval"] == {"deposit-free-rental": 0.75, "mortgage-prequal": 0.75,
                             "pay-later": 0.75, "visa-support-letter": 0.75}
    assert y["approval"] == {"deposit-free-rental": 0.5, "mortgage-prequal": 0.0,
                             "pay-later": 0.5, "visa-support-letter": 0.0}
    assert y["air"]["deposit-free-rental"] == pytest.approx(0.5 / 0.75)
    assert y["air"]["mortgage-prequal"] == 0.0
    assert y["air_flag"] == {"deposit-free-rental": True, "mortgage-prequal": True,
                             "pay-later": True, "visa-support-letter": True}
    assert x["air"] == dict.fromkeys(x["approval"], 1.0)
    assert not any(x["air_flag"].values())
    assert report["attributes"]["sex"]["most_favoured"]["pay-later"] == "x"
    flagged = {(f["attribute"], f["group"], f["product"]) for f in report["flags"]}
    assert ("sex", "y", "deposit-free-rental") in flagged
    assert not any(g == "x" for _, g, _ in flagged)


def test_score_distribution_and_tier_shares(tmp_path: Path) -> None:
    store, groups, _ = _world(tmp_path)
    report = fairness_report(store, "sesame-like", AS_OF, groups, min_group=1)
    x, y = _group(report, "sex", "x"), _group(report, "sex", "y")
    assert x["mean"] == 650.0 and (x["p10"], x["p50"], x["p90"]) == (500.0, 700.0, 700.0)
    y_scores = [660.0] * 10 + [620.0] * 5 + [500.0] * 4
    assert y["scored"] == 19 and y["mean"] == pytest.approx(np.mean(y_scores))
    assert (y["p10"], y["p50"], y["p90"]) == tuple(np.percentile(y_scores, [10, 50, 90]))
    assert x["tiers"] == {"poor": 0.25, "fair": 0.0, "good": 0.0, "very_good": 0.0,
                          "excellent": 0.75, "unscorable": 0.0}
    assert y["tiers"] == {"poor": 0.2, "fair": 0.0, "good": 0.25, "very_good": 0.5,
                          "excellent": 0.0, "unscorable": 0.05}


def test_tier_shares_of_fewer_than_k_are_withheld_with_their_complement(tmp_path: Path) -> None:
    store, groups, _ = _world(tmp_path)
    report = fairness_report(store, "sesame-like", AS_OF, groups)  # k = 10
    x, y = _group(report, "sex", "x"), _group(report, "sex", "y")
    # x: 5 poor (withheld), so its 15 excellent (n − 5) go too; y: 4 poor, 5 good, 1 unscorable
    assert x["tiers"]["poor"] is None and x["tiers"]["excellent"] is None
    assert y["tiers"]["poor"] is None and y["tiers"]["good"] is None
    assert y["tiers"]["unscorable"] is None
    assert y["scored"] is None  # n − scored would be the one unscorable subject
    assert y["tiers"]["very_good"] == 0.5 and x["tiers"]["fair"] == 0.0
    for g in (x, y):
        counts = [round(v * g["n"]) for v in g["tiers"].values() if v is not None]
        assert all(c == 0 or c >= 10 for c in counts)
    # across groups: x's and y's good shares would give y's 5 away from the good total (x has
    # none), so x's good share is withheld as well
    assert x["tiers"]["good"] is None
    overall = report["overall"]
    assert overall["tiers"]["unscorable"] is None and overall["tiers"]["poor"] is None
    assert overall["tiers"]["good"] == 45 / 80 and overall["scored"] is None
    assert _group(report, "band", "p")["tiers"]["good"] == 1.0


def test_rates_that_give_away_fewer_than_k_are_withheld_but_still_flagged(tmp_path: Path
                                                                        ) -> None:
    store, groups, _ = _world(tmp_path)
    report = fairness_report(store, "sesame-like", AS_OF, groups)  # k = 10
    x, y = _group(report, "sex", "x"), _group(report, "sex", "y")
    # x: 15 approved and 5 not, on every product: 0.75 × 20 would show the 5
    assert set(x["approval"].values()) == {None}
    # y's rates are withheld too: with the approvals' total known, y's would give x's away
    assert set(y["approval"].values()) == {None}
    assert set(y["air"].values()) == {None}
    # the flags stay, without the ratio, and are said in the notes
    assert y["air_flag"]["deposit-free-rental"] and y["air_flag"]["mortgage-prequal"]
    sex = report["attributes"]["sex"]
    assert sex["flags"] == []
    assert {(f["group"], f["product"]) for f in sex["withheld_flags"]} == {
        ("y", "deposit-free-rental"), ("y", "mortgage-prequal"), ("y", "pay-later"),
        ("y", "visa-support-letter")}
    assert any(n.startswith("sex=y on mortgage-prequal: adverse-impact ratio below 0.8")
               for n in report["notes"])
    # band p: 25 offered, all approved, nothing small: shown
    assert _group(report, "band", "p")["approval"]["pay-later"] == 1.0


def test_auc_where_outcomes_are_known(tmp_path: Path) -> None:
    store, groups, bad = _world(tmp_path)
    # x has 6 bad outcomes: under the default k of 10 its AUC (their ranks) is withheld
    withheld = fairness_report(store, "sesame-like", AS_OF, groups, record=False)
    assert _group(withheld, "sex", "x")["auc"] == {
        "auc": None, "n": 20, "note": "fewer than 10 bad or good outcomes"}
    report = fairness_report(store, "sesame-like", AS_OF, groups, min_group=5)
    x = _group(report, "sex", "x")
    # 6 bad × 14 good pairs: the five 500s beat all 14 (70), the bad 700 ties 14 (7): 77/84
    assert x["auc"]["auc"] == pytest.approx(77 / 84)
    scores = [700.0] * 15 + [500.0] * 5
    labels = [bad[k] for k in range(1, 21)]
    assert x["auc"]["auc"] == pytest.approx(roc_auc_score(labels, [-s for s in scores]))
    band_p = _group(report, "band", "p")
    assert band_p["auc"]["auc"] is None  # no outcomes known for those subjects


def test_small_groups_are_suppressed_with_their_complement(tmp_path: Path) -> None:
    store, groups, _ = _world(tmp_path)
    report = fairness_report(store, "sesame-like", AS_OF, groups)
    band = report["attributes"]["band"]
    assert band["suppressed"] == ["q", "r"]
    for name in ("q", "r"):
        hidden = _group(report, "band", name)
        assert hidden == {"group": name, "n": None, "suppressed": True}
    assert _group(report, "band", "p")["n"] == 25
    assert any("band" in note for note in report["notes"])
    # with k = 3 every band group is shown
    small = fairness_report(store, "sesame-like", AS_OF, groups, min_group=3, record=False)
    assert [g["n"] for g in small["attributes"]["band"]["groups"]] == [25, 12, 3]


@pytest.mark.parametrize(("sizes", "hidden"), [
    ({"a": 30, "b": 4, "c": 7}, {"b", "c"}),      # together 11 ≥ 10: nothing more
    ({"a": 30, "b": 20, "c": 3}, {"b", "c"}),     # 3 alone could be subtracted out
    ({"a": 5}, {"a"}),
    ({"a": 10, "b": 10}, set()),
])
def test_suppressed_groups(sizes: dict[str, int], hidden: set[str]) -> None:
    assert suppressed_groups(sizes, 10) == hidden


def test_rates_over_fewer_than_k_offered_are_withheld(tmp_path: Path) -> None:
    store, _ = hand_store(tmp_path, 12, orgs=12)
    put_run(store, "sesame-like", AS_OF, [(k, 700.0, "excellent") for k in range(1, 25)])
    groups = Groups.from_rows([(k, "size", "all") for k in range(1, 25)])
    report = fairness_report(store, "sesame-like", AS_OF, groups, min_group=20)
    group = report["attributes"]["size"]["groups"][0]
    assert group["n"] == 24
    # products are offered to people only: 12 < 20, so no rate is published
    assert set(group["approval"].values()) == {None}


def test_the_run_is_audited_without_group_labels(tmp_path: Path) -> None:
    store, groups, _ = _world(tmp_path)
    fairness_report(store, "sesame-like", AS_OF, groups)
    rows = store.con.execute("SELECT action, payload FROM audit_log").fetchall()
    assert [r[0] for r in rows] == ["audit.fairness"]
    assert '"flags":' in rows[0][1] and '"x"' not in rows[0][1]


def test_products_on_another_scale_are_skipped() -> None:
    chosen, skipped = applicable_products("rongcheng-like")
    assert chosen == []
    assert {s["product"] for s in skipped} >= {"pay-later", "deposit-free-rental"}
    assert [p.id for p in applicable_products("sesame-like")[0]] == [
        "deposit-free-rental", "mortgage-prequal", "pay-later", "visa-support-letter"]


def test_missing_run_is_a_clear_error(tmp_path: Path) -> None:
    store, groups, _ = _world(tmp_path)
    with pytest.raises(XinyongError) as caught:
        fairness_report(store, "sesame-like", date(2026, 1, 1), groups)
    assert caught.value.code == "NO_SCORE_RUN"
    assert "xinyong score --model sesame-like --as-of 2026-01-01" in caught.value.message


@settings(max_examples=200, deadline=None)
@given(sizes=st.dictionaries(st.text("abcdef", min_size=1, max_size=3),
                             st.integers(1, 40), max_size=8),
       k=st.integers(1, 15))
def test_no_small_group_can_be_recovered(sizes: dict[str, int], k: int) -> None:
    hidden = suppressed_groups(sizes, k)
    shown = set(sizes) - hidden
    assert all(sizes[g] >= k for g in shown)
    # what is withheld adds up to nothing, to at least k, or to everything there is
    withheld = sum(sizes[g] for g in hidden)
    assert withheld == 0 or withheld >= k or not shown
    # and nothing is withheld without a reason
    if all(n >= k for n in sizes.values()):
        assert hidden == set()


def test_the_summary_counts_flags_whose_ratio_is_withheld() -> None:
    from xinyong.governance._cli_fairness import _withheld_flags

    report = {"attributes": {
        "sex": {"withheld_flags": [{"group": "f", "product": "pay-later"}]},
        "age_band": {"withheld_flags": []}}}
    assert _withheld_flags(report) == [{"attribute": "sex", "group": "f",
                                        "product": "pay-later"}]
