"""The JSON artifact: what it holds, and that saving and loading reproduce every score exactly."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from tests.scoring.scorecard.conftest import Split, same_values
from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import (
    Scorecard,
    load_scorecard,
    save_scorecard,
    saved_scorecards,
)


def test_save_and_load_reproduce_every_score_bit_for_bit(
    tmp_path: Path, split: Split, card: Scorecard
) -> None:
    path = card.save(tmp_path / "card.json")
    loaded = Scorecard.load(path)
    for X in (split.X_train, split.X_test):
        assert card.score(X).tobytes() == loaded.score(X).tobytes()
        assert card.raw_score(X).tobytes() == loaded.raw_score(X).tobytes()
        assert card.predict_proba(X).tobytes() == loaded.predict_proba(X).tobytes()
        before, after = card.reasons(X), loaded.reasons(X)
        assert all(same_values(before[c], after[c]) for c in before.columns)
    assert loaded.to_json() == card.to_json()
    assert loaded == card


def test_the_artifact_is_plain_versioned_json(tmp_path: Path, card: Scorecard) -> None:
    text = card.save(tmp_path / "card.json").read_text("utf-8")
    doc = json.loads(text)  # JSON, not a pickle
    assert doc["format"] == "xinyong.scorecard" and doc["format_version"] == 1
    assert doc["target"] == {"column": "creditability", "bad": "bad"}
    scaling = doc["scaling"]
    assert (scaling["pdo"], scaling["odds"], scaling["points"], scaling["range"]) == (
        20.0, 50.0, 600.0, [350.0, 950.0])
    assert doc["intercept"]["handling"] == "base" and "base_points" in doc["intercept"]
    assert re.fullmatch(r"[0-9a-f]{64}", doc["training"]["sha256"])
    assert set(doc["training"]["metrics"]) == {"auc", "ks", "gini"}
    assert 0.5 < doc["training"]["metrics"]["auc"] < 1
    assert sum(doc["training"]["score_bands"]["counts"]) == doc["training"]["rows"]
    assert "monotonic_trend" in doc["binning"] and "non_monotonic" in doc["binning"]


def test_every_characteristic_has_explicit_bounds_sets_and_missing_special_other_bins(
    card: Scorecard,
) -> None:
    for c in card.to_json()["characteristics"]:
        kinds = [b["kind"] for b in c["bins"]]
        if c["kind"] == "numeric":
            assert kinds[-2:] == ["missing", "special"]
            intervals = [b for b in c["bins"] if b["kind"] == "interval"]
            assert intervals[0]["lower"] is None and intervals[-1]["upper"] is None
            for left, right in pairwise(intervals):
                assert left["upper"] == right["lower"]
        else:
            assert kinds[-3:] == ["missing", "special", "other"]
            assert all(b["values"] for b in c["bins"] if b["kind"] == "set")
        assert all(isinstance(b["points"], float) and b["reason"] for b in c["bins"])
        assert c["best_points"] == max(b["points"] for b in c["bins"])


def test_saved_scorecards_are_found_by_id_under_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: Split, card: Scorecard
) -> None:
    monkeypatch.setenv("XINYONG_HOME", str(tmp_path / "home"))
    path = save_scorecard(card)
    assert path == tmp_path / "home" / "models" / "german-credit.json"
    assert saved_scorecards() == ["german-credit"]
    assert np.array_equal(load_scorecard("german-credit").score(split.X_test),
                          card.score(split.X_test))
    assert load_scorecard(str(path)).id == "german-credit"
    with pytest.raises(XinyongError) as caught:
        load_scorecard("no-such-model")
    assert caught.value.code == "UNKNOWN_MODEL" and caught.value.field == "model"
    assert "german-credit" in caught.value.message
    with pytest.raises(XinyongError) as caught:
        load_scorecard(tmp_path / "missing.json")
    assert caught.value.code == "UNKNOWN_MODEL"


@pytest.mark.parametrize("damage", [
    lambda d: d.update(format="something-else"),
    lambda d: d.update(format_version=99),
    lambda d: d.pop("scaling"),
    lambda d: d["characteristics"][1]["bins"].pop(0),  # a gap below the second interval
    lambda d: d["characteristics"][0]["bins"].pop(),  # no "other" bin
])
def test_a_damaged_artifact_is_refused(card: Scorecard, damage: object) -> None:
    doc = json.loads(card.to_text())
    damage(doc)  # type: ignore[operator]
    with pytest.raises(XinyongError) as caught:
        Scorecard.from_json(doc)
    assert caught.value.code == "BAD_SCORECARD"


def test_model_ids_cannot_escape_the_models_folder(tmp_path: Path, card: Scorecard) -> None:
    from dataclasses import replace

    with pytest.raises(XinyongError) as caught:
        save_scorecard(replace(card, id="../outside"), tmp_path)
    assert caught.value.code == "BAD_MODEL_ID"
