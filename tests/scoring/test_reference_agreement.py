"""The compiled scoring query agrees with the pure-Python reference scorer.

Hypothesis builds small populations of persons and organisations whose histories hug the edges
of the semantics: events dated in the future, exactly at and one day past their rule's expiry,
attribute values exactly on bucket bounds or just under them, missing values, events of types
no rule counts. Each history goes into a fresh store through the real append path, is scored in
batch by ``score_population`` and compared, subject by subject, with ``reference_score``.

The strategies and the batch builder live here and are reused by ``test_online_batch``.
"""

from __future__ import annotations

import math
import textwrap
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.catalog import default_catalogue
from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs
from xinyong.errors import XinyongError
from xinyong.scoring.engine import score_population
from xinyong.scoring.rulebook import Rulebook, load_rulebook, parse_rulebook, shipped_rulebooks
from xinyong.store import Store

from .reference import FACTORS, MAX_REASONS, RefEvent, reference_percentiles, reference_score

RULEBOOK_NAMES = ("sesame-like", "rongcheng-like")
RULEBOOKS: dict[str, Rulebook] = {name: load_rulebook(name) for name in RULEBOOK_NAMES}

# Two small rulebooks reach what the shipped ones cannot: fewer than four reasons, ties in
# points lost, rules without cap or half-life, a factor of weight 0, a one-day expiry, factor
# sub-scores clamped at 0 and 100, the score clamped to both ends of its scale, a tier starting
# exactly where everyone starts, no minimum history, and buckets by an optional amount (the
# shipped rulebooks bucket only by values the catalogue requires, so none is ever missing).
EDGE_RULEBOOK_TOML = {
    "edge-weighted": """
        [model]
        id = "edge-weighted"
        version = "0.1.0"
        method = "weighted"
        [scale]
        min = 300
        max = 900
        [[tiers]]
        name = "low"
        min = 300
        [[tiers]]
        name = "mid"
        min = 600
        [[tiers]]
        name = "high"
        min = 850
        [minimum_data]
        events = 1
        [factors.credit_history]
        weight = 0.5
        neutral = 40
        [factors.fulfilment_capacity]
        weight = 0.25
        neutral = 100
        [factors.behaviour_preference]
        weight = 0.25
        neutral = 90
        [factors.identity_traits]
        weight = 0
        neutral = 50
        [factors.relationships]
        weight = 0
        neutral = 50
        [rules."bill.paid_on_time"]
        code = "ON_TIME"
        points = 30
        cap = 150
        expiry_days = 500
        reason = "Few bills paid on time."
        [rules."bill.paid_late"]
        code = "LATE"
        by = "days_past_due"
        buckets = [{ below = 2, points = -1 }, { below = 60, points = -30 }, { points = -70 }]
        half_life_days = 90
        expiry_days = 900
        reason = "Bills paid late."
        [rules."loan.defaulted"]
        code = "DEFAULT"
        points = -120
        cap = -120
        expiry_days = 1000
        reason = "A loan in default."
        [rules."tax.arrears"]
        code = "ARREARS"
        by = "amount"
        buckets = [{ below = 0.5, points = -1 }, { points = -60 }]
        half_life_days = 45.5
        expiry_days = 700
        reason = "Tax arrears."
        [rules."income.verified"]
        code = "INCOME"
        by = "amount"
        buckets = [{ below = 5000, points = 5 }, { points = 20 }]
        half_life_days = 200
        cap = 20
        expiry_days = 400
        reason = "Low or no verified income."
        [rules."contract.breached"]
        code = "BREACH"
        by = "amount"
        buckets = [{ below = 100, points = -5 }, { below = 1000, points = -20 }, { points = -40 }]
        half_life_days = 365
        cap = -80
        expiry_days = 1500
        reason = "A contract breached; a missing amount counts as the largest."
        [rules."deposit.returned"]
        code = "DEPOSITS"
        points = 10
        cap = 10
        expiry_days = 300
        reason = "No deposit returned."
        [rules."deposit.forfeited"]
        code = "FORFEITS"
        points = -25
        half_life_days = 30
        cap = -50
        expiry_days = 1
        reason = "A deposit forfeited yesterday or today."
        [rules."identity.verified"]
        code = "IDENTITY"
        points = 50
        cap = 50
        expiry_days = 3650
        reason = "Identity not verified (weighs nothing here)."
        [rules."annual_report.filed"]
        code = "REPORTS"
        points = 5
        cap = 5
        expiry_days = 400
        reason = "No annual report (weighs nothing here)."
    """,
    "edge-additive": """
        [model]
        id = "edge-additive"
        version = "0.1.0"
        method = "additive"
        [scale]
        min = 0
        max = 100
        start = 90
        [[tiers]]
        name = "D"
        min = 0
        [[tiers]]
        name = "C"
        min = 40
        [[tiers]]
        name = "B"
        min = 90
        [[tiers]]
        name = "A"
        min = 100
        [minimum_data]
        events = 2
        history_days = 30
        [rules."identity.verified"]
        code = "IDENTITY"
        points = 20
        cap = 20
        expiry_days = 400
        reason = "Identity not verified."
        [rules."bill.paid_on_time"]
        code = "ON_TIME"
        by = "amount"
        buckets = [{ below = 50, points = 1 }, { points = 2.5 }]
        cap = 10
        half_life_days = 100
        expiry_days = 365
        reason = "Few bills paid on time."
        [rules."bill.paid_late"]
        code = "LATE"
        by = "days_past_due"
        buckets = [{ below = 30, points = -5 }, { points = -10 }]
        expiry_days = 200
        reason = "Bills paid late."
        [rules."loan.defaulted"]
        code = "DEFAULT"
        by = "amount"
        buckets = [{ below = 1000, points = -40 }, { points = -95 }]
        cap = -190
        expiry_days = 1000
        reason = "A loan in default."
        [rules."annual_report.filed"]
        code = "REPORTS"
        points = 5
        cap = 5
        expiry_days = 400
        reason = "No annual report."
        [rules."income.verified"]
        code = "INCOME"
        by = "amount"
        buckets = [{ below = 3000, points = 1 }, { below = 8000, points = 3 }, { points = 6 }]
        cap = 6
        half_life_days = 365
        expiry_days = 730
        reason = "Low or no verified income."
    """,
}
EDGE_RULEBOOKS: dict[str, Rulebook] = {
    name: parse_rulebook(tomllib.loads(textwrap.dedent(text)))
    for name, text in EDGE_RULEBOOK_TOML.items()
}
ALL_RULEBOOKS = {**RULEBOOKS, **EDGE_RULEBOOKS}
CATALOGUE = default_catalogue()

