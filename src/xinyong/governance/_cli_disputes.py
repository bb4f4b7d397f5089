"""CLI commands of disputes and retention: ``dispute open|answer|certify|list|sweep`` and
``maintenance`` (the dispute sweep, then the retention purge). Every command takes ``--json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from xinyong._cli_options import HomeOpt, JsonOpt, parse_moment, print_json
from xinyong.decisions.cli import out
from xinyong.errors import XinyongError
from xinyong.governance._disputes import (
    Dispute,
    SweepResult,
    answer_dispute,
    certify_record,
    list_disputes,
    open_dispute,
    sweep_disputes,
)
from xinyong.governance._retention import PurgeResult, purge_expired
from xinyong.store import Store

dispute_app = typer.Typer(help="Disputes: a subject contests a record; its furnisher answers "
                          "in time or the record stops counting.")

NowOpt = Annotated[str | None, typer.Option(
    "--now", help="Run as of this date or date-time (ISO 8601, UTC); default: now.")]
FurnisherOpt = Annotated[str, typer.Option(
    "--furnisher", help="The furnisher (or list authority) answering, as registered.")]


def parse_now(text: str | None) -> datetime | None:
    return None if text is None else parse_moment(text, field="--now")


def _show(dispute: Dispute) -> None:
    # markup=False: statuses, reasons and statements are text, never Rich markup
    out.print(f"Dispute {dispute.dispute_id} [{dispute.status}]: {dispute.description} "
              f"({dispute.record})", markup=False)
    out.print(f"  reason: {dispute.reason}", markup=False)
    if dispute.statement:
        out.print(f"  statement: {dispute.statement}", markup=False)
    if not dispute.has_clock:
        out.print(f"  reported by the furnisher {dispute.opened_at:%Y-%m-%d %H:%M}; no clock: "
                  "the furnisher's own files close it")
        return
    out.print(f"  opened {dispute.opened_at:%Y-%m-%d %H:%M}; notify furnisher by "
              f"{dispute.notify_by:%Y-%m-%d}; answer due by {dispute.respond_by:%Y-%m-%d %H:%M}")


@dispute_app.command("open")
def open_command(
    subject_id: Annotated[str, typer.Argument(help="The disputing subject's ID.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the record is wrong.")],
    event: Annotated[str | None, typer.Option(
        "--event", help="The record: FURNISHER:EVENT_ID, as the report shows it.")] = None,
    list_entry: Annotated[int | None, typer.Option(
        "--list-entry", help="Or a list entry by its number.")] = None,
    statement: Annotated[str | None, typer.Option(
        "--statement", help="A statement shown with the record to relying parties "
        "(at most 500 characters).")] = None,
    added_information: Annotated[bool, typer.Option(
        "--added-information", help="The subject sent information with the dispute: the "
        "furnisher has 45 days instead of 30.")] = False,
    now: NowOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a dispute about a record; it is shown as disputed from now on."""
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        dispute = open_dispute(store, key, event=event, list_entry=list_entry, reason=reason,
                               statement=statement, added_information=added_information,
                               now=parse_now(now))
    if as_json:
        print_json(dispute.to_json())
    else:
        _show(dispute)


@dispute_app.command("answer")
def answer_command(
    dispute_id: Annotated[int, typer.Argument(help="The dispute's number.")],
    furnisher: FurnisherOpt,
    verified: Annotated[bool, typer.Option("--verified", help="The record is accurate.")] = False,
    corrected: Annotated[bool, typer.Option(
        "--corrected", help="The record was corrected (send the correction first).")] = False,
    deleted: Annotated[bool, typer.Option(
        "--deleted", help="The record is withdrawn: it stops counting and cannot be "
        "re-reported without a certification.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="What was checked.")] = None,
    now: NowOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The furnisher's answer: exactly one of --verified, --corrected, --deleted."""
    chosen = [name for name, flag in (("verified", verified), ("corrected", corrected),
                                      ("deleted", deleted)) if flag]
    if len(chosen) != 1:
        raise XinyongError("DISPUTE_ANSWER_INVALID", "give exactly one of --verified, "
                           "--corrected, --deleted", field="answer")
    with Store.open(home) as store:
        dispute = answer_dispute(store, dispute_id, furnisher=furnisher,
                                 answer=chosen[0],  # type: ignore[arg-type]
                                 note=note, now=parse_now(now))
    if as_json:
        print_json(dispute.to_json())
    else:
        _show(dispute)


@dispute_app.command("certify")
def certify_command(
    dispute_id: Annotated[int, typer.Argument(help="The dispute whose record is certified.")],
    furnisher: FurnisherOpt,
    note: Annotated[str, typer.Option("--note", help="How the record was found accurate and "
                                      "complete.")],
    now: NowOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Certify a deleted or suppressed record accurate and complete: it counts again."""
    with Store.open(home) as store:
        dispute = certify_record(store, dispute_id, furnisher=furnisher, note=note,
                                 now=parse_now(now))
    if as_json:
        print_json(dispute.to_json())
    else:
        _show(dispute)


@dispute_app.command("list")
def list_command(
    subject_id: Annotated[str | None, typer.Option("--subject", help="One subject's "
                                                   "disputes.")] = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="open, verified, corrected, deleted, suppressed or reinstated.")] = None,
    due: Annotated[bool, typer.Option("--due", help="Only those the next sweep acts on.")] = False,
    now: NowOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Disputes, oldest first."""
    with Store.open(home) as store:
        key = None if subject_id is None else store.find_subject(subject_id)[0]
        found = list_disputes(store, subject_key=key, status=status, due=due,
                              now=parse_now(now))
    if as_json:
        print_json([d.to_json() for d in found])
        return
    for d in found:
        _show(d)
    if not found:
        out.print("No disputes.")


def _print_sweep(result: SweepResult) -> None:
    out.print(f"Notified furnishers of {len(result.notified)} dispute(s)"
              + (f" ({len(result.late_notifications)} after the 5-business-day limit)"
                 if result.late_notifications else "")
              + f"; suppressed {len(result.suppressed)} unanswered record(s).")


@dispute_app.command("sweep")
def sweep_command(
    now: NowOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be done.")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Notify furnishers of new disputes; suppress records unanswered past their deadline."""
    with Store.open(home) as store:
        result = sweep_disputes(store, now=parse_now(now), dry_run=dry_run)
    if as_json:
        print_json(result.to_json())
    else:
        _print_sweep(result)


def maintenance_command(
    now: NowOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, change nothing.")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the dispute sweep and the retention purge of expired negative items."""
    moment = parse_now(now)
    with Store.open(home) as store:
        sweep = sweep_disputes(store, now=moment, dry_run=dry_run)
        purge: PurgeResult = purge_expired(store, now=moment, dry_run=dry_run)
    if as_json:
        print_json({"disputes": sweep.to_json(), "retention": purge.to_json()})
        return
    prefix = "Would have: " if dry_run else ""
    out.print(prefix, end="")
    _print_sweep(sweep)
    out.print(f"{prefix}Purged {purge.total} negative item(s) past retention "
              f"(profile {purge.profile}).")
    for c in purge.counts:
        out.print(f"  {c.event_type}: {c.purged} older than {c.older_than:%Y-%m-%d}")
    if purge.disputes_closed:
        out.print(f"{prefix}Closed {len(purge.disputes_closed)} dispute(s) about purged records: "
                  + ", ".join(str(d) for d in purge.disputes_closed))


def register(app: typer.Typer) -> None:
    app.add_typer(dispute_app, name="dispute")
    app.command("maintenance")(maintenance_command)
