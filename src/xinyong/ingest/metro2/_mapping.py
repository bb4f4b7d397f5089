"""Mapping Metro 2 accounts to the platform's canonical conduct events.

Per account (base segment), :func:`metro2_to_events` emits:

* one event per month of the 24-month payment history profile, month 1 being the month
  before the date of account information: ``0`` → ``loan.repaid_on_time``; ``1``–``6`` →
  ``loan.repaid_late`` with 30–180 days past due; a run of default codes (``L`` charge-off,
  ``G`` collection, ``H`` foreclosure, ``J`` voluntary surrender, ``K`` repossession) →
  one ``loan.defaulted`` in its oldest month, since later months only repeat that the loss
  stands; ``B``, ``D`` and ``E`` say nothing about conduct and emit nothing;
* one event at the date of account information when the account status adds
  to the history: ``11`` current → on time, ``71``–``84`` → late 30–180 days, a default
  status (charge-off, collection, repossession, foreclosure, paid after one of those) →
  ``loan.defaulted`` unless the history's latest month already shows the default, and
  ``05``/``13``/``65`` → what their payment rating says;
* one ``relationship.co_borrower_with`` per distinct J1/J2 associated consumer, from the
  account's consumer to the associate (counterparty ``person``, or ``organisation`` for ECOA
  ``W``), dated at the account's opening.

History events are dated the first day of their month, status events the date of account
information itself. ``loan.defaulted`` carries the original charge-off amount, else the
current balance, else the amount past due; the other events carry no amount.

Accounts whose status deletes them (DA, DF) and consumers with ECOA ``Z`` (delete) emit
nothing. Every event carries its ``account`` (the account number, made unique in the file) and
the account's ``compliance_code`` (null when blank); ``disputed`` is true on every event of an
account the furnisher reports in dispute (``XB``, ``XD``, ``XF``, ``XJ``).
Event ids are ``m2:{account}:{YYYY-MM}:{kind}`` — the same month of the same account gets
the same id in next month's file, so re-sent months are duplicates the store skips.

The payment-history events are built with numpy and Arrow compute, not a Python loop per
month; only the (at most a few) status and relationship events per account are looped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from xinyong.errors import XinyongError
from xinyong.ingest.metro2 import _codes as codes
from xinyong.ingest.metro2._records import Metro2Base, Metro2File, Metro2Issue

EVENT_SCHEMA: Final = pa.schema([
    ("event_id", pa.string()), ("subject_kind", pa.string()), ("subject_id", pa.string()),
    ("event_type", pa.string()), ("occurred_at", pa.timestamp("us")),
    ("amount", pa.float64()), ("days_past_due", pa.int32()), ("category", pa.string()),
    ("asset_class", pa.string()), ("education_level", pa.string()),
    ("counterparty_kind", pa.string()), ("counterparty_id", pa.string()),
    ("disputed", pa.bool_()), ("account", pa.string()), ("compliance_code", pa.string()),
])  # fmt: skip

ON_TIME: Final = "loan.repaid_on_time"
LATE: Final = "loan.repaid_late"
DEFAULTED: Final = "loan.defaulted"
CO_BORROWER: Final = "relationship.co_borrower_with"
_TYPES: Final = ("", ON_TIME, LATE, DEFAULTED)
_EARLIEST_YEAR: Final = 1902  # 24 months of history must stay after 1900

# Payment history character → index into _TYPES, and → days past due.
_KIND: Final = np.zeros(256, np.int8)
_DAYS: Final = np.zeros(256, np.int32)
_KIND[ord("0")] = 1
for _char, _days in codes.LATE_DAYS_BY_RATING.items():
    _KIND[ord(_char)], _DAYS[ord(_char)] = 2, _days
for _char in codes.HISTORY_DEFAULTED:
    _KIND[ord(_char)] = 3


class _Accounts:
    """The mappable accounts as columns (one entry per account), built with one pass each."""

    def __init__(self, bases: list[Metro2Base], keys: list[str]) -> None:
        self.bases = bases
        self.keys = pa.array(keys, pa.string())  # account numbers, made unique in the file
        self.subject_ids = pa.array([base.ssn for base in bases], pa.string())
        self.subject_kinds = pa.array(
            ["organisation" if base.ecoa_code == codes.ECOA_BUSINESS else "person"
             for base in bases], pa.string())
        compliance = [base.compliance_condition_code or None for base in bases]
        self.compliance = pa.array(compliance, pa.string())
        self.disputed = pa.array([code in codes.CCC_IN_DISPUTE for code in compliance], pa.bool_())
        reported = np.array([_date(base).toordinal() - _EPOCH for base in bases], np.int64)
        self.reported = reported.astype("datetime64[D]")  # date of account information
        self.months = self.reported.astype("datetime64[M]").astype(np.int64)  # from 1970-01
        amounts = np.zeros(len(bases))
        # The default's amount: the charge-off, else the balance, else the amount past due.
        for name in ("amount_past_due", "current_balance", "original_charge_off_amount"):
            column = np.array([getattr(base, name) or 0 for base in bases], np.float64)
            amounts = np.where(column > 0, column, amounts)
        self.amounts = amounts


_EPOCH: Final = date(1970, 1, 1).toordinal()


def _date(base: Metro2Base) -> date:
    assert base.date_account_information is not None  # the accounts without one are left out
    return base.date_account_information


def _skip(issues: list[Metro2Issue], base: Metro2Base, field_name: str, code: str,
          message: str) -> None:
    issues.append(Metro2Issue(base.record, base.offset, "base", field_name, code,
                              f"{message}; the account's events were left out"))


def _mappable(bases: tuple[Metro2Base, ...], issues: list[Metro2Issue]) -> list[Metro2Base]:
    """The accounts that can be mapped; the others are deleted, or reported in ``issues``."""
    kept: list[Metro2Base] = []
    for base in bases:
        if (base.account_status in codes.STATUS_DELETES_ACCOUNT
                or base.ecoa_code == codes.ECOA_DELETE_CONSUMER):
            continue
        when = base.date_account_information
        if not base.account_number:
            _skip(issues, base, "account_number", "M2_ACCOUNT_NUMBER",
                  "the consumer account number is blank, so its events cannot get stable ids")
        elif not base.ssn.strip("0"):
            _skip(issues, base, "ssn", "M2_SUBJECT_ID",
                  "the SSN is blank or zero, so the events have no subject")
        elif when is None or when.year < _EARLIEST_YEAR:
            _skip(issues, base, "date_account_information", "M2_DATE",
                  f"the date of account information is {when or 'missing'}, so the payment "
                  "history cannot be dated")
        else:
            kept.append(base)
    return kept


def _unique_keys(bases: list[Metro2Base], issues: list[Metro2Issue]) -> list[str]:
    """Account numbers as event-id keys, a repeated one suffixed with its occurrence."""
    numbers = [base.account_number for base in bases]
    if len(set(numbers)) == len(numbers):
        return numbers
    seen: dict[str, int] = {}
    keys: list[str] = []
    used: set[str] = set()
    for base, number in zip(bases, numbers, strict=True):
        count = seen[number] = seen.get(number, 0) + 1
        key = number
        if count > 1:
            while key in used:
                key += f"~{count}"
            issues.append(Metro2Issue(
                base.record, base.offset, "base", "account_number", "M2_DUPLICATE_ACCOUNT",
                f"account {number} appears {count} times in the file; its events were kept "
                f"under '{key}', but a furnisher reports each account once"))
        used.add(key)
        keys.append(key)
    return keys


def _strings(values: list[str]) -> pa.Array:
    return pa.array(values, pa.string())


def _history_events(accounts: _Accounts) -> pa.Table:
    count = len(accounts.bases)
    profiles = np.frombuffer(
        "".join([base.payment_history_profile for base in accounts.bases]).encode("latin-1"),
        np.uint8).reshape(count, 24)
    kinds = _KIND[profiles]
    defaulted = kinds == 3
    # Only the oldest month of a run of default codes is a new default.
    continues = np.zeros_like(defaulted)
    continues[:, :-1] = defaulted[:, 1:]
    keep = (kinds == 1) | (kinds == 2) | (defaulted & ~continues)
    rows, back = np.nonzero(keep)
    chosen = kinds[rows, back]
    month = accounts.months[rows] - back - 1
    occurred = pa.array(month.astype("datetime64[M]").astype("datetime64[us]"))
    take = pa.array(rows)
    days = _DAYS[profiles[rows, back]]
    is_default = chosen == 3
    return _table(
        accounts, take, month, occurred, kind="pay", event_type=_strings(list(_TYPES)).take(
            pa.array(chosen)),
        amount=pa.array(accounts.amounts[rows], mask=~is_default),
        days=pa.array(days, mask=days == 0), counterparty=None)


def _status_event(base: Metro2Base) -> tuple[str, int] | None:
    """The event the account status adds for the month reported, and its days past due."""
    status = base.account_status
    if status == codes.STATUS_CURRENT:
        return ON_TIME, 0
    if status in codes.LATE_DAYS_BY_STATUS:
        return LATE, codes.LATE_DAYS_BY_STATUS[status]
    if status in codes.STATUS_RATED:
        rating = base.payment_rating
        if rating in codes.LATE_DAYS_BY_RATING:
            return LATE, codes.LATE_DAYS_BY_RATING[rating]
        defaulted = rating in codes.RATING_DEFAULTED
    else:
        defaulted = status in codes.STATUS_DEFAULTED
    if defaulted and base.payment_history_profile[:1] not in codes.HISTORY_DEFAULTED:
        return DEFAULTED, 0
    return None


def _status_events(accounts: _Accounts) -> pa.Table:
    rows: list[int] = []
    types: list[str] = []
    days: list[int | None] = []
    amounts: list[float | None] = []
    for row, base in enumerate(accounts.bases):
        event = _status_event(base)
        if event is not None:
            rows.append(row)
            types.append(event[0])
            days.append(event[1] or None)
            amounts.append(float(accounts.amounts[row]) if event[0] == DEFAULTED else None)
    chosen = np.asarray(rows, np.int64)
    occurred = pa.array(accounts.reported[chosen].astype("datetime64[us]"))
    return _table(accounts, pa.array(chosen), accounts.months[chosen], occurred, kind="pay",
                  event_type=_strings(types), amount=pa.array(amounts, pa.float64()),
                  days=pa.array(days, pa.int32()), counterparty=None)


def _relationship_events(accounts: _Accounts) -> pa.Table:
    rows: list[int] = []
    occurred: list[datetime] = []
    months: list[int] = []
    kinds: list[str] = []
    others: list[str] = []
    other_kinds: list[str] = []
    for row, base in enumerate(accounts.bases):
        if not (base.j1 or base.j2):
            continue
        since = base.date_opened or base.date_account_information
        assert since is not None  # accounts without a date of account information are out
        seen = {base.ssn}
        for associate in base.associates:
            ssn = associate.ssn
            if (associate.ecoa_code == codes.ECOA_DELETE_CONSUMER or not ssn.strip("0")
                    or ssn in seen):
                continue
            seen.add(ssn)
            rows.append(row)
            occurred.append(datetime(since.year, since.month, since.day))
            months.append((since.year - 1970) * 12 + since.month - 1)
            kinds.append(f"co-{ssn}")
            others.append(ssn)
            other_kinds.append(
                "organisation" if associate.ecoa_code == codes.ECOA_BUSINESS else "person")
    size = len(rows)
    return _table(accounts, pa.array(rows, pa.int64()), np.asarray(months, np.int64),
                  pa.array(occurred, pa.timestamp("us")), kind=_strings(kinds),
                  event_type=_strings([CO_BORROWER] * size), amount=pa.nulls(size, pa.float64()),
                  days=pa.nulls(size, pa.int32()),
                  counterparty=(_strings(other_kinds), _strings(others)))


def _month_labels(months: NDArray[np.int64]) -> pa.Array:
    """'YYYY-MM' for months counted from 1970-01, formatted once per distinct month."""
    if not len(months):
        return pa.array([], pa.string())
    first = int(months.min())
    span = range(first, int(months.max()) + 1)
    labels = pa.array([f"{1970 + month // 12:04d}-{month % 12 + 1:02d}" for month in span],
                      pa.string())
    return labels.take(pa.array(months - first))


def _table(accounts: _Accounts, take: pa.Array, month: NDArray[np.int64], occurred: pa.Array, *,
           kind: str | pa.Array, event_type: pa.Array, amount: pa.Array, days: pa.Array,
           counterparty: tuple[pa.Array, pa.Array] | None) -> pa.Table:
    size = len(take)
    event_id = pc.binary_join_element_wise("m2", accounts.keys.take(take),
                                           _month_labels(month), kind, ":")
    none = pa.nulls(size, pa.string())
    columns = [
        event_id, accounts.subject_kinds.take(take), accounts.subject_ids.take(take),
        event_type, occurred, amount, days, none, none, none,
        counterparty[0] if counterparty else none, counterparty[1] if counterparty else none,
        accounts.disputed.take(take), accounts.keys.take(take), accounts.compliance.take(take),
    ]
    return pa.Table.from_arrays(columns, schema=EVENT_SCHEMA)


def metro2_to_events(file: Metro2File, *, furnisher: str,
                     as_of: date | datetime | None = None) -> tuple[pa.Table, list[Metro2Issue]]:
    """The canonical event rows of a parsed file, and the issues of accounts left out.

    ``furnisher`` names who sent the file; the store keys event ids by it, so the rows do not
    repeat it. With ``as_of``, events dated after it are dropped (a file is never "from the
    future"). The issues returned are the mapping's own (an account without SSN, date of
    account information or account number, or repeated); the reader's are in ``file.issues``.
    """
    if not furnisher.strip():
        raise XinyongError("M2_FURNISHER", "name the furnisher that sent this file",
                           field="furnisher")
    issues: list[Metro2Issue] = []
    bases = _mappable(file.bases, issues)
    if not bases:
        return EVENT_SCHEMA.empty_table(), issues
    accounts = _Accounts(bases, _unique_keys(bases, issues))
    table = pa.concat_tables([_history_events(accounts), _status_events(accounts),
                              _relationship_events(accounts)])
    if as_of is not None:
        if isinstance(as_of, datetime):
            as_of = as_of.replace(tzinfo=None)
        else:
            as_of = datetime(as_of.year, as_of.month, as_of.day)
        limit = pa.scalar(as_of, pa.timestamp("us"))
        table = table.filter(pc.less_equal(table["occurred_at"], limit))
    return table, issues

