r"""Model collapse in linear regression (Dohmatob, Feng and Kempe 2024).

"Model Collapse Demystified: The Case of Regression" (arXiv:2402.07712),
Section 3, and the accumulating variant of Gerstgrasser et al. 2024, "Is
Model Collapse Inevitable?" (arXiv:2404.01413), Section 3.

The model, with the package's fixed indexing:

* A design :math:`X \in \mathbb{R}^{T \times d}` with iid :math:`N(0, \Sigma)`
  rows, and a true parameter :math:`w_0`.
* Model :math:`k + 1` is the ordinary least-squares fit to labels
  :math:`y_k = X w_k + \varepsilon_k`, :math:`\varepsilon_k \sim N(0, \sigma^2 I_T)`
  drawn from model :math:`k` (:math:`k = 0`: the real labels). Under
  ``policy="accumulate"`` it is fitted to every labelled set
  :math:`(X, y_0), \dots, (X, y_k)` stacked.
* The test error of model :math:`k` is its excess risk
  :math:`E_x[(x^\top w_k - x^\top w_0)^2] = \|w_k - w_0\|_\Sigma^2`; model 0 is the
  truth (error 0).

Writing :math:`u_k = w_k - w_0` and :math:`G_k` for the Gram matrix model
:math:`k` is fitted with, both policies are martingales,

.. math::

    u_{k+1} = u_k + G_{k+1}^{-1} X_k^\top \varepsilon_k ,

with :math:`G_{k+1} = X^\top X` (replace) or :math:`(k+1) X^\top X`
(accumulate: the pooled normal equations average the labels). Neither
:math:`w_0` nor :math:`\Sigma` enters the test error
(:math:`\Sigma^{1/2} u_k` is the same function of the whitened design), so the
simulator uses :math:`w_0 = 0` and :math:`\Sigma = I` without loss of generality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._rng import as_generator, seed_entropy
from ._special import times_square
from ._validate import check_choice, check_int, check_int_array, check_positive

__all__ = ["DESIGNS", "POLICIES", "RegressionChain", "expected_test_error", "simulate"]

POLICIES = ("replace", "accumulate")
DESIGNS = ("fixed", "fresh")

#: Design entries held in memory per block of replicates (8 MiB of float64).
BLOCK_ENTRIES = 2**20


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def expected_test_error(n, d, T, *, sigma=1.0, policy="replace", design="fixed"):
    r"""Expected test error of the least-squares model after ``n`` fits.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0`` (``n = 0`` is the truth, error 0).
    d : int or array_like of int
        Dimension, ``>= 1``.
    T : int or array_like of int
        Rows of the design per generation, ``T >= d + 2`` (the mean of an
        inverse Wishart matrix is finite only then).
    sigma : float or array_like, optional
        Label noise standard deviation, ``> 0``.
    policy : {"replace", "accumulate"}, optional
        Fit each model to the last labels only, or to all labels so far.
    design : {"fixed", "fresh"}, optional
        One design for every generation (the papers' setting) or a new one each
        generation.

    Returns
    -------
    ndarray or float
        :math:`E\|w_n - w_0\|_\Sigma^2`, broadcast over the arguments.

    Notes
    -----
    Since :math:`X^\top X \sim W_d(T, \Sigma)`,
    :math:`E[(X^\top X)^{-1}] = \Sigma^{-1}/(T - d - 1)` and every martingale
    increment contributes :math:`\sigma^2 E\,\mathrm{tr}(\Sigma G^{-1} X^\top X G^{-1})`:

    .. math::

        \text{replace (either design):}\quad
            E\,\mathcal{E}_n = \frac{n\,\sigma^2 d}{T - d - 1}
        \qquad
        \text{accumulate, fixed:}\quad
            E\,\mathcal{E}_n = \frac{\sigma^2 d}{T - d - 1}\sum_{k=1}^{n}\frac{1}{k^2}
            \le \frac{\pi^2}{6}\,\frac{\sigma^2 d}{T - d - 1}

    (Dohmatob et al. 2024, Theorem 3.1 with :math:`T_0 = T`; Gerstgrasser et
    al. 2024, Theorem 2). With a fresh design, accumulating pools
    :math:`G_k = \sum_{j<k} X_j^\top X_j \sim W_d(kT, \Sigma)` and, by
    exchangeability of the :math:`k` pooled Gram matrices,

    .. math::

        \text{accumulate, fresh:}\quad
            E\,\mathcal{E}_n = \sigma^2\sum_{k=1}^{n}\frac{d}{k\,(kT - d - 1)} ,

    smaller than the fixed-design sum term by term. A fresh design does not
    change the replace value: each refit is unbiased whatever its design.

    Examples
    --------
    >>> float(expected_test_error(3, 10, 31))  # 3 * 10 / 20
    1.5
    >>> round(float(expected_test_error(10**6, 10, 111, policy="accumulate")), 6)  # ~ pi^2/60
    0.164493
    """
    n = check_int_array("n", n, minimum=0)
    d = check_int_array("d", d, minimum=1)
    T = check_int_array("T", T, minimum=0)
    sigma = check_positive("sigma", sigma)
    check_choice("policy", policy, POLICIES)
    check_choice("design", design, DESIGNS)
    n, d, T, sigma = np.broadcast_arrays(n, d, T, sigma)
    short = (T - d) < 2
    if np.any(short):
        raise ValueError(
            f"T must be an integer >= d + 2 for a finite expected test error "
            f"(E[(X^T X)^-1] = Sigma^-1/(T - d - 1)), got T={int(T[short].ravel()[0])} with "
            f"d={int(d[short].ravel()[0])}"
        )
    per_fit = d / (T - d - 1.0)  # at sigma = 1; times_square: no overflow in sigma**2 alone
    if policy == "replace":
        return _scalar(times_square(sigma, n * per_fit))
    if design == "fixed":
        # sum_{k<=n} 1/k^2 = zeta(2) - zeta(2, n + 1) (Hurwitz zeta), exactly 0 at n = 0.
        squares = np.where(n == 0, 0.0, np.pi**2 / 6 - special.zeta(2.0, n + 1.0))
        return _scalar(times_square(sigma, per_fit * squares))
    return _scalar(times_square(sigma, _fresh_accumulate_sum(n, d, T)))


def _fresh_accumulate_sum(n, d, T):
    r""":math:`\sum_{k=1}^{n} d / (k (kT - d - 1))`, elementwise.

    Partial fractions, with :math:`c = (d + 1)/T`,
    :math:`d/(k(kT - d - 1)) = \frac{d}{d + 1}\,(1/(k - c) - 1/k)`, and
    :math:`\sum_{k=1}^{n} (1/(k - c) - 1/k) = \psi(n + 1 - c) - \psi(1 - c)
    - \psi(n + 1) + \psi(1)`; digamma differences are accurate for ``c < 1``.
    """
    c = (d + 1.0) / T
    total = (special.digamma(n + 1.0 - c) - special.digamma(n + 1.0)) - (
        special.digamma(1.0 - c) - special.digamma(1.0)
    )
    return d / (d + 1.0) * total


@dataclass(frozen=True)
class RegressionChain:
    """Test errors of simulated least-squares chains, column 0 being the truth.

    Attributes
    ----------
    test_error : ndarray, shape (replicates, n + 1)
        :math:`\\|w_k - w_0\\|_\\Sigma^2` after ``k = 0..n`` fits (read-only);
        column 0 is 0, column 1 the fit to the real labels.
    d, T : int
        Dimension and rows of the design.
    sigma : float
        Label noise standard deviation.
    policy, design : str
        How the chain was fitted.
    seed_entropy : int or None
        Entropy of the seed sequence that drove the simulation (provenance).
    """

    test_error: np.ndarray
    d: int
    T: int
    sigma: float
    policy: str
    design: str
    seed_entropy: int | None

    @property
    def n(self):
        """Number of fits simulated."""
        return self.test_error.shape[1] - 1

    @property
    def replicates(self):
        """Number of independent chains."""
        return self.test_error.shape[0]


def simulate(n, d, T, *, sigma=1.0, policy="replace", design="fixed", replicates=1, rng=None):
    r"""Simulate ``replicates`` chains of ``n`` least-squares refits to synthetic labels.

    Parameters
    ----------
    n : int
        Number of fits, ``>= 0``.
    d : int
        Dimension, ``>= 1``.
    T : int
        Rows of the design per generation, ``>= d`` (so that :math:`X^\top X`
        is invertible almost surely; the mean error is finite for ``T >= d + 2``).
    sigma : float, optional
        Label noise standard deviation, ``> 0``.
    policy : {"replace", "accumulate"}, optional
        ``"replace"``: model :math:`k+1` is the least-squares fit to
        :math:`(X, y_k)`. ``"accumulate"``: to :math:`(X_0, y_0), \dots,
        (X_k, y_k)` stacked, solved from the pooled sufficient statistics
        :math:`\sum_j X_j^\top X_j` and :math:`\sum_j X_j^\top y_j` (the normal
        equations of the stacked problem).
    design : {"fixed", "fresh"}, optional
        One design per chain, drawn once (the papers' setting), or a new design
        :math:`X_k` for every generation.
    replicates : int, optional
        Number of independent chains, ``>= 1``; each has its own design.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        Source of randomness; the same seed gives the same numbers.

    Returns
    -------
    RegressionChain
        ``test_error`` of shape ``(replicates, n + 1)``.

    Notes
    -----
    Every fit really solves the normal equations of labels
    :math:`y_k = X_k w_k + \sigma z_k` (batched over replicates with
    ``numpy.linalg.solve`` on ``(B, d, d)`` stacks); replicates are processed
    in blocks of at most ``BLOCK_ENTRIES / (T d)`` chains, so memory stays
    bounded. With :math:`w_0 = 0` and :math:`\Sigma = I` (no loss of
    generality, see the module notes) the test error is :math:`\|w_k\|^2`.
    See :func:`expected_test_error` for the expectations.

    Examples
    --------
    >>> chain = simulate(5, 3, 20, policy="accumulate", replicates=4, rng=0)
    >>> chain.test_error.shape
    (4, 6)
    >>> bool((chain.test_error[:, 0] == 0).all())
    True
    """
    n = check_int("n", n, minimum=0)
    d = check_int("d", d, minimum=1)
    T = check_int("T", T, minimum=d, why=f" >= d={d} (X^T X must be invertible)")
    sigma = check_positive("sigma", sigma, scalar=True)
    check_choice("policy", policy, POLICIES)
    check_choice("design", design, DESIGNS)
    replicates = check_int("replicates", replicates, minimum=1)
    gen = as_generator(rng)

    errors = np.zeros((replicates, n + 1))
    block = max(1, BLOCK_ENTRIES // (T * d))
    for start in range(0, replicates, block):
        stop = min(replicates, start + block)
        _simulate_block(gen, errors[start:stop], d, T, sigma, policy, design)
    errors.flags.writeable = False
    return RegressionChain(errors, d, T, sigma, policy, design, seed_entropy(gen))


def _simulate_block(gen, errors, d, T, sigma, policy, design):
    """Fill ``errors[:, 1:]`` of one block of chains, generation by generation."""
    rows = errors.shape[0]
    w = np.zeros((rows, d, 1))
    gram = np.zeros((rows, d, d))
    moment = np.zeros((rows, d, 1))
    for k in range(1, errors.shape[1]):
        if design == "fresh" or k == 1:
            x = gen.standard_normal((rows, T, d))
            xt = np.swapaxes(x, 1, 2)
            xtx = xt @ x
        y = x @ w
        y += sigma * gen.standard_normal((rows, T, 1))
        if policy == "replace":
            gram, moment = xtx, xt @ y
        else:
            gram = gram + xtx
            moment = moment + xt @ y
        w = np.linalg.solve(gram, moment)
        errors[:, k] = np.sum(w * w, axis=(1, 2))
