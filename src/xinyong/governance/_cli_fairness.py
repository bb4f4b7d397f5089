"""CLI commands of the fairness area: protected groups, fairness audit, drift, model comparison.

``audit groups load|clear``, ``audit fairness``, ``audit drift``, ``model compare A B`` and
``simulate compare --model A --model B``. Every command takes ``--json``. A command that needs
a run the store lacks says which ``xinyong score`` to run, or scores it first with
``--score-missing``. Figures over fewer than ``--min-group`` subjects print as ``<k`` (red
line 3).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.errors import XinyongError
from xinyong.governance._compare import compare_models
from xinyong.governance._drift import score_drift
from xinyong.governance._fairness import (
    DEFAULT_MIN_GROUP,
    fairness_report,
)
from xinyong.governance._groups import Groups, clear_groups, load_groups_file, read_groups
from xinyong.governance._product_outcomes import (
    model_identity,
)
from xinyong.store import Store, fetch_one

out = Console()
err = Console(stderr=True)

AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="The run's as-of date (YYYY-MM-DD); default: the latest run.")]
MinGroupOpt = Annotated[int, typer.Option(
    "--min-group", min=5, help="Smallest number of subjects a published figure may cover.")]
ScoreMissingOpt = Annotated[bool, typer.Option(
    "--score-missing", help="Score a model first when it has no run on the date asked for.")]
GroupsOpt = Annotated[Path | None, typer.Option(
    "--groups", help="Load protected attributes from this CSV or Parquet file first "
    "(replacing those loaded before).")]
IdColumnOpt = Annotated[str, typer.Option(
    "--id-column", help="The groups file's subject ID column.")]

def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    return parse_date(text, field=option)


def _ensure_run(store: Store, model: str, day: date | None, score_missing: bool) -> None:
    """Score ``model`` on ``day`` when asked to and it has no run that day."""
    if not score_missing or day is None:  # without a date, the latest run is used
        return
    model_id = model_identity(model)[0]
    row = fetch_one(store.con.execute(
        "SELECT COUNT(*) FROM score_runs WHERE model_id = ? AND as_of = ?", [model_id, day]))
    if row and row[0]:
        return
    from xinyong.scoring.models import score_model

    with err.status(f"Scoring {model_id} as of {day}"):
        score_model(store, model, day)


def _groups(store: Store, path: Path | None, id_column: str | None) -> Groups:
    if path is not None:
        if not id_column:
            raise XinyongError("GROUPS_ID_COLUMN", "--groups needs --id-column: the file's "
                               "subject ID column", field="--id-column")
        load_groups_file(store, path, id_column=id_column)
    return read_groups(store.home)


# -- rendering ----------------------------------------------------------------------------------
def _num(value: float | int | None, digits: int = 0) -> str:
    return "<k" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "<k" if value is None else f"{value:.1%}"


def _render_fairness(report: dict[str, Any]) -> None:
    out.print(f"[bold]Fairness of {report['model']} {report['model_version']}[/] as of "
              f"{report['as_of']}: {report['labelled']:,} labelled of "
              f"{report['subjects']:,} subjects; figures need ≥ {report['min_group']} subjects; "
              f"adverse-impact ratio flagged below {report['air_threshold']}")
    products = report["products"]
    for attribute, fig in report["attributes"].items():
        table = Table(title=f"{attribute}", show_edge=False)
        for col in ("group", "n", "mean", "p10", "p50", "p90", "AUC"):
            table.add_column(col, justify="left" if col == "group" else "right")
        for p in products:
            table.add_column(f"{p}\napproval (AIR)", justify="right")
        for g in fig["groups"]:
            if g["suppressed"]:
                table.add_row(g["group"], "<k", *["suppressed"] + [""] * (5 + len(products)))
                continue
            cells = []
            for p in products:
                rate, air, flag = g["approval"][p], g["air"][p], g["air_flag"][p]
                text = f"{_pct(rate)} ({'—' if air is None else f'{air:.2f}'})"
                cells.append(f"[bold red]⚠ {text}[/]" if flag else text)
            auc = g["auc"]["auc"]
            table.add_row(g["group"], _num(g["n"]), _num(g["mean"]), _num(g["p10"]),
                          _num(g["p50"]), _num(g["p90"]), "—" if auc is None else f"{auc:.3f}",
                          *cells)
        out.print(table)
        tiers = Table(title=f"{attribute}: tier shares", show_edge=False)
        tiers.add_column("group")
        for t in report["tiers"]:
            tiers.add_column(t, justify="right")
        for g in fig["groups"]:
            if not g["suppressed"]:
                tiers.add_row(g["group"], *(_pct(g["tiers"][t]) for t in report["tiers"]))
        out.print(tiers)
    for note in report["notes"]:
        out.print(f"[yellow]note[/]: {note}")
    for s in report["skipped_products"]:
        out.print(f"[dim]skipped {s['product']}: {s['reason']}[/]")
    flags = report["flags"]
    withheld = _withheld_flags(report)
    if flags:
        out.print(f"[bold red]{len(flags)} adverse-impact flag(s)[/]: " + "; ".join(
            f"{f['attribute']}={f['group']} on {f['product']} ({f['air']:.2f})" for f in flags))
    if withheld:
        out.print(f"[bold red]{len(withheld)} more adverse-impact flag(s) whose ratio is withheld[/]"
                  " (it would give away a small count): " + "; ".join(
                      f"{f['attribute']}={f['group']} on {f['product']}" for f in withheld))
    if not flags and not withheld:
        out.print("[green]No adverse-impact ratio below the threshold.[/]")


def _withheld_flags(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"attribute": name, **flag} for name, fig in report["attributes"].items()
            for flag in fig.get("withheld_flags", [])]


def _flag_style(flag: str) -> str:
    return {"stable": "green", "watch": "yellow", "shift": "bold red"}[flag]


def _render_drift(report: dict[str, Any]) -> None:
    a, b = report["from"], report["to"]
    out.print(f"[bold]Drift of {report['model']}[/] from {a['as_of']} ({a['scored']:,} scored) "
              f"to {b['as_of']} ({b['scored']:,} scored); PSI thresholds "
              f"{report['thresholds']['watch']} / {report['thresholds']['shift']}")
    table = Table(show_edge=False)
    for col in ("figure", "PSI", "flag", "bins", "status"):
        table.add_column(col)
    rows = [("score", report["score"]), *report["factors"].items()]
    for name, fig in rows:
        if fig is not None:
            style = _flag_style(fig["flag"])
            psi = "—" if fig.get("psi") is None else f"{fig['psi']:.4f}"
            table.add_row(name, psi, f"[{style}]{fig['flag']}[/]", str(fig["bins"]),
                          str(fig.get("status", "")))
    t = report["tiers"]
    table.add_row("tier", f"{t['psi']:.4f}", f"[{_flag_style(t['flag'])}]{t['flag']}[/]",
                  str(len(t["names"])), "")
    out.print(table)
    shares = Table(title="Tier shares", show_edge=False)
    shares.add_column("run")
    for name in t["names"]:
        shares.add_column(name, justify="right")
    shares.add_row(a["as_of"], *(_pct(v) for v in t["from"]))
    shares.add_row(b["as_of"], *(_pct(v) for v in t["to"]))
    out.print(shares)
    for note in report["notes"]:
        out.print(f"[yellow]note[/]: {note}")


def _render_compare(report: dict[str, Any]) -> None:
    a, b = report["a"], report["b"]
    out.print(f"[bold]{a['model']} {a['model_version']}[/] (A) vs [bold]{b['model']} "
              f"{b['model_version']}[/] (B) as of {report['as_of']}; counts under "
              f"{report['min_group']} show as <k")
    m = report["migration"]
    matrix = Table(title="Tier migration (rows: A, columns: B)", show_edge=False)
    matrix.add_column("A \\ B")
    for c in m["columns"]:
        matrix.add_column(c, justify="right")
    for name, counts in zip(m["rows"], m["counts"], strict=True):
        matrix.add_row(name, *(_num(v) for v in counts))
    out.print(matrix)
    rho = report["rank_correlation"]
    out.print(f"Spearman rank correlation: "
              f"{'—' if rho['spearman'] is None else format(rho['spearman'], '.4f')} "
              f"over {_num(rho['n'])} subjects scored by both")
    for side in ("a", "b"):
        auc = report["auc"][side]
        value = "—" if auc["auc"] is None else f"{auc['auc']:.4f}"
        out.print(f"AUC of {report[side]['model']}: {value} ({auc.get('note') or _num(auc['n'])}"
                  f"{'' if auc.get('note') else ' subjects with outcomes'})")
    if report["products"]:
        table = Table(title="Product thresholds crossed", show_edge=False)
        for col in ("product", "offered", "approved by A", "approved by B", "A only", "B only"):
            table.add_column(col, justify="left" if col == "product" else "right")
        for p, c in report["products"].items():
            table.add_row(p, *(_num(c[k]) for k in ("offered", "approved_a", "approved_b",
                                                      "a_only", "b_only")))
        out.print(table)
    for s in report["skipped_products"]:
        out.print(f"[dim]skipped {s['product']}: {s['reason']}[/]")
    if report["fairness"] is not None:
        _render_fairness_change(report["fairness"]["a"], report["fairness"]["b"])


def _render_fairness_change(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Per attribute and group, each product's approval rate and adverse-impact ratio under A
    and under B side by side (a flag under either is shown in red)."""
    products = [p for p in a["products"] if p in b["products"]]
    out.print(f"[bold]Fairness, A → B[/]: approval rate (adverse-impact ratio); groups under "
              f"{a['min_group']} subjects are withheld")
    for attribute, fig_a in a["attributes"].items():
        groups_b = {g["group"]: g for g in b["attributes"][attribute]["groups"]}
        table = Table(title=attribute, show_edge=False)
        table.add_column("group")
        table.add_column("mean score", justify="right")
        for p in products:
            table.add_column(p, justify="right")
        for ga in fig_a["groups"]:
            gb = groups_b[ga["group"]]
            if ga["suppressed"] or gb["suppressed"]:
                table.add_row(ga["group"], "suppressed")
                continue
            cells = []
            for p in products:
                sides = []
                for g in (ga, gb):
                    air = g["air"][p]
                    text = f"{_pct(g['approval'][p])} ({'—' if air is None else f'{air:.2f}'})"
                    sides.append(f"[bold red]⚠ {text}[/]" if g["air_flag"][p] else text)
                cells.append(" → ".join(sides))
            table.add_row(ga["group"], f"{_num(ga['mean'])} → {_num(gb['mean'])}", *cells)
        out.print(table)
    for side, report in (("A", a), ("B", b)):
        flags = len(report["flags"]) + len(_withheld_flags(report))
        out.print(f"{side} ({report['model']}): " + (
            f"[bold red]{flags} adverse-impact flag(s)[/]" if flags else "[green]no flag[/]"))


