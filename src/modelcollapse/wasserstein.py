r"""The Wasserstein-2 distance in the forms the collapse theorems need.

* :func:`gaussian_w2_squared`: exact :math:`W_2^2` between Gaussians (the Bures
  formula), 1-D and d-dimensional, batched.
* :func:`empirical_w2_squared`: exact :math:`W_2^2` between two weighted samples
  (1-D by the quantile coupling, d-dim by POT's network simplex), or the sliced
  approximation for large d-dimensional samples.
* :func:`gaussian_sample_w2_squared`: :math:`W_2^2` between a (fitted) Gaussian
  and a sample of an arbitrary :math:`D_0`, so the recursion can start from real
  data (Shumailov et al. 2024, Nature, "Gaussian model collapse" allows a
  non-Gaussian :math:`D_0`).

Units: everything here returns the *squared* distance :math:`W_2^2`. POT's
``ot.gaussian.bures_wasserstein_distance`` returns :math:`W_2` and ``ot.emd2``
returns :math:`W_2^2` (for the squared Euclidean cost). POT is imported lazily:
its import costs about a second.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._rng import as_generator
from ._validate import check_choice, check_covariance, check_int, check_real

__all__ = ["empirical_w2_squared", "gaussian_sample_w2_squared", "gaussian_w2_squared"]

METHODS = ("exact", "sliced")

#: Network-simplex iteration cap handed to ``ot.emd2`` (POT's default, 1e5,
#: is too small for samples of a few thousand points).
EMD_MAX_ITER = 10**8


def _scalar(x):
    x = np.asarray(x, dtype=np.float64)
    return x[()] if x.ndim == 0 else x


def _is_matrix_pair(mean, cov):
    """d-dim iff the covariance has exactly one axis more than the mean."""
    return cov.ndim >= 2 and cov.ndim == mean.ndim + 1


def _checked_pair(mname, mean, cname, cov):
    """Validate one (mean, cov) pair; return (mean, cov, eigenvalues, eigenvectors, is_matrix)."""
    m = check_real(mname, mean)
    c = check_real(cname, cov)
    if not _is_matrix_pair(m, c):
        if np.any(c < 0):
            raise ValueError(f"{cname} must be a variance >= 0, got {cname}={cov!r}")
        return m, c, None, None, False
    c, w, v = check_covariance(cname, c)
    if m.shape[-1] != c.shape[-1]:
        raise ValueError(
            f"{mname} must have shape (..., d) with d = {c.shape[-1]} from {cname}, "
            f"got {mname} of shape {m.shape}"
        )
    return m, c, w, v, True


def gaussian_w2_squared(mean1, cov1, mean2, cov2):
    r"""Squared Wasserstein-2 distance between two Gaussians (the Bures formula).

    Parameters
    ----------
    mean1, mean2 : array_like, shape (..., d) or (...)
        Means.
    cov1, cov2 : array_like, shape (..., d, d) or (...)
        Covariance matrices (symmetric PSD), or variances in 1-D. A pair is
        d-dimensional when its covariance has exactly one axis more than its
        mean (``mean (..., d)``, ``cov (..., d, d)``); otherwise mean and
        variance are 1-D and broadcast together. Both pairs must be of the same
        kind; leading (batch) axes broadcast.

    Returns
    -------
    ndarray or float
        :math:`W_2^2` for each broadcast batch entry, ``>= 0``.

    Notes
    -----
    .. math::

        W_2^2 = \lVert m_1 - m_2\rVert^2 + \operatorname{tr}\Big(C_1 + C_2
                - 2\big(C_2^{1/2} C_1 C_2^{1/2}\big)^{1/2}\Big),

    in 1-D :math:`(m_1 - m_2)^2 + (\sqrt{v_1} - \sqrt{v_2})^2`, and for
    commuting covariances :math:`\lVert m_1 - m_2\rVert^2 + \lVert C_1^{1/2} -
    C_2^{1/2}\rVert_F^2`. The trace term is computed without ``sqrtm``: with
    :math:`C_k = V_k \Lambda_k V_k^\top` (symmetric eigendecomposition, rounding-
    negative eigenvalues clipped to 0),
    :math:`\operatorname{tr}(C_2^{1/2}C_1C_2^{1/2})^{1/2} = \lVert C_1^{1/2}C_2^{1/2}\rVert_*
    = \lVert \Lambda_1^{1/2} V_1^\top V_2 \Lambda_2^{1/2}\rVert_*`, the sum of
    singular values of a real matrix: no complex drift, exactly the same
    matrix up to transposition when the arguments are swapped (so symmetric to
    rounding), and a condition number that is not squared. Its absolute
    accuracy is about :math:`d\,\epsilon\,(\operatorname{tr}C_1 + \operatorname{tr}C_2)`.
    Shumailov et al. (2024, Nature), "Gaussian model collapse", measure
    collapse in this distance; Peyré & Cuturi (2019), remark 2.31.

    Examples
    --------
    >>> float(gaussian_w2_squared(0.0, 1.0, 1.0, 4.0))  # 1^2 + (1 - 2)^2
    2.0
    >>> import numpy as np
    >>> float(gaussian_w2_squared(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)))
    4.0
    """
    m1, c1, w1, v1, multi1 = _checked_pair("mean1", mean1, "cov1", cov1)
    m2, c2, w2, v2, multi2 = _checked_pair("mean2", mean2, "cov2", cov2)
    if multi1 != multi2:
        raise ValueError(
            "cov1 and cov2 must both be covariance matrices (mean (..., d), cov (..., d, d)) "
            f"or both variances, got mean1, cov1 of shapes {m1.shape}, {c1.shape} and "
            f"mean2, cov2 of shapes {m2.shape}, {c2.shape}"
        )
    if not multi1:
        return _scalar((m1 - m2) ** 2 + (np.sqrt(c1) - np.sqrt(c2)) ** 2)
    if c1.shape[-1] != c2.shape[-1]:
        raise ValueError(
            f"cov2 must have the dimension d = {c1.shape[-1]} of cov1, got cov2 of shape {c2.shape}"
        )
    means = np.sum((m1 - m2) ** 2, axis=-1)
    k = np.sqrt(w1)[..., :, None] * (np.swapaxes(v1, -1, -2) @ v2) * np.sqrt(w2)[..., None, :]
    nuclear = np.linalg.svd(k, compute_uv=False).sum(axis=-1)
    bures = np.maximum(w1.sum(axis=-1) + w2.sum(axis=-1) - 2.0 * nuclear, 0.0)
    return _scalar(means + bures)


# --------------------------------------------------------------------------
# samples


def _points(name, value):
    """A sample as (points, is_1d): shape (n,) or (n, 1) is 1-D, (n, d) d-dim."""
    arr = check_real(name, value)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0 or (arr.ndim == 2 and arr.shape[1] == 0):
        raise ValueError(
            f"{name} must be a non-empty sample of shape (n,) or (n, d), "
            f"got {name} of shape {arr.shape}"
        )
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr[:, 0], True
    return arr, arr.ndim == 1


def _weights(name, value, size):
    """Normalised weights (or None for uniform), checked against the sample size."""
    if value is None:
        return None
    w = check_real(name, value)
    if w.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},) like its sample, got shape {w.shape}")
    if np.any(w < 0) or not w.sum() > 0:
        raise ValueError(f"{name} must be >= 0 with a positive sum, got {name}={value!r}")
    return w / w.sum()


def _sorted_cumulative(x, w):
    """Sorted values, right-end cumulative weights and the total (exact for uniform weights)."""
    if w is None:
        return np.sort(x), np.arange(1, x.size + 1, dtype=np.float64), float(x.size)
    # The order among tied values does not change the quantile function.
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    cum[-1] = 1.0
    return x[order], cum, 1.0


def _quantile_w2_squared(x, wx, y, wy):
    r"""Exact 1-D :math:`W_2^2 = \int_0^1 (F^{-1}(u) - G^{-1}(u))^2\,du` of two discrete laws."""
    xs, cx, tx = _sorted_cumulative(x, wx)
    ys, cy, ty = _sorted_cumulative(y, wy)
    if wx is None and wy is None:
        # Integer breakpoints i * m and j * n on [0, n m]: no rounding in the coupling.
        cx, cy, total = cx * y.size, cy * x.size, float(x.size * y.size)
    else:
        cx, cy, total = cx / tx, cy / ty, 1.0
    t = np.sort(np.concatenate((cx, cy)), kind="stable")  # merges the two sorted runs
    t = t[np.concatenate((t[:-1] < t[1:], [True]))]
    lengths = np.diff(t, prepend=0.0) / total
    i = np.minimum(np.searchsorted(cx, t, side="left"), xs.size - 1)
    j = np.minimum(np.searchsorted(cy, t, side="left"), ys.size - 1)
    return float(np.sum(lengths * (xs[i] - ys[j]) ** 2))


def _emd2(x, wx, y, wy):
    """Exact d-dim W2^2 by POT's network simplex with the squared Euclidean cost."""
    import ot

    a = np.full(x.shape[0], 1.0 / x.shape[0]) if wx is None else wx
    b = np.full(y.shape[0], 1.0 / y.shape[0]) if wy is None else wy
    cost = ot.dist(x, y, metric="sqeuclidean")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = ot.emd2(a, b, cost, numItermax=EMD_MAX_ITER)
    if caught:
        raise RuntimeError(f"ot.emd2 did not solve the transport problem: {caught[0].message}")
    return float(value)


