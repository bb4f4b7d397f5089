"""Export the event log as the scoring engines read it: Parquet, bucketed by subject.

What is exported is exactly what scoring sees on the store: the ``scoring_events`` view (voided
events left out) of the subjects in ``scoring_subjects`` (enrolled ones), with every event
column; and, of the subjects, only their key and kind (their reference, a pseudonym or a
registry code, is not needed to score and stays home).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from xinyong.errors import XinyongError
from xinyong.scale._layout import (
    DEFAULT_BUCKETS,
    EVENTS_DIR,
    MANIFEST,
    SUBJECTS_DIR,
    ExportManifest,
    bucket_sql,
    read_export_manifest,
    write_manifest,
)
from xinyong.store import Store, fetch_one, transaction

MAX_BUCKETS = 4096


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    manifest: ExportManifest
    seconds: float


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _prepare(directory: Path, overwrite: bool) -> None:
    if directory.exists() and any(directory.iterdir()):
        if not overwrite:
            raise XinyongError("EXPORT_EXISTS", f"{directory} is not empty; choose a new "
                               "directory or pass --overwrite to replace an earlier export",
                               field="directory")
        read_export_manifest(directory)  # only ever delete what an export wrote
        for part in (EVENTS_DIR, SUBJECTS_DIR):
            shutil.rmtree(directory / part, ignore_errors=True)
        (directory / MANIFEST).unlink()
    directory.mkdir(parents=True, exist_ok=True)


def _copy(con: duckdb.DuckDBPyConnection, select: str, target: Path) -> int:
    """Write ``select`` as Parquet partitioned by its ``bucket`` column; return the rows."""
    row = fetch_one(con.execute(
        f"COPY ({select}) TO {_literal(str(target))} (FORMAT parquet, PARTITION_BY (bucket))"))
    rows = int(row[0]) if row else 0
    if rows == 0:
        # A partitioned COPY of nothing writes no file; engines need one to learn the columns.
        (target / "bucket=0").mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT * EXCLUDE (bucket) FROM ({select}) LIMIT 0) TO "
                    f"{_literal(str(target / 'bucket=0' / 'data_0.parquet'))} (FORMAT parquet)")
    return rows


def export_events(
    store: Store, directory: Path, *, buckets: int = DEFAULT_BUCKETS, overwrite: bool = False
) -> ExportResult:
    """Write the scoring view of the store's event log and subjects under ``directory``."""
    if not 1 <= buckets <= MAX_BUCKETS:
        raise XinyongError("BAD_BUCKETS", f"--buckets must be between 1 and {MAX_BUCKETS}",
                           field="--buckets")
    started = time.perf_counter()
    _prepare(directory, overwrite)
    con = store.con
    # One snapshot for both parts, so that events and subjects agree.
    with transaction(con):
        events = _copy(con, f"""
            SELECT e.*, {bucket_sql('e.subject_key', buckets)} AS bucket
            FROM scoring_events AS e
            SEMI JOIN scoring_subjects AS s ON s.subject_key = e.subject_key""",
            directory / EVENTS_DIR)
        subjects = _copy(con, f"""
            SELECT subject_key, CAST(kind AS VARCHAR) AS kind,
                   {bucket_sql('subject_key', buckets)} AS bucket
            FROM scoring_subjects""", directory / SUBJECTS_DIR)
    manifest = ExportManifest(
        events=events,
        subjects=subjects,
        buckets=buckets,
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=str(store.home),
    )
    write_manifest(directory, manifest)  # last: a directory without it is an unfinished export
    return ExportResult(directory, manifest, time.perf_counter() - started)
