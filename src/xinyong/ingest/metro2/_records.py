"""The typed records of a Metro 2 file, the issues found in it and the error for unframeable files.

A :class:`Metro2File` holds the header, one :class:`Metro2Base` per account (with the J1/J2,
K1–K4, L1 and N1 segments appended to it) and the trailer, plus every :class:`Metro2Issue` the
reader found. Amounts are whole dollars, dates are :class:`datetime.date`, blank text is ``""``
and a blank or zero date or amount is ``None``. Identifiers such as the SSN stay strings so
their leading zeros survive.

Bad data never raises: it becomes an issue. Only a file whose records cannot be told apart
raises :class:`Metro2FileError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from xinyong.errors import XinyongError

Metro2Format = Literal["fixed", "variable", "packed"]


class Metro2FileError(XinyongError):
    """The file cannot be framed into records: no descriptor word, or one pointing past the end.

    >>> str(Metro2FileError("M2_RDW", "the descriptor word is not a number", 370))
    'M2_RDW (byte 370): the descriptor word is not a number'
    """

    def __init__(self, code: str, message: str, offset: int) -> None:
        super().__init__(code, message, position=f"byte {offset}")
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Metro2Issue:
    """One problem in one field or record; ``offset`` is its byte offset in the file.

    ``record`` is the 1-based number of the record in the file (the header is record 1).
    """

    record: int
    offset: int
    segment: str
    field: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.segment}.{self.field}" if self.field else self.segment
        return f"{self.code} (record {self.record}, {where}, byte {self.offset}): {self.message}"

    def as_dict(self) -> dict[str, str | int]:
        return {"record": self.record, "offset": self.offset, "segment": self.segment,
                "field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class AssociatedConsumer:
    """A J1 (same address as the base consumer) or J2 (own address) associated consumer."""

    segment: str
    offset: int
    surname: str
    first_name: str
    middle_name: str
    generation_code: str
    ssn: str
    date_of_birth: date | None
    telephone: str
    ecoa_code: str
    consumer_information_indicator: str
    country_code: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    address_indicator: str = ""
    residence_code: str = ""


@dataclass(frozen=True, slots=True)
class OriginalCreditor:
    """K1: the creditor the account was originally owed to."""

    offset: int
    creditor_name: str
    creditor_classification: str


@dataclass(frozen=True, slots=True)
class PurchasedFromSoldTo:
    """K2: who the account was bought from or sold to."""

    offset: int
    purchased_sold_indicator: str
    name: str


@dataclass(frozen=True, slots=True)
class MortgageInformation:
    """K3: the mortgage's agency account number and mortgage identification number (MIN)."""

    offset: int
    agency_identifier: str
    account_number: str
    mortgage_identification_number: str


@dataclass(frozen=True, slots=True)
class SpecializedPayment:
    """K4: deferred or balloon payment terms."""

    offset: int
    specialized_payment_indicator: str
    deferred_payment_start_date: date | None
    balloon_payment_due_date: date | None
    balloon_payment_amount: int | None


@dataclass(frozen=True, slots=True)
class AccountNumberChange:
    """L1: the account's new account number or identification number."""

    offset: int
    change_indicator: str
    new_account_number: str
    new_identification_number: str


@dataclass(frozen=True, slots=True)
class Employment:
    """N1: the consumer's employer."""

    offset: int
    employer_name: str
    address_line_1: str
    address_line_2: str
    city: str
    state: str
    postal_code: str
    occupation: str


@dataclass(frozen=True, slots=True)
class Metro2Header:
    """The header record: who reports and the date of the activity reported."""

    record: int
    offset: int
    record_length: int
    cycle_identifier: str
    innovis_program_identifier: str
    equifax_program_identifier: str
    experian_program_identifier: str
    transunion_program_identifier: str
    activity_date: date | None
    date_created: date | None
    program_date: date | None
    program_revision_date: date | None
    reporter_name: str
    reporter_address: str
    reporter_telephone: str
    software_vendor_name: str
    software_version: str
    prbc_program_identifier: str


