"""Product outcomes in bulk, for audits: every product's decision table over one stored run.

Each product's decision table compiles to one SQL ``CASE`` expression over the run's scores and
the list entries, restrictions (own, or as the legal representative of a listed organisation)
and fraud alerts in force at the end of the as-of day, with the semantics of
:meth:`~xinyong.decisions._conditions.Condition.holds` (a test checks them against the
per-subject decision logic). The fairness audit and model comparisons read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache

import pandas as pd

from xinyong.catalog import Factor
from xinyong.decisions._conditions import Condition
from xinyong.decisions._data import shipped_products
from xinyong.decisions._list_catalogue import list_catalogue
from xinyong.decisions._lists import ACTIVE
from xinyong.decisions._products import SEVERITY, Product, load_product
from xinyong.errors import XinyongError
from xinyong.store import Store, fetch_one

_FACTORS = [f.value for f in Factor]

@dataclass(frozen=True)
class RunRef:
    """One stored batch run of a model."""

    model_id: str
    model_version: str
    as_of: date

    def to_json(self) -> dict[str, str]:
        return {"model": self.model_id, "model_version": self.model_version,
                "as_of": self.as_of.isoformat()}


def find_run(store: Store, model_id: str, as_of: date | None = None) -> RunRef:
    """The stored run of ``model_id`` on ``as_of`` (the latest version scored that day), or
    its latest run when ``as_of`` is None."""
    day_filter = "" if as_of is None else "AND as_of = $day"
    row = fetch_one(store.con.execute(
        f"SELECT model_version, as_of FROM score_runs WHERE model_id = $model {day_filter} "
        "ORDER BY as_of DESC, scored_at DESC LIMIT 1",
        {"model": model_id, **({} if as_of is None else {"day": as_of})}))
    if row is None:
        if as_of is None:
            message = f"no batch run of {model_id}; run `xinyong score --model {model_id}` first"
        else:
            message = (f"no batch run of {model_id} as of {as_of}; run `xinyong score --model "
                       f"{model_id} --as-of {as_of}` first (or pass --score-missing)")
        raise XinyongError("NO_SCORE_RUN", message, field="model")
    return RunRef(model_id, str(row[0]), row[1])


def decision_moment(as_of: date) -> datetime:
    """When list entries and fraud alerts are read for a run: the last second of its day."""
    return datetime.combine(as_of, time(23, 59, 59))


# -- products in bulk ---------------------------------------------------------------------------
def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _number(value: float) -> str:
    return f"CAST({float(value)!r} AS DOUBLE)"


def condition_sql(when: Condition) -> str:
    """A row's condition as a SQL predicate over the facts relation of :func:`product_outcomes`."""
    parts: list[str] = []
    if when.uses_score:
        parts.append("score IS NOT NULL")
    if when.score_min is not None:
        parts.append(f"score >= {_number(when.score_min)}")
    if when.score_below is not None:
        parts.append(f"score < {_number(when.score_below)}")
    if when.tier_in is not None:
        parts.append(f"tier IN ({', '.join(_text(t) for t in when.tier_in)})")
    for factor, value in (when.factor_min or {}).items():
        parts.append(f"COALESCE({factor.value}, 0.0) >= {_number(value)}")
    for factor, value in (when.factor_below or {}).items():
        parts.append(f"COALESCE({factor.value}, 0.0) < {_number(value)}")
    if when.on_list is not None:
        parts.append(f"list_contains(lists, {_text(when.on_list)})")
    if when.not_on_list is not None:
        parts.append(f"NOT list_contains(lists, {_text(when.not_on_list)})")
    if when.restricted is not None:
        parts.append(f"list_contains(restrictions, {_text(when.restricted)})")
    if when.unscorable is not None:
        parts.append(f"(score IS NULL) = {str(when.unscorable).lower()}")
    if when.fraud_alert is not None:
        parts.append(f"fraud_alert = {str(when.fraud_alert).lower()}")
    return "COALESCE(" + " AND ".join(f"({p})" for p in parts) + ", false)" if parts else "true"


def outcome_sql(product: Product) -> str:
    """The product's outcome as one SQL expression (NULL for subjects it is not offered to)."""
    info = product.info
    rows = product.spec.rows
    if info.hit_policy == "first":
        whens = " ".join(f"WHEN {condition_sql(r.when)} THEN {_text(r.outcome)}" for r in rows)
        decided = f"CASE {whens} ELSE {_text(info.default)} END"
    else:
        worst = ", ".join(f"CASE WHEN {condition_sql(r.when)} THEN {SEVERITY[r.outcome]} ELSE -1 END"
                          for r in rows)
        names = " ".join(f"WHEN {v} THEN {_text(k)}" for k, v in SEVERITY.items())
        decided = f"CASE greatest(-1, {worst}) WHEN -1 THEN {_text(info.default)} {names} END"
    kinds = ", ".join(_text(k) for k in info.subject_kinds)
    return f"CASE WHEN CAST(subject_kind AS VARCHAR) IN ({kinds}) THEN {decided} END"


