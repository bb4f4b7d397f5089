"""Tables of the disputes and retention migration (6), and the scoring view they narrow.

``disputes`` holds one row per dispute a subject opened against an event or a list entry, with
its clock: ``notify_by`` (5 business days) and ``respond_by`` (30 days, 45 when the subject
added information); a furnisher reporting an account disputed (Metro 2 ``XB``) opens one per
event of the account, ``opened_by = 'furnisher'``, with no clock (both deadlines infinite).
``dispute_notifications`` records when the furnisher was told; ``dispute_exclusions`` lists
the events a dispute took out of scoring (``suppressed``: no answer in time; ``deleted``: the
furnisher's answer); ``dispute_deleted_records`` keeps the identity of each deleted or
suppressed record (furnisher, event_id and a content hash; ``deleted_at`` is when it was first
taken out) so that ingest refuses it until the furnisher certifies it (``dispute_certifications``).
``reason``, ``statement``, ``answer_note`` and a certification's ``note`` are free text and are
blanked when the subject is erased. ``retention_purges`` counts what each retention run deleted,
per event type, with no personal data.

``scoring_exclusions`` is every ``event_seq`` that scoring leaves out (voided by a correction,
suppressed or deleted after a dispute); ``scoring_events`` is the log minus those, one
anti-join on ``event_seq`` as before.
"""

from __future__ import annotations

import duckdb

# "resolved": a furnisher-reported dispute the furnisher's own file ended (no answer involved).
DISPUTE_STATUSES = ("open", "verified", "corrected", "deleted", "suppressed", "reinstated",
                    "resolved")

_TABLES = (
    f"""disputes (
      dispute_id BIGINT PRIMARY KEY,
      subject_key INTEGER NOT NULL,
      target_kind VARCHAR NOT NULL CHECK (target_kind IN ('event', 'list_entry')),
      furnisher_id INTEGER,
      event_id VARCHAR,
      event_seq BIGINT,
      event_type VARCHAR,
      occurred_at TIMESTAMP,
      entry_id BIGINT,
      furnisher VARCHAR NOT NULL,
      reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
      statement VARCHAR,
      added_information BOOLEAN NOT NULL,
      opened_by VARCHAR NOT NULL,
      opened_at TIMESTAMP NOT NULL,
      notify_by TIMESTAMP NOT NULL,
      respond_by TIMESTAMP NOT NULL,
      status VARCHAR NOT NULL CHECK (status IN ({', '.join(repr(s) for s in DISPUTE_STATUSES)})),
      notified_at TIMESTAMP,
      answered_at TIMESTAMP,
      answer_note VARCHAR,
      suppressed_at TIMESTAMP,
      certified_at TIMESTAMP,
      CHECK (notify_by > opened_at AND respond_by > opened_at)
    )""",
    """dispute_notifications (
      dispute_id BIGINT PRIMARY KEY,
      furnisher VARCHAR NOT NULL,
      notified_at TIMESTAMP NOT NULL,
      notify_by TIMESTAMP NOT NULL,
      respond_by TIMESTAMP NOT NULL
    )""",
    """dispute_exclusions (
      event_seq BIGINT NOT NULL,
      dispute_id BIGINT NOT NULL,
      kind VARCHAR NOT NULL CHECK (kind IN ('suppressed', 'deleted')),
      recorded_at TIMESTAMP NOT NULL
    )""",
    """dispute_deleted_records (
      dispute_id BIGINT PRIMARY KEY,
      furnisher_id INTEGER NOT NULL,
      subject_key INTEGER NOT NULL,
      event_id VARCHAR NOT NULL,
      content_hash VARCHAR NOT NULL,
      deleted_at TIMESTAMP NOT NULL,
      certified_at TIMESTAMP
    )""",
    """dispute_certifications (
      dispute_id BIGINT PRIMARY KEY,
      furnisher VARCHAR NOT NULL,
      note VARCHAR NOT NULL CHECK (length(trim(note)) > 0),
      certified_at TIMESTAMP NOT NULL
    )""",
    """retention_purges (
      run_id BIGINT NOT NULL,
      ran_at TIMESTAMP NOT NULL,
      profile VARCHAR NOT NULL,
      event_type VARCHAR NOT NULL,
      older_than TIMESTAMP NOT NULL,
      purged BIGINT NOT NULL
    )""",
)


def create_dispute_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables, sequences and index where missing, and narrow ``scoring_events``."""
    for sequence in ("dispute_ids", "retention_run_ids"):
        con.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence} START 1")
    for table in _TABLES:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table}")
    con.execute("CREATE INDEX IF NOT EXISTS disputes_subject ON disputes (subject_key)")
    con.execute(
        """
        CREATE OR REPLACE VIEW scoring_exclusions AS
        SELECT target_event_seq AS event_seq FROM event_corrections
        UNION ALL
        SELECT event_seq FROM dispute_exclusions"""
    )
    con.execute(
        """
        CREATE OR REPLACE VIEW scoring_events AS
        SELECT e.* FROM events AS e
        WHERE e.event_seq NOT IN (SELECT event_seq FROM scoring_exclusions)"""
    )
