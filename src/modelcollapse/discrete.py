r"""The categorical recursion: neutral Wright-Fisher drift (Shumailov et al. 2023).

Section "Discrete distributions with exact approximation" of "The Curse of
Recursion: Training on Generated Data Makes Models Forget" (arXiv:2305.17493);
Nature 2024 version, "Theoretical intuition".

The model, with the package's fixed indexing:

* :math:`D_0 = \mathrm{Categorical}(p_0)` over :math:`K` categories.
* Generation :math:`i` draws :math:`M_i` points from model :math:`i`; their
  counts are :math:`c_i \sim \mathrm{Multinomial}(M_i, p_i)`.
* Model :math:`i + 1` is the empirical distribution :math:`p_{i+1} = c_i / M_i`
  (the maximum-likelihood fit); "after :math:`n` generations" is :math:`p_n`.

This is haploid Wright-Fisher drift with population sizes :math:`M_i`, so
population genetics supplies exact results: :math:`p_n` is a martingale,
every category is eventually lost or fixed (the chain is absorbed in a delta
function), category :math:`k` is fixed with probability :math:`p_{0,k}`, and
rare categories are lost first. One category against the rest is the
two-type chain :math:`c_i \mid c_{i-1} \sim \mathrm{Binomial}(M_i, c_{i-1}/M_{i-1})`,
on which the loss probabilities and absorption times below are computed
exactly with dense transition matrices up to :data:`MAX_EXACT_M`, and
beyond it by a banded recursion with a bracketed error (``M`` up to 10^9).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

from ._policy import check_fresh, fresh_counts
from ._rng import as_generator, seed_entropy
from ._sampling import check_temperature, check_top_k, check_top_p, is_identity, transform
from ._threads import one_blas_thread
from ._validate import (
    _shown,
    check_choice,
    check_int,
    check_int_array,
    check_probabilities,
    check_real,
)
from .schedule import sizes_at_least

__all__ = [
    "MAX_EXACT_M",
    "DiscreteChain",
    "Diversity",
    "Estimate",
    "diversity",
    "expected_heterozygosity",
    "expected_support",
    "fixation_probability",
    "kimura_absorption_time",
    "kimura_loss_time",
    "loss_probability",
    "mean_absorption_time",
    "mean_loss_time",
    "simulate",
    "zipf_p0",
]

#: Largest sample size of the exact two-type chain: its transition matrices are
#: dense, ``(M + 1)^2`` float64 entries (128 MiB at this size).
MAX_EXACT_M = 4096

KEEPS = ("all", "last")
LOSS_METHODS = ("auto", "dense", "banded", "branching", "diffusion")
#: Band entries x steps above which ``method="auto"`` refuses the banded recursion.
MAX_BANDED_WORK = 2e9
METHODS = ("auto", "counts", "labels")
_WHY_M = " (a categorical fit needs M_i >= 1 draws)"
_WHY_EXACT = f" for the exact two-type chain (dense (M+1)^2 matrices; MAX_EXACT_M={MAX_EXACT_M})"
#: Entries of the (rows x (M + 1)) binomial block computed at once.
_BLOCK = 2**21


# --------------------------------------------------------------------------
# argument checks


def _check_p0(p0):
    """``p0`` as a float64 array (..., K) of probability vectors."""
    return check_probabilities("p0", p0)


def _check_probability(name, p, *, below_one=False):
    """``p`` as a float64 array with entries in [0, 1] (or [0, 1))."""
    arr = check_real(name, p)
    upper_ok = arr < 1 if below_one else arr <= 1
    if not np.all((arr >= 0) & upper_ok):
        rule = "[0, 1)" if below_one else "[0, 1]"
        raise ValueError(f"{name} must be a probability in {rule}, got {name}={_shown(p)}")
    return arr


def _exact_schedule(M, n_max):
    """Sizes ``M_0..M_{n_max-1}`` checked to be in ``[1, MAX_EXACT_M]``."""
    schedule, sizes = sizes_at_least(M, n_max, 1, _WHY_M)
    if sizes.size and sizes.max() > MAX_EXACT_M:
        raise ValueError(
            f"M must be <= {MAX_EXACT_M}{_WHY_EXACT}, "
            f"got M={_shown(M)} (contains {int(sizes.max())})"
        )
    return schedule, sizes


def _exact_constant_M(M):
    M = check_int("M", M, minimum=1, why=_WHY_M)
    if M > MAX_EXACT_M:
        raise ValueError(f"M must be <= {MAX_EXACT_M}{_WHY_EXACT}, got M={M}")
    return M


def _check_diffusion_M(M):
    """A real population size ``M >= 1`` (the diffusion formulas need no integer)."""
    arr = check_real("M", M)
    if not np.all(arr >= 1):
        raise ValueError(f"M must be >= 1, got M={_shown(M)}")
    return arr


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


# --------------------------------------------------------------------------
# the two-type chain


def _binomial_pmf(m, q):
    r"""Rows :math:`\Pr[\mathrm{Binomial}(m, q_r) = j]`, ``j = 0..m``, in log space.

    ``q`` is a 1-D array in [0, 1]; ``q = 0`` and ``q = 1`` give exact point
    masses. Returns shape ``(q.size, m + 1)``; the log masses are outer sums
    (no per-entry special function), accurate to about ``m * eps`` relative.
    """
    j = np.arange(m + 1, dtype=np.float64)
    log_choose = special.gammaln(m + 1.0) - special.gammaln(j + 1) - special.gammaln(m - j + 1)
    out = np.zeros((q.size, m + 1))
    inner = (q > 0) & (q < 1)
    q_inner = q[inner]
    log_mass = np.multiply.outer(np.log(q_inner), j)
    log_mass += np.multiply.outer(np.log1p(-q_inner), m - j)
    log_mass += log_choose
    out[inner] = np.exp(log_mass, out=log_mass)
    out[q == 0, 0] = 1.0
    out[q == 1, m] = 1.0
    return out


def _transition(m_prev, m):
    r"""Two-type transition matrix: row ``j`` is Binomial(``m``, ``j / m_prev``)."""
    return _binomial_pmf(m, np.arange(m_prev + 1) / m_prev)


def _absorbed_by(n_values, schedule, sizes):
    r"""Columns :math:`h_n(j) = \Pr(c_{n-1} = 0 \mid c_0 = j)` for each ``n`` in ``n_values``.

    Backward recursion :math:`h_n = T_1 T_2 \cdots T_{n-1} e_0`, one matrix-vector
    product per generation. For a constant schedule every ``n`` comes out of
    one pass, :math:`h_{n+1} = T h_n`; otherwise each ``n`` is its own pass.
    Returns shape ``(M_0 + 1, len(n_values))``; every ``n`` here is ``>= 1``.
    """
    m0 = int(sizes[0])
    out = np.empty((m0 + 1, len(n_values)))
    if schedule.constant is not None:
        step = _transition(m0, m0)
        h = np.zeros(m0 + 1)
        h[0] = 1.0
        done = 1
        for col, n in sorted(enumerate(n_values), key=lambda t: t[1]):
            for _ in range(n - done):
                h = step @ h
            done = n
            out[:, col] = h
        return out
    # matrices built on the fly, never cached: at most two (M + 1)^2 blocks live
    for col, n in enumerate(n_values):
        h = np.zeros(int(sizes[n - 1]) + 1)
        h[0] = 1.0
        for i in range(n - 1, 0, -1):
            h = _transition(int(sizes[i - 1]), int(sizes[i])) @ h
        out[:, col] = h
    return out


def loss_probability(n, M, p, *, method="auto"):
    r"""Exact probability that a category of initial probability ``p`` is lost after ``n`` fits.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes ``M_0..M_{n-1}``, each ``>= 1`` (``<= MAX_EXACT_M`` for
        ``method="dense"``).
    p : float or array_like
        Initial probability of the category, in ``[0, 1]``.
    method : {"auto", "dense", "banded", "branching", "diffusion"}, optional
        ``"dense"``: the transition matrices below, every ``M_i <=
        MAX_EXACT_M``. ``"banded"``: the same chain at any ``M`` (tested to
        ``10**9``), each binomial row kept within Bernstein's bound of its mean
        and counts capped where the loss probability from them is negligible,
        both cuts bracketed so that the error is below 1e-12 (cost about
        :math:`n^{2.5}`, independent of ``M``: ``M = 10**6``, ``n = 50`` in
        about 1 s). ``"branching"``: the Poisson Galton-Watson approximation
        :math:`(1 - p(1 - s))^{M_0}`, :math:`s = f_1(\cdots f_{n-1}(0))`,
        :math:`f_i(s) = e^{(M_i/M_{i-1})(s - 1)}`, for rare categories at any
        ``n`` (relative error about ``M p^2``: 2e-5 at ``M p = 30``,
        ``M = 10**6``). ``"diffusion"``: Feller's approximation
        :math:`(1 - p(1 - e^{-2/(M_0\tau)}))^{M_0}`, :math:`\tau =
        \sum_{i=1}^{n-1} 1/M_i`, for rare categories (its error is measured
        in ``benchmarks/bench_loss_probability.py``). ``"auto"`` takes
        ``"dense"`` up to ``MAX_EXACT_M`` and ``"banded"`` beyond, and raises
        rather than approximate when the banded recursion would touch more
        than ``MAX_BANDED_WORK`` entries.

    Returns
    -------
    ndarray or float
        :math:`\Pr(p_{n,k} = 0)`, broadcast over ``n`` and ``p``.

    Notes
    -----
    Lumping every other category together leaves the two-type chain
    :math:`c_0 \sim \mathrm{Binomial}(M_0, p)`,
    :math:`c_i \mid c_{i-1} \sim \mathrm{Binomial}(M_i, c_{i-1}/M_{i-1})`, and

    .. math::

        \Pr(p_{n,k} = 0) = \sum_{j=0}^{M_0} \binom{M_0}{j} p^j (1-p)^{M_0-j}\,
        \big(T_1 T_2 \cdots T_{n-1} e_0\big)_j ,
        \qquad (T_i)_{jl} = \binom{M_i}{l}\Big(\frac{j}{M_{i-1}}\Big)^l
        \Big(1 - \frac{j}{M_{i-1}}\Big)^{M_i - l},

    evaluated backwards (matrix-vector products, binomial masses in log
    space; for a non-constant schedule one backward pass per distinct
    ``n``). In particular :math:`\Pr(p_{1,k} = 0) = (1 - p)^{M_0}`. It is
    increasing in ``n`` (0 is absorbing) and decreasing in ``p``: rare
    categories are lost first (Shumailov et al. 2023, "Discrete distributions
    with exact approximation"). Cost :math:`O(n M^2)`; M = 2000, n = 50 takes
    about 0.15 s on an idle 2-core machine.

    Examples
    --------
    >>> round(float(loss_probability(1, 10, 0.1)), 12)  # (1 - 0.1)^10
    0.3486784401
    >>> [round(float(x), 4) for x in loss_probability(50, 100, [0.01, 0.1, 0.5])]
    [0.9589, 0.648, 0.0734]
    """
    n = check_int_array("n", n, minimum=0)
    p = _check_probability("p", p)
    check_choice("method", method, LOSS_METHODS)
    n, p = np.broadcast_arrays(n, p)
    n_max = int(n.max()) if n.size else 0
    schedule, sizes = sizes_at_least(M, n_max, 1, _WHY_M)
    if method == "auto":
        method = "dense" if not sizes.size or sizes.max() <= MAX_EXACT_M else "banded"
    if method == "dense":
        schedule, sizes = _exact_schedule(M, n_max)
    out = np.where(p == 0, 1.0, 0.0)
    positive = n > 0
    if not np.any(positive):
        return _scalar(out)
    n_values, n_index = np.unique(n[positive], return_inverse=True)
    q_values, q_index = np.unique(p[positive], return_inverse=True)
    if method != "dense":
        out[positive] = _large_loss(n_values.tolist(), schedule, sizes, q_values,
                                    method)[q_index, n_index]
        return _scalar(out)
    with one_blas_thread():
        h = _absorbed_by(n_values.tolist(), schedule, sizes)
    m0 = int(sizes[0])
    losses = np.empty((q_values.size, n_values.size))
    rows = max(1, _BLOCK // (m0 + 1))
    for start in range(0, q_values.size, rows):
        block = _binomial_pmf(m0, q_values[start : start + rows])
        losses[start : start + rows] = block @ h
    out[positive] = np.minimum(losses[q_index, n_index], 1.0)
    return _scalar(out)


def _large_loss(n_values, schedule, sizes, q, method):
    """Loss probabilities (q.size, len(n_values)) by the banded recursion or Feller's diffusion."""
    from . import _banded

    if method == "diffusion":
        return _banded.feller_loss(n_values, sizes, q)
    if method == "branching":
        return _banded.branching_loss(n_values, sizes, q)
    constant = schedule.constant is not None
    work = _banded.banded_work(n_values, constant)
    if work > MAX_BANDED_WORK:
        raise ValueError(
            f"method must be 'branching' or 'diffusion' (approximations) for n this large: "
            f"the banded recursion would touch "
            f"about {work:.2g} entries (MAX_BANDED_WORK={MAX_BANDED_WORK:g}), "
            f"got n up to {max(n_values)}")
    bracket = _banded.loss_bracket(n_values, sizes, constant, q)
    return 0.5 * (bracket.lower + bracket.upper)


def expected_support(n, M, p0, *, method="auto"):
    r"""Expected number of categories still alive after ``n`` fits.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``; broadcast against ``p0.shape[:-1]``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes, each ``>= 1``.
    p0 : array_like, shape (..., K)
        Initial probability vector(s).
    method : {"auto", "dense", "banded", "branching", "diffusion"}, optional
        As in :func:`loss_probability`.

    Returns
    -------
    ndarray or float

    Notes
    -----
    By linearity of expectation over categories,

    .. math:: E\,|\{k : p_{n,k} > 0\}| = \sum_k \big(1 - \Pr(p_{n,k} = 0)\big),

    each term from :func:`loss_probability`. It decreases to 1: the chain is
    absorbed in a delta function.

    Examples
    --------
    >>> round(float(expected_support(1, 10, [0.5, 0.5])), 6)  # 2 (1 - 2^-10)
    1.998047
    """
    p0 = _check_p0(p0)
    n = check_int_array("n", n, minimum=0)
    alive = 1.0 - loss_probability(np.asarray(n)[..., None], M, p0, method=method)
    return _scalar(np.asarray(alive).sum(axis=-1))


def expected_heterozygosity(n, M, p0):
    r"""Expected heterozygosity (Gini-Simpson index) after ``n`` fits.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``; broadcast against ``p0.shape[:-1]``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes ``M_i >= 1``.
    p0 : array_like, shape (..., K)
        Initial probability vector(s).

    Returns
    -------
    ndarray or float
        :math:`E[1 - \sum_k p_{n,k}^2]`.

    Notes
    -----
    The multinomial second moment
    :math:`E[p_{i+1,k}^2 \mid p_i] = p_{i,k}^2 + p_{i,k}(1 - p_{i,k})/M_i`
    gives :math:`E[H_{i+1} \mid p_i] = (1 - 1/M_i) H_i`, hence

    .. math:: E[H_n] = \Big(1 - \sum_k p_{0,k}^2\Big) \prod_{i<n} \big(1 - 1/M_i\big),

    the classical decay of heterozygosity under drift, summed in log space
    (any ``M_i = 1`` makes it 0). The probability that two draws of model
    ``n`` differ vanishes geometrically: the chain collapses to a point mass.

    Examples
    --------
    >>> round(float(expected_heterozygosity(10, 100, [0.5, 0.5])), 6)  # 0.5 * 0.99^10
    0.452191
    """
    p0 = _check_p0(p0)
    n = check_int_array("n", n, minimum=0)
    schedule, _ = sizes_at_least(M, int(n.max()) if n.size else 0, 1, _WHY_M)
    with np.errstate(divide="ignore"):  # M_i = 1: log 0 = -inf, E[H_n] = 0
        log_factor = schedule.cumulative(lambda m: np.log1p(-1.0 / m), n)
    return _scalar((1.0 - np.sum(p0 * p0, axis=-1)) * np.exp(log_factor))


def fixation_probability(p0):
    r"""Probability that the chain is absorbed in category ``k``: :math:`p_{0,k}`.

    Parameters
    ----------
    p0 : array_like, shape (..., K)
        Initial probability vector(s).

    Returns
    -------
    ndarray, shape (..., K)

    Notes
    -----
    :math:`p_{n,k}` is a bounded martingale, so it converges almost surely and
    in :math:`L^1` to some :math:`p_{\infty,k}` with :math:`E[p_{\infty,k}] = p_{0,k}`.
    When :math:`\sum_i 1/M_i = \infty` (any bounded schedule) the expected
    heterozygosity tends to 0, so the limit is a point mass:
    :math:`p_{\infty,k} = \mathbb{1}[\text{fixed in } k]` and
    :math:`\Pr(\text{fixed in } k) = p_{0,k}` (Shumailov et al. 2023: the chain
    "lands on each state with its original probability"). With
    :math:`\sum_i 1/M_i < \infty` (e.g. geometric growth) the chain keeps
    heterozygosity :math:`H_0\prod_i(1 - 1/M_i) > 0` in expectation and need
    not collapse. :func:`loss_probability` at ``1 - p`` gives the
    finite-``n`` version, :math:`\Pr(p_{n,k} = 1)`.

    Examples
    --------
    >>> fixation_probability([0.7, 0.2, 0.1]).tolist()
    [0.7, 0.2, 0.1]
    """
    return _check_p0(p0)


# --------------------------------------------------------------------------
# absorption times (constant M, two types)


def _fundamental_solve(M, rhs):
    r""":math:`N b = (I - Q)^{-1} b` over the transient counts ``1..M-1``."""
    transient = _transition(M, M)[1:M, 1:M]
    return linalg.solve(np.eye(M - 1) - transient, rhs)


def mean_absorption_time(M, p):
    r"""Exact expected number of fits until one category holds everything (two types).

    Parameters
    ----------
    M : int
        Constant sample size, in ``[1, MAX_EXACT_M]``.
    p : float or array_like
        Initial frequency of one type, in ``[0, 1]``.

    Returns
    -------
    ndarray or float
        :math:`E[T]`, :math:`T = \min\{n : p_n \in \{0, 1\}\}`.

    Notes
    -----
    With :math:`Q` the transition matrix restricted to the transient counts
    :math:`1..M-1` and :math:`N = (I - Q)^{-1}` its fundamental matrix, the
    expected number of further fits from count :math:`j` is
    :math:`\tau = N\mathbf 1`, and the first fit draws
    :math:`c_0 \sim \mathrm{Binomial}(M, p)`:

    .. math:: E[T] = 1 + \sum_{j=1}^{M-1}\binom{M}{j}p^j(1-p)^{M-j}\,\tau_j
              \quad (0 < p < 1),

    and 0 at ``p`` in {0, 1}. Kimura's diffusion approximation is
    :func:`kimura_absorption_time`. Cost :math:`O(M^3)` (one dense solve).

    Examples
    --------
    >>> round(float(mean_absorption_time(2, 0.5)), 6)  # fixes with prob. 1/2 per fit
    2.0
    """
    M = _exact_constant_M(M)
    p = _check_probability("p", p)
    times = np.zeros(M + 1)
    if M > 1:
        times[1:M] = _fundamental_solve(M, np.ones(M - 1))
    inside = (p > 0) & (p < 1)
    first = _binomial_pmf(M, p[inside].ravel())
    out = np.zeros(p.shape)
    out[inside] = 1.0 + first @ times
    return _scalar(out)


def mean_loss_time(M, p):
    r"""Exact expected number of fits until a type of frequency ``p`` is lost, given that it is.

    Parameters
    ----------
    M : int
        Constant sample size, in ``[1, MAX_EXACT_M]``.
    p : float or array_like
        Initial frequency, in ``[0, 1)`` (a type at ``p = 1`` is never lost).

    Returns
    -------
    ndarray or float
        :math:`E[T \mid \text{lost}]`.

    Notes
    -----
    With :math:`h_j = 1 - j/M` the loss probability from count :math:`j` and
    :math:`N` the fundamental matrix (see :func:`mean_absorption_time`),
    :math:`E[T'\,\mathbb 1_{\text{lost}} \mid c_0 = j] = (N h)_j`, so

    .. math:: E[T \mid \text{lost}] = \frac{1}{1 - p}\sum_{j=0}^{M-1}
              \binom{M}{j}p^j(1-p)^{M-j}\big(h_j + (N h)_j\big).

    Kimura's :math:`t_0(p) = -2Mp\ln p/(1-p)` (:func:`kimura_loss_time`)
    approximates it: the time to forget a token is roughly linear in its
    frequency (Suresh et al. 2024).

    Examples
    --------
    >>> round(float(mean_loss_time(2, 0.5)), 6)
    2.0
    """
    M = _exact_constant_M(M)
    p = _check_probability("p", p, below_one=True)
    counts = np.arange(M + 1)
    h = 1.0 - counts / M
    weighted = h.copy()
    if M > 1:
        weighted[1:M] += _fundamental_solve(M, h[1:M])
    inside = p > 0
    q = p[inside].ravel()
    out = np.zeros(p.shape)
    out[inside] = (_binomial_pmf(M, q) @ weighted) / (1.0 - q)
    return _scalar(out)


def kimura_absorption_time(M, p):
    r"""Kimura's diffusion approximation of :func:`mean_absorption_time`.

    .. math:: \bar t(p) = -2M\big[p\ln p + (1 - p)\ln(1 - p)\big]

    (Kimura and Ohta 1969, in fits of a haploid population of size ``M``).

    Examples
    --------
    >>> round(float(kimura_absorption_time(100, 0.5)), 4)  # 200 ln 2
    138.6294
    """
    M = _check_diffusion_M(M)
    p = _check_probability("p", p)
    with np.errstate(over="ignore"):  # inf only where the time itself exceeds float64
        return _scalar(M * (-2.0 * (special.xlogy(p, p) + special.xlog1py(1 - p, -p))))


def kimura_loss_time(M, p):
    r"""Kimura's conditional loss time :math:`t_0(p) = -2Mp\ln p/(1 - p)`.

    Approximates :func:`mean_loss_time`; it tends to :math:`2M` as
    :math:`p \to 1` and is :math:`\approx 2Mp\ln(1/p)` for rare types.

    Examples
    --------
    >>> round(float(kimura_loss_time(100, 0.5)), 4)  # 200 ln 2
    138.6294
    """
    M = _check_diffusion_M(M)
    p = _check_probability("p", p, below_one=True)
    with np.errstate(over="ignore"):  # inf only where the time itself exceeds float64
        return _scalar(M * (-2.0 * special.xlogy(p, p) / (1.0 - p)))


# --------------------------------------------------------------------------
# initial distributions


def zipf_p0(K, s=1.0):
    r"""Zipf-like probability vector :math:`p_k \propto k^{-s}`, ``k = 1..K``.

    Token frequencies of natural text look like this with ``s`` near 1.

    Parameters
    ----------
    K : int
        Number of categories, ``>= 1``.
    s : float, optional
        Exponent, finite and ``>= 0`` (``s = 0`` is uniform).

    Examples
    --------
    >>> [round(x, 4) for x in zipf_p0(3).tolist()]  # (1, 1/2, 1/3) / (11/6)
    [0.5455, 0.2727, 0.1818]
    """
    K = check_int("K", K, minimum=1)
    s = check_real("s", s, scalar=True)
    if s < 0:
        raise ValueError(f"s must be >= 0, got s={s!r}")
    with np.errstate(over="ignore"):  # s near 1e308: log_w = -inf past k = 1, p = (1, 0, ...)
        log_w = -s * np.log(np.arange(1, K + 1, dtype=np.float64))
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


# --------------------------------------------------------------------------
# simulation


@dataclass(frozen=True)
class DiscreteChain:
    """Fitted categorical models of simulated chains.

    Attributes
    ----------
    p : ndarray, shape (replicates, len(generations), K)
        Fitted probabilities (read-only). With ``keep="all"`` the generations
        are ``0..n`` and ``p[:, 0]`` is ``p0``; with ``keep="last"`` only
        generation ``n`` is kept.
    generations : ndarray of int
        The generation of each entry of axis 1.
    p0 : ndarray, shape (K,)
        The truth.
    M : ndarray, shape (n,)
        The sample sizes ``M_0..M_{n-1}`` used.
    method : str
        How the draws were made (``"counts"`` or ``"labels"``).
    seed_entropy : int or None
        Entropy of the seed sequence that drove the simulation (provenance).
    """

    p: np.ndarray
    generations: np.ndarray
    p0: np.ndarray
    M: np.ndarray
    method: str
    seed_entropy: int | None

    @property
    def n(self):
        """Number of fits simulated."""
        return int(self.M.size)

    @property
    def replicates(self):
        """Number of independent chains."""
        return self.p.shape[0]

    @property
    def last(self):
        """The fitted probabilities after ``n`` fits, shape (replicates, K)."""
        return self.p[:, -1]

    def lost(self):
        """Boolean (replicates, generations, K): category extinct."""
        return self.p == 0

    def entropy(self):
        r"""Shannon entropy :math:`-\sum_k p_k\ln p_k` in nats, shape (replicates, generations)."""
        return -special.xlogy(self.p, self.p).sum(axis=-1)

    def support_size(self):
        """Number of categories alive, shape (replicates, generations)."""
        return np.count_nonzero(self.p, axis=-1)

    def tail_mass(self, threshold):
        """Mass of the categories with ``p0 < threshold``, shape (replicates, generations).

        Its expectation stays :math:`\\sum_{p_{0,k} < t} p_{0,k}` (a martingale),
        while the number of tail categories alive drops.
        """
        threshold = check_real("threshold", threshold, scalar=True)
        return self.p[..., self.p0 < threshold].sum(axis=-1)


@dataclass(frozen=True)
class Estimate:
    """Monte Carlo mean over replicates and its standard error, per generation."""

    mean: np.ndarray
    std_error: np.ndarray


@dataclass(frozen=True)
class Diversity:
    """Diversity of a simulated chain per kept generation, each with its standard error.

    Attributes
    ----------
    generations : ndarray of int
    entropy, support, tail_mass : Estimate
        Shannon entropy (nats), number of categories alive, and mass of the
        categories with ``p0 < threshold``.
    threshold : float
    """

    generations: np.ndarray
    entropy: Estimate
    support: Estimate
    tail_mass: Estimate
    threshold: float


def _estimate(values):
    values = np.asarray(values, dtype=np.float64)
    return Estimate(values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(values.shape[0]))


def diversity(chain, *, threshold=None):
    r"""Shannon entropy, support size and tail mass of ``chain`` with standard errors.

    Parameters
    ----------
    chain : DiscreteChain
        At least 2 replicates (the standard error is their spread).
    threshold : float, optional
        Categories with :math:`p_{0,k} <` ``threshold`` form the tail; default
        :math:`1/K` (the categories rarer than uniform).

    Returns
    -------
    Diversity

    Notes
    -----
    The standard error of each mean is the sample standard deviation over
    replicates divided by :math:`\sqrt{R}`. Expected values to hold them
    against: :func:`expected_support` for the support, and the constant
    :math:`\sum_{p_{0,k} < t} p_{0,k}` for the tail mass (:math:`p_n` is a
    martingale); the entropy only decreases on average
    (:math:`E[H_n]` has no closed form).

    Examples
    --------
    >>> d = diversity(simulate(20, 50, zipf_p0(10), replicates=200, rng=1))
    >>> bool(d.support.mean[-1] < 10)
    True
    """
    if not isinstance(chain, DiscreteChain):
        raise TypeError(f"chain must be a DiscreteChain, got chain={type(chain).__name__}")
    if chain.replicates < 2:
        raise ValueError(
            "chain must have replicates >= 2 for a standard error, "
            f"got replicates={chain.replicates}"
        )
    if threshold is None:
        threshold = 1.0 / chain.p0.size
    threshold = check_real("threshold", threshold, scalar=True)
    return Diversity(
        generations=chain.generations,
        entropy=_estimate(chain.entropy()),
        support=_estimate(chain.support_size()),
        tail_mass=_estimate(chain.tail_mass(threshold)),
        threshold=threshold,
    )


def _count_steps(gen, sizes, draw, replicates):
    """Per generation, the fitted p of every replicate from its multinomial (binomial) counts."""
    K = draw.size
    current = np.broadcast_to(draw, (replicates, K)).copy()
    for m in sizes.tolist():
        if K == 2:
            first = gen.binomial(m, current[:, 0])
            current[:, 0] = first / m
            current[:, 1] = (m - first) / m
        else:
            current = gen.multinomial(m, current) / m
        yield lambda current=current: current


def _label_steps(gen, sizes, draw, replicates):
    """Per generation, a function giving the fitted p, from the drawn labels themselves.

    Generation 0 draws ``M_0`` labels per replicate from ``p0``; generation
    ``i`` draws each of its ``M_i`` labels as a uniformly chosen label of
    generation ``i - 1`` (sampling from the empirical distribution), in
    integer arithmetic: O(replicates x M_i) per generation, whatever ``K``.
    """
    K = draw.size
    offsets = np.arange(replicates)[:, None] * K
    labels = None
    for m in sizes.tolist():
        if labels is None:
            labels = gen.choice(K, size=(replicates, m), p=draw)
        else:
            parents = gen.integers(0, labels.shape[1], size=(replicates, m))
            labels = np.take_along_axis(labels, parents, axis=1)

        def fitted(labels=labels, m=m):
            counts = np.bincount((labels + offsets).ravel(), minlength=replicates * K)
            return counts.reshape(replicates, K) / m

        yield fitted


def _fresh_count_steps(gen, sizes, draw, replicates, fresh):
    """As :func:`_count_steps`, with ``K_i`` of the ``M_i`` draws taken from ``p0`` itself."""
    K = draw.size
    truth = np.broadcast_to(draw, (replicates, K))
    current = truth.copy()
    for m, k in zip(sizes.tolist(), fresh_counts(sizes, fresh).tolist(), strict=True):
        if K == 2:
            first = gen.binomial(k, truth[:, 0]) + gen.binomial(m - k, current[:, 0])
            current = np.stack([first / m, (m - first) / m], axis=1)
        else:
            current = (gen.multinomial(k, truth) + gen.multinomial(m - k, current)) / m
        yield lambda current=current: current


def _accumulate_count_steps(gen, sizes, draw, replicates, fresh):
    """As :func:`_fresh_count_steps`, model ``i + 1`` fitted to the pooled counts of 0..i."""
    truth = np.broadcast_to(draw, (replicates, draw.size))
    current = truth
    pool = np.zeros((replicates, draw.size))
    total = 0
    for m, k in zip(sizes.tolist(), fresh_counts(sizes, fresh).tolist(), strict=True):
        pool += gen.multinomial(k, truth) + gen.multinomial(m - k, current)
        total += m
        current = pool / total
        yield lambda current=current: current


def _transformed_count_steps(gen, sizes, draw, replicates, sampler):
    """As :func:`_count_steps`, each generation drawn from ``transform(p_i)``."""
    current = np.broadcast_to(draw, (replicates, draw.size))
    for m in sizes.tolist():
        current = gen.multinomial(m, transform(current, *sampler)) / m
        yield lambda current=current: current


def simulate(n, M, p0, *, replicates=1, rng=None, keep="all", method="auto", fresh=0.0,
             temperature=1.0, top_k=None, top_p=None, policy="replace"):
    r"""Simulate ``replicates`` independent chains of ``n`` categorical refits.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Sample sizes ``M_0..M_{n-1}``, each ``>= 1``.
    p0 : array_like, shape (K,)
        The truth: entries ``>= 0`` summing to 1 within 1e-9.
    replicates : int, optional
        Number of independent chains, ``>= 1``.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        Source of randomness; the same seed gives the same numbers.
    keep : {"all", "last"}, optional
        Keep every generation, or only generation ``n`` (for large runs).
    method : {"auto", "counts", "labels"}, optional
        ``"counts"`` draws :math:`c_i \sim \mathrm{Multinomial}(M_i, p_i)`
        row-wise for all replicates at once (``Binomial`` for ``K = 2``):
        O(replicates x K) per generation. ``"labels"`` draws the ``M_i``
        labels themselves, generation 0 from ``p0`` and later generations by
        picking uniformly among the previous generation's labels (the
        Wright-Fisher parent picture): O(replicates x M_i), independent of
        ``K``. Both are exact in law; ``"auto"`` takes ``"labels"`` when
        ``K > 2`` and every ``M_i <= K``, else ``"counts"``. The method is
        a deterministic function of the arguments, so a seed still fixes the
        numbers.
    fresh : float, optional
        Fraction :math:`f \in [0, 1]` of every generation drawn from ``p0``
        itself: :math:`K_i = \lfloor f M_i + 1/2\rfloor` of the ``M_i`` draws
        (``method="counts"``; ``"auto"`` picks it). See
        :func:`modelcollapse.policies.discrete_heterozygosity`.
    temperature, top_k, top_p : optional
        Sample every generation, generation 0 included, from the model
        tempered (:math:`p^{1/T}`, ``temperature > 0``) and truncated to its
        ``top_k >= 1`` most probable categories and/or its nucleus of mass
        ``top_p`` in (0, 1], as :func:`modelcollapse.tails.sampling_transform`
        (``method="counts"``, no ``fresh``). The defaults sample the model
        itself. Closed forms: :mod:`modelcollapse.tails`.
    policy : {"replace", "accumulate"}, optional
        What model :math:`i + 1` is fitted to: generation :math:`i` alone, or
        the pooled draws of generations :math:`0..i`, :math:`p_{i+1} =
        \sum_{j\le i} c_j / \sum_{j\le i} M_j` (``method="counts"``, with or
        without ``fresh``; no sampling transform). Closed forms:
        :func:`modelcollapse.policies.discrete_heterozygosity` and
        :func:`modelcollapse.tails.accumulate_loss_probability`.

    Returns
    -------
    DiscreteChain
        ``p`` of shape ``(replicates, n + 1, K)`` (``keep="all"``) or
        ``(replicates, 1, K)`` (``keep="last"``).

    Notes
    -----
    Model :math:`i + 1` is :math:`p_{i+1} = c_i/M_i`. No Python loop runs
    over samples or replicates, only over generations.

    Examples
    --------
    >>> chain = simulate(30, 20, [0.5, 0.3, 0.2], replicates=4, rng=0)
    >>> chain.p.shape
    (4, 31, 3)
    >>> bool(np.allclose(chain.p.sum(axis=-1), 1.0))
    True
    """
    n = check_int("n", n, minimum=0)
    _, sizes = sizes_at_least(M, n, 1, _WHY_M)
    p0 = _check_p0(p0)
    if p0.ndim != 1:
        raise ValueError(f"p0 must be one probability vector (shape (K,)), got shape {p0.shape}")
    replicates = check_int("replicates", replicates, minimum=1)
    check_choice("keep", keep, KEEPS)
    check_choice("method", method, METHODS)
    fresh = check_fresh(fresh)
    check_choice("policy", policy, ("replace", "accumulate"))
    if policy == "accumulate" and (method == "labels" or not is_identity(
            check_temperature(temperature), check_top_k(top_k), check_top_p(top_p))):
        raise ValueError("policy must be 'replace' with method='labels' or a sampling "
                         f"transform (the pooled chain is drawn by counts), got policy={policy!r}")
    if fresh > 0 and method == "labels":
        raise ValueError(f"method must be 'counts' or 'auto' with fresh > 0, got method={method!r}")
    sampler = (check_temperature(temperature), check_top_k(top_k), check_top_p(top_p))
    if not is_identity(*sampler):
        if method == "labels":
            raise ValueError("method must be 'counts' or 'auto' with a sampling transform, "
                             f"got method={method!r}")
        if fresh > 0:
            raise ValueError("fresh must be 0 with a sampling transform "
                             f"(temperature, top_k, top_p), got fresh={fresh!r}")
        method = "counts"
    gen = as_generator(rng)

    K = p0.size
    if method == "auto":
        auto_labels = (K > 2 and (sizes.size == 0 or sizes.max() <= K) and fresh == 0
                       and policy == "replace")
        method = "labels" if auto_labels else "counts"
    steps = _label_steps if method == "labels" else _count_steps
    if fresh > 0:
        steps = functools.partial(_fresh_count_steps, fresh=fresh)
    if not is_identity(*sampler):
        steps = functools.partial(_transformed_count_steps, sampler=sampler)
    if policy == "accumulate":
        steps = functools.partial(_accumulate_count_steps, fresh=fresh)
    out = np.empty((replicates, n + 1 if keep == "all" else 1, K))
    out[:, 0] = p0
    # the draws see p0 renormalised: numpy's samplers tolerate only a ~1e-12 excess
    for i, fitted in enumerate(steps(gen, sizes, p0 / p0.sum(), replicates), start=1):
        if keep == "all":
            out[:, i] = fitted()
        elif i == n:
            out[:, 0] = fitted()
    out.flags.writeable = False
    generations = np.arange(n + 1) if keep == "all" else np.array([n])
    return DiscreteChain(out, generations, p0, sizes, method, seed_entropy(gen))
