"""CLI commands for subject rights and governance, registered on the main app by :func:`register`.

Each area registers its own commands: the audit chain (``audit verify``), disputes and retention
(``dispute``, ``maintenance``), the subject report and personal data (``report``, ``subject``),
fairness, drift and model comparison (``audit fairness|drift``, ``simulate compare``,
``model compare``).
"""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="Audit: verify the hash chain, fairness by group, score drift.")


def register(app: typer.Typer, model_app: typer.Typer, simulate_app: typer.Typer) -> None:
    from xinyong.governance import _cli_audit, _cli_disputes, _cli_fairness, _cli_report

    _cli_audit.register(app, audit_app)
    _cli_disputes.register(app)
    _cli_report.register(app)
    _cli_fairness.register(audit_app, model_app, simulate_app)
    app.add_typer(audit_app, name="audit")
