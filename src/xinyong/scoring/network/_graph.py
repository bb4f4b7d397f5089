"""The tie graph at an as-of date, read from the event log into DuckDB tables.

Four relations feed the rest of the factor; their shapes are the contract between the store and
the kernels (the benchmark builds the same shapes without a store):

``ties``      ``(src, dst, tie_type, since, weight)``: one row per declared tie, summed over its
              events. ``src`` is the subject the event is about (who declared the guarantee, the
              co-borrowing, the representation, the trade), ``dst`` its counterparty. Trust flows
              ``src → dst`` (the declarer stands behind the counterparty); exposure to the
              counterparty's defaults flows back to ``src``.
``links``     ``(dst, src, weight)``: the propagation graph, ties summed per pair, stored ordered
              by ``dst`` so that a reader builds the CSR of ``Cᵀ`` without sorting.
``standing``  ``(node, pretrusted, adverse, adverse_event, adverse_at)`` for every node of a tie.
``pretrust``  ``(node)``: the pre-trusted nodes.

Only the four declared relationship types make edges, the declarer must be an enrolled subject
(a counterparty that is not one becomes node 0, see ``OUTSIDE``), voided events are left out
(``scoring_events``) and a subject never ties to itself. A tie has a start
(its earliest event) and no end: the catalogue has no event that ends a relationship, so a tie
fades only by its half-life (and is gone when its events are voided).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from xinyong.scoring.compile import decay_coefficient, num, text
from xinyong.scoring.network._params import TIE_TYPES, VERIFIED_TYPE, VOLUME_TIE, NetworkParams

EVENTS = "scoring_events"
# Node 0 (subject keys start at 1) stands for every counterparty that is not an enrolled subject
# of the store: the declarer's tie to it still counts in its row, and the trust it passes there
# goes back to pre-trust, exactly as if that counterparty were a subject without ties.
OUTSIDE = 0
SUBJECTS = "scoring_subjects"


@dataclass(frozen=True)
class GraphTables:
    """Names of the temporary relations one factor run works on."""

    ties: str = "_net_ties"
    links: str = "_net_links"
    standing: str = "_net_standing"
    pretrust: str = "_net_pretrust"

    def all(self) -> tuple[str, ...]:
        return (self.ties, self.links, self.standing, self.pretrust)


def _in_list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(text(v) for v in values)


def ties_sql(as_of: date, params: NetworkParams) -> str:
    """One row per declared tie ``(src, dst, tie_type)`` with its decayed, summed weight."""
    arms = " ".join(
        f"WHEN {text(t)} THEN {num(params.tie_weight(t))}" for t in TIE_TYPES
    )
    unit = num(params.volume_unit)
    volume = f"CASE WHEN tie_type = {text(VOLUME_TIE)} THEN COALESCE(amount, {unit}) / {unit} ELSE 1 END"
    return f"""
WITH params AS (SELECT CAST({text(as_of.isoformat())} AS DATE) AS as_of),
declared AS (
  SELECT e.subject_key AS src, COALESCE(c.subject_key, {OUTSIDE}) AS dst,
    CAST(e.event_type AS VARCHAR) AS tie_type,
    CAST(e.occurred_at AS DATE) AS since, e.amount,
    DATE_DIFF('day', CAST(e.occurred_at AS DATE), p.as_of) AS age_days
  FROM {EVENTS} AS e
  CROSS JOIN params AS p
  JOIN {SUBJECTS} AS s ON s.subject_key = e.subject_key
  LEFT JOIN {SUBJECTS} AS c
    ON CAST(c.kind AS VARCHAR) = e.counterparty_kind AND c.subject_ref = e.counterparty_id
  WHERE e.event_type IN ({_in_list(TIE_TYPES)})
    AND CAST(e.occurred_at AS DATE) <= p.as_of
    AND COALESCE(c.subject_key, {OUTSIDE}) <> e.subject_key
),
weighed AS (
  SELECT src, dst, tie_type, since,
    CASE tie_type {arms} ELSE {num(0)} END * {volume}
      * EXP({num(decay_coefficient(params.half_life_days))} * age_days) AS weight
  FROM declared
)
SELECT src, dst, tie_type, MIN(since) AS since, SUM(weight) AS weight
FROM weighed
GROUP BY src, dst, tie_type
HAVING SUM(weight) > 0"""


def links_sql(ties: str) -> str:
    return f"""
