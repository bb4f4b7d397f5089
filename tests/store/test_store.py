"""The embedded store: idempotent appends, pseudonymised people, refused rows, lookups.

Batches go through ``Store.append_events`` (the bulk path, validated like a furnisher file).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from xinyong.catalog import default_catalogue
from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs
from xinyong.errors import XinyongError
from xinyong.store import Store

CATALOGUE = default_catalogue()
_ARROW_TYPES = {"INTEGER": pa.int32(), "DOUBLE": pa.float64(), "VARCHAR": pa.string()}

_people = generate_prc_resident_ids(np.random.default_rng(2026), 60)
PERSON, OTHER_PERSON, UNSEEN_PERSON = _people[:3]
PERSON_X = next(p for p in _people[3:] if p.endswith("X"))  # its check character is a letter
ORG, UNSEEN_ORG = generate_usccs(np.random.default_rng(2027), 2)


def event(
    event_id: str,
    subject_id: str = PERSON,
    *,
    kind: str = "person",
    event_type: str = "bill.paid_on_time",
    furnisher: str = "utility-grid",
    occurred_at: datetime = datetime(2026, 3, 1, 12, 0),
    amount: float | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    return {
        "furnisher": furnisher,
        "event_id": event_id,
        "subject_kind": kind,
        "subject_id": subject_id,
        "event_type": event_type,
        "occurred_at": occurred_at,
        "amount": amount,
        **attributes,
    }


def batch(*rows: dict[str, Any]) -> pa.Table:
    """A canonical furnisher batch; attributes a row does not give are null."""
    columns: dict[str, pa.Array] = {
        "furnisher": pa.array([r["furnisher"] for r in rows], pa.string()),
        "event_id": pa.array([r["event_id"] for r in rows], pa.string()),
        "subject_kind": pa.array([r["subject_kind"] for r in rows], pa.string()),
        "subject_id": pa.array([r["subject_id"] for r in rows], pa.string()),
        "event_type": pa.array([r["event_type"] for r in rows], pa.string()),
        "occurred_at": pa.array([r["occurred_at"] for r in rows], pa.timestamp("us")),
        "amount": pa.array([r["amount"] for r in rows], pa.float64()),
    }
    for name, attribute in CATALOGUE.attributes.items():
        columns[name] = pa.array([r.get(name) for r in rows], _ARROW_TYPES[attribute.sql_type])
    return pa.table(columns)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.init(tmp_path / "home") as opened:
        yield opened


def counts(store: Store) -> dict[str, int]:
    tables = ("furnishers", "subjects", "events", "batches")
    return {t: int(store.query(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in tables}


def stored_events(store: Store) -> list[tuple[Any, ...]]:
    return store.query(
        "SELECT f.name, e.event_id, e.event_type::VARCHAR, e.amount FROM events AS e "
        "JOIN furnishers AS f USING (furnisher_id) ORDER BY e.event_seq"
    )


# -- idempotent appends ------------------------------------------------------------------------
def test_reappending_a_batch_adds_nothing_and_reports_every_row_as_duplicate(
    store: Store,
) -> None:
    incoming = batch(
        event("e1"),
        event("e2", event_type="bill.paid_late", days_past_due=12, amount=80.0),
        event("e3", ORG, kind="organisation", event_type="tax.filed_on_time"),
    )
    first = store.append_events(incoming)
    after_first = counts(store)
    again = store.append_events(incoming)

    assert (first.rows, first.accepted, first.duplicates, first.new_subjects) == (3, 3, 0, 2)
    assert (again.rows, again.accepted, again.duplicates, again.new_subjects) == (3, 0, 3, 0)
    assert again.batch_id == first.batch_id + 1
    assert counts(store) == {**after_first, "batches": after_first["batches"] + 1}
    assert store.query(
        "SELECT rows, accepted, duplicates FROM batches ORDER BY batch_id"
    ) == [(3, 3, 0), (3, 0, 3)]


def test_a_resent_event_id_with_other_content_keeps_the_first_version(store: Store) -> None:
    store.append_events(batch(event("e1", amount=10.0)))
    with pytest.raises(XinyongError) as refused:
        store.append_events(batch(event("e1", amount=99.0), event("e2", amount=5.0)))

    assert refused.value.code == "CONFLICT"
    assert refused.value.position == "row 1"
    # the bulk path is all or nothing: the conflicting batch stores nothing, e1 keeps 10.0
    assert stored_events(store) == [("utility-grid", "e1", "bill.paid_on_time", 10.0)]


def test_within_a_batch_an_identical_repeat_is_a_duplicate(store: Store) -> None:
    result = store.append_events(
        batch(
            event("e1", amount=1.0),
            event("e1", amount=1.0),
            # The same event_id from another furnisher is another event.
            event("e1", amount=3.0, furnisher="lender-a", event_type="loan.repaid_on_time"),
            event("e1", amount=1.0),
        )
    )

    assert (result.rows, result.accepted, result.duplicates) == (4, 2, 2)
    assert sorted(stored_events(store)) == [
        ("lender-a", "e1", "loan.repaid_on_time", 3.0),
        ("utility-grid", "e1", "bill.paid_on_time", 1.0),
    ]


def test_within_a_batch_the_first_occurrence_of_a_furnisher_event_id_wins(store: Store) -> None:
    with pytest.raises(XinyongError) as refused:
        store.append_events(
            batch(
                event("e1", amount=1.0),
                event("e1", amount=2.0, event_type="bill.paid_late", days_past_due=40),
                event("e2", amount=5.0),
                event("e1", amount=4.0),
            )
        )

    # Later rows reusing the id with other content are conflicts, never an overwrite.
    assert refused.value.code == "CONFLICT"
    assert refused.value.field == "event_id"
    assert refused.value.position == "row 2"
    # The bulk path is all or nothing (furnisher files quarantine instead: tests/ingest).
    assert stored_events(store) == []
    assert store.query("SELECT COUNT(*) FROM quarantine") == [(0,)]


# -- pseudonymised people ----------------------------------------------------------------------
def _database_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.glob("xinyong.duckdb*")))


def _holds(stored: bytes, text: str) -> bool:
    """Whether ``text`` occurs in the file bytes (kept boolean: the bytes are too long to show)."""
    return text.encode("ascii") in stored


def test_a_persons_raw_id_never_reaches_the_database_file_but_an_organisation_code_does(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    with Store.init(home) as store:
        store.append_events(
            batch(
                event("e1", PERSON),
                event("e2", PERSON_X.lower(), event_type="identity.verified"),
                event("e3", ORG, kind="organisation"),
                # A declared tie names another person, who must be pseudonymised too.
                event(
                    "e4",
                    PERSON,
                    event_type="relationship.guarantor_of",
                    counterparty_kind="person",
                    counterparty_id=OTHER_PERSON,
                ),
            )
        )
        pseudonym = store.pseudonymiser.pseudonym(PERSON)
        store.con.execute("CHECKPOINT")
    stored = _database_bytes(home).upper()

    for raw in (PERSON, PERSON_X, OTHER_PERSON):
        assert not _holds(stored, raw), raw
    assert _holds(stored, ORG)
    assert _holds(stored, pseudonym.upper())  # the search itself finds what is there


def test_the_pseudonymisation_key_lives_in_the_home_and_not_in_the_database(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    with Store.init(home) as store:
        store.append_events(batch(event("e1", PERSON)))
        pads = store.pseudonymiser.pads()
        store.con.execute("CHECKPOINT")
    key_file = home / "keys" / "id.key"
    key_hex = key_file.read_text("ascii").strip()
    stored = _database_bytes(home)

    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(key_hex)) >= 32
    # Neither the key nor the HMAC pads derived from it (which reveal it) reach the file.
    for secret in (bytes.fromhex(key_hex), *pads):
        leaked = secret in stored or _holds(stored.lower(), secret.hex())
        assert not leaked
    # Reopening the home reads the same key: a person keeps one subject across sessions.
    with Store.open(home) as reopened:
        assert reopened.find_subject(PERSON) == (1, "person")
        assert reopened.append_events(batch(event("e2", PERSON))).new_subjects == 0


def test_a_refused_row_about_a_person_keeps_the_raw_id_out_of_the_database_file(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    with Store.init(home) as store:
        with pytest.raises(XinyongError):  # the row is refused for its event type, not its ID
            store.append_events(batch(event("e1", PERSON, event_type="opinion.expressed")))
        store.con.execute("CHECKPOINT")
    assert not _holds(_database_bytes(home).upper(), PERSON)


# -- refused rows ------------------------------------------------------------------------------
def _wrong_check_character(subject_id: str) -> str:
    return subject_id[:17] + ("0" if subject_id[17] != "0" else "1")


def test_an_invalid_id_in_a_batch_raises_a_clear_error(store: Store) -> None:
    broken = _wrong_check_character(PERSON)

    with pytest.raises(XinyongError) as refused:
        store.append_events(batch(event("e1", OTHER_PERSON), event("e2", broken)))

    error = refused.value
    assert error.code == "ID_CHECKSUM"
    assert error.field == "subject_id"
    assert error.position == "row 2"
    assert "check character" in error.message
    assert broken not in str(error)  # IDs stay out of messages, which end up in logs
    assert PERSON not in str(error)
    # The failed append leaves the store usable.
    assert store.append_events(batch(event("e3", PERSON))).accepted == 1


def test_a_batch_with_an_invalid_id_stores_nothing(store: Store) -> None:
    store.append_events(batch(event("e0", PERSON)))
    before = counts(store)

    with pytest.raises(XinyongError):
        store.append_events(
            batch(
                event("e1", OTHER_PERSON, furnisher="new-furnisher"),
                event("e2", _wrong_check_character(PERSON)),
                event("e3", ORG, kind="organisation"),
            )
        )

    assert counts(store) == before


def test_an_unknown_event_type_is_refused(store: Store) -> None:
    with pytest.raises(XinyongError) as refused:
        store.append_events(batch(event("e1"), event("e2", event_type="opinion.expressed")))

    assert refused.value.code == "EVENT_TYPE_UNKNOWN"
    assert refused.value.field == "event_type"
    assert refused.value.position == "row 2"
    assert "opinion.expressed" in refused.value.message
    assert stored_events(store) == []


def test_a_batch_without_a_canonical_column_is_refused_before_anything_is_stored(
    store: Store,
) -> None:
    with pytest.raises(XinyongError) as refused:
        store.append_events(batch(event("e1")).drop_columns(["amount"]))
    assert refused.value.code == "MISSING_COLUMNS"
    assert refused.value.field == "amount"
    assert counts(store) == {"furnishers": 0, "subjects": 0, "events": 0, "batches": 0}


def test_an_invalid_counterparty_id_names_the_counterparty_field(store: Store) -> None:
    with pytest.raises(XinyongError) as refused:
        store.append_events(
            batch(
                event(
                    "e1",
                    PERSON,
                    event_type="relationship.guarantor_of",
                    counterparty_kind="person",
                    counterparty_id=_wrong_check_character(OTHER_PERSON),
                )
            )
        )
    assert refused.value.field == "attributes.counterparty_id"
    assert refused.value.position == "row 1"


# -- finding subjects --------------------------------------------------------------------------
def test_find_subject_by_raw_id(store: Store) -> None:
    store.append_events(
        batch(
            event("e1", PERSON),
            event("e2", PERSON_X),
            event("e3", ORG, kind="organisation"),
        )
    )
    keys = dict(store.query("SELECT subject_ref, subject_key FROM subjects"))

    person_key, kind = store.find_subject(PERSON)
    assert kind == "person"
    assert person_key == keys[store.pseudonymiser.pseudonym(PERSON)]
    assert store.find_subject(PERSON, "person") == (person_key, "person")
    # IDs are normalised before lookup: surrounding space, a lower-case check letter.
    assert store.find_subject(f"  {PERSON_X.lower()} ")[1] == "person"
    assert store.find_subject(PERSON_X.lower()) == store.find_subject(PERSON_X)
    assert store.find_subject(ORG) == (keys[ORG], "organisation")
    assert store.find_subject(ORG.lower(), "organisation") == (keys[ORG], "organisation")
    assert len({person_key, keys[ORG], store.find_subject(PERSON_X)[0]}) == 3


@pytest.mark.parametrize("unseen", [UNSEEN_PERSON, UNSEEN_ORG])
def test_find_subject_of_a_valid_id_never_reported_is_unknown(store: Store, unseen: str) -> None:
    store.append_events(batch(event("e1", PERSON), event("e2", ORG, kind="organisation")))
    with pytest.raises(XinyongError) as refused:
        store.find_subject(unseen)
    assert refused.value.code == "UNKNOWN_SUBJECT"
    assert refused.value.field == "subject_id"


@pytest.mark.parametrize(
    ("subject_id", "kind"),
    [
        ("not-an-id", None),
        (PERSON[:17] + ("0" if PERSON[17] != "0" else "1"), None),
        (PERSON, "organisation"),  # a valid person ID is no organisation code
        (ORG, "person"),
        ("", None),
    ],
)
def test_find_subject_of_an_invalid_id_says_so(
    store: Store, subject_id: str, kind: str | None
) -> None:
    store.append_events(batch(event("e1", PERSON), event("e2", ORG, kind="organisation")))
    with pytest.raises(XinyongError) as refused:
        store.find_subject(subject_id, kind)
    assert refused.value.code == "INVALID_ID"
    assert refused.value.field == "subject_id"
    if len(subject_id) == 18:
        assert subject_id not in refused.value.message  # masked


def test_a_bulk_append_after_a_file_ingest_on_the_same_connection_works(
    store: Store, tmp_path: Path,
) -> None:
    from xinyong.ingest._pipeline import ingest_file

    store.add_furnisher("utility-grid", ["bill.*"])
    csv = tmp_path / "bills.csv"
    csv.write_text("event_id,subject_kind,subject_id,event_type,occurred_at,amount,attributes\n"
                   f"F1,person,{PERSON},bill.paid_on_time,2026-03-01,,\n")
    assert ingest_file(store, csv, furnisher="utility-grid").accepted == 1
    result = store.append_events(batch(event("B1")))
    assert (result.accepted, counts(store)["events"]) == (1, 2)
