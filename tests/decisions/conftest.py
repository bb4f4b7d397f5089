"""A small world for decision tests: a few people and organisations, scored once.

The store is built and scored once per session and copied for each test, so that every test
starts from the same state and the suite stays fast. ``set_score`` pins a subject's stored
score where a test needs an exact threshold.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from xinyong.catalog.identifiers import generate_prc_resident_ids, generate_usccs
from xinyong.scoring.engine import score_population
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

AS_OF = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, 9, 0)
ATTRIBUTES = ["days_past_due", "category", "asset_class", "education_level",
              "counterparty_kind", "counterparty_id"]


@dataclass(frozen=True)
class World:
    store: Store
    home: Path
    high: str  # a person with a long clean record
    low: str  # late payments, a default and a judgment
    rep: str  # a good record; legal representative of org_listed
    thin: str  # too little data to score
    org_listed: str
    org_clean: str

    def key(self, subject_id: str) -> int:
        return self.store.find_subject(subject_id)[0]


def _day(days_ago: int) -> datetime:
    return datetime(AS_OF.year, AS_OF.month, AS_OF.day) - timedelta(days=days_ago)


def _events(subject: str, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"subject_id": subject, "subject_kind": kind, **r} for r in rows]


def _good_person(prefix: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"event_type": "identity.verified", "occurred_at": _day(700)},
        {"event_type": "phone.verified", "occurred_at": _day(690)},
        {"event_type": "address.verified", "occurred_at": _day(300)},
        {"event_type": "education.verified", "occurred_at": _day(600),
         "education_level": "master"},
        {"event_type": "income.verified", "occurred_at": _day(60), "amount": 25000.0},
        {"event_type": "employment.verified", "occurred_at": _day(40)},
        {"event_type": "asset.verified", "occurred_at": _day(200), "amount": 800000.0,
         "asset_class": "property"},
        {"event_type": "payment.autopay_enrolled", "occurred_at": _day(500),
         "category": "utility"},
    ]
    rows += [{"event_type": "bill.paid_on_time", "occurred_at": _day(15 + 30 * i),
              "category": "utility"} for i in range(24)]
    rows += [{"event_type": "loan.repaid_on_time", "occurred_at": _day(20 + 30 * i)}
             for i in range(18)]
    rows += [{"event_type": "contract.fulfilled", "occurred_at": _day(100 + 200 * i)}
             for i in range(4)]
    rows += [{"event_type": "deposit.returned", "occurred_at": _day(150 + 250 * i)}
             for i in range(3)]
    rows += [{"event_type": "purchase.completed", "occurred_at": _day(3 + 7 * i),
              "amount": 80.0, "category": "groceries"} for i in range(40)]
    return [{"event_id": f"{prefix}-{i}", **r} for i, r in enumerate(rows)]


def _poor_person(prefix: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"event_type": "identity.verified", "occurred_at": _day(700)},
        {"event_type": "loan.defaulted", "occurred_at": _day(200), "amount": 20000.0},
        {"event_type": "court.judgment_against", "occurred_at": _day(120)},
        {"event_type": "contract.breached", "occurred_at": _day(300)},
    ]
    rows += [{"event_type": "bill.paid_late", "occurred_at": _day(20 + 45 * i),
              "days_past_due": 95, "category": "telecom"} for i in range(6)]
    return [{"event_id": f"{prefix}-{i}", **r} for i, r in enumerate(rows)]


def _good_org(prefix: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"event_type": "identity.verified", "occurred_at": _day(900)},
        {"event_type": "annual_report.filed", "occurred_at": _day(200)},
    ]
    rows += [{"event_type": "tax.filed_on_time", "occurred_at": _day(30 + 90 * i)}
             for i in range(8)]
    rows += [{"event_type": "supplier.paid_on_time", "occurred_at": _day(10 + 20 * i)}
             for i in range(30)]
    return [{"event_id": f"{prefix}-{i}", **r} for i, r in enumerate(rows)]


def batch(rows: list[dict[str, Any]]) -> pa.Table:
    n = len(rows)
    columns: dict[str, Any] = {
        "furnisher": ["test-furnisher"] * n,
        "event_id": [r["event_id"] for r in rows],
        "subject_kind": [r["subject_kind"] for r in rows],
        "subject_id": [r["subject_id"] for r in rows],
        "event_type": [r["event_type"] for r in rows],
        "occurred_at": pa.array([r["occurred_at"] for r in rows], pa.timestamp("us")),
        "amount": pa.array([r.get("amount") for r in rows], pa.float64()),
        "days_past_due": pa.array([r.get("days_past_due") for r in rows], pa.int32()),
    }
    for name in ATTRIBUTES[1:]:
        columns[name] = pa.array([r.get(name) for r in rows], pa.string())
    return pa.table(columns)


def _build(home: Path, jurisdiction: str) -> dict[str, str]:
    rng = np.random.default_rng(11)
    high, low, rep, thin = generate_prc_resident_ids(rng, 4)
    org_listed, org_clean = generate_usccs(rng, 2)
    if jurisdiction != "cn-pilot":  # opaque IDs elsewhere; the same shapes still work
        high, low, rep, thin = "P-HIGH", "P-LOW", "P-REP", "P-THIN"
        org_listed, org_clean = "O-LISTED", "O-CLEAN"
    rows = (_events(high, "person", _good_person("h"))
            + _events(low, "person", _poor_person("l"))
            + _events(rep, "person", [
                *_good_person("r"),
                {"event_id": "r-rep", "event_type": "relationship.legal_representative_of",
                 "occurred_at": _day(400), "counterparty_kind": "organisation",
                 "counterparty_id": org_listed}])
            + _events(thin, "person", [{"event_id": "t-0", "event_type": "phone.verified",
                                        "occurred_at": _day(10)}])
            + _events(org_listed, "organisation", _good_org("ol"))
            + _events(org_clean, "organisation", _good_org("oc")))
    store = Store.init(home, jurisdiction=jurisdiction)
    store.append_events(batch(rows))
    score_population(store, load_rulebook("sesame-like"), AS_OF)
    store.close()
    return {"high": high, "low": low, "rep": rep, "thin": thin, "org_listed": org_listed,
            "org_clean": org_clean}


class Templates:
    """Scored template homes, one per jurisdiction, built on first use."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._built: dict[str, tuple[Path, dict[str, str]]] = {}

    def get(self, jurisdiction: str) -> tuple[Path, dict[str, str]]:
        if jurisdiction not in self._built:
            home = self._factory.mktemp(f"template-{jurisdiction}")
            self._built[jurisdiction] = (home, _build(home, jurisdiction))
        return self._built[jurisdiction]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory)


def open_world(templates: Templates, tmp_path: Path, jurisdiction: str = "cn-pilot") -> World:
    source, ids = templates.get(jurisdiction)
    home = tmp_path / f"home-{jurisdiction}"
    shutil.copytree(source, home)
    return World(Store.open(home), home, **ids)


@pytest.fixture
def world(templates: Templates, tmp_path: Path) -> Iterator[World]:
    w = open_world(templates, tmp_path)
    yield w
    w.store.close()


def set_score(store: Store, subject_key: int, score: float, *,
              credit_history: float | None = None) -> None:
    """Pin a subject's stored score (and tier) for an exact threshold test."""
    tier = load_rulebook("sesame-like").tier_of(score)
    store.con.execute(
        "UPDATE scores SET score = ?, tier = ?, credit_history = COALESCE(?, credit_history) "
        "WHERE subject_key = ?", [score, tier, credit_history, subject_key])
