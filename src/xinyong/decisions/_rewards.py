"""Rewards: benefits a subject unlocks with their score or tier, and what unlocks the next.

The catalogue is data (``products/rewards.toml``): each reward has a condition (the same
:class:`Condition` products use, e.g. ``score_min = 650`` or ``tier_in = ["excellent"]``).
The subject sees what they have, the next reward a higher score would unlock and how many
points it takes; with ``with_tips`` also the explanation's tips, each gain recomputed by the
scoring query, marked where the gain alone closes that gap. Rewards only ever add: missing one is
never a restriction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import Field

from xinyong.decisions._access import authorise_self
from xinyong.decisions._conditions import Condition, Facts
from xinyong.decisions._data import Strict, read_data, validate
from xinyong.decisions._inquiries import record_inquiry
from xinyong.decisions._lists import active_entries
from xinyong.decisions._scores import cached_rulebook, latest_score
from xinyong.decisions._tables import tables, transaction
from xinyong.scoring.explain import explain
from xinyong.scoring.rulebook import Rulebook
from xinyong.store import Store


class RewardSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    name: str = Field(min_length=3)
    kind: Literal["deposit_waiver", "fast_track", "fee_discount"]
    description: str = ""
    when: Condition
    subject_kinds: tuple[Literal["person", "organisation"], ...] = ("person",)


class RewardCatalogue(Strict):
    model: str = "sesame-like"
    rewards: tuple[RewardSpec, ...]


@dataclass(frozen=True)
class RewardView:
    id: str
    name: str
    kind: str
    description: str
    requirement: str
    unlocked: bool
    points_needed: float | None = None  # for the next reward: score points still to gain


@dataclass(frozen=True)
class RewardTip:
    """A change the subject could make, its score gain recomputed by the scoring query."""

    text: str
    gain: float
    unlocks_next: bool  # the gain alone closes the gap to the next reward


@dataclass(frozen=True)
class Rewards:
    model: str
    score: float | None
    tier: str | None
    unlocked: list[RewardView] = field(default_factory=list)
    locked: list[RewardView] = field(default_factory=list)
    next: RewardView | None = None
    tips: list[RewardTip] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@cache
def reward_catalogue() -> RewardCatalogue:
    data, where = read_data("rewards", what="rewards")
    return validate(RewardCatalogue, data, what="rewards", where=where)


def _threshold(condition: Condition, rulebook: Rulebook) -> float | None:
    """The lowest score that meets the condition's score part (None: no score part)."""
    bounds: list[float] = []
    if condition.score_min is not None:
        bounds.append(condition.score_min)
    if condition.tier_in is not None:
        mins = [t.min for t in rulebook.spec.tiers if t.name in condition.tier_in]
        if mins:
            bounds.append(min(mins))
    return max(bounds) if bounds else None


def rewards_for(
    store: Store, subject_id: str, *, with_tips: bool = False, now: datetime | None = None
) -> Rewards:
    """The subject's rewards, unlocked and locked, and the next one with its gap."""
    access = authorise_self(store, subject_id, now=now)
    con = tables(store)
    catalogue = reward_catalogue()
    rulebook = cached_rulebook(catalogue.model)
    score = latest_score(con, access.subject_key, catalogue.model, access.asked_at)
    lists = frozenset(e.list_id for e in active_entries(con, access.subject_key,
                                                           access.asked_at))
    facts = Facts(score.score, score.tier, score.factors, lists)
    with transaction(con):
        record_inquiry(con, subject_key=access.subject_key, party_id=access.party.party_id,
                       purpose=access.purpose.value, product_id=None, kind="soft",
                       asked_at=access.asked_at, result="disclosed")
    result = Rewards(catalogue.model, score.score, score.tier)
    candidates: list[tuple[float, RewardView]] = []
    for spec in catalogue.rewards:
        if access.subject_kind not in spec.subject_kinds:
            continue
        unlocked = spec.when.holds(facts)
        view = RewardView(spec.id, spec.name, spec.kind, spec.description,
                          spec.when.describe(), unlocked)
        (result.unlocked if unlocked else result.locked).append(view)
        threshold = _threshold(spec.when, rulebook)
        if not unlocked and threshold is not None:
            rest = spec.when.model_copy(update={"score_min": None, "tier_in": None})
            if score.score is None or (threshold > score.score and rest.holds(
                    Facts(threshold, rulebook.tier_of(threshold), score.factors, lists))):
                candidates.append((threshold, view))
    if not candidates:
        return result
    threshold, view = min(candidates, key=lambda c: c[0])
    gap = None if score.score is None else round(threshold - score.score, 6)
    tips: list[RewardTip] = []
    if with_tips and gap is not None:
        explained = explain(store, rulebook, access.subject_key, score.as_of)
        tips = [RewardTip(t.text, t.gain, t.gain >= gap) for t in explained.tips]
    return Rewards(result.model, result.score, result.tier, result.unlocked, result.locked,
                   RewardView(view.id, view.name, view.kind, view.description,
                              view.requirement, False, gap), tips)
