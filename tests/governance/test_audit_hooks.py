"""Every audited action appends its entry, in the same transaction, and the chain still holds.

The small decisions world (tests/decisions/conftest.py) is built through ingest and a batch
score run, so its chain already starts with furnisher, ingest and scoring entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.decisions.conftest import NOW, Templates, World, batch, open_world
from tests.decisions.conftest import templates as templates
from xinyong.decisions import (
    QueryRefused,
    add_listing,
    deactivate_party,
    decide,
    escalate_listings,
    freeze_file,
    grant_consent,
    lift_freeze,
    mint_attestation,
    place_fraud_alert,
    register_party,
    remove_fraud_alert,
    remove_listing,
    request_review,
    request_score,
    resolve_review,
    revoke_consent,
)
from xinyong.errors import XinyongError
from xinyong.governance._audit import AuditEntry, audit_entries
from xinyong.governance._audit_verify import verify_chain
from xinyong.scoring.engine import score_population
from xinyong.scoring.rulebook import load_rulebook

CREDIT = "extension_of_credit"
COURT = "court-dishonest-debtors"


@pytest.fixture
def world(templates: Templates, tmp_path: Path) -> Iterator[World]:
    w = open_world(templates, tmp_path)
    register_party(w.store, "acme-bank", "Acme Bank", [CREDIT], now=NOW)
    yield w
    w.store.close()


def since(world: World, seq: int) -> list[AuditEntry]:
    """Entries after ``seq``, oldest first, after checking that the whole chain holds."""
    assert verify_chain(world.store.con).ok
    return [e for e in reversed(audit_entries(world.store.con, limit=1000)) if e.seq > seq]


def head(world: World) -> int:
    return int(world.store.con.execute("SELECT seq FROM audit_head").fetchall()[0][0])


def actions(entries: list[AuditEntry]) -> list[str]:
    return [e.action for e in entries]


def test_the_world_s_ingest_and_scoring_are_audited(world: World) -> None:
    entries = since(world, 0)
    assert actions(entries)[:4] == ["furnisher.add", "ingest.batch", "score.run",
                                    "party.register"]
    ingest = entries[1].details
    assert (ingest["batch_id"], ingest["quarantined"], ingest["format"]) == (1, 0, "arrow")
    assert ingest["accepted"] == ingest["rows"] > 0
    run = entries[2].details
    assert (run["model"], run["as_of"]) == ("sesame-like", "2026-11-01")
    assert entries[3].details == {"party": "acme-bank", "purposes": [CREDIT]}


def test_a_new_batch_and_a_rescore_each_append_one_entry(world: World) -> None:
    start = head(world)
    world.store.append_events(batch([{"event_id": "extra-1", "subject_id": world.high,
                                      "subject_kind": "person", "event_type": "phone.verified",
                                      "occurred_at": NOW - timedelta(days=400)}]),
                              source="extra")
    score_population(world.store, load_rulebook("sesame-like"), NOW.date())
    entries = since(world, start)
    assert actions(entries) == ["ingest.batch", "score.run"]
    assert (entries[0].details["rows"], entries[0].details["accepted"]) == (1, 1)
    assert "extra" not in str(entries[0].details)  # the source path stays out of the log


def test_furnisher_add_and_licence_change(world: World) -> None:
    start = head(world)
    fid = world.store.add_furnisher("city-water", ["bill.*"])
    world.store.add_furnisher("city-water", ["bill.*", "deposit.*"])
    entries = since(world, start)
    assert actions(entries) == ["furnisher.add", "furnisher.licence"]
    assert entries[1].details == {"furnisher_id": fid, "name": "city-water",
                                  "may_report": ["bill.*", "deposit.*"]}



def test_a_refused_first_batch_undoes_its_furnisher_and_says_so(world: World) -> None:
    start = head(world)
    bad = batch([{"event_id": "x-1", "subject_id": world.high, "subject_kind": "person",
                  "event_type": "phone.verified", "occurred_at": NOW + timedelta(days=400)}])
    bad = bad.set_column(bad.column_names.index("furnisher"), "furnisher",
                         [["brand-new-furnisher"]])
    with pytest.raises(XinyongError):
        world.store.append_events(bad)
    entries = since(world, start)
    assert actions(entries) == ["furnisher.add", "furnisher.remove"]
    assert entries[0].details["furnisher_id"] == entries[1].details["furnisher_id"]
    assert world.store.con.execute(
        "SELECT COUNT(*) FROM furnishers WHERE name = 'brand-new-furnisher'").fetchall() == [(0,)]

def test_consent_grant_and_revoke(world: World) -> None:
    start = head(world)
    consent = grant_consent(world.store, world.high, "acme-bank", CREDIT, days=30, now=NOW)
    revoke_consent(world.store, consent.consent_id, now=NOW + timedelta(days=1))
    revoke_consent(world.store, consent.consent_id, now=NOW + timedelta(days=2))  # no change
    entries = since(world, start)
    assert actions(entries) == ["consent.grant", "consent.revoke"]
    assert {e.subject_key for e in entries} == {world.key(world.high)}
    assert entries[0].details["consent_id"] == consent.consent_id
    assert entries[1].recorded_at == NOW + timedelta(days=1)


def test_inquiries_granted_decided_and_refused(world: World) -> None:
    start = head(world)
    with pytest.raises(QueryRefused):
        request_score(world.store, party_id="acme-bank", subject_id=world.high,
                      purpose=CREDIT, now=NOW)
    grant_consent(world.store, world.high, "acme-bank", CREDIT, days=30, now=NOW)
    report = request_score(world.store, party_id="acme-bank", subject_id=world.high,
                           purpose=CREDIT, kind="soft", now=NOW)
    decision = decide(world.store, party_id="acme-bank", subject_id=world.high,
                      product="pay-later", purpose=CREDIT, now=NOW)
    entries = since(world, start)
    assert actions(entries) == ["inquiry.refused", "consent.grant", "inquiry.score",
                                "inquiry.decision"]
    refused, _, disclosed, decided = entries
    assert (refused.actor, refused.details["refusal_code"]) == ("acme-bank", "NO_CONSENT")
    assert disclosed.details["inquiry_id"] == report.inquiry_id
    assert (decided.details["product"], decided.details["result"]) == (
        "pay-later", decision.outcome)
    assert decided.details["event_seq"] is not None  # a hard inquiry, also in the event log
    assert world.high not in str([e.to_json() for e in entries])  # no IDs in the log


def test_an_inquiry_without_its_entry_is_not_stored(world: World) -> None:
    grant_consent(world.store, world.high, "acme-bank", CREDIT, days=30, now=NOW)
    inquiries = world.store.query("SELECT COUNT(*) FROM inquiries")[0][0]
    world.store.con.execute("DELETE FROM audit_head")  # the append now fails
    for party in ("acme-bank", "nobody"):  # granted, and refused (recorded outside the gate's
        with pytest.raises(XinyongError) as caught:  # transaction): neither kept without entry
            request_score(world.store, party_id=party, subject_id=world.high, purpose=CREDIT,
                          kind="soft", now=NOW)
        assert caught.value.code == "AUDIT_HEAD_MISSING"
    assert world.store.query("SELECT COUNT(*) FROM inquiries")[0][0] == inquiries


def test_list_add_remove_and_escalate(world: World) -> None:
    start = head(world)
    entry = add_listing(world.store, COURT, world.low, grounds="able_but_refuses_to_perform",
                        legal_basis="Civil Procedure Law art. 262",
                        authority="Xicheng District People's Court", now=NOW)
    remove_listing(world.store, entry.entry_id, reason="performance",
                   by="Xicheng District People's Court", now=NOW + timedelta(days=40))
    old = add_listing(world.store, "abnormal-operations", world.org_listed,
                      grounds="annual_report_missing", legal_basis="Art. 8, SAIC Order No. 68",
                      authority="Chengdu AMR", now=NOW)
    (serious,) = escalate_listings(world.store, now=NOW + timedelta(days=10 + 1095 + 1))
    entries = since(world, start)
    assert actions(entries) == ["list.add", "list.remove", "list.add", "list.escalate"]
    assert entries[0].actor == "Xicheng District People's Court"
    assert entries[1].details == {"entry_id": entry.entry_id, "list": COURT,
                                  "reason": "performance"}
    assert entries[3].details["escalated_from"] == old.entry_id
    assert entries[3].details["entry_id"] == serious.entry_id


def test_review_request_and_resolve(world: World) -> None:
    grant_consent(world.store, world.low, "acme-bank", CREDIT, days=30, now=NOW)
    decision = decide(world.store, party_id="acme-bank", subject_id=world.low,
                      product="pay-later", purpose=CREDIT, now=NOW)
    assert decision.outcome == "decline"
    start = head(world)
    review = request_review(world.store, decision.decision_id, "A billing error.", now=NOW)
    resolve_review(world.store, review.review_id, reviewer="Li Wei", outcome="overturned",
                   note="Confirmed.", now=NOW + timedelta(days=1))
    entries = since(world, start)
    assert actions(entries) == ["review.request", "review.resolve"]
    assert "billing" not in str(entries[0].details)  # the subject's words stay out
    assert entries[1].details["final_outcome"] == "approve"
    assert {e.subject_key for e in entries} == {world.key(world.low)}


def test_party_register_and_deactivate(world: World) -> None:
    start = head(world)
    register_party(world.store, "city-rentals", "City Rentals", ["tenancy_screening"], now=NOW)
    deactivate_party(world.store, "city-rentals")
    entries = since(world, start)
    assert actions(entries) == ["party.register", "party.deactivate"]
    assert entries[1].details == {"party": "city-rentals"}
    assert all(e.actor == "operator" and e.subject_key is None for e in entries)


def test_freeze_and_fraud_alert(world: World) -> None:
    start = head(world)
    freeze_file(world.store, world.high, now=NOW)
    freeze_file(world.store, world.high, now=NOW)  # already frozen: nothing happens
    lift_freeze(world.store, world.high, now=NOW + timedelta(days=1))
    place_fraud_alert(world.store, world.high, note="my phone was stolen", now=NOW)
    remove_fraud_alert(world.store, world.high, now=NOW + timedelta(days=2))
    entries = since(world, start)
    assert actions(entries) == ["freeze.place", "freeze.lift", "fraud_alert.place",
                                "fraud_alert.lift"]
    assert entries[2].details["note"] is True
    assert "stolen" not in str([e.details for e in entries])


def test_attestation_mint(world: World) -> None:
    start = head(world)
    minted: dict[str, Any] = mint_attestation(world.store, world.high, days=30, now=NOW)
    entries = since(world, start)
    assert actions(entries) == ["inquiry.score", "attestation.mint"]
    assert entries[0].actor == "@subject"
    assert entries[1].details["attestation_id"] == minted["payload"]["attestation_id"]
