"""``xinyong model list|show|register|promote|retire``: the model registry from the command line.

The commands are plain functions; :func:`register` adds them to the ``model`` Typer app that
``xinyong.cli`` owns. ``list`` and ``show`` only read (a home without a store still lists the
shipped rulebooks and saved scorecards, unregistered); the others change the registry and write
their audit entry in the same transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, print_json
from xinyong.errors import XinyongError
from xinyong.scoring.registry._artifacts import Artifact, describe_artifact
from xinyong.scoring.registry._registry import (
    RegisteredModel,
    promote,
    register_model,
    registered_models,
    retire,
)
from xinyong.scoring.rulebook import load_rulebook, shipped_rulebooks
from xinyong.store import Store, default_home

out = Console()

ModelArg = Annotated[str, typer.Argument(help="A model id: a shipped rulebook or a saved "
                                         "scorecard (see `xinyong model list`).")]
KindOpt = Annotated[str | None, typer.Option("--kind", help="Subject kind: person or "
                                             "organisation (default: every kind the model is "
                                             "registered for).")]
UNREGISTERED = "unregistered"


def register(model_app: typer.Typer) -> None:
    """Add the registry commands to the ``xinyong model`` command group."""
    model_app.command("list")(list_command)
    model_app.command("show")(show_command)
    model_app.command("register")(register_command)
    model_app.command("promote")(promote_command)
    model_app.command("retire")(retire_command)


def _read_registry(home: Path | None) -> list[RegisteredModel] | None:
    """The registrations, or None when the home has no store yet."""
    try:
        store = Store.open(home, read_only=True)
    except XinyongError as exc:
        if exc.code == "NO_STORE":
            return None
        raise
    with store:
        return registered_models(store.con)


def _available(home: Path | None) -> list[str]:
    from xinyong.scoring.scorecard import saved_scorecards

    return sorted({*shipped_rulebooks(), *saved_scorecards(home)})


def _unregistered_row(artifact: Artifact) -> dict[str, Any]:
    return {"model": artifact.model_id, "subject_kind": None, "version": artifact.version,
            "family": artifact.family, "provider": artifact.provider, "status": UNREGISTERED,
            "description": artifact.description, "artifact_sha256": artifact.sha256}


def list_command(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List the models: shipped rulebooks and saved scorecards, with their registry status."""
    registry = _read_registry(home)
    rows: list[dict[str, Any]] = [r.to_json() for r in registry or []]
    registered = {r["model"] for r in rows}
    for model_id in _available(home):
        if model_id not in registered:
            rows.append(_unregistered_row(describe_artifact(model_id, home)))
    rows.sort(key=lambda r: (r["model"], r["subject_kind"] or ""))
    if as_json:
        print_json(rows)
        return
    table = Table(title="Models" + ("" if registry is not None else
                                    " (no store here: `xinyong init` registers the shipped ones)"))
    for col in ("id", "version", "family", "provider", "kind", "status"):
        table.add_column(col)
    for r in rows:
        status = r["status"]
        style = {"champion": "bold green", "shadow": "cyan", "retired": "dim"}.get(status, "")
        table.add_row(r["model"], r["version"], r["family"], r["provider"],
                      r["subject_kind"] or "–", f"[{style}]{status}[/]" if style else status)
    out.print(table)


def _details(model_id: str, artifact: Artifact, home: Path) -> dict[str, Any]:
    if artifact.family == "rulebook":
        rulebook = load_rulebook(model_id)
        spec = rulebook.spec
        return {"method": rulebook.method, "scale": [spec.scale.min, spec.scale.max],
                "factors": {f.value: s.weight for f, s in spec.factors.items()},
                "tiers": {t.name: t.min for t in spec.tiers}, "rules": len(rulebook.rules)}
    from xinyong.scoring.scorecard import load_scorecard

    card = load_scorecard(model_id, home)
    t = card.training
    record = card.feature_view
    return {"characteristics": len(card.characteristics),
            "scale": [card.scaling.range_min, card.scaling.range_max],
            "tiers": dict(card.tiers),
            "feature_view": None if record is None else f"{record.name} {record.version}",
            "training_rows": t.rows, "training_bad": t.bad,
            "metrics": {"auc": t.auc, "ks": t.ks, "gini": t.gini}}


