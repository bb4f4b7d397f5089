"""Compile a learned scorecard to one SQL query, the same way rulebooks are compiled.

The query is written in DuckDB's dialect (literals ``CAST(… AS DOUBLE)``, as in
:mod:`xinyong.scoring.compile`), parsed by SQLGlot and printed in any dialect it knows. Stages:

``src``       each scored column once: ``CAST(x AS DOUBLE)`` for numeric characteristics,
              ``CAST(x AS VARCHAR)`` for categorical ones (categories are compared as text)
``binned``    per characteristic, the bin id: missing (NULL or NaN) first, then special
              values, then ``x < split`` arms in ascending order (a value equal to a split goes
              right: intervals are ``[lower, upper)``) or ``IN`` lists, else the last interval
              or the "other" bin — the rules of :meth:`Characteristic.assign`
``pointed``   per characteristic, its points and its reason key (:attr:`Scorecard.reason_keys`:
              micro-points lost and the bin's position on the card packed in one BIGINT), each
              read from a constant array by bin id
``reason_k``  the k-th largest reason key: ``GREATEST`` over the keys below the previous one,
              which every engine has and which needs no sort (0 stands for "no reason")

A reason is decoded from its key alone: ``key // F`` is the micro-points lost and ``F − 1 −
key % F`` the bin on the card (``F`` bins in all), whose characteristic name and sentence are
read from two constant arrays — one lookup each, instead of a ``CASE`` over characteristics and
bins. (Arrays are 1-based in DuckDB; the index is a typed BIGINT so that SQLGlot shifts it for
0-based engines such as Spark.)

The output has the id, ``score`` (clamped to the range) and ``reason_1 … reason_4`` (the
characteristic's name) with ``_points`` (points lost against the characteristic's best bin) and
``_text`` (the bin's sentence) columns; with ``detail`` also ``raw_score`` (before clamping) and
one ``<name>_points`` column per characteristic, as the rulebook query's ``detail`` adds its
rules. The points are the artifact's doubles, summed in characteristic order as the Python
scoring does, so both give the same numbers. :func:`scoring_stages` gives the same stages to the
store query (:mod:`._store`), which carries more columns through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlglot
import sqlglot.errors

from xinyong.errors import XinyongError
from xinyong.scoring.compile import num, text
from xinyong.scoring.scorecard._artifact import MICRO_POINTS, REASON_SLOTS, Scorecard
from xinyong.scoring.scorecard._bins import Characteristic


def quote(name: str) -> str:
    """A DuckDB identifier, quoted (SQLGlot requotes it for the target dialect)."""
    return '"' + name.replace('"', '""') + '"'


def transpile(sql: str, dialect: str) -> str:
    """``sql`` (DuckDB) pretty-printed in ``dialect``, or a ``BAD_OPTION`` error."""
    try:
        return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]
    except (sqlglot.errors.SqlglotError, ValueError) as exc:
        raise XinyongError("BAD_OPTION", f"cannot write the query for dialect {dialect!r}: {exc}",
                           field="dialect") from None


def scorecard_sql(card: Scorecard, *, table: str, id_column: str, dialect: str = "duckdb",
                  reason_text: bool = True, detail: bool = False) -> str:
    """The scoring query of ``card`` over ``table`` (inserted as written), pretty-printed.

    ``id_column`` is carried through as the first output column. ``dialect`` is any SQLGlot
    dialect (``duckdb``, ``spark`` …). ``reason_text=False`` leaves out the ``reason_k_text``
    columns (the sentences are in the artifact, per characteristic and bin). ``detail=True``
    adds ``raw_score`` and the points of every characteristic.
    """
    if not table.strip():
        raise XinyongError("BAD_OPTION", "give the table to score", field="table")
    ident = quote(id_column)
    stages = scoring_stages(card, table, carry=[ident])
    columns = [ident, f"{stages.score} AS score"]
    if detail:
        columns += ["raw_score", *(f"p_{j} AS {quote(c.name + '_points')}"
                                   for j, c in enumerate(card.characteristics))]
    columns += [f"{stages.reason(s)} AS reason_{s}" for s in range(1, REASON_SLOTS + 1)]
    columns += [f"{stages.reason_points(s)} AS reason_{s}_points"
                for s in range(1, REASON_SLOTS + 1)]
    if reason_text:
        columns += [f"{stages.reason_text(s)} AS reason_{s}_text"
                    for s in range(1, REASON_SLOTS + 1)]
    body = ",\n  ".join(columns)
    sql = "WITH " + ",\n".join(stages.ctes) + f"\nSELECT\n  {body}\nFROM {stages.last}"
    return transpile(sql, dialect)


@dataclass(frozen=True)
class ScoringStages:
    """The scoring CTEs of a card and the expressions that read their last stage.

    Over ``last``: ``raw_score``, ``p_j`` (points of characteristic ``j``) and ``key_1 …
    key_4``; the properties and methods give the clamped score and the decoded reasons.
    """

    ctes: tuple[str, ...]
    last: str
    card: Scorecard

    @property
    def score(self) -> str:
        scaling = self.card.scaling
        return (f"GREATEST({num(scaling.range_min)}, LEAST({num(scaling.range_max)}, "
                "raw_score))")

    def _lookup(self, slot: int, values: list[str]) -> str:
        total = self.card.flat_bins
        index = f"CAST({total} - NULLIF(key_{slot}, 0) % {total} AS BIGINT)"
        return f"[{', '.join(values)}][{index}]"

    def reason(self, slot: int) -> str:
        """The characteristic's name of reason ``slot`` (NULL when there is none)."""
        return self._lookup(slot, [text(c.name) for c in self.card.characteristics
                                   for _ in c.bins])

    def reason_points(self, slot: int) -> str:
        total = self.card.flat_bins
        return f"CAST(NULLIF(key_{slot}, 0) // {total} AS DOUBLE) / {num(MICRO_POINTS)}"

    def reason_text(self, slot: int) -> str:
        return self._lookup(slot, [text(b.reason) for c in self.card.characteristics
                                   for b in c.bins])


