"""Benchmark trust propagation: the embedded kernel against bare scipy and networkx.

The relationships factor propagates trust with a sparse power iteration
(``xinyong.scoring.network.propagate_scipy``). This script measures it against what one would
write by hand:

1. it generates a tie graph with power-law degrees (Chung–Lu: both ends of an edge drawn with
   probability ∝ rank^-0.6, so degrees follow a power law with exponent ≈ 2.7; node ids shuffled;
   log-normal weights; 10 % of the nodes pre-trusted), once, into ``bench/.data/`` as a DuckDB
   file holding the ``ties`` table and the ``links`` and ``pretrust`` tables the product derives
   from it (``links`` ordered by ``dst``, as the product writes it);
2. it times three implementations of the same iteration in one process, each the best of
   ``--repeat`` runs (default 3):

   ``embedded``  the product path, hand-over included: open the DuckDB file, stream ``links``
                 to Arrow, build the CSR of ``Cᵀ``, iterate to the tolerance;
   ``bare``      a bare scipy.sparse CSR power iteration on arrays already in memory (the CSR
                 built before the clock starts), for the same number of iterations;
   ``networkx``  ``networkx.pagerank`` (personalised, dangling mass to the pre-trusted) on the
                 subgraph induced by the 100k best-connected nodes, for the same number of
                 iterations (``tol=0``, so it runs them all), its own conversion included;

3. it checks that embedded and bare give the same vector (1e-12) and that networkx, run to
   convergence, matches the product kernel on its subgraph (1e-9), and exits with status 1 if not;
4. it prints edges × iterations per second and the ratios against their targets.

The bench uses ``slack = 0`` (textbook EigenTrust rows, which networkx can express); slack
changes no per-iteration cost. Generating and building the file are not timed.

    .venv/bin/python bench/propagate.py --nodes 200_000 --edges 2_000_000   # quick
    .venv/bin/python bench/propagate.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp  # type: ignore[import-untyped]

from xinyong.scoring.network import NetworkParams, propagate_scipy
from xinyong.scoring.network._graph import links_sql

FloatArray = npt.NDArray[np.float64]
Int32Array = npt.NDArray[np.int32]

DATA_DIR = Path(__file__).resolve().parent / ".data"
GENERATOR_VERSION = 1  # bump when the generator changes, so that cached files are not reused
DEGREE_EXPONENT = 0.6  # endpoint probability ∝ rank^-0.6: degree law P(d) ∝ d^-(1 + 1/0.6)
PRETRUSTED_SHARE = 0.10
BUSY_LOAD = 0.5
TARGETS = {"embedded_vs_bare_rate": 0.7, "embedded_vs_networkx_rate": 1.0}


def stage(message: str) -> None:
    print(f"[propagate {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the graph -----------------------------------------------------------------------------------
def generate(nodes: int, edges: int, seed: int) -> tuple[Int32Array, Int32Array, FloatArray, Int32Array]:
    """``(src, dst, weight, pretrusted)``; node ids 1..nodes (0 is the product's outside node)."""
    rng = np.random.default_rng(seed)
    weights = np.arange(1, nodes + 1, dtype=np.float64) ** -DEGREE_EXPONENT
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    ids = (rng.permutation(nodes) + 1).astype(np.int32)
    src = ids[np.minimum(np.searchsorted(cdf, rng.random(edges)), nodes - 1)]
    dst = ids[np.minimum(np.searchsorted(cdf, rng.random(edges)), nodes - 1)]
    keep = src != dst
    weight = rng.lognormal(0.0, 1.0, int(keep.sum()))
    pretrusted = np.sort(rng.choice(nodes, int(nodes * PRETRUSTED_SHARE), replace=False) + 1)
    return src[keep], dst[keep], weight, pretrusted.astype(np.int32)


def build_file(path: Path, nodes: int, edges: int, seed: int) -> None:
    src, dst, weight, pretrusted = generate(nodes, edges, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial))
    con.execute("SET enable_progress_bar = false")
    try:
        con.register("incoming", pa.table({"src": src, "dst": dst, "weight": weight}))
        con.execute("CREATE TABLE ties AS SELECT src, dst, 'relationship.counterparty_of' AS "
                    "tie_type, DATE '2025-01-01' AS since, weight FROM incoming")
        con.unregister("incoming")
        con.execute(f"CREATE TABLE links AS {links_sql('ties')}")
        con.register("chosen", pa.table({"node": pretrusted}))
        con.execute("CREATE TABLE pretrust AS SELECT node FROM chosen ORDER BY node")
        con.unregister("chosen")
    finally:
        con.close()
    partial.rename(path)


