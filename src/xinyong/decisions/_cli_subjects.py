"""CLI commands of the subject's side, lists and attestations (registered by ``cli.register``).

``rewards``, ``notices``, ``freeze``, ``fraud-alert``; ``lists`` (catalogue, entries made by
an authority, removal, escalation, restrictions, the published organisations' entries); and
``attest`` (mint a signed score attestation, verify one offline, print the public key).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.decisions._attest import (
    PRIVATE_KEY,
    PUBLIC_KEY,
    load_public_key,
    mint_attestation,
    public_key_pem,
    signing_key,
    verify_attestation,
)
from xinyong.decisions._freeze import (
    FileStatus,
    file_status,
    freeze_file,
    lift_freeze,
    place_fraud_alert,
    remove_fraud_alert,
)
from xinyong.decisions._list_catalogue import list_catalogue
from xinyong.decisions._lists import (
    add_listing,
    entries_of,
    escalate_listings,
    published_entries,
    remove_listing,
    restrictions_for,
)
from xinyong.decisions._notices import notices_for
from xinyong.decisions._rewards import rewards_for
from xinyong.decisions.cli import err, out
from xinyong.errors import XinyongError
from xinyong.store import Store, default_home

freeze_app = typer.Typer(help="Freeze a file: hard inquiries are refused until it is lifted.")
alert_app = typer.Typer(help="Fraud alerts, shown to every relying party that asks.")
lists_app = typer.Typer(help="Black and red lists: entries with grounds, legal basis and "
                        "authority; restrictions.")
attest_app = typer.Typer(help="Signed score attestations a subject can share; offline checks.")

SubjectArg = Annotated[str, typer.Argument(help="The subject's ID.")]


def rewards_command(
    subject_id: SubjectArg,
    tips: Annotated[bool, typer.Option("--tips", help="Also show what would unlock the next "
                                       "reward (each gain recomputed).")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The subject's rewards and what it takes to unlock the next one."""
    with Store.open(home) as store:
        rewards = rewards_for(store, subject_id, with_tips=tips)
    if as_json:
        print_json(rewards.to_json())
        return
    score = "unscorable" if rewards.score is None else f"{rewards.score:.0f} ({rewards.tier})"
    out.print(f"Score {score}. Unlocked:")
    for r in rewards.unlocked:
        out.print(f"  [green]✓[/] {r.name}: {r.description}")
    if not rewards.unlocked:
        out.print("  none yet")
    if rewards.next is not None:
        gap = ("a score" if rewards.next.points_needed is None
               else f"{rewards.next.points_needed:.0f} more points")
        out.print(f"Next: [bold]{rewards.next.name}[/] ({rewards.next.requirement}): {gap}.")
    for t in rewards.tips:
        mark = " [green](unlocks it)[/]" if t.unlocks_next else ""
        out.print(f"  +{t.gain:.1f}{mark}  {t.text}")


def notices_command(subject_id: SubjectArg, home: HomeOpt = None,
                    as_json: JsonOpt = False) -> None:
    """Every notice sent to the subject: declines, listings, removals, review outcomes."""
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        notices = notices_for(store, key)
    if as_json:
        print_json([n.to_json() for n in notices])
        return
    for n in notices:
        out.print(f"[bold]{n.created_at:%Y-%m-%d %H:%M}[/] {n.kind}: "
                  + json.dumps(n.body, ensure_ascii=False, default=str))


def _print_status(status: FileStatus, as_json: bool) -> None:
    data = {"frozen": status.frozen, "frozen_since": status.frozen_since,
            "fraud_alert": None if status.fraud_alert is None else status.fraud_alert.text,
            "fraud_alert_until": None if status.fraud_alert is None
            else status.fraud_alert.expires_at}
    if as_json:
        print_json(data)
        return
    out.print("File frozen: hard inquiries are refused." if status.frozen else "File not frozen.")
    if status.fraud_alert is not None:
        out.print(f"Fraud alert until {status.fraud_alert.expires_at:%Y-%m-%d}: "
                  f"{escape(status.fraud_alert.text)}")


