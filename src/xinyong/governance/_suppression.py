"""Red line 3 for audits: which groups and which cells of a table of counts to withhold so that
no count between 1 and ``min_group`` − 1 is published, directly or by subtraction.

:func:`suppressed_groups` works on group sizes; :func:`suppressed_cells` on a table (tier
migration, product crossings, tier shares per group) whose row, column and overall totals, and
any further ``lines``, are published too. A reader is assumed to solve those equations, with
every count non-negative.
"""

from __future__ import annotations

import numpy as np


def suppressed_groups(sizes: dict[str, int], min_group: int) -> set[str]:
    """Groups whose figures are withheld: those under ``min_group``, plus the next smallest
    while the withheld ones add up to fewer than ``min_group`` (so none is recovered by
    subtracting the others from a total)."""
    hidden = {g for g, n in sizes.items() if n < min_group}
    rest = sorted((n, g) for g, n in sizes.items() if g not in hidden)
    while hidden and 0 < sum(sizes[g] for g in hidden) < min_group and rest:
        hidden.add(rest.pop(0)[1])
    return hidden


Cell = tuple[int, int]


def _determined(hidden: list[Cell], lines: list[set[Cell]], value: dict[Cell, int]) -> set[Cell]:
    """The hidden cells whose value follows from the published cells and the totals of
    ``lines``: those on which every solution of the lines' equations agrees (their column of
    the null space of the lines' matrix over the hidden cells is zero), and, as counts are never
    negative, every cell of a line whose undetermined cells add up to 0; repeated until
    nothing more follows."""
    known: set[Cell] = set()
    while True:
        free = [c for c in hidden if c not in known]
        if not free:
            return known
        equations = [*lines, *({c} for c in known)]
        matrix = np.array([[1.0 if c in line else 0.0 for c in hidden] for line in equations],
                          dtype=np.float64).reshape(len(equations), len(hidden))
        _, singular, vt = np.linalg.svd(matrix)
        null = vt[int((singular > 1e-9).sum()):]
        solved = {c for i, c in enumerate(hidden) if not np.any(np.abs(null[:, i]) > 1e-9)}
        for line in lines:
            rest = (line & set(hidden)) - solved
            if rest and sum(value[c] for c in rest) == 0:
                solved |= rest
        if solved <= known:
            return known
        known |= solved


def _pinned_by_bounds(hidden: set[Cell], lines: list[set[Cell]], value: dict[Cell, int],
                      targets: set[Cell]) -> set[Cell]:
    """The ``targets`` among the hidden cells whose value a reader pins exactly by solving the
    lines' equations with every count non-negative (the least and the greatest feasible value
    agree): one pair of linear programs per target."""
    from scipy.optimize import linprog  # type: ignore[import-untyped]

    cells = sorted(hidden)
    touched = [line & hidden for line in lines if line & hidden]
    if not cells or not touched:
        return set()
    a_eq = [[1.0 if c in line else 0.0 for c in cells] for line in touched]
    b_eq = [float(sum(value[c] for c in line)) for line in touched]
    pinned = set()
    for cell in sorted(targets & hidden):
        goal = np.zeros(len(cells))
        goal[cells.index(cell)] = 1.0
        low = linprog(goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-goal, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 1e-6:
            pinned.add(cell)
    return pinned


def _lines(n_rows: int, n_cols: int, extra: list[set[Cell]]) -> list[set[Cell]]:
    rows = [{(i, j) for j in range(n_cols)} for i in range(n_rows)]
    columns = [{(i, j) for i in range(n_rows)} for j in range(n_cols)]
    # a line of one cell is that cell (a row of a one-column table): no total of its own
    return [line for line in [*rows, *columns, {c for r in rows for c in r}, *extra]
            if len(line) > 1]


def suppressed_cells(counts: list[list[int]], min_group: int, *,
                     lines: list[set[Cell]] | None = None,
                     unpublished: set[Cell] | None = None) -> set[Cell]:
    """Cells of a table of counts to withhold so that no count between 1 and ``min_group`` − 1
    is published or can be worked out from what is.

    The reader is assumed to know every published cell, every row and column total, the
    table's total and the total of each of ``lines`` (more sets of cells whose sum is published
    elsewhere, such as a diagonal), and to solve the equations. ``unpublished`` cells are never
    shown (they are withheld from the start). Small cells are withheld, then complementary
    cells (the smallest published ones of the same row or column first) while a small cell can
    still be solved for, or the undetermined withheld cells of a line add up to fewer than
    ``min_group``. A small cell that the totals alone give away cannot be protected here: that
    total has to be withheld where it is published."""
    n_rows = len(counts)
    n_cols = len(counts[0]) if counts else 0
    value = {(i, j): int(counts[i][j]) for i in range(n_rows) for j in range(n_cols)}
    equations = _lines(n_rows, n_cols, lines or [])
    small = {c for c, v in value.items() if 0 < v < min_group}
    hidden = small | (unpublished or set())
    guarded = set(small)  # cells that must not be solvable: the small ones, and complements
    lost = _determined(sorted(value), equations, value)  # given away by the totals alone
    lost_bounds = _pinned_by_bounds(set(value), equations, value, small)  # likewise, with bounds
    while True:
        known = _determined(sorted(hidden), equations, value)
        exposed = sorted((guarded & known) - lost)
        shown = sorted((c for c in value if c not in hidden),
                       key=lambda c: (value[c] == 0, value[c], c))
        if exposed:
            cell = exposed[0]
            near = [c for c in shown if c[0] == cell[0] or c[1] == cell[1]] or shown
            breaking = [c for c in near
                        if cell not in _determined(sorted(hidden | {c}), equations, value)]
            if breaking or (near and cell in small):
                hidden.add((breaking or near)[0])
            elif cell in small:
                return hidden  # nothing left to withhold
            else:  # a complement that cannot be kept unknown: give up on it, try another
                guarded.discard(cell)
                lost.add(cell)
            continue
        # a line whose unknown cells add up to fewer than min_group: withhold one more of its
        # cells, or keep one of its withheld but solvable cells from being solved
        widen = [c for line in equations
                 if 0 < sum(value[c] for c in (line & hidden) - known) < min_group
                 for c in [*(c for c in shown if c in line and value[c] > 0),
                           *sorted(c for c in (line & known) - guarded - lost if value[c] > 0)]]
        if widen:
            hidden.add(widen[0])
            guarded.add(widen[0])
            continue
        # counts are never negative: bounds can pin a cell the equations alone leave open
        pinned = sorted(_pinned_by_bounds(hidden, equations, value, small - lost - lost_bounds))
        shown_near = [c for c in shown if pinned and (c[0] == pinned[0][0] or c[1] == pinned[0][1])]
        if not pinned or not (shown_near or shown):
            return hidden
        hidden.add((shown_near or shown)[0])
