"""Tables of the disputes migration (placeholder: filled in by the disputes work)."""

from __future__ import annotations

import duckdb


def create_dispute_tables(con: duckdb.DuckDBPyConnection) -> None:
    del con
