"""Every validation code, each raised by a mutated copy of the valid fixed-length sample.

Bad data becomes issues — all of them, located at the offending byte — and only a file that
cannot be cut into records raises ``Metro2FileError``.
"""

from __future__ import annotations

import pytest

from tests.ingest.metro2.conftest import (
    AT,
    BASE,
    J1,
    J2,
    J_ECOA,
    TRAILER,
    Patch,
    conformance_file,
)
from xinyong.ingest.metro2 import Metro2File, Metro2FileError, Metro2Issue, read_metro2


def issues_with(file: Metro2File, code: str) -> list[Metro2Issue]:
    found = [issue for issue in file.issues if issue.code == code]
    assert found, f"no {code} among {[str(i) for i in file.issues]}"
    return found


def only(file: Metro2File, code: str) -> Metro2Issue:
    assert [issue.code for issue in file.issues] == [code], [str(i) for i in file.issues]
    return file.issues[0]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("account_status", b"99", "M2_ACCOUNT_STATUS"),
        ("account_status", b"  ", "M2_ACCOUNT_STATUS"),
        ("payment_rating", b"9", "M2_PAYMENT_RATING"),
        ("compliance_condition_code", b"XZ", "M2_COMPLIANCE_CODE"),
        ("portfolio_type", b"Q", "M2_PORTFOLIO_TYPE"),
        ("ecoa_code", b"9", "M2_ECOA"),
        ("date_opened", b"13452019", "M2_DATE"),
        ("current_balance", b"00000A233", "M2_NUMBER"),
        ("highest_credit", b"-00002438", "M2_NUMBER"),
        ("ssn", b"15932875X", "M2_NUMBER"),
    ],
)
def test_a_bad_base_field_is_an_issue_at_its_offset(patch: Patch, field: str, value: bytes,
                                                    code: str) -> None:
    file = read_metro2(patch((BASE + AT[field], value)))
    # A changed status also changes the trailer's status counts.
    assert {issue.code for issue in file.issues} - {"M2_TRAILER_TOTAL"} == {code}
    (issue,) = issues_with(file, code)
    assert (issue.record, issue.segment, issue.field) == (2, "base", field)
    assert issue.offset == BASE + AT[field]
    assert len(issue.message) > 30
    assert len(file.bases) == 1  # the account is still read


def test_status_codes_that_need_a_rating_flag_a_blank_one(patch: Patch) -> None:
    file = read_metro2(patch((BASE + AT["account_status"], b"13"),
                             (TRAILER + 11 + 9 * 9, b"000000001"),  # status 13 count
                             (TRAILER + 11 + 11 * 9, b"000000000")))  # status 62 count
    issue = only(file, "M2_PAYMENT_RATING")
    assert "needs a payment rating" in issue.message
    fixed = read_metro2(patch((BASE + AT["account_status"], b"13"),
                              (BASE + AT["payment_rating"], b"0"),
                              (TRAILER + 11 + 9 * 9, b"000000001"),
                              (TRAILER + 11 + 11 * 9, b"000000000")))
    assert fixed.issues == ()


def test_each_bad_payment_history_month_is_its_own_issue(patch: Patch) -> None:
    start = BASE + AT["payment_history_profile"]
    file = read_metro2(patch((start + 4, b"X"), (start + 23, b"9")))
    found = issues_with(file, "M2_PAYMENT_HISTORY")
    assert [issue.offset for issue in found] == [start + 4, start + 23]
    assert "month 5" in found[0].message and "month 24" in found[1].message


def test_every_history_code_is_accepted(patch: Patch) -> None:
    start = BASE + AT["payment_history_profile"]
    assert read_metro2(patch((start, b"0123456BDEGHJKL000000000"))).issues == ()


def test_associated_consumers_have_their_ecoa_checked(patch: Patch) -> None:
    file = read_metro2(patch((J1 + J_ECOA, b"Q"), (J2 + J_ECOA, b"8")))
    found = issues_with(file, "M2_ECOA")
    assert [(i.segment, i.offset) for i in found] == [("J1", J1 + J_ECOA), ("J2", J2 + J_ECOA)]


