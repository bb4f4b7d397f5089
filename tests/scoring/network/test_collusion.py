"""Collusion: fresh accounts vouching for each other cannot buy trust.

Trust originates only at pre-trusted subjects (verified, established, without adverse events) and
flows only along ties their holders declared. A ring of fresh accounts gets no trust unless an
outsider declares a tie to it, so however densely and heavily its members vouch for each other
and for outsiders, no member is lifted and no outsider's factor moves at all. When an honest
subject does vouch for a member, the ring can recirculate what comes in at most ``1/α`` times, and
every member stays under the factor's cap.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.scoring.network import NetworkParams

from .builders import Graph, Tie
from .strategies import graphs, rings
from .test_factor import NEUTRAL, POINTS_PER_SUB, factor

PARAMS = NetworkParams(tolerance=1e-14, max_iterations=1000)
RING_START = 100


@st.composite
def population_and_ring(draw: st.DrawFn) -> tuple[Graph, Graph]:
    honest = draw(graphs())
    outsiders = sorted(honest.nodes() | {50, 51})  # 50 and 51: outsiders without any tie
    return honest, draw(rings(outsiders, RING_START))


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(abs(a[c] - b[c]) <= 1e-9 for c in ("sub_score", "trust", "lift", "exposure", "points"))


@settings(max_examples=30, deadline=None)
@given(case=population_and_ring())
def test_a_ring_of_fresh_accounts_lifts_no_member_and_moves_no_outsider(
    case: tuple[Graph, Graph],
) -> None:
    honest, ring = case
    before = factor(honest, PARAMS)
    after = factor(honest.merged(ring), PARAMS)
    members = ring.nodes() & set(range(RING_START, RING_START + 10))

    for key, row in after.items():
        if key in members:
            assert row["lift"] == 0 and row["trust"] == 0
            assert row["sub_score"] <= NEUTRAL
        elif key in before:
            assert same(row, before[key]), key
        else:  # an outsider the ring named, without ties of its own: still neutral
            assert row["sub_score"] == NEUTRAL and row["contributions"] == []


@settings(max_examples=25, deadline=None)
@given(case=population_and_ring(), weight=st.floats(0.01, 100.0))
def test_a_ring_vouched_for_from_outside_amplifies_at_most_one_over_alpha(
    case: tuple[Graph, Graph], weight: float
) -> None:
    honest, ring = case
    members = sorted(ring.nodes() & set(range(RING_START, RING_START + 10)))
    voucher = 99  # a pre-trusted outsider who declares a tie to one member
    door = Graph((Tie(voucher, members[0], weight=weight),), pretrusted=frozenset({voucher}))
    rows = factor(honest.merged(ring).merged(door), PARAMS)

    inflow = sum(c["sub_points"] for c in rows[members[0]]["contributions"]
                 if c["effect"] == "trust" and c["counterparty_key"] == voucher)
    assert inflow > 0
    # Trust entering the ring per step is I; the ring can hold at most I/α of it, and what its
    # members receive in total is bounded by that.
    entering = rows[members[0]]["trust"] * _share(rows[members[0]], voucher)
    received = math.fsum(rows[m]["trust"] for m in members if m in rows)
    assert received <= entering / PARAMS.alpha + 1e-9
    for m in members:
        assert rows[m]["sub_score"] < 100.0
        assert rows[m]["points"] <= (100.0 - NEUTRAL) * POINTS_PER_SUB


def _share(row: dict[str, Any], voucher: int) -> float:
    """The share of a member's received trust that came straight from the voucher."""
    lift = [c for c in row["contributions"] if c["effect"] == "trust"]
    total = math.fsum(c["sub_points"] for c in lift)
    return math.fsum(c["sub_points"] for c in lift if c["counterparty_key"] == voucher) / total
