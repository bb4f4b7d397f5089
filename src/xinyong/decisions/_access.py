"""The gate every query passes: subject, party, purpose, profile, product, consent, freeze.

:func:`authorise` checks a relying party's request in a fixed order and either returns an
:class:`Access` (the caller then records the granted inquiry together with what it disclosed)
or records the refused attempt and raises :class:`QueryRefused` with a stable code:

=============================  =========================================================
``UNKNOWN_SUBJECT``            the ID names no subject (``INVALID_ID``: not an ID at all)
``UNKNOWN_PARTY``              the party is not registered, or was deactivated
``PURPOSE_FORBIDDEN``          a use that has no purpose (dating, school admission …)
``UNKNOWN_PURPOSE``            not one of the fixed purposes
``PURPOSE_NOT_ALLOWED``        the jurisdiction profile does not allow the purpose
``PRODUCT_PURPOSE_NOT_ALLOWED`` the profile does not let this product use a score for it
``PRODUCT_SUBJECT_KIND``       the product is not offered to this kind of subject
``PURPOSE_NOT_REGISTERED``     the party did not register for the purpose
``SUBJECT_ERASED``             the subject's personal data was erased: never scored again
``SUBJECT_OPTED_OUT``          the subject opted out (or, where participation is voluntary,
                               has not opted in): no score is disclosed
``NO_CONSENT``                 the purpose needs consent and there is none
``CONSENT_OTHER_PURPOSE``      the subject consented to the party, for other purposes
``CONSENT_EXPIRED``            the consent for the purpose has ended
``CONSENT_REVOKED``            the subject revoked it
``FILE_FROZEN``                a hard inquiry on a frozen file
=============================  =========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

import duckdb

from xinyong.decisions._consent import Consent, consent_refusal
from xinyong.decisions._event_index import IndexState
from xinyong.decisions._freeze import FileStatus, file_status, status_from_flags
from xinyong.decisions._inquiries import REFUSED, record_inquiry
from xinyong.decisions._parties import SUBJECT_SELF, RelyingParty, known_party, remember_party
from xinyong.decisions._purposes import InquiryKind, default_inquiry_kind, parse_purpose
from xinyong.decisions._scores import ANSWERING_VERSION, ScoreRun
from xinyong.decisions._subject_file import GATE_BRANCHES, GATE_TAGS
from xinyong.decisions._tables import tables, utcnow
from xinyong.errors import XinyongError
from xinyong.profiles import Purpose
from xinyong.store import Store


class QueryRefused(XinyongError):
    """A refused query; ``inquiry_id`` is the record of the attempt."""

    def __init__(self, error: XinyongError, inquiry_id: int) -> None:
        super().__init__(error.code, error.message, field=error.field, position=error.position)
        self.inquiry_id = inquiry_id


@dataclass(frozen=True)
class Access:
    """A query that passed the gate, not yet recorded."""

    subject_key: int
    subject_kind: str
    party: RelyingParty
    purpose: Purpose
    kind: InquiryKind
    product_id: str | None
    asked_at: datetime
    file: FileStatus
    run: ScoreRun | None = None  # the latest batch run of the model asked for, if any
    index_state: IndexState = (None, None, 0)  # where the decisions' event index stands
    # The subject file's first read, made in the gate's round trip when the query names its
    # model (rows of _subject_file.GATE_BRANCHES); None otherwise.
    file_rows: list[tuple[Any, ...]] | None = None


# Everything the gate and the rest of the query need to know before reading the subject's
# score, in one round trip of tagged rows: the subject's participation (enrolled, erased), the
# party, the consents to it, the file's flags, the latest batch run of the model and where the
# decisions' event index stands. Each branch reads one table (a join costs more than a branch of
# its own).
_PARTY = """
SELECT 'party' AS tag, name AS a, CAST(NULL AS VARCHAR) AS b, registered_at AS t1,
       CAST(NULL AS TIMESTAMP) AS t2, CAST(NULL AS TIMESTAMP) AS t3,
       CAST(active AS BIGINT) AS i, purposes AS list,
       CAST(NULL AS DOUBLE[]) AS nums
