r"""The one-dimensional Gaussian recursion (Shumailov et al. 2023).

Section "Single-dimensional Gaussian" of "The Curse of Recursion: Training on
Generated Data Makes Models Forget" (arXiv:2305.17493); Nature 2024 version,
"Theoretical intuition".

The model, with the package's fixed indexing:

* :math:`D_0 = N(\mu, \sigma^2)`; generation 0 is :math:`M_0` draws from it.
* Model :math:`i + 1` is fitted to generation :math:`i`'s :math:`M_i` draws:
  :math:`\mu_{i+1}` is their mean and :math:`\sigma^2_{i+1}` their unbiased
  (``ddof=1``) variance, or with ``fit="mle"`` the maximum-likelihood
  (``ddof=0``) variance the authors' notebooks use.
* Generation :math:`i + 1` is :math:`M_{i+1}` draws from
  :math:`N(\mu_{i+1}, \sigma^2_{i+1})`.
* "After :math:`n` generations" is the model fitted :math:`n` times,
  :math:`(\mu_n, \sigma_n)`; it depends on :math:`M_0, \dots, M_{n-1}`;
  :math:`n = 0` is the truth.

By Cochran's theorem the fit of model :math:`i + 1` is, given model :math:`i`,

.. math::

    \mu_{i+1} \sim N(\mu_i, \sigma_i^2 / M_i), \qquad
    \sigma^2_{i+1} = \sigma_i^2 \, \chi^2_{M_i - 1} / d_i,

independent, with :math:`d_i = M_i - 1` (unbiased) or :math:`d_i = M_i` (MLE).
Every closed form below follows from this, and ``simulate(method="sufficient")``
draws exactly this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from . import _tempered
from ._chain import FittedChain
from ._policy import check_fresh, check_policy, check_subsample_method, fresh_counts
from ._rng import as_generator, seed_entropy
from ._sampling import check_temperature
from ._special import digamma_minus_log, log_gamma_ratio_scaled, times_square
from ._validate import check_choice, check_int, check_int_array, check_positive, check_real
from .schedule import sizes_at_least

__all__ = [
    "GaussianChain",
    "expected_w2_squared",
    "generation_law",
    "log_sigma2_mean",
    "log_sigma2_variance",
    "log_sigma_moment",
    "log_variance_drift",
    "mean_squared_error",
    "sample_variance",
    "sigma2_variance",
    "sigma_moment",
    "simulate",
    "typical_sigma2",
]

FITS = ("unbiased", "mle")
KEEPS = ("all", "last")
METHODS = ("sufficient", "samples")
_WHY_M = " (a variance is fitted to M_i >= 2 points)"

#: Points per reduction segment of ``method="samples"``: fixed, so that the
#: chunk size (memory) never changes the rounding of the fitted moments.
SEGMENT = 4096


# --------------------------------------------------------------------------
# per-generation factors


def _log_scale_moment(sizes, p, fit):
    r""":math:`\log E[(\sigma^2_{i+1}/\sigma^2_i)^{p/2}]` for each size :math:`M_i`.

    :math:`E[(\chi^2_k/d)^{p/2}] = (2/d)^{p/2}\Gamma((k+p)/2)/\Gamma(k/2)` with
    :math:`k = M - 1`; written as :math:`(p/2)\log(k/d)` plus the scaled gamma ratio.
    """
    k = sizes - 1.0
    out = log_gamma_ratio_scaled(k / 2, p / 2)
    if fit == "mle":
        out = out + (p / 2) * np.log1p(-1.0 / sizes)
    return out


_UNSET = object()


def _checked(n, M, sigma=_UNSET, fit="unbiased"):
    """Validate the common arguments; return (n array, schedule, sizes, sigma array)."""
    n = check_int_array("n", n, minimum=0)
    check_choice("fit", fit, FITS)
    schedule, sizes = sizes_at_least(M, int(n.max()) if n.size else 0, 2, _WHY_M)
    if sigma is _UNSET:
        return n, schedule, sizes
    return n, schedule, sizes, check_positive("sigma", sigma)


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


# --------------------------------------------------------------------------
# closed forms


def log_sigma_moment(n, M, p, sigma=1.0, *, fit="unbiased", temperature=1.0):
    r"""Logarithm of :math:`E[\sigma_n^p]`, finite for any chain length.

    See :func:`sigma_moment`; use this where the moment itself leaves the
    float64 range (e.g. ``p = 4``, ``M = 2``, ``n = 10**6``, or a sampling
    ``temperature`` above 1, which adds :math:`(np/2)\log T`).

    Examples
    --------
    >>> float(log_sigma_moment(10**6, 2, 4))  # E[sigma_n^4] = 3^n
    1098612.2886681098
    """
    n, schedule, sizes, sigma = _checked(n, M, sigma, fit)
    p = check_real("p", p)
    n, p, sigma = np.broadcast_arrays(n, p, sigma)
    if n.size and np.any(n > 0):
        m_min = int(sizes.min())
        bad = (p <= -(m_min - 1)) & (n > 0)
        if np.any(bad):
            raise ValueError(
                f"p must be > -(min M_i - 1) = {-(m_min - 1)} for E[sigma_n^p] to be finite, "
                f"got p={float(p[bad].ravel()[0])!r}"
            )
    out = np.empty(n.shape)
    for value in np.unique(p):
        where = p == value
        out[where] = schedule.cumulative(lambda m, v=value: _log_scale_moment(m, v, fit), n[where])
    log_t = np.log(check_temperature(temperature))
    return _scalar(p * np.log(sigma) + out + 0.5 * p * n * log_t)


def sigma_moment(n, M, p, sigma=1.0, *, fit="unbiased", temperature=1.0):
    r"""Expected power of the fitted scale after ``n`` fits, :math:`E[\sigma_n^p]`.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits (``n = 0`` is the truth), ``n >= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes ``M_i >= 2``.
    p : float or array_like
        Real power, ``p > -(min_{i<n} M_i - 1)``.
    sigma : float or array_like, optional
        Scale of the truth, ``> 0``.
    fit : {"unbiased", "mle"}, optional
        Which variance estimate the chain fits.
    temperature : float, optional
        Every generation drawn from :math:`N(\mu_i, T\sigma_i^2)` (Alemohammad
        et al. 2023, Section 3.1): multiplies the moment by :math:`T^{np/2}`.

    Returns
    -------
    ndarray or float
        Broadcast over ``n``, ``p`` and ``sigma``; ``inf`` (without a warning)
        where the moment exceeds the float64 range (see :func:`log_sigma_moment`).

    Notes
    -----
    Holds for both fits. The scale ratios are independent, so

    .. math::

        E[\sigma_n^p] = \sigma^p \prod_{i<n} c_p(M_i - 1, d_i), \qquad
        c_p(k, d) = E[(\chi^2_k/d)^{p/2}]
                  = \left(\frac{2}{d}\right)^{p/2}\frac{\Gamma((k+p)/2)}{\Gamma(k/2)},

    with :math:`d_i = M_i - 1` (unbiased) or :math:`M_i` (MLE), summed in log
    space. With the unbiased fit :math:`E[\sigma_n^2] = \sigma^2` (a martingale),
    yet :math:`E[\sigma_n] < \sigma` decreases: Shumailov et al. (2023),
    "Single-dimensional Gaussian".

    Examples
    --------
    >>> float(sigma_moment(5, 10, 2))
    1.0
    >>> float(sigma_moment(1, 100, 2, fit="mle"))  # (1 - 1/M) sigma^2
    0.99
    """
    log_moment = log_sigma_moment(n, M, p, sigma, fit=fit, temperature=temperature)
    with np.errstate(over="ignore"):
        return _scalar(np.exp(log_moment))


def _log_sigma2_ratio(n, schedule, fit):
    """log(E[sigma_n^2] / sigma^2): 0 (unbiased) or sum log(1 - 1/M_i) (MLE)."""
    if fit == "unbiased":
        return np.zeros(n.shape)
    return schedule.cumulative(lambda m: np.log1p(-1.0 / m), n)


def _mse_ratio(n, schedule, fit):
    """E[(mu_n - mu)^2] / sigma^2: sum 1/M_i (unbiased) or 1 - prod(1 - 1/M_i) (MLE)."""
    if fit == "unbiased":
        return schedule.cumulative(lambda m: 1.0 / m, n)
    return -np.expm1(_log_sigma2_ratio(n, schedule, fit))


def _log_expm1(x):
    """log(exp(x) - 1) for x >= 0 (-inf at 0), without overflow for large x."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(x > 1, x + np.log1p(-np.exp(-np.maximum(x, 1))),
                        np.log(np.expm1(np.minimum(x, 1))))