def _rows(rows: list[int]) -> str:
    if not rows:
        return "no row"
    first = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
    return f"{len(rows):,} row{'s' if len(rows) > 1 else ''} ({first})"


# -- commands -----------------------------------------------------------------------------------
def groups_load(
    file: Annotated[Path, typer.Argument(help="CSV (with a header row) or Parquet file.")],
    id_column: IdColumnOpt,
    attributes: Annotated[list[str] | None, typer.Option(
        "--attribute", help="A protected-attribute column; repeat. Default: every other "
        "column.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load protected attributes for a fairness audit (stored apart; IDs become subject keys)."""
    with Store.open(home) as store:
        load = load_groups_file(store, file, id_column=id_column, attributes=attributes)
    if as_json:
        print_json(load.to_json())
        return
    out.print(f"Loaded {', '.join(load.attributes)} for {load.matched:,} subjects from "
              f"{load.rows:,} rows (kept apart from scoring, without the IDs).")
    if load.invalid_rows or load.unknown_rows:
        out.print(f"[yellow]Left out[/]: {_rows(load.invalid_rows)} with an invalid ID, "
                  f"{_rows(load.unknown_rows)} naming no known subject.")


def groups_clear(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Delete the protected attributes loaded for the audit."""
    with Store.open(home) as store:
        existed = clear_groups(store)
    if as_json:
        print_json({"deleted": existed})
    else:
        out.print("Deleted the audit's groups." if existed else "No groups were loaded.")


def fairness(
    model: Annotated[str, typer.Option("--model", "-m", help="A model id or a candidate "
                                       "rulebook's .toml path.")],
    groups: GroupsOpt = None,
    id_column: Annotated[str | None, typer.Option(
        "--id-column", help="With --groups: the file's subject ID column.")] = None,
    as_of: AsOfOpt = None,
    min_group: MinGroupOpt = DEFAULT_MIN_GROUP,
    score_missing: ScoreMissingOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fairness by protected group: scores, approval per product, adverse-impact ratio, AUC."""
    day = _date(as_of, "--as-of")
    with Store.open(home) as store:
        chosen = _groups(store, groups, id_column)
        _ensure_run(store, model, day, score_missing)
        report = fairness_report(store, model, day, chosen, min_group=min_group)
    if as_json:
        print_json(report)
    else:
        _render_fairness(report)


def drift(
    model: Annotated[str, typer.Option("--model", "-m", help="A model id.")],
    from_date: Annotated[str, typer.Option("--from", help="The earlier as-of date.")],
    to_date: Annotated[str, typer.Option("--to", help="The later as-of date.")],
    kind: Annotated[str | None, typer.Option(
        "--kind", help="Only person or organisation subjects.")] = None,
    score_missing: ScoreMissingOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """PSI of the score and of each factor between two runs (0.1 watch, 0.25 shift)."""
    start, end = _date(from_date, "--from"), _date(to_date, "--to")
    assert start is not None and end is not None
    with Store.open(home) as store:
        for day in (start, end):
            _ensure_run(store, model, day, score_missing)
        report = score_drift(store, model, start, end, kind=kind)
    if as_json:
        print_json(report)
    else:
        _render_drift(report)


def _compare(a: str, b: str, as_of: str | None, min_group: int, score_missing: bool,
             home: Path | None, groups: Path | None = None, id_column: str | None = None,
             with_groups: bool = False) -> dict[str, Any]:
    day = _date(as_of, "--as-of")
    with Store.open(home) as store:
        chosen = _groups(store, groups, id_column) if groups is not None else None
        if chosen is None and with_groups:
            try:
                chosen = read_groups(store.home)
            except XinyongError as exc:
                if exc.code != "NO_GROUPS":
                    raise
                err.print("[yellow]No protected groups loaded: fairness figures are left out "
                          "(load them with --groups FILE --id-column COL).[/]")
        for model in (a, b):
            _ensure_run(store, model, day, score_missing)
        return compare_models(store, a, b, day, groups=chosen, min_group=min_group)


def model_compare(
    a: Annotated[str, typer.Argument(help="Model A: an id or a rulebook .toml path.")],
    b: Annotated[str, typer.Argument(help="Model B: an id or a rulebook .toml path.")],
    as_of: AsOfOpt = None,
    min_group: MinGroupOpt = DEFAULT_MIN_GROUP,
    score_missing: ScoreMissingOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tier migration matrix, rank correlation and AUC of two models' runs."""
    report = _compare(a, b, as_of, min_group, score_missing, home)
    if as_json:
        print_json(report)
    else:
        _render_compare(report)


def simulate_compare(
    models: Annotated[list[str], typer.Option(
        "--model", "-m", help="Give twice: the current model (A), then the candidate (B).")],
    as_of: AsOfOpt = None,
    groups: GroupsOpt = None,
    id_column: Annotated[str | None, typer.Option(
        "--id-column", help="With --groups: the file's subject ID column.")] = None,
    min_group: MinGroupOpt = DEFAULT_MIN_GROUP,
    score_missing: ScoreMissingOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What-if review of a model change: tier migration, product thresholds crossed in each
    direction and the fairness figures of both (with protected groups loaded)."""
    if len(models) != 2:
        raise XinyongError("TWO_MODELS", "give --model twice: the current model, then the "
                           "candidate", field="--model")
    report = _compare(models[0], models[1], as_of, min_group, score_missing, home, groups,
                      id_column, with_groups=True)
    if as_json:
        print_json(report)
    else:
        _render_compare(report)


def register(audit_app: typer.Typer, model_app: typer.Typer, simulate_app: typer.Typer) -> None:
    groups_app = typer.Typer(help="Protected attributes for a fairness audit, kept apart from "
                             "scoring.")
    groups_app.command("load")(groups_load)
    groups_app.command("clear")(groups_clear)
    audit_app.add_typer(groups_app, name="groups")
    audit_app.command("fairness")(fairness)
    audit_app.command("drift")(drift)
    model_app.command("compare")(model_compare)
    simulate_app.command("compare")(simulate_compare)
