"""Field conversion: slicing a segment's fields out of its bytes and reading them as values.

A :class:`FieldPlan` splits a layout by kind so that each kind (text, codes, amounts, dates …)
is sliced out of the record's text in one C call and converted in bulk; only a group holding a
bad value falls back to field-by-field conversion, which reports the :class:`Metro2Issue`.
:class:`FieldReader` does the conversions and keeps what is shared across a file's records:
the issue list and a date cache (a file repeats the same few thousand dates).

Records are built by :meth:`FieldPlan.build`, which fills a frozen, slotted dataclass without
running its generated ``__init__``: with ~55 fields that ``__init__`` costs as much as the
parsing.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Final, TypeVar, cast

from xinyong.ingest.metro2 import _layout as lay
from xinyong.ingest.metro2._records import Metro2Issue

T = TypeVar("T")
Getter = Callable[[Sequence[Any]], Sequence[Any]]

_INVALID: Final = object()  # cache marker: this text is not a valid date
_UNSEEN: Final = object()
_DATE_CACHE_SIZE: Final = 200_000


def _getter(indexes: Sequence[slice | int]) -> Getter:
    """One C call picking every item of a group out of a string or sequence, as a tuple."""
    if not indexes:
        return lambda text: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda text: (text[only],)
    return cast(Getter, itemgetter(*indexes))


class FieldPlan:
    """A layout split by kind, each kind sliced by one getter.

    :meth:`FieldReader.decode` returns values grouped by kind (``self.decoded`` gives their
    names in that order) and :meth:`build` puts them straight into the dataclass's slots, so
    nothing is reordered per record.
    """

    def __init__(self, layout: lay.Layout, length: int | None = None) -> None:
        # The full length, reserved tail included, when given; else where the last field ends.
        self.length = length or max((end for _, _, end, _, _ in layout), default=0)
        self.names = [name for name, _, _, _, _ in layout]
        self.starts = {name: start for name, start, _, _, _ in layout}
        self.decoded: list[str] = []
        self._setters: dict[type, list[Callable[[object, Any], None]]] = {}

        def group(*kinds: int) -> tuple[Getter, list[tuple[str, int]]]:
            chosen = [f for f in layout if f[3] in kinds]
            self.decoded.extend(f[0] for f in chosen)
            return _getter([slice(f[1], f[2]) for f in chosen]), [(f[0], f[1]) for f in chosen]

        self.text_get, _ = group(lay.TEXT)
        self.code_get, _ = group(lay.CODE)
        self.raw_get, _ = group(lay.RAW)
        self.number_get, self.number_fields = group(lay.NUMBER)
        self.date_get, self.date_fields = group(lay.DATE, lay.STAMP)
        self.digits_get, self.digits_fields = group(lay.DIGITS)
        self.packed = [f for f in layout if f[3] >= lay.PACKED_NUMBER]
        self.decoded.extend(f[0] for f in self.packed)

    def build(self, cls: type[T], head: Sequence[Any], values: Sequence[Any],
              tail: Sequence[Any] = ()) -> T:
        """An instance of the frozen, slotted dataclass ``cls``.

        ``values`` are this plan's fields as decoded; ``head`` and ``tail`` fill the fields
        declared before and after them (record number, offset … and appended segments).
        """
        setters = self._setters.get(cls) or self._prepare(cls)
        instance = object.__new__(cls)
        for set_slot, value in zip(setters, (*head, *values, *tail), strict=True):
            set_slot(instance, value)
        return instance

    def _prepare(self, cls: type) -> list[Callable[[object, Any], None]]:
        declared = [f.name for f in dataclasses.fields(cls)]
        first, last = declared.index(self.names[0]), declared.index(self.names[-1])
        if declared[first:last + 1] != self.names:
            raise TypeError(f"{cls.__name__} does not declare the layout's fields in order")
        order = declared[:first] + self.decoded + declared[last + 1:]
        setters = self._setters[cls] = [cls.__dict__[name].__set__ for name in order]
        return setters


class FieldReader:
    """Converts fields and collects the issues of one file's records."""

    def __init__(self) -> None:
        self.issues: list[Metro2Issue] = []
        self._dates: dict[str, object] = {}
        self.flagged: set[str] = set()  # fields of the current record already reported

    def issue(self, record: int, offset: int, segment: str, field: str, code: str,
              message: str) -> None:
        self.issues.append(Metro2Issue(record, offset, segment, field, code, message))
        self.flagged.add(field)

    def number_text(self, text: str, segment: str, field: str, record: int,
                    offset: int) -> int | None:
        if text.isdigit() and text.isascii():
            return int(text)
        if not text.strip():
            return None
        self.issue(record, offset, segment, field, "M2_NUMBER",
                   f"{field} is {text!r}, not a zero-filled number; report digits only "
                   "(amounts in whole dollars, no sign, decimal point or blanks inside)")
        return None

    def date_text(self, text: str, segment: str, field: str, record: int, offset: int) -> Any:
        cached = self._dates.get(text, _UNSEEN)
        if cached is _UNSEEN:
            cached = self._dates[text] = _parse_date(text)
        if cached is _INVALID:
            shape = "MMDDYYYYHHMMSS" if len(text) == 14 else "MMDDYYYY"
            self.issue(record, offset, segment, field, "M2_DATE",
                       f"{field} is {text!r}, not a real {shape} date; report it as {shape} "
                       "or zero-fill it when there is no date")
            return None
        return cached

    def decode(self, plan: FieldPlan, data: bytes, text: str, segment: str, record: int,
               offset: int) -> Sequence[Any]:
        """The values of one segment (``text`` starts at it, at file ``offset``), by kind."""
        # Interned: a million accounts share a handful of distinct status, type … codes.
        codes = list(map(sys.intern, map(str.strip, plan.code_get(text))))
        numbers: Sequence[Any] = plan.number_get(text)
        joined = "".join(numbers)
        if joined.isdigit() and joined.isascii():
            numbers = list(map(int, numbers))
        else:
            numbers = [self.number_text(value, segment, name, record, offset + start)
                       for (name, start), value in zip(plan.number_fields, numbers, strict=True)]
        stamps = plan.date_get(text)
        try:
            dates = list(map(self._dates.__getitem__, stamps))
        except KeyError:
            if len(self._dates) > _DATE_CACHE_SIZE:  # garbage dates must not fill memory
                self._dates.clear()
            for value in stamps:
                if value not in self._dates:
                    self._dates[value] = _parse_date(value)
            dates = list(map(self._dates.__getitem__, stamps))
        if _INVALID in dates:
            dates = [self.date_text(value, segment, name, record, offset + start)
                     for (name, start), value in zip(plan.date_fields, stamps, strict=True)]
        digits = list(map(str.strip, plan.digits_get(text)))
        joined = "".join(digits)
        if joined and not (joined.isdigit() and joined.isascii()):
            self._bad_digits(plan, digits, segment, record, offset)
        packed = [self._packed(kind, data[start:end], width, segment, name, record,
                               offset + start)
                  for name, start, end, kind, width in plan.packed]
        return [*map(str.strip, plan.text_get(text)), *codes, *plan.raw_get(text),
                *numbers, *dates, *digits, *packed]

    def _bad_digits(self, plan: FieldPlan, digits: list[str], segment: str, record: int,
                    offset: int) -> None:
        for (name, start), value in zip(plan.digits_fields, digits, strict=True):
            if value and not (value.isdigit() and value.isascii()):
                self.issue(record, offset + start, segment, name, "M2_NUMBER",
                           f"{name} is {value!r}; it must hold digits only")

    def _packed(self, kind: int, raw: bytes, width: int, segment: str, field: str,
                record: int, offset: int) -> Any:
        if raw and not raw.strip(b" "):
            return "" if kind == lay.PACKED_DIGITS else None
        if kind == lay.PACKED_NUMBER:
            return int.from_bytes(raw, "big")
        if kind == lay.PACKED_DIGITS:
            text = f"{int.from_bytes(raw, 'big'):0{width}d}"
            if len(text) > width:
                self.issue(record, offset, segment, field, "M2_NUMBER",
                           f"{field} decodes to {len(text)} digits; it holds at most {width}")
            return text
        # Packed dates and the time stamp: a big-endian binary MMDDYYYY[HHMMSS] followed by
        # one marker byte.
        value = int.from_bytes(raw[:-1], "big")
        if value == 0:
            return None
        return self.date_text(f"{value:0{8 if kind == lay.PACKED_DATE else 14}d}", segment,
                              field, record, offset)


def _parse_date(text: str) -> object:
    """A date or datetime from MMDDYYYY[HHMMSS]; None when blank or zero; _INVALID otherwise."""
    if not text.strip(" 0"):
        return None
    if len(text) not in (8, 14) or not (text.isdigit() and text.isascii()):
        return _INVALID
    try:
        if len(text) == 8:
            return date(int(text[4:8]), int(text[0:2]), int(text[2:4]))
        return datetime(int(text[4:8]), int(text[0:2]), int(text[2:4]), int(text[8:10]),
                        int(text[10:12]), int(text[12:14]))
    except ValueError:
        return _INVALID
