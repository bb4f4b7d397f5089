"""The on-disk layout of an export and of a scoring output, and the subject hash.

An export (``xinyong export events DIR``)::

    DIR/manifest.json                 format, counts, buckets; written last
    DIR/events/bucket=N/*.parquet     the scoring view of the event log, by subject bucket
    DIR/subjects/bucket=N/*.parquet   subject_key and kind of the enrolled subjects

A scoring output (``xinyong scale score --out OUT``)::

    OUT/manifest.json                 model, version, as-of, engine, rows, seconds
    OUT/scores/*.parquet              one row per subject with SCORE_SCHEMA

A subject's bucket is Knuth's multiplicative hash of its key, ``(key · 2654435761 mod 2³²) mod
buckets``: plain integer arithmetic that every engine computes alike, so a cluster job can find
a subject's files, and consecutive keys (one furnisher's new subjects) spread over all buckets.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from xinyong.errors import XinyongError

EXPORT_FORMAT = "xinyong-events"
SCORES_FORMAT = "xinyong-scores"
LAYOUT_VERSION = 1
MANIFEST = "manifest.json"
EVENTS_DIR = "events"
SUBJECTS_DIR = "subjects"
SCORES_DIR = "scores"
DEFAULT_BUCKETS = 64
_GOLDEN = 2_654_435_761  # ⌊2³² / φ⌋
_WORD = 2**32


def subject_bucket(subject_key: int, buckets: int) -> int:
    """The bucket of a subject: ``subject_bucket(1, 64) == 49``."""
    return (subject_key * _GOLDEN % _WORD) % buckets


def bucket_sql(column: str, buckets: int) -> str:
    """:func:`subject_bucket` as SQL over an integer column (no overflow below 2³¹ keys)."""
    return f"((CAST({column} AS BIGINT) * {_GOLDEN}) % {_WORD}) % {int(buckets)}"


@dataclass(frozen=True)
class ExportManifest:
    events: int
    subjects: int
    buckets: int
    exported_at: str
    source: str
    format: str = EXPORT_FORMAT
    version: int = LAYOUT_VERSION
    hash: str = "knuth-multiplicative-32"


@dataclass(frozen=True)
class ScoresManifest:
    model_id: str
    model_version: str
    as_of: str
    engine: str
    rows: int
    scored: int
    events: int
    seconds: float
    source: str
    format: str = SCORES_FORMAT
    version: int = LAYOUT_VERSION


M = TypeVar("M", ExportManifest, ScoresManifest)


def write_manifest(directory: Path, manifest: ExportManifest | ScoresManifest) -> None:
    (directory / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n", "utf-8")


def _read(directory: Path, fmt: str, code: str, hint: str) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise XinyongError(code, f"{directory} has no {MANIFEST}; {hint}",
                           field="directory") from None
    except (OSError, ValueError) as exc:
        raise XinyongError("BAD_MANIFEST", f"cannot read {path}: {exc}", field="directory") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise XinyongError(code, f"{path} does not describe {fmt} data; {hint}",
                           field="directory")
    if data.get("version") != LAYOUT_VERSION:
        raise XinyongError("LAYOUT_VERSION", f"{path} has layout version {data.get('version')}; "
                           f"this xinyong reads version {LAYOUT_VERSION}", field="directory")
    return data


def _build(cls: type[M], data: dict[str, Any], where: Path) -> M:
    known = {f.name for f in fields(cls)}
    try:
        return cls(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        raise XinyongError("BAD_MANIFEST", f"{where / MANIFEST} lacks fields of {cls.__name__}",
                           field="directory") from None


def read_export_manifest(directory: Path) -> ExportManifest:
    data = _read(directory, EXPORT_FORMAT, "NOT_AN_EXPORT", "make one with `xinyong export events DIR`")
    return _build(ExportManifest, data, directory)


def read_scores_manifest(directory: Path) -> ScoresManifest | None:
    """The manifest of a scoring output, or None for bare Parquet files."""
    if not (directory / MANIFEST).exists():
        return None
    data = _read(directory, SCORES_FORMAT, "NOT_SCORES", "make one with `xinyong scale score --out DIR`")
    return _build(ScoresManifest, data, directory)