def mean_squared_error(n, M, sigma=1.0, *, fit="unbiased", temperature=1.0):
    r"""Mean-squared error of the fitted mean, :math:`E[(\mu_n - \mu)^2]`.

    Notes
    -----
    The mean performs a random walk with step variance
    :math:`E[\sigma_i^2]/M_i`. Unbiased fit (the paper's statement):

    .. math:: E[(\mu_n - \mu)^2] = \sigma^2 \sum_{i<n} 1/M_i .

    MLE fit: :math:`\sigma^2\sum_{i<n} M_i^{-1}\prod_{j<i}(1 - 1/M_j)`, which
    telescopes to :math:`\sigma^2 (1 - \prod_{i<n}(1 - 1/M_i))`. At a sampling
    ``temperature`` :math:`T` (generation :math:`i` drawn from
    :math:`N(\mu_i, T\sigma_i^2)`) the steps are :math:`T E[\sigma_i^2]/M_i`
    with :math:`E[\sigma_i^2] = T^i\sigma^2 r_i`:
    :math:`\sigma^2\sum_{i<n} T^{i+1} r_i/M_i` (see :mod:`modelcollapse.tails`).

    Examples
    --------
    >>> float(mean_squared_error(10, 100, sigma=2.0))
    0.4
    """
    n, schedule, sizes, sigma = _checked(n, M, sigma, fit)
    temperature = check_temperature(temperature)
    if temperature != 1.0:
        return _scalar(_tempered.mean_squared_error(n, sizes, sigma, fit, temperature))
    return _scalar(times_square(sigma, _mse_ratio(n, schedule, fit)))


