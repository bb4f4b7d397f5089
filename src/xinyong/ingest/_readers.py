"""Readers: a furnisher file → the ``ingest_rows`` temp table of text fields.

Every reader produces the same relation, one row per record in the file, with its 1-based row
number, its byte offset where the format has one, and the canonical fields as text exactly as
read (``attributes`` as JSON text). Parsing and validation happen afterwards, in one vectorised
pass shared by all formats.

CSV is parsed by DuckDB (rows it cannot split are collected from its reject tables); JSON Lines
is split on newlines with numpy and each line handed to DuckDB's JSON functions, so a malformed
line costs only itself; Parquet is read by DuckDB.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from xinyong.errors import XinyongError

CANONICAL = ("event_id", "subject_kind", "subject_id", "event_type", "occurred_at", "amount",
             "attributes")
FORMATS = ("csv", "jsonl", "parquet", "metro2")


class FileRefused(XinyongError):
    """The whole file cannot be ingested (exit code 2): unreadable, wrong format, no furnisher."""


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise FileRefused("UNKNOWN_FORMAT", f"--format must be one of {', '.join(FORMATS)}",
                              field="--format")
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    by_suffix = {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl",
                 "parquet": "parquet", "pq": "parquet", "dat": "metro2", "m2": "metro2"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    raise FileRefused("UNKNOWN_FORMAT", f"cannot tell the format of {path.name} from its name; "
                      "give --format csv|jsonl|parquet|metro2", field="--format")


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> list[dict[str, object]]:
    """Load a CSV into ``ingest_rows``; return the rows DuckDB could not parse, located."""
    columns = _csv_header(path)
    missing = [c for c in CANONICAL if c not in columns and c not in ("amount", "attributes")]
    if missing:
        raise FileRefused(
            "MISSING_COLUMNS",
            f"the header lacks {', '.join(missing)}; a furnisher file has the columns "
            f"{', '.join(CANONICAL)} (amount and attributes optional)",
            field="header", position="row 1",
        )
    unknown = [c for c in columns if c not in CANONICAL]
    if unknown:
        raise FileRefused(
            "UNKNOWN_COLUMNS",
            f"the header has columns that are not part of the furnisher record: "
            f"{', '.join(unknown)}; put typed attributes in the JSON 'attributes' column",
            field="header", position="row 1",
        )
    spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    try:
        # No sniffing: the header fixes the columns, so one bad row cannot refuse the file.
        fields = ", ".join(
            f"{c}" if c in columns else f"CAST(NULL AS VARCHAR) AS {c}" for c in CANONICAL
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ingest_rows AS
            SELECT CAST(row_number() OVER () AS BIGINT) AS row_number,
                   CAST(NULL AS BIGINT) AS byte_offset, {fields}
            FROM read_csv({_sql_path(path)}, header = true, auto_detect = false,
                                   columns = {spec}, delim = ',', quote = '"', escape = '"',
                                   store_rejects = true, strict_mode = true,
                                   rejects_scan = 'ingest_rejects_scan',
                                   rejects_table = 'ingest_rejects')"""
        )
    except duckdb.Error as exc:
        raise FileRefused("UNREADABLE_FILE", f"{path.name} could not be read as CSV: {exc}",
                          field="file") from None
    rejects = con.execute(
        "SELECT line, min(byte_position), arg_min(column_name, byte_position), "
        "arg_min(error_type, byte_position), arg_min(csv_line, byte_position), "
        "arg_min(error_message, byte_position) FROM ingest_rejects GROUP BY line ORDER BY line"
    ).fetchall()
    reject_lines = sorted({int(r[0]) for r in rejects})
    # DuckDB keeps the file's order; rows it rejected are missing, so the k-th row read is the
    # k-th record not rejected (line 1 is the header).
    if reject_lines:
        _renumber_after_rejects(con, reject_lines)
    return [
        {"row": int(line) - 1, "offset": None if pos is None else int(pos),
         "field": column or "row", "code": "MALFORMED_ROW",
         "message": f"the row could not be read as CSV ({error_type}: {message}); fix the quoting "
                    "or the number of fields", "raw": text}
        for line, pos, column, error_type, text, message in rejects
    ]


def _csv_header(path: Path) -> list[str]:
    import csv

    try:
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f), None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FileRefused("UNREADABLE_FILE", f"{path.name}: the header cannot be read ({exc}); "
                          "a furnisher CSV is UTF-8 with a header row", field="file") from None
    if not header:
        raise FileRefused("EMPTY_FILE", f"{path.name} is empty; it needs a header row",
                          field="file")
    return [h.strip().lstrip("\ufeff") for h in header]


