"""Metro 2 files into the ingestion pipeline.

The Metro 2 reader (``xinyong.ingest.metro2``) parses and checks the file and maps accounts to
canonical event rows; this adapter hands those rows to the shared validation as text, so a
Metro 2 batch is checked, deduplicated, quarantined and committed exactly like a CSV. A file
that cannot be framed into records is refused (exit code 2); problems inside records are
reported with their record number and byte offset and quarantined.

Metro 2 identifies consumers by SSN: ingest it into a home whose profile uses opaque IDs
(``xinyong init --profile us``).

An account's compliance condition code says whether the consumer disputes it with the furnisher
(``XB`` …). Reading the file stages what each account reports (the two temp tables described in
``xinyong.governance._furnisher_disputes``); once the batch is committed,
:func:`record_metro2_disputes` opens the furnisher-reported disputes on the account's stored
events, or closes them (``XC`` … verified, ``XH``/``XR``/``XA`` resolved).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from xinyong.errors import XinyongError
from xinyong.governance._furnisher_disputes import (
    ACCOUNTS,
    REPORTS,
    FurnisherDisputes,
    record_furnisher_disputes,
)
from xinyong.ingest._readers import FileRefused
from xinyong.ingest.metro2 import _codes as codes
from xinyong.store import Store, fetch_one

# The account of an event id m2:{account}:{YYYY-MM}:{kind} (see metro2._mapping).
_ACCOUNT_OF_EVENT = r"regexp_extract(event_id, '^m2:(.*):[0-9]{4}-[0-9]{2}:[^:]+$', 1)"


def _codes_sql(values: frozenset[str]) -> str:
    return ", ".join(f"'{code}'" for code in sorted(values))


def _stage_dispute_reports(con: duckdb.DuckDBPyConnection, furnisher: str) -> None:
    """What the file's accounts say about disputes, for :func:`record_metro2_disputes`: the
    events of accounts with a compliance code, and of accounts with open disputes (a blank code
    keeps them open)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {ACCOUNTS} AS
        SELECT dispute_id, {_ACCOUNT_OF_EVENT} AS account FROM disputes
        WHERE furnisher_id = (SELECT furnisher_id FROM furnishers WHERE name = ?)
          AND opened_by = 'furnisher' AND status = 'open' AND starts_with(event_id, 'm2:')""",
        [furnisher])
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {REPORTS} AS
        SELECT account, event_id, compliance_code AS code,
               CASE WHEN compliance_code IN ({_codes_sql(codes.CCC_IN_DISPUTE)}) THEN 'open'
                    WHEN compliance_code IN ({_codes_sql(codes.CCC_CONSUMER_DISAGREES)})
                      THEN 'verified'
                    WHEN compliance_code IN ({_codes_sql(codes.CCC_NO_DISPUTE)}) THEN 'resolved'
               END AS reported
        FROM metro2_events
        WHERE compliance_code IS NOT NULL OR account IN (SELECT account FROM {ACCOUNTS})""")


def record_metro2_disputes(store: Store, furnisher_id: int, *, batch_id: int | None = None,
                           now: datetime | None = None) -> FurnisherDisputes:
    """After the batch of a Metro 2 file is committed: open and close the furnisher-reported
    disputes its compliance condition codes say (staged when the file was read; used once)."""
    con = store.con
    staged = fetch_one(con.execute(
        "SELECT COUNT(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [REPORTS]))
    if staged is None or not staged[0]:
        return FurnisherDisputes(0, 0, 0)
    try:
        return record_furnisher_disputes(store, furnisher_id, batch_id=batch_id, now=now)
    finally:
        for table in (REPORTS, ACCOUNTS):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def read_metro2_rows(
    con: duckdb.DuckDBPyConnection, path: Path, furnisher: str
) -> list[dict[str, Any]]:
    from xinyong.ingest.metro2 import Metro2FileError, metro2_to_events, read_metro2

    try:
        parsed = read_metro2(path.read_bytes())
        events, mapping_issues = metro2_to_events(parsed, furnisher=furnisher)
    except Metro2FileError as exc:
        raise FileRefused(exc.code, exc.message, field="file", position=exc.position) from None
    except XinyongError as exc:
        raise FileRefused(exc.code, exc.message, field=exc.field, position=exc.position) from None
    con.register("metro2_events", events)
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE ingest_rows AS
            SELECT CAST(row_number() OVER () AS BIGINT) AS row_number,
                   CAST(NULL AS BIGINT) AS byte_offset, event_id, subject_kind, subject_id,
                   event_type, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S') AS occurred_at,
                   CAST(amount AS VARCHAR) AS amount,
                   CASE WHEN days_past_due IS NOT NULL
                          THEN CAST(json_object('days_past_due', days_past_due) AS VARCHAR)
                        WHEN counterparty_id IS NOT NULL
                          THEN CAST(json_object('counterparty_kind', counterparty_kind,
                                                'counterparty_id', counterparty_id) AS VARCHAR)
                   END AS attributes
            FROM metro2_events"""
        )
        _stage_dispute_reports(con, furnisher)
    finally:
        con.unregister("metro2_events")
    return [
        {"row": issue.record, "offset": issue.offset,
         "field": f"{issue.segment}.{issue.field}" if issue.field else issue.segment,
         "code": issue.code, "message": issue.message, "raw": None}
        for issue in [*parsed.issues, *mapping_issues]
    ]