def _sliced(x, wx, y, wy, n_projections, rng):
    """Sliced W2^2 (Monte Carlo over directions), each slice exact by the quantile coupling."""
    import ot

    theta = as_generator(rng).standard_normal((x.shape[1], n_projections))
    theta /= np.linalg.norm(theta, axis=0, keepdims=True)
    return float(ot.sliced_wasserstein_distance(x, y, a=wx, b=wy, projections=theta, p=2) ** 2)


def empirical_w2_squared(
    x, y, *, x_weights=None, y_weights=None, method="exact", n_projections=100, rng=None
):
    r"""Squared Wasserstein-2 distance between two (weighted) samples.

    Parameters
    ----------
    x, y : array_like, shape (n,) / (m,) or (n, d) / (m, d)
        The two samples; sizes may differ.
    x_weights, y_weights : array_like, optional
        Non-negative weights (normalised here); uniform by default.
    method : {"exact", "sliced"}, optional
        ``"exact"``: in 1-D the quantile coupling of the sorted samples
        (O((n + m) log(n + m))); in d dimensions POT's ``ot.emd2`` with the
        squared Euclidean cost (O(n m) memory, about cubic time).
        ``"sliced"`` (d-dim only; 1-D is always exact): the **approximate**
        sliced distance :math:`\int_{S^{d-1}} W_2^2(\theta_\#x, \theta_\#y)\,d\theta`
        over ``n_projections`` random directions (``ot.sliced_wasserstein_distance``,
        squared). It is a different, smaller quantity (for isotropic
        differences about :math:`W_2^2/d`), not an estimate of :math:`W_2^2`.
    n_projections : int, optional
        Directions of the sliced approximation.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        Draws the sliced directions.

    Returns
    -------
    float

    Notes
    -----
    In 1-D the optimal coupling is monotone:

    .. math:: W_2^2 = \int_0^1 \big(F_x^{-1}(u) - F_y^{-1}(u)\big)^2\,du,

    a finite sum over the merged breakpoints of the two empirical CDFs (kept
    in integers for unweighted samples, so the coupling is exact).

    Examples
    --------
    >>> float(empirical_w2_squared([0.0, 1.0], [0.0, 1.0, 2.0, 3.0]))
    1.5
    """
    xs, x1 = _points("x", x)
    ys, y1 = _points("y", y)
    if x1 != y1 or (not x1 and xs.shape[1] != ys.shape[1]):
        raise ValueError(
            f"x and y must have the same dimension, got x of shape {np.shape(x)} "
            f"and y of shape {np.shape(y)}"
        )
    wx = _weights("x_weights", x_weights, xs.shape[0])
    wy = _weights("y_weights", y_weights, ys.shape[0])
    check_choice("method", method, METHODS)
    n_projections = check_int("n_projections", n_projections, minimum=1)
    if x1:
        return _quantile_w2_squared(xs, wx, ys, wy)
    if method == "sliced":
        return _sliced(xs, wx, ys, wy, n_projections, rng)
    return _emd2(xs, wx, ys, wy)


