r"""Kernel density estimates refitted to their own samples (functional approximation error).

The model, with the package's fixed indexing (constant sample size :math:`M`):

* :math:`D_0 = N(\mu, \sigma^2)`; generation 0 is :math:`M` draws from it.
* Model :math:`i + 1` is the Gaussian kernel density estimate with bandwidth
  :math:`h_{i+1}` fitted to generation :math:`i`'s points
  (``policy="replace"``) or to the pool of generations :math:`0..i`
  (``policy="accumulate"``):
  :math:`\hat p_{i+1}(x) = \frac{1}{N}\sum_j \varphi_{h}(x - x_j)`.
* Generation :math:`i + 1` is :math:`M` draws from it: a uniformly chosen
  fitted point plus :math:`N(0, h_{i+1}^2)` noise.

Bandwidths are either fixed (a number :math:`h > 0`), data-driven by the
rules of :class:`scipy.stats.gaussian_kde` (``"scott"``:
:math:`h = S N^{-1/5}`, ``"silverman"``: :math:`h = S (3N/4)^{-1/5}`, with
:math:`S` the ``ddof=1`` standard deviation of the :math:`N` fitted points), or
a callable of the fitted points (simulated only).

Unlike a Gaussian fit, a KDE never loses spread: every generation adds the
kernel's variance :math:`h^2`. With a fixed bandwidth a draw's variance grows
linearly in :math:`n`, :math:`\mathrm{Var}(X^n_j) = \sigma^2 + n h^2`, while the
spread *within* a generation settles at :math:`M h^2`; with a data-driven
bandwidth the spread is multiplied by :math:`1 - 1/M + c_M^2 > 1` every
generation. This is the functional side of Shumailov et al. (2024, Nature,
"What is model collapse?"): the fitted family (here, its smoothing) distorts
the data even when the sample is large. Note that scikit-learn's
``KernelDensity(bandwidth="scott")`` uses the factor alone
(:math:`h = N^{-1/5}`, not scaled by the data), which is a *fixed* bandwidth
here: ``bandwidth=M ** -0.2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._chain import FittedChain
from ._rng import as_generator, seed_entropy
from ._special import times_square
from ._validate import check_choice, check_int, check_int_array, check_positive, check_real
from .gaussian import _pool

__all__ = [
    "KDEChain",
    "bandwidth_factor",
    "expected_sample_variance",
    "expected_test_density",
    "sample_variance",
    "simulate",
    "spread_growth_factor",
]

RULES = ("scott", "silverman")
POLICIES = ("replace", "accumulate")
_WHY_M = " (a spread is fitted to M >= 2 points)"

#: Points held per block of chains: fixed, so that the blocks (and so the
#: numbers) depend only on ``n``, ``M`` and ``replicates``.
BLOCK = 2**20

#: Kernel terms held at once when scoring ``test_points``.
SCORE_BLOCK = 2**22


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def _refuse_bool(bandwidth):
    if isinstance(bandwidth, bool | np.bool_):
        raise TypeError(f"bandwidth must be a number > 0, not a bool, got bandwidth={bandwidth!r}")


def _check_rule(bandwidth):
    """The bandwidth as ("fixed", h array) or (rule, None); callables refused."""
    _refuse_bool(bandwidth)
    if isinstance(bandwidth, str):
        return check_choice("bandwidth", bandwidth, RULES), None
    if callable(bandwidth):
        raise TypeError(
            "bandwidth must be a number > 0, 'scott' or 'silverman' for a closed form "
            f"(a callable bandwidth can only be simulated), got bandwidth={bandwidth!r}"
        )
    return "fixed", check_positive("bandwidth", bandwidth)


def bandwidth_factor(rule, N):
    r"""The factor :math:`c_N` of a data-driven bandwidth :math:`h = c_N S`.

    Parameters
    ----------
    rule : {"scott", "silverman"}
        :class:`scipy.stats.gaussian_kde`'s rules in one dimension.
    N : int or array_like of int
        Number of fitted points, ``>= 2``.

    Returns
    -------
    ndarray or float
        :math:`N^{-1/5}` (Scott) or :math:`(3N/4)^{-1/5}` (Silverman).

    Notes
    -----
    .. math:: h = c_N\,S, \qquad S^2 = \frac{1}{N-1}\sum_j (x_j - \bar x)^2 .

    Examples
    --------
    >>> round(float(bandwidth_factor("scott", 32)), 12)
    0.5
    """
    check_choice("rule", rule, RULES)
    N = check_int_array("N", N, minimum=2, why=_WHY_M).astype(np.float64)
    return _scalar(N ** -0.2 if rule == "scott" else (0.75 * N) ** -0.2)


def spread_growth_factor(M, rule):
    r"""Per-generation growth factor of :math:`E[S_n^2]` under a data-driven bandwidth.

    Parameters
    ----------
    M : int or array_like of int
        Generation size, ``>= 2``.
    rule : {"scott", "silverman"}

    Returns
    -------
    ndarray or float
        :math:`g_M = 1 - 1/M + c_M^2`, above 1 for every ``M >= 2``.

    Notes
    -----
    Given generation :math:`i`, the :math:`M` new draws are iid with variance
    :math:`(1 - 1/M) S_i^2 + h^2` (the KDE's variance: the fitted points'
    ``ddof=0`` variance plus the kernel's), so with :math:`h = c_M S_i`

    .. math:: E[S_{i+1}^2 \mid \text{generation } i] = (1 - 1/M + c_M^2)\,S_i^2 .

    Since :math:`c_M^2 = M^{-2/5} > M^{-1}` (Scott; Silverman similarly), the
    spread grows geometrically: the rule widens its own data.

    Examples
    --------
    >>> round(float(spread_growth_factor(32, "scott")), 12)  # 1 - 1/32 + 1/4
    1.21875
    """
    M = check_int_array("M", M, minimum=2, why=_WHY_M).astype(np.float64)
    return _scalar(1.0 - 1.0 / M + bandwidth_factor(rule, M.astype(np.int64)) ** 2)


def _closed(n, M, bandwidth, sigma):
    n = check_int_array("n", n, minimum=0).astype(np.float64)
    M = check_int_array("M", M, minimum=2, why=_WHY_M)
    sigma = check_positive("sigma", sigma)
    rule, h = _check_rule(bandwidth)
    return n, M, rule, h, sigma


def expected_sample_variance(n, M, bandwidth, sigma=1.0):
    r"""Expected ``ddof=1`` sample variance of generation ``n``'s ``M`` draws, :math:`E[S_n^2]`.

    Parameters
    ----------
    n : int or array_like of int
        Generation, ``>= 0`` (generation 0 is the sample of :math:`D_0`).
    M : int or array_like of int
        Points per generation, ``>= 2``.
    bandwidth : float, array_like, "scott" or "silverman"
        Fixed bandwidth :math:`h > 0`, or a data-driven rule.
    sigma : float or array_like, optional
        Scale of :math:`D_0 = N(\mu, \sigma^2)`, ``> 0``.

    Returns
    -------
    ndarray or float
        Broadcast over ``n``, ``M``, ``bandwidth`` and ``sigma``; ``inf``
        (without a warning) where a data-driven spread leaves the float64 range.

    Notes
    -----
    ``policy="replace"``. Given generation :math:`i` the new draws are iid with
    variance :math:`(1 - 1/M)S_i^2 + h^2`, and the ``ddof=1`` variance is
    unbiased for it, so with a fixed bandwidth

    .. math::

        v_{i+1} = (1 - 1/M)\,v_i + h^2, \qquad v_0 = \sigma^2, \qquad
        v_n = M h^2 + (1 - 1/M)^n(\sigma^2 - M h^2),

    converging to the fixed point :math:`M h^2` (from above or below). With a
    data-driven bandwidth :math:`v_n = \sigma^2 g_M^n`,
    :math:`g_M` = :func:`spread_growth_factor`.

    Examples
    --------
    >>> round(float(expected_sample_variance(1, 10, 0.5)), 12)  # 0.9 + 0.25
    1.15
    >>> round(float(expected_sample_variance(10**6, 10, 0.5)), 12)  # M h^2
    2.5
    """
    n, M, rule, h, sigma = _closed(n, M, bandwidth, sigma)
    Mf = M.astype(np.float64)
    if rule == "fixed":
        # a weighted sum of sigma^2 and M h^2 (weights q^n and 1 - q^n): no
        # cancellation, and inf rather than inf - inf where a square overflows
        log_q = n * np.log1p(-1.0 / Mf)
        return _scalar(times_square(sigma, np.exp(log_q))
                       + times_square(h, -np.expm1(log_q) * Mf))
    with np.errstate(over="ignore"):
        return _scalar(sigma**2 * np.exp(n * np.log(spread_growth_factor(M, rule))))


def sample_variance(n, M, bandwidth, sigma=1.0, *, policy="replace"):
    r"""Variance of one draw of generation ``n``, :math:`\mathrm{Var}(X^n_j)`.

    Parameters
    ----------
    n, M, bandwidth, sigma
        As in :func:`expected_sample_variance`.
    policy : {"replace", "accumulate"}, optional
        What each KDE is fitted to; ``"accumulate"`` has a closed form for a
        fixed bandwidth only.

    Returns
    -------
    ndarray or float
        Broadcast over the arguments.

    Notes
    -----
    Fixed bandwidth: trace a draw's ancestry back to generation 0. Replacing,
    it is a draw of :math:`D_0` plus :math:`n` independent kernel steps, so

    .. math:: X^n_j \sim N(\mu, \sigma^2 + n h^2)

    exactly (and ``M`` does not enter). Accumulating, generation :math:`i + 1`
    picks its parent's generation uniformly in :math:`0..i`, so the depth
    :math:`K_n` of the ancestry is that of node :math:`n` of a random
    recursive tree, :math:`K_n = \sum_{j=1}^{n} B_j` with independent
    :math:`B_j \sim \mathrm{Bernoulli}(1/j)`, and

    .. math:: \mathrm{Var}(X^n_j) = \sigma^2 + h^2 H_n, \qquad H_n = \sum_{j\le n} 1/j,

    logarithmic rather than linear growth. Data-driven bandwidth, replacing:
    with :math:`a_n = E[(\bar X^n - \mu)^2]`,
    :math:`a_{i+1} = a_i + g_M v_i / M`, and
    :math:`\mathrm{Var}(X^n_j) = (1 - 1/M)v_n + a_n`:

    .. math::

        \mathrm{Var}(X^n_j) = \sigma^2\Big((1 - \tfrac1M) g_M^n + \tfrac1M
            + \tfrac{g_M}{M}\,\frac{g_M^n - 1}{g_M - 1}\Big).

    Examples
    --------
    >>> round(float(sample_variance(10, 100, 0.3)), 12)  # 1 + 10 * 0.09
    1.9
    >>> round(float(sample_variance(3, 100, 0.3, policy="accumulate")), 12)  # 1 + 0.09 H_3
    1.165
    """
    check_choice("policy", policy, POLICIES)
    n, M, rule, h, sigma = _closed(n, M, bandwidth, sigma)
    if rule == "fixed":
        steps = n if policy == "replace" else special.digamma(n + 1.0) + np.euler_gamma
        with np.errstate(over="ignore"):
            out = times_square(sigma, 1.0) + times_square(h, steps)
        return _scalar(np.broadcast_to(out, np.broadcast_shapes(out.shape, M.shape)))
    if policy == "accumulate":
        raise ValueError(
            "policy must be 'replace' for a data-driven bandwidth's closed form "
            "(the pooled spread has none: simulate it), got policy='accumulate'"
        )
    Mf = M.astype(np.float64)
    g = spread_growth_factor(M, rule)
    with np.errstate(over="ignore", invalid="ignore"):
        log_gn = n * np.log(g)
        out = sigma**2 * ((1 - 1 / Mf) * np.exp(log_gn) + 1 / Mf
                          + g / Mf * np.expm1(log_gn) / (g - 1))
    return _scalar(out)


def _depth_law(n):
    """P(K_n = k), k = 0..L: the depth of node n of a random recursive tree (truncated)."""
    harmonic = float(special.digamma(n + 1.0) + np.euler_gamma)
    # K_n is Poisson-binomial with mean H_n ~ log n: mass beyond this length is < 1e-30.
    size = int(min(n, harmonic + 12.0 * np.sqrt(harmonic) + 60.0)) + 1
    p = np.zeros(size)
    p[0] = 1.0
    for j in range(1, n + 1):
        p[1:] = p[1:] * (1.0 - 1.0 / j) + p[:-1] / j
        p[0] *= 1.0 - 1.0 / j
    return p


def expected_test_density(n, bandwidth, sigma=1.0, *, policy="replace"):
    r"""Expected density of model ``n`` at a fresh point of :math:`D_0`, :math:`E[\hat p_n(X)]`.

    Parameters
    ----------
    n : int
        Model, ``>= 1`` (model ``n`` is fitted to generation ``n - 1`` or the
        pool of generations ``0..n-1``).
    bandwidth : float
        Fixed bandwidth :math:`h > 0`.
    sigma : float, optional
        Scale of :math:`D_0`, ``> 0``.
    policy : {"replace", "accumulate"}, optional

    Returns
    -------
    float

    Notes
    -----
    The expectation of a KDE is its points' law smoothed by the kernel, which
    is the law of the next generation's draw: :math:`E[\hat p_n] = ` the
    density of :math:`X^n_j`, a normal variance mixture over the ancestry
    depth :math:`K_n` (:math:`K_n = n` replacing; see
    :func:`sample_variance`). Averaging over :math:`X \sim N(\mu, \sigma^2)`:

    .. math::

        E[\hat p_n(X)] = E_{K_n}\Big[\frac{1}{\sqrt{2\pi(2\sigma^2 + K_n h^2)}}\Big].

    This is the expected *likelihood* of held-out data; its mean negative
    log (the quantity of Kazdan, Schaeffer et al.'s KDE experiments) is bounded
    below by Jensen: :math:`E[-\log\hat p_n(X)] \ge -\log E[\hat p_n(X)]`.

    Examples
    --------
    >>> round(float(expected_test_density(1, 1.0)), 12)  # 1 / sqrt(2 pi 3)
    0.230329432981
    >>> round(float(expected_test_density(3, 1.0, policy="accumulate")), 12)
    0.206247449697
    """
    check_choice("policy", policy, POLICIES)
    n = check_int("n", n, minimum=1)
    if isinstance(bandwidth, str | bool | np.bool_) or callable(bandwidth):
        raise TypeError(f"bandwidth must be a fixed number > 0, got bandwidth={bandwidth!r}")
    h = check_positive("bandwidth", bandwidth, scalar=True)
    sigma = check_positive("sigma", sigma, scalar=True)
    # sqrt(2 sigma^2 + k h^2) as a hypot, so that no square overflows; at a scale near
    # 1e308 the density is honestly 0
    if policy == "replace":
        p, k = 1.0, n
    else:
        p = _depth_law(n)
        k = np.arange(p.size)
    with np.errstate(over="ignore"):
        width = np.sqrt(2 * np.pi) * np.hypot(np.sqrt(2) * sigma, np.sqrt(k) * h)
    return float(np.sum(p / width))


# --------------------------------------------------------------------------
# simulation


@dataclass(frozen=True)
class KDEChain(FittedChain):
    """Summaries of simulated KDE chains, one row per chain.

    Attributes
    ----------
    mu, sigma2 : ndarray, shape (replicates, n + 1)
        Mean and ``ddof=1`` variance of generation ``0..n``'s ``M`` points
        (column 0 is the sample of :math:`D_0`, not the truth). Read-only.
    bandwidth : ndarray, shape (replicates, n)
        Bandwidth :math:`h_{i+1}` of model ``i + 1``, ``i = 0..n-1``.
    test_nll : ndarray, shape (replicates, n), or None
        Mean negative log density of ``test_points`` under models ``1..n``.
    test_density : ndarray, shape (replicates, n), or None
        Mean density of ``test_points`` under models ``1..n``.
    points : ndarray, shape (replicates, M)
        Generation ``n``'s points (each row one chain's; a column is iid
        across chains, e.g. ``points[:, 0]`` is a sample of the law of
        :math:`X^n_j`).
    rule : str
        ``"fixed"``, ``"scott"``, ``"silverman"`` or ``"callable"``.

    The provenance attributes ``M`` (sizes of generations ``0..n-1``),
    ``fit`` (``"kde"``), ``method`` (``"samples"``), ``seed_entropy`` and
    ``policy`` are those of :class:`~modelcollapse._chain.FittedChain`.
    """

    mu: np.ndarray
    sigma2: np.ndarray
    bandwidth: np.ndarray
    test_nll: np.ndarray | None = None
    test_density: np.ndarray | None = None
    rule: str = "fixed"
    points: np.ndarray | None = None


def _bandwidth_fn(bandwidth):
    """(rule name, function (points 2-D, pooled stats) -> h per row)."""
    _refuse_bool(bandwidth)
    if isinstance(bandwidth, str):
        rule = check_choice("bandwidth", bandwidth, RULES)

        def data_driven(points, count, var):
            return bandwidth_factor(rule, count) * np.sqrt(var)

        return rule, data_driven
    if callable(bandwidth):
        def user(points, count, var):
            out = np.empty(points.shape[0])
            for r, row in enumerate(points):
                value = bandwidth(row)
                h = np.asarray(value, dtype=np.float64) if np.ndim(value) == 0 else None
                if h is None or not np.isfinite(h) or h <= 0:
                    raise ValueError(
                        f"bandwidth(points) must return a finite number > 0, got {value!r}"
                    )
                out[r] = h
            return out

        return "callable", user
    if isinstance(bandwidth, list | tuple) or np.ndim(bandwidth) != 0:
        raise ValueError(
            f"bandwidth must be a number, 'scott', 'silverman' or a callable, "
            f"got bandwidth={bandwidth!r}"
        )
    h = _in_range("bandwidth", check_positive("bandwidth", bandwidth, scalar=True))
    return "fixed", lambda points, count, var: np.full(points.shape[0], h)


#: Largest |mu|, sigma and fixed bandwidth :func:`simulate` accepts: the squares
#: and sums of M simulated points must stay within float64 (about 1e308).
SCALE_MAX = 1e150


def _in_range(name, value):
    if abs(value) > SCALE_MAX:
        raise ValueError(f"{name} must be at most {SCALE_MAX:g} in absolute value for a "
                         f"simulation (squared points must stay finite), got {name}={value!r}")
    return value


def _log_kde(test, points, h):
    """log of each row's KDE at every test point: shape (rows, T).

    Evaluated in pieces of at most :data:`SCORE_BLOCK` kernel terms, so memory
    stays bounded whatever the pool and the number of test points.
    """
    from scipy.special import logsumexp

    rows, size = points.shape
    out = np.empty((rows, test.size))
    per_test = max(1, SCORE_BLOCK // size)
    per_row = max(1, SCORE_BLOCK // (size * min(per_test, test.size)))
    for r in range(0, rows, per_row):
        block = slice(r, r + per_row)
        for t in range(0, test.size, per_test):
            cols = slice(t, t + per_test)
            z = (test[None, cols, None] - points[block, None, :]) / h[block, None, None]
            out[block, cols] = logsumexp(-0.5 * z * z, axis=2)
    return out - np.log(size) - np.log(h)[:, None] - 0.5 * np.log(2 * np.pi)


def simulate(n, M, *, bandwidth, mu=0.0, sigma=1.0, policy="replace", replicates=1,
             test_points=None, rng=None):
    r"""Simulate ``replicates`` chains of ``n`` KDE refits, drawing every point.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    M : int
        Points per generation, ``>= 2``.
    bandwidth : float, "scott", "silverman" or callable
        A fixed :math:`h > 0`; a rule of :func:`bandwidth_factor` applied to
        the fitted points; or ``bandwidth(points) -> h`` called with the 1-D
        array of one chain's fitted points (its result must be a finite
        number ``> 0``).
    mu, sigma : float, optional
        :math:`D_0 = N(\mu, \sigma^2)`, ``sigma > 0``.
    policy : {"replace", "accumulate"}, optional
        Model :math:`i + 1` is fitted to generation :math:`i` (``"replace"``)
        or to the pool of generations :math:`0..i` (``"accumulate"``).
    replicates : int, optional
        Number of independent chains, ``>= 1``.
    test_points : array_like, shape (T,), optional
        Held-out points; if given, every model's mean negative log density
        and mean density on them is recorded (cost :math:`O(N T)` per model).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    KDEChain

    Notes
    -----
    A draw of the KDE is a uniformly chosen fitted point plus
    :math:`N(0, h^2)` noise, so generation :math:`i + 1` costs :math:`O(M)`
    per chain whatever the policy. Replacing holds one generation per chain
    (:math:`O(M)` memory). Accumulating holds the pool, :math:`(i + 1)M`
    points after :math:`i` fits; a pooled draw picks a uniform index into the
    pool (equivalently a uniform generation, then a uniform point of it), and
    a data-driven bandwidth uses the pooled mean and variance, updated per
    generation by exact pooling (Chan et al. 1979), so its cost is
    :math:`O(M)` too; memory is :math:`O(nM)` per chain. Chains are simulated
    in blocks of at most :data:`BLOCK` held points, each block from its own
    stream spawned from ``rng``: the blocks depend only on ``n``, ``M`` and
    ``replicates``, so the same seed gives the same numbers.

    ``|mu|``, ``sigma`` and a fixed bandwidth are limited to :data:`SCALE_MAX`
    (squared points must stay within float64). A chain whose spread still
    leaves the float64 range (a data-driven bandwidth over thousands of
    generations: :func:`spread_growth_factor`) raises ``ValueError`` naming
    the last generation it reached, rather than returning NaN.

    Examples
    --------
    >>> chain = simulate(5, 50, bandwidth=0.2, replicates=3, rng=0)
    >>> chain.sigma2.shape, chain.bandwidth.shape
    ((3, 6), (3, 5))
    >>> float(chain.bandwidth[0, 0])
    0.2
    """
    n = check_int("n", n, minimum=0)
    M = check_int("M", M, minimum=2, why=_WHY_M)
    mu = _in_range("mu", check_real("mu", mu, scalar=True))
    sigma = _in_range("sigma", check_positive("sigma", sigma, scalar=True))
    check_choice("policy", policy, POLICIES)
    replicates = check_int("replicates", replicates, minimum=1)
    rule, fn = _bandwidth_fn(bandwidth)
    test = None
    if test_points is not None:
        test = check_real("test_points", test_points)
        if test.ndim != 1 or test.size == 0:
            raise ValueError(f"test_points must be a non-empty 1-D array, got shape {test.shape}")
    gen = as_generator(rng)
    held = M * (n + 1 if policy == "accumulate" else 1)
    rows = max(1, BLOCK // held)
    starts = range(0, replicates, rows)
    means = np.empty((replicates, n + 1))
    variances = np.empty((replicates, n + 1))
    widths = np.empty((replicates, n))
    nll = np.empty((replicates, n)) if test is not None else None
    density = np.empty((replicates, n)) if test is not None else None
    last = np.empty((replicates, M))
    for start, child in zip(starts, gen.spawn(len(starts)), strict=True):
        stop = min(replicates, start + rows)
        block = slice(start, stop)
        scores = (nll[block], density[block]) if test is not None else None
        _simulate_block(child, stop - start, n, M, mu, sigma, policy, rule, fn, test,
                        means[block], variances[block], widths[block], scores, last[block])
    for arr in (means, variances, widths, nll, density, last):
        if arr is not None:
            arr.flags.writeable = False
    return KDEChain(means, variances, widths, nll, density, rule, last,
                    M=np.full(n, M, dtype=np.int64), fit="kde", method="samples",
                    seed_entropy=seed_entropy(gen), policy=policy)


def _simulate_block(gen, rows, n, M, mu, sigma, policy, rule, fn, test, means, variances,
                    widths, scores, last):
    """One block of chains, generation by generation; results written in place."""
    size = M * (n + 1) if policy == "accumulate" else M
    pool = np.empty((rows, size))
    x = pool[:, :M]
    x[:] = mu + sigma * gen.standard_normal((rows, M))
    means[:, 0] = x.mean(axis=1)
    variances[:, 0] = x.var(axis=1, ddof=1)
    stats = (M, means[:, 0], variances[:, 0] * (M - 1))
    noise = np.empty((rows, M))
    for i in range(n):
        fitted = pool[:, : (i + 1) * M] if policy == "accumulate" else pool
        count, _, m2 = stats
        h = fn(fitted, count, m2 / (count - 1))
        widths[:, i] = h
        if scores is not None:
            log_p = _log_kde(test, fitted, h)
            scores[0][:, i] = -log_p.mean(axis=1)
            scores[1][:, i] = np.exp(log_p).mean(axis=1)
        idx = gen.integers(0, fitted.shape[1], size=(rows, M))
        gen.standard_normal(out=noise)
        new = np.take_along_axis(fitted, idx, axis=1)
        new += h[:, None] * noise
        if policy == "accumulate":
            pool[:, (i + 1) * M : (i + 2) * M] = new
        else:
            pool[:] = new
        with np.errstate(over="ignore", invalid="ignore"):
            means[:, i + 1] = new.mean(axis=1)
            variances[:, i + 1] = new.var(axis=1, ddof=1)
            m2_new = variances[:, i + 1] * (M - 1)
            stats = (_pool(*stats, M, means[:, i + 1], m2_new) if policy == "accumulate"
                     else (M, means[:, i + 1], m2_new))
        if not (np.all(np.isfinite(variances[:, i + 1])) and np.all(np.isfinite(stats[2]))):
            # a data-driven bandwidth widens its own data geometrically (spread_growth_factor)
            raise ValueError(
                f"n must be at most {i} for this chain: the spread of generation {i + 1} "
                f"left the float64 range under the {rule} bandwidth, got n={n}"
            )
    last[:] = pool[:, n * M :] if policy == "accumulate" else pool
