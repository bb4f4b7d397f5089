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
              micro-points lost and the characteristic's position packed in one BIGINT)
``reason_k``  the k-th largest reason key, as in the rulebook query: ``GREATEST`` over the keys
              below the previous one, which every engine has and which needs no sort (0
              stands for "no reason": every key is positive)

The output has the id, ``score`` (clamped to the range) and ``reason_1 … reason_4`` (the
characteristic's name) with ``_points`` (points lost against the characteristic's best bin) and
``_text`` (the bin's sentence) columns; with ``detail`` also ``raw_score`` (before clamping) and
one ``<name>_points`` column per characteristic, as the rulebook query's ``detail`` adds its
rules. The points are the artifact's doubles, summed in characteristic order as the Python
scoring does, so both give the same numbers.
"""

from __future__ import annotations

import sqlglot
import sqlglot.errors

from xinyong.errors import XinyongError
from xinyong.scoring.compile import num, text
from xinyong.scoring.scorecard._artifact import MICRO_POINTS, REASON_SLOTS, Scorecard
from xinyong.scoring.scorecard._bins import Characteristic


def quote(name: str) -> str:
    """A DuckDB identifier, quoted (SQLGlot requotes it for the target dialect)."""
    return '"' + name.replace('"', '""') + '"'


def scorecard_sql(card: Scorecard, *, table: str, id_column: str, dialect: str = "duckdb",
                  reason_text: bool = True, detail: bool = False) -> str:
    """The scoring query of ``card`` over ``table`` (inserted as written), pretty-printed.

    ``id_column`` is carried through as the first output column. ``dialect`` is any SQLGlot
    dialect (``duckdb``, ``spark`` …). ``reason_text=False`` leaves out the ``reason_k_text``
    columns (the sentences are in the artifact, per characteristic and bin): writing four
    sentences per row is most of the cost of a batch run. ``detail=True`` adds ``raw_score`` and
    the points of every characteristic.
    """
    if not table.strip():
        raise XinyongError("BAD_OPTION", "give the table to score", field="table")
    sql = _duckdb_sql(card, table, id_column, reason_text=reason_text, detail=detail)
    try:
        return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]
    except (sqlglot.errors.SqlglotError, ValueError) as exc:
        raise XinyongError("BAD_OPTION", f"cannot write the query for dialect {dialect!r}: {exc}",
                           field="dialect") from None


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


def _by_bin(j: int, values: list[str | None], default: str | None = None) -> str:
    """``CASE b_j WHEN i THEN values[i] … ELSE default END``, leaving out the None entries."""
    arms = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values) if v is not None)
    otherwise = f" ELSE {default}" if default is not None else ""
    return f"CASE b_{j} {arms}{otherwise} END" if arms else (default or "NULL")


def _duckdb_sql(card: Scorecard, table: str, id_column: str, *, reason_text: bool,
                detail: bool) -> str:
    chars = card.characteristics
    n = len(chars)
    ident = quote(id_column)
    src = ",\n    ".join(
        f"CAST({quote(c.name)} AS {'DOUBLE' if c.kind == 'numeric' else 'VARCHAR'}) AS v_{j}"
        for j, c in enumerate(chars))
    binned = ",\n    ".join(_bin_case(j, c) for j, c in enumerate(chars))
    bin_cols = ", ".join(f"b_{j}" for j in range(n))
    pointed = ",\n    ".join(
        [f"{_by_bin(j, [num(p) for p in c.points])} AS p_{j}" for j, c in enumerate(chars)]
        + [f"{_by_bin(j, [str(k) if k > 0 else None for k in card.reason_keys[j]], '0')} "
           f"AS k_{j}"
           for j, c in enumerate(chars)])
    raw = " + ".join([num(card.intercept.base_points), *(f"p_{j}" for j in range(n))])
    ctes = [
        f"src AS (\n  SELECT {ident} AS {ident},\n    {src}\n  FROM {table}\n)",
        f"binned AS (\n  SELECT {ident},\n    {binned}\n  FROM src\n)",
        f"pointed AS (\n  SELECT {ident}, {bin_cols},\n    {pointed},\n    {raw} AS raw_score\n"
        f"  FROM binned\n)",
        f"reason_1 AS (SELECT *, GREATEST({', '.join(f'k_{j}' for j in range(n))}) AS key_1 "
        f"FROM pointed)",
    ]
    for slot in range(2, REASON_SLOTS + 1):
        below = ", ".join(f"IF(k_{j} < key_{slot - 1}, k_{j}, 0)" for j in range(n))
        ctes.append(f"reason_{slot} AS (SELECT *, GREATEST({below}) AS key_{slot} "
                    f"FROM reason_{slot - 1})")

    def decode(slot: int, per_characteristic: list[str]) -> str:
        arms = " ".join(f"WHEN {n - 1 - j} THEN {e}" for j, e in enumerate(per_characteristic))
        return f"CASE NULLIF(key_{slot}, 0) % {n} {arms} END"

    sentences = [_by_bin(j, [text(b.reason) if v > 0 else None
                             for b, v in zip(c.bins, c.points_lost, strict=True)])
                 for j, c in enumerate(chars)]
    codes = [text(c.name) for c in chars]
    scaling = card.scaling
    columns = [
        ident,
        f"GREATEST({num(scaling.range_min)}, LEAST({num(scaling.range_max)}, raw_score)) AS score",
        *(["raw_score", *(f"p_{j} AS {quote(c.name + '_points')}" for j, c in enumerate(chars))]
          if detail else []),
        *(f"{decode(s, codes)} AS reason_{s}" for s in range(1, REASON_SLOTS + 1)),
        *(f"CAST(NULLIF(key_{s}, 0) // {n} AS DOUBLE) / {num(MICRO_POINTS)} AS reason_{s}_points"
          for s in range(1, REASON_SLOTS + 1)),
    ]
    if reason_text:
        columns += [f"{decode(s, sentences)} AS reason_{s}_text" for s in range(1, REASON_SLOTS + 1)]
    body = ",\n  ".join(columns)
    return "WITH " + ",\n".join(ctes) + f"\nSELECT\n  {body}\nFROM reason_{REASON_SLOTS}"
