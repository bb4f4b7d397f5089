"""Identifiers of credit subjects: validation, pseudonyms and synthetic generation.

A subject is a person or an organisation, and which identifier it carries depends on the
jurisdiction, so callers validate through an :class:`IdentifierScheme`. ``PRC_SCHEME``
checks the PRC resident identity number (GB 11643-1999) for persons and the unified social
credit code (GB 32100-2015) for organisations; ``GENERIC_SCHEME`` accepts any short opaque
identifier. Validators return the normalised identifier, and that normalised form is what
:class:`IdPseudonymiser` turns into the keyed pseudonym stored in place of the raw ID.
``generate_prc_resident_ids`` and ``generate_usccs`` build large batches of valid, unique
identifiers for the synthetic population with numpy, without a Python loop per identifier.

Error messages never carry a full identifier, only its :func:`mask_identifier` form,
because they end up in logs.

>>> validate_prc_resident_id(" 11010519491231002x ")
'11010519491231002X'
>>> identifier_scheme("cn").validate("organisation", "91350100M000100Y43")
'91350100M000100Y43'
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol, cast

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "GENERIC_ID_MAX_LENGTH",
    "GENERIC_SCHEME",
    "IDENTIFIER_SCHEMES",
    "PRC_REGION_CODES",
    "PRC_SCHEME",
    "PSEUDONYM_KEY_BYTES",
    "SUBJECT_KINDS",
    "USCC_ALPHABET",
    "IdPseudonymiser",
    "IdentifierError",
    "IdentifierScheme",
    "generate_prc_resident_ids",
    "generate_usccs",
    "identifier_scheme",
    "load_or_create_key",
    "mask_identifier",
    "new_key",
    "prc_resident_check_char",
    "uscc_check_char",
    "validate_opaque_id",
    "validate_prc_resident_id",
    "validate_uscc",
]

SUBJECT_KINDS: tuple[str, ...] = ("person", "organisation")
GENERIC_ID_MAX_LENGTH = 64
PSEUDONYM_KEY_BYTES = 32

# Real county-level administrative division codes (GB/T 2260), used by the generators.
PRC_REGION_CODES: tuple[str, ...] = (
    "110101", "110102", "110105", "110108",  # Beijing: Dongcheng, Xicheng, Chaoyang, Haidian
    "120101",  # Tianjin: Heping
    "310101", "310104", "310115",  # Shanghai: Huangpu, Xuhui, Pudong
    "320102",  # Nanjing: Xuanwu
    "330102", "330106",  # Hangzhou: Shangcheng, Xihu
    "350102",  # Fuzhou: Gulou
    "370102",  # Jinan: Lixia
    "420106",  # Wuhan: Wuchang
    "440103", "440106", "440305",  # Guangzhou: Liwan, Tianhe; Shenzhen: Nanshan
    "500103",  # Chongqing: Yuzhong
    "510104", "510107",  # Chengdu: Jinjiang, Wuhou
    "610113",  # Xi'an: Yanta
)  # fmt: skip

_DIGITS = frozenset("0123456789")

_PRC_NAME = "a PRC resident identity number"
_PRC_LENGTH = 18
# ISO 7064 MOD 11-2: weight of position i (0-based) is 2**(17 - i) mod 11.
_PRC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PRC_CHECK_CHARS = "0123456789X"
_EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_USCC_NAME = "a unified social credit code"
_USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015: weight of position i (0-based) is 3**i mod 31.
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_ACCEPTED = frozenset(USCC_ALPHABET + USCC_ALPHABET.lower())


class IdentifierError(ValueError):
    """An identifier, a scheme name or a pseudonymisation key is not acceptable.

    ``code`` is stable and meant for programs (``ID_LENGTH``, ``ID_CHECKSUM`` …), ``field``
    names the input that was wrong, ``position`` is the 1-based character at fault when
    there is one, and ``str(error)`` is a sentence a person can act on.
    """

    def __init__(
        self, code: str, message: str, *, field: str = "subject_id", position: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.position = position

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only attributes would be lost by ValueError's default pickling.
        state = {"field": self.field, "position": self.position}
        return (type(self), (self.code, self.message), state)


def mask_identifier(value: str) -> str:
    """Hide the middle of an identifier so it can appear in messages and logs.

    >>> mask_identifier("11010519491231002X")
    '1101**********002X'
    """
    shown = 4 if len(value) >= 16 else len(value) // 4
    hidden = len(value) - 2 * shown
    middle = "*" * hidden if hidden <= 24 else "*" * 10 + "…" + "*" * 10
    return value[:shown] + middle + value[len(value) - shown :]


def _masked_error(
    code: str, message: str, text: str, *, field: str, position: int | None = None
) -> IdentifierError:
    return IdentifierError(
        code, f"{message} ({mask_identifier(text)})", field=field, position=position
    )


def _stripped(value: str, *, name: str, length: int, field: str) -> str:
    text = value.strip()
    if not text:
        message = f"{name} is empty; expected {length} characters"
        raise IdentifierError("ID_EMPTY", message, field=field)
    if len(text) != length:
        message = f"{name} has {length} characters; got {len(text)}"
        if name == _PRC_NAME and len(text) == 15:
            message += "; convert 15-digit first-generation numbers to the 18-digit form"
        raise _masked_error("ID_LENGTH", message, text, field=field)
    return text


def _checked_body(
    first17: str, name: str, allowed: frozenset[str], expected: str, field: str
) -> str:
    if len(first17) != 17:
        message = f"the first part of {name} has 17 characters; got {len(first17)}"
        raise IdentifierError("ID_LENGTH", message, field=field)
    bad = next((i for i, char in enumerate(first17) if char not in allowed), None)
    if bad is not None:
        message = f"character {bad + 1} of {name} must be {expected}"
        raise _masked_error("ID_CHARSET", message, first17, field=field, position=bad + 1)
    return first17


def _prc_check(first17: str) -> str:
    total = sum(int(char) * weight for char, weight in zip(first17, _PRC_WEIGHTS, strict=True))
    return _PRC_CHECK_CHARS[(12 - total % 11) % 11]


def prc_resident_check_char(first17: str) -> str:
    """Return the check character (``0``-``9`` or ``X``) for the first 17 digits.

    >>> prc_resident_check_char("11010519491231002")
    'X'
    """
    return _prc_check(_checked_body(first17, _PRC_NAME, _DIGITS, "a digit 0-9", "subject_id"))


def validate_prc_resident_id(
    value: str, *, field: str = "subject_id", today: date | None = None
) -> str:
    """Check a PRC resident identity number and return it normalised.

    Surrounding whitespace is dropped and a lower-case check character ``x`` becomes ``X``.
    The birth date in digits 7-14 must exist and lie between 1900-01-01 and ``today``
    (default: the current date).
    """
    text = _stripped(value, name=_PRC_NAME, length=_PRC_LENGTH, field=field)
    if text[17] == "x":
        text = text[:17] + "X"
    _checked_body(text[:17], _PRC_NAME, _DIGITS, "a digit 0-9", field)
    if text[17] not in _PRC_CHECK_CHARS:
        message = f"the last character of {_PRC_NAME} must be a digit 0-9 or X"
        raise _masked_error("ID_CHARSET", message, text, field=field, position=18)
    if text[17] != _prc_check(text[:17]):
        message = (
            f"the check character of {_PRC_NAME} does not match its first 17 digits; "
            "look for a mistyped or swapped digit"
        )
        raise _masked_error("ID_CHECKSUM", message, text, field=field, position=18)
    try:
        born: date | None = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        born = None
    latest = today if today is not None else date.today()
    if born is None or not _EARLIEST_BIRTH_DATE <= born <= latest:
        message = (
            f"digits 7-14 of {_PRC_NAME} must be a birth date YYYYMMDD "
            f"between {_EARLIEST_BIRTH_DATE.isoformat()} and {latest.isoformat()}"
        )
        raise _masked_error("ID_BIRTH_DATE", message, text, field=field, position=7)
    return text


_USCC_EXPECTED = f"one of {USCC_ALPHABET} (no I, O, S, V or Z)"


def _uscc_check(first17: str) -> str:
    values = (_USCC_VALUES[char] for char in first17.upper())
    total = sum(value * weight for value, weight in zip(values, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_check_char(first17: str) -> str:
    """Return the check character for the first 17 characters of a unified social credit code.

    >>> uscc_check_char("91350100M000100Y4")
    '3'
    """
    body = _checked_body(first17, _USCC_NAME, _USCC_ACCEPTED, _USCC_EXPECTED, "subject_id")
    return _uscc_check(body)


def validate_uscc(value: str, *, field: str = "subject_id") -> str:
    """Check a unified social credit code; return it upper-cased without surrounding space."""
    text = _stripped(value, name=_USCC_NAME, length=_USCC_LENGTH, field=field)
    _checked_body(text[:17], _USCC_NAME, _USCC_ACCEPTED, _USCC_EXPECTED, field)
    if text[17] not in _USCC_ACCEPTED:
        message = f"character 18 of {_USCC_NAME} must be {_USCC_EXPECTED}"
        raise _masked_error("ID_CHARSET", message, text, field=field, position=18)
    text = text.upper()  # safe now: every character is ASCII
    if text[17] != _uscc_check(text[:17]):
        message = (
            f"the check character of {_USCC_NAME} does not match its first 17 characters; "
            "look for a mistyped or swapped character"
        )
        raise _masked_error("ID_CHECKSUM", message, text, field=field, position=18)
    return text


def validate_opaque_id(value: str, *, field: str = "subject_id") -> str:
    """Accept any identifier of 1-64 printable characters; surrounding whitespace is dropped."""
    text = value.strip()
    if not text:
        message = f"the identifier is empty; expected 1 to {GENERIC_ID_MAX_LENGTH} characters"
        raise IdentifierError("ID_EMPTY", message, field=field)
    if len(text) > GENERIC_ID_MAX_LENGTH:
        message = f"an identifier has at most {GENERIC_ID_MAX_LENGTH} characters; got {len(text)}"
        raise _masked_error("ID_TOO_LONG", message, text, field=field)
    bad = next((i for i, char in enumerate(text) if not char.isprintable()), None)
    if bad is not None:
        message = (
            f"character {bad + 1} of the identifier is not printable "
            "(a control, format or special space character); remove it"
        )
        raise IdentifierError("ID_CHARSET", message, field=field, position=bad + 1)
    return text


class _Validator(Protocol):
    def __call__(self, value: str, /, *, field: str = ...) -> str: ...


@dataclass(frozen=True)
class IdentifierScheme:
    """How one jurisdiction identifies persons and organisations.

    >>> GENERIC_SCHEME.validate("person", " customer-0042 ")
    'customer-0042'
    """

    name: str
    description: str
    person: _Validator
    organisation: _Validator

    def validate(self, kind: str, value: str, *, field: str = "subject_id") -> str:
        """Check ``value`` as the identifier of a subject of ``kind`` and return it normalised."""
        if kind == "person":
            return self.person(value, field=field)
        if kind == "organisation":
            return self.organisation(value, field=field)
        raise IdentifierError(
            "SUBJECT_KIND",
            f"a subject kind is one of {', '.join(SUBJECT_KINDS)}; got {kind!r}",
            field="kind",
        )


PRC_SCHEME = IdentifierScheme(
    name="cn",
    description="PRC resident identity numbers and unified social credit codes",
    person=validate_prc_resident_id,
    organisation=validate_uscc,
)
GENERIC_SCHEME = IdentifierScheme(
    name="generic",
    description="opaque identifiers of 1-64 printable characters for any subject",
    person=validate_opaque_id,
    organisation=validate_opaque_id,
)
IDENTIFIER_SCHEMES: dict[str, IdentifierScheme] = {
    scheme.name: scheme for scheme in (PRC_SCHEME, GENERIC_SCHEME)
}


def identifier_scheme(name: str) -> IdentifierScheme:
    """Look up a registered scheme by name (case-insensitive)."""
    scheme = IDENTIFIER_SCHEMES.get(name.strip().lower())
    if scheme is None:
        known = ", ".join(sorted(IDENTIFIER_SCHEMES))
        message = f"unknown identifier scheme {name!r}; known schemes: {known}"
        raise IdentifierError("UNKNOWN_SCHEME", message, field="scheme")
    return scheme


class IdPseudonymiser:
    """Turn normalised identifiers into stable keyed pseudonyms (HMAC-SHA256, hex).

    The same key always gives the same pseudonym, so records of one subject still join;
    without the key the pseudonym cannot be traced back to the identifier. Pass the value
    returned by a validator: ``...002x`` and ``...002X`` would otherwise differ.
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < PSEUDONYM_KEY_BYTES:
            raise IdentifierError(
                "KEY_TOO_SHORT",
                f"a pseudonymisation key has at least {PSEUDONYM_KEY_BYTES} bytes; got {len(key)}",
                field="key",
            )
        self._key = bytes(key)

    def __repr__(self) -> str:
        return "IdPseudonymiser(key=<redacted>)"

    def pseudonym(self, value: str) -> str:
        """Return the 64-character hex pseudonym of a normalised identifier."""
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def pads(self) -> tuple[bytes, bytes]:
        """HMAC's inner and outer padded keys (RFC 2104), so SQL can compute the same pseudonym.

        ``pseudonym(m) == sha256(opad || sha256(ipad || m))``; the store's vectorised ingest
        path evaluates exactly that with DuckDB's ``sha256``.
        """
        key = hashlib.sha256(self._key).digest() if len(self._key) > 64 else self._key
        block = key.ljust(64, b"\0")
        return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def new_key() -> bytes:
    """Return a fresh random pseudonymisation key."""
    return secrets.token_bytes(PSEUDONYM_KEY_BYTES)


