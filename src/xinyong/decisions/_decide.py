"""A relying party's query, from the gate to the recorded answer.

:func:`request_score` discloses a subject's score for a purpose; :func:`decide` runs a product's
decision table on it. Both pass :func:`~xinyong.decisions._access.authorise` first (which records
and raises any refusal), then read the stored score, the subject's list entries and restrictions
(their own and, for a legal representative, their organisation's) and the fraud alert, and
record the inquiry with its result in one transaction (a hard inquiry also becomes an
``inquiry.hard`` event). A decline is stored with its adverse-action notice, sent to the subject.

Which model answers: the one the query names (a score request's ``model``, a product's
``model``), else the registry's champion for the subject's kind
(:func:`~xinyong.scoring.registry.champion`). Every shipped product names its model, because its
thresholds and tiers are written on that model's scale; a product file that leaves ``model``
out follows the champion, and is refused (``PRODUCT_MODEL_MISMATCH``) when it asks for tiers
the champion does not have. A scorecard champion explains itself with its own reason sentences
(the bin each reason's lost points name) and scale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from xinyong.decisions._access import Access, QueryRefused, authorise
from xinyong.decisions._adverse import (
    KEY_FACTORS,
    AdverseActionNotice,
    KeyFactor,
    adverse_action_notice,
    provider_name,
)
from xinyong.decisions._conditions import Facts
from xinyong.decisions._event_index import refresh
from xinyong.decisions._inquiries import REFUSED, record_inquiry
from xinyong.decisions._list_catalogue import list_catalogue
from xinyong.decisions._lists import ActiveRestriction, ListEntry, restrictions_binding
from xinyong.decisions._notices import notify
from xinyong.decisions._products import FiredRow, Outcome, Product, load_product
from xinyong.decisions._purposes import InquiryKind
from xinyong.decisions._scores import StoredScore, cached_rulebook, latest_run, no_score_run
from xinyong.decisions._subject_file import (
    SubjectFile,
    read_subject_file,
    subject_file_from_gate,
)
from xinyong.decisions._tables import transaction
from xinyong.errors import XinyongError
from xinyong.profiles import Purpose
from xinyong.scoring.registry import (
    ModelFace,
    champion,
    describe_artifact,
    model_face,
    rulebook_face,
)
from xinyong.store import Store, fetch_one


@dataclass(frozen=True)
class ScoreReport:
    """What a relying party sees of a subject's score."""

    inquiry_id: int
    party_id: str
    purpose: str
    inquiry_kind: InquiryKind
    asked_at: datetime
    subject_kind: str
    score: StoredScore
    scale: tuple[float, float]
    reasons: list[KeyFactor]
    fraud_alert: str | None

    def to_json(self) -> dict[str, Any]:
        return {"inquiry_id": self.inquiry_id, "party": self.party_id, "purpose": self.purpose,
                "inquiry_kind": self.inquiry_kind, "asked_at": self.asked_at.isoformat(),
                "subject_kind": self.subject_kind, **self.score.to_json(),
                "scale": list(self.scale),
                "reasons": [vars(r) for r in self.reasons], "fraud_alert": self.fraud_alert}


@dataclass(frozen=True)
class Decision:
    decision_id: int
    inquiry_id: int
    party_id: str
    purpose: str
    product_id: str
    product_version: str
    inquiry_kind: InquiryKind
    decided_at: datetime
    outcome: Outcome
    score: StoredScore
    facts: Facts
    trace: list[FiredRow]
    list_entries: list[ListEntry]
    restrictions: list[ActiveRestriction]
    fraud_alert: str | None
    notice: AdverseActionNotice | None

    def to_json(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id, "inquiry_id": self.inquiry_id,
            "party": self.party_id, "purpose": self.purpose, "product": self.product_id,
            "product_version": self.product_version, "inquiry_kind": self.inquiry_kind,
            "decided_at": self.decided_at.isoformat(), "outcome": self.outcome,
            "score": self.score.to_json(), "facts": self.facts.to_json(),
            "trace": [f.to_json() for f in self.trace],
            "list_entries": [e.to_json() for e in self.list_entries],
            "restrictions": [r.to_json() for r in self.restrictions],
            "fraud_alert": self.fraud_alert,
            "adverse_action_notice": None if self.notice is None else self.notice.to_json(),
        }


