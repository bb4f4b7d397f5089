"""Comparing two models' runs: hand-made runs with known answers, then a synthetic population
scored by the shipped rulebook and a candidate, through the CLI."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import typer
from scipy.stats import spearmanr  # type: ignore[import-untyped]
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from tests.governance.builders import hand_store, put_outcomes, put_run, sesame_tier
from xinyong.errors import XinyongError
from xinyong.governance._cli_fairness import register
from xinyong.governance._compare import compare_models
from xinyong.governance._groups import Groups
from xinyong.store import Store

AS_OF = date(2026, 11, 1)
# subject: (score under A, score under B); None is unscorable
PAIRS: dict[int, tuple[float | None, float | None]] = {
    1: (500, 520), 2: (560, 610), 3: (620, 640), 4: (640, 660), 5: (660, 655), 6: (690, 720),
    7: (710, 690), 8: (750, 760), 9: (800, 790), 10: (None, None), 11: (580, None),
    12: (None, 600),
}
BAD = {1: True, 2: True, 3: False, 4: True, 5: False, 6: False, 7: False, 8: False, 9: False}


def candidate_rulebook(folder: Path) -> Path:
    """The shipped sesame-like rulebook as a candidate: another id, more weight on history."""
    text = resources.files("xinyong.scoring").joinpath("rulebooks", "sesame-like.toml").read_text(
        "utf-8")
    text = text.replace('id = "sesame-like"', 'id = "sesame-next"', 1)
    text = text.replace("[factors.credit_history]\nweight = 0.35",
                        "[factors.credit_history]\nweight = 0.45", 1)
    text = text.replace("[factors.identity_traits]\nweight = 0.15",
                        "[factors.identity_traits]\nweight = 0.05", 1)
    path = folder / "sesame-next.toml"
    path.write_text(text, "utf-8")
    return path


def _tier(score: float | None) -> str:
    return "unscorable" if score is None else sesame_tier(score)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Store, Path]:
    store, _ = hand_store(tmp_path, len(PAIRS))
    put_run(store, "sesame-like", AS_OF, [(k, a, None if a is None else sesame_tier(a))
                                          for k, (a, _) in PAIRS.items()])
    put_run(store, "sesame-next", AS_OF, [(k, b, None if b is None else sesame_tier(b))
                                          for k, (_, b) in PAIRS.items()])
    put_outcomes(store, BAD)
    return store, candidate_rulebook(tmp_path)


def test_migration_matrix(pair: tuple[Store, Path]) -> None:
    store, candidate = pair
    report = compare_models(store, "sesame-like", str(candidate), AS_OF, min_group=1)
    m = report["migration"]
    tiers = ["poor", "fair", "good", "very_good", "excellent", "unscorable"]
    assert m["rows"] == tiers and m["columns"] == tiers
    expected = Counter((_tier(a), _tier(b)) for a, b in PAIRS.values())
    assert m["counts"] == [[expected[(r, c)] for c in tiers] for r in tiers]
    assert m["same_tier"] == 6 and m["suppressed_cells"] == 0
    assert report["b"]["model"] == "sesame-next"
    assert report["subjects"] == {"both": 12, "only_a": 0, "only_b": 0, "scored_by_both": 9}


def test_rank_correlation_and_auc(pair: tuple[Store, Path]) -> None:
    store, candidate = pair
    report = compare_models(store, "sesame-like", str(candidate), AS_OF, min_group=1)
    both = [k for k, (a, b) in PAIRS.items() if a is not None and b is not None]
    a = [PAIRS[k][0] for k in both]
    b = [PAIRS[k][1] for k in both]
    assert report["rank_correlation"]["n"] == 9
    assert report["rank_correlation"]["spearman"] == pytest.approx(spearmanr(a, b).statistic)
    # no ties: 1 − 6 Σd² / (n (n² − 1)); ranks differ for 4↔5 and 6↔7 only, d² = 1 each
    assert report["rank_correlation"]["spearman"] == pytest.approx(1 - 6 * 4 / (9 * 80))
    bad = [BAD[k] for k in both]
    assert report["auc"]["a"]["auc"] == pytest.approx(roc_auc_score(bad, [-s for s in a]))
    assert report["auc"]["b"]["auc"] == pytest.approx(roc_auc_score(bad, [-s for s in b]))
    assert report["auc"]["a"]["n"] == 9 and report["auc"]["a"]["bad"] == 3


def test_product_thresholds_crossed(pair: tuple[Store, Path]) -> None:
    store, candidate = pair
    products = compare_models(store, "sesame-like", str(candidate), AS_OF,
                              min_group=1)["products"]
    # deposit-free rental at 650: A approves 5–9, B approves 4–9
    assert products["deposit-free-rental"] == {"offered": 12, "approved_a": 5, "approved_b": 6,
                                               "a_only": 0, "b_only": 1}
    # mortgage at 700: A approves 7, 8, 9; B approves 6, 8, 9
    assert products["mortgage-prequal"] == {"offered": 12, "approved_a": 3, "approved_b": 3,
                                            "a_only": 1, "b_only": 1}


def test_small_counts_are_withheld(pair: tuple[Store, Path]) -> None:
    store, candidate = pair
    report = compare_models(store, "sesame-like", str(candidate), AS_OF, min_group=2)
    m = report["migration"]
    expected = Counter((_tier(a), _tier(b)) for a, b in PAIRS.values())
    raw = [[expected[(r, c)] for c in m["columns"]] for r in m["rows"]]
    shown = {(i, j): v for i, row in enumerate(m["counts"]) for j, v in enumerate(row)
             if v is not None}
    assert all(raw[i][j] == v for (i, j), v in shown.items())  # what is shown is true
    assert all(v != 1 for v in shown.values())  # every single subject is withheld
    # and so are the cells that would give them away: 8 and 9 stay excellent (2), but with
    # the excellent row's total known that cell would give away the single very_good one
    assert m["counts"][4][4] is None
    assert m["suppressed_cells"] == 36 - len(shown) > sum(v == 1 for r in raw for v in r)
    assert m["same_tier"] == 6
    rental = report["products"]["deposit-free-rental"]
    # b_only is 1; a_only (0) goes with it, else b_only = approved_b − approved_a + a_only
    assert rental["b_only"] is None and rental["a_only"] is None
    assert (rental["approved_a"], rental["approved_b"]) == (5, 6)
    # pay-later: 7 by both, 2 by B only, 3 by neither: nothing small, all shown
    assert report["products"]["pay-later"] == {"offered": 12, "approved_a": 7, "approved_b": 9,
                                               "a_only": 0, "b_only": 2}
    strict = compare_models(store, "sesame-like", str(candidate), AS_OF, min_group=10)
    assert strict["rank_correlation"]["spearman"] is None
    assert strict["auc"]["a"]["auc"] is None


def test_fairness_of_both_and_audit(pair: tuple[Store, Path]) -> None:
    store, candidate = pair
    groups = Groups.from_rows([(k, "band", "low" if k <= 6 else "high") for k in PAIRS])
    report = compare_models(store, "sesame-like", str(candidate), AS_OF, groups=groups,
                            min_group=1)
    assert report["fairness"]["a"]["model"] == "sesame-like"
    assert report["fairness"]["b"]["model"] == "sesame-next"
    low_b = report["fairness"]["b"]["attributes"]["band"]["groups"][1]
    assert low_b["group"] == "low" and low_b["approval"]["deposit-free-rental"] == 3 / 6
    actions = [r[0] for r in store.con.execute("SELECT action FROM audit_log").fetchall()]
    assert actions == ["audit.compare"]


def test_errors(pair: tuple[Store, Path]) -> None:
    store, _ = pair
    with pytest.raises(XinyongError) as caught:
        compare_models(store, "sesame-like", "sesame-like", AS_OF)
    assert caught.value.code == "SAME_MODEL"
    with pytest.raises(XinyongError) as caught:
        compare_models(store, "sesame-like", "rongcheng-like", None)
    assert caught.value.code == "NO_COMMON_RUN"
    assert compare_models(store, "sesame-like", "sesame-next", None,
                          min_group=1)["as_of"] == AS_OF.isoformat()


# -- end to end on a synthetic population, through the CLI ----------------------------------
runner = CliRunner()
EARLIER = date(2026, 5, 1)


def _app() -> typer.Typer:
    app, audit, model, simulate = typer.Typer(), typer.Typer(), typer.Typer(), typer.Typer()
    register(audit, model, simulate)
    app.add_typer(audit, name="audit")
    app.add_typer(model, name="model")
    app.add_typer(simulate, name="simulate")
    return app


@pytest.fixture(scope="module")
def population_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    from xinyong.scoring.models import score_model
    from xinyong.simulate import generate_population

    folder = tmp_path_factory.mktemp("compare-e2e")
    home = folder / "home"
    population = generate_population(3000, 100, seed=21)
    with Store.init(home) as store:
        store.append_events(population.events)
        store.record_outcomes(population.subjects)
        score_model(store, "sesame-like", population.as_of)
        score_model(store, "sesame-like", EARLIER)
    people = [s for s, k in zip(population.subjects["subject_id"].to_pylist(),
                                population.subjects["subject_kind"].to_pylist(), strict=True)
              if k == "person"]
    # an arbitrary split, and a group of five that must never be shown
    lines = ["id,band"] + [f"{pid},{'tiny' if i < 5 else ('odd' if i % 2 else 'even')}"
                           for i, pid in enumerate(people)]
    groups = folder / "groups.csv"
    groups.write_text("\n".join(lines) + "\n", "utf-8")
    return home, candidate_rulebook(folder), groups


def _json(app: typer.Typer, home: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--home", str(home), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_model_pair_end_to_end(population_home: tuple[Path, Path, Path]) -> None:
    home, candidate, groups = population_home
    app = _app()
    as_of = "2026-11-01"
    compared = _json(app, home, "model", "compare", "sesame-like", str(candidate), "--as-of",
                     as_of, "--score-missing")
    rho = compared["rank_correlation"]["spearman"]  # type: ignore[index]
    assert 0.5 < rho <= 1.0
    assert compared["auc"]["a"]["auc"] > 0.6 and compared["auc"]["b"]["auc"] > 0.6  # type: ignore[index]
    shown = [c for row in compared["migration"]["counts"] for c in row if c is not None]  # type: ignore[index]
    assert sum(shown) <= compared["subjects"]["both"]  # type: ignore[index]
    assert all(c == 0 or c >= 10 for c in shown)

    what_if = _json(app, home, "simulate", "compare", "--model", "sesame-like", "--model",
                    str(candidate), "--as-of", as_of, "--groups", str(groups), "--id-column", "id")
    for side in ("a", "b"):
        band = what_if["fairness"][side]["attributes"]["band"]  # type: ignore[index]
        # five alone could be recovered from the total, so the smaller of the rest (even:
        # 1,497 against 1,498) is withheld with them
        assert band["suppressed"] == ["even", "tiny"]
        shown_groups = {g["group"]: g for g in band["groups"]}
        assert shown_groups["tiny"] == {"group": "tiny", "n": None, "suppressed": True}
        assert shown_groups["odd"]["n"] == 1498
        assert 0.0 < shown_groups["odd"]["approval"]["pay-later"] < 1.0
        assert shown_groups["odd"]["air"]["pay-later"] == 1.0

    fairness = _json(app, home, "audit", "fairness", "--model", "sesame-like")
    assert fairness["labelled"] == 2995 + 5  # type: ignore[operator]
    drift = _json(app, home, "audit", "drift", "--model", "sesame-like", "--from",
                  EARLIER.isoformat(), "--to", as_of)
    assert drift["score"]["flag"] in {"stable", "watch", "shift"}  # type: ignore[index]
    assert set(drift["factors"]) >= {"credit_history", "fulfilment_capacity"}  # type: ignore[arg-type]

    for args in (["audit", "fairness", "--model", "sesame-like"],
                 ["audit", "drift", "--model", "sesame-like", "--from", EARLIER.isoformat(),
                  "--to", as_of],
                 ["simulate", "compare", "--model", "sesame-like", "--model", str(candidate),
                  "--as-of", as_of]):
        text = runner.invoke(app, [*args, "--home", str(home)])
        assert text.exit_code == 0, (text.output, text.exception)
    assert "Tier migration" in text.stdout and "Fairness, A → B" in text.stdout

    missing = runner.invoke(app, ["audit", "drift", "--model", "sesame-like", "--from",
                                  "2026-01-01", "--to", as_of, "--home", str(home)])
    assert isinstance(missing.exception, XinyongError)
    assert missing.exception.code == "NO_SCORE_RUN"
