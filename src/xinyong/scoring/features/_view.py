"""Feature views: declared features over the event log, validated against the catalogue.

A feature view is a TOML file (shipped ones live in ``featureviews/`` at the repository root,
found by name as rulebooks are). Each feature names its factor (one of the five), the catalogued
event types it reads, an aggregation, an optional window before as-of and optional filters on
the events' attributes::

    [view]
    name = "bureau-basic"
    version = "1"
    applies_to = "person"

    [features.late_payments_12m]
    factor = "credit_history"
    aggregate = "count"
    events = ["bill.paid_late", "loan.repaid_late"]
    window_days = 365
    description = "Bills and loan instalments paid late in the last 12 months"

Aggregations (an event counts when its type is listed, it happened on or before as-of, less
than ``window_days`` days before it when a window is given, and it passes ``where``):

``count``         how many such events (0 when none)
``sum``           the sum of ``value`` (``amount`` or a numeric attribute; 0 when none)
``max``, ``min``, ``mean``   of ``value`` over the events that carry one (missing when none)
``share``         events of ``events`` over events of ``of`` (``events`` ⊆ ``of``; missing when
                  ``of`` has none)
``months_since``  whole months (of 30.4375 days) since the latest such event (missing: never)
``latest``        ``value`` on the latest such event that carries one (ties: the later
                  recorded); a category attribute gives a categorical feature

Unknown event types, attributes and keys, and names in a protected category, are refused at
load with the key at fault. The view's text is hashed (:attr:`FeatureView.sha256`) so that a
scorecard trained on it can insist on the same definitions when it scores.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.catalog import (
    AmountRule,
    Catalogue,
    EventType,
    Factor,
    SubjectKind,
    default_catalogue,
    protected_category,
)
from xinyong.errors import XinyongError

Aggregate = Literal["count", "sum", "max", "min", "mean", "share", "months_since", "latest"]
NEEDS_VALUE: frozenset[str] = frozenset({"sum", "max", "min", "mean", "latest"})
DAYS_PER_MONTH = 30.4375  # 365.25 / 12
MAX_FEATURES = 64


class FeatureViewError(XinyongError):
    """A feature view that cannot be used; ``field`` names the TOML key at fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A numeric filter: ``min <= x <= max`` (either end may be left open)."""

    min: float | None = None
    max: float | None = None


class FeatureSpec(_Strict):
    factor: Factor
    aggregate: Aggregate
    events: tuple[str, ...] = Field(min_length=1)
    of: tuple[str, ...] | None = None
    value: str | None = None
    window_days: int | None = Field(default=None, gt=0)
    where: dict[str, tuple[str, ...] | Range] = Field(default_factory=dict)
    description: str = Field(min_length=3)


class ViewInfo(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    version: str = "1"
    description: str = ""
    applies_to: SubjectKind = SubjectKind.PERSON
    minimum_events: int = Field(default=1, ge=1)


class FeatureViewSpec(_Strict):
    view: ViewInfo
    features: dict[str, FeatureSpec]


@dataclass(frozen=True)
class Feature:
    """One feature of a view: its name, its declaration and what its value is."""

    name: str
    spec: FeatureSpec
    kind: Literal["numeric", "categorical"]

    @property
    def factor(self) -> Factor:
        return self.spec.factor

    @property
    def event_types(self) -> tuple[str, ...]:
        """Every event type the feature reads (``of`` included)."""
        return tuple(dict.fromkeys([*self.spec.events, *(self.spec.of or ())]))


@dataclass(frozen=True)
class FeatureView:
    """A validated feature view and the text it was read from (hashed)."""

    spec: FeatureViewSpec
    features: tuple[Feature, ...]
    source: str

    @property
    def name(self) -> str:
        return self.spec.view.name

    @property
    def version(self) -> str:
        return self.spec.view.version

    @property
    def applies_to(self) -> str:
        return self.spec.view.applies_to.value

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for f in self.features for t in f.event_types))

    def feature(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise FeatureViewError("UNKNOWN_FEATURE", f"feature view {self.name!r} has no feature "
                               f"{name!r}; it has {', '.join(self.names)}", field=name)

    def factor_of(self) -> dict[str, Factor]:
        return {f.name: f.factor for f in self.features}


_NAME = r"^[a-z][a-z0-9_]{0,62}$"


def _key(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts[-1] = f"{parts[-1]}[{p}]" if parts else f"[{p}]"
        else:
            parts.append(f'"{p}"' if "." in p else p)
    return ".".join(parts)


def parse_feature_view(text: str, catalogue: Catalogue | None = None, *,
                       where: str = "feature view") -> FeatureView:
    """Validate a feature view's TOML text; errors name the offending key."""
    catalogue = catalogue or default_catalogue()
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FeatureViewError("FEATURE_VIEW_SYNTAX", f"{where}: {exc}",
                               field="feature_view") from None
    _refuse_protected_names(data)
    try:
        spec = FeatureViewSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key(tuple(p for p in first["loc"] if isinstance(p, int | str)))
        raise FeatureViewError("FEATURE_VIEW_INVALID", f"{where}: {first['msg']}",
                               field=key or "feature_view") from None
    if not spec.features:
        raise FeatureViewError("FEATURE_VIEW_INVALID", f"{where}: declare at least one feature",
                               field="features")
    if len(spec.features) > MAX_FEATURES:
        raise FeatureViewError("FEATURE_VIEW_INVALID", f"{where}: at most {MAX_FEATURES} features",
                               field="features")
    kind = spec.view.applies_to
    features = tuple(_check(name, f, catalogue, kind) for name, f in spec.features.items())
    return FeatureView(spec=spec, features=features, source=text)


