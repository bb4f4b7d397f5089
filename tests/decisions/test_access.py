"""The gate: every refusal path has its stable code and is still recorded as an attempt."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.decisions.conftest import NOW, Templates, World, open_world
from xinyong.catalog.identifiers import generate_prc_resident_ids
from xinyong.decisions import (
    QueryRefused,
    deactivate_party,
    decide,
    freeze_file,
    grant_consent,
    inquiry_history,
    lift_freeze,
    register_party,
    request_score,
    revoke_consent,
)
from xinyong.errors import XinyongError
from xinyong.store import Store

CREDIT = "extension_of_credit"


def refused(world: World, code: str, *, subject: str | None = None, party: str = "acme-bank",
            purpose: str = CREDIT, product: str | None = None, hard: bool = True,
            when: timedelta = timedelta()) -> QueryRefused:
    subject_id = subject or world.high
    with pytest.raises(QueryRefused) as caught:
        if product is None:
            request_score(world.store, party_id=party, subject_id=subject_id, purpose=purpose,
                          kind="hard" if hard else "soft", now=NOW + when)
        else:
            decide(world.store, party_id=party, subject_id=subject_id, product=product,
                   purpose=purpose, now=NOW + when)
    assert caught.value.code == code, caught.value
    return caught.value


def last_inquiry_result(world: World, subject_id: str) -> tuple[str, str | None]:
    last = inquiry_history(world.store, world.key(subject_id))[-1]
    return last.result, last.refusal_code


@pytest.fixture
def bank(world: World) -> World:
    register_party(world.store, "acme-bank", "Acme Bank", [CREDIT, "tenancy_screening"],
                   now=NOW)
    return world


def test_granted_with_consent(bank: World) -> None:
    grant_consent(bank.store, bank.high, "acme-bank", CREDIT, days=30, now=NOW)
    report = request_score(bank.store, party_id="acme-bank", subject_id=bank.high,
                           purpose=CREDIT, now=NOW)
    assert report.score.score is not None and report.inquiry_kind == "hard"
    assert last_inquiry_result(bank, bank.high) == ("disclosed", None)


def test_no_consent(bank: World) -> None:
    error = refused(bank, "NO_CONSENT")
    assert last_inquiry_result(bank, bank.high) == ("refused", "NO_CONSENT")
    assert error.inquiry_id == inquiry_history(bank.store, bank.key(bank.high))[-1].inquiry_id


def test_expired_consent(bank: World) -> None:
    grant_consent(bank.store, bank.high, "acme-bank", CREDIT, days=30, now=NOW)
    refused(bank, "CONSENT_EXPIRED", when=timedelta(days=31))
    assert last_inquiry_result(bank, bank.high) == ("refused", "CONSENT_EXPIRED")


def test_revoked_consent_takes_effect_at_once(bank: World) -> None:
    consent = grant_consent(bank.store, bank.high, "acme-bank", CREDIT, days=30, now=NOW)
    revoke_consent(bank.store, consent.consent_id, now=NOW + timedelta(seconds=1))
    refused(bank, "CONSENT_REVOKED", when=timedelta(seconds=2))
    assert last_inquiry_result(bank, bank.high) == ("refused", "CONSENT_REVOKED")


def test_consent_for_another_purpose(bank: World) -> None:
    grant_consent(bank.store, bank.high, "acme-bank", "tenancy_screening", days=30, now=NOW)
    refused(bank, "CONSENT_OTHER_PURPOSE")


def test_party_not_registered_for_the_purpose(bank: World) -> None:
    refused(bank, "PURPOSE_NOT_REGISTERED", purpose="insurance_underwriting")
    assert last_inquiry_result(bank, bank.high) == ("refused", "PURPOSE_NOT_REGISTERED")


def test_a_consent_cannot_widen_a_party_s_purposes(bank: World) -> None:
    with pytest.raises(XinyongError) as caught:
        grant_consent(bank.store, bank.high, "acme-bank", "insurance_underwriting", days=5,
                      now=NOW)
    assert caught.value.code == "PURPOSE_NOT_REGISTERED"


def test_product_not_allowed_for_the_purpose(bank: World) -> None:
    grant_consent(bank.store, bank.high, "acme-bank", "tenancy_screening", days=30, now=NOW)
    refused(bank, "PRODUCT_PURPOSE_NOT_ALLOWED", product="pay-later",
            purpose="tenancy_screening")


@pytest.mark.parametrize("use", ["dating", "school_admission", "travel_permit"])
def test_uses_without_a_purpose_are_refused(bank: World, use: str) -> None:
    error = refused(bank, "PURPOSE_FORBIDDEN", purpose=use)
    assert "no purpose" in error.message
    assert last_inquiry_result(bank, bank.high) == ("refused", "PURPOSE_FORBIDDEN")


def test_unknown_purpose(bank: World) -> None:
    refused(bank, "UNKNOWN_PURPOSE", purpose="curiosity")


def test_unknown_relying_party(bank: World) -> None:
    refused(bank, "UNKNOWN_PARTY", party="nosy-corp")
    history = inquiry_history(bank.store, bank.key(bank.high))
    assert (history[-1].party_id, history[-1].refusal_code) == ("nosy-corp", "UNKNOWN_PARTY")


def test_deactivated_party(bank: World) -> None:
    grant_consent(bank.store, bank.high, "acme-bank", CREDIT, days=30, now=NOW)
    deactivate_party(bank.store, "acme-bank")
    refused(bank, "UNKNOWN_PARTY")


def test_unknown_subject_is_recorded_without_an_id(bank: World) -> None:
    stranger = generate_prc_resident_ids(np.random.default_rng(99), 1)[0]
    refused(bank, "UNKNOWN_SUBJECT", subject=stranger)
    rows = bank.store.query("SELECT subject_key, refusal_code FROM inquiries")
    assert rows == [(None, "UNKNOWN_SUBJECT")]


def test_frozen_file_refuses_hard_but_not_soft_inquiries(bank: World) -> None:
    grant_consent(bank.store, bank.high, "acme-bank", CREDIT, days=30, now=NOW)
    freeze_file(bank.store, bank.high, now=NOW)
    refused(bank, "FILE_FROZEN")
    refused(bank, "FILE_FROZEN", product="pay-later")  # a hard-inquiry product
    assert decide(bank.store, party_id="acme-bank", subject_id=bank.high,
                  product="mortgage-prequal", purpose=CREDIT, now=NOW).outcome == "approve"
    lift_freeze(bank.store, bank.high, now=NOW + timedelta(hours=1))
    report = request_score(bank.store, party_id="acme-bank", subject_id=bank.high,
                           purpose=CREDIT, now=NOW + timedelta(hours=2))
    assert report.inquiry_kind == "hard"


def test_product_subject_kind(bank: World) -> None:
    grant_consent(bank.store, bank.org_clean, "acme-bank", CREDIT, days=30, now=NOW)
    refused(bank, "PRODUCT_SUBJECT_KIND", subject=bank.org_clean, product="pay-later")


def test_no_score_run_is_a_recorded_refusal(bank: World) -> None:
    grant_consent(bank.store, bank.high, "acme-bank", CREDIT, days=30, now=NOW)
    with pytest.raises(QueryRefused) as caught:
        request_score(bank.store, party_id="acme-bank", subject_id=bank.high, purpose=CREDIT,
                      model="rongcheng-like", now=NOW)
    assert caught.value.code == "NO_SCORE_RUN"
    assert last_inquiry_result(bank, bank.high) == ("refused", "NO_SCORE_RUN")


def test_purpose_not_allowed_in_the_profile(templates: Templates,
                                            tmp_path: Path) -> None:
    eu = open_world(templates, tmp_path, "eu")
    try:
        with pytest.raises(XinyongError) as caught:
            register_party(eu.store, "hr-co", "HR Co", ["employment_screening"], now=NOW)
        assert caught.value.code == "PURPOSE_NOT_ALLOWED"
        # A party registered elsewhere cannot use it here either: the profile is checked first.
        eu.store.con.execute("INSERT INTO relying_parties VALUES ('hr-co', 'HR Co', "
                             "['employment_screening'], true, ?)", [NOW])
        refused(eu, "PURPOSE_NOT_ALLOWED", party="hr-co", purpose="employment_screening",
                hard=False)
    finally:
        eu.store.close()


def test_us_profile_needs_consent_only_where_the_law_asks(
        templates: Templates, tmp_path: Path) -> None:
    us = open_world(templates, tmp_path, "us")
    store: Store = us.store
    try:
        register_party(store, "acme-bank", "Acme Bank", [CREDIT, "employment_screening"],
                       now=NOW)
        report = request_score(store, party_id="acme-bank", subject_id=us.high, purpose=CREDIT,
                               now=NOW)
        assert report.score.score is not None
        refused(us, "NO_CONSENT", purpose="employment_screening", hard=False)
    finally:
        store.close()


def test_consent_rules(bank: World) -> None:
    for kwargs, code in [({"days": 800}, "CONSENT_TOO_LONG"),
                         ({"until": NOW - timedelta(days=1)}, "CONSENT_EXPIRY"),
                         ({}, "CONSENT_EXPIRY")]:
        with pytest.raises(XinyongError) as caught:
            grant_consent(bank.store, bank.high, "acme-bank", CREDIT, now=NOW,
                          **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == code
