"""Checking the trailer's totals against the records actually read.

The trailer repeats counts the furnisher computed (base records, accounts per status, appended
segments, SSNs, dates of birth, telephone numbers, blocks). :func:`trailer_issues` recounts each
from the parsed records and reports every total that disagrees, at the trailer field's offset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Final

from xinyong.ingest.metro2 import _layout as lay
from xinyong.ingest.metro2._records import (
    AssociatedConsumer,
    Metro2Base,
    Metro2Issue,
    Metro2Trailer,
)

_SEGMENT_TOTALS: Final = {f"total_{key.lower()}_segments": key.lower()
                          for key in ("K1", "K2", "K3", "K4", "L1", "N1")}


def _present(identifier: str) -> bool:
    return bool(identifier.strip("0 "))


def _label(name: str) -> str:
    if name.startswith("total_status_"):
        return f"count of accounts with status {name.removeprefix('total_status_').upper()}"
    if name.endswith("_segments"):
        return f"count of {name.split('_')[1].upper()} segments"
    return name.replace("_", " ")


def recount(bases: Sequence[Metro2Base], base_records: int, blocks: int) -> dict[str, int]:
    """Every trailer total, derived from the records read."""
    totals: dict[str, int] = {name: 0 for name in lay.TRAILER_COUNTS if name}
    totals["total_base_records"] = base_records
    totals["block_count"] = blocks
    statuses = Counter(base.account_status for base in bases)
    for status, count in statuses.items():
        key = f"total_status_{status.lower()}"
        if key in totals:
            totals[key] = count
    ecoa_z = ssn_base = dob_base = phones = 0
    j1: list[AssociatedConsumer] = []
    j2: list[AssociatedConsumer] = []
    for base in bases:
        ecoa_z += base.ecoa_code == "Z"
        ssn_base += _present(base.ssn)
        dob_base += base.date_of_birth is not None
        phones += _present(base.telephone)
        if base.j1:
            j1.extend(base.j1)
        if base.j2:
            j2.extend(base.j2)
        for name, attribute in _SEGMENT_TOTALS.items():
            totals[name] += getattr(base, attribute) is not None
    totals["total_j1_segments"] = len(j1)
    totals["total_j2_segments"] = len(j2)
    ssn_j1 = sum(_present(a.ssn) for a in j1)
    ssn_j2 = sum(_present(a.ssn) for a in j2)
    dob_j1 = sum(a.date_of_birth is not None for a in j1)
    dob_j2 = sum(a.date_of_birth is not None for a in j2)
    totals["total_ecoa_z"] = ecoa_z + sum(a.ecoa_code == "Z" for a in j1 + j2)
    totals.update(
        total_ssn_all=ssn_base + ssn_j1 + ssn_j2, total_ssn_base=ssn_base, total_ssn_j1=ssn_j1,
        total_ssn_j2=ssn_j2, total_birth_dates_all=dob_base + dob_j1 + dob_j2,
        total_birth_dates_base=dob_base, total_birth_dates_j1=dob_j1,
        total_birth_dates_j2=dob_j2,
        total_telephones_all=phones + sum(_present(a.telephone) for a in j1 + j2),
    )
    return totals


def trailer_issues(trailer: Metro2Trailer, layout: lay.Layout, bases: Sequence[Metro2Base],
                   base_records: int, blocks: int) -> list[Metro2Issue]:
    """One ``M2_TRAILER_TOTAL`` issue per trailer total that disagrees with the records."""
    derived = recount(bases, base_records, blocks)
    issues: list[Metro2Issue] = []
    for name, start, _, _, _ in layout:
        stated = getattr(trailer, name)
        if (stated or 0) == derived[name]:
            continue
        shown = "blank" if stated is None else stated
        issues.append(Metro2Issue(
            trailer.record, trailer.offset + start, "trailer", name, "M2_TRAILER_TOTAL",
            f"the trailer's {_label(name)} is {shown} but the file holds {derived[name]}; "
            "recount the trailer from the records sent (or send the records it counts)"))
    return issues
