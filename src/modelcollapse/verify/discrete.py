"""Claims of the categorical recursion (Shumailov et al. 2023; Wright-Fisher drift).

Each claim's parameters and replicate count are chosen so that its mutant is
rejected with power >= 0.9 at the default family level (alpha = 0.01 split
over the whole registry), and so that it runs in well under half a second.
Probabilities use the exact binomial test (calibrated at any count); the
means are of bounded or light-tailed observables, and each default count is
at least the claim's replicate floor (see
:func:`modelcollapse.verify.replicate_floor`).
"""

from __future__ import annotations

import numpy as np

from .. import discrete as d
from ._core import Claim

_SECTION = "Shumailov et al. 2023, 'Discrete distributions with exact approximation'"
_KIMURA = "Kimura and Ohta 1969 (diffusion); exact via the fundamental matrix"


def _absorption_time(chain):
    """First generation at which each two-type chain is a point mass.

    With M = 10, P(T > n) <= E[H_n] / min_{0<j<M} 2 (j/M)(1 - j/M) = 0.5 * 0.9^n / 0.18,
    below 1e-13 at n = 300, so the run is long enough for every replicate
    to be absorbed.
    """
    first = chain.p[:, :, 0]
    absorbed = (first == 0) | (first == 1)
    return np.argmax(absorbed, axis=1).astype(np.float64)


def discrete_claims():
    """The categorical-recursion claims."""

    def claim(name, statement, closed_form, observe, mutant, mutant_label, *, n, M, p0,
              replicates, keep="last", reference=_SECTION, test="mean"):
        def observations(r, rng):
            return observe(d.simulate(n, M, p0, replicates=r, rng=rng, keep=keep))

        return Claim(
            name=f"discrete.{name}",
            statement=statement,
            reference=reference,
            closed_form=lambda: float(closed_form()),
            observations=observations,
            mutant=lambda: float(mutant()),
            mutant_label=mutant_label,
            parameters={"n": n, "M": M, "p0": [round(float(x), 6) for x in p0]},
            replicates=replicates,
            test=test,
        )

    three = np.array([0.05, 0.35, 0.6])
    zipf = d.zipf_p0(20)
    tail = zipf < 1 / zipf.size
    pair = np.array([0.5, 0.5])
    rare = np.array([0.2, 0.8])
    return [
        claim(
            "heterozygosity",
            "E[1 - sum_k p_{n,k}^2] = (1 - sum_k p0_k^2) prod_{i<n} (1 - 1/M_i)",
            lambda: d.expected_heterozygosity(10, 10, three),
            lambda c: 1 - np.sum(c.last**2, axis=-1),
            lambda: (1 - np.sum(three**2)) * (1 - 1 / 11) ** 10,
            "(1 - 1/(M + 1)) per generation", n=10, M=10, p0=three, replicates=4_000,
        ),
        claim(
            "loss_probability",
            "P(p_{n,k} = 0) from the two-type chain Binomial(M_i, j/M_{i-1})",
            lambda: d.loss_probability(10, 20, three[0]),
            lambda c: (c.last[:, 0] == 0).astype(np.float64),
            lambda: 1 - (1 - (1 - three[0]) ** 20) ** 10,
            "independent loss (1 - p0_k)^M per generation at the initial frequency",
            n=10, M=20, p0=three, replicates=4_000, test="proportion",
        ),
        claim(
            "fixation_probability",
            "P(p_{n,k} = 1) = P(the rest is lost) -> p0_k: absorbed in k with prob. p0_k",
            lambda: d.loss_probability(200, 10, 1 - three[2]),
            lambda c: (c.last[:, 2] == 1).astype(np.float64),
            lambda: three[2] ** 2 / np.sum(three**2),
            "fixation proportional to p0_k^2 (the rich get richer)",
            n=200, M=10, p0=three, replicates=2_000, test="proportion",
        ),
        claim(
            "expected_support",
            "E[#{k : p_{n,k} > 0}] = sum_k (1 - P(p_{n,k} = 0)), Zipf p0 over 20 categories",
            lambda: d.expected_support(10, 10, zipf),
            lambda c: c.support_size()[:, -1].astype(np.float64),
            lambda: d.expected_support(10, 11, zipf),
            "an off-by-one M_i + 1 draws per generation",
            n=10, M=10, p0=zipf, replicates=2_000,
        ),
        claim(
            "tail_mass",
            "E[mass of the categories with p0_k < 1/K] stays sum_{p0_k < 1/K} p0_k (martingale)",
            lambda: np.sum(zipf[tail]),
            lambda c: c.tail_mass(1 / zipf.size)[:, -1],
            lambda: np.sum(zipf[tail]) * (1 - 1 / 50) ** 20,
            "tail mass decaying like the heterozygosity, prod (1 - 1/M_i)",
            n=20, M=50, p0=zipf, replicates=4_000,
        ),
        claim(
            "mean_absorption_time",
            "E[T] = 1 + Binomial(M, p) . (I - Q)^{-1} 1 (two types; P(T > n) < 1e-13)",
            lambda: d.mean_absorption_time(10, pair[0]),
            _absorption_time,
            lambda: d.kimura_absorption_time(10, pair[0]),
            "Kimura's diffusion time -2M [p ln p + (1-p) ln(1-p)]",
            n=300, M=10, p0=pair, replicates=2_000, keep="all", reference=_KIMURA,
        ),
        claim(
            "loss_time",
            "E[T 1{lost}] = (1 - p) E[T | lost], exact conditional loss time (two types)",
            lambda: (1 - rare[0]) * d.mean_loss_time(10, rare[0]),
            lambda c: _absorption_time(c) * (c.last[:, 0] == 0),
            lambda: (1 - rare[0]) * d.kimura_loss_time(10, rare[0]),
            "Kimura's t_0(p) = -2M p ln p / (1 - p)",
            n=300, M=10, p0=rare, replicates=4_000, keep="all", reference=_KIMURA,
        ),
    ]
