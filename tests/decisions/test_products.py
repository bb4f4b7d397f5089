"""Every shipped product at its thresholds, the hit policies and the product file checks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.decisions.conftest import NOW, World, set_score
from xinyong.decisions import (
    Decision,
    Facts,
    QueryRefused,
    add_listing,
    decide,
    grant_consent,
    load_product,
    parse_product,
    place_fraud_alert,
    register_party,
    shipped_products,
)
from xinyong.errors import XinyongError

PURPOSE = {"deposit-free-rental": "tenancy_screening", "pay-later": "extension_of_credit",
           "visa-support-letter": "subject_request", "mortgage-prequal": "extension_of_credit"}
THRESHOLD = {"deposit-free-rental": 650, "pay-later": 600, "visa-support-letter": 700,
             "mortgage-prequal": 700}
COURT = "court-dishonest-debtors"


@pytest.fixture
def bank(world: World) -> World:
    register_party(world.store, "acme-bank", "Acme Bank", sorted(set(PURPOSE.values())), now=NOW)
    for subject in (world.high, world.low, world.rep, world.thin):
        for purpose in set(PURPOSE.values()):
            grant_consent(world.store, subject, "acme-bank", purpose, days=60, now=NOW)
    return world


def run(world: World, product: str, subject: str, days: int = 0) -> Decision:
    return decide(world.store, party_id="acme-bank", subject_id=subject, product=product,
                  purpose=PURPOSE[product], now=NOW + timedelta(days=days))


def test_the_shipped_products() -> None:
    assert shipped_products() == sorted(PURPOSE)


@pytest.mark.parametrize("product", sorted(PURPOSE))
def test_threshold(bank: World, product: str) -> None:
    key = bank.key(bank.high)
    set_score(bank.store, key, THRESHOLD[product] - 0.01, credit_history=60)
    below = run(bank, product, bank.high)
    assert below.outcome == "decline"
    assert below.notice is not None
    set_score(bank.store, key, THRESHOLD[product], credit_history=60)
    at = run(bank, product, bank.high)
    assert at.outcome == "approve" and at.notice is None
    assert at.trace[-1].outcome == "approve"


@pytest.mark.parametrize("product", sorted(PURPOSE))
def test_unscorable_subjects_are_referred_never_declined(bank: World, product: str) -> None:
    decision = run(bank, product, bank.thin)
    assert decision.outcome == "refer"
    assert decision.score.unscorable_reason == "TOO_FEW_EVENTS"
    assert [r.row for r in decision.trace] == ["unscorable"]


def test_first_hit_policy_traces_the_one_row(bank: World) -> None:
    decision = run(bank, "deposit-free-rental", bank.high)
    assert [(r.row, r.outcome) for r in decision.trace] == [("score-650", "approve")]
    low = run(bank, "deposit-free-rental", bank.low)
    assert [r.row for r in low.trace] == ["default"]


def test_collect_hit_policy_fires_every_row_and_the_worst_wins(bank: World) -> None:
    place_fraud_alert(bank.store, bank.low, now=NOW)
    decision = run(bank, "pay-later", bank.low)
    assert decision.outcome == "decline"
    assert [r.row for r in decision.trace] == ["fraud-alert", "score-below-600"]
    assert decision.fraud_alert is not None and "identity" in decision.fraud_alert


def test_pay_later_refers_a_weak_repayment_record(bank: World) -> None:
    set_score(bank.store, bank.key(bank.high), 640, credit_history=20)
    decision = run(bank, "pay-later", bank.high)
    assert decision.outcome == "refer"
    assert [r.row for r in decision.trace] == ["weak-repayment-record", "score-600"]


def test_mortgage_declines_a_court_listed_debtor(bank: World) -> None:
    add_listing(bank.store, COURT, bank.high, grounds="able_but_refuses_to_perform",
                legal_basis="Civil Procedure Law art. 262", authority="Xicheng District Court",
                now=NOW)
    assert run(bank, "mortgage-prequal", bank.high).outcome == "approve"  # notice period
    decision = run(bank, "mortgage-prequal", bank.high, days=11)
    assert decision.outcome == "decline"
    assert [r.row for r in decision.trace] == ["court-defaulter"]
    assert decision.facts.lists == frozenset({COURT})


def test_mortgage_declines_the_legal_representative_of_a_listed_organisation(
        bank: World) -> None:
    add_listing(bank.store, COURT, bank.org_listed, grounds="evades_enforcement",
                legal_basis="Civil Procedure Law art. 262", authority="Chengdu Court", now=NOW)
    decision = run(bank, "mortgage-prequal", bank.rep, days=11)
    assert decision.outcome == "decline"
    assert [r.row for r in decision.trace] == ["no-real-estate"]
    assert decision.facts.lists == frozenset()  # not listed themselves
    via = {(r.code, r.via, r.organisation) for r in decision.restrictions}
    assert ("no_real_estate_purchase", "legal_representative", bank.org_listed) in via
    # The high scorer without ties to the organisation is not affected.
    assert run(bank, "mortgage-prequal", bank.high, days=11).outcome == "approve"


def test_fraud_alert_refers_a_mortgage(bank: World) -> None:
    place_fraud_alert(bank.store, bank.high, note="call first", now=NOW)
    decision = run(bank, "mortgage-prequal", bank.high)
    assert decision.outcome == "refer"
    assert decision.fraud_alert is not None and decision.fraud_alert.endswith("call first")


def test_decisions_are_recorded(bank: World) -> None:
    decision = run(bank, "pay-later", bank.low)
    rows = bank.store.query("SELECT outcome, trace, product_version FROM decisions "
                            "WHERE decision_id = ?", [decision.decision_id])
    assert rows[0][0] == "decline" and "score-below-600" in rows[0][1]


PRODUCT: dict[str, Any] = {
    "product": {"id": "tiny", "version": "1", "name": "Tiny product", "inquiry": "soft",
                "hit_policy": "first", "default": "decline", "default_reason": "No."},
    "rows": [{"id": "ok", "when": {"score_min": 600}, "outcome": "approve", "reason": "Yes."}],
}


def _with(**row: Any) -> dict[str, Any]:
    return {**PRODUCT, "rows": [{**PRODUCT["rows"][0], **row}]}


@pytest.mark.parametrize("document", [
    _with(when={"on_list": "no-such-list"}),
    _with(when={"restricted": "no_such_restriction"}),
    _with(when={"tier_in": ["platinum"]}),
    _with(when={"score_over": 3}),
    _with(outcome="restrict"),  # a product refuses or grants; it never punishes
    _with(outcome="blacklist"),
    {**PRODUCT, "rows": [PRODUCT["rows"][0], PRODUCT["rows"][0]]},
])
def test_bad_products_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(XinyongError) as caught:
        parse_product(document)
    assert caught.value.code == "PRODUCT_INVALID"


def test_conditions_in_words() -> None:
    product = load_product("mortgage-prequal")
    assert [r.when.describe() for r in product.spec.rows] == [
        f"on {COURT}", "restricted: no_real_estate_purchase", "fraud alert on file",
        "unscorable", "score ≥ 700"]
    outcome, fired = product.evaluate(Facts(score=720.0, tier="excellent"))
    assert (outcome, [f.row for f in fired]) == ("approve", ["score-700"])


def test_a_product_the_profile_does_not_list_may_not_use_a_score(bank: World,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(
        '[product]\nid = "tiny"\nversion = "1"\nname = "Tiny product"\ninquiry = "soft"\n'
        'hit_policy = "first"\ndefault = "decline"\ndefault_reason = "No."\n\n'
        '[[rows]]\nid = "ok"\nwhen = { score_min = 600 }\noutcome = "approve"\nreason = "Yes."\n',
        "utf-8")
    assert load_product(path).id == "tiny"
    with pytest.raises(QueryRefused) as caught:
        decide(bank.store, party_id="acme-bank", subject_id=bank.high, product=path,
               purpose="extension_of_credit", now=NOW)
    assert caught.value.code == "PRODUCT_PURPOSE_NOT_ALLOWED"
