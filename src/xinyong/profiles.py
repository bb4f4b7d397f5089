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

Later issues add retention ages here.
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
            "cn", "mandatory",
        ),
        JurisdictionProfile(
            "eu", "European Union: opaque IDs; participation by opt-in only", "generic",
            "voluntary",
            purposes=ALL_PURPOSES - {Purpose.EMPLOYMENT_SCREENING},
        ),
        JurisdictionProfile(
            "us", "United States: opaque IDs (e.g. from Metro 2); bureau-style enrollment",
            "generic", "mandatory",
            consent_required=frozenset({Purpose.EMPLOYMENT_SCREENING, Purpose.SUBJECT_REQUEST}),
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
