"""CLI commands of the audit chain: ``audit verify``, ``audit log`` and ``audit anchor``.

``verify`` exits 0 when the chain holds and 1 when it is broken, naming the first broken entry
(its seq, action, time and what is wrong); ``anchor`` prints the head for an operator to publish
elsewhere, and ``verify --anchor SEQ:HASH`` checks the chain against it later.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, print_json
from xinyong.errors import XinyongError
from xinyong.governance._audit import audit_entries, audit_head
from xinyong.governance._audit_verify import AuditVerification, format_anchor, verify_chain
from xinyong.store import Store, fetch_one

out = Console()
err = Console(stderr=True)

PROGRESS_FROM = 500_000  # entries: shorter chains verify in well under a second


def _verify(store: Store, anchor: str | None, show_progress: bool) -> AuditVerification:
    head = audit_head(store.con)
    if not show_progress or head is None or head[0] < PROGRESS_FROM:
        return verify_chain(store.con, anchor=anchor)
    with Progress(TextColumn("verifying the audit chain"), BarColumn(),
                  TextColumn("{task.completed:,.0f} / {task.total:,.0f}"), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("verify", total=head[0])
        return verify_chain(store.con, anchor=anchor,
                            progress=lambda done, total: bar.update(task, completed=done,
                                                                    total=total))


def register(app: typer.Typer, audit_app: typer.Typer) -> None:
    del app

    @audit_app.command("verify")
    def verify(
        anchor: Annotated[str | None, typer.Option(
            "--anchor", help="A head printed earlier by `xinyong audit anchor` (SEQ:HASH or "
            "HASH): check that the chain still holds it.")] = None,
        home: HomeOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Check the whole audit chain; exit 1 and name the first broken entry if it fails."""
        with Store.open(home) as store:
            result = _verify(store, anchor, not as_json and err.is_terminal)
        if as_json:
            print_json(result.to_json())
        elif result.broken is None:
            anchored = f"; it holds anchor {result.anchor}" if result.anchor else ""
            out.print(f"[green]✓[/] audit chain intact: {result.entries:,} entries, head "
                      f"{result.head_seq}:{result.head_hash}{anchored}")
        else:
            b = result.broken
            where = "" if b.seq is None else f"entry {b.seq}"
            if b.action is not None:
                where += f" ({b.action}, recorded {b.recorded_at:%Y-%m-%d %H:%M:%S})"
            out.print(f"[red]✗ audit chain broken ({b.problem})[/] at {where or 'the head'}: "
                      f"{b.message}. {result.entries:,} entries before it hold.")
        if not result.ok:
            raise typer.Exit(1)

    @audit_app.command("log")
    def log(
        subject: Annotated[str | None, typer.Option(
            "--subject", help="Only entries about this subject (their ID).")] = None,
        action: Annotated[str | None, typer.Option(
            "--action", help="Only actions under this prefix, e.g. consent or inquiry.refused."
        )] = None,
        limit: Annotated[int, typer.Option("--limit", min=1, help="How many entries, newest "
                                           "first.")] = 50,
        home: HomeOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Show audit entries, newest first."""
        with Store.open(home) as store:
            key = None if subject is None else store.find_subject(subject)[0]
            entries = audit_entries(store.con, subject_key=key, action_prefix=action,
                                    limit=limit)
        if as_json:
            print_json([e.to_json() for e in entries])
            return
        if not entries:
            out.print("no audit entries match")
            return
        table = Table("seq", "recorded (UTC)", "actor", "action", "subject key", "details")
        for e in entries:
            when = f"{e.recorded_at:%Y-%m-%d %H:%M:%S}" + (
                "" if e.logged_at is None else f" (logged {e.logged_at:%Y-%m-%d %H:%M:%S})")
            table.add_row(str(e.seq), when, e.actor, e.action,
                          "" if e.subject_key is None else str(e.subject_key),
                          json.dumps(e.details, ensure_ascii=False, default=str))
        out.print(table)

    @audit_app.command("anchor")
    def anchor(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
        """Print the chain's head (SEQ:HASH) to publish or write down outside this store."""
        with Store.open(home) as store:
            head = audit_head(store.con)
            if head is None:
                raise XinyongError("AUDIT_HEAD_MISSING", "the audit chain's head record is "
                                   "missing; run `xinyong audit verify`", field="audit_head")
            row = fetch_one(store.con.execute(
                "SELECT recorded_at FROM audit_log WHERE seq = ?", [head[0]]))
        value = format_anchor(*head)
        recorded = None if row is None else row[0]
        if as_json:
            print_json({"anchor": value, "seq": head[0], "hash": head[1].hex(),
                         "recorded_at": None if recorded is None else recorded.isoformat()})
        else:
            out.print(value)
            err.print(f"the audit chain's head, entry {head[0]}"
                      + ("" if recorded is None else f" of {recorded:%Y-%m-%d %H:%M:%S} UTC")
                      + "; keep it outside this store and check it later with "
                      f"`xinyong audit verify --anchor {value}`")
