"""CLI commands for furnishers and ingestion, registered on the main ``xinyong`` app."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xinyong._cli_options import HomeOpt, print_json
from xinyong.governance._identity import set_enrollment
from xinyong.ingest._pipeline import ingest_file
from xinyong.ingest._readers import FORMATS
from xinyong.store import Store

out = Console()
err = Console(stderr=True)
furnisher_app = typer.Typer(help="Data furnishers and the event types they may report.")
subject_app = typer.Typer(help="Subjects: participation (opt-in, opt-out), personal data, "
                          "erasure.")


@furnisher_app.command("add")
def furnisher_add(
    name: Annotated[str, typer.Argument(help="The furnisher's name, used with --furnisher.")],
    may_report: Annotated[list[str], typer.Option(
        "--may-report", help="Glob over event types it is licensed to report, e.g. 'bill.*'. "
        "Repeat for several.")],
    home: HomeOpt = None,
) -> None:
    """Register a furnisher (or change its licence)."""
    with Store.open(home) as store:
        fid = store.add_furnisher(name, may_report)
    out.print(f"Furnisher {name} (#{fid}) may report: {', '.join(may_report)}")


@furnisher_app.command("list")
def furnisher_list(
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List furnishers with their licences and what they have sent."""
    with Store.open(home) as store:
        rows = store.query(
            """SELECT f.name, f.may_report, COUNT(e.event_seq)
               FROM furnishers AS f LEFT JOIN events AS e USING (furnisher_id)
               GROUP BY f.name, f.may_report ORDER BY f.name""")
    data = [{"name": n, "may_report": m, "events": int(c)} for n, m, c in rows]
    if as_json:
        print_json(data)
        return
    table = Table()
    for col in ("furnisher", "may report", "events"):
        table.add_column(col)
    for d in data:
        table.add_row(str(d["name"]), ", ".join(d["may_report"] or ["*"]), f"{d['events']:,}")
    out.print(table)


def ingest(
    file: Annotated[Path, typer.Argument(help="A furnisher file: CSV, JSON Lines, Parquet or Metro 2.")],
    furnisher: Annotated[str, typer.Option("--furnisher", "-f", help="The registered furnisher "
                                           "sending the file.")],
    fmt: Annotated[str | None, typer.Option("--format", help=f"One of {', '.join(FORMATS)}; "
                                            "guessed from the file name when omitted.")] = None,
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Validate a furnisher file and store its good rows; quarantine the rest with reasons.

    Exit code 0: every row accepted (or an identical re-send); 1: some rows quarantined;
    2: the file was refused (unreadable, wrong format, unknown furnisher). Re-ingesting a file
    stores nothing twice.
    """
    with Store.open(home) as store, err.status(f"Ingesting {file.name}"):
        summary = ingest_file(store, file, furnisher=furnisher, fmt=fmt)
    if as_json:
        print_json(summary.to_json())
    else:
        out.print(
            f"{file.name}: {summary.rows:,} rows, [green]{summary.accepted:,} accepted[/], "
            f"{summary.duplicates:,} duplicates, [red]{summary.quarantined:,} quarantined[/] "
            f"({summary.conflicts:,} conflicts), {summary.corrections:,} corrections, "
            f"{summary.held:,} held (subjects not opted in). Batch {summary.batch_id}."
        )
        for e in summary.errors[:20]:
            where = f"row {e['row']}" + (f", byte {e['offset']}" if e.get("offset") is not None else "")
            out.print(f"  {where}: {e['code']} ({e['field']}): {e['message']}")
        if len(summary.errors) > 20:
            out.print(f"  … and {len(summary.errors) - 20:,} more (use --json for all)")
    raise typer.Exit(summary.exit_code)


@subject_app.command("opt-in")
def opt_in(
    subject_id: Annotated[str, typer.Argument(help="The subject's ID.")],
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Enroll a subject: its held reports start to count (audited)."""
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        changed = set_enrollment(store, key, True)
    if as_json:
        sys.stdout.write(json.dumps({"enrolled": True, "changed": changed}) + "\n")
    else:
        out.print("Enrolled: held reports now count in scores." if changed
                  else "Already enrolled.")


@subject_app.command("opt-out")
def opt_out(
    subject_id: Annotated[str, typer.Argument(help="The subject's ID.")],
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Stop scoring a subject and refuse queries about it; reports are held (audited).

    Allowed where the jurisdiction profile makes participation voluntary (eu).
    """
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        changed = set_enrollment(store, key, False)
    if as_json:
        sys.stdout.write(json.dumps({"enrolled": False, "changed": changed}) + "\n")
    else:
        out.print("Opted out: reports are held, the subject is no longer scored and relying "
                  "parties' queries are refused." if changed else "Already opted out.")


def register(app: typer.Typer) -> None:
    app.add_typer(furnisher_app, name="furnisher")
    app.add_typer(subject_app, name="subject")
    app.command("ingest")(ingest)
