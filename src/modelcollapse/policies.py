r"""Breaking the curse: closed forms under the data policies of the simulators.

Which data each model is fitted to decides whether collapse happens
(:mod:`modelcollapse._policy` defines the policies; the Gaussian simulators,
1-D and d-dimensional, take them as ``policy=`` and ``fresh=``, the discrete
one ``fresh=``):

* ``"replace"`` (Shumailov et al. 2023): model :math:`i + 1` sees generation
  :math:`i` only; the mean's error grows like :math:`\sigma^2\sum_i 1/M_i`.
* ``"accumulate"`` (Gerstgrasser et al. 2024, "Is Model Collapse
  Inevitable?", Section 2; Dey & Donoho 2024): it sees generations
  :math:`0..i`; the error stays bounded by the :math:`\pi^2/6`-type sum.
* ``fresh=f`` (Bertrand et al. 2023, "On the Stability of Iterative
  Retraining"; Shumailov et al. keep 10% of the original data in their
  language-model runs; the paper's :math:`p_{i+1} = a_i p_\theta + b_i p_i + c_i p_0`):
  a fraction of every generation is new real data; the error reaches a
  stationary level.

The 1-D Gaussian, every policy at once
---------------------------------------
Let generation :math:`i` have :math:`K_i` fresh points from
:math:`N(\mu, \sigma^2)` and :math:`L_i = M_i - K_i` from model :math:`i`, and
let model :math:`i + 1` be fitted to a pool of :math:`N_i = P_i + M_i` points
(:math:`P_i = 0` when replacing, :math:`P_i = N_{i-1}` when accumulating). With
:math:`a_i = E[(\mu_i - \mu)^2]`, :math:`v_i = E[\sigma_i^2]`, every new point's
deviation from the truth independent of the past given model :math:`i`,

.. math::

    a_{i+1} &= \Big(\frac{P_i + L_i}{N_i}\Big)^2 a_i
               + \frac{K_i\sigma^2 + L_i v_i}{N_i^2}, \\
    S_i &= S_{i-1}[\text{accumulate}] + K_i\sigma^2 + L_i (v_i + a_i), \\
    v_{i+1} &= (S_i - N_i a_{i+1}) / d_i ,

where :math:`S_i` is the expected sum of squared deviations of the pool from
:math:`\mu` and :math:`d_i = N_i - 1` (unbiased) or :math:`N_i` (MLE). The first
line is the pooled mean's martingale-plus-contraction
:math:`N_i e_{i+1} = (P_i + L_i) e_i + \text{new noise}`; the last uses
:math:`\sum (x - \bar x)^2 = \sum (x - \mu)^2 - N (\bar x - \mu)^2`. The
functions below evaluate this exactly, in :math:`O(n)`.
"""

from __future__ import annotations

import numpy as np

from . import gaussian, multivariate
from ._policy import check_fresh, check_policy, fresh_counts
from ._special import times_square
from ._validate import (
    check_choice,
    check_covariance,
    check_int_array,
    check_positive,
    check_probabilities,
)
from .schedule import sizes_at_least

__all__ = [
    "discrete_heterozygosity",
    "discrete_stationary_heterozygosity",
    "gaussian_mean_squared_error",
    "gaussian_sigma2_mean",
    "gaussian_stationary_mean_squared_error",
    "gaussian_stationary_sigma2",
    "multivariate_expected_cov",
    "multivariate_mean_squared_error",
]