def read_links(path: Path) -> tuple[Int32Array, Int32Array, FloatArray, Int32Array]:
    """The stored links as in-memory arrays for the references (not timed)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        links = con.sql("SELECT dst, src, weight FROM links").fetchnumpy()
        pre = con.sql("SELECT node FROM pretrust").fetchnumpy()
    finally:
        con.close()
    return (np.asarray(links["dst"], np.int32), np.asarray(links["src"], np.int32),
            np.asarray(links["weight"], np.float64), np.asarray(pre["node"], np.int32))


# -- the references ------------------------------------------------------------------------------
def bare_setup(dst: Int32Array, src: Int32Array, weight: FloatArray, pre: Int32Array,
               n: int) -> tuple[Any, FloatArray, FloatArray]:
    """Textbook PageRank pieces: CSR of Cᵀ, the dangling indicator, personalisation."""
    out = np.bincount(src, weights=weight, minlength=n)
    share = weight / out[src]
    matrix = sp.csr_array((share, (dst, src)), shape=(n, n))
    dangling = (out == 0).astype(np.float64)
    p = np.zeros(n)
    p[pre] = 1.0 / pre.size
    return matrix, dangling, p


def bare_iterate(matrix: Any, dangling: FloatArray, p: FloatArray, alpha: float,
                 iterations: int) -> FloatArray:
    t = p.copy()
    for _ in range(iterations):
        t = (1 - alpha) * (matrix @ t) + (alpha + (1 - alpha) * float(dangling @ t)) * p
    return t


def core_subgraph(dst: Int32Array, src: Int32Array, weight: FloatArray, pre: Int32Array,
                  size: int) -> tuple[Int32Array, Int32Array, FloatArray, Int32Array]:
    """The subgraph induced by the ``size`` nodes of highest degree, relabelled 1..size."""
    n = 1 + int(max(dst.max(), src.max()))
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    chosen = np.argsort(-degree, kind="stable")[:size]
    label = np.zeros(n, np.int32)
    label[chosen] = np.arange(1, chosen.size + 1, dtype=np.int32)
    inside = (label[src] > 0) & (label[dst] > 0)
    sub_pre = label[pre]
    return label[dst[inside]], label[src[inside]], weight[inside], np.sort(sub_pre[sub_pre > 0])


def networkx_graph(dst: Int32Array, src: Int32Array, weight: FloatArray, pre: Int32Array) -> Any:
    import networkx as nx  # type: ignore[import-untyped]

    graph = nx.DiGraph()
    graph.add_nodes_from(range(1, 1 + int(max(dst.max(), src.max(), pre.max()))))
    graph.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weight.tolist(), strict=True))
    return graph


def networkx_pagerank(graph: Any, pre: Int32Array, alpha: float,
                      iterations: int | None) -> tuple[dict[int, float], float]:
    """networkx's personalised PageRank; ``iterations`` runs exactly that many (``tol=0``)."""
    import networkx as nx

    personal = dict.fromkeys(pre.tolist(), 1.0)
    exact = iterations is None
    started = time.perf_counter()
    try:
        ranks: dict[int, float] = nx.pagerank(
            graph, alpha=1 - alpha, personalization=personal, dangling=personal,
            tol=1e-15 if exact else 0.0, max_iter=10_000 if exact else iterations)
    except nx.PowerIterationFailedConvergence:
        ranks = {}
    return ranks, time.perf_counter() - started


