"""The audit chain: every access and change appends an entry whose hash covers the previous one.

:func:`record_audit` is the one way to append. Call it inside the caller's transaction, so that
the action and its audit entry are stored together or not at all (:func:`atomic` joins the
caller's transaction or opens one). Entries carry the subject's surrogate key, never a name or
an ID (logs carry no personal data).

An entry's hash is SHA-256 over the previous entry's hash followed by the entry's payload (its
canonical JSON). :func:`~xinyong.governance._audit_verify.verify_chain` recomputes every hash and
names the first entry that was edited, deleted or moved.

Appending costs two statements and no read: the head (sequence number and hash) of each
connection's last append is kept in memory, the next entry is hashed here with hashlib (the same
bytes a verifier hashes), and the head moves only where it still holds the remembered values.
When it does not (the append's transaction was rolled back, the head was edited or deleted, a
new connection), the head is read from the table and the append is hashed from it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from xinyong.errors import XinyongError
from xinyong.store._cursor import fetch_one
from xinyong.store._transaction import transaction, utcnow

GENESIS = bytes(32)
CLOCK_SKEW = timedelta(minutes=1)  # an action dated further from the wall clock says so
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # fixed width: the same text for every instant
MAX_DETAILS = 4096  # details are small: counts, codes and IDs of records, never personal data
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

# Move the head from the remembered (seq, hash) to the new entry's; no row changes (the count
# is 0) when the table no longer holds the remembered head.
_MOVE_HEAD = "UPDATE audit_head SET seq = $seq, hash = $hash WHERE one = 1 AND seq = $prev_seq " \
             "AND hash = $prev_hash"
_INSERT = "INSERT INTO audit_log (seq, payload, prev_hash, hash) VALUES (?, ?, ?, ?)"
# The head each connection's last append left, by id(connection): a hint the guarded update
# checks, never trusted on its own.
_HEADS: dict[int, tuple[int, bytes]] = {}


def canonical_payload(at: datetime, actor: str, action: str, subject_key: int | None,
                      details: dict[str, Any], logged_at: datetime | None = None) -> str:
    """The exact text an entry's hash covers: sorted keys, no spaces, fixed-width UTC times.

    ``at`` is when the action took effect; ``logged_at``, present when it differs from ``at`` by
    more than :data:`CLOCK_SKEW`, is the wall clock when the entry was appended — so an action
    dated by its caller (a replay, a test clock, an operator's ``--now``) is never mistaken for
    one that happened then.
    """
    entry: dict[str, Any] = {"at": at.strftime(TIME_FORMAT), "actor": actor, "action": action,
                             "subject_key": subject_key, "details": details}
    if logged_at is not None:
        entry["logged_at"] = logged_at.strftime(TIME_FORMAT)
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def record_audit(
    con: duckdb.DuckDBPyConnection,
    action: str,
    *,
    actor: str,
    subject_key: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one audit entry and return its sequence number.

    ``action`` is a dotted name such as ``inquiry.score``, ``consent.grant``,
    ``dispute.open``, ``model.promote``; ``actor`` who did it (a party ID, ``subject``,
    ``operator``, ``system``). Two statements: the head moved, and the entry.
    """
    if not _ACTION.match(action):
        raise XinyongError("BAD_AUDIT_ACTION", f"'{action}' is not an audit action; use a dotted "
                           "lower-case name such as consent.grant", field="action")
    if not actor or len(actor) > 128:
        raise XinyongError("BAD_AUDIT_ACTOR", "an audit entry names who acted in 1 to 128 "
                           "characters", field="actor")
    wall = utcnow(None)
    effective = utcnow(at)
    logged_at = wall if abs(effective - wall) > CLOCK_SKEW else None
    payload = canonical_payload(effective, actor, action, subject_key, details or {}, logged_at)
    if len(payload) > MAX_DETAILS:
        raise XinyongError("AUDIT_DETAILS_TOO_LONG", f"an audit entry's details take at most "
                           f"{MAX_DETAILS} characters; record counts and IDs, not contents",
                           field="details")
    data = payload.encode("utf-8")
    head = _HEADS.get(id(con))
    digest = None if head is None else _move_head(con, head, data)
    if head is None or digest is None:
        head = audit_head(con)
        if head is None:
            raise XinyongError("AUDIT_HEAD_MISSING", "the audit chain's head record is missing; "
                               "run `xinyong audit verify` and restore the store from a backup",
                               field="audit_head")
        digest = _move_head(con, head, data)
        if digest is None:  # pragma: no cover - the head was read in this transaction
            raise XinyongError("AUDIT_HEAD_MOVED", "the audit chain's head moved during an "
                               "append; retry the action", field="audit_head")
    seq = head[0] + 1
    con.execute(_INSERT, [seq, payload, head[1], digest])
    _HEADS[id(con)] = (seq, digest)
    return seq


def _move_head(con: duckdb.DuckDBPyConnection, head: tuple[int, bytes], data: bytes) -> bytes | None:
    """Point the head at the entry after ``head`` (returning that entry's hash) if the table
    still holds ``head``; None when it does not."""
    seq, previous = head
    digest = hashlib.sha256(previous + data).digest()
    moved = fetch_one(con.execute(_MOVE_HEAD, {"seq": seq + 1, "hash": digest,
                                               "prev_seq": seq, "prev_hash": previous}))
    return digest if moved is not None and int(moved[0]) == 1 else None


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` has an open transaction (outside one, each statement gets its own id)."""
    first = con.execute("SELECT current_transaction_id()").fetchall()[0][0]
    return bool(first == con.execute("SELECT current_transaction_id()").fetchall()[0][0])


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Join the caller's transaction, or run the block in a transaction of its own, so that an
    action and its audit entry are stored together or not at all."""
    if in_transaction(con):
        yield
        return
    with transaction(con):
        yield


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    recorded_at: datetime  # when the action took effect
    actor: str
    action: str
    subject_key: int | None
    details: dict[str, Any]
    hash: str
    logged_at: datetime | None = None  # the wall clock, when it differs from recorded_at

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "recorded_at": self.recorded_at.isoformat(),
                "logged_at": None if self.logged_at is None else self.logged_at.isoformat(),
                "actor": self.actor, "action": self.action, "subject_key": self.subject_key,
                "details": self.details, "hash": self.hash}


def audit_entries(
    con: duckdb.DuckDBPyConnection,
    *,
    subject_key: int | None = None,
    action_prefix: str | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """The newest entries first, optionally about one subject or with actions under a prefix
    (``consent`` matches ``consent.grant`` and ``consent.revoke``)."""
    if limit < 1:
        raise XinyongError("BAD_LIMIT", "--limit is at least 1", field="limit")
    where: list[str] = []
    params: list[Any] = []
    if subject_key is not None:
        where.append("subject_key = ?")
        params.append(subject_key)
    if action_prefix:
        where.append("(action = ? OR starts_with(action, ?))")
        params += [action_prefix, action_prefix.rstrip(".") + "."]
    try:
        rows = con.execute(
            "SELECT seq, recorded_at, actor, action, subject_key, payload, hash FROM audit_log"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY seq DESC LIMIT ?", [*params, limit]).fetchall()
    except duckdb.Error as exc:  # the columns are read from payloads; one was edited
        raise XinyongError("AUDIT_ENTRY_UNREADABLE", "an audit entry's payload cannot be read "
                           f"({str(exc).splitlines()[0]}); run `xinyong audit verify` to find "
                           "it", field="payload") from None
    return [_entry(r) for r in rows]


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    payload = json.loads(row[5])
    logged = payload.get("logged_at")
    return AuditEntry(int(row[0]), row[1], row[2], row[3], row[4], payload.get("details", {}),
                      bytes(row[6]).hex(),
                      None if logged is None else datetime.strptime(logged, TIME_FORMAT))


def audit_head(con: duckdb.DuckDBPyConnection) -> tuple[int, bytes] | None:
    """The last entry's sequence number and hash, as the head records them."""
    row = fetch_one(con.execute("SELECT seq, hash FROM audit_head WHERE one = 1"))
    return None if row is None else (int(row[0]), bytes(row[1]))
