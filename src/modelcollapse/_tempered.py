r"""The Gaussian chain sampled at a temperature (Alemohammad et al. 2023, Section 3.1).

Generation :math:`i` is drawn from :math:`N(\mu_i, T\sigma_i^2)` (generation 0
from :math:`N(\mu, T\sigma^2)`, the truth sampled like every model), and model
:math:`i + 1` is fitted to it. The fits are affine in the draws, so with the
same standard normal and chi-square variates the tempered chain is the plain
one rescaled:

.. math:: \sigma_i^2 = T^i \sigma_i'^2, \qquad
          \mu_n - \mu = \sum_{k<n} T^{(k+1)/2} (\mu'_{k+1} - \mu'_k),

whence :math:`E[\sigma_n^p] = T^{np/2} E[\sigma_n'^p]` and
:math:`E[(\mu_n - \mu)^2] = \sigma^2\sum_{i<n} T^{i+1} r_i/M_i`, with
:math:`r_i = E[\sigma_i'^2]/\sigma^2` (1 for the unbiased fit,
:math:`\prod_{j<i}(1 - 1/M_j)` for the MLE). The d-dimensional chain, drawn from
:math:`N(\mu_i, T\Sigma_i)`, rescales the same way (:math:`\Sigma_i = T^i\Sigma_i'`).
Used by :mod:`modelcollapse.gaussian` and :mod:`modelcollapse.multivariate`.
"""

from __future__ import annotations

import numpy as np

from ._sampling import check_temperature


def check_replace_only(temperature, policy, fresh):
    """``temperature`` checked; refused (unless 1) with a data policy or fresh data."""
    temperature = check_temperature(temperature)
    if temperature != 1.0 and (policy != "replace" or fresh > 0):
        raise ValueError("temperature must be 1 with a data policy or fresh data "
                         f"(policy='replace', fresh=0 only), got temperature={temperature!r}")
    return temperature


def log_ratio(sizes, fit):
    """log r_i for i = 0..len(sizes): 0 (unbiased) or sum_{j<i} log(1 - 1/M_j) (MLE)."""
    out = np.zeros(sizes.size + 1)
    if fit == "mle":
        out[1:] = np.cumsum(np.log1p(-1.0 / sizes))
    return out


def mean_squared_error(n, sizes, sigma, fit, temperature):
    r""":math:`\sigma^2 \sum_{i<n} T^{i+1} r_i / M_i`, prefix log-sum-exp (``inf`` past float64)."""
    i = np.arange(sizes.size, dtype=np.float64)
    log_terms = (i + 1) * np.log(temperature) + log_ratio(sizes, fit)[:-1] - np.log(sizes)
    prefix = np.concatenate([[-np.inf], np.logaddexp.accumulate(log_terms)])
    with np.errstate(over="ignore"):
        return sigma**2 * np.exp(prefix[n])


def log_sigma2_mean_ratio(n, sizes, fit, temperature):
    r""":math:`\log(E[\sigma_n^2]/\sigma^2) = n\log T + \log r_n`."""
    return n * np.log(temperature) + log_ratio(sizes, fit)[n]