def scoring_stages(card: Scorecard, source: str, *, carry: Sequence[str] = (),
                   columns: Sequence[str] | None = None) -> ScoringStages:
    """The ``src … reason_4`` CTEs of ``card`` over ``source``, passing ``carry`` through.

    ``columns`` are the source's columns holding the characteristics, in the card's order
    (default: the characteristics' names).
    """
    chars = card.characteristics
    names = list(columns) if columns is not None else [quote(c.name) for c in chars]
    n = len(chars)
    kept = "".join(f"{c}, " for c in carry)
    src = ",\n    ".join(
        f"CAST({names[j]} AS {'DOUBLE' if c.kind == 'numeric' else 'VARCHAR'}) AS v_{j}"
        for j, c in enumerate(chars))
    binned = ",\n    ".join(_bin_case(j, c) for j, c in enumerate(chars))
    pointed = ",\n    ".join(
        [f"{_by_bin(j, [num(p) for p in c.points])} AS p_{j}" for j, c in enumerate(chars)]
        + [f"{_by_bin(j, [str(int(k)) for k in card.reason_keys[j]])} AS k_{j}"
           for j in range(n)])
    raw = " + ".join([num(card.intercept.base_points), *(f"p_{j}" for j in range(n))])
    ctes = [
        f"src AS (\n  SELECT {kept}\n    {src}\n  FROM {source}\n)",
        f"binned AS (\n  SELECT {kept}\n    {binned}\n  FROM src\n)",
        f"pointed AS (\n  SELECT {kept}\n    {pointed}\n  FROM binned\n)",
        f"reason_1 AS (SELECT *, {raw} AS raw_score, "
        f"GREATEST({', '.join(f'k_{j}' for j in range(n))}) AS key_1 FROM pointed)",
    ]
    for slot in range(2, REASON_SLOTS + 1):
        below = ", ".join(f"IF(k_{j} < key_{slot - 1}, k_{j}, 0)" for j in range(n))
        ctes.append(f"reason_{slot} AS (SELECT *, GREATEST({below}) AS key_{slot} "
                    f"FROM reason_{slot - 1})")
    return ScoringStages(tuple(ctes), f"reason_{REASON_SLOTS}", card)


def _bin_case(j: int, c: Characteristic) -> str:
    v = f"v_{j}"
    arms = [f"WHEN {v} IS NULL{f' OR ISNAN({v})' if c.kind == 'numeric' else ''} "
            f"THEN {c.missing_bin}"]
    if c.special_values:
        literals = ", ".join(num(float(s)) if c.kind == "numeric" else text(str(s))
                             for s in c.special_values)
        arms.append(f"WHEN {v} IN ({literals}) THEN {c.special_bin}")
    if c.kind == "numeric":
        arms += [f"WHEN {v} < {num(float(s))} THEN {i}" for i, s in enumerate(c.splits)]
        last = len(c.splits)
    else:
        for i, b in enumerate(c.bins):
            if b.kind == "set":
                arms.append(f"WHEN {v} IN ({', '.join(text(str(x)) for x in b.values)}) THEN {i}")
        assert c.other_bin is not None
        last = c.other_bin
    return f"CASE {' '.join(arms)} ELSE {last} END AS b_{j}"


def _by_bin(j: int, values: list[str]) -> str:
    """``values[b_j]``: one constant-array lookup by bin id (1-based, hence ``+ 1``)."""
    return f"[{', '.join(values)}][CAST(b_{j} AS BIGINT) + 1]"