_WHY_M = " (a variance is fitted to M_i >= 2 points)"


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def _moment_paths(sizes, fresh, policy, fit):
    """(a, v) for sigma = 1 after 0..len(sizes) fits: the module's recursion.

    The pooled sum of squares is accumulated as a sum of non-negative parts
    (the new group's within-group spread and its between-group term against
    the pool) rather than as ``E[sum (x - mu)^2] - N a``, which cancels
    catastrophically once ``v`` is small against ``a`` (the MLE chain).
    """
    n = sizes.size
    a = np.zeros(n + 1)
    v = np.ones(n + 1)
    pooled = 0
    ss = 0.0
    for i, (m, k) in enumerate(
        zip(sizes.tolist(), fresh_counts(sizes, fresh).tolist(), strict=True)
    ):
        if policy == "replace":
            pooled, ss = 0, 0.0
        size = pooled + m
        # the model's mean is the pool's mean: E[(gbar - pbar)^2] = (k + k^2 a + (m - k) v) / m^2
        within = ((m - 1) * (k + (m - k) * v[i]) + k * (m - k) * a[i]) / m
        between = pooled * (k + k * k * a[i] + (m - k) * v[i]) / (m * size)
        ss += within + between
        a[i + 1] = ((pooled + m - k) / size) ** 2 * a[i] + (k + (m - k) * v[i]) / size**2
        v[i + 1] = ss / (size - 1.0 if fit == "unbiased" else size)
        pooled = size
    return a, v


def _paths(n, M, sigma, policy, fresh, fit):
    n = check_int_array("n", n, minimum=0)
    check_policy(policy)
    fresh = check_fresh(fresh)
    check_choice("fit", fit, gaussian.FITS)
    sigma = check_positive("sigma", sigma)
    if policy == "accumulate-subsample":
        raise ValueError(
            "policy must be 'replace' or 'accumulate' for a closed form: subsamples of the "
            "pool share points (simulate with method='samples'), got "
            "policy='accumulate-subsample'"
        )
    _, sizes = sizes_at_least(M, int(n.max()) if n.size else 0, 2, _WHY_M)
    a, v = _moment_paths(sizes, fresh, policy, fit)
    return n, sigma, a, v


def gaussian_mean_squared_error(n, M, sigma=1.0, *, policy="replace", fresh=0.0, fit="unbiased"):
    r"""Mean-squared error of the fitted mean, :math:`E[(\mu_n - \mu)^2]`, under a policy.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Generation sizes ``M_i >= 2``.
    sigma : float or array_like, optional
        Scale of the truth, ``> 0``.
    policy : {"replace", "accumulate"}, optional
        What each model is fitted to (``"accumulate-subsample"`` has no closed form).
    fresh : float, optional
        Fraction of every generation drawn from the truth,
        :math:`K_i = \lfloor f M_i + 1/2 \rfloor` points.
    fit : {"unbiased", "mle"}, optional

    Returns
    -------
    ndarray or float
        Broadcast over ``n`` and ``sigma``.

    Notes
    -----
    The module's recursion, evaluated exactly. Accumulating with a constant
    ``M`` and the unbiased fit, :math:`N_i = (i + 1)M` and the recursion
    telescopes:

    .. math::

        E[(\mu_n - \mu)^2] = \frac{\sigma^2}{M}\sum_{k=1}^{n}\frac{p_k}{k^2}
            < \frac{\pi^2}{6}\,\frac{\sigma^2}{M},
        \qquad p_k = \prod_{j=2}^{k-1}\Big(1 - \frac{1}{j(jM - 1)}\Big) \le 1,

    bounded where replacing grows like :math:`n\sigma^2/M` (Gerstgrasser et
    al. 2024; Dey & Donoho 2024). With a fresh fraction :math:`f = K/M` and
    replacing, :math:`a_{i+1} = (1 - f)^2 a_i + (f\sigma^2 + (1-f) v_i)/M`
    settles at :func:`gaussian_stationary_mean_squared_error`. For
    ``policy="replace"``, ``fresh=0`` it equals
    :func:`modelcollapse.gaussian.mean_squared_error`.

    Examples
    --------
    >>> round(float(gaussian_mean_squared_error(1000, 10)), 6)  # replace: n/M
    100.0
    >>> round(float(gaussian_mean_squared_error(1000, 10, policy="accumulate")), 6)  # < pi^2/60
    0.162687
    >>> round(float(gaussian_mean_squared_error(1000, 10, fresh=0.5)), 6)  # stationary
    0.138462
    """
    n, sigma, a, _ = _paths(n, M, sigma, policy, fresh, fit)
    return _scalar(times_square(sigma, a[n]))


