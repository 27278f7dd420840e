r"""A Gaussian fitted to data that is not Gaussian (functional expressivity error).

The truth :math:`D_0` is any continuous :mod:`scipy.stats` distribution with a
finite variance (a two-component mixture, Student's t with :math:`\nu > 4`,
Laplace, ...); the model family is Gaussian, fitted without bias (sample mean
and ``ddof=1`` variance). With the package's indexing:

* generation 0 is :math:`M` literal draws from :math:`D_0`;
* model 1 is :math:`N(\mu_1, \sigma_1^2)` fitted to them: the tails, skew and
  kurtosis of :math:`D_0` are gone at once, whatever :math:`M`;
* from then on the chain is the Gaussian recursion of
  :mod:`modelcollapse.gaussian` started from :math:`N(\mu_1, \sigma_1^2)`.

Write :math:`m, \sigma^2, \mu_3, \mu_4` for the mean and central moments of
:math:`D_0`. The first fit has, exactly (e.g. Cramér 1946, Section 27.4),

.. math::

    E[\mu_1] = m,\quad \mathrm{Var}(\mu_1) = \frac{\sigma^2}{M},\quad
    E[\sigma_1^2] = \sigma^2,\quad \mathrm{Cov}(\mu_1, \sigma_1^2) = \frac{\mu_3}{M},\quad
    \mathrm{Var}(\sigma_1^2) = \frac{\mu_4}{M} - \frac{\sigma^4 (M-3)}{M(M-1)},

and composing with the Gaussian closed forms gives every later generation:
first and second moments of the chain depend on :math:`D_0` only through
:math:`\sigma^2` and :math:`\mu_4`. This is the functional side of
Shumailov et al. (2024, Nature, "What is model collapse?"): a model family
that cannot represent :math:`D_0` loses its tails in the first generation,
before any statistical error accumulates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats

from . import gaussian
from ._rng import as_generator, seed_entropy
from ._validate import check_choice, check_int, check_int_array, check_positive, check_real

__all__ = [
    "FirstFit",
    "KurtosisLoss",
    "MisspecifiedChain",
    "TailLoss",
    "first_fit",
    "kurtosis_loss",
    "mean_squared_error",
    "normal_mixture",
    "quantile_correlation",
    "sample_variance",
    "sigma2_variance",
    "simulate",
    "tail_loss",
    "w2_floor",
    "w2_squared",
]

_WHY_M = " (a variance is fitted to M >= 2 points)"

#: Points of D0 drawn per block at generation 0 (bounded memory; the blocks
#: depend only on M and replicates, so the same seed gives the same numbers).
BLOCK = 2**20


def _name(D0):
    dist = getattr(D0, "dist", None)
    args = ", ".join([*(repr(a) for a in getattr(D0, "args", ())),
                      *(f"{k}={v!r}" for k, v in getattr(D0, "kwds", {}).items())])
    return f"{getattr(dist, 'name', type(D0).__name__)}({args})"


def _moments(D0, *, fourth=False, why=""):
    """(mean, variance, mu3, mu4) of D0, checked finite (mu4 only if ``fourth``)."""
    if not isinstance(getattr(D0, "dist", None), stats.rv_continuous):
        raise TypeError(
            "D0 must be a frozen scipy.stats continuous distribution (e.g. "
            f"scipy.stats.t(df=5)), got D0={D0!r}"
        )
    mean, var, skew, kurt = (float(x) for x in D0.stats(moments="mvsk"))
    if not (np.isfinite(mean) and np.isfinite(var) and var > 0):
        raise ValueError(
            f"D0 must have a finite mean and a finite, positive variance, got D0={_name(D0)} "
            f"with mean {mean!r} and variance {var!r}"
        )
    if fourth and not (np.isfinite(kurt) and np.isfinite(skew)):
        raise ValueError(
            f"D0 must have a finite fourth moment{why}, got D0={_name(D0)} "
            f"with kurtosis {kurt!r}"
        )
    return mean, var, skew * var**1.5, (kurt + 3.0) * var**2


class _NormalMixture(stats.rv_continuous):
    """A finite normal mixture with fixed components (no shape parameters)."""

    def __init__(self, weights, means, scales, **kwargs):
        super().__init__(**{"name": "normal_mixture", **kwargs})
        self.weights, self.means, self.scales = weights, means, scales
        spread = 40.0 * scales
        self._bracket = (float(np.min(means - spread)), float(np.max(means + spread)))

    def _updated_ctor_param(self):
        # scipy rebuilds the distribution from these when it is frozen.
        return {**super()._updated_ctor_param(), "weights": self.weights,
                "means": self.means, "scales": self.scales}

    def _components(self, x, fn):
        """``fn`` of each component's standard score, weighted: shape (..., K)."""
        z = (np.asarray(x, dtype=np.float64)[..., None] - self.means) / self.scales
        return self.weights * fn(z)

    def _pdf(self, x):
        return np.sum(self._components(x, stats.norm.pdf) / self.scales, axis=-1)

    def _cdf(self, x):
        return np.sum(self._components(x, stats.norm.cdf), axis=-1)

    def _sf(self, x):
        return np.sum(self._components(x, stats.norm.sf), axis=-1)

    def _invert(self, target, fn, increasing):
        """Bisection in log space on the bracket: 200 halvings reach float64 resolution."""
        target = np.log(np.asarray(target, dtype=np.float64))
        lo = np.full(target.shape, self._bracket[0])
        hi = np.full(target.shape, self._bracket[1])
        with np.errstate(divide="ignore"):
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                below = (np.log(fn(mid)) < target) == increasing
                lo = np.where(below, mid, lo)
                hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    def _ppf(self, q):
        return self._invert(q, self._cdf, True)

    def _isf(self, q):
        return self._invert(q, self._sf, False)

    def _rvs(self, size=None, random_state=None):
        k = random_state.choice(self.weights.size, size=size, p=self.weights)
        return self.means[k] + self.scales[k] * random_state.standard_normal(size)

    def _stats(self):
        w, m, s = self.weights, self.means, self.scales
        mean = np.sum(w * m)
        d = m - mean
        var = np.sum(w * (d**2 + s**2))
        mu3 = np.sum(w * (d**3 + 3 * d * s**2))
        mu4 = np.sum(w * (d**4 + 6 * d**2 * s**2 + 3 * s**4))
        return mean, var, mu3 / var**1.5, mu4 / var**2 - 3.0


