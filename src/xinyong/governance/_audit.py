"""The audit chain: every access and change appends an entry whose hash covers the previous one.

:func:`record_audit` is the one way to append. Call it inside the caller's transaction, so that
the action and its audit entry are stored together or not at all. Entries carry the subject's
surrogate key, never a name or an ID (logs carry no personal data).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import duckdb

from xinyong.store import fetch_one

GENESIS = bytes(32)


def canonical_payload(seq: int, at: datetime, actor: str, action: str,
                      subject_key: int | None, details: dict[str, Any]) -> str:
    """The exact text an entry's hash covers (sorted keys, no spaces, ISO time)."""
    return json.dumps(
        {"seq": seq, "at": at.isoformat(), "actor": actor, "action": action,
         "subject_key": subject_key, "details": details},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )


def chain_hash(previous: bytes, payload: str) -> bytes:
    return hashlib.sha256(previous + payload.encode("utf-8")).digest()


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
    ``operator``, ``system``).
    """
    at = at or datetime.now(UTC).replace(tzinfo=None)
    head = fetch_one(con.execute("SELECT seq, hash FROM audit_head WHERE one = 1"))
    seq, previous = (int(head[0]) + 1, bytes(head[1])) if head else (1, GENESIS)
    payload = canonical_payload(seq, at, actor, action, subject_key, details or {})
    digest = chain_hash(previous, payload)
    con.execute(
        "INSERT INTO audit_log (seq, recorded_at, actor, action, subject_key, payload, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [seq, at, actor, action, subject_key, payload, digest],
    )
    con.execute(
        "INSERT INTO audit_head (one, seq, hash) VALUES (1, ?, ?) "
        "ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        [seq, digest],
    )
    return seq
