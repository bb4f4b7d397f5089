"""From propagated trust to the relationships factor's sub-score, with every point explained.

For a subject ``i`` with ties (one SQL query over the tie table and the propagated trust):

* **lift**: the trust flowing in through ties declared towards ``i``,
  ``ρᵢ = Σⱼ (1 − α)·cⱼᵢ·tⱼ``, measured in units of one pre-trusted subject's teleport share
  (``x = ρᵢ / unit``, invariant to the population's size), becomes
  ``(100 − neutral)·x / (x + half_lift_trust)``: bounded, and zero without trusted vouchers.
  A tie's share of the lift is its share of ``ρᵢ``.
* **exposure**: the share of ``i``'s own declared tie weight that goes to counterparties with
  adverse events, ``Σⱼ cᵢⱼ·adverseⱼ``, times ``neutral · severity``. One hop only.

``sub_score = neutral + lift − exposure`` lies strictly inside (0, 100) without clamping, so
the contributions (in score points) sum exactly to the factor's effect against neutral, and the
effect on the score is capped by the factor's weight. A subject without ties has no row: it
keeps the neutral value.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import duckdb
import pyarrow as pa

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.compile import num
from xinyong.scoring.network._graph import (
    OUTSIDE,
    GraphTables,
    build_graph,
    derive_links,
    drop_graph,
)
from xinyong.scoring.network._params import NetworkParams
from xinyong.scoring.network._scipy import Propagation, propagate_scipy
from xinyong.scoring.network._sql import DuckDBRunner, propagate_sql
from xinyong.scoring.rulebook import Rulebook, load_rulebook
from xinyong.store import Store

Kernel = Literal["scipy", "sql"]
TRUST_VIEW = "_net_trust"

CONTRIBUTION_TYPE = pa.struct([
    ("counterparty_key", pa.int32()),
    ("tie_type", pa.string()),
    ("effect", pa.string()),
    ("points", pa.float64()),
    ("sub_points", pa.float64()),
    ("since", pa.date32()),
    ("adverse_event", pa.string()),
    ("adverse_at", pa.date32()),
])
FACTOR_SCHEMA = pa.schema([
    ("subject_key", pa.int32()),
    ("sub_score", pa.float64()),
    ("trust", pa.float64()),
    ("lift", pa.float64()),
    ("exposure", pa.float64()),
    ("points", pa.float64()),
    ("contributions", pa.list_(CONTRIBUTION_TYPE)),
])


def factor_scale(rulebook: Rulebook) -> tuple[float, float]:
    """The relationships factor's neutral value and its score points per sub-score point."""
    if rulebook.method != "weighted" or Factor.RELATIONSHIPS not in rulebook.spec.factors:
        raise XinyongError(
            "NO_RELATIONSHIPS_FACTOR",
            f"{rulebook.id} has no weighted relationships factor to fill; use a weighted rulebook "
            "with [factors.relationships]",
            field="model",
        )
    spec = rulebook.spec.factors[Factor.RELATIONSHIPS]
    span = rulebook.spec.scale.max - rulebook.spec.scale.min
    return spec.neutral, span * spec.weight / 100.0


