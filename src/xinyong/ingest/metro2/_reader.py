"""Reading a Metro 2 file: framing, decoding every record, then the file-level checks.

:func:`read_metro2` detects the format (:mod:`._framing`), decodes each record
(:mod:`._decode`), checks that the file opens with a header and closes with a trailer, and
recounts the trailer's totals (:mod:`._totals`). It collects every issue it finds and raises
only :class:`Metro2FileError`, for a file it cannot cut into records.

>>> from xinyong.ingest.metro2 import metro2_fixed_bytes
>>> file = read_metro2(metro2_fixed_bytes(3, seed=1))
>>> file.format, len(file.bases), file.issues
('fixed', 3, ())
"""

from __future__ import annotations

from xinyong.ingest.metro2 import _layout as lay
from xinyong.ingest.metro2._decode import RecordDecoder
from xinyong.ingest.metro2._framing import frame
from xinyong.ingest.metro2._records import (
    Metro2Base,
    Metro2File,
    Metro2Header,
    Metro2Issue,
    Metro2Trailer,
)
from xinyong.ingest.metro2._totals import trailer_issues


def read_metro2(data: bytes) -> Metro2File:
    """Parse a Metro 2 file in any of its three formats into typed records and issues.

    Raises :class:`Metro2FileError` only when the file cannot be framed into records; every
    other problem is a :class:`Metro2Issue` in ``file.issues``, in file order.
    """
    data = bytes(data)
    framing = frame(data)
    packed = framing.format == "packed"
    decoder = RecordDecoder(packed=packed)
    decoder.issues.extend(framing.issues)
    header: Metro2Header | None = None
    trailer: Metro2Trailer | None = None
    bases: list[Metro2Base] = []
    base_records = 0
    records = framing.records
    last = len(records) - 1
    first_is_header = last_is_trailer = False
    for index, (number, start, end) in enumerate(records):
        record = data[start:end]
        if record[4:10] == b"HEADER":
            if index == 0:
                first_is_header = True
                header = decoder.header(record, number, start)
            else:
                decoder.issue(number, start, "header", "", "M2_RECORD_ORDER",
                              f"record {number} is a second header; only the first record of a "
                              "file may be a header, so this one was skipped")
        elif record[4:11] == b"TRAILER":
            if index == last:
                last_is_trailer = True
                trailer = decoder.trailer(record, number, start)
            else:
                decoder.issue(number, start, "trailer", "", "M2_RECORD_ORDER",
                              f"record {number} is a trailer but records follow it; only the "
                              "last record may be a trailer, so this one was skipped")
        else:
            base_records += 1
            base = decoder.base(record, number, start)
            if base is not None:
                bases.append(base)
    issues = decoder.issues
    if not first_is_header:
        issues.append(Metro2Issue(
            1, records[0][1] if records else 0, "header", "", "M2_NO_HEADER",
            "the file does not start with a header record (RDW, then 'HEADER'); add the "
            "header that identifies the reporter and the activity date"))
    if not last_is_trailer:
        issues.append(Metro2Issue(
            len(records), len(data), "trailer", "", "M2_NO_TRAILER",
            "the file does not end with a trailer record (RDW, then 'TRAILER'); the file may "
            "be cut short — send it again complete, trailer totals included"))
    if trailer is not None:
        layout = lay.PACKED_TRAILER if packed else lay.CHARACTER_TRAILER
        issues.extend(trailer_issues(trailer, layout, bases, base_records, framing.blocks))
    issues.sort(key=lambda issue: (issue.record, issue.offset))
    return Metro2File(format=framing.format, header=header, bases=tuple(bases),
                      trailer=trailer, issues=tuple(issues), blocks=framing.blocks)
