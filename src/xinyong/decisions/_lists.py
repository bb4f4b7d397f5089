"""List entries: who is on a black or red list, on what grounds, from when to when.

An entry is made by an issuing authority, never by the platform from a score: it needs one of
its list's grounds, the specific legal basis and the authority (enforced here and by CHECK
constraints on the table). The subject is notified when the entry is made; it takes effect
after the list's notice period and ends at its expiry or when it is removed (credit repair:
performance, settlement, cure …). A black list's restrictions bind the subject and, where the
list says so, the legal representatives of a listed organisation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import duckdb

from xinyong.decisions._event_index import REPRESENTED, refresh
from xinyong.decisions._list_catalogue import SCORE_WORDS, ListCatalogue, list_catalogue
from xinyong.decisions._notices import notify
from xinyong.decisions._tables import next_id, tables, transaction, utcnow
from xinyong.errors import XinyongError
from xinyong.governance._audit import record_audit
from xinyong.store import Store, fetch_one

ENTRY_FIELDS = ("entry_id", "list_id", "subject_key", "subject_kind", "grounds", "legal_basis",
                "authority", "case_ref", "notified_at", "starts_at", "expires_at", "removed_at",
                "removal_reason", "removed_by", "escalated_from")
ENTRY_COLUMNS = ", ".join(ENTRY_FIELDS)
# In force at $at: started, not expired, not removed (IN_TERM), and not suppressed because its
# authority left a dispute about it unanswered past the deadline (see
# xinyong.governance._disputes; a decision checks that part on the subject's disputes it reads).
IN_TERM = ("e.starts_at <= $at AND (e.expires_at IS NULL OR $at < e.expires_at) "
           "AND (e.removed_at IS NULL OR $at < e.removed_at)")
ACTIVE = (f"{IN_TERM} AND NOT EXISTS (SELECT 1 FROM disputes AS d "
          "WHERE d.target_kind = 'list_entry' AND d.entry_id = e.entry_id "
          "AND d.status = 'suppressed' AND d.suppressed_at <= $at)")


@dataclass(frozen=True)
class ListEntry:
    entry_id: int
    list_id: str
    subject_key: int
    subject_kind: str
    grounds: str
    legal_basis: str
    authority: str
    case_ref: str | None
    notified_at: datetime
    starts_at: datetime
    expires_at: datetime | None
    removed_at: datetime | None
    removal_reason: str | None
    removed_by: str | None
    escalated_from: int | None

    def status(self, at: datetime) -> Literal["pending", "active", "expired", "removed"]:
        if self.removed_at is not None and self.removed_at <= at:
            return "removed"
        if at < self.starts_at:
            return "pending"
        return "expired" if self.expires_at is not None and self.expires_at <= at else "active"

    def to_json(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, datetime) else v
                for k, v in asdict(self).items() if k != "subject_key"}


@dataclass(frozen=True)
class ActiveRestriction:
    code: str
    description: str
    legal_basis: str
    list_id: str
    entry: ListEntry
    via: Literal["direct", "legal_representative"]
    organisation: str | None = None  # the listed organisation's code, when via representation

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description,
                "legal_basis": self.legal_basis, "list": self.list_id,
                "entry_id": self.entry.entry_id, "via": self.via,
                "organisation": self.organisation}


def _entry(row: tuple[Any, ...]) -> ListEntry:
    return ListEntry(*row)


def add_listing(
    store: Store,
    list_id: str,
    subject_id: str,
    *,
    grounds: str,
    legal_basis: str,
    authority: str,
    case_ref: str | None = None,
    starts_at: datetime | None = None,
    term_days: int | None = None,
    now: datetime | None = None,
    catalogue: ListCatalogue | None = None,
) -> ListEntry:
    """List a subject on the authority's grounds and legal basis; the subject is notified now.

    A score is never grounds: grounds come from the list's closed catalogue of conduct.
    """
    con = tables(store)
    catalogue = catalogue or list_catalogue()
    spec = catalogue.get(list_id)
    if SCORE_WORDS.search(grounds.replace("_", " ")):
        raise XinyongError("SCORE_NOT_GROUNDS", "a score, rating or rank alone is never grounds "
                           "for a listing; name the conduct the authority established",
                           field="grounds")
    if grounds not in spec.grounds:
        raise XinyongError("LISTING_GROUNDS", f"'{grounds}' is not grounds for {list_id}; one "
                           f"of: {', '.join(spec.grounds)}", field="grounds")
    if not legal_basis.strip():
        raise XinyongError("LISTING_LEGAL_BASIS", "a listing names its legal basis (the "
                           "provision and decision it rests on)", field="legal_basis")
    if not authority.strip():
        raise XinyongError("LISTING_AUTHORITY", f"a listing names the issuing authority (a "
                           f"{spec.authority_kind})", field="authority")
    key, kind = store.find_subject(subject_id)
    if kind not in spec.applies_to:
        raise XinyongError("LISTING_SUBJECT_KIND", f"{list_id} lists "
                           f"{' and '.join(spec.applies_to)} subjects only", field="subject_id")
    moment = utcnow(now)
    earliest = moment + timedelta(days=spec.notice_days)
    start = earliest if starts_at is None else utcnow(starts_at)
    if start < earliest:
        raise XinyongError("LISTING_NOTICE", f"the subject is notified {spec.notice_days} days "
                           f"before a {list_id} entry takes effect; the earliest start is "
                           f"{earliest:%Y-%m-%d %H:%M}", field="starts_at")
    term = term_days if term_days is not None else spec.term_days
    expires = None if term is None else start + timedelta(days=term)
    with transaction(con):
        entry = _insert(con, catalogue, list_id, key, kind, grounds, legal_basis.strip(),
                        authority.strip(), case_ref, moment, start, expires, None)
        record_audit(con, "list.add", actor=entry.authority[:128], subject_key=key, at=moment,
                     details={"entry_id": entry.entry_id, "list": list_id, "grounds": grounds,
                              "starts_at": start.isoformat()})
    return entry


def _insert(con: duckdb.DuckDBPyConnection, catalogue: ListCatalogue, list_id: str, key: int,
            kind: str, grounds: str, legal_basis: str, authority: str, case_ref: str | None,
            notified: datetime, start: datetime, expires: datetime | None,
            escalated_from: int | None) -> ListEntry:
    spec = catalogue.get(list_id)
    entry = ListEntry(next_id(con, "list_entry_ids"), list_id, key, kind, grounds, legal_basis,
                      authority, case_ref, notified, start, expires, None, None, None,
                      escalated_from)
    con.execute(f"INSERT INTO list_entries ({ENTRY_COLUMNS}) VALUES "
                f"({', '.join('?' * 15)})", list(asdict(entry).values()))
    notify(con, key, "listing", {
        "list": list_id, "list_name": spec.name, "colour": spec.colour,
        "grounds": spec.grounds[grounds], "legal_basis": legal_basis, "authority": authority,
        "case_ref": case_ref, "takes_effect": start, "expires": expires,
        "restrictions": [catalogue.restrictions[r].description for r in spec.restrictions],
        "benefits": list(spec.benefits),
        "removal": spec.removal,
        "your_rights": "You may contest this listing with the issuing authority before it "
                       "takes effect; it is removed when any of the removal grounds is met.",
    }, at=notified, entry_id=entry.entry_id)
    return entry


def get_entry(store: Store, entry_id: int) -> ListEntry:
    row = fetch_one(tables(store).execute(
        f"SELECT {ENTRY_COLUMNS} FROM list_entries WHERE entry_id = ?", [entry_id]))
    if row is None:
        raise XinyongError("UNKNOWN_ENTRY", f"no list entry #{entry_id}", field="entry_id")
    return _entry(row)


def remove_listing(
    store: Store,
    entry_id: int,
    *,
    reason: str,
    by: str,
    now: datetime | None = None,
    catalogue: ListCatalogue | None = None,
) -> ListEntry:
    """Remove an entry (credit repair) for one of its list's removal reasons."""
    catalogue = catalogue or list_catalogue()
    entry = get_entry(store, entry_id)
    spec = catalogue.get(entry.list_id)
    moment = utcnow(now)
    if entry.removed_at is not None:
        raise XinyongError("LISTING_REMOVED", f"entry #{entry_id} was already removed "
                           f"({entry.removal_reason})", field="entry_id")
    if reason not in spec.removal:
        raise XinyongError("LISTING_REMOVAL_REASON", f"'{reason}' is not a reason to leave "
                           f"{entry.list_id}; one of: {', '.join(spec.removal)}", field="reason")
    if not by.strip():
        raise XinyongError("LISTING_AUTHORITY", "a removal names who removed the entry",
                           field="by")
    con = tables(store)
    with transaction(con):
        con.execute("UPDATE list_entries SET removed_at = ?, removal_reason = ?, removed_by = ? "
                    "WHERE entry_id = ?", [moment, reason, by.strip(), entry_id])
        notify(con, entry.subject_key, "listing_removed",
               {"list": entry.list_id, "list_name": spec.name, "reason": spec.removal[reason],
                "removed_by": by.strip()}, at=moment, entry_id=entry_id)
        record_audit(con, "list.remove", actor=by.strip()[:128], subject_key=entry.subject_key,
                     at=moment, details={"entry_id": entry_id, "list": entry.list_id,
                                         "reason": reason})
    return get_entry(store, entry_id)