def _refuse_protected_names(data: dict[str, Any]) -> None:
    """Names that would bring protected data in, before any other check (red line 1)."""
    features = data.get("features")
    if not isinstance(features, dict):
        return
    for name, body in features.items():
        key = f"features.{name}"
        names: list[tuple[str, str]] = [(name, key)]
        if isinstance(body, dict):
            names += [(str(t), f"{key}.events") for t in body.get("events", []) or []]
            names += [(str(t), f"{key}.of") for t in body.get("of", []) or []]
            if isinstance(body.get("value"), str):
                names.append((body["value"], f"{key}.value"))
            if isinstance(body.get("where"), dict):
                names += [(str(a), f"{key}.where.{a}") for a in body["where"]]
        for value, at in names:
            category = protected_category(value)
            if category is not None:
                raise FeatureViewError(
                    "PROTECTED_CATEGORY", f"'{value}' would bring {category} data into a "
                    "feature; xinyong never scores opinion, belief, ethnicity, union membership, "
                    "health, sex life, genetic or biometric data, speech, media choices or "
                    "location traces", field=at)


def _check(name: str, f: FeatureSpec, catalogue: Catalogue, kind: SubjectKind) -> Feature:
    key = f"features.{name}"

    def fail(at: str, message: str) -> FeatureViewError:
        return FeatureViewError("FEATURE_VIEW_INVALID", message, field=at)

    if not re.fullmatch(_NAME, name):
        raise fail(key, f"feature name {name!r} must be lower-case letters, digits and '_', "
                   "starting with a letter")
    if f.factor is Factor.RELATIONSHIPS:
        # Red line 2: ties move a score only through the capped, explained network factor of
        # the rulebooks; a learned card would weigh them without that cap.
        raise fail(f"{key}.factor", "a feature view cannot read the relationships factor: "
                   "declared ties count only through the capped relationships factor of a "
                   "rulebook")
    types: list[EventType] = []
    for group, listed in (("events", f.events), ("of", f.of or ())):
        for i, t in enumerate(listed):
            if t not in catalogue:
                raise fail(f"{key}.{group}[{i}]", f"'{t}' is not an event type of the catalogue "
                           "(`xinyong catalog` lists them)")
            etype = catalogue.get(t)
            if kind not in etype.applies_to:
                raise fail(f"{key}.{group}[{i}]", f"'{t}' is never reported on a {kind.value}, "
                           f"the subjects this view applies to")
            if etype.factor != f.factor:
                raise fail(f"{key}.factor", f"'{t}' belongs to the {etype.factor.value} factor "
                           f"in the catalogue, not {f.factor.value}")
            types.append(etype)
    if (f.aggregate == "share") != (f.of is not None):
        raise fail(f"{key}.of", "'of' (the event types of the denominator) goes with "
                   "aggregate = 'share', and only with it")
    if f.of is not None and not set(f.events) <= set(f.of):
        raise fail(f"{key}.of", "a share's 'events' must all be among its 'of' event types")
    if (f.aggregate in NEEDS_VALUE) != (f.value is not None):
        raise fail(f"{key}.value", f"aggregate '{f.aggregate}' "
                   + ("needs a 'value' ('amount' or an attribute)" if f.aggregate in NEEDS_VALUE
                      else "takes no 'value'"))
    feature_kind: Literal["numeric", "categorical"] = "numeric"
    if f.value is not None:
        feature_kind = _check_value(f, key, types, fail)
    for attr, condition in f.where.items():
        _check_where(attr, condition, f"{key}.where.{attr}", types, fail)
    return Feature(name=name, spec=f, kind=feature_kind)


