"""Telling a Metro 2 file's format and cutting it into records.

Three physical formats carry the same records:

* **fixed** (character, unblocked): records back to back, no line breaks; each starts with a
  4-digit record descriptor word (RDW) giving its length, which is trusted as is (the sample's
  header is 470 bytes, its base with appended segments 1000).
* **variable** (character, blocked): one record per line; a line may start with a 4-digit block
  descriptor word (BDW) before the RDW. The line, not the RDW, bounds the record, because
  writers put the base segment's length (426) in the RDW and append the segments after it.
* **packed**: binary descriptor words (2-byte big-endian length, then two zero bytes); a BDW
  block holds one or more RDW records, and a record may also stand outside any block.

Framing fails with :class:`Metro2FileError` only when the records cannot be told apart at all
(no descriptor word where one must be, or one pointing past the end of the data). A line-framed
record whose RDW disagrees with its line is an issue, not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from xinyong.ingest.metro2 import _codes as codes
from xinyong.ingest.metro2._records import Metro2FileError, Metro2Format, Metro2Issue

_PADDING: Final = b" \r\n\t\x00\x1a"  # blanks, line ends, NULs and a DOS end-of-file mark
_PORTFOLIO_BYTES: Final = frozenset(code.encode() for code in codes.PORTFOLIO_TYPES)
_STATUS_BYTES: Final = frozenset(code.encode() for code in codes.ACCOUNT_STATUS_CODES)
_MIN_RECORD: Final = 5  # a descriptor word and at least one byte


@dataclass
class Framing:
    """The records of a file as (record number, start, end) byte spans, start at the RDW."""

    format: Metro2Format
    records: list[tuple[int, int, int]] = field(default_factory=list)
    blocks: int = 0
    issues: list[Metro2Issue] = field(default_factory=list)


def frame(data: bytes) -> Framing:
    """Detect the format of ``data`` and cut it into records."""
    if not data.strip(_PADDING):
        raise Metro2FileError("M2_FORMAT", "the file is empty; a Metro 2 file starts with a "
                              "header record", 0)
    head = data[:4]
    if len(head) == 4 and head[2:4] == b"\0\0" and head[:2] != b"\0\0":
        return _frame_packed(data)
    if head.isdigit():
        newline = data.find(b"\n")
        if newline >= 0 and data[newline + 1:newline + 4097].strip(_PADDING):
            return _frame_variable(data)
        return _frame_fixed(data)
    raise Metro2FileError(
        "M2_FORMAT", f"the file starts with {head!r}, not a record descriptor word: neither 4 "
        "ASCII digits (character format) nor a binary length followed by two zero bytes "
        "(packed format); is this a Metro 2 file?", 0)


def _only_padding(data: bytes, pos: int) -> bool:
    return not data[pos:].strip(_PADDING)


def _frame_fixed(data: bytes) -> Framing:
    framing = Framing("fixed")
    records = framing.records
    pos, size = 0, len(data)
    while pos < size:
        word = data[pos:pos + 4]
        if not (len(word) == 4 and word.isdigit()):
            if _only_padding(data, pos):
                break
            raise Metro2FileError(
                "M2_RDW", f"record {len(records) + 1} should start at byte {pos} with a 4-digit "
                f"record descriptor word (RDW) but starts with {word!r}; the RDW of the record "
                "before it is probably wrong", pos)
        length = int(word)
        if length < _MIN_RECORD:
            raise Metro2FileError(
                "M2_RDW", f"record {len(records) + 1} at byte {pos} declares a length of "
                f"{length} bytes in its RDW, too short to hold a record", pos)
        if pos + length > size:
            raise Metro2FileError(
                "M2_TRUNCATED", f"record {len(records) + 1} at byte {pos} declares {length} "
                f"bytes in its RDW but only {size - pos} remain; the file is cut short or "
                "the RDW is wrong", pos)
        records.append((len(records) + 1, pos, pos + length))
        pos += length
    framing.blocks = len(records)
    return framing


def _has_bdw(line: bytes) -> bool:
    """Whether a character line starts with a BDW before its RDW."""
    if line[4:10] == b"HEADER" or line[4:11] == b"TRAILER":
        return False
    if not line[4:8].isdigit():
        return False
    if line[8:14] == b"HEADER" or line[8:15] == b"TRAILER":
        return True
    # A base record: the BDW shifts everything by 4 bytes, so trust the alignment at which
    # the portfolio type and account status read as codes.
    return _base_alignment(line, 4) > _base_alignment(line, 0)


def _base_alignment(line: bytes, at: int) -> int:
    return ((line[at + 72:at + 73] in _PORTFOLIO_BYTES)
            + (line[at + 123:at + 125] in _STATUS_BYTES))


def _frame_variable(data: bytes) -> Framing:
    framing = Framing("variable")
    records, issues = framing.records, framing.issues
    pos, size, number = 0, len(data), 0
    while pos < size:
        newline = data.find(b"\n", pos)
        start, end = pos, size if newline < 0 else newline
        pos = end + 1
        if end > start and data[end - 1] == 0x0D:
            end -= 1
        line = data[start:end]
        if not line.strip(_PADDING):
            continue
        number += 1
        framing.blocks += 1
        rdw_at = start
        if line[:4].isdigit() and _has_bdw(line):
            declared_block = int(line[:4])
            if declared_block > len(line):
                issues.append(Metro2Issue(
                    number, start, "block", "block_descriptor_word", "M2_RDW",
                    f"the block descriptor word declares {declared_block} bytes but the line "
                    f"holds {len(line)}; correct the BDW"))
            rdw_at += 4
        word = data[rdw_at:rdw_at + 4]
        if not (len(word) == 4 and word.isdigit()):
            issues.append(Metro2Issue(
                number, rdw_at, "record", "record_descriptor_word", "M2_RDW",
                f"line {number} does not start with a 4-digit record descriptor word (found "
                f"{word!r}); the line was skipped"))
            continue
        # Writers disagree on whether the RDW counts the BDW before it (the sample's base line
        # does), so only a length beyond the whole line is wrong.
        declared = int(word)
        if declared > end - start:
            issues.append(Metro2Issue(
                number, rdw_at, "record", "record_descriptor_word", "M2_RDW",
                f"the record descriptor word declares {declared} bytes but the line holds "
                f"{end - start}; correct the RDW or restore the missing bytes"))
        records.append((number, rdw_at, end))
    return framing


def _packed_word(data: bytes, pos: int) -> int | None:
    word = data[pos:pos + 4]
    if len(word) < 4 or word[2:4] != b"\0\0":
        return None
    return int.from_bytes(word[:2], "big")


def _frame_packed(data: bytes) -> Framing:
    framing = Framing("packed")
    records = framing.records
    pos, size = 0, len(data)
    while pos < size:
        length = _packed_word(data, pos)
        if length is None:
            if _only_padding(data, pos):
                break
            raise Metro2FileError(
                "M2_RDW", f"a binary descriptor word should start at byte {pos} (two length "
                f"bytes, then two zero bytes) but the bytes are {data[pos:pos + 4]!r}; the "
                "length of the block or record before it is probably wrong", pos)
        if length < _MIN_RECORD:
            raise Metro2FileError(
                "M2_RDW", f"the descriptor word at byte {pos} declares {length} bytes, too "
                "short to hold a record", pos)
        if pos + length > size:
            raise Metro2FileError(
                "M2_TRUNCATED", f"the descriptor word at byte {pos} declares {length} bytes "
                f"but only {size - pos} remain; the file is cut short or the descriptor word "
                "is wrong", pos)
        inner = _packed_word(data, pos + 4)
        if inner is not None and _MIN_RECORD <= inner <= length - 4:
            _frame_packed_block(data, pos, pos + length, records)
        else:
            records.append((len(records) + 1, pos, pos + length))
        framing.blocks += 1
        pos += length
    return framing


def _frame_packed_block(data: bytes, start: int, end: int,
                        records: list[tuple[int, int, int]]) -> None:
    """The RDW records inside the BDW block ``data[start:end]``."""
    pos = start + 4
    while pos < end:
        length = _packed_word(data, pos)
        if length is None and not data[pos:end].strip(_PADDING):
            return
        if length is None or length < _MIN_RECORD or pos + length > end:
            raise Metro2FileError(
                "M2_RDW", f"the record at byte {pos} does not fit the block that starts at "
                f"byte {start} ({end - start} bytes by its BDW); the BDW or the RDW is wrong",
                pos)
        records.append((len(records) + 1, pos, pos + length))
        pos += length
