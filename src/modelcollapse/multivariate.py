r"""The d-dimensional Gaussian recursion (Shumailov et al. 2024, Nature, "Gaussian model collapse").

The model, with the package's fixed indexing (see :mod:`modelcollapse.gaussian`
for the 1-D case):

* :math:`D_0 = N(\mu, \Sigma)`; generation 0 is :math:`M_0` draws from it.
* Model :math:`i + 1` is fitted to generation :math:`i`'s :math:`M_i` draws:
  :math:`\mu_{i+1}` their mean and :math:`\Sigma_{i+1}` their unbiased
  covariance (divisor :math:`d_i = M_i - 1`), or with ``fit="mle"`` the
  maximum-likelihood one (divisor :math:`d_i = M_i`).
* "After :math:`n` generations" is :math:`(\mu_n, \Sigma_n)`, depending on
  :math:`M_0, \dots, M_{n-1}`.

Given model :math:`i` with any square root :math:`L_i L_i^\top = \Sigma_i`,

.. math::

    \mu_{i+1} = \mu_i + L_i z / \sqrt{M_i}, \qquad
    \Sigma_{i+1} = L_i W L_i^\top / d_i, \qquad
    z \sim N(0, I_d), \; W \sim \mathrm{Wishart}_d(M_i - 1, I_d),

independent. By the Bartlett decomposition :math:`W = A A^\top` with :math:`A`
lower triangular, :math:`A_{jj}^2 \sim \chi^2_{M_i - j}` (:math:`j = 1..d`) and
:math:`A_{jl} \sim N(0, 1)` below the diagonal, so :math:`L_{i+1} = L_i A /
\sqrt{d_i}` is again a square root: the chain never factorises a matrix and
stays exact as :math:`\Sigma_n \to 0`. A nonsingular fit needs
:math:`M_i \ge d + 1`.

The theorem: with a constant :math:`M`, :math:`E[W_2^2(N(\mu_n, \Sigma_n), D_0)]
\to \infty` linearly while :math:`\Sigma_n \to 0` almost surely
(:func:`log_det_drift` < 0); :math:`E[W_2^2]` stays bounded iff
:math:`\sum_i 1/M_i < \infty` (for a nondecreasing schedule this needs
super-linear growth, but super-linear growth is not enough:
:math:`M_i = 10(i+2)\log(i+2)` has a divergent series), as
:func:`w2_squared_lower_bound` and :func:`w2_squared_upper_bound` pin it to
:math:`\operatorname{tr}\Sigma\sum_{i<n}1/M_i + O(\operatorname{tr}\Sigma)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from . import _tempered, gaussian
from ._chain import FittedChain
from ._policy import check_fresh, check_policy, check_subsample_method, fresh_counts
from ._rng import as_generator, seed_entropy
from ._sampling import check_temperature
from ._special import digamma_minus_log
from ._validate import check_choice, check_covariance, check_int, check_int_array, check_real
from .schedule import as_schedule, sizes_at_least
from .wasserstein import gaussian_w2_squared

__all__ = [
    "MultivariateChain",
    "W2Growth",
    "expected_cov",
    "expected_det",
    "expected_w2_squared_first_order",
    "log_det_drift",
    "log_det_mean",
    "log_det_variance",
    "mean_squared_error",
    "simulate",
    "w2_growth",
    "w2_squared_lower_bound",
    "w2_squared_upper_bound",
]

FITS = ("unbiased", "mle")
METHODS = ("wishart", "samples")

#: Points per reduction segment of ``method="samples"``: fixed, so that the
#: chunk size (memory) never changes the rounding of the fitted moments.
SEGMENT = 4096


def _why(d):
    return f" (a nonsingular {d}-dim covariance is fitted to M_i >= d + 1 = {d + 1} points)"


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def _scaled(factor, x):
    """``factor * x`` with ``0`` wherever ``x == 0``: an overflowed (tempered) factor times a
    null direction is 0, not NaN."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(x == 0, 0.0, factor * x)


def _trace_and_eigs(cov):
    cov, w, _ = check_covariance("cov", cov)
    return np.trace(cov, axis1=-2, axis2=-1), w


def _checked(n, M, minimum=2, why=gaussian._WHY_M, fit="unbiased"):
    n = check_int_array("n", n, minimum=0)
    check_choice("fit", fit, FITS)
    schedule, _ = sizes_at_least(M, int(n.max()) if n.size else 0, minimum, why)
    return n, schedule


# --------------------------------------------------------------------------
# closed forms


