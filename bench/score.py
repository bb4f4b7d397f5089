"""Benchmark batch scoring: the compiled SQL against a pandas and a numpy implementation.

The product scores a population with one query (``xinyong.scoring.compile.scoring_sql``) on the
DuckDB store. This script measures it against what one would write by hand for the same rulebook:

1. it generates a synthetic event log with numpy, once, into ``bench/.data/`` as Parquet (keyed
   by size, seed, model and as-of), and builds a DuckDB store from it with the product's schema;
2. it runs three implementations of the same rulebook, each in a fresh child process so that the
   peak RSS it reports (``ru_maxrss``, loading included) is that implementation's own:

   ``sql``     the product path: ``CREATE TABLE out AS <scoring query>`` on the store;
   ``pandas``  vectorised DataFrame code: ``np.select`` for points, a two-key ``groupby`` sum,
               ``unstack``, ``clip`` for caps, ``groupby().rank`` for percentiles;
   ``numpy``   a single-threaded ``np.bincount`` reference over a (subjects x rules) matrix;

3. it checks on a sample of subjects that pandas and numpy agree with the SQL (score, tier and
   percentile within 1e-6, the same reason codes) and exits with status 1 when they do not;
4. it prints seconds, events/s and peak RSS, and the ratios against their targets.

Only the scoring is timed. Generating, building the store and reading Parquet are not.

    .venv/bin/python bench/score.py --events 2_000_000 --subjects 200_000
    .venv/bin/python bench/score.py --json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import numpy.typing as npt

from xinyong.catalog import Factor, default_catalogue
from xinyong.scoring.engine import EVENTS, SUBJECTS
from xinyong.scoring.rulebook import Rulebook, load_rulebook

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DATA_DIR = Path(__file__).resolve().parent / ".data"
GENERATOR_VERSION = 2  # bump when the generator changes, so that cached logs are not reused
IMPLEMENTATIONS = ("sql", "pandas", "numpy")
KINDS = ("person", "organisation")  # the order of the store's subject_kind ENUM
FACTORS = tuple(Factor)
UNSCORABLE = (None, "NO_EVENTS", "TOO_FEW_EVENTS", "HISTORY_TOO_SHORT")
REASON_SLOTS = 4
KEY_BASE = 64  # as in compile.py: a reason key is micro-points * 64 + (63 - rule index)
US_PER_DAY = 86_400_000_000
TOLERANCE = 1e-6 + 1e-9  # 1e-6, plus room for the double nearest to it
ORGANISATION_SHARE = 0.10
HISTORY_DAYS = 3 * 365  # the log spans three years before as-of ...
FUTURE_DAYS = 7  # ... and a week after it, which every implementation must leave out
BUSY_LOAD = 0.5  # a 1-minute load average above this before a run means shared cores
TARGETS = {"sql_vs_pandas_rate": 3.0, "sql_vs_numpy_rate": 0.5, "sql_vs_pandas_rss": 1.0}

# Relative frequency of each event type in the synthetic log. Routine conduct (bills, purchases,
# supplier invoices, instalments) dominates; verifications are occasional; adverse events rare.
# A type the rulebook scores but this table does not name gets RARE.
FREQUENCY: dict[str, float] = {
    "purchase.completed": 40.0,
    "bill.paid_on_time": 30.0,
    "supplier.paid_on_time": 25.0,
    "loan.repaid_on_time": 10.0,
    "bill.paid_late": 2.0,
    "contract.fulfilled": 2.0,
    "inquiry.hard": 1.5,
    "tax.filed_on_time": 1.5,
    "supplier.paid_late": 1.5,
    "income.verified": 1.2,
    "employment.verified": 0.8,
    "payment.autopay_enrolled": 0.8,
    "identity.verified": 0.8,
    "phone.verified": 0.8,
    "loan.repaid_late": 0.6,
    "deposit.returned": 0.6,
    "address.verified": 0.6,
    "annual_report.filed": 0.6,
    "asset.verified": 0.5,
    "education.verified": 0.3,
    "contract.breached": 0.1,
    "tax.arrears": 0.1,
    "loan.defaulted": 0.08,
    "deposit.forfeited": 0.08,
    "regulatory.penalty": 0.05,
    "annual_report.missing": 0.05,
    "court.judgment_against": 0.03,
}
RARE = 0.1

# Amounts as a log-normal (median, log-sd) per type; a type not named here carries no amount.
# The medians put the rulebook's amount buckets (income, assets, defaults, arrears) in play.
AMOUNTS: dict[str, tuple[float, float]] = {
    "bill.paid_on_time": (120.0, 0.8),
    "bill.paid_late": (120.0, 0.8),
    "loan.repaid_on_time": (800.0, 0.7),
    "loan.repaid_late": (800.0, 0.7),
    "loan.defaulted": (4_000.0, 1.3),
    "contract.fulfilled": (5_000.0, 1.2),
    "contract.breached": (5_000.0, 1.2),
    "court.judgment_against": (10_000.0, 1.2),
    "tax.filed_on_time": (20_000.0, 1.5),
    "tax.arrears": (25_000.0, 1.5),
    "regulatory.penalty": (20_000.0, 1.0),
    "supplier.paid_on_time": (3_000.0, 1.2),
    "supplier.paid_late": (3_000.0, 1.2),
    "income.verified": (6_000.0, 0.7),
    "asset.verified": (80_000.0, 1.5),
    "purchase.completed": (60.0, 1.0),
    "deposit.returned": (1_500.0, 0.8),
    "deposit.forfeited": (1_500.0, 0.8),
}
MEAN_DAYS_PAST_DUE = 30.0


def stage(message: str) -> None:
    print(f"[score {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Timer:
    """Best wall-clock time over repeats, and the CPU time (all threads) of that repeat.

    CPU time tells work from waiting: on a machine whose cores other processes share, wall time
    grows but CPU time barely does.
    """

    def __init__(self) -> None:
        self.seconds = math.inf
        self.cpu_seconds = math.inf

    @contextmanager
    def measure(self) -> Iterator[None]:
        cpu = _cpu_seconds()
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        if seconds < self.seconds:
            self.seconds, self.cpu_seconds = seconds, _cpu_seconds() - cpu


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the plan every child process receives ---------------------------------------------------


@dataclass(frozen=True)
class Plan:
    model: str
    events: int
    subjects: int
    seed: int
    as_of: date
    folder: Path
    repeat: int
    sample: tuple[int, ...]
    explain: bool

    @property
    def events_file(self) -> Path:
        return self.folder / "events.parquet"

    @property
    def subjects_file(self) -> Path:
        return self.folder / "subjects.parquet"

    @property
    def database(self) -> Path:
        import duckdb

        from xinyong.store import _schema

        schema = Path(_schema.__file__).read_bytes() + "|".join(default_catalogue().types).encode()
        digest = hashlib.sha256(schema).hexdigest()[:10]
        return self.folder / f"store-duckdb{duckdb.__version__}-{digest}.duckdb"


class Outcome(TypedDict):
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    scored: int
    sample: dict[int, tuple[Any, ...]]


# -- the rulebook as arrays, shared by the pandas and numpy implementations --------------------


@dataclass(frozen=True)
class RuleTable:
    """One entry per rule, in rulebook order (the reason tie-break), plus the scale and tiers."""

    event_types: tuple[str, ...]
    codes: tuple[str, ...]
    expiry: IntArray
    decay: FloatArray  # k with weight exp(k * age); 0 when the rule does not decay
    points: FloatArray  # NaN for a bucketed rule
    by: tuple[str | None, ...]
    bounds: tuple[FloatArray, ...]  # finite 'below' bounds of a bucketed rule
    bucket_points: tuple[FloatArray, ...]
    cap_lo: FloatArray
    cap_hi: FloatArray
    best: FloatArray
    weight: FloatArray  # score points per rule point
    factor_of: IntArray
    applies: BoolArray  # (kinds, rules): may the rule be a reason for a subject of that kind
    weighted: bool
    neutral: FloatArray  # per factor
    coef: FloatArray  # per factor: score points per sub-score point
    scale_min: float
    scale_max: float
    start: float
    tier_mins: FloatArray
    tier_names: tuple[str, ...]
    min_events: int
    history_days: int

    @classmethod
    def of(cls, rulebook: Rulebook) -> RuleTable:
        spec = rulebook.spec
        rules = rulebook.rules
        span = spec.scale.max - spec.scale.min
        weighted = rulebook.method == "weighted"

        def floats(values: list[float]) -> FloatArray:
            return np.array(values, dtype=np.float64)

        return cls(
            event_types=tuple(r.event_type for r in rules),
            codes=tuple(r.rule.code for r in rules),
            expiry=np.array([r.rule.expiry_days for r in rules], dtype=np.int64),
            decay=floats(
                [
                    -math.log(2.0) / r.rule.half_life_days if r.rule.half_life_days else 0.0
                    for r in rules
                ]
            ),
            points=floats([math.nan if r.rule.points is None else r.rule.points for r in rules]),
            by=tuple(r.rule.by for r in rules),
            bounds=tuple(
                floats([b.below for b in r.rule.buckets or () if b.below is not None])
                for r in rules
            ),
            bucket_points=tuple(floats([b.points for b in r.rule.buckets or ()]) for r in rules),
            cap_lo=floats(
                [r.rule.cap if r.rule.cap is not None and r.rule.cap < 0 else -math.inf
                 for r in rules]
            ),
            cap_hi=floats(
                [r.rule.cap if r.rule.cap is not None and r.rule.cap > 0 else math.inf
                 for r in rules]
            ),
            best=floats([r.rule.best for r in rules]),
            weight=floats([r.score_weight for r in rules]),
            factor_of=np.array([FACTORS.index(r.factor) for r in rules], dtype=np.int64),
            applies=np.array([[k in r.subject_kinds for r in rules] for k in KINDS], dtype=bool),
            weighted=weighted,
            neutral=floats(
                [spec.factors[f].neutral if f in spec.factors else 0.0 for f in FACTORS]
            ),
            coef=floats([span * rulebook.factor_weight(f) / 100 if weighted else 0.0
                         for f in FACTORS]),
            scale_min=spec.scale.min,
            scale_max=spec.scale.max,
            start=spec.scale.start or 0.0,
            tier_mins=floats([t.min for t in spec.tiers]),
            tier_names=tuple(t.name for t in spec.tiers),
            min_events=spec.minimum_data.events,
            history_days=spec.minimum_data.history_days,
        )

    @property
    def size(self) -> int:
        return len(self.codes)

    def of_types(self, names: list[str]) -> tuple[IntArray, IntArray]:
        """Rule index and expiry per event type name; -1 for types the rulebook ignores."""
        index = {t: i for i, t in enumerate(self.event_types)}
        rule = np.array([index.get(n, -1) for n in names], dtype=np.int64)
        expiry = np.where(rule >= 0, self.expiry[np.maximum(rule, 0)], -1)
        return rule, expiry


def round_half_away(values: Any, decimals: int = 0) -> Any:
    """DuckDB's ROUND: halves go away from zero (numpy's round goes to even)."""
    scale = 10.0**decimals
    return np.copysign(np.floor(np.abs(values) * scale + 0.5), values) / scale


# -- the synthetic event log -------------------------------------------------------------------


def generate(plan: Plan) -> None:
    """Write ``events.parquet`` and ``subjects.parquet`` for the plan, sorted by time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(plan.seed)
    rulebook = load_rulebook(plan.model)
    type_names = list(default_catalogue().types)  # the event_type ENUM order
    n, s = plan.events, plan.subjects

    is_org = rng.random(s) < ORGANISATION_SHARE
    # Activity varies a lot between subjects (some have too few events to be scored);
    # organisations report more than people.
    activity = rng.gamma(1.5, 1.0, s) * np.where(is_org, 3.0, 1.0)
    cumulative = np.cumsum(activity)
    subject = np.searchsorted(cumulative, rng.random(n) * cumulative[-1], side="right")
    subject = np.minimum(subject, s - 1).astype(np.int32)
    del cumulative, activity

    codes = np.empty(n, dtype=np.int8)
    event_is_org = is_org[subject]
    for kind, members in (("person", ~event_is_org), ("organisation", event_is_org)):
        types = [r.event_type for r in rulebook.rules if kind in r.subject_kinds]
        weights = np.array([FREQUENCY.get(t, RARE) for t in types])
        draws = rng.choice(len(types), size=int(members.sum()), p=weights / weights.sum())
        codes[members] = np.array([type_names.index(t) for t in types], dtype=np.int8)[draws]
    del event_is_org

    # An append-only log is in time order, so subjects arrive in no particular order.
    start = datetime.combine(plan.as_of - timedelta(days=HISTORY_DAYS), datetime.min.time())
    start_us = int(np.datetime64(start, "us").astype(np.int64))
    span_us = (HISTORY_DAYS + 1 + FUTURE_DAYS) * US_PER_DAY
    occurred = np.sort(rng.integers(0, span_us, n, dtype=np.int64)) + start_us

    amount = np.full(n, np.nan)
    for name, (median, sigma) in AMOUNTS.items():
        if name not in type_names:
            continue
        members = codes == type_names.index(name)
        count = int(members.sum())
        if count:
            amount[members] = np.round(rng.lognormal(math.log(median), sigma, count), 2)

    overdue_types = [t.name for t in default_catalogue() if t.attribute("days_past_due")]
    late = np.isin(codes, [type_names.index(t) for t in overdue_types])
    days_past_due = np.zeros(n, dtype=np.int32)
    days_late = 1 + np.floor(rng.exponential(MEAN_DAYS_PAST_DUE, int(late.sum())))
    days_past_due[late] = np.minimum(days_late, 3650).astype(np.int32)

    events = pa.table(
        {
            "subject_key": pa.array(subject + 1),  # store keys start at 1
            "event_type": pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(type_names)),
            "occurred_at": pa.array(occurred.view("datetime64[us]")),
            "amount": pa.array(amount, from_pandas=True),  # NaN -> null
            "days_past_due": pa.array(days_past_due, mask=~late),
        }
    )
    del subject, codes, occurred, amount, days_past_due, late
    subjects = pa.table(
        {
            "subject_key": pa.array(np.arange(1, s + 1, dtype=np.int32)),
            "kind": pa.DictionaryArray.from_arrays(
                pa.array(is_org.astype(np.int8)), pa.array(list(KINDS))
            ),
        }
    )
    plan.folder.mkdir(parents=True, exist_ok=True)
    for table, path in ((subjects, plan.subjects_file), (events, plan.events_file)):
        partial = path.with_suffix(".partial")
        pq.write_table(table, partial, row_group_size=1 << 20)
        partial.replace(path)


