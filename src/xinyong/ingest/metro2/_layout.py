"""Where each Metro 2 field sits: the character and packed layouts of every record and segment.

A layout is a tuple of :data:`Field` (name, start, end, kind, width) with 0-based offsets from
the start of the record (its RDW) or segment (its identifier). Layouts are written once as
(name, length, kind) in field order; reserved fillers have an empty name. The packed base and
trailer are derived from the character ones: amounts, dates and the time stamp become binary,
everything else stays character.

>>> CHARACTER_BASE[-1][:3], PACKED_BASE[-1][:3]
(('residence_code', 425, 426), ('residence_code', 365, 366))
"""

from __future__ import annotations

from typing import Final

# Field kinds. Character kinds first, then their packed (binary) counterparts.
TEXT: Final = 0  # alphanumeric, surrounding blanks stripped
CODE: Final = 1  # a short code, stripped and interned (it repeats on every record)
RAW: Final = 2  # kept exactly (the 24-month payment history profile)
NUMBER: Final = 3  # zero-filled digits → int
DATE: Final = 4  # MMDDYYYY → date
STAMP: Final = 5  # MMDDYYYYHHMMSS → datetime
DIGITS: Final = 6  # a numeric identifier (SSN, telephone) kept as its digit string
PACKED_NUMBER: Final = 7
PACKED_DATE: Final = 8
PACKED_STAMP: Final = 9
PACKED_DIGITS: Final = 10

Field = tuple[str, int, int, int, int]
Layout = tuple[Field, ...]

_DIGIT_WIDTH: Final = {"ssn": 9, "telephone": 10}
_PACKED: Final = {NUMBER: (PACKED_NUMBER, 5), DATE: (PACKED_DATE, 5), STAMP: (PACKED_STAMP, 8)}


def _layout(spec: list[tuple[str, int, int]]) -> Layout:
    fields: list[Field] = []
    start = 0
    for name, length, kind in spec:
        if name:
            # width: how many characters the value has once decoded (packed digits expand)
            width = _DIGIT_WIDTH[name] if kind == PACKED_DIGITS else length
            fields.append((name, start, start + length, kind, width))
        start += length
    return tuple(fields)


