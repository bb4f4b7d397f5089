"""Stores for registry tests: a fresh one, a small scored world, and a hand-made scorecard.

The scorecard (``late-bills``) has one characteristic, so that its reasons and their sentences
are known exactly; ``store_scorecard_run`` writes a batch run of it into ``scores`` as the
scorecard's batch scoring would, so that decisions can be tested under a scorecard champion.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.decisions.conftest import Templates, World, open_world
from xinyong.scoring.scorecard import Bin, Characteristic, Scaling, Scorecard, save_scorecard
from xinyong.scoring.scorecard._artifact import Binning, Exclusions, Intercept, ScoreBands, Training
from xinyong.store import Store

CARD_ID = "late-bills"
LATE_SENTENCE = "Bills paid late is 1 or more; bills paid late below 1 scores best."
MISSING_SENTENCE = "Nothing is known of bills paid late."


def late_bills_card() -> Scorecard:
    bins = (Bin("interval", 60.0, -1.0, 600, 30, lower=None, upper=1.0),
            Bin("interval", 20.0, 1.0, 300, 60, lower=1.0, upper=None, reason=LATE_SENTENCE),
            Bin("missing", 35.0, 0.0, 100, 10, reason=MISSING_SENTENCE),
            Bin("special", 35.0, 0.0, 0, 0, reason=MISSING_SENTENCE))
    return Scorecard(
        id=CARD_ID, target_name="defaulted", bad_label=1,
        characteristics=(Characteristic("bills_paid_late", "numeric", 0.8, bins),),
        scaling=Scaling(), intercept=Intercept("base", -2.0, 560.0),
        training=Training(rows=1000, bad=100, sha256="0" * 64, sha256_of="test", auc=0.7,
                          ks=0.3, gini=0.4, bands=ScoreBands((600.0,), (500, 500))),
        exclusions=Exclusions(), binning=Binning("hand-made", "1", None))


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


def store_scorecard_run(store: Store, as_of: date, points: dict[int, float]) -> None:
    """A batch run of ``late-bills``: every person scored, ``points`` lost by subject key."""
    con = store.con
    con.execute(
        """INSERT INTO scores BY NAME
           SELECT subject_key, kind AS subject_kind, ? AS model_id, '1' AS model_version,
                  ?::DATE AS as_of, 620.0::DOUBLE AS score, 50.0::DOUBLE AS percentile,
                  0 AS n_events
           FROM subjects WHERE kind = 'person'""", [CARD_ID, as_of])
    for key, lost in points.items():
        con.execute("UPDATE scores SET score = 620.0 - ?, reason_1 = 'bills_paid_late', "
                    "reason_1_points = ? WHERE model_id = ? AND subject_key = ?",
                    [lost, lost, CARD_ID, key])
    con.execute("INSERT INTO score_runs (model_id, model_version, as_of, subjects, scored, "
                "seconds) SELECT ?, '1', ?, COUNT(*), COUNT(*), 0.0 FROM scores "
                "WHERE model_id = ?", [CARD_ID, as_of, CARD_ID])