def _read_file(store: Store, access: Access, model: str | None) -> tuple[str, int, SubjectFile]:
    """The model that answers (``model``, else the champion for the subject's kind), the event
    log's last ``event_seq`` once the decisions' event index is current, and what the query
    reads about the subject (its score in the model's latest run …); a failure to find the
    model or its run is recorded as a refused inquiry."""
    con = store.con
    try:
        chosen = model or champion(con, access.subject_kind)
        run = (access.run if model else None) or latest_run(con, chosen, access.asked_at)
        if run is None:
            raise no_score_run(chosen, access.asked_at)
    except XinyongError as exc:
        inquiry_id = record_inquiry(
            con, subject_key=access.subject_key, party_id=access.party.party_id,
            purpose=access.purpose.value, product_id=access.product_id, kind=access.kind,
            asked_at=access.asked_at, result=REFUSED, refusal_code=exc.code)
        raise QueryRefused(exc, inquiry_id) from None
    _, indexed, logged = access.index_state
    last_seq = refresh(con, access.index_state)
    if model and access.file_rows is not None and indexed == logged:
        # the gate read the file too, and the index was current: nothing to read again
        return chosen, last_seq, subject_file_from_gate(
            con, access.file_rows, access.subject_key, access.subject_kind, run,
            access.asked_at)
    return chosen, last_seq, read_subject_file(con, access.subject_key, access.subject_kind,
                                               run, access.asked_at)


def _face(store: Store, model_id: str) -> ModelFace:
    """The scale and reason sentences of ``model_id`` (rulebooks parsed once per process)."""
    try:
        rulebook = cached_rulebook(model_id)
    except XinyongError as exc:
        if exc.code != "UNKNOWN_MODEL":
            raise
        return model_face(model_id, store.home)
    return rulebook_face(rulebook)


def request_score(
    store: Store,
    *,
    party_id: str,
    subject_id: str,
    purpose: str | Purpose,
    kind: InquiryKind | None = None,
    model: str | None = None,
    now: datetime | None = None,
) -> ScoreReport:
    """Disclose the subject's score to a party for a purpose (hard or soft inquiry), under
    ``model`` or, when the query names none, the champion for the subject's kind."""
    access = authorise(store, party_id=party_id, subject_id=subject_id, purpose=purpose,
                       kind=kind, model=model, now=now)
    chosen, last_seq, file = _read_file(store, access, model)
    score = file.score
    face = _face(store, chosen)
    with transaction(store.con):
        inquiry_id = record_inquiry(
            store.con, subject_key=access.subject_key, party_id=party_id,
            purpose=access.purpose.value, product_id=None, kind=access.kind,
            asked_at=access.asked_at, result="disclosed", next_event_seq=last_seq + 1)
    alert = access.file.fraud_alert
    return ScoreReport(
        inquiry_id, party_id, access.purpose.value, access.kind, access.asked_at,
        access.subject_kind, score, face.scale,
        [KeyFactor(c, face.sentence(c, p), p) for c, p in score.reasons],
        None if alert is None else alert.text)


