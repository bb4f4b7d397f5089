"""Explanations: why a subject has its score, and what would truthfully raise it.

Every tip is a concrete change (an event the subject could add, or time passing with nothing new
going wrong) whose gain is *computed*, by running the same scoring query on the subject's events
with the change applied. No gain is ever estimated from the rulebook alone.

Records the subject disputes are marked: the explanation lists the disputes of records that still
count (open, or verified with the subject's statement standing), and a reason whose event type
has such a record is flagged ``disputed``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from xinyong.catalog import Factor
from xinyong.scoring.engine import score_subject
from xinyong.scoring.rulebook import CompiledRule, Rulebook
from xinyong.store import Store

WHAT_IF_VIEW = "what_if_events"


@dataclass(frozen=True)
class Reason:
    code: str
    points: float
    sentence: str
    disputed: bool = False  # the subject disputes a record of this reason's event type


@dataclass(frozen=True)
class FactorBar:
    factor: str
    weight: float
    sub_score: float
    points: float
    best: float


@dataclass(frozen=True)
class Tip:
    """A change and the score it gives, recomputed by the scoring query."""

    text: str
    kind: str  # "add_event" or "time"
    gain: float
    new_score: float
    event_type: str | None = None
    event_values: dict[str, Any] | None = None  # amount and attributes of the added event
    as_of: str | None = None


@dataclass(frozen=True)
class Explanation:
    subject_kind: str
    model_id: str
    model_version: str
    as_of: str
    score: float | None
    tier: str | None
    percentile: float | None
    scale: tuple[float, float]
    unscorable_reason: str | None
    factors: list[FactorBar] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)  # declared ties that moved relationships
    # {record, description, event_type, status, statement}: disputed records that still count
    disputes: list[dict[str, str | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def disputed_lines(self) -> list[str]:
        """One line per disputed record, for text output."""
        return [f"{d['description']} ({d['record']}): disputed, {d['status']}"
                + (f'; the subject says: "{d["statement"]}"' if d["statement"] else "")
                for d in self.disputes]


def _hypothetical_event(rule: CompiledRule, store: Store) -> dict[str, Any]:
    """The least favourable event of the rule's type: its gain is a floor, never oversold."""
    etype = store.catalogue.get(rule.event_type)
    values: dict[str, Any] = {"amount": None}
    spec = rule.rule
    if spec.buckets is not None and spec.by is not None:
        lowest = min(spec.buckets, key=lambda b: b.points)
        value = (lowest.below - 1) if lowest.below is not None else 10**9
        values["amount" if spec.by == "amount" else spec.by] = max(value, 0)
    elif etype.amount.value == "required":
        values["amount"] = 0.0
    for name in etype.required:
        if name not in values or values[name] is None:
            attr = etype.attribute(name)
            if attr is not None and attr.values:
                values[name] = attr.values[0]
    return values


