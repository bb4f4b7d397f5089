"""Tables of the registry migration (placeholder: filled in by the registry work)."""

from __future__ import annotations

import duckdb


def create_registry_tables(con: duckdb.DuckDBPyConnection) -> None:
    del con