def entries_of(store: Store, subject_key: int) -> list[ListEntry]:
    """Every entry about the subject, past, pending and present."""
    rows = tables(store).execute(
        f"SELECT {ENTRY_COLUMNS} FROM list_entries WHERE subject_key = ? "
        "ORDER BY notified_at, entry_id", [subject_key]).fetchall()
    return [_entry(r) for r in rows]


def active_entries(con: duckdb.DuckDBPyConnection, subject_key: int, at: datetime) -> list[ListEntry]:
    rows = con.execute(
        f"SELECT {ENTRY_COLUMNS} FROM list_entries AS e WHERE e.subject_key = $key AND {ACTIVE} "
        "ORDER BY e.entry_id", {"key": subject_key, "at": at}).fetchall()
    return [_entry(r) for r in rows]


def restrictions_for(
    store: Store, subject_key: int, subject_kind: str, *, now: datetime | None = None,
    catalogue: ListCatalogue | None = None, fresh_index: bool = False,
) -> tuple[list[ListEntry], list[ActiveRestriction]]:
    """The subject's active entries and the restrictions binding them, own or as a
    legal representative of a listed organisation (``fresh_index``: the caller has just
    refreshed the decisions' event index)."""
    catalogue = catalogue or list_catalogue()
    con = tables(store)
    if not fresh_index:
        refresh(con)
    at = utcnow(now)
    # One round trip for the common case: the subject's own entries and, for a person, the
    # organisations they represent; each organisation is then looked up by its unique key.
    rows = con.execute(
        f"""SELECT {ENTRY_COLUMNS}, NULL AS organisation FROM list_entries AS e
            WHERE e.subject_key = $key AND {ACTIVE}
            UNION ALL
            SELECT {', '.join(['NULL'] * 15)}, org_ref FROM ({REPRESENTED}) AS r
            WHERE $kind = 'person'""",
        {"key": subject_key, "kind": subject_kind, "at": at}).fetchall()
    own = sorted((_entry(r[:-1]) for r in rows if r[-1] is None), key=lambda e: e.entry_id)
    organisations = sorted(str(r[-1]) for r in rows if r[-1] is not None)
    return own, restrictions_binding(con, own, organisations, at, catalogue)


