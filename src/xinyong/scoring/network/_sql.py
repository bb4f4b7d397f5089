"""The distributed propagation kernel: the same power iteration as iterated SQL.

Every statement is a plain ``SELECT`` (joins, ``GROUP BY``, ``SUM``) written in DuckDB's dialect
and printed by SQLGlot in the runner's dialect, so that the same text runs on DuckDB in the
tests and on Spark SQL at national scale. Per iteration::

    inflow(dst)  = Σ share(src → dst) · t(src)              -- join links × trust, group by dst
    t'(node)     = (1 − α) · inflow(node) + λ · p(node)     -- λ computed from the last iterate
    delta, mass  = Σ |t' − t|, Σ u · t'                     -- one scalar query

A :class:`SqlRunner` is the seam to an engine: it materialises a ``SELECT`` under a name, reads
scalars and an Arrow result. :class:`DuckDBRunner` is the embedded one. A Spark runner would
materialise with ``spark.sql(select)`` and ``createOrReplaceTempView(name)``, and its
``checkpoint`` hook would cut the lineage every few iterations (``df.localCheckpoint()``), which
otherwise grows by one join per iteration until planning dominates.
"""

from __future__ import annotations

from typing import Protocol

import duckdb
import pyarrow as pa
import sqlglot

from xinyong.scoring.compile import num
from xinyong.scoring.network._params import NetworkParams
from xinyong.scoring.network._scipy import TRUST_SCHEMA, Propagation


class SqlRunner(Protocol):
    """What the SQL kernel needs from an engine."""

    dialect: str

    def materialise(self, name: str, select: str) -> None: ...

    def scalars(self, select: str) -> tuple[float | None, ...]: ...

    def arrow(self, select: str) -> pa.Table: ...

    def drop(self, name: str) -> None: ...

    def checkpoint(self, name: str, iteration: int) -> None: ...


class DuckDBRunner:
    """Runs the kernel's statements on a DuckDB connection (as temporary tables)."""

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def materialise(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")

    def scalars(self, select: str) -> tuple[float | None, ...]:
        rows = self.con.execute(select).fetchall()
        return tuple(None if v is None else float(v) for v in rows[0])

    def arrow(self, select: str) -> pa.Table:
        return self.con.sql(select).to_arrow_table()

    def drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def checkpoint(self, name: str, iteration: int) -> None:
        """DuckDB materialises every table: there is no lineage to cut."""
        del name, iteration


def translate(sql: str, dialect: str) -> str:
    """``sql`` (DuckDB dialect) in ``dialect``; SQLGlot also checks that it parses."""
    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


def out_weight_sql(links: str) -> str:
    return f"SELECT src, SUM(weight) AS total FROM {links} GROUP BY src"


def shares_sql(links: str, out_weight: str, params: NetworkParams) -> str:
    return (
        f"SELECT l.dst, l.src, l.weight / ({num(params.slack)} + o.total) AS share "
        f"FROM {links} AS l JOIN {out_weight} AS o ON o.src = l.src"
    )


def start_sql(links: str, pretrust: str, out_weight: str, pretrusted: int, params: NetworkParams) -> str:
    """Every node that can hold trust, with ``p``, ``u`` and ``t₀ = p``."""
    slack = num(params.slack)
    return f"""
WITH nodes AS (
  SELECT src AS node FROM {links} UNION SELECT dst AS node FROM {links}
  UNION SELECT node FROM {pretrust}
),
attributes AS (
  SELECT n.node,
    CASE WHEN pt.node IS NULL THEN {num(0)} ELSE {num(1.0 / pretrusted)} END AS p,
    CASE WHEN o.total IS NULL THEN {num(1)} ELSE {slack} / ({slack} + o.total) END AS undistributed
  FROM nodes AS n
  LEFT JOIN {pretrust} AS pt ON pt.node = n.node
  LEFT JOIN {out_weight} AS o ON o.src = n.node
)
SELECT node, p, undistributed, p AS t FROM attributes"""


def iteration_sql(shares: str, previous: str, teleport: float, params: NetworkParams) -> str:
    """One step ``t' = (1 − α)·Cᵀ·t + λ·p`` over the nodes of ``previous``."""
    return f"""
WITH inflow AS (
  SELECT s.dst AS node, SUM(s.share * t.t) AS inflow
  FROM {shares} AS s JOIN {previous} AS t ON t.node = s.src
  GROUP BY s.dst
)
SELECT n.node, n.p, n.undistributed,
  {num(1.0 - params.alpha)} * COALESCE(i.inflow, {num(0)}) + {num(teleport)} * n.p AS t
FROM {previous} AS n LEFT JOIN inflow AS i ON i.node = n.node"""


def progress_sql(current: str, previous: str) -> str:
    """The L1 change of the last step and the mass the new iterate does not pass on."""
    return (
        f"SELECT SUM(ABS(c.t - p.t)) AS delta, SUM(c.t * c.undistributed) AS kept "
        f"FROM {current} AS c JOIN {previous} AS p ON p.node = c.node"
    )


def propagate_sql(
    runner: SqlRunner,
    links: str,
    pretrust: str,
    params: NetworkParams,
    *,
    prefix: str = "_net_sql",
    checkpoint_every: int = 10,
) -> Propagation:
    """Propagate trust as iterated SQL; the same answer as :func:`propagate_scipy`."""

    def run(name: str, select: str) -> None:
        runner.materialise(name, translate(select, runner.dialect))

    (count,) = runner.scalars(translate(f"SELECT COUNT(*) FROM {pretrust}", runner.dialect))
    pretrusted = int(count or 0)
    if pretrusted == 0:
        return Propagation.empty()
    out_weight, shares = f"{prefix}_out", f"{prefix}_shares"
    names = [out_weight, shares]
    try:
        run(out_weight, out_weight_sql(links))
        run(shares, shares_sql(links, out_weight, params))
        previous = f"{prefix}_t0"
        names.append(previous)
        run(previous, start_sql(links, pretrust, out_weight, pretrusted, params))
        (kept,) = runner.scalars(
            translate(f"SELECT SUM(t * undistributed) FROM {previous}", runner.dialect)
        )
        delta, teleport, iterations = float("inf"), 1.0, 0
        for iterations in range(1, params.max_iterations + 1):
            teleport = params.alpha + (1.0 - params.alpha) * float(kept or 0.0)
            current = f"{prefix}_t{iterations}"
            names.append(current)
            run(current, iteration_sql(shares, previous, teleport, params))
            if iterations % checkpoint_every == 0:
                runner.checkpoint(current, iterations)
            change, kept = runner.scalars(translate(progress_sql(current, previous), runner.dialect))
            delta = float(change or 0.0)
            runner.drop(previous)
            names.remove(previous)
            previous = current
            if delta <= params.tolerance:
                break
        trust = runner.arrow(translate(
            f"SELECT CAST(node AS INT) AS node, t AS trust FROM {previous} WHERE t > 0 ORDER BY node",
            runner.dialect,
        ))
    finally:
        for name in names:
            runner.drop(name)
    return Propagation(
        trust.cast(TRUST_SCHEMA), iterations, delta, delta <= params.tolerance, teleport, pretrusted
    )