def normal_mixture(weights, means, scales):
    r"""A frozen finite normal mixture :math:`\sum_k w_k N(m_k, s_k^2)` as a ``scipy.stats`` law.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Positive weights, normalised to sum to 1.
    means : array_like, shape (K,)
    scales : array_like, shape (K,)
        Component standard deviations, ``> 0``.

    Returns
    -------
    scipy.stats frozen continuous distribution
        With exact moments (``stats(moments="mvsk")``), pdf, cdf, sf and
        sampling in closed form, and ppf / isf by bisection in log space.

    Notes
    -----
    The two-component mixture is the truth of Shumailov et al.'s own
    mixture experiment; here it is a :math:`D_0` a single Gaussian cannot
    represent. With :math:`d_k = m_k - m`, the central moments are
    :math:`\sum_k w_k(d_k^2 + s_k^2)`, :math:`\sum_k w_k(d_k^3 + 3d_k s_k^2)`
    and :math:`\sum_k w_k(d_k^4 + 6d_k^2s_k^2 + 3s_k^4)`.

    Examples
    --------
    >>> law = normal_mixture([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0])
    >>> [float(v) for v in law.stats(moments="mvsk")]
    [0.0, 5.0, 0.0, -1.28]
    >>> round(float(law.ppf(0.975)), 6)
    3.644854
    """
    weights = check_positive("weights", weights)
    means = check_real("means", means)
    scales = check_positive("scales", scales)
    if weights.ndim != 1 or means.shape != weights.shape or scales.shape != weights.shape:
        raise ValueError(
            "weights, means and scales must be 1-D arrays of one length, got shapes "
            f"{weights.shape}, {means.shape} and {scales.shape}"
        )
    return _NormalMixture(weights / weights.sum(), means, scales)()


