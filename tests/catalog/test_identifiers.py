"""Tests for subject identifiers: check characters, schemes, pseudonyms and generators."""

from __future__ import annotations

import pickle
import stat
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xinyong.catalog.identifiers import (
    GENERIC_SCHEME,
    IDENTIFIER_SCHEMES,
    PRC_REGION_CODES,
    PRC_SCHEME,
    USCC_ALPHABET,
    IdentifierError,
    IdPseudonymiser,
    generate_prc_resident_ids,
    generate_usccs,
    identifier_scheme,
    load_or_create_key,
    mask_identifier,
    new_key,
    prc_resident_check_char,
    uscc_check_char,
    validate_opaque_id,
    validate_prc_resident_id,
    validate_uscc,
)

# The worked examples of GB 11643-1999 and a widely published unified social credit code.
PRC_EXAMPLE = "11010519491231002X"
PRC_EXAMPLE_1880 = "440524188001010014"
USCC_EXAMPLE = "91350100M000100Y43"


def with_prc_check(first17: str) -> str:
    return first17 + prc_resident_check_char(first17)


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


valid_prc_ids = st.builds(
    lambda region, born, sequence: with_prc_check(f"{region}{born:%Y%m%d}{sequence:03d}"),
    st.sampled_from(PRC_REGION_CODES),
    st.dates(min_value=date(1900, 1, 1), max_value=date.today()),
    st.integers(0, 999),
)
valid_usccs = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(with_uscc_check)
# Upper-case replacements only: a lower-case letter is a legitimate spelling, not a typo.
replacement_chars = st.sampled_from(USCC_ALPHABET + "X-/ .IOZ")


def error_of(validate: object, value: str) -> IdentifierError:
    assert callable(validate)
    with pytest.raises(IdentifierError) as caught:
        validate(value)
    return caught.value


# Known examples


def test_published_prc_example_is_valid() -> None:
    assert validate_prc_resident_id(PRC_EXAMPLE) == PRC_EXAMPLE
    assert prc_resident_check_char(PRC_EXAMPLE[:17]) == "X"


def test_prc_lower_case_x_and_surrounding_space_are_normalised() -> None:
    assert validate_prc_resident_id(f"  {PRC_EXAMPLE.lower()}\n") == PRC_EXAMPLE


def test_published_uscc_example_is_valid() -> None:
    assert validate_uscc(USCC_EXAMPLE) == USCC_EXAMPLE
    assert uscc_check_char(USCC_EXAMPLE[:17]) == "3"


def test_uscc_is_upper_cased_and_stripped_but_inner_space_is_kept() -> None:
    assert validate_uscc(f" {USCC_EXAMPLE.lower()} ") == USCC_EXAMPLE
    assert error_of(validate_uscc, "91350100 M000100Y43").code == "ID_LENGTH"


# Check-character properties


@given(valid_prc_ids, st.integers(0, 17), replacement_chars)
def test_any_single_character_change_of_a_prc_id_is_rejected(
    valid: str, position: int, char: str
) -> None:
    assume(valid[position] != char)
    corrupted = valid[:position] + char + valid[position + 1 :]
    assert error_of(validate_prc_resident_id, corrupted).code in {
        "ID_CHARSET",
        "ID_CHECKSUM",
        "ID_BIRTH_DATE",
        "ID_LENGTH",
    }


@given(valid_prc_ids, st.integers(0, 16))
def test_swapping_neighbouring_prc_digits_is_rejected(valid: str, position: int) -> None:
    assume(valid[position] != valid[position + 1])
    swapped = valid[:position] + valid[position + 1] + valid[position] + valid[position + 2 :]
    with pytest.raises(IdentifierError):
        validate_prc_resident_id(swapped)


@given(valid_usccs, st.integers(0, 17), replacement_chars)
def test_any_single_character_change_of_a_uscc_is_rejected(
    valid: str, position: int, char: str
) -> None:
    assume(valid[position] != char)
    corrupted = valid[:position] + char + valid[position + 1 :]
    assert error_of(validate_uscc, corrupted).code in {"ID_CHARSET", "ID_CHECKSUM", "ID_LENGTH"}


@given(valid_usccs, st.integers(0, 16))
def test_swapping_neighbouring_uscc_characters_is_rejected(valid: str, position: int) -> None:
    assume(valid[position] != valid[position + 1])
    swapped = valid[:position] + valid[position + 1] + valid[position] + valid[position + 2 :]
    assert error_of(validate_uscc, swapped).code == "ID_CHECKSUM"


@given(valid_prc_ids)
def test_valid_prc_ids_validate_to_themselves(valid: str) -> None:
    assert validate_prc_resident_id(valid) == valid


# Error codes and messages


