"""Versioned schema migrations of the embedded store.

Each migration is applied once, in order, inside a transaction, and recorded in
``schema_migrations``. Never edit a released migration: add the next one.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from xinyong.catalog import Catalogue, Factor
from xinyong.store._cursor import fetch_one


def _enum(values: list[str]) -> str:
    return "ENUM (" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _initial(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    attribute_columns = ",\n  ".join(
        f"{a.name} {a.sql_type}" for a in catalogue.attributes.values()
    )
    factor_columns = ",\n  ".join(f"{f.value} DOUBLE" for f in Factor)
    con.execute(f"CREATE TYPE subject_kind AS {_enum(['person', 'organisation'])}")
    con.execute(f"CREATE TYPE event_type AS {_enum([t.name for t in catalogue])}")
    con.execute(
        """
        CREATE TABLE furnishers (
          furnisher_id INTEGER PRIMARY KEY,
          name VARCHAR NOT NULL UNIQUE,
          created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )"""
    )
    # People are known only by a keyed hash of their ID (subject_ref); organisations by their
    # registry code. subject_key is the compact surrogate every other table uses.
    con.execute(
        """
        CREATE TABLE subjects (
          subject_key INTEGER PRIMARY KEY,
          kind subject_kind NOT NULL,
          subject_ref VARCHAR NOT NULL,
          created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
          UNIQUE (kind, subject_ref)
        )"""
    )
    con.execute(
        """
        CREATE TABLE batches (
          batch_id INTEGER PRIMARY KEY,
          source VARCHAR NOT NULL,
          sha256 VARCHAR,
          rows BIGINT NOT NULL,
          accepted BIGINT NOT NULL,
          duplicates BIGINT NOT NULL,
          recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )"""
    )
    # Append-only. (furnisher_id, event_id) is unique; the store's append path enforces it with
    # an anti-join in the same transaction (an ART index over tens of millions of VARCHAR keys
    # costs more memory than the whole scoring run).
    con.execute(
        f"""
        CREATE TABLE events (
          event_seq BIGINT NOT NULL,
          furnisher_id INTEGER NOT NULL,
          event_id VARCHAR NOT NULL,
          subject_key INTEGER NOT NULL,
          event_type event_type NOT NULL,
          occurred_at TIMESTAMP NOT NULL,
          amount DOUBLE,
          {attribute_columns},
          batch_id INTEGER NOT NULL,
          recorded_at TIMESTAMP NOT NULL
        )"""
    )
    con.execute(
        f"""
        CREATE TABLE scores (
          subject_key INTEGER NOT NULL,
          subject_kind subject_kind NOT NULL,
          model_id VARCHAR NOT NULL,
          model_version VARCHAR NOT NULL,
          as_of DATE NOT NULL,
          score DOUBLE,
          tier VARCHAR,
          percentile DOUBLE,
          {factor_columns},
          reason_1 VARCHAR, reason_2 VARCHAR, reason_3 VARCHAR, reason_4 VARCHAR,
          reason_1_points DOUBLE, reason_2_points DOUBLE,
          reason_3_points DOUBLE, reason_4_points DOUBLE,
          n_events INTEGER NOT NULL,
          unscorable_reason VARCHAR
        )"""
    )
    con.execute(
        """
        CREATE TABLE score_runs (
          model_id VARCHAR NOT NULL,
          model_version VARCHAR NOT NULL,
          as_of DATE NOT NULL,
          subjects BIGINT NOT NULL,
          scored BIGINT NOT NULL,
          seconds DOUBLE NOT NULL,
          scored_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )"""
    )
    # Synthetic outcomes stay apart from the event log: scoring never reads this table.
    con.execute(
        """
        CREATE TABLE synthetic_outcomes (
          subject_key INTEGER PRIMARY KEY,
          defaulted_12m BOOLEAN NOT NULL,
          latent DOUBLE NOT NULL
        )"""
    )


def _ingestion(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Furnisher licences, quarantine, corrections, content hashes and enrollment."""
    del catalogue
    # NULL may_report = licensed for every type (synthetic and bulk furnishers).
    con.execute("ALTER TABLE furnishers ADD COLUMN may_report VARCHAR[]")
    for column, sql_type in [
        ("furnisher_id", "INTEGER"), ("format", "VARCHAR"), ("quarantined", "BIGINT DEFAULT 0"),
        ("conflicts", "BIGINT DEFAULT 0"), ("held", "BIGINT DEFAULT 0"),
        ("corrections", "BIGINT DEFAULT 0"),
    ]:
        con.execute(f"ALTER TABLE batches ADD COLUMN {column} {sql_type}")
    con.execute("ALTER TABLE subjects ADD COLUMN enrolled BOOLEAN DEFAULT TRUE")
    con.execute(
        """
        CREATE TABLE quarantine (
          batch_id INTEGER NOT NULL,
          furnisher_id INTEGER,
          row_number BIGINT NOT NULL,
          byte_offset BIGINT,
          event_id VARCHAR,
          conflict BOOLEAN NOT NULL,
          errors JSON NOT NULL,
          raw JSON NOT NULL,
          recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )"""
    )
    # Corrections are events of their own: a void (or the void half of a replace) names the
    # event it takes out of scoring; the history keeps both.
    con.execute(
        """
        CREATE TABLE event_corrections (
          furnisher_id INTEGER NOT NULL,
          event_id VARCHAR NOT NULL,
          kind VARCHAR NOT NULL,
          target_event_id VARCHAR NOT NULL,
          target_event_seq BIGINT NOT NULL,
          content_hash VARCHAR NOT NULL,
          batch_id INTEGER NOT NULL,
          recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )"""
    )
    con.execute(
        """
        CREATE VIEW scoring_events AS
        SELECT e.* FROM events AS e
        WHERE e.event_seq NOT IN (SELECT target_event_seq FROM event_corrections)"""
    )
    con.execute("CREATE VIEW scoring_subjects AS SELECT * FROM subjects WHERE enrolled")


