"""CLI commands for decisions, registered on the main ``xinyong`` app by :func:`register`.

Relying parties and consent (``party``, ``consent``), queries (``inquiry score``, ``decide``),
products (``product``), human review (``review``); the subject's side (``rewards``, ``notices``,
``freeze``, ``fraud-alert``), lists and attestations live in ``_cli_subjects``. Every command
takes ``--json``; errors users can cause are :class:`~xinyong.errors.XinyongError` with a stable
code, which the main app prints without a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.decisions._consent import consents_of, grant_consent, revoke_consent
from xinyong.decisions._data import shipped_products
from xinyong.decisions._decide import decide, request_score
from xinyong.decisions._inquiries import inquiry_history
from xinyong.decisions._parties import deactivate_party, list_parties, register_party
from xinyong.decisions._products import load_product
from xinyong.decisions._purposes import InquiryKind
from xinyong.decisions._reviews import request_review, resolve_review, review_queue
from xinyong.errors import XinyongError
from xinyong.store import Store

out = Console()
err = Console(stderr=True)

PartyOpt = Annotated[str, typer.Option("--party", "-p", help="The relying party's ID.")]
PurposeOpt = Annotated[str, typer.Option(
    "--purpose", help="One of the fixed purposes, e.g. extension_of_credit, tenancy_screening.")]

party_app = typer.Typer(help="Relying parties and the purposes they may ask for.")
consent_app = typer.Typer(help="Subjects' consents to relying parties, per purpose.")
inquiry_app = typer.Typer(help="Score requests, and every inquiry a subject can see.")
product_app = typer.Typer(help="Products: decision tables over scores and list entries.")
review_app = typer.Typer(help="Human review of contested automated declines.")


# -- relying parties --------------------------------------------------------------------------
@party_app.command("add")
def party_add(
    party_id: Annotated[str, typer.Argument(help="A short ID, e.g. acme-bank.")],
    name: Annotated[str, typer.Option("--name", help="The party's legal name.")],
    purposes: Annotated[list[str], typer.Option("--purpose", help="A purpose it may ask for; "
                                                "repeat for several.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a relying party (or change its purposes)."""
    with Store.open(home) as store:
        party = register_party(store, party_id, name, purposes)
    if as_json:
        print_json(vars(party))
    else:
        out.print(f"{party.party_id} ({party.name}) may ask for: {', '.join(party.purposes)}")


@party_app.command("list")
def party_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List relying parties."""
    with Store.open(home) as store:
        parties = list_parties(store)
    if as_json:
        print_json([vars(p) for p in parties])
        return
    table = Table()
    for col in ("party", "name", "purposes", "active"):
        table.add_column(col)
    for p in parties:
        table.add_row(p.party_id, p.name, ", ".join(p.purposes), "yes" if p.active else "no")
    out.print(table)


@party_app.command("deactivate")
def party_deactivate(party_id: str, home: HomeOpt = None) -> None:
    """Stop a party's access at once (its history stays)."""
    with Store.open(home) as store:
        deactivate_party(store, party_id)
    out.print(f"{party_id} may no longer ask for anything.")


