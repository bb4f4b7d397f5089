"""CLI commands of the fairness area (placeholder: filled in by that work)."""

from __future__ import annotations

import typer


def register(audit_app: typer.Typer, model_app: typer.Typer, simulate_app: typer.Typer) -> None:
    pass