PERSON_IDS: list[str] = generate_prc_resident_ids(np.random.default_rng(11643), 6)
ORG_IDS: list[str] = generate_usccs(np.random.default_rng(32100), 6)
IDS_BY_KIND = {"person": PERSON_IDS, "organisation": ORG_IDS}
TYPES_BY_KIND = {
    kind: sorted(t.name for t in CATALOGUE if kind in {k.value for k in t.applies_to})
    for kind in IDS_BY_KIND
}
FURNISHERS = ("lender-a", "utility-grid")


# -- edge values taken from the rulebooks ------------------------------------------------------
def _edge_ages() -> list[int]:
    ages = {-1, 0, 1}
    for rulebook in ALL_RULEBOOKS.values():
        for rule in rulebook.rules:
            ages |= {rule.rule.expiry_days - 1, rule.rule.expiry_days, rule.rule.expiry_days + 1}
        need = rulebook.spec.minimum_data.history_days
        ages |= {need - 1, need, need + 1}
    return sorted(ages)


def _bounds(by: str) -> list[float]:
    bounds: set[float] = set()
    for rulebook in ALL_RULEBOOKS.values():
        for rule in rulebook.rules:
            if rule.rule.by == by:
                bounds |= {b.below for b in rule.rule.buckets or () if b.below is not None}
    return sorted(bounds)


