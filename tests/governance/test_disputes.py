"""Disputes: the clock, suppression, deletion and non-reinsertion, what relying parties see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.decisions.conftest import batch
from xinyong.cli import app
from xinyong.decisions._lists import add_listing, remove_listing
from xinyong.decisions._scores import latest_score
from xinyong.errors import XinyongError
from xinyong.governance._disputes import (
    add_business_days,
    answer_dispute,
    certify_record,
    list_disputes,
    open_dispute,
    subject_disputes,
    sweep_disputes,
)
from xinyong.ingest._pipeline import ingest_file
from xinyong.scoring.engine import score_population, score_subject
from xinyong.scoring.explain import explain
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

AS_OF = date(2026, 11, 1)
FRIDAY = datetime(2026, 11, 27, 10, 0)  # 27 November 2026 is a Friday
RULEBOOK = load_rulebook("sesame-like")
FURNISHER = "city-power"


def _day(days_ago: int) -> datetime:
    return datetime(AS_OF.year, AS_OF.month, AS_OF.day) - timedelta(days=days_ago)


def _record(subject: str, event_id: str, event_type: str, days_ago: int,
            **extra: Any) -> dict[str, Any]:
    return {"subject_id": subject, "subject_kind": "person", "event_id": event_id,
            "event_type": event_type, "occurred_at": _day(days_ago), **extra}


def _clean_history(subject: str) -> list[dict[str, Any]]:
    rows = [_record(subject, f"{subject}-id", "identity.verified", 700),
            _record(subject, f"{subject}-inc", "income.verified", 60, amount=9000.0)]
    rows += [_record(subject, f"{subject}-b{i}", "bill.paid_on_time", 15 + 30 * i,
                     category="utility") for i in range(12)]
    return rows


LATE_CSV = ("event_id,subject_kind,subject_id,event_type,occurred_at,amount,attributes\n"
            'L1,person,P-A,bill.paid_late,2026-10-01,,"{""days_past_due"": 75}"\n')


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """P-A and P-B have the same clean history; P-A also has a late bill from city-power."""
    s = Store.init(tmp_path / "home", jurisdiction="us")
    s.append_events(batch(_clean_history("P-A") + _clean_history("P-B")))
    s.add_furnisher(FURNISHER, ["bill.*"])
    (tmp_path / "late.csv").write_text(LATE_CSV)
    assert ingest_file(s, tmp_path / "late.csv", furnisher=FURNISHER).accepted == 1
    yield s
    s.close()


def key(store: Store, subject: str) -> int:
    return store.find_subject(subject, "person")[0]


def open_late(store: Store, **kwargs: Any) -> int:
    kwargs.setdefault("now", FRIDAY)
    return open_dispute(store, key(store, "P-A"), event=f"{FURNISHER}:L1",
                        reason="I paid this bill on time", **kwargs).dispute_id


def scoring_ids(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT event_id FROM scoring_events")}


def audit_actions(store: Store) -> list[str]:
    """The dispute entries of the audit chain, in order."""
    return [r[0] for r in store.query(
        "SELECT action FROM audit_log WHERE action LIKE 'dispute.%' ORDER BY seq")]


# -- the clock -------------------------------------------------------------------------------
def test_friday_dispute_is_notified_by_the_next_friday() -> None:
    assert add_business_days(FRIDAY, 5) == datetime(2026, 12, 4, 10, 0)
    assert add_business_days(datetime(2026, 11, 28, 9), 5) == datetime(2026, 12, 4, 9)  # Sat
    assert add_business_days(datetime(2026, 11, 23, 9), 5) == datetime(2026, 11, 30, 9)  # Mon


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(min_value=1, max_value=30))
def test_business_days_skip_weekends_only(start: datetime, days: int) -> None:
    end = add_business_days(start, days)
    assert end.weekday() < 5 and end.time() == start.time()
    between = [(start + timedelta(days=i)).weekday() for i in range(1, (end - start).days + 1)]
    assert sum(1 for w in between if w < 5) == days


def test_open_sets_notify_and_respond_deadlines(store: Store) -> None:
    plain = open_dispute(store, key(store, "P-A"), event=f"{FURNISHER}:L1", reason="wrong",
                         now=FRIDAY)
    assert plain.notify_by == datetime(2026, 12, 4, 10, 0)
    assert plain.respond_by == FRIDAY + timedelta(days=30)
    assert plain.status == "open" and plain.furnisher == FURNISHER
    answer_dispute(store, plain.dispute_id, furnisher=FURNISHER, answer="verified", now=FRIDAY)
    with_info = open_dispute(store, key(store, "P-A"), event=f"{FURNISHER}:L1", reason="wrong",
                             added_information=True, now=FRIDAY)
    assert with_info.respond_by == FRIDAY + timedelta(days=45)


def test_sweep_notifies_and_suppresses_exactly_after_respond_by(store: Store) -> None:
    dispute_id = open_late(store)
    first = sweep_disputes(store, now=FRIDAY + timedelta(hours=1))
    assert first.notified == [dispute_id] and first.suppressed == []
    assert store.query("SELECT furnisher FROM dispute_notifications") == [(FURNISHER,)]
    respond_by = FRIDAY + timedelta(days=30)
    assert sweep_disputes(store, now=respond_by).suppressed == []
    assert "L1" in scoring_ids(store)
    assert sweep_disputes(store, now=respond_by + timedelta(seconds=1)).suppressed == [dispute_id]
    assert "L1" not in scoring_ids(store)
    assert list_disputes(store, status="suppressed")[0].dispute_id == dispute_id
    assert audit_actions(store) == ["dispute.open", "dispute.notify", "dispute.suppress"]
    # a second sweep has nothing left to do
    again = sweep_disputes(store, now=respond_by + timedelta(days=1))
    assert again.notified == [] and again.suppressed == []


def test_a_late_sweep_still_notifies_and_says_it_was_late(store: Store) -> None:
    dispute_id = open_late(store)
    result = sweep_disputes(store, now=FRIDAY + timedelta(days=10))
    assert result.late_notifications == [dispute_id]


def test_answered_dispute_is_never_suppressed(store: Store) -> None:
    dispute_id = open_late(store)
    answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="verified",
                   now=FRIDAY + timedelta(days=29))
    assert sweep_disputes(store, now=FRIDAY + timedelta(days=60)).suppressed == []
    assert "L1" in scoring_ids(store)


def test_suppressed_event_no_longer_moves_the_score(store: Store) -> None:
    a, b = key(store, "P-A"), key(store, "P-B")
    clean = score_subject(store, RULEBOOK, b, AS_OF)["score"]
    before = score_subject(store, RULEBOOK, a, AS_OF)["score"]
    assert before < clean
    open_late(store)
    sweep_disputes(store, now=FRIDAY + timedelta(days=31))
    assert score_subject(store, RULEBOOK, a, AS_OF)["score"] == pytest.approx(clean)


# -- answers ---------------------------------------------------------------------------------
def test_only_the_furnisher_answers_and_only_once(store: Store) -> None:
    dispute_id = open_late(store)
    with pytest.raises(XinyongError) as wrong:
        answer_dispute(store, dispute_id, furnisher="other-bank", answer="verified")
    assert wrong.value.code == "DISPUTE_WRONG_FURNISHER"
    answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="verified")
    with pytest.raises(XinyongError) as closed:
        answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="deleted")
    assert closed.value.code == "DISPUTE_CLOSED"


def test_a_record_has_one_open_dispute_at_a_time(store: Store) -> None:
    open_late(store)
    with pytest.raises(XinyongError) as again:
        open_late(store)
    assert again.value.code == "DISPUTE_ALREADY_OPEN"


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"event": "city-power:NOPE"}, "DISPUTE_TARGET_UNKNOWN"),
    ({"event": "no-colon"}, "DISPUTE_TARGET_INVALID"),
    ({"event": "city-power:L1", "reason": "  "}, "DISPUTE_REASON_MISSING"),
    ({"event": "city-power:L1", "statement": "x" * 501}, "DISPUTE_STATEMENT_TOO_LONG"),
    ({}, "DISPUTE_TARGET_INVALID"),
])
def test_open_refuses_what_a_person_can_fix(store: Store, kwargs: dict[str, Any],
                                           code: str) -> None:
    kwargs.setdefault("reason", "wrong")
    with pytest.raises(XinyongError) as refused:
        open_dispute(store, key(store, "P-A"), **kwargs)
    assert refused.value.code == code


def test_another_subjects_record_cannot_be_disputed(store: Store) -> None:
    with pytest.raises(XinyongError) as refused:
        open_dispute(store, key(store, "P-B"), event=f"{FURNISHER}:L1", reason="not mine")
    assert refused.value.code == "DISPUTE_TARGET_UNKNOWN"


def test_corrected_needs_the_correction_first(store: Store, tmp_path: Path) -> None:
    dispute_id = open_late(store)
    with pytest.raises(XinyongError) as early:
        answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="corrected")
    assert early.value.code == "DISPUTE_NOT_CORRECTED"
    fix = tmp_path / "fix.csv"
    fix.write_text("event_id,subject_kind,subject_id,event_type,occurred_at,amount,attributes\n"
                   'C1,person,P-A,correction.replace,2026-10-01,,"{""target_event_id"": ""L1"", '
                   '""event_type"": ""bill.paid_on_time""}"\n')
    assert ingest_file(store, fix, furnisher=FURNISHER).corrections == 1
    answered = answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="corrected",
                              note="paid on time; our error")
    assert answered.status == "corrected" and answered.answer_note == "paid on time; our error"


# -- deletion and non-reinsertion ------------------------------------------------------------
def test_deleted_record_is_refused_at_reingest_until_certified(store: Store,
                                                               tmp_path: Path) -> None:
    late = tmp_path / "late.csv"
    dispute_id = open_late(store)
    answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="deleted", now=FRIDAY)
    assert "L1" not in scoring_ids(store)

    resent = ingest_file(store, late, furnisher=FURNISHER)
    assert resent.quarantined == 1 and [e["code"] for e in resent.errors] == ["DISPUTE_DELETED"]
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(LATE_CSV.replace("L1,", "L1-again,"))
    under_new_id = ingest_file(store, renamed, furnisher=FURNISHER)
    assert [e["code"] for e in under_new_id.errors] == ["DISPUTE_DELETED"]
    replaced = tmp_path / "replace.csv"  # nor as a "replacement" with slightly other content
    replaced.write_text("event_id,subject_kind,subject_id,event_type,occurred_at,amount,"
                        "attributes\n"
                        'R1,person,P-A,correction.replace,2026-10-01,,"{""target_event_id"": '
                        '""L1"", ""event_type"": ""bill.paid_late"", ""days_past_due"": 80}"\n')
    as_replacement = ingest_file(store, replaced, furnisher=FURNISHER)
    assert [e["code"] for e in as_replacement.errors] == ["DISPUTE_DELETED"]
    other = tmp_path / "other.csv"  # another record about the same subject is not blocked
    other.write_text(LATE_CSV.replace("L1,", "L2,").replace("2026-10-01", "2026-09-01"))
    assert ingest_file(store, other, furnisher=FURNISHER).accepted == 1

    with pytest.raises(XinyongError) as no_note:
        certify_record(store, dispute_id, furnisher=FURNISHER, note=" ")
    assert no_note.value.code == "DISPUTE_NOTE_MISSING"
    certified = certify_record(store, dispute_id, furnisher=FURNISHER,
                               note="statement re-checked against the meter log",
                               now=FRIDAY + timedelta(days=3))
    assert certified.status == "reinstated"
    assert "L1" in scoring_ids(store)
    again = ingest_file(store, late, furnisher=FURNISHER)
    assert again.quarantined == 0 and again.duplicates == 1
    renamed_again = ingest_file(store, renamed, furnisher=FURNISHER)
    assert renamed_again.quarantined == 0 and renamed_again.accepted == 0
    assert audit_actions(store) == ["dispute.open", "dispute.answer", "dispute.certify"]
    notices = store.query("SELECT kind FROM subject_notices WHERE subject_key = ?",
                          [key(store, "P-A")])
    assert ("dispute_reinstated",) in notices


def test_suppressed_record_can_be_deleted_or_certified_but_not_verified(store: Store) -> None:
    dispute_id = open_late(store)
    sweep_disputes(store, now=FRIDAY + timedelta(days=31))
    with pytest.raises(XinyongError) as late:
        answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="verified")
    assert late.value.code == "DISPUTE_CLOSED"
    certify_record(store, dispute_id, furnisher=FURNISHER, note="checked")
    assert "L1" in scoring_ids(store)


def test_bulk_append_refuses_a_deleted_record(store: Store) -> None:
    dispute_id = open_late(store)
    answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="deleted")
    store.close()  # a file ingest leaves a temp table the bulk path cannot replace (see report)
    store = Store.open(store.home)
    row = _record("P-A", "L1-bulk", "bill.paid_late", 31, days_past_due=75)
    row["occurred_at"] = datetime(2026, 10, 1)
    table = batch([row])
    table = table.set_column(table.schema.get_field_index("furnisher"), "furnisher",
                             pa.array([FURNISHER]))
    try:
        with pytest.raises(XinyongError) as refused:
            store.append_events(table)
        assert refused.value.code == "DISPUTE_DELETED"
    finally:
        store.close()


# -- what is shown ---------------------------------------------------------------------------
def test_statement_is_shown_to_relying_parties_while_the_record_counts(store: Store) -> None:
    score_population(store, RULEBOOK, AS_OF)
    a = key(store, "P-A")
    at = datetime(2026, 11, 30)
    assert latest_score(store.con, a, RULEBOOK.id, at).disputes == []
    dispute_id = open_late(store, statement="The bill was paid by bank transfer on the due date.")
    shown = latest_score(store.con, a, RULEBOOK.id, at)
    assert shown.disputes == [{
        "record": "city-power:L1", "description": "bill.paid_late on 2026-10-01 reported by "
        "city-power", "event_type": "bill.paid_late", "status": "open",
        "statement": "The bill was paid by bank transfer on the due date."}]
    assert shown.to_json()["disputes"][0]["status"] == "open"
    assert latest_score(store.con, key(store, "P-B"), RULEBOOK.id, at).disputes == []
    answer_dispute(store, dispute_id, furnisher=FURNISHER, answer="verified")
    assert latest_score(store.con, a, RULEBOOK.id, at).disputes[0]["status"] == "verified"
    again = open_late(store)
    answer_dispute(store, again, furnisher=FURNISHER, answer="deleted")
    assert [d["status"] for d in latest_score(store.con, a, RULEBOOK.id, at).disputes] == [
        "verified"]


def test_report_lists_every_dispute_newest_first(store: Store) -> None:
    first = open_late(store)
    answer_dispute(store, first, furnisher=FURNISHER, answer="verified")
    second = open_late(store, now=FRIDAY + timedelta(days=1))
    listed = subject_disputes(store.con, key(store, "P-A"))
    assert [d["dispute_id"] for d in listed] == [second, first]
    assert listed[0]["record"] == "city-power:L1" and listed[0]["status"] == "open"
    json.dumps(listed)
    assert subject_disputes(store.con, key(store, "P-B")) == []


def test_explain_marks_the_disputed_reason(store: Store) -> None:
    a = key(store, "P-A")
    reasons = explain(store, RULEBOOK, a, AS_OF).reasons
    assert reasons and not any(r.disputed for r in reasons)
    open_late(store, statement="paid on time")
    explained = explain(store, RULEBOOK, a, AS_OF)
    late = [r for r in explained.reasons if RULEBOOK.rule_by_code(r.code).event_type
            == "bill.paid_late"]
    assert late and all(r.disputed for r in late)
    assert explained.disputes[0]["statement"] == "paid on time"
    assert explained.disputed_lines() == [
        'bill.paid_late on 2026-10-01 reported by city-power (city-power:L1): disputed, open; '
        'the subject says: "paid on time"']


def test_list_entry_dispute_is_answered_by_the_authority(store: Store) -> None:
    entry = add_listing(store, "court-dishonest-debtors", "P-A",
                        grounds="able_but_refuses_to_perform", legal_basis="Fa Shi [2017] No. 7",
                        authority="Court A", now=FRIDAY - timedelta(days=20))
    dispute = open_dispute(store, key(store, "P-A"), list_entry=entry.entry_id,
                           reason="I performed the judgment", now=FRIDAY)
    assert dispute.furnisher == "Court A" and dispute.record == f"list-entry:{entry.entry_id}"
    with pytest.raises(XinyongError) as not_removed:
        answer_dispute(store, dispute.dispute_id, furnisher="Court A", answer="deleted")
    assert not_removed.value.code == "DISPUTE_NOT_REMOVED"
    remove_listing(store, entry.entry_id, reason="performance", by="Court A", now=FRIDAY)
    done = answer_dispute(store, dispute.dispute_id, furnisher="Court A", answer="deleted")
    assert done.status == "deleted"


# -- the command line ------------------------------------------------------------------------
def test_cli_open_list_sweep_answer(store: Store) -> None:
    home = store.home
    store.close()
    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(app, [*args, "--home", str(home), "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    opened = run("dispute", "open", "P-A", "--event", "city-power:L1", "--reason", "not late",
                 "--statement", "paid on time", "--added-information", "--now",
                 "2026-11-27T10:00")
    assert opened["respond_by"] == "2027-01-11T10:00:00" and opened["status"] == "open"
    assert [d["dispute_id"] for d in run("dispute", "list", "--due", "--now",
                                         "2026-11-28")] == [opened["dispute_id"]]
    assert run("dispute", "sweep", "--now", "2026-11-28")["notified"] == [opened["dispute_id"]]
    assert run("dispute", "list", "--due", "--now", "2026-11-29") == []
    answered = run("dispute", "answer", str(opened["dispute_id"]), "--furnisher", FURNISHER,
                   "--verified")
    assert answered["status"] == "verified"
    assert run("dispute", "list", "--subject", "P-A", "--status", "verified")[0]["statement"] \
        == "paid on time"
    done = run("maintenance", "--now", "2026-12-01", "--dry-run")
    assert done["retention"]["dry_run"] is True and done["disputes"]["suppressed"] == []
    both = runner.invoke(app, ["dispute", "answer", "1", "--furnisher", FURNISHER, "--verified",
                               "--deleted", "--home", str(home)])
    assert both.exit_code != 0


def test_cli_explain_marks_disputed_reasons_and_shows_the_statement(store: Store) -> None:
    open_late(store, statement="paid on time")
    home = store.home
    store.close()
    result = CliRunner().invoke(app, ["explain", "P-A", "--model", "sesame-like", "--as-of",
                                      AS_OF.isoformat(), "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "[disputed]" in result.stdout
    assert "Disputed records" in result.stdout and '"paid on time"' in result.stdout


def test_cli_text_shows_the_status_and_markup_in_statements_verbatim(store: Store) -> None:
    home = store.home
    store.close()
    result = CliRunner().invoke(app, [
        "dispute", "open", "P-A", "--event", "city-power:L1", "--reason", "[bold]not late[/]",
        "--statement", "paid [on time]", "--now", "2026-11-27T10:00", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "[open]" in result.stdout
    assert "[bold]not late[/]" in result.stdout and "paid [on time]" in result.stdout
    assert "2026-12-27 10:00" in result.stdout  # 30 days


def test_relying_parties_see_disputes_and_statements_in_text_output(store: Store) -> None:
    from xinyong.decisions import register_party

    register_party(store, "acme-bank", "Acme Bank", ["extension_of_credit"])
    score_population(store, RULEBOOK, AS_OF)
    open_late(store, statement="paid [on] time")
    home = store.home
    store.close()
    for args in (["inquiry", "score", "P-A"], ["decide", "pay-later", "P-A"]):
        result = CliRunner().invoke(app, [*args, "--party", "acme-bank", "--purpose",
                                          "extension_of_credit", "--home", str(home)])
        assert result.exit_code == 0, result.output
        assert "Disputed by the subject" in result.stdout, args
        assert '"paid [on] time"' in result.stdout and "city-power:L1" in result.stdout
