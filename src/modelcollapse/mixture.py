r"""Gaussian mixtures refitted by EM to their own samples (functional approximation error).

Model 0 is a K-component Gaussian mixture :math:`D_0` in dimension ``d``
(1 or more); generation :math:`i` is ``N`` draws from model :math:`i`, and
model :math:`i + 1` is the mixture fitted to them by expectation-maximisation
(EM). Shumailov et al. (2023, supplementary section 4.1) run this loop with
two components, ``N = 1000`` and up to 2000 generations, and report that the
fit misperceives the distribution within about 50 generations and ends near a
low-variance point estimate. There is no closed form for the trajectory:
:func:`simulate` measures it, batched over replicate chains, and the report
(``docs/mixture.md``) states the measured numbers with their intervals.

The EM fit
----------
The fit is scikit-learn's ``GaussianMixture(covariance_type="full")`` EM,
vectorised over chains (the same E and M steps, the same convergence rule and
the same variance floor, so that the two agree to rounding; held against each
other in the tests):

* E step: responsibilities :math:`r_{ik} \propto w_k N(x_i; m_k, C_k)` in log space.
* M step: :math:`n_k = \sum_i r_{ik} + 10\epsilon`, :math:`w_k = n_k/\sum_j n_j`,
  :math:`m_k = \sum_i r_{ik}x_i/n_k`,
  :math:`C_k = \sum_i r_{ik}(x_i - m_k)(x_i - m_k)^\top/n_k + \rho I`.
* Stop when the mean log-likelihood (computed in the E step) changes by less
  than ``tol`` (default ``1e-3``), or after ``max_iter`` (default 100)
  iterations; the parameters are those of the last M step.
* Initialisation: ``init="warm"`` starts fit :math:`i + 1` from model
  :math:`i` (the natural recursive procedure: the previous generation's model
  is the best guess available), ``init="truth"`` from :math:`D_0` every time.
  Neither is claimed to be the paper's own choice.

Degenerate components
---------------------
No component is ever dropped. The floor :math:`\rho` (``reg_covar``, default
``1e-6`` as in scikit-learn) keeps every covariance positive definite and the
:math:`10\epsilon` keeps every weight positive, so a component that loses
all its points keeps finite parameters (its mean falls to 0 and its
covariance to :math:`\rho I` once every responsibility underflows); it is
reported *lost* once its weight falls below a threshold (default :math:`1/N`:
fewer than one expected point per generation).

An exact property
-----------------
Whatever the responsibilities, an M step sets the mixture's total covariance
:math:`\sum_k w_k(C_k + m_k m_k^\top) - \bar m\bar m^\top` to the maximum-
likelihood sample covariance of the data plus :math:`\rho I`. The draws of
generation :math:`i` have model :math:`i`'s total covariance, so the total
variance :math:`V_n` (the trace) follows the 1-component MLE recursion in
expectation, for every K:

.. math:: E[V_n] = V_0 q^n + d\rho\frac{1 - q^n}{1 - q}, \qquad q = 1 - \frac1N

(:func:`expected_total_variance`; derived in ``derivations/mixture.py``).

References
----------
I. Shumailov, Z. Shumaylov, Y. Zhao, Y. Gal, N. Papernot, R. Anderson (2023).
The Curse of Recursion: Training on Generated Data Makes Models Forget.
arXiv:2305.17493, supplementary section 4.1 (Gaussian mixture models).

F. Pedregosa et al. (2011). Scikit-learn: Machine Learning in Python. JMLR 12
(``sklearn.mixture.GaussianMixture``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._rng import as_generator, seed_entropy
from ._validate import (
    check_choice,
    check_confidence,
    check_covariance,
    check_int,
    check_int_array,
    check_real,
    check_scalar,
)

__all__ = [
    "EMFit",
    "MixtureChain",
    "Proportion",
    "expected_total_variance",
    "fit_em",
    "l2_distance",
    "sample",
    "simulate",
    "w2_upper_bound",
]

_EPS10 = 10 * np.finfo(np.float64).eps
_LOG_2PI = np.log(2 * np.pi)


# ---------------------------------------------------------------- parameters


def _mixture(weights, means, covariances):
    """Validate one mixture; return (w (K,), m (K, d), C (K, d, d), one_dim)."""
    w = check_real("weights", weights)
    if w.ndim != 1 or w.size < 1:
        raise ValueError(f"weights must be a 1-D array of K >= 1 weights, got shape {w.shape}")
    if np.any(w <= 0) or abs(w.sum() - 1) > 1e-9:
        raise ValueError(f"weights must be > 0 and sum to 1, got weights={weights!r}")
    k = w.size
    m = check_real("means", means)
    one_dim = m.ndim == 1
    if one_dim:
        m = m[:, None]
    if m.ndim != 2 or m.shape[0] != k or m.shape[1] < 1:
        raise ValueError(f"means must have shape (K,) or (K, d) with K = {k}, got shape "
                         f"{np.shape(means)}")
    dim = m.shape[1]
    if one_dim:
        v = check_real("covariances", covariances)
        if v.shape != (k,) or np.any(v <= 0):
            raise ValueError(f"covariances must be K = {k} variances > 0 for 1-D means, got "
                             f"covariances={covariances!r}")
        c = v[:, None, None]
    else:
        if check_real("covariances", covariances).shape != (k, dim, dim):
            raise ValueError(f"covariances must have shape (K, d, d) = ({k}, {dim}, {dim}) to "
                             f"match means of shape {m.shape}, got shape "
                             f"{np.shape(covariances)}")
        c, eig, _ = check_covariance("covariances", covariances)
        if np.any(eig <= 0):
            raise ValueError(f"covariances must be K = {k} positive definite ({dim}, {dim}) "
                             f"matrices, got covariances={covariances!r}")
    return w / w.sum(), m, c, one_dim


def _em_settings(tol, max_iter, reg_covar):
    return (check_scalar("tol", tol), check_int("max_iter", max_iter, minimum=1),
            check_scalar("reg_covar", reg_covar))


# ---------------------------------------------------------------- EM core


def _log_gauss(x, means, chol):
    """log N(x_n; m_k, C_k), shape (R, K, N); data (R, N, d), means (R, K, d), chol (R, K, d, d).

    Components lead the data axis so that sums over components run over
    contiguous rows (a reduction over a short last axis is slow in numpy).
    """
    dim = x.shape[-1]
    if dim == 1:
        sd = chol[..., 0, 0][..., None]  # (R, K, 1)
        y2 = ((x[:, None, :, 0] - means[..., 0][..., None]) / sd) ** 2
        logdet = np.log(sd)
    else:
        diff = x[:, None, :, :] - means[:, :, None, :]  # (R, K, N, d)
        # whiten with the inverse Cholesky factor (one small inverse per component, as
        # scikit-learn's precision Cholesky), not one solve per point
        inverse = np.linalg.inv(chol)
        y2 = np.sum(np.matmul(diff, np.swapaxes(inverse, -1, -2)) ** 2, axis=-1)
        logdet = np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1)[..., None]
    return -0.5 * (dim * _LOG_2PI + y2) - logdet


def _e_step(x, w, m, chol):
    weighted = _log_gauss(x, m, chol) + np.log(w)[..., None]
    # logsumexp over components by hand: scipy's general version costs more than the E step
    top = weighted.max(axis=1, keepdims=True)
    resp = np.exp(weighted - top)
    total = resp.sum(axis=1, keepdims=True)
    resp /= total
    return (np.log(total) + top)[:, 0].mean(axis=1), resp


def _m_step(x, resp, reg_covar):
    nk = resp.sum(axis=2) + _EPS10  # (R, K)
    means = np.matmul(resp, x) / nk[..., None]  # (R, K, d)
    dim = x.shape[-1]
    if dim == 1:
        sq = (x[:, None, :, 0] - means[..., 0][..., None]) ** 2  # (R, K, N)
        cov = (np.sum(resp * sq, axis=2) / nk)[..., None, None]
    else:
        diff = x[:, None, :, :] - means[:, :, None, :]
        cov = np.einsum("rkn,rknd,rkne->rkde", resp, diff, diff) / nk[..., None, None]
    cov += reg_covar * np.eye(dim)
    return nk / nk.sum(axis=1, keepdims=True), means, cov


def _em(x, w, m, c, tol, max_iter, reg_covar):
    """Batched EM from (w, m, c); returns (w, m, c, iterations, converged)."""
    reps = x.shape[0]
    bound = np.full(reps, -np.inf)
    active = np.ones(reps, dtype=bool)
    iterations = np.zeros(reps, dtype=np.int64)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        xa = x[idx]
        with np.errstate(over="ignore", invalid="ignore"):
            norm, resp = _e_step(xa, w[idx], m[idx], _cholesky(c[idx], reg_covar))
        if not np.all(np.isfinite(norm)):
            raise _degenerate(reg_covar)
        w[idx], m[idx], c[idx] = _m_step(xa, resp, reg_covar)
        iterations[idx] += 1
        done = np.abs(norm - bound[idx]) < tol
        bound[idx] = norm
        active[idx[done]] = False
    return w, m, c, iterations, ~active


def _cholesky(c, reg_covar):
    """Cholesky factors of fitted covariances; a floor lost in rounding is named."""
    try:
        return np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise _degenerate(reg_covar) from None


def _degenerate(reg_covar):
    # A component fitted to fewer than d + 1 distinct points has a singular
    # covariance; only the floor keeps it positive definite, and a floor far below
    # the data's rounding (e.g. 1e-300) does not: its density over- or underflows.
    return ValueError(
        "reg_covar is too small for this data: a fitted covariance is singular to "
        "float64 precision (a component collapsed onto fewer than d + 1 points); use a "
        f"floor of about 1e-6 times the data's variance, got reg_covar={reg_covar!r}"
    )


@dataclass(frozen=True)
class EMFit:
    """Mixtures fitted by EM to ``R`` data sets.

    Attributes
    ----------
    weights : ndarray, shape (R, K)
    means : ndarray, shape (R, K) or (R, K, d)
    covariances : ndarray, shape (R, K) (variances) or (R, K, d, d)
    iterations : ndarray of int, shape (R,)
        EM iterations (E and M step pairs) each fit took.
    converged : ndarray of bool, shape (R,)
        Whether the change of the mean log-likelihood fell below ``tol``.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def _shaped(m, c, one_dim):
    return (m[..., 0], c[..., 0, 0]) if one_dim else (m, c)


