"""Parity: a population of 20,000+ subjects scored on DuckDB and on Spark local[2].

The store's own batch run (DuckDB over ``scoring_events``/``scoring_subjects``), the DuckDB
engine over the export and the Spark engine over the same export must agree: identical tiers,
reasons, percentiles, unscorable reasons and event counts; scores, sub-scores and reason points
equal to 1e-9. Both shipped rulebooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from xinyong.scale import read_export_manifest
from xinyong.scoring.engines.duckdb import DuckDBEngine

from .conftest import AS_OF, Exported, build_export
from .test_engines import RULEBOOKS, differences, sources, store_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

PERSONS, ORGS = 18_500, 2_000


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    exported = build_export(tmp_path_factory.mktemp("parity"), PERSONS, ORGS, seed=20261101)
    yield exported
    exported.store.close()


@pytest.mark.parametrize("name", sorted(RULEBOOKS))
def test_spark_and_duckdb_give_the_same_scores(
    spark_session: SparkSession, population: Exported, name: str
) -> None:
    from xinyong.scoring.engines.spark import SparkEngine

    manifest = read_export_manifest(population.directory)
    assert manifest.subjects >= 20_000
    rulebook = RULEBOOKS[name]
    expected = store_rows(population.store, rulebook, AS_OF)
    assert len(expected) == manifest.subjects
    scored = [r for r in expected if r["score"] is not None]
    assert len(scored) > 0.9 * len(expected)
    assert len({r["tier"] for r in scored}) >= 3  # the comparison covers several tiers

    duckdb = DuckDBEngine()
    try:
        on_duckdb = duckdb.score(rulebook, AS_OF, *sources(population))
    finally:
        duckdb.close()
    on_spark = SparkEngine(spark_session).score(rulebook, AS_OF, *sources(population))

    assert differences(expected, on_duckdb) == []
    assert differences(expected, on_spark) == []
