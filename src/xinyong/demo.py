"""``xinyong demo``: synthetic population → store → score → summary, with timings.

The demo runs the product's real paths (the store's bulk append, the compiled scoring SQL); only
the population is synthetic. Its outcome labels (a serious default in the 12 months after the
as-of date) are kept apart from the events and used for one thing: the score's AUC.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sklearn.metrics import roc_auc_score

from xinyong.scoring.engine import score_with_relationships
from xinyong.scoring.rulebook import Rulebook
from xinyong.simulate import generate_population
from xinyong.store import Store


@dataclass
class DemoSummary:
    persons: int
    orgs: int
    seed: int
    as_of: str
    model: str
    events_generated: int = 0
    events_accepted: int = 0
    events_duplicate: int = 0
    subjects: int = 0
    scored: int = 0
    unscorable: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    histogram: list[tuple[int, int]] = field(default_factory=list)
    top_reasons: list[tuple[str, int, str]] = field(default_factory=list)
    auc: float | None = None
    examples: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "persons": self.persons,
            "orgs": self.orgs,
            "seed": self.seed,
            "as_of": self.as_of,
            "model": self.model,
            "events": {
                "generated": self.events_generated,
                "accepted": self.events_accepted,
                "duplicates": self.events_duplicate,
            },
            "subjects": self.subjects,
            "scored": self.scored,
            "unscorable": self.unscorable,
            "tiers": self.tiers,
            "histogram": [{"from": lo, "count": n} for lo, n in self.histogram],
            "top_reasons": [
                {"code": c, "count": n, "sentence": s} for c, n, s in self.top_reasons
            ],
            "auc": self.auc,
            "examples": self.examples,
            "seconds": self.seconds,
        }


def run_demo(
    store: Store,
    rulebook: Rulebook,
    *,
    persons: int,
    orgs: int,
    seed: int,
    years: int = 3,
    stage: Callable[[str], Any] | None = None,
) -> DemoSummary:
    """Run the demo; ``stage(name)`` returns a context manager shown while a stage runs."""
    summary = DemoSummary(persons, orgs, seed, "", rulebook.id)

    @contextmanager
    def timed(name: str) -> Iterator[None]:
        started = time.perf_counter()
        if stage is None:
            yield
        else:
            with stage(name):
                yield
        summary.seconds[name] = round(time.perf_counter() - started, 3)

    with timed("simulate"):
        population = generate_population(persons, orgs, seed=seed, years=years)
    summary.as_of = population.as_of.isoformat()
    summary.events_generated = population.events.num_rows
    with timed("store"):
        appended = store.append_events(population.events, source=f"simulate seed={seed}")
        store.record_outcomes(population.subjects)
    summary.events_accepted = appended.accepted
    summary.events_duplicate = appended.duplicates
    with timed("score"):
        run = score_with_relationships(store, rulebook, population.as_of)
    summary.subjects, summary.scored = run.subjects, run.scored
    with timed("summarise"):
        _summarise(store, rulebook, population.as_of.isoformat(), summary, population)
    return summary


def _summarise(
    store: Store, rulebook: Rulebook, as_of: str, summary: DemoSummary, population: Any
) -> None:
    where = "model_id = ? AND model_version = ? AND as_of = ?"
    args = [rulebook.id, rulebook.version, as_of]
    tiers = dict(store.query(f"SELECT tier, COUNT(*) FROM scores WHERE {where} "
                             "AND tier IS NOT NULL GROUP BY tier", args))
    summary.tiers = {t.name: int(tiers.get(t.name, 0)) for t in rulebook.spec.tiers}
    summary.unscorable = {
        str(k): int(n)
        for k, n in store.query(
            f"SELECT unscorable_reason, COUNT(*) FROM scores WHERE {where} "
            "AND unscorable_reason IS NOT NULL GROUP BY 1 ORDER BY 1", args)
    }
    scale = rulebook.spec.scale
    width = 50.0 if scale.max - scale.min <= 1000 else 100.0
    summary.histogram = [
        (int(lo), int(n))
        for lo, n in store.query(
            f"SELECT FLOOR(score / {width}) * {width} AS lo, COUNT(*) FROM scores "
            f"WHERE {where} AND score IS NOT NULL GROUP BY lo ORDER BY lo", args)
    ]
    sentences = rulebook.reason_sentences()
    summary.top_reasons = [
        (str(code), int(n), sentences[str(code)])
        for code, n in store.query(
            f"""SELECT reason, COUNT(*) AS n FROM (
                  SELECT reason_1 AS reason FROM scores WHERE {where}) AS r
                WHERE reason IS NOT NULL GROUP BY reason ORDER BY n DESC, reason LIMIT 5""",
            args)
    ]
    labelled = store.query(
        f"""SELECT s.score, o.defaulted_12m FROM scores AS s
            JOIN synthetic_outcomes AS o USING (subject_key)
            WHERE {where.replace('model_id', 's.model_id')} AND s.score IS NOT NULL""", args)
    outcomes = [bool(d) for _, d in labelled]
    if labelled and 0 < sum(outcomes) < len(outcomes):
        # A higher score should mean a lower chance of default: AUC of −score against default.
        summary.auc = round(float(roc_auc_score(outcomes, [-float(s) for s, _ in labelled])), 4)
    # One example person per tier, by the ID a person would type (only the demo knows it).
    refs: dict[str, str] = {}
    for tier in summary.tiers:
        row = store.query(
            f"""SELECT sb.subject_ref FROM scores AS s JOIN subjects AS sb USING (subject_key)
                WHERE {where.replace('model_id', 's.model_id')} AND s.tier = ?
                  AND s.subject_kind = 'person' ORDER BY s.subject_key LIMIT 1""", [*args, tier])
        if row:
            refs[str(row[0][0])] = tier
    if refs:
        kinds = population.subjects["subject_kind"].to_pylist()
        ids = population.subjects["subject_id"].to_pylist()
        for kind, subject_id in zip(kinds, ids, strict=True):
            if kind == "person":
                ref = store.pseudonymiser.pseudonym(subject_id)
                if ref in refs:
                    summary.examples[refs.pop(ref)] = subject_id
                    if not refs:
                        break
