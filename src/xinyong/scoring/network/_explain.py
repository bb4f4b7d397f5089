"""Sentences for the ties that moved a subject's relationships factor.

A contribution names the other party only as "a subject" or "an organisation": the subject sees
which of its own declared ties moved its score and by how much, never another person's data.

>>> describe({"tie_type": "relationship.guarantor_of", "effect": "exposure", "points": -9.0,
...           "adverse_event": "loan.defaulted", "adverse_at": date(2026, 3, 14)})
'guarantor of a subject who defaulted on a loan in 2026-03: −9.0'
"""

from __future__ import annotations

from datetime import date
from typing import Any

# What the subject is to the counterparty, for a tie the subject declared (exposure) …
_DECLARED = {
    "relationship.guarantor_of": "guarantor of",
    "relationship.co_borrower_with": "co-borrower with",
    "relationship.legal_representative_of": "legal representative of",
    "relationship.counterparty_of": "business counterparty of",
}
# … and for a tie the counterparty declared towards the subject (trust).
_RECEIVED = {
    "relationship.guarantor_of": "guaranteed by",
    "relationship.co_borrower_with": "co-borrower with",
    "relationship.legal_representative_of": "represented by",
    "relationship.counterparty_of": "business counterparty of",
}
_ADVERSE = {
    "loan.defaulted": "defaulted on a loan",
    "court.judgment_against": "had a court judgment against it",
    "tax.arrears": "fell into tax arrears",
}

__all__ = ["describe"]


def _points(points: float) -> str:
    return f"{points:+.1f}".replace("-", "−")


def describe(contribution: dict[str, Any]) -> str:
    """One line for one entry of a factor row's ``contributions``."""
    tie = str(contribution["tie_type"])
    points = _points(float(contribution["points"]))
    if contribution["effect"] == "exposure":
        event = contribution.get("adverse_event")
        what = _ADVERSE.get(str(event), "had an adverse event")
        at = contribution.get("adverse_at")
        when = f" in {at:%Y-%m}" if isinstance(at, date) else ""
        return f"{_DECLARED.get(tie, tie)} a subject who {what}{when}: {points}"
    return f"{_RECEIVED.get(tie, tie)} a trusted subject: {points}"