def fit_em(x, weights, means, covariances, *, tol=1e-3, max_iter=100, reg_covar=1e-6):
    r"""Fit a K-component Gaussian mixture by EM to each of ``R`` data sets at once.

    Parameters
    ----------
    x : array_like, shape (R, N) or (R, N, d)
        ``R`` data sets of ``N`` points (``(R, N)`` for 1-D mixtures).
    weights : array_like, shape (K,) or (R, K)
        Initial weights (``> 0``, summing to 1).
    means : array_like, shape (K,), (K, d), (R, K) or (R, K, d)
        Initial means (a leading ``R`` axis gives each data set its own start).
    covariances : array_like, shape (K,), (K, d, d), (R, K) or (R, K, d, d)
        Initial variances (1-D) or covariance matrices.
    tol : float, optional
        Stop when the mean log-likelihood changes by less than ``tol`` (``> 0``).
    max_iter : int, optional
        At most this many EM iterations (``>= 1``).
    reg_covar : float, optional
        Floor :math:`\rho > 0` added to every covariance's diagonal. A floor far
        below the data's rounding (e.g. ``1e-300``) can leave a collapsed
        component's covariance singular: ``ValueError`` naming ``reg_covar``.

    Returns
    -------
    EMFit

    Notes
    -----
    The E and M steps, the stopping rule and the floor are those of
    ``sklearn.mixture.GaussianMixture(covariance_type="full")`` (see the module
    docstring), vectorised over data sets: the same initial parameters
    (``weights_init``, ``means_init``, ``precisions_init``) give the same fit
    to rounding.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(-2, 0.5, 200), rng.normal(2, 0.5, 200)])[None]
    >>> fit = fit_em(x, [0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    >>> fit.means.round(1).tolist()
    [[-2.0, 2.0]]
    """
    tol, max_iter, reg_covar = _em_settings(tol, max_iter, reg_covar)
    data = check_real("x", x)
    start = [check_real(name, a) for name, a in
             (("weights", weights), ("means", means), ("covariances", covariances))]
    batched = start[0].ndim == 2
    first = [a[0] if batched else a for a in start]
    _, _, _, one_dim = _mixture(*first)
    if data.ndim != (2 if one_dim else 3) or data.shape[1] < 2:
        raise ValueError(f"x must have shape (R, N) for 1-D means or (R, N, d) otherwise, "
                         f"with N >= 2, got shape {data.shape}")
    reps = data.shape[0]
    if batched:
        if start[0].shape[0] != reps:
            raise ValueError(f"weights must have shape (K,) or (R, K) with R = {reps}, got "
                             f"shape {start[0].shape}")
        parts = [_mixture(*(a[r] for a in start))[:3] for r in range(reps)]
        w, m, c = (np.stack(p) for p in zip(*parts, strict=True))
    else:
        w, m, c, _ = _mixture(*start)
        w, m, c = (np.broadcast_to(a, (reps, *a.shape)).copy() for a in (w, m, c))
    xs = data[..., None] if one_dim else data
    if xs.shape[-1] != m.shape[-1]:
        raise ValueError(f"x must have d = {m.shape[-1]} coordinates like means, got shape "
                         f"{data.shape}")
    if xs.shape[1] < w.shape[1]:
        raise ValueError(f"x must hold N >= K = {w.shape[1]} points per data set, got N = "
                         f"{xs.shape[1]}")
    w, m, c, iterations, converged = _em(xs, w, m, c, tol, max_iter, reg_covar)
    m, c = _shaped(m, c, one_dim)
    return EMFit(w, m, c, iterations, converged)


