"""Jurisdiction profiles: what was there stays; purposes, consent and product permissions."""

from __future__ import annotations

import pytest

from xinyong.decisions import FORBIDDEN_USES, parse_purpose
from xinyong.errors import XinyongError
from xinyong.profiles import PROFILES, Purpose, profile


def test_existing_fields_are_unchanged() -> None:
    assert list(PROFILES) == ["cn-pilot", "eu", "us"]
    cn, eu, us = (profile(n) for n in PROFILES)
    assert (cn.identifier_scheme, cn.enrollment, cn.clock_skew_days) == ("cn", "mandatory", 1)
    assert (eu.identifier_scheme, eu.enrollment) == ("generic", "voluntary")
    assert (us.identifier_scheme, us.enrollment) == ("generic", "mandatory")
    with pytest.raises(XinyongError):
        profile("mars")


def test_purposes_and_consent() -> None:
    cn, eu, us = (profile(n) for n in PROFILES)
    assert all(cn.needs_consent(p) for p in Purpose)
    assert not eu.allows_purpose(Purpose.EMPLOYMENT_SCREENING)
    assert not us.needs_consent(Purpose.EXTENSION_OF_CREDIT)
    assert us.needs_consent(Purpose.EMPLOYMENT_SCREENING)
    assert cn.product_may_use("pay-later", Purpose.EXTENSION_OF_CREDIT)
    assert not cn.product_may_use("pay-later", Purpose.TENANCY_SCREENING)
    assert not cn.product_may_use("unknown-product", Purpose.EXTENSION_OF_CREDIT)


@pytest.mark.parametrize("use", ["dating", "school_admission", "travel_permit", "Dating"])
def test_no_purpose_for_dating_school_admission_or_travel(use: str) -> None:
    assert use.lower() not in {p.value for p in Purpose}
    with pytest.raises(XinyongError) as caught:
        parse_purpose(use)
    assert caught.value.code == "PURPOSE_FORBIDDEN"
    assert use.lower() in FORBIDDEN_USES
