"""How the Spark engine starts: clear errors without Java, nothing fetched, UTC, loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.errors import XinyongError
from xinyong.scoring.compile import ScoringQuery, scoring_sql
from xinyong.scoring.engines import open_engine
from xinyong.scoring.rulebook import load_rulebook

from .conftest import AS_OF


def test_without_java_the_spark_engine_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("pyspark")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(XinyongError) as refused:
        open_engine("spark", master="local[1]")
    assert refused.value.code == "NO_JAVA"
    assert "default-jre-headless" in refused.value.message


def test_the_spark_query_is_sqlglots_transpilation_unchanged() -> None:
    pytest.importorskip("pyspark")
    from xinyong.scoring.engines.spark import spark_scoring_sql

    for name in ("sesame-like", "rongcheng-like"):
        rulebook = load_rulebook(name)
        query = ScoringQuery(as_of=AS_OF, events="ev", subjects="su")
        assert spark_scoring_sql(rulebook, query) == scoring_sql(rulebook, query, "spark")


@pytest.mark.spark
def test_the_session_fetches_nothing_and_computes_dates_in_utc(spark_session: object) -> None:
    conf = spark_session.sparkContext.getConf()  # type: ignore[attr-defined]
    assert conf.get("spark.jars.packages") is None
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert spark_session.conf.get("spark.sql.shuffle.partitions") == "8"  # type: ignore[attr-defined]