def entry_from_row(row: tuple[Any, ...]) -> ListEntry:
    """A list entry from a row of :data:`ENTRY_COLUMNS`, in that order."""
    return _entry(row)


def restrictions_binding(
    con: duckdb.DuckDBPyConnection, own: list[ListEntry], organisations: list[str],
    at: datetime, catalogue: ListCatalogue,
) -> list[ActiveRestriction]:
    """The restrictions of the subject's own active entries and, through each organisation
    they legally represent (by its code), of that organisation's active entries where its list
    extends to legal representatives."""
    found: list[tuple[ListEntry, Literal["direct", "legal_representative"], str | None]] = [
        (e, "direct", None) for e in own]
    for organisation in organisations:
        # By subject_ref alone, which its index serves (see _subjects), then by kind.
        keys = [int(k) for k, kind in con.execute(
            "SELECT subject_key, kind FROM subjects WHERE subject_ref = ?",
            [organisation]).fetchall() if kind == "organisation"]
        for org_key in keys:
            found += [(e, "legal_representative", organisation)
                      for e in active_entries(con, org_key, at)]
    restrictions: list[ActiveRestriction] = []
    for entry, via, organisation_ref in found:
        spec = catalogue.get(entry.list_id)
        if via == "legal_representative" and not spec.extends_to_legal_representative:
            continue
        for code in spec.restrictions:
            r = catalogue.restrictions[code]
            restrictions.append(ActiveRestriction(code, r.description, r.legal_basis,
                                                  entry.list_id, entry, via, organisation_ref))
    return restrictions