def _gaussian_quantile_w2_squared(mean, var, y, w):
    r"""Exact :math:`W_2^2(N(m, s^2), \sum_k w_k\delta_{y_k})`, broadcast over (m, s^2).

    With :math:`z_k = \Phi^{-1}(C_k)` at the cumulative weights, the quantile
    coupling integrates in closed form (:math:`\int_a^b z\,\varphi = \varphi(a) - \varphi(b)`,
    :math:`\int z^2\varphi` telescopes to 1):
    :math:`W_2^2 = (m - \bar y)^2 + \mathrm{Var}_w(y) + s^2 - 2 s \kappa`,
    :math:`\kappa = \sum_k (y_k - \bar y)(\varphi(z_{k-1}) - \varphi(z_k))`.
    """
    from scipy import special

    order = np.argsort(y, kind="stable")
    ys = y[order]
    wk = np.full(ys.size, 1.0 / ys.size) if w is None else w[order]
    lower = np.cumsum(wk)[:-1]
    upper = np.cumsum(wk[::-1])[::-1][1:]  # 1 - C_k from the tail: no cancellation near 1
    z = np.where(
        lower < 0.5, special.ndtri(np.minimum(lower, 0.5)), -special.ndtri(np.minimum(upper, 0.5))
    )
    phi = np.concatenate(([0.0], np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi), [0.0]))
    ybar = float(np.sum(wk * ys))
    kappa = float(np.sum((ys - ybar) * (phi[:-1] - phi[1:])))
    spread = float(np.sum(wk * (ys - ybar) ** 2))
    s = np.sqrt(var)
    with np.errstate(over="ignore"):  # inf only where W2^2 itself exceeds float64
        return np.maximum((mean - ybar) ** 2 + spread + var - 2.0 * s * kappa, 0.0)


