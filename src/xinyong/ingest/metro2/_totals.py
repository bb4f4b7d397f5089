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
    """Every trailer total, derived from the records read (one C-speed pass per total)."""
    totals: dict[str, int] = {name: 0 for name in lay.TRAILER_COUNTS if name}
    totals["total_base_records"] = base_records
    totals["block_count"] = blocks
    for status, count in Counter(base.account_status for base in bases).items():
        key = f"total_status_{status.lower()}"
        if key in totals:
            totals[key] = count
    j1 = [associate for base in bases for associate in base.j1]
    j2 = [associate for base in bases for associate in base.j2]
    totals["total_j1_segments"], totals["total_j2_segments"] = len(j1), len(j2)
    for name, attribute in _SEGMENT_TOTALS.items():
        totals[name] = sum(1 for base in bases if getattr(base, attribute) is not None)
    people: dict[str, Sequence[Metro2Base | AssociatedConsumer]] = {
        "base": bases, "j1": j1, "j2": j2}
    for who, group in people.items():
        totals[f"total_ssn_{who}"] = sum(1 for person in group if _present(person.ssn))
        totals[f"total_birth_dates_{who}"] = sum(
            1 for person in group if person.date_of_birth is not None)
    for kind in ("ssn", "birth_dates"):
        totals[f"total_{kind}_all"] = sum(totals[f"total_{kind}_{who}"] for who in people)
    totals["total_ecoa_z"] = sum(1 for group in people.values() for person in group
                                 if person.ecoa_code == "Z")
    totals["total_telephones_all"] = sum(1 for group in people.values() for person in group
                                         if _present(person.telephone))
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
