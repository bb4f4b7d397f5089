"""Verifying the audit chain: every hash recomputed, every link and the head checked.

:func:`verify_chain` streams the chain out of DuckDB in Arrow batches (DuckDB joins each
entry's previous hash and payload, on a reader thread), hashes each entry with hashlib and checks
whole batches at once, and names the first broken entry: ``edited`` (its hash does not match its
content), ``deleted`` (a gap in seq), ``reordered`` (it does not link to the entry before),
``truncated`` (the head records entries that are gone), ``head`` or ``anchor``. What that proves
and what it does not is said in :func:`verify_chain`'s docstring.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from queue import Empty, Queue
from threading import Event, Thread
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xinyong.errors import XinyongError
from xinyong.governance._audit import GENESIS, audit_head
from xinyong.store._cursor import fetch_one

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


# Arrow batches of (seq, prev_hash || payload bytes, prev_hash, hash): DuckDB builds the hashed
# bytes, Python hashes them with hashlib and compares whole batches at once. The fast pass reads
# the table in its stored order, which is seq order unless rows were moved; any problem there is
# settled by a second pass in seq order, which is what the verdict is about.
_ENTRIES = "SELECT seq, prev_hash || encode(payload) AS message, prev_hash, hash FROM audit_log"


def _first_false(mask: pa.Array) -> int | None:
    found = pc.index(mask, pa.scalar(False)).as_py()
    return None if found is None or found < 0 else int(found)


def _first_edited(messages: pa.Array, hashes: pa.Array) -> int | None:
    computed = [sha256(m).digest() for m in messages.to_pylist()]
    try:  # the usual case in one comparison: all digests against the hash column's buffer
        fixed = hashes.cast(pa.binary(32))
        start = fixed.offset * 32
        if memoryview(fixed.buffers()[1])[start:start + 32 * len(fixed)] == b"".join(computed):
            return None
    except pa.ArrowInvalid:  # a hash that is not 32 bytes long: edited, found below
        pass
    stored = hashes.to_pylist()
    return next((i for i, (c, h) in enumerate(zip(computed, stored, strict=True)) if c != h), None)


def _check_batch(batch: pa.RecordBatch, expected: int, carry: bytes
                 ) -> tuple[int, Problem, str] | None:
    """The first broken entry of one batch as (index, problem, message), or None."""
    n = batch.num_rows
    seqs = batch.column(0).to_numpy()
    gaps = np.flatnonzero(seqs != np.arange(expected, expected + n))
    edited = _first_edited(batch.column(1), batch.column(3))
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


def _batches(cursor: duckdb.DuckDBPyConnection, query: str, rows: int
             ) -> Iterator[pa.RecordBatch]:
    """The query's batches, read on a thread of their own: DuckDB reads and joins the next
    batch (without the GIL) while Python hashes this one."""
    handoff: Queue[pa.RecordBatch | BaseException | None] = Queue(maxsize=2)
    stop = Event()

    def produce() -> None:
        try:
            reader = cursor.sql(query).to_arrow_reader(rows)
            for batch in reader:
                if stop.is_set():
                    break
                handoff.put(batch)
            reader.close()
            handoff.put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            handoff.put(exc)

    thread = Thread(target=produce, name="audit-verify-reader", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting to hand over a batch
            with suppress(Empty):
                handoff.get(timeout=0.05)
        thread.join()


@dataclass
class _Pass:
    checked: int = 0
    last_hash: bytes = GENESIS
    broken: tuple[int | None, Problem, str] | None = None
    anchored_at: int | None = None


def _scan(cursor: duckdb.DuckDBPyConnection, query: str, rows: int,
          wanted: tuple[int | None, bytes] | None, total: int,
          progress: Callable[[int, int], None] | None) -> _Pass:
    state = _Pass()
    for batch in _batches(cursor, query, rows):
        if batch.num_rows == 0:
            continue
        found = _check_batch(batch, state.checked + 1, state.last_hash)
        if found is not None:
            index, problem, message = found
            seq = state.checked + 1 + index if problem == "deleted" else int(
                batch.column(0)[index].as_py())
            state.broken = (seq, problem, message)
            state.checked += index  # the entries before it hold
            break
        if wanted is not None and state.anchored_at is None:
            state.anchored_at = _find_anchor(batch, wanted)
        state.checked += batch.num_rows
        state.last_hash = batch.column(3)[batch.num_rows - 1].as_py()
        if progress is not None:
            progress(state.checked, max(total, state.checked))
    return state


def verify_chain(
    con: duckdb.DuckDBPyConnection,
    *,
    anchor: str | None = None,
    batch_rows: int = 1 << 14,
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
    cursor = con.cursor()  # its own result stream, read on another thread
    try:
        head = audit_head(cursor)
        total = head[0] if head else int(cursor.execute("SELECT COUNT(*) FROM audit_log")
                                         .fetchall()[0][0])
        state = _scan(cursor, _ENTRIES, batch_rows, wanted, total, progress)
        if state.broken is not None:  # settle it in seq order (rows may merely be stored moved)
            state = _scan(cursor, _ENTRIES + " ORDER BY seq", batch_rows, wanted, total, None)
        broken = state.broken
        if broken is None:
            broken = _check_head(head, state.checked, state.last_hash)
        if broken is None and wanted is not None and (state.anchored_at or -1) < 0:
            broken = _anchor_missing(wanted, state.checked)
        entry = None if broken is None else _broken_entry(cursor, *broken)
    finally:
        cursor.close()
    return AuditVerification(state.checked, None if head is None else head[0],
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
    row = None
    if seq is not None:
        try:
            row = fetch_one(con.execute(
                "SELECT action, recorded_at FROM audit_log WHERE seq = ?", [seq]))
        except duckdb.Error:  # an edited payload may no longer be JSON, or its time no time
            row = None
    return BrokenEntry(seq, problem, message, *(row or (None, None)))