def mean_squared_error(n, M, cov, *, fit="unbiased", temperature=1.0):
    r"""Mean-squared error of the fitted mean, :math:`E\lVert\mu_n - \mu\rVert^2`.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes ``M_i >= 2``.
    cov : array_like, shape (..., d, d)
        Covariance of the truth (symmetric PSD).
    fit : {"unbiased", "mle"}, optional
    temperature : float, optional
        Every generation drawn from :math:`N(\mu_i, T\Sigma_i)` (sampling bias,
        Alemohammad et al. 2023, Section 3.1), as in :mod:`modelcollapse.gaussian`.

    Returns
    -------
    ndarray or float
        Broadcast over ``n`` and the leading axes of ``cov``.

    Notes
    -----
    Each coordinate along an eigenvector of :math:`\Sigma` is the 1-D chain, so

    .. math:: E\lVert\mu_n - \mu\rVert^2 = \operatorname{tr}\Sigma\sum_{i<n} 1/M_i

    (unbiased fit; MLE: :math:`\operatorname{tr}\Sigma\,(1 - \prod_{i<n}(1 - 1/M_i))`).
    At a ``temperature`` :math:`T` it is :math:`\operatorname{tr}\Sigma` times the 1-D
    tempered error, :math:`\operatorname{tr}\Sigma\sum_{i<n}T^{i+1}r_i/M_i` with
    :math:`r_i = E[\sigma_i'^2]/\sigma^2` of the untempered chain.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(mean_squared_error(10, 100, np.eye(3))), 12)
    0.3
    """
    n, _ = _checked(n, M, fit=fit)
    trace, _ = _trace_and_eigs(cov)
    return _scalar(_scaled(gaussian.mean_squared_error(n, M, fit=fit, temperature=temperature),
                           trace))


def expected_cov(n, M, cov, *, fit="unbiased", temperature=1.0):
    r"""Expected fitted covariance :math:`E[\Sigma_n]`, shape ``n.shape + cov.shape``.

    Notes
    -----
    :math:`E[\Sigma_{i+1} \mid \Sigma_i] = \Sigma_i (M_i - 1)/d_i`, so
    :math:`E[\Sigma_n] = \Sigma` for the unbiased fit (a matrix martingale) and
    :math:`\Sigma\prod_{i<n}(1 - 1/M_i)` for the MLE fit. Drawn at a
    ``temperature`` :math:`T` (from :math:`N(\mu_i, T\Sigma_i)`), every step
    multiplies by :math:`T` as well: :math:`E[\Sigma_n] = T^n r_n\Sigma`.

    Examples
    --------
    >>> import numpy as np
    >>> expected_cov(2, 10, np.eye(2), fit="mle")
    array([[0.81, 0.  ],
           [0.  , 0.81]])
    """
    n, _ = _checked(n, M, fit=fit)
    cov, _, _ = check_covariance("cov", cov)
    ratio = np.asarray(gaussian.sigma_moment(n, M, 2, fit=fit, temperature=temperature))
    return _scaled(ratio.reshape(ratio.shape + (1,) * cov.ndim), cov)


def log_det_drift(M, d, *, fit="unbiased", temperature=1.0):
    r"""Expected change of :math:`\log\det\Sigma` per generation (< 0 at ``temperature=1``).

    Parameters
    ----------
    M : int or array_like of int
        Sample size, ``M >= d + 1``.
    d : int
        Dimension, ``>= 1``.
    fit : {"unbiased", "mle"}, optional
    temperature : float, optional
        Every generation drawn from :math:`N(\mu_i, T\Sigma_i)` (sampling bias,
        Alemohammad et al. 2023, Section 3.1), as in :mod:`modelcollapse.gaussian`.

    Returns
    -------
    ndarray or float
        :math:`E[\log\det\Sigma_{i+1} - \log\det\Sigma_i]`.

    Notes
    -----
    By the Bartlett decomposition :math:`\det W = \prod_{j=1}^d \chi^2_{M-j}`
    (independent), and :math:`E\log\chi^2_k = \psi(k/2) + \log 2`:

    .. math::

        E[\log\det\Sigma_{i+1} - \log\det\Sigma_i]
          = \sum_{j=1}^d\big[\psi\big(\tfrac{M - j}{2}\big) + \log 2\big] - d\log d_M,

    with :math:`d_M = M - 1` (unbiased) or :math:`M` (MLE), computed as
    :math:`\sum_j [\psi(a_j) - \log a_j] + \log((M - j)/d_M)`, :math:`a_j = (M-j)/2`,
    free of cancellation for large ``M`` (where it tends to
    :math:`-d(d+1)/(2M)`). It is negative, so by the strong law
    :math:`\det\Sigma_n \to 0` almost surely although
    :math:`E[\Sigma_n] = \Sigma`. A ``temperature`` :math:`T` adds :math:`d\log T`
    (the fit's covariance is :math:`T` times the untempered one): the determinant
    still tends to 0 almost surely iff the drift stays negative, i.e. for
    :math:`T < \exp(-\mathrm{drift}_{T=1}/d) \approx 1 + (d + 1)/(2M)`.

    Examples
    --------
    >>> round(float(log_det_drift(10**4, 3)) * 10**4, 2)  # ~ -d (d + 1) / (2 M)
    -6.0
    """
    check_choice("fit", fit, FITS)
    d = check_int("d", d, minimum=1)
    M = check_int_array("M", M, minimum=d + 1, why=_why(d))
    m = M[..., None].astype(np.float64)
    j = np.arange(1, d + 1, dtype=np.float64)
    shift = np.log1p(-(j - 1) / (m - 1)) if fit == "unbiased" else np.log1p(-j / m)
    log_t = np.log(check_temperature(temperature))
    return _scalar(np.sum(digamma_minus_log((m - j) / 2) + shift, axis=-1) + d * log_t)


