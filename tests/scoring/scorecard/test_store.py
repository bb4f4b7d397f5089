"""Scorecards trained on the event log's features, scored on the store like a rulebook.

One demo-sized population (3,000 persons and a few organisations) is loaded once per module; the
card is fitted on 70 % of the persons' outcomes and judged on the other 30 %.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlglot

from tests.scoring.scorecard.conftest import same_values
from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.features import FeatureView, feature_frame, load_feature_view
from xinyong.scoring.models import score_model
from xinyong.scoring.scorecard import (
    REASON_SLOTS,
    Scorecard,
    ScorecardModel,
    evaluate,
    explain_card,
    factor_points,
    fit_frame,
    save_scorecard,
    score_store,
    store_sql,
    training_frame,
)
from xinyong.scoring.scorecard._deployment import FeatureViewRecord
from xinyong.store import Store


@dataclass(frozen=True)
class World:
    store: Store
    view: FeatureView
    as_of: date
    train: pd.DataFrame
    test: pd.DataFrame
    card: Scorecard
    persons: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from sklearn.model_selection import train_test_split

    from xinyong.simulate import generate_population

    population = generate_population(3_000, 30, seed=7)
    store = Store.init(tmp_path_factory.mktemp("home"))
    store.append_events(population.events)
    store.record_outcomes(population.subjects)
    view = load_feature_view("bureau-basic")
    frame = training_frame(store, view, population.as_of)
    train, test = train_test_split(frame, test_size=0.3, random_state=1,
                                   stratify=frame["defaulted_12m"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card = fit_frame(ScorecardModel(model_id="bureau-card"), train, view)
    yield World(store, view, population.as_of, train, test, card, 3_000)
    store.close()


@pytest.fixture(scope="module")
def stored(world: World) -> pd.DataFrame:
    """The run's rows in ``scores``, with the subject's features beside them."""
    score_store(world.store, world.card, world.as_of)
    rows = world.store.con.execute(
        "SELECT * FROM scores WHERE model_id = ? AND as_of = ? ORDER BY subject_key",
        [world.card.id, world.as_of]).df()
    features = feature_frame(world.store, world.view, world.as_of)
    return rows.merge(features[["subject_key", *world.view.names]], on="subject_key")


def test_the_card_ranks_held_out_outcomes(world: World) -> None:
    result = evaluate(world.card, world.test[world.view.names], world.test["defaulted_12m"])
    assert result["auc"] > 0.6
    assert world.card.training.rows == len(world.train)
    record = world.card.feature_view
    assert record is not None and record.name == "bureau-basic"
    assert record.sha256 == world.view.sha256


def test_the_run_lands_in_scores_for_every_enrolled_person(world: World,
                                                          stored: pd.DataFrame) -> None:
    assert len(stored) == world.persons  # the view applies to persons: organisations are left out
    assert set(stored["subject_kind"].astype(str)) == {"person"}
    assert set(stored["model_version"]) == {world.card.version}
    run = world.store.con.execute(
        "SELECT subjects, scored FROM score_runs WHERE model_id = ?", [world.card.id]).fetchall()
    assert run == [(world.persons, int(stored["score"].notna().sum()))]
    unscorable = stored["unscorable_reason"].notna()
    assert (stored.loc[unscorable, "n_events"] == 0).all()
    assert stored.loc[unscorable, ["score", "tier", "percentile", "reason_1"]].isna().all().all()


def test_sql_points_equal_python_points_on_the_store_rows(world: World,
                                                          stored: pd.DataFrame) -> None:
    rows = stored[stored["unscorable_reason"].isna()].reset_index(drop=True)
    X = rows[world.view.names]
    card = world.card
    assert np.array_equal(rows["score"].to_numpy(), card.score(X))
    expected = factor_points(card, world.view, X)
    for factor in Factor:
        if expected[factor.value] is None:
            assert rows[factor.value].isna().all()
        else:
            assert np.array_equal(rows[factor.value].to_numpy(), expected[factor.value]), factor
    reasons = card.reasons(X)
    for slot in range(1, REASON_SLOTS + 1):
        for column in (f"reason_{slot}", f"reason_{slot}_points"):
            assert same_values(rows[column], reasons[column]), column
    assert rows["tier"].tolist() == [card.tier_of(s) for s in rows["score"]]


def test_percentiles_rank_the_scorable_by_kind(stored: pd.DataFrame) -> None:
    rows = stored[stored["unscorable_reason"].isna()]
    ranks = rows["score"].rank(method="min") - 1
    expected = (100 * ranks / (len(rows) - 1)).round(6)
    assert np.allclose(rows["percentile"].to_numpy(), expected.to_numpy(), atol=1e-6)


def test_the_factor_columns_add_up_to_the_score_less_the_base(world: World,
                                                             stored: pd.DataFrame) -> None:
    rows = stored[stored["unscorable_reason"].isna()]
    total = rows[[f.value for f in Factor]].fillna(0.0).sum(axis=1)
    raw = world.card.raw_score(rows[world.view.names])
    clamped = (raw > world.card.scaling.range_min) & (raw < world.card.scaling.range_max)
    assert np.allclose((total + world.card.intercept.base_points)[clamped],
                       rows["score"][clamped])
    assert rows["relationships"].isna().all()  # the shipped view has no relationships feature


def test_score_model_scores_a_saved_card_by_id(world: World) -> None:
    save_scorecard(world.card, world.store.home)
    day = date(2026, 10, 1)
    run = score_model(world.store, world.card.id, day)
    assert (run.model_id, run.model_version, run.as_of) == (world.card.id, world.card.version, day)
    assert run.subjects == world.persons and 0 < run.scored <= run.subjects


def test_explain_gives_the_stored_reasons_with_sentences_and_values(
    world: World, stored: pd.DataFrame
) -> None:
    row = stored[stored["reason_1"].notna()].iloc[0]
    result = explain_card(world.store, world.card, int(row["subject_key"]), world.as_of)
    assert result.score == row["score"] and result.tier == row["tier"]
    assert [r.code for r in result.reasons] == [
        row[f"reason_{s}"] for s in range(1, REASON_SLOTS + 1) if row[f"reason_{s}"] is not None]
    first = result.reasons[0]
    assert first.points == row["reason_1_points"]
    description = world.view.feature(first.code).spec.description
    assert first.sentence.startswith(description + ":")
    assert result.to_json()["features"].keys() == set(world.view.names)


def test_a_card_fitted_on_a_file_cannot_score_the_store(world: World) -> None:
    card = replace(world.card, feature_view=None)
    with pytest.raises(XinyongError) as caught:
        score_store(world.store, card, world.as_of)
    assert caught.value.code == "NO_FEATURE_VIEW"


def test_an_edited_feature_view_in_the_artifact_is_refused(world: World) -> None:
    doc = world.card.to_json()
    doc["feature_view"]["definition"] += "\n# edited\n"
    with pytest.raises(XinyongError) as caught:
        Scorecard.from_json(doc)
    assert (caught.value.code, caught.value.field) == ("BAD_SCORECARD", "feature_view.sha256")


def test_the_artifact_keeps_view_tiers_and_version(world: World, tmp_path: Path) -> None:
    path = world.card.save(tmp_path / "card.json")
    back = Scorecard.load(path)
    assert back == world.card and back.version == world.card.version
    assert back.tiers[0] == ("poor", 350.0) and back.tiers[-1] == ("excellent", 700.0)
    record = back.feature_view
    assert isinstance(record, FeatureViewRecord) and record.definition == world.view.source
    older = world.card.to_json()
    del older["tiers"], older["feature_view"]  # an artifact from before feature views
    assert Scorecard.from_json(older).feature_view is None


def test_the_store_query_transpiles_to_spark(world: World) -> None:
    spark = store_sql(world.card, world.as_of, dialect="spark")
    tree = sqlglot.parse_one(spark, read="spark")
    assert tree.find(sqlglot.exp.Window) is not None
    assert "synthetic_outcomes" not in store_sql(world.card, world.as_of)  # outcomes stay out
