"""Relying parties: who may ask for scores and decisions, and for which purposes.

A party registers the purposes it may ask for, each one a purpose the jurisdiction profile
allows. A query for any other purpose is refused. The subject's own accesses (their file, their
rewards, an attestation) are recorded under the reserved party :data:`SUBJECT_SELF`.

The gate keeps, per open store, the registrations it read (:func:`known_party`), so that a
party's next query does not read its registration again. Registrations change only through this
module, which forgets a party in every open store whenever it writes it.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from xinyong.decisions._purposes import parse_purpose
from xinyong.decisions._tables import tables, utcnow
from xinyong.errors import XinyongError
from xinyong.governance._audit import atomic, record_audit
from xinyong.profiles import Purpose
from xinyong.store import Store, fetch_one

SUBJECT_SELF = "@subject"
_PARTY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class RelyingParty:
    party_id: str
    name: str
    purposes: tuple[Purpose, ...]
    active: bool
    registered_at: datetime

    def may_ask_for(self, purpose: Purpose) -> bool:
        return self.active and purpose in self.purposes


_KNOWN: weakref.WeakKeyDictionary[Store, dict[str, RelyingParty]] = weakref.WeakKeyDictionary()


def known_party(store: Store, party_id: str) -> RelyingParty | None:
    """The party's registration as the gate last read it on this store, if it did."""
    return _KNOWN.get(store, {}).get(party_id)


def remember_party(store: Store, party: RelyingParty) -> None:
    _KNOWN.setdefault(store, {})[party.party_id] = party


def _forget(party_id: str) -> None:
    for known in list(_KNOWN.values()):
        known.pop(party_id, None)


def _party(row: tuple[object, ...]) -> RelyingParty:
    party_id, name, purposes, active, registered_at = row
    assert isinstance(registered_at, datetime) and isinstance(purposes, list)
    return RelyingParty(str(party_id), str(name), tuple(Purpose(p) for p in purposes),
                        bool(active), registered_at)


def register_party(
    store: Store,
    party_id: str,
    name: str,
    purposes: Iterable[str | Purpose],
    *,
    now: datetime | None = None,
) -> RelyingParty:
    """Register a relying party (or change its purposes) for purposes the profile allows."""
    con = tables(store)
    if not _PARTY_ID.match(party_id):
        raise XinyongError(
            "BAD_PARTY_ID",
            "a party ID has 2 to 64 lower-case letters, digits, '.', '_' or '-', e.g. acme-bank",
            field="party_id",
        )
    if not name.strip() or len(name) > 200:
        raise XinyongError("BAD_PARTY_NAME", "a party's name has 1 to 200 characters",
                           field="name")
    parsed = sorted({parse_purpose(p) if isinstance(p, str) else p for p in purposes})
    if not parsed:
        raise XinyongError("NO_PURPOSES", "register at least one purpose the party may ask for",
                           field="purposes")
    for purpose in parsed:
        if not store.profile.allows_purpose(purpose):
            raise XinyongError(
                "PURPOSE_NOT_ALLOWED",
                f"the {store.profile.name} profile does not allow '{purpose}'",
                field="purposes",
            )
    values = [p.value for p in parsed]
    moment = utcnow(now)
    try:
        with atomic(con):
            con.execute(
                "INSERT INTO relying_parties (party_id, name, purposes, active, registered_at) "
                "VALUES (?, ?, ?, true, ?) ON CONFLICT (party_id) DO UPDATE "
                "SET name = excluded.name, purposes = excluded.purposes, active = true",
                [party_id, name.strip(), values, moment],
            )
            record_audit(con, "party.register", actor="operator", at=moment,
                         details={"party": party_id, "purposes": values})
    finally:
        _forget(party_id)
    return get_party(store, party_id)


def get_party(store: Store, party_id: str) -> RelyingParty:
    row = fetch_one(tables(store).execute(
        "SELECT party_id, name, purposes, active, registered_at FROM relying_parties "
        "WHERE party_id = ?", [party_id]))
    if row is None:
        raise XinyongError(
            "UNKNOWN_PARTY",
            f"no relying party '{party_id}'; register it with `xinyong party add`",
            field="party",
        )
    return _party(row)


def list_parties(store: Store) -> list[RelyingParty]:
    rows = tables(store).execute(
        "SELECT party_id, name, purposes, active, registered_at FROM relying_parties "
        "ORDER BY party_id").fetchall()
    return [_party(r) for r in rows]


def deactivate_party(store: Store, party_id: str) -> RelyingParty:
    """Stop a party's access at once; its history stays."""
    get_party(store, party_id)
    con = tables(store)
    try:
        with atomic(con):
            con.execute("UPDATE relying_parties SET active = false WHERE party_id = ?",
                        [party_id])
            record_audit(con, "party.deactivate", actor="operator", details={"party": party_id})
    finally:
        _forget(party_id)
    return get_party(store, party_id)