def _logdet(cov):
    cov, w, _ = check_covariance("cov", cov)
    if np.any(w[..., 0] <= 0):
        raise ValueError(
            f"cov must be positive definite for log det, got smallest eigenvalue {float(w.min())!r}"
        )
    return cov.shape[-1], np.sum(np.log(w), axis=-1)


def log_det_mean(n, M, cov, *, fit="unbiased", temperature=1.0):
    r"""Expected log-determinant of the fitted covariance, :math:`E[\log\det\Sigma_n]`.

    Notes
    -----
    .. math:: E[\log\det\Sigma_n] = \log\det\Sigma + \sum_{i<n}\mathrm{drift}(M_i, d)

    with the drift of :func:`log_det_drift` (at ``temperature`` :math:`T`, each
    drift gains :math:`d\log T`); ``cov`` must be positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(log_det_mean(100, 10, np.eye(2))), 4)
    -36.3166
    """
    d, logdet = _logdet(cov)
    n, schedule = _checked(n, M, d + 1, _why(d), fit)
    temperature = check_temperature(temperature)
    return _scalar(logdet + schedule.cumulative(
        lambda m: log_det_drift(m, d, fit=fit, temperature=temperature), n))


def log_det_variance(n, M, d):
    r"""Variance of the log-determinant of the fitted covariance (either fit).

    Notes
    -----
    The Bartlett factors are independent, so
    :math:`\mathrm{Var}(\log\det\Sigma_n) = \sum_{i<n}\sum_{j=1}^d \psi'((M_i - j)/2)`.

    Examples
    --------
    >>> round(float(log_det_variance(1, 3, 1)), 6)  # trigamma(1) = pi^2 / 6
    1.644934
    """
    d = check_int("d", d, minimum=1)
    n, schedule = _checked(n, M, d + 1, _why(d))
    j = np.arange(1, d + 1, dtype=np.float64)
    return _scalar(schedule.cumulative(
        lambda m: special.polygamma(1, (m[:, None] - j) / 2).sum(axis=-1), n
    ))


def expected_det(n, M, cov, *, fit="unbiased", temperature=1.0):
    r"""Expected determinant of the fitted covariance, :math:`E[\det\Sigma_n]`.

    Notes
    -----
    :math:`E[\det W] = \prod_{j=1}^d (M - j)` for :math:`W \sim
    \mathrm{Wishart}_d(M - 1, I)`, and the generations multiply:

    .. math::

        E[\det\Sigma_n] = \det\Sigma\prod_{i<n}\prod_{j=1}^d \frac{M_i - j}{d_i},

    :math:`d_i = M_i - 1` (unbiased) or :math:`M_i` (MLE), summed in log space.
    Even with the unbiased fit (:math:`E[\Sigma_n] = \Sigma`) it decays for
    ``d >= 2``: the determinant is not linear. At a ``temperature`` :math:`T`
    every factor gains :math:`T^d` (:math:`\Sigma_n = T^n\Sigma_n'` in law).

    Examples
    --------
    >>> import numpy as np
    >>> round(float(expected_det(1, 11, np.eye(2))), 6)  # (10/10) (9/10)
    0.9
    """
    cov, w, _ = check_covariance("cov", cov)
    d = cov.shape[-1]
    n, schedule = _checked(n, M, d + 1, _why(d), fit)
    j = np.arange(1, d + 1, dtype=np.float64)

    def log_factor(m):
        m = m[:, None].astype(np.float64)
        return np.sum(np.log1p(-(j - 1) / (m - 1)) if fit == "unbiased" else np.log1p(-j / m), -1)

    log_t = np.log(check_temperature(temperature))
    with np.errstate(over="ignore"):
        growth = np.exp(schedule.cumulative(log_factor, n) + n * d * log_t)
    return _scalar(_scaled(growth, np.prod(w, axis=-1)))


