"""CLI of the subject report and personal data: ``report``, ``subject identity``, ``subject erase``.

``xinyong report ID`` prints everything held about a subject (``--json``: the data export;
``--html FILE``: one self-contained page). ``subject identity`` records a person's name, birth
date and address, encrypted with their own key; ``subject erase`` destroys that key. These two
join ``subject opt-in`` and ``subject opt-out`` in the ``subject`` group (defined with the
ingestion commands, which first needed it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.errors import XinyongError
from xinyong.governance._identity import erase_subject, record_identity
from xinyong.governance._report import readable_time, report_tables, subject_report
from xinyong.governance._report_html import render_html
from xinyong.store import Store

out = Console()

SubjectArg = Annotated[str, typer.Argument(help="The subject's ID.")]


def report_command(
    subject_id: SubjectArg,
    html: Annotated[Path | None, typer.Option("--html", help="Write the report as one "
                                              "self-contained HTML page to this file.")] = None,
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (your data "
                                          "export).")] = False,
) -> None:
    """Everything held about a subject: free, never an inquiry, and their data export."""
    if html is not None and as_json:
        raise XinyongError("REPORT_FORMAT", "choose one of --json and --html FILE",
                           field="--html")
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        report = subject_report(store, key)
    if as_json:
        print_json(report, ensure_ascii=False)
        return
    if html is not None:
        try:
            html.write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            raise XinyongError("REPORT_WRITE", f"cannot write {html}: {exc.strerror}",
                               field="--html") from None
        out.print(f"Wrote your report to {html}.")
        return
    meta = report["report"]
    out.print(f"[bold]Your xinyong report[/] ({meta['profile']} profile, made "
              f"{readable_time(meta['generated_at'])} UTC). {meta['note']}")
    for section in report_tables(report):
        if not section.rows:
            out.print(f"\n[bold]{section.title}[/]: {section.empty}")
            continue
        table = Table(title=section.title, title_justify="left", show_edge=False)
        for column in section.columns:
            table.add_column(column, overflow="fold")
        for row in section.rows:
            style = "yellow" if "dispute" in section.columns and row[-1] else None
            table.add_row(*(escape(cell) for cell in row), style=style)
        out.print()
        out.print(table)


def identity_command(
    subject_id: SubjectArg,
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date",
                                                   help="YYYY-MM-DD.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Postal address.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record or update a person's name, birth date and address (encrypted with their own key)."""
    born = (None if birth_date is None
            else parse_date(birth_date, field="--birth-date", example="1990-05-17"))
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        fields = record_identity(store, key, name=name, birth_date=born, address=address)
    if as_json:
        print_json({"recorded": fields}, ensure_ascii=False)
    else:
        out.print(f"Recorded {', '.join(f.replace('_', ' ') for f in fields)}, encrypted with "
                  "this person's own key. Only their report shows it.")


def erase_command(
    subject_id: SubjectArg,
    confirm: Annotated[bool, typer.Option("--confirm", help="Erasure cannot be undone: say "
                                          "so.")] = False,
    operator: Annotated[bool, typer.Option("--operator", help="An operator erases on a legal "
                                           "order (allowed under every profile).")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Erase a person's personal data by destroying their key; they are never scored again."""
    if not confirm:
        raise XinyongError("ERASE_NOT_CONFIRMED", "erasure cannot be undone; run the command "
                           "again with --confirm", field="--confirm")
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        erasure = erase_subject(store, key, by="operator" if operator else "subject")
    if as_json:
        print_json(erasure.to_json(), ensure_ascii=False)
    else:
        out.print(f"Erased on {erasure.erased_at:%Y-%m-%d %H:%M} UTC: the personal data key was "
                  f"{'destroyed' if erasure.key_destroyed else 'already gone'}; "
                  "the subject is no longer scored and relying parties' queries are refused.")
        out.print(f"{erasure.texts_blanked} free-text entr"
                  f"{'y' if erasure.texts_blanked == 1 else 'ies'} blanked"
                  + ("; the database file was rewritten so that the old text is gone from it."
                     if erasure.file_rewritten else "."))


def register(app: typer.Typer) -> None:
    from xinyong.ingest.cli import subject_app

    app.command("report")(report_command)
    subject_app.command("identity")(identity_command)
    subject_app.command("erase")(erase_command)
