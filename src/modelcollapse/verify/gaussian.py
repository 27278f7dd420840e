"""Claims of the 1-D Gaussian recursion (Shumailov et al. 2023).

Each claim's parameters and replicate count are chosen so that its mutant is
rejected with power >= 0.9 at the default family level; the report states
the power achieved.
"""

from __future__ import annotations

import numpy as np

from .. import gaussian as g
from ..schedule import as_schedule
from ._core import Claim

_SECTION = "Shumailov et al. 2023, 'Single-dimensional Gaussian'"
_W2_SECTION = "Shumailov et al. 2024 (Nature), 'Gaussian model collapse'"


def gaussian_claims(method="sufficient", *, mu=0.3, sigma=1.5):
    """The Gaussian claims, simulated with ``method`` ("sufficient" or "samples")."""
    suffix = "" if method == "sufficient" else f".{method}"

    def claim(name, statement, closed_form, observe, mutant, mutant_label, *, n, M,
              replicates=20_000, reference=_SECTION):
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
        ),
        claim(
            "sigma_mean",
            "E[sigma_n] = sigma prod_i c_1(M_i - 1) < sigma",
            lambda n, M, s: g.sigma_moment(n, M, 1, s),
            lambda c, rng: np.sqrt(last_s2(c)),
            lambda n, m, s: s,
            "E[sigma_n] = sigma (Jensen's gap ignored)", n=5, M=10,
        ),
        claim(
            "sigma2_variance",
            "Var(sigma_n^2) = sigma^4 (prod_i (1 + 2/(M_i - 1)) - 1)",
            g.sigma2_variance,
            lambda c, rng: (last_s2(c) - sigma**2) ** 2,
            lambda n, m, s: s**4 * np.expm1(np.sum(np.log1p(2.0 / m))),
            "2/M_i for 2/(M_i - 1)", n=2, M=20, replicates=60_000,
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
