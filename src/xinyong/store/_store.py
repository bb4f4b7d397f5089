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
import numpy as np
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
from xinyong.profiles import DEFAULT_PROFILE, JurisdictionProfile, profile
from xinyong.store._batches import BatchResult, commit_batch
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
        jurisdiction: JurisdictionProfile,
        catalogue: Catalogue,
    ) -> None:
        self.home = home
        self.con = con
        self.pseudonymiser = pseudonymiser
        self.profile = jurisdiction
        self.scheme: IdentifierScheme = identifier_scheme(jurisdiction.identifier_scheme)
        self.catalogue = catalogue

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def init(cls, home: Path | None = None, *, jurisdiction: str = DEFAULT_PROFILE) -> Store:
        """Create the home (key, config, database) if missing and open it."""
        home = home or default_home()
        profile(jurisdiction)  # refuse an unknown profile before writing anything
        home.mkdir(parents=True, exist_ok=True)
        config = home / CONFIG_FILE
        if not config.exists():
            config.write_text(f'profile = "{jurisdiction}"\n', "utf-8")
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
        jurisdiction = profile(str(config.get("profile", DEFAULT_PROFILE)))
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
        con.execute("SET TimeZone = 'UTC'")
        catalogue = default_catalogue()
        if not read_only:
            migrate(con, catalogue)
        return cls(home, con, IdPseudonymiser(key), jurisdiction, catalogue)

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
            # subject_ref alone uses the index; the kind is checked on the rows found
            rows = self.con.execute(
                "SELECT subject_key, CAST(kind AS VARCHAR) FROM subjects WHERE subject_ref = ?",
                [ref]).fetchall()
            for key, found in rows:
                if found == k:
                    return int(key), k
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

    def set_enrolled(self, subject_key: int, enrolled: bool) -> None:
        self.con.execute("UPDATE subjects SET enrolled = ? WHERE subject_key = ?",
                         [enrolled, subject_key])

    # -- furnishers ---------------------------------------------------------------------------
    def add_furnisher(self, name: str, may_report: list[str] | None) -> int:
        """Register a furnisher licensed for the event types matching ``may_report`` globs."""
        from fnmatch import fnmatch

        if not name or len(name) > 64:
            raise XinyongError("BAD_FURNISHER", "a furnisher name has 1 to 64 characters",
                               field="name")
        if may_report is not None:
            names = [t.name for t in self.catalogue]
            for pattern in may_report:
                if not any(fnmatch(n, pattern) for n in names):
                    raise XinyongError(
                        "BAD_LICENCE",
                        f"--may-report {pattern} matches no event type; see `xinyong catalog`",
                        field="may_report",
                    )
        from xinyong.governance._audit import atomic, record_audit  # governance uses the store

        con = self.con
        with atomic(con):
            existing = fetch_one(con.execute(
                "SELECT furnisher_id FROM furnishers WHERE name = ?", [name]))
            if existing:
                furnisher_id = int(existing[0])
                con.execute("UPDATE furnishers SET may_report = ? WHERE name = ?",
                            [may_report, name])
            else:
                row = fetch_one(con.execute(
                    "SELECT COALESCE(MAX(furnisher_id), 0) + 1 FROM furnishers"))
                furnisher_id = int(row[0]) if row else 1
                con.execute(
                    "INSERT INTO furnishers (furnisher_id, name, may_report) VALUES (?, ?, ?)",
                    [furnisher_id, name, may_report],
                )
            record_audit(con, "furnisher.licence" if existing else "furnisher.add",
                         actor="operator", details={"furnisher_id": furnisher_id, "name": name,
                                                    "may_report": may_report})
        return furnisher_id

    def furnisher(self, name: str) -> tuple[int, list[str] | None]:
        """``(furnisher_id, may_report)`` of a registered furnisher."""
        row = fetch_one(self.con.execute(
            "SELECT furnisher_id, may_report FROM furnishers WHERE name = ?", [name]))
        if row is None:
            from xinyong.ingest._readers import FileRefused

            raise FileRefused(
                "UNKNOWN_FURNISHER",
                f"no furnisher '{name}'; register it with `xinyong furnisher add {name} "
                "--may-report PATTERN`",
                field="--furnisher",
            )
        return int(row[0]), (None if row[1] is None else list(row[1]))

    def hmac_pads(self) -> tuple[bytes, bytes]:
        return self.pseudonymiser.pads()

    # -- the bulk append path ----------------------------------------------------------------
    def append_events(self, events: pa.Table, *, source: str = "bulk") -> AppendResult:
        """Append canonical event rows from several furnishers, validated like a file.

        ``events`` has the canonical columns with typed attributes plus ``furnisher`` (a name);
        unknown furnishers are registered licensed for every type (synthetic and bulk sources).
        Rows that fail validation are quarantined; identical re-sends are skipped.
        """
        from xinyong.ingest._pipeline import classify
        from xinyong.ingest._validate import BatchContext, run_validation

        self._check_columns(events)
        con = self.con
        names = pc.unique(events["furnisher"]).to_pylist()
        registered = []
        for name in names:
            if fetch_one(con.execute("SELECT 1 FROM furnishers WHERE name = ?", [name])) is None:
                registered.append(self.add_furnisher(str(name), None))
        ids = [self.furnisher(str(n))[0] for n in names]
        furnisher_ids = pa.array(ids, pa.int32()).take(
            pc.index_in(events["furnisher"], value_set=pa.array(names)))
        numbered = events.append_column("furnisher_id", furnisher_ids).append_column(
            "row_number", pa.array(np.arange(1, events.num_rows + 1, dtype=np.int64)))
        con.register("bulk_incoming", numbered)
        try:
            attrs = ", ".join(
                f"CAST({a} AS VARCHAR) AS a_{a}" for a in self.catalogue.attributes
            )
            # A view over the registered Arrow table: no copy of the batch before validation.
            # A file ingest on this connection leaves ingest_rows as a temp table: drop it.
            con.execute("DROP TABLE IF EXISTS ingest_rows")
            con.execute(
                f"""
                CREATE OR REPLACE TEMP VIEW ingest_rows AS
                SELECT row_number, CAST(NULL AS BIGINT) AS byte_offset, furnisher_id,
                       event_id, subject_kind, subject_id, event_type,
                       CAST(occurred_at AS TIMESTAMP) AS occurred_at,
                       CAST(amount AS DOUBLE) AS amount, CAST(NULL AS VARCHAR) AS attributes,
                       {attrs}
                FROM bulk_incoming"""
            )
            ctx = BatchContext(self.catalogue, self.profile, None, *self.hmac_pads())
            run_validation(con, ctx, typed=True)
            classify(self, None)
            # The bulk path is all or nothing: one bad row refuses the batch before any write.
            bad = con.execute(
                """SELECT row_number, errors FROM ingest_checked WHERE len(errors) > 0
                   UNION ALL
                   SELECT row_number, [{'field': 'event_id', 'code': 'CONFLICT',
                     'message': 'event_id ' || event_id || ' was already stored with other '
                     || 'content'}] FROM ingest_classified WHERE outcome = 'conflict'
                   UNION ALL
                   SELECT row_number, errors FROM ingest_classified WHERE outcome = 'invalid'
                   ORDER BY row_number"""
            ).fetchall()
            if bad:
                if registered:  # undo this call's registrations (the audit chain says so)
                    from xinyong.governance._audit import atomic, record_audit

                    with atomic(con):
                        con.execute("DELETE FROM furnishers WHERE list_contains(?, furnisher_id)",
                                    [registered])
                        for furnisher_id in registered:
                            record_audit(con, "furnisher.remove", actor="operator",
                                         details={"furnisher_id": furnisher_id,
                                                  "why": "its first batch was refused"})
                row_number, errors = bad[0]
                first = errors[0]
                raise XinyongError(
                    first["code"],
                    f"{len(bad)} of {events.num_rows} rows are not valid and nothing was "
                    f"stored; first, row {row_number}: {first['message']}",
                    field=first["field"], position=f"row {row_number}",
                )
            result = self.commit_batch(furnisher_id=None, source=source, fmt="arrow",
                                       sha256=None, malformed=[])
        finally:
            con.execute("DROP VIEW IF EXISTS ingest_rows")
            con.unregister("bulk_incoming")
        return AppendResult(result.batch_id, result.rows, result.accepted, result.duplicates,
                            result.new_subjects)

    def commit_batch(self, **kwargs: Any) -> BatchResult:
        return commit_batch(self, enrolled=self.profile.enrollment == "mandatory", **kwargs)

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

    # -- scores ------------------------------------------------------------------------------
    def replace_scores(
        self, sql: str, *, model_id: str, model_version: str, as_of: date,
        seconds: float | None = None,
    ) -> int:
        """Store a batch scoring run, replacing an earlier run of the same model and day.

        ``seconds`` is recorded with the run; without it, the time the query took here.
        """
        from xinyong.governance._audit import record_audit  # governance uses the store

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
            started = time.perf_counter()
            con.execute(f"INSERT INTO scores BY NAME ({sql})")
            if seconds is None:
                seconds = time.perf_counter() - started
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
            record_audit(con, "score.run", actor="operator",
                         details={"model": model_id, "model_version": model_version,
                                  "as_of": as_of.isoformat(), "subjects": subjects,
                                  "scored": scored})
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
