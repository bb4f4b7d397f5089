"""Purposes: the fixed list a query must name one of, and the uses that have none.

The enumeration itself lives with the jurisdiction profiles (:class:`xinyong.profiles.Purpose`),
which say which purposes are allowed and which need consent. Here a purpose given as text is
parsed; the uses the platform will never serve (dating, school admission, travel permits …) get
an error of their own, so that a relying party learns that no such purpose exists rather than
that it mistyped one.
"""

from __future__ import annotations

from typing import Literal

from xinyong.errors import XinyongError
from xinyong.profiles import Purpose

InquiryKind = Literal["hard", "soft"]

PURPOSE_TEXT: dict[Purpose, str] = {
    Purpose.EXTENSION_OF_CREDIT: "deciding on an application for credit the subject made",
    Purpose.ACCOUNT_REVIEW: "reviewing an account the subject already holds (limit, renewal)",
    Purpose.COLLECTION_OF_ACCOUNT: "collecting a debt the subject owes",
    Purpose.TENANCY_SCREENING: "deciding on a tenancy the subject applied for",
    Purpose.EMPLOYMENT_SCREENING: "a job the subject applied for, with their authorisation",
    Purpose.INSURANCE_UNDERWRITING: "underwriting insurance the subject applied for",
    Purpose.GOVERNMENT_BENEFITS: "a licence or benefit the subject applied for",
    Purpose.SUBJECT_REQUEST: "a request the subject made themselves (their file, a letter)",
}

# Uses that have no purpose, by design (red line 4). Keys are what people try to send.
FORBIDDEN_USES: dict[str, str] = {
    "dating": "a score is never used to judge a partner or match",
    "school_admission": "a score is never used in school or university admission",
    "travel_permit": "a score is never used to grant or refuse travel; only court and "
                     "registry list entries with a legal basis restrict tickets",
    "public_ranking": "a person's score is never published or ranked",
    "marketing": "a score is never used to target offers the subject did not ask for",
}

# Credit applications leave a hard inquiry; every other purpose a soft one, unless a product
# says otherwise (a pre-qualification is soft even for credit).
HARD_BY_DEFAULT = frozenset({Purpose.EXTENSION_OF_CREDIT})


def parse_purpose(text: str) -> Purpose:
    """The purpose named by ``text``, or an error that says why there is none.

    >>> parse_purpose("tenancy_screening")
    <Purpose.TENANCY_SCREENING: 'tenancy_screening'>
    """
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Purpose(key)
    except ValueError:
        pass
    if key in FORBIDDEN_USES:
        raise XinyongError(
            "PURPOSE_FORBIDDEN",
            f"there is no purpose '{key}': {FORBIDDEN_USES[key]}",
            field="purpose",
        )
    raise XinyongError(
        "UNKNOWN_PURPOSE",
        f"'{text}' is not a purpose; a query names one of: {', '.join(p.value for p in Purpose)}",
        field="purpose",
    )


def default_inquiry_kind(purpose: Purpose) -> InquiryKind:
    return "hard" if purpose in HARD_BY_DEFAULT else "soft"
