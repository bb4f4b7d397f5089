"""Explain a subject's stored scorecard score: its features, factor points and reasons.

The stored row (from :func:`._store.score_store`) gives the score, tier, percentile, factor
points and reason codes; the subject's features are recomputed with the card's feature view at
the same as-of, and the card's Python scoring gives each reason its sentence (the bin's) and
checks that it gives the stored score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from xinyong.catalog import Factor
from xinyong.errors import XinyongError
from xinyong.scoring.features import feature_sql
from xinyong.scoring.scorecard._artifact import REASON_SLOTS, Scorecard
from xinyong.scoring.scorecard._store import card_view
from xinyong.store import Store


@dataclass(frozen=True)
class Reason:
    code: str  # the characteristic (feature) name
    points: float  # points lost against its best bin
    sentence: str
    value: Any  # the subject's feature value


@dataclass(frozen=True)
class CardExplanation:
    model_id: str
    model_version: str
    as_of: date
    subject_kind: str
    score: float | None
    tier: str | None
    percentile: float | None
    factors: dict[str, float | None]
    reasons: tuple[Reason, ...]
    features: dict[str, Any]
    unscorable_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id, "model_version": self.model_version,
            "as_of": self.as_of.isoformat(), "subject_kind": self.subject_kind,
            "score": self.score, "tier": self.tier, "percentile": self.percentile,
            "factors": self.factors,
            "reasons": [{"code": r.code, "points": r.points, "sentence": r.sentence,
                         "value": r.value} for r in self.reasons],
            "features": self.features, "unscorable_reason": self.unscorable_reason,
        }


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def explain_card(store: Store, card: Scorecard, subject_key: int, as_of: date) -> CardExplanation:
    """The stored score of ``subject_key`` under ``card`` at ``as_of``, with its reasons."""
    columns = ["subject_kind", "score", "tier", "percentile", *(f.value for f in Factor),
               "unscorable_reason",
               *(f"reason_{k}{part}" for k in range(1, REASON_SLOTS + 1) for part in ("", "_points"))]
    row = store.con.execute(
        f"SELECT CAST(subject_kind AS VARCHAR), {', '.join(columns[1:])} FROM scores "
        "WHERE model_id = ? AND model_version = ? AND as_of = ? AND subject_key = ?",
        [card.id, card.version, as_of, subject_key]).fetchall()
    if not row:
        raise XinyongError("NO_SCORE", f"no stored score of this subject under {card.id} "
                           f"{card.version} as of {as_of}; run `xinyong model score --model "
                           f"{card.id} --as-of {as_of}` first (the view scores "
                           f"{card_view(card).applies_to}s only)", field="subject_id")
    stored = dict(zip(columns, row[0], strict=True))
    view = card_view(card)
    frame = store.con.execute(
        f"SELECT * FROM ({feature_sql(view, as_of)}) WHERE subject_key = ?", [subject_key]).df()
    if frame.empty:
        raise XinyongError("SUBJECT_NOT_SCORED", "the subject no longer takes part in scoring "
                           "(opted out, erased, or held until opt-in): no features to explain",
                           field="subject_id")
    X = frame[view.names]
    # The reasons are the stored run's (codes and points); the features recomputed from the log
    # give each its sentence and value. Should the log have changed since the run, a stored
    # reason keeps its code and points and takes its characteristic's general sentence.
    recomputed: dict[str, str] = {}
    if stored["unscorable_reason"] is None:
        table = card.reasons(X[card.names]).iloc[0]
        recomputed = {str(table[f"reason_{k}"]): str(table[f"reason_{k}_text"])
                      for k in range(1, REASON_SLOTS + 1) if table[f"reason_{k}"] is not None}
    described = {f.name: f.spec.description for f in view.features}
    reasons: list[Reason] = []
    for slot in range(1, REASON_SLOTS + 1):
        code = stored[f"reason_{slot}"]
        if code is None:
            break
        sentence = recomputed.get(code) or described.get(code, code.replace("_", " "))
        reasons.append(Reason(str(code), float(stored[f"reason_{slot}_points"]), sentence,
                              _plain(X[code].iloc[0])))
    return CardExplanation(
        model_id=card.id, model_version=card.version, as_of=as_of,
        subject_kind=stored["subject_kind"], score=stored["score"], tier=stored["tier"],
        percentile=stored["percentile"],
        factors={f.value: stored[f.value] for f in Factor}, reasons=tuple(reasons),
        features={n: _plain(X[n].iloc[0]) for n in view.names},
        unscorable_reason=stored["unscorable_reason"])
