"""modelcollapse: the theory of model collapse, checkable.

Closed forms, exact simulators and sympy derivations of recursive training
(Shumailov et al., "The Curse of Recursion", 2023), held against each other
with calibrated statistics (``modelcollapse verify``).

Submodules and the re-exported classes are imported on first use (PEP 562),
so ``import modelcollapse`` and ``modelcollapse --help`` stay fast;
``from modelcollapse import gaussian`` works as usual.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Re-exported names and the submodule that defines each.
_REEXPORTS = {
    "Constant": "schedule",
    "DiscreteChain": "discrete",
    "Explicit": "schedule",
    "GaussianChain": "gaussian",
    "Geometric": "schedule",
    "Linear": "schedule",
    "MultivariateChain": "multivariate",
    "Power": "schedule",
    "Schedule": "schedule",
}

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


#: The submodules, imported on first access: the lower-case public names.
_SUBMODULES = frozenset(name for name in __all__ if name.islower() and not name.startswith("_"))


def __getattr__(name):
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _REEXPORTS:
        value = getattr(importlib.import_module(f".{_REEXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
