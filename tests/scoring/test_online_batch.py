"""Scoring one subject online gives exactly its row of the batch run, percentile included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.errors import XinyongError
from xinyong.scoring.engine import score_population, score_subject
from xinyong.simulate.population import generate_population
from xinyong.store import Store

from .test_reference_agreement import (
    RULEBOOK_NAMES,
    RULEBOOKS,
    History,
    fresh_home,
    histories,
    score_rows,
    store_history,
)

SIMULATED_AS_OF = date(2026, 11, 1)
# The earlier day leaves part of the simulated history in the future of as-of.
AS_OFS = (SIMULATED_AS_OF, SIMULATED_AS_OF - timedelta(days=400))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, int]]:
    """A simulated population, batch-scored by both rulebooks on both days."""
    population = generate_population(150, 40, seed=20261101, as_of=SIMULATED_AS_OF)
    store = Store.init(tmp_path_factory.mktemp("simulated") / "home")
    store.append_events(population.events)
    for rulebook in RULEBOOKS.values():
        for as_of in AS_OFS:
            score_population(store, rulebook, as_of)
    (subjects,) = store.query("SELECT COUNT(*) FROM subjects")[0]
    yield store, int(subjects)
    store.close()


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_online_score_equals_batch_row_in_simulated_population(
    simulated: tuple[Store, int], data: st.DataObject
) -> None:
    store, subjects = simulated
    rulebook = RULEBOOKS[data.draw(st.sampled_from(RULEBOOK_NAMES), label="rulebook")]
    as_of = data.draw(st.sampled_from(AS_OFS), label="as_of")
    subject_key = data.draw(st.integers(1, subjects), label="subject_key")

    batch = score_rows(store, rulebook, as_of)[subject_key]
    assert score_subject(store, rulebook, subject_key, as_of) == batch


def test_simulated_population_has_scored_and_unscored_subjects_on_both_days(
    simulated: tuple[Store, int],
) -> None:
    # Guards the test above against a population where every row is trivially empty.
    store, _ = simulated
    for rulebook in RULEBOOKS.values():
        for as_of in AS_OFS:
            rows = score_rows(store, rulebook, as_of).values()
            scored = [r for r in rows if r["score"] is not None]
            assert len({r["percentile"] for r in scored}) > 10
            assert {r["subject_kind"] for r in scored} == {"person", "organisation"}


@pytest.mark.parametrize("name", RULEBOOK_NAMES)
@settings(max_examples=8, deadline=None)
@given(history=histories())
def test_online_score_equals_batch_row_on_edge_histories(
    name: str, history: History, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rulebook = RULEBOOKS[name]
    with store_history(fresh_home(tmp_path_factory), history) as store:
        score_population(store, rulebook, history.as_of)
        batch = score_rows(store, rulebook, history.as_of)
        online = {key: score_subject(store, rulebook, key, history.as_of) for key in batch}
    assert online == batch


def test_online_score_before_any_batch_run_has_no_percentile(tmp_path: Path) -> None:
    rulebook = RULEBOOKS["rongcheng-like"]
    population = generate_population(20, 5, seed=3, as_of=SIMULATED_AS_OF)
    with Store.init(tmp_path / "home") as store:
        store.append_events(population.events)
        alone = score_subject(store, rulebook, 1, SIMULATED_AS_OF)
        score_population(store, rulebook, SIMULATED_AS_OF)
        batch = score_rows(store, rulebook, SIMULATED_AS_OF)[1]
        with pytest.raises(XinyongError) as unknown:
            score_subject(store, rulebook, 10_000, SIMULATED_AS_OF)
        assert unknown.value.code == "SUBJECT_NOT_SCORED"

    assert alone["percentile"] is None
    assert batch["percentile"] is not None
    assert {**alone, "percentile": batch["percentile"]} == batch