def sample_variance(n, M, sigma=1.0, *, fit="unbiased", temperature=1.0):
    r"""Variance of one generation-``n`` draw, :math:`\mathrm{Var}(X^n_j)`.

    Notes
    -----
    By the law of total variance,
    :math:`\mathrm{Var}(X^n_j) = E[\sigma_n^2] + E[(\mu_n - \mu)^2]`. For the
    unbiased fit this is the paper's linear growth,

    .. math:: \mathrm{Var}(X^n_j) = \sigma^2\Big(1 + \sum_{i<n} 1/M_i\Big),

    exact (Shumailov et al. 2023 state it "+ O(2)"). For the MLE fit it is
    exactly :math:`\sigma^2` for every ``n``: the variance the fit loses is the
    variance the mean's walk gains. At a sampling ``temperature`` :math:`T`
    the draw is from :math:`N(\mu_n, T\sigma_n^2)`:
    :math:`T^{n+1}\sigma^2 r_n + E[(\mu_n - \mu)^2]`, which grows
    geometrically for :math:`T > 1` and vanishes for :math:`T < 1`.

    Examples
    --------
    >>> float(sample_variance(10, 100))
    1.1
    >>> float(sample_variance(10, 100, fit="mle"))
    1.0
    """
    n, schedule, sizes, sigma = _checked(n, M, sigma, fit)
    temperature = check_temperature(temperature)
    if temperature != 1.0:
        log_draw = np.log(temperature) + _tempered.log_sigma2_mean_ratio(n, sizes, fit,
                                                                         temperature)
        with np.errstate(over="ignore"):
            return _scalar(sigma**2 * np.exp(log_draw) + _tempered.mean_squared_error(
                n, sizes, sigma, fit, temperature))
    ratio = np.exp(_log_sigma2_ratio(n, schedule, fit)) + _mse_ratio(n, schedule, fit)
    return _scalar(times_square(sigma, ratio))


def sigma2_variance(n, M, sigma=1.0, *, fit="unbiased"):
    r"""Variance of the fitted variance, :math:`\mathrm{Var}(\sigma_n^2)`.

    Notes
    -----
    Since :math:`c_4(k, d)/c_2(k, d)^2 = (k + 2)/k` for both fits,

    .. math::

        \mathrm{Var}(\sigma_n^2) = E[\sigma_n^2]^2
            \Big(\prod_{i<n}\big(1 + \tfrac{2}{M_i - 1}\big) - 1\Big),

    i.e. :math:`\sigma^4(\prod_i (1 + 2/(M_i - 1)) - 1)` for the unbiased fit.
    It grows exponentially in ``n`` while :math:`\sigma_n \to 0` almost surely;
    ``inf`` where it leaves the float64 range.

    Examples
    --------
    >>> round(float(sigma2_variance(1, 11)), 12)  # 2 / (M - 1)
    0.2
    """
    n, schedule, _, sigma = _checked(n, M, sigma, fit)
    log_growth = schedule.cumulative(lambda m: np.log1p(2.0 / (m - 1.0)), n)
    # in log space: for the MLE, E[sigma_n^2]^2 underflows where the growth factor overflows
    log_out = 4 * np.log(sigma) + 2 * _log_sigma2_ratio(n, schedule, fit) + _log_expm1(log_growth)
    with np.errstate(over="ignore"):
        return _scalar(np.exp(log_out))


