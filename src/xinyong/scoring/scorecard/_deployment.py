"""What a scorecard needs to score on the store: its tiers and the feature view it learned from.

Both are part of the artifact's JSON (optional keys, so artifacts fitted on a file still load):
``tiers`` name score bands as the rulebooks do (default: the sesame-like tiers, 350–549 poor …
700–950 excellent), and ``feature_view`` records the view's name, version, SHA-256 and full
text, so that scoring on the store compiles exactly the definitions the card was trained on and
refuses a view that has changed since.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from xinyong.errors import XinyongError

DEFAULT_TIERS: tuple[tuple[str, float], ...] = (
    ("poor", 350.0), ("fair", 550.0), ("good", 600.0), ("very_good", 650.0), ("excellent", 700.0),
)


def tier_of(tiers: tuple[tuple[str, float], ...], score: float) -> str:
    """The name of the highest tier whose minimum ``score`` reaches (the lowest otherwise)."""
    name = tiers[0][0]
    for tier, least in tiers:
        if score >= least:
            name = tier
    return name


def check_tiers(tiers: tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    """``tiers`` if they are named and listed from the lowest minimum up, without repeats."""
    mins = [m for _, m in tiers]
    if not tiers or mins != sorted(set(mins)) or any(not n for n, _ in tiers):
        raise XinyongError("BAD_SCORECARD", "tiers must be named and listed from the lowest "
                           "'min' up, without repeats", field="tiers")
    return tiers


def tiers_to_json(tiers: tuple[tuple[str, float], ...]) -> list[dict[str, Any]]:
    return [{"name": n, "min": m} for n, m in tiers]


def tiers_from_json(data: Any) -> tuple[tuple[str, float], ...]:
    if data is None:
        return DEFAULT_TIERS
    return check_tiers(tuple((str(t["name"]), float(t["min"])) for t in data))


@dataclass(frozen=True)
class FeatureViewRecord:
    """The feature view a scorecard was trained on, as it was: name, version, text, digest."""

    name: str
    version: str
    sha256: str
    definition: str  # the view's TOML text

    def __post_init__(self) -> None:
        actual = hashlib.sha256(self.definition.encode("utf-8")).hexdigest()
        if actual != self.sha256:
            raise XinyongError("BAD_SCORECARD", f"the feature view {self.name!r} recorded in the "
                               "scorecard does not match its SHA-256: the artifact was edited",
                               field="feature_view.sha256")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256,
                "definition": self.definition}

    @classmethod
    def from_json(cls, data: Any) -> FeatureViewRecord | None:
        if data is None:
            return None
        return cls(name=str(data["name"]), version=str(data["version"]),
                   sha256=str(data["sha256"]), definition=str(data["definition"]))
