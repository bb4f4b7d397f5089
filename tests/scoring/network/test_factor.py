"""Trust becomes the relationships sub-score: capped, neutral without ties, every point explained."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings

from xinyong.errors import XinyongError
from xinyong.scoring.network import (
    FACTOR_SCHEMA,
    NetworkParams,
    NetworkParamsError,
    describe,
    factor_from_ties,
    factor_scale,
)
from xinyong.scoring.network._factor import Kernel
from xinyong.scoring.rulebook import load_rulebook

from .builders import Graph, Tie, load_graph
from .strategies import graphs

SESAME = load_rulebook("sesame-like")
NEUTRAL, POINTS_PER_SUB = factor_scale(SESAME)
WEIGHT_CAP_POINTS = (SESAME.spec.scale.max - SESAME.spec.scale.min) * 0.05  # 5 % of 600


# One connection for every example: opening DuckDB costs more than a small factor run.
CON = duckdb.connect()


def factor(graph: Graph, params: NetworkParams | None = None, kernel: Kernel = "scipy") -> dict[int, Any]:
    tables = load_graph(CON, graph)
    table = factor_from_ties(CON, tables, neutral=NEUTRAL, points_per_sub=POINTS_PER_SUB,
                             params=params or NetworkParams(tolerance=1e-13), kernel=kernel)
    assert table.schema == FACTOR_SCHEMA
    return {row["subject_key"]: row for row in table.to_pylist()}


def test_sesame_like_caps_the_factor_at_five_percent_of_the_scale() -> None:
    assert NEUTRAL == 50 and math.isclose(POINTS_PER_SUB, 0.3)
    assert math.isclose(WEIGHT_CAP_POINTS, 30.0)


@settings(max_examples=25, deadline=None)
@given(graph=graphs())
def test_the_factor_is_capped_by_its_weight(graph: Graph) -> None:
    for row in factor(graph).values():
        assert 0.0 < row["sub_score"] < 100.0
        assert abs(row["points"]) <= WEIGHT_CAP_POINTS / 2 + 1e-9  # neutral 50: at most ±15
        assert row["points"] == pytest.approx((row["sub_score"] - NEUTRAL) * POINTS_PER_SUB,
                                              abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(graph=graphs())
def test_contributions_sum_to_the_factor_effect(graph: Graph) -> None:
    for row in factor(graph).values():
        total = math.fsum(c["points"] for c in row["contributions"])
        assert total == pytest.approx(row["points"], abs=1e-9)
        assert all(c["points"] != 0 for c in row["contributions"])
        lift = [c for c in row["contributions"] if c["effect"] == "trust"]
        assert math.fsum(c["sub_points"] for c in lift) == pytest.approx(row["lift"], abs=1e-9)


@settings(max_examples=6, deadline=None)
@given(graph=graphs())
def test_both_kernels_give_the_same_factor(graph: Graph) -> None:
    params = NetworkParams()
    embedded, iterated = factor(graph, params, "scipy"), factor(graph, params, "sql")
    assert embedded.keys() == iterated.keys()
    for key, row in embedded.items():
        other = iterated[key]
        for column in ("sub_score", "trust", "lift", "exposure", "points"):
            assert abs(row[column] - other[column]) <= 1e-9, column


def test_a_subject_without_ties_has_no_row_and_ties_without_trust_are_neutral() -> None:
    # 3 and 4 tie to each other but nobody trusted stands behind them: neutral, not a penalty.
    graph = Graph((Tie(1, 2), Tie(3, 4), Tie(4, 3, "relationship.co_borrower_with")),
                  pretrusted=frozenset({1}))
    assert factor(Graph(())) == {}
    rows = factor(graph)
    assert set(rows) == {1, 2, 3, 4}
    assert rows[2]["sub_score"] > NEUTRAL
    for key in (1, 3, 4):
        assert rows[key]["sub_score"] == NEUTRAL and rows[key]["points"] == 0
        assert rows[key]["contributions"] == []


def test_trust_is_lift_and_a_guaranteed_default_is_exposure() -> None:
    graph = Graph(
        (Tie(1, 2), Tie(2, 3), Tie(4, 3)),
        pretrusted=frozenset({1}),
        adverse={3: 1.0},
    )
    rows = factor(graph)
    assert rows[2]["lift"] > 0 and rows[2]["exposure"] > 0
    assert rows[4]["points"] == pytest.approx(-NEUTRAL * 0.5 * POINTS_PER_SUB)  # share 1/(1+1)
    (only,) = rows[4]["contributions"]
    assert describe(only) == "guarantor of a subject who defaulted on a loan in 2026-03: −7.5"
    trusted = [c for c in rows[2]["contributions"] if c["effect"] == "trust"]
    assert describe(trusted[0]).startswith("guaranteed by a trusted subject: +")


def test_more_trusted_vouchers_lift_more_but_never_past_the_cap() -> None:
    lifts = []
    for vouchers in (1, 2, 8, 200):
        ties = tuple(Tie(v, 1000) for v in range(1, vouchers + 1))
        row = factor(Graph(ties, pretrusted=frozenset(range(1, vouchers + 1))))[1000]
        lifts.append(row["points"])
    assert lifts == sorted(lifts) and lifts[0] > 0
    assert lifts[-1] < (100 - NEUTRAL) * POINTS_PER_SUB


def test_older_ties_pass_less_trust_with_slack() -> None:
    fresh = factor(Graph((Tie(1, 2, weight=1.0),), pretrusted=frozenset({1})))[2]
    faded = factor(Graph((Tie(1, 2, weight=0.25),), pretrusted=frozenset({1})))[2]
    assert fresh["lift"] > faded["lift"] > 0


def test_rulebooks_without_a_weighted_relationships_factor_are_refused() -> None:
    with pytest.raises(XinyongError) as caught:
        factor_scale(load_rulebook("rongcheng-like"))
    assert caught.value.code == "NO_RELATIONSHIPS_FACTOR"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"alpha": 1.0}, "alpha"), ({"severity": 2.0}, "severity"),
     ({"tie_weights": {"friendship.declared": 1.0}}, "tie_weights"),
     ({"min_score": 600.0}, "score_model")],
)
def test_bad_parameters_are_refused_with_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(NetworkParamsError) as caught:
        NetworkParams(**change)
    assert caught.value.field == field


def test_the_factor_table_is_arrow_with_nested_contributions() -> None:
    rows = factor(Graph((Tie(1, 2),), pretrusted=frozenset({1})))
    assert isinstance(rows[2]["contributions"], list)
    assert pa.types.is_list(FACTOR_SCHEMA.field("contributions").type)
