"""``score_export`` and ``import_scores``: the round trip back into the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from xinyong.errors import XinyongError
from xinyong.scale import import_scores, read_scores_manifest, score_export
from xinyong.scoring.engines import read_scores
from xinyong.scoring.engines.duckdb import DuckDBEngine
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

from .conftest import AS_OF, Exported
from .test_engines import RULEBOOKS, differences, store_rows

RULEBOOK = RULEBOOKS["sesame-like"]


@pytest.fixture
def scored(small_export: Exported, tmp_path: Path) -> Path:
    engine = DuckDBEngine()
    try:
        score_export(engine, RULEBOOK, AS_OF, small_export.directory, tmp_path / "out")
    finally:
        engine.close()
    return tmp_path / "out"


@pytest.fixture
def fresh_store(small_export: Exported, tmp_path: Path) -> Store:
    """A copy of the small export's store, so that imports do not touch the shared one."""
    small_export.store.con.execute("CHECKPOINT")
    shutil.copytree(small_export.store.home, tmp_path / "home")
    return Store.open(tmp_path / "home")


def test_score_export_writes_scores_and_manifest(small_export: Exported, scored: Path) -> None:
    manifest = read_scores_manifest(scored)
    assert manifest is not None
    table = read_scores(scored / "scores")
    assert (manifest.model_id, manifest.as_of, manifest.engine) == (
        "sesame-like", AS_OF.isoformat(), "duckdb")
    assert manifest.rows == table.num_rows
    assert manifest.scored == table.num_rows - table["score"].null_count
    assert differences(store_rows(small_export.store, RULEBOOK, AS_OF), table) == []


def test_import_stores_the_run_as_a_batch_run_would(
    small_export: Exported, scored: Path, fresh_store: Store
) -> None:
    with fresh_store as store:
        store.con.execute("DELETE FROM scores")
        store.con.execute("DELETE FROM score_runs")
        result = import_scores(store, scored)
        assert (result.model_id, result.as_of) == ("sesame-like", AS_OF)
        imported = store_rows_without_rescoring(store)
        runs = store.query("SELECT subjects, scored FROM score_runs")
    expected = store_rows(small_export.store, RULEBOOK, AS_OF)
    assert imported == expected
    assert runs == [(len(expected), sum(r["score"] is not None for r in expected))]


def store_rows_without_rescoring(store: Store) -> list[dict[str, object]]:
    from xinyong.scoring.compile import SCORE_COLUMNS

    columns = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" if c == "subject_kind" else c
                        for c in SCORE_COLUMNS)
    cursor = store.con.execute(f"SELECT {columns} FROM scores ORDER BY subject_key")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_import_replaces_an_earlier_run_of_the_same_day(scored: Path, fresh_store: Store) -> None:
    with fresh_store as store:
        import_scores(store, scored)
        import_scores(store, scored)
        (rows,) = store.query("SELECT COUNT(*) FROM scores WHERE model_id = 'sesame-like' "
                              "AND as_of = ?", [AS_OF])[0]
        (runs,) = store.query("SELECT COUNT(*) FROM score_runs WHERE model_id = 'sesame-like' "
                              "AND as_of = ?", [AS_OF])[0]
    assert (rows, runs) == (read_scores(scored / "scores").num_rows, 1)


def test_scores_of_subjects_the_store_lacks_are_refused(scored: Path, tmp_path: Path) -> None:
    with Store.init(tmp_path / "other") as store, pytest.raises(XinyongError) as refused:
        import_scores(store, scored)
    assert refused.value.code == "UNKNOWN_SUBJECTS"


def test_scores_of_two_runs_are_refused(scored: Path, fresh_store: Store, tmp_path: Path) -> None:
    table = read_scores(scored / "scores")
    other = table.set_column(table.schema.get_field_index("model_version"), "model_version",
                             pa.array(["9.9.9"] * table.num_rows))
    (tmp_path / "mixed").mkdir()
    pq.write_table(table, tmp_path / "mixed" / "a.parquet")
    pq.write_table(other, tmp_path / "mixed" / "b.parquet")
    with fresh_store as store, pytest.raises(XinyongError) as refused:
        import_scores(store, tmp_path / "mixed")
    assert refused.value.code == "MIXED_RUNS"


def test_a_subject_scored_twice_is_refused(scored: Path, fresh_store: Store, tmp_path: Path) -> None:
    table = read_scores(scored / "scores")
    (tmp_path / "twice").mkdir()
    pq.write_table(pa.concat_tables([table, table.slice(0, 3)]), tmp_path / "twice" / "a.parquet")
    with fresh_store as store, pytest.raises(XinyongError) as refused:
        import_scores(store, tmp_path / "twice")
    assert refused.value.code == "DUPLICATE_SUBJECTS"


def test_a_folder_without_scores_is_refused(fresh_store: Store, tmp_path: Path) -> None:
    with fresh_store as store, pytest.raises(XinyongError) as refused:
        import_scores(store, tmp_path)
    assert refused.value.code == "NO_SCORES"


def test_scoring_refuses_a_folder_that_is_not_an_export(tmp_path: Path) -> None:
    engine = DuckDBEngine()
    with pytest.raises(XinyongError) as refused:
        score_export(engine, load_rulebook("sesame-like"), AS_OF, tmp_path, tmp_path / "out")
    engine.close()
    assert refused.value.code == "NOT_AN_EXPORT"


def test_scoring_output_is_replaced_only_when_asked(small_export: Exported, scored: Path) -> None:
    engine = DuckDBEngine()
    rongcheng = load_rulebook("rongcheng-like")
    try:
        with pytest.raises(XinyongError) as refused:
            score_export(engine, rongcheng, AS_OF, small_export.directory, scored)
        assert refused.value.code == "OUTPUT_EXISTS"
        score_export(engine, rongcheng, AS_OF, small_export.directory, scored, overwrite=True)
    finally:
        engine.close()
    table = read_scores(scored / "scores")
    assert pc.unique(table["model_id"]).to_pylist() == ["rongcheng-like"]


def test_an_export_is_not_taken_for_scores(small_export: Exported, fresh_store: Store) -> None:
    with fresh_store as store, pytest.raises(XinyongError) as refused:
        import_scores(store, small_export.directory)
    assert refused.value.code == "NOT_SCORES"
