"""The DuckDB engine: the compiled query on a DuckDB connection, in memory or spilling to disk.

On the store's connection it reads the store's views (``TableSource("scoring_events")``); on a
connection of its own it reads Parquet. With ``memory_limit`` DuckDB keeps its working set under
the limit and spills hash tables and sorts to ``temp_directory``, so a log many times larger than
memory is scored on one machine (bench/outofcore.py). The spill holds about 0.7 kB of rule sums
per subject when the log is laid out by subject (as an export is, in hash buckets) and several
times more when every file mixes all subjects; ``max_temp_directory_size`` (in ``settings``)
bounds it.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from xinyong.scoring.compile import ScoringQuery, scoring_sql
from xinyong.scoring.engines._seam import SCORE_TYPES, Source, TableSource, conform
from xinyong.scoring.rulebook import Rulebook

_TYPES = {"int32": "INTEGER", "int64": "BIGINT", "string": "VARCHAR", "date": "DATE",
          "double": "DOUBLE"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine:
    """Score with DuckDB.

    >>> engine = DuckDBEngine(memory_limit="2GB")            # a connection of its own
    >>> engine = DuckDBEngine(store.con)                      # doctest: +SKIP
    """

    name = "duckdb"

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | None = None,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: Path | None = None,
        settings: Mapping[str, str | int | bool] | None = None,
    ) -> None:
        self._owned = con is None
        self.con = duckdb.connect() if con is None else con
        if self._owned:
            self.con.execute("SET enable_progress_bar = false")
            # Timestamps with a zone become dates in UTC, as on the store and on Spark.
            self.con.execute("SET TimeZone = 'UTC'")
            # Rows come back sorted by subject when it matters; not keeping the scan order lets
            # a large COPY stream instead of buffering.
            self.con.execute("SET preserve_insertion_order = false")
        if memory_limit is not None:
            self.con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if temp_directory is not None:
            self.con.execute(f"SET temp_directory = {_literal(str(temp_directory))}")
        for key, value in (settings or {}).items():  # e.g. max_temp_directory_size
            if not key.replace("_", "").isalnum():
                raise ValueError(f"not a DuckDB setting name: {key!r}")
            literal = str(value).lower() if isinstance(value, bool) else _literal(str(value))
            self.con.execute(f"SET {key} = {literal}")

    def _relation(self, source: Source, role: str) -> str:
        if isinstance(source, TableSource):
            return source.name
        view = f"xinyong_{role}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_parquet("
            f"{_literal(source.duckdb_glob())}, hive_partitioning = true)"
        )
        return view

    def sql(self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source) -> str:
        """The scoring query over ``events`` and ``subjects``, its columns cast to SCORE_SCHEMA."""
        query = ScoringQuery(as_of=as_of, events=self._relation(events, "events"),
                             subjects=self._relation(subjects, "subjects"))
        casts = ", ".join(f"CAST({c} AS {_TYPES[t]}) AS {c}" for c, t in SCORE_TYPES.items())
        return f"SELECT {casts} FROM (\n{scoring_sql(rulebook, query)}\n) AS scored"

    def score(self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source) -> pa.Table:
        return conform(self.con.sql(self.sql(rulebook, as_of, events, subjects)).to_arrow_table())

    def write_scores(
        self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source, out: Path
    ) -> int:
        sql = self.sql(rulebook, as_of, events, subjects)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        row = self.con.execute(
            f"COPY ({sql}) TO {_literal(str(out / 'part-0.parquet'))} (FORMAT parquet)"
        ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        if self._owned:
            self.con.close()
