"""The outcome column: which label is "bad", and the 0/1 indicator the fit and metrics use."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from xinyong.errors import XinyongError

TargetLabel = str | int | float | bool
# Labels read as "bad" when the caller names none; a 0/1 or boolean target's bad label is 1.
BAD_WORDS = ("bad", "default", "defaulted", "delinquent", "charged_off", "yes", "y", "true")


def _python(value: Any) -> TargetLabel:
    """A numpy scalar as the plain Python value JSON can hold."""
    item = value.item() if isinstance(value, np.generic) else value
    if isinstance(item, bool | int | float | str):
        return item
    return str(item)


def bad_label(y: pd.Series[Any], given: TargetLabel | None = None) -> TargetLabel:
    """The label of a bad outcome in ``y``: ``given`` when set, else inferred (or an error)."""
    if y.isna().any():
        position = str(int(np.flatnonzero(y.isna().to_numpy())[0]))
        raise XinyongError("BAD_TARGET", "the target has missing values; every training row "
                           "needs an outcome", field=str(y.name or "target"), position=position)
    values = [_python(v) for v in pd.unique(y)]
    name = str(y.name or "target")
    if len(values) != 2:
        raise XinyongError("BAD_TARGET", f"the target must have exactly two outcomes; found "
                           f"{len(values)}: {sorted(map(str, values))[:5]}", field=name)
    if given is not None:
        for v in values:
            if v == given or str(v) == str(given):
                return v
        raise XinyongError("BAD_TARGET", f"the bad label {given!r} is not one of the target's "
                           f"values {sorted(map(str, values))}", field=name)
    if all(isinstance(v, bool | int | float) for v in values) and {float(v) for v in values} == {
        0.0, 1.0
    }:
        return next(v for v in values if float(v) == 1.0)
    for v in values:
        if str(v).strip().lower() in BAD_WORDS:
            return v
    raise XinyongError("BAD_TARGET", f"cannot tell which of {sorted(map(str, values))} is the bad "
                       "outcome; name it (bad_label=…, or --bad on the command line)", field=name)


def bad_indicator(y: pd.Series[Any] | npt.ArrayLike, label: TargetLabel) -> npt.NDArray[np.int8]:
    """1 where the outcome is ``label`` (bad), else 0."""
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if series.isna().any():
        raise XinyongError("BAD_TARGET", "the target has missing values",
                           field=str(series.name or "target"))
    hits = series == label
    if isinstance(label, str) and not hits.any():
        hits = series.astype(str) == label
    return np.asarray(hits.to_numpy(), dtype=np.int8)
