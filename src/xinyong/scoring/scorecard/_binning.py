"""Finding bins with optbinning's ``BinningProcess``, and reading them back as plain bounds.

optbinning chooses the bins — monotonic in the bad rate by default (``auto_asc_desc``: it picks
ascending or descending per characteristic) — and this module hands the fit a
:class:`BinLayout` per characteristic: split points for numeric ones, category groups for
categorical ones, and the special values. Counts, WoE and points are then computed by the fit on
the layout with the artifact's own bin assignment (:meth:`Characteristic.assign`), so that the
bins that were counted are exactly the bins that score.

User splits are honoured exactly: they are given to optbinning as fixed splits without a trend
constraint, checked beforehand (each bin must hold goods and bads, which optbinning needs) and
compared afterwards; anything else is a ``USER_SPLITS`` error naming the characteristic.

Characteristics that could not be made monotonic are reported, each with why: user splits whose
bad rate is not monotonic, a solver that found no monotonic binning (the characteristic is then
binned without a trend), or a numeric characteristic that a monotonic trend collapses to one bin
although an unconstrained binning finds several (its bad rate rises and falls).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from xinyong.errors import XinyongError
from xinyong.scoring.scorecard._bins import (
    Category,
    CharacteristicKind,
    as_text,
    numeric_values,
)

UserSplits = Sequence[float] | Sequence[Sequence[str]]


@dataclass
class BinLayout:
    """Where one characteristic's bins lie, before anything is counted or scored."""

    name: str
    kind: CharacteristicKind
    splits: list[float] = field(default_factory=list)  # numeric
    groups: list[list[str]] = field(default_factory=list)  # categorical
    special: list[Category] = field(default_factory=list)
    user_splits: bool = False
    trend: str | None = None
    status: str = "OPTIMAL"


def is_categorical(column: pd.Series[Any]) -> bool:
    """Text-like columns are categorical; numbers and booleans are numeric."""
    return not (pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column))


class _Codes:
    """A categorical column as float codes (NaN for missing) and back.

    optbinning bins number-coded categories twice as fast as text (its text path maps Python
    strings row by row); the groups it finds are decoded to text afterwards.
    """

    def __init__(self, column: pd.Series[Any]) -> None:
        self.text = as_text(column)
        codes, uniques = pd.factorize(self.text)
        self.codes = np.where(codes < 0, np.nan, codes.astype(np.float64))
        self.categories = [str(v) for v in uniques]
        self._code = {v: float(i) for i, v in enumerate(self.categories)}

    def code(self, value: Category) -> float:
        """The code of ``value``; a value absent from the data gets a code of its own."""
        return self._code.setdefault(str(value), float(len(self._code)))

    def decode(self, code: Any) -> str:
        return self.categories[int(code)]


