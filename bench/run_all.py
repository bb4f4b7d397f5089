"""Run every benchmark in bench/ at a small size and print one table of all their figures.

Each ``bench/*.py`` (but this one) runs in its own process with ``--json`` and the small-size
flags below, chosen so that the whole suite takes about ten minutes on two cores (first runs
also generate and cache their data in ``bench/.data/``). A flag is passed only when the script's
``--help`` lists it, so a script that renames or drops a flag still runs, at its default for
that setting; a script without an entry runs with ``--json`` alone. The table gives, for each
figure, its value, its reference, the ratio and the target, and whether the target is met.

    .venv/bin/python bench/run_all.py                 # the suite (make bench)
    .venv/bin/python bench/run_all.py --only score,outofcore
    .venv/bin/python bench/run_all.py --json          # one JSON object per figure, with "script"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent

# Small sizes: about ten minutes in all on two cores, once the data are cached.
SMALL: dict[str, list[str]] = {
    "score": ["--events", "10000000", "--subjects", "1000000"],
    "ingest": ["--rows", "4000000", "--metro2-accounts", "50000"],
    "scorecard": ["--rows", "1000000", "--repeat", "1"],
    "propagate": ["--nodes", "2000000", "--edges", "20000000", "--subgraph", "100000",
                  "--repeat", "1"],
    "decide": ["--subjects", "1000000", "--events", "10000000", "--queries", "2000"],
    "audit": ["--entries", "1000000", "--append", "10000", "--repeat", "2"],
    # A memory limit well under the aggregation's working set (~2 GB), so that it spills; Spark
    # on 20M events, enough for its fixed cost per query (~15 s) not to be the figure.
    "outofcore": ["--events", "100000000", "--reference-events", "20000000",
                  "--memory-limit", "1GB", "--spark"],
}


def scripts(only: set[str] | None) -> list[Path]:
    found = sorted(p for p in BENCH.glob("*.py") if p.name != Path(__file__).name)
    return [p for p in found if only is None or p.stem in only]


def supported(script: Path, flags: list[str]) -> tuple[list[str], list[str]]:
    """The flags (with their values) that ``script --help`` lists, and those it does not."""
    help_text = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                               text=True, timeout=120, check=False).stdout
    listed = set(re.findall(r"--[a-z0-9][a-z0-9-]*", help_text))
    kept: list[str] = []
    dropped: list[str] = []
    i = 0
    while i < len(flags):
        flag = flags[i]
        takes_value = i + 1 < len(flags) and not flags[i + 1].startswith("--")
        group = flags[i: i + 2] if takes_value else [flag]
        (kept if flag in listed else dropped).extend(group)
        i += len(group)
    return kept, dropped


def run(script: Path, timeout: float) -> dict[str, Any]:
    flags, dropped = supported(script, SMALL.get(script.stem, []))
    command = [sys.executable, str(script), *flags, "--json"]
    print(f"[{time.strftime('%H:%M:%S')}] {script.name} {' '.join(flags)}", file=sys.stderr,
          flush=True)
    if dropped:
        print(f"  (not offered by {script.name} --help, left out: {' '.join(dropped)})",
              file=sys.stderr)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False, cwd=BENCH.parent)
        stdout, stderr, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        stderr, code = f"timed out after {timeout:.0f} s", -1
    figures = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                figures.append({"script": script.stem, **json.loads(line)})
            except ValueError:
                continue
    seconds = time.perf_counter() - started
    print(f"  {len(figures)} figures in {seconds:.0f} s, exit {code}", file=sys.stderr)
    if code != 0:
        for line in stderr.strip().splitlines()[-8:]:
            print(f"  | {line}", file=sys.stderr)
    return {"script": script.stem, "code": code, "seconds": seconds, "figures": figures}


LOWER_IS_BETTER = ("s", "ms", "MB", "GB", "bytes")


def met(row: dict[str, Any]) -> str:
    """Whether a figure meets its target: ``>= 3`` bounds the ratio; ``< 10 ms`` (a target with
    the figure's unit) bounds the value; a bare number bounds the ratio in the direction its
    unit implies (marked ``*``: lower is better for times and sizes, higher for rates)."""
    target = row.get("target")
    if target is None or target == "":
        return ""
    found = re.fullmatch(r"\s*(<=|>=|<|>)?\s*([-+0-9.eE]+)\s*(.*?)\s*", str(target))
    if not found:
        return "?"
    direction, bound, unit = found.group(1), float(found.group(2)), found.group(3)
    value = row.get("value") if unit else row.get("ratio")
    if not isinstance(value, int | float):
        return "?"
    mark = ""
    if direction is None:
        direction = "<=" if str(row.get("unit")) in LOWER_IS_BETTER else ">="
        mark = "*"
    ok = {"<": value < bound, "<=": value <= bound, ">": value > bound, ">=": value >= bound}
    return ("yes" if ok[direction] else "NO") + mark


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def print_table(results: list[dict[str, Any]]) -> None:
    header = ("script", "figure", "value", "unit", "reference", "ref. value", "ratio", "target",
              "met")
    rows = [header]
    for result in results:
        for f in result["figures"]:
            rows.append((f["script"], str(f.get("name", "")), _number(f.get("value")),
                         str(f.get("unit") or ""), str(f.get("reference") or ""),
                         _number(f.get("reference_value")),
                         "" if f.get("ratio") is None else f"{f['ratio']:.2f}",
                         str(f.get("target") or ""), met(f)))
        if result["code"] != 0:
            rows.append((result["script"], f"FAILED (exit {result['code']})", "", "", "", "", "",
                         "", ""))
    widths = [min(44, max(len(r[i]) for r in rows)) for i in range(len(header))]
    for n, row in enumerate(rows):
        print("  ".join(cell[:44].ljust(w) if i in (0, 1, 3, 4, 7) else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    if any(met(f).endswith("*") for r in results for f in r["figures"]):
        print("\n* the target gives no direction; assumed from the unit (lower is better for "
              "times and sizes, higher for rates)")
    total = sum(r["seconds"] for r in results)
    print(f"\n{len(results)} scripts in {total / 60:.1f} min on {os.cpu_count()} cores; "
          f"1-minute load average now {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated script names (e.g. score,outofcore)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds one script may take (default 1800)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per figure, with its script, not the table")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    chosen = scripts(only)
    if not chosen:
        parser.error("no benchmark script matches --only")
    results = [run(script, args.timeout) for script in chosen]
    if args.json:
        for result in results:
            for figure in result["figures"]:
                print(json.dumps(figure))
    else:
        print_table(results)
    return 0 if all(r["code"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
