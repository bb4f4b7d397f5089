"""Metro 2 files into the ingestion pipeline.

The Metro 2 reader (``xinyong.ingest.metro2``) parses and checks the file and maps accounts to
canonical event rows; this adapter hands those rows to the shared validation as text, so a
Metro 2 batch is checked, deduplicated, quarantined and committed exactly like a CSV. A file
that cannot be framed into records is refused (exit code 2); problems inside records are
reported with their record number and byte offset and quarantined.

Metro 2 identifies consumers by SSN: ingest it into a home whose profile uses opaque IDs
(``xinyong init --profile us``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from xinyong.errors import XinyongError
from xinyong.ingest._readers import FileRefused


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
    finally:
        con.unregister("metro2_events")
    return [
        {"row": issue.record, "offset": issue.offset,
         "field": f"{issue.segment}.{issue.field}" if issue.field else issue.segment,
         "code": issue.code, "message": issue.message, "raw": None}
        for issue in [*parsed.issues, *mapping_issues]
    ]
