"""Validation by shape: a row's errors do not depend on the other rows of its batch.

Checks that depend only on a row's shape (subject_kind, event_type, attributes) are evaluated
once per distinct shape and joined back; the rest once per row or per distinct ID. The property
below validates hypothesis-generated batches, built from small pools so that shapes, IDs and
values repeat across rows, and compares every row's errors with those of the same row validated
alone (where its shape, its ID and its values are its own).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.ingest._validate import BatchContext, run_validation
from xinyong.store import Store

PERSON = "11010519491231002X"
ORG = "91350100M000100Y43"
FIELDS = ("event_id", "subject_kind", "subject_id", "event_type", "occurred_at", "amount",
          "attributes")

POOLS: dict[str, list[str | None]] = {
    "event_id": ["e1", "e2", "", "  ", "x" * 65, None],
    "subject_kind": ["person", "organisation", " Person ", "robot", "", None],
    "subject_id": [PERSON, ORG, "110105194912310021", "1101051949123100", "", " 11010519491231002x ",
                   "91350100M000100Y44", None],
    "event_type": ["bill.paid_on_time", "bill.paid_late", "loan.defaulted", "inquiry.hard",
                   "tax.arrears", "loan.repaid_on_time", "education.verified",
                   "relationship.guarantor_of", "correction.void", "correction.replace",
                   "religion.service_attended", "bill.paid_sideways", " bill.paid_on_time", "",
                   None],
    "occurred_at": ["2026-03-01", "2026-03-01T09:30:00", "2026-03-01 09:30:00",
                    "2026-03-01T09:30:00+08:00", "2026-03-01T23:30:00Z", "2026-03-01T09:30:00.250",
                    "yesterday", "", "2999-01-01", "1800-01-01", None],
    "amount": ["", "12.5", " 100 ", "-3", "abc", "1e20", "nan", None],
    "attributes": [
        None, "", "{}", "[1]", "{not json", '{"category": "groceries"}',
        '{"category": "gold"}', '{"days_past_due": 30}', '{"days_past_due": 0}',
        '{"days_past_due": "soon"}', '{"days_past_due": 12, "category": "rent"}',
        '{"location": "x"}', '{"colour": "red"}', '{"education_level": "master"}',
        '{"target_event_id": "e1"}', '{"target_event_id": ""}',
        '{"target_event_id": "e2", "event_type": "bill.paid_late", "days_past_due": 5}',
        '{"target_event_id": "e2", "event_type": "no.such_type"}',
        json.dumps({"counterparty_kind": "person", "counterparty_id": PERSON}),
        json.dumps({"counterparty_kind": "organisation", "counterparty_id": "91350100M000100Y44"}),
        json.dumps({"counterparty_kind": "robot", "counterparty_id": ORG}),
    ],
}

row_strategy = st.fixed_dictionaries({f: st.sampled_from(POOLS[f]) for f in FIELDS})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    s = Store.init(Path(tmp_path_factory.mktemp("shapes")) / "home")
    s.add_furnisher("utility", ["bill.*", "loan.*", "identity.*", "education.*", "relationship.*"])
    return s


def validate(store: Store, rows: list[tuple[int, dict[str, Any]]]) -> dict[int, list[dict[str, str]]]:
    """Errors per row number of one validation of ``rows`` (as read from a CSV: text fields)."""
    con = store.con
    table = pa.table({
        "row_number": pa.array([n for n, _ in rows], pa.int64()),
        **{f: pa.array([r[f] for _, r in rows], pa.string()) for f in FIELDS},
    })
    con.register("shape_test_rows", table)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE ingest_rows AS
                SELECT row_number, CAST(NULL AS BIGINT) AS byte_offset, {', '.join(FIELDS)}
                FROM shape_test_rows"""
        )
    finally:
        con.unregister("shape_test_rows")
    _, may_report = store.furnisher("utility")
    run_validation(con, BatchContext(store.catalogue, store.profile, may_report,
                                     *store.hmac_pads()))
    found = con.execute(
        "SELECT row_number, errors FROM ingest_checked ORDER BY row_number").fetchall()
    return {int(n): list(errors) for n, errors in found}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row_strategy, min_size=2, max_size=12))
def test_a_rows_errors_do_not_depend_on_its_batch(store: Store, rows: list[dict[str, Any]]) -> None:
    numbered = list(enumerate(rows, start=1))
    together = validate(store, numbered)
    assert sorted(together) == [n for n, _ in numbered]
    for n, r in numbered:
        assert together[n] == validate(store, [(n, r)])[n], r


def test_rows_sharing_a_shape_keep_their_own_value_errors(store: Store) -> None:
    shared = {"subject_kind": "person", "subject_id": PERSON, "event_type": "loan.defaulted",
              "attributes": None, "event_id": "e1"}
    rows = [
        (1, {**shared, "occurred_at": "2026-03-01", "amount": "10"}),
        (2, {**shared, "occurred_at": "yesterday", "amount": ""}),
        (3, {**shared, "occurred_at": "2026-03-01", "amount": "-1"}),
    ]
    errors = validate(store, rows)
    assert errors[1] == []
    assert [e["code"] for e in errors[2]] == ["OCCURRED_AT_INVALID", "AMOUNT_REQUIRED"]
    assert [e["code"] for e in errors[3]] == ["AMOUNT_NEGATIVE"]


def test_a_rows_errors_come_in_check_order_with_identifier_errors_first(store: Store) -> None:
    row = {"event_id": "", "subject_kind": "person", "subject_id": "110105194912310021",
           "event_type": "bill.paid_late", "occurred_at": "1800-01-01", "amount": "abc",
           "attributes": '{"colour": "red"}'}
    errors = validate(store, [(1, row)])[1]
    assert [e["code"] for e in errors] == [
        "ID_CHECKSUM", "EVENT_ID_MISSING", "AMOUNT_INVALID", "ATTRIBUTE_UNKNOWN",
        "OCCURRED_AT_TOO_OLD", "ATTRIBUTE_REQUIRED",
    ]
    assert all(set(e) == {"field", "code", "message"} for e in errors)


def test_an_undeclared_attribute_is_reported_in_a_batch_without_protected_names(
        store: Store) -> None:
    # Regression: with no protected name in the batch the check compared keys with NOT IN
    # (NULL), which is never true, and the undeclared attribute was silently dropped.
    row = {"event_id": "e1", "subject_kind": "person", "subject_id": PERSON,
           "event_type": "bill.paid_on_time", "occurred_at": "2026-03-01", "amount": "",
           "attributes": '{"days_past_due": 30}'}
    errors = validate(store, [(1, row)])[1]
    assert [(e["code"], e["field"]) for e in errors] == [("ATTRIBUTE_UNKNOWN", "attributes")]
