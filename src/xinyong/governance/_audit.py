"""The audit chain: every access and change appends an entry whose hash covers the previous one.

:func:`record_audit` is the one way to append. Call it inside the caller's transaction, so that
the action and its audit entry are stored together or not at all (:func:`atomic` joins the
caller's transaction or opens one). Entries carry the subject's surrogate key, never a name or
an ID (logs carry no personal data).

An entry's hash is SHA-256 over the previous entry's hash followed by the entry's payload (its
canonical JSON). :func:`verify_chain` recomputes every hash and names the first entry that was
edited, deleted or moved; what that does and does not prove is said in its docstring.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xinyong.errors import XinyongError
from xinyong.store._cursor import fetch_one

GENESIS = bytes(32)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # fixed width: the same text for every instant
MAX_DETAILS = 4096  # details are small: counts, codes and IDs of records, never personal data
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

# The next entry, hashed by DuckDB from the head in the same statement (SHA-256 of the previous
# hash followed by the payload's UTF-8 bytes, the same bytes a verifier hashes with hashlib).
_APPEND = """
INSERT INTO audit_log (seq, payload, prev_hash, hash)
SELECT seq + 1, $payload, hash, unhex(sha256(hash || encode($payload)))
FROM audit_head WHERE one = 1
RETURNING seq, hash"""


def canonical_payload(at: datetime, actor: str, action: str, subject_key: int | None,
                      details: dict[str, Any]) -> str:
    """The exact text an entry's hash covers: sorted keys, no spaces, a fixed-width UTC time."""
    return json.dumps(
        {"at": at.strftime(TIME_FORMAT), "actor": actor, "action": action,
         "subject_key": subject_key, "details": details},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )


def _naive_utc(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC).replace(tzinfo=None)
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


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
    ``operator``, ``system``). Two statements: the entry, hashed from the head, and the head.
    """
    if not _ACTION.match(action):
        raise XinyongError("BAD_AUDIT_ACTION", f"'{action}' is not an audit action; use a dotted "
                           "lower-case name such as consent.grant", field="action")
    if not actor or len(actor) > 128:
        raise XinyongError("BAD_AUDIT_ACTOR", "an audit entry names who acted in 1 to 128 "
                           "characters", field="actor")
    payload = canonical_payload(_naive_utc(at), actor, action, subject_key, details or {})
    if len(payload) > MAX_DETAILS:
        raise XinyongError("AUDIT_DETAILS_TOO_LONG", f"an audit entry's details take at most "
                           f"{MAX_DETAILS} characters; record counts and IDs, not contents",
                           field="details")
    row = fetch_one(con.execute(_APPEND, {"payload": payload}))
    if row is None:
        raise XinyongError("AUDIT_HEAD_MISSING", "the audit chain's head record is missing; run "
                           "`xinyong audit verify` and restore the store from a backup",
                           field="audit_head")
    seq = int(row[0])
    con.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE one = 1", [seq, row[1]])
    return seq


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
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    recorded_at: datetime
    actor: str
    action: str
    subject_key: int | None
    details: dict[str, Any]
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "recorded_at": self.recorded_at.isoformat(),
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
    rows = con.execute(
        "SELECT seq, recorded_at, actor, action, subject_key, payload, hash FROM audit_log"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY seq DESC LIMIT ?", [*params, limit]).fetchall()
    return [AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], json.loads(r[5]).get("details", {}),
                       bytes(r[6]).hex()) for r in rows]


def audit_head(con: duckdb.DuckDBPyConnection) -> tuple[int, bytes] | None:
    """The last entry's sequence number and hash, as the head records them."""
    row = fetch_one(con.execute("SELECT seq, hash FROM audit_head WHERE one = 1"))
    return None if row is None else (int(row[0]), bytes(row[1]))


# -- verification -----------------------------------------------------------------------------
Problem = Literal["edited", "deleted", "reordered", "truncated", "head", "anchor"]
_HEX = re.compile(r"^(?:(\d+):)?([0-9a-fA-F]{64})$")