def fit_layouts(
    X: pd.DataFrame,
    bad: npt.NDArray[np.int8],
    kinds: Mapping[str, CharacteristicKind],
    *,
    special_codes: Mapping[str, Sequence[Category]],
    user_splits: Mapping[str, UserSplits],
    monotonic_trend: str | None,
    max_n_bins: int | None,
    min_bin_size: float | None,
    n_jobs: int | None,
) -> tuple[list[BinLayout], list[tuple[str, str]]]:
    """Bin every column of ``X`` named in ``kinds``; return the layouts and the report."""
    from optbinning import BinningProcess

    names = list(kinds)
    coded = {n: _Codes(X[n]) for n in names if kinds[n] == "categorical"}
    data = pd.DataFrame({n: coded[n].codes if n in coded else numeric_values(X[n], n)
                         for n in names}, index=X.index)
    params: dict[str, dict[str, Any]] = {}
    for n in names:
        p: dict[str, Any] = {"monotonic_trend": monotonic_trend}
        special = list(special_codes.get(n, ()))
        if special:
            p["special_codes"] = [coded[n].code(v) for v in special] if n in coded else special
        if n in user_splits:
            shown = coded[n].text if n in coded else data[n]
            splits = _checked_user_splits(shown, bad, n, kinds[n], user_splits[n], special)
            if n in coded:
                splits = [[coded[n].code(v) for v in group] for group in splits]
            p.update(user_splits=splits, user_splits_fixed=[True] * len(splits),
                     monotonic_trend=None)
        params[n] = p
    process = BinningProcess(
        names, categorical_variables=[n for n in names if kinds[n] == "categorical"],
        max_n_bins=max_n_bins, min_bin_size=min_bin_size, binning_fit_params=params,
        n_jobs=n_jobs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            process.fit(data, bad)
    except ValueError as exc:
        raise XinyongError("BINNING_FAILED", f"optbinning could not bin the data: {exc}") from None

    layouts: list[BinLayout] = []
    report: list[tuple[str, str]] = []
    for n in names:
        optb = process.get_binned_variable(n)
        layout = _layout(optb, n, kinds[n], special_codes.get(n, ()), n in user_splits,
                         coded.get(n))
        if n in user_splits:
            _check_honoured(layout, user_splits[n])
        elif kinds[n] == "numeric" and optb.status != "OPTIMAL":
            layout = _refit(data[n], bad, layout, special_codes)
            report.append((n, f"no monotonic binning found (solver status {optb.status}); "
                              f"binned without a trend constraint into {len(layout.splits) + 1} "
                              "bins"))
        elif kinds[n] == "numeric" and not layout.splits and monotonic_trend is not None:
            free = _refit(data[n], bad, layout, special_codes)
            if free.splits:
                report.append((n, f"a monotonic trend leaves one bin (no points); without a "
                                  f"trend it has {len(free.splits) + 1} bins, so the bad rate "
                                  "rises and falls"))
        layouts.append(layout)
    return layouts, report


def trend_of(bad_rates: Sequence[float]) -> str:
    """``ascending``/``descending`` (non-strict), ``flat`` for one bin, else ``none``."""
    rates = np.asarray(bad_rates, dtype=np.float64)
    if len(rates) <= 1:
        return "flat"
    steps = np.diff(rates)
    if np.all(steps >= 0):
        return "ascending"
    if np.all(steps <= 0):
        return "descending"
    return "none"


def _layout(optb: Any, name: str, kind: CharacteristicKind, special: Sequence[Category],
            user: bool, coded: _Codes | None = None) -> BinLayout:
    specials: list[Category] = (
        [float(v) for v in special] if kind == "numeric" else [str(v) for v in special])
    if kind == "numeric":
        return BinLayout(name, kind, splits=[float(s) for s in optb.splits], special=specials,
                         user_splits=user, status=str(optb.status))
    # optbinning appends the categories outside every group as one more group; here they score
    # as the "other" bin, like the categories never seen in training.
    decode = coded.decode if coded is not None else str
    raw_others = getattr(optb, "_cat_others", None)
    others = {decode(v) for v in (raw_others if raw_others is not None else [])}
    groups = [[decode(v) for v in group] for group in optb.splits]
    if others and groups and set(groups[-1]) == others:
        groups = groups[:-1]
    return BinLayout(name, kind, groups=groups, special=specials, user_splits=user,
                     status=str(optb.status))


def _refit(x: Any, bad: npt.NDArray[np.int8], layout: BinLayout,
           special_codes: Mapping[str, Sequence[Category]]) -> BinLayout:
    from optbinning import OptimalBinning

    special = list(special_codes.get(layout.name, ())) or None
    optb = OptimalBinning(name=layout.name, dtype="numerical", monotonic_trend=None,
                          special_codes=special)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optb.fit(np.asarray(x, dtype=np.float64), bad)
    return _layout(optb, layout.name, "numeric", layout.special, False)


def _checked_user_splits(x: Any, bad: npt.NDArray[np.int8], name: str, kind: CharacteristicKind,
                         splits: UserSplits, special: list[Category]) -> list[Any]:
    """The user's splits in optbinning's form, or a ``USER_SPLITS`` error saying what is wrong."""
    def error(message: str) -> XinyongError:
        return XinyongError("USER_SPLITS", f"user splits for {name!r}: {message}",
                            field="user_splits", position=name)

    values = np.asarray(x)
    if kind == "numeric":
        try:
            points = sorted(float(s) for s in cast(Sequence[float], splits))
        except (TypeError, ValueError):
            raise error("a numeric characteristic takes a list of numbers") from None
        if not points or not np.all(np.isfinite(points)) or len(set(points)) != len(points):
            raise error("give at least one split, all finite and all different")
        clean = ~np.isnan(values) & ~np.isin(values, np.asarray(special, dtype=np.float64))
        index = np.searchsorted(np.asarray(points), values[clean], side="right")
        labels = [f"[{a}, {b})" for a, b in zip(["-inf", *points], [*points, "inf"], strict=True)]
        groups = range(len(points) + 1)
        chosen: list[Any] = points
    else:
        if isinstance(splits, str) or not all(
            isinstance(g, Sequence) and not isinstance(g, str) for g in splits
        ):
            raise error("a categorical characteristic takes a list of category groups")
        chosen = [[str(v) for v in g] for g in cast(Sequence[Sequence[str]], splits)]
        flat = [v for g in chosen for v in g]
        if len(flat) != len(set(flat)) or not all(chosen):
            raise error("every group needs categories, and a category can be in one group only")
        present = values[pd.notna(values)]
        unknown = sorted(set(flat) - set(present))
        if unknown:
            raise error(f"categories not in the data: {unknown[:5]}")
        lookup = {v: i for i, g in enumerate(chosen) for v in g}
        clean = np.asarray([v is not None and v in lookup for v in values], dtype=bool)
        index = np.asarray([lookup[v] for v in values[clean]], dtype=np.int64)
        labels = [str(g) for g in chosen]
        groups = range(len(chosen))
    bad_clean = bad[clean]
    for i in groups:
        in_bin = index == i
        n_bad = int(bad_clean[in_bin].sum())
        if n_bad == 0 or n_bad == int(in_bin.sum()):
            what = "no rows" if not in_bin.any() else ("no bad rows" if n_bad == 0 else
                                                       "no good rows")
            raise error(f"bin {labels[i]} has {what} in the training data; optbinning needs "
                        "goods and bads in every bin — move or drop that split")
    return chosen


def _check_honoured(layout: BinLayout, splits: UserSplits) -> None:
    if layout.kind == "numeric":
        asked: Any = sorted(float(s) for s in cast(Sequence[float], splits))
        got: Any = layout.splits
    else:
        asked = sorted(sorted(str(v) for v in g) for g in cast(Sequence[Sequence[str]], splits))
        got = sorted(sorted(g) for g in layout.groups)
    if asked != got:
        raise XinyongError("USER_SPLITS", f"optbinning did not keep the user splits for "
                           f"{layout.name!r} (asked {asked}, got {got})", field="user_splits",
                           position=layout.name)
