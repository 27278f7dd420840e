"""Claims of the 1-D Gaussian recursion (Shumailov et al. 2023).

Each claim's parameters and replicate count are chosen so that its mutant is
rejected with power >= 0.9 at the default family level; the report states
the power achieved.

The parameters also keep each observable's tails light enough for a mean
test to be calibrated at a practical replicate count. With M = 5 and n = 10
the fitted variance is a product of ten scaled chi-square(4) factors whose
log has variance 6.4: its mean (the closed form) is carried by chains too
rare for any run to contain, the observable's skewness is in the tens to
hundreds, and the Student-t test of its mean would need millions of
replicates to keep its size at alpha/m (see
:func:`modelcollapse.verify.replicate_floor`). Two to five fits at M = 5 to
20 keep the log-variance of sigma_n^2 below 1.3 and the skewness below 9,
where the floors are thousands to tens of thousands. The skewness and
kurtosis of sigma_n^2, sigma_n and (sigma_n^2 - sigma^2)^2 are exact, from
:func:`modelcollapse.gaussian.sigma_moment`; the others come from the stored
pilot (``benchmarks/verify_moments.py``).
"""

from __future__ import annotations

import numpy as np

from .. import gaussian as g
from ..schedule import as_schedule
from ._core import Claim


def _shape(raw):
    """Skewness and excess kurtosis from the raw moments E[Y], E[Y^2], E[Y^3], E[Y^4]."""
    m1, m2, m3, m4 = raw
    var = m2 - m1**2
    third = m3 - 3 * m1 * m2 + 2 * m1**3
    fourth = m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4
    return float(third / var**1.5), float(fourth / var**2 - 3)


def _power_moments(n, M, p, sigma):
    """Skewness and excess kurtosis of sigma_n^p, exact from E[sigma_n^(pk)], k <= 4."""
    return _shape([float(g.sigma_moment(n, M, p * k, sigma)) for k in (1, 2, 3, 4)])


def _squared_deviation_moments(n, M, sigma):
    """Skewness and excess kurtosis of (sigma_n^2 - sigma^2)^2, from E[sigma_n^(2j)], j <= 8."""
    from scipy.special import comb

    s2 = sigma**2
    raw_s = [float(g.sigma_moment(n, M, 2 * j, sigma)) for j in range(9)]
    return _shape([
        sum(comb(2 * k, j, exact=True) * raw_s[j] * (-s2) ** (2 * k - j) for j in range(2 * k + 1))
        for k in (1, 2, 3, 4)
    ])

_SECTION = "Shumailov et al. 2023, 'Single-dimensional Gaussian'"
_W2_SECTION = "Shumailov et al. 2024 (Nature), 'Gaussian model collapse'"