@dataclass(frozen=True)
class FirstFit:
    """Exact moments of the first fit :math:`(\\mu_1, \\sigma_1^2)` to ``M`` draws of :math:`D_0`.

    Attributes
    ----------
    mean, mean_variance : float
        :math:`E[\\mu_1] = m` and :math:`\\mathrm{Var}(\\mu_1) = \\sigma^2/M`.
    sigma2_mean, sigma2_variance : float
        :math:`E[\\sigma_1^2] = \\sigma^2` and :math:`\\mathrm{Var}(\\sigma_1^2)`.
    covariance : float
        :math:`\\mathrm{Cov}(\\mu_1, \\sigma_1^2) = \\mu_3 / M`.
    """

    mean: float
    mean_variance: float
    sigma2_mean: float
    sigma2_variance: float
    covariance: float


def first_fit(M, D0):
    r"""Exact moments of the unbiased Gaussian fit to ``M`` draws of :math:`D_0`.

    Parameters
    ----------
    M : int
        Size of generation 0, ``>= 2``.
    D0 : scipy.stats frozen continuous distribution
        With a finite fourth moment.

    Returns
    -------
    FirstFit

    Notes
    -----
    .. math::

        \mathrm{Var}(\sigma_1^2) = \frac{\mu_4}{M} - \frac{\sigma^4(M - 3)}{M(M - 1)}
            = \frac{\sigma^4}{M}\Big(\kappa + \frac{2M}{M - 1}\Big),

    with :math:`\kappa = \mu_4/\sigma^4 - 3` the excess kurtosis of
    :math:`D_0`; for a Gaussian :math:`D_0` this is :math:`2\sigma^4/(M-1)`.

    Examples
    --------
    >>> from scipy import stats
    >>> fit = first_fit(11, stats.norm(0, 2))
    >>> round(fit.sigma2_variance, 12)  # 2 sigma^4 / (M - 1)
    3.2
    >>> round(first_fit(11, stats.laplace()).sigma2_variance, 12)  # kappa = 3
    1.890909090909
    """
    M = check_int("M", M, minimum=2, why=_WHY_M)
    mean, var, mu3, mu4 = _moments(D0, fourth=True, why=" for Var(sigma_1^2)")
    return FirstFit(
        mean=mean,
        mean_variance=var / M,
        sigma2_mean=var,
        sigma2_variance=mu4 / M - var**2 * (M - 3) / (M * (M - 1.0)),
        covariance=mu3 / M,
    )


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def sigma2_variance(n, M, D0):
    r"""Variance of the fitted variance after ``n`` fits, :math:`\mathrm{Var}(\sigma_n^2)`.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0`` (``n = 0`` is :math:`D_0`'s own variance: 0).
    M : int
        Generation size, ``>= 2``.
    D0 : scipy.stats frozen continuous distribution
        With a finite fourth moment.

    Returns
    -------
    ndarray or float
        ``inf`` (without a warning) where it leaves the float64 range.

    Notes
    -----
    After the first fit, :math:`\sigma^2_{n} = \sigma_1^2\prod_{1\le i<n}\chi^2_{M-1}/(M-1)`
    with independent factors of mean 1 and second moment
    :math:`1 + 2/(M-1)`, so for :math:`n \ge 1`

    .. math::

        \mathrm{Var}(\sigma_n^2) = \big(\mathrm{Var}(\sigma_1^2) + \sigma^4\big)
            \Big(1 + \frac{2}{M-1}\Big)^{n-1} - \sigma^4,

    which for a Gaussian :math:`D_0` is
    :func:`modelcollapse.gaussian.sigma2_variance`.

    Examples
    --------
    >>> from scipy import stats
    >>> round(float(sigma2_variance(3, 11, stats.norm())), 12)  # 1.2^3 - 1
    0.728
    """
    n = check_int_array("n", n, minimum=0)
    fit = first_fit(M, D0)
    var = fit.sigma2_mean
    log_growth = np.maximum(n - 1, 0) * np.log1p(2.0 / (M - 1.0))
    with np.errstate(over="ignore"):
        later = (fit.sigma2_variance + var**2) * np.exp(log_growth) - var**2
    return _scalar(np.where(n == 0, 0.0, later))


