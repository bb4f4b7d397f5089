"""Shared fixtures: german_credit, its stratified 70/30 split, and scorecards fitted once.

The data lives beside the repository in ``shared/data`` (see its README); the tests that need it
skip when it is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.shared_data import shared_dir
from xinyong.scoring.scorecard import Scorecard, ScorecardModel, scorecard_sql

GERMAN_CREDIT = shared_dir() / "data" / "german_credit.csv"
TARGET = "creditability"
PROTECTED = ("personal_status_and_sex", "age_in_years", "foreign_worker")


@dataclass(frozen=True)
class Split:
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series[Any]
    y_test: pd.Series[Any]


@pytest.fixture(scope="session")
def german() -> pd.DataFrame:
    if not GERMAN_CREDIT.is_file():
        pytest.skip(f"german_credit.csv is not at {GERMAN_CREDIT} (the shared data folder beside "
                    "the repository); the learned-scorecard tests on real data need it")
    return pd.read_csv(GERMAN_CREDIT)


@pytest.fixture(scope="session")
def split(german: pd.DataFrame) -> Split:
    from sklearn.model_selection import train_test_split

    X, y = german.drop(columns=[TARGET]), german[TARGET]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=42)
    return Split(X_train.reset_index(drop=True), X_test.reset_index(drop=True),
                 y_train.reset_index(drop=True), y_test.reset_index(drop=True))


@pytest.fixture(scope="session")
def model(split: Split) -> ScorecardModel:
    return ScorecardModel(model_id="german-credit").fit(split.X_train, split.y_train)


@pytest.fixture(scope="session")
def card(model: ScorecardModel) -> Scorecard:
    result: Scorecard = model.scorecard_
    return result


def sql_scores(card: Scorecard, frame: Any, *, reason_text: bool = True) -> pd.DataFrame:
    """Run the card's DuckDB query over ``frame`` (a DataFrame or Arrow table with ``row_id``)."""
    con = duckdb.connect()
    con.register("applicants", frame)
    sql = scorecard_sql(card, table="applicants", id_column="row_id", reason_text=reason_text,
                        detail=True)
    result = con.execute(sql).df().sort_values("row_id").reset_index(drop=True)
    con.close()
    return result


def same_values(left: Any, right: Any) -> bool:
    """Equal element by element, with None and NaN both meaning "no value"; floats exactly."""
    def norm(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and np.isnan(v)) else v

    a, b = [norm(v) for v in list(left)], [norm(v) for v in list(right)]
    return a == b
