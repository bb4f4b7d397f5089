"""The commands: export → scale score → import, as a person would type them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from xinyong.errors import XinyongError
from xinyong.scale.cli import register

from .conftest import AS_OF, Exported

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main() -> None:
        """A stand-in for the ``xinyong`` app."""

    register(app)
    return app


@pytest.fixture
def home(small_export: Exported, tmp_path: Path) -> Path:
    small_export.store.con.execute("CHECKPOINT")
    shutil.copytree(small_export.store.home, tmp_path / "home")
    return tmp_path / "home"


def invoke(app: typer.Typer, *args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_round_trip_on_duckdb(app: typer.Typer, home: Path, tmp_path: Path) -> None:
    exported = invoke(app, "export", "events", str(tmp_path / "exp"), "--home", str(home),
                      "--buckets", "8")
    assert exported["buckets"] == 8
    scored = invoke(app, "scale", "score", "--engine", "duckdb", "--events", str(tmp_path / "exp"),
                    "--out", str(tmp_path / "out"), "--model", "rongcheng-like",
                    "--as-of", AS_OF.isoformat(), "--memory-limit", "1GB")
    assert (scored["subjects"], scored["events"]) == (exported["subjects"], exported["events"])
    imported = invoke(app, "import", "scores", str(tmp_path / "out"), "--home", str(home))
    assert imported == {**imported, "model": "rongcheng-like", "as_of": AS_OF.isoformat(),
                        "subjects": scored["subjects"], "scored": scored["scored"]}


@pytest.mark.parametrize(("args", "code"), [
    (["scale", "score", "--engine", "oracle"], "UNKNOWN_ENGINE"),
    (["scale", "score", "--engine", "duckdb", "--master", "spark://x:7077"], "SPARK_ONLY"),
    (["scale", "score", "--engine", "spark", "--conf", "novalue"], "BAD_CONF"),
    (["scale", "score", "--as-of", "yesterday"], "BAD_DATE"),
])
def test_bad_options_are_domain_errors(app: typer.Typer, tmp_path: Path, args: list[str],
                                       code: str) -> None:
    result = runner.invoke(app, [*args, "--events", str(tmp_path), "--out", str(tmp_path / "o")])
    assert isinstance(result.exception, XinyongError), result.output
    assert result.exception.code == code
