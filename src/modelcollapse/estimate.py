r"""Estimators for a user's own recursive-training loop.

Given what a self-consuming loop left behind (category frequencies of each
generation's corpus, fitted variances of each generation's model), estimate
how fast the loop collapses and whether neutral resampling explains it. The
discrete estimators are the *temporal method* of population genetics, which
estimates the effective size of a Wright-Fisher population from the drift of
allele frequencies (Nei & Tajima 1981; Waples 1989; Jorde & Ryman 2007): the
categorical recursion of Shumailov et al. (2023), "Discrete distributions with
exact approximation", is haploid Wright-Fisher drift with population sizes
:math:`M_i`.

Every estimator returns a small frozen result with ``estimate``,
``std_error``, ``ci`` (a ``(low, high)`` pair at ``confidence``) and
``method``.

References
----------
Nei, M. & Tajima, F. (1981). Genetic drift and estimation of effective
population size. Genetics 98, 625-640.
Waples, R. S. (1989). A generalized approach for estimating effective
population size from temporal changes in allele frequency. Genetics 121, 379-391.
Williamson, E. G. & Slatkin, M. (1999). Using maximum likelihood to estimate
population size from temporal changes in allele frequencies. Genetics 152, 755-761.
Jorde, P. E. & Ryman, N. (2007). Unbiased estimator for genetic drift and
effective population size. Genetics 177, 927-935.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from ._diversity import (
    HillNumbers,
    MissingMass,
    distinct_n,
    expected_distinct,
    hill_numbers,
    missing_mass,
    vendi_score,
)
from ._rng import as_generator
from ._special import digamma_minus_log
from ._validate import (
    check_choice,
    check_confidence,
    check_frequency_table,
    check_int,
    check_positive,
    check_real,
    check_sizes_per_row,
)

__all__ = [
    "CollapseRate",
    "EffectiveSize",
    "TailLoss",
    "effective_sample_size",
    "gaussian_collapse_rate",
    "implied_sample_size",
    "tail_loss",
]
# diversity and tail estimators (Good-Turing, Hill numbers, Vendi) live in _diversity
__all__ += ["HillNumbers", "MissingMass", "distinct_n", "expected_distinct", "hill_numbers",
            "missing_mass", "vendi_score"]

ESS_METHODS = ("temporal", "likelihood")
FITS = ("unbiased", "mle")
#: Largest ``max_M`` of ``method="likelihood"``: its forward algorithm holds an
#: (M + 1)^2 transition matrix (134 MB at 4096) and costs O(generations M^2) per M.
MAX_LIKELIHOOD_M = 4096
_WHY_S = " (observed frequencies are samples of S >= 2 draws)"


def _pair(low, high):
    return (float(low), float(high))


# --------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class EffectiveSize:
    """Effective sample size ``M`` of a categorical loop.

    Attributes
    ----------
    estimate, std_error : float
        :math:`\\hat M` and its standard error (``inf`` when no drift is
        detected).
    ci : (float, float)
        Confidence interval for ``M`` at ``confidence`` (upper end may be ``inf``).
    method : str
        ``"temporal"`` or ``"likelihood"``.
    confidence : float
    rate, rate_std_error : float
        The drift rate :math:`\\hat\\theta = 1/\\hat M` per generation, on which the
        moment estimator is unbiased, and its standard error.
    generations, categories : int
        Shape of the data.
    """

    estimate: float
    std_error: float
    ci: tuple
    method: str
    confidence: float
    rate: float
    rate_std_error: float
    generations: int
    categories: int


@dataclass(frozen=True)
class CollapseRate:
    """Drift of the log fitted variance of a Gaussian loop, and the ``M`` it implies.

    Attributes
    ----------
    estimate, std_error : float
        Drift :math:`\\hat\\delta` of :math:`\\log\\sigma^2` (or of the log
        determinant) per generation, and its standard error.
    ci : (float, float)
        Confidence interval for the drift at ``confidence``.
    method : str
        ``"ols"`` (exact variances) or ``"ols-hac"`` (sampled variances,
        Newey-West standard error).
    confidence : float
    p_value : float
        Two-sided test of "no collapse", :math:`\\delta = 0`.
    effective_M : float
        The ``M`` whose expected drift is :math:`\\hat\\delta` (``inf`` if
        :math:`\\hat\\delta \\ge 0`); see :func:`implied_sample_size`.
    effective_M_ci : (float, float)
        The drift interval mapped through the same (increasing) inversion.
    generations, dim : int
    """

    estimate: float
    std_error: float
    ci: tuple
    method: str
    confidence: float
    p_value: float
    effective_M: float
    effective_M_ci: tuple
    generations: int
    dim: int


@dataclass(frozen=True)
class TailLoss:
    """Observed against expected categories lost after ``n`` generations of neutral refits.

    Attributes
    ----------
    estimate : float
        Excess loss, observed minus expected number of categories lost.
    std_error : float
        Standard deviation of the number lost under neutral resampling.
    ci : (float, float)
        Interval for the excess from the quantiles of the neutral null.
    method : str
        ``"exact+monte-carlo"``.
    confidence : float
    observed : int
    expected : float
        :math:`\\sum_k \\Pr(\\text{category } k \\text{ lost})`, exact.
    p_value : float
        Monte Carlo p-value of "more lost than neutral resampling explains".
    lost : ndarray of bool, shape (K,)
        Which categories were lost.
    loss_probability : ndarray, shape (K,)
        Exact loss probability of each category.
    replicates : int
        Size of the simulated null.
    """

    estimate: float
    std_error: float
    ci: tuple
    method: str
    confidence: float
    observed: int
    expected: float
    p_value: float
    lost: np.ndarray
    loss_probability: np.ndarray
    replicates: int


# --------------------------------------------------------------------------
# effective sample size of a categorical loop


def _temporal(freqs, sizes, confidence):
    """Moment estimate of theta = 1/M from consecutive steps, with its standard error."""
    inv_s = np.zeros(freqs.shape[0]) if sizes is None else 1.0 / sizes
    het = 1.0 - np.sum(freqs**2, axis=1)
    if sizes is not None:
        het = het * sizes / (sizes - 1.0)
    change = np.sum(np.diff(freqs, axis=0) ** 2, axis=1)
    weight = het[:-1] * (1.0 - inv_s[1:])
    noise = het[:-1] * (inv_s[:-1] + inv_s[1:])
    total = weight.sum()
    if total <= 0:
        raise ValueError(
            "freqs must vary within some generation (every row is a point mass): "
            "a fixed loop carries no information about M"
        )
    theta = float((change - noise).sum() / total)
    if sizes is None:
        # D_t | p_t has mean theta H_t and the exact multinomial variance
        # 2 theta^2 ((1 - theta) tr(Sigma_t^2) + 2 theta (s3 - s2^2)); match a scaled
        # chi-square to the sum (Satterthwaite), theta plugged in
        square = np.sum(freqs[:-1] ** 2, axis=1)
        cube = np.sum(freqs[:-1] ** 3, axis=1)
        trace = square - 2 * cube + square**2
        rate = min(max(theta, 0.0), 1.0)
        spread = np.sum((1 - rate) * trace + 2 * rate * (cube - square**2))
        if spread <= 0:
            # theta >= 1 and rows uniform on their support: every D_t is then deterministic
            return theta, 0.0, (theta, theta)
        dof = total**2 / spread
        se = theta * float(np.sqrt(2 / dof))
        low, high = stats.chi2.ppf([0.5 + confidence / 2, 0.5 - confidence / 2], dof) / dof
        return theta, se, (theta / low, theta / high)
    resid = change - noise - theta * weight
    # consecutive steps share an observed sample: add the lag-1 autocovariance
    spread = np.sum(resid**2)
    spread = max(spread, spread + 2 * np.sum(resid[:-1] * resid[1:]))
    se = float(np.sqrt(spread) / total)
    steps = int(np.count_nonzero(weight > 0))
    crit = stats.t.ppf(0.5 + confidence / 2, max(steps - 1, 1))
    if theta <= 0:
        return theta, se, (theta - crit * se, theta + crit * se)
    # theta-hat is right-skewed (its spread grows with it): a log-scale interval
    factor = np.exp(crit * se / theta)
    return theta, se, (theta / factor, theta * factor)


def _wf_log_likelihood(counts, sizes, M):
    r"""Log-likelihood of M for the two-type chain observed through binomial samples.

    Hidden states :math:`j/M`; generation 0 uniform on the grid (Williamson
    & Slatkin 1999), transitions Binomial(M, j/M), emissions
    Binomial(S_t, j/M); the forward algorithm with per-step normalisation.
    """
    from .discrete import _transition

    grid = np.arange(M + 1) / M
    step = _transition(M, M)
    emit = stats.binom.pmf(counts[:, None], sizes[:, None], grid[None, :])
    alpha = emit[0] / (M + 1)
    total = 0.0
    for t in range(1, counts.size):
        norm = alpha.sum()
        total += np.log(norm)
        alpha = (alpha / norm) @ step * emit[t]
    return total + np.log(alpha.sum())


def _likelihood(freqs, sizes, confidence, max_M):
    """MLE of integer M for K = 2 with a likelihood-ratio interval."""
    counts = freqs[:, 0] * sizes
    rounded = np.rint(counts)
    if np.any(np.abs(counts - rounded) > 1e-6 * sizes):
        raise ValueError(
            "freqs times sample_sizes must be whole counts for method='likelihood' "
            "(the observed frequencies are samples of S draws)"
        )
    counts = rounded.astype(np.int64)
    cache = {}

    def loglik(m):
        m = int(m)
        if m not in cache:
            cache[m] = _wf_log_likelihood(counts, sizes, m)
        return cache[m]

    grid = np.unique(np.rint(np.geomspace(2, max_M, 80)).astype(int))
    values = np.array([loglik(m) for m in grid])
    best = int(np.argmax(values))
    lo, hi = int(grid[max(best - 1, 0)]), int(grid[min(best + 1, grid.size - 1)])
    m_hat = max(range(lo, hi + 1), key=loglik)
    drop = stats.chi2.ppf(confidence, 1) / 2
    cutoff = loglik(m_hat) - drop

    def crossing(inside, outside):
        """Integer boundary of {loglik >= cutoff} between inside and outside."""
        while abs(outside - inside) > 1:
            mid = (inside + outside) // 2
            inside, outside = (mid, outside) if loglik(mid) >= cutoff else (inside, mid)
        return inside

    low = crossing(m_hat, 2) if loglik(2) < cutoff else 2
    high = crossing(m_hat, max_M) if loglik(max_M) < cutoff else np.inf
    estimate = np.inf if m_hat == max_M else float(m_hat)
    crit = stats.norm.ppf(0.5 + confidence / 2)
    se = (high - low) / (2 * crit)
    return estimate, float(se), _pair(low, high)


def effective_sample_size(freqs, *, sample_sizes=None, method="temporal", confidence=0.95,
                          max_M=1024):
    r"""Effective sample size ``M`` of a categorical loop from its frequencies over generations.

    Parameters
    ----------
    freqs : array_like, shape (generations, K)
        Category frequencies observed at consecutive generations (row ``t``
        the model after ``t`` fits, e.g. token frequencies of each
        generation's corpus), ``generations >= 2``, ``K >= 2``, entries
        ``>= 0``, rows summing to 1 (within 1e-6).
    sample_sizes : int or array_like of int, optional
        If each row is itself a sample of ``S_t`` draws from model ``t``
        (with replacement), ``S_t >= 2``; ``None`` when the rows are the
        models' own frequencies.
    method : {"temporal", "likelihood"}, optional
        Moment estimator (any ``K``) or maximum likelihood (``K = 2``,
        requires ``sample_sizes``).
    confidence : float, optional
        Level of the interval, in (0, 1).
    max_M : int, optional
        ``method="likelihood"`` only: the largest ``M`` searched, at most
        :data:`MAX_LIKELIHOOD_M` (4096; memory grows as ``max_M**2``).

    Returns
    -------
    EffectiveSize

    Notes
    -----
    **Temporal (moment) estimator.** Given model :math:`p_t`, the next model
    is :math:`p_{t+1} = c/M` with :math:`c \sim \mathrm{Multinomial}(M, p_t)`,
    so the squared change summed over categories has the exact conditional
    mean

    .. math:: E\Big[\sum_k (p_{t+1,k} - p_{t,k})^2 \,\Big|\, p_t\Big] = \theta H_t,
        \qquad H_t = 1 - \sum_k p_{t,k}^2, \quad \theta = 1/M .

    Standardising by the *starting* heterozygosity (not by the midpoint of
    Nei & Tajima's :math:`F_c`) keeps the estimator exactly unbiased, and
    summing numerators and denominators over categories and steps before
    dividing follows Jorde & Ryman's (2007) pooled :math:`F_s`. When the rows
    are samples :math:`y_t` of :math:`S_t` draws, sampling adds noise as in
    Waples' (1989) correction :math:`F - 1/S_0 - 1/S_t`:

    .. math:: E\Big[\sum_k (y_{t+1,k} - y_{t,k})^2 \,\Big|\, p_t\Big]
        = H_t\Big(\theta\big(1 - \tfrac{1}{S_{t+1}}\big) + \tfrac{1}{S_t}
        + \tfrac{1}{S_{t+1}}\Big),

    with :math:`H_t` estimated without bias by
    :math:`\tfrac{S_t}{S_t - 1}(1 - \sum_k y_{t,k}^2)`. Then
    :math:`\hat\theta = \sum_t (D_t - C_t) / \sum_t B_t` (change, noise and
    weight terms above). With exact rows the interval treats
    :math:`\hat\theta/\theta` as :math:`\chi^2_\nu/\nu`, :math:`\nu` matched
    (Satterthwaite) to the exact multinomial variance
    :math:`\mathrm{Var}(D_t \mid p_t) = 2\theta^2((1-\theta)\,\mathrm{tr}\,\Sigma_t^2
    + 2\theta(s_3 - s_2^2))`, with :math:`\Sigma_t = \mathrm{diag}(p_t) - p_t p_t^T`
    and :math:`s_j = \sum_k p_{t,k}^j`. With sampled rows the standard error
    is the ratio's delta-method spread of the residuals
    :math:`D_t - C_t - \hat\theta B_t` plus their lag-1 autocovariance, and
    the Student-t interval (steps - 1 degrees of freedom) is taken on the
    log scale (:math:`\hat\theta` is right-skewed).
    :math:`\hat M = 1/\hat\theta`, its interval mapped through
    :math:`1/\theta`. For a varying schedule :math:`\hat\theta` estimates a
    heterozygosity-weighted mean of :math:`1/M_t`.

    **Likelihood (K = 2).** The Wright-Fisher chain observed through
    binomial samples is a hidden Markov chain on :math:`\{0, 1/M, \dots, 1\}`
    (Williamson & Slatkin 1999): uniform start, transitions
    :math:`\mathrm{Binomial}(M, j/M)/M`, emissions
    :math:`\mathrm{Binomial}(S_t, j/M)`. The likelihood is maximised over
    integer ``M`` in ``[2, max_M]`` (``inf`` if at ``max_M``) and the
    interval is the likelihood-ratio set
    :math:`2(\ell(\hat M) - \ell(M)) \le \chi^2_{1, \text{confidence}}`;
    the standard error is its width over :math:`2 z`. Cost
    :math:`O(\text{generations} \cdot M^2)` per evaluated ``M``.

    Examples
    --------
    >>> from modelcollapse import discrete
    >>> chain = discrete.simulate(200, 100, discrete.zipf_p0(20), rng=0)
    >>> result = effective_sample_size(chain.p[0])
    >>> result.ci[0] < 100 < result.ci[1]
    True
    """
    check_choice("method", method, ESS_METHODS)
    confidence = check_confidence(confidence)
    freqs = check_frequency_table("freqs", freqs)
    rows, K = freqs.shape
    sizes = None
    if sample_sizes is not None:
        sizes = check_sizes_per_row("sample_sizes", sample_sizes, rows, minimum=2, why=_WHY_S)
    if method == "temporal":
        theta, se, (low, high) = _temporal(freqs, sizes, confidence)
        with np.errstate(divide="ignore"):
            estimate = 1.0 / theta if theta > 0 else np.inf
            ci = _pair(1.0 / high if high > 0 else np.inf, 1.0 / low if low > 0 else np.inf)
        m_se = se / theta**2 if theta > 0 else np.inf
        return EffectiveSize(float(estimate), float(m_se), ci, method, confidence, theta, se,
                             rows, K)
    if K != 2:
        raise ValueError(
            f"method='likelihood' needs K = 2 categories (the two-type chain), got K={K}; "
            "lump one category against the rest, or use method='temporal'"
        )
    if sizes is None:
        raise ValueError(
            "method='likelihood' needs sample_sizes: with exact frequencies the "
            "likelihood only says which M put them on the grid j/M"
        )
    max_M = check_int("max_M", max_M, minimum=3, maximum=MAX_LIKELIHOOD_M,
                      why=" for method='likelihood' (it holds an (M+1)^2 transition matrix; "
                      "use method='temporal' for larger M)")
    estimate, se, ci = _likelihood(freqs, sizes, confidence, max_M)
    rate = 1.0 / estimate
    rate_se = se / estimate**2 if np.isfinite(estimate) else np.inf
    return EffectiveSize(estimate, se, ci, method, confidence, rate, float(rate_se), rows, K)


# --------------------------------------------------------------------------
# Gaussian collapse rate


def _log_det_drift(M, dim, fit):
    r""":math:`E[\log\det(\hat\Sigma_{i+1}) - \log\det(\hat\Sigma_i)]` for real ``M > dim``.

    :math:`\sum_{j=1}^{d}\big(\psi(\tfrac{M-j}{2}) + \log\tfrac{2}{M-1}\big)`
    (Bartlett: :math:`\det W_d(M-1, I) = \prod_j \chi^2_{M-j}`), written with
    :func:`~modelcollapse._special.digamma_minus_log` so it stays accurate for
    large ``M``; plus :math:`d\log(1 - 1/M)` for the MLE fit.
    """
    M = np.asarray(M, dtype=np.float64)
    j = np.arange(1, dim + 1)
    half = (M[..., None] - j) / 2
    out = np.sum(digamma_minus_log(half) + np.log1p((1 - j) / (M[..., None] - 1)), axis=-1)
    if fit == "mle":
        out = out + dim * np.log1p(-1.0 / M)
    return out[()] if out.ndim == 0 else out


def implied_sample_size(drift, *, dim=1, fit="unbiased"):
    r"""The (real) sample size ``M`` whose expected log-variance drift per generation is ``drift``.

    Parameters
    ----------
    drift : float
        Drift of :math:`\log\sigma^2` (or of the log determinant) per generation.
    dim : int, optional
        Dimension ``d`` of the Gaussian.
    fit : {"unbiased", "mle"}, optional

    Returns
    -------
    float
        The root ``M > d`` of :math:`f(M) =` ``drift``, ``inf`` if ``drift >= 0``.

    Notes
    -----
    For ``d = 1`` :math:`f(M) = \psi(\tfrac{M-1}{2}) + \log\tfrac{2}{M-1}`, the
    formula of :func:`modelcollapse.gaussian.log_variance_drift` extended to
    real ``M``; it increases from :math:`-\infty` to 0 (it is about
    :math:`-d(d+1)/(2M)`), so the root is unique (``brentq``).

    Examples
    --------
    >>> from modelcollapse.gaussian import log_variance_drift
    >>> round(implied_sample_size(log_variance_drift(50)), 9)
    50.0
    """
    drift = check_real("drift", drift, scalar=True)
    dim = check_int("dim", dim, minimum=1)
    check_choice("fit", fit, FITS)
    if drift >= 0:
        return np.inf
    lo = dim * (1 + 1e-12)  # dim + 1e-12 rounds to dim itself from dim = 8192 on
    if _log_det_drift(lo, dim, fit) >= drift:
        return lo
    hi = 2.0 * dim + 2
    while _log_det_drift(hi, dim, fit) < drift:
        hi *= 2
        if hi > 1e300:
            # f(M) = -d (d + 1) / (2 M) (1 + O(1/M)): exact to rounding out here
            with np.errstate(over="ignore"):
                return float(dim * (dim + 1.0) / (2 * -drift))
    return float(optimize.brentq(lambda m: _log_det_drift(m, dim, fit) - drift, lo, hi,
                                 xtol=1e-12, rtol=1e-13))


def gaussian_collapse_rate(variances, *, sample_sizes=None, dim=1, log=False, fit="unbiased",
                           confidence=0.95):
    r"""Drift of the log fitted variance per generation, the ``M`` it implies, and a test of it.

    Parameters
    ----------
    variances : array_like, shape (generations,)
        Fitted variance of each generation's model (``> 0``), or with
        ``dim > 1`` the determinant of its covariance; with ``log=True`` their
        logarithms. At least 3 generations.
    sample_sizes : int or array_like of int, optional
        If each variance was fitted (``ddof=1``) to ``S_t`` fresh draws of
        model ``t`` rather than being the model's own, ``S_t > dim``.
    dim : int, optional
        Dimension of the Gaussian.
    log : bool, optional
        Whether ``variances`` are already logarithms.
    fit : {"unbiased", "mle"}, optional
        How the loop fits its variance (for the implied ``M`` only).
    confidence : float, optional

    Returns
    -------
    CollapseRate

    Notes
    -----
    Each refit multiplies the variance by an independent
    :math:`\chi^2_{M_i-1}/(M_i - 1)` (Cochran; Shumailov et al. 2023,
    "Single-dimensional Gaussian"), so :math:`y_t = \log\sigma_t^2` is a
    random walk with drift :math:`\delta = \psi(\tfrac{M-1}{2}) + \log\tfrac{2}{M-1}
    < 0`: the variance collapses almost surely although its mean is
    constant. The drift is the OLS (statsmodels) intercept of the increments
    :math:`y_{t+1} - y_t` (levels of a random walk are not OLS data), i.e.
    :math:`\hat\delta = (y_n - y_0)/n`, with Student-t interval and test of
    :math:`\delta = 0`. With ``sample_sizes`` each :math:`y_t` is first
    corrected by the exact bias :math:`E\log(\chi^2_{S-1}/(S-1))` of a fit
    to :math:`S_t` draws, and the increments are MA(1), so the standard
    error is Newey-West with one lag (normal interval). The implied ``M``
    is :func:`implied_sample_size` of the drift, and its interval the drift
    interval mapped through it.

    Examples
    --------
    >>> from modelcollapse import gaussian
    >>> chain = gaussian.simulate(400, 20, rng=1)
    >>> result = gaussian_collapse_rate(chain.sigma2[0])
    >>> result.p_value < 0.01
    True
    >>> result.effective_M_ci[0] < 20 < result.effective_M_ci[1]
    True
    """
    import statsmodels.api as sm

    dim = check_int("dim", dim, minimum=1)
    check_choice("fit", fit, FITS)
    confidence = check_confidence(confidence)
    if not isinstance(log, bool):
        raise TypeError(f"log must be True or False, got log={log!r}")
    values = check_real("variances", variances) if log else check_positive("variances", variances)
    if values.ndim != 1 or values.size < 3:
        raise ValueError(
            "variances must be 1-D with one value per generation, at least 3 generations, "
            f"got shape {values.shape}"
        )
    y = values if log else np.log(values)
    increments = np.diff(y)
    if np.ptp(increments) <= 1e-12 * np.abs(increments).max():
        raise ValueError("variances must not change by the same factor every generation "
                         "(the increments have no spread, so no standard error)")
    exog = np.ones((increments.size, 1))
    if sample_sizes is None:
        model = sm.OLS(increments, exog).fit()
        method = "ols"
    else:
        sizes = check_sizes_per_row("sample_sizes", sample_sizes, y.size, minimum=dim + 1,
                                    why=f" (a fit in dim={dim} needs S > dim draws)")
        increments = np.diff(y - _log_det_drift(sizes, dim, "unbiased"))
        model = sm.OLS(increments, exog).fit(cov_type="HAC", cov_kwds={"maxlags": 1})
        method = "ols-hac"
    drift = float(model.params[0])
    se = float(model.bse[0])
    low, high = model.conf_int(alpha=1 - confidence)[0]
    m_ci = _pair(implied_sample_size(low, dim=dim, fit=fit),
                 implied_sample_size(high, dim=dim, fit=fit))
    return CollapseRate(drift, se, _pair(low, high), method, confidence,
                        float(model.pvalues[0]), implied_sample_size(drift, dim=dim, fit=fit),
                        m_ci, int(y.size), dim)


# --------------------------------------------------------------------------
# tail loss


def tail_loss(freqs0, freqs_n, n, M=None, *, sample_sizes=None, confidence=0.95,
              replicates=2000, rng=None):
    r"""Categories lost after ``n`` generations: observed against neutral resampling.

    Parameters
    ----------
    freqs0 : array_like, shape (K,)
        Initial frequencies (the truth :math:`p_0`), summing to 1.
    freqs_n : array_like, shape (K,)
        Frequencies after ``n`` fits, summing to 1; a category is lost
        where it is 0 and :math:`p_{0,k} > 0`.
    n : int
        Number of fits between them, ``>= 1``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        The loop's sample sizes (any size: see ``method`` of
        :func:`modelcollapse.discrete.loss_probability`).
    sample_sizes : int or array_like of int, optional
        The same, under the name the other estimators use: an int or one
        size per fit (``n`` of them). Give exactly one of ``M`` and
        ``sample_sizes``.
    confidence : float, optional
    replicates : int, optional
        Simulated neutral loops calibrating the test, ``>= 100``.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    TailLoss

    Notes
    -----
    Under neutral resampling (the paper's statistical approximation error
    alone), category :math:`k` is lost with the exact probability
    :math:`q_k = ` :func:`modelcollapse.discrete.loss_probability`
    :math:`(n, M, p_{0,k})`, so the expected number lost is
    :math:`\sum_k q_k`. Losses of different categories are dependent (the
    counts are multinomial), so the null law of the number lost :math:`L`
    is simulated exactly (:func:`modelcollapse.discrete.simulate`) and the
    one-sided p-value :math:`(1 + \#\{L_r \ge L_{\rm obs}\})/(R + 1)` is
    valid at every level. A small p-value says rare categories vanish faster
    than sampling explains: a sign of a functional approximation error (the
    paper's second cause), or of a smaller effective ``M`` than stated.

    Examples
    --------
    >>> from modelcollapse import discrete
    >>> p0 = discrete.zipf_p0(30)
    >>> chain = discrete.simulate(10, 200, p0, rng=3)
    >>> result = tail_loss(p0, chain.last[0], 10, 200, rng=4)
    >>> bool(result.p_value > 0.01)
    True
    """
    from . import discrete

    confidence = check_confidence(confidence)
    table = check_frequency_table("freqs0", np.atleast_2d(check_real("freqs0", freqs0)),
                                  min_rows=1)
    p0 = table[0]
    if np.ndim(freqs0) != 1:
        raise ValueError(f"freqs0 must be 1-D (one frequency per category), "
                         f"got shape {np.shape(freqs0)}")
    later = check_frequency_table("freqs_n", np.atleast_2d(check_real("freqs_n", freqs_n)),
                                  min_rows=1)
    if np.ndim(freqs_n) != 1 or later.shape[1] != p0.size:
        raise ValueError(f"freqs_n must be 1-D with the K={p0.size} categories of freqs0, "
                         f"got shape {np.shape(freqs_n)}")
    n = check_int("n", n, minimum=1)
    if (M is None) == (sample_sizes is None):
        raise ValueError("exactly one of M and sample_sizes must be given, "
                         f"got M={M!r} and sample_sizes={sample_sizes!r}")
    if sample_sizes is not None:
        M = check_sizes_per_row("sample_sizes", sample_sizes, n, minimum=1).tolist()
    replicates = check_int("replicates", replicates, minimum=100)
    alive = p0 > 0
    lost = alive & (later[0] == 0)
    q = np.where(alive, discrete.loss_probability(n, M, p0), 0.0)
    observed = int(lost.sum())
    expected = float(q.sum())
    null = discrete.simulate(n, M, p0, replicates=replicates, keep="last",
                             rng=as_generator(rng)).last
    null_lost = np.count_nonzero((null == 0) & alive, axis=1)
    p_value = float((1 + np.count_nonzero(null_lost >= observed)) / (replicates + 1))
    tail = (1 - confidence) / 2
    q_low, q_high = np.quantile(null_lost, [tail, 1 - tail])
    return TailLoss(observed - expected, float(null_lost.std(ddof=1)),
                    _pair(observed - q_high, observed - q_low), "exact+monte-carlo",
                    confidence, observed, expected, p_value, lost, q, replicates)
