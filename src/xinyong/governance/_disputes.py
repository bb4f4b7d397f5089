"""Disputes (placeholder: filled in by the disputes work)."""

from __future__ import annotations

from typing import Any

import duckdb


def subject_disputes(con: duckdb.DuckDBPyConnection, subject_key: int) -> list[dict[str, Any]]:
    """Every dispute the subject opened, newest first, as JSON-ready dicts."""
    del con, subject_key
    return []
