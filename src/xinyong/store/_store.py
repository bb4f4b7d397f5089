"""The embedded store: one DuckDB file under the platform home, and the one place that writes.

Layout of the home (``XINYONG_HOME``, default ``./.xinyong``)::

    xinyong.duckdb   the event log, subjects, scores …
    keys/id.key      the HMAC key that pseudonymises people's IDs (never in the database)
    config.toml      the jurisdiction profile (identifier scheme)

DuckDB lets one process open the file for writing at a time; a second writer gets a clear
``STORE_LOCKED`` error instead of a stack trace.
"""

from __future__ import annotations

import os
import time
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from xinyong.catalog import Catalogue, default_catalogue
from xinyong.catalog.identifiers import (
    IdentifierScheme,
    IdPseudonymiser,
    identifier_scheme,
    load_or_create_key,
)
from xinyong.errors import XinyongError
from xinyong.store._cursor import fetch_one
from xinyong.store._schema import migrate

DB_FILE = "xinyong.duckdb"
KEY_FILE = Path("keys") / "id.key"
CONFIG_FILE = "config.toml"


def default_home() -> Path:
    return Path(os.environ.get("XINYONG_HOME", ".xinyong"))


@dataclass(frozen=True)
class AppendResult:
    batch_id: int
    rows: int
    accepted: int
    duplicates: int
    new_subjects: int


