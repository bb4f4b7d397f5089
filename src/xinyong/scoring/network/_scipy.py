"""The embedded propagation kernel: scipy.sparse power iteration over the store's tie table.

The hand-over is columnar end to end: DuckDB streams ``links`` (kept ordered by ``dst``) to Arrow,
each Arrow column is copied once, chunk by chunk, into the CSR's own arrays, and counting ``dst``
gives the row pointers of ``Cᵀ`` (no sort, no Python loop over rows). Each iteration is one
sparse matrix–vector product plus a few vector operations:

    t ← (1 − α)·Cᵀ·t + λ·p,   λ = α + (1 − α)·Σᵢ uᵢ·tᵢ

where ``C`` is row-normalised with the slack (``cᵢⱼ = wᵢⱼ / (slack + Σⱼ wᵢⱼ)``, applied as
``Wᵀ·(t / d)`` so that the hand-over never touches an edge twice) and ``uᵢ`` is the
share of a subject's trust it does not pass along a tie (1 for a subject without ties): that mass
goes back to ``p``, so ``t`` stays a probability vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp  # type: ignore[import-untyped]

from xinyong.scoring.network._params import NetworkParams

FloatArray = npt.NDArray[np.float64]

TRUST_SCHEMA = pa.schema([("node", pa.int32()), ("trust", pa.float64())])


@dataclass(frozen=True)
class Propagation:
    """The outcome of a power iteration.

    ``trust`` holds ``(node, trust)`` for every node with trust above zero (it sums to 1);
    ``teleport`` is ``λ`` of the last iteration and ``unit = λ / pretrusted`` the trust that
    one pre-trusted subject gets by being pre-trusted, the unit the sub-score is measured in.
    """

    trust: pa.Table
    iterations: int
    delta: float
    converged: bool
    teleport: float
    pretrusted: int

    @property
    def unit(self) -> float:
        return self.teleport / self.pretrusted if self.pretrusted else 1.0

    @classmethod
    def empty(cls) -> Propagation:
        return cls(TRUST_SCHEMA.empty_table(), 0, 0.0, True, 1.0, 0)


@dataclass(frozen=True)
class Transition:
    """``Cᵀ = Wᵀ·diag(1 / d)``: the raw weights ``Wᵀ`` as CSR (row = receiving node) and the
    row denominators' inverses ``1 / d`` (``d = slack + Σⱼ wᵢⱼ``), so that ``Cᵀ·t = Wᵀ·(t / d)``
    costs one vector product more per iteration instead of normalising every edge at hand-over;
    the undistributed share ``u`` and pre-trust ``p``."""

    matrix: sp.csr_array
    inverse_denominator: FloatArray
    undistributed: FloatArray
    pretrust: FloatArray
    pretrusted: int


def _fill(column: pa.ChunkedArray, out: npt.NDArray[Any]) -> None:
    """Copy an Arrow column into ``out`` chunk by chunk: one copy, straight into the CSR array."""
    offset = 0
    for chunk in column.chunks:
        values = chunk.to_numpy(zero_copy_only=False)
        out[offset:offset + values.size] = values
        offset += values.size


def _receivers(dst: pa.ChunkedArray, n: int) -> npt.NDArray[np.int64] | None:
    """Edges per receiving node when ``dst`` is ordered (as the store writes links), else None."""
    counts = np.zeros(n, np.int64)
    last = -1
    for chunk in dst.chunks:
        values = chunk.to_numpy(zero_copy_only=False)
        if values.size == 0:
            continue
        if values[0] < last or bool(np.any(values[1:] < values[:-1])):
            return None
        first, last = int(values[0]), int(values[-1])
        counts[first:last + 1] += np.bincount(values - first)
    return counts


def transition(edges: pa.Table, pretrusted: npt.NDArray[np.int32], slack: float) -> Transition:
    """Assemble ``Cᵀ`` from a ``(dst, src, weight)`` Arrow table without a sort or a Python loop
    over rows: counting ``dst`` gives the row pointers, ``src`` and ``weight`` are copied once into
    the CSR's own arrays."""
    m = edges.num_rows
    top = [int(pretrusted.max())] if pretrusted.size else [0]
    top += [int(v.as_py()) for v in (pc.max(edges["dst"]), pc.max(edges["src"])) if v.is_valid]
    n = 1 + max(top)
    # 32-bit indices whenever they fit: scipy then keeps our arrays and its product runs faster.
    index = np.int32 if max(m, n) < np.iinfo(np.int32).max else np.int64
    src = np.empty(m, index)
    _fill(edges["src"], src)
    weight = np.empty(m, np.float64)
    _fill(edges["weight"], weight)
    out_weight = np.bincount(src, weights=weight, minlength=n)
    passing = out_weight > 0
    denominator = slack + out_weight[passing]
    inverse = np.zeros(n)
    inverse[passing] = 1.0 / denominator
    undistributed = np.ones(n)
    undistributed[passing] = slack / denominator
    counts = _receivers(edges["dst"], n)
    if counts is not None:
        indptr = np.zeros(n + 1, index)
        np.cumsum(counts, out=indptr[1:])
        matrix = sp.csr_array((weight, src, indptr), shape=(n, n))
    else:
        dst = np.empty(m, index)
        _fill(edges["dst"], dst)
        matrix = sp.csr_array((weight, (dst, src)), shape=(n, n))
    p = np.zeros(n)
    p[pretrusted] = 1.0 / pretrusted.size
    return Transition(matrix, inverse, undistributed, p, int(pretrusted.size))


def power_iteration(
    step: Transition, params: NetworkParams
) -> tuple[FloatArray, int, float, float]:
    """Iterate from ``p`` to the tolerance; ``(t, iterations, last L1 change, last λ)``."""
    alpha = params.alpha
    keep = 1.0 - alpha
    t = step.pretrust.copy()
    delta = float("inf")
    teleport = 1.0
    iterations = 0
    scratch = np.empty_like(t)
    while iterations < params.max_iterations:
        iterations += 1
        teleport = alpha + keep * float(step.undistributed @ t)
        np.multiply(t, step.inverse_denominator, out=scratch)
        following = step.matrix @ scratch
        following *= keep
        np.multiply(step.pretrust, teleport, out=scratch)
        following += scratch
        np.subtract(following, t, out=scratch)
        delta = float(np.abs(scratch, out=scratch).sum())
        t = following
        if delta <= params.tolerance:
            break
    return t, iterations, delta, teleport


def propagate_scipy(
    con: duckdb.DuckDBPyConnection, links: str, pretrust: str, params: NetworkParams
) -> Propagation:
    """Propagate trust over ``links(dst, src, weight)`` from the nodes in ``pretrust(node)``."""
    pre = con.sql(f"SELECT node FROM {pretrust}").to_arrow_table()
    if pre.num_rows == 0:
        return Propagation.empty()
    edges = con.sql(f"SELECT dst, src, weight FROM {links}").to_arrow_table()
    step = transition(edges, np.asarray(pre["node"].to_numpy(), dtype=np.int32), params.slack)
    del edges  # the CSR holds its own copy; free the Arrow one before iterating
    t, iterations, delta, teleport = power_iteration(step, params)
    holding = np.flatnonzero(t > 0)
    trust = pa.table(
        {"node": pa.array(holding.astype(np.int32)), "trust": pa.array(t[holding])},
        schema=TRUST_SCHEMA,
    )
    return Propagation(trust, iterations, delta, delta <= params.tolerance, teleport, step.pretrusted)
