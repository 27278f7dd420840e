r"""Diversity and tail estimators for the output of a generative loop.

Re-exported by :mod:`modelcollapse.estimate`. From the token counts of one
generation's corpus: the Good-Turing missing mass (the probability of a word
never generated), Hill numbers (effective numbers of categories) with
bias-corrected versions, the exact expected number of distinct items in
``T`` draws, distinct-n, and the Vendi score.

References
----------
Good, I. J. (1953). The population frequencies of species and the estimation
of population parameters. Biometrika 40, 237-264.
Esty, W. W. (1983). A normal limit law for a nonparametric estimator of the
coverage of a random sample. Annals of Statistics 11, 905-912.
Hill, M. O. (1973). Diversity and evenness: a unifying notation and its
consequences. Ecology 54, 427-432.
Chao, A. (1987). Estimating the population size for capture-recapture data
with unequal catchability. Biometrics 43, 783-791.
Chao, A. & Shen, T.-J. (2003). Nonparametric estimation of Shannon's index of
diversity when there are unseen species in sample. Environmental and
Ecological Statistics 10, 429-443.
Chao, A., Wang, Y. T. & Jost, L. (2013). Entropy and the species accumulation
curve: a novel entropy estimator via discovery rates of new species. Methods
in Ecology and Evolution 4, 1091-1100.
Li, J., Galley, M., Brockett, C., Gao, J. & Dolan, B. (2016). A
diversity-promoting objective function for neural conversation models. NAACL.
Friedman, D. & Dieng, A. B. (2023). The Vendi Score: a diversity evaluation
metric for machine learning. Transactions on Machine Learning Research.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ._validate import (
    INT64_MAX,
    _shown,
    check_choice,
    check_confidence,
    check_covariance,
    check_int,
    check_int_array,
    check_probabilities,
    check_real,
)

__all__ = [
    "HillNumbers",
    "MissingMass",
    "distinct_n",
    "expected_distinct",
    "hill_numbers",
    "missing_mass",
    "vendi_score",
]

HILL_METHODS = ("corrected", "plug-in")
#: Bias-corrected estimator used for each order q by ``method="corrected"``.
CORRECTED = {0: "chao1", 1: "chao-wang-jost", 2: "unbiased-simpson"}
#: Tolerance on the unit diagonal of a Vendi similarity matrix.
_DIAG_TOL = 1e-8


def _check_counts(counts):
    """``counts`` as a 1-D int64 array of category counts with a positive total."""
    arr = check_int_array("counts", counts, minimum=0,
                          why=" (counts of each category in the sample)")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"counts must be a non-empty 1-D array of counts per category, "
                         f"got counts={_shown(counts)} of shape {arr.shape}")
    if arr.sum(dtype=object) > INT64_MAX:  # exact: the int64 sum would wrap around
        raise ValueError(f"counts must total at most {INT64_MAX} (int64), got "
                         f"counts={_shown(counts)}")
    if arr.sum() == 0:
        raise ValueError(f"counts must have a positive total (a sample of at least one draw), "
                         f"got counts={_shown(counts)}")
    return arr


def _z(confidence):
    return float(stats.norm.ppf(0.5 + confidence / 2))


# --------------------------------------------------------------------------
# missing mass


@dataclass(frozen=True)
class MissingMass:
    """Good-Turing estimate of the probability of the categories not in the sample.

    Attributes
    ----------
    estimate, std_error : float
        :math:`N_1/T` and Esty's (1983) standard error.
    ci : (float, float)
        Normal interval at ``confidence``, clipped to ``[0, 1]``.
    method : str
        ``"good-turing"``.
    confidence : float
    singletons, doubletons, sample_size : int
        :math:`N_1`, :math:`N_2` and :math:`T`.
    """

    estimate: float
    std_error: float
    ci: tuple
    method: str
    confidence: float
    singletons: int
    doubletons: int
    sample_size: int


def missing_mass(counts, *, confidence=0.95):
    r"""Good-Turing estimate of the missing mass, with Esty's normal interval.

    Parameters
    ----------
    counts : array_like of int, shape (K,)
        Number of times each category occurs in a sample of
        :math:`T = \sum_k c_k \ge 1` draws (zeros allowed).
    confidence : float, optional
        Level of the interval, in (0, 1).

    Returns
    -------
    MissingMass

    Notes
    -----
    The missing mass :math:`U = \sum_k p_k \mathbf 1[c_k = 0]` is the
    probability that the next draw is a category not yet seen. Turing's
    estimator (Good 1953) is :math:`\hat U = N_1/T`, with :math:`N_r` the
    number of categories seen exactly :math:`r` times. Exactly,

    .. math:: E[\hat U] - E[U] = \sum_k p_k^2 (1 - p_k)^{T-1} \ge 0,

    a bias of order :math:`1/T`. Esty (1983) proved
    :math:`T(\hat U - U)/\sqrt{N_1 + 2N_2 - N_1^2/T} \to N(0, 1)` when
    :math:`E[N_1]/T` stays in (0, 1), which gives the interval
    :math:`\hat U \pm z\,\sqrt{N_1 + 2N_2 - N_1^2/T}/T` for the *realised*
    :math:`U`. It needs many singletons: with :math:`N_1` below about 20 the
    normal approximation fails (the measured coverage is in
    ``docs/estimate.md``).

    Examples
    --------
    >>> result = missing_mass([5, 3, 1, 1, 0, 2])
    >>> round(result.estimate, 4)  # two singletons in 12 draws
    0.1667
    """
    counts = _check_counts(counts)
    confidence = check_confidence(confidence)
    total = int(counts.sum())
    n1 = int(np.count_nonzero(counts == 1))
    n2 = int(np.count_nonzero(counts == 2))
    estimate = n1 / total
    # N1 + 2 N2 - N1^2/T >= N1 (1 - N1/T) >= 0 since N1 <= T
    se = float(np.sqrt(max(n1 + 2 * n2 - n1 * n1 / total, 0.0))) / total
    half = _z(confidence) * se
    ci = (max(estimate - half, 0.0), min(estimate + half, 1.0))
    return MissingMass(estimate, se, ci, "good-turing", confidence, n1, n2, total)


# --------------------------------------------------------------------------
# Hill numbers


@dataclass(frozen=True)
class HillNumbers:
    """Effective numbers of categories of orders ``q``, with intervals.

    Attributes
    ----------
    q : ndarray, shape (Q,)
        The orders.
    estimate, std_error : ndarray, shape (Q,)
        :math:`\\hat D_q` and its standard error (``inf`` where the sample
        cannot bound it, e.g. :math:`D_2` when every category is a singleton).
    ci : (ndarray, ndarray)
        Lower and upper ends, each shape (Q,), at ``confidence``.
    method : str
        ``"corrected"`` or ``"plug-in"``.
    estimators : tuple of str
        The estimator used for each order (``"chao1"``, ``"chao-wang-jost"``,
        ``"unbiased-simpson"`` or ``"plug-in"``).
    confidence : float
    observed : ndarray, shape (Q,)
        The plug-in values :math:`(\\sum_k \\hat p_k^q)^{1/(1-q)}`.
    sample_size, observed_types : int
    """

    q: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    ci: tuple
    method: str
    estimators: tuple
    confidence: float
    observed: np.ndarray
    sample_size: int
    observed_types: int


def _plug_in(counts, q, z):
    """Plug-in Hill number of order q with a delta-method interval on the log scale."""
    seen = counts[counts > 0]
    total = seen.sum()
    p = seen / total
    log_p = np.log(p)
    if q == 0:
        d = float(seen.size)
        return d, 0.0, (d, d)
    if q == 1:
        log_d = -float(np.sum(p * log_p))
        grad = -log_p
    else:
        # log space, relative to the largest p: sum p^q underflows to 0 and q ln p overflows
        # for large q (q = 1e308 gives D = 1/max p); a term overflowing to -inf is 0
        top = log_p.max()
        with np.errstate(over="ignore"):
            shifted = q * (log_p - top)
        spread_sum = special.logsumexp(shifted)
        log_d = q / (1 - q) * top + spread_sum / (1 - q)
        grad = q / (1 - q) * np.exp(shifted - spread_sum - log_p)
    # multinomial delta method: Var(g . p_hat) = (sum p g^2 - (sum p g)^2) / T
    spread = max(float(np.sum(p * grad**2) - np.sum(p * grad) ** 2), 0.0)
    se_log = np.sqrt(spread / total)
    d = float(np.exp(log_d))
    return d, d * se_log, (float(np.exp(log_d - z * se_log)), float(np.exp(log_d + z * se_log)))


def _chao1(counts, z):
    """Chao (1987) lower-bound richness with its variance and log-normal interval."""
    total = counts.sum()
    observed = float(np.count_nonzero(counts))
    f1 = float(np.count_nonzero(counts == 1))
    f2 = float(np.count_nonzero(counts == 2))
    a = (total - 1) / total
    if f2 > 0:
        r = f1 / f2
        extra = a * f1 * f1 / (2 * f2)
        var = f2 * (a * r**2 / 2 + a * a * r**3 + a * a * r**4 / 4)
    else:
        # bias-corrected form (Chao 2005) where the classical one divides by f2 = 0
        extra = a * f1 * (f1 - 1) / 2
        estimate = observed + extra
        var = (a * f1 * (f1 - 1) / 2 + a * a * f1 * (2 * f1 - 1) ** 2 / 4
               - a * a * f1**4 / (4 * estimate))
    var = max(var, 0.0)
    if extra <= 0 or var == 0:
        return observed + extra, float(np.sqrt(var)), (observed + extra, observed + extra)
    # the unseen number T = S - S_obs is taken log-normal (Chao 1987), so S >= S_obs
    factor = np.exp(z * np.sqrt(np.log1p(var / extra**2)))
    return observed + extra, float(np.sqrt(var)), (observed + extra / factor,
                                                   observed + extra * factor)


def _unseen_tail(a, total):
    r"""(1-A)^(1-T) (-ln A - sum_{r<T} (1-A)^r/r) = sum_{m>=0} (1-A)^(m+1)/(T+m), stably.

    The tail of the series for -ln A, written as
    :math:`\tfrac{x}{T}\int_0^\infty e^{-r}/(1 - x e^{-r/T})\,dr`, :math:`x = 1 - A`:
    no cancellation, and quadrature resolves the peak of width ~AT at r = 0.
    """
    from scipy import integrate

    log_x = np.log1p(-a)

    def integrand(r):
        return np.exp(-r) / -np.expm1(log_x - r / total)

    width = a * total
    value, _ = integrate.quad(integrand, 0.0, 60.0,
                              points=[min(width, 30.0), min(10 * width, 50.0)], limit=200)
    return (1 - a) / total * value


def _chao_wang_jost(counts, z):
    """exp of the Chao-Wang-Jost (2013) entropy, delta-method interval on the log scale."""
    seen = counts[counts > 0]
    total = int(seen.sum())
    f1 = int(np.count_nonzero(seen == 1))
    f2 = int(np.count_nonzero(seen == 2))
    inner = seen[seen < total]
    # sum_{j=X}^{T-1} 1/j = psi(T) - psi(X)
    entropy = float(np.sum(inner / total * (special.digamma(total) - special.digamma(inner))))
    if f1 > 0:
        a = 2 * f2 / ((total - 1) * f1 + 2 * f2) if f2 > 0 else 2 / ((total - 1) * (f1 - 1) + 2)
        if a < 1:
            entropy += f1 / total * _unseen_tail(a, total)
    p = seen / total
    spread = max(float(np.sum(p * np.log(p) ** 2) - np.sum(p * np.log(p)) ** 2), 0.0)
    se_log = np.sqrt(spread / total)
    d = float(np.exp(entropy))
    return d, d * se_log, (float(np.exp(entropy - z * se_log)), float(np.exp(entropy + z * se_log)))


def _inverse_simpson(counts, z):
    """1 / (unbiased estimate of sum p^2), interval from the U-statistic's variance."""
    c = counts[counts > 0].astype(np.float64)
    total = c.sum()
    if total < 3:
        raise ValueError(f"counts must total >= 3 draws for the unbiased order-2 estimator "
                         f"(its variance needs sum p^3), got a total of {int(total)}")
    s2 = float(np.sum(c * (c - 1)) / (total * (total - 1)))
    s3 = float(np.sum(c * (c - 1) * (c - 2)) / (total * (total - 1) * (total - 2)))
    var = max(4 * (total - 2) * (s3 - s2 * s2) + 2 * (s2 - s2 * s2), 0.0) / (total * (total - 1))
    se = np.sqrt(var)
    low, high = s2 - z * se, s2 + z * se
    with np.errstate(divide="ignore"):
        estimate = 1 / s2 if s2 > 0 else np.inf
        ci = (1 / high if high > 0 else np.inf, 1 / low if low > 0 else np.inf)
    d_se = se / s2**2 if s2 > 0 else np.inf
    return float(estimate), float(d_se), (float(ci[0]), float(ci[1]))


