"""The ``xinyong`` command.

Every command takes ``--json`` for machine-readable output. Errors a user can cause print their
code, field and a sentence to act on (exit 2), never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.catalog import default_catalogue
from xinyong.catalog.identifiers import IdentifierError
from xinyong.decisions.cli import register as register_decisions
from xinyong.errors import XinyongError
from xinyong.governance.cli import register as register_governance
from xinyong.ingest.cli import register as register_ingest
from xinyong.scale.cli import register as register_scale
from xinyong.scoring.compile import ScoringQuery, scoring_sql
from xinyong.scoring.engine import has_run, score_subject
from xinyong.scoring.explain import Explanation, explain
from xinyong.scoring.models import score_model
from xinyong.scoring.registry import (
    champion,
    describe_artifact,
    models_to_score,
    registered_models,
)
from xinyong.scoring.registry.cli import register as register_registry
from xinyong.scoring.rulebook import Rulebook, load_rulebook
from xinyong.scoring.scorecard.cli import register as register_scorecards
from xinyong.store import Store, fetch_one

app = typer.Typer(
    help="xinyong: an open trust-scoring platform. Start with `xinyong demo`, then "
    "`xinyong explain ID` with an ID the demo prints.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(help="Inspect scoring models: `xinyong model sql --model sesame-like`.")
simulate_app = typer.Typer(help="Synthetic data for demos, tests and benchmarks.")
app.add_typer(model_app, name="model")
app.add_typer(simulate_app, name="simulate")
register_ingest(app)
register_decisions(app)
register_scorecards(model_app)
register_registry(model_app)
register_scale(app)
register_governance(app, model_app, simulate_app)

out = Console()
err = Console(stderr=True)

ModelOpt = Annotated[
    str,
    typer.Option("--model", "-m", help="A shipped rulebook id (see `xinyong model list`) or a "
                 ".toml path."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Score as of this date (YYYY-MM-DD). Default: the model's "
                 "latest batch run, or today."),
]


def _as_of(text: str | None, store: Store | None = None, rulebook: Rulebook | None = None) -> date:
    if text:
        return parse_date(text, field="--as-of")
    if store is not None and rulebook is not None:
        row = store.query(
            "SELECT MAX(as_of) FROM score_runs WHERE model_id = ? AND model_version = ?",
            [rulebook.id, rulebook.version],
        )
        if row and row[0][0] is not None:
            return row[0][0]  # type: ignore[no-any-return]
    return date.today()


@app.command()
def init(
    home: HomeOpt = None,
    jurisdiction: Annotated[str, typer.Option(
        "--profile", help="Jurisdiction profile: cn-pilot (PRC resident ID and unified social "
        "credit code, mandatory participation), eu (opaque IDs, opt-in), us (opaque IDs).")
    ] = "cn-pilot",
    as_json: JsonOpt = False,
) -> None:
    """Create the platform home: the database, the ID-pseudonym key and the config."""
    store = Store.init(home, jurisdiction=jurisdiction)
    info = {"home": str(store.home), "profile": store.profile.name,
            "scheme": store.scheme.name, "enrollment": store.profile.enrollment}
    store.close()
    if as_json:
        print_json(info)
    else:
        out.print(f"Initialised xinyong home at [bold]{info['home']}[/] (profile {info['profile']}, "
                  f"ID scheme {info['scheme']}, {info['enrollment']} enrollment).")


@app.command()
def catalog(as_json: JsonOpt = False) -> None:
    """List the event types furnishers may report, with factor and attributes."""
    cat = default_catalogue()
    if as_json:
        print_json(cat.to_json())
        return
    table = Table(title=f"Event catalogue ({len(cat)} types)")
    for col in ("event type", "factor", "category", "applies to", "amount", "attributes"):
        table.add_column(col)
    for t in cat:
        attrs = ", ".join(a.name + ("*" if a.name in t.required else "") for a in t.attributes)
        table.add_row(t.name, t.factor.value, t.category,
                      ", ".join(sorted(k.value for k in t.applies_to)), t.amount.value, attrs)
    out.print(table)
    out.print("* required attribute")


@simulate_app.command("population")
def simulate_population(
    persons: Annotated[int, typer.Option(min=0, help="Number of people.")] = 10_000,
    orgs: Annotated[int, typer.Option(min=0, help="Number of organisations.")] = 1_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 7,
    years: Annotated[int, typer.Option(min=1, max=10, help="Years of history.")] = 3,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic population and append its events to the store."""
    from xinyong.simulate import generate_population

    with Store.open(home) as store:
        with _status("Generating the population"):
            population = generate_population(persons, orgs, seed=seed, years=years)
        with _status(f"Appending {population.events.num_rows:,} events"):
            result = store.append_events(population.events, source=f"simulate seed={seed}")
            store.record_outcomes(population.subjects)
    info = {"events": population.events.num_rows, "accepted": result.accepted,
            "duplicates": result.duplicates, "new_subjects": result.new_subjects,
            "as_of": population.as_of.isoformat()}
    if as_json:
        print_json(info)
    else:
        out.print(f"{info['accepted']:,} events stored ({info['duplicates']:,} already there), "
                  f"{info['new_subjects']:,} new subjects; as of {info['as_of']}.")


ScoreModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="A model id (see `xinyong model list`) or a rulebook .toml "
                 "path. Default: the registry's champions and every shadow model (one subject: "
                 "the champion for its kind)."),
]


@app.command()
def score(
    model: ScoreModelOpt = None,
    as_of: AsOfOpt = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Score one subject by ID with "
                                                "the same query, filtered.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score every subject (a batch run of the champions and shadows, or of --model) or one
    subject with --subject."""
    with Store.open(home) as store:
        if subject is None:
            _score_batch(store, model, _as_of(as_of), as_json)
            return
        key, kind = store.find_subject(subject)
        rulebook = load_rulebook(model or _champion_rulebook(store, kind))
        day = _as_of(as_of, store, rulebook)
        row = score_subject(store, rulebook, key, day)
    row.pop("subject_key")
    if as_json:
        print_json(row)
        return
    if row["score"] is None:
        out.print(f"Unscorable: {row['unscorable_reason']} ({row['n_events']} events counted).")
        return
    pct = "n/a (run a batch `xinyong score` first)" if row["percentile"] is None else (
        f"{row['percentile']:.1f}")
    out.print(f"Score {row['score']:.0f} ({row['tier']}), percentile {pct}, as of {day}.")


def _champion_rulebook(store: Store, kind: str) -> str:
    """The champion for ``kind`` when it is a rulebook (one subject is scored online with a
    rulebook query; a scorecard champion's scores come from its batch runs)."""
    model_id = champion(store.con, kind)
    if describe_artifact(model_id, store.home).family != "rulebook":
        raise XinyongError("ONLINE_RULEBOOK_ONLY", f"the champion for {kind} subjects is the "
                           f"scorecard {model_id}, which scores in batch runs only; give a "
                           "rulebook with --model to score one subject online", field="--model")
    return model_id


def _score_batch(store: Store, model: str | None, day: date, as_json: bool) -> None:
    """One batch run of ``model``, or of every champion and shadow of the registry."""
    if model is not None:
        with _status(f"Scoring with {model}"):
            run = score_model(store, model, day)
        info: dict[str, Any] = {"model": run.model_id, "version": run.model_version,
                                "as_of": day.isoformat(), "subjects": run.subjects,
                                "scored": run.scored, "seconds": round(run.seconds, 3)}
        if as_json:
            print_json(info)
        else:
            out.print(f"Scored {run.scored:,} of {run.subjects:,} subjects with "
                      f"{run.model_id} {run.model_version} as of {day} in {run.seconds:.2f} s.")
        return
    roles: dict[str, dict[str, str]] = {}
    for reg in registered_models(store.con):
        if reg.status in ("champion", "shadow"):
            roles.setdefault(reg.model_id, {})[reg.subject_kind] = reg.status
    runs: list[dict[str, Any]] = []
    for model_id in models_to_score(store.con):
        with _status(f"Scoring with {model_id}"):
            run = score_model(store, model_id, day)
        runs.append({"model": run.model_id, "version": run.model_version,
                     "status": roles.get(model_id, {}), "subjects": run.subjects,
                     "scored": run.scored, "seconds": round(run.seconds, 3)})
    if as_json:
        print_json({"as_of": day.isoformat(), "runs": runs})
        return
    for r in runs:
        status = ", ".join(f"{s} for {k}" for k, s in r["status"].items())
        out.print(f"Scored {r['scored']:,} of {r['subjects']:,} subjects with {r['model']} "
                  f"{r['version']} ({status}) as of {day} in {r['seconds']:.2f} s.")


@app.command("explain")
def explain_command(
    subject_id: Annotated[str, typer.Argument(help="The subject's ID (resident ID or credit code).")],
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="A registered model id or a rulebook .toml path; default: the "
        "champion for the subject's kind (the model relying parties are answered with).")
    ] = None,
    as_of: AsOfOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain a subject's score: factors, reasons and what would raise it (each gain recomputed)."""
    if model is None:
        with Store.open(home) as store:
            _, kind = store.find_subject(subject_id)
            model = champion(store.con, kind)
            family = describe_artifact(model, store.home).family
            latest = fetch_one(store.con.execute(
                "SELECT max(as_of) FROM score_runs WHERE model_id = ?", [model]))
        if family == "scorecard":  # a learned champion explains its stored batch score
            from xinyong.scoring.scorecard._cli_store import explain_command as explain_card_cli

            card_day = as_of or (None if latest is None or latest[0] is None else str(latest[0]))
            if card_day is None:
                raise XinyongError("NO_SCORE_RUN", f"the champion {model} has no batch run yet; "
                                   "run `xinyong score` first", field="--as-of")
            explain_card_cli(subject_id, model, card_day, home=home, as_json=as_json)
            return
    rulebook = load_rulebook(model)
    with Store.open(home) as store:
        key, _ = store.find_subject(subject_id)
        day = _as_of(as_of, store, rulebook)
        if not has_run(store, rulebook, day):
            err.print(f"[yellow]No batch run of {rulebook.id} as of {day}: the percentile is "
                      "omitted. Run `xinyong score` to rank the population.[/]")
        result = explain(store, rulebook, key, day)
    if as_json:
        print_json(result.to_json())
    else:
        _render_explanation(result)


def _render_explanation(e: Explanation) -> None:
    if e.score is None:
        out.print(f"[bold]Unscorable[/] under {e.model_id} as of {e.as_of}: {e.unscorable_reason}.")
        return
    pct = "" if e.percentile is None else f", higher than {e.percentile:.1f} % of {e.subject_kind}s"
    out.print(f"[bold]{e.score:.0f}[/] on {e.scale[0]:.0f}–{e.scale[1]:.0f}, tier "
              f"[bold]{e.tier}[/]{pct} ({e.model_id} {e.model_version}, as of {e.as_of})\n")
    table = Table(title="Factors", show_edge=False)
    for col in ("factor", "weight", "sub-score", "points", "of", ""):
        table.add_column(col)
    for f in e.factors:
        share = 0.0 if f.best <= 0 else max(0.0, min(1.0, f.points / f.best))
        table.add_row(f.factor, f"{f.weight:.0%}" if f.weight else "", f"{f.sub_score:.1f}",
                      f"{f.points:.1f}", f"{f.best:.0f}", "█" * round(share * 20))
    out.print(table)
    out.print("\n[bold]Main reasons[/] (points below the best attainable):")
    for i, r in enumerate(e.reasons, 1):
        flag = " [yellow]\\[disputed][/]" if r.disputed else ""
        out.print(f"  {i}. {r.code} (−{r.points:.1f}): {r.sentence}{flag}")
    if e.disputes:
        out.print("\n[bold]Disputed records[/] (the subject's statements are shown to relying "
                  "parties):")
        for line in e.disputed_lines():
            out.print(f"  {line}", markup=False)  # the subject's statement is text
    if e.ties:
        out.print("\n[bold]Declared ties[/] (relationships factor):")
        for line in e.ties:
            out.print(f"  {line}")
    if e.tips:
        out.print("\n[bold]What would raise your score[/] (each recomputed with the model):")
        for t in e.tips:
            out.print(f"  +{t.gain:.1f}  {t.text}")


@model_app.command("sql")
def model_sql(
    model: ModelOpt = "sesame-like",
    dialect: Annotated[str, typer.Option(help="SQL dialect: duckdb or spark (any SQLGlot "
                                         "dialect works).")] = "duckdb",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date in the params CTE "
                                              "(default today).")] = None,
) -> None:
    """Print the scoring query a rulebook (or a fitted scorecard) compiles to."""
    try:
        rulebook = load_rulebook(model)
    except XinyongError as exc:
        if exc.code != "UNKNOWN_MODEL":
            raise
        from xinyong.scoring.scorecard import load_scorecard, scorecard_sql

        card = load_scorecard(model)  # raises UNKNOWN_MODEL itself when neither exists
        if card.feature_view is not None:  # scores the store: the full query, features included
            from xinyong.scoring.scorecard import store_sql

            sys.stdout.write(store_sql(card, _as_of(as_of), dialect=dialect) + "\n")
            return
        sys.stdout.write(scorecard_sql(card, table="applicants", id_column="id",
                                       dialect=dialect) + "\n")
        return
    sys.stdout.write(scoring_sql(rulebook, ScoringQuery(as_of=_as_of(as_of)), dialect) + "\n")


