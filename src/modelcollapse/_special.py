"""Special functions in the forms the closed forms need, accurate where the
naive expressions cancel catastrophically (large arguments).

``gammaln(a + b) - gammaln(a)`` loses about ``eps * a log a`` absolutely, which
for ``a = 5e5`` is a relative error of ``1e-3`` in the per-generation log moment
``~ 1/a``; ``digamma(a) - log(a)`` has the same defect. Both are computed here
from their asymptotic (Stirling / de Moivre) series for large ``a``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["digamma_minus_log", "log_gamma_ratio_scaled", "times_square"]

# Above this argument the asymptotic series below are accurate to ~1e-17
# (the first omitted term of each is below 4e-17 at a = 10).
_ASYMPTOTIC_FROM = 10.0

# Bernoulli numbers B_2, B_4, ..., B_16.
_BERNOULLI = np.array(
    [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510]
)
_K = 2 * np.arange(1, _BERNOULLI.size + 1)
# log Gamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k-1) x^(2k-1))
_STIRLING = _BERNOULLI / (_K * (_K - 1))
# digamma(x) = log x - 1/(2x) - sum_k B_2k / (2k x^(2k))
_DIGAMMA = _BERNOULLI / _K


def _odd_power_series(coefficients, x):
    """sum_k c_k x^-(2k-1), by Horner's rule in 1/x^2."""
    inv2 = (1.0 / x) ** 2  # x * x would overflow past 1e154
    acc = np.zeros_like(x)
    for c in coefficients[::-1]:
        acc = acc * inv2 + c
    return acc / x


def _xlog1p_minus(t):
    """g(t) = (1 + t) log1p(t) - t for t > -1, without cancellation near 0.

    Near 0, g(t) = sum_{k>=2} (-1)^k t^k / (k (k - 1)).
    """
    t = np.asarray(t, dtype=np.float64)
    small = np.abs(t) < 0.1
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = (1 + t) * np.log1p(t) - t
    ts = np.where(small, t, 0.0)
    series = np.zeros_like(ts)
    for k in range(17, 1, -1):
        series = series * (-ts) + 1.0 / (k * (k - 1))
    series = series * ts * ts
    return np.where(small, series, np.where(t == -1, 1.0, direct))


def log_gamma_ratio_scaled(a, b):
    r""":math:`\log\Gamma(a + b) - \log\Gamma(a) - b \log a` for ``a > 0``, ``a + b > 0``.

    For ``min(a, a + b) >= 10`` it is ``a g(b/a) - log1p(b/a)/2 + R(a + b) - R(a)``
    with ``g(t) = (1 + t) log1p(t) - t`` and ``R`` the Stirling remainder series,
    free of the cancellation of differencing two large ``gammaln`` values.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    big = np.minimum(a, a + b) >= _ASYMPTOTIC_FROM
    ab = np.where(big, a, _ASYMPTOTIC_FROM)
    bb = np.where(big, b, 0.0)
    t = bb / ab
    asymptotic = (
        ab * _xlog1p_minus(t)
        - 0.5 * np.log1p(t)
        + (_odd_power_series(_STIRLING, ab + bb) - _odd_power_series(_STIRLING, ab))
    )
    a_small = np.where(big, 1.0, a)
    b_small = np.where(big, 0.0, b)
    direct = (
        special.gammaln(a_small + b_small) - special.gammaln(a_small) - b_small * np.log(a_small)
    )
    out = np.where(big, asymptotic, direct)
    return out[()] if out.ndim == 0 else out


def digamma_minus_log(a):
    r""":math:`\psi(a) - \log a` for ``a > 0``, accurate for large ``a`` (it tends to -1/(2a))."""
    a = np.asarray(a, dtype=np.float64)
    big = a >= _ASYMPTOTIC_FROM
    ab = np.where(big, a, _ASYMPTOTIC_FROM)
    asymptotic = -0.5 / ab - _odd_power_series(_DIGAMMA, ab) / ab
    a_small = np.where(big, 1.0, a)
    direct = special.digamma(a_small) - np.log(a_small)
    out = np.where(big, asymptotic, direct)
    return out[()] if out.ndim == 0 else out


def times_square(scale, x):
    """``scale**2 * x``, ``inf`` only if the product (not ``scale**2`` alone) overflows."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf * 0 in the branch not taken
        s2 = np.square(scale)
        return np.where(np.isfinite(s2), s2 * x, np.sign(x) * np.square(scale * np.sqrt(np.abs(x))))
