"""Conditions over what is known of a subject, shared by products and rewards.

A :class:`Condition` is a row's ``when``: every key it gives must hold (AND). It may look at the
score, the tier, the factor sub-scores, list membership, restrictions (own or as a legal
representative), whether the subject is unscorable and whether a fraud alert is on file.
A score condition never holds for an unscorable subject, who is matched by ``unscorable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xinyong.catalog import Factor
from xinyong.decisions._data import Strict


@dataclass(frozen=True)
class Facts:
    """What a decision knows of the subject at the moment it is made."""

    score: float | None
    tier: str | None
    factors: Mapping[str, float] = field(default_factory=dict)
    lists: frozenset[str] = frozenset()
    restrictions: frozenset[str] = frozenset()
    fraud_alert: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "tier": self.tier, "factors": dict(self.factors),
                "lists": sorted(self.lists), "restrictions": sorted(self.restrictions),
                "fraud_alert": self.fraud_alert}


class Condition(Strict):
    score_min: float | None = None
    score_below: float | None = None
    tier_in: tuple[str, ...] | None = None
    factor_min: dict[Factor, float] | None = None
    factor_below: dict[Factor, float] | None = None
    on_list: str | None = None
    not_on_list: str | None = None
    restricted: str | None = None
    unscorable: bool | None = None
    fraud_alert: bool | None = None

    @property
    def uses_score(self) -> bool:
        return any(v is not None for v in (self.score_min, self.score_below, self.tier_in,
                                           self.factor_min, self.factor_below))

    def holds(self, facts: Facts) -> bool:
        if self.uses_score and facts.score is None:
            return False
        score = facts.score if facts.score is not None else 0.0
        checks = [
            self.score_min is None or score >= self.score_min,
            self.score_below is None or score < self.score_below,
            self.tier_in is None or facts.tier in self.tier_in,
            all(facts.factors.get(f.value, 0.0) >= v for f, v in (self.factor_min or {}).items()),
            all(facts.factors.get(f.value, 0.0) < v for f, v in (self.factor_below or {}).items()),
            self.on_list is None or self.on_list in facts.lists,
            self.not_on_list is None or self.not_on_list not in facts.lists,
            self.restricted is None or self.restricted in facts.restrictions,
            self.unscorable is None or self.unscorable == (facts.score is None),
            self.fraud_alert is None or self.fraud_alert == facts.fraud_alert,
        ]
        return all(checks)

    def describe(self) -> str:
        """The condition in words, e.g. ``score ≥ 650 and not on court-dishonest-debtors``."""
        parts: list[str] = []
        if self.score_min is not None:
            parts.append(f"score ≥ {self.score_min:g}")
        if self.score_below is not None:
            parts.append(f"score < {self.score_below:g}")
        if self.tier_in is not None:
            parts.append(f"tier in {', '.join(self.tier_in)}")
        parts += [f"{f.value} ≥ {v:g}" for f, v in (self.factor_min or {}).items()]
        parts += [f"{f.value} < {v:g}" for f, v in (self.factor_below or {}).items()]
        if self.on_list is not None:
            parts.append(f"on {self.on_list}")
        if self.not_on_list is not None:
            parts.append(f"not on {self.not_on_list}")
        if self.restricted is not None:
            parts.append(f"restricted: {self.restricted}")
        if self.unscorable is not None:
            parts.append("unscorable" if self.unscorable else "scorable")
        if self.fraud_alert is not None:
            parts.append("fraud alert on file" if self.fraud_alert else "no fraud alert")
        return " and ".join(parts) or "always"
