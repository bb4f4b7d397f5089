"""The tables of decisions (consent, inquiries, products, lists …) and their one event write.

``create_decision_tables`` creates every table the decisions package keeps, idempotently
(``IF NOT EXISTS``); the decisions code calls it lazily on first use of a store. It is written
so that it can become a numbered migration unchanged.

``append_inquiry_event`` is the one write decisions make to the event log: a hard inquiry is
reported, like any furnisher's event, as ``inquiry.hard`` by the furnisher ``xinyong-inquiries``
in a batch of its own. It runs inside the caller's transaction, so that the inquiry record and
its event are stored together or not at all.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from xinyong.store._cursor import fetch_one

INQUIRY_FURNISHER = "xinyong-inquiries"

_SEQUENCES = ("consent_ids", "flag_ids", "inquiry_ids", "decision_ids", "review_ids",
              "list_entry_ids", "notice_ids")

_TABLES = (
    # Relying parties and the purposes they registered for (a subset of the profile's list).
    """relying_parties (
      party_id VARCHAR PRIMARY KEY,
      name VARCHAR NOT NULL,
      purposes VARCHAR[] NOT NULL,
      active BOOLEAN NOT NULL DEFAULT true,
      registered_at TIMESTAMP NOT NULL
    )""",
    # A subject's consent to one party for one purpose until expires_at; revocable at once.
    """consents (
      consent_id BIGINT PRIMARY KEY,
      subject_key INTEGER NOT NULL,
      party_id VARCHAR NOT NULL,
      purpose VARCHAR NOT NULL,
      granted_at TIMESTAMP NOT NULL,
      expires_at TIMESTAMP NOT NULL,
      revoked_at TIMESTAMP,
      CHECK (expires_at > granted_at)
    )""",
    # Freezes and fraud alerts a subject places on their file.
    """subject_flags (
      flag_id BIGINT PRIMARY KEY,
      subject_key INTEGER NOT NULL,
      kind VARCHAR NOT NULL CHECK (kind IN ('freeze', 'fraud_alert')),
      placed_at TIMESTAMP NOT NULL,
      expires_at TIMESTAMP,
      lifted_at TIMESTAMP,
      note VARCHAR
    )""",
    # Every score request and decision, refused ones included. subject_key is NULL when the
    # ID named no known subject (the raw ID is never kept).
    """inquiries (
      inquiry_id BIGINT PRIMARY KEY,
      subject_key INTEGER,
      party_id VARCHAR NOT NULL,
      purpose VARCHAR NOT NULL,
      product_id VARCHAR,
      kind VARCHAR NOT NULL CHECK (kind IN ('hard', 'soft')),
      asked_at TIMESTAMP NOT NULL,
      result VARCHAR NOT NULL,
      refusal_code VARCHAR,
      event_seq BIGINT
    )""",
    """decisions (
      decision_id BIGINT PRIMARY KEY,
      inquiry_id BIGINT NOT NULL,
      subject_key INTEGER NOT NULL,
      party_id VARCHAR NOT NULL,
      purpose VARCHAR NOT NULL,
      product_id VARCHAR NOT NULL,
      product_version VARCHAR NOT NULL,
      hit_policy VARCHAR NOT NULL,
      outcome VARCHAR NOT NULL CHECK (outcome IN ('approve', 'decline', 'refer')),
      model_id VARCHAR NOT NULL,
      model_version VARCHAR,
      as_of DATE,
      score DOUBLE,
      tier VARCHAR,
      facts JSON NOT NULL,
      trace JSON NOT NULL,
      decided_at TIMESTAMP NOT NULL
    )""",
    # Human review of contested automated declines.
    """decision_reviews (
      review_id BIGINT PRIMARY KEY,
      decision_id BIGINT NOT NULL UNIQUE,
      requested_at TIMESTAMP NOT NULL,
      statement VARCHAR NOT NULL,
      status VARCHAR NOT NULL CHECK (status IN ('open', 'upheld', 'overturned')),
      reviewer VARCHAR,
      note VARCHAR,
      final_outcome VARCHAR,
      resolved_at TIMESTAMP
    )""",
    # Black and red list entries. A listing needs grounds, a legal basis and an issuing
    # authority (a low score is never grounds), and starts only after the subject is notified.
    """list_entries (
      entry_id BIGINT PRIMARY KEY,
      list_id VARCHAR NOT NULL,
      subject_key INTEGER NOT NULL,
      subject_kind VARCHAR NOT NULL,
      grounds VARCHAR NOT NULL CHECK (length(trim(grounds)) > 0),
      legal_basis VARCHAR NOT NULL CHECK (length(trim(legal_basis)) > 0),
      authority VARCHAR NOT NULL CHECK (length(trim(authority)) > 0),
      case_ref VARCHAR,
      notified_at TIMESTAMP NOT NULL,
      starts_at TIMESTAMP NOT NULL,
      expires_at TIMESTAMP,
      removed_at TIMESTAMP,
      removal_reason VARCHAR,
      removed_by VARCHAR,
      escalated_from BIGINT,
      CHECK (starts_at >= notified_at),
      CHECK (expires_at IS NULL OR expires_at > starts_at)
    )""",
    # What the subject was told: adverse action, listings, review outcomes.
    """subject_notices (
      notice_id BIGINT PRIMARY KEY,
      subject_key INTEGER NOT NULL,
      kind VARCHAR NOT NULL,
      created_at TIMESTAMP NOT NULL,
      decision_id BIGINT,
      entry_id BIGINT,
      body JSON NOT NULL
    )""",
    """attestations (
      attestation_id VARCHAR PRIMARY KEY,
      subject_key INTEGER NOT NULL,
      issued_at TIMESTAMP NOT NULL,
      expires_at TIMESTAMP NOT NULL,
      model_id VARCHAR NOT NULL,
      model_version VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      score DOUBLE NOT NULL,
      key_fingerprint VARCHAR NOT NULL
    )""",
    # A small index of the event types decisions look up per subject (legal representatives,
    # hard inquiries), kept up to date from the log's tail; the log stays the truth.
    """decision_event_index (
      subject_key INTEGER NOT NULL,
      event_type VARCHAR NOT NULL,
      event_seq BIGINT NOT NULL,
      occurred_at TIMESTAMP NOT NULL,
      org_ref VARCHAR
    )""",
    """decision_watermarks (
      name VARCHAR PRIMARY KEY,
      event_seq BIGINT NOT NULL,
      event_count BIGINT NOT NULL
    )""",
)

_INDEXES = (
    # Lookups by ID: the composite UNIQUE (kind, subject_ref) index is not used for them.
    ("subjects_subject_ref", "subjects", "subject_ref"),
    ("consents_subject", "consents", "subject_key"),
    ("subject_flags_subject", "subject_flags", "subject_key"),
    ("inquiries_subject", "inquiries", "subject_key"),
    ("decisions_subject", "decisions", "subject_key"),
    ("list_entries_subject", "list_entries", "subject_key"),
    ("subject_notices_subject", "subject_notices", "subject_key"),
    ("decision_event_index_subject", "decision_event_index", "subject_key"),
    # A decision reads one subject's stored score: without it, a scan of every run's rows
    # (the batch run writes them in no useful order, so zone maps skip nothing).
    ("scores_subject", "scores", "subject_key"),
)


def create_decision_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the decisions tables, sequences and indexes where missing."""
    for name in _SEQUENCES:
        con.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START 1")
    for table in _TABLES:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table}")
    for index, table, column in _INDEXES:
        con.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({column})")


