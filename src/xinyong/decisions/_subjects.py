"""Finding a subject by ID through an index a point lookup can use.

``Store.find_subject`` filters on ``(kind, subject_ref)``; DuckDB answers that with a full scan
of ``subjects`` (its composite UNIQUE index is used for the constraint, not for lookups), which
costs tens of milliseconds per query on a million subjects. Decisions look subjects up on every
query, so they filter on ``subject_ref`` alone, which the single-column index
``subjects_subject_ref`` (created with the decisions tables) serves in well under a millisecond,
and check the kind in Python. Same arguments, results and errors as ``Store.find_subject``.
"""

from __future__ import annotations

from xinyong.decisions._tables import tables
from xinyong.errors import XinyongError
from xinyong.store import Store


def find_subject(store: Store, subject_id: str, kind: str | None = None) -> tuple[int, str]:
    """The ``(subject_key, kind)`` of a subject by its ID; tries both kinds when not given."""
    con = tables(store)
    kinds = [kind] if kind else ["person", "organisation"]
    errors: list[str] = []
    for k in kinds:
        try:
            ref = store.subject_ref(k, subject_id)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        rows = con.execute("SELECT subject_key, kind FROM subjects WHERE subject_ref = ?",
                           [ref]).fetchall()
        for key, found in rows:
            if found == k:
                return int(key), k
    if len(errors) == len(kinds):
        raise XinyongError("INVALID_ID", "not a valid subject ID: " + "; ".join(errors),
                           field="subject_id")
    raise XinyongError("UNKNOWN_SUBJECT", "no events have been reported about this subject",
                       field="subject_id")
