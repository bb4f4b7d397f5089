"""Score an export on any engine and write the scores as Parquet with a manifest."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds

from xinyong.errors import XinyongError
from xinyong.scale._layout import (
    EVENTS_DIR,
    MANIFEST,
    SCORES_DIR,
    SUBJECTS_DIR,
    ScoresManifest,
    read_export_manifest,
    read_scores_manifest,
    write_manifest,
)
from xinyong.scoring.engines import ParquetSource, ScoringEngine
from xinyong.scoring.rulebook import Rulebook


def _scored(directory: Path) -> int:
    """Subjects with a score in the files below ``directory`` (unscorable ones have none)."""
    dataset = ds.dataset(directory, format="parquet")
    column = dataset.to_table(columns=["score"])["score"]
    return len(column) - int(pc.sum(pc.is_null(column)).as_py() or 0)


def score_export(
    engine: ScoringEngine,
    rulebook: Rulebook,
    as_of: date,
    export: Path,
    out: Path,
    *,
    overwrite: bool = False,
) -> ScoresManifest:
    """Score the export in ``export`` with ``engine``; write ``out/scores`` and its manifest."""
    exported = read_export_manifest(export)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise XinyongError("OUTPUT_EXISTS", f"{out} is not empty; choose a new directory or "
                               "pass --overwrite to replace earlier scores", field="--out")
        if read_scores_manifest(out) is None:  # only ever replace what a scoring run wrote
            raise XinyongError("OUTPUT_EXISTS", f"{out} holds files that are not xinyong scores",
                               field="--out")
        (out / MANIFEST).unlink()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = engine.write_scores(rulebook, as_of, ParquetSource.of(export / EVENTS_DIR),
                               ParquetSource.of(export / SUBJECTS_DIR), out / SCORES_DIR)
    seconds = time.perf_counter() - started
    manifest = ScoresManifest(
        model_id=rulebook.id, model_version=rulebook.version, as_of=as_of.isoformat(),
        engine=engine.name, rows=rows, scored=_scored(out / SCORES_DIR),
        events=exported.events, seconds=round(seconds, 3), source=str(export),
    )
    write_manifest(out, manifest)
    return manifest
