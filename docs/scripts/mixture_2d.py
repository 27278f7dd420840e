"""Measure the two-dimensional EM chain quoted in docs/mixture.md.

Run: ``PYTHONPATH=src python docs/scripts/mixture_2d.py`` (a few minutes on one core).
D0 = 0.5 N((-2, 0), I) + 0.5 N((2, 0), I), N = 1000, 1000 generations, 50 chains.
Columns: generation, chains that lost a component [exact 95 % CI], L2 distance to D0
(mean, s.e.), total variance (mean, s.e.), exact E[V_n], median over chains of the
narrower component's covariance trace.
"""

from __future__ import annotations

import time

import numpy as np

from modelcollapse import mixture


def main():
    start = time.perf_counter()
    chain = mixture.simulate(1000, 1000, weights=[0.5, 0.5], means=[[-2.0, 0.0], [2.0, 0.0]],
                             covariances=[np.eye(2), np.eye(2)], replicates=50, rng=2024)
    print(f"time {time.perf_counter() - start:.0f} s")
    total, dist = chain.total_variance(), chain.distance_to_truth()
    exact = mixture.expected_total_variance(np.arange(chain.n + 1), chain.N,
                                            float(total[0, 0]), dim=2)
    narrow = np.trace(chain.covariances, axis1=-2, axis2=-1).min(axis=-1)
    root = np.sqrt(chain.replicates)
    for g in (50, 200, 500, 1000):
        lost = chain.lost_by(g)
        print(g, f"{lost.count}/{lost.total} [{lost.low:.3f}, {lost.high:.3f}]",
              f"{dist[:, g].mean():.4f} {dist[:, g].std(ddof=1) / root:.4f}",
              f"{total[:, g].mean():.3f} {total[:, g].std(ddof=1) / root:.3f}",
              f"{exact[g]:.3f} {np.median(narrow[:, g]):.4f}")
    print(f"EM iterations: mean {chain.iterations.mean():.2f}, max {chain.iterations.max()}, "
          f"all converged {bool(chain.converged.all())}")


if __name__ == "__main__":
    main()
