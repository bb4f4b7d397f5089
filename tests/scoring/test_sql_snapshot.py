"""The compiled scoring SQL is pinned: a change to it is a reviewed change to the snapshots.

Regenerate with ``UPDATE_SNAPSHOTS=1 pytest tests/scoring/test_sql_snapshot.py``.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlglot

from xinyong.scoring.compile import ScoringQuery, scoring_sql
from xinyong.scoring.rulebook import load_rulebook

SNAPSHOTS = Path(__file__).parent / "snapshots"
AS_OF = date(2026, 11, 1)


@pytest.mark.parametrize("model", ["sesame-like", "rongcheng-like"])
@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_sql_snapshot(model: str, dialect: str) -> None:
    sql = scoring_sql(load_rulebook(model), ScoringQuery(as_of=AS_OF), dialect) + "\n"
    path = SNAPSHOTS / f"{model}.{dialect}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(sql, "utf-8")
    assert sql == path.read_text("utf-8")


def test_spark_sql_parses_as_spark() -> None:
    sql = scoring_sql(load_rulebook("sesame-like"), ScoringQuery(as_of=AS_OF), "spark")
    parsed = sqlglot.parse_one(sql, read="spark")
    assert parsed.find(sqlglot.exp.Window) is not None  # the percentile
    assert "FILTER" in sql.upper()
