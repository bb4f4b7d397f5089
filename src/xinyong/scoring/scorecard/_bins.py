"""Bins and characteristics: what a learned scorecard is made of, and how Python reads a value.

A :class:`Characteristic` is one input column with its bins; a bin's id is its position in
``bins``. The bins always come in this order, and every one is written out explicitly:

``numeric``      intervals ``[lower, upper)`` in ascending order (the first open below, the last
                 open above), then the ``missing`` bin, then the ``special`` bin
``categorical``  sets of categories, then ``missing``, ``special`` and ``other``

A value goes to the first of these that takes it: ``missing`` (NULL or NaN), ``special`` (equal to
one of its values), the interval with ``lower <= x < upper`` — a value equal to a split point goes
to the right, exactly as optbinning's splits and ``np.searchsorted(side="right")`` — or the set
that holds it, and otherwise ``other`` (a category not seen in training). Categorical values are
compared as text. The SQL compiler (:mod:`._sql`) writes the same rules as ``CASE WHEN`` arms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from xinyong.errors import XinyongError

BinKind = Literal["interval", "set", "missing", "special", "other"]
CharacteristicKind = Literal["numeric", "categorical"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Category = str | float


def format_number(value: float) -> str:
    """A split or code as a person reads it: ``12``, ``11.5``, ``0.3333``."""
    return f"{value:.12g}"


@dataclass(frozen=True)
class Bin:
    """One bin: where values fall (bounds or values), what it scores and what training saw."""

    kind: BinKind
    points: float
    woe: float
    count: int
    bad: int
    lower: float | None = None  # intervals only: inclusive; None is -inf
    upper: float | None = None  # intervals only: exclusive; None is +inf
    values: tuple[Category, ...] = ()  # sets and the special bin
    reason: str = ""  # the sentence given when this bin costs the subject points

    def phrase(self) -> str:
        """The bin as the end of a sentence: ``below 12``, ``one of 'a', 'b'``, ``missing``."""
        if self.kind == "interval":
            if self.lower is None and self.upper is None:
                return "any value"
            if self.lower is None:
                return f"below {format_number(self.upper or 0.0)}"
            if self.upper is None:
                return f"{format_number(self.lower)} or more"
            return f"from {format_number(self.lower)} to below {format_number(self.upper)}"
        if self.kind == "set":
            quoted = ", ".join(f"'{v}'" for v in self.values)
            return quoted if len(self.values) == 1 else f"one of {quoted}"
        if self.kind == "special":
            shown = ", ".join(
                format_number(v) if isinstance(v, float) else f"'{v}'" for v in self.values
            )
            return f"a special value ({shown})" if shown else "a special value"
        if self.kind == "missing":
            return "missing"
        return "another value (in no group; e.g. not seen in training)"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "interval":
            out["lower"] = self.lower
            out["upper"] = self.upper
        if self.kind in ("set", "special"):
            out["values"] = list(self.values)
        out.update(points=self.points, woe=self.woe, count=self.count, bad=self.bad,
                   reason=self.reason)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], numeric: bool) -> Bin:
        def bound(key: str) -> float | None:
            value = data.get(key)
            return None if value is None else float(value)

        values: tuple[Category, ...] = tuple(
            float(v) if numeric and data["kind"] == "special" else str(v)
            for v in data.get("values", ())
        )
        return cls(kind=data["kind"], points=float(data["points"]), woe=float(data["woe"]),
                   count=int(data["count"]), bad=int(data["bad"]), lower=bound("lower"),
                   upper=bound("upper"), values=values, reason=str(data.get("reason", "")))


@dataclass(frozen=True)
class Characteristic:
    """An input column, its logistic coefficient and its bins (see the module docstring)."""

    name: str
    kind: CharacteristicKind
    coefficient: float
    bins: tuple[Bin, ...]
    trend: str | None = None
    user_splits: bool = False

    def __post_init__(self) -> None:
        self._check()

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    @cached_property
    def missing_bin(self) -> int:
        return next(i for i, b in enumerate(self.bins) if b.kind == "missing")

    @cached_property
    def special_bin(self) -> int:
        return next(i for i, b in enumerate(self.bins) if b.kind == "special")

    @cached_property
    def other_bin(self) -> int | None:
        return next((i for i, b in enumerate(self.bins) if b.kind == "other"), None)

    @cached_property
    def splits(self) -> FloatArray:
        """The interval bins' inner boundaries, ascending: ``x < splits[i]`` goes left of it."""
        uppers = [b.upper for b in self.bins if b.kind == "interval" and b.upper is not None]
        return np.asarray(uppers, dtype=np.float64)

    @cached_property
    def special_values(self) -> tuple[Category, ...]:
        return self.bins[self.special_bin].values

    @cached_property
    def points(self) -> FloatArray:
        return np.asarray([b.points for b in self.bins], dtype=np.float64)

    @cached_property
    def best_points(self) -> float:
        """The most points any bin of this characteristic gives: the reason codes' baseline."""
        return float(self.points.max())

    @cached_property
    def points_lost(self) -> FloatArray:
        """Per bin, the points below :attr:`best_points` (PMML's ``pointsBelow``)."""
        return self.best_points - self.points

    def assign(self, column: pd.Series[Any]) -> IntArray:
        """The bin id of every value in ``column``."""
        if self.kind == "numeric":
            x = numeric_values(column, self.name)
            ids = np.searchsorted(self.splits, x, side="right").astype(np.int64)
            if self.special_values:
                ids[np.isin(x, np.asarray(self.special_values, dtype=np.float64))] = self.special_bin
            ids[np.isnan(x)] = self.missing_bin
            return ids
        missing = column.isna().to_numpy(dtype=bool)
        lookup_values: list[str] = []
        lookup_bins: list[int] = []
        for i, b in enumerate(self.bins):
            if b.kind in ("set", "special"):
                lookup_values.extend(str(v) for v in b.values)
                lookup_bins.extend([i] * len(b.values))
        assert self.other_bin is not None  # every categorical characteristic has one
        text = pa.array(as_text(column))
        found = pc.index_in(text, value_set=pa.array(lookup_values, type=text.type))
        positions = np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False),
                               dtype=np.int64)
        bins_of = np.asarray([*lookup_bins, self.other_bin], dtype=np.int64)
        ids = bins_of[positions]  # -1, not found, picks the last entry: the other bin
        ids[missing] = self.missing_bin
        return ids

    def reason_sentence(self, index: int) -> str:
        best = max(range(len(self.bins)), key=lambda i: (self.bins[i].points, -i))
        label = self.label[:1].upper() + self.label[1:]
        return (f"{label} is {self.bins[index].phrase()}; "
                f"{self.label} {self.bins[best].phrase()} scores best.")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "coefficient": self.coefficient,
                "trend": self.trend, "user_splits": self.user_splits,
                "best_points": self.best_points, "bins": [b.to_json() for b in self.bins]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Characteristic:
        numeric = data["kind"] == "numeric"
        return cls(name=str(data["name"]), kind=data["kind"],
                   coefficient=float(data["coefficient"]),
                   bins=tuple(Bin.from_json(b, numeric) for b in data["bins"]),
                   trend=data.get("trend"), user_splits=bool(data.get("user_splits", False)))

    def _check(self) -> None:
        def bad(message: str) -> XinyongError:
            return XinyongError("BAD_SCORECARD", f"characteristic {self.name!r}: {message}",
                                field="characteristics", position=self.name)

        kinds = [b.kind for b in self.bins]
        if self.kind not in ("numeric", "categorical"):
            raise bad(f"unknown kind {self.kind!r}")
        body = "interval" if self.kind == "numeric" else "set"
        tail = ["missing", "special"] if self.kind == "numeric" else ["missing", "special", "other"]
        n = len(kinds) - len(tail)
        if n < 1 or kinds[n:] != tail or any(k != body for k in kinds[:n]):
            raise bad(f"bins must be {body}s followed by {', '.join(tail)}; got {kinds}")
        if self.kind == "numeric":
            bounds = [(b.lower, b.upper) for b in self.bins[:n]]
            if bounds[0][0] is not None or bounds[-1][1] is not None:
                raise bad("the first interval must be open below and the last open above")
            for (_, upper), (lower, _) in pairwise(bounds):
                if upper is None or lower != upper:
                    raise bad("intervals must be contiguous: each upper bound is the next lower")
            if np.any(np.diff(self.splits) <= 0) or not np.all(np.isfinite(self.splits)):
                raise bad("split points must be finite and strictly increasing")
        else:
            seen = [str(v) for b in self.bins if b.kind in ("set", "special") for v in b.values]
            if len(seen) != len(set(seen)):
                raise bad("a category appears in more than one bin")
        if not all(np.isfinite(b.points) for b in self.bins):
            raise bad("points must be finite numbers")


def as_text(column: pd.Series[Any]) -> pd.Series[Any]:
    """``column`` as text, as the SQL's ``CAST(x AS VARCHAR)`` compares categories.

    A string column is used as it is; anything else (numbers in an object column, categoricals)
    is converted with ``str``. Missing values stay missing.
    """
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return column
    return column.astype(str).where(column.notna(), None)


def numeric_values(column: pd.Series[Any], name: str) -> FloatArray:
    """``column`` as float64 with NaN for missing, or a domain error naming the column."""
    try:
        numbers = pd.to_numeric(column, errors="raise")
        return np.asarray(numbers.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    except (ValueError, TypeError):
        raise XinyongError("BAD_COLUMN", f"column {name!r} must hold numbers (or be empty for "
                           "missing)", field=name) from None
