"""What a model's artifact says about itself: family, version, provider, digest, description.

A model is either a shipped rulebook (``rulebooks/<id>.toml``) or a learned scorecard saved under
the home (``<home>/models/<id>.json``). :func:`describe_artifact` reads either and returns an
:class:`Artifact`, the facts the registry records when a model is registered; the SHA-256 of the
artifact's bytes lets ``model show`` tell when a file changed after registration.

:func:`model_face` gives what decisions need of any model to explain a stored score to a person:
its scale and a sentence per reason code (a rulebook's rule reasons; a scorecard's bin reasons).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from xinyong.errors import XinyongError
from xinyong.scoring.rulebook import Rulebook, load_rulebook, shipped_rulebooks

Family = Literal["rulebook", "scorecard"]
DEFAULT_PROVIDER = "xinyong"


@dataclass(frozen=True)
class Artifact:
    """A model file as the registry records it."""

    model_id: str
    family: Family
    version: str
    provider: str
    description: str
    sha256: str
    subject_kinds: tuple[str, ...]  # the kinds the model can score
    cannot_score_store: str | None = None  # why it cannot score the store, if it cannot


def _shipped_text(model_id: str) -> bytes | None:
    if model_id not in shipped_rulebooks():
        return None
    return resources.files("xinyong.scoring").joinpath("rulebooks", f"{model_id}.toml").read_bytes()


def _provider(declared: Any) -> str:
    # Neither artifact format declares its provider yet; read it once one does.
    return str(declared) if isinstance(declared, str) and declared.strip() else DEFAULT_PROVIDER


def describe_artifact(model_id: str, home: Path | None = None) -> Artifact:
    """The registry's facts about ``model_id``: a shipped rulebook, else a saved scorecard.

    Raises ``UNKNOWN_MODEL`` (naming what is known) when neither exists.
    """
    text = _shipped_text(model_id)
    if text is not None:
        rulebook = load_rulebook(model_id)
        kinds = sorted({k for r in rulebook.rules for k in r.subject_kinds})
        return Artifact(model_id, "rulebook", rulebook.version,
                        _provider(getattr(rulebook.spec.model, "provider", None)),
                        rulebook.spec.model.description, hashlib.sha256(text).hexdigest(),
                        tuple(kinds))
    from xinyong.scoring.scorecard import load_scorecard, models_dir

    path = models_dir(home) / f"{model_id}.json"
    try:
        card = load_scorecard(model_id, home)
    except XinyongError as exc:
        if exc.code != "UNKNOWN_MODEL":
            raise
        raise XinyongError(
            "UNKNOWN_MODEL", f"no model {model_id!r}: not a shipped rulebook "
            f"({', '.join(shipped_rulebooks())}) nor a scorecard saved in {models_dir(home)} "
            "(`xinyong model fit` saves one)", field="model") from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    version = card.version
    description = (f"learned scorecard: {len(card.characteristics)} characteristics, trained on "
                   f"{card.training.rows:,} rows for target {card.target_name!r}")
    record = card.feature_view
    if record is None:
        return Artifact(model_id, "scorecard", version,
                        _provider(getattr(card, "provider", None)), description, digest,
                        ("organisation", "person"),
                        "it was fitted on a data file, not on the event log's features, so it "
                        "cannot score the store (`xinyong model fit --features VIEW --as-of "
                        "DATE` fits one that can)")
    from xinyong.scoring.features import parse_feature_view

    view = parse_feature_view(record.definition, where=f"feature view of scorecard {model_id!r}")
    return Artifact(model_id, "scorecard", version, _provider(getattr(card, "provider", None)),
                    f"{description}, on feature view {record.name} {record.version}", digest,
                    (view.applies_to,))


@dataclass(frozen=True)
class ModelFace:
    """What a person is shown of a model: its scale and the sentence behind each reason."""

    model_id: str
    scale: tuple[float, float]
    tiers: tuple[str, ...]
    rulebook: Rulebook | None  # None for a scorecard
    _sentences: dict[tuple[str, int], str]  # (code, micro-points lost) -> sentence; -1: any

    def sentence(self, code: str, points: float) -> str:
        """The sentence for a reason ``code`` that cost ``points`` (the code itself if unknown).

        A scorecard's reason is a characteristic; the points lost say which bin the subject fell
        in, so the sentence names that bin. Bins that lose the same points share a generic one.
        """
        micro = round(points * 1_000_000)
        return (self._sentences.get((code, micro)) or self._sentences.get((code, -1))
                or code)


def model_face(model_id: str, home: Path | None = None) -> ModelFace:
    """The :class:`ModelFace` of a shipped rulebook or a saved scorecard."""
    if _shipped_text(model_id) is not None:
        return rulebook_face(load_rulebook(model_id))
    from xinyong.scoring.scorecard import load_scorecard

    card = load_scorecard(model_id, home)
    by_bin: dict[tuple[str, int], str] = {}
    for c in card.characteristics:
        seen: dict[int, list[int]] = {}
        for i, lost in enumerate(c.points_lost):
            seen.setdefault(int(float(lost) * 1_000_000), []).append(i)
        for micro, bins in seen.items():
            if micro > 0 and len(bins) == 1:
                by_bin[(c.name, micro)] = c.bins[bins[0]].reason or c.reason_sentence(bins[0])
        best = max(c.bins, key=lambda b: b.points)
        by_bin[(c.name, -1)] = f"{c.name} is not in its best-scoring group ({best.phrase()})."
    scale = (card.scaling.range_min, card.scaling.range_max)
    tiers = tuple(name for name, _ in card.tiers)
    return ModelFace(model_id, scale, tiers, None, by_bin)


def rulebook_face(rulebook: Rulebook) -> ModelFace:
    """The :class:`ModelFace` of a parsed rulebook: its scale, tiers and rule reasons."""
    sentences = {(code, -1): text for code, text in rulebook.reason_sentences().items()}
    return ModelFace(rulebook.id, (rulebook.spec.scale.min, rulebook.spec.scale.max),
                     tuple(t.name for t in rulebook.spec.tiers), rulebook, sentences)
