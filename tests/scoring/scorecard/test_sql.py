"""The compiled SQL scores exactly as the Python scoring: every training row, every column."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlglot

from tests.scoring.scorecard.conftest import Split, same_values, sql_scores
from xinyong.errors import XinyongError
from xinyong.scoring.scorecard import REASON_SLOTS, Bin, Characteristic, Scorecard, scorecard_sql
from xinyong.scoring.scorecard._artifact import (
    Binning,
    Exclusions,
    Intercept,
    Scaling,
    ScoreBands,
    Training,
)


def assert_sql_equals_python(card: Scorecard, X: pd.DataFrame) -> None:
    frame = X.assign(row_id=np.arange(len(X)))
    sql = sql_scores(card, frame)
    assert len(sql) == len(X)
    assert np.array_equal(sql["score"].to_numpy(), card.score(X))
    assert np.array_equal(sql["raw_score"].to_numpy(), card.raw_score(X))
    points = card.points(X)
    for name in card.names:
        assert np.array_equal(sql[f"{name}_points"].to_numpy(), points[name].to_numpy()), name
    reasons = card.reasons(X)
    for column in reasons.columns:
        assert same_values(sql[column], reasons[column]), column


def test_sql_equals_python_on_every_training_row(split: Split, card: Scorecard) -> None:
    assert_sql_equals_python(card, split.X_train)


def test_sql_equals_python_on_the_test_rows_too(split: Split, card: Scorecard) -> None:
    assert_sql_equals_python(card, split.X_test)


def test_reasons_rank_points_lost_with_ties_by_characteristic_order() -> None:
    card = tiny_card()
    X = pd.DataFrame({"a": [0.0, 5.0, 5.0, np.nan], "b": ["x", "y", "x", None],
                      "c": [0.0, 5.0, 0.0, 5.0]})
    reasons = card.reasons(X)
    # a and c lose 10 points each above their split, b loses 10 on "y": ties go to the earlier.
    assert reasons.loc[1, ["reason_1", "reason_2", "reason_3"]].tolist() == ["a", "b", "c"]
    assert reasons.loc[1, "reason_1_points"] == 10.0
    assert reasons.loc[0].isna().all()  # the best bins everywhere: no reasons
    assert reasons.loc[2, ["reason_1", "reason_2"]].tolist() == ["a", None]
    # a missing a loses 6 points, a missing b 7, c above its split 10.
    assert reasons.loc[3, ["reason_1", "reason_2", "reason_3"]].tolist() == ["c", "b", "a"]
    assert reasons.loc[3, "reason_1_text"].startswith("C is 1 or more")
    assert_sql_equals_python(card, X)


def test_only_four_reasons_are_given() -> None:
    card = tiny_card(extra=3)
    X = pd.DataFrame({n: [9.0] for n in ["a", "c", "d0", "d1", "d2"]} | {"b": ["y"]})
    reasons = card.reasons(X)
    assert reasons.filter(regex=r"^reason_\d$").notna().sum(axis=1).iloc[0] == REASON_SLOTS
    assert_sql_equals_python(card, X)


def test_spark_sql_is_a_transpile_of_the_same_query(card: Scorecard) -> None:
    spark = scorecard_sql(card, table="applicants", id_column="row_id", dialect="spark")
    tree = sqlglot.parse_one(spark, read="spark")
    assert tree.find(sqlglot.exp.Greatest) is not None
    assert "ISNAN(" in spark and "AS STRING" in spark and "`row_id`" in spark

def test_the_spark_query_read_back_into_duckdb_still_scores_the_same(
    split: Split, card: Scorecard
) -> None:
    spark = scorecard_sql(card, table="applicants", id_column="row_id", dialect="spark")
    back = sqlglot.transpile(spark, read="spark", write="duckdb")[0]
    con = duckdb.connect()
    con.register("applicants", split.X_test.assign(row_id=np.arange(len(split.X_test))))
    result = con.execute(back).df().sort_values("row_id")
    assert np.array_equal(result["score"].to_numpy(), card.score(split.X_test))
    assert same_values(result["reason_2"], card.reasons(split.X_test)["reason_2"])


def test_sql_without_sentences_has_the_same_scores(split: Split, card: Scorecard) -> None:
    frame = split.X_test.assign(row_id=np.arange(len(split.X_test)))
    full, short = sql_scores(card, frame), sql_scores(card, frame, reason_text=False)
    assert "reason_1_text" in full and "reason_1_text" not in short
    assert np.array_equal(full["score"], short["score"])
    assert same_values(full["reason_1"], short["reason_1"])


def test_a_missing_column_is_a_clear_error(split: Split, card: Scorecard) -> None:
    X = split.X_test.drop(columns=["duration_in_month"])
    with pytest.raises(XinyongError) as caught:
        card.score(X)
    assert (caught.value.code, caught.value.field) == ("MISSING_COLUMN", "duration_in_month")
    with pytest.raises(duckdb.Error):
        sql_scores(card, X.assign(row_id=np.arange(len(X))))


def tiny_card(extra: int = 0) -> Scorecard:
    """Three hand-made characteristics whose worst bins all lose 10 points (ties)."""
    def numeric(name: str, lost_missing: float) -> Characteristic:
        bins = (Bin("interval", 10.0, 0.0, 1, 0, upper=1.0), Bin("interval", 0.0, 0.0, 1, 1, lower=1.0),
                Bin("missing", 10.0 - lost_missing, 0.0, 0, 0), Bin("special", 10.0, 0.0, 0, 0))
        draft = Characteristic(name, "numeric", 1.0, bins)
        return Characteristic(name, "numeric", 1.0, tuple(
            Bin(b.kind, b.points, b.woe, b.count, b.bad, b.lower, b.upper, b.values,
                draft.reason_sentence(i)) for i, b in enumerate(bins)))

    b_bins = (Bin("set", 3.0, 0.0, 1, 0, values=("x",)), Bin("set", -7.0, 0.0, 1, 1, values=("y",)),
              Bin("missing", -4.0, 0.0, 0, 0), Bin("special", 3.0, 0.0, 0, 0),
              Bin("other", 3.0, 0.0, 0, 0))
    draft = Characteristic("b", "categorical", 1.0, b_bins)
    b = Characteristic("b", "categorical", 1.0, tuple(
        Bin(x.kind, x.points, x.woe, x.count, x.bad, values=x.values,
            reason=draft.reason_sentence(i)) for i, x in enumerate(b_bins)))
    chars = (numeric("a", 6.0), b, numeric("c", 12.0), *(numeric(f"d{i}", 1.0) for i in range(extra)))
    return Scorecard(
        id="tiny", target_name="bad", bad_label=1, characteristics=chars,
        scaling=Scaling(), intercept=Intercept("base", 0.0, 500.0),
        training=Training(2, 1, "0" * 64, "test", 0.5, 0.0, 0.0, ScoreBands((), (2,))),
        exclusions=Exclusions(), binning=Binning("hand", "0", None))