def expected_w2_squared(n, M, sigma=1.0, *, fit="unbiased", temperature=1.0):
    r"""Expected squared Wasserstein-2 distance of model ``n`` to the truth.

    Notes
    -----
    For 1-D Gaussians :math:`W_2^2 = (\mu_n - \mu)^2 + (\sigma_n - \sigma)^2`
    (quantile coupling), so exactly

    .. math::

        E[W_2^2] = E[(\mu_n-\mu)^2] + E[\sigma_n^2] - 2\sigma E[\sigma_n] + \sigma^2,

    :math:`= \sigma^2\sum_{i<n}1/M_i + 2\sigma^2 - 2\sigma E[\sigma_n]` for the
    unbiased fit, evaluated as ``expm1`` of log moments (no cancellation). To
    first order in :math:`1/M` this is :math:`\tfrac32\sigma^2\sum_{i<n}1/M_i`
    (as the Nature paper's Supplementary Information states), and it is at
    least the mean-squared error. It diverges linearly for a constant ``M``
    and stays bounded iff
    :math:`\sum_i 1/M_i < \infty` (Shumailov et al., Nature version,
    "Gaussian model collapse"). At a sampling ``temperature`` :math:`T` the
    same formula holds with the tempered moments
    (:math:`E[\sigma_n^p]` times :math:`T^{np/2}`, the tempered mean error).

    Examples
    --------
    >>> round(float(expected_w2_squared(1, 10**6)) * 10**6, 4)  # ~ 3/2 / M
    1.5
    """
    n, schedule, _, sigma = _checked(n, M, sigma, fit)
    log_t = np.log(check_temperature(temperature))
    l1 = schedule.cumulative(lambda m: _log_scale_moment(m, 1.0, fit), n) + 0.5 * n * log_t
    l2 = _log_sigma2_ratio(n, schedule, fit) + n * log_t
    # past exp(700) the T^n sigma_n^2 term dominates the 2 E[sigma_n] term: the value is inf
    with np.errstate(over="ignore", invalid="ignore"):
        scale_part = np.where(l2 > 700, np.inf, np.expm1(l2) - 2.0 * np.expm1(l1))
    ratio = mean_squared_error(n, schedule, 1.0, fit=fit, temperature=np.exp(log_t))
    return _scalar(times_square(sigma, ratio + scale_part))


def log_variance_drift(M, *, fit="unbiased"):
    r"""Expected change of the log fitted variance per generation.

    Parameters
    ----------
    M : int or array_like of int
        Sample size of the generation, ``M >= 2``.
    fit : {"unbiased", "mle"}, optional

    Returns
    -------
    ndarray or float
        :math:`E[\log\sigma^2_{i+1} - \log\sigma^2_i]`, always ``< 0``.

    Notes
    -----
    .. math::

        E[\log(\chi^2_k/d)] = \psi(k/2) + \log(2/d), \quad k = M - 1,

    with :math:`d = k` (unbiased) or :math:`d = M` (MLE). Since
    :math:`\psi(x) < \log x` it is negative, so by the strong law of large
    numbers :math:`\log\sigma_n^2 \to -\infty` and :math:`\sigma_n \to 0`
    almost surely, although :math:`E[\sigma_n^2] = \sigma^2` for the unbiased
    fit: a martingale converging to 0 almost surely but not in :math:`L^1`.
    It tends to :math:`-1/M` as :math:`M \to \infty`.

    Examples
    --------
    >>> float(log_variance_drift(1001))  # close to -1/M, exactly -1/k - 1/(3 k^2) + ...
    -0.0010003333332000003
    """
    check_choice("fit", fit, FITS)
    M = check_int_array("M", M, minimum=2, why=_WHY_M)
    k = M - 1.0
    drift = digamma_minus_log(k / 2)
    if fit == "mle":
        drift = drift + np.log1p(-1.0 / M)
    return _scalar(drift)


def log_sigma2_mean(n, M, sigma=1.0, *, fit="unbiased"):
    r"""Expected log fitted variance, :math:`E[\log\sigma_n^2]`.

    It is :math:`\log\sigma^2 + \sum_{i<n}` :func:`log_variance_drift` :math:`(M_i)`.

    Examples
    --------
    >>> round(float(log_sigma2_mean(100, 11)), 6)
    -10.332024
    """
    n, schedule, _, sigma = _checked(n, M, sigma, fit)
    drift = schedule.cumulative(lambda m: log_variance_drift(m, fit=fit), n)
    return _scalar(2 * np.log(sigma) + drift)


def log_sigma2_variance(n, M):
    r""":math:`\mathrm{Var}(\log\sigma_n^2) = \sum_{i<n}\psi'((M_i - 1)/2)` (either fit).

    Examples
    --------
    >>> round(float(log_sigma2_variance(1, 3)), 6)  # trigamma(1) = pi^2 / 6
    1.644934
    """
    n, schedule, _ = _checked(n, M)
    return _scalar(schedule.cumulative(lambda m: special.polygamma(1, (m - 1.0) / 2), n))


def typical_sigma2(n, M, sigma=1.0, *, fit="unbiased"):
    r"""The typical fitted variance :math:`\exp E[\log\sigma_n^2]` (geometric mean).

    Notes
    -----
    :math:`\log\sigma_n^2` is a sum of ``n`` independent terms, so for large
    ``n`` it is close to normal and this is also the median of
    :math:`\sigma_n^2`. It decays geometrically (for constant ``M``, by the
    factor :math:`\exp(\psi((M-1)/2) + \log(2/(M-1))) \approx e^{-1/M}` per
    generation), while the mean :math:`E[\sigma_n^2] = \sigma^2` stays: the
    mean is carried by ever rarer large values.

    Examples
    --------
    >>> round(float(typical_sigma2(10, 100)), 4)  # while the mean stays 1
    0.9036
    >>> float(typical_sigma2(1000, 100)) < 1e-4
    True
    """
    with np.errstate(over="ignore"):  # inf only where the value exceeds float64
        return _scalar(np.exp(log_sigma2_mean(n, M, sigma, fit=fit)))


