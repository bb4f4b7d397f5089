"""Shared engine tests: each runs on every engine (DuckDB, and Spark marked ``spark``).

The reference is the product path on the store: ``score_population`` over the views
``scoring_events`` and ``scoring_subjects``. An engine scoring the export of that store must
give the same rows.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from xinyong.scale import bucket_sql, read_export_manifest, subject_bucket
from xinyong.scoring.compile import SCORE_COLUMNS
from xinyong.scoring.engine import score_population
from xinyong.scoring.engines import SCORE_SCHEMA, ParquetSource, ScoringEngine, read_scores
from xinyong.scoring.rulebook import Rulebook, load_rulebook
from xinyong.store import Store

from .conftest import AS_OF, Exported

RULEBOOKS = {name: load_rulebook(name) for name in ("sesame-like", "rongcheng-like")}
EXACT = ("subject_key", "subject_kind", "model_id", "model_version", "as_of", "tier",
         "percentile", "reason_1", "reason_2", "reason_3", "reason_4", "n_events",
         "unscorable_reason")
CLOSE = tuple(c for c in SCORE_COLUMNS if c not in EXACT)
TOLERANCE = 1e-9


def store_rows(store: Store, rulebook: Rulebook, as_of: Any) -> list[dict[str, Any]]:
    """The batch run of the store for ``rulebook`` at ``as_of`` (made if missing), by subject."""
    score_population(store, rulebook, as_of)
    columns = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" if c == "subject_kind" else c
                        for c in SCORE_COLUMNS)
    cursor = store.con.execute(
        f"SELECT {columns} FROM scores WHERE model_id = ? AND model_version = ? AND as_of = ? "
        "ORDER BY subject_key", [rulebook.id, rulebook.version, as_of])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def differences(expected: list[dict[str, Any]], got: pa.Table, limit: int = 10) -> list[str]:
    """What differs between two sets of score rows: exact columns exactly, others to 1e-9."""
    rows = got.to_pylist()
    if [r["subject_key"] for r in rows] != [r["subject_key"] for r in expected]:
        return [f"subjects differ: {len(rows)} rows against {len(expected)}"]
    found = []
    for want, have in zip(expected, rows, strict=True):
        for column in EXACT:
            if want[column] != have[column]:
                found.append(f"subject {want['subject_key']} {column}: {want[column]!r} "
                             f"!= {have[column]!r}")
        for column in CLOSE:
            a, b = want[column], have[column]
            if (a is None) != (b is None) or (a is not None and abs(a - b) > TOLERANCE):
                found.append(f"subject {want['subject_key']} {column}: {a!r} != {b!r}")
        if len(found) >= limit:
            break
    return found


def sources(exported: Exported) -> tuple[ParquetSource, ParquetSource]:
    return (ParquetSource.of(exported.directory / "events"),
            ParquetSource.of(exported.directory / "subjects"))


@pytest.mark.parametrize("name", sorted(RULEBOOKS))
def test_engine_scores_the_export_like_the_store(
    engine: ScoringEngine, small_export: Exported, name: str
) -> None:
    rulebook = RULEBOOKS[name]
    got = engine.score(rulebook, AS_OF, *sources(small_export))
    assert got.schema == SCORE_SCHEMA
    assert differences(store_rows(small_export.store, rulebook, AS_OF), got) == []


def test_engine_leaves_out_events_after_as_of(engine: ScoringEngine, small_export: Exported) -> None:
    """An as-of inside the history: later events do not count, expiry is measured from it."""
    rulebook = RULEBOOKS["sesame-like"]
    as_of = AS_OF - timedelta(days=500)
    got = engine.score(rulebook, as_of, *sources(small_export))
    expected = store_rows(small_export.store, rulebook, as_of)
    assert differences(expected, got) == []
    assert any(r["unscorable_reason"] for r in expected)
    assert any(r["score"] is not None for r in expected)


def test_written_scores_read_back_equal_returned_scores(
    engine: ScoringEngine, small_export: Exported, tmp_path: Path
) -> None:
    rulebook = RULEBOOKS["rongcheng-like"]
    events, subjects = sources(small_export)
    rows = engine.write_scores(rulebook, AS_OF, events, subjects, tmp_path / "scores")
    written = read_scores(tmp_path / "scores")
    assert rows == written.num_rows == read_export_manifest(small_export.directory).subjects
    assert written.equals(engine.score(rulebook, AS_OF, events, subjects))


def test_engine_computes_the_subject_bucket_as_python_does(engine: ScoringEngine) -> None:
    keys = [1, 2, 3, 63, 64, 65, 1_000_003, 2**31 - 1]
    sql = " UNION ALL ".join(f"SELECT {k} AS k, {bucket_sql(str(k), 64)} AS b" for k in keys)
    if engine.name == "spark":
        rows = [(int(r[0]), int(r[1])) for r in engine.session.sql(sql).collect()]  # type: ignore[attr-defined]
    else:
        rows = [(int(k), int(b)) for k, b in engine.con.execute(sql).fetchall()]  # type: ignore[attr-defined]
    assert sorted(rows) == [(k, subject_bucket(k, 64)) for k in keys]


def test_differences_notices_a_change_beyond_the_tolerance(small_export: Exported) -> None:
    """The comparison the parity tests rely on does catch what it must."""
    rulebook = RULEBOOKS["sesame-like"]
    expected = store_rows(small_export.store, rulebook, AS_OF)
    table = pa.Table.from_pylist(expected, schema=SCORE_SCHEMA)
    assert differences(expected, table) == []
    i = next(i for i, r in enumerate(expected) if r["score"] is not None)
    nudged = [dict(r) for r in expected]
    nudged[i]["score"] += 2e-9
    assert differences(expected, pa.Table.from_pylist(nudged, schema=SCORE_SCHEMA)) != []
    nudged[i]["score"] -= 2e-9
    nudged[i]["reason_1"] = "SOMETHING_ELSE"
    assert differences(expected, pa.Table.from_pylist(nudged, schema=SCORE_SCHEMA)) != []