# ---------------------------------------------------------------- sampling


def _draw(gen, w, m, chol, size):
    """``size`` draws from each of R mixtures (w (R, K), m (R, K, d), chol (R, K, d, d))."""
    reps = w.shape[0]
    u = gen.random((reps, size))
    cum = np.cumsum(w, axis=1)
    labels = (u[..., None] >= cum[:, None, :-1]).sum(axis=-1)  # (R, N) in 0..K-1
    z = gen.standard_normal((reps, size, m.shape[-1]))
    rows = np.arange(reps)[:, None]
    return m[rows, labels] + np.einsum("rnde,rne->rnd", chol[rows, labels], z)


def sample(N, weights, means, covariances, *, replicates=1, rng=None):
    r"""``replicates`` independent sets of ``N`` draws from a Gaussian mixture.

    Parameters
    ----------
    N : int
        Draws per set, ``>= 1``.
    weights, means, covariances : array_like
        The mixture, shapes (K,), (K,) or (K, d), (K,) or (K, d, d).
    replicates : int, optional
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    ndarray, shape (replicates, N) or (replicates, N, d)

    Notes
    -----
    A draw picks component :math:`k` with probability :math:`w_k` (one uniform)
    and returns :math:`m_k + L_k z` with :math:`L_k L_k^\top = C_k` and
    :math:`z` standard normal; :func:`simulate` draws each generation the same way.

    Examples
    --------
    >>> sample(3, [0.5, 0.5], [-1.0, 1.0], [0.1, 0.1], replicates=2, rng=0).shape
    (2, 3)
    """
    size = check_int("N", N, minimum=1)
    reps = check_int("replicates", replicates, minimum=1)
    w, m, c, one_dim = _mixture(weights, means, covariances)
    gen = as_generator(rng)
    w, m, chol = (np.broadcast_to(a, (reps, *a.shape)) for a in (w, m, np.linalg.cholesky(c)))
    x = _draw(gen, w, m, chol, size)
    return x[..., 0] if one_dim else x


