"""modelcollapse: the theory of model collapse, checkable.

Closed forms, exact simulators and sympy derivations of recursive training
(Shumailov et al., "The Curse of Recursion", 2023), held against each other
with calibrated statistics (``modelcollapse verify``).
"""

from __future__ import annotations

from . import gaussian, schedule, variance_gamma
from .gaussian import GaussianChain
from .schedule import Constant, Explicit, Geometric, Linear, Power, Schedule

__version__ = "0.1.0"

__all__ = [
    "Constant",
    "Explicit",
    "GaussianChain",
    "Geometric",
    "Linear",
    "Power",
    "Schedule",
    "__version__",
    "gaussian",
    "schedule",
    "variance_gamma",
]
