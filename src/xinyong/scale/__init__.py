"""Scale: export the event log, score it on another engine, import the scores back.

``export_events`` writes the scoring view of the store as Parquet bucketed by a hash of the
subject (layout in ``_layout``); ``score_export`` runs any :mod:`xinyong.scoring.engines`
engine over such an export and writes Parquet scores with a manifest; ``import_scores`` loads
them into the store's ``scores`` as one run. ``cli.register`` adds the commands.
"""

from xinyong.scale._export import ExportResult, export_events
from xinyong.scale._import import ImportResult, import_scores
from xinyong.scale._layout import (
    DEFAULT_BUCKETS,
    ExportManifest,
    ScoresManifest,
    bucket_sql,
    read_export_manifest,
    read_scores_manifest,
    subject_bucket,
)
from xinyong.scale._scoring import score_export

__all__ = [
    "DEFAULT_BUCKETS",
    "ExportManifest",
    "ExportResult",
    "ImportResult",
    "ScoresManifest",
    "bucket_sql",
    "export_events",
    "import_scores",
    "read_export_manifest",
    "read_scores_manifest",
    "score_export",
    "subject_bucket",
]
