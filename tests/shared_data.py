"""Where the team's shared test data lives (``../shared`` beside the repository).

A clone placed elsewhere can point at it with ``XINYONG_SHARED``; tests that need it skip with
a clear reason when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    candidates = [Path(os.environ["XINYONG_SHARED"])] if "XINYONG_SHARED" in os.environ else []
    candidates += [_REPO.parent / "shared", Path("/work/shared")]
    return next((c for c in candidates if c.is_dir()), candidates[0])
