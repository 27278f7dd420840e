"""Claims of functional approximation error: KDE chains and misspecified Gaussian fits.

Every observable is calibrated at small replicate counts: one draw of a
KDE generation is exactly normal, so its law is tested by Kolmogorov-Smirnov
(``test="law"``); the other KDE claims average sample variances and squared
means of ``M >= 5`` normal-mixture points (all moments finite, light tails),
or regress them on the generation
(``test="slope"``); the tail claim is an exact binomial test of 0/1 events
(``test="proportion"``); the fitted-variance claim averages squared
deviations of a Laplace sample's variance (finite moments of every order).
Each mutant is the value a reader carrying over the Gaussian recursion, or
the truth's own tail, would write down; default replicates give power
>= 0.9 against it at the family level (the report states the power).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .. import kde
from .. import misspecified as ms
from ._core import Claim

_KDE = ("Shumailov et al. 2024 (Nature), 'What is model collapse?' (functional approximation "
        "error); KDE recursion as in Kazdan, Schaeffer et al. 2024, 'Collapse or Thrive? "
        "Perils and Promises of Synthetic Data in a Self-Generating World'")
_MISSPEC = ("Shumailov et al. 2024 (Nature), 'What is model collapse?' (functional "
            "expressivity error: a Gaussian fitted to a non-Gaussian truth)")


def _spread(chain, mu):
    """E[(X^n_j - mu)^2 | generation n] from its mean and S^2 (lighter-tailed than one draw)."""
    M = int(chain.M[0]) if chain.M.size else 2
    return (chain.mu - mu) ** 2 + (1 - 1 / M) * chain.sigma2


def functional_claims(*, mu=0.3, sigma=1.5):
    """The KDE and misspecification claims."""
    h, M, n = 0.5, 10, 5
    fixed = {"n": n, "M": M, "bandwidth": h, "mu": mu, "sigma": sigma}

    def kde_last(policy, bandwidth, observe):
        def observations(replicates, rng):
            chain = kde.simulate(n, M, bandwidth=bandwidth, mu=mu, sigma=sigma,
                                 policy=policy, replicates=replicates, rng=rng)
            return observe(chain)[:, -1]
        return observations

    slope_n, slope_m = 8, 5

    def slope_observations(replicates, rng):
        # Replicate r reports generation r mod (N + 1): the OLS slope of E[(X - mu)^2 | gen]
        # on the generation estimates d Var(X^n_j)/dn.
        chain = kde.simulate(slope_n, slope_m, bandwidth=h, mu=mu, sigma=sigma,
                             replicates=replicates, rng=rng)
        gen = np.arange(replicates) % (slope_n + 1)
        y = _spread(chain, mu)[np.arange(replicates), gen]
        return gen.astype(np.float64), y

    # M = 200: the second-order expansion is then within 1e-5 of the exact tail (a
    # 0.01-s.e. bias at the default replicates); at M = 50 its O(M^-2) error is 1.4e-4.
    tail_law, tail_m, level = stats.laplace(), 200, 0.99
    loss = ms.tail_loss(tail_m, tail_law, level)

    def tail_observations(replicates, rng):
        chain = ms.simulate(1, tail_m, tail_law, replicates=replicates, rng=rng)
        return chain.draw(1, rng=rng)[:, 0] > loss.quantile

    laplace, fit_m = stats.laplace(0.0, 1.0), 100

    def fitted_variance(replicates, rng):
        chain = ms.simulate(1, fit_m, laplace, replicates=replicates, rng=rng)
        return (chain.sigma2[:, 1] - 2.0) ** 2

    # M = 2: the law does not depend on M, and the mutant's variance sigma^2 (1 + n/M)
    # is then 2.25 times the truth's, so 2000 draws reject it with power ~ 1.
    law_n, law_m = 5, 2

    def one_point(replicates, rng):
        chain = kde.simulate(law_n, law_m, bandwidth=h, mu=mu, sigma=sigma,
                             replicates=replicates, rng=rng)
        return chain.points[:, 0]

    return [
        Claim(
            name="functional.kde_generation_law",
            statement="X^n_j ~ N(mu, sigma^2 + n h^2) exactly (Kolmogorov-Smirnov)",
            reference=_KDE,
            closed_form=lambda: stats.norm(mu, np.sqrt(sigma**2 + law_n * h**2)),
            observations=one_point,
            mutant=lambda: stats.norm(mu, sigma * np.sqrt(1 + law_n / law_m)),
            mutant_label="the Gaussian recursion's law N(mu, sigma^2 (1 + n/M))",
            parameters={**fixed, "n": law_n, "M": law_m},
            replicates=2000,
            test="law",
        ),
        Claim(
            name="functional.kde_expected_sample_variance",
            statement="E[S_n^2] = M h^2 + (1 - 1/M)^n (sigma^2 - M h^2) (fixed bandwidth)",
            reference=_KDE,
            closed_form=lambda: float(kde.expected_sample_variance(n, M, h, sigma)),
            observations=kde_last("replace", h, lambda c: c.sigma2),
            mutant=lambda: (1 - 1 / M) ** n * sigma**2,
            mutant_label="the Gaussian (MLE) recursion's (1 - 1/M)^n sigma^2: no kernel h^2",
            parameters=fixed,
            replicates=3000,
        ),
        Claim(
            name="functional.kde_variance_growth_slope",
            statement="Var(X^n_j) = sigma^2 + n h^2: slope h^2 in n, whatever M",
            reference=_KDE,
            closed_form=lambda: h**2,
            observations=slope_observations,
            mutant=lambda: sigma**2 / slope_m,
            mutant_label="the Gaussian recursion's slope sigma^2/M",
            parameters={**fixed, "n": f"0..{slope_n}", "M": slope_m},
            replicates=20_000,
            test="slope",
        ),
        Claim(
            name="functional.kde_accumulate_variance",
            statement="accumulating: Var(X^n_j) = sigma^2 + h^2 H_n (harmonic, not linear)",
            reference=_KDE,
            closed_form=lambda: float(kde.sample_variance(n, M, h, sigma, policy="accumulate")),
            observations=kde_last("accumulate", h, lambda c: _spread(c, mu)),
            mutant=lambda: float(kde.sample_variance(n, M, h, sigma)),
            mutant_label="the replacing value sigma^2 + n h^2",
            parameters={**fixed, "policy": "accumulate"},
            replicates=4000,
        ),
        Claim(
            name="functional.kde_scott_spread",
            statement="Scott's bandwidth: E[S_n^2] = sigma^2 (1 - 1/M + M^(-2/5))^n",
            reference=_KDE,
            closed_form=lambda: float(kde.expected_sample_variance(n, M, "scott", sigma)),
            observations=kde_last("replace", "scott", lambda c: c.sigma2),
            mutant=lambda: (1 - 1 / M) ** n * sigma**2,
            mutant_label="the Gaussian (MLE) recursion's (1 - 1/M)^n sigma^2",
            parameters={**fixed, "bandwidth": "scott"},
            replicates=13_000,
        ),
        Claim(
            name="functional.misspecified_tail",
            statement=(f"P(X^1_j > q_{level}) = E[P_fitted(X > q)] = "
                       f"{loss.expected:.3g} (second order), D0 = Laplace, M = {tail_m}"),
            reference=_MISSPEC,
            closed_form=lambda: loss.expected,
            observations=tail_observations,
            mutant=lambda: loss.truth,
            mutant_label="the truth's tail 1 - level: as if the fit kept D0's tails",
            parameters={"D0": "laplace(0, 1)", "M": tail_m, "level": level,
                        "q": loss.quantile},
            replicates=10_000,
            test="proportion",
        ),
        Claim(
            name="functional.misspecified_sigma2_variance",
            statement="Var(sigma_1^2) = mu4/M - sigma^4 (M-3)/(M(M-1)) (D0 = Laplace)",
            reference=_MISSPEC,
            closed_form=lambda: ms.first_fit(fit_m, laplace).sigma2_variance,
            observations=fitted_variance,
            mutant=lambda: 2 * 2.0**2 / (fit_m - 1),
            mutant_label="the Gaussian value 2 sigma^4/(M - 1): kurtosis ignored",
            parameters={"D0": "laplace(0, 1)", "M": fit_m},
            replicates=20_000,
        ),
    ]
