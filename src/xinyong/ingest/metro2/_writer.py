"""Writing synthetic Metro 2 files: valid character fixed-length files of N random accounts.

Benchmarks and tests need large, valid files fast, so :func:`write_metro2_fixed` builds each
chunk of base records as one ``(rows, 526)`` byte matrix with numpy (no Python loop per
account) and streams it out: a header, the accounts, and a trailer whose totals are counted
while writing. Every record is 526 bytes: a 426-byte base segment, then a J1 associated
consumer for about ``associate_share`` of the accounts and blank padding for the others.

>>> data = metro2_fixed_bytes(2, seed=7)
>>> len(data), data[:10], data[426:445]
(1904, b'0426HEADER', b'0526106302024120000')
"""

from __future__ import annotations

import io
from datetime import date
from typing import BinaryIO, Final

import numpy as np
from numpy.typing import NDArray

from xinyong.ingest.metro2 import _codes as codes
from xinyong.ingest.metro2 import _layout as lay

RECORD_LENGTH: Final = 526
_CHUNK: Final = 65_536
_SSN_SPAN: Final = 9999 * 99 * 898
_BASE: Final = {name: (start, end) for name, start, end, _, _ in lay.CHARACTER_BASE}
_J1_AT: Final = lay.CHARACTER_RECORD_LENGTH
_J1: Final = {name: (_J1_AT + start, _J1_AT + end) for name, start, end, _, _ in
              lay.SEGMENTS["J1"][0]}

_STATUSES: Final = {"11": 0.80, "13": 0.06, "71": 0.04, "78": 0.02, "80": 0.01, "82": 0.005,
                    "83": 0.005, "84": 0.005, "93": 0.01, "97": 0.02, "64": 0.01, "62": 0.005,
                    "05": 0.005, "95": 0.005}  # fmt: skip
_HISTORY: Final = {"0": 0.88, "1": 0.04, "2": 0.015, "3": 0.008, "4": 0.004, "5": 0.003,
                   "6": 0.002, "D": 0.01, "E": 0.03, "L": 0.008}  # fmt: skip
_SURNAMES: Final = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER",
                    "DAVIS", "RODRIGUEZ", "MARTINEZ", "HERNANDEZ", "LOPEZ", "WANG", "LI"]
_FIRST_NAMES: Final = ["JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL",
                       "LINDA", "DAVID", "ELIZABETH", "WEI", "FANG", "MARIA", "JOSE"]
_STREETS: Final = ["MAIN ST", "OAK AVE", "PINE RD", "MAPLE DR", "CEDAR LN", "ELM ST"]
_CITIES: Final = [("SPRINGFIELD", "IL"), ("RIVERSIDE", "CA"), ("FRANKLIN", "TN"),
                  ("GREENVILLE", "SC"), ("MADISON", "WI"), ("SALEM", "OR")]


