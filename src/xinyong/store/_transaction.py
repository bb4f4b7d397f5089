"""Transactions and the platform clock, shared by everything that writes to the store.

Times in the store are naive UTC; functions that write take ``now`` so that tests and replays
can fix it, and :func:`utcnow` turns it (or the wall clock) into the stored form.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb


def utcnow(now: datetime | None = None) -> datetime:
    """``now`` or the current time, as naive UTC."""
    if now is None:
        return datetime.now(UTC).replace(tzinfo=None)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All of the block's writes or none of them."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