# ---------------------------------------------------------------- distances


def _log_overlap(m1, c1, m2, c2):
    r"""log of :math:`\int N(x; a, A) N(x; b, B) dx = N(a; b, A + B)` for all component pairs."""
    s = c1[..., :, None, :, :] + c2[..., None, :, :, :]
    diff = m1[..., :, None, :] - m2[..., None, :, :]
    _, logdet = np.linalg.slogdet(s)
    quad = np.sum(diff * np.linalg.solve(s, diff[..., None])[..., 0], axis=-1)
    return -0.5 * (m1.shape[-1] * _LOG_2PI + logdet + quad)


def _as_full(means, covariances):
    m = np.asarray(means, dtype=np.float64)
    c = np.asarray(covariances, dtype=np.float64)
    if c.ndim == m.ndim:  # 1-D: variances next to means
        return m[..., None], c[..., None, None]
    return m, c


def _cross(w1, m1, c1, w2, m2, c2):
    overlap = np.exp(_log_overlap(m1, c1, m2, c2))
    return np.einsum("...i,...ij,...j->...", w1, overlap, w2)


def _mixture_stack(suffix, weights, means, covariances):
    """Validate a stack of mixtures for :func:`l2_distance`; return full (w, m, C)."""
    w = check_real(f"weights{suffix}", weights)
    m = check_real(f"means{suffix}", means)
    c = check_real(f"covariances{suffix}", covariances)
    if w.ndim < 1 or w.shape[-1] < 1 or np.any(w < 0) or np.any(w.sum(axis=-1) <= 0):
        raise ValueError(f"weights{suffix} must be an array (..., K) of weights >= 0, K >= 1, "
                         f"not all 0, got weights{suffix}={weights!r}")
    k = w.shape[-1]
    one_dim = m.ndim >= 1 and c.shape == m.shape and m.shape[-1] == k
    full = (m.ndim >= 2 and m.shape[-2] == k and c.shape == (*m.shape, m.shape[-1]))
    if not (one_dim or full):
        raise ValueError(
            f"means{suffix} and covariances{suffix} must have shapes (..., K) and (..., K) "
            f"(1-D) or (..., K, d) and (..., K, d, d), with K = {k} as in weights{suffix}, got "
            f"shapes {m.shape} and {c.shape}")
    if one_dim:
        m, c = m[..., None], c[..., None, None]
    if np.any(np.linalg.eigvalsh(0.5 * (c + np.swapaxes(c, -1, -2))) <= 0):
        raise ValueError(f"covariances{suffix} must be positive (definite), got "
                         f"covariances{suffix}={covariances!r}")
    return w, m, c


