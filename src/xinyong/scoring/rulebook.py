"""Rulebooks: expert scoring models as data (TOML), validated against the catalogue.

A rulebook gives, per event type, the points an event earns (fixed, or by buckets of an
attribute or of the amount), a half-life for time decay, an optional cap per subject and an
expiry age; plus factor weights, the score scale, tiers and the minimum data needed to score.

Two methods share one compiled query:

* ``weighted`` (sesame-like): each factor's sub-score is ``clamp(neutral + Σ rule points, 0, 100)``
  and the score is ``min + (max - min) · Σ weight · sub / 100``. Rule points are on the factor's
  0–100 scale.
* ``additive`` (rongcheng-like): the score is ``clamp(start + Σ rule points, min, max)``; a factor's
  sub-score is the sum of its rules' points. Rule points are score points.

A rule's contribution for one subject is ``Σ points(event) · 0.5^(age_days / half_life)`` over its
events no older than ``expiry_days``, clamped to ``cap``. Its *best attainable* contribution is its
cap when it can add points and 0 otherwise; the points a subject loses against that best, in score
points, rank the reason codes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.catalog import Catalogue, Factor, default_catalogue
from xinyong.errors import XinyongError

MAX_RULES = 63  # reason keys pack the rule index into 6 bits


class RulebookError(XinyongError):
    """A rulebook that cannot be used; ``field`` names the TOML key at fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bucket(_Strict):
    below: float | None = None
    points: float