# --------------------------------------------------------------------------
# simulation


@dataclass(frozen=True)
class GaussianChain(FittedChain):
    """The fitted models of simulated chains, column 0 being the truth.

    Attributes
    ----------
    mu, sigma2 : ndarray, shape (replicates, len(generations))
        Fitted mean and variance after ``0..n`` fits (read-only); with
        ``keep="last"`` only the truth and generation ``n``.

    temperature : float
        The sampling temperature :math:`T`: generation :math:`g` is drawn
        from :math:`N(\\mu_g, T\\sigma^2_g)`.

    The provenance attributes ``M``, ``fit``, ``method``, ``seed_entropy``,
    ``policy``, ``fresh`` and ``keep``, and the properties ``n``, ``replicates``
    and ``generations``, are those of :class:`~modelcollapse._chain.FittedChain`.
    """

    mu: np.ndarray
    sigma2: np.ndarray
    temperature: float = 1.0

    def draw(self, generation, size=1, *, rng=None):
        """Draw ``size`` points :math:`X^g_j` of ``generation`` from each chain's model ``g``.

        Returns an array of shape ``(replicates, size)``: row ``r`` holds iid
        draws from :math:`N(\\mu_g, T\\sigma^2_g)` of replicate ``r``. Points of one
        row share their model, so take one per row for iid draws of the
        marginal law of :math:`X^g_j`.
        """
        g = check_int("generation", generation, minimum=0)
        if g > self.n:
            raise ValueError(f"generation must be <= n={self.n}, got generation={g}")
        col = self._column(g)
        size = check_int("size", size, minimum=1)
        z = as_generator(rng).standard_normal((self.replicates, size))
        return self.mu[:, col, None] + np.sqrt(self.temperature * self.sigma2[:, col, None]) * z


def simulate(
    n,
    M,
    *,
    mu=0.0,
    sigma=1.0,
    replicates=1,
    method="sufficient",
    fit="unbiased",
    chunk=2**22,
    rng=None,
    policy="replace",
    fresh=0.0,
    temperature=1.0,
    keep="all",
):
    r"""Simulate ``replicates`` independent chains of ``n`` Gaussian refits.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes ``M_0..M_{n-1}``, each ``>= 2``.
    mu, sigma : float, optional
        The truth :math:`N(\mu, \sigma^2)`; ``1e-100 <= sigma <= 1e100``.
    replicates : int, optional
        Number of independent chains, ``>= 1``.
    method : {"sufficient", "samples"}, optional
        ``"sufficient"`` draws the fitted statistics directly,
        :math:`\mu_{i+1} = \mu_i + \sigma_i Z/\sqrt{M_i}` and
        :math:`\sigma^2_{i+1} = \sigma^2_i\chi^2_{M_i-1}/d_i`: exact in law,
        O(replicates x n). ``"samples"`` draws all :math:`M_i` points of every
        generation, :math:`x_j = \mu_i + \sigma_i z_j`, and refits them (the
        mean and variance of the :math:`x_j` computed from the standard
        normal :math:`z_j` by affine equivariance), holding at most ``chunk``
        points in memory.
    fit : {"unbiased", "mle"}, optional
        Unbiased (``ddof=1``) or maximum-likelihood (``ddof=0``) variance fit.
    chunk : int, optional
        ``method="samples"`` only: points held in memory at once (default
        2**22, 32 MiB), ``>= SEGMENT``. It never changes the numbers.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        Source of randomness; the same seed gives the same numbers.
    policy : {"replace", "accumulate", "accumulate-subsample"}, optional
        What model :math:`i + 1` is fitted to: generation :math:`i` alone (the
        paper's theory), the pool of generations :math:`0..i` (both methods;
        ``"sufficient"`` pools their count, mean and sum of squares exactly), or
        :math:`M_i` points drawn without replacement from that pool
        (``method="samples"`` only: subsamples share points, so no sufficient
        statistic exists; the pool is held in memory).
    fresh : float, optional
        Fraction :math:`f \in [0, 1]` of every generation drawn afresh from
        :math:`N(\mu, \sigma^2)`: :math:`K_i = \lfloor f M_i + 1/2\rfloor` of
        the :math:`M_i` points; the others come from model :math:`i`.
        ``fresh=0`` with ``policy="replace"`` is the paper's chain, bit for bit.
    temperature : float, optional
        Draw every generation from :math:`N(\mu_i, T\sigma_i^2)` (sampling
        bias, Alemohammad et al. 2023, Section 3.1; ``policy="replace"``,
        ``fresh=0``): each step draws from the tempered model, for both
        methods and either ``keep``.
    keep : {"all", "last"}, optional
        Keep every generation ``0..n`` (default), or only the truth and
        generation ``n``: the same numbers as the last column of ``"all"``,
        without writing ``(replicates, n + 1)`` histories (faster and
        O(replicates) memory for long chains).

    Returns
    -------
    GaussianChain
        ``mu`` and ``sigma2`` of shape ``(replicates, n + 1)`` (``keep="all"``)
        or ``(replicates, 2)`` (``keep="last"``, ``n >= 1``).

    Notes
    -----
    Closed forms for the policies are in :mod:`modelcollapse.policies`.

    Examples
    --------
    >>> chain = simulate(100, 10, replicates=4, rng=0)
    >>> chain.sigma2.shape
    (4, 101)
    >>> bool((chain.sigma2[:, 0] == 1.0).all())
    True
    >>> last = simulate(100, 10, replicates=4, rng=0, keep="last")
    >>> last.sigma2.shape, bool((last.sigma2[:, -1] == chain.sigma2[:, -1]).all())
    ((4, 2), True)
    """
    n = check_int("n", n, minimum=0)
    _, sizes = sizes_at_least(M, n, 2, _WHY_M)
    mu = check_real("mu", mu, scalar=True)
    sigma = check_positive("sigma", sigma, scalar=True)
    if not 1e-100 <= sigma <= 1e100:  # the chain's variances stay far inside float64
        raise ValueError("sigma must be in [1e-100, 1e100] (the chain is equivariant: simulate "
                         f"at sigma = 1 and rescale), got sigma={sigma!r}")
    replicates = check_int("replicates", replicates, minimum=1)
    check_choice("method", method, METHODS)
    check_choice("fit", fit, FITS)
    chunk = check_int("chunk", chunk, minimum=SEGMENT, why=" (points held in memory; SEGMENT)")
    check_policy(policy)
    fresh = check_fresh(fresh)
    check_subsample_method(policy, method)
    temperature = _tempered.check_replace_only(temperature, policy, fresh)
    check_choice("keep", keep, KEEPS)
    gen = as_generator(rng)
    rows = _Rows(n, replicates, keep)
    rows.means[0] = mu
    rows.variances[0] = sigma**2
    if policy != "replace" or fresh > 0:
        _simulate_policy(gen, sizes, mu, sigma, replicates, method, fit, chunk, policy, fresh,
                         rows)
    else:
        _simulate_replace(gen, sizes, replicates, method, fit, chunk, rows, temperature)
    means, variances = rows.means, rows.variances
    # Generation-major buffers, returned as (replicates, rows) views: no copy.
    mu_arr, s2_arr = means.T, variances.T
    mu_arr.flags.writeable = False
    s2_arr.flags.writeable = False
    return GaussianChain(mu_arr, s2_arr, M=sizes, fit=fit, method=method,
                         seed_entropy=seed_entropy(gen), policy=policy, fresh=fresh, keep=keep,
                         temperature=temperature)


