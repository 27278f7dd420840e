"""Claims of the data policies: accumulate, fresh real data (Gaussian and discrete).

Each claim's parameters and replicate count are chosen so that its mutant is
rejected with power >= 0.9 at the default family level (alpha = 0.01 split
over the whole registry), and so that it runs in well under half a second.
Each default count is at least the claim's replicate floor (see
:func:`modelcollapse.verify.replicate_floor`); the fresh-data stationary
error uses ``M = 8``, where ``(mu_n - mu)^2`` has skewness about 4 (at
``M = 4`` it is about 35, beyond any practical floor).
"""

from __future__ import annotations

import numpy as np

from .. import discrete, gaussian
from .. import policies as P
from ._core import Claim

_ACCUMULATE = (
    "Gerstgrasser et al. 2024, 'Is Model Collapse Inevitable?', Section 2; Dey & Donoho 2024"
)
_FRESH = "Bertrand et al. 2023, 'On the Stability of Iterative Retraining'; Shumailov et al. 2023"
_MUTATION = "Shumailov et al. 2023, discrete case, with fresh draws (mutation-drift equilibrium)"


def policy_claims(*, mu=0.3, sigma=1.5):
    """The data-policy claims: accumulated and fresh-fraction Gaussian chains, discrete fresh."""

    def gaussian_claim(name, statement, closed_form, mutant, mutant_label, *, n, M, policy,
                       fresh, replicates, reference):
        def observations(r, rng):
            chain = gaussian.simulate(n, M, mu=mu, sigma=sigma, replicates=r, policy=policy,
                                      fresh=fresh, rng=rng)
            return (chain.mu[:, -1] - mu) ** 2

        return Claim(
            name=f"policies.gaussian.{name}",
            statement=statement,
            reference=reference,
            closed_form=lambda: float(closed_form()),
            observations=observations,
            mutant=lambda: float(mutant()),
            mutant_label=mutant_label,
            parameters={"n": n, "M": M, "mu": mu, "sigma": sigma, "policy": policy,
                        "fresh": fresh, "fit": "unbiased"},
            replicates=replicates,
        )

    acc_n, acc_m = 20, 2
    fresh_n, fresh_m, f = 40, 8, 0.5
    p0 = np.array([0.5, 0.3, 0.2])
    h0 = 1 - np.sum(p0**2)
    het_n, het_m, het_f = 40, 6, 1 / 3

    def heterozygosity(r, rng):
        chain = discrete.simulate(het_n, het_m, p0, replicates=r, fresh=het_f, keep="last",
                                  rng=rng)
        return 1 - np.sum(chain.last**2, axis=-1)

    theta = 2 * het_m * het_f
    return [
        gaussian_claim(
            "accumulate_mean_squared_error",
            "accumulating, E[(mu_n - mu)^2] = (sigma^2/M) sum_{k<=n} p_k/k^2 < (pi^2/6) sigma^2/M",
            lambda: P.gaussian_mean_squared_error(acc_n, acc_m, sigma, policy="accumulate"),
            lambda: sigma**2 / acc_m * np.sum(1.0 / np.arange(1, acc_n + 1) ** 2),
            "(sigma^2/M) sum 1/k^2, as if E[sigma_i^2] stayed sigma^2 (p_k = 1)",
            n=acc_n, M=acc_m, policy="accumulate", fresh=0.0, replicates=40_000,
            reference=_ACCUMULATE,
        ),
        gaussian_claim(
            "fresh_stationary_mean_squared_error",
            "with a fresh fraction f, E[(mu_n - mu)^2] -> sigma^2 (M - 1)/(M (M f (2 - f) - 1))",
            lambda: P.gaussian_stationary_mean_squared_error(fresh_m, f, sigma),
            lambda: sigma**2 / (fresh_m * f * (2 - f)),
            "the first-order sigma^2/(M f (2 - f)) (synthetic variance taken as sigma^2)",
            n=fresh_n, M=fresh_m, policy="replace", fresh=f, replicates=32_000,
            reference=_FRESH,
        ),
        Claim(
            name="policies.discrete.fresh_heterozygosity",
            statement="with a fresh fraction f, E[H_n] -> H0 f (2 - f - 1/M)/(f (2 - f) + "
                      "(1 - f)/M) > 0",
            reference=_MUTATION,
            closed_form=lambda: float(P.discrete_stationary_heterozygosity(het_m, p0, het_f)),
            observations=heterozygosity,
            mutant=lambda: float(h0 * theta / (1 + theta)),
            mutant_label="the diffusion equilibrium H0 theta/(1 + theta), theta = 2 M f",
            parameters={"n": het_n, "M": het_m, "p0": p0.tolist(), "fresh": het_f},
            replicates=4_000,
        ),
    ]
