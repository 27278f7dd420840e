"""Claims of recursive least squares (Dohmatob et al. 2024; Gerstgrasser et al. 2024).

Each claim's replicate count gives power >= 0.9 against its mutant at the
default family level (the report states the power achieved), and runs in
well under 0.5 s. The test errors are skewed (skewness 2 to 4.5), so each
default count is also at least the claim's replicate floor (see
:func:`modelcollapse.verify.replicate_floor`).
"""

from __future__ import annotations

import numpy as np

from .. import regression as reg
from ._core import Claim

_REPLACE = "Dohmatob, Feng, Kempe 2024, 'Model Collapse Demystified', Theorem 3.1"
_ACCUMULATE = "Gerstgrasser et al. 2024, 'Is Model Collapse Inevitable?', Theorem 2"


def regression_claims(*, n=5, d=4, T=12, sigma=1.0):
    """The regression claims: expected test error after ``n`` fits, per policy and design."""

    def claim(policy, design, statement, mutant, mutant_label, replicates, reference):
        def observations(r, rng):
            chain = reg.simulate(
                n, d, T, sigma=sigma, policy=policy, design=design, replicates=r, rng=rng
            )
            return chain.test_error[:, -1]

        return Claim(
            name=f"regression.{policy}.{design}",
            statement=statement,
            reference=reference,
            closed_form=lambda: float(
                reg.expected_test_error(n, d, T, sigma=sigma, policy=policy, design=design)
            ),
            observations=observations,
            mutant=lambda: float(mutant()),
            mutant_label=mutant_label,
            parameters={"n": n, "d": d, "T": T, "sigma": sigma, "policy": policy, "design": design},
            replicates=replicates,
        )

    k = np.arange(1, n + 1)
    wishart_slip = "E[(X^T X)^-1] = Sigma^-1/(T - d) (inverse-Wishart mean off by one)"
    return [
        claim(
            "replace",
            "fixed",
            "E||w_n - w_0||_Sigma^2 = n sigma^2 d/(T - d - 1): linear growth",
            lambda: n * sigma**2 * d / (T - d),
            wishart_slip,
            9000,
            _REPLACE,
        ),
        claim(
            "replace",
            "fresh",
            "a fresh design per generation leaves n sigma^2 d/(T - d - 1) unchanged",
            lambda: n * sigma**2 * d / (T - d),
            wishart_slip,
            4000,
            _REPLACE,
        ),
        claim(
            "accumulate",
            "fixed",
            "E||w_n - w_0||^2 = sigma^2 d/(T - d - 1) sum_{k<=n} 1/k^2 <= (pi^2/6) ...",
            lambda: sigma**2 * d / (T - d - 1) * np.sum(1.0 / k),
            "sum 1/k for sum 1/k^2 (noise not averaged over the pool)",
            8000,
            _ACCUMULATE,
        ),
        claim(
            "accumulate",
            "fresh",
            "E||w_n - w_0||^2 = sigma^2 sum_{k<=n} d/(k (kT - d - 1)) with fresh designs",
            lambda: reg.expected_test_error(n, d, T, sigma=sigma, policy="accumulate"),
            "the fixed-design value (pooled designs are Wishart(kT), not k Wishart(T))",
            8000,
            _ACCUMULATE,
        ),
    ]
