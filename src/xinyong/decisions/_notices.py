"""Notices to subjects: what they are told, and when.

A subject is told of every decline (the adverse-action notice), of every listing before it
takes effect, of a listing's removal and of the outcome of a review they asked for. Notices are
kept so that the subject (and an auditor) can read them later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from xinyong.decisions._tables import tables
from xinyong.store import Store, fetch_one


@dataclass(frozen=True)
class Notice:
    notice_id: int
    kind: str  # adverse_action, listing, listing_removed, review_outcome
    created_at: datetime
    decision_id: int | None
    entry_id: int | None
    body: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"notice_id": self.notice_id, "kind": self.kind,
                "created_at": self.created_at.isoformat(), "decision_id": self.decision_id,
                "entry_id": self.entry_id, "body": self.body}


def notify(
    con: duckdb.DuckDBPyConnection,
    subject_key: int,
    kind: str,
    body: dict[str, Any],
    *,
    at: datetime,
    decision_id: int | None = None,
    entry_id: int | None = None,
) -> int:
    row = fetch_one(con.execute(
        "INSERT INTO subject_notices (notice_id, subject_key, kind, created_at, decision_id, "
        "entry_id, body) VALUES (nextval('notice_ids'), ?, ?, ?, ?, ?, ?) RETURNING notice_id",
        [subject_key, kind, at, decision_id, entry_id, json.dumps(body, default=str)]))
    assert row is not None
    return int(row[0])


def notices_for(store: Store, subject_key: int) -> list[Notice]:
    rows = tables(store).execute(
        "SELECT notice_id, kind, created_at, decision_id, entry_id, body FROM subject_notices "
        "WHERE subject_key = ? ORDER BY created_at, notice_id", [subject_key]).fetchall()
    return [Notice(int(r[0]), r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]
