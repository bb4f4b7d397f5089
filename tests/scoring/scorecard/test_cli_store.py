"""``xinyong model fit --features``, ``model score``, ``model explain`` and ``model features``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import load_scorecard
from xinyong.scoring.scorecard.cli import register
from xinyong.store import Store

AS_OF = "2026-11-01"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xinyong.simulate import generate_population

    folder = tmp_path_factory.mktemp("home")
    population = generate_population(800, 10, seed=5)
    with Store.init(folder) as store:
        store.append_events(population.events)
        store.record_outcomes(population.subjects)
    return folder


@pytest.fixture
def app() -> typer.Typer:
    model_app = typer.Typer()
    register(model_app)
    return model_app


def invoke(app: typer.Typer, *args: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def test_fit_on_the_store_then_score_then_explain(app: typer.Typer, home: Path) -> None:
    fitted = invoke(app, "fit", "--features", "bureau-basic", "--as-of", AS_OF, "--id", "bb",
                    "--home", str(home), "--json")
    card = load_scorecard("bb", home)
    assert fitted["feature_view"]["name"] == "bureau-basic"
    assert fitted["version"] == card.version and fitted["rows"] == card.training.rows
    assert fitted["registered"] == "draft"  # a fitted card joins the registry as a draft
    with Store.open(home, read_only=True) as store:
        status = store.con.execute("SELECT status FROM models WHERE model_id = 'bb'").fetchall()
    assert status == [("draft",)]
    scored = invoke(app, "score", "--model", "bb", "--as-of", AS_OF, "--home", str(home),
                    "--json")
    assert scored["subjects"] == 800 and scored["version"] == card.version
    with Store.open(home, read_only=True) as store:
        rows = store.con.execute("SELECT COUNT(score) FROM scores WHERE model_id = 'bb'")
        assert rows.fetchall() == [(scored["scored"],)]
    text = invoke(app, "score", "--model", "bb", "--as-of", AS_OF, "--home", str(home))
    assert "Scored" in text and "bb" in text


def test_explain_by_subject_id(app: typer.Typer, home: Path) -> None:
    from xinyong.simulate import generate_population

    invoke(app, "fit", "--features", "bureau-basic", "--as-of", AS_OF, "--id", "bx",
           "--home", str(home), "--json")
    invoke(app, "score", "--model", "bx", "--as-of", AS_OF, "--home", str(home), "--json")
    subject_id = generate_population(800, 10, seed=5).subjects["subject_id"][0].as_py()
    explained = invoke(app, "explain", subject_id, "--model", "bx", "--as-of", AS_OF,
                       "--home", str(home), "--json")
    assert explained["model_id"] == "bx" and explained["subject_kind"] == "person"
    assert set(explained["factors"]) == {"credit_history", "fulfilment_capacity",
                                         "behaviour_preference", "identity_traits",
                                         "relationships"}
    for reason in explained["reasons"]:
        assert reason["points"] > 0 and reason["sentence"]
    text = invoke(app, "explain", subject_id, "--model", "bx", "--as-of", AS_OF,
                  "--home", str(home))
    assert "Reasons" in text or "Unscorable" in text


def test_the_queries_print_in_any_dialect(app: typer.Typer, home: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    invoke(app, "fit", "--features", "bureau-basic", "--as-of", AS_OF, "--id", "bq",
           "--home", str(home), "--json")
    spark = invoke(app, "score", "--model", "bq", "--as-of", AS_OF, "--sql", "--dialect",
                   "spark", "--home", str(home))
    assert "PERCENT_RANK()" in spark and "scoring_events" in spark and "`" in spark
    from xinyong.cli import app as main_app

    monkeypatch.setenv("XINYONG_HOME", str(home))
    printed = invoke(main_app, "model", "sql", "--model", "bq", "--as-of", AS_OF, "--dialect",
                     "spark")
    assert printed.strip() == spark.strip()  # `model sql` prints the same store query
    features = invoke(app, "features", "bureau-basic", "--as-of", AS_OF, "--sql")
    assert features.startswith("WITH view_events AS")
    rows = invoke(app, "features", "bureau-basic", "--as-of", AS_OF, "--limit", "3",
                  "--home", str(home), "--json")
    assert len(rows) == 3 and "late_payments_12m" in rows[0]


@pytest.mark.parametrize(("args", "code", "field"), [
    (["fit", "--features", "bureau-basic"], "BAD_OPTION", "--as-of"),
    (["fit", "--features", "bureau-basic", "--as-of", "yesterday"], "BAD_DATE", "--as-of"),
    (["fit", "--features", "no-such-view", "--as-of", AS_OF], "UNKNOWN_FEATURE_VIEW",
     "features"),
    (["fit"], "BAD_OPTION", "--data"),
    (["score", "--model", "nope", "--as-of", AS_OF], "UNKNOWN_MODEL", "model"),
])
def test_errors_a_user_can_cause(app: typer.Typer, home: Path, args: list[str], code: str,
                                 field: str) -> None:
    with pytest.raises(XinyongError) as caught:
        invoke(app, *args, "--home", str(home))
    assert (caught.value.code, caught.value.field) == (code, field)


def test_a_store_without_outcomes_cannot_train(app: typer.Typer, tmp_path: Path) -> None:
    Store.init(tmp_path).close()
    with pytest.raises(XinyongError) as caught:
        invoke(app, "fit", "--features", "bureau-basic", "--as-of", AS_OF, "--home",
               str(tmp_path))
    assert caught.value.code == "NO_OUTCOMES"


def test_explain_gives_the_stored_reasons_and_refuses_a_subject_who_left(
    app: typer.Typer, home: Path,
) -> None:
    from datetime import date

    from xinyong.scoring.scorecard import explain_card

    invoke(app, "fit", "--features", "bureau-basic", "--as-of", AS_OF, "--id", "be",
           "--home", str(home), "--json")
    invoke(app, "score", "--model", "be", "--as-of", AS_OF, "--home", str(home), "--json")
    card = load_scorecard("be", home)
    with Store.open(home) as store:
        key, stored = store.con.execute(
            "SELECT subject_key, [reason_1, reason_2, reason_3, reason_4] FROM scores "
            "WHERE model_id = 'be' AND score IS NOT NULL AND reason_1 IS NOT NULL "
            "ORDER BY subject_key LIMIT 1").fetchall()[0]
        explained = explain_card(store, card, key, date.fromisoformat(AS_OF))
        assert [r.code for r in explained.reasons] == [c for c in stored if c is not None]
        store.set_enrolled(key, False)
        try:
            with pytest.raises(XinyongError) as left:
                explain_card(store, card, key, date.fromisoformat(AS_OF))
            assert left.value.code == "SUBJECT_NOT_SCORED"
        finally:
            store.set_enrolled(key, True)


def test_a_refit_cannot_change_a_model_in_use_under_its_id(app: typer.Typer, home: Path) -> None:
    from xinyong.scoring.registry import promote

    invoke(app, "fit", "--features", "bureau-basic", "--as-of", AS_OF, "--id", "bp",
           "--home", str(home), "--json")
    artifact = home / "models" / "bp.json"
    before = artifact.read_bytes()
    with Store.open(home) as store:
        promote(store, "bp", "shadow", subject_kind="person")
    with pytest.raises(XinyongError) as in_use:
        invoke(app, "fit", "--features", "bureau-basic", "--as-of", AS_OF, "--id", "bp",
               "--pdo", "40", "--home", str(home), "--json")
    assert (in_use.value.code, in_use.value.field) == ("MODEL_IN_USE", "--id")
    assert artifact.read_bytes() == before  # refused before the file was touched
