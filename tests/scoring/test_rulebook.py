"""Rulebooks: the shipped ones load; a bad one fails naming the key at fault."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from xinyong.scoring.rulebook import RulebookError, load_rulebook, parse_rulebook, shipped_rulebooks

ROOT = Path(__file__).resolve().parents[2]


def sesame() -> dict[str, Any]:
    return tomllib.loads((ROOT / "rulebooks" / "sesame-like.toml").read_text("utf-8"))


def test_shipped_rulebooks_load() -> None:
    assert shipped_rulebooks() == ["rongcheng-like", "sesame-like"]
    s = load_rulebook("sesame-like")
    assert (s.spec.scale.min, s.spec.scale.max) == (350, 950)
    assert [round(s.factor_weight(f.factor), 2) for f in [r for r in s.rules][:1]] == [0.35]
    assert [t.name for t in s.spec.tiers] == ["poor", "fair", "good", "very_good", "excellent"]
    assert s.tier_of(549.99) == "poor" and s.tier_of(550) == "fair" and s.tier_of(700) == "excellent"
    r = load_rulebook("rongcheng-like")
    assert r.spec.scale.start == 1000
    assert [r.tier_of(x) for x in (1050, 1030, 960, 850, 600, 599)] == ["AAA", "AA", "A", "B", "C", "D"]


def test_weights_are_the_reported_sesame_weights() -> None:
    s = load_rulebook("sesame-like")
    weights = {f.value: spec.weight for f, spec in s.spec.factors.items()}
    assert weights == {"credit_history": 0.35, "fulfilment_capacity": 0.25,
                       "behaviour_preference": 0.20, "identity_traits": 0.15, "relationships": 0.05}


def _broken(edit: Any) -> RulebookError:
    doc = copy.deepcopy(sesame())
    edit(doc)
    with pytest.raises(RulebookError) as info:
        parse_rulebook(doc)
    return info.value


def test_unknown_event_type_names_the_rule() -> None:
    e = _broken(lambda d: d["rules"].__setitem__("bill.paid_sideways", d["rules"]["bill.paid_late"]))
    assert e.field == 'rules."bill.paid_sideways"'


def test_missing_expiry_names_the_key() -> None:
    e = _broken(lambda d: d["rules"]["inquiry.hard"].pop("expiry_days"))
    assert e.field == 'rules."inquiry.hard".expiry_days'


def test_misspelt_key_is_refused() -> None:
    e = _broken(lambda d: d["rules"]["inquiry.hard"].__setitem__("half_lfe_days", 3))
    assert e.field == 'rules."inquiry.hard".half_lfe_days'


def test_weights_must_sum_to_one() -> None:
    e = _broken(lambda d: d["factors"]["credit_history"].__setitem__("weight", 0.5))
    assert e.field == "factors" and "add up to 1" in e.message


def test_positive_rule_needs_a_cap() -> None:
    e = _broken(lambda d: d["rules"]["bill.paid_on_time"].pop("cap"))
    assert e.field == 'rules."bill.paid_on_time".cap'


def test_bucket_attribute_must_be_numeric_attribute_of_type() -> None:
    e = _broken(lambda d: d["rules"]["bill.paid_late"].__setitem__("by", "category"))
    assert e.field == 'rules."bill.paid_late".by'


def test_duplicate_codes_refused() -> None:
    e = _broken(lambda d: d["rules"]["inquiry.hard"].__setitem__("code", "BILL_LATE"))
    assert e.field == 'rules."inquiry.hard".code'


def test_unknown_model_lists_shipped() -> None:
    with pytest.raises(RulebookError) as info:
        load_rulebook("sesame-unlike")
    assert info.value.code == "UNKNOWN_MODEL" and "sesame-like" in info.value.message
