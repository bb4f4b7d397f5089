"""The ingestion pipeline: read → validate → classify → commit, all or nothing.

Classification sorts each valid row into *accepted*, *duplicate* (the same ``(furnisher,
event_id)`` with the same content, already stored or earlier in the file: not stored again) or
*conflict* (the same key with other content: quarantined, never an overwrite; within a file the
first occurrence wins). Corrections must name an event of the same furnisher, already stored or
in the same file. A record its furnisher deleted after a dispute cannot come back, under its
event_id or with the same content under a new one, until the furnisher certifies it
(``DISPUTE_DELETED``). Everything is decided before the store's single commit transaction, so a crash
at any point leaves either the whole batch or none of it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xinyong.ingest._readers import (
    FileRefused,
    csv_record_offsets,
    detect_format,
    read_csv,
    read_jsonl,
    read_parquet,
)
from xinyong.ingest._validate import (
    BatchContext,
    content_hash_sql,
    record_hash_sql,
    run_validation,
    stored_content_sql,
)
from xinyong.store import Store, fetch_one


@dataclass
class IngestSummary:
    file: str
    format: str
    furnisher: str
    sha256: str
    rows: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    conflicts: int = 0
    held: int = 0
    corrections: int = 0
    batch_id: int | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.quarantined == 0 else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "furnisher": self.furnisher,
            "sha256": self.sha256, "batch_id": self.batch_id, "rows": self.rows,
            "accepted": self.accepted, "quarantined": self.quarantined,
            "duplicates": self.duplicates, "conflicts": self.conflicts, "held": self.held,
            "corrections": self.corrections, "errors": self.errors,
        }


def _sha256(path: Path, out: list[str]) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    out.append(digest.hexdigest())


def ingest_file(store: Store, path: Path, *, furnisher: str, fmt: str | None = None) -> IngestSummary:
    """Ingest one furnisher file; see the module docstring for what happens to each row."""
    if not path.is_file():
        raise FileRefused("UNREADABLE_FILE", f"no file {path}", field="file")
    fmt = detect_format(path, fmt)
    furnisher_id, may_report = store.furnisher(furnisher)
    hashed: list[str] = []
    hasher = threading.Thread(target=_sha256, args=(path, hashed))
    hasher.start()
    con = store.con
    try:
        if fmt == "csv":
            malformed = read_csv(con, path)
        elif fmt == "jsonl":
            malformed = read_jsonl(con, path)
        elif fmt == "parquet":
            malformed = read_parquet(con, path)
        else:
            from xinyong.ingest.metro2_adapter import read_metro2_rows

            malformed = read_metro2_rows(con, path, furnisher)
    finally:
        hasher.join()
    summary = IngestSummary(str(path), fmt, furnisher, hashed[0] if hashed else "")
    ctx = BatchContext(store.catalogue, store.profile, may_report, *store.hmac_pads())
    run_validation(con, ctx)
    classify(store, furnisher_id)
    if fmt == "csv":
        _locate_csv_offsets(store, path)
    result = store.commit_batch(
        furnisher_id=furnisher_id, source=str(path), fmt=fmt, sha256=summary.sha256,
        malformed=malformed,
    )
    summary.batch_id = result.batch_id
    summary.rows = result.rows
    summary.accepted = result.accepted
    summary.quarantined = result.quarantined
    summary.duplicates = result.duplicates
    summary.conflicts = result.conflicts
    summary.held = result.held
    summary.corrections = result.corrections
    summary.errors = result.errors
    return summary


def classify(store: Store, furnisher_id: int | None) -> None:
    """``ingest_checked`` → ``ingest_classified`` with an ``outcome`` per row.

    Content is compared (by an md5 over the normalised fields) only where an ``event_id`` is
    already taken, in the store or earlier in the file, so a batch of new events pays nothing.
    """
    con = store.con
    fid = "furnisher_id" if furnisher_id is None else str(furnisher_id)
    digest = content_hash_sql(store.catalogue)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW ingest_valid AS
        SELECT c.*, {fid} AS fid, i.subject_ref
        FROM ingest_checked AS c JOIN ingest_ids AS i USING (id_index)
        WHERE len(c.errors) = 0"""
    )
    counts = con.execute(
        "SELECT COUNT(*), COUNT(DISTINCT (fid, event_id)) FROM ingest_valid"
    ).fetchall()[0]
    if counts[0] != counts[1]:
        first = f"""
          SELECT fid, event_id, arg_min({digest}, row_number) AS first_hash,
                 MIN(row_number) AS first_row
          FROM ingest_valid
          WHERE (fid, event_id) IN (
            SELECT (fid, event_id) FROM ingest_valid GROUP BY fid, event_id HAVING COUNT(*) > 1)
          GROUP BY fid, event_id"""
    else:
        first = """
          SELECT CAST(NULL AS INTEGER) AS fid, CAST(NULL AS VARCHAR) AS event_id,
                 CAST(NULL AS VARCHAR) AS first_hash, CAST(NULL AS BIGINT) AS first_row
          WHERE false"""
    stored = stored_content_sql(store.catalogue)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ingest_classified AS
        WITH firsts AS ({first}),
        taken AS (
          SELECT fid, event_id, is_correction FROM ingest_valid
          WHERE event_id IN (SELECT event_id FROM events UNION ALL
                             SELECT event_id FROM event_corrections)
        ),
        stored AS ({stored})
        SELECT v.*,
          CASE
            WHEN s.event_id IS NOT NULL AND s.content_hash = {digest}
              THEN 'duplicate'
            WHEN s.event_id IS NOT NULL THEN 'conflict'
            WHEN f.first_row IS NOT NULL AND f.first_row <> v.row_number
                 AND f.first_hash = {digest} THEN 'duplicate'
            WHEN f.first_row IS NOT NULL AND f.first_row <> v.row_number THEN 'conflict'
            ELSE 'accept'
          END AS outcome
        FROM ingest_valid AS v
        LEFT JOIN stored AS s
          ON s.fid = v.fid AND s.event_id = v.event_id AND s.is_correction = v.is_correction
        LEFT JOIN firsts AS f ON f.fid = v.fid AND f.event_id = v.event_id"""
    )
    # A correction must name an event of the same furnisher and subject, stored or in this file.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ingest_targets AS
        SELECT c.row_number,
               COALESCE(e.subject_key IS NOT NULL, false) OR b.row_number IS NOT NULL AS found,
               COALESCE(sb.subject_ref, b.subject_ref) AS target_ref,
               COALESCE(CAST(sb.kind AS VARCHAR), b.kind) AS target_kind
        FROM ingest_classified AS c
        LEFT JOIN events AS e ON e.furnisher_id = c.fid AND e.event_id = c.target_event_id
        LEFT JOIN subjects AS sb ON sb.subject_key = e.subject_key
        LEFT JOIN ingest_classified AS b
          ON b.fid = c.fid AND b.event_id = c.target_event_id AND b.outcome = 'accept'
             AND NOT b.is_correction
        WHERE c.is_correction AND c.outcome = 'accept'"""
    )
    con.execute(
        """
        UPDATE ingest_classified AS c SET outcome = 'invalid', errors = [
          CASE WHEN NOT t.found THEN {'field': 'attributes.target_event_id',
            'code': 'CORRECTION_TARGET_UNKNOWN',
            'message': 'no event ' || c.target_event_id || ' from this furnisher to correct'}
          ELSE {'field': 'subject_id', 'code': 'CORRECTION_SUBJECT_MISMATCH',
            'message': 'the corrected event is about another subject'} END]
        FROM ingest_targets AS t
        WHERE t.row_number = c.row_number
          AND (NOT t.found OR t.target_ref <> c.subject_ref OR t.target_kind <> c.kind)"""
    )
    _refuse_deleted_records(store)


