"""``xinyong model fit`` and ``xinyong model evaluate`` through a Typer app, as the CLI wires them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from tests.scoring.scorecard.conftest import GERMAN_CREDIT
from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import load_scorecard
from xinyong.scoring.scorecard.cli import register


@pytest.fixture
def app() -> typer.Typer:
    model_app = typer.Typer()
    register(model_app)
    return model_app


def invoke(app: typer.Typer, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def test_fit_saves_the_artifact_and_evaluate_reads_it(
    app: typer.Typer, tmp_path: Path, german: pd.DataFrame
) -> None:
    home = tmp_path / "home"
    fitted = invoke(app, "fit", "--data", str(GERMAN_CREDIT), "--target", "creditability",
                    "--exclude", "telephone", "--home", str(home), "--json")
    path = home / "models" / "german-credit.json"
    assert fitted["model"] == "german-credit" and Path(str(fitted["path"])) == path
    card = load_scorecard("german-credit", home)
    assert "telephone" not in card.names and card.exclusions.user == ("telephone",)
    assert card.training.sha256_of == "file" and len(card.training.sha256) == 64
    assert fitted["excluded"] == {"protected": ["personal_status_and_sex", "age_in_years",
                                                "foreign_worker"], "user": ["telephone"]}
    evaluated = invoke(app, "evaluate", "--model", "german-credit", "--data", str(GERMAN_CREDIT),
                       "--target", "creditability", "--home", str(home), "--json")
    assert evaluated["auc"] == pytest.approx(card.training.auc)
    assert evaluated["psi"]["score"]["flag"] == "stable"  # type: ignore[index]


def test_fit_takes_parquet_options_and_protected_flags(
    app: typer.Typer, tmp_path: Path, german: pd.DataFrame
) -> None:
    data = tmp_path / "applicants.parquet"
    german.to_parquet(data)
    fitted = invoke(app, "fit", "--data", str(data), "--target", "creditability", "--id", "g2",
                    "--pdo", "40", "--odds", "20", "--points", "500", "--range", "300", "900",
                    "--allow-protected", "age_in_years", "--home", str(tmp_path), "--json")
    assert fitted["protected_attributes_used"] == ["age_in_years"]
    card = load_scorecard("g2", tmp_path)
    assert (card.scaling.pdo, card.scaling.odds, card.scaling.points) == (40.0, 20.0, 500.0)
    assert (card.scaling.range_min, card.scaling.range_max) == (300.0, 900.0)


def test_fit_prints_the_report_and_metrics(
    app: typer.Typer, tmp_path: Path, german: pd.DataFrame
) -> None:
    result = CliRunner().invoke(app, ["fit", "--data", str(GERMAN_CREDIT), "--target",
                                      "creditability", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Training AUC" in result.stdout and "monotonic" in result.stdout


@pytest.mark.parametrize(("args", "code", "field"), [
    (["--target", "no_such_column"], "MISSING_COLUMN", "--target"),
    (["--target", "creditability", "--exclude", "nope"], "UNKNOWN_COLUMN", "exclude"),
    (["--target", "creditability", "--id", "../escape"], "BAD_MODEL_ID", "id"),
])
def test_fit_errors_a_user_can_cause(
    app: typer.Typer, tmp_path: Path, german: pd.DataFrame, args: list[str], code: str,
    field: str
) -> None:
    with pytest.raises(XinyongError) as caught:
        invoke(app, "fit", "--data", str(GERMAN_CREDIT), "--home", str(tmp_path), *args)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_bad_files_and_unknown_models(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("a,b\n1,2\n")
    for path in (tmp_path / "missing.csv", tmp_path / "data.txt"):
        with pytest.raises(XinyongError) as caught:
            invoke(app, "fit", "--data", str(path), "--target", "b", "--home", str(tmp_path))
        assert (caught.value.code, caught.value.field) == ("BAD_FILE", "--data")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    with pytest.raises(XinyongError) as caught:
        invoke(app, "evaluate", "--model", "nope", "--data", str(tmp_path / "data.csv"),
               "--home", str(tmp_path))
    assert caught.value.code == "UNKNOWN_MODEL"