class Rule(_Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    reason: str = Field(min_length=3)
    tip: str | None = None
    points: float | None = None
    by: str | None = None
    buckets: tuple[Bucket, ...] | None = None
    half_life_days: float | None = Field(default=None, gt=0)
    cap: float | None = None
    expiry_days: int = Field(gt=0)

    @model_validator(mode="after")
    def _points_or_buckets(self) -> Rule:
        if (self.points is None) == (self.buckets is None):
            raise ValueError("give either 'points' or 'by' with 'buckets'")
        if self.buckets is not None:
            if self.by is None:
                raise ValueError("'buckets' need 'by' (an attribute of the event type or 'amount')")
            bounds = [b.below for b in self.buckets]
            if not bounds or bounds[-1] is not None or any(b is None for b in bounds[:-1]):
                raise ValueError("buckets need ascending 'below' bounds and a last bucket without")
            finite = [b for b in bounds[:-1] if b is not None]
            if finite != sorted(set(finite)):
                raise ValueError("bucket 'below' bounds must be strictly ascending")
        if self.cap is not None and self.cap == 0:
            raise ValueError("a cap of 0 switches the rule off; delete the rule instead")
        return self

    @property
    def point_values(self) -> list[float]:
        return [self.points] if self.points is not None else [b.points for b in self.buckets or ()]

    @property
    def adds_points(self) -> bool:
        return any(p > 0 for p in self.point_values)

    @property
    def best(self) -> float:
        """The best attainable capped contribution of this rule."""
        return self.cap if self.adds_points and self.cap is not None else 0.0


class FactorSpec(_Strict):
    weight: float = Field(ge=0, le=1)
    neutral: float = Field(default=50.0, ge=0, le=100)


class Tier(_Strict):
    name: str
    min: float


class Scale(_Strict):
    min: float
    max: float
    start: float | None = None


class MinimumData(_Strict):
    events: int = Field(default=1, ge=1)
    history_days: int = Field(default=0, ge=0)


class ModelInfo(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    version: str
    description: str = ""
    method: Literal["weighted", "additive"]


class RulebookSpec(_Strict):
    model: ModelInfo
    scale: Scale
    tiers: tuple[Tier, ...]
    minimum_data: MinimumData = MinimumData()
    factors: dict[Factor, FactorSpec] = Field(default_factory=dict)
    rules: dict[str, Rule]


@dataclass(frozen=True)
class CompiledRule:
    """A rule placed in its rulebook: its event type, factor and position (the tie-break)."""

    index: int
    event_type: str
    factor: Factor
    rule: Rule
    score_weight: float  # score points per rule point
    subject_kinds: tuple[str, ...]  # the kinds its event type applies to, sorted


@dataclass(frozen=True)
class Rulebook:
    spec: RulebookSpec
    rules: tuple[CompiledRule, ...]

    @property
    def id(self) -> str:
        return self.spec.model.id

    @property
    def version(self) -> str:
        return self.spec.model.version

    @property
    def method(self) -> str:
        return self.spec.model.method

    def factor_weight(self, factor: Factor) -> float:
        spec = self.spec.factors.get(factor)
        return spec.weight if spec else 0.0

    def tier_of(self, score: float) -> str:
        tier = self.spec.tiers[0].name
        for t in self.spec.tiers:
            if score >= t.min:
                tier = t.name
        return tier

    def rule_by_code(self, code: str) -> CompiledRule:
        for r in self.rules:
            if r.rule.code == code:
                return r
        raise XinyongError("UNKNOWN_REASON", f"no rule with code {code} in {self.id}")

    def reason_sentences(self) -> dict[str, str]:
        return {r.rule.code: r.rule.reason for r in self.rules}


def _key(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts[-1] = f"{parts[-1]}[{p}]" if parts else f"[{p}]"
        elif "." in p:
            parts.append(f'"{p}"')
        else:
            parts.append(p)
    return ".".join(parts)


def parse_rulebook(data: dict[str, Any], catalogue: Catalogue | None = None) -> Rulebook:
    """Validate a parsed rulebook document; errors name the offending key."""
    catalogue = catalogue or default_catalogue()
    try:
        spec = RulebookSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key(tuple(p for p in first["loc"] if p not in ("function-after",)))
        raise RulebookError("RULEBOOK_INVALID", first["msg"], field=key or "rulebook") from None
    _check(spec, catalogue)
    span = spec.scale.max - spec.scale.min
    rules = []
    for index, (event_type, rule) in enumerate(spec.rules.items()):
        etype = catalogue.get(event_type)
        factor = etype.factor
        kinds = tuple(sorted(k.value for k in etype.applies_to))
        weighted = spec.model.method == "weighted"
        weight = span * spec.factors[factor].weight / 100 if weighted else 1.0
        rules.append(CompiledRule(index, event_type, factor, rule, weight, kinds))
    return Rulebook(spec=spec, rules=tuple(rules))


def _check(spec: RulebookSpec, catalogue: Catalogue) -> None:
    def fail(key: str, message: str) -> None:
        raise RulebookError("RULEBOOK_INVALID", message, field=key)

    if spec.scale.max <= spec.scale.min:
        fail("scale.max", "the scale's max must be above its min")
    if spec.model.method == "additive" and spec.scale.start is None:
        fail("scale.start", "an additive rulebook needs the score everyone starts from")
    if spec.model.method == "weighted":
        missing = [f.value for f in Factor if f not in spec.factors]
        if missing:
            fail("factors", f"a weighted rulebook gives every factor a weight; missing: {missing}")
        total = sum(f.weight for f in spec.factors.values())
        if abs(total - 1.0) > 1e-9:
            fail("factors", f"factor weights must add up to 1; they add up to {total:g}")
    tiers = spec.tiers
    if not tiers:
        fail("tiers", "give at least one tier")
    if [t.min for t in tiers] != sorted({t.min for t in tiers}):
        fail("tiers", "tiers must be listed from the lowest 'min' up, without repeats")
    if tiers[0].min > spec.scale.min:
        fail("tiers[0].min", "the lowest tier must start at or below the scale's min")
    if len(spec.rules) > MAX_RULES:
        fail("rules", f"at most {MAX_RULES} rules")
    codes: set[str] = set()
    for event_type, rule in spec.rules.items():
        key = f'rules."{event_type}"'
        if event_type not in catalogue:
            fail(key, f"'{event_type}' is not an event type of the catalogue")
        etype = catalogue.get(event_type)
        if spec.model.method == "weighted" and etype.factor not in spec.factors:
            fail(key, f"its factor {etype.factor.value} has no weight")
        if rule.code in codes:
            fail(f"{key}.code", f"code {rule.code} is used by two rules")
        codes.add(rule.code)
        if rule.by is not None and rule.by != "amount":
            attr = etype.attribute(rule.by)
            if attr is None or attr.sql_type not in ("INTEGER", "DOUBLE"):
                fail(f"{key}.by", f"'{rule.by}' is not a numeric attribute of {event_type}")
        if rule.adds_points and rule.cap is None:
            fail(f"{key}.cap", "a rule that adds points needs a cap, so that the best is defined")
        if rule.cap is not None and rule.adds_points != (rule.cap > 0):
            fail(f"{key}.cap", "the cap must have the sign of the rule's points")
        if rule.adds_points and any(p < 0 for p in rule.point_values):
            fail(key, "a rule either adds or deducts points; split mixed buckets into two types")


def load_rulebook(name_or_path: str | Path, catalogue: Catalogue | None = None) -> Rulebook:
    """Load a shipped rulebook by id (``sesame-like``) or any rulebook file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise RulebookError("RULEBOOK_NOT_FOUND", f"no file {path}", field="model")
        text = path.read_text("utf-8")
        where = str(path)
    else:
        shipped = resources.files("xinyong.scoring").joinpath("rulebooks", f"{name_or_path}.toml")
        if not shipped.is_file():
            known = ", ".join(shipped_rulebooks())
            raise RulebookError(
                "UNKNOWN_MODEL",
                f"no rulebook '{name_or_path}'; shipped: {known} (or give a .toml path)",
                field="model",
            )
        text = shipped.read_text("utf-8")
        where = str(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError("RULEBOOK_SYNTAX", f"{where}: {exc}", field="rulebook") from None
    return parse_rulebook(data, catalogue)


def shipped_rulebooks() -> list[str]:
    folder = resources.files("xinyong.scoring").joinpath("rulebooks")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))