def _check_value(f: FeatureSpec, key: str, types: list[EventType],
                 fail: Any) -> Literal["numeric", "categorical"]:
    value = f.value
    if value == "amount":
        for t in types:
            if t.amount == AmountRule.NONE:
                raise fail(f"{key}.value", f"'{t.name}' carries no amount")
        return "numeric"
    for t in types:
        attr = t.attribute(str(value))
        if attr is None:
            raise fail(f"{key}.value", f"'{value}' is not an attribute of '{t.name}'")
        if attr.sql_type not in ("INTEGER", "DOUBLE"):
            if f.aggregate != "latest" or attr.type.value == "subject_ref":
                raise fail(f"{key}.value", f"'{value}' is not a number: aggregate "
                           f"'{f.aggregate}' needs a numeric attribute or 'amount'")
            return "categorical"
    return "numeric"


def _check_where(attr: str, condition: tuple[str, ...] | Range, key: str,
                 types: list[EventType], fail: Any) -> None:
    for t in types:
        spec = t.attribute(attr) if attr != "amount" else None
        if attr == "amount":
            if t.amount == AmountRule.NONE:
                raise fail(key, f"'{t.name}' carries no amount")
            numeric = True
        elif spec is None:
            raise fail(key, f"'{attr}' is not an attribute of '{t.name}'")
        else:
            if spec.type.value == "subject_ref":
                raise fail(key, f"'{attr}' identifies a counterparty; features cannot filter on it")
            numeric = spec.sql_type in ("INTEGER", "DOUBLE")
        if numeric and not isinstance(condition, Range):
            raise fail(key, f"'{attr}' is a number: filter it with {{ min = …, max = … }}")
        if not numeric:
            if isinstance(condition, Range):
                raise fail(key, f"'{attr}' is a category: filter it with a list of values")
            assert spec is not None
            unknown = [v for v in condition if v not in spec.values]
            if unknown:
                raise fail(key, f"'{unknown[0]}' is not a value of '{attr}' (values: "
                           f"{', '.join(spec.values)})")
    if isinstance(condition, Range) and condition.min is None and condition.max is None:
        raise fail(key, "give 'min', 'max' or both")


def load_feature_view(name_or_path: str | Path, catalogue: Catalogue | None = None) -> FeatureView:
    """A shipped feature view by name (``bureau-basic``) or any feature view file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise FeatureViewError("UNKNOWN_FEATURE_VIEW", f"no feature view file {path}",
                                   field="features")
        return parse_feature_view(path.read_text("utf-8"), catalogue, where=str(path))
    shipped = _shipped_folder().joinpath(f"{name_or_path}.toml")
    if not shipped.is_file():
        raise FeatureViewError(
            "UNKNOWN_FEATURE_VIEW", f"no feature view '{name_or_path}'; shipped: "
            f"{', '.join(shipped_feature_views()) or 'none'} (or give a .toml path)",
            field="features")
    return parse_feature_view(shipped.read_text("utf-8"), catalogue, where=str(name_or_path))


def _shipped_folder() -> Any:
    return resources.files("xinyong.scoring.features").joinpath("featureviews")


def shipped_feature_views() -> list[str]:
    folder = _shipped_folder()
    if not folder.is_dir():
        return []
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))
