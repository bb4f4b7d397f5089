"""Benchmark ``xinyong audit verify`` against hashing the same bytes with hashlib alone.

Verification streams the chain out of DuckDB in Arrow batches (DuckDB joins each entry's
previous hash and payload), hashes every entry with hashlib, and checks whole batches at once
for edits, gaps, broken links and the head. The reference is the bare minimum any verifier
does: a plain Python loop of ``hashlib.sha256(previous_hash + payload).digest()`` over the same
bytes, already in memory, in the same process. What this script does:

1. it builds a chain of N entries (default 1M) in a fresh DuckDB file of the store's audit
   schema: payloads shaped like the platform's entries (mostly inquiries, with consent, list,
   ingest and scoring entries), generated in bulk, chained once in Python and inserted through
   Arrow (building is not timed: the bench measures verification, not appending);
2. it times ``verify_chain`` and the reference, best of ``--repeat``, and checks that the
   chain verifies and that the reference's digests are the stored hashes;
3. it times appending ``--append`` entries (default 10k) one ``record_audit`` call each, on top
   of the N-entry chain, inside one transaction (the marginal cost in an audited action's own
   transaction), then a tenth as many each in a transaction of its own (commit included), and
   prints entries/s (no target: appending is a cost of every audited action, measured per
   decision by bench/decide.py).

Target: verify rate >= 0.5x the reference's rate.

    .venv/bin/python bench/audit.py
    .venv/bin/python bench/audit.py --entries 200_000 --append 2000
    .venv/bin/python bench/audit.py --json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from xinyong.governance._audit import GENESIS, TIME_FORMAT, record_audit
from xinyong.governance._audit_verify import verify_chain
from xinyong.store._audit_schema import create_audit_tables

TARGET_RATIO = 0.5
BUSY_LOAD = 0.5
START = datetime(2026, 1, 1)
PARTIES = ("acme-bank", "city-rentals", "@subject", "pay-fast", "metro-telecom")
PURPOSES = ("extension_of_credit", "tenancy_screening", "subject_request", "account_review")


def stage(message: str) -> None:
    print(f"[audit] {message}", file=sys.stderr, flush=True)


def payloads(n: int, seed: int) -> list[str]:
    """Canonical payloads (sorted keys, compact) of a realistic mix of entries."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(8, size=n, p=[0.55, 0.15, 0.1, 0.08, 0.05, 0.04, 0.02, 0.01]).tolist()
    subjects = rng.integers(1, 5_000_000, size=n).tolist()
    parties = rng.integers(0, len(PARTIES), size=n).tolist()
    purposes = rng.integers(0, len(PURPOSES), size=n).tolist()
    step = rng.integers(1, 2_000_000, size=n).cumsum().tolist()  # microseconds apart
    out = []
    for i in range(n):
        at = (START + timedelta(microseconds=step[i])).strftime(TIME_FORMAT)
        key, party, purpose, kind = subjects[i], PARTIES[parties[i]], PURPOSES[purposes[i]], kinds[i]
        if kind <= 2:
            action, result = (("inquiry.decision", "approve"), ("inquiry.score", "disclosed"),
                              ("inquiry.refused", "refused"))[kind]
            code = '"NO_CONSENT"' if kind == 2 else "null"
            product = '"pay-later"' if kind == 0 else "null"
            seq = str(i + 1) if kind == 0 else "null"
            out.append(
                f'{{"action":"{action}","actor":"{party}","at":"{at}","details":{{"event_seq":'
                f'{seq},"inquiry_id":{i + 1},"kind":"hard","product":{product},"purpose":'
                f'"{purpose}","refusal_code":{code},"result":"{result}"}},"subject_key":{key}}}')
        elif kind <= 4:
            action = "consent.grant" if kind == 3 else "consent.revoke"
            out.append(
                f'{{"action":"{action}","actor":"subject","at":"{at}","details":{{"consent_id":'
                f'{i + 1},"party":"{party}","purpose":"{purpose}"}},"subject_key":{key}}}')
        elif kind == 5:
            out.append(
                f'{{"action":"list.add","actor":"Xicheng District People\'s Court","at":"{at}",'
                f'"details":{{"entry_id":{i + 1},"grounds":"able_but_refuses_to_perform",'
                f'"list":"court-dishonest-debtors","starts_at":"{at[:19]}"}},"subject_key":{key}}}')
        elif kind == 6:
            out.append(
                f'{{"action":"ingest.batch","actor":"operator","at":"{at}","details":{{"accepted":'
                f'{key},"batch_id":{i + 1},"conflicts":0,"corrections":3,"duplicates":12,'
                f'"format":"csv","furnisher_id":4,"held":0,"new_subjects":{key // 7},"quarantined":'
                f'2,"rows":{key + 17},"sha256":"{hashlib.sha256(at.encode()).hexdigest()}"}},'
                f'"subject_key":null}}')
        else:
            out.append(
                f'{{"action":"score.run","actor":"operator","at":"{at}","details":{{"as_of":'
                f'"{at[:10]}","model":"sesame-like","model_version":"1.0.0","scored":{key},'
                f'"subjects":{key + 99}}},"subject_key":null}}')
    return out