EDGE_AGES = _edge_ages()
AMOUNT_EDGES = sorted(
    {v for b in _bounds("amount") for v in (b, math.nextafter(b, -math.inf), b + 0.5)} | {0.0}
)
DPD_EDGES = sorted(
    {v for b in _bounds("days_past_due") for v in (math.ceil(b) - 1, math.ceil(b))} | {1, 3650}
)
# Half the draws pick among the few types the edge rulebooks score, so that they see events.
EDGE_TYPES_BY_KIND = {
    kind: sorted({r.event_type for rb in EDGE_RULEBOOKS.values() for r in rb.rules} & set(types))
    for kind, types in TYPES_BY_KIND.items()
}

ages = st.one_of(st.sampled_from(EDGE_AGES), st.integers(min_value=-400, max_value=1900))
# Subjects with only recent events exercise the minimum history.
recent_ages = st.one_of(st.sampled_from([a for a in EDGE_AGES if a <= 95]), st.integers(-3, 95))
present_amounts = st.one_of(
    st.sampled_from(AMOUNT_EDGES),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)
days_past_due = st.one_of(st.sampled_from(DPD_EDGES), st.integers(1, 3650))
# The store refuses events dated after today; as-of stays far enough back that the histories
# can still run past it by more than a year.
LATEST_AS_OF = date.today() - timedelta(days=401)
as_of_dates = st.dates(min_value=LATEST_AS_OF - timedelta(days=7 * 365), max_value=LATEST_AS_OF)


# -- histories ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    kind: str
    subject_id: str
    events: tuple[RefEvent, ...]


@dataclass(frozen=True)
class History:
    as_of: date
    subjects: tuple[Subject, ...]

    def reported(self) -> dict[tuple[str, str], list[RefEvent]]:
        """The events of each subject reported on, by ``(kind, subject_id)``."""
        return {(s.kind, s.subject_id): list(s.events) for s in self.subjects if s.events}

    def bystanders(self) -> set[tuple[str, str]]:
        """Subjects only named as another's counterparty (the store may know them, eventless)."""
        named = {
            (e.attributes["counterparty_kind"], e.attributes["counterparty_id"])
            for s in self.subjects
            for e in s.events
            if "counterparty_kind" in e.attributes
        }
        return named - self.reported().keys()


def known_population(
    store: Store, history: History
) -> tuple[dict[tuple[str, str], list[RefEvent]], dict[tuple[str, str], int]]:
    """Every subject the store knows after storing ``history``, with its events and key."""
    population = history.reported()
    keys = {who: store.find_subject(who[1], who[0])[0] for who in population}
    for who in history.bystanders():
        try:
            keys[who] = store.find_subject(who[1], who[0])[0]
        except XinyongError as unknown:
            assert unknown.code == "UNKNOWN_SUBJECT"
        else:
            population[who] = []
    return population, keys


@st.composite
def events_for(draw: st.DrawFn, kind: str, as_of: date, recent: bool) -> RefEvent:
    event_type = draw(
        st.one_of(st.sampled_from(TYPES_BY_KIND[kind]), st.sampled_from(EDGE_TYPES_BY_KIND[kind]))
    )
    age = draw(recent_ages if recent else ages)
    at = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59)))
    etype = CATALOGUE.get(event_type)
    # Values the catalogue requires are always given (the store refuses rows without them);
    # optional ones are sometimes missing.
    attributes: dict[str, Any] = {}
    for attribute in etype.attributes:
        if attribute.name == "counterparty_id":
            continue  # drawn with its kind below
        if attribute.name not in etype.required and draw(st.booleans()):
            continue
        if attribute.name == "counterparty_kind":
            other = draw(st.sampled_from(sorted(IDS_BY_KIND)))
            attributes["counterparty_kind"] = other
            attributes["counterparty_id"] = draw(st.sampled_from(IDS_BY_KIND[other]))
        elif attribute.name == "days_past_due":
            attributes["days_past_due"] = draw(days_past_due)
        else:
            attributes[attribute.name] = draw(st.sampled_from(attribute.values))
    amount = {
        "none": st.none(),
        "required": present_amounts,
        "optional": st.one_of(st.none(), present_amounts),
    }[etype.amount.value]
    return RefEvent(
        event_type=event_type,
        occurred_at=datetime.combine(as_of - timedelta(days=age), at),
        amount=draw(amount),
        attributes=attributes,
    )