class _Rows:
    """Generation-major (means, variances) buffers and the row each generation lives in.

    With ``keep="last"`` generations ``1..n`` share row 1, overwritten in
    place (each step reads model ``i`` before it writes model ``i + 1``).
    """

    def __init__(self, n, replicates, keep):
        self.last_only = keep == "last"
        count = min(n, 1) + 1 if self.last_only else n + 1
        self.means = np.empty((count, replicates))
        self.variances = np.empty((count, replicates))

    def row(self, generation):
        return min(generation, 1) if self.last_only else generation


def _simulate_replace(gen, sizes, replicates, method, fit, chunk, rows, temperature=1.0):
    """The paper's recursion: each model fitted to the previous generation only.

    At ``temperature`` T each generation is drawn from N(mu_i, T sigma_i^2).
    """
    means, variances = rows.means, rows.variances
    step = _sufficient_step if method == "sufficient" else _samples_step
    work = _Buffers(replicates, chunk)
    for i, m in enumerate(sizes.tolist()):
        this, following = rows.row(i), rows.row(i + 1)
        drawn = variances[this] if temperature == 1.0 else temperature * variances[this]
        step(gen, m, m - 1.0 if fit == "unbiased" else float(m), means[this], drawn,
             means[following], variances[following], work)


class _Buffers:
    """Preallocated per-generation work arrays (generation-major loops)."""

    def __init__(self, replicates, chunk):
        self.z = np.empty(replicates)
        self.g = np.empty(replicates)
        self.s = np.empty(replicates)
        self.replicates = replicates
        self.chunk = chunk


def _sufficient_step(gen, m, d, mu_i, s2_i, mu_next, s2_next, work):
    z, g, s = work.z, work.g, work.s
    gen.standard_normal(out=z)
    gen.standard_gamma((m - 1) / 2.0, out=g)
    np.sqrt(s2_i, out=s)
    s *= z
    s *= 1.0 / np.sqrt(m)
    np.add(mu_i, s, out=mu_next)
    np.multiply(s2_i, g, out=s2_next)
    s2_next *= 2.0 / d


def _samples_step(gen, m, d, mu_i, s2_i, mu_next, s2_next, work):
    zbar, m2 = _standard_normal_fits(gen, work.replicates, m, work.chunk)
    s = np.sqrt(s2_i)
    np.add(mu_i, s * zbar, out=mu_next)
    np.multiply(s2_i, m2 / d, out=s2_next)


