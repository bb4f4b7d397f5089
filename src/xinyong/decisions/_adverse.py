"""Adverse-action notices: what a subject is told when a product declines them.

A notice carries the score and its scale, up to four key factors (the score's own reason codes,
points lost against the best attainable), plus a fifth when hard inquiries cost points but are
not among the four (as FCRA §609(f) asks), the date, the model and the provider, the rows that
declined, any list entry that weighed with its legal basis and authority, and how to get the
free report, dispute a record and ask a person to review the decision.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from xinyong.decisions._event_index import hard_inquiry_times
from xinyong.decisions._list_catalogue import list_catalogue
from xinyong.decisions._lists import ActiveRestriction, ListEntry
from xinyong.decisions._products import FiredRow, Product
from xinyong.decisions._scores import StoredScore, cached_rulebook
from xinyong.scoring.compile import rule_column
from xinyong.scoring.engine import score_subject
from xinyong.scoring.rulebook import Rulebook
from xinyong.store import Store

DEFAULT_PROVIDER = "xinyong trust-scoring platform"
KEY_FACTORS = 4
FREE_REPORT = ("You may get a free copy of your file within 60 days of this notice: every "
               "inquiry (`xinyong inquiry history YOUR_ID`) and your score's factors and "
               "reasons (`xinyong explain YOUR_ID`).")
DISPUTE = ("If a record in your file is wrong or incomplete, dispute it with the platform free "
           "of charge; the furnisher must investigate, and correct or void the record.")
HUMAN_REVIEW = ("This decision was made automatically. You may contest it and have a person "
                "review it: `xinyong review request {decision_id} --statement TEXT`.")
NOT_THE_DECIDER = ("The provider of the score did not make this decision and cannot tell you "
                   "more about why the relying party declined than this notice does.")


@dataclass(frozen=True)
class KeyFactor:
    code: str
    sentence: str
    points: float  # score points lost against the best attainable


@dataclass(frozen=True)
class AdverseActionNotice:
    decision_id: int
    date: str
    relying_party: str
    product: str
    outcome: str
    score: float | None
    scale: tuple[float, float]
    tier: str | None
    score_as_of: str
    model: str
    model_version: str
    provider: str
    unscorable_reason: str | None
    key_factors: list[KeyFactor] = field(default_factory=list)
    decisive_rows: list[dict[str, Any]] = field(default_factory=list)
    list_entries: list[dict[str, Any]] = field(default_factory=list)
    free_report: str = FREE_REPORT
    dispute: str = DISPUTE
    human_review: str = ""
    statement: str = NOT_THE_DECIDER

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def for_decision(self, decision_id: int) -> AdverseActionNotice:
        """The notice with the number its decision was stored under."""
        return replace(self, decision_id=decision_id,
                       human_review=HUMAN_REVIEW.format(decision_id=decision_id))


def provider_name(store: Store) -> str:
    """The provider named in the home's config.toml (``provider = "…"``), or the default."""
    try:
        config = tomllib.loads((store.home / "config.toml").read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_PROVIDER
    return str(config.get("provider", DEFAULT_PROVIDER))


def key_factors(store: Store, subject_key: int, score: StoredScore,
                rulebook: Rulebook, *, fresh_index: bool = False,
                inquiry_times: list[datetime] | None = None) -> list[KeyFactor]:
    """The score's reasons as key factors, and inquiries as a fifth where they cost points
    (``inquiry_times``: when the subject's hard inquiries happened, if the caller read them)."""
    sentences = rulebook.reason_sentences()
    factors = [KeyFactor(code, sentences.get(code, code), points)
               for code, points in score.reasons[:KEY_FACTORS] if points > 0]
    inquiry_rules = [r for r in rulebook.rules if r.event_type == "inquiry.hard"]
    if score.score is None or not inquiry_rules or score.model_version != rulebook.version:
        return factors
    rule = inquiry_rules[0]
    if any(f.code == rule.rule.code for f in factors):
        return factors
    window = score.as_of - timedelta(days=rule.rule.expiry_days)
    if inquiry_times is None:
        inquiry_times = hard_inquiry_times(store.con, subject_key, fresh=fresh_index)
    counted = [t for t in inquiry_times if window <= t.date() <= score.as_of]
    if not counted:
        return factors  # no hard inquiry counts: skip the scoring query
    detail = score_subject(store, rulebook, subject_key, score.as_of, detail=True)
    lost = (rule.rule.best - float(detail[rule_column(rule)])) * rule.score_weight
    if lost > 1e-6:
        factors.append(KeyFactor(rule.rule.code, rule.rule.reason, round(lost, 6)))
    return factors


def adverse_action_notice(
    store: Store,
    *,
    decided_at: datetime,
    party_name: str,
    product: Product,
    subject_key: int,
    score: StoredScore,
    fired: list[FiredRow],
    entries: list[ListEntry],
    restrictions: list[ActiveRestriction],
    fresh_index: bool = False,
    inquiry_times: list[datetime] | None = None,
) -> AdverseActionNotice:
    """The notice for a declined decision, built before the decision is stored (and numbered
    with :meth:`AdverseActionNotice.for_decision`)."""
    rulebook = cached_rulebook(score.model_id)
    catalogue = list_catalogue()
    declining = [f for f in fired if f.outcome == "decline"]
    declined_by = {f.row for f in declining}
    uses_lists = any(r.when.on_list or r.when.not_on_list or r.when.restricted
                     for r in product.spec.rows if r.id in declined_by)
    listed: list[dict[str, Any]] = []
    if uses_lists:
        weighing = [(e, "direct", None) for e in entries] + list({
            r.entry.entry_id: (r.entry, "legal_representative", r.organisation)
            for r in restrictions if r.via == "legal_representative"}.values())
        for entry, via, organisation in weighing:
            spec = catalogue.get(entry.list_id)
            listed.append({
                "list": spec.name, "grounds": spec.grounds[entry.grounds],
                "legal_basis": entry.legal_basis, "authority": entry.authority,
                "case_ref": entry.case_ref, "since": entry.starts_at.isoformat(),
                "via": "your own entry" if via == "direct" else
                       f"you are the legal representative of {organisation}",
                "restrictions": [catalogue.restrictions[c].description
                                 for c in spec.restrictions]})
    return AdverseActionNotice(
        decision_id=0,
        date=decided_at.date().isoformat(),
        relying_party=party_name,
        product=product.info.name,
        outcome="decline",
        score=score.score,
        scale=(rulebook.spec.scale.min, rulebook.spec.scale.max),
        tier=score.tier,
        score_as_of=score.as_of.isoformat(),
        model=score.model_id,
        model_version=score.model_version,
        provider=provider_name(store),
        unscorable_reason=score.unscorable_reason,
        key_factors=key_factors(store, subject_key, score, rulebook, fresh_index=fresh_index,
                                inquiry_times=inquiry_times),
        decisive_rows=[f.to_json() for f in declining],
        list_entries=listed,
    )