@st.composite
def histories(draw: st.DrawFn, max_events: int = 12) -> History:
    as_of = draw(as_of_dates)
    persons = draw(st.lists(st.sampled_from(PERSON_IDS), max_size=4, unique=True))
    orgs = draw(
        st.lists(st.sampled_from(ORG_IDS), min_size=0 if persons else 1, max_size=4, unique=True)
    )
    subjects = []
    for kind, ids in (("person", persons), ("organisation", orgs)):
        for subject_id in ids:
            recent = draw(st.sampled_from([False, False, True]))
            events = draw(
                st.lists(events_for(kind, as_of, recent), min_size=1, max_size=max_events)
            )
            subjects.append(Subject(kind, subject_id, tuple(events)))
    return History(as_of, tuple(subjects))


def event_batch(rows: list[tuple[str, str, str, RefEvent]]) -> pa.Table:
    """A canonical furnisher batch from ``(event_id, kind, subject_id, event)`` rows."""
    n = len(rows)
    columns: dict[str, pa.Array] = {
        "furnisher": pa.array([FURNISHERS[i % len(FURNISHERS)] for i in range(n)], pa.string()),
        "event_id": pa.array([r[0] for r in rows], pa.string()),
        "subject_kind": pa.array([r[1] for r in rows], pa.string()),
        "subject_id": pa.array([r[2] for r in rows], pa.string()),
        "event_type": pa.array([r[3].event_type for r in rows], pa.string()),
        "occurred_at": pa.array([r[3].occurred_at for r in rows], pa.timestamp("us")),
        "amount": pa.array([r[3].amount for r in rows], pa.float64()),
    }
    arrow_types = {"INTEGER": pa.int32(), "DOUBLE": pa.float64(), "VARCHAR": pa.string()}
    for name, attribute in CATALOGUE.attributes.items():
        values = [r[3].attributes.get(name) for r in rows]
        columns[name] = pa.array(values, arrow_types[attribute.sql_type])
    return pa.table(columns)


def store_history(home: Path, history: History) -> Store:
    store = Store.init(home)
    rows = [
        (f"e{i}-{j}", s.kind, s.subject_id, event)
        for i, s in enumerate(history.subjects)
        for j, event in enumerate(s.events)
    ]
    if rows:
        result = store.append_events(event_batch(rows))
        assert result.accepted == len(rows)
    return store


def fresh_home(factory: pytest.TempPathFactory) -> Path:
    """A new home per hypothesis example (function-scoped ``tmp_path`` would be shared)."""
    return factory.mktemp("store") / "home"


