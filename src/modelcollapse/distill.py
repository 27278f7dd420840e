r"""Self-distillation in a reproducing kernel Hilbert space: kernel ridge regression
refitted to its own predictions.

On a fixed design :math:`x_1..x_n` with Gram matrix
:math:`G = V\,\mathrm{diag}(d)\,V^\top` (``d`` the eigenvalues, ``V`` orthonormal),
kernel ridge regression with ridge :math:`c > 0` fitted to targets :math:`y`
predicts :math:`\hat y = G(G + cI)^{-1}y` on the design. In the eigenbasis,
:math:`z = V^\top y`, one round multiplies coordinate :math:`k` by

.. math:: \lambda_k = \frac{d_k}{d_k + c} \in [0, 1),

so after :math:`t` rounds of refitting to its own predictions the coordinate is
:math:`\lambda_k^t z_k`: the solution collapses onto the top eigen-directions of
the kernel, the effective number of retained directions
:math:`\sum_k \lambda_k^t` falls, and :math:`\|\hat y_t\| \to 0`.

Which version this module implements
------------------------------------
Mobahi, Farajtabar and Bartlett (2020) state the same map with a ridge
:math:`c_t` that may change with the round: their fitting problem fixes a
training-error budget :math:`\epsilon` and :math:`c_t` is whatever ridge meets
it, so that each eigen-coefficient is multiplied by
:math:`\prod_{i \le t} d_k/(d_k + c_i)`, and the solution collapses to zero
once the targets fit within the error budget. Here the ridge :math:`c` is
the same every round (the product becomes a power); the per-round shrinkage,
the sparsification of the basis and the collapse are the same statements.
Shumailov et al. (2023, supplementary section 2) cite this result as model
collapse by functional approximation.

With fresh label noise (each round's targets are the previous predictions plus
independent :math:`N(0, s^2)` noise on every design point), the coordinates follow
:math:`a_t = \lambda(a_{t-1} + e_t)`, and the expected squared error against the
starting function :math:`f_0` is, summed over eigen-directions,

.. math::
    E\|\hat y_t - f_0\|^2 = \sum_k \Big[(1 - \lambda_k^t)^2 z_k^2
        + s^2 \lambda_k^2 \frac{1 - \lambda_k^{2t}}{1 - \lambda_k^2}\Big]

(derived step by step in ``derivations/distill.py``).

References
----------
H. Mobahi, M. Farajtabar, P. L. Bartlett (2020). Self-Distillation Amplifies
Regularization in Hilbert Space. NeurIPS 33.

I. Shumailov et al. (2023). The Curse of Recursion: Training on Generated Data
Makes Models Forget. arXiv:2305.17493, supplementary section 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ._rng import as_generator, seed_entropy
from ._special import times_square
from ._validate import (
    check_covariance,
    check_int,
    check_int_array,
    check_real,
    check_scalar,
)

__all__ = [
    "DistillChain",
    "effective_directions",
    "expected_squared_error",
    "rbf_gram",
    "shrinkage",
    "simulate",
    "spectrum",
    "squared_norm",
]


def _eigenvalues(eigenvalues):
    d = check_real("eigenvalues", eigenvalues)
    if d.ndim == 0 or d.shape[-1] == 0:
        raise ValueError(
            "eigenvalues must be a non-empty array (..., n) of Gram-matrix eigenvalues, "
            f"got shape {d.shape}"
        )
    if np.any(d < 0):
        raise ValueError(f"eigenvalues must be >= 0 (a Gram matrix is PSD), got {eigenvalues!r}")
    return d


def _log_factor(d, ridge):
    """log(d/(d + c)) per direction, -inf where d = 0 or c/d overflows (no warning)."""
    with np.errstate(divide="ignore", over="ignore"):
        return -np.log1p(ridge / d)


def _checked(eigenvalues, ridge, t):
    d = _eigenvalues(eigenvalues)
    c = check_scalar("ridge", ridge)
    rounds = check_int_array("t", t, minimum=0)
    return d, c, rounds[..., None]


def _power(log_lam, t):
    """lambda^t = exp(t log lambda), exactly 1 at t = 0 even where lambda = 0."""
    with np.errstate(invalid="ignore"):
        return np.where(t == 0, 1.0, np.exp(t * log_lam))


def shrinkage(eigenvalues, ridge, t):
    r"""Factor multiplying each eigen-coefficient after ``t`` rounds of self-distillation.

    Parameters
    ----------
    eigenvalues : array_like, shape (..., n)
        Eigenvalues :math:`d_k \ge 0` of the Gram matrix.
    ridge : float
        Ridge :math:`c > 0`, the same every round.
    t : int or array of int
        Rounds, ``>= 0``; an array of rounds gives one row per round (a new
        axis before the last axis of ``eigenvalues``).

    Returns
    -------
    ndarray, shape broadcast(t.shape + (1,), eigenvalues.shape)
        :math:`(d_k/(d_k + c))^t`, computed as :math:`\exp(-t\log(1 + c/d_k))`
        (no underflow before the true value does; 0 where :math:`d_k = 0`, ``t >= 1``).

    Notes
    -----
    .. math:: \hat y_t = G(G + cI)^{-1}\hat y_{t-1}, \quad
        V^\top \hat y_t = \mathrm{diag}\Big(\frac{d_k}{d_k + c}\Big)^t V^\top y_0

    Mobahi, Farajtabar and Bartlett (2020), with their per-round ridge :math:`c_t = c`.

    Examples
    --------
    >>> shrinkage([4.0, 1.0, 0.0], 1.0, 2)
    array([0.64, 0.25, 0.  ])
    """
    d, c, rounds = _checked(eigenvalues, ridge, t)
    return _power(_log_factor(d, c), rounds)


def effective_directions(eigenvalues, ridge, t):
    r"""Effective number of eigen-directions retained after ``t`` rounds.

    The trace of the ``t``-round smoother :math:`(G(G + cI)^{-1})^t`, i.e. the
    sum of the :func:`shrinkage` factors: ``n`` at ``t = 0``, falling to 0.

    Parameters
    ----------
    eigenvalues : array_like, shape (..., n)
    ridge : float
    t : int or array of int

    Returns
    -------
    ndarray
        :math:`\sum_k (d_k/(d_k + c))^t`, the shape of :func:`shrinkage` without its last axis.

    Notes
    -----
    .. math:: \mathrm{df}_t = \mathrm{tr}\,\big(G(G + cI)^{-1}\big)^t = \sum_k \lambda_k^t

    Examples
    --------
    >>> round(float(effective_directions([4.0, 1.0, 0.0], 1.0, 1)), 12)
    1.3
    """
    return shrinkage(eigenvalues, ridge, t).sum(axis=-1)


def _coefficients(coefficients, d):
    z = check_real("coefficients", coefficients)
    if z.ndim == 0 or z.shape[-1] != d.shape[-1]:
        raise ValueError(
            "coefficients must have one entry per eigenvalue (last axis "
            f"{d.shape[-1]}, as in eigenvalues), got shape {z.shape}"
        )
    return z


def squared_norm(eigenvalues, coefficients, ridge, t):
    r"""Squared norm of the predictions on the design after ``t`` noise-free rounds.

    Parameters
    ----------
    eigenvalues : array_like, shape (..., n)
    coefficients : array_like, shape (..., n)
        :math:`z = V^\top y_0`, the starting targets in the eigenbasis (same order
        as ``eigenvalues``).
    ridge : float
    t : int or array of int

    Returns
    -------
    ndarray
        :math:`\|\hat y_t\|^2 = \sum_k \lambda_k^{2t} z_k^2`.

    Notes
    -----
    Falls to zero as :math:`t \to \infty`; Mobahi et al. (2020) stop when it
    falls within their training-error budget (collapse).

    Examples
    --------
    >>> round(float(squared_norm([4.0, 1.0], [1.0, 2.0], 1.0, 1)), 12)
    1.64
    """
    d, c, rounds = _checked(eigenvalues, ridge, t)
    z = _coefficients(coefficients, d)
    return times_square(z, _power(2 * _log_factor(d, c), rounds)).sum(axis=-1)


def expected_squared_error(eigenvalues, coefficients, ridge, t, noise=0.0):
    r"""Expected squared error :math:`E\|\hat y_t - f_0\|^2` after ``t`` rounds with fresh noise.

    Round :math:`i \ge 1` fits kernel ridge regression to the targets
    :math:`\hat y_{i-1} + \varepsilon_i`, :math:`\varepsilon_i \sim N(0, s^2 I_n)`
    independent of the past, with :math:`\hat y_0 = f_0` (the function on the design).

    Parameters
    ----------
    eigenvalues : array_like, shape (..., n)
    coefficients : array_like, shape (..., n)
        :math:`z = V^\top f_0`.
    ridge : float
    t : int or array of int
    noise : float, optional
        Noise standard deviation :math:`s \ge 0` (``0``: the deterministic map).

    Returns
    -------
    ndarray
        The sum over eigen-directions of a bias and a variance term (below).

    Notes
    -----
    With :math:`\lambda_k = d_k/(d_k + c)`,

    .. math::
        E\|\hat y_t - f_0\|^2 = \sum_k \Big[(1 - \lambda_k^t)^2 z_k^2
        + s^2 \lambda_k^2 \frac{1 - \lambda_k^{2t}}{1 - \lambda_k^2}\Big]

    (``derivations/distill.py``). At ``t = 1`` this is the usual in-sample risk
    of kernel ridge regression; the bias grows towards :math:`\|f_0\|^2` and the
    noise term saturates at :math:`s^2\sum_k \lambda_k^2/(1 - \lambda_k^2)`.

    Examples
    --------
    >>> float(expected_squared_error([1.0], [2.0], 1.0, 1, noise=1.0))
    1.25
    """
    d, c, rounds = _checked(eigenvalues, ridge, t)
    z = _coefficients(coefficients, d)
    s = check_scalar("noise", noise, strict=False)
    log_lam = _log_factor(d, c)
    with np.errstate(invalid="ignore"):
        shrunk = np.where(rounds == 0, 0.0, np.expm1(rounds * log_lam)) ** 2
        # lambda^2 (1 - lambda^{2t}) / (1 - lambda^2), by expm1 so lambda -> 1 keeps t
        lam2 = np.exp(2 * log_lam)
        var = np.where((rounds == 0) | (d == 0), 0.0,
                       lam2 * np.expm1(2 * rounds * log_lam) / np.expm1(2 * log_lam))
    # times_square: a term of zero weight stays 0 where z^2 or s^2 overflows
    return (times_square(z, shrunk) + times_square(s, var)).sum(axis=-1)


def spectrum(gram):
    r"""Eigenvalues (descending, clipped at 0) and orthonormal eigenvectors of a Gram matrix.

    Parameters
    ----------
    gram : array_like, shape (n, n)
        Symmetric positive semi-definite.

    Returns
    -------
    eigenvalues : ndarray, shape (n,)
    vectors : ndarray, shape (n, n)
        Column ``k`` belongs to ``eigenvalues[k]``; ``gram = V diag(d) V^T``.

    Examples
    --------
    >>> d, v = spectrum([[2.0, 0.0], [0.0, 3.0]])
    >>> d.tolist()
    [3.0, 2.0]
    """
    _, d, v = _gram(gram)
    return d, v


def _gram(gram):
    """The symmetrised Gram matrix and its descending eigenvalues (clipped at 0) and vectors."""
    g, w, v = check_covariance("gram", gram)
    if g.ndim != 2:
        raise ValueError(f"gram must be one (n, n) matrix, got shape {np.shape(gram)}")
    return g, w[::-1].copy(), v[:, ::-1].copy()


def rbf_gram(x, bandwidth):
    r"""Gaussian-kernel Gram matrix :math:`G_{ij} = \exp(-\|x_i - x_j\|^2/(2h^2))`.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, p)
        Design points.
    bandwidth : float
        Kernel bandwidth :math:`h > 0`.

    Returns
    -------
    ndarray, shape (n, n)

    Examples
    --------
    >>> rbf_gram([0.0, 1.0], 1.0).round(4).tolist()
    [[1.0, 0.6065], [0.6065, 1.0]]
    """
    pts = check_real("x", x)
    if pts.ndim == 1:
        pts = pts[:, None]
    if pts.ndim != 2 or pts.shape[0] < 1:
        raise ValueError(f"x must have shape (n,) or (n, p) with n >= 1, got shape {pts.shape}")
    h = check_scalar("bandwidth", bandwidth)
    # scaled before squaring: a tiny h or far-apart points give inf, i.e. a kernel of
    # exactly 0, where h**2 underflowed to 0 (0/0 = NaN on the diagonal)
    with np.errstate(over="ignore"):
        sq = (((pts[:, None, :] - pts[None, :, :]) / h) ** 2).sum(axis=-1)
    return np.exp(-0.5 * sq)


@dataclass(frozen=True)
class DistillChain:
    """Predictions on the design of ``replicates`` self-distillation chains.

    Attributes
    ----------
    predictions : ndarray, shape (replicates, t + 1, n)
        Row 0 is :math:`f_0`; row ``i`` the fit of round ``i``.
    f0 : ndarray, shape (n,)
    eigenvalues : ndarray, shape (n,)
        Gram eigenvalues, descending.
    vectors : ndarray, shape (n, n)
        The matching eigenvectors (columns).
    ridge, noise : float
    seed_entropy : int or None
        Provenance of the randomness.
    """

    predictions: np.ndarray
    f0: np.ndarray
    eigenvalues: np.ndarray
    vectors: np.ndarray
    ridge: float
    noise: float
    seed_entropy: int | None

    @property
    def t(self):
        """Number of rounds simulated."""
        return self.predictions.shape[1] - 1

    @property
    def replicates(self):
        """Number of independent chains."""
        return self.predictions.shape[0]

    def coefficients(self):
        """The predictions in the eigenbasis, :math:`V^T \\hat y_i`: (replicates, t + 1, n)."""
        return self.predictions @ self.vectors

    def squared_error(self):
        """:math:`\\|\\hat y_i - f_0\\|^2`, shape (replicates, t + 1)."""
        return ((self.predictions - self.f0) ** 2).sum(axis=-1)


def simulate(t, gram, f0, *, ridge, noise=0.0, replicates=1, rng=None):
    r"""Refit kernel ridge regression to its own predictions ``t`` times.

    Parameters
    ----------
    t : int
        Rounds, ``>= 0``.
    gram : array_like, shape (n, n)
        Gram matrix of the design (symmetric PSD), e.g. :func:`rbf_gram`.
    f0 : array_like, shape (n,)
        Starting targets on the design.
    ridge : float
        Ridge :math:`c > 0` of every round.
    noise : float, optional
        Standard deviation :math:`s \ge 0` of fresh label noise added to the
        targets of every round (0: the deterministic map).
    replicates : int, optional
        Independent chains, ``>= 1`` (all equal when ``noise = 0``).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    DistillChain

    Notes
    -----
    Each round solves the kernel ridge regression literally, by a Cholesky
    factorisation of :math:`G + cI` (made once):

    .. math:: \hat y_i = G(G + cI)^{-1}(\hat y_{i-1} + \varepsilon_i),
        \quad \varepsilon_i \sim N(0, s^2 I_n)

    so that it can be held against the eigenbasis closed forms
    (:func:`shrinkage`, :func:`expected_squared_error`). Round ``i`` draws one
    ``(replicates, n)`` block of normals: same seed, same numbers. The map is
    linear, so the noise-free path and the noise (at unit scale) are solved
    together and the noise is scaled by :math:`s` at the end: a huge ``noise``
    gives predictions of :math:`\pm\infty`, never NaN.

    Examples
    --------
    >>> g = rbf_gram([0.0, 0.5, 1.0], 0.5)
    >>> chain = simulate(3, g, [1.0, 0.0, -1.0], ridge=0.1)
    >>> chain.predictions.shape
    (1, 4, 3)
    """
    rounds = check_int("t", t, minimum=0)
    g, d, v = _gram(gram)
    n = g.shape[0]
    y0 = check_real("f0", f0)
    if y0.shape != (n,):
        raise ValueError(f"f0 must have shape (n,) = ({n},) to match gram, got shape {y0.shape}")
    c = check_scalar("ridge", ridge)
    s = check_scalar("noise", noise, strict=False)
    reps = check_int("replicates", replicates, minimum=1)
    gen = as_generator(rng)
    factor = linalg.cho_factor(g + c * np.eye(n), lower=True)
    # The map is linear: carry the noise-free path (column 0) and the noise at unit
    # scale (columns 1..reps) and scale by s only at the end, so that a large s
    # overflows to +-inf in the predictions, never to inf - inf inside a solve.
    current = np.zeros((n, reps + 1))
    current[:, 0] = y0
    path = np.empty((rounds + 1, n, reps + 1))
    path[0] = current
    for i in range(1, rounds + 1):
        if s > 0:
            current[:, 1:] += gen.standard_normal((n, reps))
        current = g @ linalg.cho_solve(factor, current)
        path[i] = current
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(np.moveaxis(path[..., :1] + s * path[..., 1:], -1, 0))
    return DistillChain(out, y0.copy(), d, v, c, s, seed_entropy(gen))
