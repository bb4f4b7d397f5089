"""Property tests: Python and SQL put every awkward value in the same bin.

Missing values (NULL and NaN), special values, categories never seen in training and values at,
just below and just above every split point (±1 ulp) must get the same points and the same
reasons from :meth:`Scorecard.reasons` and from the compiled SQL run in DuckDB. The data is
synthetic, so these run without the shared data folder.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scoring.scorecard.conftest import same_values
from xinyong.scoring.scorecard import Scorecard, ScorecardModel, scorecard_sql

SPECIAL_X = -999.0
SPECIAL_C = "N/A"
CATEGORIES = ("a", "b", "c", "d", "e")


@cache
def synthetic_card() -> Scorecard:
    rng = np.random.default_rng(11)
    n = 4000
    x = np.round(rng.normal(50, 15, n), 1)
    x[rng.uniform(size=n) < 0.05] = np.nan
    x[rng.uniform(size=n) < 0.05] = SPECIAL_X
    k = rng.integers(0, 10, n)
    c = rng.choice(np.asarray(CATEGORIES, dtype=object), n)
    c[rng.uniform(size=n) < 0.05] = None
    c[rng.uniform(size=n) < 0.04] = SPECIAL_C
    logit = -1.0 + 0.04 * (np.nan_to_num(x, nan=50) - 50) - 0.15 * k + (c == "a") - 0.5 * (c == "e")
    bad = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame({"x": x, "k": k, "c": pd.Series(c, dtype=object)})
    model = ScorecardModel(protected=(), special_codes={"x": [SPECIAL_X], "c": [SPECIAL_C]})
    return model.fit(X, bad).scorecard_


@pytest.fixture(scope="module", autouse=True)
def fitted_before_any_example() -> None:
    """Fit outside hypothesis' generation, which must not see the fit's use of randomness."""
    synthetic_card()


@cache
def compiled() -> str:
    return scorecard_sql(synthetic_card(), table="applicants", id_column="row_id", detail=True)


def numeric_values(splits: list[float], specials: list[float]) -> st.SearchStrategy[Any]:
    at = st.sampled_from(splits)
    return st.one_of(
        st.none(), st.just(math.nan), st.sampled_from(specials), at,
        at.map(lambda s: float(np.nextafter(s, -math.inf))),
        at.map(lambda s: float(np.nextafter(s, math.inf))),
        st.floats(allow_nan=False), st.integers(-100, 200).map(float),
    )


def categories() -> st.SearchStrategy[str | None]:
    unseen = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                     max_size=6)
    return st.one_of(st.none(), st.sampled_from([*CATEGORIES, SPECIAL_C]), unseen)


def splits_of(name: str) -> list[float]:
    char = next(c for c in synthetic_card().characteristics if c.name == name)
    return [float(s) for s in char.splits] or [0.0]


@st.composite
def rows(draw: st.DrawFn) -> pa.Table:
    n = draw(st.integers(1, 25))
    xs = draw(st.lists(numeric_values(splits_of("x"), [SPECIAL_X]), min_size=n, max_size=n))
    ks = draw(st.lists(numeric_values(splits_of("k"), [-999.0]), min_size=n, max_size=n))
    cs = draw(st.lists(categories(), min_size=n, max_size=n))
    return pa.table({"row_id": pa.array(range(n), pa.int64()), "x": pa.array(xs, pa.float64()),
                     "k": pa.array(ks, pa.float64()), "c": pa.array(cs, pa.string())})


def run_sql(table: pa.Table) -> pd.DataFrame:
    con = duckdb.connect()
    con.register("applicants", table)
    result = con.execute(compiled()).df().sort_values("row_id").reset_index(drop=True)
    con.close()
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_python_and_sql_agree_on_awkward_values(table: pa.Table) -> None:
    card = synthetic_card()
    X = table.to_pandas()
    sql = run_sql(table)
    points = card.points(X)
    for name in card.names:
        assert np.array_equal(sql[f"{name}_points"].to_numpy(), points[name].to_numpy()), name
    assert np.array_equal(sql["score"].to_numpy(), card.score(X))
    reasons = card.reasons(X)
    for column in reasons.columns:
        assert same_values(sql[column], reasons[column]), column


@given(st.data())
def test_a_value_equal_to_a_split_goes_right_and_one_ulp_below_goes_left(data: st.DataObject) -> None:
    card = synthetic_card()
    char = next(c for c in card.characteristics if c.name == "x")
    i = data.draw(st.integers(0, len(char.splits) - 1))
    split = float(char.splits[i])
    below, above = np.nextafter(split, -math.inf), np.nextafter(split, math.inf)
    ids = char.assign(pd.Series([below, split, above]))
    assert ids.tolist() == [i, i + 1, i + 1]
    assert char.bins[i].upper == split == char.bins[i + 1].lower


def test_missing_special_and_unseen_values_have_their_own_bins() -> None:
    card = synthetic_card()
    by_name = {c.name: c for c in card.characteristics}
    x, c = by_name["x"], by_name["c"]
    assert x.assign(pd.Series([None, math.nan, SPECIAL_X])).tolist() == [
        x.missing_bin, x.missing_bin, x.special_bin]
    assert c.assign(pd.Series([None, SPECIAL_C, "never seen"], dtype=object)).tolist() == [
        c.missing_bin, c.special_bin, c.other_bin]
    assert x.bins[x.missing_bin].count > 0 and x.bins[x.special_bin].count > 0
    assert c.bins[c.other_bin].count == 0 and c.bins[c.other_bin].woe == 0.0
