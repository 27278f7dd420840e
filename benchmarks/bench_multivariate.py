"""Benchmark the d-dim Gaussian simulators and the 1-D empirical W2.

Run: ``PYTHONPATH=src python benchmarks/bench_multivariate.py``. Every row is a
ratio against a plain reference implementation timed in the same process:

* simulators: ``method="wishart"`` and ``method="samples"`` against the plain
  notebook loop (one replicate at a time, ``rng.multivariate_normal`` then
  ``mean`` and ``np.cov``), at d in {2, 10, 50} and M in {100, 1000};
* the fair reference for ``"wishart"``: what a competent user writes with
  scipy, every replicate's next covariance ``L W L^T / (M - 1)`` from one
  vectorised ``scipy.stats.wishart(M - 1, I).rvs`` (Bartlett) draw per
  generation, ``L`` the Cholesky factor of the current covariance; against
  ``"wishart"`` with ``keep="last"`` (the reference keeps no history either)
  and the default ``keep="all"``;
* empirical 1-D W2^2 (quantile coupling) against ``ot.emd2`` on the dense cost
  matrix (10^3 only: 10^5 points need an 80 GB matrix), POT's exact 1-D
  ``ot.emd2_1d``, and ``scipy.stats.wasserstein_distance`` (W1, not W2: a
  timing reference for a sorted 1-D coupling only).
"""

from __future__ import annotations

import numpy as np
import ot
from scipy import stats

from _timing import best_of
from modelcollapse import multivariate as mv
from modelcollapse.wasserstein import empirical_w2_squared

N_GENERATIONS = 10
REPLICATES = 20


def notebook_loop(n, m, d, replicates, rng):
    """The plain reference: draw, refit, repeat; one replicate at a time."""
    gen = np.random.default_rng(rng)
    out = []
    for _ in range(replicates):
        mu, cov = np.zeros(d), np.eye(d)
        for _ in range(n):
            x = gen.multivariate_normal(mu, cov, size=m)
            mu, cov = x.mean(axis=0), np.cov(x.T)
        out.append(cov)
    return out


def scipy_wishart_loop(n, m, d, replicates, rng):
    """The fair reference: scipy's Bartlett draw of Wishart(M - 1, I), mapped by each factor."""
    gen = np.random.default_rng(rng)
    standard = stats.wishart(df=m - 1, scale=np.eye(d))
    mu = np.zeros((replicates, d))
    cov = np.broadcast_to(np.eye(d), (replicates, d, d))
    for _ in range(n):
        factor = np.linalg.cholesky(cov)
        mu = mu + (factor @ gen.standard_normal((replicates, d, 1)))[..., 0] / np.sqrt(m)
        draws = standard.rvs(size=replicates, random_state=gen)
        cov = factor @ draws @ np.swapaxes(factor, -1, -2) / (m - 1)
    return mu, cov


def bench_wishart_reference():
    print(f"\nwishart against scipy.stats.wishart (Bartlett), {N_GENERATIONS} generations x "
          "1000 replicates (times in ms; ratio = scipy / ours)")
    print(f"{'d':>4} {'M':>6} {'scipy':>10} {'last':>10} {'all':>10} {'x last':>8} {'x all':>8}")
    replicates = 1000
    for d in (2, 10, 50):
        m = 100
        ref = best_of(lambda d=d, m=m: scipy_wishart_loop(N_GENERATIONS, m, d, replicates, 0))
        last, full = (best_of(lambda d=d, m=m, keep=keep: mv.simulate(
            N_GENERATIONS, m, np.zeros(d), np.eye(d), replicates=replicates, rng=0, keep=keep))
            for keep in ("last", "all"))
        print(f"{d:>4} {m:>6} {1e3 * ref:>10.2f} {1e3 * last:>10.2f} {1e3 * full:>10.2f} "
              f"{ref / last:>8.2f} {ref / full:>8.2f}")


def bench_simulators():
    print(f"simulators: {N_GENERATIONS} generations x {REPLICATES} replicates "
          "(times in ms; ratio = notebook / method)")
    print(f"{'d':>4} {'M':>6} {'notebook':>10} {'wishart':>10} {'samples':>10} "
          f"{'x wishart':>10} {'x samples':>10}")
    for d in (2, 10, 50):
        for m in (100, 1000):
            if m <= d:
                continue
            ref = best_of(lambda d=d, m=m: notebook_loop(N_GENERATIONS, m, d, REPLICATES, 0), 1)
            times = {
                method: best_of(lambda d=d, m=m, method=method: mv.simulate(
                    N_GENERATIONS, m, np.zeros(d), np.eye(d), replicates=REPLICATES,
                    method=method, rng=0))
                for method in ("wishart", "samples")
            }
            print(f"{d:>4} {m:>6} {1e3 * ref:>10.2f} {1e3 * times['wishart']:>10.2f} "
                  f"{1e3 * times['samples']:>10.2f} {ref / times['wishart']:>10.1f} "
                  f"{ref / times['samples']:>10.1f}")


def bench_empirical_w2():
    print("\nempirical 1-D W2^2, unequal sizes n and 0.7 n (ratio = reference / ours)")
    print(f"{'n':>8} {'ours ms':>9} {'emd2 x':>9} {'emd2_1d x':>10} {'scipy W1 x':>11}")
    rng = np.random.default_rng(0)
    for size in (10**3, 10**5):
        x, y = rng.standard_normal(size), 2 * rng.standard_normal(int(0.7 * size)) + 1
        ours = best_of(lambda x=x, y=y: empirical_w2_squared(x, y))
        if size <= 10**3:
            a, b = np.full(x.size, 1 / x.size), np.full(y.size, 1 / y.size)
            dense = best_of(lambda x=x, y=y, a=a, b=b: ot.emd2(a, b, (x[:, None] - y) ** 2))
            dense_ratio = f"{dense / ours:>9.1f}"
        else:
            dense_ratio = f"{'n/a':>9}"
        pot_1d = best_of(lambda x=x, y=y: ot.emd2_1d(x, y, metric="sqeuclidean"))
        scipy_w1 = best_of(lambda x=x, y=y: stats.wasserstein_distance(x, y))
        print(f"{size:>8} {1e3 * ours:>9.2f} {dense_ratio} {pot_1d / ours:>10.1f} "
              f"{scipy_w1 / ours:>11.1f}")


if __name__ == "__main__":
    bench_simulators()
    bench_wishart_reference()
    bench_empirical_w2()
