"""Freezes and fraud alerts a subject places on their own file.

A freeze refuses every hard inquiry (new credit in the subject's name) until the subject lifts
it; soft inquiries, such as reviews of accounts the subject already holds, still go ahead. A
fraud alert refuses nothing: it is shown to every relying party that asks, so that a lender
checks the applicant's identity before it extends credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from xinyong.decisions._tables import next_id, tables, utcnow
from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.store import Store

FRAUD_ALERT_DAYS = 365
FRAUD_ALERT_TEXT = ("The subject reported possible identity fraud: verify the applicant's "
                    "identity before extending credit or opening an account in their name.")


@dataclass(frozen=True)
class FraudAlert:
    placed_at: datetime
    expires_at: datetime
    note: str | None

    @property
    def text(self) -> str:
        return FRAUD_ALERT_TEXT + (f" The subject adds: {self.note}" if self.note else "")


@dataclass(frozen=True)
class FileStatus:
    frozen_since: datetime | None
    fraud_alert: FraudAlert | None

    @property
    def frozen(self) -> bool:
        return self.frozen_since is not None


def status_from_flags(flags: list[dict[str, Any]] | None, now: datetime) -> FileStatus:
    """The file's status from its unlifted flag rows (kind, placed_at, expires_at, note)."""
    frozen: datetime | None = None
    alert: FraudAlert | None = None
    for f in flags or []:
        if f["placed_at"] > now or (f["expires_at"] is not None and f["expires_at"] <= now):
            continue
        if f["kind"] == "freeze":
            frozen = f["placed_at"] if frozen is None else min(frozen, f["placed_at"])
        elif alert is None or f["placed_at"] > alert.placed_at:
            alert = FraudAlert(f["placed_at"], f["expires_at"], f["note"])
    return FileStatus(frozen, alert)


def file_status(store: Store, subject_key: int, *, now: datetime | None = None) -> FileStatus:
    rows = tables(store).execute(
        "SELECT kind, placed_at, expires_at, note FROM subject_flags "
        "WHERE subject_key = ? AND lifted_at IS NULL", [subject_key]).fetchall()
    flags = [dict(zip(("kind", "placed_at", "expires_at", "note"), r, strict=True)) for r in rows]
    return status_from_flags(flags, utcnow(now))


def freeze_file(store: Store, subject_id: str, *, now: datetime | None = None) -> FileStatus:
    """Freeze the subject's file: hard inquiries are refused until :func:`lift_freeze`."""
    con = tables(store)
    key, _ = store.find_subject(subject_id)
    moment = utcnow(now)
    if not file_status(store, key, now=moment).frozen:
        flag_id = next_id(con, "flag_ids")
        with atomic(con):
            con.execute(
                "INSERT INTO subject_flags (flag_id, subject_key, kind, placed_at) "
                "VALUES (?, ?, 'freeze', ?)", [flag_id, key, moment])
            record_audit(con, "freeze.place", actor="subject", subject_key=key, at=moment,
                         details={"flag_id": flag_id})
    return file_status(store, key, now=moment)


def lift_freeze(store: Store, subject_id: str, *, now: datetime | None = None) -> FileStatus:
    con = tables(store)
    key, _ = store.find_subject(subject_id)
    moment = utcnow(now)
    _lift(con, key, "freeze", moment)
    return file_status(store, key, now=moment)


def place_fraud_alert(
    store: Store,
    subject_id: str,
    *,
    note: str | None = None,
    days: int = FRAUD_ALERT_DAYS,
    now: datetime | None = None,
) -> FileStatus:
    """Place a fraud alert shown to every relying party for ``days`` (default a year)."""
    con = tables(store)
    if note is not None and len(note) > 200:
        raise XinyongError("NOTE_TOO_LONG", "a fraud alert's note has at most 200 characters",
                           field="note")
    if not 1 <= days <= 7 * 365:
        raise XinyongError("BAD_DAYS", "a fraud alert lasts 1 day to 7 years", field="days")
    key, _ = store.find_subject(subject_id)
    moment = utcnow(now)
    flag_id = next_id(con, "flag_ids")
    with atomic(con):
        _lift(con, key, "fraud_alert", moment)
        con.execute(
            "INSERT INTO subject_flags (flag_id, subject_key, kind, placed_at, expires_at, note) "
            "VALUES (?, ?, 'fraud_alert', ?, ?, ?)",
            [flag_id, key, moment, moment + timedelta(days=days), note])
        # The note is the subject's own words: the audit entry records that there is one.
        record_audit(con, "fraud_alert.place", actor="subject", subject_key=key, at=moment,
                     details={"flag_id": flag_id, "days": days, "note": note is not None})
    return file_status(store, key, now=moment)


def remove_fraud_alert(store: Store, subject_id: str, *, now: datetime | None = None) -> FileStatus:
    con = tables(store)
    key, _ = store.find_subject(subject_id)
    moment = utcnow(now)
    _lift(con, key, "fraud_alert", moment)
    return file_status(store, key, now=moment)


def _lift(con: duckdb.DuckDBPyConnection, key: int, kind: str, moment: datetime) -> None:
    """Lift the subject's flags of one kind, with an audit entry per flag lifted."""
    with atomic(con):
        lifted = con.execute("UPDATE subject_flags SET lifted_at = ? WHERE subject_key = ? "
                             "AND kind = ? AND lifted_at IS NULL RETURNING flag_id",
                             [moment, key, kind]).fetchall()
        for (flag_id,) in lifted:
            record_audit(con, f"{kind}.lift", actor="subject", subject_key=key, at=moment,
                         details={"flag_id": int(flag_id)})