def append_inquiry_event(
    con: duckdb.DuckDBPyConnection,
    subject_key: int,
    occurred_at: datetime,
    event_id: str,
    *,
    event_seq: int | None = None,
) -> int:
    """Append one ``inquiry.hard`` event in a batch of its own; return its ``event_seq``.

    Call inside a transaction. ``event_seq`` is the log's next one when the caller knows it
    (``MAX(event_seq)`` scans the log once rows were appended since the last checkpoint). The
    event is held, like any report, when the subject is not enrolled.
    """
    next_seq = "?" if event_seq is not None else "(SELECT COALESCE(MAX(event_seq), 0) + 1 FROM events)"
    ids = fetch_one(con.execute(
        "SELECT (SELECT furnisher_id FROM furnishers WHERE name = ?), "
        f"(SELECT COALESCE(MAX(batch_id), 0) + 1 FROM batches), {next_seq}, "
        "(SELECT NOT enrolled FROM subjects WHERE subject_key = ?)",
        [INQUIRY_FURNISHER, *([] if event_seq is None else [event_seq]), subject_key],
    ))
    assert ids is not None
    furnisher, batch_id, event_seq, held = ids[0], int(ids[1]), int(ids[2]), bool(ids[3])
    if furnisher is None:
        created = fetch_one(con.execute(
            "INSERT INTO furnishers (furnisher_id, name, may_report) "
            "SELECT COALESCE(MAX(furnisher_id), 0) + 1, ?, ['inquiry.hard'] FROM furnishers "
            "RETURNING furnisher_id", [INQUIRY_FURNISHER]))
        assert created is not None
        furnisher = created[0]
    furnisher_id = int(furnisher)
    con.execute(
        "INSERT INTO events (event_seq, furnisher_id, event_id, subject_key, event_type, "
        "occurred_at, batch_id, recorded_at) "
        "VALUES (?, ?, ?, ?, 'inquiry.hard', ?, ?, current_timestamp)",
        [event_seq, furnisher_id, event_id, subject_key, occurred_at, batch_id],
    )
    con.execute(
        "INSERT INTO batches (batch_id, source, sha256, rows, accepted, duplicates, furnisher_id, "
        "format, quarantined, conflicts, held, corrections) "
        "VALUES (?, ?, NULL, 1, 1, 0, ?, 'inquiry', 0, 0, ?, 0)",
        [batch_id, f"inquiry {event_id}", furnisher_id, int(held)],
    )
    return event_seq
