"""A person's personal fields, encrypted per subject; enrollment (opt-in, opt-out) and erasure.

People are known to the store by a keyed hash of their ID. Their name, birth date and address,
when recorded, are encrypted with AES-256-GCM under a key of their own, held outside the
database (:mod:`xinyong.governance._subject_keys`); the associated data binds each blob to its
subject and field. Only the subject report decrypts them (:func:`read_identity`).

Erasure (:func:`erase_subject`) destroys the subject's key and deletes the ciphertexts, blanks
the subject's free text (dispute reasons and statements, review statements, fraud-alert notes
and the like: :mod:`xinyong.governance._erasure_scrub`), stops scoring and queries (``enrolled``
is set false, and the query gate refuses an erased subject) and records the erasure and an audit
entry, all in one transaction; then it rewrites the database file so that the blanked text's old
bytes are gone from it. Once the key is gone from the key store no copy of the database, backups
included, can give the encrypted fields back with what the home holds (freed disk blocks may
still hold old copies of a key shard: :mod:`xinyong.governance._subject_keys`); the free text,
which is not encrypted, stays readable in backups and snapshots taken before the erasure (they
must expire), and possibly in disk blocks the file system freed. The subject's pseudonymous
records (events, inquiries) stay, as furnishers' and relying parties' records, until retention
purges them; they are never scored or disclosed again.

Who may leave depends on the jurisdiction profile (:func:`enrollment_rights`): where
participation is voluntary (``eu``) a subject may opt in, opt out and erase at any time; where it
is mandatory (``cn-pilot``, ``us``: credit-bureau style, the law lets lenders report without the
subject's permission) a subject may not opt out or have themselves erased, since that would hide
accurate records from lenders; they correct records by dispute instead, and negative items age
out by retention. An operator may still erase anyone on a legal order (``by="operator"``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xinyong.errors import XinyongError
from xinyong.governance._audit import record_audit
from xinyong.governance._erasure_scrub import blank_subject_text, rewrite_database_file
from xinyong.governance._subject_keys import SubjectKeyStore
from xinyong.profiles import JurisdictionProfile
from xinyong.store import Store, fetch_one, transaction, utcnow

FIELDS = ("name", "birth_date", "address")
MAX_LENGTH = {"name": 200, "birth_date": 10, "address": 500}
Erasor = Literal["subject", "operator"]


@dataclass(frozen=True)
class Identity:
    """A person's decrypted personal fields (None: not recorded)."""

    name: str | None
    birth_date: date | None
    address: str | None
    recorded_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name,
                "birth_date": None if self.birth_date is None else self.birth_date.isoformat(),
                "address": self.address, "recorded_at": self.recorded_at.isoformat()}


@dataclass(frozen=True)
class EnrollmentRights:
    """What a subject may do about their participation under a profile."""

    may_opt_out: bool
    may_erase: bool
    explanation: str


def enrollment_rights(jurisdiction: JurisdictionProfile) -> EnrollmentRights:
    if jurisdiction.enrollment == "voluntary":
        return EnrollmentRights(True, True, f"participation under the {jurisdiction.name} "
                                "profile is voluntary: you may opt in, opt out and have your "
                                "personal data erased at any time")
    return EnrollmentRights(False, False, f"participation under the {jurisdiction.name} profile "
                            "is mandatory: accurate records stay reportable; dispute a record "
                            "you think is wrong (`xinyong dispute open`), negative items stop "
                            "counting when their retention age passes")


def _associated_data(subject_key: int, field: str) -> bytes:
    return f"xinyong/identity/v1/{subject_key}/{field}".encode()


def _kind_and_erasure(store: Store, subject_key: int) -> tuple[str, bool, datetime | None]:
    row = fetch_one(store.con.execute(
        "SELECT CAST(s.kind AS VARCHAR), s.enrolled, e.erased_at FROM subjects AS s "
        "LEFT JOIN subject_erasures AS e USING (subject_key) WHERE s.subject_key = ?",
        [subject_key]))
    if row is None:
        raise XinyongError("UNKNOWN_SUBJECT", "no events have been reported about this subject",
                           field="subject_id")
    return str(row[0]), bool(row[1]), row[2]


def erased_at(store: Store, subject_key: int) -> datetime | None:
    """When the subject's personal data was erased, or None."""
    return _kind_and_erasure(store, subject_key)[2]


