"""Adverse-action notices and the human review of contested declines."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.decisions.conftest import AS_OF, NOW, World, batch
from xinyong.decisions import (
    add_listing,
    decide,
    grant_consent,
    notices_for,
    register_party,
    request_review,
    resolve_review,
    review_queue,
)
from xinyong.errors import XinyongError
from xinyong.scoring.engine import score_population
from xinyong.scoring.rulebook import load_rulebook

CREDIT = "extension_of_credit"


@pytest.fixture
def bank(world: World) -> World:
    register_party(world.store, "acme-bank", "Acme Bank", [CREDIT], now=NOW)
    for subject in (world.high, world.low, world.rep):
        grant_consent(world.store, subject, "acme-bank", CREDIT, days=60, now=NOW)
    return world


def test_a_decline_carries_a_complete_notice(bank: World) -> None:
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.low,
                      product="pay-later", purpose=CREDIT, now=NOW)
    notice = decision.notice
    assert notice is not None
    assert notice.score == decision.score.score == pytest.approx(513.5)
    assert notice.scale == (350.0, 950.0)
    assert notice.date == "2026-11-02"
    assert (notice.model, notice.model_version, notice.score_as_of) == (
        "sesame-like", "1.0.0", AS_OF.isoformat())
    assert notice.provider == "xinyong trust-scoring platform"
    assert notice.relying_party == "Acme Bank"
    assert [f.code for f in notice.key_factors] == [
        "BILL_LATE", "LOAN_DEFAULT", "COURT_JUDGMENT", "INCOME"]
    assert all(f.sentence and f.points > 0 for f in notice.key_factors)
    assert "free copy" in notice.free_report
    assert "dispute" in notice.dispute
    assert f"review request {decision.decision_id}" in notice.human_review
    assert [r["row"] for r in notice.decisive_rows] == ["score-below-600"]
    sent = notices_for(bank.store, bank.key(bank.low))
    assert [(n.kind, n.decision_id) for n in sent] == [("adverse_action", decision.decision_id)]
    assert sent[0].body["key_factors"][0]["code"] == "BILL_LATE"


def test_approvals_and_referrals_send_no_notice(bank: World) -> None:
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.high,
                      product="pay-later", purpose=CREDIT, now=NOW)
    assert decision.outcome == "approve" and decision.notice is None
    assert notices_for(bank.store, bank.key(bank.high)) == []


def test_inquiries_are_a_fifth_key_factor_when_they_cost_points(bank: World) -> None:
    day = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
    rows = [{"event_id": f"inq-{i}", "subject_kind": "person", "subject_id": bank.low,
             "event_type": "inquiry.hard", "occurred_at": day - timedelta(days=10 * i + 1)}
            for i in range(4)]
    bank.store.append_events(batch(rows))
    score_population(bank.store, load_rulebook("sesame-like"), AS_OF)
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.low,
                      product="pay-later", purpose=CREDIT, now=NOW)
    assert decision.notice is not None
    factors = decision.notice.key_factors
    assert len(factors) == 5
    assert factors[4].code == "INQUIRIES" and factors[4].points > 0
    assert "INQUIRIES" not in [c for c, _ in decision.score.reasons]


def test_no_fifth_factor_without_inquiries(bank: World) -> None:
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.low,
                      product="pay-later", purpose=CREDIT, now=NOW)
    # This decision's own hard inquiry post-dates the score: it cannot have cost points.
    assert decision.notice is not None and len(decision.notice.key_factors) == 4


def test_a_list_based_decline_names_the_entry_and_its_legal_basis(bank: World) -> None:
    add_listing(bank.store, "court-dishonest-debtors", bank.org_listed,
                grounds="able_but_refuses_to_perform", legal_basis="Judgment (2026) Chuan 01",
                authority="Chengdu Intermediate People's Court", now=NOW)
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.rep,
                      product="mortgage-prequal", purpose=CREDIT, now=NOW + timedelta(days=11))
    notice = decision.notice
    assert notice is not None and decision.outcome == "decline"
    (entry,) = notice.list_entries
    assert entry["legal_basis"] == "Judgment (2026) Chuan 01"
    assert entry["authority"] == "Chengdu Intermediate People's Court"
    assert bank.org_listed in entry["via"]
    assert "No purchase of real estate, nor building or renovating houses." in (
        entry["restrictions"])


def test_human_review_of_a_contested_decline(bank: World) -> None:
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.low,
                      product="pay-later", purpose=CREDIT, now=NOW)
    review = request_review(bank.store, decision.decision_id, "The late bills were a billing "
                            "error by my telecom.", now=NOW)
    assert [r.review_id for r in review_queue(bank.store)] == [review.review_id]
    with pytest.raises(XinyongError) as caught:
        request_review(bank.store, decision.decision_id, "Again.", now=NOW)
    assert caught.value.code == "REVIEW_EXISTS"
    done = resolve_review(bank.store, review.review_id, reviewer="Li Wei", outcome="overturned",
                          note="The telecom confirmed the error.", now=NOW + timedelta(days=2))
    assert (done.status, done.final_outcome, done.automated_outcome) == (
        "overturned", "approve", "decline")
    assert review_queue(bank.store) == []
    kinds = [n.kind for n in notices_for(bank.store, bank.key(bank.low))]
    assert kinds == ["adverse_action", "review_outcome"]
    with pytest.raises(XinyongError) as caught:
        resolve_review(bank.store, review.review_id, reviewer="X", outcome="upheld", note="n")
    assert caught.value.code == "REVIEW_CLOSED"


def test_only_declines_are_contested(bank: World) -> None:
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.high,
                      product="pay-later", purpose=CREDIT, now=NOW)
    with pytest.raises(XinyongError) as caught:
        request_review(bank.store, decision.decision_id, "I want a review.", now=NOW)
    assert caught.value.code == "REVIEW_NOT_DECLINE"
    with pytest.raises(XinyongError) as caught:
        request_review(bank.store, 999, "Which one?", now=NOW)
    assert caught.value.code == "UNKNOWN_DECISION"