def _score_with_event(
    store: Store, rulebook: Rulebook, subject_key: int, as_of: date, rule: CompiledRule,
    values: dict[str, Any],
) -> float | None:
    columns = ["amount", *store.catalogue.attributes]
    literals = []
    for name in columns:
        value = values.get(name)
        sql_type = "DOUBLE" if name == "amount" else store.catalogue.attributes[name].sql_type
        literal = "NULL" if value is None else (
            f"'{value}'" if isinstance(value, str) else repr(value)
        )
        literals.append(f"CAST({literal} AS {sql_type}) AS {name}")
    store.con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {WHAT_IF_VIEW} AS
        SELECT * FROM scoring_events WHERE subject_key = {subject_key}
        UNION ALL BY NAME
        SELECT CAST(0 AS BIGINT) AS event_seq, 0 AS furnisher_id, 'what-if' AS event_id,
               {subject_key} AS subject_key, CAST('{rule.event_type}' AS event_type) AS event_type,
               CAST(DATE '{as_of.isoformat()}' AS TIMESTAMP) AS occurred_at,
               {', '.join(literals)}, 0 AS batch_id, current_timestamp AS recorded_at"""
    )
    row = score_subject(store, rulebook, subject_key, as_of, events=WHAT_IF_VIEW)
    return None if row["score"] is None else float(row["score"])


def explain(
    store: Store,
    rulebook: Rulebook,
    subject_key: int,
    as_of: date,
    *,
    horizons: tuple[int, ...] = (180, 365),
) -> Explanation:
    row = score_subject(store, rulebook, subject_key, as_of, detail=True)
    scale = (rulebook.spec.scale.min, rulebook.spec.scale.max)
    base = Explanation(
        subject_kind=str(row["subject_kind"]),
        model_id=rulebook.id,
        model_version=rulebook.version,
        as_of=as_of.isoformat(),
        score=row["score"],
        tier=row["tier"],
        percentile=row["percentile"],
        scale=scale,
        unscorable_reason=row["unscorable_reason"],
    )
    from xinyong.decisions._scores import shown_disputes

    base.disputes.extend(shown_disputes(store.con, subject_key))
    disputed_types = {d["event_type"] for d in base.disputes if d["event_type"] is not None}
    if row["score"] is None:
        return base
    score = float(row["score"])
    span = scale[1] - scale[0]
    for f in Factor:
        sub = float(row[f.value])
        if rulebook.method == "weighted":
            weight = rulebook.factor_weight(f)
            base.factors.append(FactorBar(f.value, weight, sub, span * weight * sub / 100,
                                          span * weight))
        else:
            best = sum(r.rule.best for r in rulebook.rules if r.factor == f)
            base.factors.append(FactorBar(f.value, 0.0, sub, sub, best))
    base.ties.extend(_ties(store, subject_key, as_of))
    sentences = rulebook.reason_sentences()
    for slot in range(1, 5):
        code = row[f"reason_{slot}"]
        if code:
            base.reasons.append(Reason(
                code, float(row[f"reason_{slot}_points"]), sentences[code],
                disputed=rulebook.rule_by_code(code).event_type in disputed_types))
    kind = base.subject_kind
    for rule in rulebook.rules:
        spec = rule.rule
        if not spec.tip or not spec.adds_points or kind not in rule.subject_kinds:
            continue
        if float(row[f"r_{spec.code.lower()}"]) >= rule.rule.best - 1e-9:
            continue
        values = _hypothetical_event(rule, store)
        new_score = _score_with_event(store, rulebook, subject_key, as_of, rule, values)
        if new_score is not None and new_score - score > 0.005:
            base.tips.append(
                Tip(spec.tip, "add_event", round(new_score - score, 6), new_score,
                    event_type=rule.event_type, event_values=values)
            )
    negatives = [
        r for r in rulebook.rules
        if not r.rule.adds_points and float(row[f"r_{r.rule.code.lower()}"]) < 0
    ]
    if negatives:
        names = ", ".join(sentences[r.rule.code].rstrip(".").lower() for r in negatives[:3])
        for days in horizons:
            later = as_of + timedelta(days=days)
            future = score_subject(store, rulebook, subject_key, later)
            if future["score"] is not None and float(future["score"]) - score > 0.005:
                gain = float(future["score"]) - score
                base.tips.append(
                    Tip(
                        f"Negative items fade with time ({names}). With nothing new going wrong "
                        f"and your other records as they are, by {later.isoformat()} your score "
                        f"would be {float(future['score']):.0f}.",
                        "time", round(gain, 6), float(future["score"]), as_of=later.isoformat(),
                    )
                )
    base.tips.sort(key=lambda t: -t.gain)
    return base


def _ties(store: Store, subject_key: int, as_of: date) -> list[str]:
    """One sentence per declared tie that moved the relationships factor, largest first."""
    from xinyong.scoring.network import describe

    cursor = store.con.execute(
        "SELECT * FROM relationship_contributions WHERE subject_key = ? AND as_of = ? "
        "ORDER BY abs(points) DESC", [subject_key, as_of])
    names = [d[0] for d in cursor.description]
    return [describe(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