def _check_field(field: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise XinyongError("IDENTITY_FIELD_EMPTY", f"the {field.replace('_', ' ')} is empty; "
                           "give a value or leave the option out", field=field)
    if len(text) > MAX_LENGTH[field]:
        raise XinyongError("IDENTITY_FIELD_TOO_LONG", f"the {field.replace('_', ' ')} has "
                           f"{len(text)} characters; at most {MAX_LENGTH[field]}", field=field)
    return text


def record_identity(
    store: Store,
    subject_key: int,
    *,
    name: str | None = None,
    birth_date: date | None = None,
    address: str | None = None,
    now: datetime | None = None,
    actor: str = "subject",
) -> list[str]:
    """Record or update a person's personal fields, each encrypted; returns the fields written.

    Fields left as None keep their stored value. The subject's key is made on first use.
    """
    moment = utcnow(now)
    kind, _, erased = _kind_and_erasure(store, subject_key)
    if kind != "person":
        raise XinyongError("IDENTITY_PERSON_ONLY", "personal fields are kept for people only; "
                           "an organisation's registry details are public", field="subject_id")
    if erased is not None:
        raise XinyongError("SUBJECT_ERASED", f"this subject's personal data was erased on "
                           f"{erased:%Y-%m-%d}; nothing more is recorded", field="subject_id")
    values: dict[str, str] = {}
    if name is not None:
        values["name"] = _check_field("name", name)
    if birth_date is not None:
        if not date(1900, 1, 1) <= birth_date <= moment.date():
            raise XinyongError("IDENTITY_BIRTH_DATE", f"{birth_date} is not a plausible birth "
                               "date (1900 to today)", field="birth_date")
        values["birth_date"] = birth_date.isoformat()
    if address is not None:
        values["address"] = _check_field("address", address)
    if not values:
        raise XinyongError("IDENTITY_NOTHING", "give at least one of --name, --birth-date, "
                           "--address", field="name")
    cipher = AESGCM(SubjectKeyStore(store.home).create(subject_key))
    con = store.con
    with transaction(con):
        for field, text in values.items():
            nonce = os.urandom(12)
            blob = cipher.encrypt(nonce, text.encode("utf-8"),
                                  _associated_data(subject_key, field))
            con.execute(
                "INSERT INTO subject_identity (subject_key, field, nonce, ciphertext, "
                "recorded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject_key, field) DO UPDATE "
                "SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, "
                "recorded_at = excluded.recorded_at",
                [subject_key, field, nonce, blob, moment])
        record_audit(con, "identity.record", actor=actor, subject_key=subject_key,
                     details={"fields": sorted(values)}, at=moment)
    return sorted(values)


def read_identity(store: Store, subject_key: int) -> Identity | None:
    """The person's decrypted fields; None when none were recorded or they were erased.

    Only the subject report calls this. A blob that does not decrypt under the subject's key
    (altered, or moved from another subject or field) raises ``IDENTITY_TAMPERED``.
    """
    rows = store.con.execute(
        "SELECT field, nonce, ciphertext, recorded_at FROM subject_identity "
        "WHERE subject_key = ? ORDER BY field", [subject_key]).fetchall()
    if not rows:
        return None
    key = SubjectKeyStore(store.home).get(subject_key)
    if key is None:
        if erased_at(store, subject_key) is not None:
            return None
        raise XinyongError("IDENTITY_KEY_MISSING", "the personal fields of this subject are "
                           "stored but their key is missing from the home's keys/subjects; "
                           "restore that directory from its backup", field="home")
    cipher = AESGCM(key)
    values: dict[str, str] = {}
    for field, nonce, blob, _ in rows:
        try:
            values[field] = cipher.decrypt(bytes(nonce), bytes(blob),
                                           _associated_data(subject_key, field)).decode("utf-8")
        except InvalidTag:
            raise XinyongError("IDENTITY_TAMPERED", f"the stored {field.replace('_', ' ')} does "
                               "not decrypt under this subject's key: it was altered or copied "
                               "from another record; record it again", field=field) from None
    birth = values.get("birth_date")
    return Identity(values.get("name"), None if birth is None else date.fromisoformat(birth),
                    values.get("address"), max(r[3] for r in rows))


@dataclass(frozen=True)
class Erasure:
    subject_key: int
    erased_at: datetime
    by: str
    key_destroyed: bool  # False when there was no key (nothing recorded, or erased before)
    fields_deleted: int
    texts_blanked: int = 0  # free-text values replaced by '[erased]'
    file_rewritten: bool = False  # the database file was rewritten without the old bytes

    def to_json(self) -> dict[str, Any]:
        return {"erased_at": self.erased_at.isoformat(), "by": self.by,
                "key_destroyed": self.key_destroyed, "fields_deleted": self.fields_deleted,
                "texts_blanked": self.texts_blanked, "file_rewritten": self.file_rewritten}


def erase_subject(
    store: Store, subject_key: int, *, now: datetime | None = None, by: Erasor = "subject",
    rewrite_file: bool = True,
) -> Erasure:
    """Erase a person's personal data: destroy their key, blank their free text, stop scoring
    and queries.

    The database writes and the audit entry are made in one transaction, and the key is destroyed
    before it commits: if the key cannot be destroyed nothing is recorded, and if the commit
    fails afterwards the data is unreadable already and running the erasure again completes it.
    Then, with ``rewrite_file``, the database file is rewritten
    (:func:`~xinyong.governance._erasure_scrub.rewrite_database_file`: ``store.con`` becomes a
    new connection), because a CHECKPOINT alone leaves the blanked text's old bytes in the file.
    Without it (erasing many subjects in a row) the caller rewrites the file once at the end.
    """
    moment = utcnow(now)
    kind, _, erased = _kind_and_erasure(store, subject_key)
    if kind != "person":
        raise XinyongError("ERASURE_PERSON_ONLY", "erasure is a person's right; an "
                           "organisation's records are not personal data", field="subject_id")
    rights = enrollment_rights(store.profile)
    if by == "subject" and not rights.may_erase:
        raise XinyongError("ERASURE_NOT_ALLOWED", rights.explanation + "; an operator may "
                           "erase on a legal order", field="subject_id")
    con = store.con
    keys = SubjectKeyStore(store.home)
    with transaction(con):
        deleted = con.execute("DELETE FROM subject_identity WHERE subject_key = ? RETURNING 1",
                              [subject_key]).fetchall()
        con.execute("UPDATE subjects SET enrolled = false WHERE subject_key = ?", [subject_key])
        blanked = blank_subject_text(con, subject_key)
        if erased is None:
            con.execute("INSERT INTO subject_erasures (subject_key, erased_at, erased_by) "
                        "VALUES (?, ?, ?)", [subject_key, moment, by])
        record_audit(con, "subject.erase", actor=by, subject_key=subject_key,
                     details={"fields_deleted": len(deleted), "texts_blanked": blanked,
                              "repeat": erased is not None},
                     at=moment)
        destroyed = keys.delete(subject_key)
    if rewrite_file:
        rewrite_database_file(store)
    return Erasure(subject_key, erased or moment, by, destroyed, len(deleted), blanked,
                   rewrite_file)


def set_enrollment(
    store: Store, subject_key: int, enrolled: bool, *, now: datetime | None = None,
    actor: str = "subject",
) -> bool:
    """Opt a subject in or out (audited as ``subject.opt_in`` / ``subject.opt_out``).

    Returns whether the status changed. Opting out is refused where the profile makes
    participation mandatory; opting in is refused after an erasure.
    """
    moment = utcnow(now)
    _, current, erased = _kind_and_erasure(store, subject_key)
    if enrolled and erased is not None:
        raise XinyongError("SUBJECT_ERASED", f"this subject was erased on {erased:%Y-%m-%d}; "
                           "an erased subject is never scored again", field="subject_id")
    rights = enrollment_rights(store.profile)
    if not enrolled and not rights.may_opt_out:
        raise XinyongError("OPT_OUT_NOT_ALLOWED", rights.explanation, field="subject_id")
    con = store.con
    with transaction(con):
        con.execute("UPDATE subjects SET enrolled = ? WHERE subject_key = ?",
                    [enrolled, subject_key])
        record_audit(con, "subject.opt_in" if enrolled else "subject.opt_out", actor=actor,
                     subject_key=subject_key, details={"changed": current != enrolled},
                     at=moment)
    return current != enrolled