def _simulate_policy(gen, sizes, mu, sigma, replicates, method, fit, chunk, policy, fresh,
                     rows):
    """Generation-major (means, variances) of chains under a data policy, into ``rows``.

    Each generation is summarised by (count, mean, sum of squared deviations),
    its fresh and synthetic parts pooled exactly (Chan et al. 1979); under
    ``"accumulate"`` the summaries of all generations so far are pooled the
    same way, which is the fit to the pooled points.
    """
    means, variances = rows.means, rows.variances
    truth = (np.full(replicates, mu), np.full(replicates, sigma**2))
    pool = None
    points = np.empty((replicates, 0))
    for i, (m, k) in enumerate(zip(sizes.tolist(), fresh_counts(sizes, fresh).tolist(),
                                   strict=True)):
        model = (means[rows.row(i)], variances[rows.row(i)])
        if policy == "accumulate-subsample":
            points = np.concatenate(
                [points, *(_draw_points(gen, *src, c) for src, c in ((truth, k), (model, m - k)))],
                axis=1,
            )
            keys = gen.random(points.shape)
            chosen = np.take_along_axis(points, np.argsort(keys, axis=1)[:, :m], axis=1)
            count, mean = m, chosen.mean(axis=1)
            m2 = ((chosen - mean[:, None]) ** 2).sum(axis=1)
        else:
            parts = [_group_fit(gen, *src, c, method, chunk)
                     for src, c in ((truth, k), (model, m - k)) if c > 0]
            count, mean, m2 = parts[0] if len(parts) == 1 else _pool(*parts[0], *parts[1])
            if policy == "accumulate":
                pool = (count, mean, m2) if pool is None else _pool(*pool, count, mean, m2)
                count, mean, m2 = pool
        means[rows.row(i + 1)] = mean
        variances[rows.row(i + 1)] = m2 / (count - 1.0 if fit == "unbiased" else float(count))


def _group_fit(gen, loc, var, count, method, chunk):
    """(count, mean, sum of squared deviations) of ``count`` draws from N(loc, var) per row."""
    if method == "sufficient":
        z = gen.standard_normal(loc.size)
        chi2 = 2.0 * gen.standard_gamma((count - 1) / 2.0, loc.size) if count > 1 else 0.0
        return count, loc + np.sqrt(var / count) * z, var * chi2
    zbar, m2 = _standard_normal_fits(gen, loc.size, count, chunk)
    return count, loc + np.sqrt(var) * zbar, var * m2


