"""Scoring engines: the one compiled scoring query, run on DuckDB or on Apache Spark.

One folder per engine behind one small interface (:class:`ScoringEngine`), in the manner of
Ibis's backends: ``duckdb/`` (embedded, the default; out-of-core with a memory limit) and
``spark/`` (pyspark, local or on a cluster). Both run the text of
:func:`xinyong.scoring.compile.scoring_sql`, DuckDB's dialect or SQLGlot's Spark transpilation,
and both return rows with :data:`SCORE_SCHEMA`; the shared tests in ``tests/scale`` run on each.

>>> from xinyong.scoring.engines import open_engine, ParquetSource
>>> engine = open_engine("duckdb", memory_limit="2GB")
>>> engine.name
'duckdb'
>>> engine.close()

The Spark engine is imported only when asked for, so pyspark stays an optional extra.
"""

from __future__ import annotations

from typing import Any

from xinyong.errors import XinyongError
from xinyong.scoring.engines._seam import (
    SCORE_SCHEMA,
    ParquetSource,
    ScoringEngine,
    Source,
    TableSource,
    conform,
    parquet_rows,
    read_scores,
)

ENGINES = ("duckdb", "spark")

__all__ = [
    "ENGINES",
    "SCORE_SCHEMA",
    "ParquetSource",
    "ScoringEngine",
    "Source",
    "TableSource",
    "conform",
    "open_engine",
    "parquet_rows",
    "read_scores",
]


def open_engine(name: str, **options: Any) -> ScoringEngine:
    """An engine by name with its own options (``memory_limit=`` for duckdb, ``master=`` for
    spark). Close it when done."""
    if name == "duckdb":
        from xinyong.scoring.engines.duckdb import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "spark":
        from xinyong.scoring.engines.spark import SparkEngine

        return SparkEngine(**options)
    raise XinyongError("UNKNOWN_ENGINE", f"no engine '{name}'; known: {', '.join(ENGINES)}",
                       field="--engine")
