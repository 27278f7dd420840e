"""``modelcollapse verify``: every stated theorem held against simulation.

Each model contributes claims (a closed form, a Monte Carlo estimator and a
mutant formula); :func:`run` tests each with a z-test on its mean, corrects
the family with Holm's procedure at level ``alpha``, and reports the power
against each claim's mutant.

Examples
--------
>>> from modelcollapse import verify
>>> report = verify.run(["gaussian.mean_squared_error"], quick=True)
>>> report.family_rejected
False
"""

from __future__ import annotations

from ._core import Claim, ClaimResult, Report, check_claim, mean_test, run_claims
from .gaussian import gaussian_claims
from .variance_gamma import variance_gamma_claims

__all__ = ["Claim", "ClaimResult", "Report", "check_claim", "mean_test", "registry", "run"]


def registry():
    """Every registered claim, in report order (names are unique)."""
    return [
        *gaussian_claims("sufficient"),
        *gaussian_claims("samples"),
        *variance_gamma_claims(),
    ]


def run(claims=None, *, alpha=0.01, seed=0, replicates=None, quick=False):
    """Check ``claims`` (names or :class:`Claim` objects; default all) and return a :class:`Report`.

    Parameters
    ----------
    claims : sequence of str or Claim, optional
        Claims to check; names refer to :func:`registry`.
    alpha : float, optional
        Family-wise false-alarm rate (Holm).
    seed : int, optional
        Seed; each claim draws from its own stream keyed by its name.
    replicates : int, optional
        Override every claim's replicate count.
    quick : bool, optional
        A tenth of each claim's replicates (less power, a few seconds).
    """
    known = {c.name: c for c in registry()}
    if claims is None:
        chosen = list(known.values())
    else:
        chosen = []
        for c in claims:
            if isinstance(c, Claim):
                chosen.append(c)
            elif c in known:
                chosen.append(known[c])
            else:
                raise ValueError(f"claims must name registered claims, got unknown claim {c!r}")
    return run_claims(chosen, alpha=alpha, seed=seed, replicates=replicates, quick=quick)