def build_store(plan: Plan) -> None:
    """A DuckDB store with the product's schema, filled from the Parquet log."""
    import duckdb

    from xinyong.store._schema import migrate

    database = plan.database
    partial = database.with_suffix(".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(partial))
    migrate(con, default_catalogue())
    events, subjects = (str(p).replace("'", "''") for p in (plan.events_file, plan.subjects_file))
    con.execute("INSERT INTO furnishers (furnisher_id, name) VALUES (1, 'bench')")
    con.execute(
        "INSERT INTO batches (batch_id, source, rows, accepted, duplicates) "
        "VALUES (1, 'bench/score.py', ?, ?, 0)",
        [plan.events, plan.events],
    )
    con.execute(
        "INSERT INTO subjects (subject_key, kind, subject_ref) "
        "SELECT subject_key, CAST(kind AS subject_kind), 'bench-' || subject_key "
        f"FROM read_parquet('{subjects}')"
    )
    con.execute(
        "INSERT INTO events (event_seq, furnisher_id, event_id, subject_key, event_type, "
        "occurred_at, amount, days_past_due, batch_id, recorded_at) "
        "SELECT file_row_number + 1, 1, 'bench-' || file_row_number, subject_key, "
        "CAST(event_type AS event_type), occurred_at, amount, days_past_due, 1, "
        "occurred_at + INTERVAL 1 DAY "
        f"FROM read_parquet('{events}', file_row_number = true)"
    )
    con.execute("CHECKPOINT")
    con.close()
    partial.replace(database)


def prepare(plan: Plan) -> None:
    if plan.events_file.exists() and plan.subjects_file.exists():
        stage(f"reusing the event log in {plan.folder}")
    else:
        stage(f"generating {plan.events:,} events over {plan.subjects:,} subjects")
        generate(plan)
    if plan.database.exists():
        stage(f"reusing the store {plan.database.name}")
    else:
        stage(f"building the DuckDB store {plan.database.name} (not timed)")
        build_store(plan)


# -- sql: the product path ---------------------------------------------------------------------


def run_sql(plan: Plan) -> tuple[Timer, int, dict[int, tuple[Any, ...]]]:
    import duckdb

    from xinyong.scoring.compile import ScoringQuery, scoring_sql

    rulebook = load_rulebook(plan.model)
    # the product path: the views that drop voided events and subjects who opted out
    sql = scoring_sql(rulebook, ScoringQuery(as_of=plan.as_of, events=EVENTS, subjects=SUBJECTS))
    con = duckdb.connect(str(plan.database))
    timer = Timer()
    for _ in range(plan.repeat):
        con.execute("DROP TABLE IF EXISTS out")
        with timer.measure():
            con.execute(f"CREATE TABLE out AS {sql}")
    row = con.execute("SELECT COUNT(score) FROM out").fetchone()
    scored = int(row[0]) if row else 0
    reasons = ", ".join(f"reason_{i}" for i in range(1, REASON_SLOTS + 1))
    points = ", ".join(f"reason_{i}_points" for i in range(1, REASON_SLOTS + 1))
    rows = con.execute(
        f"SELECT subject_key, score, tier, percentile, [{reasons}], [{points}], "
        "unscorable_reason, n_events FROM out WHERE subject_key IN (SELECT UNNEST(?))",
        [list(plan.sample)],
    ).fetchall()
    sample = {
        int(key): (score, tier, pct, tuple(codes), tuple(pts), reason, int(n))
        for key, score, tier, pct, codes, pts, reason, n in rows
    }
    if plan.explain:
        profile = con.execute(f"EXPLAIN ANALYZE {sql}").fetchall()
        print(profile[0][1], file=sys.stderr)
    con.execute("DROP TABLE out")
    con.execute("CHECKPOINT")
    con.close()
    return timer, scored, sample


# -- results of the reference implementations ---------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """A whole population's scores as arrays, one row per subject."""

    subject_key: npt.NDArray[Any]
    score: FloatArray  # NaN when unscorable
    tier: IntArray
    percentile: FloatArray
    reason: IntArray  # (subjects, 4) rule index, -1 for an empty slot
    reason_points: FloatArray  # (subjects, 4)
    unscorable: npt.NDArray[Any]  # index into UNSCORABLE
    n_events: npt.NDArray[Any]

    def sample(self, keys: tuple[int, ...], table: RuleTable) -> dict[int, tuple[Any, ...]]:
        """The sampled subjects in the shape the SQL rows are read in."""
        position = {int(k): i for i, k in enumerate(self.subject_key)}
        rows: dict[int, tuple[Any, ...]] = {}
        for key in keys:
            i = position[key]
            if self.unscorable[i]:
                empty = (None,) * REASON_SLOTS
                rows[key] = (None, None, None, empty, empty, UNSCORABLE[self.unscorable[i]],
                             int(self.n_events[i]))
                continue
            slots = self.reason[i]
            rows[key] = (
                float(self.score[i]),
                table.tier_names[self.tier[i]],
                float(self.percentile[i]),
                tuple(table.codes[j] if j >= 0 else None for j in slots),
                tuple(float(p) if j >= 0 else None for j, p in
                      zip(slots, self.reason_points[i], strict=True)),
                None,
                int(self.n_events[i]),
            )
        return rows


def top_reasons(capped: FloatArray, kind: npt.NDArray[Any], table: RuleTable
                ) -> tuple[IntArray, FloatArray]:
    """Up to four rules per subject by score points lost, ties to the lower rule index.

    Lost points are rounded to micro-points first, exactly as the SQL does, and packed with the
    rule index into one integer key so that one ``np.partition`` finds the top four.
    """
    lost = table.best - capped
    lost *= table.weight
    lost *= 1e6
    micro = round_half_away(lost)
    del lost
    keys = micro.astype(np.int64)
    keys *= KEY_BASE
    keys += KEY_BASE - 1 - np.arange(table.size)
    keys[(micro <= 0) | ~table.applies[kind]] = -1
    del micro
    slots = min(REASON_SLOTS, table.size)
    top = np.partition(keys, table.size - slots, axis=1)[:, table.size - slots:]
    top = np.sort(top, axis=1)[:, ::-1]
    reason = np.where(top >= 0, KEY_BASE - 1 - top % KEY_BASE, -1)
    points = np.where(top >= 0, round_half_away((top // KEY_BASE) / 1e6, 6), np.nan)
    if slots < REASON_SLOTS:
        pad = REASON_SLOTS - slots
        reason = np.pad(reason, ((0, 0), (0, pad)), constant_values=-1)
        points = np.pad(points, ((0, 0), (0, pad)), constant_values=np.nan)
    return reason, points


# -- pandas ------------------------------------------------------------------------------------


def score_pandas(events: pd.DataFrame, subjects: pd.DataFrame, table: RuleTable, as_of: date
                 ) -> pd.DataFrame:
    import pandas as pd

    age = (pd.Timestamp(as_of) - events["occurred_at"].dt.floor("D")).dt.days.to_numpy()
    event_type = events["event_type"].cat
    rule_of_type, expiry_of_type = table.of_types(list(event_type.categories))
    type_code = event_type.codes.to_numpy()
    rule = rule_of_type[type_code]
    counted_mask = (rule >= 0) & (age >= 0) & (age <= expiry_of_type[type_code])
    attributes = sorted({b for b in table.by if b is not None})
    counted = events.loc[counted_mask, ["subject_key", *attributes]].assign(
        rule=rule[counted_mask], age=age[counted_mask]
    )
    rule = counted["rule"].to_numpy()

    conditions: list[BoolArray] = []
    choices: list[float] = []
    for j in range(table.size):
        is_rule = rule == j
        by = table.by[j]
        if by is not None:
            value = counted[by].to_numpy()
            for below, points in zip(table.bounds[j], table.bucket_points[j], strict=False):
                conditions.append(is_rule & (value < below))
                choices.append(float(points))
            # A missing attribute (NaN compares false) falls in the last bucket.
            choices.append(float(table.bucket_points[j][-1]))
        else:
            choices.append(float(table.points[j]))
        conditions.append(is_rule)
    points = np.select(conditions, choices, default=0.0)
    del conditions
    counted["contribution"] = points * np.exp(table.decay[rule] * counted["age"].to_numpy())

    keys = subjects["subject_key"]
    sums = (
        counted.groupby(["subject_key", "rule"])["contribution"].sum()
        .unstack("rule", fill_value=0.0)
        .reindex(index=keys, columns=range(table.size), fill_value=0.0)
    )
    per_subject = counted.groupby("subject_key")["age"].agg(["size", "max"]).reindex(keys)
    del counted
    n_events = per_subject["size"].fillna(0).astype("int64")
    capped = sums.clip(
        lower=pd.Series(table.cap_lo, index=sums.columns),
        upper=pd.Series(table.cap_hi, index=sums.columns),
        axis=1,
    )
    del sums
    subs = [capped.iloc[:, np.flatnonzero(table.factor_of == f)].sum(axis=1)
            for f in range(len(FACTORS))]
    if table.weighted:
        raw = pd.Series(table.scale_min, index=capped.index)
        for f, sub in enumerate(subs):
            raw = raw + table.coef[f] * (table.neutral[f] + sub).clip(0.0, 100.0)
    else:
        raw = table.start + capped.sum(axis=1)
    score = round_half_away(raw.clip(table.scale_min, table.scale_max), 6)

    unscorable = np.select(
        [n_events.to_numpy() == 0, n_events.to_numpy() < table.min_events,
         per_subject["max"].to_numpy() < table.history_days],
        [1, 2, 3],
        default=0,
    )
    ok = unscorable == 0
    tier = pd.cut(score, bins=[-np.inf, *table.tier_mins[1:], np.inf], right=False, labels=False)
    kind = subjects["kind"].cat.codes.to_numpy()
    reason, reason_points = top_reasons(capped.to_numpy(), kind, table)

    scorable = score.where(ok)
    by_kind = scorable.groupby(kind)
    rank = by_kind.rank(method="min")
    count = by_kind.transform("count")
    percentile = round_half_away(100.0 * ((rank - 1) / (count - 1)), 6).where(count > 1, 0.0)

    result = pd.DataFrame(
        {"subject_key": keys.to_numpy(), "score": scorable.to_numpy(), "tier": tier.to_numpy(),
         "percentile": percentile.to_numpy(), "unscorable": unscorable,
         "n_events": n_events.to_numpy()}
    )
    for slot in range(REASON_SLOTS):
        result[f"reason_{slot + 1}"] = reason[:, slot]
        result[f"reason_{slot + 1}_points"] = reason_points[:, slot]
    return result


def run_pandas(plan: Plan) -> tuple[Timer, int, dict[int, tuple[Any, ...]]]:
    import pandas as pd

    table = RuleTable.of(load_rulebook(plan.model))
    events = pd.read_parquet(plan.events_file)
    subjects = pd.read_parquet(plan.subjects_file)
    timer = Timer()
    result = None
    for _ in range(plan.repeat):
        result = None
        with timer.measure():
            result = score_pandas(events, subjects, table, plan.as_of)
    assert result is not None
    scores = Scores(
        subject_key=result["subject_key"].to_numpy(),
        score=result["score"].to_numpy(),
        tier=result["tier"].fillna(0).to_numpy().astype(np.int64),
        percentile=result["percentile"].to_numpy(),
        reason=result[[f"reason_{i}" for i in range(1, REASON_SLOTS + 1)]].to_numpy(),
        reason_points=result[[f"reason_{i}_points" for i in range(1, REASON_SLOTS + 1)]]
        .to_numpy(),
        unscorable=result["unscorable"].to_numpy(),
        n_events=result["n_events"].to_numpy(),
    )
    return timer, int(result["score"].notna().sum()), scores.sample(plan.sample, table)


# -- numpy -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventArrays:
    subject: npt.NDArray[np.int32]  # subject_key - 1, a row of the subjects arrays
    type_code: npt.NDArray[np.int8]
    type_names: list[str]
    occurred_us: IntArray
    attributes: dict[str, FloatArray]  # amount, days_past_due: NaN when missing


def score_numpy(events: EventArrays, kind: npt.NDArray[np.int8], table: RuleTable, as_of: date
                ) -> Scores:
    n_subjects, n_rules = kind.size, table.size
    as_of_day = (as_of - date(1970, 1, 1)).days
    age = as_of_day - events.occurred_us // US_PER_DAY
    rule_of_type, expiry_of_type = table.of_types(events.type_names)
    counted = np.flatnonzero((age >= 0) & (age <= expiry_of_type[events.type_code]))
    subject = events.subject[counted].astype(np.int64)
    rule = rule_of_type[events.type_code[counted]]
    age = age[counted]

    points = table.points[rule]
    bucketed = np.flatnonzero(np.isnan(points))
    for j in np.flatnonzero(np.isnan(table.points)):
        at = bucketed[rule[bucketed] == j]
        by = table.by[j]
        assert by is not None
        value = events.attributes[by][counted[at]]
        # The first bucket whose bound the value is under; NaN sorts last: the last bucket.
        points[at] = table.bucket_points[j][np.searchsorted(table.bounds[j], value, "right")]
    contribution = points * np.exp(table.decay[rule] * age)
    del points

    sums = np.bincount(subject * n_rules + rule, weights=contribution, minlength=n_subjects * n_rules)
    capped: FloatArray = sums.astype(np.float64, copy=False).reshape(n_subjects, n_rules)
    del contribution, rule, sums
    n_events = np.bincount(subject, minlength=n_subjects)
    long_enough = np.bincount(subject[age >= table.history_days], minlength=n_subjects) > 0
    del subject, age
    np.minimum(capped, table.cap_hi, out=capped)
    np.maximum(capped, table.cap_lo, out=capped)

    membership = np.zeros((n_rules, len(FACTORS)))
    membership[np.arange(n_rules), table.factor_of] = 1.0
    subs = capped @ membership
    if table.weighted:
        subs += table.neutral
        np.clip(subs, 0.0, 100.0, out=subs)
        raw = table.scale_min + subs @ table.coef
    else:
        raw = table.start + capped.sum(axis=1)
    score = round_half_away(np.clip(raw, table.scale_min, table.scale_max), 6)

    unscorable = np.zeros(n_subjects, dtype=np.int8)
    unscorable[~long_enough] = 3
    unscorable[n_events < table.min_events] = 2
    unscorable[n_events == 0] = 1
    ok = unscorable == 0
    score[~ok] = np.nan
    tier = np.maximum(np.searchsorted(table.tier_mins, score, side="right") - 1, 0)
    reason, reason_points = top_reasons(capped, kind, table)

    percentile = np.full(n_subjects, np.nan)
    for k in range(len(KINDS)):
        members = np.flatnonzero(ok & (kind == k))
        if members.size <= 1:
            percentile[members] = 0.0
            continue
        values = score[members]
        below = np.searchsorted(np.sort(values), values, side="left")
        percentile[members] = round_half_away(100.0 * (below / (members.size - 1)), 6)
    return Scores(np.arange(1, n_subjects + 1), score, tier, percentile, reason, reason_points,
                  unscorable, n_events)


def run_numpy(plan: Plan) -> tuple[Timer, int, dict[int, tuple[Any, ...]]]:
    import pyarrow.parquet as pq

    table = RuleTable.of(load_rulebook(plan.model))
    subjects = pq.read_table(plan.subjects_file)
    keys = subjects["subject_key"].to_numpy()
    if not np.array_equal(keys, np.arange(1, keys.size + 1)):
        raise SystemExit("the numpy reference needs dense subject keys 1..n in order")
    kind_names = subjects["kind"].combine_chunks().dictionary.to_pylist()
    kind = np.array([KINDS.index(k) for k in kind_names], dtype=np.int8)[
        subjects["kind"].combine_chunks().indices.to_numpy()
    ]

    def column(name: str) -> Any:
        return pq.read_table(plan.events_file, columns=[name])[name]

    event_type = pq.read_table(plan.events_file, columns=["event_type"]).unify_dictionaries()
    chunks = event_type["event_type"].chunks
    events = EventArrays(
        subject=(column("subject_key").to_numpy() - 1).astype(np.int32),
        type_code=np.concatenate([c.indices.to_numpy() for c in chunks]).astype(np.int8),
        type_names=chunks[0].dictionary.to_pylist(),
        occurred_us=column("occurred_at").to_numpy().view(np.int64),
        attributes={
            name: column(name).to_numpy().astype(np.float64)
            for name in sorted({b for b in table.by if b is not None})
        },
    )
    del event_type, chunks
    timer = Timer()
    scores = None
    for _ in range(plan.repeat):
        scores = None
        with timer.measure():
            scores = score_numpy(events, kind, table, plan.as_of)
    assert scores is not None
    return timer, int((scores.unscorable == 0).sum()), scores.sample(plan.sample, table)


# -- running the implementations in child processes -------------------------------------------


RUNNERS = {"sql": run_sql, "pandas": run_pandas, "numpy": run_numpy}


def run_child(name: str, plan: Plan) -> Outcome:
    """Entry point of a child process: one implementation, timed, with its own peak RSS."""
    timer, scored, sample = RUNNERS[name](plan)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return Outcome(seconds=timer.seconds, cpu_seconds=timer.cpu_seconds,
                   peak_rss_mb=peak_kib * 1024 / 1e6, scored=scored, sample=sample)


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """A spawned child inherits the environment: its numpy then runs BLAS on one thread."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {n: os.environ.get(n) for n in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        yield
    finally:
        for n, value in saved.items():
            if value is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = value


def in_child(function: Any, *args: Any) -> Any:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


# -- comparing and reporting -------------------------------------------------------------------


def disagreements(reference: dict[int, tuple[Any, ...]], other: dict[int, tuple[Any, ...]]
                  ) -> list[str]:
    """One line per sampled subject on which ``other`` does not match ``reference``."""

    def close(a: float | None, b: float | None) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return abs(a - b) <= TOLERANCE

    names = ("score", "tier", "percentile", "reasons", "reason points", "unscorable", "n_events")
    lines = []
    for key, want in reference.items():
        got = other.get(key)
        if got is None:
            lines.append(f"subject {key}: missing")
            continue
        same = (
            close(want[0], got[0]) and want[1] == got[1] and close(want[2], got[2])
            and want[3] == got[3]
            and all(close(a, b) for a, b in zip(want[4], got[4], strict=True))
            and want[5] == got[5] and want[6] == got[6]
        )
        if not same:
            diff = [f"{n}: {w!r} != {g!r}" for n, w, g in zip(names, want, got, strict=True)
                    if w != g]
            lines.append(f"subject {key}: " + "; ".join(diff))
    return lines


def figures(plan: Plan, outcomes: dict[str, Outcome]) -> list[dict[str, Any]]:
    cores = os.cpu_count()
    rate = {n: plan.events / o["seconds"] for n, o in outcomes.items()}
    rows: list[dict[str, Any]] = []
    for name, o in outcomes.items():
        for figure, value, unit in ((f"{name}_seconds", o["seconds"], "s"),
                                    (f"{name}_cpu_seconds", o["cpu_seconds"], "s"),
                                    (f"{name}_rate", rate[name], "events/s"),
                                    (f"{name}_peak_rss", o["peak_rss_mb"], "MB")):
            rows.append({"name": figure, "value": value, "unit": unit, "reference": None,
                         "reference_value": None, "ratio": None, "target": None, "cores": cores})
    pairs = (("sql_vs_pandas_rate", "pandas", rate, "events/s", ">="),
             ("sql_vs_numpy_rate", "numpy", rate, "events/s", ">="),
             ("sql_vs_pandas_rss", "pandas",
              {n: o["peak_rss_mb"] for n, o in outcomes.items()}, "MB", "<="))
    for figure, reference, values, unit, direction in pairs:
        if "sql" in values and reference in values:
            rows.append({"name": figure, "value": values["sql"], "unit": unit,
                         "reference": reference, "reference_value": values[reference],
                         "ratio": values["sql"] / values[reference],
                         "target": f"{direction} {TARGETS[figure]:g}", "cores": cores})
    return rows


def print_table(plan: Plan, outcomes: dict[str, Outcome], rows: list[dict[str, Any]]) -> None:
    print(f"batch scoring, model {plan.model}, {plan.events:,} events, {plan.subjects:,} "
          f"subjects, as of {plan.as_of}, best of {plan.repeat}")
    print(f"{'implementation':<16}{'seconds':>10}{'events/s':>14}{'peak RSS (MB)':>16}"
          f"{'CPU seconds':>14}{'scored':>12}")
    for name, o in outcomes.items():
        print(f"{name:<16}{o['seconds']:>10.2f}{plan.events / o['seconds']:>14,.0f}"
              f"{o['peak_rss_mb']:>16,.0f}{o['cpu_seconds']:>14.2f}{o['scored']:>12,}")
    labels = {"sql_vs_pandas_rate": "sql rate / pandas rate",
              "sql_vs_numpy_rate": "sql rate / numpy rate",
              "sql_vs_pandas_rss": "sql peak RSS / pandas peak RSS"}
    for row in rows:
        if row["ratio"] is None:
            continue
        direction, target = row["target"].split()
        met = row["ratio"] >= float(target) if direction == ">=" else row["ratio"] <= float(target)
        print(f"{labels[row['name']]:<34}{row['ratio']:>8.2f}   target {row['target']:<6}"
              f"  {'met' if met else 'MISSED'}")
    print(f"cores {os.cpu_count()}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time batch scoring of one rulebook three ways (the product's SQL on DuckDB, "
        "pandas, numpy), each in its own process, check they agree, and print rates, peak memory "
        "and the ratios against their targets. Only the scoring is timed.",
    )
    parser.add_argument("--events", type=int, default=50_000_000,
                        help="events in the synthetic log (default 50_000_000; 2_000_000 for a "
                        "quick run)")
    parser.add_argument("--subjects", type=int, default=5_000_000,
                        help="subjects the events are spread over, 90%% people and 10%% "
                        "organisations (default 5_000_000)")
    parser.add_argument("--model", default="sesame-like",
                        help="rulebook to score with: a shipped id or a .toml path "
                        "(default sesame-like)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator (default 7)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30),
                        help="scoring date, YYYY-MM-DD; the log spans three years before it "
                        "and a week after (default 2025-06-30)")
    parser.add_argument("--only", default=",".join(IMPLEMENTATIONS),
                        help="comma-separated implementations to run (default sql,pandas,numpy)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each implementation this many times in its process and keep "
                        "the best (default 1)")
    parser.add_argument("--sample", type=int, default=1000,
                        help="subjects on which pandas and numpy are checked against the SQL "
                        "(default 1000)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help=f"cache of generated logs and stores (default {DATA_DIR})")
    parser.add_argument("--explain", action="store_true",
                        help="after timing, print DuckDB's EXPLAIN ANALYZE of the query to stderr "
                        "(its memory counts in the sql peak RSS)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per figure (name, value, unit, reference, "
                        "reference_value, ratio, target, cores) instead of the table")
    args = parser.parse_args(argv)
    only = tuple(n.strip() for n in args.only.split(",") if n.strip())
    unknown = sorted(set(only) - set(IMPLEMENTATIONS))
    if unknown or not only:
        parser.error(f"--only takes some of {', '.join(IMPLEMENTATIONS)}; got {args.only!r}")
    if args.events < 1 or args.subjects < 1 or args.repeat < 1 or args.sample < 0:
        parser.error("--events, --subjects and --repeat must be positive, --sample not negative")
    args.only = only
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rulebook = load_rulebook(args.model)  # fail early on an unknown model
    key = (f"{rulebook.id}-{args.events}e-{args.subjects}s-seed{args.seed}-{args.as_of}"
           f"-g{GENERATOR_VERSION}")
    sample_size = min(args.sample, args.subjects)
    sample = np.random.default_rng(args.seed + 1).choice(args.subjects, sample_size,
                                                         replace=False) + 1
    plan = Plan(model=args.model, events=args.events, subjects=args.subjects, seed=args.seed,
                as_of=args.as_of, folder=args.data_dir / key, repeat=args.repeat,
                sample=tuple(int(k) for k in np.sort(sample)), explain=args.explain)
    in_child(prepare, plan)
    checks: list[str] = []

    outcomes: dict[str, Outcome] = {}
    busiest = 0.0
    for name in IMPLEMENTATIONS:
        if name not in args.only:
            continue
        busiest = max(busiest, os.getloadavg()[0])
        stage(f"scoring with {name}")
        if name == "numpy":
            with single_threaded_blas():
                outcomes[name] = in_child(run_child, name, plan)
        else:
            outcomes[name] = in_child(run_child, name, plan)
        o = outcomes[name]
        stage(f"{name}: {o['seconds']:.2f} s ({o['cpu_seconds']:.2f} CPU s), "
              f"peak RSS {o['peak_rss_mb']:,.0f} MB, {o['scored']:,} scored")
    if busiest > BUSY_LOAD:
        # The children time themselves; anything else running shares their cores.
        checks.append(f"warning: the 1-minute load average reached {busiest:.1f} before a run; "
                      "other processes were competing for the cores, so timings are unreliable")

    reference_name = "sql" if "sql" in outcomes else next(iter(outcomes))
    reference = outcomes[reference_name]
    failed = False
    for name, o in outcomes.items():
        if name == reference_name:
            continue
        wrong = disagreements(reference["sample"], o["sample"])
        if o["scored"] != reference["scored"]:
            wrong.append(f"{o['scored']:,} subjects scored, {reference_name} scored "
                         f"{reference['scored']:,}")
        agreed = len(reference["sample"]) - len(wrong)
        checks.append(f"cross-check: {name} agrees with {reference_name} on {max(agreed, 0)}/"
                      f"{len(reference['sample'])} sampled subjects (score, tier and percentile "
                      f"within 1e-6, reasons, unscorable reason, n_events)")
        for line in wrong[:10]:
            checks.append(f"  {name}: {line}")
        failed = failed or bool(wrong)

    rows = figures(plan, outcomes)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        for line in checks:
            print(line, file=sys.stderr)
    else:
        print_table(plan, outcomes, rows)
        for line in checks:
            print(line)
    if failed:
        print("the implementations disagree: these timings compare different computations",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
