"""What erasure does beyond the key: blank the subject's free text and rewrite the database file.

Personal fields are encrypted per subject, so destroying the key erases them everywhere. Free
text is not encrypted: a dispute's reason and statement, the furnisher's answer note and
certification note, a review request's statement and the reviewer's note, a fraud alert's note,
a listing's case reference, and the copies of those notes in the subject's notices.
:func:`blank_subject_text` replaces each with :data:`ERASED` inside the erasure's transaction.

Blanking a row does not remove its old bytes from the database file. DuckDB writes a changed
column segment to a new place at CHECKPOINT and frees the old block without overwriting it, and
a segment shares its block with others, so the old text can stay in the file (a ``CHECKPOINT``,
``FORCE CHECKPOINT`` or rewriting the table with ``CREATE TABLE AS`` leaves it there: measured
with DuckDB 2.0.1). :func:`rewrite_database_file` copies the live contents into a new file
(``COPY FROM DATABASE``: tables, views, indexes, types, constraints and sequence positions) and
renames it over the old one; only then are the bytes gone from the file. It needs free disk
space for a second copy, takes time in proportion to the database, and must run with no other
connection or cursor to the store open.

What this does not reach: copies of the old file made before the rewrite (backups, snapshots,
replicas), blocks the file system freed when the old file was replaced (they stay on the disk
until reused; copy-on-write file systems and SSDs may keep them longer), and DuckDB's spill files
while a query runs. The quarantine keeps rejected rows with the subject ID masked and is not
linked to a subject, so free text a furnisher put in a rejected row's attributes is not blanked.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import duckdb

from xinyong.errors import XinyongError
from xinyong.store import Store, fetch_one
from xinyong.store._store import DB_FILE

ERASED = "[erased]"
NOTICE_TEXT_KEYS = ("note", "statement", "case_ref", "answer_note", "reason_text")

# (table, text columns, how the table's rows of one subject are found)
_TEXT_COLUMNS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("disputes", ("reason", "statement", "answer_note"), "subject_key = ?"),
    ("dispute_certifications", ("note",),
     "dispute_id IN (SELECT dispute_id FROM disputes WHERE subject_key = ?)"),
    ("decision_reviews", ("statement", "note"),
     "decision_id IN (SELECT decision_id FROM decisions WHERE subject_key = ?)"),
    ("subject_flags", ("note",), "subject_key = ?"),
    ("list_entries", ("case_ref",), "subject_key = ?"),
)


def blank_subject_text(con: duckdb.DuckDBPyConnection, subject_key: int) -> int:
    """Replace the subject's free text with :data:`ERASED`; return how many values changed.

    Runs inside the caller's transaction. NULLs stay NULL; structured values (codes, dates,
    catalogue keys) are kept, since they say what happened without saying anything personal.
    """
    changed = 0
    for table, columns, where in _TEXT_COLUMNS:
        for column in columns:
            rows = con.execute(
                f"UPDATE {table} SET {column} = ? WHERE {where} AND {column} IS NOT NULL "
                f"AND {column} <> ? RETURNING 1", [ERASED, subject_key, ERASED]).fetchall()
            changed += len(rows)
    notices = con.execute("SELECT notice_id, CAST(body AS VARCHAR) FROM subject_notices "
                          "WHERE subject_key = ?", [subject_key]).fetchall()
    for notice_id, text in notices:
        body = json.loads(text)
        if not isinstance(body, dict):
            continue
        keys = [k for k in NOTICE_TEXT_KEYS if body.get(k) not in (None, ERASED)]
        if keys:
            body.update({k: ERASED for k in keys})
            con.execute("UPDATE subject_notices SET body = ? WHERE notice_id = ?",
                        [json.dumps(body, ensure_ascii=False), notice_id])
            changed += len(keys)
    return changed


def rewrite_database_file(store: Store) -> int:
    """Copy the store's live contents into a new database file and put it in the old one's place.

    Afterwards the file holds no bytes of blanked or deleted rows. ``store.con`` is replaced by a
    connection to the new file (temporary tables of the old connection are gone). A crash before
    the rename leaves the old file in use and a ``.rewrite`` file that the next run removes.
    Returns the new file's size in bytes.
    """
    row = fetch_one(store.con.execute("SELECT current_database()"))
    assert row is not None
    name, database = str(row[0]), store.home / DB_FILE
    fresh = database.with_name(database.name + ".rewrite")
    try:
        for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
            leftover.unlink(missing_ok=True)
        store.con.execute("CHECKPOINT")
        store.con.execute("ATTACH ? AS xinyong_rewrite", [str(fresh)])
        try:
            store.con.execute(f'COPY FROM DATABASE "{name}" TO xinyong_rewrite')
        finally:
            store.con.execute("DETACH xinyong_rewrite")
        _sync(fresh)
    except (duckdb.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            fresh.unlink(missing_ok=True)
        raise XinyongError("STORE_REWRITE_FAILED", f"could not rewrite {database} ({exc}); the "
                           "erasure itself is recorded and the old file is in use: free disk "
                           "space for a second copy of the database and run the erasure again",
                           field="home") from None
    store.con.close()
    # The new file is complete by itself: a log left beside the old one must not replay into it.
    database.with_name(database.name + ".wal").unlink(missing_ok=True)
    os.replace(fresh, database)
    _sync(database.parent)
    store.con = Store.open(store.home).con
    return database.stat().st_size


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