SELECT dst, src, SUM(weight) AS weight FROM {ties}
GROUP BY dst, src
ORDER BY dst, src"""


def standing_sql(ties: str, as_of: date, params: NetworkParams) -> str:
    """Pre-trust and adverse standing of every node of a tie, from its own events."""
    verified_before = f"p.as_of - INTERVAL {int(params.verified_for_days)} DAY"
    adverse = _in_list(params.adverse_types) if params.adverse_types else "NULL"
    score_cte = ""
    score_join = ""
    score_ok = ""
    if params.min_score is not None and params.score_model is not None:
        model = text(params.score_model)
        score_cte = f""",
latest AS (
  SELECT MAX(r.as_of) AS run FROM score_runs AS r CROSS JOIN params AS p
  WHERE r.model_id = {model} AND r.as_of < p.as_of
),
scored AS (
  SELECT DISTINCT s.subject_key AS node FROM scores AS s JOIN latest AS l ON s.as_of = l.run
  WHERE s.model_id = {model} AND s.score >= {num(params.min_score)}
)"""
        score_join = " LEFT JOIN scored AS sc ON sc.node = n.node"
        score_ok = " AND sc.node IS NOT NULL"
    return f"""
WITH params AS (SELECT CAST({text(as_of.isoformat())} AS DATE) AS as_of),
nodes AS (SELECT src AS node FROM {ties} UNION SELECT dst AS node FROM {ties}),
adverse_events AS (
  SELECT e.subject_key AS node, CAST(e.event_type AS VARCHAR) AS event_type,
    CAST(e.occurred_at AS DATE) AS occurred,
    EXP({num(decay_coefficient(params.adverse_half_life_days))}
        * DATE_DIFF('day', CAST(e.occurred_at AS DATE), p.as_of)) AS weight
  FROM {EVENTS} AS e CROSS JOIN params AS p
  JOIN nodes AS n ON n.node = e.subject_key
  WHERE e.event_type IN ({adverse})
    AND CAST(e.occurred_at AS DATE) <= p.as_of
    AND DATE_DIFF('day', CAST(e.occurred_at AS DATE), p.as_of) <= {int(params.adverse_expiry_days)}
),
adverse AS (
  SELECT node, LEAST({num(1)}, SUM(weight)) AS adverse,
    FIRST(event_type ORDER BY occurred DESC, event_type) AS adverse_event,
    MAX(occurred) AS adverse_at
  FROM adverse_events GROUP BY node
),
verified AS (
  SELECT DISTINCT e.subject_key AS node
  FROM {EVENTS} AS e CROSS JOIN params AS p
  JOIN nodes AS n ON n.node = e.subject_key
  WHERE e.event_type = {text(VERIFIED_TYPE)}
    AND CAST(e.occurred_at AS DATE) <= {verified_before}
){score_cte}
SELECT n.node,
  (v.node IS NOT NULL AND a.node IS NULL{score_ok}) AS pretrusted,
  COALESCE(a.adverse, {num(0)}) AS adverse, a.adverse_event, a.adverse_at
FROM nodes AS n
LEFT JOIN verified AS v ON v.node = n.node
LEFT JOIN adverse AS a ON a.node = n.node{score_join}
ORDER BY n.node"""


def build_graph(
    con: duckdb.DuckDBPyConnection, as_of: date, params: NetworkParams, tables: GraphTables
) -> None:
    """Create the temporary ``ties`` and ``standing`` tables of the store at ``as_of``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.ties} AS {ties_sql(as_of, params)}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {tables.standing} AS "
        f"{standing_sql(tables.ties, as_of, params)}"
    )


def derive_links(con: duckdb.DuckDBPyConnection, tables: GraphTables) -> None:
    """Create ``links`` and ``pretrust`` from ``ties`` and ``standing``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {tables.links} AS {links_sql(tables.ties)}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {tables.pretrust} AS "
        f"SELECT node FROM {tables.standing} WHERE pretrusted ORDER BY node"
    )


def drop_graph(con: duckdb.DuckDBPyConnection, tables: GraphTables) -> None:
    for name in tables.all():
        con.execute(f"DROP TABLE IF EXISTS {name}")