def w2_squared_lower_bound(n, M, cov, *, fit="unbiased", temperature=1.0):
    r"""A lower bound on :math:`E[W_2^2(N(\mu_n, \Sigma_n), N(\mu, \Sigma))]`, exact for ``d = 1``.

    Notes
    -----
    :math:`W_2^2` of two laws is at least the sum of the :math:`W_2^2` of their
    marginals in any orthonormal basis (a coupling of the joints couples every
    marginal). Along a fixed unit vector :math:`e` the projected chain
    :math:`(e^\top\mu_n, e^\top\Sigma_n e)` is exactly the 1-D chain with
    :math:`\sigma^2 = e^\top\Sigma e` (:math:`v^\top W v \sim \lVert v\rVert^2\chi^2_{M-1}`),
    and 1-D :math:`E[W_2^2]` (:func:`modelcollapse.gaussian.expected_w2_squared`)
    is proportional to :math:`\sigma^2`; summing over a basis,

    .. math::

        E[W_2^2] \ge \operatorname{tr}\Sigma\Big(\sum_{i<n}\frac{1}{M_i} + 2
                 - 2\,\frac{E[\sigma_n]}{\sigma}\Big),

    :math:`E[\sigma_n]/\sigma = \prod_{i<n}\sqrt{2/(M_i-1)}\,\Gamma(M_i/2)/\Gamma((M_i-1)/2)`
    (unbiased). It grows like :math:`\operatorname{tr}\Sigma\sum_i 1/M_i`. At a
    ``temperature`` :math:`T` the projected chain is the tempered 1-D chain, so
    the bound holds with the tempered 1-D :math:`E[W_2^2]`.

    Examples
    --------
    >>> import numpy as np
    >>> bound = float(w2_squared_lower_bound(10, 5, np.eye(2)))
    >>> bound == 2 * float(gaussian.expected_w2_squared(10, 5))
    True
    """
    n, _ = _checked(n, M, fit=fit)
    trace, _ = _trace_and_eigs(cov)
    return _scalar(_scaled(gaussian.expected_w2_squared(n, M, fit=fit,
                                                        temperature=temperature), trace))


def w2_squared_upper_bound(n, M, cov, *, fit="unbiased", temperature=1.0):
    r"""An upper bound on :math:`E[W_2^2(N(\mu_n, \Sigma_n), N(\mu, \Sigma))]`.

    It is :math:`E\lVert\mu_n-\mu\rVert^2 + \operatorname{tr}E[\Sigma_n] + \operatorname{tr}\Sigma`.

    Notes
    -----
    The Bures term is :math:`\operatorname{tr}\Sigma_n + \operatorname{tr}\Sigma
    - 2\operatorname{tr}(\cdot)^{1/2}` and the last trace is :math:`\ge 0`. For
    the unbiased fit the bound is :math:`\operatorname{tr}\Sigma(\sum_{i<n}1/M_i + 2)`:
    together with :func:`w2_squared_lower_bound`, :math:`E[W_2^2] =
    \operatorname{tr}\Sigma\sum_{i<n}1/M_i + O(\operatorname{tr}\Sigma)`, bounded iff
    :math:`\sum_i 1/M_i < \infty` (which super-linear growth alone does not
    guarantee). At a ``temperature`` the same bound holds with the tempered
    :func:`mean_squared_error` and :func:`expected_cov`.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(w2_squared_upper_bound(10, 5, np.eye(2))), 12)
    8.0
    """
    n, _ = _checked(n, M, fit=fit)
    trace, _ = _trace_and_eigs(cov)
    ratio = gaussian.sigma_moment(n, M, 2, fit=fit, temperature=temperature)
    error = gaussian.mean_squared_error(n, M, fit=fit, temperature=temperature)
    with np.errstate(over="ignore"):
        return _scalar(_scaled(error + ratio + 1.0, trace))


def expected_w2_squared_first_order(n, M, cov):
    r"""First-order (large-``M``) expansion of :math:`E[W_2^2]`, for either fit.

    Notes
    -----
    With :math:`s_a` the eigenvalues of :math:`\Sigma` and :math:`H_n = \sum_{i<n}1/M_i`,
    the Bures metric :math:`B^2(\Sigma + E, \Sigma) \approx \tfrac12\sum_{ab}E_{ab}^2/(s_a + s_b)`
    and the Wishart covariances :math:`E[E_{ab}^2] \approx s_a s_b(1 + \delta_{ab})H_n` give

    .. math::

        E[W_2^2] = H_n\Big(\tfrac54\operatorname{tr}\Sigma
                   + \tfrac12\sum_{a,b}\frac{s_a s_b}{s_a + s_b}\Big) + O(H_n^2),

    :math:`\tfrac32\sigma^2 H_n` for ``d = 1`` and :math:`s^2 H_n\,d(d + 5)/4` for
    :math:`\Sigma = s^2 I`: above the lower bound's :math:`\tfrac32\operatorname{tr}\Sigma H_n`
    for every ``d >= 2``. The exact :math:`E[W_2^2]` for :math:`\Sigma = s^2 I` needs
    the expected nuclear norm of a product of Gaussian matrices, which has no
    elementary closed form for ``d >= 2``.

    Examples
    --------
    >>> import numpy as np
    >>> float(expected_w2_squared_first_order(1, 100, np.eye(3)))  # d (d + 5) / (4 M)
    0.06
    """
    n, schedule = _checked(n, M)
    trace, w = _trace_and_eigs(cov)
    total = w[..., :, None] + w[..., None, :]
    cross = np.divide(w[..., :, None] * w[..., None, :], total, out=np.zeros_like(total),
                      where=total > 0).sum(axis=(-2, -1))
    return _scalar(schedule.harmonic_sum(n) * (1.25 * trace + 0.5 * cross))