_CORRECTED_FN = {0: _chao1, 1: _chao_wang_jost, 2: _inverse_simpson}


def hill_numbers(counts, q=(0, 1, 2), *, method="corrected", confidence=0.95):
    r"""Effective number of categories of each order ``q`` (Hill numbers) from a sample.

    Parameters
    ----------
    counts : array_like of int, shape (K,)
        Number of times each category occurs in a sample of
        :math:`T = \sum_k c_k` draws.
    q : float or sequence of float, optional
        Orders, each finite and ``>= 0``; with ``method="corrected"`` each
        must be 0, 1 or 2.
    method : {"corrected", "plug-in"}, optional
        Bias-corrected estimators (see Notes) or the plug-in
        :math:`(\sum_k \hat p_k^q)^{1/(1-q)}` with :math:`\hat p = c/T`.
    confidence : float, optional
        Level of the intervals, in (0, 1).

    Returns
    -------
    HillNumbers
        Arrays over the orders, in the order given.

    Notes
    -----
    The Hill number of order :math:`q` (Hill 1973) is

    .. math:: D_q = \Big(\sum_k p_k^q\Big)^{1/(1-q)}, \qquad
        D_1 = \exp\Big(-\sum_k p_k \ln p_k\Big),

    the number of equally common categories with the same diversity:
    :math:`D_0` counts the categories, :math:`D_1` is the exponential of the
    Shannon entropy, :math:`D_2` the inverse Simpson concentration. The
    plug-in values are biased low, most for small :math:`q` (unseen
    categories). ``method="corrected"`` uses

    * :math:`q = 0`: Chao1 (Chao 1987),
      :math:`S_{\rm obs} + \tfrac{T-1}{T} f_1^2/(2 f_2)`
      (:math:`\tfrac{T-1}{T} f_1(f_1 - 1)/2` when :math:`f_2 = 0`), a
      lower bound that is unbiased when the unseen categories are about
      equally rare; Chao's variance and log-normal interval
      :math:`S_{\rm obs} + \hat f_0 / K^{\pm 1}`,
      :math:`K = \exp(z\sqrt{\ln(1 + \widehat{\mathrm{Var}}/\hat f_0^2)})`.
    * :math:`q = 1`: the exponential of the Chao, Wang & Jost (2013) entropy

      .. math:: \hat H = \sum_{1 \le c_k \le T-1} \frac{c_k}{T}
          \sum_{j=c_k}^{T-1} \frac1j + \frac{f_1}{T}(1-A)^{1-T}
          \Big(-\ln A - \sum_{r=1}^{T-1} \frac{(1-A)^r}{r}\Big),

      :math:`A = 2f_2/((T-1)f_1 + 2f_2)` (:math:`2/((T-1)(f_1-1)+2)` when
      :math:`f_2 = 0`), whose first term is unbiased for all but the
      :math:`\sum_{r \ge T}` part of the series
      :math:`H = \sum_{r \ge 1} \frac1r \sum_k p_k (1-p_k)^r` and whose second
      term estimates that part from the singletons. It is far less biased than
      the coverage-adjusted Chao-Shen (2003) estimator where many categories
      are unseen. The interval is :math:`\exp(\hat H \pm z\,\mathrm{se})` with
      the multinomial delta-method
      :math:`\mathrm{se}^2 = (\sum \hat p \ln^2 \hat p - (\sum \hat p \ln \hat p)^2)/T`,
      which ignores the unseen categories: it covers at its nominal rate
      only when the sample coverage :math:`1 - f_1/T` is high (measured).
    * :math:`q = 2`: :math:`1/\hat\lambda`, with
      :math:`\hat\lambda = \sum_k c_k(c_k - 1)/(T(T-1))` unbiased for
      :math:`\sum_k p_k^2`, its exact U-statistic variance
      :math:`\tfrac{4(T-2)}{T(T-1)}(s_3 - s_2^2) + \tfrac{2}{T(T-1)}(s_2 - s_2^2)`
      with unbiased :math:`s_2, s_3`, and the normal interval for
      :math:`\lambda` inverted.

    The plug-in intervals are the multinomial delta method on
    :math:`\ln D_q`. Measured bias and coverage are in ``docs/estimate.md``.

    Examples
    --------
    >>> result = hill_numbers([10, 10, 10, 10])
    >>> [round(float(x), 6) for x in result.estimate]
    [4.0, 4.15609, 4.333333]
    """
    counts = _check_counts(counts)
    check_choice("method", method, HILL_METHODS)
    confidence = check_confidence(confidence)
    if isinstance(q, str | bytes | bool | np.bool_):
        raise TypeError(f"q must be a real number or sequence of them, got q={q!r}")
    orders = check_real("q", q)
    if orders.ndim > 1 or orders.size == 0 or np.any(orders < 0):
        raise ValueError(f"q must be a number >= 0 or a non-empty 1-D sequence of them, "
                         f"got q={q!r}")
    orders = np.atleast_1d(orders)
    if method == "corrected" and not np.all(np.isin(orders, list(CORRECTED))):
        raise ValueError(f"q must be 0, 1 or 2 with method='corrected' (bias-corrected "
                         f"estimators exist for these orders; use method='plug-in'), got q={q!r}")
    z = _z(confidence)
    rows, names, observed = [], [], []
    for order in orders.tolist():
        observed.append(_plug_in(counts, order, z)[0])
        if method == "corrected":
            rows.append(_CORRECTED_FN[int(order)](counts, z))
            names.append(CORRECTED[int(order)])
        else:
            rows.append(_plug_in(counts, order, z))
            names.append("plug-in")
    estimate = np.array([r[0] for r in rows])
    se = np.array([r[1] for r in rows])
    low = np.array([r[2][0] for r in rows])
    high = np.array([r[2][1] for r in rows])
    return HillNumbers(orders, estimate, se, (low, high), method, tuple(names), confidence,
                       np.array(observed), int(counts.sum()), int(np.count_nonzero(counts)))


