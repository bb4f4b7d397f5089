"""Storing the relationships factor: one run per as-of, with the ties that moved each subject.

``relationship_scores`` holds the factor's sub-score (0–100) and the trust received through ties
for every subject with a declared tie; a subject without a row keeps the rulebook's neutral value.
``relationship_contributions`` holds, per subject, each tie that moved the factor and by how many
score points; they sum to the factor's effect against neutral. The compiled scoring query reads
``relationship_scores`` by ``(subject_key, as_of)``.

The tables are created here when missing (a migration will take them over).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from xinyong.errors import XinyongError
from xinyong.store._store import Store

INCOMING = "_relationship_factor_incoming"
REQUIRED = ("subject_key", "sub_score", "trust")
CONTRIBUTION_FIELDS = ("counterparty_key", "tie_type", "effect", "points", "sub_points", "since",
                       "adverse_event", "adverse_at")


def create_relationship_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS relationship_scores (
          subject_key INTEGER NOT NULL,
          as_of DATE NOT NULL,
          sub_score DOUBLE NOT NULL,
          trust DOUBLE NOT NULL
        )"""
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS relationship_contributions (
          subject_key INTEGER NOT NULL,
          as_of DATE NOT NULL,
          counterparty_key INTEGER NOT NULL,
          tie_type VARCHAR NOT NULL,
          effect VARCHAR NOT NULL,
          points DOUBLE NOT NULL,
          sub_points DOUBLE NOT NULL,
          since DATE,
          adverse_event VARCHAR,
          adverse_at DATE
        )"""
    )


def _check(table: pa.Table) -> bool:
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise XinyongError(
            "MISSING_COLUMNS",
            f"a relationships factor table needs columns {list(REQUIRED)}; it lacks {missing}",
            field=missing[0],
        )
    if "contributions" not in table.column_names:
        return False
    fields = {f.name for f in table.schema.field("contributions").type.value_type}
    lacking = [f for f in CONTRIBUTION_FIELDS if f not in fields]
    if lacking:
        raise XinyongError(
            "MISSING_COLUMNS",
            f"contributions need the fields {list(CONTRIBUTION_FIELDS)}; they lack {lacking}",
            field="contributions",
        )
    return True


def replace_relationship_scores(store: Store, table: pa.Table, as_of: date) -> int:
    """Store the factor table of ``as_of``, replacing an earlier run of that day; rows written."""
    explained = _check(table)
    con = store.con
    create_relationship_tables(con)
    con.register(INCOMING, table)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM relationship_scores WHERE as_of = ?", [as_of])
        con.execute("DELETE FROM relationship_contributions WHERE as_of = ?", [as_of])
        con.execute(
            f"""
            INSERT INTO relationship_scores (subject_key, as_of, sub_score, trust)
            SELECT subject_key, CAST(? AS DATE), sub_score, trust FROM {INCOMING}""",
            [as_of],
        )
        if explained:
            fields = ", ".join(f"c.{f}" for f in CONTRIBUTION_FIELDS)
            con.execute(
                f"""
                INSERT INTO relationship_contributions (subject_key, as_of, {', '.join(CONTRIBUTION_FIELDS)})
                SELECT subject_key, CAST(? AS DATE), {fields}
                FROM (SELECT subject_key, UNNEST(contributions) AS c FROM {INCOMING})""",
                [as_of],
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister(INCOMING)
    return int(table.num_rows)
