"""Stores for registry tests: a fresh one, a small scored world, and a hand-made scorecard.

The scorecard (``late-bills``) reads one feature of the shipped ``bureau-basic`` view (late
payments in the last 12 months), so that it scores the store and its reasons and their sentences
are known exactly: a person with any late payment loses 40 points, with the sentence of that bin.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.decisions.conftest import Templates, World, open_world
from xinyong.scoring.features import load_feature_view
from xinyong.scoring.scorecard import Bin, Characteristic, Scaling, Scorecard, save_scorecard
from xinyong.scoring.scorecard._artifact import Binning, Exclusions, Intercept, ScoreBands, Training
from xinyong.scoring.scorecard._deployment import FeatureViewRecord
from xinyong.store import Store

CARD_ID = "late-bills"
FEATURE = "late_payments_12m"
LATE_SENTENCE = "Late payments in the last 12 months: 1 or more; fewer than 1 scores best."
MISSING_SENTENCE = "Nothing is known of late payments in the last 12 months."


def late_bills_card() -> Scorecard:
    view = load_feature_view("bureau-basic")
    bins = (Bin("interval", 60.0, -1.0, 600, 30, lower=None, upper=1.0),
            Bin("interval", 20.0, 1.0, 300, 60, lower=1.0, upper=None, reason=LATE_SENTENCE),
            Bin("missing", 35.0, 0.0, 100, 10, reason=MISSING_SENTENCE),
            Bin("special", 35.0, 0.0, 0, 0, reason=MISSING_SENTENCE))
    return Scorecard(
        id=CARD_ID, target_name="defaulted", bad_label=1,
        characteristics=(Characteristic(FEATURE, "numeric", 0.8, bins),),
        scaling=Scaling(), intercept=Intercept("base", -2.0, 560.0),
        training=Training(rows=1000, bad=100, sha256="0" * 64, sha256_of="test", auc=0.7,
                          ks=0.3, gini=0.4, bands=ScoreBands((600.0,), (500, 500))),
        exclusions=Exclusions(), binning=Binning("hand-made", "1", None),
        feature_view=FeatureViewRecord(view.name, view.version, view.sha256, view.source))


def file_fitted_card() -> Scorecard:
    """The same card without its feature view: as if fitted on a data file."""
    return replace(late_bills_card(), id="from-a-file", feature_view=None)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    store = Store.init(tmp_path / "home")
    yield store
    store.close()


@pytest.fixture
def carded(fresh: Store) -> Store:
    """A fresh store whose home holds the hand-made scorecard (saved, not registered)."""
    save_scorecard(late_bills_card(), fresh.home)
    return fresh


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory)


@pytest.fixture
def world(templates: Templates, tmp_path: Path) -> Iterator[World]:
    w = open_world(templates, tmp_path)
    save_scorecard(late_bills_card(), w.home)
    yield w
    w.store.close()
