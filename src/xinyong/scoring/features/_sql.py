"""Compile a feature view to one SQL query: one row per subject as of a date.

Written in DuckDB's dialect and checked by SQLGlot, which prints it for Spark too. Stages:

``view_events``    the events the view reads, on or before as-of, with their age in days
``view_sums``      per subject, one ``FILTER``ed aggregate per feature (and per share, its
                   denominator) in a single pass, and ``n_events``: the view's events
``features``       every enrolled subject of the view's kind, its features (counts and sums 0
                   when it has no events; the others missing), ``n_events`` and
                   ``unscorable_reason`` (``NO_EVENTS``, ``TOO_FEW_EVENTS``)

As-of is a literal, as in the rulebook query. :func:`feature_ctes` gives the stages to a query
that goes on from ``features`` (the store scoring query of a scorecard).
"""

from __future__ import annotations

from datetime import date

import sqlglot

from xinyong.scoring.compile import num, text
from xinyong.scoring.features._view import DAYS_PER_MONTH, Feature, FeatureView, Range

FEATURES = "features"  # the name of the last stage


def feature_sql(view: FeatureView, as_of: date, *, events: str = "scoring_events",
                subjects: str = "scoring_subjects", dialect: str = "duckdb") -> str:
    """The feature query of ``view`` at ``as_of``, pretty-printed in ``dialect``."""
    sql = "WITH " + ",\n".join(feature_ctes(view, as_of, events=events, subjects=subjects))
    sql += f"\nSELECT * FROM {FEATURES}"
    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]


def feature_ctes(view: FeatureView, as_of: date, *, events: str = "scoring_events",
                 subjects: str = "scoring_subjects") -> list[str]:
    """The CTEs of the feature query; the last, ``features``, has one row per subject."""
    day = f"CAST({text(as_of.isoformat())} AS DATE)"
    columns = _event_columns(view)
    types = ", ".join(text(t) for t in view.event_types)
    sums = ",\n    ".join(s for f in view.features for s in _sums(f))
    finals = ",\n    ".join(_final(f) for f in view.features)
    need = view.spec.view.minimum_events
    unscorable = ("CASE WHEN COALESCE(a.n_events, 0) = 0 THEN 'NO_EVENTS' "
                  + (f"WHEN a.n_events < {need} THEN 'TOO_FEW_EVENTS' " if need > 1 else "")
                  + "END")
    return [
        f"""view_events AS (
  SELECT {', '.join(f'e.{c}' for c in columns)},
    DATE_DIFF('day', CAST(e.occurred_at AS DATE), {day}) AS age_days
  FROM {events} AS e
  WHERE CAST(e.occurred_at AS DATE) <= {day} AND e.event_type IN ({types})
)""",
        f"""view_sums AS (
  SELECT subject_key, COUNT(*) AS n_events,
    {sums}
  FROM view_events
  GROUP BY subject_key
)""",
        f"""{FEATURES} AS (
  SELECT s.subject_key, s.kind AS subject_kind, COALESCE(a.n_events, 0) AS n_events,
    {unscorable} AS unscorable_reason,
    {finals}
  FROM {subjects} AS s LEFT JOIN view_sums AS a ON a.subject_key = s.subject_key
  WHERE s.kind = {text(view.applies_to)}
)""",
    ]


def _event_columns(view: FeatureView) -> list[str]:
    columns = ["subject_key", "event_type"]
    if any(f.spec.aggregate == "latest" for f in view.features):
        columns += ["occurred_at", "event_seq"]
    used = {f.spec.value for f in view.features if f.spec.value} | {
        a for f in view.features for a in f.spec.where}
    return columns + sorted(used)


def _condition(f: Feature, types: tuple[str, ...]) -> str:
    parts = [f"event_type IN ({', '.join(text(t) for t in types)})"]
    if f.spec.window_days is not None:
        parts.append(f"age_days < {f.spec.window_days}")
    for attr, condition in f.spec.where.items():
        if isinstance(condition, Range):
            if condition.min is not None:
                parts.append(f"{attr} >= {num(condition.min)}")
            if condition.max is not None:
                parts.append(f"{attr} <= {num(condition.max)}")
        else:
            parts.append(f"{attr} IN ({', '.join(text(v) for v in condition)})")
    return " AND ".join(parts)


def _value(f: Feature) -> str:
    value = str(f.spec.value)
    return value if f.kind == "categorical" else f"CAST({value} AS DOUBLE)"


def _sums(f: Feature) -> list[str]:
    spec, name = f.spec, f"a_{f.name}"
    where = _condition(f, spec.events)
    aggregate = spec.aggregate
    if aggregate == "count":
        return [f"COUNT(*) FILTER (WHERE {where}) AS {name}"]
    if aggregate == "share":
        assert spec.of is not None
        return [f"COUNT(*) FILTER (WHERE {where}) AS {name}",
                f"COUNT(*) FILTER (WHERE {_condition(f, spec.of)}) AS {name}_of"]
    if aggregate == "months_since":
        return [f"MIN(age_days) FILTER (WHERE {where}) AS {name}"]
    with_value = f"{where} AND {spec.value} IS NOT NULL"
    if aggregate == "latest":
        return [f"ARG_MAX({_value(f)}, STRUCT_PACK(t := occurred_at, s := event_seq)) "
                f"FILTER (WHERE {with_value}) AS {name}"]
    function = {"sum": "SUM", "max": "MAX", "min": "MIN", "mean": "AVG"}[aggregate]
    return [f"{function}({_value(f)}) FILTER (WHERE {with_value}) AS {name}"]


def _final(f: Feature) -> str:
    name = f"a.a_{f.name}"
    aggregate = f.spec.aggregate
    if aggregate in ("count", "sum"):
        expr = f"CAST(COALESCE({name}, 0) AS DOUBLE)"
    elif aggregate == "share":
        expr = (f"CASE WHEN {name}_of > 0 THEN CAST({name} AS DOUBLE) / "
                f"CAST({name}_of AS DOUBLE) END")
    elif aggregate == "months_since":
        expr = f"FLOOR(CAST({name} AS DOUBLE) / {num(DAYS_PER_MONTH)})"
    else:
        expr = name
    return f'{expr} AS "{f.name}"'
