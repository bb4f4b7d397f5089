"""The model registry: register, list, promote and retire models, one champion per subject kind.

A model is registered per subject kind with a status:

``draft``     registered, not scored unless asked for by name (``xinyong score --model ID``);
``shadow``    scored alongside the champion by every ``xinyong score`` run, answers no query;
``champion``  answers the queries that name no model, for its subject kind (one per kind);
``retired``   kept for the record (its stored scores and decisions stay explainable).

Promotion goes ``draft → shadow → champion``; a retired model may come back as a shadow. A
model becomes champion only from shadow, so that it has been scored alongside the champion
before it answers anyone. Promoting a champion **demotes the previous champion to shadow**, not
to retired: it keeps being scored next to its successor, which gives the comparison a baseline
and the operator a one-command rollback (promote it back). Retiring is a separate, deliberate
act, and a champion cannot be retired until another model has been promoted in its place.

Every change writes its audit entry (``model.register``, ``model.promote``, ``model.retire``) in
the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

from xinyong.errors import XinyongError
from xinyong.governance import record_audit
from xinyong.scoring.registry._artifacts import Artifact, describe_artifact
from xinyong.store import Store, fetch_one, transaction, utcnow

Status = Literal["draft", "shadow", "champion", "retired"]
STATUSES: tuple[Status, ...] = ("draft", "shadow", "champion", "retired")
SUBJECT_KINDS = ("person", "organisation")
OPERATOR = "operator"

_COLUMNS = ("model_id, CAST(subject_kind AS VARCHAR), version, family, provider, status, "
            "description, artifact_sha256, registered_by, registered_at, promoted_at, retired_at")


@dataclass(frozen=True)
class RegisteredModel:
    """One model's registration for one subject kind."""

    model_id: str
    subject_kind: str
    version: str
    family: str
    provider: str
    status: Status
    description: str
    artifact_sha256: str
    registered_by: str
    registered_at: datetime
    promoted_at: datetime | None
    retired_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {"model": self.model_id, "subject_kind": self.subject_kind,
                "version": self.version, "family": self.family, "provider": self.provider,
                "status": self.status, "description": self.description,
                "artifact_sha256": self.artifact_sha256, "registered_by": self.registered_by,
                "registered_at": iso(self.registered_at), "promoted_at": iso(self.promoted_at),
                "retired_at": iso(self.retired_at)}


def _check_kind(kind: str) -> str:
    if kind not in SUBJECT_KINDS:
        raise XinyongError("BAD_SUBJECT_KIND", f"subject kind must be person or organisation, "
                           f"not {kind!r}", field="--kind")
    return kind


def _rows(con: duckdb.DuckDBPyConnection, where: str = "TRUE",
          params: list[Any] | None = None) -> list[RegisteredModel]:
    rows = con.execute(f"SELECT {_COLUMNS} FROM models WHERE {where} "
                       "ORDER BY model_id, subject_kind", params or []).fetchall()
    return [RegisteredModel(*row) for row in rows]


def registered_models(con: duckdb.DuckDBPyConnection) -> list[RegisteredModel]:
    """Every registration, by model id then subject kind."""
    return _rows(con)


def registrations(con: duckdb.DuckDBPyConnection, model_id: str,
                  subject_kind: str | None = None) -> list[RegisteredModel]:
    """The registrations of ``model_id`` (for one kind, if given); ``MODEL_NOT_REGISTERED`` if
    there is none."""
    if subject_kind is None:
        found = _rows(con, "model_id = ?", [model_id])
    else:
        found = _rows(con, "model_id = ? AND subject_kind = ?", [model_id, _check_kind(subject_kind)])
    if not found:
        kinds = "" if subject_kind is None else f" for {subject_kind} subjects"
        raise XinyongError("MODEL_NOT_REGISTERED", f"{model_id!r} is not registered{kinds}; "
                           f"register it with `xinyong model register {model_id} --kind "
                           f"{subject_kind or 'person'}`", field="model")
    return found


def champion(con: duckdb.DuckDBPyConnection, subject_kind: str) -> str:
    """The id of the model that answers queries about ``subject_kind`` subjects."""
    row = fetch_one(con.execute("SELECT model_id FROM model_champions WHERE subject_kind = ?",
                                [_check_kind(subject_kind)]))
    if row is None:
        raise XinyongError("NO_CHAMPION", f"no champion model for {subject_kind} subjects; "
                           "promote one with `xinyong model promote ID --to champion --kind "
                           f"{subject_kind}`", field="model")
    return str(row[0])


