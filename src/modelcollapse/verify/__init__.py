"""``modelcollapse verify``: every stated theorem held against simulation.

Each model contributes claims (a closed form, a Monte Carlo estimator and a
mutant formula); :func:`run` tests each (a Student-t test of a mean with a
skewness-corrected p-value, an OLS slope, an exact binomial test of a
probability, or a Kolmogorov-Smirnov test of a law), corrects the family with
Holm's procedure at level ``alpha``, and reports the power against each
claim's mutant. A requested replicate count below a claim's floor (the
fewest at which its test keeps its size at ``alpha/m``, see
:func:`replicate_floor`) is raised to the floor, and the report says so. Each
claim's verdict is ``holds`` (not rejected, power >= 0.9), ``rejected``, or
``inconclusive`` (not rejected, power < 0.9). The measured family-wise
false-alarm rates are in the documentation page "Calibration of verify".

Examples
--------
>>> from modelcollapse import verify
>>> report = verify.run(["gaussian.mean_squared_error"], quick=True)
>>> report.family_rejected
False
"""

from __future__ import annotations

import functools

from ._core import (
    Calibration,
    Claim,
    ClaimResult,
    Report,
    binomial_power,
    calibrate,
    check_claim,
    claim_floor,
    corrected_p_value,
    holm,
    mean_test,
    replicate_floor,
    run_claims,
)
from .discrete import discrete_claims
from .functional import functional_claims
from .gaussian import gaussian_claims
from .mixture import mixture_claims
from .multivariate import multivariate_claims
from .policies import policy_claims
from .regression import regression_claims
from .tails import tails_claims
from .variance_gamma import variance_gamma_claims

__all__ = [
    "Calibration",
    "Claim",
    "ClaimResult",
    "Report",
    "binomial_power",
    "calibrate",
    "calibration",
    "check_claim",
    "claim_floor",
    "corrected_p_value",
    "holm",
    "mean_test",
    "registered",
    "registry",
    "replicate_floor",
    "run",
]


@functools.cache
def _registry():
    claims = (
        *gaussian_claims("sufficient"),
        *gaussian_claims("samples"),
        *variance_gamma_claims(),
        *multivariate_claims("wishart"),
        *multivariate_claims("samples"),
        *discrete_claims(),
        *regression_claims(),
        *policy_claims(),
        *mixture_claims(),
        *functional_claims(),
        *tails_claims(),
    )
    names = [c.name for c in claims]
    if len(set(names)) != len(names):
        raise RuntimeError(f"claim names must be unique, got {sorted(names)}")
    return claims


def registry():
    """Every registered claim, in report order (names are unique)."""
    return list(_registry())


def registered(name):
    """The registered claim called ``name``."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a registered claim's name (a str), got name={name!r}")
    for claim in _registry():
        if claim.name == name:
            return claim
    raise ValueError(f"claims must name registered claims, got unknown claim {name!r}")


def is_registered(claim):
    """Whether ``claim`` is the registered claim of its name (workers can look it up)."""
    return any(c is claim for c in _registry())


def _chosen(claims):
    if claims is None:
        return registry()
    return [c if isinstance(c, Claim) else registered(c) for c in claims]


def run(claims=None, *, alpha=0.01, seed=0, replicates=None, quick=False, executor=None,
        progress=False):
    """Check ``claims`` (names or :class:`Claim` objects; default all) and return a :class:`Report`.

    Parameters
    ----------
    claims : sequence of str or Claim, optional
        Claims to check; names refer to :func:`registry`.
    alpha : float, optional
        Family-wise false-alarm rate (Holm).
    seed : int, optional
        Seed; each claim draws from its own streams keyed by its name.
    replicates : int, optional
        Override every claim's replicate count (>= 2); a count below a
        claim's floor is raised to it (``ClaimResult.replicates_requested``
        keeps the request).
    quick : bool, optional
        A tenth of each claim's replicates (at least 200, and at least its
        floor): less power, a few seconds; claims whose power falls below 0.9
        are ``inconclusive``, not ``holds``.
    executor : concurrent.futures.Executor, optional
        Where the replicate blocks run (see :mod:`modelcollapse.sweep`); the
        numbers are the same on every executor.
    progress : bool, optional
        A progress bar on stderr when stderr is a terminal.
    """
    return run_claims(_chosen(claims), alpha=alpha, seed=seed, replicates=replicates,
                      quick=quick, executor=executor, progress=progress)


def calibration(claims=None, runs=100, *, alpha=0.01, seed=0, replicates=None, quick=False,
                executor=None, progress=False):
    """Observed false-alarm rate of the family over ``runs`` seeds (see :func:`calibrate`)."""
    return calibrate(_chosen(claims), runs, alpha=alpha, seed=seed, replicates=replicates,
                     quick=quick, executor=executor, progress=progress)
