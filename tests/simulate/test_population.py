"""The synthetic population: determinism, catalogue conformance, the window, and realism."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.catalog import AmountRule, AttributeType, SubjectKind, default_catalogue
from xinyong.catalog.identifiers import PRC_SCHEME
from xinyong.simulate import DEFAULT_AS_OF, Population, generate_population

EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("furnisher", pa.string()),
        ("subject_kind", pa.string()),
        ("subject_id", pa.string()),
        ("event_type", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("amount", pa.float64()),
        ("days_past_due", pa.int32()),
        ("category", pa.string()),
        ("asset_class", pa.string()),
        ("education_level", pa.string()),
        ("counterparty_kind", pa.string()),
        ("counterparty_id", pa.string()),
    ]
)
SUBJECT_SCHEMA = pa.schema(
    [
        ("subject_kind", pa.string()),
        ("subject_id", pa.string()),
        ("latent", pa.float64()),
        ("defaulted_12m", pa.bool_()),
    ]
)
ATTRIBUTES = ("days_past_due", "category", "asset_class", "education_level",
              "counterparty_kind", "counterparty_id")  # fmt: skip


@pytest.fixture(scope="module")
def population() -> Population:
    return generate_population(2_000, 200, seed=11)


def _rows(table: pa.Table, column: str, value: str) -> pa.Table:
    return table.filter(pc.equal(table[column], value))


def _window(as_of: datetime.date, years: int) -> tuple[datetime.datetime, datetime.datetime]:
    end = datetime.datetime.combine(as_of, datetime.time())
    # A window ending on 29 February starts on 28 February of a year without one.
    day = 28 if (end.month, end.day) == (2, 29) else end.day
    return end.replace(year=end.year - years, day=day), end


def assert_well_formed(population: Population, years: int) -> None:
    """Invariants every population holds, whatever its size, seed or window."""
    catalogue = default_catalogue()
    events, subjects = population.events, population.subjects
    assert events.schema == EVENT_SCHEMA
    assert subjects.schema == SUBJECT_SCHEMA
    assert pc.count_distinct(events["event_id"]).as_py() == events.num_rows
    # Every event belongs to a subject of the population, under that subject's kind.
    kind_of = dict(zip(subjects["subject_id"].to_pylist(), subjects["subject_kind"].to_pylist(),
                       strict=True))  # fmt: skip
    for kind, subject_id in zip(events["subject_kind"].to_pylist(),
                                events["subject_id"].to_pylist(), strict=True):  # fmt: skip
        assert kind_of[subject_id] == kind
    for name in pc.unique(events["event_type"]).to_pylist():
        assert name in catalogue
        used_by = pc.unique(_rows(events, "event_type", name)["subject_kind"]).to_pylist()
        kinds = {SubjectKind(kind) for kind in used_by}
        assert kinds <= catalogue.get(name).applies_to, name
    if events.num_rows:
        start, end = _window(population.as_of, years)
        assert pc.min(events["occurred_at"]).as_py() >= start
        assert pc.max(events["occurred_at"]).as_py() < end
    # Sorted by subject (in the order of the subjects table), then time.
    position = pc.index_in(events["subject_id"], subjects["subject_id"]).to_numpy()
    micros = events["occurred_at"].cast(pa.int64()).to_numpy()
    assert np.all(np.diff(position) >= 0)
    assert np.all((np.diff(position) > 0) | (np.diff(micros) >= 0))


def test_invariants_hold_for_the_standard_population(population: Population) -> None:
    assert population.as_of == DEFAULT_AS_OF
    assert population.seed == 11
    assert_well_formed(population, years=3)


@settings(max_examples=15, deadline=None)
@given(
    persons=st.integers(0, 40),
    orgs=st.integers(0, 8),
    seed=st.integers(0, 2**32),
    years=st.integers(1, 4),
    as_of=st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)),
)
def test_invariants_hold_for_any_size_seed_and_window(
    persons: int, orgs: int, seed: int, years: int, as_of: datetime.date
) -> None:
    generated = generate_population(persons, orgs, seed=seed, years=years, as_of=as_of)
    assert generated.subjects.num_rows == persons + orgs
    assert_well_formed(generated, years)


@pytest.mark.parametrize("as_of", [datetime.date(2024, 2, 29), datetime.date(2025, 1, 1)])
def test_window_ends_at_as_of_even_on_a_leap_day(as_of: datetime.date) -> None:
    generated = generate_population(50, 5, seed=3, years=1, as_of=as_of)
    assert generated.as_of == as_of
    assert_well_formed(generated, years=1)


def test_same_seed_gives_identical_tables() -> None:
    first = generate_population(300, 30, seed=5)
    second = generate_population(300, 30, seed=5)
    assert first.subjects.equals(second.subjects)
    assert first.events.equals(second.events)


def test_different_seeds_give_different_tables() -> None:
    first = generate_population(300, 30, seed=5)
    second = generate_population(300, 30, seed=6)
    assert not first.subjects.equals(second.subjects)
    assert not first.events.equals(second.events)


def test_subjects_are_persons_then_organisations_with_valid_unique_ids(
    population: Population,
) -> None:
    subjects = population.subjects
    kinds = subjects["subject_kind"].to_pylist()
    assert kinds == ["person"] * 2_000 + ["organisation"] * 200
    ids = subjects["subject_id"].to_pylist()
    assert len(set(ids)) == len(ids)
    for kind, subject_id in zip(kinds, ids, strict=True):
        assert PRC_SCHEME.validate(kind, subject_id) == subject_id


def test_amounts_follow_the_catalogue(population: Population) -> None:
    for event_type in default_catalogue():
        rows = _rows(population.events, "event_type", event_type.name)
        if rows.num_rows == 0:
            continue
        missing = rows["amount"].null_count
        if event_type.amount is AmountRule.REQUIRED:
            assert missing == 0, event_type.name
            assert pc.min(rows["amount"]).as_py() > 0, event_type.name
        elif event_type.amount is AmountRule.NONE:
            assert missing == rows.num_rows, event_type.name
        else:
            assert missing < rows.num_rows, f"{event_type.name} never carries an amount"


def test_attributes_are_declared_required_and_allowed(population: Population) -> None:
    for event_type in default_catalogue():
        rows = _rows(population.events, "event_type", event_type.name)
        declared = {attribute.name for attribute in event_type.attributes}
        for column in ATTRIBUTES:
            values = rows[column]
            if column not in declared:
                assert values.null_count == rows.num_rows, f"{event_type.name}.{column}"
                continue
            if column in event_type.required:
                assert values.null_count == 0, f"{event_type.name}.{column}"
            attribute = default_catalogue().attributes[column]
            present = pc.drop_null(values)
            if attribute.values:
                assert set(pc.unique(present).to_pylist()) <= set(attribute.values)
            if attribute.type is AttributeType.INTEGER and len(present):
                assert attribute.minimum is not None and attribute.maximum is not None
                assert attribute.minimum <= pc.min(present).as_py()
                assert pc.max(present).as_py() <= attribute.maximum


def test_every_event_type_is_generated(population: Population) -> None:
    generated = set(pc.unique(population.events["event_type"]).to_pylist())
    assert generated == set(default_catalogue().types)


def test_counterparties_are_subjects_of_the_stated_kind(population: Population) -> None:
    subjects = population.subjects
    kind_of = dict(zip(subjects["subject_id"].to_pylist(), subjects["subject_kind"].to_pylist(),
                       strict=True))  # fmt: skip
    ties = population.events.filter(pc.is_valid(population.events["counterparty_id"]))
    assert ties.num_rows > 0
    columns = [ties[name].to_pylist() for name in ("subject_id", "counterparty_kind",
                                                    "counterparty_id")]  # fmt: skip
    for subject_id, kind, other in zip(*columns, strict=True):
        assert kind_of[other] == kind
        assert other != subject_id


def test_each_organisation_has_one_legal_representative(population: Population) -> None:
    ties = _rows(population.events, "event_type", "relationship.legal_representative_of")
    assert set(ties["subject_kind"].to_pylist()) == {"person"}
    organisations = _rows(population.subjects, "subject_kind", "organisation")["subject_id"]
    assert sorted(ties["counterparty_id"].to_pylist()) == sorted(organisations.to_pylist())


def test_event_volume_is_in_the_intended_range(population: Population) -> None:
    events = population.events
    per_person = _rows(events, "subject_kind", "person").num_rows / 2_000
    per_organisation = _rows(events, "subject_kind", "organisation").num_rows / 200
    assert 20 <= per_person <= 35
    assert 40 <= per_organisation <= 85


def _by_latent_quartile(population: Population, values: np.ndarray) -> list[float]:
    """Mean of ``values`` (one per subject, NaN skipped) per quartile of latent, lowest first."""
    latent = population.subjects["latent"].to_numpy()
    quartile = np.searchsorted(np.quantile(latent, [0.25, 0.5, 0.75]), latent)
    return [float(np.nanmean(values[quartile == q])) for q in range(4)]


def test_low_latent_subjects_pay_bills_late_more_often(population: Population) -> None:
    events, subjects = population.events, population.subjects
    owner = pc.index_in(events["subject_id"], subjects["subject_id"]).to_numpy()
    event_type = events["event_type"]
    late = np.bincount(owner, pc.equal(event_type, "bill.paid_late").to_numpy(False),
                       subjects.num_rows)  # fmt: skip
    bills = late + np.bincount(owner, pc.equal(event_type, "bill.paid_on_time").to_numpy(False),
                               subjects.num_rows)  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(bills > 0, late / bills, np.nan)
    lowest, *_, highest = _by_latent_quartile(population, share)
    assert lowest > 2 * highest
    billed = bills > 0
    latent = subjects["latent"].to_numpy()[billed]
    assert np.corrcoef(latent, share[billed])[0, 1] < -0.3


def test_outcome_rate_rises_as_latent_falls(population: Population) -> None:
    outcome = population.subjects["defaulted_12m"].to_numpy(False).astype(np.float64)
    rates = _by_latent_quartile(population, outcome)
    assert rates[0] > rates[1] > rates[3]
    assert rates[0] > 5 * rates[3]


def test_empty_population_has_the_full_schema() -> None:
    empty = generate_population(0, 0, seed=0)
    assert empty.events.schema == EVENT_SCHEMA
    assert empty.events.num_rows == 0
    assert empty.subjects.num_rows == 0


@pytest.mark.parametrize(
    "arguments", [{"persons": -1, "orgs": 1}, {"persons": 1, "orgs": -1}, {"years": 0}]
)
def test_rejects_impossible_arguments(arguments: dict[str, int]) -> None:
    kwargs: dict[str, int] = {"persons": 10, "orgs": 1, "years": 3} | arguments
    with pytest.raises(ValueError, match="must be an integer"):
        generate_population(kwargs["persons"], kwargs["orgs"], seed=1, years=kwargs["years"])