def l2_distance(weights1, means1, covariances1, weights2, means2, covariances2):
    r"""Closed-form :math:`L^2` distance between Gaussian mixtures, broadcast over leading axes.

    Parameters
    ----------
    weights1, means1, covariances1 : array_like
        First mixture(s): shapes (..., K), (..., K) or (..., K, d), (..., K) or
        (..., K, d, d).
    weights2, means2, covariances2 : array_like
        Second mixture(s), with their own number of components.

    Returns
    -------
    ndarray
        :math:`\|p - q\|_2 = (\int (p - q)^2)^{1/2}`, shape of the broadcast leading axes.

    Notes
    -----
    The integral of a product of Gaussian densities is a Gaussian density,
    :math:`\int N(x; a, A)N(x; b, B)\,dx = N(a; b, A + B)`, so

    .. math:: \|p - q\|_2^2 = \sum_{ij} w_i w_j N(m_i; m_j, C_i + C_j)
        - 2\sum_{ij} w_i v_j N(m_i; n_j, C_i + S_j) + \sum_{ij} v_i v_j N(n_i; n_j, S_i + S_j)

    (rounding below zero is clipped).

    Examples
    --------
    >>> round(float(l2_distance([1.0], [0.0], [1.0], [1.0], [0.0], [1.0])), 12)
    0.0
    >>> d = float(l2_distance([1.0], [0.0], [1.0], [1.0], [1.0], [1.0]))
    >>> bool(abs(d**2 - 2 * (1 - np.exp(-0.25)) / np.sqrt(4 * np.pi)) < 1e-12)
    True
    """
    w1, m1, c1 = _mixture_stack("1", weights1, means1, covariances1)
    w2, m2, c2 = _mixture_stack("2", weights2, means2, covariances2)
    if m1.shape[-1] != m2.shape[-1]:
        raise ValueError(f"means1 and means2 must have the same dimension d, got shapes "
                         f"{np.shape(means1)} and {np.shape(means2)}")
    squared = (_cross(w1, m1, c1, w1, m1, c1) - 2 * _cross(w1, m1, c1, w2, m2, c2)
               + _cross(w2, m2, c2, w2, m2, c2))
    return np.sqrt(np.maximum(squared, 0.0))


def _mw2_squared(w1, w2, cost):
    """min over couplings of (w1, w2) of <coupling, cost>, per leading index."""
    if w1.shape[-1] == 2 and w2.shape[-1] == 2:
        # Two against two: the couplings form a segment pi_11 = p in [lo, hi] and the
        # cost is linear in p, so the optimum is an endpoint.
        a1, b1 = w1[..., 0], w2[..., 0]
        slope = cost[..., 0, 0] - cost[..., 0, 1] - cost[..., 1, 0] + cost[..., 1, 1]
        p = np.where(slope > 0, np.maximum(0.0, a1 + b1 - 1.0), np.minimum(a1, b1))
        return (p * cost[..., 0, 0] + (a1 - p) * cost[..., 0, 1] + (b1 - p) * cost[..., 1, 0]
                + (1.0 - a1 - b1 + p) * cost[..., 1, 1])
    import ot

    shape = np.broadcast_shapes(w1.shape[:-1], w2.shape[:-1], cost.shape[:-2])
    a = np.broadcast_to(w1, (*shape, w1.shape[-1])).reshape(-1, w1.shape[-1])
    b = np.broadcast_to(w2, (*shape, w2.shape[-1])).reshape(-1, w2.shape[-1])
    m = np.broadcast_to(cost, (*shape, *cost.shape[-2:])).reshape(-1, *cost.shape[-2:])
    out = [ot.emd2(a[i] / a[i].sum(), b[i] / b[i].sum(), np.ascontiguousarray(m[i]))
           for i in range(a.shape[0])]
    return np.asarray(out, dtype=np.float64).reshape(shape)


