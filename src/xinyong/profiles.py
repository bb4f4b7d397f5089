"""Jurisdiction profiles: the rules that differ between jurisdictions.

A profile names the identifier scheme subjects are known by and whether participation is
mandatory (an unknown subject is enrolled on first report, as at a credit bureau) or voluntary
(reports about a subject who has not opted in are held: stored, never scored, until they do).
Later issues add purposes, consent and retention ages here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from xinyong.errors import XinyongError


@dataclass(frozen=True)
class JurisdictionProfile:
    name: str
    description: str
    identifier_scheme: str
    enrollment: Literal["mandatory", "voluntary"]
    clock_skew_days: int = 1  # how far in the future an occurred_at may be before it is refused


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
        ),
        JurisdictionProfile(
            "us", "United States: opaque IDs (e.g. from Metro 2); bureau-style enrollment",
            "generic", "mandatory",
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
