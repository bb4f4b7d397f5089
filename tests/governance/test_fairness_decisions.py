"""The bulk product evaluation of the fairness audit agrees with the per-subject decision logic.

Two checks: every shipped product's compiled SQL against :meth:`Product.evaluate` on random
facts (hypothesis), and on the decisions' small world with list entries, a listed
organisation's legal representative and a fraud alert, against the facts a real decision reads.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.decisions.conftest import AS_OF, _build
from xinyong.catalog import Factor
from xinyong.decisions._conditions import Facts
from xinyong.decisions._data import shipped_products
from xinyong.decisions._freeze import file_status, place_fraud_alert
from xinyong.decisions._lists import add_listing, restrictions_for
from xinyong.decisions._products import load_product
from xinyong.decisions._scores import latest_score
from xinyong.governance._product_outcomes import (
    applicable_products,
    decision_moment,
    find_run,
    outcome_sql,
    product_outcomes,
)
from xinyong.store import Store

PRODUCTS = [load_product(p) for p in shipped_products()]
FACTORS = [f.value for f in Factor]
LISTS = ["court-dishonest-debtors", "abnormal-operations", "honour-list"]
RESTRICTIONS = ["no_real_estate_purchase", "no_air_travel", "no_government_procurement"]

facts_strategy = st.builds(
    Facts,
    score=st.one_of(st.none(), st.sampled_from([549.0, 599.999, 600.0, 649.0, 650.0, 699.5,
                                                700.0, 950.0]), st.floats(350, 950)),
    tier=st.sampled_from(["poor", "fair", "good", "very_good", "excellent"]),
    factors=st.dictionaries(st.sampled_from(FACTORS),
                            st.sampled_from([0.0, 24.999, 25.0, 60.0, 100.0])),
    lists=st.frozensets(st.sampled_from(LISTS)),
    restrictions=st.frozensets(st.sampled_from(RESTRICTIONS)),
    fraud_alert=st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=st.lists(facts_strategy, min_size=1, max_size=8))
def test_compiled_products_match_the_decision_table(facts: list[Facts]) -> None:
    con = duckdb.connect()
    rows = []
    for f in facts:
        factors = {k: (f.factors.get(k) if f.score is not None else None) for k in FACTORS}
        rows.append([f.score, f.tier if f.score is not None else None, *factors.values(),
                     sorted(f.lists), sorted(f.restrictions), f.fraud_alert])
    con.execute(f"CREATE TABLE facts (score DOUBLE, tier VARCHAR, "
                f"{', '.join(c + ' DOUBLE' for c in FACTORS)}, lists VARCHAR[], "
                "restrictions VARCHAR[], fraud_alert BOOLEAN)")
    con.executemany(f"INSERT INTO facts VALUES ({', '.join('?' * (len(FACTORS) + 5))})", rows)
    columns = ", ".join(outcome_sql(p) for p in PRODUCTS)
    got = con.execute(f"SELECT {columns} FROM (SELECT 'person' AS subject_kind, * FROM facts)"
                      ).fetchall()
    for f, outcomes in zip(facts, got, strict=True):
        seen = Facts(f.score, f.tier if f.score is not None else None,
                     {k: v for k, v in f.factors.items()} if f.score is not None else {},
                     f.lists, f.restrictions, f.fraud_alert)
        assert list(outcomes) == [p.evaluate(seen)[0] for p in PRODUCTS]


@pytest.fixture(scope="module")
def listed_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("fairness-world")
    ids = _build(home, "cn-pilot")
    with Store.open(home) as store:
        before = datetime(2026, 10, 1)
        add_listing(store, "court-dishonest-debtors", ids["low"],
                    grounds="able_but_refuses_to_perform", legal_basis="Judgment (2026) 1",
                    authority="People's Court", now=before)
        add_listing(store, "court-dishonest-debtors", ids["org_listed"],
                    grounds="able_but_refuses_to_perform", legal_basis="Judgment (2026) 2",
                    authority="People's Court", now=before)
        place_fraud_alert(store, ids["high"], now=datetime(2026, 10, 15))
    return home, ids


def test_bulk_outcomes_agree_with_per_subject_decisions(
        listed_world: tuple[Path, dict[str, str]]) -> None:
    home, ids = listed_world
    with Store.open(home) as store:
        run = find_run(store, "sesame-like", AS_OF)
        products, _ = applicable_products("sesame-like")
        frame = product_outcomes(store, run, products).set_index("subject_key")
        at = decision_moment(AS_OF)
        checked = 0
        for name, subject_id in ids.items():
            key, kind = store.find_subject(subject_id)
            score = latest_score(store.con, key, "sesame-like", at)
            entries, restrictions = restrictions_for(store, key, kind, now=at)
            alert = file_status(store, key, now=at).fraud_alert
            facts = Facts(score.score, score.tier, score.factors,
                          frozenset(e.list_id for e in entries),
                          frozenset(r.code for r in restrictions), alert is not None)
            for product in products:
                bulk = frame.loc[key, product.id]
                if kind not in product.info.subject_kinds:
                    assert pd.isna(bulk), (name, product.id)
                    continue
                assert bulk == product.evaluate(facts)[0], (name, product.id)
                checked += 1
        assert checked == 4 * len(products)
        # the list entries did reach the bulk path: the debtor and the listed organisation's
        # representative are declined a mortgage; the fraud alert refers a pay-later request
        assert frame.loc[store.find_subject(ids["low"])[0], "mortgage-prequal"] == "decline"
        rep_facts = restrictions_for(store, store.find_subject(ids["rep"])[0], "person", now=at)
        assert "no_real_estate_purchase" in {r.code for r in rep_facts[1]}
        assert frame.loc[store.find_subject(ids["rep"])[0], "mortgage-prequal"] == "decline"
        assert frame.loc[store.find_subject(ids["high"])[0], "pay-later"] == "refer"