def gaussian_sigma2_mean(n, M, sigma=1.0, *, policy="replace", fresh=0.0, fit="unbiased"):
    r"""Expected fitted variance :math:`E[\sigma_n^2]` under a policy (the variance path).

    Parameters are those of :func:`gaussian_mean_squared_error`.

    Notes
    -----
    Accumulating with the unbiased fit, the pooled sum of squares loses the
    pooled mean's error each step, and the recursion telescopes to

    .. math::

        E[\sigma_n^2] = \sigma^2\prod_{i=1}^{n-1}\Big(1 - \frac{M_i}{N_i (N_i - 1)}\Big),
        \qquad N_i = \sum_{j\le i} M_j ,

    which converges to a positive limit when :math:`\sum_i M_i/N_i^2 < \infty`
    (always, for constant ``M``): the variance no longer collapses. Replacing
    with a fresh fraction :math:`f`, the between-group spread of the fresh and
    synthetic points adds :math:`f(1-f)\,M a_i/(M-1)`:
    :math:`v_{i+1} = f\sigma^2 + (1 - f) v_i + f(1 - f)\frac{M}{M-1} a_i`.

    Examples
    --------
    >>> float(gaussian_sigma2_mean(3, 10))
    1.0
    >>> round(float(gaussian_sigma2_mean(3, 10, policy="accumulate")), 6)  # (1 - 1/38)(1 - 1/87)
    0.962492
    """
    n, sigma, _, v = _paths(n, M, sigma, policy, fresh, fit)
    return _scalar(times_square(sigma, v[n]))


def multivariate_mean_squared_error(n, M, cov, *, policy="replace", fresh=0.0, fit="unbiased"):
    r""":math:`E\lVert\mu_n - \mu\rVert^2` of the d-dimensional chain under a policy.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Generation sizes ``M_i >= 2`` (the simulator needs ``M_i >= d + 1``).
    cov : array_like, shape (..., d, d)
        Covariance :math:`\Sigma` of the truth (symmetric PSD).
    policy, fresh, fit
        As in :func:`gaussian_mean_squared_error`.

    Returns
    -------
    ndarray or float
        Broadcast over ``n`` and the leading axes of ``cov``.

    Notes
    -----
    Along a fixed unit vector :math:`e`, every policy's pooled mean and
    covariance project to the pooled mean and variance of the projected points,
    which given model :math:`i` are :math:`N(e^\top\mu_i, e^\top\Sigma_i e)`
    (synthetic) or :math:`N(e^\top\mu, e^\top\Sigma e)` (fresh): the projection
    is the 1-D chain with :math:`\sigma^2 = e^\top\Sigma e`. Summing over an
    eigenbasis of :math:`\Sigma`,

    .. math::

        E\lVert\mu_n - \mu\rVert^2 = \operatorname{tr}\Sigma\; a_n ,

    with :math:`a_n` the 1-D error at :math:`\sigma = 1`
    (:func:`gaussian_mean_squared_error`); accumulating with a constant ``M``,
    below :math:`(\pi^2/6)\operatorname{tr}\Sigma/M`.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(multivariate_mean_squared_error(1000, 10, np.eye(3), policy="accumulate")), 6)
    0.488062
    """
    trace, _ = multivariate._trace_and_eigs(cov)
    return _scalar(gaussian_mean_squared_error(n, M, policy=policy, fresh=fresh, fit=fit) * trace)