def show_command(model_id: ModelArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show one model: its registrations, what its artifact is, and its factors or metrics."""
    where = home or default_home()
    artifact = describe_artifact(model_id, where)
    registry = _read_registry(home)
    regs = [r for r in registry or [] if r.model_id == model_id]
    info = {"model": model_id, "family": artifact.family, "version": artifact.version,
            "provider": regs[0].provider if regs else artifact.provider,
            "description": artifact.description, "artifact_sha256": artifact.sha256,
            "registrations": [{**r.to_json(), "artifact_matches":
                               r.artifact_sha256 == artifact.sha256} for r in regs],
            **_details(model_id, artifact, where)}
    if as_json:
        print_json(info)
        return
    out.print(f"[bold]{model_id}[/] {artifact.version} ({artifact.family}, provider "
              f"{info['provider']}): {artifact.description}")
    if not regs:
        out.print(f"Not registered: `xinyong model register {model_id} --kind person`.")
    for r in regs:
        changed = "" if r.artifact_sha256 == artifact.sha256 else (
            " [red]the artifact changed since it was registered[/]")
        out.print(f"  {r.subject_kind}: {r.status} (registered {r.registered_at:%Y-%m-%d} by "
                  f"{r.registered_by}){changed}")
    if artifact.family == "rulebook":
        out.print(f"Method {info['method']}, scale {info['scale'][0]:g}–{info['scale'][1]:g}, "
                  f"{info['rules']} rules.")
        if info["factors"]:
            out.print("Factor weights: " + ", ".join(f"{f} {w:.0%}"
                                                    for f, w in info["factors"].items()))
        out.print("Tiers: " + ", ".join(f"{n} ≥ {m:g}" for n, m in info["tiers"].items()))
    else:
        m = info["metrics"]
        view = info["feature_view"] or "none: fitted on a data file, it cannot score the store"
        out.print(f"Feature view: {view}. Tiers: "
                  + ", ".join(f"{n} ≥ {m:g}" for n, m in info["tiers"].items()))
        out.print(f"{info['characteristics']} characteristics, trained on "
                  f"{info['training_rows']:,} rows ({info['training_bad']:,} bad): AUC "
                  f"{m['auc']:.3f}, KS {m['ks']:.3f}, Gini {m['gini']:.3f}.")


def _print_changes(changed: list[RegisteredModel], as_json: bool) -> None:
    if as_json:
        print_json([r.to_json() for r in changed])
        return
    for r in changed:
        out.print(f"{r.model_id} {r.version} is now [bold]{r.status}[/] for {r.subject_kind} "
                  "subjects.")


def register_command(
    model_id: ModelArg,
    kind: Annotated[str | None, typer.Option("--kind", help="Subject kind the model will score: "
                                             "person or organisation (default: the one kind "
                                             "its feature view scores).")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="The licensed scoring "
                                                 "company that built the model (default: the "
                                                 "artifact's, or xinyong).")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a saved scorecard (or a shipped rulebook) as a draft for a subject kind."""
    with Store.open(home) as store:
        registered = register_model(store, model_id, subject_kind=kind, provider=provider)
    _print_changes([registered], as_json)


def promote_command(
    model_id: ModelArg,
    to: Annotated[str, typer.Option("--to", help="shadow (scored alongside the champion) or "
                                    "champion (answers queries that name no model).")],
    kind: KindOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Promote a model: draft → shadow → champion (the previous champion becomes a shadow)."""
    with Store.open(home) as store:
        changed = promote(store, model_id, to, subject_kind=kind)
    _print_changes(changed, as_json)


def retire_command(model_id: ModelArg, kind: KindOpt = None, home: HomeOpt = None,
                   as_json: JsonOpt = False) -> None:
    """Retire a model (a champion only after another model has been promoted in its place)."""
    with Store.open(home) as store:
        changed = retire(store, model_id, subject_kind=kind)
    _print_changes(changed, as_json)