def shadows(con: duckdb.DuckDBPyConnection, subject_kind: str) -> list[str]:
    """The ids of the models scored alongside the champion for ``subject_kind``, sorted."""
    rows = con.execute("SELECT model_id FROM models WHERE subject_kind = ? AND status = 'shadow' "
                       "ORDER BY model_id", [_check_kind(subject_kind)]).fetchall()
    return [str(r[0]) for r in rows]


def models_to_score(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every champion and shadow model, each once: what a batch ``xinyong score`` runs.

    Champions come first, then shadows, each by id.
    """
    rows = con.execute(
        "SELECT model_id, min(CASE status WHEN 'champion' THEN 0 ELSE 1 END) AS rank "
        "FROM models WHERE status IN ('champion', 'shadow') GROUP BY model_id "
        "ORDER BY rank, model_id").fetchall()
    return [str(r[0]) for r in rows]


def register_model(
    store: Store, model_id: str, *, subject_kind: str | None = None, provider: str | None = None,
    actor: str = OPERATOR, now: datetime | None = None,
) -> RegisteredModel:
    """Register ``model_id`` (a shipped rulebook or a saved scorecard) as a draft for a kind
    (default: the one kind the model scores, e.g. its feature view's).

    Registering again after the artifact changed records the new version and digest, as a
    draft, unless the model is shadow or champion (a model in use must not change under its
    id: fit the new one under a new id). Registering an unchanged artifact is refused.
    """
    artifact: Artifact = describe_artifact(model_id, store.home)
    if subject_kind is None and len(artifact.subject_kinds) != 1:
        raise XinyongError("KIND_REQUIRED", f"{model_id} scores "
                           f"{' and '.join(artifact.subject_kinds)} subjects; say which with "
                           "--kind", field="--kind")
    kind = _check_kind(subject_kind or artifact.subject_kinds[0])
    if kind not in artifact.subject_kinds:
        raise XinyongError("KIND_NOT_SCORED", f"{model_id} scores "
                           f"{' and '.join(artifact.subject_kinds)} subjects, not {kind}",
                           field="--kind")
    chosen_provider = provider.strip() if provider and provider.strip() else artifact.provider
    at = utcnow(now)
    con = store.con
    existing = _rows(con, "model_id = ? AND subject_kind = ?", [model_id, kind])
    if existing:
        old = existing[0]
        if old.artifact_sha256 == artifact.sha256:
            raise XinyongError("ALREADY_REGISTERED", f"{model_id} is already registered for "
                               f"{kind} subjects ({old.status}), with this same artifact",
                               field="model")
        if old.status in ("shadow", "champion"):
            raise XinyongError("MODEL_IN_USE", f"the artifact of {model_id} changed, but it is "
                               f"{old.status} for {kind} subjects; save the new model under a "
                               "new id and register that", field="model")
    details = {"model": model_id, "subject_kind": kind, "version": artifact.version,
               "family": artifact.family, "provider": chosen_provider,
               "artifact_sha256": artifact.sha256}
    with transaction(con):
        con.execute(
            "INSERT INTO models (model_id, subject_kind, version, family, provider, status, "
            "description, artifact_sha256, registered_by, registered_at) "
            "VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
            "version = excluded.version, family = excluded.family, provider = excluded.provider, "
            "status = 'draft', description = excluded.description, "
            "artifact_sha256 = excluded.artifact_sha256, registered_by = excluded.registered_by, "
            "registered_at = excluded.registered_at, promoted_at = NULL, retired_at = NULL",
            [model_id, kind, artifact.version, artifact.family, chosen_provider,
             artifact.description, artifact.sha256, actor, at])
        record_audit(con, "model.register", actor=actor, details=details, at=at)
    return registrations(con, model_id, kind)[0]


def register_fitted(
    home: Path | None, model_id: str, *, subject_kind: str | None = None,
    provider: str | None = None, actor: str = OPERATOR,
) -> RegisteredModel | None:
    """Register a scorecard just saved by ``xinyong model fit`` as a draft, when the home has a
    store (None when it has none). A re-fit with unchanged bytes keeps its registration; a
    changed artifact of a shadow or champion raises ``MODEL_IN_USE``."""
    try:
        store = Store.open(home)
    except XinyongError as exc:
        if exc.code == "NO_STORE":
            return None
        raise
    with store:
        try:
            return register_model(store, model_id, subject_kind=subject_kind,
                                  provider=provider, actor=actor)
        except XinyongError as exc:
            if exc.code != "ALREADY_REGISTERED":
                raise
            return registrations(store.con, model_id, subject_kind)[0]


def promote(
    store: Store, model_id: str, to: str, *, subject_kind: str | None = None,
    actor: str = OPERATOR, now: datetime | None = None,
) -> list[RegisteredModel]:
    """Promote ``model_id`` to ``shadow`` or ``champion`` (for one kind, or every kind it is
    registered for); return the registrations changed, the demoted champion included."""
    if to not in ("shadow", "champion"):
        raise XinyongError("BAD_STATUS", f"promote to shadow or champion, not {to!r} (use "
                           "`xinyong model retire` to retire a model)", field="--to")
    con = store.con
    targets = registrations(con, model_id, subject_kind)
    for reg in targets:
        _check_promotion(reg, to)
    artifact = describe_artifact(model_id, store.home)
    if artifact.cannot_score_store is not None:
        raise XinyongError("CANNOT_SCORE_STORE", f"{model_id} cannot be {to}: "
                           f"{artifact.cannot_score_store}", field="model")
    if any(reg.artifact_sha256 != artifact.sha256 for reg in targets):
        raise XinyongError("ARTIFACT_CHANGED", f"the artifact of {model_id} changed since it was "
                           f"registered; register it again (`xinyong model register {model_id} "
                           f"--kind {targets[0].subject_kind}`) to record the new version, then "
                           "promote it", field="model")
    at = utcnow(now)
    changed: list[tuple[str, str]] = []
    with transaction(con):
        for reg in targets:
            demoted = None
            if to == "champion":
                row = fetch_one(con.execute(
                    "SELECT model_id FROM model_champions WHERE subject_kind = ?",
                    [reg.subject_kind]))
                demoted = None if row is None else str(row[0])
                if demoted is not None:
                    con.execute("UPDATE models SET status = 'shadow' WHERE model_id = ? AND "
                                "subject_kind = ?", [demoted, reg.subject_kind])
                    changed.append((demoted, reg.subject_kind))
                con.execute(
                    "INSERT INTO model_champions (subject_kind, model_id, since) VALUES (?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET model_id = excluded.model_id, since = excluded.since",
                    [reg.subject_kind, model_id, at])
            con.execute("UPDATE models SET status = ?, promoted_at = ?, retired_at = NULL "
                        "WHERE model_id = ? AND subject_kind = ?",
                        [to, at, model_id, reg.subject_kind])
            changed.append((model_id, reg.subject_kind))
            record_audit(con, "model.promote", actor=actor, at=at, details={
                "model": model_id, "subject_kind": reg.subject_kind, "version": reg.version,
                "from": reg.status, "to": to, "demoted": demoted})
    return [registrations(con, m, k)[0] for m, k in changed]


def _check_promotion(reg: RegisteredModel, to: str) -> None:
    kind = reg.subject_kind
    if reg.status == to:
        raise XinyongError("ALREADY_IN_STATUS", f"{reg.model_id} is already {to} for {kind} "
                           "subjects", field="--to")
    if to == "champion" and reg.status != "shadow":
        raise XinyongError("PROMOTION_ORDER", f"{reg.model_id} is {reg.status} for {kind} "
                           "subjects; a model becomes champion only from shadow, so that it is "
                           f"scored alongside the champion first: `xinyong model promote "
                           f"{reg.model_id} --to shadow --kind {kind}`", field="--to")
    if to == "shadow" and reg.status == "champion":
        raise XinyongError("PROMOTION_ORDER", f"{reg.model_id} is the champion for {kind} "
                           "subjects; promote another model to champion and it becomes a shadow",
                           field="--to")


def retire(
    store: Store, model_id: str, *, subject_kind: str | None = None, actor: str = OPERATOR,
    now: datetime | None = None,
) -> list[RegisteredModel]:
    """Retire ``model_id`` (for one kind, or every kind it is registered for).

    A champion cannot be retired (``MODEL_IS_CHAMPION``): promote its successor first.
    """
    con = store.con
    targets = registrations(con, model_id, subject_kind)
    for reg in targets:
        if reg.status == "champion":
            raise XinyongError("MODEL_IS_CHAMPION", f"{model_id} is the champion for "
                               f"{reg.subject_kind} subjects and answers their queries; promote "
                               "another model to champion first (`xinyong model promote ID --to "
                               f"champion --kind {reg.subject_kind}`), then retire it",
                               field="model")
        if reg.status == "retired":
            raise XinyongError("ALREADY_IN_STATUS", f"{model_id} is already retired for "
                               f"{reg.subject_kind} subjects", field="model")
    at = utcnow(now)
    with transaction(con):
        for reg in targets:
            con.execute("UPDATE models SET status = 'retired', retired_at = ? "
                        "WHERE model_id = ? AND subject_kind = ?",
                        [at, model_id, reg.subject_kind])
            record_audit(con, "model.retire", actor=actor, at=at, details={
                "model": model_id, "subject_kind": reg.subject_kind, "version": reg.version,
                "from": reg.status})
    return registrations(con, model_id, subject_kind)