def _digits(values: NDArray[np.int64], width: int) -> NDArray[np.uint8]:
    """Zero-filled decimal digits of non-negative integers, one row per value."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + 48).astype(np.uint8)


def _table(options: list[str], width: int) -> NDArray[np.uint8]:
    encoded = [option.ljust(width)[:width].encode("ascii") for option in options]
    return np.frombuffer(b"".join(encoded), np.uint8).reshape(len(options), width)


def _dates(days: NDArray[np.int64]) -> NDArray[np.uint8]:
    """MMDDYYYY digits for days since 1970-01-01."""
    day = days.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    mm = month.astype(np.int64) % 12 + 1
    dd = (day - month.astype("datetime64[D]")).astype(np.int64) + 1
    return _digits(mm * 1_000_000 + dd * 10_000 + year, 8)


def _ssns(index: NDArray[np.int64], seed: int, shift: int) -> NDArray[np.int64]:
    """Distinct SSA-shaped SSNs (area 001–899 but 666, group 01–99, serial 0001–9999).

    The account index is scrambled by a multiplier prime to the number of such SSNs, so every
    index of one seed gets its own SSN.
    """
    scrambled = (index * 7919 + seed * 104_729 + shift) % _SSN_SPAN
    serial = scrambled % 9999 + 1
    group = scrambled // 9999 % 99 + 1
    area = scrambled // (9999 * 99) + 1
    area = area + (area >= 666)
    return area * 1_000_000 + group * 10_000 + serial


def _text(value: str, width: int) -> bytes:
    return value.ljust(width)[:width].encode("ascii")


def _header(activity: date) -> bytes:
    stamp = activity.strftime("%m%d%Y")
    fields = {
        "activity_date": stamp, "date_created": stamp, "program_date": stamp,
        "program_revision_date": stamp, "reporter_name": "XINYONG SYNTHETIC FURNISHER",
        "reporter_address": "1 EXAMPLE PLAZA SPRINGFIELD IL 62701",
        "reporter_telephone": "2175550100", "software_vendor_name": "XINYONG",
        "software_version": "1", "transunion_program_identifier": "XINYONG001",
    }
    record = bytearray(_text(f"{lay.CHARACTER_RECORD_LENGTH:04d}HEADER", 426))
    for name, start, end, _, _ in lay.CHARACTER_HEADER:
        if name in fields:
            record[start:end] = _text(fields[name], end - start)
    return bytes(record)


def _trailer(totals: dict[str, int]) -> bytes:
    record = bytearray(_text(f"{lay.CHARACTER_RECORD_LENGTH:04d}TRAILER", 426))
    for name, start, end, _, _ in lay.CHARACTER_TRAILER:
        record[start:end] = f"{totals.get(name, 0):09d}".encode("ascii")
    return bytes(record)


def _put(rows: NDArray[np.uint8], where: tuple[int, int], values: NDArray[np.uint8]) -> None:
    rows[:, where[0]:where[1]] = values


class _Chunk:
    """One chunk of accounts: random draws turned into a byte matrix."""

    def __init__(self, rng: np.random.Generator, first: int, count: int, activity: date,
                 associate_share: float, seed: int) -> None:
        self.rows = np.full((count, RECORD_LENGTH), 0x20, np.uint8)
        index = np.arange(first, first + count, dtype=np.int64)
        today = np.int64((activity - date(1970, 1, 1)).days)
        put = self.rows
        put[:, 0:4] = np.frombuffer(f"{RECORD_LENGTH:04d}".encode("ascii"), np.uint8)
        fixed = {"processing_indicator": "1", "time_stamp": activity.strftime("%m%d%Y") + "120000",
                 "identification_number": "XYFURN01", "terms_frequency": "M",
                 "country_code": "US", "address_indicator": "Y", "residence_code": "O"}
        for name, value in fixed.items():
            start, end = _BASE[name]
            put[:, start:end] = np.frombuffer(_text(value, end - start), np.uint8)
        _put(put, _BASE["account_number"],
             np.hstack([np.full((count, 1), ord("A"), np.uint8), _digits(index, 11),
                        np.full((count, 18), 0x20, np.uint8)]))
        portfolio = rng.choice(5, count, p=[0.05, 0.45, 0.1, 0.05, 0.35])
        _put(put, _BASE["portfolio_type"], _table(list("CIMOR"), 1)[portfolio])
        _put(put, _BASE["account_type"],
             _table(["0G", "01", "26", "0G", "18"], 2)[portfolio])
        age = rng.integers(60, 3650, count)
        _put(put, _BASE["date_opened"], _dates(today - age))
        limit = rng.integers(500, 50_000, count)
        for name, values in (("credit_limit", limit), ("highest_credit", limit),
                             ("scheduled_monthly_payment", limit // 36),
                             ("actual_payment", limit // 36)):
            _put(put, _BASE[name], _digits(values, 9))
        _put(put, _BASE["terms_duration"], _table(["060", "REV"], 3)[(portfolio == 4) * 1])
        status_codes = list(_STATUSES)
        weights = np.array(list(_STATUSES.values()))
        status = rng.choice(len(status_codes), count, p=weights / weights.sum())
        _put(put, _BASE["account_status"], _table(status_codes, 2)[status])
        self.status_counts = np.bincount(status, minlength=len(status_codes))
        needs_rating = np.isin(np.array(status_codes)[status],
                               list(codes.STATUS_NEEDS_PAYMENT_RATING))
        _put(put, _BASE["payment_rating"], _table([" ", "0"], 1)[needs_rating * 1])
        self._history(rng, count, age)
        ccc = rng.choice(3, count, p=[0.97, 0.02, 0.01])
        _put(put, _BASE["compliance_condition_code"], _table(["  ", "XB", "XA"], 2)[ccc])
        label = np.array(status_codes)[status]
        late = np.isin(label, list(codes.LATE_DAYS_BY_STATUS))
        charged = np.isin(label, ["97", "64"])
        balance = np.where(np.isin(label, ["13", "64", "62"]), 0, rng.integers(0, limit))
        _put(put, _BASE["current_balance"], _digits(balance, 9))
        _put(put, _BASE["amount_past_due"], _digits(np.where(late, limit // 36, 0), 9))
        _put(put, _BASE["original_charge_off_amount"], _digits(np.where(charged, limit, 0), 9))
        _put(put, _BASE["date_account_information"],
             _dates(np.full(count, today, np.int64)))
        delinquent = late | np.isin(label, ["93", "97", "64", "62", "95"])
        first_late = _dates(today - rng.integers(30, 400, count))
        _put(put, _BASE["date_first_delinquency"],
             np.where(delinquent[:, None], first_late, np.uint8(48)))
        closed = np.isin(label, ["13", "64", "62"])
        _put(put, _BASE["date_closed"], np.where(closed[:, None],
                                                 _dates(today - rng.integers(0, 30, count)),
                                                 np.uint8(48)))
        _put(put, _BASE["date_last_payment"], _dates(today - rng.integers(0, 40, count)))
        self._person(rng, count, index, seed, _BASE, surname=None)
        ecoa = rng.choice(4, count, p=[0.88, 0.05, 0.04, 0.03])
        _put(put, _BASE["ecoa_code"], _table(["1", "2", "7", "W"], 1)[ecoa])
        house = rng.integers(1, 9999, count)
        street = rng.integers(0, len(_STREETS), count)
        address = np.hstack([_digits(house, 4), np.full((count, 1), 0x20, np.uint8),
                             _table(_STREETS, 27)[street]])
        _put(put, _BASE["address_line_1"], address)
        city = rng.integers(0, len(_CITIES), count)
        _put(put, _BASE["city"], _table([c for c, _ in _CITIES], 20)[city])
        _put(put, _BASE["state"], _table([s for _, s in _CITIES], 2)[city])
        _put(put, _BASE["postal_code"],
             np.hstack([_digits(rng.integers(10_000, 99_999, count), 5),
                        np.full((count, 4), 0x20, np.uint8)]))
        self.associates = rng.random(count) < associate_share
        self._associate(rng, index, seed)

    def _history(self, rng: np.random.Generator, count: int, age: NDArray[np.int64]) -> None:
        chars = list(_HISTORY)
        weights = np.array(list(_HISTORY.values()))
        history = _table(chars, 1)[rng.choice(len(chars), (count, 24), p=weights / weights.sum()),
                                   0]
        # Months before the account was opened have no history ('B').
        months_open = age // 30
        before_open = np.arange(1, 25)[None, :] > months_open[:, None]
        history[before_open] = ord("B")
        _put(self.rows, _BASE["payment_history_profile"], history)

    def _person(self, rng: np.random.Generator, count: int, index: NDArray[np.int64], seed: int,
                at: dict[str, tuple[int, int]], surname: NDArray[np.uint8] | None,
                ssn_shift: int = 0, mask: NDArray[np.bool_] | None = None) -> None:
        rows = self.rows if mask is None else self.rows[mask]
        names = _table(_SURNAMES, 25)[rng.integers(0, len(_SURNAMES), count)]
        _put(rows, at["surname"], names if surname is None else surname)
        _put(rows, at["first_name"], _table(_FIRST_NAMES, 20)[rng.integers(0, 14, count)])
        _put(rows, at["ssn"], _digits(_ssns(index, seed, ssn_shift), 9))
        born = rng.integers(-10_950, 12_800, count)  # 1940 … 2005
        _put(rows, at["date_of_birth"], _dates(born.astype(np.int64)))
        _put(rows, at["telephone"], _digits(rng.integers(2_000_000_000, 9_999_999_999, count),
                                            10))
        if mask is not None:
            self.rows[mask] = rows

    def _associate(self, rng: np.random.Generator, index: NDArray[np.int64], seed: int) -> None:
        mask = self.associates
        count = int(mask.sum())
        if not count:
            return
        self.rows[mask, _J1_AT:_J1_AT + 3] = np.frombuffer(b"J1 ", np.uint8)
        surname = self.rows[mask][:, slice(*_BASE["surname"])]
        self._person(rng, count, index[mask], seed, _J1, surname, ssn_shift=400_000_000,
                     mask=mask)
        self.rows[mask, _J1["ecoa_code"][0]] = ord("2")


def write_metro2_fixed(destination: BinaryIO, accounts: int, *, seed: int = 0,
                       activity_date: date = date(2024, 6, 30),
                       associate_share: float = 0.2) -> int:
    """Write a valid character fixed-length Metro 2 file of random accounts; return its size.

    The same ``seed`` gives the same bytes. Account numbers are ``A`` + 11 digits (the account's
    index), SSNs are unique per account, and the trailer's totals match the records.
    """
    if accounts < 0:
        raise ValueError("accounts must be zero or more")
    rng = np.random.default_rng(seed)
    status_codes = list(_STATUSES)
    statuses = np.zeros(len(status_codes), np.int64)
    associates = 0
    written = destination.write(_header(activity_date))
    for first in range(0, accounts, _CHUNK):
        chunk = _Chunk(rng, first, min(_CHUNK, accounts - first), activity_date,
                       associate_share, seed)
        statuses += chunk.status_counts
        associates += int(chunk.associates.sum())
        written += destination.write(chunk.rows.tobytes())
    people = accounts + associates
    totals = {f"total_status_{code.lower()}": int(n) for code, n in zip(status_codes, statuses,
                                                                         strict=True)}
    totals.update(total_base_records=accounts, block_count=accounts + 2,
                  total_j1_segments=associates, total_ssn_all=people, total_ssn_base=accounts,
                  total_ssn_j1=associates, total_birth_dates_all=people,
                  total_birth_dates_base=accounts, total_birth_dates_j1=associates,
                  total_telephones_all=people)
    return written + destination.write(_trailer(totals))


def metro2_fixed_bytes(accounts: int, *, seed: int = 0, activity_date: date = date(2024, 6, 30),
                       associate_share: float = 0.2) -> bytes:
    """:func:`write_metro2_fixed` into memory."""
    buffer = io.BytesIO()
    write_metro2_fixed(buffer, accounts, seed=seed, activity_date=activity_date,
                       associate_share=associate_share)
    return buffer.getvalue()
