"""Load scores computed elsewhere (``xinyong scale score``, a cluster job) into the store.

A run is one (model, version, as-of); importing it replaces an earlier run of the same triple,
as a batch run on the store does, and records it in ``score_runs``. Scores must name subjects
of this store with their kind: scores from another store's export are refused, not mixed in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from xinyong.errors import XinyongError
from xinyong.scale._layout import SCORES_DIR, read_scores_manifest
from xinyong.scoring.compile import SCORE_COLUMNS
from xinyong.store import Store, fetch_one


@dataclass(frozen=True)
class ImportResult:
    model_id: str
    model_version: str
    as_of: date
    subjects: int
    scored: int
    seconds: float


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _files(directory: Path) -> str:
    """A ``read_parquet`` call over the score files of an output directory (or of any folder)."""
    root = directory / SCORES_DIR if (directory / SCORES_DIR).is_dir() else directory
    files = [p for p in root.rglob("*.parquet") if not p.name.startswith((".", "_"))]
    if not files:
        raise XinyongError("NO_SCORES", f"no Parquet score files under {directory}",
                           field="directory")
    listed = ", ".join(_literal(str(p)) for p in sorted(files))
    return f"read_parquet([{listed}])"


def import_scores(store: Store, directory: Path) -> ImportResult:
    """Store the scores under ``directory`` as one run; refuse them if they do not fit."""
    started = time.perf_counter()
    manifest = read_scores_manifest(directory)
    source = _files(directory)
    con = store.con
    runs = con.execute(
        f"SELECT DISTINCT model_id, model_version, as_of FROM {source} ORDER BY ALL"
    ).fetchall()
    if len(runs) != 1:
        raise XinyongError("MIXED_RUNS", f"{directory} holds {len(runs)} runs (model, version, "
                           "as-of); import one run at a time", field="directory")
    model_id, model_version, as_of = runs[0]
    as_of = date.fromisoformat(str(as_of))
    if manifest is not None and (manifest.model_id, manifest.model_version, manifest.as_of) != (
        model_id, model_version, as_of.isoformat()
    ):
        raise XinyongError("MANIFEST_MISMATCH", f"the files under {directory} are not the run its "
                           "manifest describes", field="directory")
    stranger = fetch_one(con.execute(
        f"""SELECT COUNT(*), MIN(x.subject_key) FROM {source} AS x
            ANTI JOIN subjects AS s
              ON s.subject_key = x.subject_key AND CAST(s.kind AS VARCHAR) = x.subject_kind"""
    ))
    if stranger and stranger[0]:
        raise XinyongError(
            "UNKNOWN_SUBJECTS",
            f"{stranger[0]:,} score rows name subjects this store does not have with that kind "
            f"(first: subject_key {stranger[1]}); were they computed from another store's export?",
            field="directory",
        )
    twice = fetch_one(con.execute(
        f"SELECT COUNT(*) - COUNT(DISTINCT subject_key) FROM {source}"))
    if twice and twice[0]:
        raise XinyongError("DUPLICATE_SUBJECTS", f"{twice[0]:,} subjects have more than one score "
                           f"row under {directory}", field="directory")
    columns = ", ".join(SCORE_COLUMNS)
    seconds = manifest.seconds if manifest is not None else 0.0
    subjects = store.replace_scores(f"SELECT {columns} FROM {source}", model_id=model_id,
                                    model_version=model_version, as_of=as_of, seconds=seconds)
    row = fetch_one(con.execute(
        "SELECT scored FROM score_runs WHERE model_id = ? AND model_version = ? AND as_of = ?",
        [model_id, model_version, as_of]))
    return ImportResult(model_id, model_version, as_of, subjects, int(row[0]) if row else 0,
                        time.perf_counter() - started)