@dataclass(frozen=True)
class BrokenEntry:
    """The first place where the chain does not hold, and what is wrong there."""

    seq: int | None
    problem: Problem
    message: str
    action: str | None = None
    recorded_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "problem": self.problem, "message": self.message,
                "action": self.action,
                "recorded_at": None if self.recorded_at is None else self.recorded_at.isoformat()}


@dataclass(frozen=True)
class AuditVerification:
    entries: int  # entries checked
    head_seq: int | None
    head_hash: str | None
    anchor: str | None
    broken: BrokenEntry | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "head_seq": self.head_seq,
                "head_hash": self.head_hash, "anchor": self.anchor,
                "broken": None if self.broken is None else self.broken.to_json()}


def parse_anchor(text: str) -> tuple[int | None, bytes]:
    """``HASH`` or ``SEQ:HASH`` (what ``xinyong audit anchor`` prints) as (seq, hash bytes)."""
    found = _HEX.match(text.strip())
    if not found:
        raise XinyongError("BAD_ANCHOR", "an anchor is the 64 hex characters that `xinyong audit "
                           "anchor` printed, optionally after its sequence number and a colon "
                           "(1234:ab12…)", field="anchor")
    return (None if found.group(1) is None else int(found.group(1))), bytes.fromhex(found.group(2))


def format_anchor(seq: int, digest: bytes) -> str:
    return f"{seq}:{digest.hex()}"


# Arrow batches of (seq, prev_hash || payload bytes, prev_hash, hash) in chain order: DuckDB
# builds the hashed bytes, Python hashes them with hashlib and compares whole batches at once.
_ENTRIES = ("SELECT seq, prev_hash || encode(payload) AS message, prev_hash, hash "
            "FROM audit_log ORDER BY seq")


def _first_false(mask: pa.Array) -> int | None:
    found = pc.index(mask, pa.scalar(False)).as_py()
    return None if found is None or found < 0 else int(found)


def _check_batch(batch: pa.RecordBatch, expected: int, carry: bytes
                 ) -> tuple[int, Problem, str] | None:
    """The first broken entry of one batch as (index, problem, message), or None."""
    n = batch.num_rows
    seqs = batch.column(0).to_numpy()
    gaps = np.flatnonzero(seqs != np.arange(expected, expected + n))
    hashes = batch.column(3).to_pylist()
    computed = [sha256(m).digest() for m in batch.column(1).to_pylist()]
    edited = None
    if computed != hashes:
        edited = next(i for i, (c, h) in enumerate(zip(computed, hashes, strict=True)) if c != h)
    prevs = batch.column(2)
    if prevs[0].as_py() != carry:
        unlinked: int | None = 0
    else:
        unlinked = _first_false(pc.equal(prevs.slice(1), batch.column(3).slice(0, n - 1)))
        unlinked = None if unlinked is None else unlinked + 1
    found = [i for i in (int(gaps[0]) if len(gaps) else None, edited, unlinked) if i is not None]
    if not found:
        return None
    i = min(found)
    seq, want = int(seqs[i]), expected + i
    if len(gaps) and gaps[0] == i:
        if seq > want:
            before = f"goes from {want - 1} to {seq}" if want > 1 else f"starts at {seq}"
            return i, "deleted", f"entry {want} is missing: the chain {before}, so entries were deleted"

        return i, "reordered", f"entry {seq} appears twice or out of its place"
    if edited == i:
        return i, "edited", (f"entry {seq} was changed after it was recorded: its hash does not "
                             "match its content")
    return i, "reordered", (f"entry {seq} does not follow entry {seq - 1}: entries were moved or "
                            f"replaced, or entry {seq - 1} was rewritten with a recomputed hash")