@pytest.mark.parametrize(
    ("value", "code", "position"),
    [
        ("", "ID_EMPTY", None),
        ("   ", "ID_EMPTY", None),
        (PRC_EXAMPLE[:17], "ID_LENGTH", None),
        (PRC_EXAMPLE + "0", "ID_LENGTH", None),
        ("1101A519491231002X", "ID_CHARSET", 5),
        ("11010519491231002A", "ID_CHARSET", 18),
        ("\uff11\uff11010519491231002X", "ID_CHARSET", 1),  # full-width digits
        ("110105194912310021", "ID_CHECKSUM", 18),
    ],
)
def test_prc_errors_carry_a_stable_code(value: str, code: str, position: int | None) -> None:
    error = error_of(validate_prc_resident_id, value)
    assert (error.code, error.position, error.field) == (code, position, "subject_id")


def test_prc_length_error_says_what_was_expected() -> None:
    assert "has 18 characters; got 17" in str(error_of(validate_prc_resident_id, PRC_EXAMPLE[:17]))
    assert "18-digit form" in str(error_of(validate_prc_resident_id, "110105491231002"))


@pytest.mark.parametrize(
    "first17",
    [
        "11010519000229001",  # 1900 was not a leap year
        "11010519491301002",  # month 13
        "11010519490000002",  # day 0
        "11010518991231002",  # before 1900
        "11010529990101002",  # in the future
    ],
)
def test_prc_birth_date_must_be_a_real_past_date(first17: str) -> None:
    error = error_of(validate_prc_resident_id, with_prc_check(first17))
    assert (error.code, error.position) == ("ID_BIRTH_DATE", 7)


def test_prc_birth_date_before_1900_is_rejected_even_with_a_correct_check_char() -> None:
    assert error_of(validate_prc_resident_id, PRC_EXAMPLE_1880).code == "ID_BIRTH_DATE"


def test_prc_birth_date_may_be_today_but_not_tomorrow() -> None:
    today = date(2024, 2, 29)
    born_today = with_prc_check(f"110105{today:%Y%m%d}001")
    born_tomorrow = with_prc_check(f"110105{today + timedelta(days=1):%Y%m%d}001")
    assert validate_prc_resident_id(born_today, today=today) == born_today
    with pytest.raises(IdentifierError) as caught:
        validate_prc_resident_id(born_tomorrow, today=today)
    assert caught.value.code == "ID_BIRTH_DATE"


@pytest.mark.parametrize(
    ("value", "code", "position"),
    [
        ("", "ID_EMPTY", None),
        (USCC_EXAMPLE[:-1], "ID_LENGTH", None),
        ("91350100I000100Y43", "ID_CHARSET", 9),  # I, O, S, V and Z are not in the alphabet
        ("9135010OM000100Y43", "ID_CHARSET", 8),
        ("91350100M000100Y4Z", "ID_CHARSET", 18),
        ("91350100M000100Y44", "ID_CHECKSUM", 18),
    ],
)
def test_uscc_errors_carry_a_stable_code(value: str, code: str, position: int | None) -> None:
    error = error_of(validate_uscc, value)
    assert (error.code, error.position) == (code, position)


@pytest.mark.parametrize(
    ("validate", "value"),
    [
        (validate_prc_resident_id, "110105194912310021"),  # checksum
        (validate_prc_resident_id, "11010519491231002"),  # length
        (validate_prc_resident_id, with_prc_check("11010519491301002")),  # birth date
        (validate_uscc, "91350100M000100Y44"),
        (validate_opaque_id, "customer-" + "0" * 80),
    ],
)
def test_messages_show_only_a_masked_identifier(validate: object, value: str) -> None:
    message = str(error_of(validate, value))
    assert value not in message
    assert value[4:-4] not in message
    assert mask_identifier(value) in message


def test_mask_hides_everything_but_both_ends() -> None:
    assert mask_identifier(PRC_EXAMPLE) == "1101**********002X"
    assert mask_identifier("12345678") == "12****78"
    assert mask_identifier("abc") == "***"


def test_error_field_follows_the_caller() -> None:
    with pytest.raises(IdentifierError) as caught:
        PRC_SCHEME.validate("person", "123", field="guarantor_id")
    assert caught.value.field == "guarantor_id"


def test_identifier_error_survives_pickling() -> None:
    error = error_of(validate_uscc, "91350100M000100Y44")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.field, copy.position, str(copy)) == (
        error.code,
        error.field,
        error.position,
        str(error),
    )


# Schemes


def test_prc_scheme_validates_persons_and_organisations() -> None:
    assert PRC_SCHEME.validate("person", PRC_EXAMPLE.lower()) == PRC_EXAMPLE
    assert PRC_SCHEME.validate("organisation", USCC_EXAMPLE) == USCC_EXAMPLE
    with pytest.raises(IdentifierError):
        PRC_SCHEME.validate("person", USCC_EXAMPLE)


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("C", "Z")) | st.just(" "),
        min_size=1,
        max_size=64,
    ).filter(lambda text: text == text.strip())
)
def test_generic_scheme_accepts_any_short_printable_identifier(value: str) -> None:
    assert GENERIC_SCHEME.validate("person", value) == value
    assert GENERIC_SCHEME.validate("organisation", value) == value


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "ID_EMPTY"), (" \t ", "ID_EMPTY"), ("x" * 65, "ID_TOO_LONG"), ("a\x00b", "ID_CHARSET")],
)
def test_generic_scheme_rejects_empty_long_and_control_characters(value: str, code: str) -> None:
    assert error_of(validate_opaque_id, value).code == code