# --------------------------------------------------------------------------
# simulation


@dataclass(frozen=True)
class MultivariateChain(FittedChain):
    """The fitted models of simulated chains, generation 0 being the truth.

    Attributes
    ----------
    mu : ndarray, shape (replicates, len(generations), d)
        Fitted means after ``0..n`` fits (read-only); with ``keep="last"``
        only the truth and generation ``n``.
    cov : ndarray, shape (replicates, len(generations), d, d)
        Fitted covariances (read-only, exactly symmetric).

    The provenance attributes ``M``, ``fit``, ``method``, ``seed_entropy``,
    ``policy``, ``fresh`` and ``keep``, and the properties ``n``, ``replicates``
    and ``generations``, are those of :class:`~modelcollapse._chain.FittedChain`.
    """

    mu: np.ndarray
    cov: np.ndarray

    @property
    def d(self):
        """Dimension."""
        return self.mu.shape[2]

    def w2_squared(self):
        """:math:`W_2^2` of every kept model to the truth, shape (replicates, len(generations))."""
        return gaussian_w2_squared(self.mu, self.cov, self.mu[:, :1], self.cov[:, :1])


def _truth(mean, cov):
    cov, w, v = check_covariance("cov", cov)
    if cov.ndim != 2:
        raise ValueError(f"cov must be one (d, d) matrix, got cov of shape {cov.shape}")
    d = cov.shape[0]
    mean = check_real("mean", mean)
    if mean.shape != (d,):
        raise ValueError(
            f"mean must have shape (d,) = ({d},) to match cov, got mean of shape {mean.shape}"
        )
    return mean, cov, v * np.sqrt(w)


