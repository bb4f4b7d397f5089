"""``xinyong export events``, ``xinyong scale score`` and ``xinyong import scores``.

The round trip for scoring elsewhere (a Spark cluster, or DuckDB with a memory limit on a
bigger disk)::

    xinyong export events /data/export
    xinyong scale score --engine spark --events /data/export --out /data/scores --as-of 2026-11-01
    xinyong import scores /data/scores

:func:`register` adds the three command groups to the main app.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.errors import XinyongError
from xinyong.scale._export import export_events
from xinyong.scale._import import import_scores
from xinyong.scale._layout import DEFAULT_BUCKETS
from xinyong.scale._scoring import score_export
from xinyong.scoring.engines import ENGINES, open_engine
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

out = Console()
err = Console(stderr=True)

export_app = typer.Typer(help="Export data for scoring elsewhere: `xinyong export events DIR`.",
                         no_args_is_help=True)
import_app = typer.Typer(help="Load results computed elsewhere: `xinyong import scores DIR`.",
                         no_args_is_help=True)
scale_app = typer.Typer(help="Score an export on DuckDB or Apache Spark: `xinyong scale score`.",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``export``, ``import`` and ``scale`` to the ``xinyong`` app."""
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
    app.add_typer(scale_app, name="scale")


def _day(text: str | None) -> date:
    return date.today() if text is None else parse_date(text, field="--as-of")


def _config(pairs: list[str]) -> dict[str, str]:
    config: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise XinyongError("BAD_CONF", f"'{pair}' is not KEY=VALUE", field="--conf")
        config[key.strip()] = value.strip()
    return config


@export_app.command("events")
def export_events_command(
    directory: Annotated[Path, typer.Argument(help="Where to write the export (new or empty).")],
    buckets: Annotated[int, typer.Option(help="Hash buckets of subjects: one folder each.")] = (
        DEFAULT_BUCKETS),
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier export in DIRECTORY.")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the event log as scoring sees it (no voided events, enrolled subjects only) as
    Parquet bucketed by a hash of the subject."""
    with Store.open(home, read_only=True) as store:
        result = export_events(store, directory, buckets=buckets, overwrite=overwrite)
    m = result.manifest
    info = {"directory": str(directory), "events": m.events, "subjects": m.subjects,
            "buckets": m.buckets, "seconds": round(result.seconds, 3)}
    if as_json:
        print_json(info)
    else:
        out.print(f"Exported {m.events:,} events of {m.subjects:,} subjects to {directory} "
                  f"({m.buckets} buckets) in {result.seconds:.1f} s.")


@scale_app.command("score")
def scale_score_command(
    events: Annotated[Path, typer.Option("--events", help="An export made by `xinyong export "
                                         "events`.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the scores (Parquet).")],
    engine: Annotated[str, typer.Option("--engine", help=f"One of {', '.join(ENGINES)}.")] = (
        "spark"),
    model: Annotated[str, typer.Option("--model", "-m", help="A shipped rulebook id or a .toml "
                                       "path.")] = "sesame-like",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Score as of this date "
                                              "(YYYY-MM-DD); default today.")] = None,
    master: Annotated[str, typer.Option("--master", help="Spark master URL: local[N] or "
                                        "spark://host:7077.")] = "local[2]",
    conf: Annotated[list[str] | None, typer.Option("--conf", help="A Spark setting KEY=VALUE; "
                                                   "repeat for several.")] = None,
    memory_limit: Annotated[str | None, typer.Option("--memory-limit", help="DuckDB only: spill "
                                                     "to disk above this, e.g. 2GB.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace earlier scores in --out.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Score an export with DuckDB or Apache Spark and write the scores as Parquet."""
    rulebook = load_rulebook(model)
    day = _day(as_of)
    options: dict[str, Any] = {}
    if engine == "spark":
        options = {"master": master, "config": _config(conf or [])}
    elif engine == "duckdb":
        options = {"memory_limit": memory_limit}
    if engine != "spark" and (conf or master != "local[2]"):
        raise XinyongError("SPARK_ONLY", "--master and --conf apply to --engine spark",
                           field="--master")
    with err.status(f"Starting {engine}"):
        scorer = open_engine(engine, **options)
    try:
        with err.status(f"Scoring with {rulebook.id} on {engine}"):
            manifest = score_export(scorer, rulebook, day, events, out_dir, overwrite=overwrite)
    finally:
        scorer.close()
    rate = manifest.events / manifest.seconds if manifest.seconds > 0 else None
    info = {"engine": manifest.engine, "model": manifest.model_id,
            "version": manifest.model_version, "as_of": manifest.as_of, "out": str(out_dir),
            "subjects": manifest.rows, "scored": manifest.scored, "events": manifest.events,
            "seconds": manifest.seconds, "events_per_second": None if rate is None else round(rate)}
    if as_json:
        print_json(info)
    else:
        out.print(f"Scored {manifest.scored:,} of {manifest.rows:,} subjects ({manifest.events:,} "
                  f"events) with {manifest.model_id} {manifest.model_version} as of "
                  f"{manifest.as_of} on {engine} in {manifest.seconds:.1f} s; scores in {out_dir}. "
                  f"Load them with `xinyong import scores {out_dir}`.")


@import_app.command("scores")
def import_scores_command(
    directory: Annotated[Path, typer.Argument(help="Scores written by `xinyong scale score`.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load scores computed elsewhere into the store (replacing a run of the same model, version
    and as-of)."""
    with Store.open(home) as store:
        result = import_scores(store, directory)
    info = {"model": result.model_id, "version": result.model_version,
            "as_of": result.as_of.isoformat(), "subjects": result.subjects,
            "scored": result.scored, "seconds": round(result.seconds, 3)}
    if as_json:
        print_json(info)
    else:
        out.print(f"Imported {result.scored:,} scores of {result.subjects:,} subjects "
                  f"({result.model_id} {result.model_version}, as of {result.as_of}).")