@freeze_app.command("place")
def freeze_place(subject_id: SubjectArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Freeze the file."""
    with Store.open(home) as store:
        _print_status(freeze_file(store, subject_id), as_json)


@freeze_app.command("lift")
def freeze_lift(subject_id: SubjectArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Lift the freeze."""
    with Store.open(home) as store:
        _print_status(lift_freeze(store, subject_id), as_json)


@freeze_app.command("status")
def freeze_status(subject_id: SubjectArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Whether the file is frozen and whether a fraud alert is on it."""
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        _print_status(file_status(store, key), as_json)


@alert_app.command("place")
def alert_place(
    subject_id: SubjectArg,
    note: Annotated[str | None, typer.Option("--note", help="What parties should do, e.g. "
                                             "'call before opening credit'.")] = None,
    days: Annotated[int, typer.Option("--days", help="How long it shows.")] = 365,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Place a fraud alert on the file."""
    with Store.open(home) as store:
        _print_status(place_fraud_alert(store, subject_id, note=note, days=days), as_json)


@alert_app.command("remove")
def alert_remove(subject_id: SubjectArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Remove the fraud alert."""
    with Store.open(home) as store:
        _print_status(remove_fraud_alert(store, subject_id), as_json)


# -- lists ----------------------------------------------------------------------------------------
@lists_app.command("show")
def lists_show(as_json: JsonOpt = False) -> None:
    """The lists and the restrictions catalogue."""
    catalogue = list_catalogue()
    if as_json:
        print_json({"lists": {k: v.model_dump() for k, v in catalogue.lists.items()},
                    "restrictions": {k: v.model_dump()
                                     for k, v in catalogue.restrictions.items()}})
        return
    for list_id, spec in catalogue.lists.items():
        term = f"{spec.term_days} days" if spec.term_days else "until removed"
        out.print(f"[bold]{list_id}[/] ({spec.colour}): {spec.name}; {term}; notice "
                  f"{spec.notice_days} days; legal basis: {spec.legal_basis}")
        for code in spec.restrictions:
            out.print(f"    restricts: {catalogue.restrictions[code].description}")


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.combine(parse_date(text, field="--starts", example="2026-12-31"), time())


@lists_app.command("add")
def lists_add(
    list_id: Annotated[str, typer.Argument(help="The list, e.g. court-dishonest-debtors.")],
    subject_id: SubjectArg,
    grounds: Annotated[str, typer.Option("--grounds", help="One of the list's grounds.")],
    legal_basis: Annotated[str, typer.Option("--legal-basis", help="The provision and "
                                             "decision the entry rests on.")],
    authority: Annotated[str, typer.Option("--authority", help="The issuing authority.")],
    case_ref: Annotated[str | None, typer.Option("--case", help="Case or file number.")] = None,
    starts: Annotated[str | None, typer.Option("--starts", help="Start date (default: after "
                                               "the notice period).")] = None,
    term_days: Annotated[int | None, typer.Option("--term-days", min=1)] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an authority's listing; the subject is notified before it takes effect."""
    with Store.open(home) as store:
        entry = add_listing(store, list_id, subject_id, grounds=grounds,
                            legal_basis=legal_basis, authority=authority, case_ref=case_ref,
                            starts_at=_when(starts), term_days=term_days)
    if as_json:
        print_json(entry.to_json())
    else:
        until = f" until {entry.expires_at:%Y-%m-%d}" if entry.expires_at else ""
        out.print(f"Entry #{entry.entry_id} on {list_id}: subject notified; takes effect "
                  f"{entry.starts_at:%Y-%m-%d}{until}.")


@lists_app.command("remove")
def lists_remove(
    entry_id: int,
    reason: Annotated[str, typer.Option("--reason", help="One of the list's removal reasons, "
                                        "e.g. performance.")],
    by: Annotated[str, typer.Option("--by", help="Who removes it (the authority).")],
    home: HomeOpt = None,
) -> None:
    """Remove an entry (credit repair); the subject is notified."""
    with Store.open(home) as store:
        entry = remove_listing(store, entry_id, reason=reason, by=by)
    out.print(f"Entry #{entry_id} on {entry.list_id} removed ({reason}).")


@lists_app.command("escalate")
def lists_escalate(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Move entries left uncured past their list's limit to the next list."""
    with Store.open(home) as store:
        made = escalate_listings(store)
    if as_json:
        print_json([e.to_json() for e in made])
    else:
        out.print(f"{len(made)} entries escalated.")


@lists_app.command("entries")
def lists_entries(subject_id: SubjectArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """A subject's list entries (past, pending, present) and the restrictions binding them."""
    with Store.open(home) as store:
        key, kind = store.find_subject(subject_id)
        entries = entries_of(store, key)
        _, restrictions = restrictions_for(store, key, kind)
    from xinyong.decisions._tables import utcnow

    now = utcnow()
    if as_json:
        print_json({"entries": [{**e.to_json(), "status": e.status(now)} for e in entries],
                    "restrictions": [r.to_json() for r in restrictions]})
        return
    for e in entries:
        out.print(f"#{e.entry_id} {e.list_id} ({e.status(now)}), grounds {e.grounds}; "
                  f"{e.legal_basis}; {e.authority}; from {e.starts_at:%Y-%m-%d}")
    for r in restrictions:
        via = "" if r.via == "direct" else f" (as legal representative of {r.organisation})"
        out.print(f"  restricted: {r.description}{via}")


@lists_app.command("publish")
def lists_publish(list_id: str, home: HomeOpt = None) -> None:
    """Print the list's active entries about organisations (people's are never published)."""
    with Store.open(home) as store:
        print_json(published_entries(store, list_id))


# -- attestations ---------------------------------------------------------------------------------
@attest_app.command("mint")
def attest_mint(
    subject_id: SubjectArg,
    days: Annotated[int, typer.Option("--days", help="How long it is valid.")] = 30,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write it here (default: "
                                                  "stdout).")] = None,
    home: HomeOpt = None,
) -> None:
    """Mint a signed attestation of the subject's score, to share with anyone."""
    with Store.open(home) as store:
        document = mint_attestation(store, subject_id, days=days)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text, "utf-8")
        err.print(f"Attestation written to {out_file}; check it with `xinyong attest verify "
                  f"{out_file}`.")


@attest_app.command("verify")
def attest_verify(
    file: Annotated[Path, typer.Argument(help="An attestation file.")],
    public_key: Annotated[Path | None, typer.Option("--public-key", help="The platform's "
                                                    "public key (PEM) you trust. Default: the "
                                                    "home's, when there is one.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Check that it is about "
                                                "this ID.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check an attestation offline. Exit 0: valid and signed by the trusted key; 1: invalid;
    3: the signature holds but no trusted key was given to pin it."""
    trusted = None
    key_file = public_key
    if key_file is None:
        root = home or default_home()
        key_file = next((p for p in (root / PUBLIC_KEY, root / PRIVATE_KEY) if p.exists()), None)
    if key_file is not None:
        trusted = load_public_key(key_file.read_bytes())
    try:
        document = file.read_text("utf-8")
    except OSError as exc:
        raise XinyongError("BAD_FILE", f"cannot read {file}: {exc.strerror}", field="file") from None
    check = verify_attestation(document, trusted_key=trusted, subject_id=subject)
    code = 1 if not check.valid else (0 if check.pinned else 3)
    if as_json:
        print_json({"valid": check.valid, "pinned": check.pinned, "key_id": check.key_id,
                    "problems": check.problems, "payload": check.payload})
    elif check.valid:
        p = check.payload or {}
        out.print(f"[green]Valid[/]: score {p.get('score')} ({p.get('tier')}) on "
                  f"{p.get('scale')}, model {p.get('model')}, as of {p.get('as_of')}, "
                  f"until {p.get('expires_at')}.")
        if not check.pinned:
            out.print(f"[yellow]The signing key {check.key_id} is not pinned[/]: pass "
                      "--public-key with the platform's published key to trust it.")
    else:
        out.print("[red]Invalid[/]: " + "; ".join(check.problems))
    raise typer.Exit(code)


@attest_app.command("public-key")
def attest_public_key(home: HomeOpt = None) -> None:
    """Print the platform's attestation public key (PEM), creating the key pair if needed."""
    root = home or default_home()
    Store.open(root).close()  # refuse a path that is not a platform home
    sys.stdout.write(public_key_pem(signing_key(root).public_key()).decode("ascii"))


def register_subject_commands(app: typer.Typer) -> None:
    app.command("rewards")(rewards_command)
    app.command("notices")(notices_command)
    app.add_typer(freeze_app, name="freeze")
    app.add_typer(alert_app, name="fraud-alert")
    app.add_typer(lists_app, name="lists")
    app.add_typer(attest_app, name="attest")

