"""Protected attributes supplied for a fairness audit, kept apart from everything scoring reads.

An auditor brings a file (CSV with a header row, or Parquet) with a subject ID column and one or
more protected-attribute columns (``sex``, ``age_band`` …). :func:`load_groups_file` turns each
ID into the store's ``subject_key`` at load (the raw IDs are not kept) and writes the labels to
a DuckDB file of its own, ``<home>/audit/groups.duckdb``. The scoring database never holds,
attaches or reads it: the audit reads both and joins them in memory
(:mod:`xinyong.governance._fairness`). Loading replaces the previous set; :func:`clear_groups`
deletes it when the audit is done.

The groups file is never a source of events or scores (red line 1): labels such as sex or
ethnicity exist only so that an auditor can check that a model does not treat groups unfairly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from xinyong.decisions._tables import transaction
from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.store import Store

AUDIT_DIR = "audit"
GROUPS_FILE = "groups.duckdb"
_SHOWN_ROWS = 10


def groups_path(home: Path) -> Path:
    return home / AUDIT_DIR / GROUPS_FILE


@dataclass(frozen=True)
class Groups:
    """Protected-attribute labels by subject: ``frame`` has ``subject_key``, ``attribute`` and
    ``group``; ``attributes`` in the order of the file's columns."""

    frame: pd.DataFrame
    attributes: tuple[str, ...]
    loaded_at: datetime | None = None

    @classmethod
    def from_rows(cls, rows: list[tuple[int, str, str]]) -> Groups:
        """Groups from ``(subject_key, attribute, group)`` tuples (tests and callers that have
        labels in hand)."""
        frame = pd.DataFrame(rows, columns=["subject_key", "attribute", "group"])
        return cls(frame, tuple(dict.fromkeys(frame["attribute"])))


@dataclass(frozen=True)
class GroupLoad:
    """What a load did: rows read, subjects matched, attributes kept and rows left out."""

    rows: int
    matched: int
    attributes: tuple[str, ...]
    invalid_rows: list[int]
    unknown_rows: list[int]
    duplicate_rows: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "matched": self.matched, "attributes": list(self.attributes),
                "invalid": len(self.invalid_rows), "unknown": len(self.unknown_rows),
                "first_invalid_rows": self.invalid_rows[:_SHOWN_ROWS],
                "first_unknown_rows": self.unknown_rows[:_SHOWN_ROWS],
                "duplicates": self.duplicate_rows, "sha256": self.sha256}


def _read_table(path: Path) -> pa.Table:
    if not path.is_file():
        raise XinyongError("GROUPS_FILE_NOT_FOUND", f"no file {path}", field="groups")
    reader = "read_parquet(?)" if path.suffix.lower() in {".parquet", ".pq"} else (
        "read_csv(?, header = true, all_varchar = true)")
    con = duckdb.connect()
    try:
        return con.sql(f"SELECT * FROM {reader}", params=[str(path)]).to_arrow_table()
    except duckdb.Error as exc:
        raise XinyongError("GROUPS_FILE_UNREADABLE", f"{path} is not a CSV file with a header "
                           f"row nor a Parquet file: {str(exc).splitlines()[0]}",
                           field="groups") from None
    finally:
        con.close()


def _connect(home: Path, *, create: bool) -> duckdb.DuckDBPyConnection | None:
    path = groups_path(home)
    if not path.exists() and not create:
        return None
    # Protected attributes are as sensitive as the key: readable by the owner only.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    path.chmod(0o600)
    con.execute("CREATE TABLE IF NOT EXISTS subject_groups (subject_key INTEGER NOT NULL, "
                "attribute VARCHAR NOT NULL, group_label VARCHAR NOT NULL, "
                "PRIMARY KEY (subject_key, attribute))")
    con.execute("CREATE TABLE IF NOT EXISTS group_loads (loaded_at TIMESTAMP NOT NULL, "
                "sha256 VARCHAR NOT NULL, rows BIGINT NOT NULL, matched BIGINT NOT NULL, "
                "attributes VARCHAR[] NOT NULL)")
    return con