def decide(
    store: Store,
    *,
    party_id: str,
    subject_id: str,
    product: str | Path | Product,
    purpose: str | Purpose,
    now: datetime | None = None,
) -> Decision:
    """Run a product's decision table for a party's request; record it, and notify a decline."""
    chosen = product if isinstance(product, Product) else load_product(product)
    info = chosen.info
    named = info.model if "model" in info.model_fields_set else None
    access = authorise(store, party_id=party_id, subject_id=subject_id, purpose=purpose,
                       kind=info.inquiry, product_id=chosen.id, subject_kinds=info.subject_kinds,
                       model=named, now=now)
    con = store.con
    at = access.asked_at
    model_id, last_seq, file = _read_file(store, access, named)
    score = file.score
    face = _face(store, model_id)
    if named is None:
        _check_tiers(chosen, face, store)
    entries = file.entries
    restrictions = restrictions_binding(con, entries, file.organisations, at, list_catalogue())
    alert = access.file.fraud_alert
    facts = Facts(score.score, score.tier, score.factors,
                  frozenset(e.list_id for e in entries), frozenset(r.code for r in restrictions),
                  alert is not None)
    outcome, fired = chosen.evaluate(facts)
    notice = None
    if outcome == "decline":
        notice = adverse_action_notice(
            store, decided_at=at, party_name=access.party.name, product=chosen,
            subject_key=access.subject_key, score=score, fired=fired, entries=entries,
            restrictions=restrictions, inquiry_times=file.hard_inquiries) if face.rulebook is not None else (
            _scorecard_notice(store, face, at, access.party.name, chosen, score, fired, entries,
                              restrictions))
    with transaction(con):
        inquiry_id = record_inquiry(
            con, subject_key=access.subject_key, party_id=party_id, purpose=access.purpose.value,
            product_id=chosen.id, kind=access.kind, asked_at=at, result=outcome,
            next_event_seq=last_seq + 1)
        row = fetch_one(con.execute(
            "INSERT INTO decisions (decision_id, inquiry_id, subject_key, party_id, purpose, "
            "product_id, product_version, hit_policy, outcome, model_id, model_version, as_of, "
            "score, tier, facts, trace, decided_at) VALUES (nextval('decision_ids'), "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING decision_id",
            [inquiry_id, access.subject_key, party_id, access.purpose.value,
             chosen.id, chosen.version, info.hit_policy, outcome, score.model_id,
             score.model_version, score.as_of, score.score, score.tier,
             json.dumps(facts.to_json()), json.dumps([f.to_json() for f in fired]), at]))
        assert row is not None
        decision_id = int(row[0])
        if notice is not None:
            notice = notice.for_decision(decision_id)
            notify(con, access.subject_key, "adverse_action", notice.to_json(), at=at,
                   decision_id=decision_id)
    return Decision(decision_id, inquiry_id, party_id, access.purpose.value, chosen.id,
                    chosen.version, access.kind, at, outcome, score, facts, fired, entries,
                    restrictions, None if alert is None else alert.text, notice)


def _check_tiers(product: Product, face: ModelFace, store: Store) -> None:
    """Refuse a product that names no model when it asks for tiers the champion lacks."""
    tiers = set(face.tiers)
    wanted = {t for row in product.spec.rows for t in row.when.tier_in or ()}
    if wanted - tiers:
        family = describe_artifact(face.model_id, store.home).family
        raise XinyongError(
            "PRODUCT_MODEL_MISMATCH", f"{product.id} names no model, so it follows the champion "
            f"{face.model_id} ({family}), which has no tier {', '.join(sorted(wanted - tiers))}; "
            "name the product's model in its file", field="model")


def _scorecard_notice(
    store: Store, face: ModelFace, at: datetime, party_name: str, product: Product,
    score: StoredScore, fired: list[FiredRow], entries: list[ListEntry],
    restrictions: list[ActiveRestriction],
) -> AdverseActionNotice:
    """The adverse-action notice under a scorecard: its reasons with the sentences of the bins
    that cost the points, on its scale. (A scorecard counts no inquiries, so there is no fifth
    key factor.)"""
    catalogue = list_catalogue()
    declined_by = {f.row for f in fired if f.outcome == "decline"}
    uses_lists = any(r.when.on_list or r.when.not_on_list or r.when.restricted
                     for r in product.spec.rows if r.id in declined_by)
    weighing = [(e, None) for e in entries] + list({
        r.entry.entry_id: (r.entry, r.organisation)
        for r in restrictions if r.via == "legal_representative"}.values())
    listed = [] if not uses_lists else [
        {"list": catalogue.get(e.list_id).name,
         "grounds": catalogue.get(e.list_id).grounds[e.grounds], "legal_basis": e.legal_basis,
         "authority": e.authority, "case_ref": e.case_ref, "since": e.starts_at.isoformat(),
         "via": "your own entry" if org is None else
                f"you are the legal representative of {org}",
         "restrictions": [catalogue.restrictions[c].description
                          for c in catalogue.get(e.list_id).restrictions]}
        for e, org in weighing]
    return AdverseActionNotice(
        decision_id=0, date=at.date().isoformat(), relying_party=party_name,
        product=product.info.name, outcome="decline", score=score.score, scale=face.scale,
        tier=score.tier, score_as_of=score.as_of.isoformat(), model=score.model_id,
        model_version=score.model_version, provider=provider_name(store),
        unscorable_reason=score.unscorable_reason,
        key_factors=[KeyFactor(c, face.sentence(c, p), p)
                     for c, p in score.reasons[:KEY_FACTORS] if p > 0],
        decisive_rows=[f.to_json() for f in fired if f.outcome == "decline"],
        list_entries=listed)