def simulate(
    n,
    M,
    mean,
    cov,
    *,
    replicates=1,
    method="wishart",
    fit="unbiased",
    chunk=2**22,
    rng=None,
    policy="replace",
    fresh=0.0,
    keep="all",
    temperature=1.0,
):
    r"""Simulate ``replicates`` independent chains of ``n`` d-dimensional Gaussian refits.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes ``M_0..M_{n-1}``, each ``>= d + 1`` (a nonsingular fit).
    mean : array_like, shape (d,)
        Mean of the truth.
    cov : array_like, shape (d, d)
        Covariance of the truth, symmetric positive semi-definite.
    replicates : int, optional
        Number of independent chains.
    method : {"wishart", "samples"}, optional
        ``"wishart"``: the fitted statistics drawn directly,
        :math:`\mu_{i+1} = \mu_i + L_i z/\sqrt{M_i}` and :math:`L_{i+1} = L_i A/\sqrt{d_i}`
        with the Bartlett factor :math:`A`: exact in law, O(replicates n d^3),
        independent of ``M``. ``"samples"``: all :math:`M_i` points of every
        generation drawn (:math:`x_j = \mu_i + L_i z_j`) and refitted (mean and
        covariance of the :math:`z_j`, pooled over segments of ``SEGMENT``
        points, then mapped by :math:`L_i`), holding at most ``chunk`` numbers
        in memory.
    fit : {"unbiased", "mle"}, optional
        Covariance divisor :math:`M_i - 1` or :math:`M_i`.
    chunk : int, optional
        ``method="samples"`` only: numbers held in memory at once (default
        2**22, 32 MiB), ``>= SEGMENT * d``. It never changes the numbers.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
    policy : {"replace", "accumulate", "accumulate-subsample"}, optional
        What model :math:`i + 1` is fitted to, as in
        :func:`modelcollapse.gaussian.simulate`: generation :math:`i` alone (the
        paper's theory), the pool of generations :math:`0..i` (both methods;
        ``"wishart"`` pools each generation's count, mean and scatter matrix
        exactly), or :math:`M_i` points drawn without replacement from that
        pool (``method="samples"`` only; the pool is held in memory).
    fresh : float, optional
        Fraction :math:`f \in [0, 1]` of every generation drawn afresh from
        :math:`N(\mu, \Sigma)`: :math:`K_i = \lfloor f M_i + 1/2\rfloor` of the
        :math:`M_i` points; the others come from model :math:`i`. ``fresh=0``
        with ``policy="replace"`` is the paper's chain, bit for bit.
    keep : {"all", "last"}, optional
        Keep every generation ``0..n`` (default), or only the truth and
        generation ``n``: the same numbers as the last entry of ``"all"``,
        without forming and writing every intermediate covariance.
    temperature : float, optional
        Draw every generation from :math:`N(\mu_i, T\Sigma_i)` (sampling bias,
        Alemohammad et al. 2023, Section 3.1; ``policy="replace"``, ``fresh=0``):
        each step draws from the tempered model, as in
        :func:`modelcollapse.gaussian.simulate`.

    Returns
    -------
    MultivariateChain
        ``mu`` (replicates, n + 1, d) and ``cov`` (replicates, n + 1, d, d)
        with ``keep="all"`` (mind the memory of the latter for large ``d``);
        axis 1 has length 2 with ``keep="last"`` (``n >= 1``).

    Notes
    -----
    Along any fixed unit vector :math:`e` the projected chain
    :math:`(e^\top\mu_n, e^\top\Sigma_n e)` is the 1-D chain of the same
    policy with :math:`\sigma^2 = e^\top\Sigma e`, so the closed forms of
    :mod:`modelcollapse.policies` carry over
    (:func:`~modelcollapse.policies.multivariate_mean_squared_error`).

    Examples
    --------
    >>> import numpy as np
    >>> chain = simulate(50, 10, np.zeros(3), np.eye(3), replicates=4, rng=0)
    >>> chain.cov.shape
    (4, 51, 3, 3)
    >>> bool(np.all(np.linalg.det(chain.cov[:, -1]) < 1))  # det Sigma_n -> 0
    True
    >>> last = simulate(50, 10, np.zeros(3), np.eye(3), replicates=4, rng=0, keep="last")
    >>> last.cov.shape, bool(np.all(last.cov[:, -1] == chain.cov[:, -1]))
    ((4, 2, 3, 3), True)
    """
    n = check_int("n", n, minimum=0)
    mean, cov, root = _truth(mean, cov)
    d = mean.size
    _, sizes = sizes_at_least(M, n, d + 1, _why(d))
    replicates = check_int("replicates", replicates, minimum=1)
    check_choice("method", method, METHODS)
    check_choice("fit", fit, FITS)
    chunk = check_int("chunk", chunk, minimum=SEGMENT * d, why=" (numbers held; SEGMENT * d)")
    check_policy(policy)
    fresh = check_fresh(fresh)
    check_subsample_method(policy, method)
    check_choice("keep", keep, gaussian.KEEPS)
    temperature = _tempered.check_replace_only(temperature, policy, fresh)
    gen = as_generator(rng)
    # keep="last": row 1 holds the newest model; intermediate ones are not written.
    rows = n + 1 if keep == "all" else min(n, 1) + 1
    mus = np.empty((replicates, rows, d))
    covs = np.empty((replicates, rows, d, d))
    mus[:, 0] = mean
    covs[:, 0] = cov
    if policy != "replace" or fresh > 0:
        _simulate_policy(gen, sizes, (mean, root), replicates, method, fit, chunk, policy,
                         fresh, mus, covs)
    else:
        mu = mus[:, 0].copy()
        factor = np.broadcast_to(root, (replicates, d, d)).copy()
        for i, m in enumerate(sizes.tolist()):
            if temperature != 1.0:
                factor *= np.sqrt(temperature)  # model i is sampled as N(mu_i, T Sigma_i)
            if method == "wishart":
                zbar = gen.standard_normal((replicates, d)) / np.sqrt(m)
                step = _bartlett(gen, replicates, d, m - 1)
            else:
                zbar, spread = _standard_normal_fits(gen, replicates, m, d, chunk)
                step = np.linalg.cholesky(spread)
            mu += (factor @ zbar[..., None])[..., 0]
            factor = factor @ step
            factor *= 1.0 / np.sqrt(m - 1.0 if fit == "unbiased" else float(m))
            if keep == "all" or i == n - 1:
                row = min(i + 1, rows - 1)
                mus[:, row] = mu
                c = factor @ np.swapaxes(factor, -1, -2)
                covs[:, row] = 0.5 * (c + np.swapaxes(c, -1, -2))
    mus.flags.writeable = False
    covs.flags.writeable = False
    return MultivariateChain(mus, covs, M=sizes, fit=fit, method=method,
                             seed_entropy=seed_entropy(gen), policy=policy, fresh=fresh,
                             keep=keep)


def _simulate_policy(gen, sizes, truth, replicates, method, fit, chunk, policy, fresh, mus,
                     covs):
    """Fill ``mus``, ``covs`` (replicates, rows, d[, d]) with chains under a data policy.

    Model ``i + 1`` goes to row ``i + 1``, or to the last row when there are
    fewer rows (``keep="last"``).

    Each generation is summarised by (count, mean, scatter matrix), its fresh
    and synthetic parts pooled exactly (Chan et al. 1979); under
    ``"accumulate"`` the summaries of all generations so far are pooled the
    same way, which is the fit to the pooled points.
    """
    mean, root = truth
    d = mean.size
    last_row = mus.shape[1] - 1
    truth = (np.broadcast_to(mean, (replicates, d)), np.broadcast_to(root, (replicates, d, d)))
    model = truth
    pool = None
    points = np.empty((replicates, 0, d))
    for i, (m, k) in enumerate(zip(sizes.tolist(), fresh_counts(sizes, fresh).tolist(),
                                   strict=True)):
        sources = ((truth, k), (model, m - k))
        if policy == "accumulate-subsample":
            points = np.concatenate(
                [points, *(_draw_points(gen, *src, c) for src, c in sources)], axis=1
            )
            order = np.argpartition(gen.random(points.shape[:2]), m - 1, axis=1)[:, :m]
            chosen = np.take_along_axis(points, order[..., None], axis=1)
            count, (mu, scatter) = m, _segment_stats(chosen)
        else:
            parts = [_group_fit(gen, *src, c, method, chunk) for src, c in sources if c > 0]
            count, mu, scatter = parts[0] if len(parts) == 1 else _pool(*parts[0], *parts[1])
            if policy == "accumulate":
                pool = (count, mu, scatter) if pool is None else _pool(*pool, count, mu, scatter)
                count, mu, scatter = pool
        c = scatter / (count - 1.0 if fit == "unbiased" else float(count))
        c = 0.5 * (c + np.swapaxes(c, -1, -2))
        mus[:, min(i + 1, last_row)] = mu
        covs[:, min(i + 1, last_row)] = c
        model = (mu, _root(c))


