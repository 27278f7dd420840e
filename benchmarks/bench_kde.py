"""Benchmark: ``kde.simulate`` against a plain numpy loop over chains and generations.

The reference is what one writes first: for every chain, for every
generation, ``rng.choice`` the parents from the previous points and add
``rng.normal(0, h)`` noise, then record the mean and ``ddof=1`` variance
(one Python iteration per chain and generation). Both run the same
``(n, M, replicates)`` in this process, interleaved, best of ``--repeat``;
the script prints the times and their ratio, for ``policy="replace"`` and
``"accumulate"``, fixed bandwidth and Scott's rule.

Run: ``PYTHONPATH=src python benchmarks/bench_kde.py [--n 50 --M 100 --replicates 500]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import best_times
from modelcollapse import kde


def plain_loop(n, M, bandwidth, replicates, policy, rng):
    """One chain at a time, one generation at a time (the reference)."""
    means = np.empty((replicates, n + 1))
    variances = np.empty((replicates, n + 1))
    for r in range(replicates):
        pool = rng.normal(0.0, 1.0, M)
        x = pool
        means[r, 0], variances[r, 0] = x.mean(), x.var(ddof=1)
        for i in range(n):
            fitted = pool if policy == "accumulate" else x
            h = (fitted.std(ddof=1) * fitted.size ** -0.2 if bandwidth == "scott"
                 else bandwidth)
            x = rng.choice(fitted, size=M) + rng.normal(0.0, h, M)
            pool = np.concatenate([pool, x]) if policy == "accumulate" else x
            means[r, i + 1], variances[r, i + 1] = x.mean(), x.var(ddof=1)
    return means, variances


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--M", type=int, default=100)
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, M, R = args.n, args.M, args.replicates
    print(f"n = {n}, M = {M}, replicates = {R}, best of {args.repeat}")
    print(f"{'policy':<11} {'bandwidth':<9} {'kde.simulate':>13} {'plain loop':>11} {'ratio':>7}")
    for policy in ("replace", "accumulate"):
        for bandwidth in (0.3, "scott"):
            fast, plain = best_times(
                [lambda rng, p=policy, b=bandwidth: kde.simulate(n, M, bandwidth=b, policy=p,
                                                                 replicates=R, rng=rng),
                 lambda rng, p=policy, b=bandwidth: plain_loop(n, M, b, R, p, rng)],
                args.repeat, make_arg=np.random.default_rng)
            print(f"{policy:<11} {bandwidth!s:<9} {fast:>12.3f}s {plain:>10.3f}s "
                  f"{plain / fast:>6.1f}x")


if __name__ == "__main__":
    main()
