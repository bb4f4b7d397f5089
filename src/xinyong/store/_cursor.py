"""Reading single rows without leaving a result open.

DuckDB refuses new work on a connection whose last result was not read to the end, so a
single-row read must drain the result rather than call ``fetchone``.
"""

from __future__ import annotations

from typing import Any

import duckdb


def fetch_one(cursor: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    rows = cursor.fetchall()
    return rows[0] if rows else None
