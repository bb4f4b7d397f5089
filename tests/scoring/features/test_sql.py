"""The feature query equals a pure-Python reference on any history, for every aggregation.

Histories are drawn by hypothesis and loaded into in-memory tables shaped like the store's
scoring views; a last test runs the shipped view on a real store and checks the Spark text.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.scoring.features import (
    DAYS_PER_MONTH,
    FeatureView,
    feature_frame,
    feature_sql,
    load_feature_view,
    parse_feature_view,
)
from xinyong.scoring.features._view import Range
from xinyong.store import Store

AS_OF = date(2026, 11, 1)
LATE = ("bill.paid_late", "loan.repaid_late")
TYPES = (*LATE, "bill.paid_on_time", "purchase.completed", "identity.verified")
CATEGORIES = ("utility", "telecom", "rent", "groceries")

VIEW = parse_feature_view('''
[view]
name = "every-kind"
minimum_events = 2

[features.late_365]
factor = "credit_history"
aggregate = "count"
events = ["bill.paid_late", "loan.repaid_late"]
window_days = 365
description = "late payments in a year"

[features.serious]
factor = "credit_history"
aggregate = "count"
events = ["bill.paid_late", "loan.repaid_late"]
where = { days_past_due = { min = 30, max = 90 } }
description = "30 to 90 days late"

[features.utility_bills]
factor = "credit_history"
aggregate = "count"
events = ["bill.paid_on_time", "bill.paid_late"]
where = { category = ["utility", "telecom"] }
description = "utility and telecom bills"

[features.spent]
factor = "behaviour_preference"
aggregate = "sum"
events = ["purchase.completed"]
value = "amount"
window_days = 400
description = "spent in 400 days"

[features.worst]
factor = "credit_history"
aggregate = "max"
events = ["bill.paid_late", "loan.repaid_late"]
value = "days_past_due"
description = "worst lateness"

[features.smallest]
factor = "behaviour_preference"
aggregate = "min"
events = ["purchase.completed"]
value = "amount"
description = "smallest purchase"

[features.average]
factor = "behaviour_preference"
aggregate = "mean"
events = ["purchase.completed"]
value = "amount"
description = "average purchase"

[features.on_time]
factor = "credit_history"
aggregate = "share"
events = ["bill.paid_on_time"]
of = ["bill.paid_on_time", "bill.paid_late"]
window_days = 500
description = "bills paid on time"

[features.since_late]
factor = "credit_history"
aggregate = "months_since"
events = ["bill.paid_late", "loan.repaid_late"]
description = "months since late"

[features.last_amount]
factor = "behaviour_preference"
aggregate = "latest"
events = ["purchase.completed"]
value = "amount"
description = "last purchase"

[features.last_category]
factor = "behaviour_preference"
aggregate = "latest"
events = ["purchase.completed"]
value = "category"
description = "what the last purchase was for"
''')

event = st.fixed_dictionaries({
    "subject_key": st.integers(1, 4),
    "event_type": st.sampled_from(TYPES),
    # negative: after as-of, never counted; the windows' edges (365, 400, 500) come up often
    "days_ago": st.one_of(st.integers(-3, 900),
                          st.sampled_from([-1, 0, 30, 31, 364, 365, 399, 400, 499, 500])),
    "hour": st.sampled_from([0, 12]),  # repeats make ties for "latest"
    "amount": st.one_of(st.none(), st.sampled_from([5.0, 12.5, 80.0, 1e3, 0.1])),
    "days_past_due": st.integers(1, 120),
    "category": st.sampled_from(CATEGORIES),
})


def events_table(history: list[dict[str, Any]]) -> pa.Table:
    rows = []
    for seq, e in enumerate(history):
        late = e["event_type"] in LATE
        categorised = e["event_type"] in ("bill.paid_late", "bill.paid_on_time",
                                          "purchase.completed")
        rows.append({
            "event_seq": seq, "subject_key": e["subject_key"], "event_type": e["event_type"],
            "occurred_at": datetime(2026, 11, 1, e["hour"]) - timedelta(days=e["days_ago"]),
            "amount": e["amount"], "days_past_due": e["days_past_due"] if late else None,
            "category": e["category"] if categorised else None, "education_level": None,
        })
    schema = pa.schema([("event_seq", pa.int64()), ("subject_key", pa.int32()),
                        ("event_type", pa.string()), ("occurred_at", pa.timestamp("us")),
                        ("amount", pa.float64()), ("days_past_due", pa.int32()),
                        ("category", pa.string()), ("education_level", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def run(view: FeatureView, history: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    con = duckdb.connect()
    con.register("ev", events_table(history))
    con.execute("CREATE TABLE subj AS SELECT i AS subject_key, 'person' AS kind "
                "FROM range(1, 6) r(i)")
    cursor = con.execute(feature_sql(view, AS_OF, events="ev", subjects="subj"))
    names = [d[0] for d in cursor.description]
    rows = {int(r[0]): dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    con.close()
    return rows


def reference(view: FeatureView, history: list[dict[str, Any]], subject: int) -> dict[str, Any]:
    """The features of one subject, computed by the definitions in the module docstring."""
    table = events_table(history).to_pylist()
    mine = [e | {"age": (AS_OF - e["occurred_at"].date()).days} for e in table
            if e["subject_key"] == subject and e["event_type"] in view.event_types]
    mine = [e for e in mine if e["age"] >= 0]
    out: dict[str, Any] = {"n_events": len(mine)}
    for f in view.features:
        spec = f.spec

        def passes(e: dict[str, Any], types: tuple[str, ...], spec: Any = spec) -> bool:
            if e["event_type"] not in types:
                return False
            if spec.window_days is not None and e["age"] >= spec.window_days:
                return False
            for attr, cond in spec.where.items():
                v = e[attr]
                if isinstance(cond, Range):
                    if v is None or (cond.min is not None and v < cond.min) or (
                            cond.max is not None and v > cond.max):
                        return False
                elif v not in cond:
                    return False
            return True

        hits = [e for e in mine if passes(e, spec.events)]
        values = [e[spec.value] for e in hits if spec.value and e[spec.value] is not None]
        kind = spec.aggregate
        if kind == "count":
            out[f.name] = float(len(hits))
        elif kind == "sum":
            out[f.name] = float(sum(values))
        elif kind in ("max", "min", "mean"):
            fn = {"max": max, "min": min, "mean": lambda v: sum(v) / len(v)}[kind]
            out[f.name] = float(fn(values)) if values else None
        elif kind == "share":
            of = [e for e in mine if passes(e, spec.of or ())]
            out[f.name] = len(hits) / len(of) if of else None
        elif kind == "months_since":
            out[f.name] = (math.floor(min(e["age"] for e in hits) / DAYS_PER_MONTH)
                           if hits else None)
        else:  # latest
            with_value = [e for e in hits if e[spec.value] is not None]
            last = max(with_value, key=lambda e: (e["occurred_at"], e["event_seq"]), default=None)
            out[f.name] = None if last is None else (
                float(last[spec.value]) if f.kind == "numeric" else last[spec.value])
    return out


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


@settings(max_examples=60, deadline=None)
@given(st.lists(event, max_size=40))
def test_feature_sql_equals_the_reference_for_every_aggregation(
    history: list[dict[str, Any]]
) -> None:
    rows = run(VIEW, history)
    assert sorted(rows) == [1, 2, 3, 4, 5]  # every subject, with or without events
    for subject, row in rows.items():
        expected = reference(VIEW, history, subject)
        assert row["n_events"] == expected["n_events"]
        reason = (None if expected["n_events"] >= 2 else
                  "NO_EVENTS" if expected["n_events"] == 0 else "TOO_FEW_EVENTS")
        assert row["unscorable_reason"] == reason
        for name in VIEW.names:
            assert same(row[name], expected[name]), (subject, name, row[name], expected[name])


def test_the_latest_value_breaks_ties_by_the_later_recorded_event() -> None:
    same_time = {"subject_key": 1, "event_type": "purchase.completed", "days_ago": 3, "hour": 0,
                 "days_past_due": 1}
    history = [same_time | {"amount": 5.0, "category": "rent"},
               same_time | {"amount": 80.0, "category": "groceries"},
               same_time | {"amount": None, "category": "utility", "days_ago": 1}]
    row = run(VIEW, history)[1]
    assert row["last_amount"] == 80.0 and row["last_category"] == "utility"


def test_the_shipped_view_runs_on_a_store_and_transpiles_to_spark(tmp_path: Path) -> None:
    from xinyong.simulate import generate_population

    population = generate_population(300, 20, seed=3)
    view = load_feature_view("bureau-basic")
    with Store.init(tmp_path) as store:
        store.append_events(population.events)
        frame = feature_frame(store, view, population.as_of)
    assert len(frame) == 300 and set(frame["subject_kind"]) == {"person"}  # persons only
    assert list(frame.columns[:4]) == ["subject_key", "subject_kind", "n_events",
                                       "unscorable_reason"]
    assert frame["late_payments_12m"].notna().all()  # counts are 0, never missing
    assert frame["education_level"].dropna().isin(
        ["secondary", "vocational", "bachelor", "master", "doctorate"]).all()
    spark = feature_sql(view, population.as_of, dialect="spark")
    tree = sqlglot.parse_one(spark, read="spark")
    assert tree.find(sqlglot.exp.Filter) is not None and "MAX_BY(" in spark