def _subject_keys(store: Store, ids: list[str | None]) -> tuple[list[int | None], list[int],
                                                                   list[int]]:
    """Each ID's subject_key (a person first, then an organisation, as ``find_subject``), and
    the 1-based rows whose ID is not valid / names no known subject."""
    candidates: list[tuple[int, str, str]] = []
    invalid: list[int] = []
    for row, raw in enumerate(ids):
        found = False
        for kind in ("person", "organisation"):
            try:
                ref = store.subject_ref(kind, (raw or "").strip())
            except ValueError:
                continue
            candidates.append((row, kind, ref))
            found = True
        if not found:
            invalid.append(row + 1)
    table = pa.table({"row": pa.array([c[0] for c in candidates], pa.int64()),
                      "kind": [c[1] for c in candidates], "ref": [c[2] for c in candidates]})
    store.con.register("audit_group_ids", table)
    try:
        matches = store.con.execute(
            "SELECT i.row, s.subject_key, i.kind FROM audit_group_ids AS i JOIN subjects AS s "
            "ON s.subject_ref = i.ref AND CAST(s.kind AS VARCHAR) = i.kind").fetchall()
    finally:
        store.con.unregister("audit_group_ids")
    keys: list[int | None] = [None] * len(ids)
    for row, key, _kind in sorted(matches, key=lambda m: (m[0], m[2] != "person")):
        if keys[row] is None:
            keys[row] = int(key)
    unknown = sorted({c[0] + 1 for c in candidates if keys[c[0]] is None})
    return keys, invalid, unknown


def load_groups_file(
    store: Store,
    path: Path,
    *,
    id_column: str,
    attributes: list[str] | None = None,
    actor: str = "operator",
) -> GroupLoad:
    """Load protected attributes for an audit from ``path`` into the audit's own store.

    ``attributes`` defaults to every column but ``id_column``. Rows whose ID is invalid or
    names no known subject are left out and counted; a subject given twice keeps its first row.
    """
    table = _read_table(path)
    if id_column not in table.column_names:
        raise XinyongError("GROUPS_ID_COLUMN", f"{path.name} has no column '{id_column}'; its "
                           f"columns are {', '.join(table.column_names)}", field="--id-column")
    chosen = attributes or [c for c in table.column_names if c != id_column]
    missing = [a for a in chosen if a not in table.column_names or a == id_column]
    if missing or not chosen:
        raise XinyongError("GROUPS_ATTRIBUTES", "name one or more protected-attribute columns "
                           f"besides the ID column; not usable: {', '.join(missing) or 'none'}",
                           field="--attribute")
    ids = [None if v is None else str(v) for v in table.column(id_column).to_pylist()]
    keys, invalid, unknown = _subject_keys(store, ids)
    long_rows: list[tuple[int, str, str]] = []
    for attribute in chosen:
        values = table.column(attribute).to_pylist()
        for key, value in zip(keys, values, strict=True):
            label = None if value is None else str(value).strip()
            if key is not None and label:
                long_rows.append((key, attribute, label))
    frame = pd.DataFrame(long_rows, columns=["subject_key", "attribute", "group_label"])
    unique = frame.drop_duplicates(subset=["subject_key", "attribute"], keep="first")
    matched = int(unique["subject_key"].nunique())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con = _connect(store.home, create=True)
    assert con is not None
    try:
        with transaction(con):
            con.execute("DELETE FROM subject_groups")
            con.register("incoming_groups", unique)
            con.execute("INSERT INTO subject_groups SELECT subject_key, attribute, group_label "
                        "FROM incoming_groups")
            con.unregister("incoming_groups")
            con.execute("INSERT INTO group_loads VALUES (?, ?, ?, ?, ?)",
                        [datetime.now(UTC).replace(tzinfo=None), digest, table.num_rows,
                         matched, chosen])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    known = [k for k in keys if k is not None]
    load = GroupLoad(table.num_rows, matched, tuple(chosen), invalid, unknown,
                     len(known) - len(set(known)), digest)
    with atomic(store.con):
        record_audit(store.con, "audit.groups_load", actor=actor, details={
            "rows": load.rows, "matched": matched, "attributes": list(chosen),
            "sha256": digest})
    return load


def read_groups(home: Path) -> Groups:
    """The protected-attribute labels loaded for the audit (``NO_GROUPS`` when none are)."""
    con = _connect(home, create=False)
    if con is None:
        raise XinyongError("NO_GROUPS", "no protected-attribute groups are loaded for this "
                           "home; run `xinyong audit groups load FILE --id-column COL` or pass "
                           "--groups FILE", field="groups")
    try:
        frame = con.execute("SELECT subject_key, attribute, group_label AS \"group\" "
                            "FROM subject_groups").df()
        last = con.execute("SELECT attributes, loaded_at FROM group_loads "
                           "ORDER BY loaded_at DESC LIMIT 1").fetchall()
    finally:
        con.close()
    if frame.empty or not last:
        raise XinyongError("NO_GROUPS", "the loaded groups matched no subject; load a file "
                           "whose IDs the store knows", field="groups")
    present = set(frame["attribute"])
    return Groups(frame, tuple(a for a in last[0][0] if a in present), last[0][1])


def clear_groups(store: Store, *, actor: str = "operator") -> bool:
    """Delete the audit's groups file; True if there was one."""
    path = groups_path(store.home)
    existed = path.exists()
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if existed:
        with atomic(store.con):
            record_audit(store.con, "audit.groups_clear", actor=actor)
    return existed