def build(path: Path, n: int, seed: int) -> list[bytes]:
    """The chain in a DuckDB file; returns the hashed bytes (previous hash + payload) in order."""
    texts = payloads(n, seed)
    messages: list[bytes] = []
    prevs: list[bytes] = []
    hashes: list[bytes] = []
    previous = GENESIS
    sha256 = hashlib.sha256
    for text in texts:
        message = previous + text.encode("utf-8")
        messages.append(message)
        prevs.append(previous)
        previous = sha256(message).digest()
        hashes.append(previous)
    con = duckdb.connect(str(path))
    create_audit_tables(con)
    entries = pa.table({"seq": pa.array(np.arange(1, n + 1), pa.int64()), "payload": texts,
                        "prev_hash": pa.array(prevs, pa.binary()),
                        "hash": pa.array(hashes, pa.binary())})
    con.register("entries", entries)
    con.execute("INSERT INTO audit_log (seq, payload, prev_hash, hash) "
                "SELECT seq, payload, prev_hash, hash FROM entries")
    con.unregister("entries")
    con.execute("UPDATE audit_head SET seq = ?, hash = ?", [n, previous])
    con.execute("CHECKPOINT")
    con.close()
    return messages


def reference(messages: list[bytes]) -> list[bytes]:
    """hashlib alone: one digest per entry over the same bytes, in a plain loop."""
    sha256 = hashlib.sha256
    digests = []
    for message in messages:
        digests.append(sha256(message).digest())
    return digests


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000,
                        help="entries in the chain (default 1,000,000)")
    parser.add_argument("--append", type=int, default=10_000,
                        help="entries appended one record_audit call each (default 10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts")
    parser.add_argument("--seed", type=int, default=8, help="seed of the payloads (default 8)")
    parser.add_argument("--json", action="store_true", help="one JSON object per figure")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n = args.entries
    with tempfile.TemporaryDirectory(prefix="xinyong-audit-bench-") as folder:
        path = Path(folder) / "audit.duckdb"
        stage(f"building a chain of {n:,} entries")
        seconds, messages = timed(build, path, n, args.seed)
        stage(f"built in {seconds:.1f} s; verifying")
        con = duckdb.connect(str(path))
        con.execute("SET enable_progress_bar = false")
        load = os.getloadavg()[0]
        ours, result = float("inf"), None
        ref, digests = float("inf"), []
        for _ in range(args.repeat):
            seconds, result = timed(verify_chain, con)
            ours = min(ours, seconds)
            seconds, digests = timed(reference, messages)
            ref = min(ref, seconds)
        assert result is not None
        stored = [bytes(r[0]) for r in con.execute(
            "SELECT hash FROM audit_log ORDER BY seq").fetchall()]
        if not result.ok or result.entries != n or digests != stored:
            print(f"cross-check failed: verify says {result.to_json()}, reference digests "
                  f"{'match' if digests == stored else 'differ from'} the stored hashes",
                  file=sys.stderr)
            return 1
        del messages, digests, stored
        stage(f"appending {args.append:,} entries in one transaction, then "
              f"{args.append // 10:,} each in its own")
        at = datetime(2027, 1, 1)

        def append(count: int, per_transaction: int) -> None:
            for i in range(count):
                if i % per_transaction == 0:
                    con.execute("BEGIN TRANSACTION")
                record_audit(con, "inquiry.score", actor="acme-bank", subject_key=i,
                             details={"inquiry_id": i, "purpose": "extension_of_credit",
                                      "product": None, "kind": "soft", "result": "disclosed",
                                      "refusal_code": None, "event_seq": None},
                             at=at + timedelta(milliseconds=i))
                if (i + 1) % per_transaction == 0 or i + 1 == count:
                    con.execute("COMMIT")

        appending, _ = timed(append, args.append, args.append)
        committed = max(1, args.append // 10)
        committing, _ = timed(append, committed, 1)
        appended_ok = verify_chain(con).ok
        load = max(load, os.getloadavg()[0])
        con.close()
    if not appended_ok:
        print("cross-check failed: the chain does not verify after appending", file=sys.stderr)
        return 1
    cores = os.cpu_count() or 1
    rows = [
        {"name": "audit_verify_rate", "value": n / ours, "unit": "entries/s",
         "reference": "hashlib.sha256 loop over the same bytes", "reference_value": n / ref,
         "ratio": ref / ours, "target": f">= {TARGET_RATIO}", "cores": cores},
        {"name": "audit_append_rate", "value": args.append / appending, "unit": "entries/s",
         "reference": None, "reference_value": None, "ratio": None, "target": None,
         "cores": cores},
        {"name": "audit_append_committed_rate", "value": committed / committing,
         "unit": "entries/s", "reference": None, "reference_value": None, "ratio": None,
         "target": None, "cores": cores},
    ]
    check = (f"cross-check: verify_chain found all {n:,} entries intact, the reference's "
             f"digests are the stored hashes, and the chain verifies after appending")
    if args.json:
        for row in rows:
            print(json.dumps(row))
        print(check, file=sys.stderr)
    else:
        print(f"audit chain of {n:,} entries, {cores} cores")
        print(f"  verify   xinyong {n / ours:12,.0f} entries/s ({ours:.2f} s)   hashlib alone "
              f"{n / ref:12,.0f} entries/s ({ref:.2f} s)   ratio {ref / ours:.2f}x "
              f"(target >= {TARGET_RATIO}x: {'met' if ref / ours >= TARGET_RATIO else 'MISSED'})")
        print(f"  append   record_audit {args.append / appending:,.0f} entries/s "
              f"({appending / args.append * 1e6:.0f} us per entry inside an action's "
              f"transaction, on a chain of {n:,})")
        print(f"           each in its own transaction {committed / committing:,.0f} entries/s "
              f"({committing / committed * 1e6:.0f} us per entry, commit included)")
        print(f"  {check}")
    if load > BUSY_LOAD:
        print(f"warning: 1-minute load average reached {load:.1f} (other processes share the "
              "cores); timings are unreliable, rerun on a quiet machine", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