FROM relying_parties WHERE party_id = $party
UNION ALL"""
_STATE = f"""
SELECT 'subject', NULL, NULL, NULL, NULL, NULL, CAST(enrolled AS BIGINT), NULL, NULL
FROM subjects WHERE subject_key = $key
UNION ALL
SELECT 'erased', NULL, NULL, erased_at, NULL, NULL, NULL, NULL, NULL
FROM subject_erasures WHERE subject_key = $key
UNION ALL
SELECT 'consent', purpose, NULL, granted_at, expires_at, revoked_at, consent_id, NULL, NULL
FROM consents WHERE subject_key = $key AND party_id = $party
UNION ALL
SELECT 'flag', kind, note, placed_at, expires_at, NULL, NULL, NULL, NULL
FROM subject_flags WHERE subject_key = $key AND lifted_at IS NULL
UNION ALL
SELECT 'run', arg_max(model_version, as_of), NULL, CAST(max(as_of) AS TIMESTAMP), NULL, NULL,
       NULL, NULL, NULL
FROM score_runs WHERE model_id = $model AND as_of <= $day AND {ANSWERING_VERSION}
UNION ALL
SELECT 'indexed', NULL, NULL, NULL, NULL, NULL, event_seq, [CAST(event_count AS VARCHAR)], NULL
FROM decision_watermarks WHERE name = 'decision_event_index'
UNION ALL
SELECT 'logged_count', NULL, NULL, NULL, NULL, NULL, COUNT(*), NULL, NULL FROM events"""
# The party's registration unless the gate knows it already (_parties.known_party); the first
# read of the subject's file when the query names its model.
_QUERIES = {(party, file): (_PARTY if party else "") + _STATE
            + ("\nUNION ALL" + GATE_BRANCHES if file else "")
            for party in (True, False) for file in (True, False)}


@dataclass
class _State:
    enrolled: bool = False
    erased_at: datetime | None = None
    party: tuple[str, tuple[Purpose, ...], bool, datetime] | None = None
    consents: list[tuple[int, str, datetime, datetime, datetime | None]] = field(
        default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    run: tuple[str, datetime] | None = None
    indexed_seq: int | None = None
    indexed_count: int | None = None
    logged_count: int = 0
    file_rows: list[tuple[Any, ...]] = field(default_factory=list)


def _read_state(con: duckdb.DuckDBPyConnection, party_id: str, key: int, model: str | None,
                at: datetime, *, read_party: bool) -> _State:
    state = _State()
    rows = con.execute(_QUERIES[read_party, model is not None],
                       {"party": party_id, "key": key, "model": model or "",
                        "day": at.date()}).fetchall()
    for row in rows:
        tag, a, b, t1, t2, t3, i, values, _ = row
        if tag in GATE_TAGS:
            state.file_rows.append(row)
        elif tag == "subject":
            state.enrolled = bool(i)
        elif tag == "erased":
            state.erased_at = t1
        elif tag == "party":
            state.party = (a, tuple(Purpose(p) for p in values), bool(i), t1)
        elif tag == "consent":
            state.consents.append((i, a, t1, t2, t3))
        elif tag == "flag":
            state.flags.append({"kind": a, "note": b, "placed_at": t1, "expires_at": t2})
        elif tag == "run" and a is not None:
            state.run = (a, t1)
        elif tag == "indexed":  # the count travels in the list column, as text
            state.indexed_seq, state.indexed_count = i, int(values[0])
        elif tag == "logged_count":
            state.logged_count = int(i)
    return state


def authorise(
    store: Store,
    *,
    party_id: str,
    subject_id: str,
    purpose: str | Purpose,
    kind: InquiryKind | None = None,
    product_id: str | None = None,
    subject_kinds: Sequence[str] | None = None,
    model: str | None = None,
    now: datetime | None = None,
) -> Access:
    """Check a request; record and raise a refusal, or return the granted access (with the
    latest batch run of ``model``, read in the same round trip)."""
    con = tables(store)
    moment = utcnow(now)
    purpose_text = purpose.value if isinstance(purpose, Purpose) else purpose
    recorded_kind: InquiryKind = kind or "soft"

    def refuse(error: XinyongError, subject_key: int | None) -> NoReturn:
        inquiry_id = record_inquiry(
            con, subject_key=subject_key, party_id=party_id, purpose=purpose_text,
            product_id=product_id, kind=recorded_kind, asked_at=moment, result=REFUSED,
            refusal_code=error.code)
        raise QueryRefused(error, inquiry_id)

    try:
        key, subject_kind = store.find_subject(subject_id)
    except XinyongError as exc:
        refuse(exc, None)
    known = known_party(store, party_id)
    state = _read_state(con, party_id, key, model, moment, read_party=known is None)
    if known is not None:
        state.party = (known.name, known.purposes, known.active, known.registered_at)
    elif state.party is not None:
        remember_party(store, RelyingParty(party_id, *state.party))
    if state.party is None or not state.party[2]:
        refuse(XinyongError("UNKNOWN_PARTY", f"no active relying party '{party_id}'",
                            field="party"), key)
    name, purposes, _, registered_at = state.party
    party = RelyingParty(party_id, name, purposes, True, registered_at)
    try:
        chosen = parse_purpose(purpose_text)
    except XinyongError as exc:
        refuse(exc, key)
    recorded_kind = kind or default_inquiry_kind(chosen)
    profile = store.profile
    if not profile.allows_purpose(chosen):
        refuse(XinyongError("PURPOSE_NOT_ALLOWED", f"the {profile.name} profile does not "
                            f"allow scores to be used for '{chosen}'", field="purpose"), key)
    if product_id is not None and not profile.product_may_use(product_id, chosen):
        refuse(XinyongError("PRODUCT_PURPOSE_NOT_ALLOWED", f"the {profile.name} profile does "
                            f"not let {product_id} use a score for '{chosen}'",
                            field="purpose"), key)
    if subject_kinds is not None and subject_kind not in subject_kinds:
        refuse(XinyongError("PRODUCT_SUBJECT_KIND", f"{product_id} is offered to "
                            f"{', '.join(subject_kinds)} subjects only", field="subject_id"), key)
    if not party.may_ask_for(chosen):
        refuse(XinyongError("PURPOSE_NOT_REGISTERED", f"{party_id} is not registered to ask "
                            f"for '{chosen}'", field="purpose"), key)
    # The subject's participation is checked once the request itself is legitimate, so that a
    # party with no business asking learns nothing about it.
    if state.erased_at is not None:
        refuse(XinyongError("SUBJECT_ERASED", "the subject's personal data was erased: they "
                            "are no longer scored and nothing about them is disclosed",
                            field="subject_id"), key)
    if not state.enrolled:
        refuse(XinyongError("SUBJECT_OPTED_OUT", "the subject does not take part in scoring "
                            "(opted out, or has not opted in where participation is "
                            "voluntary): no score is disclosed", field="subject_id"), key)
    if profile.needs_consent(chosen):
        consents = [Consent(cid, key, party_id, Purpose(p), granted, expires, revoked)
                    for cid, p, granted, expires, revoked in state.consents]
        missing = consent_refusal(consents, party_id, chosen, moment)
        if missing is not None:
            refuse(missing, key)
    status = status_from_flags(state.flags, moment)
    if recorded_kind == "hard" and status.frozen:
        refuse(XinyongError("FILE_FROZEN", "the subject has frozen their file: no hard "
                            "inquiry until they lift the freeze", field="subject_id"), key)
    return Access(key, subject_kind, party, chosen, recorded_kind, product_id, moment, status,
                  None if state.run is None else ScoreRun(str(model), state.run[0],
                                                          state.run[1].date()),
                  (state.indexed_seq, state.indexed_count, state.logged_count),
                  None if model is None else state.file_rows)


def authorise_self(store: Store, subject_id: str, *, now: datetime | None = None) -> Access:
    """The subject's own access to their file (recorded as a soft ``subject_request``)."""
    moment = utcnow(now)
    key, subject_kind = store.find_subject(subject_id)
    party = RelyingParty(SUBJECT_SELF, "the subject", (Purpose.SUBJECT_REQUEST,), True, moment)
    return Access(key, subject_kind, party, Purpose.SUBJECT_REQUEST, "soft", None, moment,
                  file_status(store, key, now=moment))
