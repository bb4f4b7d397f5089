"""Decoding one framed record into its typed dataclass, with record-level validation.

:class:`RecordDecoder` turns the bytes of a header, base (with its appended segments) or
trailer record into :mod:`._records` dataclasses, following the layouts in :mod:`._layout`
through :class:`._fields.FieldReader`. Every code outside its code set becomes a
:class:`Metro2Issue` at the field's byte offset; decoding never raises on bad bytes.
"""

from __future__ import annotations

from typing import Any, Final

from xinyong.ingest.metro2 import _codes as codes
from xinyong.ingest.metro2 import _layout as lay
from xinyong.ingest.metro2._fields import FieldPlan, FieldReader
from xinyong.ingest.metro2._records import (
    AccountNumberChange,
    AssociatedConsumer,
    Employment,
    Metro2Base,
    Metro2Header,
    Metro2Trailer,
    MortgageInformation,
    OriginalCreditor,
    PurchasedFromSoldTo,
    SpecializedPayment,
)

# Single-occurrence segments: identifier → (dataclass, position among Metro2Base's segments).
_SINGLE_SEGMENTS: Final[dict[str, tuple[type, int]]] = {
    "K1": (OriginalCreditor, 2), "K2": (PurchasedFromSoldTo, 3), "K3": (MortgageInformation, 4),
    "K4": (SpecializedPayment, 5), "L1": (AccountNumberChange, 6), "N1": (Employment, 7),
}  # fmt: skip
_SEGMENT_PLANS: Final = {ident: FieldPlan(layout, length)
                         for ident, (layout, length) in lay.SEGMENTS.items()}
_J2_ONLY: Final = ("",) * (len(_SEGMENT_PLANS["J2"].names) - len(_SEGMENT_PLANS["J1"].names))
# (header, base, trailer) plans by format: built once, they cache their dataclass setters.
_PLANS: Final = {
    packed: (FieldPlan(lay.PACKED_HEADER if packed else lay.CHARACTER_HEADER),
             FieldPlan(lay.PACKED_BASE if packed else lay.CHARACTER_BASE),
             FieldPlan(lay.PACKED_TRAILER if packed else lay.CHARACTER_TRAILER))
    for packed in (False, True)
}
_ECOA_AT: Final = _SEGMENT_PLANS["J1"].starts["ecoa_code"]


