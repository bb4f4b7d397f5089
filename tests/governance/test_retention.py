"""Retention: negative items older than the profile's age are purged; positive ones never."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.decisions.conftest import batch
from xinyong.catalog import default_catalogue
from xinyong.catalog.identifiers import generate_prc_resident_ids
from xinyong.cli import app
from xinyong.decisions._event_index import hard_inquiry_times, refresh
from xinyong.governance._retention import purge_expired, years_before
from xinyong.profiles import ADVERSE_EVENT_TYPES, PROFILES
from xinyong.scoring.rulebook import load_rulebook, shipped_rulebooks
from xinyong.store import Store

NOW = datetime(2026, 11, 26, 12, 0)


def _ago(years: float) -> datetime:
    return datetime(2026, 11, 26) - (datetime(2026, 1, 1) - datetime(2025, 1, 1)) * years


def _row(subject: str, event_id: str, event_type: str, years: float,
         **extra: Any) -> dict[str, Any]:
    return {"subject_id": subject, "subject_kind": "person", "event_id": event_id,
            "event_type": event_type, "occurred_at": _ago(years), **extra}


def _history(subject: str) -> list[dict[str, Any]]:
    """Late bills 4, 6 and 8 years old, judgments 8 and 11 years old, an old positive bill."""
    return [
        _row(subject, "late-4y", "bill.paid_late", 4, days_past_due=40),
        _row(subject, "late-6y", "bill.paid_late", 6, days_past_due=40),
        _row(subject, "late-8y", "bill.paid_late", 8, days_past_due=40),
        _row(subject, "judgment-8y", "court.judgment_against", 8),
        _row(subject, "judgment-11y", "court.judgment_against", 11),
        _row(subject, "paid-12y", "bill.paid_on_time", 12, category="utility"),
        _row(subject, "inquiry-6y", "inquiry.hard", 6),
        _row(subject, "inquiry-1y", "inquiry.hard", 1),
    ]


def _store(home: Path, profile: str) -> Store:
    subject = (generate_prc_resident_ids(np.random.default_rng(3), 1)[0]
               if profile == "cn-pilot" else "P-1")
    store = Store.init(home, jurisdiction=profile)
    store.append_events(batch(_history(subject)))
    return store


@pytest.fixture(params=["cn-pilot", "eu", "us"])
def profiled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = _store(tmp_path / "home", str(request.param))
    yield store
    store.close()


def event_ids(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT event_id FROM events")}


KEPT_BY = {
    "cn-pilot": {"late-4y", "paid-12y", "inquiry-1y"},
    "eu": {"late-4y", "paid-12y", "inquiry-1y"},
    "us": {"late-4y", "late-6y", "judgment-8y", "paid-12y", "inquiry-6y", "inquiry-1y"},
}


def test_purge_keeps_what_the_profile_allows(profiled: Store) -> None:
    name = profiled.profile.name
    result = purge_expired(profiled, now=NOW)
    assert event_ids(profiled) == KEPT_BY[name]
    purged = {c.event_type: c.purged for c in result.counts}
    if name == "us":  # 7 years, 10 for court judgments (bankruptcies)
        assert purged == {"bill.paid_late": 1, "court.judgment_against": 1}
    else:
        assert purged == {"bill.paid_late": 2, "court.judgment_against": 2, "inquiry.hard": 1}
    assert result.total == 8 - len(KEPT_BY[name])


def test_positive_items_are_never_purged(profiled: Store) -> None:
    purge_expired(profiled, now=datetime(2090, 1, 1))
    assert event_ids(profiled) == {"paid-12y"}


def test_dry_run_counts_and_changes_nothing(profiled: Store) -> None:
    before = event_ids(profiled)
    result = purge_expired(profiled, now=NOW, dry_run=True)
    assert result.dry_run and result.total == 8 - len(KEPT_BY[profiled.profile.name])
    assert event_ids(profiled) == before
    assert profiled.query("SELECT COUNT(*) FROM retention_purges") == [(0,)]


def test_purge_is_counted_and_audited_without_personal_data(tmp_path: Path) -> None:
    store = _store(tmp_path / "home", "us")
    try:
        purge_expired(store, now=NOW)
        counts = store.query("SELECT profile, event_type, purged FROM retention_purges "
                             "ORDER BY event_type")
        assert counts == [("us", "bill.paid_late", 1), ("us", "court.judgment_against", 1)]
        entries = store.query("SELECT subject_key, payload FROM audit_log "
                              "WHERE action = 'maintenance.purge'")
        assert len(entries) == 1 and entries[0][0] is None
        details = json.loads(entries[0][1])["details"]
        assert details["purged"] == {"bill.paid_late": 1, "court.judgment_against": 1}
        assert "P-1" not in entries[0][1]
        # nothing left to purge: no second entry
        assert purge_expired(store, now=NOW).total == 0
        assert store.query("SELECT COUNT(*) FROM audit_log "
                           "WHERE action = 'maintenance.purge'") == [(1,)]
    finally:
        store.close()


def test_purge_keeps_the_decisions_event_index_true(tmp_path: Path) -> None:
    """The index counts the log's rows: after a purge, new events must still be indexed."""
    store = _store(tmp_path / "home", "cn-pilot")
    try:
        key = int(store.query("SELECT subject_key FROM subjects")[0][0])
        refresh(store.con)
        assert len(hard_inquiry_times(store.con, key)) == 2
        purge_expired(store, now=NOW)  # purges 5 events, one of them an inquiry
        subject = generate_prc_resident_ids(np.random.default_rng(3), 1)[0]
        store.append_events(batch([_row(subject, f"new-{i}", "inquiry.hard", 0.1 + i / 100)
                                   for i in range(5)]))
        assert len(hard_inquiry_times(store.con, key)) == 6
    finally:
        store.close()


def test_years_before_handles_29_february() -> None:
    assert years_before(datetime(2028, 2, 29, 8), 7) == datetime(2021, 2, 28, 8)
    assert years_before(NOW, 5) == datetime(2021, 11, 26, 12, 0)


def test_retention_ages_per_profile() -> None:
    assert PROFILES["cn-pilot"].retention.years_for("loan.defaulted") == 5
    assert PROFILES["eu"].retention.years_for("loan.defaulted") == 5
    assert PROFILES["us"].retention.years_for("loan.defaulted") == 7
    assert PROFILES["us"].retention.years_for("court.judgment_against") == 10
    assert PROFILES["us"].retention.years_for("loan.repaid_on_time") is None


def test_adverse_types_are_the_catalogues_negative_items() -> None:
    """Every type a shipped rulebook takes points for is adverse, and nothing else is."""
    catalogue = default_catalogue()
    assert ADVERSE_EVENT_TYPES.issubset(catalogue.types)
    for name in shipped_rulebooks():
        for rule in load_rulebook(name).rules:
            assert (rule.event_type in ADVERSE_EVENT_TYPES) == (not rule.rule.adds_points), (
                name, rule.event_type)


def test_maintenance_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _store(home, "us").close()
    runner = CliRunner()
    dry = runner.invoke(app, ["maintenance", "--now", "2026-11-26", "--dry-run", "--json",
                              "--home", str(home)])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["retention"]["total"] == 2
    text = runner.invoke(app, ["maintenance", "--now", "2026-11-26", "--home", str(home)])
    assert text.exit_code == 0, text.output
    assert "Purged 2 negative item(s)" in text.stdout and "bill.paid_late: 1" in text.stdout
    again = runner.invoke(app, ["maintenance", "--now", "2026-11-26", "--json", "--home",
                                str(home)])
    assert json.loads(again.stdout)["retention"]["purged"] == []
