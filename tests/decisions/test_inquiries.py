"""Inquiries: every request recorded; hard ones reach the event log, soft ones never count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.decisions.conftest import AS_OF, NOW, World
from xinyong.decisions import (
    decide,
    grant_consent,
    inquiry_history,
    register_party,
    request_score,
    rewards_for,
)
from xinyong.scoring.engine import score_population, score_subject
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store._decisions_schema import INQUIRY_FURNISHER

CREDIT = "extension_of_credit"
LATER = date(2026, 11, 10)


@pytest.fixture
def bank(world: World) -> World:
    register_party(world.store, "acme-bank", "Acme Bank", [CREDIT, "account_review"], now=NOW)
    for purpose in (CREDIT, "account_review"):
        grant_consent(world.store, world.high, "acme-bank", purpose, days=30, now=NOW)
    return world


def scores(world: World) -> list[tuple[object, ...]]:
    return world.store.query("SELECT * FROM scores ORDER BY subject_key")


def test_soft_inquiries_never_change_a_score(bank: World) -> None:
    rulebook = load_rulebook("sesame-like")
    key = bank.key(bank.high)
    before, later_before = scores(bank), score_subject(bank.store, rulebook, key, LATER)
    events = bank.store.query("SELECT COUNT(*) FROM events")
    for i in range(5):
        request_score(bank.store, party_id="acme-bank", subject_id=bank.high,
                      purpose="account_review", now=NOW + timedelta(minutes=i))
        decide(bank.store, party_id="acme-bank", subject_id=bank.high,
               product="mortgage-prequal", purpose=CREDIT, now=NOW + timedelta(minutes=i))
    rewards_for(bank.store, bank.high, now=NOW)
    assert bank.store.query("SELECT COUNT(*) FROM events") == events
    score_population(bank.store, rulebook, AS_OF)
    assert scores(bank) == before
    assert score_subject(bank.store, rulebook, key, LATER) == later_before
    assert {i.kind for i in inquiry_history(bank.store, key)} == {"soft"}


def test_hard_inquiries_are_events_that_the_model_counts(bank: World) -> None:
    rulebook = load_rulebook("sesame-like")
    key = bank.key(bank.high)
    before = score_subject(bank.store, rulebook, key, LATER, detail=True)
    report = request_score(bank.store, party_id="acme-bank", subject_id=bank.high,
                           purpose=CREDIT, now=NOW)
    decision = decide(bank.store, party_id="acme-bank", subject_id=bank.high,
                      product="pay-later", purpose=CREDIT, now=NOW + timedelta(hours=1))
    assert (report.inquiry_kind, decision.inquiry_kind) == ("hard", "hard")
    rows = bank.store.query(
        "SELECT e.event_type, e.event_id, f.name, e.occurred_at FROM events AS e "
        "JOIN furnishers AS f USING (furnisher_id) WHERE f.name = ? ORDER BY e.event_seq",
        [INQUIRY_FURNISHER])
    assert [(r[0], r[2]) for r in rows] == [("inquiry.hard", INQUIRY_FURNISHER)] * 2
    assert rows[0][3] == NOW
    seqs = bank.store.query("SELECT COUNT(*), COUNT(DISTINCT event_seq), MAX(event_seq), "
                            "COUNT(DISTINCT batch_id) FROM events")[0]
    assert seqs[0] == seqs[1] == seqs[2]  # the log's sequence stays dense and unique
    after = score_subject(bank.store, rulebook, key, LATER, detail=True)
    assert after["r_inquiries"] < before["r_inquiries"] == 0
    assert all(i.in_event_log for i in inquiry_history(bank.store, key))


def test_refused_hard_inquiries_leave_no_event(bank: World) -> None:
    events = bank.store.query("SELECT COUNT(*) FROM events")
    with pytest.raises(Exception, match="consent"):
        request_score(bank.store, party_id="acme-bank", subject_id=bank.low, purpose=CREDIT,
                      now=NOW)
    assert bank.store.query("SELECT COUNT(*) FROM events") == events


def test_the_subject_sees_every_inquiry(bank: World) -> None:
    request_score(bank.store, party_id="acme-bank", subject_id=bank.high,
                  purpose="account_review", now=NOW)
    with pytest.raises(Exception, match="tenancy"):
        request_score(bank.store, party_id="acme-bank", subject_id=bank.high,
                      purpose="tenancy_screening", now=NOW + timedelta(minutes=1))
    decide(bank.store, party_id="acme-bank", subject_id=bank.high, product="pay-later",
           purpose=CREDIT, now=NOW + timedelta(minutes=2))
    rewards_for(bank.store, bank.high, now=NOW + timedelta(minutes=3))
    history = inquiry_history(bank.store, bank.key(bank.high))
    assert [(i.party_id, i.purpose, i.kind, i.result, i.refusal_code) for i in history] == [
        ("acme-bank", "account_review", "soft", "disclosed", None),
        ("acme-bank", "tenancy_screening", "soft", "refused", "PURPOSE_NOT_REGISTERED"),
        ("acme-bank", CREDIT, "hard", "approve", None),
        ("@subject", "subject_request", "soft", "disclosed", None),
    ]
    assert history[0].party_name == "Acme Bank"
    assert [i.asked_at for i in history] == sorted(i.asked_at for i in history)
