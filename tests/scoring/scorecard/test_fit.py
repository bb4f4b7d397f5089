"""Fitting: ranking power against optbinning, protected attributes, user splits, the estimator."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from tests.scoring.scorecard.conftest import PROTECTED, Split
from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import DEFAULT_PROTECTED, Scorecard, ScorecardModel, evaluate


def test_test_auc_is_at_least_optbinnings_minus_one_hundredth(split: Split, card: Scorecard) -> None:
    from optbinning import BinningProcess
    from optbinning import Scorecard as OptbinningScorecard

    names = [c for c in split.X_train.columns if c not in PROTECTED]
    reference = OptbinningScorecard(
        binning_process=BinningProcess(names), estimator=LogisticRegression(),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(split.X_train[names], (split.y_train == "bad").to_numpy(dtype=int))
        theirs = roc_auc_score(split.y_test == "bad",
                               reference.predict_proba(split.X_test[names])[:, 1])
    ours = evaluate(card, split.X_test, split.y_test)["auc"]
    print(f"german_credit test AUC: xinyong {ours:.4f}, optbinning {theirs:.4f}")
    assert ours >= theirs - 0.01


def test_protected_attributes_are_excluded_by_default(card: Scorecard) -> None:
    assert not set(PROTECTED) & set(card.names)
    assert set(PROTECTED) <= set(DEFAULT_PROTECTED)
    doc = card.to_json()
    assert doc["excluded"]["protected"] == list(PROTECTED)
    assert doc["protected_attributes_used"] == []
    assert set(PROTECTED) <= set(doc["excluded"]["protected_list"])


def test_a_protected_attribute_is_used_only_when_allowed_and_is_recorded(split: Split) -> None:
    allowed = ScorecardModel(allow_protected=["age_in_years"]).fit(split.X_train, split.y_train)
    card = allowed.scorecard_
    assert "age_in_years" in card.names
    assert not {"personal_status_and_sex", "foreign_worker"} & set(card.names)
    assert card.to_json()["protected_attributes_used"] == ["age_in_years"]
    assert Scorecard.from_json(card.to_text()).exclusions.protected_used == ("age_in_years",)


def test_allowing_a_column_that_is_not_protected_is_refused(split: Split) -> None:
    with pytest.raises(XinyongError) as caught:
        ScorecardModel(allow_protected=["credit_amount"]).fit(split.X_train, split.y_train)
    assert caught.value.code == "NOT_PROTECTED"
    assert caught.value.field == "allow_protected"


def test_the_protected_list_is_configurable(split: Split) -> None:
    card = ScorecardModel(protected=["foreign_worker", "telephone"]).fit(
        split.X_train, split.y_train).scorecard_
    assert "age_in_years" in card.names and "telephone" not in card.names
    assert card.exclusions.protected == ("telephone", "foreign_worker")


def test_user_splits_are_honoured_exactly(split: Split) -> None:
    splits = {"duration_in_month": [12, 24, 36],
              "housing": [["own"], ["rent", "for free"]]}
    card = ScorecardModel(user_splits=splits).fit(split.X_train, split.y_train).scorecard_
    by_name = {c.name: c for c in card.characteristics}
    duration = by_name["duration_in_month"]
    assert duration.splits.tolist() == [12.0, 24.0, 36.0] and duration.user_splits
    assert [(b.lower, b.upper) for b in duration.bins if b.kind == "interval"] == [
        (None, 12.0), (12.0, 24.0), (24.0, 36.0), (36.0, None)]
    housing = by_name["housing"]
    assert [set(b.values) for b in housing.bins if b.kind == "set"] == [{"own"},
                                                                      {"rent", "for free"}]


@pytest.mark.parametrize(("splits", "says"), [
    ({"duration_in_month": [100]}, "has no rows"),
    ({"duration_in_month": [4.5, 5.5]}, "in the training data"),
    ({"duration_in_month": ["twelve"]}, "list of numbers"),
    ({"housing": [["own"], ["castle"]]}, "not in the data"),
    ({"housing": [["own"], ["own", "rent"]]}, "one group only"),
])
def test_user_splits_that_cannot_be_honoured_are_a_clear_error(
    split: Split, splits: dict[str, list[object]], says: str
) -> None:
    with pytest.raises(XinyongError) as caught:
        ScorecardModel(user_splits=splits).fit(split.X_train, split.y_train)
    assert caught.value.code == "USER_SPLITS"
    assert caught.value.position == next(iter(splits))
    assert says in caught.value.message


def test_non_monotonic_user_splits_are_reported(split: Split) -> None:
    card = ScorecardModel(user_splits={"credit_amount": [1000, 2000, 3000, 5000, 10000]}).fit(
        split.X_train, split.y_train).scorecard_
    reported = dict(card.binning.non_monotonic)
    if next(c for c in card.characteristics if c.name == "credit_amount").trend == "none":
        assert "credit_amount" in reported
    assert all(c.trend in ("ascending", "descending", "flat") for c in card.characteristics
               if c.kind == "numeric" and c.name not in reported)


def test_a_u_shaped_characteristic_is_reported_not_monotonic() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, 20_000)
    p_bad = np.where((x < 20) | (x > 80), 0.6, 0.1)  # bad at both ends
    bad = rng.uniform(size=x.size) < p_bad
    X = pd.DataFrame({"x": x, "noise": rng.normal(size=x.size)})
    card = ScorecardModel(protected=()).fit(X, bad.astype(int)).scorecard_
    user = ScorecardModel(protected=(), user_splits={"x": [20, 80]}).fit(X, bad.astype(int))
    assert "x" in dict(user.scorecard_.binning.non_monotonic)
    x_char = next(c for c in card.characteristics if c.name == "x")
    rates = [b.bad / b.count for b in x_char.bins if b.kind == "interval" and b.count]
    assert all(np.diff(rates) >= 0) or all(np.diff(rates) <= 0)  # the fitted bins are monotonic


def test_the_estimator_follows_scikit_learns_contract(split: Split) -> None:
    model = ScorecardModel(pdo=40, exclude=("telephone",))
    assert model.get_params()["pdo"] == 40 and model.exclude == ("telephone",)
    assert not hasattr(model, "scorecard_")
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert model.fit(split.X_train, split.y_train) is model
    first = model.scorecard_
    assert "telephone" not in first.names and model.n_features_in_ == len(first.names)
    model.set_params(exclude=("telephone", "job")).fit(split.X_train, split.y_train)
    assert "job" not in model.scorecard_.names and model.scorecard_ is not first
    assert model.predict_proba(split.X_test).shape == (len(split.X_test), 2)
    assert set(np.unique(model.predict(split.X_test))) <= {0, 1}


def test_scores_follow_points_to_double_the_odds(split: Split, model: ScorecardModel) -> None:
    card = model.scorecard_
    raw = card.raw_score(split.X_test)
    p_bad = card.predict_proba(split.X_test)[:, 1]
    factor = 20 / math.log(2)
    assert card.scaling.factor == pytest.approx(factor)
    assert card.scaling.offset == pytest.approx(600 - factor * math.log(50))
    np.testing.assert_allclose(raw, card.scaling.offset + factor * np.log((1 - p_bad) / p_bad))
    # The card's P(bad) is the logistic regression's, fitted on WoE.
    ids = card.bins(split.X_test)
    woe = np.column_stack([np.asarray([b.woe for b in c.bins])[ids[c.name]]
                           for c in card.characteristics])
    np.testing.assert_allclose(p_bad, model.estimator_.predict_proba(woe)[:, 1], rtol=1e-9)


def test_spreading_the_intercept_gives_the_same_scores(split: Split, card: Scorecard) -> None:
    spread = ScorecardModel(intercept="spread").fit(split.X_train, split.y_train).scorecard_
    assert spread.intercept.handling == "spread" and spread.intercept.base_points == 0.0
    np.testing.assert_allclose(spread.score(split.X_test), card.score(split.X_test), rtol=1e-12)


def test_scores_are_clamped_to_the_range(split: Split) -> None:
    card = ScorecardModel(score_range=(500, 540)).fit(split.X_train, split.y_train).scorecard_
    raw, score = card.raw_score(split.X_train), card.score(split.X_train)
    assert score.min() == 500 and score.max() == 540
    assert np.array_equal(score, np.clip(raw, 500, 540))
    inside = (raw > 500) & (raw < 540)
    assert inside.any() and np.array_equal(score[inside], raw[inside])


@pytest.mark.parametrize(("target", "code"), [
    (["good", "bad", "meh"], "BAD_TARGET"),
    (["good", None, "bad"], "BAD_TARGET"),
    (["approved", "declined", "approved"], "BAD_TARGET"),
])
def test_a_target_that_is_not_a_clear_good_or_bad_is_refused(
    target: list[str | None], code: str
) -> None:
    X = pd.DataFrame({"x": range(len(target))})
    with pytest.raises(XinyongError) as caught:
        ScorecardModel().fit(X, pd.Series(target, name="outcome"))
    assert caught.value.code == code and caught.value.field == "outcome"


def test_the_bad_label_can_be_named(split: Split) -> None:
    flipped = split.y_train.map({"good": "approved", "bad": "declined"})
    card = ScorecardModel(bad_label="declined").fit(split.X_train, flipped).scorecard_
    assert card.bad_label == "declined" and card.training.auc > 0.7


def test_unknown_columns_in_options_are_refused(split: Split) -> None:
    with pytest.raises(XinyongError) as caught:
        ScorecardModel(exclude=["no_such_column"]).fit(split.X_train, split.y_train)
    assert (caught.value.code, caught.value.position) == ("UNKNOWN_COLUMN", "no_such_column")
    with pytest.raises(XinyongError) as caught:
        ScorecardModel(special_codes={"age_in_years": [0]}).fit(split.X_train, split.y_train)
    assert caught.value.code == "UNKNOWN_COLUMN"  # protected, so not a characteristic


def test_the_target_column_is_never_a_characteristic(german: pd.DataFrame) -> None:
    card = ScorecardModel().fit(german, german["creditability"]).scorecard_
    assert "creditability" not in card.names
