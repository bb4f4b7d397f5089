"""A pure-Python reference scorer: the scoring semantics written as plain loops.

It reads only the data of a :class:`~xinyong.scoring.rulebook.Rulebook` (its spec and the
placed rules) and never the SQL compiler, so that agreement with the compiled query is
evidence that both are right rather than that both share a helper. Speed does not matter here;
each step is written the way the semantics are stated:

* an event counts when ``0 <= age_days <= expiry_days`` of its rule; types without a rule are
  ignored;
* it contributes ``points · exp(k · age_days)`` with ``k = -ln 2 / half_life`` (weight 1 without a
  half-life); points come from the first bucket whose ``below`` the value is strictly under, and a
  missing value falls in the last bucket;
* a rule's total is clamped to its cap; factors and the score follow the rulebook's method;
* reasons rank the rules that apply to the subject's kind by the score points lost against their
  best attainable contribution.

>>> from xinyong.scoring.rulebook import load_rulebook
>>> from datetime import date
>>> ref = reference_score(load_rulebook("rongcheng-like"), "person",
...                       [RefEvent("loan.defaulted", date(2026, 1, 1))], date(2026, 11, 1))
>>> ref.score, ref.tier, ref.reasons[0]
(950.0, 'B', ('LOAN_DEFAULT', 50.0))
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from xinyong.scoring.rulebook import CompiledRule, Rulebook

FACTORS = (
    "credit_history",
    "fulfilment_capacity",
    "behaviour_preference",
    "identity_traits",
    "relationships",
)
MAX_REASONS = 4
SubjectT = TypeVar("SubjectT", bound=Hashable)


@dataclass(frozen=True)
class RefEvent:
    """One event of one subject: its type, when it happened, its amount and attributes."""

    event_type: str
    occurred_at: date | datetime
    amount: float | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> date:
        if isinstance(self.occurred_at, datetime):
            return self.occurred_at.date()
        return self.occurred_at


@dataclass(frozen=True)
class RefScore:
    """What the reference computes for one subject.

    ``score``, ``tier``, ``factors`` and ``reasons`` are computed even for an unscorable subject;
    the published row hides them, which the tests check separately.
    """

    score: float
    tier: str
    factors: dict[str, float]
    reasons: tuple[tuple[str, float], ...]
    n_events: int
    unscorable_reason: str | None
    rule_totals: dict[str, float]  # capped total per rule code, for debugging failures

    @property
    def scorable(self) -> bool:
        return self.unscorable_reason is None


def _clamp(value: float, low: float, high: float) -> float:
    if value < low:
        return low
    if value > high:
        return high
    return value


def _event_points(rule: CompiledRule, event: RefEvent) -> float:
    spec = rule.rule
    if spec.points is not None:
        return spec.points
    assert spec.buckets is not None and spec.by is not None
    value = event.amount if spec.by == "amount" else event.attributes.get(spec.by)
    if value is not None:
        for bucket in spec.buckets:
            if bucket.below is not None and value < bucket.below:
                return bucket.points
    return spec.buckets[-1].points


def _decay(rule: CompiledRule, age_days: int) -> float:
    half_life = rule.rule.half_life_days
    if half_life is None:
        return 1.0
    k = -math.log(2.0) / half_life
    return math.exp(k * age_days)


def _capped(rule: CompiledRule, total: float) -> float:
    cap = rule.rule.cap
    if cap is None:
        return total
    if cap > 0:
        return min(total, cap)
    return max(total, cap)


def _best(rule: CompiledRule) -> float:
    """The best a rule can give: its cap when it adds points, else nothing (0)."""
    points = [rule.rule.points] if rule.rule.points is not None else [
        b.points for b in rule.rule.buckets or ()
    ]
    adds = any(p > 0 for p in points)
    return rule.rule.cap if adds and rule.rule.cap is not None else 0.0


def _score_points_per_rule_point(rulebook: Rulebook, rule: CompiledRule) -> float:
    if rulebook.spec.model.method == "additive":
        return 1.0
    scale = rulebook.spec.scale
    return (scale.max - scale.min) * rulebook.spec.factors[rule.factor].weight / 100


def _micro(value: float) -> int:
    """``value · 10⁶`` rounded half away from zero, the unit reasons are ranked in."""
    scaled = value * 1e6
    return math.floor(scaled + 0.5) if scaled >= 0 else -math.floor(-scaled + 0.5)


def _tier(rulebook: Rulebook, score: float) -> str:
    name = rulebook.spec.tiers[0].name
    for tier in rulebook.spec.tiers:
        if score >= tier.min:
            name = tier.name
    return name


def reference_score(
    rulebook: Rulebook, kind: str, events: Sequence[RefEvent], as_of: date
) -> RefScore:
    """Score one subject of ``kind`` ('person' or 'organisation') from its events at ``as_of``."""
    rule_for_type = {rule.event_type: rule for rule in rulebook.rules}
    totals = {rule.index: 0.0 for rule in rulebook.rules}
    n_events = 0
    oldest_age = -1
    for event in events:
        rule = rule_for_type.get(event.event_type)
        if rule is None:
            continue
        age_days = (as_of - event.day).days
        if age_days < 0 or age_days > rule.rule.expiry_days:
            continue
        n_events += 1
        oldest_age = max(oldest_age, age_days)
        totals[rule.index] += _event_points(rule, event) * _decay(rule, age_days)

    capped = {rule.index: _capped(rule, totals[rule.index]) for rule in rulebook.rules}

    scale = rulebook.spec.scale
    factors: dict[str, float] = {}
    if rulebook.spec.model.method == "weighted":
        raw = scale.min
        for name in FACTORS:
            spec = rulebook.spec.factors[name]  # type: ignore[index]
            sub = spec.neutral
            for rule in rulebook.rules:
                if rule.factor == name:
                    sub += capped[rule.index]
            sub = _clamp(sub, 0.0, 100.0)
            factors[name] = sub
            raw += (scale.max - scale.min) * spec.weight / 100 * sub
    else:
        assert scale.start is not None
        raw = scale.start
        for rule in rulebook.rules:
            raw += capped[rule.index]
        for name in FACTORS:
            factors[name] = sum(capped[r.index] for r in rulebook.rules if r.factor == name)
    score = round(_clamp(raw, scale.min, scale.max), 6)

    need = rulebook.spec.minimum_data
    unscorable: str | None = None
    if n_events == 0:
        unscorable = "NO_EVENTS"
    elif n_events < need.events:
        unscorable = "TOO_FEW_EVENTS"
    elif oldest_age < need.history_days:
        unscorable = "HISTORY_TOO_SHORT"

    ranked: list[tuple[int, int, str, float]] = []
    for rule in rulebook.rules:
        if kind not in rule.subject_kinds:
            continue
        lost = (_best(rule) - capped[rule.index]) * _score_points_per_rule_point(rulebook, rule)
        micro = _micro(lost)
        if micro > 0:
            ranked.append((-micro, rule.index, rule.rule.code, lost))
    ranked.sort()
    reasons = tuple((code, round(lost, 6)) for _, _, code, lost in ranked[:MAX_REASONS])

    return RefScore(
        score=score,
        tier=_tier(rulebook, score),
        factors=factors,
        reasons=reasons,
        n_events=n_events,
        unscorable_reason=unscorable,
        rule_totals={r.rule.code: capped[r.index] for r in rulebook.rules},
    )


def reference_percentiles(
    scores_by_kind: Mapping[str, Mapping[SubjectT, float]],
) -> dict[SubjectT, float]:
    """Percent rank × 100 of each scorable subject among the subjects of its kind.

    A subject's rank counts the subjects of its kind scoring strictly less, over ``n - 1``
    (0 when it is alone), so equal scores share the lower rank.
    """
    result: dict[SubjectT, float] = {}
    for scores in scores_by_kind.values():
        n = len(scores)
        for subject, score in scores.items():
            below = 0
            for other in scores.values():
                if other < score:
                    below += 1
            result[subject] = 0.0 if n <= 1 else round(100.0 * (below / (n - 1)), 6)
    return result
