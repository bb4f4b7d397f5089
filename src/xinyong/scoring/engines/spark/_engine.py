"""The Spark engine: the compiled query, transpiled by SQLGlot to Spark SQL, run by ``spark.sql``.

Parquet inputs are registered as temporary views; the query text is
``scoring_sql(rulebook, query, dialect="spark")`` unchanged. (No post-processing is needed:
tests/scale/test_parity.py pins that the transpiled query gives DuckDB's rows, and
:func:`spark_scoring_sql` is the one place a dialect workaround would go.)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from xinyong.scoring.compile import ScoringQuery, scoring_sql
from xinyong.scoring.engines._seam import (
    SCORE_TYPES,
    ParquetSource,
    Source,
    TableSource,
    conform,
    parquet_rows,
    read_scores,
)
from xinyong.scoring.engines.spark._session import DEFAULT_MASTER, spark_session
from xinyong.scoring.rulebook import Rulebook

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_TYPES = {"int32": "int", "int64": "bigint", "string": "string", "date": "date",
          "double": "double"}


def spark_scoring_sql(rulebook: Rulebook, query: ScoringQuery) -> str:
    """The scoring query in Spark SQL: SQLGlot's transpilation of the DuckDB query, as is."""
    return scoring_sql(rulebook, query, dialect="spark")


class SparkEngine:
    """Score with Apache Spark.

    Give it a running ``session`` (shared, not stopped by :meth:`close`), or a ``master`` URL for
    a session of its own: ``local[2]`` on this machine, ``spark://host:7077`` on a cluster, where
    Parquet locations must be paths every executor can read.
    """

    name = "spark"

    def __init__(
        self,
        session: SparkSession | None = None,
        *,
        master: str = DEFAULT_MASTER,
        driver_memory: str = "2g",
        config: Mapping[str, str] | None = None,
    ) -> None:
        self._owned = session is None
        self.session = (spark_session(master, driver_memory=driver_memory, config=config)
                        if session is None else session)

    def _relation(self, source: Source, role: str) -> str:
        if isinstance(source, TableSource):
            return source.name
        assert isinstance(source, ParquetSource)
        view = f"xinyong_{role}"
        self.session.read.parquet(source.location).createOrReplaceTempView(view)
        return view

    def frame(self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source) -> DataFrame:
        """The scoring query as a DataFrame, its columns cast to SCORE_SCHEMA."""
        from pyspark.sql import functions as F

        query = ScoringQuery(as_of=as_of, events=self._relation(events, "events"),
                             subjects=self._relation(subjects, "subjects"))
        scored = self.session.sql(spark_scoring_sql(rulebook, query))
        return scored.select(*(F.col(c).cast(_TYPES[t]).alias(c) for c, t in SCORE_TYPES.items()))

    def score(self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source) -> pa.Table:
        frame = self.frame(rulebook, as_of, events, subjects)
        if hasattr(frame, "toArrow"):  # Spark 4.0 and later
            return conform(frame.toArrow())
        with tempfile.TemporaryDirectory(prefix="xinyong-spark-scores-") as tmp:
            out = Path(tmp) / "scores"
            frame.write.parquet(str(out))
            return read_scores(out)

    def write_scores(
        self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source, out: Path
    ) -> int:
        if out.exists():
            shutil.rmtree(out)
        self.frame(rulebook, as_of, events, subjects).write.parquet(str(out))
        return parquet_rows(out)

    def close(self) -> None:
        if self._owned:
            self.session.stop()
