"""Claims of the functional-approximation models: EM-refitted mixtures and self-distillation.

The EM chain has no closed-form trajectory; its one exact statement is that
every M step sets the total variance to the maximum-likelihood sample
variance plus the floor, so :math:`E[V_n] = V_0 q^n + \\rho(1 - q^n)/(1 - q)`,
:math:`q = 1 - 1/N`, for any number of components. Self-distillation with
fresh label noise has an exact expected squared error in the Gram
eigenbasis. Both observables are light-tailed (a product of a few sample-
variance ratios at N = 20; a weighted sum of non-central chi-squares), so the
z-test of their mean is calibrated at the quick replicate floor of 200
(measured with ``verify.calibration``; docs/mixture.md).
"""

from __future__ import annotations

import numpy as np

from .. import distill
from .. import mixture as mx
from ._core import Claim

_EM = ("Shumailov et al. 2023, supplementary 4.1 (Gaussian mixture refitted by EM); "
       "the M-step identity of derivations/mixture.py")
_DISTILL = ("Mobahi, Farajtabar, Bartlett 2020, 'Self-Distillation Amplifies Regularization in "
            "Hilbert Space' (with a fixed ridge); cited by Shumailov et al. 2023, "
            "supplementary 2")


def mixture_claims(*, n=8, N=20, t=5, ridge=0.05, noise=0.3, design_points=20):
    """The EM total-variance claim and the noisy self-distillation claim."""
    d0 = {"weights": [0.5, 0.5], "means": [-2.0, 2.0], "covariances": [1.0, 1.0]}
    v0, rho = 5.0, 1e-6  # total variance of d0: 0.5 (1 + 4) * 2 - 0

    def total_variance(r, rng):
        return mx.simulate(n, N, **d0, replicates=r, rng=rng).total_variance()[:, -1]

    x = np.linspace(0.0, 1.0, design_points)
    gram = distill.rbf_gram(x, 0.3)
    f0 = np.sin(2 * np.pi * x) + x
    eig, vec = distill.spectrum(gram)
    z = vec.T @ f0

    def squared_error(r, rng):
        chain = distill.simulate(t, gram, f0, ridge=ridge, noise=noise, replicates=r, rng=rng)
        return chain.squared_error()[:, -1]

    truth = float(distill.expected_squared_error(eig, z, ridge, t, noise=noise))
    overcount = noise**2 * float(np.sum(1 - distill.shrinkage(eig, ridge, 2 * t)))
    return [
        Claim(
            name="mixture.total_variance",
            statement=("E[V_n] = V_0 q^n + rho (1 - q^n)/(1 - q), q = 1 - 1/N: the total "
                       "variance of a K = 2 mixture refitted by EM follows the MLE recursion"),
            reference=_EM,
            closed_form=lambda: float(mx.expected_total_variance(n, N, v0, reg_covar=rho)),
            observations=total_variance,
            mutant=lambda: v0,
            mutant_label="E[V_n] = V_0 (the unbiased-fit martingale: ddof=1 covariances)",
            parameters={"n": n, "N": N, "K": 2, **d0, "init": "warm", "reg_covar": rho},
            replicates=1000,
        ),
        Claim(
            name="distill.noisy_squared_error",
            statement=("E||y_t - f_0||^2 = sum_k [(1 - lam_k^t)^2 z_k^2 + s^2 lam_k^2 "
                       "(1 - lam_k^2t)/(1 - lam_k^2)], lam_k = d_k/(d_k + c)"),
            reference=_DISTILL,
            closed_form=lambda: truth,
            observations=squared_error,
            mutant=lambda: truth + overcount,
            mutant_label="the noise counted before shrinkage: s^2 sum_{j<t} lam^2j",
            parameters={"t": t, "ridge": ridge, "noise": noise, "n": design_points,
                        "kernel": "rbf, bandwidth 0.3", "f0": "sin(2 pi x) + x"},
            replicates=800,
        ),
    ]