def contributions_sql(
    tables: GraphTables,
    trust: str,
    propagation: Propagation,
    params: NetworkParams,
    neutral: float,
    points_per_sub: float,
) -> str:
    slack, upside = num(params.slack), num(100.0 - neutral)
    unit, half = num(propagation.unit), num(params.half_lift_trust)
    pps = num(points_per_sub)
    return f"""
WITH out_weight AS (SELECT src, SUM(weight) AS total FROM {tables.ties} GROUP BY src),
shares AS (
  SELECT t.src, t.dst, t.tie_type, t.since, t.weight / ({slack} + o.total) AS share
  FROM {tables.ties} AS t JOIN out_weight AS o ON o.src = t.src
),
inflow AS (
  SELECT s.dst AS subject_key, s.src AS counterparty_key, s.tie_type, s.since,
    {num(1.0 - params.alpha)} * s.share * tr.trust AS rho
  FROM shares AS s JOIN {trust} AS tr ON tr.node = s.src
  WHERE tr.trust > 0
),
received AS (SELECT subject_key, SUM(rho) AS rho FROM inflow GROUP BY subject_key),
lifted AS (
  SELECT subject_key, rho, rho / {unit} AS trust,
    {upside} * (rho / {unit}) / (rho / {unit} + {half}) AS lift
  FROM received
),
exposed AS (
  SELECT s.src AS subject_key, s.dst AS counterparty_key, s.tie_type, s.since,
    {num(neutral * params.severity)} * s.share * st.adverse AS penalty,
    st.adverse_event, st.adverse_at
  FROM shares AS s JOIN {tables.standing} AS st ON st.node = s.dst
  WHERE st.adverse > 0 AND {num(params.severity)} > 0
),
exposure AS (SELECT subject_key, SUM(penalty) AS exposure FROM exposed GROUP BY subject_key),
parts AS (
  SELECT i.subject_key, i.counterparty_key, i.tie_type, 'trust' AS effect,
    l.lift * (i.rho / l.rho) AS sub_points, i.since,
    CAST(NULL AS VARCHAR) AS adverse_event, CAST(NULL AS DATE) AS adverse_at
  FROM inflow AS i JOIN lifted AS l ON l.subject_key = i.subject_key
  UNION ALL
  SELECT subject_key, counterparty_key, tie_type, 'exposure' AS effect, -penalty AS sub_points,
    since, adverse_event, adverse_at
  FROM exposed
),
explained AS (
  SELECT subject_key,
    LIST(STRUCT_PACK(
      counterparty_key := CAST(counterparty_key AS INTEGER), tie_type := tie_type,
      effect := effect, points := sub_points * {pps}, sub_points := sub_points, since := since,
      adverse_event := adverse_event, adverse_at := adverse_at
    ) ORDER BY ABS(sub_points) DESC, counterparty_key, tie_type, effect) AS contributions
  FROM parts GROUP BY subject_key
),
subjects AS (
  SELECT src AS subject_key FROM {tables.ties} UNION SELECT dst FROM {tables.ties}
  EXCEPT SELECT {OUTSIDE}
)
SELECT CAST(s.subject_key AS INTEGER) AS subject_key,
  {num(neutral)} + COALESCE(l.lift, {num(0)}) - COALESCE(x.exposure, {num(0)}) AS sub_score,
  COALESCE(l.trust, {num(0)}) AS trust,
  COALESCE(l.lift, {num(0)}) AS lift,
  COALESCE(x.exposure, {num(0)}) AS exposure,
  (COALESCE(l.lift, {num(0)}) - COALESCE(x.exposure, {num(0)})) * {pps} AS points,
  COALESCE(e.contributions, []) AS contributions
FROM subjects AS s
LEFT JOIN lifted AS l ON l.subject_key = s.subject_key
LEFT JOIN exposure AS x ON x.subject_key = s.subject_key
LEFT JOIN explained AS e ON e.subject_key = s.subject_key
ORDER BY s.subject_key"""


def propagate(
    con: duckdb.DuckDBPyConnection, tables: GraphTables, params: NetworkParams, kernel: Kernel
) -> Propagation:
    if kernel == "scipy":
        return propagate_scipy(con, tables.links, tables.pretrust, params)
    if kernel == "sql":
        return propagate_sql(DuckDBRunner(con), tables.links, tables.pretrust, params)
    raise XinyongError("UNKNOWN_KERNEL", f"no kernel {kernel!r}; use 'scipy' or 'sql'",
                       field="kernel")


def factor_from_ties(
    con: duckdb.DuckDBPyConnection,
    tables: GraphTables,
    *,
    neutral: float,
    points_per_sub: float,
    params: NetworkParams | None = None,
    kernel: Kernel = "scipy",
) -> pa.Table:
    """The factor table from ``tables.ties`` and ``tables.standing`` already on ``con``.

    This is the store-free core of :func:`relationship_factor`: it derives the links and the
    pre-trust, propagates, and explains. Tests and what-if analyses feed it tables directly.
    """
    params = params or NetworkParams()
    derive_links(con, tables)
    propagation = propagate(con, tables, params, kernel)
    con.register(TRUST_VIEW, propagation.trust)
    try:
        sql = contributions_sql(tables, TRUST_VIEW, propagation, params, neutral, points_per_sub)
        result = con.sql(sql).to_arrow_table()
    finally:
        con.unregister(TRUST_VIEW)
    return result.cast(FACTOR_SCHEMA)


def relationship_factor(
    store: Store,
    as_of: date,
    *,
    rulebook: Rulebook | None = None,
    params: NetworkParams | None = None,
    kernel: Kernel = "scipy",
) -> pa.Table:
    """The relationships factor of every subject with a declared tie at ``as_of``.

    Returns ``subject_key, sub_score, trust, lift, exposure, points, contributions``, one row per
    subject that declared or received a tie; every other subject keeps the factor's neutral value.
    ``trust`` is the trust received through ties in units of one pre-trusted subject's own share;
    ``points`` is the factor's effect on the score against neutral, and ``contributions`` lists the
    ties that moved it (``effect`` ``trust``: the counterparty vouched for the subject; ``exposure``:
    the subject declared a tie to a counterparty with adverse events), each with its score points.

    >>> table = relationship_factor(store, date(2026, 6, 30))          # doctest: +SKIP
    """
    params = params or NetworkParams()
    neutral, points_per_sub = factor_scale(rulebook or load_rulebook("sesame-like"))
    tables = GraphTables()
    try:
        build_graph(store.con, as_of, params, tables)
        return factor_from_ties(store.con, tables, neutral=neutral, points_per_sub=points_per_sub,
                                params=params, kernel=kernel)
    finally:
        drop_graph(store.con, tables)
