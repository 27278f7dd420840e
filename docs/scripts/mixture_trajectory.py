"""Measure the EM-refitted mixture chain of docs/mixture.md; write its figure and print its table.

Run: ``PYTHONPATH=src python docs/scripts/mixture_trajectory.py`` (a few minutes on one core).
D0 = 0.5 N(-2, 1) + 0.5 N(2, 1), N = 1000 points per generation, 2000 generations,
200 chains, EM warm-started from the previous model (scikit-learn's tol and floor).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from modelcollapse import mixture, plot

GENERATIONS = [10, 50, 100, 200, 500, 1000, 1500, 2000]


def se(y):
    return y.std(ddof=1) / np.sqrt(y.size)


def summary(chain):
    total = chain.total_variance()
    dist = chain.distance_to_truth()
    within = np.sum(chain.weights * chain.covariances, axis=-1)
    smaller = chain.weights.min(axis=-1)
    print("| generation | lost a component (95 % exact CI) | median smaller weight "
          "| L2 to D0: mean ± s.e. | total variance: mean ± s.e. | exact E[V_n] "
          "| component variance: median [5 %, 95 %] |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for g in GENERATIONS:
        if g > chain.n:
            continue
        lost = chain.lost_by(g)
        exact = float(mixture.expected_total_variance(g, chain.N, float(total[0, 0]),
                                                      reg_covar=chain.reg_covar))
        lo, mid, hi = np.quantile(within[:, g], [0.05, 0.5, 0.95])
        print(f"| {g} | {lost.count}/{lost.total} = {lost.estimate:.3f} "
              f"[{lost.low:.3f}, {lost.high:.3f}] | {np.median(smaller[:, g]):.3f} | "
              f"{dist[:, g].mean():.4f} ± {se(dist[:, g]):.4f} | "
              f"{total[:, g].mean():.3f} ± {se(total[:, g]):.3f} | {exact:.3f} | "
              f"{mid:.3g} [{lo:.3g}, {hi:.3g}] |")
    lost_at = chain.loss_generation()
    kept = lost_at > chain.n
    print(f"\nchains that lost a component: {np.sum(~kept)}/{chain.replicates}; "
          f"median loss generation among them: "
          f"{np.median(lost_at[~kept]) if np.any(~kept) else 'n/a'}")
    print(f"EM iterations per fit: mean {chain.iterations.mean():.2f}, max "
          f"{chain.iterations.max()}, all converged: {bool(chain.converged.all())}")


def main(n=2000, replicates=200):
    start = time.perf_counter()
    chain = mixture.simulate(n, 1000, weights=[0.5, 0.5], means=[-2.0, 2.0],
                             covariances=[1.0, 1.0], replicates=replicates, rng=2023)
    print(f"simulated {replicates} chains x {n} generations in "
          f"{time.perf_counter() - start:.0f} s\n")
    summary(chain)
    out = Path(__file__).resolve().parents[1] / "mixture.png"
    plot.mixture_trajectory(chain=chain).savefig(out, dpi=110)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
