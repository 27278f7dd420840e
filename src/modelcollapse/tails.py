r"""Tails under the sampling people use, and the scaling laws of a memoriser on Zipf data.

Two parts.

**Sampling transforms in the loop.** Generative models are sampled tempered
(:math:`p^{1/T}` renormalised) and truncated (top-k, nucleus/top-p).
:func:`modelcollapse.discrete.simulate` applies :func:`sampling_transform`
before every generation's draw (generation 0 included: ``p0`` is model 0),
and this module gives what is exact about that loop: the infinite-sample map
:math:`p_n \propto p_0^{T^{-n}}` and its "heat death" limits (Marchi et al.
2024), the loss probabilities and expected support after the first fit, and
the exact two-category chain for any number of fits.

**Zipf tails and scaling laws.** A memoriser trained on :math:`T` draws from
:math:`q` errs, on test data from :math:`p`, on the categories it has not
seen: :func:`memorizer_error`. For Zipf data :math:`p_i \propto i^{-\beta}`
this gives Hutter's (2021) learning curve :math:`T^{-(\beta-1)/\beta}`;
cutting the tail at rank :math:`k` (what tempered, truncated or finite-sample
synthetic data do) turns it into a plateau :math:`k^{-(\beta-1)}`, and clean
data mixed back in resumes the descent later (Dohmatob et al. 2024). Each
closed form comes with its exact finite sum and its asymptote.

**Real data kept in the loop.** :func:`simulate_real_corpus` refits on one
fixed real corpus plus synthetic draws (the setting of Seddik et al. 2024),
with exact moments in :func:`real_corpus_moments`; the accumulating chain
(``discrete.simulate(policy="accumulate")``) loses a category only at the
first fit (:func:`accumulate_loss_probability`). Both are the package's
derivations (``derivations/tails.py``).

References
----------
Marchi, Soatto, Chaudhari and Tabuada (2024), "Heat Death of Generative
Models in Closed-Loop Learning", arXiv:2404.02325.
Hutter (2021), "Learning Curve Theory", arXiv:2102.04074.
Dohmatob, Feng, Yang, Charton and Kempe (2024), "A Tale of Tails: Model
Collapse as a Change of Scaling Laws", ICML, arXiv:2402.07043, Sections 2-3.
Seddik, Chen, Hayou, Youssef and Debbah (2024), "How Bad is Training on
Synthetic Data? A Statistical Analysis of Language Model Collapse",
arXiv:2404.05090 (the setting only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from . import _banded, _mad, discrete
from ._diversity import expected_distinct
from ._sampling import (
    NUCLEUS_RTOL,
    check_temperature,
    check_top_k,
    check_top_p,
    transform,
)
from ._validate import (
    _shown,
    check_choice,
    check_int,
    check_int_array,
    check_probabilities,
    check_real,
)

#: Zipf normalisers sum this many terms explicitly; the rest in closed form.
_ZIPF_EXPLICIT = 10**5
#: Largest scale whose square is a finite float64.
_MAX_SIGMA = float(np.sqrt(np.finfo(np.float64).max))

__all__ = [
    "MadMoments",
    "RealCorpusMoments",
    "accumulate_loss_probability",
    "first_fit_loss_probability",
    "first_fit_support",
    "heat_death_limit",
    "infinite_sample_map",
    "mad_growth_rate",
    "mad_moments",
    "mad_stationary",
    "memorizer_error",
    "real_corpus_moments",
    "real_corpus_stationary",
    "sampling_transform",
    "simulate_mad",
    "simulate_real_corpus",
    "synthetic_memorizer_error",
    "tail_cut",
    "top_n_error",
    "two_type_loss_probability",
    "zipf_crossover",
    "zipf_distinct_asymptote",
    "zipf_memorizer_asymptote",
    "zipf_top_n_asymptote",
]



def _transform_args(temperature, top_k, top_p):
    return check_temperature(temperature), check_top_k(top_k), check_top_p(top_p)


def _vector(name, p):
    """One probability vector (shape (K,)), normalised exactly."""
    arr = check_probabilities(name, p, vector=True)
    return arr / arr.sum()


# --------------------------------------------------------------------------
# sampling transforms


def sampling_transform(p, *, temperature=1.0, top_k=None, top_p=None):
    r"""The distribution a sampler draws from: ``p`` tempered, then top-k and top-p truncated.

    Parameters
    ----------
    p : array_like, shape (..., K)
        Probability vectors (entries >= 0 summing to 1 within 1e-9).
    temperature : float, optional
        :math:`T > 0`; :math:`T < 1` sharpens, :math:`T > 1` flattens.
    top_k : int, optional
        Keep the ``top_k >= 1`` most probable categories.
    top_p : float, optional
        Keep the nucleus: the shortest prefix of the categories sorted by
        decreasing probability whose mass reaches ``top_p`` in (0, 1]
        (to a relative 1e-12, so rounding never adds a category).

    Returns
    -------
    ndarray, shape (..., K)

    Notes
    -----
    .. math:: q_k \propto p_k^{1/T}\,\mathbb 1\{k \in S\}

    with :math:`S` the kept set, computed in the order of the common
    samplers: temperature, then top-k on the tempered law, then top-p on the
    renormalised top-k law. Ties are broken by lower index first (a stable
    sort), so :math:`S` is a deterministic function of ``p``. Tempering keeps
    the order of the categories, so the kept sets are prefixes of the order
    of ``p`` itself. Computed in log space: ``temperature = 1e-3`` puts all
    mass on the most probable categories, without overflow.

    Examples
    --------
    >>> sampling_transform([0.5, 0.3, 0.2], temperature=0.5).round(4).tolist()
    [0.6579, 0.2368, 0.1053]
    >>> sampling_transform([0.5, 0.3, 0.2], top_p=0.7).round(4).tolist()
    [0.625, 0.375, 0.0]
    """
    temperature, top_k, top_p = _transform_args(temperature, top_k, top_p)
    p = check_probabilities("p", p)
    return transform(p / p.sum(axis=-1, keepdims=True), temperature, top_k, top_p)


def _tempered_weights(log_scale, p0):
    r"""Rows :math:`p_0^{s}` renormalised, for :math:`\ln s` = ``log_scale`` (shape (S,)).

    With :math:`d_k = \ln\max p_0 - \ln p_{0,k} \ge 0` the weight is
    :math:`\exp(-\exp(\ln d_k + \ln s))`: no overflow at :math:`s = T^{-n}`
    for any ``n`` (the inner exponent is capped at 700, where the weight is
    already exactly 0).
    """
    positive = p0 > 0
    logs = np.log(p0[positive])
    gap = logs.max() - logs
    with np.errstate(divide="ignore"):
        log_gap = np.log(gap)
    out = np.zeros((log_scale.size, p0.size))
    out[:, positive] = np.exp(-np.exp(np.minimum(log_gap[None, :] + log_scale[:, None], 700.0)))
    return out / out.sum(axis=-1, keepdims=True)


def infinite_sample_map(n, p0, *, temperature=1.0, top_k=None, top_p=None):
    r"""The model after ``n`` fits when every generation is infinitely large.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    p0 : array_like, shape (K,)
        Model 0.
    temperature, top_k, top_p
        As in :func:`sampling_transform`.

    Returns
    -------
    ndarray, shape ``np.shape(n) + (K,)``

    Notes
    -----
    With :math:`M_i \to \infty` the fit reproduces the sampled law, so
    :math:`p_{n+1} = \mathrm{transform}(p_n)`. Tempering composes,
    :math:`(p^{1/T})^{1/T} = p^{1/T^2}`, and truncation then renormalisation
    only restricts the support, so

    .. math:: p_{n,k} \propto p_{0,k}^{\,T^{-n}}\,\mathbb 1\{k \in S_n\},

    with :math:`S_n` the kept set. Without truncation :math:`S_n` is the
    support of :math:`p_0`; with top-k it is the top-k set of :math:`p_0`
    for every :math:`n \ge 1` (tempering keeps the order). With top-p the
    nucleus is taken afresh from a renormalised law each step, so
    :math:`S_n` can keep shrinking: the steps where it shrinks are found by
    a monotone search, so any ``n`` costs :math:`O(K^2 \log n)` at most. The
    power is evaluated as :math:`\exp(-\exp(\ln d_k - n\ln T))` with
    :math:`d_k = \ln(\max p_0/p_{0,k})`, so ``n = 10**6`` does not overflow
    (Marchi et al. 2024 study this map as a dynamical system).

    Examples
    --------
    >>> infinite_sample_map(2, [0.5, 0.3, 0.2], temperature=0.5).round(4).tolist()
    [0.8657, 0.1122, 0.0222]
    >>> infinite_sample_map(10**6, [0.5, 0.3, 0.2], temperature=1.5).round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    """
    n = check_int_array("n", n, minimum=0)
    p0 = _vector("p0", p0)
    temperature, top_k, top_p = _transform_args(temperature, top_k, top_p)
    flat = n.ravel()
    if top_p is not None:
        out = _nucleus_map(flat, p0, temperature, top_k, top_p)
    else:
        out = _tempered_weights(-flat * np.log(temperature), p0)
        if top_k is not None:
            kept = transform(p0, 1.0, top_k, None) > 0
            out = np.where(kept | (flat[:, None] == 0), out, 0.0)
            out /= out.sum(axis=-1, keepdims=True)
    return out.reshape((*n.shape, p0.size))


def _nucleus_map(flat, p0, temperature, top_k, top_p):
    r"""Rows of the top-p infinite-sample map for each n in ``flat``, jumping between changes.

    The kept sets are prefixes of the stable decreasing order of ``p0``, and
    step ``n`` keeps :math:`s_n = \mathrm{kept}(n, s_{n-1})`, the nucleus of
    :math:`p_0^{T^{-n}}` on the first :math:`s_{n-1}` categories. The top-j
    mass of :math:`p^a` on a prefix is nondecreasing in :math:`a` (its
    logarithm's derivative is a difference of means of :math:`\ln p` over
    the top j and over the prefix), so the kept count never shrinks again
    once it has not shrunk at :math:`T \ge 1`, and for :math:`T < 1` the next
    shrink is found by exponential and binary search: :math:`O(K \log n)` per
    change, at most ``K`` changes, whatever ``n``.
    """
    order, changes, sizes = _nucleus_changes(p0, temperature, top_k, top_p,
                                             int(flat.max()) if flat.size else 0)
    out = _tempered_weights(-flat * np.log(temperature), p0)
    prefix = np.asarray(sizes)[np.searchsorted(changes, flat, side="right") - 1]
    rank = np.empty(p0.size, dtype=np.int64)
    rank[order] = np.arange(p0.size)
    out = np.where((rank[None, :] < prefix[:, None]) | (flat[:, None] == 0), out, 0.0)
    out[flat == 0] = p0
    return out / out.sum(axis=-1, keepdims=True)


def _nucleus_changes(p0, temperature, top_k, top_p, last):
    """The stable decreasing order of ``p0``, the steps where the kept prefix shrinks
    (0 first) and the prefix sizes from each of them on, up to step ``last``."""
    order = np.argsort(-p0, kind="stable")
    ranked = p0[order]
    log_t = np.log(temperature)

    def kept(n, size):
        w = _tempered_weights(np.array([-n * log_t]), ranked[:size])[0]
        if top_k is not None:
            w = w[:top_k] / w[:top_k].sum()
        before = np.cumsum(w) - w
        return int(np.count_nonzero(before < top_p * (1 - NUCLEUS_RTOL)))

    changes, sizes = [0], [int(np.count_nonzero(ranked > 0))]
    n, size = 0, sizes[0]
    while n < last:
        if kept(n + 1, size) < size:
            n, size = n + 1, kept(n + 1, size)
            changes.append(n)
            sizes.append(size)
            continue
        if temperature >= 1:
            break
        low, step = n + 1, 1
        while low + step <= last and kept(low + step, size) == size:
            low, step = low + step, 2 * step
        high = min(low + step, last)
        if kept(high, size) == size:
            break
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if kept(middle, size) == size else (low, middle)
        n = high - 1
    return order, changes, sizes


def heat_death_limit(p0, *, temperature, top_k=None, top_p=None):
    r"""The limit of :func:`infinite_sample_map` as the number of fits grows.

    Parameters
    ----------
    p0 : array_like, shape (K,)
    temperature : float
        :math:`T > 0`.
    top_k, top_p
        As in :func:`sampling_transform`.

    Returns
    -------
    ndarray, shape (K,)

    Notes
    -----
    From :math:`p_n \propto p_0^{T^{-n}}` on :math:`S_n`:

    * :math:`T < 1`: :math:`T^{-n} \to \infty`, so :math:`p_n` tends to the
      uniform law on the most probable categories of :math:`p_0` (those in
      the top-k set): collapse to the mode(s).
    * :math:`T > 1`: :math:`T^{-n} \to 0` and :math:`p_{0,k}^{T^{-n}} \to 1`
      on the support: the uniform law on the support of :math:`p_0` (on its
      top-k set): the heat death of Marchi et al. (2024), every surviving
      category equally likely, whatever their original frequencies.
    * :math:`T = 1`: :math:`p_1` (top-k), or :math:`p_0` without truncation.

    With top-p the kept prefix shrinks while it can: for :math:`T \ge 1` it
    stops at its first step without a shrink (the top mass of a flattening
    law only falls), and the limit is the uniform law (:math:`T > 1`) or
    :math:`p_0` (:math:`T = 1`) on that prefix; for :math:`T < 1` the limit
    is uniform on :math:`s^*` modes, :math:`s^*` the largest fixed point
    below :math:`s_1` of :math:`s \mapsto` (the nucleus of the uniform law
    on the :math:`\min(s, \#\text{modes})` modes): a uniform nucleus on
    :math:`s` categories keeps :math:`\lceil p s\rceil`, so it shrinks
    until :math:`s \le 1/(1 - p)`.

    Examples
    --------
    >>> heat_death_limit([0.5, 0.3, 0.2, 0.0], temperature=2.0).tolist()
    [0.3333333333333333, 0.3333333333333333, 0.3333333333333333, 0.0]
    >>> heat_death_limit([0.4, 0.4, 0.2], temperature=0.9).tolist()
    [0.5, 0.5, 0.0]
    """
    p0 = _vector("p0", p0)
    temperature, top_k, top_p = _transform_args(temperature, top_k, top_p)
    if top_p is not None:
        return _nucleus_limit(p0, temperature, top_k, top_p)
    kept = transform(p0, 1.0, top_k, None)
    if temperature == 1.0:
        return kept
    if temperature < 1:
        modes = p0 == p0.max()
        if top_k is not None:
            modes &= np.cumsum(modes) <= top_k
        return modes / modes.sum()
    return (kept > 0) / np.count_nonzero(kept)


def _nucleus_limit(p0, temperature, top_k, top_p):
    """:func:`heat_death_limit` with top-p (see its Notes)."""
    order, _, sizes = _nucleus_changes(p0, temperature, top_k, top_p,
                                       1 if temperature < 1 else np.iinfo(np.int64).max)
    size = sizes[-1]
    ranked = p0[order]
    if temperature < 1:
        modes = int(np.count_nonzero(ranked == ranked[0]))
        while True:
            uniform = min(size, modes, top_k or size)
            following = int(np.count_nonzero(np.arange(uniform) / uniform
                                             < top_p * (1 - NUCLEUS_RTOL)))
            if following == size:
                break
            size = following
    weights = np.ones(size) if temperature != 1 else ranked[:size]
    out = np.zeros(p0.size)
    out[order[:size]] = weights / weights.sum()
    return out


def _first_fit_law(M, p0, temperature, top_k, top_p):
    """``M_0`` and the law ``q = transform(p0)`` that generation 0 is drawn from."""
    M = check_int("M", M, minimum=1)
    return M, transform(_vector("p0", p0), *_transform_args(temperature, top_k, top_p))


def first_fit_loss_probability(M, p0, *, temperature=1.0, top_k=None, top_p=None):
    r"""Exact probability that each category is absent from generation 0 (lost by fit 1).

    Parameters
    ----------
    M : int
        Size ``M_0 >= 1`` of generation 0.
    p0 : array_like, shape (K,)
    temperature, top_k, top_p
        As in :func:`sampling_transform`.

    Returns
    -------
    ndarray, shape (K,)

    Notes
    -----
    Generation 0 is :math:`M_0` draws from :math:`q = \mathrm{transform}(p_0)`,
    so category :math:`k` has count :math:`\mathrm{Binomial}(M_0, q_k)` and

    .. math:: \Pr(p_{1,k} = 0) = (1 - q_k)^{M_0} = \exp\big(M_0 \ln(1 - q_k)\big),

    1 outside the kept set. After later fits the transform couples the
    categories (it renormalises over all of them), so the one-against-the-rest
    chain is no longer Markov except with two categories
    (:func:`two_type_loss_probability`).

    Examples
    --------
    >>> first_fit_loss_probability(10, [0.5, 0.3, 0.2], top_k=2).round(6).tolist()
    [5.5e-05, 0.009095, 1.0]
    """
    M, q = _first_fit_law(M, p0, temperature, top_k, top_p)
    # 1 - q_k cancels for the one category that may exceed 1/2: take it as the others' mass
    complement = 1.0 - q
    top = int(np.argmax(q))
    if q[top] > 0.5:
        complement[top] = np.sum(np.delete(q, top))
    with np.errstate(divide="ignore"):
        return np.exp(special.xlogy(M, complement))


def first_fit_support(M, p0, *, temperature=1.0, top_k=None, top_p=None):
    r"""Expected number of categories alive after the first fit: :math:`\sum_k 1 - (1 - q_k)^{M_0}`.

    Parameters
    ----------
    M : int
        Size ``M_0 >= 1`` of generation 0.
    p0 : array_like, shape (K,)
    temperature, top_k, top_p
        As in :func:`sampling_transform`.

    Returns
    -------
    float
        At most the size of the kept set; see :func:`first_fit_loss_probability`.
        It is :func:`modelcollapse.estimate.expected_distinct` of the
        transformed law :math:`q` in :math:`M_0` draws.

    Examples
    --------
    >>> round(float(first_fit_support(10, [0.5, 0.5], temperature=3.0)), 6)  # 2 (1 - 2^-10)
    1.998047
    """
    M, q = _first_fit_law(M, p0, temperature, top_k, top_p)
    return expected_distinct(q, M)


def two_type_loss_probability(n, M, p, *, temperature=1.0, top_k=None, top_p=None):
    r"""Exact loss probability of one of two categories when each draw is transformed.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    M : int
        Constant sample size, in ``[1, MAX_EXACT_M]``.
    p : float or array_like
        Initial probability of the first category (the other has ``1 - p``).
    temperature, top_k, top_p
        As in :func:`sampling_transform`.

    Returns
    -------
    ndarray or float
        :math:`\Pr(p_{n,1} = 0)`, broadcast over ``n`` and ``p``.

    Notes
    -----
    With two categories the count :math:`c_i` of the first is a Markov
    chain: :math:`c_0 \sim \mathrm{Binomial}(M, g(p))` and
    :math:`c_i \mid c_{i-1} \sim \mathrm{Binomial}(M, g(c_{i-1}/M))`, where
    :math:`g(x)` is the first entry of the transform of :math:`(x, 1 - x)`;
    for tempering alone

    .. math:: g(x) = \frac{x^{1/T}}{x^{1/T} + (1 - x)^{1/T}} .

    Then :math:`\Pr(p_{n,1} = 0) = \mathrm{Bin}(M, g(p)) \cdot H^{n-1} e_0`
    with :math:`H_{jl} = \Pr[\mathrm{Binomial}(M, g(j/M)) = l]`, evaluated
    backwards as in :func:`modelcollapse.discrete.loss_probability` (which
    it equals at ``temperature=1`` without truncation). :math:`T < 1` pushes
    the minority category out faster, :math:`T > 1` protects it.

    Examples
    --------
    >>> # g(0.2) = 1/3, so the first fit loses it with probability (2/3)^10
    >>> round(float(two_type_loss_probability(1, 10, 0.2, temperature=2.0)), 6)
    0.017342
    """
    n = check_int_array("n", n, minimum=0)
    p = discrete._check_probability("p", p)
    temperature, top_k, top_p = _transform_args(temperature, top_k, top_p)
    M = discrete._exact_constant_M(M)
    try:
        n, p = np.broadcast_arrays(n, p)
    except ValueError:
        raise ValueError(f"n and p must broadcast together, got n of shape {n.shape} and p "
                         f"of shape {p.shape}") from None

    def g(x):
        pair = np.stack([x, 1.0 - x], axis=-1)
        return transform(pair, temperature, top_k, top_p)[..., 0]

    out = np.where(g(p) == 0, 1.0, 0.0)
    positive = n > 0
    if np.any(positive):
        step = discrete._binomial_pmf(M, g(np.arange(M + 1) / M))
        n_values, n_index = np.unique(n[positive], return_inverse=True)
        h = np.zeros((M + 1, n_values.size))
        column = np.zeros(M + 1)
        column[0] = 1.0
        done = 1
        for col, value in enumerate(n_values.tolist()):
            for _ in range(value - done):
                column = step @ column
            done = value
            h[:, col] = column
        first = discrete._binomial_pmf(M, g(p[positive]))
        out[positive] = np.minimum(np.einsum("ij,ji->i", first, h[:, n_index]), 1.0)
    return discrete._scalar(out)


# --------------------------------------------------------------------------
# the memoriser and Zipf tails


def _sizes(name, T):
    return check_int_array(name, T, minimum=0)


def memorizer_error(T, p, q=None):
    r"""Test error on ``p`` of a memoriser trained on ``T`` draws from ``q``.

    Parameters
    ----------
    T : int or array_like of int
        Training sample sizes, ``>= 0``.
    p : array_like, shape (K,)
        The test distribution.
    q : array_like, shape (K,), optional
        The training distribution; default ``p``.

    Returns
    -------
    ndarray or float, shape of ``T``

    Notes
    -----
    The memoriser answers correctly on every category it has seen and errs
    on the others (Hutter 2021, Section 3; Dohmatob et al. 2024, Section 2),
    so its expected error is the :math:`p`-mass of the categories missing
    from :math:`T` draws from :math:`q`:

    .. math:: E_{\text{test}}(T) = \sum_i p_i (1 - q_i)^T .

    With :math:`q = p` it is the expected missing mass of the sample (the
    Good-Turing quantity). Evaluated as :math:`\exp(T\ln(1 - q_i))`, one
    :math:`K`-vector per value of ``T``.

    Examples
    --------
    >>> round(float(memorizer_error(3, [0.5, 0.5])), 6)  # 2 * 0.5 * 0.5^3
    0.125
    >>> memorizer_error([0, 1], [0.5, 0.5], [1.0, 0.0]).tolist()
    [1.0, 0.5]
    """
    T = _sizes("T", T)
    p = _vector("p", p)
    q = p if q is None else _vector("q", q)
    if q.shape != p.shape:
        raise ValueError(f"q must have the shape of p {p.shape}, got shape {q.shape}")
    flat = np.array([p @ np.exp(special.xlog1py(t, -q)) for t in T.ravel().tolist()])
    return discrete._scalar(flat.reshape(T.shape))


def synthetic_memorizer_error(T, T0, p):
    r"""Test error on ``p`` of a memoriser trained on ``T`` draws from a synthetic corpus.

    The corpus is the empirical distribution of ``T0`` draws from ``p`` (a
    model that memorised ``T0`` real samples and generates from them).

    Parameters
    ----------
    T : int or array_like of int
        Training sample sizes, ``>= 0``.
    T0 : int
        Size of the real sample behind the synthetic corpus, ``>= 1``.
    p : array_like, shape (K,)

    Returns
    -------
    ndarray or float, shape of ``T``

    Notes
    -----
    With :math:`c_i \sim \mathrm{Binomial}(T_0, p_i)` the counts of the real
    sample, category :math:`i` is unseen with probability
    :math:`E[(1 - c_i/T_0)^T]`, so

    .. math:: E_{\text{test}}(T; T_0) = \sum_i p_i \sum_{j=0}^{T_0}
              \binom{T_0}{j} p_i^j (1 - p_i)^{T_0 - j} (1 - j/T_0)^T ,

    decreasing in :math:`T` to the plateau ``memorizer_error(T0, p)``: the
    categories the real sample missed are never learnt, and for Zipf data
    the plateau is of order :math:`T_0^{-(\beta - 1)/\beta}`, the tail cut at
    :math:`k \sim T_0^{1/\beta}` (Dohmatob et al. 2024, Section 2). Each
    binomial is summed over its Bernstein band (:mod:`modelcollapse.discrete`,
    ``method="banded"``), the mass outside counted at its largest value, so the
    result is exact to within 1e-20.

    Examples
    --------
    >>> round(float(synthetic_memorizer_error(10**6, 1, [0.5, 0.5])), 6)  # one real draw
    0.5
    """
    T = _sizes("T", T)
    T0 = check_int("T0", T0, minimum=1)
    p = _vector("p", p)
    start, pmf, _, below, _ = _banded._band_rows(T0, p)
    cols = start[:, None] + np.arange(pmf.shape[1])[None, :]
    share = np.minimum(cols, T0) / T0
    flat = np.array([p @ (np.sum(pmf * np.exp(special.xlog1py(t, -share)), axis=1) + below)
                     for t in T.ravel().tolist()])
    return discrete._scalar(flat.reshape(T.shape))


def top_n_error(n, p):
    r"""Test error of a model that knows exactly the ``n`` most probable categories.

    .. math:: E(n) = \sum_{i > n} p_{(i)}, \quad p_{(1)} \ge p_{(2)} \ge \dots

    Parameters
    ----------
    n : int or array_like of int
        Number of distinct items known, ``>= 0``.
    p : array_like, shape (K,)

    Returns
    -------
    ndarray or float, shape of ``n``


    Notes
    -----
    The "quality over quantity" side (LIMA, Zhou et al. 2023): ``n``
    curated distinct items leave the mass of the rest, which for Zipf
    data falls as :math:`n^{-(\beta - 1)}` (:func:`zipf_top_n_asymptote`),
    against :math:`n^{-(\beta-1)/\beta}` for ``n`` random draws
    (:func:`memorizer_error`).

    Examples
    --------
    >>> round(float(top_n_error(1, [0.2, 0.5, 0.3])), 6)
    0.5
    """
    n = _sizes("n", n)
    p = _vector("p", p)
    tail = np.concatenate([[1.0], 1.0 - np.cumsum(np.sort(p)[::-1])])
    return discrete._scalar(np.maximum(tail[np.minimum(n, p.size)], 0.0))


def tail_cut(p, k, *, clean=0.0):
    r"""Training distribution with the tail of ``p`` cut at rank ``k``, mixed with clean data.

    Parameters
    ----------
    p : array_like, shape (K,)
        The clean distribution.
    k : int
        Ranks kept (the ``k`` most probable categories, ties by lower index).
    clean : float, optional
        Fraction :math:`\pi \in [0, 1]` of clean data in the mix.

    Returns
    -------
    ndarray, shape (K,)
        :math:`q = \pi p + (1 - \pi)\,\mathrm{top}_k(p)`.

    Notes
    -----
    Synthetic data generated with top-k, or by a model that never saw the
    tail, lacks the categories past rank :math:`k` (Dohmatob et al. 2024,
    Section 2, "tail cutting"; Section 3 for the mix).

    Examples
    --------
    >>> tail_cut([0.5, 0.3, 0.2], 1, clean=0.5).tolist()
    [0.75, 0.15, 0.1]
    """
    p = _vector("p", p)
    k = check_int("k", k, minimum=1)
    clean = _fraction("clean", clean)
    return clean * p + (1 - clean) * transform(p, 1.0, k, None)


def _sizes_real(name, value, *, strict):
    """Real sample sizes (array_like) ``> 0`` (``strict``) or ``>= 0``; booleans rejected."""
    arr = check_real(name, value)
    if np.any(arr <= 0 if strict else arr < 0):
        rule = "> 0" if strict else ">= 0"
        why = " (the integral form diverges at T = 0)" if strict else ""
        raise ValueError(f"{name} must be {rule}{why}, got {name}={_shown(value)}")
    return arr


def _fraction(name, value):
    out = check_real(name, value, scalar=True)
    if not 0 <= out <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], got {name}={_shown(value)}")
    return out


def _beta(beta):
    value = check_real("beta", beta, scalar=True)
    if not value > 1:
        raise ValueError(f"beta must be a real number > 1 (a normalisable Zipf tail), "
                         f"got beta={_shown(beta)}")
    return value


def _zipf_scale(beta, K):
    """``(c, upper)``: the normaliser :math:`c = 1/H_{K,\\beta}` and the upper edge."""
    if K is None:
        return 1.0 / special.zeta(beta), np.inf
    K = check_int("K", K, minimum=1)
    explicit = min(K, _ZIPF_EXPLICIT)
    # a log-weight below the float range is a weight of 0 (beta ~ 1e308)
    with np.errstate(over="ignore"):
        log_weights = -beta * np.log(np.arange(1, explicit + 1))
        total = np.exp(special.logsumexp(log_weights))
        if explicit < K:
            # sum_{i = n+1}^{K} i^-beta, O(1) in K: the midpoint rule over [n + 1/2, K + 1/2]
            # and its Euler-Maclaurin correction -(f'(b) - f'(a))/24; the error is below
            # n^(-beta-3) ~ 1e-15 relative. expm1 keeps beta -> 1 free of cancellation.
            a, b = explicit + 0.5, K + 0.5
            integral = a ** (1 - beta) * -np.expm1((1 - beta) * np.log(b / a)) / (beta - 1)
            total += integral - beta / 24 * (a ** (-beta - 1) - b ** (-beta - 1))
    return 1.0 / total, K + 0.5


def _band(lam, beta, c, lower, upper):
    r""":math:`\int_{lo}^{hi} c x^{-\beta} e^{-\lambda c x^{-\beta}}\,dx`, arrays ``lam >= 0``.

    Substituting :math:`u = \lambda c x^{-\beta}` gives
    :math:`\tfrac1\beta c^{1/\beta}\lambda^{-a}\Gamma(a)[P(a, u_{lo}) - P(a, u_{hi})]`,
    :math:`a = 1 - 1/\beta`, :math:`P` the regularised lower incomplete gamma;
    at :math:`\lambda = 0` it is the plain tail mass.
    """
    a = 1.0 - 1.0 / beta
    lam = np.asarray(lam, dtype=np.float64)
    # lam = 0 only ever meets lower > 0 (the tail band of a cut without clean data)
    top = 0.0 if np.isinf(upper) else upper ** (1 - beta)
    mass = 0.0 if lower == 0 else c * (lower ** (1 - beta) - top) / (beta - 1)
    # u overflowing to inf is exact here: P(a, inf) = 1 (and lam^-a underflows to 0)
    with np.errstate(divide="ignore", over="ignore"):
        u_lo = lam * c * lower**-beta if lower > 0 else np.where(lam > 0, np.inf, 0.0)
        u_hi = lam * c * upper**-beta
        scaled = c ** (1 / beta) * special.gamma(a) / beta * np.where(lam > 0, lam, 1.0) ** -a
    band = scaled * (special.gammainc(a, u_lo) - special.gammainc(a, u_hi))
    return np.where(lam > 0, band, mass)


def zipf_memorizer_asymptote(T, beta, *, K=None, cutoff=None, clean=0.0):
    r"""Integral (large-``T``) form of :func:`memorizer_error` for Zipf data, optionally tail-cut.

    Parameters
    ----------
    T : float or array_like
        Training sample sizes, ``> 0``.
    beta : float
        Zipf exponent :math:`\beta > 1`, :math:`p_i \propto i^{-\beta}`.
    K : int, optional
        Number of categories (default infinitely many, normaliser
        :math:`1/\zeta(\beta)`).
    cutoff : int, optional
        Train on :func:`tail_cut` ``(p, cutoff, clean=clean)`` instead of ``p``.
    clean : float, optional
        Fraction of clean data mixed into the tail-cut training data.

    Returns
    -------
    ndarray or float

    Notes
    -----
    With :math:`c` the normaliser, :math:`(1 - q)^T \approx e^{-Tq}` and
    the sum replaced by an integral, the uncut curve is

    .. math:: E_{\text{test}}(T) \approx \int_0^\infty c x^{-\beta} e^{-Tcx^{-\beta}}dx
              = \frac{\Gamma(1 - 1/\beta)}{\beta\, \zeta(\beta)^{1/\beta}}\,
                T^{-(\beta - 1)/\beta}

    (Hutter 2021: exponent :math:`\alpha/(1+\alpha)` with :math:`\alpha = \beta - 1`;
    the constant is derived in ``derivations/tails.py``). The summand is
    smooth and vanishes with all its derivatives at 0, so the relative error
    of the integral falls faster than any power of :math:`T` once
    :math:`(Tc)^{1/\beta} \gg 1`. With a cut at rank :math:`k` and a clean
    fraction :math:`\pi`, the head :math:`i \le k` is seen at rate
    :math:`(\pi + (1-\pi)/P_k)p_i` (:math:`P_k` its mass) and the tail at
    :math:`\pi p_i`; each band is an incomplete gamma function, and the
    tail band is the plateau :math:`c\,k^{1-\beta}/(\beta - 1)` until
    :math:`\pi T` passes :func:`zipf_crossover` (at :math:`\pi = 0` forever:
    Dohmatob et al. 2024, Theorem 2.1's :math:`T^{-c} + k^{-(\beta-1)}`).
    Finite :math:`K` and the cut use the midpoint edges :math:`K + 1/2`,
    :math:`k + 1/2`.

    Examples
    --------
    >>> round(float(zipf_memorizer_asymptote(10**4, 2.0)), 6)  # sqrt(pi / (4 T zeta(2)))
    0.00691
    """
    T = _sizes_real("T", T, strict=True)
    beta = _beta(beta)
    c, upper = _zipf_scale(beta, K)
    clean = _fraction("clean", clean)
    if cutoff is None:
        return discrete._scalar(_band(T, beta, c, 0.0, upper))
    k = check_int("cutoff", cutoff, minimum=1)
    edge = min(k + 0.5, upper)
    head_mass = 1.0 - _band(0.0, beta, c, edge, upper)
    head_rate = clean + (1 - clean) / head_mass
    with np.errstate(over="ignore"):
        head_lam = head_rate * T  # inf at T ~ 1e308: the head band is then exactly 0
    return discrete._scalar(_band(head_lam, beta, c, 0.0, edge)
                            + _band(clean * T, beta, c, edge, upper))


def zipf_crossover(cutoff, beta, *, K=None):
    r"""Sample size where the Zipf learning curve meets the tail-cut plateau.

    Parameters
    ----------
    cutoff : int
        Rank :math:`k \ge 1` of the cut.
    beta : float
        Zipf exponent, ``> 1``.
    K : int, optional
        Number of categories (default infinitely many).

    Returns
    -------
    float
        ``inf`` where :math:`T^*` is beyond the float range.

    Notes
    -----
    Equating :math:`\frac{\Gamma(1-1/\beta)}{\beta}c^{1/\beta}T^{-(\beta-1)/\beta}`
    with the plateau :math:`c\,k^{1-\beta}/(\beta - 1)` gives

    .. math:: T^* = \frac{k^\beta}{c}\,\Gamma(2 - 1/\beta)^{\beta/(\beta - 1)} .

    Below :math:`T^*` a tail-cut model learns as if the tail were there;
    above it the error is stuck at the plateau. With a clean fraction
    :math:`\pi` mixed in, the descent resumes once :math:`\pi T > T^*`
    (the "grokking" of Dohmatob et al. 2024, Section 3).

    Examples
    --------
    >>> round(float(zipf_crossover(10, 2.0)), 3)  # 100 zeta(2) Gamma(3/2)^2
    129.193
    """
    k = check_int("cutoff", cutoff, minimum=1)
    beta = _beta(beta)
    c, _ = _zipf_scale(beta, K)
    # in log space: k^beta alone overflows (OverflowError) long before T* is out of range
    with np.errstate(over="ignore"):
        log_t = beta * np.log(k) - np.log(c) + special.gammaln(2 - 1 / beta) * beta / (beta - 1)
        return float(np.exp(log_t))


def zipf_distinct_asymptote(T, beta):
    r"""Heaps' law: :func:`~modelcollapse.estimate.expected_distinct` for infinite Zipf data.

    .. math:: D(T) \approx \Gamma(1 - 1/\beta)\,(T/\zeta(\beta))^{1/\beta}

    Parameters
    ----------
    T : float or array_like
        Sample sizes, ``>= 0``.
    beta : float
        Zipf exponent, ``> 1``.

    Returns
    -------
    ndarray or float


    Notes
    -----
    A synthetic corpus of :math:`T_0` draws holds about this many distinct
    categories: its tail is cut at :math:`k \sim T_0^{1/\beta}` (Dohmatob
    et al. 2024, Section 2), which by :func:`zipf_memorizer_asymptote` caps
    the error at the order of :math:`T_0^{-(\beta-1)/\beta}`.

    Examples
    --------
    >>> round(float(zipf_distinct_asymptote(100, 2.0)), 4)  # sqrt(pi * 100 / zeta(2))
    13.8198
    """
    T = _sizes_real("T", T, strict=False)
    beta = _beta(beta)
    return discrete._scalar(special.gamma(1 - 1 / beta) * (T / special.zeta(beta)) ** (1 / beta))


def zipf_top_n_asymptote(n, beta, *, K=None):
    r"""Integral form of :func:`top_n_error` for Zipf data.

    .. math:: E(n) \approx \frac{c}{\beta - 1}\big((n + 1/2)^{1-\beta} - (K + 1/2)^{1-\beta}\big)

    Parameters
    ----------
    n : float or array_like
        Number of items, ``>= 0``.
    beta : float
        Zipf exponent, ``> 1``.
    K : int, optional
        Number of categories (default infinitely many).

    Returns
    -------
    ndarray or float


    Falls as :math:`n^{-(\beta-1)}`: faster than the random-draw curve
    :math:`n^{-(\beta-1)/\beta}` of :func:`zipf_memorizer_asymptote`.

    Examples
    --------
    >>> round(float(zipf_top_n_asymptote(100, 2.0)), 6)  # 1 / (100.5 zeta(2))
    0.006049
    """
    n = _sizes_real("n", n, strict=False)
    beta = _beta(beta)
    c, upper = _zipf_scale(beta, K)
    tail = (0.0 if np.isinf(upper) else upper ** (1 - beta))
    # (n + 1/2)^(1 - beta) overflows to inf honestly at n < 1/2 and beta ~ 1e308
    with np.errstate(over="ignore"):
        head = (n + 0.5) ** (1 - beta)
    return discrete._scalar(np.maximum(c * (head - tail) / (beta - 1), 0.0))



# --------------------------------------------------------------------------
# fresh data against sampling bias (the Gaussian loop of Alemohammad et al. 2023)


@dataclass(frozen=True)
class MadMoments:
    r"""Expected squared error of the fitted mean and expected fitted variance.

    Attributes
    ----------
    mean_squared_error : ndarray or float
        :math:`a_i = E[(\mu_i - \mu)^2]`.
    sigma2 : ndarray or float
        :math:`v_i = E[\sigma_i^2]`.
    """

    mean_squared_error: np.ndarray
    sigma2: np.ndarray


def _mad_args(n_real, n_synth, temperature):
    real = check_int("n_real", n_real, minimum=0)
    synth = check_int("n_synth", n_synth, minimum=1, why=" (synthetic points per generation)")
    if real + synth < 2:
        raise ValueError(f"n_real + n_synth must be >= 2 for the unbiased variance, "
                         f"got n_real={real}, n_synth={synth}")
    temperature = check_temperature(temperature)
    with np.errstate(over="ignore", invalid="ignore"):
        matrix, _ = _mad.step_matrix(real, synth, temperature)
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"temperature must keep n_synth * temperature a finite float (the "
                         f"variance recursion's coefficients), got temperature={temperature!r} "
                         f"with n_synth={synth}")
    return real, synth, temperature


def mad_moments(n, n_real, n_synth, *, temperature=1.0, sigma=1.0):
    r"""Exact :math:`E[(\mu_i - \mu)^2]` and :math:`E[\sigma_i^2]`, ``i = 0..n``, with fresh data.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    n_real : int
        Fresh points from the truth per generation, :math:`K \ge 0`.
    n_synth : int
        Synthetic points from the current model per generation, :math:`L \ge 1`.
    temperature : float, optional
        Synthetic points are drawn from :math:`N(\mu_i, T\sigma_i^2)`.
    sigma : float, optional
        Scale of the truth, ``> 0``.

    Returns
    -------
    MadMoments
        Arrays of shape ``(n + 1,)`` (``inf`` past the float64 range).

    Notes
    -----
    Model :math:`i + 1` is the sample mean and unbiased variance of the
    :math:`N = K + L` points, so (tower property and König-Huygens)

    .. math::

        a_{i+1} = \frac{L^2 a_i + L T v_i + K\sigma^2}{N^2}, \qquad
        v_{i+1} = \frac{K\sigma^2 + L(T v_i + a_i) - N a_{i+1}}{N - 1},

    the data-policy recursion of ``derivations/policies.py`` with the
    synthetic variance :math:`Tv_i` (Alemohammad et al. 2023, Section 3.1,
    the "sampling bias" :math:`\lambda`, and Section 4's fresh-data loop). At
    :math:`K = 0` it is ``gaussian.mean_squared_error(temperature=T)``.

    Examples
    --------
    >>> m = mad_moments(2, 0, 10, temperature=0.5)
    >>> m.sigma2.tolist()  # T^n sigma^2 without fresh data
    [1.0, 0.5, 0.25]
    """
    n = check_int("n", n, minimum=0)
    real, synth, temperature = _mad_args(n_real, n_synth, temperature)
    sigma2 = _scale(sigma) ** 2
    out = _mad.moments(n, real, synth, temperature, sigma2)
    return MadMoments(out[:, 0], out[:, 1])


def _scale(sigma):
    """A real ``sigma > 0`` whose square (the variances) is a finite float."""
    out = check_real("sigma", sigma, scalar=True)
    if not 0 < out <= _MAX_SIGMA:
        raise ValueError(f"sigma must be > 0 and <= {_MAX_SIGMA:.4g} (sigma^2 must be a finite "
                         f"float), got sigma={_shown(sigma)}")
    return out


def mad_growth_rate(n_real, n_synth, *, temperature=1.0):
    r"""Spectral radius of the :func:`mad_moments` recursion: a stationary law exists iff it is < 1.

    Parameters
    ----------
    n_real, n_synth : int
        Fresh and synthetic points per generation.
    temperature : float, optional

    Returns
    -------
    float

    Notes
    -----
    Without fresh data it is :math:`\max(1, T)`: the mean's random walk never
    settles, and for :math:`T > 1` the variance explodes. Fresh data bring
    it below 1 unless the synthetic share is too large for the temperature
    (roughly :math:`LT/(N - 1) \ge 1`): the phase boundary of
    :func:`modelcollapse.plot.mad_phase_diagram`.

    Examples
    --------
    >>> round(mad_growth_rate(0, 10, temperature=1.5), 12)
    1.5
    """
    return _mad.growth_rate(*_mad_args(n_real, n_synth, temperature))


def mad_stationary(n_real, n_synth, *, temperature=1.0, sigma=1.0):
    r"""The stationary :math:`(a_\infty, v_\infty)` of :func:`mad_moments` (fixed point).

    Parameters
    ----------
    n_real, n_synth : int
    temperature, sigma : float, optional

    Returns
    -------
    MadMoments
        Scalars; raises ``ValueError`` where :func:`mad_growth_rate` is ``>= 1``.

    Examples
    --------
    >>> s = mad_stationary(10, 10, temperature=1.0)
    >>> round(float(s.sigma2), 6)  # fresh data keep the variance near sigma^2 (29/28)
    1.035714
    """
    real, synth, temperature = _mad_args(n_real, n_synth, temperature)
    sigma2 = _scale(sigma) ** 2
    rate = _mad.growth_rate(real, synth, temperature)
    if rate >= 1:
        raise ValueError(
            f"temperature must leave the loop a stationary law (growth rate < 1), got "
            f"temperature={temperature!r} with n_real={real}, n_synth={synth} (rate {rate:.6g})")
    a, v = _mad.stationary(real, synth, temperature, sigma2)
    return MadMoments(float(a), float(v))


def simulate_mad(n, n_real, n_synth, *, temperature=1.0, mu=0.0, sigma=1.0, replicates=1,
                 rng=None):
    r"""Simulate the fresh-data loop with sampling bias: ``n_real`` fresh, ``n_synth`` tempered.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    n_real, n_synth : int
        Points per generation from the truth and from model :math:`i` at
        ``temperature``.
    temperature : float, optional
    mu, sigma : float, optional
        The truth :math:`N(\mu, \sigma^2)`.
    replicates : int, optional
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    modelcollapse.gaussian.GaussianChain
        ``mu`` and ``sigma2`` of shape ``(replicates, n + 1)``; ``fresh`` is
        :math:`K/N`.

    Notes
    -----
    Each group's mean and sum of squares is drawn exactly (normal and
    chi-square) and the two are pooled exactly; closed forms in
    :func:`mad_moments`.

    Examples
    --------
    >>> chain = simulate_mad(5, 4, 6, temperature=0.8, replicates=3, rng=0)
    >>> chain.sigma2.shape
    (3, 6)
    """
    from ._rng import as_generator, seed_entropy
    from .gaussian import GaussianChain

    n = check_int("n", n, minimum=0)
    real, synth, temperature = _mad_args(n_real, n_synth, temperature)
    mu = check_real("mu", mu, scalar=True)
    sigma = _scale(sigma)
    replicates = check_int("replicates", replicates, minimum=1)
    gen = as_generator(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        means, variances = _mad.simulate(gen, n, real, synth, temperature, mu, sigma,
                                         replicates)
    if not (np.all(np.isfinite(means)) and np.all(np.isfinite(variances))):
        raise ValueError(f"the simulated chain overflows float64 within n={n} fits: choose "
                         f"smaller values of mu={mu!r}, sigma={sigma!r} or "
                         f"temperature={temperature!r}")
    mu_arr, s2_arr = means.T, variances.T
    mu_arr.flags.writeable = False
    s2_arr.flags.writeable = False
    return GaussianChain(mu_arr, s2_arr, M=np.full(n, real + synth), fit="unbiased",
                         method="sufficient", seed_entropy=seed_entropy(gen),
                         policy="replace", fresh=real / (real + synth))


# --------------------------------------------------------------------------
# a fixed real corpus plus synthetic data, and the accumulating discrete chain


_SEDDIK = ("Seddik, Chen, Hayou, Youssef and Debbah (2024), \"How Bad is Training on "
           "Synthetic Data? A Statistical Analysis of Language Model Collapse\", "
           "arXiv:2404.05090")


@dataclass(frozen=True)
class RealCorpusMoments:
    r"""Exact moments of the real-corpus loop (:func:`real_corpus_moments`).

    Attributes
    ----------
    mean_squared_error : ndarray, shape (n + 1, K)
        :math:`E[(p_{i,k} - p_{0,k})^2]`, generations ``0..n``.
    heterozygosity : ndarray, shape (n + 1,)
        :math:`E[1 - \sum_k p_{i,k}^2]`.
    loss_probability : ndarray, shape (n + 1, K)
        :math:`\Pr(p_{i,k} = 0)`: :math:`(1 - p_{0,k})^N` from generation 1 on.
    """

    mean_squared_error: np.ndarray
    heterozygosity: np.ndarray
    loss_probability: np.ndarray


def _corpus_args(n_real, n_synth):
    real = check_int("n_real", n_real, minimum=1, why=" (model 1 is fitted to the real corpus)")
    synth = check_int("n_synth", n_synth, minimum=0)
    return real, synth


def _corpus_ratio(generations, real, synth):
    """u_g = Var(p_{g,k} | r)/(r_k (1 - r_k)) for g >= 1: b (1 - a^(g-1))/(1 - a)."""
    total = float(real + synth) ** 2
    a, b = synth * (synth - 1) / total, synth / total
    return b * (1.0 - a ** (np.asarray(generations, dtype=np.float64) - 1.0)) / (1.0 - a)


def real_corpus_moments(n, n_real, n_synth, p0):
    r"""Exact moments of the discrete loop that keeps one real corpus and adds synthetic draws.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    n_real : int
        Size :math:`N \ge 1` of the real corpus, drawn once from ``p0``.
    n_synth : int
        Synthetic draws per generation from the current model, :math:`n_s \ge 0`.
    p0 : array_like, shape (K,)
        The truth.

    Returns
    -------
    RealCorpusMoments

    Notes
    -----
    Model 1 is the frequency vector :math:`r` of the real corpus; model
    :math:`i + 1` (:math:`i \ge 1`) is fitted to the same :math:`N` real draws
    and :math:`n_s` fresh draws :math:`c_i \sim \mathrm{Multinomial}(n_s, p_i)`:
    :math:`p_{i+1} = (Nr + c_i)/(N + n_s)`. Given :math:`r` the model stays
    centred on it, :math:`E[p_i \mid r] = r`, and its spread
    :math:`u_i = \mathrm{Var}(p_{i,k} \mid r)/(r_k(1 - r_k))` obeys
    :math:`u_{i+1} = a u_i + b`, :math:`a = n_s(n_s - 1)/(N + n_s)^2`,
    :math:`b = n_s/(N + n_s)^2`, :math:`u_1 = 0`, whence

    .. math::

        E[(p_{i,k} - p_{0,k})^2] = h_k\Big(\frac1N + \Big(1 - \frac1N\Big) u_i\Big),
        \quad u_i = b\,\frac{1 - a^{i-1}}{1 - a}, \quad
        E[H_i] = H_0\Big(1 - \frac1N\Big)(1 - u_i),

    :math:`h_k = p_{0,k}(1 - p_{0,k})`, and a category absent from the real
    corpus is absent forever while one present never leaves:
    :math:`\Pr(p_{i,k} = 0) = (1 - p_{0,k})^N` for every :math:`i \ge 1`. The
    setting is that of Seddik et al. (2024), "partially synthetic" training on
    real and synthetic data; these formulas are the package's own derivation
    (``derivations/tails.py``), not statements quoted from the paper.

    References
    ----------
    Seddik et al. (2024), arXiv:2404.05090.

    Examples
    --------
    >>> m = real_corpus_moments(3, 10, 10, [0.5, 0.5])
    >>> m.loss_probability[1:, 0].tolist()  # 0.5^10, for good
    [0.0009765625, 0.0009765625, 0.0009765625]
    >>> round(float(m.heterozygosity[1]), 6)  # H0 (1 - 1/N)
    0.45
    """
    n = check_int("n", n, minimum=0)
    real, synth = _corpus_args(n_real, n_synth)
    p0 = _vector("p0", p0)
    h = p0 * (1.0 - p0)
    gens = np.arange(1, n + 1)
    ratio = _corpus_ratio(gens, real, synth)
    error = np.zeros((n + 1, p0.size))
    error[1:] = h * (1.0 / real + (1.0 - 1.0 / real) * ratio[:, None])
    heterozygosity = np.empty(n + 1)
    heterozygosity[0] = h.sum()
    heterozygosity[1:] = h.sum() * (1.0 - 1.0 / real) * (1.0 - ratio)
    lost = np.empty((n + 1, p0.size))
    lost[0] = p0 == 0
    lost[1:] = (1.0 - p0) ** real
    return RealCorpusMoments(error, heterozygosity, lost)


def real_corpus_stationary(n_real, n_synth, p0):
    r"""The limits of :func:`real_corpus_moments` as the number of fits grows.

    Returns
    -------
    RealCorpusMoments
        Arrays of shape ``(K,)``, ``()`` and ``(K,)``.

    Notes
    -----
    :math:`u_\infty = b/(1 - a) = n_s/(N^2 + 2Nn_s + n_s)`, below
    :math:`1/(2N + 1)` however many synthetic draws are added: the fixed real
    corpus alone prevents collapse, and :math:`E[H_\infty] = H_0(1 - 1/N)
    (1 - u_\infty)` (the package's derivation).

    Examples
    --------
    >>> s = real_corpus_stationary(10, 10**6, [0.5, 0.5])
    >>> round(float(s.heterozygosity), 4)  # about H0 (1 - 1/N)(1 - 1/(2N + 1))
    0.4286
    """
    real, synth = _corpus_args(n_real, n_synth)
    p0 = _vector("p0", p0)
    h = p0 * (1.0 - p0)
    ratio = synth / (real**2 + 2.0 * real * synth + synth)
    return RealCorpusMoments(h * (1.0 / real + (1.0 - 1.0 / real) * ratio),
                             np.float64(h.sum() * (1.0 - 1.0 / real) * (1.0 - ratio)),
                             (1.0 - p0) ** real)


def simulate_real_corpus(n, n_real, n_synth, p0, *, replicates=1, rng=None, keep="all"):
    r"""Simulate the loop that refits on one fixed real corpus plus synthetic draws.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    n_real : int
        Size :math:`N \ge 1` of the real corpus (drawn once per replicate from ``p0``).
    n_synth : int
        Synthetic draws per generation from the current model, ``>= 0``.
    p0 : array_like, shape (K,)
    replicates : int, optional
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
    keep : {"all", "last"}, optional

    Returns
    -------
    modelcollapse.discrete.DiscreteChain
        ``M`` holds the fit sizes :math:`N, N + n_s, \dots`.

    Notes
    -----
    Counts are drawn exactly: :math:`r \sim \mathrm{Multinomial}(N, p_0)/N`,
    then :math:`p_{i+1} = (Nr + \mathrm{Multinomial}(n_s, p_i))/(N + n_s)`.
    Closed forms: :func:`real_corpus_moments`.

    Examples
    --------
    >>> chain = simulate_real_corpus(5, 20, 40, [0.6, 0.3, 0.1], replicates=3, rng=0)
    >>> chain.p.shape
    (3, 6, 3)
    """
    from ._rng import as_generator, seed_entropy

    n = check_int("n", n, minimum=0)
    real, synth = _corpus_args(n_real, n_synth)
    p0 = _vector("p0", p0)
    replicates = check_int("replicates", replicates, minimum=1)
    check_choice("keep", keep, discrete.KEEPS)
    gen = as_generator(rng)
    out = np.empty((replicates, n + 1 if keep == "all" else 1, p0.size))
    out[:, 0] = p0
    corpus = gen.multinomial(real, np.broadcast_to(p0, (replicates, p0.size)))
    current = corpus / real
    for i in range(1, n + 1):
        if i > 1:
            current = (corpus + gen.multinomial(synth, current)) / (real + synth)
        if keep == "all":
            out[:, i] = current
        elif i == n:
            out[:, 0] = current
    out.flags.writeable = False
    generations = np.arange(n + 1) if keep == "all" else np.array([n])
    sizes = np.array([real] + [real + synth] * (n - 1) if n else [], dtype=np.int64)
    return discrete.DiscreteChain(out, generations, p0, sizes, "counts", seed_entropy(gen))


def accumulate_loss_probability(n, M, p, *, fresh=0.0):
    r"""Exact probability that a category is lost after ``n`` fits of the accumulating chain.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    M : int, sequence of int or :class:`~modelcollapse.schedule.Schedule`
        Generation sizes ``M_i >= 1``.
    p : float or array_like
        Initial probability of the category, in ``[0, 1]``.
    fresh : float, optional
        Fraction of every generation drawn from ``p0`` itself, as in
        :func:`modelcollapse.discrete.simulate`.

    Returns
    -------
    ndarray or float
        :math:`\Pr(p_{n,k} = 0)`, broadcast over ``n`` and ``p``.

    Notes
    -----
    Under ``discrete.simulate(policy="accumulate")`` model :math:`i + 1` is the
    frequency vector of all draws so far. A category never drawn has
    probability 0 in every model, so only the fresh draws can still find it,
    and once drawn it stays in the pool for good:

    .. math:: \Pr(p_{n,k} = 0) = (1 - p_k)^{M_0 + \sum_{1 \le i < n} K_i}, \quad n \ge 1,

    :math:`K_i = \lfloor f M_i + 1/2\rfloor`: without fresh data it is the
    first fit's :math:`(1 - p_k)^{M_0}` for ever, where the replacing chain
    loses every category but one (:func:`modelcollapse.discrete.loss_probability`).
    The package's derivation.

    Examples
    --------
    >>> accumulate_loss_probability([0, 1, 50], 10, 0.1).round(6).tolist()
    [0.0, 0.348678, 0.348678]
    """
    from ._policy import check_fresh, fresh_counts
    from .schedule import sizes_at_least

    n = check_int_array("n", n, minimum=0)
    fresh = check_fresh(fresh)
    p = discrete._check_probability("p", p)
    _, sizes = sizes_at_least(M, int(n.max()) if n.size else 0, 1, discrete._WHY_M)
    draws = np.concatenate(([0], np.cumsum(np.where(np.arange(sizes.size) == 0, sizes,
                                                   fresh_counts(sizes, fresh)))))
    exponent = draws[n].astype(np.float64)
    n, p, exponent = np.broadcast_arrays(n, p, exponent)
    lost = np.where(n == 0, (p == 0).astype(np.float64), (1.0 - p) ** exponent)
    return discrete._scalar(lost)