def mean_squared_error(n, M, D0):
    r"""Mean-squared error of the fitted mean, :math:`E[(\mu_n - m)^2] = n\sigma^2/M`.

    The Gaussian closed form at :math:`\sigma^2 = \mathrm{Var}_{D_0}`.

    Only :math:`\sigma^2` of :math:`D_0` enters: every step of the mean's walk
    has variance :math:`E[\sigma_i^2]/M = \sigma^2/M`.

    Examples
    --------
    >>> from scipy import stats
    >>> round(float(mean_squared_error(10, 100, stats.laplace())), 12)  # 10 * 2 / 100
    0.2
    """
    _, var, _, _ = _moments(D0)
    return gaussian.mean_squared_error(n, M, np.sqrt(var))


def sample_variance(n, M, D0):
    r"""Variance of one generation-``n`` draw, :math:`\mathrm{Var}(X^n_j) = \sigma^2(1 + n/M)`.

    The Gaussian closed form at :math:`\sigma^2 = \mathrm{Var}_{D_0}`.

    For :math:`n = 0` it is :math:`D_0`'s variance; for :math:`n \ge 1`
    :math:`E[\sigma_n^2] + E[(\mu_n - m)^2]`.

    Examples
    --------
    >>> from scipy import stats
    >>> round(float(sample_variance(10, 100, stats.laplace())), 12)
    2.2
    """
    _, var, _, _ = _moments(D0)
    return gaussian.sample_variance(n, M, np.sqrt(var))


@dataclass(frozen=True)
class KurtosisLoss:
    """Excess kurtosis of :math:`D_0` and of a fresh generation-one draw about its fitted mean.

    Attributes
    ----------
    truth : float
        :math:`\\kappa`, the excess kurtosis of :math:`D_0`.
    generation_one : float
        Excess kurtosis of :math:`X^1_j - \\mu_1` (a normal scale mixture),
        :math:`3\\,\\mathrm{Var}(\\sigma_1^2)/\\sigma^4`.
    lost : float
        ``truth - generation_one``.
    """

    truth: float
    generation_one: float
    lost: float


def kurtosis_loss(M, D0):
    r"""The kurtosis the first Gaussian fit loses, exactly.

    Parameters
    ----------
    M : int
        Size of generation 0, ``>= 2``.
    D0 : scipy.stats frozen continuous distribution
        With a finite fourth moment.

    Returns
    -------
    KurtosisLoss

    Notes
    -----
    :math:`X^1_j - \mu_1 = \sigma_1 Z` with :math:`Z \sim N(0, 1)` independent
    of the fit, so its fourth moment is :math:`3E[\sigma_1^4]` and its
    excess kurtosis

    .. math::

        3\frac{\mathrm{Var}(\sigma_1^2)}{\sigma^4}
            = \frac{3}{M}\Big(\kappa + \frac{2M}{M-1}\Big) \to 0 ,

    :math:`6/(M-1)` for a Gaussian :math:`D_0` (the variance-gamma value of
    :func:`modelcollapse.gaussian.generation_law`). All but :math:`O(1/M)` of
    :math:`D_0`'s kurtosis :math:`\kappa` is lost at the first fit.

    Examples
    --------
    >>> from scipy import stats
    >>> loss = kurtosis_loss(101, stats.laplace())
    >>> loss.truth, round(loss.generation_one, 12)
    (3.0, 0.149108910891)
    """
    M = check_int("M", M, minimum=2, why=_WHY_M)
    _, var, _, mu4 = _moments(D0, fourth=True, why=" for its kurtosis")
    truth = mu4 / var**2 - 3.0
    fresh = 3.0 * first_fit(M, D0).sigma2_variance / var**2
    return KurtosisLoss(truth=truth, generation_one=fresh, lost=truth - fresh)


