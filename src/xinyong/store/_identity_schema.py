"""Tables of personal data encrypted per subject, and of erasures (migration 7).

``subject_identity`` holds one row per subject and personal field (``name``, ``birth_date``,
``address``): a fresh 12-byte nonce and the AES-256-GCM ciphertext (with its tag), whose
associated data binds the subject key and the field, so that a blob moved to another subject or
field fails to decrypt. The keys are not here: they live in the home's key store
(:mod:`xinyong.governance._subject_keys`), so that deleting a subject's key makes every copy of
these blobs unreadable, backups of the database file included (as long as no old copy of the key
survives outside the live key store: that module says where one may).

``subject_erasures`` records that (and when) a subject's personal data was erased; it holds no
personal data.
"""

from __future__ import annotations

import duckdb


def create_identity_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS subject_identity (
          subject_key INTEGER NOT NULL,
          field VARCHAR NOT NULL CHECK (field IN ('name', 'birth_date', 'address')),
          nonce BLOB NOT NULL,
          ciphertext BLOB NOT NULL,
          recorded_at TIMESTAMP NOT NULL,
          PRIMARY KEY (subject_key, field)
        )"""
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS subject_erasures (
          subject_key INTEGER PRIMARY KEY,
          erased_at TIMESTAMP NOT NULL,
          erased_by VARCHAR NOT NULL
        )"""
    )