def _root(c):
    """A factor ``L`` with ``L L^T = c`` for each PSD matrix of a stack.

    Cholesky where it succeeds; a singular (PSD, not PD) matrix, e.g. fitted
    to a degenerate truth, gets its eigen root instead, each matrix on its own
    so a replicate's numbers never depend on the others.
    """
    try:
        return np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        out = np.empty_like(c)
        for idx in np.ndindex(c.shape[:-2]):
            try:
                out[idx] = np.linalg.cholesky(c[idx])
            except np.linalg.LinAlgError:
                w, v = np.linalg.eigh(c[idx])
                out[idx] = v * np.sqrt(np.maximum(w, 0.0))
        return out


def _group_fit(gen, loc, root, count, method, chunk):
    """(count, mean, scatter) of ``count`` draws from N(loc, root root^T) per row."""
    rows, d = loc.shape
    if method == "wishart" and count > d:
        zbar = gen.standard_normal((rows, d)) / np.sqrt(count)
        a = _bartlett(gen, rows, d, count - 1)
        spread = a @ np.swapaxes(a, -1, -2)
    else:
        # Fewer than d + 1 points have a singular scatter (no Bartlett factor): draw them.
        zbar, spread = _standard_normal_fits(gen, rows, count, d, chunk)
    return (count, loc + (root @ zbar[..., None])[..., 0],
            root @ spread @ np.swapaxes(root, -1, -2))


def _pool(n_a, mean_a, scatter_a, n_b, mean_b, scatter_b):
    """Pool two (count, mean, scatter) summaries (Chan et al. 1979)."""
    total = n_a + n_b
    delta = mean_b - mean_a
    between = delta[..., :, None] * delta[..., None, :] * (n_a * n_b / total)
    return total, mean_a + delta * (n_b / total), scatter_a + scatter_b + between


def _draw_points(gen, loc, root, count):
    """``count`` draws from N(loc, root root^T) for each row, shape (rows, count, d)."""
    z = gen.standard_normal((loc.shape[0], count, loc.shape[1]))
    return loc[:, None, :] + z @ np.swapaxes(root, -1, -2)


def _bartlett(gen, rows, d, k):
    r"""Lower-triangular :math:`A` with :math:`AA^\top \sim \mathrm{Wishart}_d(k, I)`."""
    a = np.zeros((rows, d, d))
    diag = np.arange(d)
    a[:, diag, diag] = np.sqrt(2.0 * gen.standard_gamma((k - diag) / 2.0, size=(rows, d)))
    below = np.tril_indices(d, -1)
    a[:, below[0], below[1]] = gen.standard_normal((rows, below[0].size))
    return a


def _segment_stats(z):
    """Mean and scatter matrix over axis -2 of a block of draws (..., m, d)."""
    mean = z.sum(axis=-2) / z.shape[-2]
    dev = z - mean[..., None, :]
    return mean, np.swapaxes(dev, -1, -2) @ dev


def _pooled(z):
    """Mean and scatter of each row of ``z`` (rows, m, d), pooled over SEGMENT-point pieces."""
    rows, m, d = z.shape
    full = m // SEGMENT
    counts = [float(SEGMENT)] * full
    means, scatters = _segment_stats(z[:, : full * SEGMENT].reshape(rows, full, SEGMENT, d))
    if m > full * SEGMENT:
        rest_mean, rest_scatter = _segment_stats(z[:, full * SEGMENT :])
        means = np.concatenate([means, rest_mean[:, None]], axis=1)
        scatters = np.concatenate([scatters, rest_scatter[:, None]], axis=1)
        counts.append(float(m - full * SEGMENT))
    return np.asarray(counts), means, scatters


def _combine(counts, means, scatters):
    """Pool per-segment (count, mean, scatter) along axis 1 (Chan et al. 1979)."""
    mean = (means * counts[:, None]).sum(axis=1) / counts.sum()
    spread = means - mean[:, None]
    between = np.einsum("s,rsa,rsb->rab", counts, spread, spread)
    return mean, scatters.sum(axis=1) + between


