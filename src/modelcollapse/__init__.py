"""modelcollapse: the theory of model collapse, checkable.

Closed forms, exact simulators and sympy derivations of recursive training
(Shumailov et al., "The Curse of Recursion", 2023), held against each other
with calibrated statistics (``modelcollapse verify``).
"""

from __future__ import annotations

from . import (
    discrete,
    distill,
    estimate,
    gaussian,
    kde,
    misspecified,
    mixture,
    multivariate,
    ngram,
    policies,
    regression,
    schedule,
    sweep,
    tails,
    variance_gamma,
    wasserstein,
)
from .discrete import DiscreteChain
from .gaussian import GaussianChain
from .multivariate import MultivariateChain
from .schedule import Constant, Explicit, Geometric, Linear, Power, Schedule

__version__ = "0.1.0"

__all__ = [
    "Constant",
    "DiscreteChain",
    "Explicit",
    "GaussianChain",
    "Geometric",
    "Linear",
    "MultivariateChain",
    "Power",
    "Schedule",
    "__version__",
    "discrete",
    "distill",
    "estimate",
    "gaussian",
    "kde",
    "misspecified",
    "mixture",
    "multivariate",
    "ngram",
    "policies",
    "regression",
    "schedule",
    "sweep",
    "tails",
    "variance_gamma",
    "wasserstein",
]