def _renumber_after_rejects(con: duckdb.DuckDBPyConnection, reject_lines: list[int]) -> None:
    rows = con.execute("SELECT COUNT(*) FROM ingest_rows").fetchall()[0][0]
    total = int(rows) + len(reject_lines)
    data_lines = np.arange(2, total + 2, dtype=np.int64)
    kept = np.setdiff1d(data_lines, np.asarray(reject_lines, dtype=np.int64)) - 1
    mapping = pa.table({"k": np.arange(1, len(kept) + 1, dtype=np.int64), "row": kept})
    con.register("ingest_renumber", mapping)
    con.execute(
        "UPDATE ingest_rows SET row_number = m.row FROM ingest_renumber AS m "
        "WHERE ingest_rows.row_number = m.k"
    )
    con.unregister("ingest_renumber")


def csv_record_offsets(path: Path) -> np.ndarray:
    """Byte offset of every record of a CSV file (index 0 = the header), quote-aware."""
    data = np.fromfile(path, dtype=np.uint8)
    quotes = np.cumsum(data == ord('"'))
    newlines = np.flatnonzero(data == ord("\n"))
    outside = newlines[(quotes[newlines] % 2) == 0]
    starts = np.concatenate([[0], outside + 1])
    return starts[starts < len(data)]


def read_jsonl(con: duckdb.DuckDBPyConnection, path: Path) -> list[dict[str, object]]:
    """Load JSON Lines into ``ingest_rows``; a line that is not a JSON object is an error."""
    data = path.read_bytes()
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == ord("\n"))
    if len(buf) and (not len(ends) or ends[-1] != len(buf) - 1):
        ends = np.append(ends, len(buf))
    starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
    offsets = np.concatenate([starts, [ends[-1] if len(ends) else 0]]).astype(np.int32)
    if len(buf) > np.iinfo(np.int32).max:
        offsets = offsets.astype(np.int64)
        lines = pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets),
                                                 pa.py_buffer(data))
    else:
        lines = pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(data))
    table = pa.table({"line": lines, "row_number": np.arange(1, len(starts) + 1),
                      "byte_offset": starts})
    con.register("ingest_lines", table)
    try:
        fields = ", ".join(
            f"CASE WHEN json_type(j, '$.{c}') IN ('OBJECT', 'ARRAY') THEN json_extract(j, '$.{c}')::VARCHAR "
            f"ELSE json_extract_string(j, '$.{c}') END AS {c}"
            if c == "attributes" else f"json_extract_string(j, '$.{c}') AS {c}"
            for c in CANONICAL
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE ingest_lines_checked AS
            SELECT row_number, byte_offset, rtrim(line, chr(10) || chr(13)) AS line,
                   CASE WHEN json_valid(rtrim(line, chr(10) || chr(13)))
                        THEN json_type(rtrim(line, chr(10) || chr(13))) = 'OBJECT'
                        ELSE false END AS ok
            FROM ingest_lines
            WHERE length(trim(line)) > 0"""
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ingest_rows AS
            SELECT row_number, byte_offset, {fields}
            FROM (SELECT row_number, byte_offset, CAST(line AS JSON) AS j
                  FROM ingest_lines_checked WHERE ok)"""
        )
        bad = con.execute(
            "SELECT row_number, byte_offset, line FROM ingest_lines_checked WHERE NOT ok "
            "ORDER BY row_number"
        ).fetchall()
        con.execute("DROP TABLE ingest_lines_checked")
    finally:
        con.unregister("ingest_lines")
    return [
        {"row": int(r), "offset": int(o), "field": "row", "code": "MALFORMED_ROW",
         "message": "the line is not a JSON object; each line must be one object with the "
                    "furnisher record's fields", "raw": line[:2000]}
        for r, o, line in bad
    ]


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> list[dict[str, object]]:
    """Load Parquet into ``ingest_rows`` (row numbers from the file, no byte offsets)."""
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({_sql_path(path)})"
        ).fetchall()
    except duckdb.Error as exc:
        raise FileRefused("UNREADABLE_FILE", f"{path.name} is not a readable Parquet file: {exc}",
                          field="file") from None
    types = {str(r[0]): str(r[1]) for r in described}
    missing = [c for c in CANONICAL if c not in types and c not in ("amount", "attributes")]
    if missing:
        raise FileRefused("MISSING_COLUMNS", f"the file lacks columns {', '.join(missing)}",
                          field="schema")

    def text(c: str) -> str:
        if c not in types:
            return f"CAST(NULL AS VARCHAR) AS {c}"
        t = types[c]
        if c == "attributes" and not t.startswith("VARCHAR"):
            return f"CAST(to_json({c}) AS VARCHAR) AS {c}"
        if c == "occurred_at" and t.startswith("TIMESTAMP"):
            return f"strftime({c}, '%Y-%m-%dT%H:%M:%S.%f') AS {c}"
        return f"CAST({c} AS VARCHAR) AS {c}"

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE ingest_rows AS
        SELECT CAST(file_row_number + 1 AS BIGINT) AS row_number,
               CAST(NULL AS BIGINT) AS byte_offset, {', '.join(text(c) for c in CANONICAL)}
        FROM read_parquet({_sql_path(path)}, file_row_number = true)"""
    )
    return []
