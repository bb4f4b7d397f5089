"""Explanations: factor bars add up to the score, and every tip's gain is true.

A tip's claimed gain is checked by applying the change for real: the suggested event goes
through the store's append path into a copy of the subject's history and the population is
re-scored in batch; a "time" tip is checked by a batch run at the later date.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from xinyong.catalog.identifiers import generate_prc_resident_ids
from xinyong.scoring.engine import score_population
from xinyong.scoring.explain import explain
from xinyong.scoring.rulebook import load_rulebook
from xinyong.store import Store

AS_OF = date(2026, 11, 1)
ATTRIBUTES = ["days_past_due", "category", "asset_class", "education_level",
              "counterparty_kind", "counterparty_id"]


def batch(subject_id: str, rows: list[dict[str, Any]]) -> pa.Table:
    n = len(rows)
    columns: dict[str, Any] = {
        "furnisher": ["test-furnisher"] * n,
        "event_id": [r["event_id"] for r in rows],
        "subject_kind": ["person"] * n,
        "subject_id": [subject_id] * n,
        "event_type": [r["event_type"] for r in rows],
        "occurred_at": pa.array([r["occurred_at"] for r in rows], pa.timestamp("us")),
        "amount": pa.array([r.get("amount") for r in rows], pa.float64()),
        "days_past_due": pa.array([r.get("days_past_due") for r in rows], pa.int32()),
    }
    for name in ATTRIBUTES[1:]:
        columns[name] = pa.array([r.get(name) for r in rows], pa.string())
    return pa.table(columns)


HISTORY = [
    {"event_id": "a1", "event_type": "bill.paid_on_time", "occurred_at": datetime(2026, 9, 1)},
    {"event_id": "a2", "event_type": "bill.paid_late", "occurred_at": datetime(2026, 7, 3),
     "days_past_due": 45},
    {"event_id": "a3", "event_type": "loan.repaid_late", "occurred_at": datetime(2026, 2, 3),
     "days_past_due": 95},
    {"event_id": "a4", "event_type": "identity.verified", "occurred_at": datetime(2024, 1, 5)},
    {"event_id": "a5", "event_type": "purchase.completed", "occurred_at": datetime(2026, 10, 5),
     "amount": 30.0, "category": "groceries"},
    {"event_id": "a6", "event_type": "inquiry.hard", "occurred_at": datetime(2026, 8, 20)},
]


def make_store(path: Path, rows: list[dict[str, Any]], subject_id: str) -> Store:
    store = Store.init(path)
    store.append_events(batch(subject_id, rows))
    return store


@pytest.mark.parametrize("model", ["sesame-like", "rongcheng-like"])
def test_tip_gains_match_recomputation(tmp_path: Path, model: str) -> None:
    rulebook = load_rulebook(model)
    subject_id = generate_prc_resident_ids(np.random.default_rng(3), 1)[0]
    store = make_store(tmp_path / "main", HISTORY, subject_id)
    score_population(store, rulebook, AS_OF)
    key, _ = store.find_subject(subject_id)
    result = explain(store, rulebook, key, AS_OF)
    store.close()
    assert result.score is not None
    assert result.tips, "this history leaves room to improve"
    for i, tip in enumerate(result.tips):
        assert tip.gain > 0
        if tip.kind == "add_event":
            assert tip.event_type is not None and tip.event_values is not None
            added = {"event_id": f"tip-{i}", "event_type": tip.event_type,
                     "occurred_at": datetime(AS_OF.year, AS_OF.month, AS_OF.day),
                     **tip.event_values}
            check = make_store(tmp_path / f"tip{i}", [*HISTORY, added], subject_id)
            day = AS_OF
        else:
            assert tip.as_of is not None
            check = make_store(tmp_path / f"tip{i}", HISTORY, subject_id)
            day = date.fromisoformat(tip.as_of)
        score_population(check, rulebook, day)
        (rescored,) = check.query("SELECT score FROM scores")[0]
        check.close()
        assert rescored == pytest.approx(result.score + tip.gain, abs=1e-6), tip.text


def test_factor_bars_add_up_to_score(tmp_path: Path) -> None:
    rulebook = load_rulebook("sesame-like")
    subject_id = generate_prc_resident_ids(np.random.default_rng(4), 1)[0]
    store = make_store(tmp_path / "s", HISTORY, subject_id)
    key, _ = store.find_subject(subject_id)
    result = explain(store, rulebook, key, AS_OF)
    store.close()
    assert result.score is not None
    total = rulebook.spec.scale.min + sum(f.points for f in result.factors)
    assert total == pytest.approx(result.score, abs=1e-5)
    assert 1 <= len(result.reasons) <= 4
    assert result.reasons == sorted(result.reasons, key=lambda r: -r.points)
    assert result.percentile is None  # no batch run at that date: no made-up rank


def test_time_tip_when_negatives_fade(tmp_path: Path) -> None:
    rulebook = load_rulebook("sesame-like")
    subject_id = generate_prc_resident_ids(np.random.default_rng(5), 1)[0]
    rows = [*HISTORY[3:], {"event_id": "late", "event_type": "bill.paid_late",
                           "occurred_at": datetime(2026, 10, 1), "days_past_due": 20}]
    store = make_store(tmp_path / "t", rows, subject_id)
    key, _ = store.find_subject(subject_id)
    result = explain(store, rulebook, key, AS_OF)
    store.close()
    assert any(t.kind == "time" for t in result.tips)
