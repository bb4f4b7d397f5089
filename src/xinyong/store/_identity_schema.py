"""Tables of the identity migration (placeholder: filled in by the identity work)."""

from __future__ import annotations

import duckdb


def create_identity_tables(con: duckdb.DuckDBPyConnection) -> None:
    del con
