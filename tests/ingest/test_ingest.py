"""Furnisher ingestion: every error code, quarantine, idempotency, conflicts, corrections,
licences, enrollment modes and the three canonical formats."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.ingest import FileRefused, ingest_file
from xinyong.scoring.engine import score_population, score_subject
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

PERSON = "11010519491231002X"
PERSON_2 = "110105194912310029"  # valid: same body, other check digit is wrong → fixed below
ORG = "91350100M000100Y43"
COLUMNS = ["event_id", "subject_kind", "subject_id", "event_type", "occurred_at", "amount",
           "attributes"]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
    return path


def row(event_id: str, event_type: str = "bill.paid_on_time", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"event_id": event_id, "subject_kind": "person", "subject_id": PERSON,
                            "event_type": event_type, "occurred_at": "2026-03-01",
                            "amount": None, "attributes": None}
    base.update(kw)
    if isinstance(base["attributes"], dict):
        base["attributes"] = json.dumps(base["attributes"])
    return base


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.init(tmp_path / "home")
    s.add_furnisher("utility", ["bill.*", "identity.*", "address.*"])
    s.add_furnisher("lender", ["loan.*", "inquiry.*", "relationship.*", "tax.*"])
    return s


def codes(summary: Any) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for e in summary.errors:
        found.setdefault(e["row"], set()).add(e["code"])
    return found


BAD_ROWS: list[tuple[dict[str, Any], str]] = [
    (row(""), "EVENT_ID_MISSING"),
    (row("x" * 65), "EVENT_ID_TOO_LONG"),
    (row("k1", subject_kind="robot"), "SUBJECT_KIND_INVALID"),
    (row("k2", subject_id=""), "SUBJECT_ID_MISSING"),
    (row("k3", subject_id="1101051949123100"), "ID_LENGTH"),
    (row("k4", subject_id="1101051949123100A2"), "ID_CHARSET"),
    (row("k5", subject_id="110105194912310021"), "ID_CHECKSUM"),
    (row("k6", subject_id="110105194913310025"), "ID_BIRTH_DATE"),
    (row("k7", subject_kind="organisation", subject_id="91350100M000100Y44"), "ID_CHECKSUM"),
    (row("k8", event_type=""), "EVENT_TYPE_MISSING"),
    (row("k9", event_type="bill.paid_sideways"), "EVENT_TYPE_UNKNOWN"),
    (row("k10", event_type="religion.service_attended"), "PROTECTED_CATEGORY"),
    (row("k11", event_type="loan.repaid_on_time"), "NOT_LICENSED"),
    (row("k12", event_type="bill.paid_on_time", subject_kind="organisation", subject_id=ORG,
         attributes={"category": "groceries", "location": "x"}), "PROTECTED_CATEGORY"),
    (row("k13", occurred_at=""), "OCCURRED_AT_MISSING"),
    (row("k14", occurred_at="2026-02-30"), "OCCURRED_AT_INVALID"),
    (row("k15", occurred_at="2999-01-01"), "OCCURRED_AT_FUTURE"),
    (row("k16", occurred_at="1850-01-01"), "OCCURRED_AT_TOO_OLD"),
    (row("k17", amount="12,5"), "AMOUNT_INVALID"),
    (row("k18", amount="-3"), "AMOUNT_NEGATIVE"),
    (row("k19", amount="1e20"), "AMOUNT_ABSURD"),
    (row("k20", event_type="identity.verified", amount="10"), "AMOUNT_NOT_ALLOWED"),
    (row("k21", attributes="[1, 2]"), "ATTRIBUTES_INVALID"),
    (row("k22", attributes={"colour": "red"}), "ATTRIBUTE_UNKNOWN"),
    (row("k23", event_type="bill.paid_late"), "ATTRIBUTE_REQUIRED"),
    (row("k24", event_type="bill.paid_late", attributes={"days_past_due": "soon"}),
     "ATTRIBUTE_TYPE"),
    (row("k25", event_type="bill.paid_late", attributes={"days_past_due": 0}), "ATTRIBUTE_RANGE"),
    (row("k26", attributes={"category": "books"}), "ATTRIBUTE_VALUE"),
    (row("k27", event_type="correction.void"), "CORRECTION_TARGET_MISSING"),
    (row("k28", event_type="correction.void", attributes={"target_event_id": "nope"}),
     "CORRECTION_TARGET_UNKNOWN"),
    (row("k29", event_type="correction.replace", attributes={"target_event_id": "ok1"}),
     "REPLACEMENT_TYPE_UNKNOWN"),
]


def test_every_error_code_is_reported_with_row_field_and_offset(store: Store,
                                                               tmp_path: Path) -> None:
    rows = [row("ok1"), *(r for r, _ in BAD_ROWS)]
    path = write_csv(tmp_path / "bad.csv", rows)
    summary = ingest_file(store, path, furnisher="utility")
    found = codes(summary)
    for i, (_, code) in enumerate(BAD_ROWS, start=2):
        assert code in found.get(i, set()), (i, code, found.get(i))
    assert summary.accepted == 1
    assert summary.quarantined == len(BAD_ROWS)
    assert summary.exit_code == 1
    offsets = [e["offset"] for e in summary.errors]
    assert all(isinstance(o, int) and o > 0 for o in offsets)
    data = path.read_bytes()
    first = next(e for e in summary.errors if e["row"] == 2)
    assert data[first["offset"]:].startswith(b",person")  # row 2 has an empty event_id
    # the quarantine keeps every reason and the raw fields
    stored = store.query("SELECT row_number, errors, raw FROM quarantine ORDER BY row_number")
    assert len(stored) == len(BAD_ROWS)
    raw = json.loads(stored[1][2])
    assert raw["event_id"] == "x" * 65


def test_a_row_with_several_problems_lists_them_all(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "multi.csv", [row("m1", subject_kind="robot", amount="-1",
                                                  occurred_at="tomorrow-ish")])
    summary = ingest_file(store, path, furnisher="utility")
    assert codes(summary)[1] >= {"SUBJECT_KIND_INVALID", "AMOUNT_NEGATIVE", "OCCURRED_AT_INVALID"}


def test_malformed_csv_row_is_quarantined_and_numbering_holds(store: Store,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    good = write_csv(tmp_path / "g.csv", [row("a1"), row("a2"), row("a3")]).read_text()
    lines = good.splitlines()
    lines.insert(2, "a9,person,x,bill.paid_on_time,2026-01-01,,,one too many")
    path.write_text("\n".join(lines) + "\n")
    summary = ingest_file(store, path, furnisher="utility")
    assert summary.accepted == 3 and summary.quarantined == 1
    bad = summary.errors[0]
    assert bad["code"] == "MALFORMED_ROW" and bad["row"] == 2


def test_reingest_is_idempotent_and_conflicts_are_quarantined(store: Store,
                                                              tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", [row("e1"), row("e2", amount="10")])
    s1 = ingest_file(store, first, furnisher="utility")
    assert (s1.accepted, s1.duplicates, s1.quarantined) == (2, 0, 0)
    s2 = ingest_file(store, first, furnisher="utility")
    assert (s2.accepted, s2.duplicates, s2.quarantined, s2.exit_code) == (0, 2, 0, 0)
    changed = write_csv(tmp_path / "b.csv", [row("e2", amount="11"), row("e3"), row("e3"),
                                             row("e4"), row("e4", amount="5")])
    s3 = ingest_file(store, changed, furnisher="utility")
    assert s3.accepted == 2  # e3 and the first e4
    assert s3.duplicates == 1  # the second, identical e3
    assert s3.conflicts == 2 and s3.quarantined == 2  # e2 changed, second e4 differs
    assert {e["code"] for e in s3.errors} == {"CONFLICT"}
    (amount,) = store.query("SELECT amount FROM events WHERE event_id = 'e2'")[0]
    assert amount == 10.0  # never overwritten
    shas = store.query("SELECT sha256 FROM batches ORDER BY batch_id")
    assert all(len(s) == 64 for (s,) in shas)


def test_same_event_id_from_another_furnisher_is_not_a_conflict(store: Store,
                                                                 tmp_path: Path) -> None:
    store.add_furnisher("utility-2", ["bill.*"])
    path = write_csv(tmp_path / "a.csv", [row("e1")])
    ingest_file(store, path, furnisher="utility")
    s = ingest_file(store, path, furnisher="utility-2")
    assert s.accepted == 1


def test_void_stops_counting_but_history_keeps_it(store: Store, tmp_path: Path) -> None:
    rulebook = load_rulebook("sesame-like")
    history = [row("h1", event_type="identity.verified", occurred_at="2024-01-01"),
               row("h2", occurred_at="2026-01-01"), row("h4", occurred_at="2026-02-01"),
               row("h5", occurred_at="2026-03-01"),
               row("h3", event_type="bill.paid_late", occurred_at="2026-06-01",
                   attributes={"days_past_due": 95})]
    ingest_file(store, write_csv(tmp_path / "h.csv", history), furnisher="utility")
    key, _ = store.find_subject(PERSON)
    as_of = date(2026, 11, 1)
    before = score_subject(store, rulebook, key, as_of)
    void = write_csv(tmp_path / "v.csv", [row("v1", event_type="correction.void",
                                              attributes={"target_event_id": "h3"})])
    s = ingest_file(store, void, furnisher="utility")
    assert (s.accepted, s.corrections) == (1, 1)
    after = score_subject(store, rulebook, key, as_of)
    assert after["score"] > before["score"]
    assert "BILL_LATE" not in [after[f"reason_{i}"] for i in range(1, 5)]
    assert store.query("SELECT COUNT(*) FROM events WHERE event_id = 'h3'")[0][0] == 1
    again = ingest_file(store, void, furnisher="utility")
    assert (again.accepted, again.duplicates) == (0, 1)


def test_replace_swaps_the_event(store: Store, tmp_path: Path) -> None:
    ingest_file(store, write_csv(tmp_path / "h.csv", [
        row("r1", event_type="bill.paid_late", attributes={"days_past_due": 95})]),
        furnisher="utility")
    replace = row("r1-fix", event_type="correction.replace",
                  attributes={"target_event_id": "r1", "event_type": "bill.paid_late",
                              "days_past_due": 5})
    s = ingest_file(store, write_csv(tmp_path / "r.csv", [replace]), furnisher="utility")
    assert (s.accepted, s.corrections, s.quarantined) == (1, 1, 0)
    live = store.query("SELECT event_id, days_past_due FROM scoring_events ORDER BY event_id")
    assert live == [("r1-fix", 5)]
    assert store.query("SELECT COUNT(*) FROM events")[0][0] == 2


def test_correction_of_another_furnishers_event_is_refused(store: Store, tmp_path: Path) -> None:
    ingest_file(store, write_csv(tmp_path / "l.csv", [row("l1", event_type="inquiry.hard")]),
                furnisher="lender")
    s = ingest_file(store, write_csv(tmp_path / "v.csv", [
        row("v1", event_type="correction.void", attributes={"target_event_id": "l1"})]),
        furnisher="utility")
    assert codes(s)[1] == {"CORRECTION_TARGET_UNKNOWN"}


def test_jsonl_and_parquet_give_the_same_events_as_csv(tmp_path: Path) -> None:
    rows = [row("j1", amount="12.5", attributes={"category": "utility"}),
            row("j2", event_type="bill.paid_late", attributes={"days_past_due": 31}),
            row("j3", subject_kind="organisation", subject_id=ORG,
                occurred_at="2026-03-01T10:00:00+08:00")]
    csv_path = write_csv(tmp_path / "f.csv", rows)
    jsonl = tmp_path / "f.jsonl"
    jsonl.write_text("\n".join(json.dumps({**r, "attributes": json.loads(r["attributes"])
                                           if r["attributes"] else None}) for r in rows) + "\n")
    parquet = tmp_path / "f.parquet"
    pq.write_table(pa.table({c: [r[c] for r in rows] for c in COLUMNS}), parquet)
    seen = []
    for i, path in enumerate([csv_path, jsonl, parquet]):
        s = Store.init(tmp_path / f"h{i}")
        s.add_furnisher("utility", ["bill.*"])
        summary = ingest_file(s, path, furnisher="utility")
        assert summary.accepted == 3, summary.errors
        # (content hashes differ between homes: each has its own pseudonym key)
        seen.append(s.query("SELECT event_id, occurred_at, amount, days_past_due, category "
                            "FROM events ORDER BY event_id"))
        s.close()
    assert seen[0] == seen[1] == seen[2]
    assert str(seen[0][2][1]) == "2026-03-01 02:00:00"  # +08:00 stored as UTC


def test_jsonl_bad_line_has_offset(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    good = json.dumps(row("g1"))
    path.write_text(good + "\n{not json\n" + json.dumps(row("g2")) + "\n")
    s = ingest_file(store, path, furnisher="utility")
    assert s.accepted == 2
    assert s.errors == [{"row": 2, "offset": len(good) + 1, "field": "row",
                         "code": "MALFORMED_ROW", "message": s.errors[0]["message"]}]


def test_voluntary_profile_holds_reports_until_opt_in(tmp_path: Path) -> None:
    s = Store.init(tmp_path / "eu", jurisdiction="eu")
    s.add_furnisher("utility", ["bill.*", "identity.*"])
    rows = [row("v1", subject_id="anna-1", event_type="identity.verified",
                occurred_at="2024-01-01"),
            row("v2", subject_id="anna-1"), row("v3", subject_id="anna-1")]
    summary = ingest_file(s, write_csv(tmp_path / "v.csv", rows), furnisher="utility")
    assert (summary.accepted, summary.held) == (3, 3)
    rulebook = load_rulebook("sesame-like")
    run = score_population(s, rulebook, date(2026, 11, 1))
    assert run.subjects == 0
    key, _ = s.find_subject("anna-1")
    s.set_enrolled(key, True)
    run = score_population(s, rulebook, date(2026, 11, 1))
    assert (run.subjects, run.scored) == (1, 1)


def test_mandatory_profile_enrolls_on_first_report(store: Store, tmp_path: Path) -> None:
    s = ingest_file(store, write_csv(tmp_path / "a.csv", [row("e1")]), furnisher="utility")
    assert s.held == 0
    assert store.query("SELECT enrolled FROM subjects") == [(True,)]


def test_refused_files(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as info:
        ingest_file(store, write_csv(tmp_path / "a.csv", [row("e1")]), furnisher="nobody")
    assert info.value.code == "UNKNOWN_FURNISHER"
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(FileRefused) as info:
        ingest_file(store, tmp_path / "x.csv", furnisher="utility")
    assert info.value.code == "MISSING_COLUMNS"
    (tmp_path / "x.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(FileRefused) as info:
        ingest_file(store, tmp_path / "x.parquet", furnisher="utility")
    assert info.value.code == "UNREADABLE_FILE"
    with pytest.raises(FileRefused) as info:
        ingest_file(store, tmp_path / "x.txt", furnisher="utility")
    assert info.value.code == "UNREADABLE_FILE"


def test_people_ids_never_reach_the_database_file(store: Store, tmp_path: Path) -> None:
    ingest_file(store, write_csv(tmp_path / "a.csv", [row("e1")]), furnisher="utility")
    store.con.execute("CHECKPOINT")
    store.close()
    data = (tmp_path / "home" / "xinyong.duckdb").read_bytes()
    assert PERSON.encode() not in data
    assert b"raw" not in data or PERSON.encode() not in data


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    home = str(tmp_path / "cli")
    assert runner.invoke(app, ["init", "--home", home]).exit_code == 0
    assert runner.invoke(app, ["furnisher", "add", "utility", "--may-report", "bill.*",
                               "--home", home]).exit_code == 0
    good = write_csv(tmp_path / "g.csv", [row("e1")])
    result = runner.invoke(app, ["ingest", str(good), "--furnisher", "utility", "--home", home,
                                 "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) >= {"accepted", "quarantined", "duplicates", "conflicts", "errors"}
    bad = write_csv(tmp_path / "b.csv", [row("e2", amount="-1")])
    assert runner.invoke(app, ["ingest", str(bad), "--furnisher", "utility", "--home",
                               home]).exit_code == 1
    from xinyong.cli import main

    with pytest.raises(SystemExit) as info:
        main(["ingest", str(good), "--furnisher", "ghost", "--home", home])
    assert info.value.code == 2
    assert runner.invoke(app, ["furnisher", "add", "x", "--may-report", "nothing.*",
                               "--home", home]).exit_code != 0