def _refuse_deleted_records(store: Store) -> None:
    """Rows that bring back a record its furnisher deleted after a dispute.

    Until the furnisher certifies the record they are quarantined (``DISPUTE_DELETED``); after
    it, the record is back in scoring, so the same content under a new id is a duplicate.
    Costs one count when no record was ever deleted after a dispute (the usual case); otherwise
    rows are matched on furnisher and subject first, so the content hash is computed only for
    rows about a subject with a deleted record.
    """
    con = store.con
    deleted = fetch_one(con.execute("SELECT COUNT(*) FROM dispute_deleted_records"))
    if not deleted or not deleted[0]:
        return
    digest = record_hash_sql(store.catalogue, "c")
    matches = f"""
          SELECT c.row_number, MIN(d.dispute_id) AS dispute_id,
                 bool_or(d.certified_at IS NULL) AS blocked
          FROM ingest_classified AS c
          JOIN (SELECT d.*, s.subject_ref FROM dispute_deleted_records AS d
                JOIN subjects AS s USING (subject_key)) AS d
            ON d.furnisher_id = c.fid AND d.subject_ref = c.subject_ref
           AND ((d.event_id = c.event_id AND NOT c.is_correction) OR d.content_hash = {digest})
          WHERE c.outcome IN ('accept', 'duplicate', 'conflict')
            AND c.raw_type <> 'correction.void'
          GROUP BY c.row_number"""
    con.execute(
        f"""
        UPDATE ingest_classified AS c SET outcome = 'invalid', errors = [{{'field': 'event_id',
          'code': 'DISPUTE_DELETED', 'message': 'the furnisher deleted this record after '
          || 'dispute ' || m.dispute_id || '; it can be reported again only after the furnisher '
          || 'certifies it is accurate and complete (xinyong dispute certify ' || m.dispute_id
          || ' --furnisher NAME --note TEXT)'}}]
        FROM ({matches}) AS m
        WHERE m.row_number = c.row_number AND m.blocked"""
    )
    con.execute(
        f"""
        UPDATE ingest_classified AS c SET outcome = 'duplicate'
        FROM ({matches}) AS m
        WHERE m.row_number = c.row_number AND NOT m.blocked AND c.outcome = 'accept'"""
    )


def _locate_csv_offsets(store: Store, path: Path) -> None:
    """Byte offsets for the CSV rows that will be reported (only computed when some are)."""
    con = store.con
    bad = con.execute(
        "SELECT COUNT(*) FROM ingest_checked WHERE len(errors) > 0"
    ).fetchall()[0][0] + con.execute(
        "SELECT COUNT(*) FROM ingest_classified WHERE outcome IN ('conflict', 'invalid')"
    ).fetchall()[0][0]
    if not bad:
        return
    import pyarrow as pa

    offsets = csv_record_offsets(path)
    table = pa.table({"row_number": range(1, len(offsets)), "byte_offset": offsets[1:]})
    con.register("ingest_offsets", table)
    try:
        for name, reported in (("ingest_checked", "len(errors) > 0"),
                               ("ingest_classified", "outcome IN ('conflict', 'invalid')")):
            con.execute(
                f"UPDATE {name} SET byte_offset = o.byte_offset FROM ingest_offsets AS o "
                f"WHERE {name}.row_number = o.row_number AND {reported}"
            )
    finally:
        con.unregister("ingest_offsets")