def test_generic_scheme_strips_surrounding_space() -> None:
    assert GENERIC_SCHEME.validate("person", "  42  ") == "42"


def test_unknown_subject_kind_is_rejected() -> None:
    with pytest.raises(IdentifierError) as caught:
        GENERIC_SCHEME.validate("company", "42")
    assert (caught.value.code, caught.value.field) == ("SUBJECT_KIND", "kind")


def test_schemes_are_found_by_name() -> None:
    assert identifier_scheme("cn") is PRC_SCHEME
    assert identifier_scheme(" Generic ") is GENERIC_SCHEME
    assert set(IDENTIFIER_SCHEMES) == {"cn", "generic"}


def test_unknown_scheme_error_lists_the_known_schemes() -> None:
    with pytest.raises(IdentifierError) as caught:
        identifier_scheme("us")
    assert caught.value.code == "UNKNOWN_SCHEME"
    assert "cn, generic" in str(caught.value)


# Pseudonyms and keys


@given(st.one_of(valid_prc_ids, valid_usccs, st.text(min_size=1, max_size=64)))
def test_pseudonym_is_stable_per_key_and_differs_between_keys(value: str) -> None:
    first, second = IdPseudonymiser(b"k" * 32), IdPseudonymiser(b"q" * 32)
    assert first.pseudonym(value) == IdPseudonymiser(b"k" * 32).pseudonym(value)
    assert first.pseudonym(value) != second.pseudonym(value)
    assert first.pseudonym(value) != value
    assert len(first.pseudonym(value)) == 64


def test_pseudonymiser_refuses_short_keys_and_hides_its_key() -> None:
    with pytest.raises(IdentifierError) as caught:
        IdPseudonymiser(b"short")
    assert caught.value.code == "KEY_TOO_SHORT"
    key = new_key()
    assert len(key) == 32 and key != new_key()
    assert key.hex() not in repr(IdPseudonymiser(key))


def test_key_file_is_created_private_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "state" / "keys" / "pseudonym.key"
    key = load_or_create_key(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert load_or_create_key(path, create=False) == key
    assert load_or_create_key(path, create=True) == key


def test_missing_key_file_tells_to_run_init(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    with pytest.raises(IdentifierError) as caught:
        load_or_create_key(path, create=False)
    assert caught.value.code == "NO_KEY"
    assert "xinyong init" in str(caught.value)
    assert not path.exists()


@pytest.mark.parametrize("content", ["not hex", "abcd", ""])
def test_damaged_key_file_is_reported(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pseudonym.key"
    path.write_text(content)
    with pytest.raises(IdentifierError) as caught:
        load_or_create_key(path, create=True)
    assert caught.value.code == "BAD_KEY"


# Generators


@given(st.integers(0, 2**32), st.integers(0, 300))
def test_generated_prc_ids_are_valid_and_unique(seed: int, n: int) -> None:
    ids = generate_prc_resident_ids(np.random.default_rng(seed), n)
    assert len(ids) == n == len(set(ids))
    assert all(validate_prc_resident_id(value) == value for value in ids)
    assert all(1950 <= int(value[6:10]) <= 2006 for value in ids)


@given(st.integers(0, 2**32), st.integers(0, 300))
def test_generated_usccs_are_valid_and_unique(seed: int, n: int) -> None:
    codes = generate_usccs(np.random.default_rng(seed), n)
    assert len(codes) == n == len(set(codes))
    assert all(validate_uscc(code) == code for code in codes)


def test_large_generated_batches_are_unique() -> None:
    rng = np.random.default_rng(7)
    ids = generate_prc_resident_ids(rng, 200_000, birth_years=(1990, 1990))
    codes = generate_usccs(rng, 200_000)
    assert len(set(ids)) == len(ids) and len(set(codes)) == len(codes)
    assert {value[6:10] for value in ids} == {"1990"}
    assert all(validate_prc_resident_id(value) == value for value in ids[::1000])
    assert all(validate_uscc(code) == code for code in codes[::1000])


def test_generation_is_reproducible_from_the_seed() -> None:
    def draw(seed: int) -> list[str]:
        return generate_prc_resident_ids(np.random.default_rng(seed), 50)

    assert draw(3) == draw(3)
    assert draw(3) != draw(4)


def test_generated_birth_dates_never_lie_in_the_future() -> None:
    ids = generate_prc_resident_ids(np.random.default_rng(0), 2_000, (date.today().year, 2100))
    assert all(validate_prc_resident_id(value) == value for value in ids)


@pytest.mark.parametrize("birth_years", [(1899, 1950), (1990, 1980), (2200, 2300)])
def test_generator_rejects_impossible_birth_years(birth_years: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="birth_years"):
        generate_prc_resident_ids(np.random.default_rng(0), 1, birth_years)


def test_generators_reject_negative_counts() -> None:
    with pytest.raises(ValueError):
        generate_usccs(np.random.default_rng(0), -1)