def multivariate_expected_cov(n, M, cov, *, policy="replace", fresh=0.0, fit="unbiased"):
    r"""Expected fitted covariance :math:`E[\Sigma_n]` under a policy, shape ``n.shape + (d, d)``.

    Notes
    -----
    By the projection argument of :func:`multivariate_mean_squared_error`,
    :math:`e^\top E[\Sigma_n] e = v_n\, e^\top\Sigma e` for every unit
    :math:`e`, so (polarisation) :math:`E[\Sigma_n] = v_n\Sigma` with
    :math:`v_n` of :func:`gaussian_sigma2_mean` at :math:`\sigma = 1`.

    Examples
    --------
    >>> import numpy as np
    >>> expected = multivariate_expected_cov(3, 10, 2 * np.eye(2), policy="accumulate")
    >>> np.round(expected, 6)  # 2 (1 - 1/38)(1 - 1/87)
    array([[1.924985, 0.      ],
           [0.      , 1.924985]])
    """
    cov, _, _ = check_covariance("cov", cov)
    v = np.asarray(gaussian_sigma2_mean(n, M, policy=policy, fresh=fresh, fit=fit))
    return v[..., None, None] * cov


def _stationary_denominator(M, fresh, fit):
    M = check_int_array("M", M, minimum=2, why=_WHY_M)
    check_choice("fit", fit, gaussian.FITS)
    M, fresh = np.broadcast_arrays(M, check_fresh(fresh, scalar=False))
    k = fresh_counts(M, fresh)
    if np.any(k == 0):
        raise ValueError(
            f"fresh must give at least one fresh point per generation (K = floor(f M + 1/2) "
            f">= 1) for a stationary law, got fresh={float(fresh[k == 0].ravel()[0])!r} "
            f"with M={int(M[k == 0].ravel()[0])}"
        )
    f = k / M
    d = M - 1.0 if fit == "unbiased" else M * 1.0
    return M, f, d, (2 - f) * (d - M * (1 - f)) + (1 - f)


def gaussian_stationary_mean_squared_error(M, fresh, sigma=1.0, *, fit="unbiased"):
    r"""Limit of :math:`E[(\mu_n - \mu)^2]` when every generation keeps a fresh fraction.

    Parameters
    ----------
    M : int or array_like of int
        Constant generation size, ``>= 2``.
    fresh : float or array_like
        Fraction :math:`f` of fresh points; :math:`K = \lfloor fM + 1/2\rfloor \ge 1`
        and the formula uses the realised :math:`f = K/M`.
    sigma : float or array_like, optional
    fit : {"unbiased", "mle"}, optional

    Notes
    -----
    The fixed point of the module's two-dimensional recursion (policy
    ``"replace"``; derived in sympy in the tests):

    .. math::

        a_\infty = \frac{\sigma^2 d}{M\,[(2 - f)(d - M(1 - f)) + 1 - f]}
        \;\overset{d = M - 1}{=}\; \frac{\sigma^2 (M - 1)}{M\,(M f (2 - f) - 1)}
        = \frac{\sigma^2}{M f (2 - f)}\Big(1 + \frac{(1 - f)^2}{M f (2 - f) - 1}\Big).

    The leading term :math:`\sigma^2/(M f(2-f))` is the stationary variance of
    :math:`e_{t+1} = (1-f)e_t + \xi_t` with :math:`\mathrm{Var}\,\xi = \sigma^2/M`;
    it is exact only for :math:`f = 1`, because the synthetic part's fitted
    variance is inflated by the mean's own error (see :func:`gaussian_sigma2_mean`).

    Examples
    --------
    >>> round(float(gaussian_stationary_mean_squared_error(10, 0.5)), 6)  # 9 / (10 * 6.5)
    0.138462
    >>> float(gaussian_stationary_mean_squared_error(10, 1.0))  # fresh data every time
    0.1
    """
    M, _, d, den = _stationary_denominator(M, fresh, fit)
    sigma = check_positive("sigma", sigma)
    return _scalar(times_square(sigma, d / (M * den)))


