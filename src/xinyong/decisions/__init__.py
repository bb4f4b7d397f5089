"""Decisions: consent, purposes, inquiries, products, rewards, lists and attestations.

How the parts relate: a relying party (``_parties``) asks for a score or a product decision for
one purpose (``_purposes``; the jurisdiction profile says which are allowed and which need
consent). The gate (``_access``) checks party, purpose, product permission, consent
(``_consent``) and freeze (``_freeze``), and records every refused attempt (``_inquiries``).
A granted query reads the stored score (``_scores``) and the subject's list entries and
restrictions (``_lists``, over the catalogue in ``_list_catalogue``), runs the product's
decision table (``_products``) and records the inquiry and decision (``_decide``); a decline
carries an adverse-action notice (``_adverse``) and may be contested (``_reviews``). Subjects
see rewards (``_rewards``), notices (``_notices``) and mint signed attestations (``_attest``).
"""

from xinyong.decisions._access import Access, QueryRefused, authorise
from xinyong.decisions._adverse import AdverseActionNotice, KeyFactor
from xinyong.decisions._attest import (
    AttestationCheck,
    load_public_key,
    mint_attestation,
    signing_key,
    verify_attestation,
)
from xinyong.decisions._conditions import Condition, Facts
from xinyong.decisions._consent import (
    Consent,
    consents_of,
    grant_consent,
    revoke_consent,
)
from xinyong.decisions._data import shipped_products
from xinyong.decisions._decide import Decision, ScoreReport, decide, request_score
from xinyong.decisions._freeze import (
    FileStatus,
    FraudAlert,
    file_status,
    freeze_file,
    lift_freeze,
    place_fraud_alert,
    remove_fraud_alert,
)
from xinyong.decisions._inquiries import Inquiry, inquiry_history
from xinyong.decisions._list_catalogue import ListCatalogue, ListSpec, list_catalogue
from xinyong.decisions._lists import (
    ActiveRestriction,
    ListEntry,
    add_listing,
    entries_of,
    escalate_listings,
    get_entry,
    published_entries,
    remove_listing,
    restrictions_for,
)
from xinyong.decisions._notices import Notice, notices_for
from xinyong.decisions._parties import (
    SUBJECT_SELF,
    RelyingParty,
    deactivate_party,
    get_party,
    list_parties,
    register_party,
)
from xinyong.decisions._products import FiredRow, Product, load_product, parse_product
from xinyong.decisions._purposes import FORBIDDEN_USES, parse_purpose
from xinyong.decisions._reviews import (
    Review,
    get_review,
    request_review,
    resolve_review,
    review_queue,
)
from xinyong.decisions._rewards import Rewards, RewardTip, RewardView, rewards_for
from xinyong.profiles import Purpose

__all__ = [
    "FORBIDDEN_USES",
    "SUBJECT_SELF",
    "Access",
    "ActiveRestriction",
    "AdverseActionNotice",
    "AttestationCheck",
    "Condition",
    "Consent",
    "Decision",
    "Facts",
    "FileStatus",
    "FiredRow",
    "FraudAlert",
    "Inquiry",
    "KeyFactor",
    "ListCatalogue",
    "ListEntry",
    "ListSpec",
    "Notice",
    "Product",
    "Purpose",
    "QueryRefused",
    "RelyingParty",
    "Review",
    "RewardTip",
    "RewardView",
    "Rewards",
    "ScoreReport",
    "add_listing",
    "authorise",
    "consents_of",
    "deactivate_party",
    "decide",
    "entries_of",
    "escalate_listings",
    "file_status",
    "freeze_file",
    "get_entry",
    "get_party",
    "get_review",
    "grant_consent",
    "inquiry_history",
    "lift_freeze",
    "list_catalogue",
    "list_parties",
    "load_product",
    "load_public_key",
    "mint_attestation",
    "notices_for",
    "parse_product",
    "parse_purpose",
    "place_fraud_alert",
    "published_entries",
    "register_party",
    "remove_fraud_alert",
    "remove_listing",
    "request_review",
    "request_score",
    "resolve_review",
    "restrictions_for",
    "review_queue",
    "revoke_consent",
    "rewards_for",
    "shipped_products",
    "signing_key",
    "verify_attestation",
]
