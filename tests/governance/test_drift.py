"""Score drift on hand-made runs whose PSI is worked out by hand.

The ``from`` run scores 100 people at 400, 401, …, 499: its deciles cut them into ten bins of
ten (400–409, 410–419 …), each with an expected share of 0.1. The ``to`` run puts chosen counts
in those bins, so that PSI = Σ (a − e) · ln(a / e), an empty share counted as 0.0001, can be
computed here by hand.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.governance.builders import hand_store, put_run, sesame_tier
from xinyong.errors import XinyongError
from xinyong.governance._drift import binned_psi, score_drift
from xinyong.store import Store

FROM, TO = date(2026, 5, 1), date(2026, 11, 1)
EMPTY = 1e-4


def _term(actual: float, expected: float) -> float:
    a, e = max(actual, EMPTY), max(expected, EMPTY)
    return (a - e) * math.log(a / e)


def _runs(tmp_path: Path, to_bins: list[int], unscorable: int = 0) -> Store:
    """``to_bins[i]`` people scored in bin i (400 + 10 i …); then ``unscorable`` more."""
    store, _ = hand_store(tmp_path, 100)
    before = [(k, 399.0 + k, sesame_tier(399.0 + k), {"credit_history": float(k)})
              for k in range(1, 101)]
    put_run(store, "sesame-like", FROM, before)
    after: list[tuple[int, float | None, str | None, dict[str, float]]] = []
    key = 1
    for i, n in enumerate(to_bins):
        for j in range(n):
            # credit history moves to the top of its range for everyone in the new run
            score = 400.0 + 10 * i + j % 10
            after.append((key, score, sesame_tier(score), {"credit_history": 95.0 + j % 5}))
            key += 1
    after += [(key + u, None, None, {}) for u in range(unscorable)]
    put_run(store, "sesame-like", TO, after)
    return store


def test_identical_distribution_is_stable(tmp_path: Path) -> None:
    store = _runs(tmp_path, [10] * 10)
    report = score_drift(store, "sesame-like", FROM, TO)
    assert report["score"]["psi"] == pytest.approx(0.0)
    assert report["score"]["flag"] == "stable"
    assert report["score"]["bins"] == 11  # ten deciles and the unscorable bin
    assert report["score"]["edges"][:2] == pytest.approx([409.9, 419.8])


def test_a_large_move_is_a_shift(tmp_path: Path) -> None:
    store = _runs(tmp_path, [30, 0, 10, 10, 10, 10, 10, 10, 10, 0])
    report = score_drift(store, "sesame-like", FROM, TO)
    expected = _term(0.3, 0.1) + 2 * _term(0.0, 0.1)
    assert expected == pytest.approx(0.2 * math.log(3) + 2 * (EMPTY - 0.1) * math.log(EMPTY / 0.1))
    assert report["score"]["psi"] == pytest.approx(expected)
    assert report["score"]["flag"] == "shift"
    assert "score" in report["flagged"]


def test_a_moderate_move_is_watched(tmp_path: Path) -> None:
    store = _runs(tmp_path, [18, 2, 10, 10, 10, 10, 10, 10, 10, 10])
    report = score_drift(store, "sesame-like", FROM, TO)
    expected = _term(0.18, 0.1) + _term(0.02, 0.1)
    assert report["score"]["psi"] == pytest.approx(expected)
    assert 0.1 <= expected < 0.25 and report["score"]["flag"] == "watch"


def test_unscorable_subjects_have_a_bin_of_their_own(tmp_path: Path) -> None:
    store = _runs(tmp_path, [9] * 10, unscorable=10)
    report = score_drift(store, "sesame-like", FROM, TO)
    expected = 10 * _term(0.09, 0.1) + _term(0.1, 0.0)
    assert report["score"]["psi"] == pytest.approx(expected)
    assert report["to"]["subjects"] == 100 and report["to"]["scored"] == 90


def test_factor_psi(tmp_path: Path) -> None:
    store = _runs(tmp_path, [10] * 10)
    report = score_drift(store, "sesame-like", FROM, TO)
    history = report["factors"]["credit_history"]
    # from: 1..100 in ten bins of ten; to: every value in 95..99, so the top bins only
    edges = history["edges"]
    to_values = [95.0 + j % 5 for _ in range(10) for j in range(10)]
    counts = [0] * (len(edges) + 1)
    for v in to_values:
        counts[sum(v >= e for e in edges)] += 1
    expected = sum(_term(c / 100, 0.1) for c in counts)
    assert history["psi"] == pytest.approx(expected)
    assert history["flag"] == "shift" and "credit_history" in report["flagged"]
    assert report["factors"]["fulfilment_capacity"]["psi"] == pytest.approx(0.0)


def test_tier_shares(tmp_path: Path) -> None:
    store = _runs(tmp_path, [30, 0, 10, 10, 10, 10, 10, 10, 10, 0])
    tiers = score_drift(store, "sesame-like", FROM, TO)["tiers"]
    assert tiers["names"] == ["poor", "fair", "good", "very_good", "excellent", "unscorable"]
    assert tiers["from"] == [1.0, 0, 0, 0, 0, 0] and tiers["to"] == [1.0, 0, 0, 0, 0, 0]
    assert tiers["psi"] == pytest.approx(0.0)


def test_errors_and_audit(tmp_path: Path) -> None:
    store = _runs(tmp_path, [10] * 10)
    with pytest.raises(XinyongError) as caught:
        score_drift(store, "sesame-like", TO, FROM)
    assert caught.value.code == "BAD_DATES"
    with pytest.raises(XinyongError) as caught:
        score_drift(store, "sesame-like", FROM, date(2026, 12, 1))
    assert caught.value.code == "NO_SCORE_RUN"
    with pytest.raises(XinyongError) as caught:
        score_drift(store, "sesame-like", FROM, TO, kind="organisation")
    assert caught.value.code == "EMPTY_RUN"
    score_drift(store, "sesame-like", FROM, TO)
    actions = [r[0] for r in store.con.execute("SELECT action FROM audit_log").fetchall()]
    assert actions == ["audit.drift"]


@settings(max_examples=100, deadline=None)
@given(before=st.lists(st.one_of(st.none(), st.floats(350, 950)), min_size=1, max_size=60),
       after=st.lists(st.one_of(st.none(), st.floats(350, 950)), min_size=1, max_size=60))
def test_psi_is_never_negative_and_zero_on_the_same_run(
        before: list[float | None], after: list[float | None]) -> None:
    old = np.array([np.nan if v is None else v for v in before])
    new = np.array([np.nan if v is None else v for v in after])
    figure = binned_psi(old, new, missing_bin=True)
    if np.isnan(old).all() and np.isnan(new).all():
        assert figure is None
        return
    assert figure is not None and figure["psi"] >= 0.0
    if np.isnan(old).all() or np.isnan(new).all():
        assert figure["status"] in {"gone", "new"} and figure["flag"] == "shift"
        return
    assert figure["status"] == "present"
    same = binned_psi(old, np.random.default_rng(0).permutation(old), missing_bin=True)
    assert same is not None and same["psi"] == pytest.approx(0.0, abs=1e-12)


def test_a_vanished_factor_is_gone_and_a_shift() -> None:
    # the reviewer's repro: every value of the --to run is NULL
    figure = binned_psi(np.arange(100.0), np.full(100, np.nan), missing_bin=True)
    assert figure is not None and figure["status"] == "gone" and figure["flag"] == "shift"
    # ten bins of 0.1 empty out, the NULL bin goes from 0 to everything
    assert figure["psi"] == pytest.approx(10 * _term(0.0, 0.1) + _term(1.0, 0.0))
    bare = binned_psi(np.arange(100.0), np.full(100, np.nan), missing_bin=False)
    assert bare is not None and bare["psi"] is None and bare["flag"] == "shift"
    assert bare["status"] == "gone"


def test_a_factor_that_appears_is_new_and_a_shift() -> None:
    figure = binned_psi(np.full(100, np.nan), np.arange(100.0), missing_bin=True)
    assert figure is not None and figure["status"] == "new" and figure["flag"] == "shift"
    assert figure["bins"] == 2 and figure["edges"] == []
    assert figure["psi"] == pytest.approx(_term(1.0, 0.0) + _term(0.0, 1.0))
    assert binned_psi(np.full(3, np.nan), np.full(5, np.nan), missing_bin=True) is None


def test_a_partly_null_factor_tracks_its_null_share() -> None:
    old = np.arange(100.0)
    new = np.concatenate([np.arange(0.0, 100.0, 2.0), np.full(50, np.nan)])
    figure = binned_psi(old, new, missing_bin=True)
    assert figure is not None and figure["status"] == "present" and figure["bins"] == 11
    # every decile keeps half its share (5 of 100 values), the NULL bin takes the other half
    assert figure["psi"] == pytest.approx(10 * _term(0.05, 0.1) + _term(0.5, 0.0))


def _factor_runs(tmp_path: Path, old_history: float | None, new_history: float | None) -> Store:
    store, _ = hand_store(tmp_path, 100)
    for day, value in ((FROM, old_history), (TO, new_history)):
        rows = [(k, 399.0 + k, sesame_tier(399.0 + k),
                 {"credit_history": float(k) if value is None else value + k})
                for k in range(1, 101)]
        put_run(store, "sesame-like", day, rows)
    if old_history is None or new_history is None:
        day = FROM if old_history is None else TO
        store.con.execute("UPDATE scores SET credit_history = NULL WHERE as_of = ?", [day])
    return store


@pytest.mark.parametrize(("old", "new", "status", "side"), [
    (0.0, None, "gone", "--to"),
    (None, 0.0, "new", "--from"),
])
def test_a_factor_null_in_one_run_is_flagged(tmp_path: Path, old: float | None,
                                             new: float | None, status: str, side: str) -> None:
    store = _factor_runs(tmp_path, old, new)
    report = score_drift(store, "sesame-like", FROM, TO)
    history = report["factors"]["credit_history"]
    assert history["status"] == status and history["flag"] == "shift"
    assert history["psi"] > 0.25
    assert "credit_history" in report["flagged"]
    assert f"credit_history has no value in the {side} run ({status})" in report["notes"]
    assert report["factors"]["fulfilment_capacity"]["status"] == "present"
    assert report["score"]["flag"] == "stable"