def test_blank_date_of_account_information_is_flagged(patch: Patch) -> None:
    issue = only(read_metro2(patch((BASE + AT["date_account_information"], b"00000000"))),
                 "M2_DATE")
    assert issue.field == "date_account_information" and "blank" in issue.message


def test_an_unknown_segment_identifier_stops_the_record_there(patch: Patch) -> None:
    k3 = BASE + 726
    file = read_metro2(patch((k3, b"Q3")))
    issue = issues_with(file, "M2_SEGMENT_ID")[0]
    assert issue.offset == k3 and "'Q3'" in issue.message
    (base,) = file.bases
    assert base.j1 and base.j2 and base.k3 is None and base.n1 is None
    assert {i.field for i in file.issues if i.code == "M2_TRAILER_TOTAL"} >= {
        "total_k3_segments", "total_l1_segments", "total_n1_segments"}


def test_a_segment_cut_by_its_record_is_truncated(fixed: bytes) -> None:
    # The base record's RDW says 900 bytes and the 100 bytes after them are gone: N1 is cut.
    data = fixed[:BASE] + b"0900" + fixed[BASE + 4:BASE + 900] + fixed[TRAILER:]
    file = read_metro2(data)
    issue = issues_with(file, "M2_TRUNCATED")[0]
    assert (issue.segment, issue.offset) == ("N1", BASE + 820)
    assert file.bases[0].n1 is None and file.bases[0].l1 is not None


def test_a_record_shorter_than_its_layout_is_truncated(fixed: bytes) -> None:
    data = fixed[:BASE] + b"0300" + fixed[BASE + 4:BASE + 300] + fixed[TRAILER:]
    file = read_metro2(data)
    issue = issues_with(file, "M2_TRUNCATED")[0]
    assert (issue.record, issue.offset) == (2, BASE)
    assert file.bases == ()


def test_trailer_totals_are_recounted(patch: Patch) -> None:
    file = read_metro2(patch((TRAILER + 11, b"000000002"), (TRAILER + 11 + 3 * 9, b"000000005")))
    found = issues_with(file, "M2_TRAILER_TOTAL")
    assert [(i.field, i.offset) for i in found] == [
        ("total_base_records", TRAILER + 11), ("total_j1_segments", TRAILER + 38)]
    assert "is 2 but the file holds 1" in found[0].message


def test_status_counts_follow_the_statuses(patch: Patch) -> None:
    file = read_metro2(patch((BASE + AT["account_status"], b"97")))
    assert {i.field for i in issues_with(file, "M2_TRAILER_TOTAL")} == {
        "total_status_62", "total_status_97"}


def test_missing_header_and_trailer(fixed: bytes) -> None:
    headless = read_metro2(fixed[BASE:])
    assert issues_with(headless, "M2_NO_HEADER")[0].record == 1
    assert headless.header is None and len(headless.bases) == 1  # one block fewer, too
    issue = only(read_metro2(fixed[:TRAILER]), "M2_NO_TRAILER")
    assert issue.offset == TRAILER


def test_a_header_in_the_middle_is_out_of_order(fixed: bytes) -> None:
    file = read_metro2(fixed[:BASE] + fixed[:BASE] + fixed[BASE:])
    issue = issues_with(file, "M2_RECORD_ORDER")[0]
    assert (issue.record, issue.offset) == (2, BASE)
    assert file.header is not None and file.header.record == 1
    # The extra record counts as a block the trailer did not.
    assert {i.field for i in issues_with(file, "M2_TRAILER_TOTAL")} == {"block_count"}


def test_all_issues_are_collected_not_just_the_first(patch: Patch) -> None:
    file = read_metro2(patch(
        (BASE + AT["portfolio_type"], b"Q"), (BASE + AT["account_status"], b"99"),
        (BASE + AT["compliance_condition_code"], b"ZZ"), (BASE + AT["ecoa_code"], b"Q"),
        (BASE + AT["date_opened"], b"99999999"), (TRAILER + 11, b"000000007")))
    codes = [issue.code for issue in file.issues]
    for code in ("M2_PORTFOLIO_TYPE", "M2_ACCOUNT_STATUS", "M2_COMPLIANCE_CODE", "M2_ECOA",
                 "M2_DATE", "M2_TRAILER_TOTAL"):
        assert code in codes
    assert [issue.offset for issue in file.issues] == sorted(i.offset for i in file.issues)


