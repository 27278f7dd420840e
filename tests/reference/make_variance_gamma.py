"""Reference values of the variance-gamma distribution, computed once with mpmath.

Run ``python tests/reference/make_variance_gamma.py`` to regenerate
``variance_gamma.json`` (about 20 minutes on one core: the small-lam tails are
slow at 40 digits). Working precision 40 digits; every
value is independent of the package's numerics:

* log pdf: the Bessel function from ``mpmath.besselk`` (order < 100) or from
  its integral representation K_nu(z) = int_0^inf exp(-z cosh t) cosh(nu t) dt
  (large order, where the hypergeometric series of ``besselk`` is too slow);
* log cdf / log sf, small order: ``mpmath.quad`` of that density over the
  tail away from 0 ([x, inf) for x > 0), on a geometric grid of breakpoints,
  the other tail as its complement (at 0 the density may be singular);
* log cdf / log sf, lam = 10^6 or x = 0: the gamma-mixture integral
  E[Phi(+-(x - beta V)/sqrt V)] in u = log V, split every quarter width
  around its peak (the density's Bessel integral nested in a tail quadrature
  would take hours at this order);
* "sides": both tails at points where either may be the one above 1/2, at
  small lam, |beta|/alpha near 1, far tails and huge |x|. At lam = 1 the law
  is the asymmetric Laplace law, f(x) = gamma^2 / (2 alpha) e^{-alpha|x| + beta x},
  whose tails are elementary (P(X > x) = (alpha + beta) / (2 alpha)
  e^{-(alpha - beta) x} for x >= 0); elsewhere the density route above.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import mpmath as mp

mp.mp.dps = 40

PDF_POINTS = [
    (0.3, 0.05, 1.0, 0.5), (1e-8, 0.05, 1.0, 0.5), (0.0, 2.0, 1.0, 0.3), (5.0, 2.0, 1.0, 0.3),
    (-40.0, 3.0, 2.0, 1.9), (0.1, 30.0, 3.0, 1.0), (2.0, 1e6, 1e3, 0.0), (0.0, 1e6, 1e3, 0.0),
    (60.0, 1e6, 1e3, 0.0), (1e-5, 24.9, 2.0, 0.5), (0.5, 0.5, 1.0, 0.0), (3.0, 100.0, 10.0, 9.99),
    (-2.5, 25.5, 4.0, -3.9), (7.0, 1.5, 1.0, 0.999999), (-0.2, 0.75, 5.0, 0.0),
]
TAIL_POINTS = [
    (0.3, 0.05, 1.0, 0.5), (-3.0, 0.05, 1.0, 0.5), (40.0, 0.05, 1.0, 0.5), (5.0, 2.0, 1.0, 0.3),
    (-5.0, 2.0, 1.0, 0.3), (-40.0, 3.0, 2.0, 1.9), (400.0, 3.0, 2.0, 1.9),
    (0.1, 30.0, 3.0, 1.0), (-6.0, 30.0, 3.0, 1.0), (0.5, 0.5, 1.0, 0.0), (500.0, 0.5, 1.0, 0.0),
    (-300.0, 0.5, 1.0, 0.99), (-1.0, 0.25, 2.0, -1.5),
]
# pdf far out: scipy's kve is NaN beyond alpha |x| ~ 1.15e9
HUGE_PDF_POINTS = [(2e9, 2.0, 1.0, 0.0), (1e10, 2.0, 1.0, 0.5), (2e9, 4.5, 3.0, 0.0),
                   (-3e12, 0.3, 1.0, -0.9), (5e9, 1.0, 1.0, 0.999999)]
LAPLACE_POINTS = [  # lam = 1: (x, alpha, beta)
    (1.0, 2.0, 1.999), (100.0, 1.0, 1 - 1e-6), (-100.0, 1.0, -(1 - 1e-6)), (1e-8, 1.0, 1 - 1e-6),
    (-1e-8, 1.0, 1 - 1e-6), (0.1, 1.0, 1 - 1e-6), (-3.0, 1.0, 0.5), (3.0, 1.0, 0.5),
    (1e4, 1.0, 0.5), (-1e3, 1.0, 0.5), (2e9, 1.0, 0.0), (-1e-3, 1.0, -0.999), (0.0, 1.0, 0.7),
    (10.0, 1.0, 0.999), (-0.5, 3.0, -2.9),
]
SIDE_POINTS = [  # density route, both tails
    (-2.575e-8, 0.1, 1.0, 0.0), (0.0031622776601683794, 0.05, 1.0, 0.0), (1e-8, 0.05, 1.0, 0.0),
    (1e-3, 0.0015, 1.0, 0.0), (-1e-3, 0.0015, 1.0, 0.3), (0.5, 0.05, 1.0, 0.9),
    (5.0, 0.3, 1.0, 0.99), (-0.2, 0.3, 1.0, 0.99), (1e4, 2.0, 1.0, 0.5), (-1e3, 2.0, 1.0, 0.5),
    (0.05, 3.0, 1.0, 0.999999), (2.0, 0.5, 1.0, 0.0), (-1e-6, 0.01, 2.0, -1.5),
]
MIXTURE_POINTS = [
    (2.0, 1e6, 1e3, 0.0), (60.0, 1e6, 1e3, 0.0), (-20.0, 1e6, 1e3, 0.0), (1950.0, 1e6, 1e3, 999.0),
    (0.0, 2.0, 1.0, 0.3), (0.0, 0.5, 1.0, 0.99), (0.0, 0.75, 1.0, -0.5),
]


def log_k(nu, z):
    nu = abs(nu)
    if nu < 100:
        return mp.log(mp.besselk(nu, z))

    def f(t):
        return -z * mp.cosh(t) + nu * t + mp.log1p(mp.exp(-2 * nu * t)) - mp.log(2)

    ts = mp.asinh(nu / z)
    w = 1 / mp.sqrt(z * mp.cosh(ts))
    f0 = f(ts)
    top = ts + w
    while f(top) - f0 > -200:
        top = ts + 2 * (top - ts)
    pts = [0] + [ts + k * w for k in (-30, -10, -3, -1, 0, 1, 3, 10, 30) if 0 < ts + k * w < top]
    return f0 + mp.log(mp.quad(lambda t: mp.exp(f(t) - f0), [*pts, top]))


def log_pdf(x, lam, a, b):
    x, lam, a, b = (mp.mpf(v) for v in (x, lam, a, b))
    g2, nu = a * a - b * b, lam - mp.mpf(1) / 2
    if x == 0:
        return (lam * mp.log(g2) + mp.loggamma(nu) - mp.loggamma(lam)
                - mp.log(2 * mp.sqrt(mp.pi)) - 2 * nu * mp.log(a))
    return (lam * mp.log(g2) + nu * mp.log(abs(x)) + log_k(nu, a * abs(x))
            - mp.log(mp.sqrt(mp.pi)) - mp.loggamma(lam) - nu * mp.log(2 * a) + b * x)


def log_tail_by_density(x, lam, a, b, upper):
    """log of int_x^inf f (upper) or int_-inf^x f, for the tail away from 0 only.

    The tail containing 0 (where f may be singular like |t|^(2 lam - 1), too
    slowly for tanh-sinh near lam = 0) is the complement, exact at 40 digits.
    """
    x = mp.mpf(x)
    away = upper if x > 0 else not upper
    sign = 1 if (x > 0) else -1
    scale = 1 / (mp.mpf(a) - sign * mp.mpf(b))  # e-folding length of the far tail
    ref = log_pdf(x, lam, a, b)
    pts = [x]
    step = scale / 64
    near = abs(x)
    while 4 * near < step:  # |x| far below the tail's scale: resolve |t|^(2 lam - 1) from |x| on
        near *= 2
        pts.append(x + sign * (near - abs(x)))
    while step < 400 * scale:
        pts.append(x + sign * step)
        step *= 2
    pts.append(sign * mp.inf)

    def integrand(t):
        return mp.exp(log_pdf(t, lam, a, b) - ref)

    pieces = itertools.pairwise(pts)
    total = mp.fsum(mp.quad(integrand, sorted([p, q])) for p, q in pieces)
    far = ref + mp.log(total)
    return far if away else mp.log1p(-mp.exp(far))


def log_tail_by_mixture(x, lam, a, b, upper):
    x, lam, a, b = (mp.mpf(v) for v in (x, lam, a, b))
    theta = mp.sqrt(2 * lam / (a * a - b * b))
    sgn = -1 if upper else 1
    c = lam * mp.log(lam) - lam - mp.loggamma(lam)

    def phi(u):
        w = x / theta * mp.exp(-u / 2) - b * theta * mp.exp(u / 2)
        return c - lam * (mp.expm1(u) - u) + mp.log(mp.ncdf(sgn * w))

    u0 = mp.findroot(lambda u: mp.diff(phi, u), 0)
    width = 1 / mp.sqrt(-mp.diff(phi, u0, 2))
    p0 = phi(u0)
    pts = [u0 + k * width / 4 for k in range(-240, 241)]
    return p0 + mp.log(mp.quad(lambda u: mp.exp(phi(u) - p0), pts))


def log_tails_laplace(x, a, b):
    """(log P(X <= x), log P(X > x)) at lam = 1, the asymmetric Laplace law."""
    x, a, b = (mp.mpf(v) for v in (x, a, b))
    if x >= 0:
        log_sf = mp.log((a + b) / (2 * a)) - (a - b) * x
        return mp.log(-mp.expm1(log_sf)), log_sf
    log_cdf = mp.log((a - b) / (2 * a)) + (a + b) * x
    return log_cdf, mp.log(-mp.expm1(log_cdf))


def sides():
    rows = []
    for x, a, b in LAPLACE_POINTS:
        lc, ls = log_tails_laplace(x, a, b)
        rows.append((x, 1.0, a, b, lc, ls))
    for p in SIDE_POINTS:
        rows.append((*p, log_tail_by_density(*p, upper=False), log_tail_by_density(*p, upper=True)))
    return [{"x": x, "lam": lam, "alpha": a, "beta": b, "logcdf": float(lc), "logsf": float(ls),
             "cdf": float(mp.exp(lc)), "sf": float(mp.exp(ls))} for x, lam, a, b, lc, ls in rows]


def main():
    out = {"pdf": [], "tail": [], "sides": sides()}
    print(out["sides"], flush=True)
    for p in PDF_POINTS + HUGE_PDF_POINTS:
        out["pdf"].append({"x": p[0], "lam": p[1], "alpha": p[2], "beta": p[3],
                           "logpdf": float(log_pdf(*p))})
    for p, how in [*((p, log_tail_by_density) for p in TAIL_POINTS),
                   *((p, log_tail_by_mixture) for p in MIXTURE_POINTS)]:
        out["tail"].append({"x": p[0], "lam": p[1], "alpha": p[2], "beta": p[3],
                            "logcdf": float(how(*p, upper=False)),
                            "logsf": float(how(*p, upper=True))})
        print(out["tail"][-1], flush=True)
    path = Path(__file__).with_name("variance_gamma.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
