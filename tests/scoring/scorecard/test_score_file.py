"""Scoring a data file with a scorecard's SQL: Python's scores and reasons, in the file's order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.scoring.scorecard.conftest import TARGET, Split, same_values
from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import Scorecard
from xinyong.scoring.scorecard._score_file import ROW_ID, score_file, score_frame


def test_a_file_scored_by_sql_equals_python_row_by_row(card: Scorecard, split: Split,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "test.csv"
    split.X_test.assign(**{TARGET: split.y_test}).to_csv(path, index=False)
    scored = score_file(card, path).to_pandas()
    assert scored[ROW_ID].tolist() == list(range(1, len(split.X_test) + 1))
    assert scored["score"].tolist() == card.score(split.X_test).tolist()  # exactly
    python = card.reasons(split.X_test)
    for slot in range(1, 5):
        for suffix in ("", "_points", "_text"):
            column = f"reason_{slot}{suffix}"
            assert same_values(scored[column], python[column]), column


def test_the_id_column_is_carried_and_the_order_kept(card: Scorecard, split: Split) -> None:
    frame = split.X_test.head(50).assign(applicant=[f"a{i}" for i in range(50, 0, -1)])
    scored = score_frame(card, frame, id_column="applicant").to_pandas()
    assert scored["applicant"].tolist() == frame["applicant"].tolist()
    assert scored["score"].tolist() == card.score(frame).tolist()


@pytest.mark.parametrize(("change", "code", "field"), [
    (lambda f: f.drop(columns=["duration_in_month"]), "MISSING_COLUMN", "duration_in_month"),
    (lambda f: f.assign(applicant=1), "DUPLICATE_ID", "--id"),
])
def test_unusable_data_is_refused_with_the_field(card: Scorecard, split: Split, change: object,
                                                 code: str, field: str) -> None:
    frame = split.X_test.head(10).assign(applicant=range(10))
    if "duration_in_month" not in [c.name for c in card.characteristics]:
        pytest.skip("the card does not use duration_in_month")
    with pytest.raises(XinyongError) as refused:
        score_frame(card, change(frame), id_column="applicant")  # type: ignore[operator]
    assert (refused.value.code, refused.value.field) == (code, field)


def test_an_unknown_id_column_is_refused(card: Scorecard, split: Split) -> None:
    with pytest.raises(XinyongError) as refused:
        score_frame(card, pd.DataFrame(split.X_test.head(3)), id_column="nope")
    assert refused.value.code == "MISSING_COLUMN" and refused.value.field == "--id"


def test_model_score_data_cli_writes_every_row(card: Scorecard, split: Split,
                                               tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from xinyong.cli import app

    artifact = card.save(tmp_path / "card.json")
    data = tmp_path / "applicants.csv"
    split.X_test.assign(applicant=range(len(split.X_test))).to_csv(data, index=False)
    out = tmp_path / "scored.parquet"
    result = CliRunner().invoke(app, ["model", "score", "--model", str(artifact), "--data",
                                      str(data), "--id", "applicant", "--out", str(out),
                                      "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == len(split.X_test) and summary["out"] == str(out)
    written = pd.read_parquet(out)
    assert written["score"].tolist() == card.score(split.X_test).tolist()
    text = CliRunner().invoke(app, ["model", "score", "--model", str(artifact), "--data",
                                    str(data)])
    assert text.exit_code == 0 and "First rows" in text.stdout
    neither = CliRunner().invoke(app, ["model", "score", "--model", str(artifact)])
    assert isinstance(neither.exception, XinyongError)
    assert (neither.exception.code, neither.exception.field) == ("BAD_OPTION", "--as-of")
