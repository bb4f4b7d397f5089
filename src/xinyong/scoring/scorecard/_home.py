"""Saved scorecards: JSON artifacts in ``$XINYONG_HOME/models/<id>.json``.

``load_scorecard`` takes an id (looked up there) or a path to an artifact, so that ``xinyong model
sql --model ID`` can score with a saved scorecard as readily as with a shipped rulebook.
"""

from __future__ import annotations

import re
from pathlib import Path

from xinyong.errors import XinyongError
from xinyong.scoring.scorecard._artifact import Scorecard
from xinyong.store import default_home

MODELS_DIR = "models"
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def models_dir(home: Path | None = None) -> Path:
    """Where saved scorecards live: ``<home>/models`` (not created here)."""
    return (home or default_home()) / MODELS_DIR


def check_model_id(model_id: str) -> str:
    """``model_id`` if it can name a file safely (letters, digits, ``.``, ``_``, ``-``)."""
    if not _MODEL_ID.fullmatch(model_id) or model_id.endswith(".json"):
        raise XinyongError("BAD_MODEL_ID", f"{model_id!r} cannot be a model id: use letters, "
                           "digits, '.', '_' and '-', starting with a letter or digit",
                           field="id")
    return model_id


def saved_scorecards(home: Path | None = None) -> list[str]:
    """The ids of the scorecards saved under ``home``, sorted."""
    folder = models_dir(home)
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def save_scorecard(card: Scorecard, home: Path | None = None) -> Path:
    """Save ``card`` as ``<home>/models/<card.id>.json`` (creating ``models/``); return the path."""
    folder = models_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    return card.save(folder / f"{check_model_id(card.id)}.json")


def load_scorecard(id_or_path: str | Path, home: Path | None = None) -> Scorecard:
    """A saved scorecard by id, or an artifact by path; ``UNKNOWN_MODEL`` when there is none."""
    text = str(id_or_path)
    as_path = Path(text)
    if isinstance(id_or_path, Path) or text.endswith(".json") or "/" in text or "\\" in text:
        if as_path.is_file():
            return Scorecard.load(as_path)
        raise XinyongError("UNKNOWN_MODEL", f"no scorecard file at {as_path}", field="model")
    if _MODEL_ID.fullmatch(text):
        candidate = models_dir(home) / f"{text}.json"
        if candidate.is_file():
            return Scorecard.load(candidate)
    known = ", ".join(saved_scorecards(home)) or "none yet (`xinyong model fit` saves one)"
    raise XinyongError("UNKNOWN_MODEL", f"no saved scorecard {text!r} in {models_dir(home)}; "
                       f"known: {known}", field="model")
