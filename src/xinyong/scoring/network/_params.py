"""The knobs of the relationships factor, with the defaults the shipped models use.

Everything the factor reads or assumes is named here, so that a run can be reproduced from its
parameters and the event log alone (the pre-trust by score is the one opt-in exception: it
reads an earlier scoring run, see :class:`NetworkParams`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from xinyong.errors import XinyongError

# The only edge sources, ever: declared financial or legal ties (red line 2). Nothing else in
# the store, and no parameter, can add an edge.
TIE_TYPES: tuple[str, ...] = (
    "relationship.guarantor_of",
    "relationship.co_borrower_with",
    "relationship.legal_representative_of",
    "relationship.counterparty_of",
)
VOLUME_TIE = "relationship.counterparty_of"  # weighted by its reported volume (the amount)
VERIFIED_TYPE = "identity.verified"


class NetworkParamsError(XinyongError):
    """A parameter of the relationships factor out of its range; ``field`` names it."""


def _default_tie_weights() -> dict[str, float]:
    return dict.fromkeys(TIE_TYPES, 1.0)


@dataclass(frozen=True)
class NetworkParams:
    """How ties are weighed, how trust propagates and how it becomes a sub-score.

    Ties (one per declared event, summed per subject, counterparty and type):

    ``tie_weights``        weight of one fresh tie of each type;
    ``half_life_days``     a tie's weight halves every this many days since it was declared;
    ``volume_unit``        a ``counterparty_of`` tie weighs ``amount / volume_unit`` (its type
                           weight times the reported volume in units; one unit when missing);
    ``slack``              weight of a virtual tie back to the pre-trusted subjects that every
                           row carries. A subject passes on ``w / (slack + Σ w)`` of its trust
                           along a tie of weight ``w`` and the rest goes back to pre-trust, so
                           that old, decayed ties pass less than fresh ones (with ``slack = 0``
                           rows are purely normalised and only relative age matters).

    Propagation, ``t ← (1 − α)·Cᵀ·t + λ·p`` with ``λ = α + (1 − α)·(mass not passed on)``:

    ``alpha``              teleport probability back to pre-trust ``p``;
    ``tolerance``          stop when the L1 change of ``t`` (which sums to 1) is at most this;
    ``max_iterations``     … or after this many iterations.

    Pre-trust ``p``, uniform over the subjects whose own standing is verified. The default is a
    pure function of the event log: an ``identity.verified`` event at least
    ``verified_for_days`` old at as-of (fresh accounts are never pre-trusted) and no adverse
    event counted at as-of. Setting ``min_score`` (with ``score_model``) also requires a score
    of at least that in the latest batch run of that model *before* as-of; it is off by default
    because it makes the factor depend on an earlier run and not only on the events.

    Exposure, one hop only (distrust never travels further than the party that signed up for it):

    ``adverse_types``      a counterparty's own events that make a tie to it an exposure;
    ``adverse_half_life_days``, ``adverse_expiry_days``: how such an event ages out;
    ``severity``           share of the neutral value lost when all of a subject's declared tie
                           weight is to counterparties fully in default (0 switches exposure off).

    Sub-score: ``neutral + (100 − neutral)·x / (x + half_lift_trust) − exposure`` where ``x`` is the
    trust flowing in through ties, in units of one pre-trusted subject's own teleport share.
    """

    alpha: float = 0.15
    tolerance: float = 1e-10
    max_iterations: int = 200
    half_life_days: float = 730.0
    tie_weights: dict[str, float] = field(default_factory=_default_tie_weights)
    volume_unit: float = 100_000.0
    slack: float = 1.0
    verified_for_days: int = 180
    min_score: float | None = None
    score_model: str | None = None
    adverse_types: tuple[str, ...] = ("loan.defaulted", "court.judgment_against", "tax.arrears")
    adverse_half_life_days: float = 730.0
    adverse_expiry_days: int = 1825
    severity: float = 1.0
    half_lift_trust: float = 1.0

    def __post_init__(self) -> None:
        checks: list[tuple[bool, str, str]] = [
            (0.0 < self.alpha < 1.0, "alpha", "alpha is a probability strictly between 0 and 1"),
            (self.tolerance >= 0.0, "tolerance", "tolerance cannot be negative"),
            (self.max_iterations >= 1, "max_iterations", "run at least one iteration"),
            (self.half_life_days > 0, "half_life_days", "a half-life is a positive number of days"),
            (self.volume_unit > 0, "volume_unit", "the volume unit must be positive"),
            (self.slack >= 0.0 and math.isfinite(self.slack), "slack", "slack is a weight ≥ 0"),
            (self.verified_for_days >= 0, "verified_for_days", "a number of days ≥ 0"),
            (self.adverse_half_life_days > 0, "adverse_half_life_days", "a positive half-life"),
            (self.adverse_expiry_days > 0, "adverse_expiry_days", "a positive number of days"),
            (0.0 <= self.severity <= 1.0, "severity", "severity is a share between 0 and 1"),
            (self.half_lift_trust > 0, "half_lift_trust", "half_lift_trust must be positive"),
            ((self.min_score is None) == (self.score_model is None), "score_model",
             "min_score and score_model go together: name the model whose runs to read"),
        ]
        unknown = sorted(set(self.tie_weights) - set(TIE_TYPES))
        checks.append((not unknown, "tie_weights",
                       f"ties come only from {', '.join(TIE_TYPES)}; not from {unknown}"))
        checks.append((all(w >= 0 and math.isfinite(w) for w in self.tie_weights.values()),
                       "tie_weights", "tie weights are finite and non-negative"))
        for ok, name, message in checks:
            if not ok:
                raise NetworkParamsError("BAD_NETWORK_PARAM", message, field=name)

    def tie_weight(self, tie_type: str) -> float:
        return self.tie_weights.get(tie_type, 0.0)