class Store:
    """An open store. Use :meth:`init` once, then :meth:`open`."""

    def __init__(
        self,
        home: Path,
        con: duckdb.DuckDBPyConnection,
        pseudonymiser: IdPseudonymiser,
        scheme: IdentifierScheme,
        catalogue: Catalogue,
    ) -> None:
        self.home = home
        self.con = con
        self.pseudonymiser = pseudonymiser
        self.scheme = scheme
        self.catalogue = catalogue

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def init(cls, home: Path | None = None, *, scheme: str = "cn") -> Store:
        """Create the home (key, config, database) if missing and open it."""
        home = home or default_home()
        home.mkdir(parents=True, exist_ok=True)
        identifier_scheme(scheme)  # refuse an unknown scheme before writing anything
        config = home / CONFIG_FILE
        if not config.exists():
            config.write_text(f'identifier_scheme = "{scheme}"\n', "utf-8")
        load_or_create_key(home / KEY_FILE, create=True)
        return cls.open(home)

    @classmethod
    def open(cls, home: Path | None = None, *, read_only: bool = False) -> Store:
        home = home or default_home()
        db = home / DB_FILE
        if not (home / CONFIG_FILE).exists():
            raise XinyongError(
                "NO_STORE",
                f"no xinyong home at {home}; run `xinyong init` (or set XINYONG_HOME)",
                field="home",
            )
        config = tomllib.loads((home / CONFIG_FILE).read_text("utf-8"))
        scheme = identifier_scheme(str(config.get("identifier_scheme", "cn")))
        key = load_or_create_key(home / KEY_FILE, create=False)
        try:
            con = duckdb.connect(str(db), read_only=read_only and db.exists())
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise XinyongError(
                    "STORE_LOCKED",
                    f"{db} is open for writing by another process; wait for it to finish",
                    field="home",
                ) from None
            raise
        con.execute("SET enable_progress_bar = false")
        catalogue = default_catalogue()
        if not read_only:
            migrate(con, catalogue)
        return cls(home, con, IdPseudonymiser(key), scheme, catalogue)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- subjects ----------------------------------------------------------------------------
    def subject_ref(self, kind: str, subject_id: str) -> str:
        """Validate an ID and return how the store knows the subject (a pseudonym for people)."""
        normalised = self.scheme.validate(kind, subject_id)
        return self.pseudonymiser.pseudonym(normalised) if kind == "person" else normalised

    def find_subject(self, subject_id: str, kind: str | None = None) -> tuple[int, str]:
        """The ``(subject_key, kind)`` of a subject by its ID; tries both kinds when not given."""
        kinds = [kind] if kind else ["person", "organisation"]
        errors: list[XinyongError] = []
        for k in kinds:
            try:
                ref = self.subject_ref(k, subject_id)
            except ValueError as exc:
                errors.append(XinyongError(getattr(exc, "code", "INVALID_ID"), str(exc)))
                continue
            row = fetch_one(self.con.execute(
                "SELECT subject_key FROM subjects WHERE kind = ? AND subject_ref = ?", [k, ref]
            ))
            if row:
                return int(row[0]), k
        if len(errors) == len(kinds):
            raise XinyongError(
                "INVALID_ID",
                "not a valid subject ID: " + "; ".join(e.message for e in errors),
                field="subject_id",
            )
        raise XinyongError(
            "UNKNOWN_SUBJECT",
            "no events have been reported about this subject",
            field="subject_id",
        )

    # -- the bulk append path ----------------------------------------------------------------
    def append_events(self, events: pa.Table, *, source: str = "bulk") -> AppendResult:
        """Append canonical event rows in one transaction; re-sent events are skipped.

        ``events`` has the canonical furnisher columns plus ``furnisher`` (a name). Subjects
        and furnishers are registered as needed. The same ``(furnisher, event_id)`` already in
        the log, or earlier in the batch, counts as a duplicate and is not stored again.
        """
        started = time.perf_counter()
        self._check_columns(events)
        refs = self._subject_refs(events)
        attribute_names = list(self.catalogue.attributes)
        con = self.con
        con.register("incoming", events)
        con.register("incoming_refs", refs)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                """
                INSERT INTO furnishers (furnisher_id, name)
                SELECT (SELECT COALESCE(MAX(furnisher_id), 0) FROM furnishers)
                       + row_number() OVER (ORDER BY name), name
                FROM (SELECT DISTINCT furnisher AS name FROM incoming) AS f
                WHERE name NOT IN (SELECT name FROM furnishers)"""
            )
            before = self._count("subjects")
            con.execute(
                """
                INSERT INTO subjects (subject_key, kind, subject_ref)
                SELECT (SELECT COALESCE(MAX(subject_key), 0) FROM subjects)
                       + row_number() OVER (ORDER BY kind, subject_ref),
                       CAST(kind AS subject_kind), subject_ref
                FROM (SELECT DISTINCT kind, subject_ref FROM incoming_refs) AS r
                WHERE NOT EXISTS (
                  SELECT 1 FROM subjects AS s
                  WHERE s.kind = CAST(r.kind AS subject_kind) AND s.subject_ref = r.subject_ref)"""
            )
            new_subjects = self._count("subjects") - before
            batch_row = fetch_one(con.execute(
                "SELECT COALESCE(MAX(batch_id), 0) + 1 FROM batches"
            ))
            batch_id = int(batch_row[0]) if batch_row else 1
            seq_row = fetch_one(con.execute("SELECT COALESCE(MAX(event_seq), 0) FROM events"))
            seq0 = int(seq_row[0]) if seq_row else 0
            attrs = ", ".join(f"i.{a}" for a in attribute_names)
            counterparty_ref = (
                "CASE WHEN i.counterparty_kind = 'person' THEN cp.subject_ref "
                "ELSE i.counterparty_id END"
            )
            attrs = attrs.replace("i.counterparty_id", f"{counterparty_ref} AS counterparty_id")
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE staged AS
                SELECT f.furnisher_id, i.event_id, s.subject_key,
                       CAST(i.event_type AS event_type) AS event_type,
                       CAST(i.occurred_at AS TIMESTAMP) AS occurred_at,
                       CAST(i.amount AS DOUBLE) AS amount, {attrs},
                       i.row_number
                FROM (SELECT *, row_number() OVER () AS row_number FROM incoming) AS i
                JOIN furnishers AS f ON f.name = i.furnisher
                JOIN incoming_refs AS r
                  ON r.kind = i.subject_kind AND r.subject_id = i.subject_id
                JOIN subjects AS s
                  ON s.kind = CAST(r.kind AS subject_kind) AND s.subject_ref = r.subject_ref
                LEFT JOIN incoming_refs AS cp
                  ON cp.kind = 'person' AND cp.subject_id = i.counterparty_id
                     AND i.counterparty_kind = 'person'
                QUALIFY row_number() OVER (
                  PARTITION BY f.furnisher_id, i.event_id ORDER BY i.row_number) = 1"""
            )
            columns = ", ".join(
                ["furnisher_id", "event_id", "subject_key", "event_type", "occurred_at", "amount",
                 *attribute_names]
            )
            con.execute(
                f"""
                INSERT INTO events ({columns}, event_seq, batch_id, recorded_at)
                SELECT {columns.replace('furnisher_id', 'st.furnisher_id')
                        .replace('event_id,', 'st.event_id,', 1)},
                       {seq0} + row_number() OVER (ORDER BY st.row_number), {batch_id},
                       current_timestamp
                FROM staged AS st
                WHERE NOT EXISTS (
                  SELECT 1 FROM events AS e
                  WHERE e.furnisher_id = st.furnisher_id AND e.event_id = st.event_id)"""
            )
            accepted = self._count("events") - seq0 if seq0 == self._count("events") - 0 else 0
            accepted_row = fetch_one(con.execute(
                "SELECT COUNT(*) FROM events WHERE batch_id = ?", [batch_id]
            ))
            accepted = int(accepted_row[0]) if accepted_row else 0
            con.execute(
                "INSERT INTO batches (batch_id, source, sha256, rows, accepted, duplicates)"
                " VALUES (?, ?, NULL, ?, ?, ?)",
                [batch_id, source, events.num_rows, accepted, events.num_rows - accepted],
            )
            con.execute("DROP TABLE staged")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("incoming")
            con.unregister("incoming_refs")
        del started
        return AppendResult(batch_id, events.num_rows, accepted, events.num_rows - accepted,
                            new_subjects)

    def _count(self, table: str) -> int:
        row = fetch_one(self.con.execute(f"SELECT COUNT(*) FROM {table}"))
        return int(row[0]) if row else 0

    def _check_columns(self, events: pa.Table) -> None:
        required = ["furnisher", "event_id", "subject_kind", "subject_id", "event_type",
                    "occurred_at", "amount", *self.catalogue.attributes]
        missing = [c for c in required if c not in events.column_names]
        if missing:
            raise XinyongError(
                "MISSING_COLUMNS", f"the batch lacks columns {missing}", field=missing[0]
            )
        unknown = set(pc.unique(events["event_type"]).to_pylist()) - set(self.catalogue.types)
        if unknown:
            raise XinyongError(
                "UNKNOWN_EVENT_TYPE",
                f"event types not in the catalogue: {sorted(str(u) for u in unknown)}",
                field="event_type",
            )

    def _subject_refs(self, events: pa.Table) -> pa.Table:
        """Validate and pseudonymise each distinct subject (and person counterparty) once."""
        pairs = pa.table(
            {"kind": events["subject_kind"], "subject_id": events["subject_id"]}
        ).group_by(["kind", "subject_id"]).aggregate([])
        cp = events.filter(pc.equal(events["counterparty_kind"], "person"))
        cp_pairs = pa.table(
            {"kind": cp["counterparty_kind"], "subject_id": cp["counterparty_id"]}
        ).group_by(["kind", "subject_id"]).aggregate([])
        both = pa.concat_tables([pairs, cp_pairs]).group_by(["kind", "subject_id"]).aggregate([])
        kinds = both["kind"].to_pylist()
        ids = both["subject_id"].to_pylist()
        refs = [self.subject_ref(k, i) for k, i in zip(kinds, ids, strict=True)]
        return pa.table({"kind": kinds, "subject_id": ids, "subject_ref": refs})

    # -- scores ------------------------------------------------------------------------------
    def replace_scores(
        self, sql: str, *, model_id: str, model_version: str, as_of: date, seconds: float
    ) -> int:
        """Store a batch scoring run, replacing an earlier run of the same model and day."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "DELETE FROM scores WHERE model_id = ? AND model_version = ? AND as_of = ?",
                [model_id, model_version, as_of],
            )
            con.execute(
                "DELETE FROM score_runs WHERE model_id = ? AND model_version = ? AND as_of = ?",
                [model_id, model_version, as_of],
            )
            con.execute(f"INSERT INTO scores BY NAME ({sql})")
            row = fetch_one(con.execute(
                "SELECT COUNT(*), COUNT(score) FROM scores "
                "WHERE model_id = ? AND model_version = ? AND as_of = ?",
                [model_id, model_version, as_of],
            ))
            subjects, scored = (int(row[0]), int(row[1])) if row else (0, 0)
            con.execute(
                "INSERT INTO score_runs (model_id, model_version, as_of, subjects, scored, "
                "seconds) VALUES (?, ?, ?, ?, ?, ?)",
                [model_id, model_version, as_of, subjects, scored, seconds],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return subjects

    def record_outcomes(self, outcomes: pa.Table) -> None:
        """Store synthetic outcome labels (kind, subject_id, defaulted_12m, latent)."""
        refs = [
            self.subject_ref(k, i)
            for k, i in zip(
                outcomes["subject_kind"].to_pylist(), outcomes["subject_id"].to_pylist(),
                strict=True,
            )
        ]
        labelled = pa.table(
            {
                "kind": outcomes["subject_kind"],
                "subject_ref": refs,
                "defaulted_12m": outcomes["defaulted_12m"],
                "latent": outcomes["latent"],
            }
        )
        self.con.register("labelled", labelled)
        try:
            self.con.execute(
                """
                INSERT OR REPLACE INTO synthetic_outcomes
                SELECT s.subject_key, l.defaulted_12m, l.latent
                FROM labelled AS l JOIN subjects AS s
                  ON s.kind = CAST(l.kind AS subject_kind) AND s.subject_ref = l.subject_ref"""
            )
        finally:
            self.con.unregister("labelled")

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()
