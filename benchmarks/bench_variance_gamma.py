"""Benchmark: variance_gamma pdf, cdf and ppf against scipy's generic fallback.

The reference is an ``rv_continuous`` subclass that defines only ``_pdf``, the
textbook density with ``scipy.special.kv`` and ``gamma`` (vectorised, not in log
space): scipy then computes the cdf by ``integrate.quad`` of the pdf, point by
point. Its pdf is timed on all points; its cdf is far too slow for 10^6 points, so
it is timed on ``--fallback-points`` points (default 2000) and scaled linearly
(one quad per point); the scaling is printed. Both are timed in this process, on
the same parameters and points. The count of non-finite values the plain pdf
returns (overflow of kv or gamma at large lam) is printed too. The ppf (ours: Newton
steps in log space) is timed against scipy's generic ppf (bracketing and ``brentq``
per point) on top of our own cdf, on ``--ppf-points`` probabilities (default 200),
and both per point.

Run: ``PYTHONPATH=src python benchmarks/bench_variance_gamma.py``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy import special, stats

from modelcollapse.variance_gamma import variance_gamma, variance_gamma_gen


class _PdfOnly(stats.rv_continuous):
    """scipy's generic machinery on top of the same density."""

    def _argcheck(self, lam, alpha, beta):
        return (lam > 0) & (alpha > np.abs(beta))

    def _pdf(self, x, lam, alpha, beta):
        x, lam, alpha, beta = (np.asarray(a, dtype=np.float64) for a in (x, lam, alpha, beta))
        gamma = np.sqrt(alpha**2 - beta**2)
        ax = np.abs(x)
        with np.errstate(all="ignore"):
            return (gamma ** (2 * lam) * ax ** (lam - 0.5) * special.kv(lam - 0.5, alpha * ax)
                    * np.exp(beta * x) / (np.sqrt(np.pi) * special.gamma(lam)
                                          * (2 * alpha) ** (lam - 0.5)))


fallback = _PdfOnly(name="vg_pdf_only", shapes="lam, alpha, beta")


class _GenericPpf(variance_gamma_gen):
    """Our cdf under scipy's generic ppf (root finding per point)."""

    _ppf = stats.rv_continuous._ppf


generic_ppf = _GenericPpf(name="vg_generic_ppf")


def _time(f, *args, repeat=1):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        f(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10**6)
    parser.add_argument("--fallback-points", type=int, default=2000)
    parser.add_argument("--ppf-points", type=int, default=200)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    print(f"{'parameters (lam, alpha, beta)':<30} {'what':<4} {'ours [s]':>9} "
          f"{'fallback [s]':>13} {'ratio':>7}  fallback non-finite")
    for shape in [(2.0, 3.0, 1.0), (0.3, 1.0, -0.5), (20.0, 6.0, 1.5), (200.0, 20.0, 5.0)]:
        x = variance_gamma.rvs(*shape, size=args.points, random_state=rng)
        few = x[: args.fallback_points]
        scale = args.points / few.size
        ours = _time(variance_gamma.pdf, x, *shape, repeat=3)
        plain = fallback.pdf(x, *shape)
        theirs = _time(fallback.pdf, x, *shape, repeat=3)
        bad = int(np.sum(~np.isfinite(plain)))
        print(f"{shape!s:<30} {'pdf':<4} {ours:>9.3f} {theirs:>13.3f} {theirs / ours:>7.2f}  {bad}")
        if bad:  # the plain density overflowed: its cdf would integrate inf/nan
            continue
        ours = _time(variance_gamma.cdf, x, *shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # quad's IntegrationWarning, nan at the singular 0
            theirs = _time(fallback.cdf, few, *shape) * scale
        print(f"{shape!s:<30} {'cdf':<4} {ours:>9.2f} {theirs:>13.0f} {theirs / ours:>7.0f}")
        q = rng.random(args.ppf_points)
        ours = _time(variance_gamma.ppf, q, *shape) / q.size
        theirs = _time(generic_ppf.ppf, q, *shape) / q.size
        print(f"{shape!s:<30} {'ppf':<4} {ours * 1e3:>7.2f}ms {theirs * 1e3:>11.2f}ms "
              f"{theirs / ours:>7.1f}  (per point; reference: scipy's generic ppf on our cdf)")
    print(f"fallback cdf timed on {args.fallback_points} points and scaled x{scale:.0f} "
          f"to {args.points} points (its cost is linear: one quad per point); "
          f"pdf timed on all {args.points} points, best of 3.")


if __name__ == "__main__":
    main()