@app.command()
def demo(
    persons: Annotated[int, typer.Option(min=100, help="Number of people.")] = 200_000,
    orgs: Annotated[int, typer.Option(min=10, help="Number of organisations.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    model: ModelOpt = "sesame-like",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Synthetic population → store → score → summary. Re-running adds no duplicates."""
    from xinyong.demo import run_demo

    rulebook = load_rulebook(model)
    store = Store.init(home)
    try:
        summary = run_demo(store, rulebook, persons=persons, orgs=orgs, seed=seed,
                           stage=None if as_json else _stage_status)
    finally:
        store.close()
    if as_json:
        print_json(summary.to_json())
        return
    out.print(f"\n[bold]xinyong demo[/]: {persons:,} people, {orgs:,} organisations, seed {seed}, "
              f"as of {summary.as_of}, model {summary.model}")
    out.print(f"Events: {summary.events_generated:,} generated, {summary.events_accepted:,} "
              f"stored, {summary.events_duplicate:,} already there (idempotent re-run).")
    out.print(f"Scored {summary.scored:,} of {summary.subjects:,} subjects; unscorable: "
              + (", ".join(f"{k} {v:,}" for k, v in summary.unscorable.items()) or "none"))
    tiers = Table(title="Subjects per tier", show_edge=False)
    tiers.add_column("tier")
    tiers.add_column("count", justify="right")
    tiers.add_column("example person ID (try `xinyong explain ID`)")
    for tier, n in summary.tiers.items():
        tiers.add_row(tier, f"{n:,}", summary.examples.get(tier, ""))
    out.print(tiers)
    top = max((n for _, n in summary.histogram), default=1)
    out.print("\n[bold]Score histogram[/]")
    for lo, n in summary.histogram:
        out.print(f"  {lo:>5} {'█' * max(1, round(40 * n / top)):<40} {n:,}")
    out.print("\n[bold]Most common main reason[/]")
    for code, n, sentence in summary.top_reasons:
        out.print(f"  {code:<18} {n:>8,}  {sentence}")
    auc = "n/a" if summary.auc is None else f"{summary.auc:.3f}"
    out.print(f"\nAUC of the score against synthetic 12-month defaults: [bold]{auc}[/]")
    out.print("Seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in summary.seconds.items()))
    out.print("\nNext: `xinyong explain ID`, `xinyong model sql --model sesame-like --dialect spark`,"
              " `xinyong demo --model rongcheng-like`.")


@contextmanager
def _status(message: str) -> Iterator[None]:
    with err.status(message):
        yield


def _stage_status(name: str) -> Any:
    labels = {"simulate": "Generating the synthetic population",
              "store": "Appending events to the store",
              "score": "Scoring every subject with the compiled SQL",
              "summarise": "Summarising"}
    return _timed_status(labels.get(name, name))


@contextmanager
def _timed_status(label: str) -> Iterator[None]:
    import time

    started = time.perf_counter()
    with err.status(f"{label} …"):
        yield
    err.print(f"[green]✓[/] {label} ({time.perf_counter() - started:.1f} s)")


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, standalone_mode=True)
    except (XinyongError, IdentifierError) as exc:
        code = getattr(exc, "code", "ERROR")
        field = getattr(exc, "field", None)
        where = f" ({field})" if field else ""
        err.print(f"[red]error {code}{where}[/]: {getattr(exc, 'message', str(exc))}")
        raise SystemExit(2) from None


