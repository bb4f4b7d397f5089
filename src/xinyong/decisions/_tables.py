"""The decisions tables on an open store, created on first use, and the platform clock.

Every public function of the package starts with :func:`tables`, which creates the tables once
per open store (the DDL lives in :mod:`xinyong.store._decisions_schema`). Times are naive UTC,
like the event log's; functions take ``now`` so that tests and replays can fix it.
"""

from __future__ import annotations

import weakref
from datetime import date, datetime, time, timedelta

import duckdb

from xinyong.store import Store
from xinyong.store import transaction as transaction  # the decisions' import
from xinyong.store import utcnow as utcnow
from xinyong.store._decisions_schema import create_decision_tables

_READY: weakref.WeakKeyDictionary[Store, bool] = weakref.WeakKeyDictionary()


def tables(store: Store) -> duckdb.DuckDBPyConnection:
    """The store's connection, with the decisions tables in place."""
    if not _READY.get(store):
        create_decision_tables(store.con)
        _READY[store] = True
    return store.con


def end_of_day(day: date) -> datetime:
    """The first instant after ``day``: a consent "until 31 December" ends at midnight."""
    return datetime.combine(day + timedelta(days=1), time())


def next_id(con: duckdb.DuckDBPyConnection, sequence: str) -> int:
    return int(con.execute(f"SELECT nextval('{sequence}')").fetchall()[0][0])
