"""The `xinyong` command end to end on a small population."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli import app, main

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    home = tmp_path_factory.mktemp("home")
    result = runner.invoke(app, ["demo", "--persons", "3000", "--orgs", "300", "--home",
                                 str(home), "--json"])
    assert result.exit_code == 0, result.output
    return home, json.loads(result.stdout)


def test_demo_summary(demo_home: tuple[Path, dict[str, object]]) -> None:
    _, summary = demo_home
    tiers = summary["tiers"]
    assert isinstance(tiers, dict)
    assert list(tiers) == ["poor", "fair", "good", "very_good", "excellent"]
    assert sum(tiers.values()) == summary["scored"]
    auc = summary["auc"]
    assert isinstance(auc, float) and 0.6 < auc < 1.0
    seconds = summary["seconds"]
    assert isinstance(seconds, dict)
    assert set(seconds) == {"simulate", "store", "score", "summarise"}


def test_demo_rerun_is_idempotent(demo_home: tuple[Path, dict[str, object]]) -> None:
    home, first = demo_home
    result = runner.invoke(app, ["demo", "--persons", "3000", "--orgs", "300", "--home",
                                 str(home), "--json"])
    again = json.loads(result.stdout)
    assert again["events"]["accepted"] == 0  # type: ignore[index]
    assert again["events"]["duplicates"] == again["events"]["generated"]  # type: ignore[index]
    assert again["tiers"] == first["tiers"]


def test_explain_and_score_an_example(demo_home: tuple[Path, dict[str, object]]) -> None:
    home, summary = demo_home
    examples = summary["examples"]
    assert isinstance(examples, dict) and examples
    tier, subject_id = next(iter(examples.items()))
    result = runner.invoke(app, ["explain", subject_id, "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    explained = json.loads(result.stdout)
    assert explained["tier"] == tier
    scored = json.loads(runner.invoke(app, ["score", "--subject", subject_id, "--home",
                                            str(home), "--json"]).stdout)
    assert scored["score"] == explained["score"]
    assert scored["percentile"] == explained["percentile"]


def test_model_sql_spark() -> None:
    result = runner.invoke(app, ["model", "sql", "--model", "sesame-like", "--dialect", "spark",
                                 "--as-of", "2026-11-01"])
    assert result.exit_code == 0
    assert "PERCENT_RANK()" in result.stdout
    assert "CAST('2026-11-01' AS DATE)" in result.stdout


def test_catalog_json() -> None:
    result = runner.invoke(app, ["catalog", "--json"])
    names = {t["name"] for t in json.loads(result.stdout)}
    assert "bill.paid_late" in names and "tax.arrears" in names


def test_user_errors_exit_2_without_traceback(
    demo_home: tuple[Path, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    home, _ = demo_home
    with pytest.raises(SystemExit) as info:
        main(["explain", "123", "--home", str(home)])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert "INVALID_ID" in captured.err and "Traceback" not in captured.err
    with pytest.raises(SystemExit) as info:
        main(["score", "--model", "nope", "--home", str(home)])
    assert info.value.code == 2
    assert "UNKNOWN_MODEL" in capsys.readouterr().err


def test_explain_names_the_ties_that_moved_the_relationships_factor(
    demo_home: tuple[Path, dict[str, object]],
) -> None:
    import duckdb

    home, _ = demo_home
    with duckdb.connect(str(home / "xinyong.duckdb"), read_only=True) as con:
        rows = con.execute(
            """SELECT sb.subject_ref, SUM(r.points) FROM relationship_contributions AS r
               JOIN subjects AS sb USING (subject_key)
               WHERE sb.kind = 'organisation' GROUP BY 1 ORDER BY 1 LIMIT 1""").fetchall()
    assert rows, "the demo population declares ties between organisations"
    code, points = rows[0]
    result = runner.invoke(app, ["explain", code, "--home", str(home), "--json"])
    explained = json.loads(result.stdout)
    assert explained["ties"] and all(":" in line for line in explained["ties"])
    relationships = next(f for f in explained["factors"] if f["factor"] == "relationships")
    assert relationships["points"] == pytest.approx(15.0 + points, abs=1e-4)