def _catalogue_values() -> str:
    catalogue = list_catalogue()
    rows = [f"({_text(list_id)}, [{', '.join(_text(r) for r in spec.restrictions)}]::VARCHAR[], "
            f"{str(spec.extends_to_legal_representative).lower()})"
            for list_id, spec in catalogue.lists.items()]
    return "VALUES " + ", ".join(rows)


def _facts_sql() -> str:
    """Per subject of the run ($model, $version, $as_of): the facts a decision sees at $at."""
    active = ACTIVE
    return f"""
    WITH s AS (
      SELECT subject_key, subject_kind, score, tier, {', '.join(_FACTORS)} FROM scores
      WHERE model_id = $model AND model_version = $version AND as_of = $as_of),
    cat (list_id, restrictions, extends) AS ({_catalogue_values()}),
    own AS (SELECT e.subject_key, e.list_id FROM list_entries AS e WHERE {active}),
    rep AS (
      SELECT DISTINCT ev.subject_key, o.subject_key AS org_key
      FROM scoring_events AS ev
      JOIN subjects AS o ON o.subject_ref = ev.counterparty_id AND o.kind = 'organisation'
      JOIN subjects AS p ON p.subject_key = ev.subject_key AND p.kind = 'person'
      WHERE ev.event_type = 'relationship.legal_representative_of'
        AND ev.counterparty_kind = 'organisation' AND ev.occurred_at <= $at),
    listed AS (SELECT subject_key, list(DISTINCT list_id) AS lists FROM own GROUP BY ALL),
    bound AS (
      SELECT subject_key, list(DISTINCT code) AS restrictions FROM (
        SELECT own.subject_key, unnest(cat.restrictions) AS code
        FROM own JOIN cat USING (list_id)
        UNION ALL
        SELECT rep.subject_key, unnest(cat.restrictions) AS code
        FROM rep JOIN list_entries AS e ON e.subject_key = rep.org_key AND {active}
        JOIN cat ON cat.list_id = e.list_id AND cat.extends)
      GROUP BY ALL),
    alerts AS (
      SELECT DISTINCT subject_key FROM subject_flags
      WHERE kind = 'fraud_alert' AND placed_at <= $at AND (expires_at IS NULL OR expires_at > $at)
        AND (lifted_at IS NULL OR lifted_at > $at))
    SELECT s.*, COALESCE(listed.lists, []::VARCHAR[]) AS lists,
           COALESCE(bound.restrictions, []::VARCHAR[]) AS restrictions,
           alerts.subject_key IS NOT NULL AS fraud_alert
    FROM s LEFT JOIN listed USING (subject_key) LEFT JOIN bound USING (subject_key)
    LEFT JOIN alerts USING (subject_key)"""


Frame = tuple[tuple[float, float], tuple[str, ...]]


@cache
def model_identity(model: str) -> tuple[str, Frame | None]:
    """A model's id and, for a rulebook (shipped, or a ``.toml`` path such as a candidate
    under review), its scale and tier names; other models (scorecards) have no frame."""
    from pathlib import Path

    from xinyong.scoring.rulebook import load_rulebook

    try:
        rulebook = load_rulebook(model)
    except XinyongError:
        if model.endswith(".toml") or Path(model).exists():
            raise
        return model, None
    return rulebook.id, ((rulebook.spec.scale.min, rulebook.spec.scale.max),
                         tuple(t.name for t in rulebook.spec.tiers))


def applicable_products(model: str, names: list[str] | None = None
                        ) -> tuple[list[Product], list[dict[str, str]]]:
    """The products whose thresholds mean the same on ``model``'s scores, and the skipped
    ones with the reason: the product's own model, or a rulebook on the same scale that has
    the tiers the product names."""
    chosen: list[Product] = []
    skipped: list[dict[str, str]] = []
    model_id, frame = model_identity(model)
    for name in names if names is not None else shipped_products():
        product = load_product(name)
        own = product.info.model
        theirs = model_identity(own)[1]
        tiers = {t for r in product.spec.rows for t in (r.when.tier_in or ())}
        if own == model_id or (frame is not None and theirs is not None
                               and frame[0] == theirs[0] and tiers <= set(frame[1])):
            chosen.append(product)
        else:
            skipped.append({"product": product.id, "reason": f"defined on {own}, whose scale "
                            f"or tiers {model_id} does not share"})
    return chosen, skipped


def product_outcomes(store: Store, run: RunRef, products: list[Product]) -> pd.DataFrame:
    """One row per subject of the run: kind, score, tier and each product's outcome (a column
    named after the product; None where the product is not offered to the subject's kind)."""
    outcomes = "".join(f", {outcome_sql(p)} AS {_ident(p.id)}" for p in products)
    sql = (f"SELECT subject_key, CAST(subject_kind AS VARCHAR) AS subject_kind, score, tier"
           f"{outcomes} FROM ({_facts_sql()}) ORDER BY subject_key")
    params = {"model": run.model_id, "version": run.model_version, "as_of": run.as_of,
              "at": decision_moment(run.as_of)}
    return store.con.execute(sql, params).df()
