"""Committing an ingested batch: one transaction that stores all of it or none of it.

Input is the pipeline's temp tables (``ingest_checked``: every parsed row with its errors;
``ingest_ids``: the batch's distinct subjects; ``ingest_exceptions``: the valid rows that are not
simply accepted; ``ingest_classified``: the view of the valid rows with their outcome). Where a
statement needs only which rows are accepted it reads ``ingest_checked`` and
``ingest_exceptions`` rather than the view, which joins each row's shape back. The transaction
registers new
subjects (enrolled or not, per the jurisdiction profile), appends accepted events, records
corrections against the events they void, quarantines every other row with all its reasons and
the raw fields, and records the batch with its file's sha256.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xinyong.store._store import Store


@dataclass
class BatchResult:
    batch_id: int
    rows: int
    accepted: int
    quarantined: int
    duplicates: int
    conflicts: int
    held: int
    corrections: int
    new_subjects: int
    errors: list[dict[str, Any]] = field(default_factory=list)


# The raw fields of a quarantined row, as read (joined back from ingest_rows by row number).
# People's IDs never reach the database in clear, not even in quarantine: a row not about an
# organisation keeps only a masked subject_id, and its attributes only if they name no
# counterparty (the furnisher has the full row in its own file at the reported row and offset).
_RAW = """json_object('event_id', r.event_id, 'subject_kind', r.subject_kind,
  'subject_id', CASE WHEN lower(trim(r.subject_kind)) = 'organisation' THEN r.subject_id
                     WHEN length(r.subject_id) >= 10
                       THEN left(r.subject_id, 4) || '********' || right(r.subject_id, 2)
                     ELSE '********' END,
  'event_type', r.event_type,
  'occurred_at', CAST(r.occurred_at AS VARCHAR), 'amount', CAST(r.amount AS VARCHAR),
  'attributes', CASE WHEN contains(COALESCE(r.attributes, ''), 'counterparty_id')
                     THEN '(withheld: names a counterparty)' ELSE r.attributes END)"""


def commit_batch(
    store: Store,
    *,
    furnisher_id: int | None,
    source: str,
    fmt: str,
    sha256: str | None,
    malformed: list[dict[str, Any]],
    enrolled: bool,
) -> BatchResult:
    from xinyong.governance._audit import record_audit  # governance uses the store
    from xinyong.ingest._content import content_hash_sql  # ingest imports the store

    con = store.con
    attributes = list(store.catalogue.attributes)
    fid = "NULL" if furnisher_id is None else str(furnisher_id)
    con.execute("BEGIN TRANSACTION")
    try:
        batch_id = int(con.execute(
            "SELECT COALESCE(MAX(batch_id), 0) + 1 FROM batches").fetchall()[0][0])
        before = int(con.execute("SELECT COUNT(*) FROM subjects").fetchall()[0][0])
        con.execute(
            f"""
            INSERT INTO subjects (subject_key, kind, subject_ref, enrolled)
            SELECT (SELECT COALESCE(MAX(subject_key), 0) FROM subjects)
                   + row_number() OVER (ORDER BY kind, subject_ref),
                   CAST(kind AS subject_kind), subject_ref, {str(enrolled).lower()}
            FROM ingest_ids AS r
            WHERE id_index IN (
                SELECT c.id_index FROM ingest_checked AS c
                ANTI JOIN ingest_exceptions AS x USING (row_number) WHERE NOT c.failed)
              AND NOT EXISTS (
                SELECT 1 FROM subjects AS s
                WHERE s.kind = CAST(r.kind AS subject_kind) AND s.subject_ref = r.subject_ref)"""
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE ingest_keys AS
            SELECT i.id_index, s.subject_key FROM ingest_ids AS i
            JOIN subjects AS s ON s.kind = CAST(i.kind AS subject_kind)
                              AND s.subject_ref = i.subject_ref"""
        )
        new_subjects = int(con.execute("SELECT COUNT(*) FROM subjects").fetchall()[0][0]) - before
        seq0 = int(con.execute("SELECT COALESCE(MAX(event_seq), 0) FROM events").fetchall()[0][0])
        columns = ", ".join(attributes)
        con.execute(
            f"""
            INSERT INTO events (event_seq, furnisher_id, event_id, subject_key, event_type,
                                occurred_at, amount, {columns}, batch_id, recorded_at)
            SELECT {seq0} + c.row_number, c.fid, c.event_id,
                   s.subject_key, CAST(c.etype AS event_type), c.ts, c.amt,
                   {', '.join(f'c.{a}' for a in attributes)}, {batch_id}, current_timestamp
            FROM ingest_classified AS c JOIN ingest_keys AS s USING (id_index)
            WHERE c.outcome = 'accept' AND c.raw_type <> 'correction.void'"""
        )
        con.execute(
            f"""
            INSERT INTO event_corrections (furnisher_id, event_id, kind, target_event_id,
                                           target_event_seq, content_hash, batch_id)
            SELECT c.fid, c.event_id, c.raw_type, c.target_event_id, e.event_seq,
                   {content_hash_sql(store.catalogue, 'c')}, {batch_id}
            FROM (SELECT c.*, i.subject_ref FROM ingest_classified AS c
                  JOIN ingest_ids AS i USING (id_index)
                  WHERE c.outcome = 'accept' AND c.is_correction) AS c
            JOIN events AS e ON e.furnisher_id = c.fid AND e.event_id = c.target_event_id"""
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ingest_bad AS
            SELECT COALESCE(furnisher_id, {fid}) AS furnisher_id, row_number, byte_offset,
                   event_id, false AS conflict, to_json(errors) AS errors
            FROM ingest_checked WHERE failed
            UNION ALL
            SELECT fid, row_number, byte_offset, event_id, outcome = 'conflict',
                   CASE WHEN outcome = 'conflict' THEN to_json([{{'field': 'event_id',
                     'code': 'CONFLICT', 'message': 'event_id ' || event_id || ' was already '
                     || 'reported with other content; send a correction.replace instead of '
                     || 'reusing the id'}}]) ELSE to_json(errors) END
            FROM ingest_classified WHERE outcome IN ('conflict', 'invalid')"""
        )
        con.execute(
            f"""
            INSERT INTO quarantine (batch_id, furnisher_id, row_number, byte_offset, event_id,
                                    conflict, errors, raw)
            SELECT {batch_id}, b.furnisher_id, b.row_number, b.byte_offset, b.event_id,
                   b.conflict, b.errors, {_RAW}
            FROM ingest_bad AS b
            JOIN (SELECT * FROM ingest_rows
                  WHERE row_number IN (SELECT row_number FROM ingest_bad)) AS r
              USING (row_number)"""
        )
        for bad in malformed:
            con.execute(
                "INSERT INTO quarantine (batch_id, furnisher_id, row_number, byte_offset, "
                "event_id, conflict, errors, raw) VALUES (?, ?, ?, ?, NULL, false, ?, ?)",
                [batch_id, furnisher_id, bad["row"], bad.get("offset"),
                 json.dumps([{k: bad[k] for k in ("field", "code", "message")}]),
                 json.dumps({"line": bad.get("raw")})],
            )
        counts = con.execute(
            """
            SELECT COUNT(*) FILTER (WHERE outcome = 'accept'),
                   COUNT(*) FILTER (WHERE outcome = 'duplicate'),
                   COUNT(*) FILTER (WHERE outcome = 'conflict'),
                   COUNT(*) FILTER (WHERE outcome = 'accept' AND is_correction)
            FROM ingest_classified"""
        ).fetchall()[0]
        accepted, duplicates, conflicts, corrections = (int(x) for x in counts)
        quarantined = int(con.execute(
            "SELECT COUNT(*) FROM quarantine WHERE batch_id = ?", [batch_id]).fetchall()[0][0])
        held = int(con.execute(
            """SELECT COUNT(*) FROM events AS e JOIN subjects AS s USING (subject_key)
               WHERE e.batch_id = ? AND NOT s.enrolled""", [batch_id]).fetchall()[0][0])
        rows = accepted + duplicates + quarantined
        con.execute(
            """INSERT INTO batches (batch_id, source, sha256, rows, accepted, duplicates,
                 furnisher_id, format, quarantined, conflicts, held, corrections)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [batch_id, source, sha256, rows, accepted, duplicates, furnisher_id, fmt,
             quarantined, conflicts, held, corrections],
        )
        # One entry per batch, with its counts (the file's path stays out: it may name people).
        record_audit(con, "ingest.batch", actor="operator",
                     details={"batch_id": batch_id, "furnisher_id": furnisher_id, "format": fmt,
                              "sha256": sha256, "rows": rows, "accepted": accepted,
                              "duplicates": duplicates, "quarantined": quarantined,
                              "conflicts": conflicts, "held": held, "corrections": corrections,
                              "new_subjects": new_subjects})
        errors = [
            {"row": int(r), "offset": None if o is None else int(o), **e}
            for r, o, errs in con.execute(
                "SELECT row_number, byte_offset, errors FROM quarantine WHERE batch_id = ? "
                "ORDER BY row_number", [batch_id]).fetchall()
            for e in json.loads(errs)
        ]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return BatchResult(batch_id, rows, accepted, quarantined, duplicates, conflicts, held,
                       corrections, new_subjects, errors)
