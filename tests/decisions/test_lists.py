"""Lists: grounds, legal basis and authority; notice; expiry; removal; escalation;
the legal representative; publication; and no listing ever from a score."""

from __future__ import annotations

import copy
import tomllib
from datetime import timedelta
from typing import Any

import pytest

from tests.decisions.conftest import NOW, World, batch, set_score
from xinyong.decisions import (
    add_listing,
    decide,
    escalate_listings,
    grant_consent,
    notices_for,
    published_entries,
    register_party,
    remove_listing,
    restrictions_for,
)
from xinyong.decisions._data import shipped_folder
from xinyong.decisions._list_catalogue import parse_list_catalogue
from xinyong.errors import XinyongError

COURT = "court-dishonest-debtors"
ABNORMAL = "abnormal-operations"
SERIOUS = "serious-illegal-dishonest"
BASIS = "Civil Procedure Law art. 262; enforcement ruling (2026) Jing 0102 Zhi 77"


def court_listing(world: World, subject: str, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {"grounds": "able_but_refuses_to_perform", "legal_basis": BASIS,
                              "authority": "Xicheng District People's Court", "now": NOW}
    kwargs.update(overrides)
    return add_listing(world.store, COURT, subject, **kwargs)


def codes(world: World, subject: str, days: float) -> set[str]:
    key, kind = world.store.find_subject(subject)
    _, found = restrictions_for(world.store, key, kind, now=NOW + timedelta(days=days))
    return {r.code for r in found}


@pytest.mark.parametrize(("override", "code"), [
    ({"grounds": ""}, "LISTING_GROUNDS"),
    ({"grounds": "owes_money"}, "LISTING_GROUNDS"),
    ({"grounds": "low_score"}, "SCORE_NOT_GROUNDS"),
    ({"grounds": "credit score below 550"}, "SCORE_NOT_GROUNDS"),
    ({"legal_basis": " "}, "LISTING_LEGAL_BASIS"),
    ({"authority": ""}, "LISTING_AUTHORITY"),
    ({"starts_at": NOW + timedelta(days=3)}, "LISTING_NOTICE"),
])
def test_a_listing_needs_grounds_legal_basis_authority_and_notice(
        world: World, override: dict[str, Any], code: str) -> None:
    with pytest.raises(XinyongError) as caught:
        court_listing(world, world.low, **override)
    assert caught.value.code == code
    assert world.store.query("SELECT COUNT(*) FROM list_entries") == [(0,)]


def test_the_table_refuses_an_entry_without_legal_basis(world: World) -> None:
    court_listing(world, world.low)  # creates the tables
    with pytest.raises(Exception, match="CHECK"):
        world.store.con.execute(
            "INSERT INTO list_entries (entry_id, list_id, subject_key, subject_kind, grounds, "
            "legal_basis, authority, notified_at, starts_at) VALUES "
            "(99, 'court-dishonest-debtors', 1, 'person', 'x', '', 'court', ?, ?)", [NOW, NOW])


def test_a_list_catalogue_with_score_grounds_is_refused() -> None:
    folder = shipped_folder()
    lists = tomllib.loads(folder.joinpath("lists.toml").read_text("utf-8"))
    restrictions = tomllib.loads(folder.joinpath("restrictions.toml").read_text("utf-8"))
    bad = copy.deepcopy(lists)
    bad["lists"][COURT]["grounds"]["score_below_500"] = "A credit score below 500."
    with pytest.raises(XinyongError) as caught:
        parse_list_catalogue(bad, restrictions)
    assert caught.value.code == "SCORE_NOT_GROUNDS"
    bad = copy.deepcopy(lists)
    bad["lists"]["honour-list"]["restrictions"] = ["no_air_travel"]
    with pytest.raises(XinyongError):
        parse_list_catalogue(bad, restrictions)


def test_a_low_score_alone_never_lists_anyone(world: World) -> None:
    register_party(world.store, "acme-bank", "Acme Bank", ["extension_of_credit"], now=NOW)
    set_score(world.store, world.key(world.low), 350.0, credit_history=0.0)
    grant_consent(world.store, world.low, "acme-bank", "extension_of_credit", days=30, now=NOW)
    for product in ("pay-later", "mortgage-prequal"):
        decision = decide(world.store, party_id="acme-bank", subject_id=world.low,
                          product=product, purpose="extension_of_credit", now=NOW)
        assert decision.outcome == "decline"
        assert decision.restrictions == []
    assert world.store.query("SELECT COUNT(*) FROM list_entries") == [(0,)]
    assert codes(world, world.low, 30) == set()


def test_notice_before_effect_then_two_year_term(world: World) -> None:
    entry = court_listing(world, world.low)
    assert entry.starts_at == NOW + timedelta(days=10)
    assert entry.expires_at == entry.starts_at + timedelta(days=730)
    (notice,) = notices_for(world.store, world.key(world.low))
    assert notice.kind == "listing" and notice.created_at == NOW
    assert notice.body["legal_basis"] == BASIS
    assert "No civil aviation tickets." in notice.body["restrictions"]
    assert entry.status(NOW) == "pending"
    assert codes(world, world.low, 1) == set()
    assert "no_air_travel" in codes(world, world.low, 11)
    assert entry.status(NOW + timedelta(days=11)) == "active"
    assert codes(world, world.low, 10 + 730 + 1) == set()
    assert entry.status(NOW + timedelta(days=741)) == "expired"


def test_removal_on_performance(world: World) -> None:
    entry = court_listing(world, world.low)
    with pytest.raises(XinyongError) as caught:
        remove_listing(world.store, entry.entry_id, reason="paid_some", by="court",
                       now=NOW + timedelta(days=40))
    assert caught.value.code == "LISTING_REMOVAL_REASON"
    removed = remove_listing(world.store, entry.entry_id, reason="performance",
                             by="Xicheng District People's Court", now=NOW + timedelta(days=40))
    assert removed.status(NOW + timedelta(days=41)) == "removed"
    assert "no_air_travel" in codes(world, world.low, 39)
    assert codes(world, world.low, 41) == set()
    kinds = [n.kind for n in notices_for(world.store, world.key(world.low))]
    assert kinds == ["listing", "listing_removed"]
    with pytest.raises(XinyongError) as caught:
        remove_listing(world.store, entry.entry_id, reason="performance", by="court")
    assert caught.value.code == "LISTING_REMOVED"


def test_an_organisation_s_restrictions_extend_to_its_legal_representative(
        world: World) -> None:
    court_listing(world, world.org_listed)
    key, kind = world.store.find_subject(world.rep)
    own, found = restrictions_for(world.store, key, kind, now=NOW + timedelta(days=11))
    assert own == []
    assert {r.via for r in found} == {"legal_representative"}
    assert {r.organisation for r in found} == {world.org_listed}
    assert "no_company_director" in {r.code for r in found}
    assert codes(world, world.high, 11) == set()  # no tie, no restriction
    assert codes(world, world.org_clean, 11) == set()


def test_a_voided_representation_no_longer_extends(world: World) -> None:
    court_listing(world, world.org_listed)
    assert codes(world, world.rep, 11)
    seq = world.store.query("SELECT event_seq FROM events WHERE event_id = 'r-rep'")[0][0]
    world.store.con.execute(
        "INSERT INTO event_corrections VALUES (1, 'void-r-rep', 'correction.void', 'r-rep', ?, "
        "'x', 1, current_timestamp)", [seq])
    assert codes(world, world.rep, 11) == set()


def test_abnormal_operations_escalate_after_three_uncured_years(world: World) -> None:
    entry = add_listing(world.store, ABNORMAL, world.org_listed, grounds="annual_report_missing",
                        legal_basis="Art. 8, SAIC Order No. 68", authority="Chengdu AMR",
                        now=NOW)
    cured = add_listing(world.store, ABNORMAL, world.org_clean, grounds="annual_report_missing",
                        legal_basis="Art. 8, SAIC Order No. 68", authority="Beijing AMR",
                        now=NOW)
    remove_listing(world.store, cured.entry_id, reason="cured", by="Beijing AMR",
                   now=NOW + timedelta(days=200))
    assert entry.expires_at is None  # stays until cured
    assert escalate_listings(world.store, now=NOW + timedelta(days=1000)) == []
    later = NOW + timedelta(days=10 + 1095 + 1)
    (serious,) = escalate_listings(world.store, now=later)
    assert (serious.list_id, serious.grounds, serious.escalated_from) == (
        SERIOUS, "abnormal_operations_uncured", entry.entry_id)
    assert serious.starts_at == later + timedelta(days=10)
    assert escalate_listings(world.store, now=later + timedelta(days=1)) == []  # idempotent
    assert "no_company_director" not in codes(world, world.org_listed, 10 + 1095 + 2)
    after = (later - NOW).days + 11
    assert "no_company_director" in codes(world, world.org_listed, after)
    kinds = [n.body["list"] for n in notices_for(world.store, world.key(world.org_listed))]
    assert kinds == [ABNORMAL, SERIOUS]


def test_only_organisations_entries_are_published(world: World) -> None:
    court_listing(world, world.low)
    court_listing(world, world.org_listed)
    published = published_entries(world.store, COURT, now=NOW + timedelta(days=11))
    assert [p["organisation"] for p in published] == [world.org_listed]
    assert all(world.low not in str(p) for p in published)


def test_list_subject_kinds(world: World) -> None:
    with pytest.raises(XinyongError) as caught:
        add_listing(world.store, ABNORMAL, world.low, grounds="annual_report_missing",
                    legal_basis="Art. 8", authority="AMR", now=NOW)
    assert caught.value.code == "LISTING_SUBJECT_KIND"


def test_the_honour_list_restricts_nothing(world: World) -> None:
    add_listing(world.store, "honour-list", world.org_clean, grounds="a_grade_taxpayer",
                legal_basis="A-grade rating 2026, Sichuan Tax Service",
                authority="Sichuan Provincial Tax Service", now=NOW)
    assert codes(world, world.org_clean, 1) == set()


def test_ties_reported_after_the_index_was_built_are_picked_up(world: World) -> None:
    court_listing(world, world.org_listed)
    assert codes(world, world.high, 11) == set()  # builds the decisions' event index
    world.store.append_events(batch([{
        "event_id": "h-rep", "subject_kind": "person", "subject_id": world.high,
        "event_type": "relationship.legal_representative_of", "occurred_at": NOW,
        "counterparty_kind": "organisation", "counterparty_id": world.org_listed}]))
    assert "no_company_director" in codes(world, world.high, 11)