def score_rows(store: Store, rulebook: Rulebook, as_of: date) -> dict[int, dict[str, Any]]:
    cursor = store.con.execute(
        "SELECT * FROM scores WHERE model_id = ? AND model_version = ? AND as_of = ?"
        " ORDER BY subject_key",
        [rulebook.id, rulebook.version, as_of],
    )
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _close(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


# -- the agreement -----------------------------------------------------------------------------
def test_both_rulebooks_are_shipped() -> None:
    assert set(RULEBOOK_NAMES) <= set(shipped_rulebooks())


@pytest.mark.parametrize("name", RULEBOOK_NAMES)
@settings(max_examples=40, deadline=None)
@given(history=histories())
def test_batch_scores_agree_with_reference(
    name: str, history: History, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert_agrees_with_reference(RULEBOOKS[name], history, fresh_home(tmp_path_factory))


@pytest.mark.parametrize("name", sorted(EDGE_RULEBOOKS))
@settings(max_examples=20, deadline=None)
@given(history=histories())
def test_batch_scores_agree_with_reference_on_edge_rulebooks(
    name: str, history: History, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert_agrees_with_reference(EDGE_RULEBOOKS[name], history, fresh_home(tmp_path_factory))


def assert_agrees_with_reference(rulebook: Rulebook, history: History, home: Path) -> None:
    with store_history(home, history) as store:
        run = score_population(store, rulebook, history.as_of)
        rows = score_rows(store, rulebook, history.as_of)
        population, keys = known_population(store, history)

    assert run.subjects == len(population)
    assert set(rows) == set(keys.values())
    expected = {
        who: reference_score(rulebook, who[0], events, history.as_of)
        for who, events in population.items()
    }
    by_kind: dict[str, dict[tuple[str, str], float]] = {}
    for who, ref in expected.items():
        if ref.scorable:
            by_kind.setdefault(who[0], {})[who] = ref.score
    percentiles = reference_percentiles(by_kind)
    assert run.scored == len(percentiles)

    for who, ref in expected.items():
        row = rows[keys[who]]
        context = f"{who[0]} {who[1]}: row={row}\nreference={ref}"
        assert row["subject_kind"] == who[0], context
        assert row["model_id"] == rulebook.id and row["model_version"] == rulebook.version
        assert row["as_of"] == history.as_of, context
        assert row["n_events"] == ref.n_events, context
        assert row["unscorable_reason"] == ref.unscorable_reason, context
        slots = [(row[f"reason_{i}"], row[f"reason_{i}_points"]) for i in range(1, 5)]
        if not ref.scorable:
            # An unscorable subject is published without score, tier, factors, rank or reasons.
            assert row["score"] is None and row["tier"] is None, context
            assert row["percentile"] is None, context
            assert all(row[f] is None for f in FACTORS), context
            assert slots == [(None, None)] * 4, context
            continue
        assert _close(row["score"], ref.score, 1e-9), context
        assert row["tier"] == ref.tier, context
        for factor in FACTORS:
            assert _close(row[factor], ref.factors[factor], 1e-6), f"{factor}: {context}"
        got = [(code, points) for code, points in slots if code is not None]
        assert [code for code, _ in got] == [code for code, _ in ref.reasons], context
        for (_, points), (_, ref_points) in zip(got, ref.reasons, strict=True):
            assert _close(points, ref_points, 1e-6), context
        assert slots[len(got) :] == [(None, None)] * (4 - len(got)), context
        assert _close(row["percentile"], percentiles[who], 1e-9), context


# -- invariants --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ALL_RULEBOOKS))
@settings(max_examples=10, deadline=None)
@given(history=histories())
def test_scores_stay_on_scale_rank_at_most_four_reasons_and_repeat_exactly(
    name: str, history: History, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rulebook = ALL_RULEBOOKS[name]
    scale = rulebook.spec.scale
    with store_history(fresh_home(tmp_path_factory), history) as store:
        score_population(store, rulebook, history.as_of)
        first = score_rows(store, rulebook, history.as_of)
        score_population(store, rulebook, history.as_of)
        second = score_rows(store, rulebook, history.as_of)
        (count,) = store.query("SELECT COUNT(*) FROM scores")[0]

    assert first == second
    assert count == len(first)  # a re-run replaces the earlier run of the same model and day
    for row in first.values():
        if row["unscorable_reason"] is not None:
            continue
        assert scale.min <= row["score"] <= scale.max
        assert 0.0 <= row["percentile"] <= 100.0
        assert row["tier"] in {t.name for t in rulebook.spec.tiers}
        codes = [row[f"reason_{i}"] for i in range(1, 5)]
        points = [row[f"reason_{i}_points"] for i in range(1, 5)]
        given_codes = [c for c in codes if c is not None]
        assert len(given_codes) <= MAX_REASONS
        assert codes == given_codes + [None] * (4 - len(given_codes))  # filled from the first
        assert len(set(given_codes)) == len(given_codes)
        for code in given_codes:  # never a reason the subject's kind cannot act on
            assert row["subject_kind"] in rulebook.rule_by_code(code).subject_kinds
        shown = [p for p in points if p is not None]
        assert len(shown) == len(given_codes)
        assert all(p > 0 for p in shown)
        assert shown == sorted(shown, reverse=True)
