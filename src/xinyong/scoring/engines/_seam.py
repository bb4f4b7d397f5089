"""The engine seam: what every scoring engine takes and gives back.

An engine runs the one compiled scoring query (:func:`xinyong.scoring.compile.scoring_sql`) over
an event log and a subject list and returns score rows with :data:`SCORE_SCHEMA`, whatever engine
computed them. Inputs are :class:`ParquetSource` (files the engine reads itself: an export, or a
benchmark log) or :class:`TableSource` (a table or view the engine's session already knows, such
as the store's ``scoring_events``).

Two ways out: :meth:`ScoringEngine.score` returns an Arrow table (for tests and populations that
fit in memory); :meth:`ScoringEngine.write_scores` writes Parquet files without passing the rows
through Python (for populations that do not).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.compile import REASON_SLOTS, SCORE_COLUMNS
from xinyong.scoring.rulebook import Rulebook

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

# One logical type per score column; each engine maps these names to its own types.
SCORE_TYPES: dict[str, str] = {
    "subject_key": "int32",
    "subject_kind": "string",
    "model_id": "string",
    "model_version": "string",
    "as_of": "date",
    "score": "double",
    "tier": "string",
    "percentile": "double",
    **{f.value: "double" for f in Factor},
    **{f"reason_{i}": "string" for i in range(1, REASON_SLOTS + 1)},
    **{f"reason_{i}_points": "double" for i in range(1, REASON_SLOTS + 1)},
    "n_events": "int64",
    "unscorable_reason": "string",
}
assert tuple(SCORE_TYPES) == SCORE_COLUMNS, "SCORE_TYPES must follow SCORE_COLUMNS"

_ARROW = {"int32": pa.int32(), "int64": pa.int64(), "string": pa.string(), "date": pa.date32(),
          "double": pa.float64()}
SCORE_SCHEMA = pa.schema([pa.field(name, _ARROW[t]) for name, t in SCORE_TYPES.items()])


@dataclass(frozen=True)
class ParquetSource:
    """Parquet that the engine reads: a file, a glob, or a directory searched recursively.

    ``location`` is a local path or, for Spark, any URI its file systems know (``hdfs://``,
    ``s3a://``). Hive-style ``bucket=7`` folders add a column that scoring ignores.
    """

    location: str

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> ParquetSource:
        return cls(os.fspath(path))

    def duckdb_glob(self) -> str:
        """What DuckDB's ``read_parquet`` needs: every ``.parquet`` file below a directory."""
        if Path(self.location).is_dir():
            return str(Path(self.location) / "**" / "*.parquet")
        return self.location


@dataclass(frozen=True)
class TableSource:
    """A table or view the engine's session already knows (``scoring_events``, ``db.events``)."""

    name: str

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise XinyongError("BAD_TABLE_NAME", f"'{self.name}' is not a plain table name",
                               field="source")


Source = ParquetSource | TableSource


@runtime_checkable
class ScoringEngine(Protocol):
    """Runs the compiled scoring query. Implementations: ``duckdb`` and ``spark``.

    Every engine gives the same rows for the same inputs, rulebook and as-of: identical tiers,
    reasons, percentiles and unscorable reasons, scores equal to 1e-9 (tests/scale).
    """

    name: str

    def score(self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source) -> pa.Table:
        """Score every subject; rows have :data:`SCORE_SCHEMA`, sorted by ``subject_key``."""
        ...

    def write_scores(
        self, rulebook: Rulebook, as_of: date, events: Source, subjects: Source, out: Path
    ) -> int:
        """Score every subject into Parquet files under the directory ``out`` (replaced); return
        the number of rows written."""
        ...

    def close(self) -> None:
        """Release what the engine opened itself (a connection, a Spark session)."""
        ...


def conform(table: pa.Table) -> pa.Table:
    """Score rows in :data:`SCORE_SCHEMA` (column order and types), sorted by subject."""
    table = table.select(list(SCORE_COLUMNS))
    columns = []
    for field in SCORE_SCHEMA:
        column = table[field.name]
        if pa.types.is_dictionary(column.type):  # DuckDB hands ENUM columns out as dictionaries
            column = pc.cast(column, pa.string())
        columns.append(pc.cast(column, field.type))
    conformed = pa.Table.from_arrays(columns, schema=SCORE_SCHEMA)
    return conformed.sort_by("subject_key")


def parquet_rows(directory: Path) -> int:
    """Rows in the Parquet files below ``directory``, from their footers alone."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(directory.rglob("*.parquet")))


def read_scores(directory: Path) -> pa.Table:
    """Score rows written by :meth:`ScoringEngine.write_scores`, conformed and sorted."""
    files = sorted(p for p in directory.rglob("*.parquet") if not p.name.startswith((".", "_")))
    if not files:
        return SCORE_SCHEMA.empty_table()
    return conform(pa.concat_tables(pq.read_table(p, columns=list(SCORE_COLUMNS)) for p in files))
