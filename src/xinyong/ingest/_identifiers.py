"""Identifier checks as SQL: the jurisdiction's scheme for people's and organisations' IDs.

Each function returns ``(condition, code, message)`` triples over a SQL expression holding the
normalised ID; validation evaluates them once per distinct ID of a batch (``ingest_ids``).
"""

from __future__ import annotations

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_PRC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def prc_checks(sid: str) -> list[tuple[str, str, str]]:
    digits = " + ".join(
        f"CAST(substr({sid}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(_PRC_WEIGHTS)
    )
    return [
        (f"length({sid}) <> 18", "ID_LENGTH",
         f"'a PRC resident identity number has 18 characters; got ' || length({sid})"),
        (f"NOT regexp_full_match({sid}, '[0-9]{{17}}[0-9X]')", "ID_CHARSET",
         "'a PRC resident identity number is 17 digits and a check character 0-9 or X'"),
        (f"regexp_full_match({sid}, '[0-9]{{17}}[0-9X]') AND "
         f"substr('10X98765432', (({digits}) % 11) + 1, 1) <> substr({sid}, 18, 1)", "ID_CHECKSUM",
         "'the check character does not match (ISO 7064 MOD 11-2): the number has a typo'"),
        (f"regexp_full_match({sid}, '[0-9]{{17}}[0-9X]') AND "
         f"COALESCE(try_strptime(substr({sid}, 7, 8), '%Y%m%d') NOT BETWEEN DATE '1900-01-01' "
         f"AND current_date, true)", "ID_BIRTH_DATE",
         "'characters 7-14 are not a birth date between 1900 and today'"),
    ]


def uscc_checks(sid: str) -> list[tuple[str, str, str]]:
    from xinyong.catalog.identifiers import _USCC_WEIGHTS  # the standard's weights, one source

    values = " + ".join(
        f"(instr('{_USCC_ALPHABET}', substr({sid}, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(_USCC_WEIGHTS)
    )
    return [
        (f"length({sid}) <> 18", "ID_LENGTH",
         f"'a unified social credit code has 18 characters; got ' || length({sid})"),
        (f"NOT regexp_full_match({sid}, '[{_USCC_ALPHABET}]{{18}}')", "ID_CHARSET",
         f"'a unified social credit code uses only {_USCC_ALPHABET}'"),
        (f"regexp_full_match({sid}, '[{_USCC_ALPHABET}]{{18}}') AND "
         f"substr('{_USCC_ALPHABET}', ((31 - (({values}) % 31)) % 31) + 1, 1) "
         f"<> substr({sid}, 18, 1)", "ID_CHECKSUM",
         "'the check character does not match (GB 32100-2015): the code has a typo'"),
    ]


def generic_checks(sid: str) -> list[tuple[str, str, str]]:
    return [
        (f"length({sid}) > 64", "ID_TOO_LONG", "'an ID has at most 64 characters'"),
        (f"regexp_matches({sid}, '[[:cntrl:]]')", "ID_CHARSET",
         "'the ID contains control characters'"),
    ]