def _relationships_and_decisions(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Trust-propagation results, the decisions tables, and a lookup index on subject_ref."""
    del catalogue
    from xinyong.store._decisions_schema import create_decision_tables
    from xinyong.store._network import create_relationship_tables

    create_relationship_tables(con)
    create_decision_tables(con)
    con.execute("CREATE INDEX IF NOT EXISTS subjects_subject_ref ON subjects (subject_ref)")


def _model_registry(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Registered models (rulebooks and scorecards) and their status."""
    del catalogue
    from xinyong.store._registry_schema import create_registry_tables

    create_registry_tables(con)


def _audit_chain(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """The hash-chained audit log."""
    del catalogue
    from xinyong.store._audit_schema import create_audit_tables

    create_audit_tables(con)


def _disputes_and_retention(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Disputes, furnisher notifications, suppression and retention purges."""
    del catalogue
    from xinyong.store._disputes_schema import create_dispute_tables

    create_dispute_tables(con)


def _personal_data(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Personal fields encrypted per subject, and erasures."""
    del catalogue
    from xinyong.store._identity_schema import create_identity_tables

    create_identity_tables(con)


Migration = Callable[[duckdb.DuckDBPyConnection, Catalogue], None]

MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "event log, subjects, furnishers, scores", _initial),
    (2, "furnisher licences, quarantine, corrections, enrollment", _ingestion),
    (3, "relationship scores, decisions, subject lookup index", _relationships_and_decisions),
    (4, "model registry", _model_registry),
    (5, "audit chain", _audit_chain),
    (6, "disputes and retention", _disputes_and_retention),
    (7, "personal data encrypted per subject", _personal_data),
)


def migrate(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> list[int]:
    """Apply pending migrations; return the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    row = fetch_one(con.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
    current = int(row[0]) if row else 0
    applied = []
    for version, name, apply in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            apply(con, catalogue)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
