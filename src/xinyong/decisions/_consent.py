"""Consent: a subject lets one relying party ask, for one purpose, until a date.

A consent is revocable at once. Whether a query may go ahead is decided by
:func:`consent_refusal` from the subject's consents to that party, so that a refused query says
exactly what is missing: no consent at all, one for another purpose, an expired or a revoked one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from xinyong.decisions._parties import get_party
from xinyong.decisions._purposes import parse_purpose
from xinyong.decisions._tables import end_of_day, next_id, tables, utcnow
from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.profiles import Purpose
from xinyong.store import Store, fetch_one

MAX_CONSENT_DAYS = 730  # a consent is for an application or a relationship, not for ever

ConsentStatus = Literal["active", "expired", "revoked"]


@dataclass(frozen=True)
class Consent:
    consent_id: int
    subject_key: int
    party_id: str
    purpose: Purpose
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def status(self, now: datetime) -> ConsentStatus:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        return "active" if now < self.expires_at else "expired"


_COLUMNS = "consent_id, subject_key, party_id, purpose, granted_at, expires_at, revoked_at"


def _consent(row: Sequence[object]) -> Consent:
    cid, key, party, purpose, granted, expires, revoked = row
    assert isinstance(granted, datetime) and isinstance(expires, datetime)
    assert revoked is None or isinstance(revoked, datetime)
    return Consent(int(str(cid)), int(str(key)), str(party), Purpose(str(purpose)), granted,
                   expires, revoked)


def grant_consent(
    store: Store,
    subject_id: str,
    party_id: str,
    purpose: str | Purpose,
    *,
    until: datetime | date | None = None,
    days: int | None = None,
    now: datetime | None = None,
) -> Consent:
    """Record the subject's consent; give ``until`` (a date counts to its end) or ``days``."""
    con = tables(store)
    moment = utcnow(now)
    subject_key, _ = store.find_subject(subject_id)
    erased = fetch_one(con.execute(
        "SELECT 1 FROM subject_erasures WHERE subject_key = ?", [subject_key]))
    if erased is not None:
        raise XinyongError("SUBJECT_ERASED", "the subject's personal data was erased; no party "
                           "may ask about them, so a consent would serve nothing",
                           field="subject_id")
    party = get_party(store, party_id)
    chosen = parse_purpose(purpose) if isinstance(purpose, str) else purpose
    if not store.profile.allows_purpose(chosen):
        raise XinyongError("PURPOSE_NOT_ALLOWED",
                           f"the {store.profile.name} profile does not allow '{chosen}'",
                           field="purpose")
    if not party.may_ask_for(chosen):
        raise XinyongError(
            "PURPOSE_NOT_REGISTERED",
            f"{party_id} is not registered for '{chosen}' (only: "
            f"{', '.join(party.purposes)}); a consent cannot widen what a party may ask for",
            field="purpose",
        )
    if (until is None) == (days is None):
        raise XinyongError("CONSENT_EXPIRY", "give the consent's end: until a date or for a "
                           "number of days", field="until")
    if days is not None:
        expires = moment + timedelta(days=days)
    elif isinstance(until, datetime):
        expires = utcnow(until)
    else:
        assert until is not None
        expires = end_of_day(until)
    if expires <= moment:
        raise XinyongError("CONSENT_EXPIRY", "the consent's end must be in the future",
                           field="until")
    if expires - moment > timedelta(days=MAX_CONSENT_DAYS):
        raise XinyongError("CONSENT_TOO_LONG", f"a consent lasts at most {MAX_CONSENT_DAYS} "
                           "days; grant a new one when it ends", field="until")
    consent_id = next_id(con, "consent_ids")
    with atomic(con):
        con.execute(
            f"INSERT INTO consents ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL)",
            [consent_id, subject_key, party_id, chosen.value, moment, expires],
        )
        record_audit(con, "consent.grant", actor="subject", subject_key=subject_key, at=moment,
                     details={"consent_id": consent_id, "party": party_id,
                              "purpose": chosen.value, "expires_at": expires.isoformat()})
    return Consent(consent_id, subject_key, party_id, chosen, moment, expires, None)


def revoke_consent(store: Store, consent_id: int, *, now: datetime | None = None) -> Consent:
    """Revoke a consent with immediate effect (a revoked consent stays revoked)."""
    con = tables(store)
    moment = utcnow(now)
    with atomic(con):
        revoked = con.execute(
            "UPDATE consents SET revoked_at = ? WHERE consent_id = ? AND revoked_at IS NULL "
            "RETURNING subject_key, party_id, purpose", [moment, consent_id]).fetchall()
        for subject_key, party_id, purpose in revoked:  # nothing to record when already revoked
            record_audit(con, "consent.revoke", actor="subject", subject_key=int(subject_key),
                         at=moment, details={"consent_id": consent_id, "party": party_id,
                                             "purpose": purpose})
    row = fetch_one(con.execute(f"SELECT {_COLUMNS} FROM consents WHERE consent_id = ?",
                                [consent_id]))
    if row is None:
        raise XinyongError("UNKNOWN_CONSENT", f"no consent #{consent_id}", field="consent_id")
    return _consent(row)


def consents_of(store: Store, subject_key: int) -> list[Consent]:
    rows = tables(store).execute(
        f"SELECT {_COLUMNS} FROM consents WHERE subject_key = ? ORDER BY granted_at, consent_id",
        [subject_key]).fetchall()
    return [_consent(r) for r in rows]


def consent_refusal(
    consents: Sequence[Consent], party_id: str, purpose: Purpose, now: datetime
) -> XinyongError | None:
    """Why the party may not ask for this purpose now, or None when a consent covers it."""
    mine = [c for c in consents if c.party_id == party_id and c.granted_at <= now]
    same = [c for c in mine if c.purpose == purpose]
    if any(c.status(now) == "active" for c in same):
        return None
    if same:
        latest = max(same, key=lambda c: (c.granted_at, c.consent_id))
        if latest.status(now) == "revoked":
            return XinyongError(
                "CONSENT_REVOKED",
                f"the subject revoked their consent to {party_id} for '{purpose}'; ask them "
                "for a new one", field="consent")
        return XinyongError(
            "CONSENT_EXPIRED",
            f"the subject's consent to {party_id} for '{purpose}' ended on "
            f"{latest.expires_at:%Y-%m-%d %H:%M}; ask them for a new one", field="consent")
    if mine:
        other = sorted({c.purpose.value for c in mine})
        return XinyongError(
            "CONSENT_OTHER_PURPOSE",
            f"the subject consented to {party_id} for {', '.join(other)}, not for '{purpose}'",
            field="purpose")
    return XinyongError(
        "NO_CONSENT",
        f"the subject has not consented to {party_id} asking for '{purpose}'; the subject "
        "grants it with `xinyong consent grant`", field="consent")