def verify_chain(
    con: duckdb.DuckDBPyConnection,
    *,
    anchor: str | None = None,
    batch_rows: int = 1 << 17,
    progress: Callable[[int, int], None] | None = None,
) -> AuditVerification:
    """Recompute every entry's hash and link, in order, and check the head (and an anchor).

    What it proves: no entry was edited, deleted, inserted or moved **by anyone who did not also
    recompute the hashes after it**; the first broken entry is named (an edit at its own seq, a
    deletion at the first missing seq, a move where the links break, entries cut off the end
    through the head). What it does not prove: someone with write access to the database file
    can rewrite the tail of the chain, recompute every hash after the change and the head, and
    the chain verifies again. Against that, publish anchors: ``xinyong audit anchor`` prints the
    head (seq and hash) for an operator to write somewhere the database's writers cannot change
    (a ticket, a transparency log, a newspaper); ``verify --anchor SEQ:HASH`` later checks that
    the chain still holds that entry, which fixes every entry up to it.

    ``progress(done, total)`` is called after each batch of ``batch_rows`` entries.
    """
    wanted = None if anchor is None else parse_anchor(anchor)
    cursor = con.cursor()  # its own result stream, left on a break without disturbing ``con``
    try:
        head = audit_head(cursor)
        total = head[0] if head else int(cursor.execute("SELECT COUNT(*) FROM audit_log")
                                         .fetchall()[0][0])
        expected, carry, anchored_at = 1, GENESIS, None
        broken: tuple[int | None, Problem, str] | None = None
        reader = cursor.sql(_ENTRIES).to_arrow_reader(batch_rows)
        for batch in reader:
            if batch.num_rows == 0:
                continue
            found = _check_batch(batch, expected, carry)
            if found is not None:
                index, problem, message = found
                broken = (int(batch.column(0)[index].as_py()) if problem != "deleted"
                          else expected + index, problem, message)
                expected += index  # the entries before it hold
                break
            if wanted is not None and anchored_at is None:
                anchored_at = _find_anchor(batch, wanted)
            expected += batch.num_rows
            carry = batch.column(3)[batch.num_rows - 1].as_py()
            if progress is not None:
                progress(expected - 1, max(total, expected - 1))
        reader.close()
        checked = expected - 1
        if broken is None:
            broken = _check_head(head, checked, carry)
        if broken is None and wanted is not None and (anchored_at is None or anchored_at < 0):
            broken = _anchor_missing(wanted, checked)
        entry = None if broken is None else _broken_entry(cursor, *broken)
    finally:
        cursor.close()
    return AuditVerification(checked, None if head is None else head[0],
                             None if head is None else head[1].hex(),
                             None if wanted is None else anchor, entry)


def _find_anchor(batch: pa.RecordBatch, wanted: tuple[int | None, bytes]) -> int | None:
    seq, digest = wanted
    seqs = batch.column(0)
    if seq is not None:
        first = int(seqs[0].as_py())
        if not first <= seq < first + batch.num_rows:
            return None
        return seq if batch.column(3)[seq - first].as_py() == digest else -seq
    hashes = batch.column(3).to_pylist()
    return int(seqs[hashes.index(digest)].as_py()) if digest in hashes else None


def _check_head(head: tuple[int, bytes] | None, last: int, last_hash: bytes
                ) -> tuple[int | None, Problem, str] | None:
    if head is None:
        return None, "head", "the chain's head record is missing"
    seq, digest = head
    if seq > last:
        return last + 1, "truncated", (f"entries {last + 1} to {seq} were deleted from the end "
                                       f"of the chain (its head records entry {seq})")
    if seq < last:
        return seq + 1, "head", (f"entries after {seq} are not covered by the head: they were "
                                 "added without record_audit")
    if digest != last_hash:
        return seq, "head", (f"the head's hash is not entry {seq}'s: the head or the end of the "
                             "chain was rewritten")
    return None


def _anchor_missing(wanted: tuple[int | None, bytes], last: int
                    ) -> tuple[int | None, Problem, str]:
    seq, digest = wanted
    if seq is not None and seq > last:
        return seq, "anchor", (f"the anchored entry {seq} is no longer in the chain (it ends at "
                               f"{last}): entries were deleted from the end")
    where = f"entry {seq} does not have" if seq is not None else "no entry has"
    return seq, "anchor", (f"{where} the anchored hash {digest.hex()[:16]}…: the chain was "
                           "rewritten up to or past the anchored entry (or the anchor is from "
                           "another store)")


def _broken_entry(con: duckdb.DuckDBPyConnection, seq: int | None, problem: Problem,
                  message: str) -> BrokenEntry:
    row = None if seq is None else fetch_one(con.execute(
        "SELECT action, recorded_at FROM audit_log WHERE seq = ?", [seq]))
    return BrokenEntry(seq, problem, message, *(row or (None, None)))
