"""Tables of the hash-chained audit log.

``audit_log`` holds one row per audited action. ``payload`` is the entry's canonical JSON (the
bytes that are hashed); ``hash`` is SHA-256 over the previous entry's hash followed by the
payload, so that editing, deleting or reordering any entry breaks every hash after it.
``audit_head`` keeps the last entry's sequence number and hash, so that appending costs no scan.
"""

from __future__ import annotations

import duckdb


def create_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS audit_log (
          seq BIGINT PRIMARY KEY,
          recorded_at TIMESTAMP NOT NULL,
          actor VARCHAR NOT NULL,
          action VARCHAR NOT NULL,
          subject_key INTEGER,
          payload VARCHAR NOT NULL,
          hash BLOB NOT NULL
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