def gaussian_claims(method="sufficient", *, mu=0.3, sigma=1.5):
    """The Gaussian claims, simulated with ``method`` ("sufficient" or "samples")."""
    suffix = "" if method == "sufficient" else f".{method}"

    def claim(name, statement, closed_form, observe, mutant, mutant_label, *, n, M,
              replicates=20_000, reference=_SECTION, moments=None):
        sizes = as_schedule(M).sizes(n)

        def observations(r, rng):
            chain = g.simulate(n, M, mu=mu, sigma=sigma, replicates=r, method=method, rng=rng)
            return observe(chain, rng)

        return Claim(
            name=f"gaussian.{name}{suffix}",
            statement=statement,
            reference=reference,
            closed_form=lambda: float(closed_form(n, M, sigma)),
            observations=observations,
            mutant=lambda: float(mutant(n, sizes, sigma)),
            mutant_label=mutant_label,
            parameters={"n": n, "M": M, "mu": mu, "sigma": sigma, "method": method,
                        "fit": "unbiased"},
            replicates=replicates,
            skewness=None if moments is None else moments(n, M)[0],
            kurtosis=None if moments is None else moments(n, M)[1],
        )

    def last_mu(chain):
        return chain.mu[:, -1]

    def last_s2(chain):
        return chain.sigma2[:, -1]

    slip = "1/(M_i - 1) for 1/M_i"
    growth_n, growth_m = 5, 10

    def growth_observations(replicates, rng):
        # Replicate r reports generation n = r mod (N + 1) through
        # E[(X^n_j - mu)^2 | model n] = (mu_n - mu)^2 + sigma_n^2 (Rao-Blackwell:
        # same mean Var(X^n_j), lighter tails than one draw), so the OLS slope
        # of these pairs estimates d Var(X^n_j) / dn.
        chain = g.simulate(growth_n, growth_m, mu=mu, sigma=sigma, replicates=replicates,
                           method=method, rng=rng)
        gen = np.arange(replicates) % (growth_n + 1)
        rows = np.arange(replicates)
        y = (chain.mu[rows, gen] - mu) ** 2 + chain.sigma2[rows, gen]
        return gen.astype(np.float64), y

    growth = Claim(
        name=f"gaussian.variance_growth_slope{suffix}",
        statement="Var(X^n_j) grows linearly in n with slope sigma^2/M (constant M)",
        reference=_SECTION,
        closed_form=lambda: sigma**2 / growth_m,
        observations=growth_observations,
        mutant=lambda: sigma**2 / (growth_m - 1),
        mutant_label=slip,
        parameters={"n": f"0..{growth_n}", "M": growth_m, "mu": mu, "sigma": sigma,
                    "method": method, "fit": "unbiased"},
        replicates=150_000,
        test="slope",
    )
    return [
        growth,
        claim(
            "mean_squared_error",
            "E[(mu_n - mu)^2] = sigma^2 sum_{i<n} 1/M_i",
            g.mean_squared_error,
            lambda c, rng: (last_mu(c) - mu) ** 2,
            lambda n, m, s: s**2 * np.sum(1.0 / (m - 1)),
            slip, n=2, M=5,
        ),
        claim(
            "sample_variance",
            "Var(X^n_j) = sigma^2 (1 + sum_{i<n} 1/M_i): linear growth in n",
            g.sample_variance,
            lambda c, rng: (c.draw(c.n, rng=rng)[:, 0] - mu) ** 2,
            lambda n, m, s: s**2 * (1 + np.sum(1.0 / (m - 1))),
            slip, n=2, M=5, replicates=60_000,
        ),
        claim(
            "sigma2_mean",
            "E[sigma_n^2] = sigma^2 (unbiased fits: a martingale)",
            lambda n, M, s: g.sigma_moment(n, M, 2, s),
            lambda c, rng: last_s2(c),
            lambda n, m, s: s**2 * np.prod(1 - 1.0 / m),
            "the ddof=0 (MLE) value sigma^2 prod(1 - 1/M_i)", n=2, M=20,
            moments=lambda n, M: _power_moments(n, M, 2, sigma),
        ),
        claim(
            "sigma_mean",
            "E[sigma_n] = sigma prod_i c_1(M_i - 1) < sigma",
            lambda n, M, s: g.sigma_moment(n, M, 1, s),
            lambda c, rng: np.sqrt(last_s2(c)),
            lambda n, m, s: s,
            "E[sigma_n] = sigma (Jensen's gap ignored)", n=5, M=10,
            moments=lambda n, M: _power_moments(n, M, 1, sigma),
        ),
        claim(
            "sigma2_variance",
            "Var(sigma_n^2) = sigma^4 (prod_i (1 + 2/(M_i - 1)) - 1)",
            g.sigma2_variance,
            lambda c, rng: (last_s2(c) - sigma**2) ** 2,
            lambda n, m, s: s**4 * np.expm1(np.sum(np.log1p(2.0 / m))),
            "2/M_i for 2/(M_i - 1)", n=2, M=20, replicates=60_000,
            moments=lambda n, M: _squared_deviation_moments(n, M, sigma),
        ),
        claim(
            "expected_w2_squared",
            "E[W2^2] = sigma^2 sum_{i<n} 1/M_i + 2 sigma^2 - 2 sigma E[sigma_n]",
            g.expected_w2_squared,
            lambda c, rng: (last_mu(c) - mu) ** 2 + (np.sqrt(last_s2(c)) - sigma) ** 2,
            lambda n, m, s: s**2 * np.sum(1.0 / m),
            "the first-order constant 1 (sigma^2 sum 1/M_i) for the exact form",
            n=2, M=5, reference=_W2_SECTION,
        ),
        claim(
            "log_variance_drift",
            "E[log sigma_n^2] = log sigma^2 + sum_i [psi((M_i-1)/2) + log(2/(M_i-1))]",
            g.log_sigma2_mean,
            lambda c, rng: np.log(last_s2(c)),
            lambda n, m, s: 2 * np.log(s) - np.sum(1.0 / m),
            "the first-order drift -1/M_i", n=10, M=5,
        ),
    ]
