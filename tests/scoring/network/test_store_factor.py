"""The relationships factor end to end: declared ties in the event log → stored sub-scores."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from xinyong.scoring.engine import score_population
from xinyong.scoring.network import TIE_TYPES, NetworkParams, describe, relationship_factor
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store
from xinyong.store._network import replace_relationship_scores

from .builders import TODAY, event, key, make_store, org, person, tie

SESAME = load_rulebook("sesame-like")
P = [person(i) for i in range(12)]
ORGS = [org(i) for i in range(4)]
DEFAULTED_DAYS_AGO = 60

EVENTS = [
    *(event(P[i], "identity.verified", 400) for i in range(4)),
    *(event(who, "bill.paid_on_time", d) for who in [*P[:11], *ORGS[:3]] for d in (30, 200)),
    tie(P[0], "relationship.guarantor_of", P[4]),
    tie(P[1], "relationship.guarantor_of", P[5]),
    event(P[5], "loan.defaulted", DEFAULTED_DAYS_AGO, amount=5_000.0),
    tie(P[2], "relationship.legal_representative_of", ORGS[0]),
    tie(ORGS[0], "relationship.counterparty_of", ORGS[1], amount=500_000.0),
    tie(ORGS[0], "relationship.counterparty_of", ORGS[2], amount=1_000.0),
    event(P[7], "identity.verified", 10),  # verified, but a fresh account
    tie(P[7], "relationship.guarantor_of", P[8]),
    tie(P[3], "relationship.co_borrower_with", P[9], days_ago=3000),
    tie(P[3], "relationship.co_borrower_with", P[10], days_ago=10),
    tie(P[4], "relationship.guarantor_of", P[11]),  # a counterparty the store knows nothing of
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = make_store(tmp_path_factory.mktemp("network") / "home", EVENTS)
    yield store
    store.close()


def rows(store: Store, **kwargs: Any) -> dict[int, dict[str, Any]]:
    table = relationship_factor(store, TODAY, rulebook=SESAME, **kwargs)
    return {r["subject_key"]: r for r in table.to_pylist()}


def test_kernels_agree_on_the_store(store: Store) -> None:
    params = NetworkParams(tolerance=1e-13)
    embedded, iterated = rows(store, params=params), rows(store, params=params, kernel="sql")
    assert embedded.keys() == iterated.keys()
    for k, row in embedded.items():
        assert abs(row["sub_score"] - iterated[k]["sub_score"]) <= 1e-9
        assert abs(row["trust"] - iterated[k]["trust"]) <= 1e-9


def test_who_moves_and_who_stays_neutral(store: Store) -> None:
    got = rows(store)
    keys = [key(store, p) for p in P[:11]]
    orgs = [key(store, o) for o in ORGS[:3]]

    assert keys[6] not in got  # no ties at all: no row, so the neutral value
    assert 0 not in got  # the stand-in for counterparties the store does not know
    assert got[keys[4]]["sub_score"] > 50  # guaranteed by a verified, established subject
    assert got[keys[1]]["sub_score"] < 50  # guarantor of a defaulter
    assert got[keys[8]]["sub_score"] == 50  # vouched for only by a fresh account
    assert got[keys[7]]["sub_score"] == 50
    assert got[keys[5]]["sub_score"] > 50  # the defaulter's own default counts in credit history
    # Trade volume weighs the counterparty ties; recent ties pass more than old ones.
    assert got[orgs[1]]["lift"] > 10 * got[orgs[2]]["lift"] > 0
    assert got[keys[10]]["lift"] > 10 * got[keys[9]]["lift"] > 0
    for row in got.values():
        assert {c["tie_type"] for c in row["contributions"]} <= set(TIE_TYPES)


def test_an_explanation_names_the_tie_and_its_points(store: Store) -> None:
    guarantor = rows(store)[key(store, P[1])]
    (exposure,) = guarantor["contributions"]
    month = (TODAY - timedelta(days=DEFAULTED_DAYS_AGO)).strftime("%Y-%m")
    text = describe(exposure)
    assert text.startswith(f"guarantor of a subject who defaulted on a loan in {month}: −")
    assert exposure["points"] == pytest.approx(guarantor["points"])
    assert exposure["counterparty_key"] == key(store, P[5])


def test_subjects_who_opted_out_take_no_part(store: Store) -> None:
    voucher = key(store, P[0])
    store.set_enrolled(voucher, False)
    try:
        got = rows(store)
    finally:
        store.set_enrolled(voucher, True)
    assert voucher not in got
    assert got[key(store, P[4])]["lift"] == 0  # the opted-out voucher's trust is gone too


def test_pretrust_by_score_reads_the_latest_earlier_run(store: Store) -> None:
    score_population(store, SESAME, TODAY - timedelta(days=1))
    everyone = rows(store, params=NetworkParams(min_score=0.0, score_model=SESAME.id))
    nobody = rows(store, params=NetworkParams(min_score=10_000.0, score_model=SESAME.id))
    assert everyone[key(store, P[4])]["lift"] > 0
    assert all(r["lift"] == 0 for r in nobody.values())


def test_stored_scores_and_contributions_round_trip(store: Store) -> None:
    table = relationship_factor(store, TODAY, rulebook=SESAME)
    assert replace_relationship_scores(store, table, TODAY) == table.num_rows
    assert replace_relationship_scores(store, table, TODAY) == table.num_rows  # replaces

    stored = store.query(
        "SELECT subject_key, sub_score, trust FROM relationship_scores WHERE as_of = ? "
        "ORDER BY subject_key", [TODAY])
    assert stored == [(r["subject_key"], r["sub_score"], r["trust"]) for r in table.to_pylist()]
    sums = dict(store.query(
        "SELECT subject_key, SUM(points) FROM relationship_contributions WHERE as_of = ? "
        "GROUP BY subject_key", [TODAY]))
    for row in table.to_pylist():
        assert math.isclose(sums.get(row["subject_key"], 0.0), row["points"], abs_tol=1e-9)