def load_or_create_key(path: Path, create: bool) -> bytes:
    """Read the hex-encoded key at ``path``; if it is missing and ``create``, write a new one.

    A created key file is readable by its owner only (mode 0o600).
    """
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        if not create:
            raise IdentifierError(
                "NO_KEY",
                f"no pseudonymisation key at {path}; run `xinyong init` to create one",
                field="key",
            ) from None
        return _create_key(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise IdentifierError(
            "BAD_KEY", f"cannot read the key file {path}: {exc}", field="key"
        ) from None
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) < PSEUDONYM_KEY_BYTES:
        raise IdentifierError(
            "BAD_KEY",
            f"the key file {path} must hold at least {PSEUDONYM_KEY_BYTES} hex-encoded bytes; "
            "restore it from a backup (a new key changes every pseudonym)",
            field="key",
        )
    return key


def _create_key(path: Path) -> bytes:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = new_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first; its key wins
        return load_or_create_key(path, create=False)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        os.chmod(path, 0o600)  # the umask may have narrowed the mode given to os.open
        handle.write(key.hex() + "\n")
    return key


def _digit_rows(numbers: NDArray[np.int64], width: int) -> NDArray[np.uint16]:
    """Decimal digits of ``numbers`` as a (width, len(numbers)) array, most significant first."""
    rows = np.empty((width, numbers.size), dtype=np.uint16)
    rest = numbers
    for position in range(width - 1, -1, -1):
        rest, rows[position] = np.divmod(rest, 10)
    return rows


