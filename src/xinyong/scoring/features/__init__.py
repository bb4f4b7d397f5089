"""Features from the event log: declared feature views, compiled to one SQL query per as-of.

How the parts relate: a :class:`FeatureView` (``_view``) is a validated TOML file of features —
each an aggregation over catalogued event types in a window before as-of, assigned to one of the
five factors. :func:`feature_sql` (``_sql``) compiles it to one query over the store's scoring
views with one row per subject; :func:`feature_frame` (``_frame``) runs it on a store. Learned
scorecards train on these rows and score on the store through the same query
(:mod:`xinyong.scoring.scorecard`).

>>> view = load_feature_view("bureau-basic")                        # doctest: +SKIP
>>> frame = feature_frame(store, view, date(2026, 11, 1))           # doctest: +SKIP
"""

from xinyong.scoring.features._frame import feature_frame
from xinyong.scoring.features._sql import FEATURES, feature_ctes, feature_sql
from xinyong.scoring.features._view import (
    DAYS_PER_MONTH,
    Feature,
    FeatureSpec,
    FeatureView,
    FeatureViewError,
    load_feature_view,
    parse_feature_view,
    shipped_feature_views,
)

__all__ = [
    "DAYS_PER_MONTH",
    "FEATURES",
    "Feature",
    "FeatureSpec",
    "FeatureView",
    "FeatureViewError",
    "feature_ctes",
    "feature_frame",
    "feature_sql",
    "load_feature_view",
    "parse_feature_view",
    "shipped_feature_views",
]
