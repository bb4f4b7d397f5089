"""Mapping accounts to canonical events: history months, status, disputes, subjects, co-borrowers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.ingest.metro2.conftest import AT, BASE, J1, J2, J_ECOA, J_SSN, TRAILER, Patch
from xinyong.catalog import default_catalogue
from xinyong.errors import XinyongError
from xinyong.ingest.metro2 import (
    EVENT_SCHEMA,
    metro2_fixed_bytes,
    metro2_to_events,
    read_metro2,
)

SPEC_COLUMNS = [
    ("event_id", pa.string()), ("subject_kind", pa.string()), ("subject_id", pa.string()),
    ("event_type", pa.string()), ("occurred_at", pa.timestamp("us")), ("amount", pa.float64()),
    ("days_past_due", pa.int32()), ("category", pa.string()), ("asset_class", pa.string()),
    ("education_level", pa.string()), ("counterparty_kind", pa.string()),
    ("counterparty_id", pa.string()), ("disputed", pa.bool_()), ("account", pa.string()),
    ("compliance_code", pa.string()),
]  # fmt: skip
PHP = BASE + AT["payment_history_profile"]


def events_of(data: bytes, **options: Any) -> list[dict[str, Any]]:
    table, _ = metro2_to_events(read_metro2(data), furnisher="acme-bank", **options)
    assert [(f.name, f.type) for f in table.schema] == SPEC_COLUMNS
    return table.to_pylist()  # type: ignore[no-any-return]


def by_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [event for event in events if event["event_type"] == event_type]


def test_the_sample_maps_to_a_default_and_one_co_borrower(fixed: bytes) -> None:
    events = events_of(fixed)
    # PHP is 'B' x 24 (no history): no monthly events. Status 62 (paid, was a collection)
    # says a default happened: one loan.defaulted at the date of account information.
    (default,) = by_type(events, "loan.defaulted")
    assert default["occurred_at"] == datetime(2002, 9, 20)
    assert default["amount"] == 2233.0  # no charge-off amount, so the balance
    assert default["event_id"] == "m2:553723456:2002-09:pay"
    assert default["subject_kind"] == "person" and default["subject_id"] == "159328759"
    # J1 and J2 name the same person (same SSN): one relationship.
    (related,) = by_type(events, "relationship.co_borrower_with")
    assert related["counterparty_kind"] == "person"
    assert related["counterparty_id"] == "445112877"
    assert related["occurred_at"] == datetime(2019, 11, 22)  # the date opened
    assert len(events) == 2
    assert not any(event["disputed"] for event in events)  # XA: closed at consumer's request


def test_compliance_code_xb_marks_every_event_disputed(patch: Patch) -> None:
    events = events_of(patch((BASE + AT["compliance_condition_code"], b"XB")))
    assert events and all(event["disputed"] for event in events)


def test_ecoa_w_is_an_organisation(patch: Patch) -> None:
    events = events_of(patch((BASE + AT["ecoa_code"], b"W")))
    assert {event["subject_kind"] for event in events} == {"organisation"}


def test_each_distinct_associate_is_a_co_borrower(patch: Patch) -> None:
    events = events_of(patch((J2 + J_SSN, b"512345678"), (J2 + J_ECOA, b"W")))
    related = by_type(events, "relationship.co_borrower_with")
    assert [(e["counterparty_kind"], e["counterparty_id"]) for e in related] == [
        ("person", "445112877"), ("organisation", "512345678")]
    assert {e["subject_id"] for e in related} == {"159328759"}
    assert len({e["event_id"] for e in related}) == 2
    # ECOA Z deletes the associate: no relationship for it.
    deleted = events_of(patch((J1 + J_ECOA, b"Z"), (J2 + J_ECOA, b"Z")))
    assert by_type(deleted, "relationship.co_borrower_with") == []


def test_each_history_month_becomes_an_event(patch: Patch) -> None:
    profile = b"0123456LLLBDE00000000000"
    events = events_of(patch((PHP, profile), (BASE + AT["account_status"], b"11"),
                             (BASE + AT["original_charge_off_amount"], b"000001500")))
    monthly = {event["occurred_at"]: event for event in events
               if event["event_type"].startswith("loan.")}
    # Month 1 is August 2002, the month before the date of account information.
    assert monthly[datetime(2002, 8, 1)]["event_type"] == "loan.repaid_on_time"
    for month, days in zip(range(7, 1, -1), (30, 60, 90, 120, 150, 180), strict=True):
        event = monthly[datetime(2002, month, 1)]
        assert (event["event_type"], event["days_past_due"]) == ("loan.repaid_late", days)
    # L L L in months 8–10: one default, in the oldest month of the run (November 2001).
    (default,) = by_type(events, "loan.defaulted")
    assert default["occurred_at"] == datetime(2001, 11, 1)
    assert default["amount"] == 1500.0
    # B, D, E (months 11–13: Oct, Sep, Aug 2001) carry no conduct.
    for month in (10, 9, 8):
        assert datetime(2001, month, 1) not in monthly
    assert len(by_type(events, "loan.repaid_on_time")) == 1 + 11 + 1  # + status 11 at DAI
    assert monthly[datetime(2002, 9, 20)]["event_type"] == "loan.repaid_on_time"
    assert all(e["days_past_due"] is None for e in by_type(events, "loan.repaid_on_time"))
    assert all(e["amount"] is None for e in by_type(events, "loan.repaid_late"))


@pytest.mark.parametrize(
    ("status", "rating", "history", "expected"),
    [
        (b"11", b" ", b"B", ("loan.repaid_on_time", None)),
        (b"71", b" ", b"B", ("loan.repaid_late", 30)),
        (b"84", b" ", b"B", ("loan.repaid_late", 180)),
        (b"97", b" ", b"0", ("loan.defaulted", None)),
        (b"64", b" ", b"B", ("loan.defaulted", None)),
        (b"97", b" ", b"L", None),  # the history already shows the charge-off
        (b"13", b"0", b"B", None),  # paid or closed: nothing to add
        (b"13", b"2", b"B", ("loan.repaid_late", 60)),
        (b"05", b"L", b"B", ("loan.defaulted", None)),
    ],
)
def test_the_account_status_adds_one_event_where_it_says_more(
        patch: Patch, status: bytes, rating: bytes, history: bytes,
        expected: tuple[str, int | None] | None) -> None:
    events = events_of(patch((BASE + AT["account_status"], status),
                             (BASE + AT["payment_rating"], rating),
                             (PHP, history * 24)))
    at_dai = [(e["event_type"], e["days_past_due"]) for e in events
              if e["occurred_at"] == datetime(2002, 9, 20)]
    assert at_dai == ([expected] if expected else [])


@pytest.mark.parametrize("status", [b"DA", b"DF"])
def test_deleted_accounts_emit_nothing(patch: Patch, status: bytes) -> None:
    assert events_of(patch((BASE + AT["account_status"], status), (PHP, b"0" * 24))) == []


def test_a_deleted_consumer_emits_nothing(patch: Patch) -> None:
    assert events_of(patch((BASE + AT["ecoa_code"], b"Z"), (PHP, b"0" * 24))) == []


def test_as_of_drops_later_events(patch: Patch) -> None:
    data = patch((PHP, b"0" * 24), (BASE + AT["account_status"], b"11"))
    assert len(events_of(data)) == 24 + 1 + 1
    earlier = events_of(data, as_of=date(2002, 6, 30))
    assert max(event["occurred_at"] for event in earlier) <= datetime(2002, 6, 30)
    assert len(by_type(earlier, "loan.repaid_on_time")) == 24 - 2


def test_accounts_that_cannot_be_mapped_are_reported(fixed: bytes, patch: Patch) -> None:
    no_ssn = read_metro2(patch((BASE + AT["ssn"], b"000000000")))
    table, issues = metro2_to_events(no_ssn, furnisher="acme-bank")
    assert table.num_rows == 0
    assert [(i.code, i.record, i.offset) for i in issues] == [("M2_SUBJECT_ID", 2, BASE)]
    no_account = read_metro2(patch((BASE + AT["account_number"], b" " * 30)))
    assert [i.code for i in metro2_to_events(no_account, furnisher="x")[1]] == [
        "M2_ACCOUNT_NUMBER"]
    undated = read_metro2(patch((BASE + AT["date_account_information"], b"00000000")))
    assert [i.code for i in metro2_to_events(undated, furnisher="x")[1]] == ["M2_DATE"]


def test_a_repeated_account_gets_distinct_ids_and_an_issue(fixed: bytes) -> None:
    base = fixed[BASE:TRAILER]
    file = read_metro2(fixed[:BASE] + base + base + fixed[TRAILER:])
    table, issues = metro2_to_events(file, furnisher="acme-bank")
    assert [issue.code for issue in issues] == ["M2_DUPLICATE_ACCOUNT"]
    assert pc.count_distinct(table["event_id"]).as_py() == table.num_rows == 4
    assert "m2:553723456~2:2002-09:pay" in table["event_id"].to_pylist()


def test_ids_are_stable_across_reads_and_files(fixed: bytes) -> None:
    first, _ = metro2_to_events(read_metro2(fixed), furnisher="a")
    again, _ = metro2_to_events(read_metro2(fixed), furnisher="a")
    assert first.equals(again)


def test_a_furnisher_must_be_named(fixed: bytes) -> None:
    with pytest.raises(XinyongError) as caught:
        metro2_to_events(read_metro2(fixed), furnisher=" ")
    assert caught.value.code == "M2_FURNISHER"


def test_generated_files_map_to_valid_catalogue_events() -> None:
    file = read_metro2(metro2_fixed_bytes(3000, seed=11))
    assert file.issues == ()
    table, issues = metro2_to_events(file, furnisher="acme-bank")
    assert issues == []
    assert table.schema.equals(EVENT_SCHEMA)
    ids = table["event_id"]
    assert pc.count_distinct(ids).as_py() == table.num_rows
    assert pc.max(pc.utf8_length(ids)).as_py() <= 64
    catalogue = default_catalogue()
    for event_type in pc.unique(table["event_type"]).to_pylist():
        rule = catalogue.get(event_type)
        rows = table.filter(pc.equal(table["event_type"], event_type))
        for kind in pc.unique(rows["subject_kind"]).to_pylist():
            assert kind in {k.value for k in rule.applies_to}
        if rule.amount.value == "required":
            assert rows["amount"].null_count == 0
        if rule.amount.value == "none":
            assert rows["amount"].null_count == rows.num_rows
        for name in rule.required:
            assert rows[name].null_count == 0, (event_type, name)
        allowed = {a.name for a in rule.attributes}
        for name in ("days_past_due", "category", "asset_class", "education_level",
                     "counterparty_kind", "counterparty_id"):
            if name not in allowed:
                assert rows[name].null_count == rows.num_rows, (event_type, name)
    late = table.filter(pc.equal(table["event_type"], "loan.repaid_late"))
    assert set(late["days_past_due"].to_pylist()) <= {30, 60, 90, 120, 150, 180}
    disputed = pc.sum(table["disputed"].cast(pa.int64())).as_py()
    assert 0 < disputed < table.num_rows