class RecordDecoder(FieldReader):
    """Decodes the records of one file (character or packed) and collects their issues.

    >>> decoder = RecordDecoder(packed=False)
    >>> decoder.base(b"0100" + b" " * 96, record=2, offset=470) is None
    True
    >>> decoder.issues[0].code
    'M2_TRUNCATED'
    """

    def __init__(self, *, packed: bool) -> None:
        super().__init__()
        self.record_length = lay.PACKED_RECORD_LENGTH if packed else lay.CHARACTER_RECORD_LENGTH
        self._header, self._base, self._trailer = _PLANS[packed]

    def _long_enough(self, data: bytes, what: str, record: int, offset: int) -> bool:
        self.flagged = set()
        if len(data) >= self.record_length:
            return True
        self.issue(record, offset, what, "", "M2_TRUNCATED",
                   f"record {record} is {len(data)} bytes long but a {what} record needs "
                   f"{self.record_length}; check its record descriptor word (RDW) and that "
                   "the record was not cut short")
        return False

    def header(self, data: bytes, record: int, offset: int) -> Metro2Header | None:
        if not self._long_enough(data, "header", record, offset):
            return None
        values = self.decode(self._header, data, data.decode("latin-1"), "header", record,
                             offset)
        header = self._header.build(Metro2Header, (record, offset, len(data)), values)
        if header.activity_date is None and "activity_date" not in self.flagged:
            self.issue(record, offset + self._header.starts["activity_date"], "header",
                       "activity_date", "M2_DATE",
                       "the header's activity date is blank; report the date (MMDDYYYY) the "
                       "file's account information is as of")
        return header

    def trailer(self, data: bytes, record: int, offset: int) -> Metro2Trailer | None:
        if not self._long_enough(data, "trailer", record, offset):
            return None
        values = self.decode(self._trailer, data, data.decode("latin-1"), "trailer",
                             record, offset)
        return self._trailer.build(Metro2Trailer, (record, offset, len(data)), values)

    def base(self, data: bytes, record: int, offset: int) -> Metro2Base | None:
        if not self._long_enough(data, "base", record, offset):
            return None
        text = data.decode("latin-1")
        values = self.decode(self._base, data, text, "base", record, offset)
        segments = self._segments(text, record, offset)
        base = self._base.build(Metro2Base, (record, offset, len(data)), values, segments)
        self._check_base(base)
        return base

    def _check_base(self, base: Metro2Base) -> None:
        at = self._base.starts
        record, offset = base.record, base.offset
        if base.portfolio_type not in codes.PORTFOLIO_TYPES:
            self.issue(record, offset + at["portfolio_type"], "base", "portfolio_type",
                       "M2_PORTFOLIO_TYPE",
                       f"portfolio type {base.portfolio_type!r} is not one of "
                       f"{codes.describe(codes.PORTFOLIO_TYPES)} (line of credit, installment, "
                       "mortgage, open, revolving)")
        status = base.account_status
        if status not in codes.ACCOUNT_STATUS_CODES:
            self.issue(record, offset + at["account_status"], "base", "account_status",
                       "M2_ACCOUNT_STATUS",
                       f"account status {status!r} is not a Metro 2 status code; report one of "
                       f"{codes.describe(codes.ACCOUNT_STATUS_CODES)}")
        rating = base.payment_rating
        if rating not in codes.PAYMENT_RATING_CODES:
            self.issue(record, offset + at["payment_rating"], "base", "payment_rating",
                       "M2_PAYMENT_RATING",
                       f"payment rating {rating!r} is not one of "
                       f"{codes.describe(codes.PAYMENT_RATING_CODES)}")
        elif not rating and status in codes.STATUS_NEEDS_PAYMENT_RATING:
            self.issue(record, offset + at["payment_rating"], "base", "payment_rating",
                       "M2_PAYMENT_RATING",
                       f"account status {status} needs a payment rating (0–6, G or L) saying "
                       "how the account stood in the month reported; it is blank")
        history = base.payment_history_profile
        if not codes.PAYMENT_HISTORY_CODES.issuperset(history):
            start = offset + at["payment_history_profile"]
            for month, char in enumerate(history, 1):
                if char not in codes.PAYMENT_HISTORY_CODES:
                    self.issue(record, start + month - 1, "base", "payment_history_profile",
                               "M2_PAYMENT_HISTORY",
                               f"payment history month {month} is {char!r}; each of the 24 "
                               "months must be one of "
                               f"{codes.describe(codes.PAYMENT_HISTORY_CODES)}")
        ccc = base.compliance_condition_code
        if ccc not in codes.COMPLIANCE_CONDITION_CODES:
            self.issue(record, offset + at["compliance_condition_code"], "base",
                       "compliance_condition_code", "M2_COMPLIANCE_CODE",
                       f"compliance condition code {ccc!r} is not one of "
                       f"{codes.describe(codes.COMPLIANCE_CONDITION_CODES)}")
        self._check_ecoa(base.ecoa_code, "base", record, offset + at["ecoa_code"])
        for associate in base.associates:
            self._check_ecoa(associate.ecoa_code, associate.segment, record,
                             associate.offset + _ECOA_AT)
        if (base.date_account_information is None
                and "date_account_information" not in self.flagged):
            self.issue(record, offset + at["date_account_information"], "base",
                       "date_account_information", "M2_DATE",
                       "the date of account information is blank; every account must say "
                       "(MMDDYYYY) which date its balance and status are as of")

    def _check_ecoa(self, ecoa: str, segment: str, record: int, offset: int) -> None:
        if ecoa not in codes.ECOA_CODES:
            self.issue(record, offset, segment, "ecoa_code", "M2_ECOA",
                       f"ECOA code {ecoa!r} is not one of {codes.describe(codes.ECOA_CODES)}")

    def _segments(self, text: str, record: int, offset: int) -> list[Any]:
        """Metro2Base's segment fields: (j1, j2, k1, k2, k3, k4, l1, n1)."""
        found: list[Any] = [(), (), None, None, None, None, None, None]
        associates: dict[str, list[AssociatedConsumer]] = {"J1": [], "J2": []}
        pos, end = self.record_length, len(text)
        while pos < end:
            ident = text[pos:pos + 2]
            plan = _SEGMENT_PLANS.get(ident)
            if plan is None:
                if text[pos:].strip(" \x00"):
                    self.issue(record, offset + pos, ident, "segment_identifier",
                               "M2_SEGMENT_ID",
                               f"{ident!r} at byte {offset + pos} is not a segment identifier "
                               "(J1, J2, K1, K2, K3, K4, L1 or N1) and is not blank padding; "
                               f"the rest of record {record} was not read")
                break
            if pos + plan.length > end:
                self.issue(record, offset + pos, ident, "", "M2_TRUNCATED",
                           f"the {ident} segment at byte {offset + pos} needs {plan.length} "
                           f"bytes but record {record} ends after {end - pos}; the segment was "
                           "skipped — check the record descriptor word (RDW)")
                break
            segment = text[pos:pos + plan.length]
            values = self.decode(plan, b"", segment, ident, record, offset + pos)
            if ident in associates:
                tail = _J2_ONLY if ident == "J1" else ()
                associates[ident].append(
                    plan.build(AssociatedConsumer, (ident, offset + pos), values, tail))
            else:
                cls, slot = _SINGLE_SEGMENTS[ident]
                if found[slot] is None:
                    found[slot] = plan.build(cls, (offset + pos,), values)
                else:
                    self.issue(record, offset + pos, ident, "segment_identifier",
                               "M2_SEGMENT_ID",
                               f"record {record} has a second {ident} segment; an account "
                               "carries at most one, so the first was kept")
            pos += plan.length
        found[0], found[1] = tuple(associates["J1"]), tuple(associates["J2"])
        return found
