"""Hand-made stores for the fairness, drift and comparison tests (no tests live here).

``hand_store`` creates a home with ``n`` people (real resident IDs, so that group files can
name them) and no events; ``put_run`` writes a batch run of any model with the scores, tiers
and factor sub-scores a test chooses, so that every expected figure can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from xinyong.catalog import Factor
from xinyong.catalog.identifiers import generate_prc_resident_ids
from xinyong.store import Store

FACTORS = [f.value for f in Factor]


def hand_store(tmp_path: Path, people: int, *, orgs: int = 0, seed: int = 3) -> tuple[Store, list[str]]:
    """A store whose subjects 1..people are persons (IDs returned) and the rest organisations."""
    store = Store.init(tmp_path / "home")
    ids = generate_prc_resident_ids(np.random.default_rng(seed), people)
    rows = [(i + 1, "person", store.subject_ref("person", pid)) for i, pid in enumerate(ids)]
    rows += [(people + j + 1, "organisation", f"ORG{j:06d}") for j in range(orgs)]
    store.con.executemany("INSERT INTO subjects (subject_key, kind, subject_ref) VALUES (?, ?, ?)",
                          rows)
    return store, ids


def put_run(store: Store, model_id: str, as_of: date,
            rows: Sequence[tuple[int, float | None, str | None] | tuple[int, float | None, str | None,
                                                                      dict[str, float]]],
            *, version: str = "1") -> None:
    """A batch run: ``(subject_key, score, tier[, {factor: sub-score}])`` per subject."""
    values = []
    for row in rows:
        key, score, tier = row[0], row[1], row[2]
        factors: dict[str, float] = row[3] if len(row) > 3 else {}  # type: ignore[misc]
        values.append([key, model_id, version, as_of, score, tier,
                       *[factors.get(f, None if score is None else 50.0) for f in FACTORS],
                       None if score is not None else "TOO_FEW_EVENTS"])
    store.con.executemany(
        f"INSERT INTO scores (subject_key, subject_kind, model_id, model_version, as_of, score, "
        f"tier, {', '.join(FACTORS)}, n_events, unscorable_reason) "
        f"SELECT ?, (SELECT kind FROM subjects WHERE subject_key = $1), ?, ?, ?, ?, ?, "
        f"{', '.join('?' * len(FACTORS))}, 1, ?", values)
    store.con.execute(
        "INSERT INTO score_runs (model_id, model_version, as_of, subjects, scored, seconds) "
        "VALUES (?, ?, ?, ?, ?, 0)",
        [model_id, version, as_of, len(rows), sum(r[1] is not None for r in rows)])


def put_outcomes(store: Store, outcomes: dict[int, bool]) -> None:
    store.con.executemany("INSERT INTO synthetic_outcomes VALUES (?, ?, 0.0)",
                          [[k, bad] for k, bad in outcomes.items()])


def sesame_tier(score: float) -> str:
    for name, low in (("excellent", 700), ("very_good", 650), ("good", 600), ("fair", 550)):
        if score >= low:
            return name
    return "poor"
