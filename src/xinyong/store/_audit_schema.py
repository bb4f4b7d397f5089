"""Tables of the hash-chained audit log.

``audit_log`` holds one row per audited action. ``payload`` is the entry's canonical JSON (when,
who, what, about which subject key, and small details): the exact text that is hashed.
``hash`` is SHA-256 over ``prev_hash`` followed by the payload's UTF-8 bytes, and ``prev_hash``
is the hash of the entry before (32 zero bytes for the first). Keeping ``prev_hash`` in the row
lets a verifier tell an edited entry (its own hash no longer matches) from a moved or missing one
(it no longer links to its neighbour), and check every entry independently of the others.

``recorded_at``, ``actor``, ``action`` and ``subject_key`` are virtual columns computed from the
payload, so that they can be queried but can never disagree with what the hash covers.

``audit_head`` keeps the last entry's sequence number and hash (seq 0 and the genesis hash for
an empty chain), so that appending costs no scan and cutting entries off the end shows.
"""

from __future__ import annotations

import duckdb


def create_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS audit_log (
          seq BIGINT PRIMARY KEY,
          payload VARCHAR NOT NULL,
          prev_hash BLOB NOT NULL,
          hash BLOB NOT NULL,
          recorded_at TIMESTAMP GENERATED ALWAYS AS (
            CAST(json_extract_string(payload, '$.at') AS TIMESTAMP)) VIRTUAL,
          actor VARCHAR GENERATED ALWAYS AS (json_extract_string(payload, '$.actor')) VIRTUAL,
          action VARCHAR GENERATED ALWAYS AS (json_extract_string(payload, '$.action')) VIRTUAL,
          subject_key INTEGER GENERATED ALWAYS AS (
            CAST(json_extract(payload, '$.subject_key') AS INTEGER)) VIRTUAL
        )"""
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS audit_head (
          one INTEGER PRIMARY KEY CHECK (one = 1),
          seq BIGINT NOT NULL,
          hash BLOB NOT NULL
        )"""
    )
    con.execute("INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, ?) ON CONFLICT DO NOTHING",
                [bytes(32)])
