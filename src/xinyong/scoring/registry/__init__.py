"""The model registry: which rulebooks and scorecards exist, who built them, and which answers.

How the parts relate: ``_artifacts`` reads a model's file (a shipped rulebook or a scorecard saved
under the home) into the facts the registry records, and gives decisions a model's scale and
reason sentences (:func:`model_face`); ``_registry`` keeps the ``models`` table (migration 4):
register, promote and retire, one champion per subject kind, each change audited in its own
transaction; ``cli`` holds ``xinyong model list|show|register|promote|retire``.

>>> champion(store.con, "person")                                     # doctest: +SKIP
'sesame-like'
"""

from xinyong.scoring.registry._artifacts import (
    DEFAULT_PROVIDER,
    Artifact,
    ModelFace,
    describe_artifact,
    model_face,
    rulebook_face,
)
from xinyong.scoring.registry._registry import (
    STATUSES,
    SUBJECT_KINDS,
    RegisteredModel,
    Status,
    champion,
    models_to_score,
    promote,
    register_fitted,
    register_model,
    registered_models,
    registrations,
    retire,
    shadows,
)

__all__ = [
    "DEFAULT_PROVIDER",
    "STATUSES",
    "SUBJECT_KINDS",
    "Artifact",
    "ModelFace",
    "RegisteredModel",
    "Status",
    "champion",
    "describe_artifact",
    "model_face",
    "models_to_score",
    "promote",
    "register_fitted",
    "register_model",
    "registered_models",
    "registrations",
    "retire",
    "rulebook_face",
    "shadows",
]
