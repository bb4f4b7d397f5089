"""The moov-io/metro2 conformance files: the valid ones parse cleanly and alike, crashers fail cleanly.

The fixed-length sample is also compared field by field with moov's JSON rendering of it.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from typing import Any

import pytest

from tests.ingest.metro2.conftest import conformance_file
from xinyong.errors import XinyongError
from xinyong.ingest.metro2 import Metro2File, Metro2FileError, read_metro2

VALID = {
    "unpacked_fixed_file.dat": "fixed",
    "unpacked_variable_file.dat": "variable",
    "packed_file.dat": "packed",
}
CRASHERS = ["invalid_crasher_10c93541.dat", "invalid_crasher_616e90a0.dat"]

# moov's JSON key → our field name, where the plain camelCase → snake_case rule does not give it.
RENAMED = {
    "consumerAccountNumber": "account_number", "actualPaymentAmount": "actual_payment",
    "scheduledMonthlyPaymentAmount": "scheduled_monthly_payment", "socialSecurityNumber": "ssn",
    "dateBirth": "date_of_birth", "telephoneNumber": "telephone",
    "firstLineAddress": "address_line_1", "secondLineAddress": "address_line_2",
    "zipCode": "postal_code", "transUnionProgramIdentifier": "transunion_program_identifier",
    "reporterTelephoneNumber": "reporter_telephone",
    "newConsumerAccountNumber": "new_account_number",
    "firstLineEmployerAddress": "address_line_1", "secondLineEmployerAddress": "address_line_2",
    "employerCity": "city", "employerState": "state",
    "totalStatusCodeDF": "total_status_df", "totalStatusCodeDA": "total_status_da",
    "totalConsumerSegmentsJ1": "total_j1_segments", "totalConsumerSegmentsJ2": "total_j2_segments",
    "totalECOACodeZ": "total_ecoa_z", "totalEmploymentSegments": "total_n1_segments",
    "totalOriginalCreditorSegments": "total_k1_segments",
    "totalPurchasedToSegments": "total_k2_segments",
    "totalMortgageInformationSegments": "total_k3_segments",
    "totalPaymentInformationSegments": "total_k4_segments",
    "totalChangeSegments": "total_l1_segments",
    "totalSocialNumbersAllSegments": "total_ssn_all",
    "totalSocialNumbersBaseSegments": "total_ssn_base",
    "totalSocialNumbersJ1Segments": "total_ssn_j1", "totalSocialNumbersJ2Segments": "total_ssn_j2",
    "totalDatesBirthAllSegments": "total_birth_dates_all",
    "totalDatesBirthBaseSegments": "total_birth_dates_base",
    "totalDatesBirthJ1Segments": "total_birth_dates_j1",
    "totalDatesBirthJ2Segments": "total_birth_dates_j2",
    "totalTelephoneNumbersAllSegments": "total_telephones_all",
}  # fmt: skip
NOT_COMPARED = {"recordDescriptorWord", "recordIdentifier", "segmentIdentifier"}


def field_name(key: str) -> str:
    if key in RENAMED:
        return RENAMED[key]
    if key.startswith("totalStatusCode"):
        return "total_status_" + key.removeprefix("totalStatusCode").lower()
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, datetime):
        return bool(theirs == ours.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if isinstance(ours, date):
        return bool(theirs == f"{ours.isoformat()}T00:00:00Z")
    if isinstance(ours, str) and isinstance(theirs, int):
        return ours.isdigit() and int(ours) == theirs
    return bool(ours == theirs)


def assert_matches(record: Any, rendered: dict[str, Any], what: str) -> int:
    """Every key moov rendered equals our field; every field it left out is blank or zero."""
    compared = 0
    for key, value in rendered.items():
        if key in NOT_COMPARED:
            continue
        name = field_name(key)
        assert hasattr(record, name), f"{what}: no field {name} for {key}"
        assert same(getattr(record, name), value), f"{what}.{name}: {getattr(record, name)!r} != {value!r}"
        compared += 1
    shown = {field_name(key) for key in rendered}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if field.name not in shown and not isinstance(value, tuple | list):
            if field.name in ("record", "offset", "record_length", "segment"):
                continue
            if dataclasses.is_dataclass(value):
                continue
            # moov reads some codes as numbers, so "00" is a zero it leaves out too.
            blank = value in (0, None) or (isinstance(value, str) and not value.strip("0"))
            assert blank, f"{what}.{field.name} = {value!r}; moov left it out"
    return compared


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_files_parse_without_issues(name: str) -> None:
    file = read_metro2(conformance_file(name))
    assert file.format == VALID[name]
    assert file.issues == ()
    assert file.ok
    assert file.header is not None and file.trailer is not None
    assert len(file.bases) == 1
    assert file.blocks == 3


@pytest.mark.parametrize("name", CRASHERS)
def test_crashers_fail_with_a_file_error(name: str) -> None:
    with pytest.raises(Metro2FileError) as caught:
        read_metro2(conformance_file(name))
    error = caught.value
    assert isinstance(error, XinyongError)
    assert error.code in ("M2_RDW", "M2_TRUNCATED")
    assert error.position == f"byte {error.offset}"
    assert 0 <= error.offset < len(conformance_file(name))
    assert error.message and str(error).startswith(error.code)


def test_fixed_file_matches_moovs_json(fixed: bytes, expected: dict[str, Any]) -> None:
    file = read_metro2(fixed)
    assert file.header is not None and file.trailer is not None
    compared = assert_matches(file.header, expected["header"], "header")
    (data,) = expected["data"]
    (base,) = file.bases
    compared += assert_matches(base, data["base"], "base")
    assert len(base.j1) == len(data["j1"]) == 1 and len(base.j2) == len(data["j2"]) == 1
    compared += assert_matches(base.j1[0], data["j1"][0], "j1")
    compared += assert_matches(base.j2[0], data["j2"][0], "j2")
    for segment in ("k3", "l1", "n1"):
        compared += assert_matches(getattr(base, segment), data[segment], segment)
    assert base.k1 is base.k2 is base.k4 is None
    compared += assert_matches(file.trailer, expected["trailer"], "trailer")
    assert compared >= 120


def test_the_sample_facts_from_the_readme(fixed: bytes) -> None:
    file = read_metro2(fixed)
    assert file.header is not None and file.header.record_length == 470
    (base,) = file.bases
    assert base.record_length == 1000
    assert (base.account_number, base.portfolio_type, base.account_type) == ("553723456", "M", "48")
    assert (base.account_status, base.special_comment, base.compliance_condition_code) == (
        "62", "AS", "XA")
    assert base.payment_history_profile == "B" * 24
    assert (base.ecoa_code, base.surname) == ("1", "SMITH-JONES")
    assert file.trailer is not None and file.trailer.record_length == 426


KEY_FIELDS = [
    "identification_number", "account_number", "portfolio_type", "account_type", "date_opened",
    "credit_limit", "highest_credit", "terms_duration", "terms_frequency",
    "scheduled_monthly_payment", "actual_payment", "account_status", "payment_rating",
    "payment_history_profile", "special_comment", "compliance_condition_code",
    "current_balance", "amount_past_due", "original_charge_off_amount",
    "date_account_information", "date_first_delinquency", "date_closed", "date_last_payment",
    "time_stamp", "surname", "first_name", "generation_code", "ssn", "date_of_birth",
    "telephone", "ecoa_code", "country_code", "address_line_1", "address_line_2", "city",
    "state", "postal_code", "address_indicator", "residence_code",
]  # fmt: skip


def comparable(file: Metro2File) -> dict[str, Any]:
    (base,) = file.bases
    associates = [dataclasses.replace(a, offset=0) for a in base.associates]
    return {"base": {name: getattr(base, name) for name in KEY_FIELDS},
            "associates": associates, "k3": dataclasses.replace(base.k3, offset=0) if base.k3 else None,
            "l1": dataclasses.replace(base.l1, offset=0) if base.l1 else None,
            "n1": dataclasses.replace(base.n1, offset=0) if base.n1 else None,
            "header": dataclasses.replace(file.header, offset=0, record_length=0),
            "status_62": file.trailer.total_status_62 if file.trailer else None}


def test_the_three_formats_hold_the_same_records(fixed: bytes, variable: bytes,
                                                 packed: bytes) -> None:
    reference = comparable(read_metro2(fixed))
    assert comparable(read_metro2(variable)) == reference
    packed_file = read_metro2(packed)
    assert comparable(packed_file) == reference
    # The packed sample carries three segments the character samples do not.
    (base,) = packed_file.bases
    assert base.k1 is not None and base.k1.creditor_name == "WETCOSAT INDUSTRIES LTD."
    assert base.k2 is not None and base.k2.name == "Purchased From Name"
    assert base.k4 is not None and base.k4.balloon_payment_amount == 1234
    assert base.k4.deferred_payment_start_date == date(2020, 1, 20)


def test_records_and_segments_carry_their_byte_offsets(fixed: bytes, packed: bytes) -> None:
    file = read_metro2(fixed)
    (base,) = file.bases
    assert (file.header and file.header.offset, base.offset) == (0, 470)
    assert fixed[base.j1[0].offset:base.j1[0].offset + 2] == b"J1"
    assert fixed[base.j2[0].offset:base.j2[0].offset + 2] == b"J2"
    assert base.n1 is not None and fixed[base.n1.offset:base.n1.offset + 2] == b"N1"
    assert file.trailer is not None and fixed[file.trailer.offset + 4:][:7] == b"TRAILER"
    packed_base = read_metro2(packed).bases[0]
    assert packed[packed_base.offset + 4:packed_base.offset + 5] == b"1"
    assert packed_base.k4 is not None and packed[packed_base.k4.offset:][:2] == b"K4"
