"""Claims of the d-dimensional Gaussian recursion (Shumailov et al. 2024, Nature).

Each claim simulates ``n`` fits of a 3-dimensional Gaussian and holds one
Monte Carlo mean against its closed form; its mutant is the formula a careless
derivation would produce (the 1-D answer, the wrong divisor, a martingale
intuition). Every claim runs in well under 0.5 s at its default replicates.

Each default count is at least the claim's replicate floor (the fewest at
which its mean test keeps its size at alpha/m; see
:func:`modelcollapse.verify.replicate_floor`). ``det Sigma_n`` is a product
of ``n d`` scaled chi-square factors: at ``n = 5, M = 8`` its skewness is
in the hundreds and no practical count calibrates a test of its mean, so
``expected_det`` uses two fits at ``M = 20`` (skewness about 3).
"""

from __future__ import annotations

import numpy as np

from .. import gaussian
from .. import multivariate as mv
from ._core import Claim

_SECTION = "Shumailov et al. 2024 (Nature), 'Gaussian model collapse'"
_COV = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
_MEAN = np.array([0.3, -1.0, 2.0])


def multivariate_claims(method="wishart"):
    """The d-dim Gaussian claims, simulated with ``method`` ("wishart" or "samples")."""
    suffix = "" if method == "wishart" else f".{method}"

    def claim(name, statement, closed_form, observe, mutant, mutant_label, *, n=5, M=8,
              cov=_COV, replicates=20_000):
        mean = np.zeros(cov.shape[0])

        def observations(r, rng):
            chain = mv.simulate(n, M, mean, cov, replicates=r, method=method, rng=rng)
            return observe(chain, mean)

        return Claim(
            name=f"multivariate.{name}{suffix}",
            statement=statement,
            reference=_SECTION,
            closed_form=lambda: float(closed_form(n, M, cov)),
            observations=observations,
            mutant=lambda: float(mutant(n, M, cov)),
            mutant_label=mutant_label,
            parameters={"n": n, "M": M, "d": cov.shape[0], "method": method, "fit": "unbiased"},
            replicates=replicates,
        )

    def logdet(c):
        return np.linalg.slogdet(c.cov[:, -1])[1]

    claims = [
        claim(
            "mean_squared_error",
            "E||mu_n - mu||^2 = tr(Sigma) sum_{i<n} 1/M_i",
            mv.mean_squared_error,
            lambda c, m: np.sum((c.mu[:, -1] - m) ** 2, axis=-1),
            lambda n, M, cov: np.trace(cov) * n / (M - 1),
            "1/(M_i - 1) for 1/M_i",
        ),
        claim(
            "expected_cov",
            "E[tr Sigma_n] = tr Sigma (unbiased fits: a matrix martingale)",
            lambda n, M, cov: np.trace(mv.expected_cov(n, M, cov)),
            lambda c, m: np.trace(c.cov[:, -1], axis1=-2, axis2=-1),
            lambda n, M, cov: np.trace(mv.expected_cov(n, M, cov, fit="mle")),
            "the MLE value tr Sigma prod (1 - 1/M_i)",
        ),
        claim(
            "log_det_drift",
            "E[log det Sigma_n] = log det Sigma "
            "+ n (sum_j [psi((M - j)/2) + log 2] - d log(M - 1))",
            mv.log_det_mean,
            lambda c, m: logdet(c),
            lambda n, M, cov: np.linalg.slogdet(cov)[1]
            + cov.shape[0] * n * gaussian.log_variance_drift(M),
            "d times the 1-D drift (psi((M - 1)/2) for every j)",
        ),
        claim(
            "expected_det",
            "E[det Sigma_n] = det Sigma prod_i prod_j (M_i - j)/(M_i - 1)",
            mv.expected_det,
            lambda c, m: np.linalg.det(c.cov[:, -1]),
            lambda n, M, cov: np.linalg.det(cov),
            "E[det Sigma_n] = det Sigma (the martingale intuition)",
            n=2, M=20,
        ),
    ]
    if method == "samples":  # the first-order claim needs M = 10^4 points per generation
        return claims
    return [
        *claims,
        claim(
            "w2_first_order",
            "E[W2^2] = H_n (5/4 tr Sigma + 1/2 sum_ab s_a s_b/(s_a + s_b)) + O(H_n^2); "
            "d (d + 5)/(4 M) for Sigma = I",
            mv.expected_w2_squared_first_order,
            lambda c, m: c.w2_squared()[:, -1],
            lambda n, M, cov: 1.5 * np.trace(cov) * n / M,
            "the 1-D constant 3/2 tr(Sigma) H_n",
            n=1, M=10**4, cov=np.eye(3),
        ),
    ]
