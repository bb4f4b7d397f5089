"""The event catalogue: the furnisher contract's names, typing and the protected categories."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from xinyong.catalog import (
    Factor,
    ProtectedCategoryError,
    SubjectKind,
    default_catalogue,
    parse_catalogue,
    protected_category,
)

CONTRACT_NAMES = [
    "bill.paid_on_time", "bill.paid_late", "loan.repaid_on_time", "loan.repaid_late",
    "loan.defaulted", "contract.fulfilled", "contract.breached", "identity.verified",
    "address.verified", "income.verified", "inquiry.hard", "court.judgment_against",
    "tax.filed_on_time", "tax.arrears", "annual_report.filed", "annual_report.missing",
]


def shipped_document() -> dict[str, Any]:
    text = resources.files("xinyong.catalog").joinpath("event_types.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_contract_names_exist_as_spelled() -> None:
    catalogue = default_catalogue()
    for name in CONTRACT_NAMES:
        assert name in catalogue, name


def test_contract_attributes_and_amounts() -> None:
    c = default_catalogue()
    assert "days_past_due" in c.get("bill.paid_late").required
    assert "days_past_due" in c.get("loan.repaid_late").required
    assert c.get("loan.defaulted").amount.value == "required"
    assert c.get("income.verified").amount.value == "required"
    assert c.get("tax.arrears").amount.value == "required"
    both = {SubjectKind.PERSON, SubjectKind.ORGANISATION}
    for t in c:
        if t.name.split(".")[0] in ("bill", "loan", "contract"):
            assert t.applies_to == both, t.name
    assert c.get("tax.arrears").applies_to == {SubjectKind.ORGANISATION}


def test_every_factor_has_event_types() -> None:
    factors = {t.factor for t in default_catalogue()}
    assert factors == set(Factor)


@pytest.mark.parametrize(
    "name",
    ["political.party_joined", "religion.attended", "social_media.post_liked",
     "location.trace_recorded", "health.diagnosis_made", "media.video_watched",
     "trade_union.joined", "biometric.face_scanned", "speech.made"],
)
def test_protected_type_refused_at_load(name: str) -> None:
    doc = shipped_document()
    doc["types"][name] = {"factor": "behaviour_preference", "category": "behaviour",
                          "applies_to": ["person"]}
    with pytest.raises(ProtectedCategoryError) as info:
        parse_catalogue(doc)
    assert info.value.code == "PROTECTED_CATEGORY"
    assert name in (info.value.field or "")


def test_protected_attribute_and_category_value_refused() -> None:
    doc = shipped_document()
    doc["attributes"]["religion"] = {"type": "category", "values": ["a", "b"]}
    with pytest.raises(ProtectedCategoryError):
        parse_catalogue(doc)
    doc = shipped_document()
    doc["attributes"]["category"]["values"].append("books")
    with pytest.raises(ProtectedCategoryError) as info:
        parse_catalogue(doc)
    assert info.value.field == "attributes.category.values"


def test_allowed_names_pass() -> None:
    for name in ("address.verified", "income.verified", "bill.paid_late", "postal_code"):
        assert protected_category(name) is None, name


def test_shipped_catalogue_has_no_protected_names() -> None:
    c = default_catalogue()
    for t in c:
        assert protected_category(t.name) is None
    for a in c.attributes.values():
        assert protected_category(a.name) is None
        assert all(protected_category(v) is None for v in a.values)