def _packed(spec: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for name, length, kind in spec:
        if name == "ssn":
            out.append((name, 5, PACKED_DIGITS))
        elif name == "telephone":
            out.append((name, 6, PACKED_DIGITS))
        elif kind in _PACKED:
            out.append((name, _PACKED[kind][1], _PACKED[kind][0]))
        else:
            out.append((name, length, kind))
    return out


def layout_length(spec: list[tuple[str, int, int]]) -> int:
    return sum(length for _, length, _ in spec)


HEADER_SPEC: Final = [
    ("", 4, TEXT), ("", 6, TEXT), ("cycle_identifier", 2, CODE),
    ("innovis_program_identifier", 10, TEXT), ("equifax_program_identifier", 10, TEXT),
    ("experian_program_identifier", 5, TEXT), ("transunion_program_identifier", 10, TEXT),
    ("activity_date", 8, DATE), ("date_created", 8, DATE), ("program_date", 8, DATE),
    ("program_revision_date", 8, DATE), ("reporter_name", 40, TEXT),
    ("reporter_address", 96, TEXT), ("reporter_telephone", 10, DIGITS),
    ("software_vendor_name", 40, TEXT), ("software_version", 5, TEXT),
    ("prbc_program_identifier", 10, TEXT),
]  # fmt: skip

BASE_SPEC: Final = [
    ("", 4, TEXT), ("processing_indicator", 1, CODE), ("time_stamp", 14, STAMP), ("", 1, TEXT),
    ("identification_number", 20, TEXT), ("cycle_identifier", 2, CODE),
    ("account_number", 30, TEXT), ("portfolio_type", 1, CODE), ("account_type", 2, CODE),
    ("date_opened", 8, DATE), ("credit_limit", 9, NUMBER), ("highest_credit", 9, NUMBER),
    ("terms_duration", 3, CODE), ("terms_frequency", 1, CODE),
    ("scheduled_monthly_payment", 9, NUMBER), ("actual_payment", 9, NUMBER),
    ("account_status", 2, CODE), ("payment_rating", 1, CODE),
    ("payment_history_profile", 24, RAW), ("special_comment", 2, CODE),
    ("compliance_condition_code", 2, CODE), ("current_balance", 9, NUMBER),
    ("amount_past_due", 9, NUMBER), ("original_charge_off_amount", 9, NUMBER),
    ("date_account_information", 8, DATE), ("date_first_delinquency", 8, DATE),
    ("date_closed", 8, DATE), ("date_last_payment", 8, DATE),
    ("interest_type_indicator", 1, CODE), ("", 17, TEXT),
    ("surname", 25, TEXT), ("first_name", 20, TEXT), ("middle_name", 20, TEXT),
    ("generation_code", 1, CODE), ("ssn", 9, DIGITS), ("date_of_birth", 8, DATE),
    ("telephone", 10, DIGITS), ("ecoa_code", 1, CODE),
    ("consumer_information_indicator", 2, CODE), ("country_code", 2, CODE),
    ("address_line_1", 32, TEXT), ("address_line_2", 32, TEXT), ("city", 20, TEXT),
    ("state", 2, CODE), ("postal_code", 9, TEXT), ("address_indicator", 1, CODE),
    ("residence_code", 1, CODE),
]  # fmt: skip

# The trailer's counts in file order; the blank name is a reserved count-sized filler.
TRAILER_COUNTS: Final = (
    "total_base_records", "", "total_status_df", "total_j1_segments", "total_j2_segments",
    "block_count", "total_status_da", "total_status_05", "total_status_11", "total_status_13",
    "total_status_61", "total_status_62", "total_status_63", "total_status_64",
    "total_status_65", "total_status_71", "total_status_78", "total_status_80",
    "total_status_82", "total_status_83", "total_status_84", "total_status_88",
    "total_status_89", "total_status_93", "total_status_94", "total_status_95",
    "total_status_96", "total_status_97", "total_ecoa_z", "total_n1_segments",
    "total_k1_segments", "total_k2_segments", "total_k3_segments", "total_k4_segments",
    "total_l1_segments", "total_ssn_all", "total_ssn_base", "total_ssn_j1", "total_ssn_j2",
    "total_birth_dates_all", "total_birth_dates_base", "total_birth_dates_j1",
    "total_birth_dates_j2", "total_telephones_all",
)  # fmt: skip
TRAILER_SPEC: Final = [("", 4, TEXT), ("", 7, TEXT)] + [(name, 9, NUMBER) for name in TRAILER_COUNTS]

_ASSOCIATE_SPEC: Final = [
    ("", 2, TEXT), ("", 1, TEXT), ("surname", 25, TEXT), ("first_name", 20, TEXT),
    ("middle_name", 20, TEXT), ("generation_code", 1, CODE), ("ssn", 9, DIGITS),
    ("date_of_birth", 8, DATE), ("telephone", 10, DIGITS), ("ecoa_code", 1, CODE),
    ("consumer_information_indicator", 2, CODE),
]  # fmt: skip
J1_SPEC: Final = [*_ASSOCIATE_SPEC, ("", 1, TEXT)]
J2_SPEC: Final = [
    *_ASSOCIATE_SPEC, ("country_code", 2, CODE), ("address_line_1", 32, TEXT),
    ("address_line_2", 32, TEXT), ("city", 20, TEXT), ("state", 2, CODE),
    ("postal_code", 9, TEXT), ("address_indicator", 1, CODE), ("residence_code", 1, CODE),
    ("", 2, TEXT),
]  # fmt: skip
K1_SPEC: Final = [("", 2, TEXT), ("creditor_name", 30, TEXT), ("creditor_classification", 2, CODE)]
K2_SPEC: Final = [
    ("", 2, TEXT), ("purchased_sold_indicator", 1, CODE), ("name", 30, TEXT), ("", 1, TEXT),
]
K3_SPEC: Final = [
    ("", 2, TEXT), ("agency_identifier", 2, CODE), ("account_number", 18, TEXT),
    ("mortgage_identification_number", 18, TEXT),
]
K4_SPEC: Final = [
    ("", 2, TEXT), ("specialized_payment_indicator", 2, CODE),
    ("deferred_payment_start_date", 8, DATE), ("balloon_payment_due_date", 8, DATE),
    ("balloon_payment_amount", 9, NUMBER), ("", 1, TEXT),
]
L1_SPEC: Final = [
    ("", 2, TEXT), ("change_indicator", 1, CODE), ("new_account_number", 30, TEXT),
    ("new_identification_number", 20, TEXT), ("", 1, TEXT),
]
N1_SPEC: Final = [
    ("", 2, TEXT), ("employer_name", 30, TEXT), ("address_line_1", 32, TEXT),
    ("address_line_2", 32, TEXT), ("city", 20, TEXT), ("state", 2, CODE),
    ("postal_code", 9, TEXT), ("occupation", 18, TEXT), ("", 1, TEXT),
]  # fmt: skip

# Record lengths: the standard character record is 426 bytes, the packed one 366. A record may
# be longer (appended segments, padding) but never shorter.
CHARACTER_RECORD_LENGTH: Final = 426
PACKED_RECORD_LENGTH: Final = 366

CHARACTER_HEADER: Final = _layout(HEADER_SPEC)
CHARACTER_BASE: Final = _layout(BASE_SPEC)
CHARACTER_TRAILER: Final = _layout(TRAILER_SPEC)
# The packed header is the character header cut to 366 bytes (its fields all fit).
PACKED_HEADER: Final = CHARACTER_HEADER
PACKED_BASE: Final = _layout(_packed(BASE_SPEC))
PACKED_TRAILER: Final = _layout(_packed(TRAILER_SPEC))

# Appended segments: identifier → (layout, length). They are character data in both formats.
SEGMENTS: Final = {
    "J1": (_layout(J1_SPEC), layout_length(J1_SPEC)),
    "J2": (_layout(J2_SPEC), layout_length(J2_SPEC)),
    "K1": (_layout(K1_SPEC), layout_length(K1_SPEC)),
    "K2": (_layout(K2_SPEC), layout_length(K2_SPEC)),
    "K3": (_layout(K3_SPEC), layout_length(K3_SPEC)),
    "K4": (_layout(K4_SPEC), layout_length(K4_SPEC)),
    "L1": (_layout(L1_SPEC), layout_length(L1_SPEC)),
    "N1": (_layout(N1_SPEC), layout_length(N1_SPEC)),
}


def _check() -> None:
    # Import-time guard: a typo in a length above would silently shift every later field.
    assert layout_length(BASE_SPEC) == CHARACTER_RECORD_LENGTH
    assert layout_length(_packed(BASE_SPEC)) == PACKED_RECORD_LENGTH
    assert CHARACTER_TRAILER[-1][2] <= CHARACTER_RECORD_LENGTH
    assert PACKED_TRAILER[-1][2] <= PACKED_RECORD_LENGTH
    assert CHARACTER_HEADER[-1][2] <= PACKED_RECORD_LENGTH
    lengths = {key: length for key, (_, length) in SEGMENTS.items()}
    assert lengths == {"J1": 100, "J2": 200, "K1": 34, "K2": 34, "K3": 40, "K4": 30,
                       "L1": 54, "N1": 146}


_check()