# --------------------------------------------------------------------------
# distinct items


def expected_distinct(p, T):
    r"""Exact expected number of distinct categories in ``T`` draws from ``p``.

    Parameters
    ----------
    p : array_like, shape (..., K)
        Probability vector(s): entries in ``[0, 1]`` summing to 1 within 1e-9.
    T : int or array_like of int
        Number of draws, ``>= 0``; broadcast against ``p.shape[:-1]``.

    Returns
    -------
    ndarray or float

    Notes
    -----
    By linearity of expectation over categories,

    .. math:: E\,|\{k : c_k > 0\}| = \sum_k \big(1 - (1 - p_k)^T\big)
        = -\sum_k \operatorname{expm1}\big(T \operatorname{log1p}(-p_k)\big),

    evaluated in log space, so :math:`T = 10^9` neither under- nor
    overflows. This is the number of types a unigram model with
    probabilities ``p`` generates in a corpus of ``T`` tokens, and
    :func:`modelcollapse.discrete.expected_support` after one fit.

    Examples
    --------
    >>> round(float(expected_distinct([0.5, 0.5], 3)), 6)  # 2 (1 - 2^-3)
    1.75
    """
    p = check_probabilities("p", p)
    T = check_int_array("T", T, minimum=0, why=" (a number of draws)")
    try:
        np.broadcast_shapes(T.shape, p.shape[:-1])
    except ValueError:
        raise ValueError(f"T must broadcast against p.shape[:-1] = {p.shape[:-1]}, got T of "
                         f"shape {T.shape}") from None
    # T log(1 - p) with 0 * log(0) = 0 (T = 0, p = 1: an empty sample draws nothing)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.where(np.asarray(T)[..., None] == 0, 0.0,
                            np.asarray(T, dtype=np.float64)[..., None] * np.log1p(-p))
    out = 0.0 - np.expm1(exponent).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def distinct_n(tokens, n=1):
    r"""Distinct-n: the fraction of the n-grams of a token sequence that are distinct.

    Parameters
    ----------
    tokens : array_like, shape (L,)
        A token sequence (strings or integers), ``L >= n``.
    n : int, optional
        n-gram order, ``>= 1``.

    Returns
    -------
    float
        :math:`|\{\text{distinct n-grams}\}| / (L - n + 1)`, in ``(0, 1]``.

    Notes
    -----
    Li et al. (2016) score a generator's diversity by the number of distinct
    n-grams divided by the number of generated n-grams. It depends on the
    length :math:`L` (it falls as :math:`L` grows even for a fixed model:
    for ``n = 1`` its expectation under a unigram model is
    :func:`expected_distinct` :math:`(p, L)/L`), so compare it only at equal
    lengths.

    Examples
    --------
    >>> distinct_n("the cat and the dog and the cat".split(), 2)
    0.7142857142857143
    """
    n = check_int("n", n, minimum=1)
    if isinstance(tokens, str):
        raise TypeError(f"tokens must be a sequence of tokens, not one string, "
                        f"got tokens={_shown(tokens)}")
    try:
        arr = np.asarray(tokens)
    except (ValueError, TypeError):
        arr = np.empty((0, 0))  # ragged: reported below as not a 1-D sequence
    if arr.ndim != 1 or arr.size < n or arr.dtype == object or arr.dtype.kind in "bfc":
        raise ValueError(f"tokens must be a 1-D sequence of at least n={n} strings or integers, "
                         f"got tokens={_shown(tokens)}")
    _, codes = np.unique(arr, return_inverse=True)
    grams = np.lib.stride_tricks.sliding_window_view(codes.ravel(), n)
    return len(np.unique(grams, axis=0)) / grams.shape[0]