def gaussian_stationary_sigma2(M, fresh, sigma=1.0, *, fit="unbiased"):
    r"""Limit of :math:`E[\sigma_n^2]` when every generation keeps a fresh fraction.

    Notes
    -----
    With the notation of :func:`gaussian_stationary_mean_squared_error`,

    .. math::

        v_\infty = \frac{\sigma^2 f\,(2M - 1 - M f)}{(2 - f)(d - M(1 - f)) + 1 - f},

    :math:`\sigma^2` at :math:`f = 1` (unbiased) and above :math:`\sigma^2` for
    :math:`0 < f < 1`: mixing a drifted model with the truth widens the fit.

    Examples
    --------
    >>> round(float(gaussian_stationary_sigma2(10, 0.5)), 6)  # 0.5 (19 - 5) / 6.5
    1.076923
    """
    M, f, _, den = _stationary_denominator(M, fresh, fit)
    sigma = check_positive("sigma", sigma)
    return _scalar(times_square(sigma, f * (2 * M - 1 - M * f) / den))


def _discrete_checked(M, p0, fresh, n_max):
    fresh = check_fresh(fresh)
    p0 = check_probabilities("p0", p0, vector=True)
    _, sizes = sizes_at_least(M, n_max, 1, " (a categorical fit needs M_i >= 1 draws)")
    return sizes, fresh, 1.0 - float(np.sum(p0 * p0))


def discrete_heterozygosity(n, M, p0, *, fresh=0.0, policy="replace"):
    r"""Expected heterozygosity :math:`E[H_n] = 1 - E[\sum_j p_{n,j}^2]` with a fresh fraction.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Generation sizes ``M_i >= 1``.
    p0 : array_like, shape (K,)
        The truth.
    fresh : float, optional
        Fraction :math:`f` of every generation drawn from ``p0``:
        :math:`K_i = \lfloor f M_i + 1/2\rfloor` draws, :math:`L_i = M_i - K_i`
        from model :math:`i`.
    policy : {"replace", "accumulate"}, optional
        Model :math:`i + 1` fitted to generation :math:`i` alone, or to the pooled
        draws of generations :math:`0..i` (``discrete.simulate(policy=...)``).

    Notes
    -----
    Given model :math:`i`, :math:`p_{i+1} = (q K_i + r L_i)/M_i` with independent
    multinomial frequencies :math:`q` (of ``p0``) and :math:`r` (of :math:`p_i`),
    and :math:`E[p_i] = p_0`, so the homozygosity :math:`F = 1 - H` obeys

    .. math::

        M^2 F_{i+1} = K^2 F_0 + K(1 - F_0) + 2KL\,F_0 + L^2 F_i + L(1 - F_i),
        \quad\text{i.e.}\quad M^2 H_{i+1} = K(K + 2L - 1) H_0 + L(L - 1) H_i .

    With ``f = 0`` it is the Wright-Fisher decay :math:`H_n = H_0\prod(1 - 1/M_i)`.
    With a constant ``M`` and :math:`f = K/M > 0` it contracts geometrically, by
    :math:`\lambda = L(L - 1)/M^2` per generation, to the mutation-drift-type
    equilibrium

    .. math::

        H_\infty = H_0\,\frac{f\,(2 - f - 1/M)}{f(2 - f) + (1 - f)/M}
        \approx H_0\,\frac{2Mf}{1 + 2Mf}\quad(f \ll 1 \ll M),

    the analogue of :math:`\theta/(1 + \theta)`, :math:`\theta = 4N\mu`: fresh
    draws play the part of mutation back to ``p0``. It is reached within a
    factor :math:`e^{-1}` after :math:`-1/\log\lambda \approx 1/(2f)` generations.

    Accumulating, with :math:`C_i = \sum_{j\le i} M_j`, the deviation
    :math:`p_{i+1} - p_0 = [(C_{i-1} + L_i)(p_i - p_0) + K_i(q - p_0) + L_i(r - p_i)]/C_i`
    has independent, mean-zero terms; with :math:`E[p_{i,k}(1 - p_{i,k})] =
    h_k - V_{i,k}`, :math:`h_k = p_{0,k}(1 - p_{0,k})`, the variance ratio
    :math:`v_i = V_{i,k}/h_k` (the same for every category) obeys

    .. math::

        C_i^2 v_{i+1} = (C_{i-1} + L_i)^2 v_i + K_i + L_i (1 - v_i), \qquad
        E[H_n] = H_0 (1 - v_n)

    (the package's derivation, ``derivations/tails.py``). Without fresh data and
    with a constant ``M``, :math:`1 - v_n = \prod_{i=1}^{n}(1 - 1/(M i^2))`, which
    tends to :math:`\sin(\pi/\sqrt M)/(\pi/\sqrt M) > 0` (Euler's product): the
    accumulating chain never collapses, where the replacing one loses all its
    heterozygosity.

    Examples
    --------
    >>> round(float(discrete_heterozygosity(10**4, 100, [0.5, 0.5], fresh=0.1)), 6)
    0.474874
    >>> float(discrete_heterozygosity(10**4, 100, [0.5, 0.5])) < 1e-40  # 0.5 (1 - 1/M)^n
    True
    >>> round(float(discrete_heterozygosity(10**4, 100, [0.5, 0.5], policy="accumulate")), 4)
    0.4918
    """
    n = check_int_array("n", n, minimum=0)
    sizes, fresh, h0 = _discrete_checked(M, p0, fresh, int(n.max()) if n.size else 0)
    check_choice("policy", policy, ("replace", "accumulate"))
    if policy == "accumulate":
        return _scalar(h0 * (1.0 - _accumulated_variance_ratio(sizes, fresh)[n]))
    # In H itself (no 1 - F cancellation once H is tiny):
    # M^2 H_{i+1} = K (K + 2L - 1) H_0 + L (L - 1) H_i.
    heterozygosity = np.empty(sizes.size + 1)
    heterozygosity[0] = h0
    counts = zip(sizes.tolist(), fresh_counts(sizes, fresh).tolist(), strict=True)
    for i, (m, k) in enumerate(counts):
        rest = m - k
        heterozygosity[i + 1] = (
            k * (k + 2 * rest - 1) * h0 + rest * (rest - 1) * heterozygosity[i]
        ) / (m * m)
    return _scalar(heterozygosity[n])


