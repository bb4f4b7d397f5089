"""CLI commands of the audit area (placeholder: filled in by that work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, audit_app: typer.Typer) -> None:
    pass
