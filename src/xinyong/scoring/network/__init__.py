"""The relationships factor: bounded trust propagation over declared ties.

Ties come only from the four declared relationship event types (guarantor, co-borrower, legal
representative, business counterparty), never from any other source (red line 2). Trust starts
at subjects whose own standing is verified and propagates along ties as a personalised PageRank
(EigenTrust); it becomes the factor's 0–100 sub-score, so its effect on a score is capped by the
factor's weight, and a subject without ties keeps the neutral value. Every point is explained
tie by tie.

How the parts relate:

``_params``   :class:`NetworkParams`, every knob and its default
``_graph``    the tie table and the subjects' standing at an as-of, read from the event log
``_scipy``    the embedded kernel: Arrow hand-over to a CSR matrix, power iteration
``_sql``      the same iteration as SQL for DuckDB and (via SQLGlot) Spark, behind a runner seam
``_factor``   trust → sub-score and per-tie contributions; :func:`relationship_factor`
``_explain``  sentences for contributions

The two kernels are tested against each other; the store writes the result with
``xinyong.store._network.replace_relationship_scores``.
"""

from xinyong.scoring.network._explain import describe
from xinyong.scoring.network._factor import (
    FACTOR_SCHEMA,
    factor_from_ties,
    factor_scale,
    relationship_factor,
)
from xinyong.scoring.network._graph import GraphTables
from xinyong.scoring.network._params import TIE_TYPES, NetworkParams, NetworkParamsError
from xinyong.scoring.network._scipy import Propagation, propagate_scipy
from xinyong.scoring.network._sql import DuckDBRunner, SqlRunner, propagate_sql

__all__ = [
    "FACTOR_SCHEMA",
    "TIE_TYPES",
    "DuckDBRunner",
    "GraphTables",
    "NetworkParams",
    "NetworkParamsError",
    "Propagation",
    "SqlRunner",
    "describe",
    "factor_from_ties",
    "factor_scale",
    "propagate_scipy",
    "propagate_sql",
    "relationship_factor",
]