def w2_upper_bound(weights1, means1, covariances1, weights2, means2, covariances2):
    r"""Upper bound on :math:`W_2` between Gaussian mixtures: the mixture-Wasserstein distance.

    Parameters
    ----------
    weights1, means1, covariances1, weights2, means2, covariances2 : array_like
        Two stacks of mixtures, shaped as for :func:`l2_distance`; weights are
        normalised to sum to 1.

    Returns
    -------
    ndarray
        :math:`MW_2 = \big(\min_\pi \sum_{ij}\pi_{ij}W_2^2(N_i, N_j)\big)^{1/2} \ge W_2`,
        the minimum over couplings :math:`\pi` of the two weight vectors.

    Notes
    -----
    Restricting the transport plans to couplings of the components gives an
    upper bound on :math:`W_2` (Delon and Desolneux 2020). The pairwise costs
    are Bures distances (:func:`modelcollapse.wasserstein.gaussian_w2_squared`).
    Two components against two is solved in closed form (the couplings form a
    segment on which the cost is linear); otherwise each problem is a small
    linear program solved by POT's ``ot.emd2`` (imported only then).

    References
    ----------
    J. Delon, A. Desolneux (2020). A Wasserstein-type distance in the space of
    Gaussian mixture models. SIAM J. Imaging Sci. 13(2), 936-970.

    Examples
    --------
    >>> float(w2_upper_bound([1.0], [0.0], [1.0], [1.0], [3.0], [4.0]))  # sqrt(9 + 1)
    3.1622776601683795
    """
    from .wasserstein import gaussian_w2_squared

    w1, m1, c1 = _mixture_stack("1", weights1, means1, covariances1)
    w2, m2, c2 = _mixture_stack("2", weights2, means2, covariances2)
    if m1.shape[-1] != m2.shape[-1]:
        raise ValueError(f"means1 and means2 must have the same dimension d, got shapes "
                         f"{np.shape(means1)} and {np.shape(means2)}")
    cost = gaussian_w2_squared(m1[..., :, None, :], c1[..., :, None, :, :],
                               m2[..., None, :, :], c2[..., None, :, :, :])
    w1 = w1 / w1.sum(axis=-1, keepdims=True)
    w2 = w2 / w2.sum(axis=-1, keepdims=True)
    return np.sqrt(np.maximum(_mw2_squared(w1, w2, np.asarray(cost)), 0.0))


# ---------------------------------------------------------------- closed form


def expected_total_variance(n, N, total_variance0, *, reg_covar=1e-6, dim=1):
    r"""Exact :math:`E[V_n]`, the total variance of the ``n``-th EM-fitted mixture.

    Parameters
    ----------
    n : int or array of int
        Generations, ``>= 0``.
    N : int
        Points per generation, ``>= 2``.
    total_variance0 : float
        :math:`V_0`, the trace of :math:`D_0`'s covariance (its variance in 1-D), ``> 0``.
    reg_covar : float, optional
        The covariance floor :math:`\rho \ge 0` of the fit.
    dim : int, optional
        Dimension ``d``.

    Returns
    -------
    ndarray
        :math:`V_0 q^n + d\rho(1 - q^n)/(1 - q)` with :math:`q = 1 - 1/N`.

    Notes
    -----
    Exact for any number of components, any EM initialisation and any number
    of EM iterations (at least one), because every M step sets the total
    covariance to the MLE sample covariance plus :math:`\rho I` (see the
    module docstring; ``derivations/mixture.py``). With the unbiased
    (``ddof=1``) covariance the mean would stay :math:`V_0`: that is the
    mutant of the verify claim.

    Examples
    --------
    >>> float(expected_total_variance(1, 10, 1.0, reg_covar=0.0))
    0.9
    """
    gens = check_int_array("n", n, minimum=0)
    size = check_int("N", N, minimum=2)
    v0 = check_scalar("total_variance0", total_variance0)
    rho = check_scalar("reg_covar", reg_covar, strict=False)
    d = check_int("dim", dim, minimum=1)
    log_q = np.log1p(-1.0 / size)
    qn = np.exp(gens * log_q)
    # N (1 - q^n) first: 0 at n = 0, so a floor near 1e308 overflows to inf, not 0 * inf
    with np.errstate(over="ignore"):
        return v0 * qn + d * rho * (size * -np.expm1(gens * log_q))


