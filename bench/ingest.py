"""Benchmark furnisher ingestion: xinyong's validated ingest against DuckDB's raw load.

``xinyong ingest`` reads a furnisher file, validates every field of every row (identifiers with
their checksums once per distinct ID, the catalogue, the licence and the attributes once per
distinct row shape, dates and amounts per row), pseudonymises people's IDs, classifies rows
against the store (only the rows that can be other than accepted are looked at) and commits them
in one transaction. The
reference is the least any DuckDB-based loader does with the same file: DuckDB's own load into a
table, ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` (or ``read_parquet``), untyped checks
and all. The ratio of the two rates says what validation costs.

1. it generates a canonical furnisher file once, with numpy and pyarrow, into ``bench/.data/``
   as CSV and as Parquet (the same rows): valid rows about people and organisations, every
   event type of the catalogue in a realistic mix (routine payments dominate, adverse events
   are rare), amounts where the type takes one, required attributes always and optional ones
   often, as JSON text in ``attributes``;
2. for each format it runs, each in a fresh spawned child process so that the peak RSS it
   reports (``ru_maxrss``, loading included) is its own:

   ``duckdb_raw``  ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` into a fresh DuckDB file;
   ``xinyong``     ``xinyong.ingest.ingest_file`` into a fresh home with the furnisher
                   registered (creating the home is not timed);

3. it checks that DuckDB loaded every row and that xinyong accepted every row (a quarantined row
   means the generator and the validator disagree: the timings would not be comparable) and
   exits with status 1 otherwise;
4. it prints seconds, rows/s and peak RSS, and xinyong's rate as a ratio of the raw load's
   against the target (>= 0.5); also CPU seconds (all threads) and the same ratio per
   CPU-second, which holds up when other processes share the cores and wall time does not.

When ``xinyong.ingest.metro2`` provides its file generator, it also times the ingest of a
synthetic Metro 2 file (``--metro2-accounts`` accounts, about 22 events each) in a home with the
``us`` profile: ``ingest_file(..., fmt="metro2")``, or, while that format is not wired into the
pipeline yet, ``read_metro2`` + ``metro2_to_events`` alone (said in a note). There is no raw
reference for a fixed-width format, so that line has no ratio and no target.

    .venv/bin/python bench/ingest.py --rows 1_000_000    # quick
    .venv/bin/python bench/ingest.py                     # 10M rows
    .venv/bin/python bench/ingest.py --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / ".data"
GENERATOR_VERSION = 1  # bump when the generator changes, so that cached files are not reused
FORMATS = ("csv", "parquet")
FURNISHER = "bench"
TARGET = 0.5  # xinyong rows/s / DuckDB raw load rows/s
BUSY_LOAD = 0.5  # a 1-minute load average above this before a run means shared cores
ORGANISATION_SHARE = 0.10
ROWS_PER_PERSON = 20
OPTIONAL_AMOUNT = 0.7  # share of rows of an optional-amount type that carry one
OPTIONAL_ATTRIBUTE = 0.6  # share of rows that carry an optional attribute
MEAN_DAYS_PAST_DUE = 30.0
START = np.datetime64("2022-07-01T00:00:00", "s")
SPAN_SECONDS = 3 * 365 * 86_400  # three years of history, all before today

# Relative frequency of each event type among a kind's rows; a type not named gets RARE.
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
    "relationship.guarantor_of": 0.2,
    "relationship.co_borrower_with": 0.2,
    "relationship.counterparty_of": 0.2,
    "relationship.legal_representative_of": 0.1,
}
RARE = 0.1
# Amounts as a log-normal (median, log-sd); types not named use DEFAULT_AMOUNT.
AMOUNTS: dict[str, tuple[float, float]] = {
    "purchase.completed": (60.0, 1.0),
    "bill.paid_on_time": (120.0, 0.8),
    "bill.paid_late": (120.0, 0.8),
    "loan.repaid_on_time": (800.0, 0.7),
    "income.verified": (6_000.0, 0.7),
    "asset.verified": (80_000.0, 1.5),
    "tax.arrears": (25_000.0, 1.5),
    "loan.defaulted": (4_000.0, 1.3),
}
DEFAULT_AMOUNT = (3_000.0, 1.2)


def stage(message: str) -> None:
    print(f"[ingest {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Plan:
    rows: int
    seed: int
    folder: Path
    metro2_accounts: int
    formats: tuple[str, ...]

    def file(self, fmt: str) -> Path:
        return self.folder / f"events.{fmt}"

    def records(self, fmt: str) -> int:
        """Rows of a canonical file; accounts (base records) of the Metro 2 file."""
        return self.metro2_accounts if fmt == "metro2" else self.rows

    @property
    def metro2_file(self) -> Path:
        return self.folder / f"metro2-{self.metro2_accounts}a.dat"

    @property
    def scratch(self) -> Path:
        return self.folder / "runs"


class Outcome(TypedDict):
    seconds: float
    cpu_seconds: float  # CPU time of all the process's threads: robust when cores are shared
    peak_rss_mb: float
    rows: int  # rows loaded (raw), accepted (xinyong) or events produced (Metro 2)
    note: str


# -- the synthetic furnisher file --------------------------------------------------------------


def generate_table(rows: int, seed: int) -> Any:
    """The canonical furnisher record as an Arrow table (amount a double, the rest text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from xinyong.catalog import default_catalogue
    from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs

    catalogue = default_catalogue()
    types = list(catalogue)
    rng = np.random.default_rng(seed)
    n_persons = max(rows // ROWS_PER_PERSON, 10)
    n_orgs = max(n_persons // 10, 10)
    pools = {"person": pa.array(generate_prc_resident_ids(rng, n_persons)),
             "organisation": pa.array(generate_usccs(rng, n_orgs))}

    # Activity varies a lot between subjects, as in bench/score.py.
    activity = {kind: np.cumsum(rng.gamma(1.5, 1.0, len(pool))) for kind, pool in pools.items()}

    def pick(kind: str, count: int) -> Any:
        """IDs of ``count`` subjects of a kind, drawn by activity."""
        cumulative = activity[kind]
        index = np.searchsorted(cumulative, rng.random(count) * cumulative[-1], side="right")
        return pc.take(pools[kind], pa.array(np.minimum(index, len(cumulative) - 1)))

    is_org = rng.random(rows) < ORGANISATION_SHARE
    subject_id = pc.replace_with_mask(pick("person", rows), pa.array(is_org),
                                      pick("organisation", int(is_org.sum())))
    code = np.empty(rows, dtype=np.int64)
    for kind, members in (("person", ~is_org), ("organisation", is_org)):
        allowed = [i for i, t in enumerate(types) if kind in {k.value for k in t.applies_to}]
        weights = np.array([FREQUENCY.get(types[i].name, RARE) for i in allowed])
        code[members] = np.array(allowed)[
            rng.choice(len(allowed), int(members.sum()), p=weights / weights.sum())]

    amount = np.full(rows, np.nan)
    attributes: dict[str, Any] = {}  # attribute -> which rows carry it (a boolean mask)
    for i, t in enumerate(types):
        of_type = np.flatnonzero(code == i)
        if not of_type.size:
            continue
        if t.amount.value != "none":
            median, sigma = AMOUNTS.get(t.name, DEFAULT_AMOUNT)
            priced = of_type if t.amount.value == "required" else of_type[
                rng.random(of_type.size) < OPTIONAL_AMOUNT]
            amount[priced] = np.round(rng.lognormal(math.log(median), sigma, priced.size), 2)
        for a in t.attributes:
            carrying = of_type if a.name in t.required else of_type[
                rng.random(of_type.size) < OPTIONAL_ATTRIBUTE]
            attributes.setdefault(a.name, np.zeros(rows, dtype=bool))[carrying] = True

    members_text: list[Any] = []
    counterparty_kind = None
    for name, present in attributes.items():
        count = int(present.sum())
        if name == "days_past_due":
            days = np.minimum(1 + np.floor(rng.exponential(MEAN_DAYS_PAST_DUE, count)), 3650)
            value = pc.cast(pa.array(days.astype(np.int64)), pa.string())
        elif name == "counterparty_kind":
            # A legal representative represents an organisation; other ties go either way.
            org = rng.random(count) < 0.5
            represents = code[present] == types.index(
                catalogue.get("relationship.legal_representative_of"))
            counterparty_kind = np.where(org | represents, "organisation", "person")
            value = pa.array(np.char.add(np.char.add('"', counterparty_kind), '"'))
        elif name == "counterparty_id":
            # Both are required wherever either is declared, so the rows are the same.
            assert counterparty_kind is not None and np.array_equal(
                present, attributes["counterparty_kind"])
            org = counterparty_kind == "organisation"
            ids = pc.replace_with_mask(pick("person", count), pa.array(org),
                                       pick("organisation", int(org.sum())))
            value = pc.binary_join_element_wise('"', ids, '"', "")
        else:
            values = pa.array(list(catalogue.attributes[name].values))
            value = pc.binary_join_element_wise(
                '"', pc.take(values, pa.array(rng.integers(0, len(values), count))), '"', "")
        text = pc.binary_join_element_wise(f', "{name}": ', value, "")
        column = pa.repeat(pa.scalar("", pa.string()), rows)
        members_text.append(pc.replace_with_mask(column, pa.array(present), text))
    joined = pc.utf8_ltrim(pc.binary_join_element_wise(*members_text, ""), characters=", ")
    takes_attributes = np.array([bool(t.attributes) for t in types])[code]
    attributes_json = pc.if_else(pa.array(takes_attributes),
                                 pc.binary_join_element_wise("{", joined, "}", ""),
                                 pa.nulls(rows, pa.string()))

    # A furnisher's file is in time order.
    occurred = START + np.sort(rng.integers(0, SPAN_SECONDS, rows)).astype("timedelta64[s]")
    event_id = pc.binary_join_element_wise(
        "EV", pc.utf8_lpad(pc.cast(pa.array(np.arange(1, rows + 1)), pa.string()), 10, "0"), "")
    return pa.table({
        "event_id": event_id,
        "subject_kind": pc.take(pa.array(["person", "organisation"]),
                                pa.array(is_org.astype(np.int8))),
        "subject_id": subject_id,
        "event_type": pc.take(pa.array([t.name for t in types]), pa.array(code)),
        "occurred_at": pc.strftime(pa.array(occurred), "%Y-%m-%dT%H:%M:%S"),
        "amount": pa.array(amount, from_pandas=True),  # NaN -> null
        "attributes": attributes_json,
    })


def generate(plan: Plan) -> None:
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = generate_table(plan.rows, plan.seed)
    plan.folder.mkdir(parents=True, exist_ok=True)
    for fmt in FORMATS:
        path = plan.file(fmt)
        partial = path.with_suffix(".partial")
        if fmt == "csv":
            pa_csv.write_csv(table, partial,
                             pa_csv.WriteOptions(quoting_style="needed", batch_size=1 << 16))
        else:
            pq.write_table(table, partial, row_group_size=1 << 20)
        partial.replace(path)


def metro2_writer() -> Any | None:
    """The Metro 2 file generator, when ``xinyong.ingest.metro2`` provides it."""
    try:
        from xinyong.ingest import metro2
    except ImportError:
        return None
    return getattr(metro2, "write_metro2_fixed", None)


def prepare(plan: Plan) -> None:
    canonical = bool(set(plan.formats) & set(FORMATS))
    if canonical and all(plan.file(fmt).exists() for fmt in FORMATS):
        stage(f"reusing the furnisher files in {plan.folder}")
    elif canonical:
        stage(f"generating {plan.rows:,} rows as CSV and Parquet (not timed)")
        generate(plan)
    writer = metro2_writer()
    if "metro2" in plan.formats and writer is not None and not plan.metro2_file.exists():
        stage(f"generating a Metro 2 file of {plan.metro2_accounts:,} accounts (not timed)")
        plan.folder.mkdir(parents=True, exist_ok=True)
        partial = plan.metro2_file.with_suffix(".partial")
        with partial.open("wb") as f:
            writer(f, plan.metro2_accounts, seed=plan.seed)
        partial.replace(plan.metro2_file)


# -- the two loaders, each in its own child process --------------------------------------------


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Clock:
    """Wall and CPU time of a block (CPU summed over the process's threads)."""

    def __enter__(self) -> Clock:
        self.seconds = self.cpu_seconds = 0.0
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = time.process_time() - self._cpu


def run_raw(plan: Plan, fmt: str) -> tuple[Clock, int, str]:
    import duckdb

    folder = fresh(plan.scratch / f"raw-{fmt}")
    path = str(plan.file(fmt)).replace("'", "''")
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    con = duckdb.connect(str(folder / "raw.duckdb"))
    try:
        with Clock() as clock:
            con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{path}')")
        row = con.execute("SELECT COUNT(*) FROM t").fetchone()
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)
    return clock, int(row[0]) if row else 0, ""


def run_xinyong(plan: Plan, fmt: str) -> tuple[Clock, int, str]:
    from xinyong.ingest import ingest_file
    from xinyong.store import Store

    folder = fresh(plan.scratch / f"xinyong-{fmt}")
    profile = "us" if fmt == "metro2" else "cn-pilot"  # Metro 2 carries US SSNs
    path = plan.metro2_file if fmt == "metro2" else plan.file(fmt)
    store = Store.init(folder / "home", jurisdiction=profile)
    try:
        store.add_furnisher(FURNISHER, ["*"])
        try:
            with Clock() as clock:
                summary = ingest_file(store, path, furnisher=FURNISHER, fmt=fmt)
        except ImportError as exc:
            if fmt != "metro2":
                raise
            return metro2_parse_only(path, exc)
    finally:
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    note = ""
    if summary.quarantined:
        first = summary.errors[0] if summary.errors else {}
        note = (f"{summary.quarantined:,} rows quarantined, first: row {first.get('row')} "
                f"{first.get('code')} ({first.get('field')}): {first.get('message')}")
    return clock, summary.accepted, note


def metro2_parse_only(path: Path, why: ImportError) -> tuple[Clock, int, str]:
    """What there is of the Metro 2 path while ``ingest_file`` cannot take the format yet."""
    from xinyong.ingest.metro2 import metro2_to_events, read_metro2

    with Clock() as clock:
        events, _ = metro2_to_events(read_metro2(path.read_bytes()), furnisher=FURNISHER)
    return clock, events.num_rows, (
        f"ingest_file(fmt='metro2') fails ({type(why).__name__}: {why}); timed read_metro2 + "
        "metro2_to_events only, not the store")


RUNNERS = {"duckdb_raw": run_raw, "xinyong": run_xinyong}


def run_child(name: str, plan: Plan, fmt: str) -> Outcome:
    """Entry point of a child process: one loader on one file, timed, with its own peak RSS."""
    clock, rows, note = RUNNERS[name](plan, fmt)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return Outcome(seconds=clock.seconds, cpu_seconds=clock.cpu_seconds,
                   peak_rss_mb=peak_kib * 1024 / 1e6, rows=rows, note=note)


def in_child(function: Any, *args: Any) -> Any:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


# -- reporting ---------------------------------------------------------------------------------


def figures(plan: Plan, outcomes: dict[tuple[str, str], Outcome]) -> list[dict[str, Any]]:
    cores = os.cpu_count()
    rows: list[dict[str, Any]] = []

    def add(name: str, value: float, unit: str, reference: str | None = None,
            reference_value: float | None = None, target: str | None = None) -> None:
        ratio = None if reference_value is None else value / reference_value
        rows.append({"name": name, "value": value, "unit": unit, "reference": reference,
                     "reference_value": reference_value, "ratio": ratio, "target": target,
                     "cores": cores})

    def rate(fmt: str, o: Outcome) -> float:
        return plan.records(fmt) / o["seconds"]

    for (fmt, name), o in outcomes.items():
        add(f"{fmt}_{name}_seconds", o["seconds"], "s")
        add(f"{fmt}_{name}_cpu_seconds", o["cpu_seconds"], "s")
        add(f"{fmt}_{name}_rate", rate(fmt, o), "accounts/s" if fmt == "metro2" else "rows/s")
        add(f"{fmt}_{name}_peak_rss", o["peak_rss_mb"], "MB")
    for fmt in FORMATS:
        raw, ours = outcomes.get((fmt, "duckdb_raw")), outcomes.get((fmt, "xinyong"))
        if raw and ours:
            add(f"{fmt}_xinyong_vs_raw_rate", rate(fmt, ours), "rows/s", f"{fmt}_duckdb_raw",
                rate(fmt, raw), f">= {TARGET:g}")
            # Per CPU-second: what the ratio would be on cores nobody else uses.
            add(f"{fmt}_xinyong_vs_raw_cpu_rate", plan.rows / ours["cpu_seconds"], "rows/cpu-s",
                f"{fmt}_duckdb_raw", plan.rows / raw["cpu_seconds"])
            add(f"{fmt}_xinyong_vs_raw_rss", ours["peak_rss_mb"], "MB", f"{fmt}_duckdb_raw",
                raw["peak_rss_mb"])
    return rows


def print_table(plan: Plan, outcomes: dict[tuple[str, str], Outcome],
                rows: list[dict[str, Any]]) -> None:
    canonical = [f for f in plan.formats if f in FORMATS]
    size = f"{plan.rows:,} rows" if canonical else f"{plan.metro2_accounts:,} Metro 2 accounts"
    print(f"furnisher file ingest ({', '.join(plan.formats)}), {size}, seed {plan.seed}")
    print(f"{'format':<9}{'loader':<13}{'seconds':>10}{'CPU s':>10}{'rows/s':>14}"
          f"{'peak RSS (MB)':>16}{'rows stored':>14}")
    for (fmt, name), o in outcomes.items():
        print(f"{fmt:<9}{name:<13}{o['seconds']:>10.2f}{o['cpu_seconds']:>10.2f}"
              f"{plan.records(fmt) / o['seconds']:>14,.0f}{o['peak_rss_mb']:>16,.0f}"
              f"{o['rows']:>14,}")
    if ("metro2", "xinyong") in outcomes:
        print(f"(metro2: {plan.metro2_accounts:,} accounts; rows/s counts accounts, rows stored "
              "counts events)")
    for row in rows:
        if row["ratio"] is None:
            continue
        label = f"{row['name']} ({row['unit']})"
        if row["target"] is None:
            print(f"{label:<46}{row['ratio']:>8.2f}")
            continue
        met = row["ratio"] >= float(row["target"].split()[1])
        print(f"{label:<46}{row['ratio']:>8.2f}   target {row['target']:<6}"
              f"  {'met' if met else 'MISSED'}")
    print(f"cores {os.cpu_count()}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time xinyong's validated ingest of a furnisher file against DuckDB's raw "
        "load of the same file, for CSV and Parquet, each run in its own process, and print "
        "rates, peak memory and the ratio against its target.",
    )
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="rows in the synthetic furnisher file (default 10_000_000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator (default 7)")
    parser.add_argument("--formats", default=",".join((*FORMATS, "metro2")),
                        help="comma-separated formats to time (default csv,parquet,metro2)")
    parser.add_argument("--metro2-accounts", type=int, default=100_000,
                        help="accounts in the Metro 2 file (526 bytes and about 22 events "
                        "each; default 100_000)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help=f"cache of generated files (default {DATA_DIR})")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per figure (name, value, unit, reference, "
                        "reference_value, ratio, target, cores) instead of the table")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if not formats or set(formats) - {*FORMATS, "metro2"}:
        parser.error(f"--formats takes some of {', '.join(FORMATS)}, metro2; got {args.formats!r}")
    if args.rows < 1 or args.metro2_accounts < 1:
        parser.error("--rows and --metro2-accounts must be positive")
    args.formats = formats
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    key = f"ingest-{args.rows}r-seed{args.seed}-g{GENERATOR_VERSION}"
    plan = Plan(rows=args.rows, seed=args.seed, folder=args.data_dir / key,
                metro2_accounts=args.metro2_accounts, formats=args.formats)
    in_child(prepare, plan)
    checks: list[str] = []
    runs = [(fmt, name) for fmt in args.formats if fmt != "metro2" for name in RUNNERS]
    if "metro2" in args.formats and metro2_writer() is None:
        checks.append("note: Metro 2 skipped: xinyong.ingest.metro2 does not provide "
                      "write_metro2_fixed yet")
    elif "metro2" in args.formats:
        runs.append(("metro2", "xinyong"))

    outcomes: dict[tuple[str, str], Outcome] = {}
    busiest = 0.0
    failed = False
    for fmt, name in runs:
        busiest = max(busiest, os.getloadavg()[0])
        stage(f"{fmt}: {name}")
        try:
            o = in_child(run_child, name, plan, fmt)
        except Exception as exc:  # Metro 2 is young: its failure is reported, not fatal
            if fmt != "metro2":
                raise
            checks.append(f"note: Metro 2 skipped: the ingest failed: {type(exc).__name__}: {exc}")
            continue
        outcomes[fmt, name] = o
        stage(f"{fmt}: {name}: {o['seconds']:.2f} s ({o['cpu_seconds']:.2f} s CPU), "
              f"peak RSS {o['peak_rss_mb']:,.0f} MB, {o['rows']:,} rows stored")
        if fmt == "metro2":
            if o["note"]:
                checks.append(f"note: metro2: {o['note']}")
        elif o["note"] or o["rows"] != plan.rows:
            failed = True
            checks.append(f"check: {fmt} {name} stored {o['rows']:,} of {plan.rows:,} rows; "
                          f"{o['note']}")
    if busiest > BUSY_LOAD:
        # The children time themselves; anything else running shares their cores.
        checks.append(f"warning: the 1-minute load average reached {busiest:.1f} before a run; "
                      "other processes were competing for the cores, so timings are unreliable")
    shutil.rmtree(plan.scratch, ignore_errors=True)

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
        print("xinyong did not accept every generated row: the timings compare different work",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
