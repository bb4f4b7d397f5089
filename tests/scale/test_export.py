"""``export_events``: the scoring view of the log, bucketed by subject, with a manifest."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from xinyong.errors import XinyongError
from xinyong.scale import export_events, read_export_manifest, subject_bucket
from xinyong.scoring.engines import ParquetSource
from xinyong.scoring.engines.duckdb import DuckDBEngine
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

from .conftest import AS_OF, Exported


def _read(directory: Path) -> duckdb.DuckDBPyRelation:
    return duckdb.read_parquet(str(directory / "**" / "*.parquet"), hive_partitioning=True)


def test_export_holds_the_scoring_view_only(small_export: Exported) -> None:
    store, directory = small_export.store, small_export.directory
    events = _read(directory / "events")
    (exported,) = events.aggregate("COUNT(*)").fetchall()[0]
    (expected,) = store.query(
        "SELECT COUNT(*) FROM scoring_events AS e SEMI JOIN scoring_subjects AS s USING "
        "(subject_key)")[0]
    assert exported == expected
    seqs = {int(s) for (s,) in events.project("event_seq").fetchall()}
    assert not seqs & small_export.voided_seqs
    keys = {int(k) for (k,) in events.project("subject_key").distinct().fetchall()}
    assert keys and not keys & small_export.unenrolled
    subjects = _read(directory / "subjects")
    assert set(subjects.columns) == {"subject_key", "kind", "bucket"}  # no subject_ref
    subject_keys = {int(k) for (k,) in subjects.project("subject_key").fetchall()}
    assert keys <= subject_keys
    assert not subject_keys & small_export.unenrolled
    manifest = read_export_manifest(directory)
    assert (manifest.events, manifest.subjects) == (exported, len(subject_keys))


@pytest.mark.parametrize("part", ["events", "subjects"])
def test_every_row_sits_in_its_subjects_bucket(small_export: Exported, part: str) -> None:
    manifest = read_export_manifest(small_export.directory)
    dataset = ds.dataset(small_export.directory / part, format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["subject_key", "bucket"])
    pairs = set(zip(table["subject_key"].to_pylist(), table["bucket"].to_pylist(), strict=True))
    assert all(int(b) == subject_bucket(k, manifest.buckets) for k, b in pairs)
    assert len({b for _, b in pairs}) == manifest.buckets  # a few hundred subjects fill 16


def test_export_refuses_a_non_empty_directory(small_export: Exported, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(XinyongError) as refused:
        export_events(small_export.store, tmp_path)
    assert refused.value.code == "EXPORT_EXISTS"
    with pytest.raises(XinyongError) as refused:
        export_events(small_export.store, tmp_path, overwrite=True)
    assert refused.value.code == "NOT_AN_EXPORT"  # never deletes what it did not write
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_export_overwrites_an_earlier_export(small_export: Exported, tmp_path: Path) -> None:
    first = export_events(small_export.store, tmp_path / "x", buckets=4)
    again = export_events(small_export.store, tmp_path / "x", buckets=8, overwrite=True)
    assert again.manifest.events == first.manifest.events
    buckets = {p.name for p in (tmp_path / "x" / "events").iterdir()}
    assert len(buckets) == 8


def test_bad_bucket_count_is_refused(small_export: Exported, tmp_path: Path) -> None:
    with pytest.raises(XinyongError) as refused:
        export_events(small_export.store, tmp_path / "x", buckets=0)
    assert (refused.value.code, refused.value.field) == ("BAD_BUCKETS", "--buckets")


def test_an_empty_store_exports_files_that_score_to_nothing(tmp_path: Path) -> None:
    with Store.init(tmp_path / "home") as store:
        result = export_events(store, tmp_path / "x")
    assert (result.manifest.events, result.manifest.subjects) == (0, 0)
    engine = DuckDBEngine()
    scores = engine.score(load_rulebook("sesame-like"), AS_OF,
                          ParquetSource.of(tmp_path / "x" / "events"),
                          ParquetSource.of(tmp_path / "x" / "subjects"))
    engine.close()
    assert scores.num_rows == 0
