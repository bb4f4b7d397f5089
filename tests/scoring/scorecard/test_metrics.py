"""evaluate(): ranking, calibration by band and stability against the training population."""

from __future__ import annotations

import numpy as np
import pytest

from tests.scoring.scorecard.conftest import Split
from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import PSI_SHIFT, PSI_WATCH, Scorecard, evaluate, psi


def test_metrics_on_held_out_rows_are_sane(split: Split, card: Scorecard) -> None:
    result = evaluate(card, split.X_test, split.y_test)
    assert 0.5 < result["auc"] < 1
    assert 0 < result["ks"] < 1
    assert result["gini"] == pytest.approx(2 * result["auc"] - 1)
    assert result["rows"] == len(split.X_test) and result["bad"] == (split.y_test == "bad").sum()
    calibration = result["calibration"]
    assert sum(row["rows"] for row in calibration) == len(split.X_test)
    for row in calibration:
        if row["rows"]:
            assert 0 <= row["observed_bad_rate"] <= 1 and 0 < row["predicted_bad_rate"] < 1
    # the lowest band is riskier than the highest, as predicted
    lowest, highest = calibration[0], calibration[-1]
    assert lowest["observed_bad_rate"] > highest["observed_bad_rate"]
    assert lowest["predicted_bad_rate"] > highest["predicted_bad_rate"]
    assert result["psi_thresholds"] == {"watch": PSI_WATCH, "shift": PSI_SHIFT}


def test_psi_on_the_training_data_itself_is_zero(split: Split, card: Scorecard) -> None:
    result = evaluate(card, split.X_train, split.y_train)
    assert result["psi"]["score"]["psi"] == pytest.approx(0.0, abs=1e-12)
    assert result["psi"]["score"]["flag"] == "stable"
    assert all(c["psi"] == pytest.approx(0.0, abs=1e-12) and c["flag"] == "stable"
               for c in result["psi"]["characteristics"])
    assert result["auc"] == pytest.approx(card.training.auc)
    assert result["ks"] == pytest.approx(card.training.ks)


def test_a_shifted_population_is_flagged(split: Split, card: Scorecard) -> None:
    shifted = split.X_test["duration_in_month"] >= 24
    result = evaluate(card, split.X_test[shifted], split.y_test[shifted])
    by_name = {c["name"]: c for c in result["psi"]["characteristics"]}
    assert by_name["duration_in_month"]["psi"] >= PSI_SHIFT
    assert by_name["duration_in_month"]["flag"] == "shift"
    assert result["psi"]["score"]["flag"] in ("watch", "shift")


def test_psi_thresholds_and_empty_bins() -> None:
    assert psi([50, 50], [50, 50]) == 0.0
    assert psi([0, 100], [0, 100]) == 0.0  # a bin empty on both sides adds nothing
    assert psi([50, 50, 0], [45, 45, 10]) > 0
    small, large = psi([50, 50], [55, 45]), psi([50, 50], [90, 10])
    assert small < PSI_WATCH < PSI_SHIFT < large


def test_evaluate_needs_matching_outcomes(split: Split, card: Scorecard) -> None:
    with pytest.raises(XinyongError) as caught:
        evaluate(card, split.X_test, split.y_test.iloc[:10])
    assert caught.value.code == "BAD_TARGET"
    only_good = split.y_test == "good"
    with pytest.raises(XinyongError) as caught:
        evaluate(card, split.X_test[only_good], split.y_test[only_good])
    assert caught.value.code == "BAD_TARGET"
    assert np.all(card.score(split.X_test) >= 350)
