"""Tables of the model registry (migration 4), and the shipped rulebooks registered on a new store.

``models`` has one row per model and subject kind: a rulebook that scores people and
organisations is registered twice, so that it can be champion for one kind and shadow for the
other. ``status`` is ``draft | shadow | champion | retired``. ``model_champions`` holds the one
champion per subject kind: its primary key is what makes a second champion impossible, whatever
the code does; the registry writes both tables in one transaction.

A new store registers the shipped rulebooks: ``sesame-like`` as champion for both kinds,
``rongcheng-like`` as draft (a different scale and grades, a demonstration of the additive
family rather than a candidate to replace the champion; promote it to shadow to score it
alongside). These first rows are written by the migration (actor ``system``); the audit chain
(migration 5) does not exist yet, so they have no audit entry.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

SEED: tuple[tuple[str, str], ...] = (("sesame-like", "champion"), ("rongcheng-like", "draft"))


def create_registry_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS models (
          model_id VARCHAR NOT NULL,
          subject_kind subject_kind NOT NULL,
          version VARCHAR NOT NULL,
          family VARCHAR NOT NULL CHECK (family IN ('rulebook', 'scorecard')),
          provider VARCHAR NOT NULL,
          status VARCHAR NOT NULL CHECK (status IN ('draft', 'shadow', 'champion', 'retired')),
          description VARCHAR NOT NULL DEFAULT '',
          artifact_sha256 VARCHAR NOT NULL,
          registered_by VARCHAR NOT NULL,
          registered_at TIMESTAMP NOT NULL,
          promoted_at TIMESTAMP,
          retired_at TIMESTAMP,
          PRIMARY KEY (model_id, subject_kind)
        )"""
    )
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS model_champions (
          subject_kind subject_kind PRIMARY KEY,
          model_id VARCHAR NOT NULL,
          since TIMESTAMP NOT NULL
        )"""
    )
    _register_shipped(con)


def _register_shipped(con: duckdb.DuckDBPyConnection) -> None:
    from xinyong.scoring.registry._artifacts import describe_artifact

    now = datetime.now(UTC).replace(tzinfo=None)
    for model_id, status in SEED:
        artifact = describe_artifact(model_id)
        for kind in artifact.subject_kinds:
            con.execute(
                "INSERT INTO models (model_id, subject_kind, version, family, provider, status, "
                "description, artifact_sha256, registered_by, registered_at, promoted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'system', ?, ?) ON CONFLICT DO NOTHING",
                [model_id, kind, artifact.version, artifact.family, artifact.provider, status,
                 artifact.description, artifact.sha256, now,
                 now if status == "champion" else None])
            if status == "champion":
                con.execute("INSERT INTO model_champions (subject_kind, model_id, since) "
                            "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [kind, model_id, now])