def product_on(dst: Int32Array, src: Int32Array, weight: FloatArray, pre: Int32Array,
               params: NetworkParams) -> dict[int, float]:
    con = duckdb.connect()
    try:
        con.register("l", pa.table({"dst": dst, "src": src, "weight": weight}))
        con.register("p", pa.table({"node": pre}))
        trust = propagate_scipy(con, "l", "p", params).trust
    finally:
        con.close()
    return dict(zip(trust["node"].to_pylist(), trust["trust"].to_pylist(), strict=True))


# -- the run ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = f"propagate-{args.nodes}n-{args.edges}e-seed{args.seed}-g{GENERATOR_VERSION}.duckdb"
    path = args.data_dir / name
    if not path.exists():
        stage(f"generating {args.nodes:,} nodes, {args.edges:,} edges into {path}")
        build_file(path, args.nodes, args.edges, args.seed)
    params = NetworkParams(slack=0.0, alpha=args.alpha, tolerance=args.tolerance,
                           max_iterations=args.max_iterations)
    busiest = os.getloadavg()[0]

    stage(f"embedded: DuckDB file → Arrow → CSR → iterate, best of {args.repeat}")
    embedded_seconds = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        con = duckdb.connect(str(path), read_only=True)
        con.execute("SET enable_progress_bar = false")
        try:
            result = propagate_scipy(con, "links", "pretrust", params)
        finally:
            con.close()
        embedded_seconds = min(embedded_seconds, time.perf_counter() - started)
    iterations = result.iterations

    dst, src, weight, pre = read_links(path)
    n_links = int(dst.size)
    n = 1 + int(max(dst.max(), src.max(), pre.max()))
    matrix, dangling, p = bare_setup(dst, src, weight, pre, n)
    busiest = max(busiest, os.getloadavg()[0])
    stage(f"bare scipy: {iterations} iterations on the CSR in memory, best of {args.repeat}")
    bare_seconds = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        bare = bare_iterate(matrix, dangling, p, params.alpha, iterations)
        bare_seconds = min(bare_seconds, time.perf_counter() - started)
    del matrix

    checks: list[str] = []
    embedded = np.zeros(n)
    embedded[np.asarray(result.trust["node"].to_numpy(), np.int64)] = result.trust["trust"].to_numpy()
    gap = float(np.abs(embedded - bare).max())
    failed = gap > 1e-12
    checks.append(f"cross-check: embedded and bare scipy differ by at most {gap:.1e} (limit 1e-12)")

    sub = core_subgraph(dst, src, weight, pre, min(args.subgraph, args.nodes))
    sub_links = int(sub[0].size)
    busiest = max(busiest, os.getloadavg()[0])
    stage(f"networkx: pagerank on a {args.subgraph:,}-node subgraph ({sub_links:,} links), "
          f"{iterations} iterations")
    graph = networkx_graph(*sub)
    networkx_seconds = float("inf")
    for _ in range(args.repeat):
        _, seconds = networkx_pagerank(graph, sub[3], params.alpha, iterations)
        networkx_seconds = min(networkx_seconds, seconds)
    reference, _ = networkx_pagerank(graph, sub[3], params.alpha, None)
    del graph
    ours = product_on(*sub, NetworkParams(slack=0.0, alpha=params.alpha, tolerance=1e-14,
                                          max_iterations=10_000))
    nx_gap = max(abs(reference.get(k, 0.0) - ours.get(k, 0.0)) for k in set(reference) | set(ours))
    failed = failed or nx_gap > 1e-9
    checks.append(f"cross-check: networkx and the product kernel (both converged) differ by at "
                  f"most {nx_gap:.1e} on the subgraph (limit 1e-9)")
    if busiest > BUSY_LOAD:
        checks.append(f"warning: the 1-minute load average reached {busiest:.1f} before a run; "
                      "other processes were competing for the cores, so timings are unreliable")

    rate = {
        "embedded": n_links * iterations / embedded_seconds,
        "bare": n_links * iterations / bare_seconds,
        "networkx": sub_links * iterations / networkx_seconds,
    }
    cores = os.cpu_count()
    rows: list[dict[str, Any]] = []
    for name, value, unit in (("iterations", iterations, "iterations"),
                              ("links", n_links, "edges"),
                              ("embedded_seconds", embedded_seconds, "s"),
                              ("bare_seconds", bare_seconds, "s"),
                              ("networkx_seconds", networkx_seconds, "s"),
                              *((f"{k}_rate", v, "edge-iterations/s") for k, v in rate.items())):
        rows.append({"name": name, "value": value, "unit": unit, "reference": None,
                     "reference_value": None, "ratio": None, "target": None, "cores": cores})
    for figure, reference_name in (("embedded_vs_bare_rate", "bare"),
                                   ("embedded_vs_networkx_rate", "networkx")):
        rows.append({"name": figure, "value": rate["embedded"], "unit": "edge-iterations/s",
                     "reference": reference_name, "reference_value": rate[reference_name],
                     "ratio": rate["embedded"] / rate[reference_name],
                     "target": f">= {TARGETS[figure]:g}", "cores": cores})

    if args.json:
        for row in rows:
            print(json.dumps(row))
        for line in checks:
            print(line, file=sys.stderr)
    else:
        print(f"trust propagation, {args.nodes:,} nodes, {n_links:,} links (power-law degrees), "
              f"{result.pretrusted:,} pre-trusted, alpha {params.alpha}, {iterations} iterations "
              f"(tolerance {params.tolerance:g}, converged: {result.converged}), "
              f"best of {args.repeat}")
        print(f"{'implementation':<14}{'seconds':>10}{'edge-iterations/s':>20}  what")
        what = {"embedded": "DuckDB file → Arrow → CSR → iterate (product path)",
                "bare": "scipy.sparse CSR power iteration, arrays in memory",
                "networkx": f"networkx.pagerank, {args.subgraph:,}-node subgraph, {sub_links:,} links"}
        timings = {"embedded": embedded_seconds, "bare": bare_seconds, "networkx": networkx_seconds}
        for name in rate:
            print(f"{name:<14}{timings[name]:>10.2f}{rate[name]:>20,.0f}  {what[name]}")
        for row in rows:
            if row["ratio"] is not None:
                met = row["ratio"] >= TARGETS[row["name"]]
                print(f"{'embedded rate / ' + row['reference'] + ' rate':<34}{row['ratio']:>8.2f}"
                      f"   target {row['target']:<6}  {'met' if met else 'MISSED'}")
        print(f"cores {cores}")
        for line in checks:
            print(line)
    if failed:
        print("the implementations disagree: these timings compare different computations",
              file=sys.stderr)
        return 1
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time trust propagation three ways (the product's embedded kernel with its "
        "hand-over from DuckDB, bare scipy on arrays in memory, networkx on a subgraph), check "
        "they agree, and print edges × iterations per second and the ratios against targets.",
    )
    parser.add_argument("--nodes", type=int, default=2_000_000,
                        help="nodes of the generated graph (default 2_000_000)")
    parser.add_argument("--edges", type=int, default=20_000_000,
                        help="edges drawn (default 20_000_000; self-loops are dropped, repeated "
                        "pairs merged)")
    parser.add_argument("--subgraph", type=int, default=100_000,
                        help="nodes of the subgraph networkx runs on (default 100_000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="time each implementation this many times and keep the best "
                        "(default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--alpha", type=float, default=0.15)
    parser.add_argument("--tolerance", type=float, default=1e-10)
    parser.add_argument("--max-iterations", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per figure (name, value, unit, reference, "
                        "reference_value, ratio, target, cores) instead of the table")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
