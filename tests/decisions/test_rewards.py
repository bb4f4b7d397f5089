"""Rewards: what a score unlocks, and an honest account of what the next one takes."""

from __future__ import annotations

import pytest

from tests.decisions.conftest import NOW, World, set_score
from xinyong.decisions import add_listing, rewards_for


def test_unlocked_rewards_and_the_next_one(world: World) -> None:
    set_score(world.store, world.key(world.high), 660.0)
    rewards = rewards_for(world.store, world.high, now=NOW)
    assert [r.id for r in rewards.unlocked] == ["hotel-deposit-waiver", "rental-deposit-waiver"]
    assert rewards.next is not None
    assert (rewards.next.id, rewards.next.points_needed) == ("fast-track-service", 40.0)
    assert "honour-green-channel" in [r.id for r in rewards.locked]


def test_a_low_score_gets_the_gap_and_truthful_tips(world: World) -> None:
    rewards = rewards_for(world.store, world.low, with_tips=True, now=NOW)
    assert rewards.unlocked == []
    assert rewards.next is not None and rewards.next.id == "hotel-deposit-waiver"
    assert rewards.next.points_needed == pytest.approx(600 - 513.5)
    assert rewards.tips, "a low score leaves room to improve"
    gap = rewards.next.points_needed
    assert gap is not None
    assert all(t.gain > 0 and t.unlocks_next == (t.gain >= gap) for t in rewards.tips)


def test_the_top_reward_has_no_next(world: World) -> None:
    rewards = rewards_for(world.store, world.high, now=NOW)
    assert len(rewards.unlocked) == 4 and rewards.next is None


def test_an_unscorable_subject_is_told_a_score_comes_first(world: World) -> None:
    rewards = rewards_for(world.store, world.thin, now=NOW)
    assert rewards.score is None and rewards.unlocked == []
    assert rewards.next is not None and rewards.next.points_needed is None


def test_the_honour_list_unlocks_the_green_channel(world: World) -> None:
    add_listing(world.store, "honour-list", world.org_clean, grounds="a_grade_taxpayer",
                legal_basis="A-grade rating 2026", authority="Beijing Tax Service", now=NOW)
    rewards = rewards_for(world.store, world.org_clean, now=NOW)
    assert [r.id for r in rewards.unlocked] == ["honour-green-channel"]