# -- consent ------------------------------------------------------------------------------------
@consent_app.command("grant")
def consent_grant(
    subject_id: Annotated[str, typer.Argument(help="The subject's ID.")],
    party: PartyOpt,
    purpose: PurposeOpt,
    until: Annotated[str | None, typer.Option("--until", help="Last day it holds "
                                              "(YYYY-MM-DD).")] = None,
    days: Annotated[int | None, typer.Option("--days", min=1, help="Or: for this many "
                                             "days.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The subject lets a party ask for one purpose until a date."""
    day = None if until is None else parse_date(until, field="--until", example="2026-12-31")
    with Store.open(home) as store:
        consent = grant_consent(store, subject_id, party, purpose, until=day, days=days)
    if as_json:
        print_json({k: v for k, v in vars(consent).items() if k != "subject_key"})
    else:
        out.print(f"Consent #{consent.consent_id}: {party} may ask for {consent.purpose} until "
                  f"{consent.expires_at:%Y-%m-%d %H:%M} UTC. Revoke it at any time with "
                  f"`xinyong consent revoke {consent.consent_id}`.")


@consent_app.command("revoke")
def consent_revoke(consent_id: int, home: HomeOpt = None) -> None:
    """Revoke a consent with immediate effect."""
    with Store.open(home) as store:
        consent = revoke_consent(store, consent_id)
    out.print(f"Consent #{consent_id} to {consent.party_id} for {consent.purpose} revoked.")


@consent_app.command("list")
def consent_list(subject_id: str, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """A subject's consents, with their status now."""
    from xinyong.decisions._tables import utcnow

    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        consents = consents_of(store, key)
    now = utcnow()
    rows = [{"consent_id": c.consent_id, "party": c.party_id, "purpose": c.purpose.value,
             "granted_at": c.granted_at, "expires_at": c.expires_at, "status": c.status(now)}
            for c in consents]
    if as_json:
        print_json(rows)
        return
    table = Table()
    for col in ("#", "party", "purpose", "granted", "expires", "status"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["consent_id"]), str(r["party"]), str(r["purpose"]),
                      f"{r['granted_at']:%Y-%m-%d}", f"{r['expires_at']:%Y-%m-%d}",
                      str(r["status"]))
    out.print(table)


# -- queries --------------------------------------------------------------------------------------
@inquiry_app.command("score")
def inquiry_score(
    subject_id: Annotated[str, typer.Argument(help="The subject's ID.")],
    party: PartyOpt,
    purpose: PurposeOpt,
    hard: Annotated[bool | None, typer.Option("--hard/--soft", help="A hard inquiry (a credit "
                                              "application) or a soft one. Default: by "
                                              "purpose.")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="A registered model; default: the champion for the subject's "
        "kind (see `xinyong model list`).")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A relying party asks for a subject's score (recorded, refused without consent)."""
    kind: InquiryKind | None = None if hard is None else ("hard" if hard else "soft")
    with Store.open(home) as store:
        report = request_score(store, party_id=party, subject_id=subject_id, purpose=purpose,
                               kind=kind, model=model)
    if as_json:
        print_json(report.to_json())
        return
    s = report.score
    if report.fraud_alert:
        out.print(f"[bold red]FRAUD ALERT[/]: {escape(report.fraud_alert)}")
    if s.score is None:
        out.print(f"Unscorable ({s.unscorable_reason}); inquiry #{report.inquiry_id} recorded.")
        return
    out.print(f"Score [bold]{s.score:.0f}[/] on {report.scale[0]:.0f}–{report.scale[1]:.0f} "
              f"({s.tier}), {s.model_id} {s.model_version} as of {s.as_of}; "
              f"{report.inquiry_kind} inquiry #{report.inquiry_id}.")
    for r in report.reasons:
        out.print(f"  {r.code} (−{r.points:.1f}): {r.sentence}")
    _print_disputes(s.disputes)


def _print_disputes(disputes: list[dict[str, str | None]]) -> None:
    """Records the subject disputes, with their statements: a relying party sees them too."""
    if not disputes:
        return
    out.print("[bold yellow]Disputed by the subject[/] (records that still count):")
    for d in disputes:
        said = f'; the subject says: "{d["statement"]}"' if d.get("statement") else ""
        out.print(f"  {d['description']} ({d['record']}): {d['status']}{said}", markup=False)


@inquiry_app.command("history")
def inquiry_list(subject_id: str, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Every inquiry about a subject: who, why, hard or soft, when, and what came of it."""
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        history = inquiry_history(store, key)
    if as_json:
        print_json([i.to_json() for i in history])
        return
    table = Table()
    for col in ("when", "who", "purpose", "product", "kind", "result"):
        table.add_column(col)
    for i in history:
        result = i.result + (f" ({i.refusal_code})" if i.refusal_code else "")
        table.add_row(f"{i.asked_at:%Y-%m-%d %H:%M}", i.party_name or i.party_id, i.purpose,
                      i.product_id or "", i.kind, result)
    out.print(table)


def decide_command(
    product: Annotated[str, typer.Argument(help="A shipped product id (see `xinyong product "
                                           "list`) or a .toml path.")],
    subject_id: Annotated[str, typer.Argument(help="The subject's ID.")],
    party: PartyOpt,
    purpose: PurposeOpt,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A relying party asks for a product decision: approve, decline or refer, with its trace."""
    with Store.open(home) as store:
        decision = decide(store, party_id=party, subject_id=subject_id, product=product,
                          purpose=purpose)
    if as_json:
        print_json(decision.to_json())
        return
    if decision.fraud_alert:
        out.print(f"[bold red]FRAUD ALERT[/]: {escape(decision.fraud_alert)}")
    colour = {"approve": "green", "decline": "red", "refer": "yellow"}[decision.outcome]
    out.print(f"Decision #{decision.decision_id}: [bold {colour}]{decision.outcome}[/] "
              f"({decision.product_id} {decision.product_version}, {decision.inquiry_kind} "
              "inquiry)")
    for row in decision.trace:
        out.print(f"  {row.row}: {row.when} → {row.outcome}. {row.reason}")
    if decision.notice is not None:
        out.print(f"An adverse-action notice was sent to the subject (key factors: "
                  f"{', '.join(f.code for f in decision.notice.key_factors) or 'none'}).")
    _print_disputes(decision.score.disputes)


@product_app.command("list")
def product_list(as_json: JsonOpt = False) -> None:
    """List the shipped products."""
    products = [load_product(p) for p in shipped_products()]
    if as_json:
        print_json([p.spec.model_dump() for p in products])
        return
    for p in products:
        out.print(f"{p.id} {p.version} ({p.info.hit_policy}, {p.info.inquiry} inquiry): "
                  f"{p.info.description}")


@product_app.command("show")
def product_show(product: str, as_json: JsonOpt = False) -> None:
    """Show a product's decision table."""
    p = load_product(product)
    if as_json:
        print_json(p.spec.model_dump())
        return
    out.print(f"[bold]{p.info.name}[/] ({p.id} {p.version}), hit policy {p.info.hit_policy}, "
              f"model {p.info.model}, {p.info.inquiry} inquiry")
    table = Table()
    for col in ("row", "when", "outcome", "reason"):
        table.add_column(col)
    for row in p.spec.rows:
        table.add_row(row.id, row.when.describe(), row.outcome, row.reason)
    table.add_row("default", "no row fired", p.info.default, p.info.default_reason)
    out.print(table)


# -- human review -------------------------------------------------------------------------------
@review_app.command("request")
def review_request(
    decision_id: int,
    statement: Annotated[str, typer.Option("--statement", help="Why the decision is wrong.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Contest an automated decline: a person will review it."""
    with Store.open(home) as store:
        review = request_review(store, decision_id, statement)
    if as_json:
        print_json(review.to_json())
    else:
        out.print(f"Review #{review.review_id} of decision #{decision_id} is in the queue.")


@review_app.command("queue")
def review_list(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Open reviews, oldest first."""
    with Store.open(home) as store:
        queue = review_queue(store)
    if as_json:
        print_json([r.to_json() for r in queue])
        return
    for r in queue:
        out.print(f"#{r.review_id} decision #{r.decision_id} ({r.product_id}), "
                  f"{r.requested_at:%Y-%m-%d}: {escape(r.statement)}")


@review_app.command("resolve")
def review_resolve(
    review_id: int,
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who reviewed it.")],
    overturned: Annotated[bool, typer.Option("--overturned/--upheld", help="Overturn the "
                                             "decline, or uphold it.")],
    note: Annotated[str, typer.Option("--note", help="The reasons, for the subject.")],
    to: Annotated[str, typer.Option("--to", help="Outcome when overturned: approve or "
                                    "refer.")] = "approve",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a reviewer's verdict; the subject is notified."""
    if to not in ("approve", "refer"):
        raise XinyongError("BAD_REVIEW_OUTCOME", "--to is approve or refer", field="--to")
    with Store.open(home) as store:
        review = resolve_review(store, review_id, reviewer=reviewer,
                                outcome="overturned" if overturned else "upheld", note=note,
                                final_outcome="approve" if to == "approve" else "refer")
    if as_json:
        print_json(review.to_json())
    else:
        out.print(f"Review #{review_id}: {review.status}; final outcome {review.final_outcome}.")


def register(app: typer.Typer) -> None:
    """Add the decisions commands to the ``xinyong`` app."""
    from xinyong.decisions._cli_subjects import register_subject_commands

    app.add_typer(party_app, name="party")
    app.add_typer(consent_app, name="consent")
    app.add_typer(inquiry_app, name="inquiry")
    app.add_typer(product_app, name="product")
    app.add_typer(review_app, name="review")
    app.command("decide")(decide_command)
    register_subject_commands(app)
