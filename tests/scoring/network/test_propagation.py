"""The two propagation kernels converge to the personalised PageRank and agree with each other."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pytest
import sqlglot

from xinyong.scoring.network import DuckDBRunner, NetworkParams, propagate_scipy, propagate_sql
from xinyong.scoring.network._sql import (
    iteration_sql,
    out_weight_sql,
    progress_sql,
    shares_sql,
    start_sql,
)

from .builders import random_links

GRAPHS = [(seed, nodes, edges) for seed, nodes, edges in ((1, 30, 60), (2, 200, 900), (3, 500, 400))]


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def put(con: duckdb.DuckDBPyConnection, seed: int, nodes: int, edges: int) -> None:
    links, pretrust = random_links(np.random.default_rng(seed), nodes, edges, max(3, nodes // 10))
    con.register("links_in", links)
    con.register("pretrust_in", pretrust)
    con.execute("CREATE TABLE links AS SELECT * FROM links_in")
    con.execute("CREATE TABLE pretrust AS SELECT * FROM pretrust_in")


def dense(trust: pa.Table) -> dict[int, float]:
    return dict(zip(trust["node"].to_pylist(), trust["trust"].to_pylist(), strict=True))


def exact_solution(con: duckdb.DuckDBPyConnection, slack: float, alpha: float) -> np.ndarray:
    """The fixed point by a dense linear solve: ``(I − (1−α)(Cᵀ + p·uᵀ))·t = α·p``."""
    dst, src, w = (np.array(c) for c in zip(*con.execute("SELECT dst, src, weight FROM links")
                                            .fetchall(), strict=True))
    pre = np.array([r[0] for r in con.execute("SELECT node FROM pretrust").fetchall()])
    n = 1 + max(dst.max(), src.max(), pre.max())
    out = np.bincount(src, weights=w, minlength=n)
    c = np.zeros((n, n))
    np.add.at(c, (src, dst), w / (slack + out[src]))
    u = np.where(out > 0, slack / np.where(out > 0, slack + out, 1.0), 1.0)
    p = np.zeros(n)
    p[pre] = 1.0 / pre.size
    system = np.eye(n) - (1 - alpha) * (c.T + np.outer(p, u))
    return np.linalg.solve(system, alpha * p)


@pytest.mark.parametrize(("seed", "nodes", "edges"), GRAPHS)
@pytest.mark.parametrize("slack", [0.0, 1.0])
def test_scipy_converges_to_the_fixed_point(
    con: duckdb.DuckDBPyConnection, seed: int, nodes: int, edges: int, slack: float
) -> None:
    put(con, seed, nodes, edges)
    params = NetworkParams(slack=slack, tolerance=1e-13, max_iterations=500)
    result = propagate_scipy(con, "links", "pretrust", params)

    assert result.converged and result.delta <= 1e-13
    assert result.iterations < params.max_iterations
    assert sum(result.trust["trust"].to_pylist()) == pytest.approx(1.0, abs=1e-12)
    expected = exact_solution(con, slack, params.alpha)
    got = np.zeros_like(expected)
    for node, value in dense(result.trust).items():
        got[node] = value
    assert np.abs(got - expected).max() < 1e-12


def test_stopping_at_max_iterations_is_reported(con: duckdb.DuckDBPyConnection) -> None:
    put(con, 2, 200, 900)
    params = NetworkParams(tolerance=1e-15, max_iterations=3)
    for result in (propagate_scipy(con, "links", "pretrust", params),
                   propagate_sql(DuckDBRunner(con), "links", "pretrust", params)):
        assert result.iterations == 3 and not result.converged


@pytest.mark.parametrize(("seed", "nodes", "edges"), GRAPHS)
@pytest.mark.parametrize(
    "params",
    [NetworkParams(), NetworkParams(slack=0.0, alpha=0.3), NetworkParams(tolerance=0, max_iterations=7)],
    ids=["defaults", "no-slack", "fixed-iterations"],
)
def test_scipy_and_sql_agree(
    con: duckdb.DuckDBPyConnection, seed: int, nodes: int, edges: int, params: NetworkParams
) -> None:
    put(con, seed, nodes, edges)
    embedded = propagate_scipy(con, "links", "pretrust", params)
    iterated = propagate_sql(DuckDBRunner(con), "links", "pretrust", params)

    assert iterated.iterations == embedded.iterations
    assert iterated.teleport == pytest.approx(embedded.teleport, abs=1e-12)
    a, b = dense(embedded.trust), dense(iterated.trust)
    assert set(a) == set(b)
    assert max(abs(a[k] - b[k]) for k in a) <= 1e-9
    # … and on the scale the sub-score reads, trust in units of one pre-trusted subject
    assert max(abs(a[k] / embedded.unit - b[k] / iterated.unit) for k in a) <= 1e-9


def test_an_unsorted_tie_table_gives_the_same_answer(con: duckdb.DuckDBPyConnection) -> None:
    put(con, 2, 200, 900)
    con.execute("CREATE TABLE shuffled AS SELECT * FROM links ORDER BY hash(src * 7919 + dst)")
    params = NetworkParams(tolerance=1e-13)
    a = dense(propagate_scipy(con, "links", "pretrust", params).trust)
    b = dense(propagate_scipy(con, "shuffled", "pretrust", params).trust)
    assert max(abs(a[k] - b[k]) for k in a) <= 1e-12


def test_no_pretrusted_subject_means_no_trust(con: duckdb.DuckDBPyConnection) -> None:
    put(con, 1, 30, 60)
    con.execute("DELETE FROM pretrust")
    for result in (propagate_scipy(con, "links", "pretrust", NetworkParams()),
                   propagate_sql(DuckDBRunner(con), "links", "pretrust", NetworkParams())):
        assert result.trust.num_rows == 0 and result.pretrusted == 0


class SparkRoundTrip(DuckDBRunner):
    """Runs each statement after a trip through Spark SQL: DuckDB → Spark → DuckDB."""

    dialect = "spark"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__(con)
        self.spark: list[str] = []
        self.checkpoints: list[int] = []

    def _back(self, sql: str) -> str:
        self.spark.append(sql)
        sqlglot.parse_one(sql, read="spark")  # it is Spark SQL that Spark's parser would take
        return sqlglot.transpile(sql, read="spark", write="duckdb")[0]

    def materialise(self, name: str, select: str) -> None:
        super().materialise(name, self._back(select))

    def scalars(self, select: str) -> tuple[float | None, ...]:
        return super().scalars(self._back(select))

    def arrow(self, select: str) -> pa.Table:
        return super().arrow(self._back(select))

    def checkpoint(self, name: str, iteration: int) -> None:
        self.checkpoints.append(iteration)  # where Spark would cut the lineage


def test_the_sql_kernel_survives_translation_to_spark(con: duckdb.DuckDBPyConnection) -> None:
    put(con, 1, 30, 60)
    params = NetworkParams()
    runner = SparkRoundTrip(con)
    result = propagate_sql(runner, "links", "pretrust", params)
    via_spark = dense(result.trust)
    local = dense(propagate_sql(DuckDBRunner(con), "links", "pretrust", params).trust)

    assert max(abs(via_spark[k] - local[k]) for k in local) <= 1e-12
    assert any("GROUP BY" in s for s in runner.spark)
    assert result.iterations >= 10
    assert runner.checkpoints == list(range(10, result.iterations + 1, 10))


def test_every_kernel_statement_is_plain_spark_sql() -> None:
    params = NetworkParams()
    statements = [
        out_weight_sql("links"),
        shares_sql("links", "o", params),
        start_sql("links", "pretrust", "o", 7, params),
        iteration_sql("shares", "t0", 0.5, params),
        progress_sql("t1", "t0"),
    ]
    for sql in statements:
        spark = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
        assert sqlglot.parse_one(spark, read="spark") is not None
        assert "STRUCT_PACK" not in spark and "::" not in spark
