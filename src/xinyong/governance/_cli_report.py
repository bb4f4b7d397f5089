"""CLI commands of the report area (placeholder: filled in by that work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
