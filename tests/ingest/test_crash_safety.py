"""A killed ingest leaves the store with all of the file or none of it, and a rerun completes it.

``xinyong ingest`` decides every row before one commit transaction. This test holds it to that
promise the hard way: it runs the real command in a child process on a file large enough to
take a few seconds, SIGKILLs it inside the commit (just after its first write to the database
file, and as its WAL appears) and at seeded points spread over a whole run, and after every
kill opens the store and checks that it holds either no row of the file or every row, never
part of a batch. It then runs the ingest to
completion, and once more, and compares the store with a clean run into another home that
shares the pseudonymisation key (so that the stored pseudonyms are comparable).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs
from xinyong.store import Store

ROWS = 300_000  # about 3 s of ingest on a 2-core machine: room for kills in every stage
PERSONS = 20_000
ORGANISATIONS = 1_000
KILLS = 5
SEED = 20260301
FURNISHER = "utility-co"
XINYONG = str(Path(sys.executable).parent / "xinyong")

# (event type, share of person rows, share of organisation rows, amount?, attributes)
MIX = (
    ("bill.paid_on_time", 0.45, 0.20, True, "category"),
    ("bill.paid_late", 0.08, 0.05, True, "days_past_due"),
    ("purchase.completed", 0.30, 0.15, True, "category"),
    ("loan.repaid_on_time", 0.12, 0.10, True, None),
    ("identity.verified", 0.05, 0.05, False, None),
    ("supplier.paid_on_time", 0.0, 0.45, True, None),
)
CATEGORIES = np.array(["utility", "telecom", "rent", "insurance", "groceries", "household"])


def write_furnisher_csv(path: Path, rows: int, seed: int) -> None:
    """A valid canonical furnisher file: people and organisations, a mix of event types."""
    rng = np.random.default_rng(seed)
    persons = np.array(generate_prc_resident_ids(rng, PERSONS))
    organisations = np.array(generate_usccs(rng, ORGANISATIONS))
    is_org = rng.random(rows) < 0.1
    subject_id = np.where(is_org, organisations[rng.integers(0, ORGANISATIONS, rows)],
                          persons[rng.integers(0, PERSONS, rows)])
    kind = np.where(is_org, "organisation", "person")
    type_code = np.empty(rows, dtype=np.int64)
    for members, column in ((~is_org, 1), (is_org, 2)):
        shares = np.array([m[column] for m in MIX], dtype=np.float64)
        type_code[members] = rng.choice(len(MIX), int(members.sum()), p=shares / shares.sum())
    start = np.datetime64("2023-01-01T00:00:00", "s")
    occurred_at = (start + rng.integers(0, 2 * 365 * 86_400, rows).astype("timedelta64[s]"))
    amount = np.round(rng.lognormal(4.5, 0.9, rows), 2).astype(str)
    amount[~np.array([m[3] for m in MIX])[type_code]] = ""
    category = np.char.add(np.char.add('{"category": "', CATEGORIES[rng.integers(
        0, len(CATEGORIES), rows)]), '"}')
    days = np.char.add(np.char.add('{"days_past_due": ', rng.integers(1, 120, rows).astype(str)),
                       "}")
    attribute = np.array([m[4] or "" for m in MIX])[type_code]
    attributes = np.where(attribute == "category", category,
                          np.where(attribute == "days_past_due", days, "{}"))
    table = pa.table({
        "event_id": np.char.add("ev-", np.arange(rows).astype(str)),
        "subject_kind": kind,
        "subject_id": subject_id,
        "event_type": np.array([m[0] for m in MIX])[type_code],
        "occurred_at": occurred_at.astype(str),
        "amount": amount,
        "attributes": attributes,
    })
    pa_csv.write_csv(table, path)


def make_home(home: Path, key_from: Path | None = None) -> Path:
    """A new home (optionally with another home's key) with a furnisher licensed for all types."""
    if key_from is not None:
        (home / "keys").mkdir(parents=True)
        shutil.copy(key_from / "keys" / "id.key", home / "keys" / "id.key")
    with Store.init(home) as store:
        store.add_furnisher(FURNISHER, ["*"])
    return home


def start_ingest(home: Path, file: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [XINYONG, "ingest", str(file), "--furnisher", FURNISHER, "--home", str(home), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def ingest(home: Path, file: Path) -> dict[str, object]:
    process = start_ingest(home, file)
    stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr
    summary: dict[str, object] = json.loads(stdout)
    return summary


def file_state(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_mtime_ns, status.st_size


def wait_for_write(process: subprocess.Popen[str], database: Path, *, wal_only: bool) -> None:
    """Return once the process writes a new WAL (or, unless ``wal_only``, the database file)."""
    wal = database.with_name(database.name + ".wal")
    before = file_state(database), file_state(wal)  # a WAL left by a kill is replayed first
    while process.poll() is None:
        database_now, wal_now = file_state(database), file_state(wal)
        if wal_now is not None and wal_now != before[1]:
            return
        if not wal_only and database_now != before[0]:
            return
        time.sleep(0.001)


@dataclass(frozen=True)
class Snapshot:
    """What the store holds, read through a read-only connection."""

    events: int
    content: str | None  # md5 over every (event_id, md5 of the event's content), by event_id
    repeated_keys: int
    # (batch_id, rows, accepted, duplicates, quarantined, events stored with that batch_id)
    batches: list[tuple[int, ...]]
    quarantined: int


def snapshot(home: Path) -> Snapshot:
    con = duckdb.connect(str(home / "xinyong.duckdb"), read_only=True)
    try:
        # An event's content is everything stored about it but the store's own bookkeeping
        # (sequence, keys, batch, time), with the subject by kind and pseudonym: the same in
        # both homes.
        events, content = con.execute(
            "SELECT COUNT(*), md5(string_agg(event_id || ':' || md5(CAST(c AS VARCHAR)), ',' "
            "ORDER BY event_id)) FROM (SELECT e.* EXCLUDE (event_seq, subject_key, batch_id, "
            "recorded_at), s.kind, s.subject_ref FROM events AS e "
            "JOIN subjects AS s USING (subject_key)) AS c").fetchall()[0]
        repeated = con.execute(
            "SELECT COUNT(*) FROM (SELECT furnisher_id, event_id FROM events "
            "GROUP BY ALL HAVING COUNT(*) > 1)").fetchall()[0][0]
        batches = con.execute(
            "SELECT b.batch_id, b.rows, b.accepted, b.duplicates, b.quarantined, "
            "(SELECT COUNT(*) FROM events AS e WHERE e.batch_id = b.batch_id) "
            "FROM batches AS b ORDER BY b.batch_id").fetchall()
        quarantined = con.execute("SELECT COUNT(*) FROM quarantine").fetchall()[0][0]
    finally:
        con.close()
    return Snapshot(int(events), content, int(repeated),
                    [tuple(int(v) for v in b) for b in batches],
                    int(quarantined))


def assert_whole_batches(state: Snapshot, reference: Snapshot, rows: int) -> None:
    """The file is in the store completely or not at all, and every batch is complete."""
    assert state.repeated_keys == 0
    assert state.quarantined == 0
    assert state.events in (0, rows), f"{state.events:,} of {rows:,} rows stored: a partial batch"
    if state.events:
        assert state.content == reference.content, "the stored events differ from a clean run's"
    for batch_id, total, accepted, duplicates, quarantined, stored in state.batches:
        assert total == rows, f"batch {batch_id} counts {total:,} rows"
        assert accepted + duplicates + quarantined == total
        assert stored == accepted, f"batch {batch_id} accepted {accepted:,} but stored {stored:,}"
    assert sum(b[2] for b in state.batches) == state.events


@pytest.fixture(scope="module")
def furnisher_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "utility-co.csv"
    write_furnisher_csv(path, ROWS, SEED)
    return path


def test_killed_ingest_stores_all_or_nothing(furnisher_file: Path, tmp_path: Path) -> None:
    clean = make_home(tmp_path / "clean")
    started = time.perf_counter()
    summary = ingest(clean, furnisher_file)
    duration = time.perf_counter() - started
    assert summary["accepted"] == ROWS and summary["quarantined"] == 0
    reference = snapshot(clean)
    assert reference.events == ROWS and reference.repeated_keys == 0

    killed = make_home(tmp_path / "killed", key_from=clean)
    database = killed / "xinyong.duckdb"
    rng = np.random.default_rng(SEED)
    outcomes = []

    def kill_and_check(process: subprocess.Popen[str], delay: float, label: str) -> None:
        time.sleep(delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate()
        # A run that ended before its kill must have succeeded, or nothing was tested.
        assert not finished or process.returncode == 0, stderr
        state = snapshot(killed)
        assert_whole_batches(state, reference, ROWS)
        outcomes.append(f"{label}: {'finished' if finished else 'killed'}, "
                        f"{'all' if state.events else 'no'} rows stored")

    # The commit is a short slice of a run, so aim at it too. Nothing writes to the database
    # file before the commit: DuckDB first writes a large insert's row groups into it, then
    # logs the commit in the WAL and checkpoints. Kill once a little after the first write and
    # once as soon as the WAL appears; first, while the store holds none of the file.
    for label, wal_only, delay in (("after the first write", False, rng.uniform(0.0, 0.25)),
                                   ("as the WAL appears", True, rng.uniform(0.0, 0.01))):
        process = start_ingest(killed, furnisher_file)
        wait_for_write(process, database, wal_only=wal_only)
        kill_and_check(process, float(delay), f"{delay:.2f} s {label}")
    # One kill in each of KILLS equal slices of a run, so that every stage gets one. A kill after
    # the commit makes the next runs all-duplicate ones, which must be all-or-nothing too.
    edges = np.linspace(0.2, max(duration, 0.4), KILLS + 1)
    for delay in rng.uniform(edges[:-1], edges[1:]):
        kill_and_check(start_ingest(killed, furnisher_file), float(delay), f"at {delay:.2f} s")
    print(f"clean ingest {duration:.2f} s; kills: " + "; ".join(outcomes))

    before = snapshot(killed).events
    completed = ingest(killed, furnisher_file)
    assert completed["accepted"] == ROWS - before
    assert completed["duplicates"] == before
    assert completed["quarantined"] == 0
    again = ingest(killed, furnisher_file)
    assert again["accepted"] == 0 and again["duplicates"] == ROWS and again["quarantined"] == 0

    final = snapshot(killed)
    assert_whole_batches(final, reference, ROWS)
    assert final.events == reference.events
    assert final.content == reference.content
    assert final.repeated_keys == 0
