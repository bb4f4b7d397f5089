"""``xinyong model fit`` and ``xinyong model evaluate``: learned scorecards from the command line.

``fit`` learns from a data file (``--data --target``) or from the store (``--features VIEW
--as-of DATE``); scoring and explaining on the store live in :mod:`._cli_store`.

The commands are plain functions; :func:`register` adds them to the ``model`` Typer app that
``xinyong.cli`` owns. Errors a user can cause (a missing file, an unknown column, a target that is
not binary) are raised as :class:`~xinyong.errors.XinyongError`, which the CLI prints with their
code and field.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from xinyong._cli_options import HomeOpt, JsonOpt, parse_date, print_json
from xinyong.errors import XinyongError
from xinyong.scoring.features import load_feature_view
from xinyong.scoring.scorecard._artifact import Scorecard
from xinyong.scoring.scorecard._fit import ScorecardModel
from xinyong.scoring.scorecard._home import check_model_id, load_scorecard, save_scorecard
from xinyong.scoring.scorecard._metrics import evaluate
from xinyong.scoring.scorecard._store import fit_store
from xinyong.store import Store

out = Console()

DataOpt = Annotated[Path, typer.Option("--data", help="Training or evaluation data: a .csv or "
                                       ".parquet file with one row per applicant.")]


def register(model_app: typer.Typer) -> None:
    """Add ``fit``, ``evaluate`` and the store commands (:mod:`._cli_store`) to ``model``."""
    from xinyong.scoring.scorecard._cli_store import register as register_store

    model_app.command("fit")(fit)
    model_app.command("evaluate")(evaluate_command)
    register_store(model_app)


def read_data(path: Path) -> pd.DataFrame:
    """A CSV or Parquet file as a DataFrame, or a ``BAD_FILE`` error saying what is wrong."""
    if not path.is_file():
        raise XinyongError("BAD_FILE", f"no file at {path}", field="--data")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise XinyongError("BAD_FILE", f"cannot read {path}: {exc}", field="--data") from None
    raise XinyongError("BAD_FILE", f"{path} is neither .csv nor .parquet", field="--data")


def _split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series[Any]]:
    if target not in frame.columns:
        raise XinyongError("MISSING_COLUMN", f"the data has no target column {target!r}; columns "
                           f"are {', '.join(map(str, frame.columns[:8]))}…", field="--target")
    return frame.drop(columns=[target]), frame[target]


def _refuse_replacing_a_model_in_use(card: Scorecard, home: Path | None) -> None:
    """A shadow or champion must not change under its id: refuse before its file is touched."""
    from xinyong.scoring.registry import registered_models

    try:
        store = Store.open(home, read_only=True)
    except XinyongError as exc:
        if exc.code == "NO_STORE":
            return
        raise
    with store:
        in_use = [r for r in registered_models(store.con)
                  if r.model_id == card.id and r.status in ("shadow", "champion")]
    new_digest = hashlib.sha256(card.to_text().encode("utf-8")).hexdigest()
    for reg in in_use:
        if reg.artifact_sha256 != new_digest:
            raise XinyongError("MODEL_IN_USE", f"{card.id} is {reg.status} for "
                               f"{reg.subject_kind} subjects and a refit would change it under its "
                               "id; fit under a new --id, register it and compare before promoting",
                               field="--id")


def _names(values: list[str] | None) -> list[str]:
    """Repeated options, each of which may also be comma-separated."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def fit(
    data: Annotated[Path | None, typer.Option(
        "--data", help="Training data: a .csv or .parquet file with one row per applicant "
        "(or use --features to train on the store).")] = None,
    target: Annotated[str | None, typer.Option(
        "--target", help="The outcome column of --data (good/bad, 0/1).")] = None,
    features: Annotated[str | None, typer.Option(
        "--features", help="Train on the store instead: a feature view (shipped name such as "
        "bureau-basic, or a .toml path) computed at --as-of, with the store's synthetic "
        "outcomes.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="With --features: the date the features are computed at "
        "(YYYY-MM-DD).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="A column to leave out "
                                                      "(repeat, or separate with commas).")] = None,
    model_id: Annotated[str | None, typer.Option("--id", help="Model id; the artifact is saved "
                                                 "as <home>/models/<id>.json (default: the data "
                                                 "file's name).")] = None,
    pdo: Annotated[float, typer.Option(help="Points to double the good:bad odds.")] = 20.0,
    odds: Annotated[float, typer.Option(help="Good:bad odds at --points.")] = 50.0,
    points: Annotated[float, typer.Option(help="Score at --odds.")] = 600.0,
    score_range: Annotated[tuple[float, float], typer.Option(
        "--range", help="The platform's score range; scores are clamped to it.")] = (350.0, 950.0),
    allow_protected: Annotated[list[str] | None, typer.Option(
        "--allow-protected", help="Use this protected attribute anyway (recorded in the "
        "artifact).")] = None,
    bad: Annotated[str | None, typer.Option("--bad", help="The target's bad label, when it is "
                                            "not 'bad', 1 or similar.")] = None,
    provider: Annotated[str | None, typer.Option(
        "--provider", help="The licensed scoring company that built the model (for the "
        "registry; default: the platform's).")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Learn a scorecard from outcomes and save it as a JSON artifact.

    Either from a file (``--data FILE --target COL``) or from the store (``--features VIEW
    --as-of DATE``: the view's features at that date, with the store's synthetic outcomes).
    """
    if (data is None) == (features is None):
        raise XinyongError("BAD_OPTION", "give either --data FILE --target COL or --features "
                           "VIEW --as-of DATE", field="--data")
    options: dict[str, Any] = dict(
        bad_label=bad, exclude=tuple(_names(exclude)),
        allow_protected=tuple(_names(allow_protected)), pdo=pdo, odds=odds, points=points,
        score_range=score_range)
    if features is not None:
        view = load_feature_view(features)
        day = _day(as_of)
        model = ScorecardModel(model_id=check_model_id(model_id or view.name), **options)
        with Store.open(home, read_only=True) as store:
            card = fit_store(model, store, view, day)
    else:
        assert data is not None
        if target is None:
            raise XinyongError("BAD_OPTION", "--data needs --target, the outcome column",
                               field="--target")
        X, y = _split_target(read_data(data), target)
        model = ScorecardModel(
            model_id=check_model_id(model_id or data.stem.replace("_", "-")), **options)
        with data.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        card = model.fit(X, y, data_sha256=digest).scorecard_
    _refuse_replacing_a_model_in_use(card, home)
    path = save_scorecard(card, home)
    from xinyong.scoring.registry import register_fitted

    registered = register_fitted(home, card.id, provider=provider)
    t = card.training
    info = {
        "model": card.id, "path": str(path), "rows": t.rows, "bad": t.bad,
        "characteristics": card.names,
        "excluded": {"protected": list(card.exclusions.protected),
                     "user": list(card.exclusions.user)},
        "protected_attributes_used": list(card.exclusions.protected_used),
        "non_monotonic": [{"characteristic": n, "why": w} for n, w in card.binning.non_monotonic],
        "metrics": {"auc": t.auc, "ks": t.ks, "gini": t.gini},
        "version": card.version,
        "registered": None if registered is None else registered.status,
        "feature_view": ({"name": card.feature_view.name, "version": card.feature_view.version,
                          "sha256": card.feature_view.sha256} if card.feature_view else None),
    }
    if as_json:
        print_json(info)
        return
    out.print(f"Saved scorecard [bold]{card.id}[/] to {path}: {len(card.names)} characteristics, "
              f"{t.rows:,} rows ({t.bad:,} bad).")
    if registered is not None:
        out.print(f"Registered as a {registered.status} model for {registered.subject_kind} "
                  f"subjects; promote it with `xinyong model promote {card.id} --to shadow`.")
    if card.exclusions.protected:
        out.print("Protected attributes left out: " + ", ".join(card.exclusions.protected))
    if card.exclusions.protected_used:
        out.print("[yellow]Protected attributes USED (--allow-protected): "
                  + ", ".join(card.exclusions.protected_used) + "[/]")
    if card.binning.non_monotonic:
        report = Table(title="Characteristics that could not be made monotonic")
        report.add_column("characteristic")
        report.add_column("why")
        for name, why in card.binning.non_monotonic:
            report.add_row(name, why)
        out.print(report)
    else:
        out.print("Every characteristic is monotonic in the bad rate.")
    out.print(f"Training AUC {t.auc:.3f}, KS {t.ks:.3f}, Gini {t.gini:.3f}.")
    if card.feature_view:
        out.print(f"Trained on feature view {card.feature_view.name} "
                  f"(sha256 {card.feature_view.sha256[:12]}…); score it on the store with "
                  f"`xinyong model score --model {card.id} --as-of DATE`.")


def _day(text: str | None) -> date:
    if not text:
        raise XinyongError("BAD_OPTION", "--features needs --as-of, the date the features are "
                           "computed at (YYYY-MM-DD)", field="--as-of")
    return parse_date(text, field="--as-of")


def evaluate_command(
    model: Annotated[str, typer.Option("--model", "-m", help="A saved scorecard id or a .json "
                                       "artifact path.")],
    data: DataOpt,
    target: Annotated[str | None, typer.Option("--target", help="The outcome column (default: "
                                               "the one the model was trained on).")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate a scorecard on data with outcomes: AUC, KS, Gini, calibration and PSI."""
    card = load_scorecard(model, home)
    X, y = _split_target(read_data(data), target or card.target_name)
    result = evaluate(card, X, y)
    if as_json:
        print_json(result)
        return
    out.print(f"[bold]{card.id}[/] on {result['rows']:,} rows ({result['bad']:,} bad): AUC "
              f"{result['auc']:.3f}, KS {result['ks']:.3f}, Gini {result['gini']:.3f}.")
    calibration = Table(title="Calibration by training score band")
    for col in ("band", "rows", "observed bad rate", "predicted bad rate"):
        calibration.add_column(col, justify="right")
    for row in result["calibration"]:
        calibration.add_row(row["band"], f"{row['rows']:,}", _rate(row["observed_bad_rate"]),
                            _rate(row["predicted_bad_rate"]))
    out.print(calibration)
    psi = result["psi"]
    out.print(f"Score PSI against training: {psi['score']['psi']:.4f} ({psi['score']['flag']}).")
    for c in psi["characteristics"]:
        if c["flag"] != "stable":
            out.print(f"  {c['name']}: PSI {c['psi']:.4f} ({c['flag']})")


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
