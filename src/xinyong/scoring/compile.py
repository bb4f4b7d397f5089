"""Compile a rulebook to one SQL query: the only scoring kernel.

The query is written in DuckDB's dialect, parsed by SQLGlot (which checks it) and printed in any
dialect SQLGlot knows (``spark`` for the distributed engine). Its stages, as CTEs:

``counted``    the events this rulebook counts at as-of: not in the future, not expired
``rule_sums``  per subject, one decayed sum per rule (FILTERed aggregates in a single pass)
``capped``     each rule's sum clamped to its cap
``scored``     every known subject, its factor sub-scores, score, tier and unscorable reason
``reasons``    up to 4 reason codes: rules ranked by score points lost against their best
               attainable contribution, ties broken by the rule's position in the rulebook

Reason ranking packs ``(micro-points lost, 63 - rule index)`` into one BIGINT key so that the
top four come from ``GREATEST`` over the keys, which every engine has and which needs no sort.
Scores are rounded to 6 decimals so that a subject scored alone and in a batch compare equal
whatever order an engine sums in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlglot

from xinyong.catalog import Factor
from xinyong.scoring.rulebook import CompiledRule, Rulebook

REASON_SLOTS = 4
_KEY_BASE = 64  # rule indexes live in the low 6 bits of a reason key

SCORE_COLUMNS: tuple[str, ...] = (
    "subject_key",
    "subject_kind",
    "model_id",
    "model_version",
    "as_of",
    "score",
    "tier",
    "percentile",
    *(f.value for f in Factor),
    *(f"reason_{i}" for i in range(1, REASON_SLOTS + 1)),
    *(f"reason_{i}_points" for i in range(1, REASON_SLOTS + 1)),
    "n_events",
    "unscorable_reason",
)


def num(value: float) -> str:
    """A DOUBLE literal. DuckDB reads bare decimals as DECIMAL, which overflows in EXP."""
    return f"CAST({value:.17g} AS DOUBLE)"


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def rule_column(rule: CompiledRule) -> str:
    return f"r_{rule.rule.code.lower()}"


def decay_coefficient(half_life_days: float) -> float:
    """``k`` such that an event of age ``a`` days weighs ``exp(k · a)``."""
    return -math.log(2.0) / half_life_days


@dataclass(frozen=True)
class ScoringQuery:
    """Where the query reads from and which subjects it scores.

    ``subject_key`` filters the events scan and the subjects to one subject (online scoring);
    its percentile then comes from ``reference``, a table of batch scores for the same model and
    as-of, so that it equals the batch's rank exactly.
    """

    as_of: date
    events: str = "events"
    subjects: str = "subjects"
    subject_key: int | None = None
    reference: str | None = None
    detail: bool = False
    relationships: str | None = None  # a table of propagated relationship sub-scores


def _points(rule: CompiledRule) -> str:
    spec = rule.rule
    if spec.points is not None:
        return num(spec.points)
    assert spec.buckets is not None and spec.by is not None
    arms = [
        f"WHEN {spec.by} < {num(b.below)} THEN {num(b.points)}"
        for b in spec.buckets
        if b.below is not None
    ]
    # A missing attribute falls in the last bucket, at fit and at scoring time alike.
    return f"CASE {' '.join(arms)} ELSE {num(spec.buckets[-1].points)} END"


def _contribution(rule: CompiledRule) -> str:
    if rule.rule.half_life_days is None:
        return _points(rule)
    return f"{_points(rule)} * EXP({num(decay_coefficient(rule.rule.half_life_days))} * age_days)"


def _capped(rule: CompiledRule) -> str:
    col = rule_column(rule)
    value = f"COALESCE({col}, {num(0)})"
    cap = rule.rule.cap
    if cap is None:
        return f"{value} AS {col}"
    fn = "LEAST" if cap > 0 else "GREATEST"
    return f"{fn}({value}, {num(cap)}) AS {col}"


def _factor_expr(rulebook: Rulebook, factor: Factor, relationships: bool = False) -> str:
    terms = [f"COALESCE(c.{rule_column(r)}, {num(0)})" for r in rulebook.rules if r.factor == factor]
    if rulebook.method == "weighted":
        neutral = num(rulebook.spec.factors[factor].neutral)
        if relationships and factor == Factor.RELATIONSHIPS:
            # trust propagated over declared ties replaces the neutral start (scoring/network)
            neutral = f"COALESCE(rs.sub_score, {neutral})"
        total = " + ".join([neutral, *terms])
        return f"GREATEST({num(0)}, LEAST({num(100)}, {total}))"
    return " + ".join(terms) if terms else num(0)


def _score_expr(rulebook: Rulebook) -> str:
    scale = rulebook.spec.scale
    if rulebook.method == "weighted":
        span = scale.max - scale.min
        terms = [
            f"{num(span * rulebook.factor_weight(f) / 100)} * {f.value}"
            for f in Factor
            if rulebook.factor_weight(f) > 0
        ]
        raw = " + ".join([num(scale.min), *terms])
    else:
        assert scale.start is not None
        raw = " + ".join([num(scale.start), *(rule_column(r) for r in rulebook.rules)])
    return f"ROUND(GREATEST({num(scale.min)}, LEAST({num(scale.max)}, {raw})), 6)"


def _tier_expr(rulebook: Rulebook) -> str:
    tiers = rulebook.spec.tiers
    arms = [f"WHEN score >= {num(t.min)} THEN {text(t.name)}" for t in reversed(tiers[1:])]
    return f"CASE {' '.join(arms)} ELSE {text(tiers[0].name)} END"


def _reason_key(rulebook: Rulebook, rule: CompiledRule) -> str:
    lost = f"({num(rule.rule.best)} - {rule_column(rule)}) * {num(rule.score_weight)}"
    micro = f"ROUND({lost} * {num(1e6)})"
    tag = _KEY_BASE - 1 - rule.index
    # A rule whose event type cannot apply to the subject's kind is never a reason for it.
    kinds = rule.subject_kinds
    applies = "" if len(kinds) > 1 else f"subject_kind = {text(kinds[0])} AND "
    return (
        f"CASE WHEN {applies}{micro} > 0 THEN CAST({micro} AS BIGINT) * {_KEY_BASE} + {tag} END "
        f"AS k_{rule.index}"
    )


def _next_key(rulebook: Rulebook, previous: str) -> str:
    keys = ", ".join(f"CASE WHEN k_{r.index} < {previous} THEN k_{r.index} END" for r in rulebook.rules)
    return f"GREATEST({keys})"


def _decode_reason(rulebook: Rulebook, slot: int) -> tuple[str, str]:
    key = f"key_{slot}"
    arms = " ".join(
        f"WHEN {_KEY_BASE - 1 - r.index} THEN {text(r.rule.code)}" for r in rulebook.rules
    )
    code = f"CASE WHEN unscorable_reason IS NULL THEN CASE {key} % {_KEY_BASE} {arms} END END"
    points = (
        f"CASE WHEN unscorable_reason IS NULL THEN "
        f"ROUND(CAST({key} // {_KEY_BASE} AS DOUBLE) / {num(1e6)}, 6) END"
    )
    return code, points


def _unscorable_expr(rulebook: Rulebook) -> str:
    need = rulebook.spec.minimum_data
    arms = [
        "WHEN COALESCE(n_events, 0) = 0 THEN 'NO_EVENTS'",
        f"WHEN n_events < {need.events} THEN 'TOO_FEW_EVENTS'",
    ]
    if need.history_days > 0:
        arms.append(f"WHEN history_days < {need.history_days} THEN 'HISTORY_TOO_SHORT'")
    return f"CASE {' '.join(arms)} END"


def scoring_sql(rulebook: Rulebook, query: ScoringQuery, dialect: str = "duckdb") -> str:
    """The scoring query for ``rulebook`` in ``dialect``, pretty-printed."""
    sql = _duckdb_sql(rulebook, query)
    if dialect == "duckdb":
        return sqlglot.transpile(sql, read="duckdb", write="duckdb", pretty=True)[0]
    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]


def _duckdb_sql(rulebook: Rulebook, query: ScoringQuery) -> str:
    rules = rulebook.rules
    types = ", ".join(text(r.event_type) for r in rules)
    expiry = " ".join(f"WHEN {text(r.event_type)} THEN {r.rule.expiry_days}" for r in rules)
    attr_columns = sorted({r.rule.by for r in rules if r.rule.by and r.rule.by != "amount"})
    only_one = query.subject_key is not None
    subject_filter_events = f" AND e.subject_key = {query.subject_key}" if only_one else ""
    subject_filter = f" WHERE s.subject_key = {query.subject_key}" if only_one else ""
    sums = ",\n    ".join(
        f"SUM({_contribution(r)}) FILTER (WHERE event_type = {text(r.event_type)}) "
        f"AS {rule_column(r)}"
        for r in rules
    )
    capped = ",\n    ".join(_capped(r) for r in rules)
    with_ties = query.relationships is not None and rulebook.method == "weighted"
    factors = ",\n    ".join(
        f"{_factor_expr(rulebook, f, with_ties)} AS {f.value}" for f in Factor
    )

    rule_cols = ", ".join(f"COALESCE(c.{rule_column(r)}, {num(0)}) AS {rule_column(r)}" for r in rules)
    keys = ",\n    ".join(_reason_key(rulebook, r) for r in rules)
    first_key = f"GREATEST({', '.join(f'k_{r.index}' for r in rules)})"
    selected_cols = ", ".join(
        ["e.subject_key", "e.event_type", "e.amount", *(f"e.{c}" for c in attr_columns)]
    )

    # The as-of date is a literal, not a joined parameter row: a constant lets the engine
    # filter the scan and the expiry test directly (a CROSS JOIN cost ~5 % of a 50M-event run).
    as_of = f"CAST({text(query.as_of.isoformat())} AS DATE)"
    ties_join = (
        f"\n  LEFT JOIN {query.relationships} AS rs ON rs.subject_key = s.subject_key "
        f"AND rs.as_of = {as_of}" if with_ties else ""
    )
    ctes = [
        f"""counted AS (
  SELECT {selected_cols},
    DATE_DIFF('day', CAST(e.occurred_at AS DATE), {as_of}) AS age_days
  FROM {query.events} AS e
  WHERE CAST(e.occurred_at AS DATE) <= {as_of}
    AND e.event_type IN ({types}){subject_filter_events}
    AND DATE_DIFF('day', CAST(e.occurred_at AS DATE), {as_of})
        <= CASE e.event_type {expiry} END
)""",
        f"""rule_sums AS (
  SELECT subject_key, COUNT(*) AS n_events, MAX(age_days) AS history_days,
    {sums}
  FROM counted
  GROUP BY subject_key
)""",
        f"""capped AS (
  SELECT subject_key, n_events, history_days,
    {capped}
  FROM rule_sums
)""",
        f"""factored AS (
  SELECT s.subject_key, s.kind AS subject_kind, COALESCE(c.n_events, 0) AS n_events,
    c.history_days, {rule_cols},
    {factors}
  FROM {query.subjects} AS s LEFT JOIN capped AS c ON c.subject_key = s.subject_key{ties_join}{subject_filter}
)""",
        f"""scored AS (
  SELECT *, {_score_expr(rulebook)} AS score, {_unscorable_expr(rulebook)} AS unscorable_reason
  FROM factored
)""",
        f"""keyed AS (
  SELECT *,
    {keys}
  FROM scored
)""",
        f"reason_1 AS (SELECT *, {first_key} AS key_1 FROM keyed)",
    ]
    for slot in range(2, REASON_SLOTS + 1):
        ctes.append(
            f"reason_{slot} AS (SELECT *, {_next_key(rulebook, f'key_{slot - 1}')} AS key_{slot} "
            f"FROM reason_{slot - 1})"
        )
    last = f"reason_{REASON_SLOTS}"
    ok = "unscorable_reason IS NULL"

    if query.reference is not None:
        reference = query.reference
        percentile = f"""CASE WHEN {ok} THEN (
      SELECT CASE WHEN COUNT(*) <= 1 THEN {num(0)} ELSE ROUND(
        {num(100)} * (CAST(COUNT(*) FILTER (WHERE ref.score < x.score) AS DOUBLE)
        / (COUNT(*) - 1)), 6) END
      FROM {reference} AS ref
      WHERE ref.subject_kind = x.subject_kind AND ref.model_id = {text(rulebook.id)}
        AND ref.model_version = {text(rulebook.version)} AND ref.as_of = x.as_of
        AND ref.score IS NOT NULL) END"""
    elif only_one:
        percentile = "CAST(NULL AS DOUBLE)"
    else:
        percentile = (
            f"CASE WHEN {ok} THEN ROUND({num(100)} * PERCENT_RANK() OVER "
            f"(PARTITION BY subject_kind, {ok} ORDER BY score), 6) END"
        )

    reason_cols = []
    reason_point_cols = []
    for slot in range(1, REASON_SLOTS + 1):
        code, points = _decode_reason(rulebook, slot)
        reason_cols.append(f"{code} AS reason_{slot}")
        reason_point_cols.append(f"{points} AS reason_{slot}_points")
    factor_cols = [f"CASE WHEN {ok} THEN ROUND({f.value}, 6) END AS {f.value}" for f in Factor]
    detail_cols = [rule_column(r) for r in rules] if query.detail else []
    body = ",\n  ".join(
        [
            "subject_key",
            "subject_kind",
            f"{text(rulebook.id)} AS model_id",
            f"{text(rulebook.version)} AS model_version",
            "as_of",
            f"CASE WHEN {ok} THEN score END AS score",
            f"CASE WHEN {ok} THEN {_tier_expr(rulebook)} END AS tier",
            "percentile",
            *factor_cols,
            *reason_cols,
            *reason_point_cols,
            "n_events",
            "unscorable_reason",
            *detail_cols,
        ]
    )
    inner = f"SELECT {last}.*, {as_of} AS as_of FROM {last}"
    return (
        "WITH " + ",\n".join(ctes) + f",\nwith_as_of AS ({inner}),\n"
        f"x AS (SELECT *, {percentile} AS percentile FROM with_as_of AS x)\n"
        f"SELECT\n  {body}\nFROM x"
    )