@dataclass(frozen=True, slots=True)
class Metro2Base:
    """One account: the base segment and the segments appended to it in the same record."""

    record: int
    offset: int
    record_length: int
    processing_indicator: str
    time_stamp: datetime | None
    identification_number: str
    cycle_identifier: str
    account_number: str
    portfolio_type: str
    account_type: str
    date_opened: date | None
    credit_limit: int | None
    highest_credit: int | None
    terms_duration: str
    terms_frequency: str
    scheduled_monthly_payment: int | None
    actual_payment: int | None
    account_status: str
    payment_rating: str
    payment_history_profile: str
    special_comment: str
    compliance_condition_code: str
    current_balance: int | None
    amount_past_due: int | None
    original_charge_off_amount: int | None
    date_account_information: date | None
    date_first_delinquency: date | None
    date_closed: date | None
    date_last_payment: date | None
    interest_type_indicator: str
    surname: str
    first_name: str
    middle_name: str
    generation_code: str
    ssn: str
    date_of_birth: date | None
    telephone: str
    ecoa_code: str
    consumer_information_indicator: str
    country_code: str
    address_line_1: str
    address_line_2: str
    city: str
    state: str
    postal_code: str
    address_indicator: str
    residence_code: str
    j1: tuple[AssociatedConsumer, ...] = ()
    j2: tuple[AssociatedConsumer, ...] = ()
    k1: OriginalCreditor | None = None
    k2: PurchasedFromSoldTo | None = None
    k3: MortgageInformation | None = None
    k4: SpecializedPayment | None = None
    l1: AccountNumberChange | None = None
    n1: Employment | None = None

    @property
    def associates(self) -> tuple[AssociatedConsumer, ...]:
        """J1 then J2 associated consumers, in file order within each kind."""
        return self.j1 + self.j2


@dataclass(frozen=True, slots=True)
class Metro2Trailer:
    """The trailer record: the totals the furnisher counted, to check against what was read."""

    record: int
    offset: int
    record_length: int
    total_base_records: int | None
    total_status_df: int | None
    total_j1_segments: int | None
    total_j2_segments: int | None
    block_count: int | None
    total_status_da: int | None
    total_status_05: int | None
    total_status_11: int | None
    total_status_13: int | None
    total_status_61: int | None
    total_status_62: int | None
    total_status_63: int | None
    total_status_64: int | None
    total_status_65: int | None
    total_status_71: int | None
    total_status_78: int | None
    total_status_80: int | None
    total_status_82: int | None
    total_status_83: int | None
    total_status_84: int | None
    total_status_88: int | None
    total_status_89: int | None
    total_status_93: int | None
    total_status_94: int | None
    total_status_95: int | None
    total_status_96: int | None
    total_status_97: int | None
    total_ecoa_z: int | None
    total_n1_segments: int | None
    total_k1_segments: int | None
    total_k2_segments: int | None
    total_k3_segments: int | None
    total_k4_segments: int | None
    total_l1_segments: int | None
    total_ssn_all: int | None
    total_ssn_base: int | None
    total_ssn_j1: int | None
    total_ssn_j2: int | None
    total_birth_dates_all: int | None
    total_birth_dates_base: int | None
    total_birth_dates_j1: int | None
    total_birth_dates_j2: int | None
    total_telephones_all: int | None


@dataclass(frozen=True, slots=True)
class Metro2File:
    """A parsed Metro 2 file: its records in file order and every issue found.

    ``blocks`` counts physical blocks as the trailer's block count does: a BDW block, or a
    record outside any block.
    """

    format: Metro2Format
    header: Metro2Header | None
    bases: tuple[Metro2Base, ...]
    trailer: Metro2Trailer | None
    issues: tuple[Metro2Issue, ...]
    blocks: int

    @property
    def ok(self) -> bool:
        """True when the reader found nothing to report."""
        return not self.issues
