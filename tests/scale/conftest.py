"""Shared fixtures of the scale tests: populations, their exports, and one Spark session.

A local Spark session takes tens of seconds to start, so there is one per test run
(``spark_session``, session-scoped). The ``engine`` fixture runs a test on every engine; tests on
Spark carry the ``spark`` mark and are skipped, saying why, only when Java or pyspark is missing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from xinyong.scale import export_events
from xinyong.scoring.engines import ScoringEngine
from xinyong.scoring.engines.duckdb import DuckDBEngine
from xinyong.simulate import generate_population
from xinyong.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

AS_OF = date(2026, 11, 1)  # the simulated populations' as-of


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: runs on a local[2] Spark session (needs pyspark and Java 17+)")


@dataclass(frozen=True)
class Exported:
    """A store, an export of it, and what the export must leave out."""

    store: Store
    directory: Path
    voided_seqs: frozenset[int]
    unenrolled: frozenset[int]


def void_events(store: Store, population_events: pa.Table, every: int, tmp: Path) -> None:
    """Void every ``every``-th late bill through the ingest path, as a furnisher would."""
    late = population_events.filter(pc.equal(population_events["event_type"], "bill.paid_late"))
    chosen = late.take(list(range(0, late.num_rows, every)))
    by_furnisher: dict[str, list[dict[str, str]]] = {}
    for r in chosen.to_pylist():
        by_furnisher.setdefault(r["furnisher"], []).append({
            "event_id": f"void-{r['event_id']}", "subject_kind": r["subject_kind"],
            "subject_id": r["subject_id"], "event_type": "correction.void",
            "occurred_at": "2026-10-01", "amount": "",
            "attributes": json.dumps({"target_event_id": r["event_id"]}),
        })
    from xinyong.ingest import ingest_file

    for furnisher, rows in by_furnisher.items():
        path = tmp / f"void-{furnisher}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        summary = ingest_file(store, path, furnisher=furnisher)
        assert summary.corrections == len(rows), summary


def build_export(tmp: Path, persons: int, orgs: int, seed: int) -> Exported:
    """A simulated population in a store, some events voided and some subjects unenrolled,
    exported with ``export_events``."""
    population = generate_population(persons, orgs, seed=seed, as_of=AS_OF)
    store = Store.init(tmp / "home")
    store.append_events(population.events)
    void_events(store, population.events, every=7, tmp=tmp)
    unenrolled = frozenset(range(5, persons + orgs, 400))
    for key in unenrolled:
        store.set_enrolled(key, False)
    voided = frozenset(int(r[0]) for r in store.query(
        "SELECT target_event_seq FROM event_corrections"))
    assert voided and unenrolled
    export_events(store, tmp / "export", buckets=16)
    return Exported(store, tmp / "export", voided, unenrolled)


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """A few hundred subjects: for tests that run on every engine."""
    exported = build_export(tmp_path_factory.mktemp("small"), 260, 40, seed=3)
    yield exported
    exported.store.close()


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -e '.[dev]' or '.[spark]')"
    from xinyong.scoring.engines.spark import java_version

    if java_version() is None:
        return "no Java runtime: `java -version` fails (CI installs default-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark_session() -> Iterator[SparkSession]:
    """One local[2] Spark session for the whole run."""
    missing = _spark_missing()
    if missing:
        pytest.skip(missing)
    from xinyong.scoring.engines.spark import spark_session as start

    session = start("local[2]")
    yield session
    session.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Marked here rather than with pytest.param(marks=...): that runs at import, before
    # pytest_configure above has registered the mark.
    here = Path(__file__).parent
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "spark" and (
            item.path.is_relative_to(here)
        ):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(params=["duckdb", "spark"])
def engine(request: pytest.FixtureRequest) -> Iterator[ScoringEngine]:
    """Each engine in turn (tests on Spark get the ``spark`` mark); Spark's shares the run's
    session."""
    scorer: ScoringEngine
    if request.param == "spark":
        from xinyong.scoring.engines.spark import SparkEngine

        scorer = SparkEngine(request.getfixturevalue("spark_session"))
    else:
        scorer = DuckDBEngine()
    yield scorer
    scorer.close()
