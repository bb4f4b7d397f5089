"""The audit chain: appending, verification, and tamper detection (edit, delete, reorder,
truncation, rewritten hashes, anchors), the commands, and a property test over random tampering."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path

import duckdb
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xinyong.errors import XinyongError
from xinyong.governance import record_audit
from xinyong.governance._audit import (
    GENESIS,
    TIME_FORMAT,
    atomic,
    audit_entries,
    audit_head,
    canonical_payload,
    in_transaction,
)
from xinyong.governance._audit_verify import format_anchor, parse_anchor, verify_chain
from xinyong.governance._cli_audit import register
from xinyong.store import Store
from xinyong.store._audit_schema import create_audit_tables

T0 = datetime(2026, 11, 2, 9, 0)


def chain(n: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_audit_tables(con)
    for i in range(n):
        record_audit(con, "consent.grant" if i % 2 else "inquiry.score", actor=f"party-{i % 3}",
                     subject_key=None if i % 5 == 4 else i, details={"n": i, "note": "ü"},
                     at=T0 + timedelta(seconds=i))
    return con


@pytest.fixture
def ten() -> Iterator[duckdb.DuckDBPyConnection]:
    con = chain(10)
    yield con
    con.close()


# -- tampering, as someone with write access to the database would do it ----------------------
def edit(con: duckdb.DuckDBPyConnection, seq: int) -> None:
    con.execute("UPDATE audit_log SET payload = payload || ' ' WHERE seq = ?", [seq])


def edit_hash(con: duckdb.DuckDBPyConnection, seq: int) -> None:
    con.execute("UPDATE audit_log SET hash = unhex(sha256('forged')) WHERE seq = ?", [seq])


def delete(con: duckdb.DuckDBPyConnection, seq: int) -> None:
    con.execute("DELETE FROM audit_log WHERE seq = ?", [seq])


def swap(con: duckdb.DuckDBPyConnection, a: int, b: int) -> None:
    con.execute("UPDATE audit_log SET seq = -1 WHERE seq = ?", [a])
    con.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", [a, b])
    con.execute("UPDATE audit_log SET seq = ? WHERE seq = -1", [b])


def truncate(con: duckdb.DuckDBPyConnection, first: int) -> None:
    con.execute("DELETE FROM audit_log WHERE seq >= ?", [first])


def rehash(con: duckdb.DuckDBPyConnection, seq: int) -> None:
    """Edit an entry and recompute its own hash, as someone who knows the scheme would."""
    edit(con, seq)
    con.execute("UPDATE audit_log SET hash = unhex(sha256(prev_hash || encode(payload))) "
                "WHERE seq = ?", [seq])


# -- appending ---------------------------------------------------------------------------------
def test_entries_chain_from_genesis(ten: duckdb.DuckDBPyConnection) -> None:
    rows = ten.execute("SELECT seq, payload, prev_hash, hash FROM audit_log ORDER BY seq"
                       ).fetchall()
    assert [r[0] for r in rows] == list(range(1, 11))
    previous = GENESIS
    for _, payload, prev, digest in rows:
        assert prev == previous
        assert digest == sha256(prev + payload.encode("utf-8")).digest()
        previous = digest
    assert audit_head(ten) == (10, previous)


def test_columns_are_read_from_the_hashed_payload(ten: duckdb.DuckDBPyConnection) -> None:
    row = ten.execute("SELECT recorded_at, actor, action, subject_key, payload FROM audit_log "
                      "WHERE seq = 2").fetchall()[0]
    assert row[:4] == (T0 + timedelta(seconds=1), "party-1", "consent.grant", 1)
    logged = json.loads(row[4]).get("logged_at")  # T0 is far from the wall clock
    assert logged is not None
    assert row[4] == canonical_payload(T0 + timedelta(seconds=1), "party-1", "consent.grant", 1,
                                       {"n": 1, "note": "ü"},
                                       datetime.strptime(logged, TIME_FORMAT))
    with pytest.raises(duckdb.Error):  # a derived column cannot be changed on its own
        ten.execute("UPDATE audit_log SET action = 'consent.revoke' WHERE seq = 2")


def test_entries_newest_first_by_subject_and_action(ten: duckdb.DuckDBPyConnection) -> None:
    assert [e.seq for e in audit_entries(ten, limit=3)] == [10, 9, 8]
    assert [e.seq for e in audit_entries(ten, action_prefix="consent")] == [10, 8, 6, 4, 2]
    assert [e.seq for e in audit_entries(ten, action_prefix="consent.grant", limit=2)] == [10, 8]
    assert audit_entries(ten, action_prefix="consen") == []
    (only,) = audit_entries(ten, subject_key=3)
    assert (only.seq, only.details) == (4, {"n": 3, "note": "ü"})


@pytest.mark.parametrize(("action", "actor", "code"), [
    ("consent", "subject", "BAD_AUDIT_ACTION"),
    ("Consent.Grant", "subject", "BAD_AUDIT_ACTION"),
    ("consent.grant", "", "BAD_AUDIT_ACTOR"),
])
def test_bad_entries_are_refused(ten: duckdb.DuckDBPyConnection, action: str, actor: str,
                                 code: str) -> None:
    with pytest.raises(XinyongError) as caught:
        record_audit(ten, action, actor=actor)
    assert caught.value.code == code
    with pytest.raises(XinyongError) as caught:
        record_audit(ten, "consent.grant", actor="subject", details={"x": "y" * 5000})
    assert caught.value.code == "AUDIT_DETAILS_TOO_LONG"
    assert audit_head(ten) is not None and audit_head(ten)[0] == 10  # type: ignore[index]


def test_an_entry_rolls_back_with_its_action(ten: duckdb.DuckDBPyConnection) -> None:
    ten.execute("CREATE TABLE actions (x INTEGER)")
    with pytest.raises(RuntimeError), atomic(ten):
        ten.execute("INSERT INTO actions VALUES (1)")
        record_audit(ten, "party.register", actor="operator")
        raise RuntimeError("the action failed")
    assert ten.execute("SELECT COUNT(*) FROM actions").fetchall() == [(0,)]
    assert audit_head(ten)[0] == 10  # type: ignore[index]
    assert verify_chain(ten).ok


def test_atomic_joins_an_open_transaction(ten: duckdb.DuckDBPyConnection) -> None:
    assert not in_transaction(ten)
    ten.execute("BEGIN TRANSACTION")
    assert in_transaction(ten)
    with atomic(ten):
        record_audit(ten, "party.register", actor="operator")
    assert in_transaction(ten)  # still the caller's, uncommitted
    ten.execute("ROLLBACK")
    assert audit_head(ten)[0] == 10  # type: ignore[index]


# -- verification ------------------------------------------------------------------------------
def test_an_intact_chain_verifies(ten: duckdb.DuckDBPyConnection) -> None:
    result = verify_chain(ten)
    assert (result.ok, result.entries, result.head_seq) == (True, 10, 10)
    assert result.to_json()["broken"] is None


def test_an_empty_chain_verifies() -> None:
    con = chain(0)
    assert (verify_chain(con).ok, verify_chain(con).entries) == (True, 0)


def test_an_edited_entry_is_named(ten: duckdb.DuckDBPyConnection) -> None:
    edit(ten, 6)
    broken = verify_chain(ten).broken
    assert broken is not None
    assert (broken.seq, broken.problem, broken.action) == (6, "edited", "consent.grant")
    assert broken.recorded_at == T0 + timedelta(seconds=5)


def test_a_deleted_entry_is_named(ten: duckdb.DuckDBPyConnection) -> None:
    delete(ten, 4)
    result = verify_chain(ten)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.problem, result.entries) == (4, "deleted", 3)
    assert "entry 4 is missing" in result.broken.message


def test_a_payload_that_is_no_longer_json_is_named(ten: duckdb.DuckDBPyConnection) -> None:
    ten.execute("UPDATE audit_log SET payload = 'gone' WHERE seq = 2")
    broken = verify_chain(ten).broken
    assert broken is not None and (broken.seq, broken.problem, broken.action) == (
        2, "edited", None)
    with pytest.raises(XinyongError) as caught:
        audit_entries(ten)
    assert caught.value.code == "AUDIT_ENTRY_UNREADABLE"


def test_deleting_the_first_entry_is_named() -> None:
    con = chain(3)
    delete(con, 1)
    broken = verify_chain(con).broken
    assert broken is not None and (broken.seq, broken.problem) == (1, "deleted")


def test_reordered_entries_are_named(ten: duckdb.DuckDBPyConnection) -> None:
    swap(ten, 3, 7)
    broken = verify_chain(ten).broken
    assert broken is not None and (broken.seq, broken.problem) == (3, "reordered")


def test_a_truncated_tail_is_detected_through_the_head(ten: duckdb.DuckDBPyConnection) -> None:
    truncate(ten, 9)
    result = verify_chain(ten)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.problem, result.entries) == (9, "truncated", 8)
    assert "9 to 10" in result.broken.message


def test_an_entry_rewritten_with_its_hash_breaks_the_next_link(
        ten: duckdb.DuckDBPyConnection) -> None:
    rehash(ten, 5)
    broken = verify_chain(ten).broken
    assert broken is not None and (broken.seq, broken.problem) == (6, "reordered")
    assert "entry 5 was rewritten" in broken.message


def test_a_rewritten_last_entry_shows_at_the_head(ten: duckdb.DuckDBPyConnection) -> None:
    rehash(ten, 10)
    broken = verify_chain(ten).broken
    assert broken is not None and (broken.seq, broken.problem) == (10, "head")


def test_a_missing_head_is_named(ten: duckdb.DuckDBPyConnection) -> None:
    ten.execute("DELETE FROM audit_head")
    broken = verify_chain(ten).broken
    assert broken is not None and broken.problem == "head"
    with pytest.raises(XinyongError) as caught:
        record_audit(ten, "party.register", actor="operator")
    assert caught.value.code == "AUDIT_HEAD_MISSING"


# -- anchors -----------------------------------------------------------------------------------
def rewrite_tail(con: duckdb.DuckDBPyConnection, first: int) -> None:
    """What an attacker who knows the scheme does: edit an entry, recompute every hash after it
    and the head. The chain verifies again; only an anchor kept elsewhere shows it."""
    edit(con, first)
    rows = con.execute("SELECT seq, payload FROM audit_log WHERE seq >= ? ORDER BY seq",
                       [first]).fetchall()
    previous = bytes(con.execute("SELECT hash FROM audit_log WHERE seq = ?",
                                 [first - 1]).fetchall()[0][0])
    for seq, payload in rows:
        digest = sha256(previous + payload.encode()).digest()
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                    [previous, digest, seq])
        previous = digest
    con.execute("UPDATE audit_head SET hash = ?", [previous])


def test_an_anchor_catches_a_rewritten_tail(ten: duckdb.DuckDBPyConnection) -> None:
    anchor = format_anchor(*audit_head(ten))  # type: ignore[misc]
    old_eight = format_anchor(8, bytes(ten.execute("SELECT hash FROM audit_log WHERE seq = 8")
                                       .fetchall()[0][0]))
    record_audit(ten, "party.register", actor="operator")
    assert verify_chain(ten, anchor=anchor).ok
    assert verify_chain(ten, anchor=anchor.split(":")[1]).ok  # the hash alone
    rewrite_tail(ten, 7)
    assert verify_chain(ten).ok  # the chain alone cannot tell
    for given_anchor, seq in ((anchor, 10), (anchor.split(":")[1], None), (old_eight, 8)):
        broken = verify_chain(ten, anchor=given_anchor).broken
        assert broken is not None and (broken.problem, broken.seq) == ("anchor", seq)


def test_an_anchor_past_the_end_is_named(ten: duckdb.DuckDBPyConnection) -> None:
    anchor = format_anchor(*audit_head(ten))  # type: ignore[misc]
    truncate(ten, 9)
    ten.execute("UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_log "
                "WHERE seq = 8)")
    assert verify_chain(ten).ok
    broken = verify_chain(ten, anchor=anchor).broken
    assert broken is not None and (broken.problem, broken.seq) == ("anchor", 10)
    assert "no longer in the chain" in broken.message


@pytest.mark.parametrize("text", ["", "abc", "1:" + "g" * 64, "x:" + "a" * 64, "a" * 63])
def test_bad_anchors_are_refused(text: str) -> None:
    with pytest.raises(XinyongError) as caught:
        parse_anchor(text)
    assert caught.value.code == "BAD_ANCHOR"


def test_progress_is_reported_per_batch() -> None:
    con = chain(10)
    seen: list[tuple[int, int]] = []
    assert verify_chain(con, batch_rows=4, progress=lambda d, t: seen.append((d, t))).ok
    assert seen == [(4, 10), (8, 10), (10, 10)]


# -- any single tampering is named at the first entry it affects ------------------------------
Tamper = Callable[[duckdb.DuckDBPyConnection, int, int], tuple[int, str]]


def _edit(con: duckdb.DuckDBPyConnection, n: int, k: int) -> tuple[int, str]:
    edit(con, k)
    return k, "edited"


def _edit_hash(con: duckdb.DuckDBPyConnection, n: int, k: int) -> tuple[int, str]:
    edit_hash(con, k)
    return k, "edited"


def _delete(con: duckdb.DuckDBPyConnection, n: int, k: int) -> tuple[int, str]:
    delete(con, k)
    return k, "deleted" if k < n else "truncated"


def _truncate(con: duckdb.DuckDBPyConnection, n: int, k: int) -> tuple[int, str]:
    truncate(con, k)
    return k, "truncated" if k > 1 or n > 0 else "ok"


def _swap(con: duckdb.DuckDBPyConnection, n: int, k: int) -> tuple[int, str]:
    other = k + 1 + (k * 7) % (n - k) if k < n else k - 1
    swap(con, k, other)
    return min(k, other), "reordered"


def _rehash(con: duckdb.DuckDBPyConnection, n: int, k: int) -> tuple[int, str]:
    rehash(con, k)
    return (k + 1, "reordered") if k < n else (k, "head")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 24), where=st.floats(0, 1, exclude_max=True),
       tamper=st.sampled_from([_edit, _edit_hash, _delete, _truncate, _swap, _rehash]),
       batch_rows=st.sampled_from([1, 2, 3, 5, 1 << 17]))
def test_any_single_tampering_names_the_first_affected_entry(
        n: int, where: float, tamper: Tamper, batch_rows: int) -> None:
    con = chain(n)
    k = 1 + int(where * n)
    seq, problem = tamper(con, n, k)
    result = verify_chain(con, batch_rows=batch_rows)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.problem) == (seq, problem)
    con.close()


# -- the commands ------------------------------------------------------------------------------
runner = CliRunner()
app = typer.Typer()
audit_commands = typer.Typer()
register(app, audit_commands)
app.add_typer(audit_commands, name="audit")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    with Store.init(tmp_path / "home") as store:
        store.add_furnisher("acme-lending", ["loan.*"])
        for i in range(4):
            record_audit(store.con, "party.register", actor="operator", details={"i": i})
    return tmp_path / "home"


def invoke(home: Path, *args: str) -> typer.testing.Result:
    return runner.invoke(app, ["audit", *args, "--home", str(home)])


def test_verify_command_exit_codes_and_json(home: Path) -> None:
    ok = invoke(home, "verify", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output) | {"head_hash": None} == {
        "ok": True, "entries": 5, "head_seq": 5, "head_hash": None, "anchor": None,
        "broken": None}
    assert "audit chain intact: 5 entries" in invoke(home, "verify").output
    with Store.open(home) as store:
        edit(store.con, 3)
    broken = invoke(home, "verify", "--json")
    assert broken.exit_code == 1
    found = json.loads(broken.output)["broken"]
    assert (found["seq"], found["problem"], found["action"]) == (3, "edited", "party.register")
    text = invoke(home, "verify")
    assert text.exit_code == 1
    assert "entry 3 (party.register, recorded" in " ".join(text.output.split())


def test_anchor_command_and_verify_against_it(home: Path) -> None:
    shown = invoke(home, "anchor", "--json")
    assert shown.exit_code == 0
    anchor = json.loads(shown.output)["anchor"]
    assert anchor.startswith("5:") and len(anchor) == 2 + 64
    assert invoke(home, "anchor").stdout.strip() == anchor
    assert invoke(home, "verify", "--anchor", anchor).exit_code == 0
    with Store.open(home) as store:
        rewrite_tail(store.con, 4)
    assert invoke(home, "verify").exit_code == 0
    result = invoke(home, "verify", "--anchor", anchor, "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["broken"]["problem"] == "anchor"
    bad = invoke(home, "verify", "--anchor", "nope")
    assert isinstance(bad.exception, XinyongError) and bad.exception.code == "BAD_ANCHOR"


def test_log_command_filters(home: Path) -> None:
    every = json.loads(invoke(home, "log", "--json").output)
    assert [e["action"] for e in every] == ["party.register"] * 4 + ["furnisher.add"]
    assert every[-1]["details"] == {"furnisher_id": 1, "name": "acme-lending",
                                    "may_report": ["loan.*"]}
    some = json.loads(invoke(home, "log", "--action", "furnisher", "--json").output)
    assert [e["seq"] for e in some] == [1]
    assert len(json.loads(invoke(home, "log", "--limit", "2", "--json").output)) == 2
    table = invoke(home, "log")
    assert table.exit_code == 0 and "furnisher.add" in table.output
    assert "no audit entries match" in invoke(home, "log", "--action", "dispute").output


def test_a_long_chain_verifies_behind_a_progress_bar(home: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from xinyong.governance import _cli_audit

    shown = io.StringIO()
    monkeypatch.setattr(_cli_audit, "PROGRESS_FROM", 1)
    monkeypatch.setattr(_cli_audit, "err", Console(file=shown, force_terminal=True))
    with Store.open(home) as store:
        result = _cli_audit._verify(store, None, show_progress=True)
    assert (result.ok, result.entries) == (True, 5)
    assert "verifying the audit chain" in shown.getvalue()


def test_an_action_dated_away_from_the_wall_clock_also_records_when_it_was_logged(
    tmp_path: Path,
) -> None:
    with Store.init(tmp_path / "home") as store:
        now = datetime.now(UTC).replace(tzinfo=None)
        record_audit(store.con, "consent.grant", actor="party-1", at=now)
        record_audit(store.con, "consent.revoke", actor="party-1", at=now - timedelta(days=60))
        backdated, dated_now = audit_entries(store.con, limit=2)  # newest first
        assert (backdated.action, dated_now.action) == ("consent.revoke", "consent.grant")
        assert dated_now.logged_at is None  # dated now: nothing to add
        assert backdated.recorded_at == now - timedelta(days=60)
        assert backdated.logged_at is not None
        assert abs(backdated.logged_at - now) < timedelta(minutes=1)
        assert verify_chain(store.con).ok
