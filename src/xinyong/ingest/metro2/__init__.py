"""Metro 2®, the US furnisher format (CDIA): reading files and mapping them to conduct events.

:func:`read_metro2` takes the bytes of a file in any of the three physical formats (character
fixed-length, character variable-blocked, packed), detects which, and returns a
:class:`Metro2File`: the header, one :class:`Metro2Base` per account with its appended J1/J2,
K1–K4, L1 and N1 segments, the trailer, and every :class:`Metro2Issue` found — invalid codes,
unreadable dates and amounts, trailer totals that disagree with the records. Bad data never
raises; a file that cannot be cut into records raises :class:`Metro2FileError`.

:func:`metro2_to_events` turns the accounts into canonical event rows (an Arrow table) for the
store: monthly repayment conduct from the payment history profile and the account status,
defaults, and co-borrower relationships. :func:`write_metro2_fixed` writes valid synthetic files
for tests and benchmarks.

>>> file = read_metro2(metro2_fixed_bytes(5, seed=2))
>>> events, issues = metro2_to_events(file, furnisher="acme-bank")
>>> file.ok, events.num_columns, issues
(True, 15, [])

Module map: ``_framing`` (format detection, records), ``_layout`` (field positions),
``_fields`` and ``_decode`` (bytes → dataclasses, field checks), ``_totals`` (trailer
recount), ``_reader`` (the whole file), ``_mapping`` (events), ``_writer`` (synthetic files),
``_codes`` (code sets).
"""

from __future__ import annotations

from xinyong.ingest.metro2._mapping import EVENT_SCHEMA, metro2_to_events
from xinyong.ingest.metro2._reader import read_metro2
from xinyong.ingest.metro2._records import (
    AccountNumberChange,
    AssociatedConsumer,
    Employment,
    Metro2Base,
    Metro2File,
    Metro2FileError,
    Metro2Format,
    Metro2Header,
    Metro2Issue,
    Metro2Trailer,
    MortgageInformation,
    OriginalCreditor,
    PurchasedFromSoldTo,
    SpecializedPayment,
)
from xinyong.ingest.metro2._writer import metro2_fixed_bytes, write_metro2_fixed

__all__ = [
    "EVENT_SCHEMA",
    "AccountNumberChange",
    "AssociatedConsumer",
    "Employment",
    "Metro2Base",
    "Metro2File",
    "Metro2FileError",
    "Metro2Format",
    "Metro2Header",
    "Metro2Issue",
    "Metro2Trailer",
    "MortgageInformation",
    "OriginalCreditor",
    "PurchasedFromSoldTo",
    "SpecializedPayment",
    "metro2_fixed_bytes",
    "metro2_to_events",
    "read_metro2",
    "write_metro2_fixed",
]
