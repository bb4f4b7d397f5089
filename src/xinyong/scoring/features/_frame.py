"""Run a feature view on a store: the feature table as a pandas DataFrame."""

from __future__ import annotations

from datetime import date

import pandas as pd

from xinyong.scoring.features._sql import feature_sql
from xinyong.scoring.features._view import FeatureView
from xinyong.store import Store


def feature_frame(store: Store, view: FeatureView, as_of: date) -> pd.DataFrame:
    """One row per enrolled subject of the view's kind, sorted by ``subject_key``.

    Columns: ``subject_key``, ``subject_kind``, ``n_events``, ``unscorable_reason`` and one per
    feature (DOUBLE, or text for a categorical ``latest``), missing values as NaN/None.
    """
    sql = feature_sql(view, as_of)
    frame = store.con.execute(f"SELECT * FROM ({sql}) ORDER BY subject_key").df()
    frame["subject_kind"] = frame["subject_kind"].astype(str)
    return frame
