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

from xinyong.ingest._content import content_hash_sql, record_hash_sql, stored_content_sql
from xinyong.ingest._readers import (
    FileRefused,
    csv_record_offsets,
    detect_format,
    read_csv,
    read_jsonl,
    read_parquet,
)
from xinyong.ingest._validate import BatchContext, run_validation
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
    if fmt == "metro2" and furnisher_id is not None:  # XB and the other compliance codes
        from xinyong.ingest.metro2_adapter import record_metro2_disputes

        record_metro2_disputes(store, furnisher_id, batch_id=result.batch_id)
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


_NO_ERRORS = "CAST(NULL AS STRUCT(field VARCHAR, code VARCHAR, message VARCHAR)[])"


def classify(store: Store, furnisher_id: int | None) -> None:
    """``ingest_checked`` → the ``ingest_classified`` view, with an ``outcome`` per valid row.

    Classification is by exception: only rows that can be anything but *accept* (an
    ``event_id`` already taken, in the store or earlier in the file; a correction; a record
    deleted after a dispute) are looked at, and their outcomes go to ``ingest_exceptions``;
    ``ingest_classified`` joins them back to the valid rows without copying the batch. Content
    is compared (by an md5 over the normalised fields) only for those rows.
    """
    con = store.con
    fid = "furnisher_id" if furnisher_id is None else str(furnisher_id)
    digest = content_hash_sql(store.catalogue)
    # What a row's shape says (kind, types, attributes) is stored once per shape and joined back.
    shape_columns = ", ".join(
        f"v.{c}" for c in ("kind", "raw_type", "etype", "is_correction", "target_event_id",
                           *store.catalogue.attributes))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW ingest_valid AS
        SELECT c.* EXCLUDE (errors, shape_index), {fid} AS fid, {shape_columns}
        FROM ingest_checked AS c JOIN ingest_verdicts AS v USING (shape_index)
        WHERE NOT c.failed"""
    )
    key = "(furnisher_id, event_id)" if furnisher_id is None else "event_id"
    counts = con.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT {key}) FROM ingest_checked WHERE NOT failed"
    ).fetchall()[0]
    if counts[0] != counts[1]:
        first = f"""
          SELECT fid, event_id, arg_min({digest}, row_number) AS first_hash,
                 MIN(row_number) AS first_row
          FROM (SELECT v.*, i.subject_ref FROM ingest_valid AS v JOIN ingest_ids AS i
                USING (id_index)
                WHERE (fid, event_id) IN (SELECT (fid, event_id) FROM ingest_valid
                                          GROUP BY fid, event_id HAVING COUNT(*) > 1))
          GROUP BY fid, event_id"""
    else:
        first = """
          SELECT CAST(NULL AS INTEGER) AS fid, CAST(NULL AS VARCHAR) AS event_id,
                 CAST(NULL AS VARCHAR) AS first_hash, CAST(NULL AS BIGINT) AS first_row
          WHERE false"""
    stored = stored_content_sql(store.catalogue)
    # A file's rows can only reuse ids of its own furnisher's events: look up only those.
    same_furnisher = "" if furnisher_id is None else f" WHERE furnisher_id = {furnisher_id}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ingest_exceptions AS
        WITH firsts AS ({first}),
        taken AS (
          SELECT fid, event_id, is_correction FROM ingest_valid
          WHERE event_id IN (SELECT event_id FROM events{same_furnisher} UNION ALL
                             SELECT event_id FROM event_corrections{same_furnisher})
        ),
        stored AS ({stored}),
        outcomes AS (
          SELECT v.row_number,
            CASE
              WHEN s.event_id IS NOT NULL AND s.content_hash = {digest}
                THEN 'duplicate'
              WHEN s.event_id IS NOT NULL THEN 'conflict'
              WHEN f.first_row IS NOT NULL AND f.first_row <> v.row_number
                   AND f.first_hash = {digest} THEN 'duplicate'
              WHEN f.first_row IS NOT NULL AND f.first_row <> v.row_number THEN 'conflict'
              ELSE 'accept'
            END AS outcome
          FROM (SELECT v.*, i.subject_ref FROM ingest_valid AS v JOIN ingest_ids AS i
                USING (id_index)
                WHERE (fid, event_id) IN (SELECT (fid, event_id) FROM firsts
                                          UNION ALL SELECT (fid, event_id) FROM taken)) AS v
          LEFT JOIN stored AS s
            ON s.fid = v.fid AND s.event_id = v.event_id AND s.is_correction = v.is_correction
          LEFT JOIN firsts AS f ON f.fid = v.fid AND f.event_id = v.event_id
        )
        SELECT row_number, outcome, {_NO_ERRORS} AS errors FROM outcomes
        WHERE outcome <> 'accept'"""
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW ingest_classified AS
        SELECT v.*, COALESCE(x.outcome, 'accept') AS outcome,
               COALESCE(x.errors, []) AS errors
        FROM ingest_valid AS v LEFT JOIN ingest_exceptions AS x USING (row_number)"""
    )
    _check_correction_targets(store)
    _refuse_deleted_records(store)


def _check_correction_targets(store: Store) -> None:
    """A correction must name an event of the same furnisher and subject, stored or in this file."""
    con = store.con
    corrections = fetch_one(con.execute(
        "SELECT COUNT(*) FROM ingest_classified WHERE is_correction AND outcome = 'accept'"))
    if not corrections or not corrections[0]:
        return
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ingest_targets AS
        SELECT c.row_number, c.target_event_id,
               COALESCE(e.subject_key IS NOT NULL, false) OR b.row_number IS NOT NULL AS found,
               COALESCE(sb.subject_ref, b.subject_ref) AS target_ref,
               COALESCE(CAST(sb.kind AS VARCHAR), b.kind) AS target_kind,
               c.subject_ref, c.kind
        FROM (SELECT c.*, i.subject_ref FROM ingest_classified AS c
              JOIN ingest_ids AS i USING (id_index)
              WHERE c.is_correction AND c.outcome = 'accept') AS c
        LEFT JOIN events AS e ON e.furnisher_id = c.fid AND e.event_id = c.target_event_id
        LEFT JOIN subjects AS sb ON sb.subject_key = e.subject_key
        LEFT JOIN (SELECT b.*, i.subject_ref FROM ingest_classified AS b
                   JOIN ingest_ids AS i USING (id_index)
                   WHERE b.outcome = 'accept' AND NOT b.is_correction) AS b
          ON b.fid = c.fid AND b.event_id = c.target_event_id"""
    )
    con.execute(
        """
        INSERT INTO ingest_exceptions
        SELECT DISTINCT ON (row_number) row_number, 'invalid', [
          CASE WHEN NOT found THEN {'field': 'attributes.target_event_id',
            'code': 'CORRECTION_TARGET_UNKNOWN',
            'message': 'no event ' || target_event_id || ' from this furnisher to correct'}
          ELSE {'field': 'subject_id', 'code': 'CORRECTION_SUBJECT_MISMATCH',
            'message': 'the corrected event is about another subject'} END]
        FROM ingest_targets
        WHERE NOT found OR target_ref <> subject_ref OR target_kind <> kind"""
    )


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
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ingest_deleted_matches AS
        SELECT c.row_number, any_value(c.outcome) AS outcome, MIN(d.dispute_id) AS dispute_id,
               bool_or(d.certified_at IS NULL) AS blocked
        FROM (SELECT c.*, i.subject_ref FROM ingest_classified AS c
              JOIN ingest_ids AS i USING (id_index)) AS c
        JOIN (SELECT d.*, s.subject_ref FROM dispute_deleted_records AS d
              JOIN subjects AS s USING (subject_key)) AS d
          ON d.furnisher_id = c.fid AND d.subject_ref = c.subject_ref
         AND ((d.event_id = c.event_id AND NOT c.is_correction) OR d.content_hash = {digest}
              -- a replacement of the record is the record coming back with other content
              OR (c.raw_type = 'correction.replace' AND d.event_id = c.target_event_id))
        WHERE c.outcome IN ('accept', 'duplicate', 'conflict')
          AND c.raw_type <> 'correction.void'
        GROUP BY c.row_number"""
    )
    con.execute(
        """
        DELETE FROM ingest_exceptions WHERE row_number IN (
          SELECT row_number FROM ingest_deleted_matches WHERE blocked)"""
    )
    con.execute(
        """
        INSERT INTO ingest_exceptions
        SELECT row_number, CASE WHEN blocked THEN 'invalid' ELSE 'duplicate' END,
          CASE WHEN blocked THEN [{'field': 'event_id', 'code': 'DISPUTE_DELETED',
            'message': 'this record was deleted after dispute ' || dispute_id
            || ' (by the furnisher, or suppressed when not verified in time)'
            || '; it can be reported again only after the furnisher certifies it is accurate '
            || 'and complete (xinyong dispute certify ' || dispute_id
            || ' --furnisher NAME --note TEXT)'}] END
        FROM ingest_deleted_matches WHERE blocked OR outcome = 'accept'"""
    )


def _locate_csv_offsets(store: Store, path: Path) -> None:
    """Byte offsets for the CSV rows that will be reported (only computed when some are)."""
    con = store.con
    reported = ("ingest_checked.failed OR ingest_checked.row_number IN (SELECT x.row_number "
                "FROM ingest_exceptions AS x WHERE x.outcome IN ('conflict', 'invalid'))")
    bad = fetch_one(con.execute(f"SELECT COUNT(*) FROM ingest_checked WHERE {reported}"))
    if not bad or not bad[0]:
        return
    import pyarrow as pa

    offsets = csv_record_offsets(path)
    table = pa.table({"row_number": range(1, len(offsets)), "byte_offset": offsets[1:]})
    con.register("ingest_offsets", table)
    try:
        con.execute(
            "UPDATE ingest_checked SET byte_offset = o.byte_offset FROM ingest_offsets AS o "
            f"WHERE ingest_checked.row_number = o.row_number AND ({reported})"
        )
    finally:
        con.unregister("ingest_offsets")