def _pool(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    """Pool two (count, mean, sum of squared deviations) summaries (Chan et al. 1979)."""
    total = n_a + n_b
    delta = mean_b - mean_a
    return total, mean_a + delta * (n_b / total), m2_a + m2_b + delta**2 * (n_a * n_b / total)


def _draw_points(gen, loc, var, count):
    """``count`` draws from N(loc, var) for each row."""
    return loc[:, None] + np.sqrt(var)[:, None] * gen.standard_normal((loc.size, count))


def _segment_stats(z):
    """Per-row mean and sum of squared deviations of a 2-D block of draws."""
    mean = z.sum(axis=-1) / z.shape[-1]
    dev = z - mean[..., None]
    dev *= dev
    return mean, dev.sum(axis=-1)


def _combine(counts, means, m2s):
    """Pool per-segment (count, mean, M2) along the last axis (Chan et al. 1979)."""
    total = counts.sum()
    mean = (means * counts).sum(axis=-1) / total
    spread = means - mean[..., None]
    return mean, m2s.sum(axis=-1) + (counts * spread * spread).sum(axis=-1)


def _segments(z):
    """(counts, means, M2s) of the SEGMENT-long pieces of each row of ``z`` (last one shorter)."""
    rows, m = z.shape
    full = m // SEGMENT
    counts = [SEGMENT] * full
    means, m2s = _segment_stats(z[:, : full * SEGMENT].reshape(rows, full, SEGMENT))
    if m > full * SEGMENT:
        rest_mean, rest_m2 = _segment_stats(z[:, full * SEGMENT :])
        means = np.concatenate([means, rest_mean[:, None]], axis=1)
        m2s = np.concatenate([m2s, rest_m2[:, None]], axis=1)
        counts.append(m - full * SEGMENT)
    return np.asarray(counts, dtype=np.float64), means, m2s


def _standard_normal_fits(gen, rows, m, chunk):
    """Mean and M2 of ``rows`` samples of ``m`` standard normals, drawn row-major.

    The draws are consumed from ``gen`` in the same order for every ``chunk``,
    and a row longer than SEGMENT is reduced segment by segment, then pooled
    once, so the result does not depend on ``chunk``.
    """
    zbar = np.empty(rows)
    m2 = np.empty(rows)
    if m <= chunk:
        per_piece = chunk // m
        buf = np.empty(min(rows, per_piece) * m)
        for start in range(0, rows, per_piece):
            stop = min(rows, start + per_piece)
            z = buf[: (stop - start) * m].reshape(stop - start, m)
            gen.standard_normal(out=z)
            if m <= SEGMENT:
                zbar[start:stop], m2[start:stop] = _segment_stats(z)
            else:
                zbar[start:stop], m2[start:stop] = _combine(*_segments(z))
        return zbar, m2
    per_piece = (chunk // SEGMENT) * SEGMENT
    buf = np.empty(per_piece)
    for r in range(rows):
        pieces = []
        for start in range(0, m, per_piece):
            z = buf[: min(per_piece, m - start)]
            gen.standard_normal(out=z)
            pieces.append(_segments(z[None, :]))
        counts, means, m2s = (np.concatenate(parts, axis=-1) for parts in zip(*pieces, strict=True))
        mean, spread = _combine(counts, means, m2s)
        zbar[r], m2[r] = mean[0], spread[0]
    return zbar, m2


# --------------------------------------------------------------------------
# the law of a generation-one draw


def generation_law(M, sigma=1.0, *, fit="unbiased"):
    r"""The exact law of a fresh generation-one draw about its fitted mean, :math:`X^1_j - \mu_1`.

    Parameters
    ----------
    M : int
        Size :math:`M_0 \ge 2` of generation 0 (the sample model 1 is fitted to).
    sigma : float, optional
        Scale of the truth :math:`N(\mu, \sigma^2)`, ``> 0``.
    fit : {"unbiased", "mle"}, optional
        The variance fit of model 1.

    Returns
    -------
    scipy.stats frozen distribution
        :data:`modelcollapse.variance_gamma.variance_gamma` frozen at
        :math:`\lambda = (M-1)/2`, :math:`\alpha = \sqrt{d}/\sigma`,
        :math:`\beta = 0`, ``loc = 0``, with :math:`d = M - 1` (unbiased) or
        :math:`d = M` (MLE).

    Notes
    -----
    Given model 1, :math:`X^1_j - \mu_1 = \sigma_1 Z` with :math:`Z \sim N(0, 1)`
    independent of :math:`\sigma_1^2 = \sigma^2\chi^2_{M-1}/d`, which is
    independent of :math:`\mu_1` (Cochran). So :math:`X^1_j - \mu_1` is
    independent of :math:`\mu_1`, and conditioning on :math:`\mu_1` does not
    change its law, a normal variance mixture with
    :math:`\sigma_1^2 \sim \mathrm{Gamma}((M-1)/2, \text{rate} = d/(2\sigma^2))`:

    .. math::

        X^1_j - \mu_1 \sim \mathrm{VG}\Big(\lambda = \tfrac{M-1}{2},\
            \alpha = \tfrac{\sqrt{d}}{\sigma},\ \beta = 0\Big),

    whose variance is :math:`\sigma^2` (unbiased; :math:`\sigma^2(M-1)/M` for
    the MLE) and excess kurtosis :math:`6/(M-1)` (Shumailov et al. 2023,
    "Single-dimensional Gaussian").

    What is *not* variance-gamma: :math:`X^1_j` itself is this law convolved
    with :math:`\mu_1 - \mu \sim N(0, \sigma^2/M)` (a normal variance mixture
    with a shifted gamma mixing law, not VG); two draws :math:`X^1_j, X^1_k` of
    one chain share :math:`\sigma_1` and are not independent; and later
    generations :math:`X^n_j - \mu_n`, :math:`n \ge 2`, mix the normal over a
    product of :math:`n` independent scaled :math:`\chi^2` variables, which is
    not a gamma law, so they are not VG.

    As :math:`M \to \infty` the law tends to :math:`N(0, \sigma^2)` at rate
    :math:`1/M`: in Kolmogorov-Smirnov distance
    :math:`\approx 2 c_{KS}/(M-1) \approx 0.138/(M-1)`, see
    :func:`modelcollapse.variance_gamma.normal_distance` at
    :math:`\lambda = (M-1)/2`.

    Examples
    --------
    >>> law = generation_law(10, sigma=2.0)
    >>> float(law.var())  # sigma^2
    4.0
    >>> round(float(law.stats(moments="k")), 12)  # 6 / (M - 1)
    0.666666666667
    """
    from .variance_gamma import variance_gamma

    M = check_int("M", M, minimum=2, why=_WHY_M)
    sigma = check_positive("sigma", sigma, scalar=True)
    check_choice("fit", fit, FITS)
    d = M - 1.0 if fit == "unbiased" else float(M)
    with np.errstate(over="ignore"):
        alpha = np.sqrt(d) / sigma
    if not np.isfinite(alpha):
        raise ValueError(f"sigma must be large enough for alpha = sqrt(d)/sigma to be finite, "
                         f"got sigma={sigma!r}")
    return variance_gamma((M - 1) / 2.0, alpha, 0.0)