def _standard_normal_fits(gen, rows, m, d, chunk):
    """Mean and scatter matrix of ``rows`` samples of ``m`` standard normal d-vectors.

    Draws are consumed row-major whatever ``chunk``, and every row is reduced
    segment by segment and pooled, so the result does not depend on ``chunk``.
    """
    zbar = np.empty((rows, d))
    scatter = np.empty((rows, d, d))
    if m * d <= chunk:
        per_block = chunk // (m * d)
        for start in range(0, rows, per_block):
            stop = min(rows, start + per_block)
            z = gen.standard_normal((stop - start, m, d))
            zbar[start:stop], scatter[start:stop] = _combine(*_pooled(z))
        return zbar, scatter
    per_piece = (chunk // (SEGMENT * d)) * SEGMENT
    for r in range(rows):
        pieces = [
            _pooled(gen.standard_normal((1, min(per_piece, m - start), d)))
            for start in range(0, m, per_piece)
        ]
        counts = np.concatenate([p[0] for p in pieces])
        means = np.concatenate([p[1] for p in pieces], axis=1)
        scatters = np.concatenate([p[2] for p in pieces], axis=1)
        mean, spread = _combine(counts, means, scatters)
        zbar[r], scatter[r] = mean[0], spread[0]
    return zbar, scatter


# --------------------------------------------------------------------------
# bounded iff sum 1/M_i < infinity, side by side


@dataclass(frozen=True)
class W2Growth:
    r"""Closed forms and simulation of :math:`E[W_2^2]` along one schedule.

    Attributes
    ----------
    schedule : Schedule
    n : ndarray of int
        Generations reported.
    harmonic_sum : ndarray
        :math:`\sum_{i<n}1/M_i`.
    lower, upper : ndarray
        :func:`w2_squared_lower_bound`, :func:`w2_squared_upper_bound`.
    simulated, std_error : ndarray
        Monte Carlo mean of :math:`W_2^2` and its standard error.
    sigma2_cv : ndarray
        :math:`\sqrt{\mathrm{Var}(\sigma_n^2)}/E[\sigma_n^2]` of a 1-D projection,
        :math:`(\prod_{i<n}(1 + 2/(M_i - 1)) - 1)^{1/2}`: when it is large, the
        mean is carried by rare chains and ``std_error`` understates the error.
    bounded : bool or None
        The schedule's verdict: whether :math:`\sum_i 1/M_i` converges.
    """

    schedule: object
    n: np.ndarray
    harmonic_sum: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    simulated: np.ndarray
    std_error: np.ndarray
    sigma2_cv: np.ndarray
    bounded: bool | None


def w2_growth(M, n, cov, *, replicates=200, rng=None):
    r""":math:`E[W_2^2]` along schedule ``M``: bounded iff :math:`\sum_i 1/M_i < \infty`.

    Simulates ``replicates`` chains (``method="wishart"``, unbiased fit) to
    ``max(n)`` and reports, at each ``n``, the Monte Carlo mean of
    :math:`W_2^2(N(\mu_n, \Sigma_n), N(0, \Sigma))` next to the closed-form
    bounds. Constant ``M``: linear growth; ``Linear``: :math:`\sim\log n`;
    ``Power(M0, a > 1)``: bounded. ``n`` is a non-empty int array, ``cov`` one
    ``(d, d)`` covariance and ``replicates >= 2`` (for the standard error).

    Examples
    --------
    >>> import numpy as np
    >>> from modelcollapse.schedule import Power
    >>> g = w2_growth(Power(10, 2.0), [10, 100], np.eye(2), replicates=50, rng=0)
    >>> g.bounded, bool(np.all(g.lower <= g.upper))
    (True, True)
    """
    schedule = as_schedule(M)
    n = check_int_array("n", n, minimum=0)
    if n.size == 0:
        raise ValueError(f"n must hold at least one generation, got n={n.tolist()!r}")
    replicates = check_int("replicates", replicates, minimum=2, why=" (for a standard error)")
    cov, _, _ = check_covariance("cov", cov)
    chain = simulate(int(n.max()), schedule, np.zeros(cov.shape[-1]), cov,
                     replicates=replicates, rng=rng)
    w2 = gaussian_w2_squared(chain.mu[:, n], chain.cov[:, n], chain.mu[:, :1], chain.cov[:, :1])
    return W2Growth(
        schedule=schedule,
        n=n,
        harmonic_sum=np.asarray(schedule.harmonic_sum(n)),
        lower=np.asarray(w2_squared_lower_bound(n, schedule, cov)),
        upper=np.asarray(w2_squared_upper_bound(n, schedule, cov)),
        simulated=w2.mean(axis=0),
        std_error=w2.std(axis=0, ddof=1) / np.sqrt(replicates),
        sigma2_cv=np.sqrt(gaussian.sigma2_variance(n, schedule)),
        bounded=schedule.bounded,
    )