def _accumulated_variance_ratio(sizes, fresh):
    """v_i = Var(p_{i,k})/(p0_k (1 - p0_k)), i = 0..len(sizes), of the accumulating chain."""
    v = np.zeros(sizes.size + 1)
    before = 0
    for i, (m, k) in enumerate(zip(sizes.tolist(), fresh_counts(sizes, fresh).tolist(),
                                   strict=True)):
        rest, total = m - k, before + m
        v[i + 1] = ((before + rest) ** 2 * v[i] + k + rest * (1.0 - v[i])) / total**2
        before = total
    return v


def discrete_stationary_heterozygosity(M, p0, fresh):
    r"""The equilibrium :math:`H_\infty` of :func:`discrete_heterozygosity` (constant ``M``).

    Examples
    --------
    >>> round(float(discrete_stationary_heterozygosity(100, [0.5, 0.5], 0.1)), 6)
    0.474874
    """
    M = check_int_array("M", M, minimum=1)
    _, fresh, h0 = _discrete_checked(M.ravel()[:1], p0, fresh, 0)
    f = fresh_counts(M, fresh) / M
    if np.any(f == 0):
        raise ValueError(
            f"fresh must give at least one fresh draw per generation for an equilibrium, "
            f"got fresh={fresh!r}"
        )
    return _scalar(h0 * f * (2 - f - 1 / M) / (f * (2 - f) + (1 - f) / M))
