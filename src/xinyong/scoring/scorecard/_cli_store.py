"""``xinyong model score``, ``model explain`` and ``model features``: scorecards on the store.

``score`` runs a scorecard fitted on a feature view over the store (or prints that one query
with ``--sql``), ``explain`` shows one subject's stored score with its features and reasons, and
``features`` prints a feature view's query or its table. :func:`register` adds them to the
``model`` group next to ``fit`` and ``evaluate``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.errors import XinyongError
from xinyong.scoring.features import feature_frame, feature_sql, load_feature_view
from xinyong.scoring.scorecard._artifact import Scorecard
from xinyong.scoring.scorecard._explain import explain_card
from xinyong.scoring.scorecard._home import load_scorecard
from xinyong.scoring.scorecard._score_file import score_file
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
    model: Annotated[str, typer.Option("--model", "-m", help="A saved scorecard id or a .json "
                                       "artifact path.")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The scoring date (YYYY-MM-DD), for a card fitted with --features.")
    ] = None,
    data: Annotated[Path | None, typer.Option(
        "--data", help="Instead: score every row of this CSV or Parquet file (a card fitted "
        "with --data).")] = None,
    id_column: Annotated[str | None, typer.Option(
        "--id", help="With --data: the column naming each row (default: the row number).")
    ] = None,
    output: Annotated[Path | None, typer.Option(
        "--out", help="With --data: write every scored row to this .csv or .parquet file.")
    ] = None,
    sql: Annotated[bool, typer.Option("--sql", help="Print the scoring query instead of "
                                      "running it.")] = False,
    dialect: DialectOpt = "duckdb",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score with a scorecard: every subject of its feature view on the store (the run goes to
    scores), or every row of a data file (``--data``), through the card's compiled SQL."""
    card = load_scorecard(model, home)
    if data is not None:
        _score_data(card, data, id_column, output, as_json)
        return
    if as_of is None:
        raise XinyongError("BAD_OPTION", "give --as-of DATE to score the store, or --data FILE "
                           "to score a file", field="--as-of")
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


def _score_data(card: Scorecard, data: Path, id_column: str | None, output: Path | None,
                as_json: bool) -> None:
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise XinyongError("BAD_OPTION", f"--out {output}: write a .csv or a .parquet file",
                           field="--out")
    scored = score_file(card, data, id_column=id_column)
    if output is not None:
        if output.suffix.lower() == ".csv":
            pa_csv.write_csv(scored, output)
        else:
            pq.write_table(scored, output)
    scores = scored["score"]
    summary = {"model": card.id, "version": card.version, "rows": scored.num_rows,
               "mean_score": pc.mean(scores).as_py(), "min_score": pc.min(scores).as_py(),
               "max_score": pc.max(scores).as_py(), "out": None if output is None else str(output)}
    if as_json:
        print_json({**summary, "rows_scored": scored.slice(0, 0 if output else 20).to_pylist()}
                   if output is None else summary)
        return
    out.print(f"Scored {scored.num_rows:,} rows of {data} with scorecard [bold]{card.id}[/] "
              f"{card.version}: mean {summary['mean_score']:.1f}, range "
              f"{summary['min_score']:.0f}–{summary['max_score']:.0f}"
              + (f"; every row written to {output}." if output else "."))
    table = Table(title="First rows" if scored.num_rows > 10 else None)
    id_name = scored.column_names[0]
    for column in (id_name, "score", "reason_1", "reason_2", "reason_3", "reason_4"):
        table.add_column(column)
    for row in scored.slice(0, 10).to_pylist():
        table.add_row(str(row[id_name]), f"{row['score']:.1f}",
                      *[("" if row[f"reason_{k}"] is None else
                         f"{row[f'reason_{k}']} (−{row[f'reason_{k}_points']:.1f})")
                        for k in range(1, 5)])
    out.print(table)


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
