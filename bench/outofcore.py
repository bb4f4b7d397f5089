"""Benchmark out-of-core scoring: a log far larger than DuckDB's memory limit, scored to Parquet.

The product's DuckDB engine (``xinyong.scoring.engines.duckdb.DuckDBEngine``) runs the compiled
scoring query with ``memory_limit`` (default 2 GB): its aggregation over every subject and its
percentile sort spill to a temporary directory instead of failing. This script shows it:

1. it generates a synthetic log straight into Parquet with DuckDB SQL over ``range()`` (hashes of
   the row number pick subject, type, time, amount and days past due; the types and their mix
   follow the rulebook), in files of CHUNK events, cached in ``bench/.data/`` and resumable.
   Like an export (bucketed by a hash of the subject), each file holds its own subjects: the
   aggregation then spills one partial state per subject (~0.7 kB) rather than one per event;
2. it scores the log in a child process with the memory limit, writing the scores as Parquet,
   and reports seconds, events/s, events/s per core, peak RSS (``ru_maxrss``) and the peak size
   of the spill directory (bounded by ``max_temp_directory_size``: the free disk less 10 GB);
3. reference: the same engine without a memory limit on a smaller log that fits in memory
   (``--reference-events``); the ratio of rates is what spilling costs;
4. with ``--spark``, the Spark engine (local[threads], driver memory = the limit) scores the
   reference log too, for the per-core throughput of Spark against DuckDB.

    .venv/bin/python bench/outofcore.py --events 20_000_000               # a quick look
    .venv/bin/python bench/outofcore.py                                     # 500M events
    .venv/bin/python bench/outofcore.py --events 50_000_000 --spark --json

Disk: about 17 bytes per event for the log plus ~0.7 kB per subject of spill (check ``df -h``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypedDict

import duckdb

from xinyong.scoring.engines import ParquetSource
from xinyong.scoring.engines.duckdb import DuckDBEngine
from xinyong.scoring.rulebook import Rulebook, load_rulebook

DATA_DIR = Path(__file__).resolve().parent / ".data"
GENERATOR_VERSION = 2  # bump when the generator changes, so that cached logs are not reused
CHUNK = 5_000_000  # rows per generated Parquet file, each file with its own range of subjects
EVENTS_PER_SUBJECT = 32  # as in the simulated population: ~32 events per subject in three years
DISK_MARGIN = 10 * 2**30  # the spill may use the free disk less this (others share the disk)
HISTORY_SECONDS = 3 * 365 * 86_400  # three years before as-of ...
FUTURE_SECONDS = 7 * 86_400  # ... and a week after it, which scoring must leave out
ORGANISATION_EVERY = 10  # every tenth subject is an organisation
TARGETS = {"outofcore_rss_vs_limit": ("<=", 1.5), "outofcore_vs_in_memory_rate": (">=", 0.5),
           "spark_vs_duckdb_rate": (">=", 0.1)}

# Routine conduct dominates; adverse events are rare (relative weights; others get RARE).
FREQUENCY = {
    "purchase.completed": 40.0, "bill.paid_on_time": 30.0, "supplier.paid_on_time": 25.0,
    "loan.repaid_on_time": 12.0, "contract.fulfilled": 5.0, "bill.paid_late": 3.0,
    "inquiry.hard": 2.0, "tax.filed_on_time": 2.0, "loan.repaid_late": 1.0,
    "supplier.paid_late": 1.0, "deposit.returned": 1.0, "annual_report.filed": 1.0,
}
RARE = 0.2


class Outcome(TypedDict):
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    spill_peak_mb: float
    rows: int
    scored: int


@dataclass(frozen=True)
class Log:
    """A generated log: where it lives and its size."""

    folder: Path
    events: int
    subjects: int

    @property
    def events_dir(self) -> Path:
        return self.folder / "events"

    @property
    def subjects_file(self) -> Path:
        return self.folder / "subjects.parquet"


def stage(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _type_case(rulebook: Rulebook) -> str:
    """SQL picking an event type from ``u`` in [0, 1) with the FREQUENCY mix."""
    types = [r.event_type for r in rulebook.rules]
    weights = [FREQUENCY.get(t, RARE) for t in types]
    total = sum(weights)
    arms, edge = [], 0.0
    for name, weight in zip(types[:-1], weights[:-1], strict=True):
        edge += weight / total
        arms.append(f"WHEN u < {edge:.9f} THEN '{name}'")
    return f"CASE {' '.join(arms)} ELSE '{types[-1]}' END"


def generate(log: Log, rulebook: Rulebook, as_of: date, memory_limit: str, threads: int) -> None:
    """Write the log in chunks of CHUNK rows; chunks already written are kept (resumable)."""
    done = log.folder / ".complete"
    if done.exists():
        return
    log.events_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    if not log.subjects_file.exists():
        con.execute(
            f"""COPY (SELECT CAST(k AS INTEGER) AS subject_key,
                        CASE WHEN k % {ORGANISATION_EVERY} = 0 THEN 'organisation'
                             ELSE 'person' END AS kind
                      FROM range(1, {log.subjects + 1}) AS t(k))
                TO '{log.subjects_file}' (FORMAT parquet)""")
    type_case = _type_case(rulebook)
    span = HISTORY_SECONDS + FUTURE_SECONDS
    late = "('bill.paid_late', 'loan.repaid_late', 'supplier.paid_late')"
    files = -(-log.events // CHUNK)
    for n, start in enumerate(range(0, log.events, CHUNK)):
        path = log.events_dir / f"part-{n:05d}.parquet"
        if path.exists():
            continue
        end = min(start + CHUNK, log.events)
        # File n holds the subjects of the n-th of `files` key ranges.
        low = n * log.subjects // files + 1
        width = max(1, (n + 1) * log.subjects // files + 1 - low)
        stage(f"generating events {start:,}–{end:,} of {log.events:,}")
        tmp = path.with_suffix(".tmp")
        con.execute(
            f"""COPY (
                  SELECT CAST({low} + hash(i, 1) % {width} AS INTEGER) AS subject_key,
                         event_type,
                         TIMESTAMP '{as_of.isoformat()}' + INTERVAL (
                           {FUTURE_SECONDS} - CAST(hash(i, 3) % {span} AS BIGINT)) SECOND
                           AS occurred_at,
                         CASE WHEN hash(i, 4) % 8 <> 0
                              THEN ROUND(CAST(hash(i, 5) % 5000000 AS DOUBLE) / 100, 2) END
                           AS amount,
                         CASE WHEN event_type IN {late}
                              THEN CAST(1 + hash(i, 6) % 120 AS INTEGER) END AS days_past_due
                  FROM (SELECT i, {type_case} AS event_type
                        FROM (SELECT i, CAST(hash(i, 2) % 1000000 AS DOUBLE) / 1e6 AS u
                              FROM range({start}, {end}) AS t(i)))
                ) TO '{tmp}' (FORMAT parquet)""")
        tmp.rename(path)
    con.close()
    done.touch()


def _disk_usage(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):  # a spill file removed while we looked
                total += os.stat(os.path.join(root, name)).st_blocks * 512
    return total


def _jvm_peak_kb(scorer: Any) -> int:
    """Peak RSS of the Spark driver JVM (VmHWM): it outlives the session, so ru_maxrss of the
    children never sees it."""
    proc = getattr(scorer.session.sparkContext._gateway, "proc", None)
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text() if proc else ""
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def score_child(engine: str, log: Log, model: str, as_of: date, memory_limit: str | None,
                threads: int, scratch: Path) -> Outcome:
    """Score ``log`` in this (child) process; everything it measures is its own."""
    rulebook = load_rulebook(model)
    spill = scratch / "spill"
    out = scratch / "scores"
    shutil.rmtree(scratch, ignore_errors=True)
    spill.mkdir(parents=True)
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], _disk_usage(spill))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    events, subjects = ParquetSource.of(log.events_dir), ParquetSource.of(log.subjects_file)
    if engine == "duckdb":
        room = max(2**30, shutil.disk_usage(spill).free - DISK_MARGIN)
        scorer: Any = DuckDBEngine(memory_limit=memory_limit, threads=threads,
                                   temp_directory=spill,
                                   settings={"max_temp_directory_size": f"{room // 2**20}MB"})
    else:
        from xinyong.scoring.engines.spark import SparkEngine

        heap = f"{int(_limit_mb(memory_limit or '2GB'))}m"  # a JVM -Xmx takes 2048m, not 2GB
        scorer = SparkEngine(master=f"local[{threads}]", driver_memory=heap,
                             config={"spark.local.dir": str(spill)})
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    rows = scorer.write_scores(rulebook, as_of, events, subjects, out)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    stop.set()
    watcher.join()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if engine == "spark":  # the JVM is a child of this process: its memory counts too
        rss_kb += _jvm_peak_kb(scorer)
    scorer.close()
    counted = duckdb.connect().execute(
        f"SELECT COUNT(score) FROM read_parquet('{out}/*.parquet')").fetchall()
    shutil.rmtree(scratch, ignore_errors=True)
    return Outcome(
        seconds=seconds,
        cpu_seconds=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        peak_rss_mb=rss_kb / 1024, spill_peak_mb=peak[0] / 2**20, rows=rows,
        scored=int(counted[0][0]),
    )


def in_child(*args: Any) -> Outcome:
    with get_context("spawn").Pool(1) as pool:
        result: Outcome = pool.apply(score_child, args)
    return result


def _limit_mb(text: str) -> float:
    units = {"KB": 1 / 1024, "MB": 1.0, "GB": 1024.0, "TB": 1024.0**2}
    clean = text.strip().upper().replace("IB", "B")
    for unit, factor in units.items():
        if clean.endswith(unit):
            return float(clean[: -len(unit)]) * factor
    return float(clean) / 2**20


def figure(name: str, value: float, unit: str, reference: str | None = None,
           reference_value: float | None = None, target: str | None = None) -> dict[str, Any]:
    ratio = None if not reference_value else value / reference_value
    return {"name": name, "value": value, "unit": unit, "reference": reference,
            "reference_value": reference_value, "ratio": ratio, "target": target,
            "cores": os.cpu_count()}


def _target(name: str) -> str:
    direction, value = TARGETS[name]
    return f"{direction} {value:g}"


def figures(args: argparse.Namespace, big: Log, small: Log, out: Outcome, ref: Outcome,
            spark: Outcome | None) -> list[dict[str, Any]]:
    limit = _limit_mb(args.memory_limit)
    rate, ref_rate = big.events / out["seconds"], small.events / ref["seconds"]
    rows = [
        figure("outofcore_seconds", out["seconds"], "s"),
        figure("outofcore_cpu_seconds", out["cpu_seconds"], "s"),
        figure("outofcore_rate_per_core", rate / args.threads, "events/s"),
        figure("outofcore_spill_peak", out["spill_peak_mb"], "MB"),
        figure("in_memory_rate_per_core", ref_rate / args.threads, "events/s"),
        figure("in_memory_peak_rss", ref["peak_rss_mb"], "MB"),
        figure("outofcore_rss_vs_limit", out["peak_rss_mb"], "MB", "memory_limit", limit,
               _target("outofcore_rss_vs_limit")),
        figure("outofcore_vs_in_memory_rate", rate, "events/s",
               f"in-memory duckdb, {small.events:,} events", ref_rate,
               _target("outofcore_vs_in_memory_rate")),
    ]
    if spark is not None:
        spark_rate = small.events / spark["seconds"]
        rows += [
            figure("spark_rate_per_core", spark_rate / args.threads, "events/s"),
            figure("spark_peak_rss", spark["peak_rss_mb"], "MB"),
            figure("spark_vs_duckdb_rate", spark_rate, "events/s",
                   f"in-memory duckdb, {small.events:,} events", ref_rate,
                   _target("spark_vs_duckdb_rate")),
        ]
    return rows


def print_table(args: argparse.Namespace, big: Log, rows: list[dict[str, Any]]) -> None:
    print(f"out-of-core scoring, model {args.model}, {big.events:,} events, {big.subjects:,} "
          f"subjects, memory_limit {args.memory_limit}, {args.threads} threads, "
          f"duckdb {duckdb.__version__}")
    for row in rows:
        line = f"  {row['name']:<30}{row['value']:>16,.1f} {row['unit']:<9}"
        if row["ratio"] is not None:
            line += (f" vs {row['reference']} {row['reference_value']:,.1f}: ratio "
                     f"{row['ratio']:.2f} (target {row['target']})")
        print(line)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500_000_000,
                        help="events in the log (default 500M)")
    parser.add_argument("--subjects", type=int, default=None,
                        help=f"subjects in the log (default events / {EVENTS_PER_SUBJECT})")
    parser.add_argument("--reference-events", type=int, default=None,
                        help="events in the in-memory reference log (default min(events, 20M))")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit (default 2GB)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads (default: all cores)")
    parser.add_argument("--model", default="sesame-like", help="rulebook (default sesame-like)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--spark", action="store_true",
                        help="also score the reference log with Spark local[threads]")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="cache of generated logs")
    parser.add_argument("--drop", action="store_true",
                        help="delete the generated big log afterwards (it is cached otherwise)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per figure (name, value, unit, reference, "
                        "reference_value, ratio, target, cores) instead of the table")
    args = parser.parse_args(argv)
    if args.events < 1 or args.threads < 1:
        parser.error("--events and --threads must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rulebook = load_rulebook(args.model)

    def log_of(events: int) -> Log:
        subjects = args.subjects or max(1, events // EVENTS_PER_SUBJECT)
        key = f"outofcore-{rulebook.id}-{events}e-{subjects}s-{args.as_of}-g{GENERATOR_VERSION}"
        return Log(args.data_dir / key, events, subjects)

    big = log_of(args.events)
    small = log_of(args.reference_events or min(args.events, 20_000_000))
    free = shutil.disk_usage(args.data_dir.parent if not args.data_dir.exists() else args.data_dir)
    stage(f"free disk {free.free / 2**30:,.1f} GB; the log needs about "
          f"{17 * big.events / 2**30:,.1f} GB plus ~{0.7e3 * big.subjects / 2**30:,.1f} GB of spill")
    for log in (small, big):
        generate(log, rulebook, args.as_of, args.memory_limit, args.threads)
    scratch = args.data_dir / "outofcore-scratch"
    stage(f"reference: in-memory duckdb on {small.events:,} events")
    ref = in_child("duckdb", small, args.model, args.as_of, None, args.threads, scratch)
    stage(f"  {ref['seconds']:.1f} s, peak RSS {ref['peak_rss_mb']:,.0f} MB")
    stage(f"out-of-core duckdb on {big.events:,} events, memory_limit {args.memory_limit}")
    out = in_child("duckdb", big, args.model, args.as_of, args.memory_limit, args.threads, scratch)
    stage(f"  {out['seconds']:.1f} s, peak RSS {out['peak_rss_mb']:,.0f} MB, spill peak "
          f"{out['spill_peak_mb']:,.0f} MB, {out['scored']:,} of {out['rows']:,} scored")
    spark = None
    if args.spark:
        stage(f"spark local[{args.threads}] on {small.events:,} events")
        spark = in_child("spark", small, args.model, args.as_of, args.memory_limit, args.threads,
                         scratch)
        stage(f"  {spark['seconds']:.1f} s, peak RSS {spark['peak_rss_mb']:,.0f} MB")
        if (spark["rows"], spark["scored"]) != (ref["rows"], ref["scored"]):
            print("spark and duckdb scored different numbers of subjects", file=sys.stderr)
            return 1
    failed = out["rows"] != big.subjects
    rows = figures(args, big, small, out, ref, spark)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print_table(args, big, rows)
    if args.drop:
        shutil.rmtree(big.folder, ignore_errors=True)
    if failed:
        print(f"scored {out['rows']:,} subjects, expected {big.subjects:,}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