def gaussian_sample_w2_squared(
    mean, cov, y, *, y_weights=None, method="exact", n_draws=None, rng=None
):
    r"""Squared W2 between Gaussians :math:`N(m, C)` and a sample of any law :math:`D_0`.

    Parameters
    ----------
    mean, cov : array_like
        1-D: means and variances, broadcast together (a batch of Gaussians,
        e.g. every generation of a chain). d-dim: ``mean (..., d)``,
        ``cov (..., d, d)``.
    y : array_like, shape (m,) or (m, d)
        The sample of :math:`D_0`.
    y_weights : array_like, optional
        Non-negative weights of ``y``.
    method : {"exact", "sliced"}, optional
        d-dim only: how the Gaussian draws are compared with ``y``
        (see :func:`empirical_w2_squared`).
    n_draws : int, optional
        d-dim only: the Gaussian is represented by this many draws (default
        ``max(m, 1000)``).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        d-dim only: the Gaussian draws (and sliced directions).

    Returns
    -------
    ndarray or float
        One value per Gaussian in the batch.

    Notes
    -----
    1-D, exact: with :math:`C_k` the cumulative weights of the sorted sample,
    :math:`z_k = \Phi^{-1}(C_k)` and :math:`\varphi` the standard normal density,

    .. math::

        W_2^2 = (m - \bar y)^2 + \mathrm{Var}_w(y) + s^2
                - 2 s \sum_k (y_k - \bar y)\big(\varphi(z_{k-1}) - \varphi(z_k)\big).

    d-dim, **estimated**: the Gaussian is replaced by ``n_draws`` of its
    draws and the two samples are compared exactly (``ot.emd2``); the estimate
    is biased upwards by the Gaussian sample's own discreteness.

    Examples
    --------
    >>> float(gaussian_sample_w2_squared(0.0, 0.0, [-1.0, 1.0]))  # a point mass vs +-1
    1.0
    """
    ys, y1 = _points("y", y)
    w = _weights("y_weights", y_weights, ys.shape[0])
    m, c, _, _, multi = _checked_pair("mean", mean, "cov", cov)
    if y1:
        if multi and c.shape[-1] != 1:
            raise ValueError(
                f"cov must be a variance for a 1-D sample y, got cov of shape {c.shape}"
            )
        if multi:
            m, c = m[..., 0], c[..., 0, 0]
        return _scalar(_gaussian_quantile_w2_squared(m, c, ys, w))
    if not multi or m.shape[-1] != ys.shape[1]:
        raise ValueError(
            f"mean and cov must be of dimension d = {ys.shape[1]} like y, got mean of shape "
            f"{m.shape} and cov of shape {c.shape}"
        )
    check_choice("method", method, METHODS)
    if n_draws is None:
        n_draws = max(ys.shape[0], 1000)
    n_draws = check_int("n_draws", n_draws, minimum=1)
    gen = as_generator(rng)
    _, w_eig, v_eig = check_covariance("cov", c)
    root = v_eig * np.sqrt(w_eig)[..., None, :]
    batch = np.broadcast_shapes(m.shape[:-1], c.shape[:-2])
    m = np.broadcast_to(m, (*batch, ys.shape[1]))
    root = np.broadcast_to(root, (*batch, *root.shape[-2:]))
    out = np.empty(batch)
    for idx in np.ndindex(*batch):
        draws = m[idx] + gen.standard_normal((n_draws, ys.shape[1])) @ root[idx].T
        out[idx] = empirical_w2_squared(draws, ys, y_weights=w, method=method, rng=gen)
    return _scalar(out)