def escalate_listings(
    store: Store, *, now: datetime | None = None, catalogue: ListCatalogue | None = None
) -> list[ListEntry]:
    """Move entries left uncured past their list's limit to the list it escalates to
    (abnormal operations → serious illegal and dishonest after three years)."""
    catalogue = catalogue or list_catalogue()
    con = tables(store)
    moment = utcnow(now)
    made: list[ListEntry] = []
    for list_id, spec in catalogue.lists.items():
        if spec.escalates_to is None or spec.escalate_after_days is None:
            continue
        target_id = spec.escalates_to
        target = catalogue.get(target_id)
        rows = con.execute(
            f"""SELECT {ENTRY_COLUMNS} FROM list_entries AS e
                WHERE e.list_id = $list AND {ACTIVE} AND e.starts_at <= $limit
                  AND NOT EXISTS (SELECT 1 FROM list_entries AS x
                                  WHERE x.escalated_from = e.entry_id)""",
            {"list": list_id, "at": moment,
             "limit": moment - timedelta(days=spec.escalate_after_days)}).fetchall()
        for row in rows:
            old = _entry(row)
            start = moment + timedelta(days=target.notice_days)
            expires = None if target.term_days is None else start + timedelta(
                days=target.term_days)
            basis = (f"{target.legal_basis}; on {spec.name} since {old.starts_at:%Y-%m-%d} "
                     f"without curing ({spec.escalate_after_days} days)")
            with transaction(con):
                made.append(_insert(con, catalogue, target_id, old.subject_key, old.subject_kind,
                                    str(spec.escalation_grounds), basis,
                                    old.authority, f"escalated from entry #{old.entry_id}",
                                    moment, start, expires, old.entry_id))
                con.execute("UPDATE list_entries SET removed_at = ?, removal_reason = ?, "
                            "removed_by = ? WHERE entry_id = ?",
                            [start, f"escalated to {target_id}", old.authority, old.entry_id])
                record_audit(con, "list.escalate", actor="system", subject_key=old.subject_key,
                             at=moment, details={"entry_id": made[-1].entry_id, "list": target_id,
                                                 "escalated_from": old.entry_id,
                                                 "from_list": list_id})
    return made


def published_entries(
    store: Store, list_id: str, *, now: datetime | None = None,
    catalogue: ListCatalogue | None = None,
) -> list[dict[str, Any]]:
    """The list's active entries that may be published: organisations' only (red line 3)."""
    catalogue = catalogue or list_catalogue()
    spec = catalogue.get(list_id)
    if not spec.publishable:
        raise XinyongError("LIST_NOT_PUBLISHABLE", f"{list_id} is not published", field="list")
    rows = tables(store).execute(
        f"""SELECT s.subject_ref, e.grounds, e.legal_basis, e.authority, e.case_ref,
                   e.starts_at, e.expires_at
            FROM list_entries AS e JOIN subjects AS s USING (subject_key)
            WHERE e.list_id = $list AND s.kind = 'organisation' AND {ACTIVE}
            ORDER BY e.starts_at, e.entry_id""",
        {"list": list_id, "at": utcnow(now)}).fetchall()
    return [{"organisation": r[0], "list": list_id, "grounds": spec.grounds[r[1]],
             "legal_basis": r[2], "authority": r[3], "case_ref": r[4],
             "since": r[5].isoformat(), "until": r[6].isoformat() if r[6] else None}
            for r in rows]