@dataclass(frozen=True)
class TailLoss:
    """Tail probability beyond :math:`D_0`'s ``level``-quantile, before and after the first fit.

    Attributes
    ----------
    quantile : float
        :math:`q = F_{D_0}^{-1}(\\text{level})`.
    truth : float
        :math:`P_{D_0}(X > q) = 1 - \\text{level}` (exact).
    population : float
        :math:`\\bar\\Phi((q - m)/\\sigma)`: the tail of the Gaussian fitted to
        infinitely many points (exact), the limit of ``expected`` as
        :math:`M \\to \\infty`.
    expected : float
        :math:`E[\\bar\\Phi((q - \\mu_1)/\\sigma_1)]`, the tail of model 1 in
        expectation over the fit, i.e. :math:`P(X^1_j > q)`, to second order:
        error :math:`O(M^{-2})` when :math:`D_0` has a finite sixth moment.
    """

    quantile: float
    truth: float
    population: float
    expected: float


def tail_loss(M, D0, level=0.99):
    r"""The tail probability beyond :math:`D_0`'s quantile under :math:`D_0` and under the fit.

    Parameters
    ----------
    M : int
        Size of generation 0, ``>= 2``.
    D0 : scipy.stats frozen continuous distribution
        With a finite fourth moment.
    level : float, optional
        Quantile level in ``(0, 1)``; the tail is the upper one.

    Returns
    -------
    TailLoss

    Notes
    -----
    Let :math:`g(a, v) = \bar\Phi((q - a)/\sqrt v)`, :math:`z = (q - m)/\sigma`.
    Expanding :math:`g(\mu_1, \sigma_1^2)` about :math:`(m, \sigma^2)` to
    second order and taking expectations with the exact moments of
    :func:`first_fit` (the first-order terms vanish: the fit is unbiased),

    .. math::

        E[g] = \bar\Phi(z) + \frac{1}{2}\Big(g_{aa}\frac{\sigma^2}{M}
            + 2 g_{av}\frac{\mu_3}{M} + g_{vv}\mathrm{Var}(\sigma_1^2)\Big)
            + O(M^{-2}),

    .. math::

        g_{aa} = \frac{z\varphi(z)}{\sigma^2},\quad
        g_{av} = -\frac{(1 - z^2)\varphi(z)}{2\sigma^3},\quad
        g_{vv} = -\frac{z(3 - z^2)\varphi(z)}{4\sigma^4}.

    ``truth`` and ``population`` are exact; ``expected`` is this expansion
    (no closed form exists for a general :math:`D_0`: the joint law of
    :math:`(\mu_1, \sigma_1^2)` is not known), and it is held against
    simulation in the tests and ``modelcollapse verify``. For a heavy-tailed
    :math:`D_0` the fitted tail is far lighter than the truth:
    ``truth - expected`` is the tail mass lost at the first fit.

    Examples
    --------
    >>> from scipy import stats
    >>> loss = tail_loss(200, stats.t(df=10), level=0.999)
    >>> round(loss.truth, 12), round(loss.population, 6), round(loss.expected, 6)
    (0.001, 0.000105, 0.00014)
    """
    M = check_int("M", M, minimum=2, why=_WHY_M)
    level = check_real("level", level)
    if level.ndim != 0 or not 0 < float(level) < 1:
        raise ValueError(f"level must be a number in (0, 1), got level={level!r}")
    level = float(level)
    mean, var, mu3, _ = _moments(D0, fourth=True, why=" for the second-order tail")
    fit = first_fit(M, D0)
    q = float(D0.ppf(level))
    s = np.sqrt(var)
    z = (q - mean) / s
    phi = stats.norm.pdf(z)
    g_aa = z * phi / var
    g_av = -(1 - z**2) * phi / (2 * var * s)
    g_vv = -z * (3 - z**2) * phi / (4 * var**2)
    correction = 0.5 * (g_aa * var / M + 2 * g_av * mu3 / M + g_vv * fit.sigma2_variance)
    population = float(stats.norm.sf(z))
    return TailLoss(quantile=q, truth=float(D0.sf(q)), population=population,
                    expected=population + float(correction))


