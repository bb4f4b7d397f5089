"""The DuckDB scoring engine (the default, embedded; out-of-core with ``memory_limit``)."""

from xinyong.scoring.engines.duckdb._engine import DuckDBEngine

__all__ = ["DuckDBEngine"]
