"""The embedded DuckDB store: schema, migrations and the one place that writes."""

from xinyong.store._cursor import fetch_one
from xinyong.store._store import AppendResult, Store, default_home
from xinyong.store._transaction import transaction, utcnow

__all__ = ["AppendResult", "Store", "default_home", "fetch_one", "transaction", "utcnow"]