# ---------------------------------------------------------------- the chain


@dataclass(frozen=True)
class Proportion:
    """A measured fraction with its exact (Clopper-Pearson) interval."""

    count: int
    total: int
    low: float
    high: float
    confidence: float

    @property
    def estimate(self):
        """``count / total``."""
        return self.count / self.total


@dataclass(frozen=True)
class MixtureChain:
    """Parameters of ``replicates`` chains of EM-refitted Gaussian mixtures.

    Attributes
    ----------
    weights : ndarray, shape (replicates, n + 1, K)
        Generation 0 is :math:`D_0`; row ``i`` is model ``i``.
    means : ndarray, shape (replicates, n + 1, K) or (replicates, n + 1, K, d)
    covariances : ndarray, shape (replicates, n + 1, K) or (replicates, n + 1, K, d, d)
        Variances (1-D) or covariance matrices.
    iterations : ndarray of int, shape (replicates, n)
        EM iterations of each fit.
    converged : ndarray of bool, shape (replicates, n)
    N : int
        Points per generation.
    init : str
    tol, reg_covar : float
    max_iter : int
    seed_entropy : int or None
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    N: int
    init: str
    tol: float
    max_iter: int
    reg_covar: float
    seed_entropy: int | None

    @property
    def n(self):
        """Number of fits simulated."""
        return self.weights.shape[1] - 1

    @property
    def replicates(self):
        """Number of independent chains."""
        return self.weights.shape[0]

    @property
    def dim(self):
        """Dimension ``d`` of the data."""
        return 1 if self.means.ndim == 3 else self.means.shape[-1]

    def _full(self):
        return _as_full(self.means, self.covariances)

    def total_variance(self):
        r"""Trace of each model's total covariance, shape (replicates, n + 1).

        :math:`V = \mathrm{tr}\big(\sum_k w_k(C_k + m_k m_k^\top) - \bar m\bar m^\top\big)`,
        :math:`\bar m = \sum_k w_k m_k`: the variance (1-D) of a draw from the model.
        """
        m, c = self._full()
        w = self.weights[..., None]
        mean = (w * m).sum(axis=-2)
        second = (w * (np.trace(c, axis1=-2, axis2=-1)[..., None]
                       + np.sum(m**2, axis=-1, keepdims=True))).sum(axis=-2)
        return second[..., 0] - np.sum(mean**2, axis=-1)

    def distance_to_truth(self):
        """:func:`l2_distance` of every model to :math:`D_0`, shape (replicates, n + 1)."""
        m, c = self._full()
        return l2_distance(self.weights, m, c, self.weights[:, :1], m[:, :1], c[:, :1])

    def w2_to_truth(self):
        """:func:`w2_upper_bound` of every model to :math:`D_0`, shape (replicates, n + 1)."""
        m, c = self._full()
        return w2_upper_bound(self.weights, m, c, self.weights[:, :1], m[:, :1], c[:, :1])

    def _threshold(self, threshold):
        if threshold is None:
            return 1.0 / self.N
        value = check_scalar("threshold", threshold)
        if value >= 1:
            raise ValueError(f"threshold must be in (0, 1), got threshold={threshold!r}")
        return value

    def loss_generation(self, threshold=None):
        """First generation at which some component's weight is below ``threshold``.

        Parameters
        ----------
        threshold : float, optional
            In (0, 1); default ``1/N`` (fewer than one expected point).

        Returns
        -------
        ndarray of int, shape (replicates,)
            ``n + 1`` for a chain that kept every component through generation
            ``n`` (censored).
        """
        lost = self.weights.min(axis=-1) < self._threshold(threshold)
        return np.where(lost.any(axis=1), lost.argmax(axis=1), self.n + 1)

    def lost_by(self, generation, threshold=None, *, confidence=0.95):
        """Fraction of chains that lost a component by ``generation``, with its interval.

        Parameters
        ----------
        generation : int
            ``0 <= generation <= n``.
        threshold : float, optional
            As in :meth:`loss_generation`.
        confidence : float, optional
            Of the exact Clopper-Pearson interval.

        Returns
        -------
        Proportion
        """
        gen = check_int("generation", generation, minimum=0)
        if gen > self.n:
            raise ValueError(f"generation must be <= n = {self.n}, got generation={gen!r}")
        conf = check_confidence(confidence)
        count = int(np.sum(self.loss_generation(threshold) <= gen))
        ci = stats.binomtest(count, self.replicates).proportion_ci(conf, method="exact")
        return Proportion(count, self.replicates, float(ci.low), float(ci.high), conf)


def simulate(n, N, *, weights, means, covariances, replicates=1, init="warm", tol=1e-3,
             max_iter=100, reg_covar=1e-6, rng=None):
    r"""Simulate ``replicates`` chains of ``n`` EM refits of a Gaussian mixture.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    N : int
        Points drawn per generation, ``>= max(2, K)``.
    weights : array_like, shape (K,)
        :math:`D_0`'s weights (``> 0``, summing to 1); K is the number of
        components of every fit.
    means : array_like, shape (K,) or (K, d)
        :math:`D_0`'s means; shape (K,) for 1-D mixtures.
    covariances : array_like, shape (K,) or (K, d, d)
        :math:`D_0`'s variances (1-D) or positive definite covariance matrices.
    replicates : int, optional
        Independent chains, ``>= 1``, simulated together.
    init : {"warm", "truth"}, optional
        EM start of fit :math:`i + 1`: model :math:`i` (default) or :math:`D_0`.
    tol, max_iter, reg_covar : optional
        EM settings (see :func:`fit_em`; scikit-learn's defaults).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    MixtureChain

    Notes
    -----
    Generation :math:`i` is ``N`` draws from model :math:`i` (:func:`sample`'s
    law), model :math:`i + 1` is :func:`fit_em` of them. Every generation
    draws one ``(replicates, N)`` block of uniforms and one of normals from
    ``rng`` (same seed, same numbers); memory is :math:`O(R N K d^2)` per
    generation plus the stored parameters :math:`O(R n K d^2)`. Shumailov et
    al. (2023), supplementary section 4.1: ``K = 2``, ``N = 1000``, ``n`` up to 2000.

    Examples
    --------
    >>> chain = simulate(5, 100, weights=[0.5, 0.5], means=[-2.0, 2.0],
    ...                  covariances=[1.0, 1.0], replicates=3, rng=0)
    >>> chain.weights.shape, chain.distance_to_truth().shape
    ((3, 6, 2), (3, 6))
    """
    gens = check_int("n", n, minimum=0)
    w0, m0, c0, one_dim = _mixture(weights, means, covariances)
    size = check_int("N", N, minimum=max(2, w0.size), why=" (at least 2 and at least K points)")
    reps = check_int("replicates", replicates, minimum=1)
    init = check_choice("init", init, ("warm", "truth"))
    tol, max_iter, reg_covar = _em_settings(tol, max_iter, reg_covar)
    gen = as_generator(rng)
    k, dim = m0.shape
    ws = np.empty((reps, gens + 1, k))
    ms = np.empty((reps, gens + 1, k, dim))
    cs = np.empty((reps, gens + 1, k, dim, dim))
    iterations = np.zeros((reps, gens), dtype=np.int64)
    converged = np.zeros((reps, gens), dtype=bool)
    ws[:, 0], ms[:, 0], cs[:, 0] = w0, m0, c0
    for i in range(gens):
        w, m, c = ws[:, i], ms[:, i], cs[:, i]
        x = _draw(gen, w, m, _cholesky(c, reg_covar), size)
        start = (w, m, c) if init == "warm" else (ws[:, 0], ms[:, 0], cs[:, 0])
        fitted = _em(x, *(a.copy() for a in start), tol, max_iter, reg_covar)
        ws[:, i + 1], ms[:, i + 1], cs[:, i + 1], iterations[:, i], converged[:, i] = fitted
    ms, cs = _shaped(ms, cs, one_dim)
    return MixtureChain(ws, ms, cs, iterations, converged, size, init, tol, max_iter, reg_covar,
                        seed_entropy(gen))