def quantile_correlation(D0):
    r""":math:`C = \int_0^1 F_{D_0}^{-1}(u)\,\Phi^{-1}(u)\,du`, by quadrature.

    Parameters
    ----------
    D0 : scipy.stats frozen continuous distribution
        With a finite variance.

    Returns
    -------
    float
        :math:`C = E[X\,\Phi^{-1}(F(X))]`, with
        :math:`0 < C \le \sigma`; equality iff :math:`D_0` is Gaussian.

    Notes
    -----
    Computed as :math:`\int (x - m)\,\Phi^{-1}(F(x))\,f(x)\,dx` over the
    support, split at the median (the upper half through the survival
    functions so the far tail keeps its digits), with
    :func:`scipy.integrate.quad` at relative tolerance ``1e-10``: only the
    cdf and sf of :math:`D_0` are needed, never its quantile function.

    Examples
    --------
    >>> from scipy import stats
    >>> round(quantile_correlation(stats.norm(0, 2)), 10)
    2.0
    """
    _moments(D0)
    # C is translation-invariant and scales with D0, so integrate the standard
    # member of D0's family (loc 0, scale 1): quad then sees the same shape at any
    # location and scale, and x - mean suffers no cancellation.
    shapes, _, scale = D0.dist._parse_args(*D0.args, **D0.kwds)
    law = D0.dist(*shapes)
    mean, var, _, _ = _moments(law)
    median, unit = float(law.ppf(0.5)), float(np.sqrt(var))

    def integrand(u, upper):
        x = median + unit * u
        density = law.pdf(x)
        score = stats.norm.isf(law.sf(x)) if upper else stats.norm.ppf(law.cdf(x))
        if density == 0.0 or not np.isfinite(score):
            return 0.0  # beyond the float64 tail, where the term is below 1e-300
        return (x - mean) * score * density * unit

    # full_output: quad reports a missed tolerance in its message instead of warning;
    # the value is then still accurate to its (small) error estimate.
    halves = [integrate.quad(integrand, a, b, args=(upper,), epsabs=0.0, epsrel=1e-10,
                             limit=200, full_output=1)[0]
              for a, b, upper in ((-np.inf, 0.0, False), (0.0, np.inf, True))]
    return float(scale * sum(halves))


def w2_squared(D0, mean, var):
    r"""Exact squared 1-D Wasserstein-2 distance from :math:`D_0` to a Gaussian.

    The Gaussian is :math:`N(\text{mean}, \text{var})`.

    Parameters
    ----------
    D0 : scipy.stats frozen continuous distribution
        With a finite variance.
    mean : float or array_like
    var : float or array_like
        ``> 0``; broadcast with ``mean``.

    Returns
    -------
    ndarray or float

    Notes
    -----
    In one dimension the optimal coupling is the quantile coupling, so

    .. math::

        W_2^2 = \int_0^1 \big(F^{-1}(u) - \text{mean} - s\,\Phi^{-1}(u)\big)^2 du
              = \sigma^2 + (m - \text{mean})^2 + s^2 - 2 s C,

    with :math:`s = \sqrt{\text{var}}` and :math:`C` =
    :func:`quantile_correlation` (one quadrature, reused for every Gaussian).

    Examples
    --------
    >>> from scipy import stats
    >>> round(float(w2_squared(stats.norm(1, 2), 0.0, 1.0)), 10)  # 1 + (2 - 1)^2
    2.0
    """
    m, var_d0, _, _ = _moments(D0)
    mean = check_real("mean", mean)
    var = check_real("var", var)
    if not np.all(var > 0):
        raise ValueError(f"var must be finite and > 0, got var={var!r}")
    c = quantile_correlation(D0)
    s = np.sqrt(var)
    with np.errstate(over="ignore"):  # a far Gaussian is honestly at distance inf
        return _scalar(np.maximum(var_d0 + (m - mean) ** 2 + var - 2 * s * c, 0.0))


def w2_floor(D0):
    r"""The smallest :math:`W_2^2` from :math:`D_0` to any Gaussian: :math:`\sigma^2 - C^2`.

    Minimising :func:`w2_squared` over the Gaussian gives mean :math:`m` and
    scale :math:`C` (not :math:`\sigma`); the floor is what no amount of data
    removes when the family is Gaussian (0 iff :math:`D_0` is Gaussian).

    Examples
    --------
    >>> from scipy import stats
    >>> round(w2_floor(stats.norm(0, 3)), 10)
    0.0
    >>> round(w2_floor(stats.laplace()), 4)
    0.0739
    """
    _, var, _, _ = _moments(D0)
    return float(max(var - quantile_correlation(D0) ** 2, 0.0))