def _as_strings(characters: NDArray[np.uint8]) -> list[str]:
    """Turn a (characters, n) array of ASCII codes into ``n`` strings."""
    width, count = characters.shape
    rows = np.ascontiguousarray(characters.T).view(np.dtype(f"S{width}")).reshape(count)
    return cast(list[str], rows.astype(np.dtype(f"U{width}")).tolist())


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"the number of identifiers to generate must be >= 0; got {n}")


# Positions are rows and identifiers columns, so every step works on contiguous rows;
# uint16 holds any weighted checksum sum (at most 30 * 305) and keeps the arrays small.
_REGION_DIGITS = _digit_rows(np.array([int(code) for code in PRC_REGION_CODES], dtype=np.int64), 6)
_SEQUENCE_DIGITS = _digit_rows(np.arange(1000, dtype=np.int64), 3)
_PRC_WEIGHT_ROW = np.array(_PRC_WEIGHTS, dtype=np.uint16)
_USCC_WEIGHT_ROW = np.array(_USCC_WEIGHTS, dtype=np.uint16)
_PRC_CHECK_ASCII = np.frombuffer(_PRC_CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_USCC_ASCII = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)


def generate_prc_resident_ids(
    rng: np.random.Generator, n: int, birth_years: tuple[int, int] = (1950, 2006)
) -> list[str]:
    """Return ``n`` distinct valid PRC resident identity numbers in random order.

    Regions come from :data:`PRC_REGION_CODES`, birth dates are uniform over the
    inclusive ``birth_years`` (never after today) and the 3-digit sequence is uniform.
    """
    _check_count(n)
    first_year, last_year = birth_years
    today = date.today()
    if not _EARLIEST_BIRTH_DATE.year <= first_year <= min(last_year, today.year):
        raise ValueError(
            f"birth_years must satisfy 1900 <= first <= last and first <= {today.year}; "
            f"got {birth_years}"
        )
    end = min(date(min(last_year, 9999), 12, 31), today)
    days = np.arange(np.datetime64(date(first_year, 1, 1), "D"), np.datetime64(end, "D") + 1)
    months = days.astype("datetime64[M]")
    yyyymmdd = (
        (days.astype("datetime64[Y]").astype(np.int64) + 1970) * 10_000
        + (months.astype(np.int64) % 12 + 1) * 100
        + (days - months).astype(np.int64)
        + 1
    )
    per_region = yyyymmdd.size * 1000
    capacity = len(PRC_REGION_CODES) * per_region
    if n > capacity:
        raise ValueError(
            f"only {capacity} distinct IDs fit birth_years={birth_years}; asked for {n}"
        )
    # Drawing distinct indices into (region, birth date, sequence) makes the IDs unique.
    region, rest = np.divmod(rng.choice(capacity, size=n, replace=False), per_region)
    day, sequence = np.divmod(rest, 1000)
    digits = np.concatenate(
        [
            np.take(_REGION_DIGITS, region, axis=1),
            np.take(_digit_rows(yyyymmdd, 8), day, axis=1),
            np.take(_SEQUENCE_DIGITS, sequence, axis=1),
        ]
    )
    check = (12 - _PRC_WEIGHT_ROW @ digits % 11) % 11
    characters = np.empty((_PRC_LENGTH, n), dtype=np.uint8)
    characters[:17] = digits + ord("0")
    characters[17] = _PRC_CHECK_ASCII[check]
    return _as_strings(characters)


def generate_usccs(rng: np.random.Generator, n: int) -> list[str]:
    """Return ``n`` distinct valid unified social credit codes in random order.

    Each is registered with market regulation (``9``) as an enterprise (``1``) in a region
    of :data:`PRC_REGION_CODES`, with a random 9-character organisation code.
    """
    _check_count(n)
    organisation_codes = 31**9
    capacity = len(PRC_REGION_CODES) * organisation_codes
    region, organisation = np.divmod(
        rng.choice(capacity, size=n, replace=False), organisation_codes
    )
    values = np.empty((17, n), dtype=np.uint16)
    values[0] = 9
    values[1] = 1
    values[2:8] = np.take(_REGION_DIGITS, region, axis=1)
    for position in range(16, 7, -1):
        organisation, values[position] = np.divmod(organisation, 31)
    check = (31 - _USCC_WEIGHT_ROW @ values % 31) % 31
    characters = np.empty((_USCC_LENGTH, n), dtype=np.uint8)
    characters[:17] = _USCC_ASCII[values]
    characters[17] = _USCC_ASCII[check]
    return _as_strings(characters)
