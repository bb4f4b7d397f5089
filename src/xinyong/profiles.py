"""Jurisdiction profiles: the rules that differ between jurisdictions.

A profile names the identifier scheme subjects are known by and whether participation is
mandatory (an unknown subject is enrolled on first report, as at a credit bureau) or voluntary
(reports about a subject who has not opted in are held: stored, never scored, until they do).

It also says what a score may be used for (red line 4): the purposes a relying party may name
(a fixed enumeration, :class:`Purpose`; there is none for dating, school admission or travel
permits), which of them need the subject's explicit consent, and which products may use a score
for which purpose. Any use outside these lists is refused. The purpose rules of the shipped
profiles are illustrative of each regime, not legal advice:

* ``cn-pilot`` asks for written consent for every query (as the PBOC credit reporting rules do);
* ``eu`` asks for consent for every query and does not allow employment screening;
* ``us`` works from permissible purposes (FCRA §604): consent only where the law asks for the
  subject's authorisation (employment screening) or the query is made on the subject's request.

Retention (:class:`RetentionPolicy`): the age after which a negative (adverse) item stops
counting and is purged by ``xinyong maintenance``. Positive items are never purged by retention.

* ``cn-pilot``: 5 years (the PRC Regulation on the Administration of the Credit Reporting
  Industry keeps negative information 5 years from the end of the conduct);
* ``eu``: 5 years, a choice within the GDPR's storage-limitation principle (EU bureaus keep
  negative data 3 to 5 years; 5 matches the shipped rulebooks' expiry);
* ``us``: 7 years (FCRA §605(a)), 10 for ``court.judgment_against``: the catalogue has no
  bankruptcy type, and a bankruptcy adjudication is reported as a court judgment (§605(a)(1)
  allows 10 years for cases under title 11; civil judgments may stay until the statute of
  limitations runs out, often 10 years or more).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from xinyong.errors import XinyongError


class Purpose(StrEnum):
    """What a relying party may use a score for: the fixed list (red line 4)."""

    EXTENSION_OF_CREDIT = "extension_of_credit"
    ACCOUNT_REVIEW = "account_review"
    COLLECTION_OF_ACCOUNT = "collection_of_account"
    TENANCY_SCREENING = "tenancy_screening"
    EMPLOYMENT_SCREENING = "employment_screening"
    INSURANCE_UNDERWRITING = "insurance_underwriting"
    GOVERNMENT_BENEFITS = "government_benefits"
    SUBJECT_REQUEST = "subject_request"


ALL_PURPOSES: frozenset[Purpose] = frozenset(Purpose)

# Which shipped product may use a score for which purpose, in every shipped profile.
SHIPPED_PRODUCT_USES: frozenset[tuple[str, Purpose]] = frozenset({
    ("deposit-free-rental", Purpose.TENANCY_SCREENING),
    ("pay-later", Purpose.EXTENSION_OF_CREDIT),
    ("pay-later", Purpose.ACCOUNT_REVIEW),
    ("visa-support-letter", Purpose.SUBJECT_REQUEST),
    ("mortgage-prequal", Purpose.EXTENSION_OF_CREDIT),
})


# Event types that record something going wrong: retention purges these, never the others.
ADVERSE_EVENT_TYPES: frozenset[str] = frozenset({
    "bill.paid_late", "loan.repaid_late", "loan.defaulted", "contract.breached", "inquiry.hard",
    "court.judgment_against", "tax.arrears", "regulatory.penalty", "supplier.paid_late",
    "deposit.forfeited", "annual_report.missing",
})


@dataclass(frozen=True)
class RetentionPolicy:
    """How many years a negative item counts, with per-type exceptions (``(type, years)``)."""

    negative_years: int
    exceptions: tuple[tuple[str, int], ...] = ()

    def years_for(self, event_type: str) -> int | None:
        """Years the type is kept, or None for a positive type (never purged by retention)."""
        if event_type not in ADVERSE_EVENT_TYPES:
            return None
        return dict(self.exceptions).get(event_type, self.negative_years)


@dataclass(frozen=True)
class JurisdictionProfile:
    name: str
    description: str
    identifier_scheme: str
    enrollment: Literal["mandatory", "voluntary"]
    clock_skew_days: int = 1  # how far in the future an occurred_at may be before it is refused
    purposes: frozenset[Purpose] = ALL_PURPOSES
    consent_required: frozenset[Purpose] = ALL_PURPOSES
    product_uses: frozenset[tuple[str, Purpose]] = SHIPPED_PRODUCT_USES
    retention: RetentionPolicy = RetentionPolicy(5)

    def allows_purpose(self, purpose: Purpose) -> bool:
        return purpose in self.purposes

    def needs_consent(self, purpose: Purpose) -> bool:
        return purpose in self.consent_required

    def product_may_use(self, product_id: str, purpose: Purpose) -> bool:
        """Whether the product may use a score for the purpose here (and the purpose exists)."""
        return purpose in self.purposes and (product_id, purpose) in self.product_uses


PROFILES: dict[str, JurisdictionProfile] = {
    p.name: p
    for p in (
        JurisdictionProfile(
            "cn-pilot", "PRC pilot: resident ID and unified social credit code; mandatory",
            "cn", "mandatory", retention=RetentionPolicy(5),
        ),
        JurisdictionProfile(
            "eu", "European Union: opaque IDs; participation by opt-in only", "generic",
            "voluntary",
            purposes=ALL_PURPOSES - {Purpose.EMPLOYMENT_SCREENING},
            retention=RetentionPolicy(5),
        ),
        JurisdictionProfile(
            "us", "United States: opaque IDs (e.g. from Metro 2); bureau-style enrollment",
            "generic", "mandatory",
            consent_required=frozenset({Purpose.EMPLOYMENT_SCREENING, Purpose.SUBJECT_REQUEST}),
            retention=RetentionPolicy(7, (("court.judgment_against", 10),)),
        ),
    )
}

DEFAULT_PROFILE = "cn-pilot"


def profile(name: str) -> JurisdictionProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise XinyongError(
            "UNKNOWN_PROFILE",
            f"no jurisdiction profile '{name}'; known: {', '.join(PROFILES)}",
            field="profile",
        ) from None
