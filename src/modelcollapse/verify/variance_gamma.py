"""Claims of the generation-one law (variance-gamma) of the Gaussian recursion.

Each claim draws one fresh generation-one point per independent chain
(``gaussian.simulate`` then ``GaussianChain.draw``), centres it at the fitted
mean, and holds a closed form of :func:`modelcollapse.gaussian.generation_law`
against the observations (a tail probability, the fourth moment, and the
whole law by Kolmogorov-Smirnov). The mutant is the normal law
:math:`N(0, \\sigma^2)` the fresh draw is often taken for.

The tail probability and the law use exact tests (binomial,
Kolmogorov-Smirnov), calibrated at any count. A single fourth power at
``M = 5`` has skewness about 30, beyond any practical replicate floor; the
fourth-moment claim therefore averages 20 fresh fourth powers per chain at
``M = 10`` (same mean, skewness about 5.5).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .. import gaussian as g
from ._core import Claim

_SECTION = "Shumailov et al. 2023, 'Single-dimensional Gaussian' (X^1_j - mu_1 is variance-gamma)"


def variance_gamma_claims(*, M=5, sigma=1.5, mu=0.3, threshold=2.5, moment_M=10,
                          moment_draws=20):
    """The generation-one claims at sample size ``M`` and truth ``N(mu, sigma^2)``."""
    law = g.generation_law(M, sigma)
    t = threshold * sigma

    moment_law = g.generation_law(moment_M, sigma)

    def fresh(replicates, rng, M=M, size=None):
        chain = g.simulate(1, M, mu=mu, sigma=sigma, replicates=replicates, rng=rng)
        draws = chain.draw(1, size or 1, rng=rng) - chain.mu[:, 1, None]
        return draws[:, 0] if size is None else draws

    parameters = {"M": M, "sigma": sigma, "mu": mu, "fit": "unbiased",
                  "law": "VG(lam=(M-1)/2, alpha=sqrt(M-1)/sigma, beta=0)"}
    return [
        Claim(
            name="variance_gamma.generation_one_tail",
            statement=(f"P(|X^1_j - mu_1| > {threshold} sigma) = 2 S_VG({threshold} sigma), "
                       "S_VG the sf of generation_law(M, sigma)"),
            reference=_SECTION,
            closed_form=lambda: float(2 * law.sf(t)),
            observations=lambda r, rng: (np.abs(fresh(r, rng)) > t).astype(float),
            mutant=lambda: float(2 * stats.norm.sf(threshold)),
            mutant_label="the normal tail 2 Phi_c(t / sigma): sigma_1 taken as sigma",
            parameters={**parameters, "t": t},
            replicates=20_000,
            test="proportion",
        ),
        Claim(
            name="variance_gamma.generation_one_law",
            statement="X^1_j - mu_1 ~ VG((M-1)/2, sqrt(M-1)/sigma, 0) (Kolmogorov-Smirnov)",
            reference=_SECTION,
            closed_form=lambda: law,
            observations=fresh,
            mutant=lambda: stats.norm(0.0, sigma),
            mutant_label="the normal law N(0, sigma^2) of the same variance",
            parameters=parameters,
            replicates=20_000,
            test="law",
        ),
        Claim(
            name="variance_gamma.generation_one_fourth_moment",
            statement=(f"E[(X^1_j - mu_1)^4] = 3 sigma^4 (M + 1)/(M - 1): excess kurtosis "
                       f"6/(M-1), at M = {moment_M}; each chain's observation is the mean of "
                       f"{moment_draws} fresh fourth powers (same mean, lighter tails than one)"),
            reference=_SECTION,
            closed_form=lambda: float(moment_law.moment(4)),
            observations=lambda r, rng: np.mean(
                fresh(r, rng, M=moment_M, size=moment_draws) ** 4, axis=1),
            mutant=lambda: 3 * sigma**4,
            mutant_label="the normal fourth moment 3 sigma^4",
            parameters={**parameters, "M": moment_M, "draws": moment_draws},
            replicates=20_000,
        ),
    ]
