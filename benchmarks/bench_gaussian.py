"""Speed of the Gaussian simulators, as ratios against plain references in one process.

    python benchmarks/bench_gaussian.py [--quick]

For M in {10, 100, 1000, 10000} and n = 100 generations:

* ``samples`` / ``notebook``: the literal simulator against the plain notebook
  loop (draw an (R, M) array per generation, refit with mean and std(ddof=1));
* ``notebook`` / ``sufficient``: how much faster the exact sufficient-statistic
  simulator is than that loop;
* ``sufficient`` / ``rng floor``: against the bare cost of its random numbers
  (one normal and one gamma per replicate-generation, into preallocated buffers).

A second table runs many chains (R = 10^6, M = 10, n = 100) to the last
generation only: ``keep="all"`` writes the (R, n + 1) histories of mu and
sigma^2 (1.6 GB), ``keep="last"`` overwrites one row; both against the RNG floor.

Times are the best of several repeats (these machines are noisy); only ratios
measured in the same run are meaningful.
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import best_times
from modelcollapse import gaussian

N = 100


def notebook_loop(n, m, replicates, rng):
    """The plain loop a notebook would write."""
    mu = np.zeros(replicates)
    sigma = np.ones(replicates)
    for _ in range(n):
        x = rng.normal(mu[:, None], sigma[:, None], size=(replicates, m))
        mu, sigma = x.mean(axis=1), x.std(axis=1, ddof=1)
    return mu, sigma


def rng_floor(n, m, replicates, rng):
    """Only the random numbers the sufficient simulator needs."""
    z = np.empty(replicates)
    gam = np.empty(replicates)
    for _ in range(n):
        rng.standard_normal(out=z)
        rng.standard_gamma((m - 1) / 2.0, out=gam)
    return z, gam


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer points per generation")
    args = parser.parse_args(argv)
    points = 10**5 if args.quick else 10**6
    repeats = 3 if args.quick else 5
    # 10^5 replicates x 101 generations is a 160 MB output; far larger R measures the page
    # faults of writing the (R, n + 1) paths, which the RNG floor does not pay.
    floor_replicates = 10**5
    print(f"n = {N} generations; samples/notebook use R = {points:.0e} / M replicates")
    print(f"{'M':>6} {'R':>8} {'samples/notebook':>17} {'notebook/sufficient':>20} "
          f"{'sufficient/floor':>17} {'Mrep-gen/s':>11}")
    for m in (10, 100, 1000, 10_000):
        r = max(points // m, 10)
        t_note, t_samp, t_suff_r = best_times(
            [
                lambda rng, m=m, r=r: notebook_loop(N, m, r, rng),
                lambda rng, m=m, r=r: gaussian.simulate(
                    N, m, replicates=r, method="samples", rng=rng
                ),
                lambda rng, m=m, r=r: gaussian.simulate(N, m, replicates=r, rng=rng),
            ],
            repeats,
            np.random.default_rng,
        )
        t_floor, t_suff = best_times(
            [
                lambda rng, m=m: rng_floor(N, m, floor_replicates, rng),
                lambda rng, m=m: gaussian.simulate(N, m, replicates=floor_replicates, rng=rng),
            ],
            repeats,
            np.random.default_rng,
        )
        rate = N * floor_replicates / t_suff / 1e6
        print(f"{m:>6} {r:>8} {t_samp / t_note:>17.2f} {t_note / t_suff_r:>20.0f} "
              f"{t_suff / t_floor:>17.2f} {rate:>11.1f}")
    many = points
    t_floor, t_all, t_last = best_times(
        [
            lambda rng: rng_floor(N, 10, many, rng),
            lambda rng: gaussian.simulate(N, 10, replicates=many, rng=rng),
            lambda rng: gaussian.simulate(N, 10, replicates=many, rng=rng, keep="last"),
        ],
        repeats,
        np.random.default_rng,
    )
    print(f"\nR = {many:.0e} chains, M = 10, n = {N}: keep='all' / floor "
          f"{t_all / t_floor:.2f}, keep='last' / floor {t_last / t_floor:.2f}, "
          f"all / last {t_all / t_last:.2f}")


if __name__ == "__main__":
    main()
