"""``xinyong model score``, ``model explain`` and ``model features``: scorecards on the store.

``score`` runs a scorecard fitted on a feature view over the store (or prints that one query
with ``--sql``), ``explain`` shows one subject's stored score with its features and reasons, and
``features`` prints a feature view's query or its table. :func:`register` adds them to the
``model`` group next to ``fit`` and ``evaluate``.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.scoring.features import feature_frame, feature_sql, load_feature_view
from xinyong.scoring.scorecard._explain import explain_card
from xinyong.scoring.scorecard._home import load_scorecard
from xinyong.scoring.scorecard._store import score_store, store_sql
from xinyong.store import Store

out = Console()

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="A saved scorecard id or a .json "
                                       "artifact path, fitted with --features.")]
AsOfOpt = Annotated[str, typer.Option("--as-of", help="The scoring date (YYYY-MM-DD).")]
DialectOpt = Annotated[str, typer.Option(help="SQL dialect: duckdb or spark (any SQLGlot "
                                         "dialect works).")]


def register(model_app: typer.Typer) -> None:
    model_app.command("score")(score_command)
    model_app.command("explain")(explain_command)
    model_app.command("features")(features_command)


def score_command(
    model: ModelOpt,
    as_of: AsOfOpt,
    sql: Annotated[bool, typer.Option("--sql", help="Print the scoring query instead of "
                                      "running it.")] = False,
    dialect: DialectOpt = "duckdb",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score every subject of a scorecard's feature view on the store; the run goes to scores."""
    card = load_scorecard(model, home)
    day = parse_date(as_of, field="--as-of")
    if sql:
        sys.stdout.write(store_sql(card, day, dialect=dialect) + "\n")
        return
    with Store.open(home) as store:
        run = score_store(store, card, day)
    info = {"model": run.model_id, "version": run.model_version, "as_of": day.isoformat(),
            "subjects": run.subjects, "scored": run.scored, "seconds": run.seconds}
    if as_json:
        print_json(info)
        return
    out.print(f"Scored {run.scored:,} of {run.subjects:,} subjects with scorecard "
              f"[bold]{run.model_id}[/] {run.model_version} as of {day} in {run.seconds:.2f} s.")


def explain_command(
    subject_id: Annotated[str, typer.Argument(help="The subject's ID (resident ID or credit "
                                              "code).")],
    model: ModelOpt,
    as_of: AsOfOpt,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain a subject's stored scorecard score: factor points, reasons and feature values."""
    card = load_scorecard(model, home)
    with Store.open(home, read_only=True) as store:
        key, _ = store.find_subject(subject_id)
        result = explain_card(store, card, key, parse_date(as_of, field="--as-of"))
    if as_json:
        print_json(result.to_json())
        return
    if result.score is None:
        out.print(f"[bold]Unscorable[/] under {result.model_id} as of {result.as_of}: "
                  f"{result.unscorable_reason}.")
        return
    pct = "" if result.percentile is None else f", higher than {result.percentile:.1f} %"
    out.print(f"[bold]{result.score:.0f}[/], tier [bold]{result.tier}[/]{pct} "
              f"({result.model_id} {result.model_version}, as of {result.as_of})")
    factors = Table(title="Points by factor", show_edge=False)
    factors.add_column("factor")
    factors.add_column("points", justify="right")
    for name, points in result.factors.items():
        factors.add_row(name, "–" if points is None else f"{points:+.1f}")
    out.print(factors)
    reasons = Table(title="Reasons (points lost against the best bin)", show_edge=False)
    for col in ("feature", "value", "points", "why"):
        reasons.add_column(col)
    for r in result.reasons:
        reasons.add_row(r.code, "missing" if r.value is None else str(r.value),
                        f"{r.points:.1f}", r.sentence)
    out.print(reasons)


def features_command(
    view: Annotated[str, typer.Argument(help="A shipped feature view (bureau-basic) or a .toml "
                                        "path.")],
    as_of: AsOfOpt,
    sql: Annotated[bool, typer.Option("--sql", help="Print the query instead of running "
                                      "it.")] = False,
    dialect: DialectOpt = "duckdb",
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 10,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a feature view's query, or the first rows of its feature table on the store."""
    loaded = load_feature_view(view)
    day = parse_date(as_of, field="--as-of")
    if sql:
        sys.stdout.write(feature_sql(loaded, day, dialect=dialect) + "\n")
        return
    with Store.open(home, read_only=True) as store:
        frame = feature_frame(store, loaded, day).head(limit)
    if as_json:
        print_json(json.loads(frame.to_json(orient="records")))
        return
    table = Table(title=f"{loaded.name} as of {day}", show_edge=False)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*("–" if v is None or v != v else str(v) for v in row))
    out.print(table)
