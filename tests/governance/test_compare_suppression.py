"""Complementary suppression (red line 3): a withheld count between 1 and k − 1 can be worked out
neither by subtraction nor by solving the published totals.

Two adversaries attack every table :func:`suppressed_cells` publishes: one peels (a cell is
recovered when it is the only unknown cell of a row, a column or the whole table, given their
totals; then the next), the other bounds each withheld cell by linear programming over every
published total with counts never negative (it recovers a cell when its least and greatest
possible values meet). A small cell that the totals give away even when every cell is withheld
is the totals' fault, not the table's, and is left out; so are, for the second adversary, tables
with a total under k (which would itself be withheld where it is published).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog  # type: ignore[import-untyped]

from xinyong.governance._compare import migration_matrix, product_crossings
from xinyong.governance._suppression import suppressed_cells

Cell = tuple[int, int]
Table = list[list[int]]


def _lines(table: Table, extra: list[set[Cell]]) -> list[set[Cell]]:
    rows, cols = len(table), len(table[0])
    lines = [{(i, j) for j in range(cols)} for i in range(rows)]
    lines += [{(i, j) for i in range(rows)} for j in range(cols)]
    return [*lines, {(i, j) for i in range(rows) for j in range(cols)}, *extra]


def _peeled(table: Table, hidden: set[Cell], lines: list[set[Cell]]) -> set[Cell]:
    """What the peeling adversary recovers."""
    unknown = set(hidden)
    while True:
        alone = [line & unknown for line in lines if len(line & unknown) == 1]
        if not alone:
            return set(hidden) - unknown
        unknown -= alone[0]


def _pinned(table: Table, hidden: set[Cell], lines: list[set[Cell]]) -> set[Cell]:
    """What the linear-programming adversary recovers."""
    cells = sorted(hidden)
    a_eq = [[1.0 if c in line else 0.0 for c in cells] for line in lines if line & hidden]
    b_eq = [float(sum(table[i][j] for i, j in line & hidden)) for line in lines if line & hidden]
    pinned = set()
    for k, cell in enumerate(cells):
        goal = np.zeros(len(cells))
        goal[k] = 1.0
        low = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
        high = linprog(-goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
        if high.status == 0 and -high.fun - low.fun < 1e-6:
            pinned.add(cell)
    return pinned


def _small(table: Table, k: int) -> set[Cell]:
    return {(i, j) for i, r in enumerate(table) for j, v in enumerate(r) if 0 < v < k}


def _assert_safe(table: Table, k: int, hidden: set[Cell], extra: list[set[Cell]],
                 *, lp: bool) -> None:
    """No small cell is published, or recovered (by peeling; by bounds too when ``lp``)."""
    lines = _lines(table, extra)
    everything = {(i, j) for i in range(len(table)) for j in range(len(table[0]))}
    small = _small(table, k)
    assert small <= hidden
    given_away = _peeled(table, everything, lines) | _pinned(table, everything, lines)
    assert not (small & _peeled(table, hidden, lines)) - given_away
    # bounds can pin a cell through a total that is itself small (a row of 1): that total
    # would be withheld where it is published, so only tables with no small total are held to it
    if lp and not any(0 < sum(table[i][j] for i, j in line) < k for line in lines):
        assert not (small & _pinned(table, hidden, lines)) - given_away


tables = st.integers(1, 6).flatmap(lambda rows: st.integers(1, 6).flatmap(
    lambda cols: st.lists(st.lists(st.sampled_from([0, 0, 0, 1, 2, 3, 4, 6, 9, 12, 25, 80]),
                                   min_size=cols, max_size=cols),
                          min_size=rows, max_size=rows)))


@settings(max_examples=300, deadline=None)
@given(table=tables, k=st.integers(1, 15))
def test_no_withheld_small_count_can_be_peeled_out(table: Table, k: int) -> None:
    hidden = suppressed_cells(table, k)
    _assert_safe(table, k, hidden, [], lp=False)
    # when the totals themselves are not small, what is withheld in a row, a column or the
    # table and not recovered adds up to nothing or to at least k (so no interval narrower
    # than k is given away)
    lines = _lines(table, [])
    if any(0 < sum(table[i][j] for i, j in line) < k for line in lines):
        return
    for line in lines:
        unknown = (line & hidden) - _peeled(table, hidden, _lines(table, []))
        withheld = sum(table[i][j] for i, j in unknown)
        assert withheld == 0 or withheld >= k
    if all(v == 0 or v >= k for r in table for v in r):
        assert hidden == set()  # nothing withheld without a reason


@settings(max_examples=120, deadline=None)
@given(table=tables, k=st.integers(2, 15))
def test_no_withheld_small_count_can_be_solved_for(table: Table, k: int) -> None:
    _assert_safe(table, k, suppressed_cells(table, k), [], lp=True)


@settings(max_examples=120, deadline=None)
@given(table=st.integers(2, 5).flatmap(lambda n: st.lists(
    st.lists(st.sampled_from([0, 0, 1, 2, 3, 5, 9, 14, 40]), min_size=n, max_size=n),
    min_size=n, max_size=n)), k=st.integers(2, 12))
# found by hypothesis: the equations leave two cells of 1 open, non-negativity pins them
@example(table=[[2, 0, 0, 0], [0, 1, 1, 0], [0, 2, 0, 0], [0, 0, 2, 0]], k=2)
def test_a_published_diagonal_and_scored_block_are_taken_into_account(table: Table, k: int
                                                                       ) -> None:
    n = len(table)
    diagonal = {(i, i) for i in range(n)}
    scored = {(i, j) for i in range(n - 1) for j in range(n - 1)}
    hidden = suppressed_cells(table, k, lines=[diagonal, scored])
    _assert_safe(table, k, hidden, [diagonal, scored], lp=True)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.integers(0, 30), min_size=4, max_size=4), k=st.integers(2, 12))
def test_product_crossings_cannot_be_subtracted(cells: list[int], k: int) -> None:
    both, a_only, b_only, neither = cells
    outcomes = ([("approve", "approve")] * both + [("approve", "decline")] * a_only
                + [("decline", "approve")] * b_only + [("decline", "decline")] * neither)
    joined = pd.DataFrame(outcomes, columns=["p_a", "p_b"])
    crossed = product_crossings(joined, ["p"], k)["p"]
    table = [[both, a_only], [b_only, neither]]
    published = {(0, 1): crossed["a_only"], (1, 0): crossed["b_only"]}
    hidden = {(0, 0), (1, 1)} | {c for c, v in published.items() if v is None}
    assert all(v == table[c[0]][c[1]] for c, v in published.items() if v is not None)
    # approved by A and B and offered are the table's row, column and overall totals
    _assert_safe(table, k, hidden, [], lp=True)


def test_the_reviewers_matrix_no_longer_gives_away_its_hidden_cell() -> None:
    # as in the demo: one cell of 4 (fair → poor) among large ones; the total of the table
    # (subjects.both) minus the visible cells was that cell
    tiers = ["poor", "fair", "good", "unscorable"]
    counts = Counter({("poor", "poor"): 300, ("fair", "poor"): 4, ("fair", "fair"): 900,
                      ("fair", "good"): 60, ("good", "fair"): 45, ("good", "good"): 1500,
                      ("unscorable", "unscorable"): 290})
    joined = pd.DataFrame([(a, b) for (a, b), n in counts.items() for _ in range(n)],
                          columns=["tier_a", "tier_b"]).replace("unscorable", None)
    m = migration_matrix(joined, tiers[:-1], tiers[:-1], 10)
    shown = sum(v for r in m["counts"] for v in r if v is not None)
    assert m["counts"][1][0] is None
    assert m["suppressed_cells"] >= 4  # a rectangle at least: no row or column alone
    assert sum(counts.values()) - shown != 4  # the total no longer gives the 4 away
    table = [[counts[(a, b)] for b in tiers] for a in tiers]
    hidden = {(i, j) for i, r in enumerate(m["counts"]) for j, v in enumerate(r) if v is None}
    n = len(tiers)
    _assert_safe(table, 10, hidden, [{(i, i) for i in range(n)},
                                     {(i, j) for i in range(n - 1) for j in range(n - 1)}],
                 lp=True)
