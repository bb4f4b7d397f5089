"""Furnisher ingestion: readers, vectorised validation, quarantine, idempotency, corrections."""

from xinyong.ingest._pipeline import IngestSummary, ingest_file
from xinyong.ingest._readers import FORMATS, FileRefused

__all__ = ["FORMATS", "FileRefused", "IngestSummary", "ingest_file"]