def test_variable_lines_with_a_wrong_rdw(variable: bytes) -> None:
    trailer = variable.rindex(b"\n") + 1
    data = variable[:trailer] + b"0999" + variable[trailer + 4:]
    issue = only(read_metro2(data), "M2_RDW")
    assert (issue.record, issue.offset) == (3, trailer)
    lines = variable.split(b"\n")
    garbled = b"\n".join([lines[0], b"XXXX" + lines[1][4:], lines[2]])
    file = read_metro2(garbled)
    assert "M2_RDW" in [issue.code for issue in file.issues]
    assert file.bases == ()


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d[:BASE] + b"X000" + d[BASE + 4:], "M2_RDW"),
        (lambda d: d[:BASE] + b"0003" + d[BASE + 4:], "M2_RDW"),
        (lambda d: d[:BASE] + b"9000" + d[BASE + 4:], "M2_TRUNCATED"),
        (lambda d: d[:1000], "M2_TRUNCATED"),
        (lambda d: b"", "M2_FORMAT"),
        (lambda d: b"   \n  ", "M2_FORMAT"),
        (lambda d: b"HEADER" + d, "M2_FORMAT"),
    ],
)
def test_files_that_cannot_be_framed_raise(fixed: bytes, mutate: object, code: str) -> None:
    assert callable(mutate)
    with pytest.raises(Metro2FileError) as caught:
        read_metro2(mutate(fixed))
    assert caught.value.code == code


@pytest.mark.parametrize("cut", [100, 369, 371, 500, 1377, 1378 + 100, 1743])
def test_a_cut_packed_file_raises_or_reports(packed: bytes, cut: int) -> None:
    try:
        file = read_metro2(packed[:cut])
    except Metro2FileError as error:
        assert error.code in ("M2_RDW", "M2_TRUNCATED")
    else:
        assert not file.ok


def test_packed_descriptor_words_are_checked(packed: bytes) -> None:
    with pytest.raises(Metro2FileError) as caught:
        read_metro2(packed[:370] + b"\x03\xf0\x00\x01" + packed[374:])
    assert (caught.value.code, caught.value.offset) == ("M2_RDW", 370)
    with pytest.raises(Metro2FileError) as caught:  # the RDW leaves no room for the next one
        read_metro2(packed[:374] + b"\x03\xe0\x00\x00" + packed[378:])
    assert (caught.value.code, caught.value.offset) == ("M2_RDW", 374 + 0x3E0)


def test_issues_read_as_sentences(patch: Patch) -> None:
    (issue,) = issues_with(read_metro2(patch((BASE + AT["account_status"], b"99"))),
                           "M2_ACCOUNT_STATUS")
    assert str(issue).startswith("M2_ACCOUNT_STATUS (record 2, base.account_status, byte 593)")
    assert issue.as_dict()["offset"] == 593
    assert "05, 11, 13" in issue.message and "DA, DF" in issue.message


def test_a_repeated_single_segment_keeps_the_first(fixed: bytes) -> None:
    k3 = fixed[BASE + 726:BASE + 766]
    record = fixed[BASE + 4:BASE + 966] + k3.replace(b"Mortgage Number", b"Second Number  ")
    data = fixed[:BASE] + f"{len(record) + 4:04d}".encode() + record + fixed[TRAILER:]
    file = read_metro2(data)
    issue = only(file, "M2_SEGMENT_ID")
    assert issue.offset == BASE + 966 and "second K3" in issue.message
    assert file.bases[0].k3 is not None
    assert file.bases[0].k3.mortgage_identification_number == "Mortgage Number"


@pytest.mark.parametrize(("name", "status_at"), [
    ("unpacked_variable_file.dat", 501 + 123),  # the base line's RDW follows a BDW
    ("packed_file.dat", 374 + 98),  # packed amounts and dates shift the status forward
])
def test_offsets_point_into_every_format(name: str, status_at: int) -> None:
    data = bytearray(conformance_file(name))
    assert data[status_at:status_at + 2] == b"62"
    data[status_at:status_at + 2] = b"6X"
    file = read_metro2(bytes(data))
    (issue,) = issues_with(file, "M2_ACCOUNT_STATUS")
    assert (issue.record, issue.offset) == (2, status_at)