def vendi_score(K):
    r"""Vendi score of a sample from its similarity matrix: an effective number of items.

    Parameters
    ----------
    K : array_like, shape (n, n)
        Similarity matrix :math:`K_{ij} = k(x_i, x_j)` of the ``n`` samples:
        symmetric, positive semi-definite, with unit diagonal
        (:math:`k(x, x) = 1`).

    Returns
    -------
    float
        In :math:`[1, n]`.

    Notes
    -----
    Friedman & Dieng (2023), Definition 3.1:

    .. math:: \mathrm{VS}(K) = \exp\Big(-\sum_{i=1}^n \lambda_i \ln \lambda_i\Big),

    :math:`\lambda_i` the eigenvalues of :math:`K/n` (which sum to 1 because
    the diagonal is 1), :math:`0 \ln 0 = 0`: the exponential of the Shannon
    entropy of the eigenvalues. With the one-hot kernel
    :math:`K_{ij} = \mathbf 1[x_i = x_j]` the eigenvalues are the sample
    frequencies :math:`c_k/n`, so the score is the plug-in Hill number
    :math:`\exp(\hat H)` (:func:`hill_numbers`, ``q=1``,
    ``method="plug-in"``). It describes the sample, not a population: it
    has no bias to correct against a population value.

    Examples
    --------
    >>> K = [[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> round(vendi_score(K), 4)  # the Vendi-Score project's README example
    2.1573
    """
    _, w, _ = check_covariance("K", K)
    if w.ndim != 1:
        raise ValueError(f"K must be one (n, n) similarity matrix, got shape {np.shape(K)}")
    diag = np.diagonal(np.asarray(K, dtype=np.float64))
    if np.any(np.abs(diag - 1) > _DIAG_TOL):
        raise ValueError(f"K must have a unit diagonal (k(x, x) = 1), got diagonal "
                         f"{_shown(diag)}")
    lam = w / w.sum()
    return float(np.exp(-np.sum(special.xlogy(lam, lam))))
