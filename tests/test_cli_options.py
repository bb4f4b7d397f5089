"""The options, date reading and JSON printing every `xinyong` command shares."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from xinyong._cli_options import parse_date, parse_moment, print_json
from xinyong.cli import app
from xinyong.errors import XinyongError

runner = CliRunner()


@given(st.dates())
def test_parse_date_reads_every_iso_day(day: date) -> None:
    assert parse_date(day.isoformat(), field="--as-of") == day


@pytest.mark.parametrize("text", ["2026-11-31", "yesterday", "", "01/11/2026", "2026-11-01T09:00"])
def test_parse_date_refuses_what_is_not_a_day(text: str) -> None:
    with pytest.raises(XinyongError) as caught:
        parse_date(text, field="--until", example="2026-12-31")
    assert (caught.value.code, caught.value.field) == ("BAD_DATE", "--until")
    assert caught.value.message == f"'{text}' is not a date like 2026-12-31"


def test_parse_moment_reads_a_day_as_its_midnight_and_a_date_time() -> None:
    assert parse_moment("2026-11-01", field="--now") == datetime(2026, 11, 1)
    assert parse_moment("2026-11-01T09:30", field="--now") == datetime(2026, 11, 1, 9, 30)


def test_parse_moment_refusal_names_both_forms() -> None:
    with pytest.raises(XinyongError) as caught:
        parse_moment("soon", field="--now")
    assert (caught.value.code, caught.value.field) == ("BAD_DATE", "--now")
    assert "2026-11-01" in caught.value.message and "2026-11-01T09:00" in caught.value.message


def test_print_json_writes_dates_as_text_and_keeps_non_ascii_on_request(
        capsys: pytest.CaptureFixture[str]) -> None:
    value = {"as_of": date(2026, 11, 1), "name": "张三"}
    print_json(value)
    escaped = capsys.readouterr().out
    assert escaped.endswith("}\n") and "\\u5f20" in escaped
    assert json.loads(escaped) == {"as_of": "2026-11-01", "name": "张三"}
    print_json(value, ensure_ascii=False)
    assert '"name": "张三"' in capsys.readouterr().out


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("home")
    assert runner.invoke(app, ["init", "--home", str(path)]).exit_code == 0
    return path


@pytest.mark.parametrize(("args", "field"), [
    (["score", "--as-of", "2026-02-30"], "--as-of"),
    (["consent", "grant", "X", "--party", "p", "--purpose", "tenancy_screening",
      "--until", "2026-02-30"], "--until"),
    (["lists", "add", "court-dishonest-debtors", "X", "--grounds", "g", "--legal-basis", "b",
      "--authority", "a", "--starts", "2026-02-30"], "--starts"),
    (["subject", "identity", "X", "--birth-date", "1990-02-30"], "--birth-date"),
    (["dispute", "sweep", "--now", "2026-02-30"], "--now"),
    (["model", "fit", "--features", "bureau-basic", "--as-of", "2026-02-30"], "--as-of"),
    (["audit", "drift", "--model", "sesame-like", "--from", "2026-02-30", "--to", "2026-03-01"],
     "--from"),
])
def test_every_command_refuses_a_bad_date_the_same_way(home: Path, args: list[str],
                                                       field: str) -> None:
    result = runner.invoke(app, [*args, "--home", str(home)])
    assert isinstance(result.exception, XinyongError), result.output
    assert (result.exception.code, result.exception.field) == ("BAD_DATE", field)
