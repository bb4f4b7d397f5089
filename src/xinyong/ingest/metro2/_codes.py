"""Metro 2 code sets: the values a field may take and what the mapping reads from them.

The reader validates fields against these sets; the mapping turns account status and payment
history codes into conduct events. Blank is spelled ``""`` because the reader strips fields.

>>> "62" in ACCOUNT_STATUS_CODES, "W" in ECOA_CODES
(True, True)
"""

from __future__ import annotations

from typing import Final

# Account status (base segment, field 17A). DA/DF delete the account from the consumer's file.
ACCOUNT_STATUS_CODES: Final = frozenset({
    "05", "11", "13", "61", "62", "63", "64", "65", "71", "78", "80", "82", "83", "84", "88",
    "89", "93", "94", "95", "96", "97", "DA", "DF",
})
STATUS_DELETES_ACCOUNT: Final = frozenset({"DA", "DF"})

# Payment rating (17B): required when the status alone does not say how the account stood.
PAYMENT_RATING_CODES: Final = frozenset({"", "0", "1", "2", "3", "4", "5", "6", "G", "L"})
STATUS_NEEDS_PAYMENT_RATING: Final = frozenset({"05", "13", "65", "88", "89", "94", "95"})

# Payment history profile (18): one character per month, most recent first.
PAYMENT_HISTORY_CODES: Final = frozenset("0123456BDEGHJKL")

# ECOA (37): who is liable. W = business/commercial, Z = delete this consumer from the account.
ECOA_CODES: Final = frozenset({"1", "2", "3", "5", "7", "T", "X", "W", "Z"})
ECOA_BUSINESS: Final = "W"
ECOA_DELETE_CONSUMER: Final = "Z"

# Compliance condition code (20). XB = the consumer disputes the account under the FCRA. A code
# stands until another code replaces it or XR removes it; blank reports no change.
COMPLIANCE_CONDITION_CODES: Final = frozenset(
    {"", "XA", "XB", "XC", "XD", "XE", "XF", "XG", "XH", "XJ", "XR"}
)
CCC_DISPUTED: Final = "XB"
# In dispute: under the FCRA (XB; XD closed at the consumer's request) or the Fair Credit Billing
# Act (XF; XJ closed at the consumer's request).
CCC_IN_DISPUTE: Final = frozenset({"XB", "XD", "XF", "XJ"})
# Investigation completed, the consumer disagrees (XC FCRA, XE closed account, XG FCBA).
CCC_CONSUMER_DISAGREES: Final = frozenset({"XC", "XE", "XG"})
# No dispute any more: XH resolved, XR removes the last code, XA closed at the consumer's request.
CCC_NO_DISPUTE: Final = frozenset({"XA", "XH", "XR"})

PORTFOLIO_TYPES: Final = frozenset("CIMOR")

# Days past due for late codes, shared by payment history characters, ratings and statuses.
LATE_DAYS_BY_RATING: Final = {"1": 30, "2": 60, "3": 90, "4": 120, "5": 150, "6": 180}
LATE_DAYS_BY_STATUS: Final = {"71": 30, "78": 60, "80": 90, "82": 120, "83": 150, "84": 180}

# Statuses that report a default (charge-off, collection, repossession, foreclosure …), whether
# still open or since paid: the loss happened, so the mapping records it once.
STATUS_DEFAULTED: Final = frozenset(
    {"61", "62", "63", "64", "88", "89", "93", "94", "95", "96", "97"})
STATUS_CURRENT: Final = "11"
# Statuses that do not say by themselves how the account stood; their payment rating does.
STATUS_RATED: Final = frozenset({"05", "13", "65"})
RATING_DEFAULTED: Final = frozenset({"G", "L"})

# Payment history characters that report a default: L charge-off, G collection,
# H foreclosure completed, J voluntary surrender, K repossession.
HISTORY_DEFAULTED: Final = frozenset("GHJKL")


def describe(codes: frozenset[str]) -> str:
    """The code set as a sorted, readable list, blank shown as ``blank``.

    >>> describe(frozenset({"", "XA", "XB"}))
    'XA, XB or blank'
    """
    listed = sorted(code for code in codes if code)
    text = ", ".join(listed)
    return f"{text} or blank" if "" in codes else text
