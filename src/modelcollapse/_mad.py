r"""Fresh data against sampling bias in the Gaussian loop (Alemohammad et al. 2023).

Generation :math:`i` has :math:`K` fresh points from the truth
:math:`N(\mu, \sigma^2)` and :math:`L` synthetic points from model :math:`i`
sampled at temperature :math:`T`, :math:`N(\mu_i, T\sigma_i^2)`; model
:math:`i + 1` is their sample mean and unbiased variance (:math:`N = K + L`).
With :math:`a_i = E[(\mu_i - \mu)^2]` and :math:`v_i = E[\sigma_i^2]`,

.. math::

    a_{i+1} = \frac{L^2 a_i + L T v_i + K\sigma^2}{N^2}, \qquad
    v_{i+1} = \frac{K\sigma^2 + L(T v_i + a_i) - N a_{i+1}}{N - 1},

a linear recursion (the data-policy recursion of ``derivations/policies.py``
with the synthetic variance :math:`T v_i`). Public through
:mod:`modelcollapse.tails`.
"""

from __future__ import annotations

import numpy as np


def step_matrix(real, synth, temperature):
    """(A, b): the recursion (a, v) -> A (a, v) + b sigma^2, per unit sigma^2."""
    n = real + synth
    row_a = np.array([synth**2 / n**2, synth * temperature / n**2])
    b_a = real / n**2
    row_v = (np.array([synth, synth * temperature]) - n * row_a) / (n - 1)
    b_v = (real - n * b_a) / (n - 1)
    return np.vstack([row_a, row_v]), np.array([b_a, b_v])


def moments(n, real, synth, temperature, sigma2):
    """(a_i, v_i) for i = 0..n, shape (n + 1, 2)."""
    matrix, offset = step_matrix(real, synth, temperature)
    out = np.empty((n + 1, 2))
    out[0] = (0.0, sigma2)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(n):
            out[i + 1] = matrix @ out[i] + offset * sigma2
            if not np.all(np.isfinite(out[i + 1])):
                # past the float range (a growth rate > 1): both moments, nonnegative and
                # growing, are inf from here on; inf - inf in the v row would give NaN
                out[i + 1:] = np.inf
                break
    return out


def growth_rate(real, synth, temperature):
    """Spectral radius of the recursion: below 1 iff a stationary law exists."""
    matrix, _ = step_matrix(real, synth, temperature)
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def stationary(real, synth, temperature, sigma2):
    """The fixed point (a, v) of the recursion (its growth rate must be below 1)."""
    matrix, offset = step_matrix(real, synth, temperature)
    return np.linalg.solve(np.eye(2) - matrix, offset * sigma2)


def simulate(gen, n, real, synth, temperature, mu, sigma, replicates):
    """Generation-major (n + 1, replicates) fitted means and variances, from sufficient statistics.

    Real group: mean :math:`\\mu + \\sigma Z/\\sqrt K`, sum of squares
    :math:`\\sigma^2\\chi^2_{K-1}`; synthetic group likewise with
    :math:`(\\mu_i, T\\sigma_i^2, L)`; pooled exactly (Chan et al.'s update).
    """
    total = real + synth
    means = np.empty((n + 1, replicates))
    variances = np.empty((n + 1, replicates))
    means[0], variances[0] = mu, sigma**2
    for i in range(n):
        scale = np.sqrt(temperature * variances[i])
        synth_mean = means[i] + scale * gen.standard_normal(replicates) / np.sqrt(synth)
        synth_ss = scale**2 * (gen.chisquare(synth - 1, replicates) if synth > 1 else 0.0)
        if real == 0:
            means[i + 1], squares = synth_mean, synth_ss
        else:
            real_mean = mu + sigma * gen.standard_normal(replicates) / np.sqrt(real)
            real_ss = sigma**2 * (gen.chisquare(real - 1, replicates) if real > 1 else 0.0)
            means[i + 1] = (real * real_mean + synth * synth_mean) / total
            squares = real_ss + synth_ss + (real * synth / total) * (real_mean - synth_mean) ** 2
        variances[i + 1] = squares / (total - 1)
    return means, variances