# --------------------------------------------------------------------------
# simulation


@dataclass(frozen=True)
class MisspecifiedChain(gaussian.GaussianChain):
    """Gaussian models fitted first to :math:`D_0`'s draws, then to their own.

    Column 0 of ``mu`` and ``sigma2`` is :math:`D_0`'s mean and variance;
    column ``k >= 1`` the ``k``-th fitted Gaussian. ``truth`` is :math:`D_0`;
    :meth:`draw` of generation 0 draws from it.
    """

    truth: object = None

    def draw(self, generation, size=1, *, rng=None):
        """Draw ``size`` points of ``generation`` per chain (from :math:`D_0` at 0)."""
        g = check_int("generation", generation, minimum=0)
        if g > 0:
            return super().draw(g, size, rng=rng)
        size = check_int("size", size, minimum=1)
        return self.truth.rvs(size=(self.replicates, size), random_state=as_generator(rng))


def simulate(n, M, D0, *, replicates=1, method="sufficient", fit="unbiased", rng=None):
    r"""Chains fitted first to ``M`` literal draws from :math:`D_0`, then to their own.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    M : int
        Points per generation, ``>= 2``.
    D0 : scipy.stats frozen continuous distribution
        With a finite variance.
    replicates : int, optional
        Number of independent chains.
    method, fit : str, optional
        Passed to :func:`modelcollapse.gaussian.simulate` for generations
        ``1..n-1`` (the first fit is always to literal samples).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    MisspecifiedChain
        ``mu``, ``sigma2`` of shape ``(replicates, n + 1)``.

    Notes
    -----
    The Gaussian recursion is affine-equivariant: if :math:`(\mu'_k, \sigma'^2_k)`
    is a chain started from :math:`N(0, 1)`, then
    :math:`(\mu_1 + \sigma_1\mu'_{k}, \sigma_1^2\sigma'^2_{k})` is, in law, the
    chain started from :math:`N(\mu_1, \sigma_1^2)`. So one
    :func:`~modelcollapse.gaussian.simulate` call from :math:`N(0, 1)`, run
    after the first fit and rescaled per chain, is exact. Generation 0 is drawn
    in blocks of at most :data:`BLOCK` points.

    Examples
    --------
    >>> from scipy import stats
    >>> chain = simulate(3, 20, stats.laplace(), replicates=4, rng=0)
    >>> chain.sigma2.shape, float(chain.sigma2[0, 0])
    ((4, 4), 2.0)
    """
    n = check_int("n", n, minimum=0)
    M = check_int("M", M, minimum=2, why=_WHY_M)
    replicates = check_int("replicates", replicates, minimum=1)
    check_choice("method", method, gaussian.METHODS)
    check_choice("fit", fit, gaussian.FITS)
    mean, var, _, _ = _moments(D0)
    gen = as_generator(rng)
    mu1 = np.empty(replicates)
    s21 = np.empty(replicates)
    rows = max(1, BLOCK // M)
    ddof = 1 if fit == "unbiased" else 0
    for start in range(0, replicates, rows):
        stop = min(replicates, start + rows)
        x = np.asarray(D0.rvs(size=(stop - start, M), random_state=gen), dtype=np.float64)
        mu1[start:stop] = x.mean(axis=1)
        s21[start:stop] = x.var(axis=1, ddof=ddof)
    mu = np.empty((replicates, n + 1))
    s2 = np.empty((replicates, n + 1))
    mu[:, 0], s2[:, 0] = mean, var
    if n >= 1:
        unit = gaussian.simulate(n - 1, M, replicates=replicates, method=method, fit=fit,
                                 rng=gen)
        mu[:, 1:] = mu1[:, None] + np.sqrt(s21)[:, None] * unit.mu
        s2[:, 1:] = s21[:, None] * unit.sigma2
    mu.flags.writeable = False
    s2.flags.writeable = False
    return MisspecifiedChain(mu, s2, truth=D0, M=np.full(n, M, dtype=np.int64), fit=fit,
                             method=method, seed_entropy=seed_entropy(gen))
