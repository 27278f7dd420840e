"""Small LAPACK and matrix-vector loops on one BLAS thread against two, in one run.

    python benchmarks/bench_threads.py [--repeat K]

On a shared machine two BLAS threads can stall small calls (a thread waits
for a core another process holds). This measures the package's hot loops
with small matrices under ``threadpoolctl.threadpool_limits(1)`` and ``(2)``,
interleaved so that machine drift hits both alike; the ratio is
time(2 threads) / time(1 thread) (above 1: one thread is faster).

* ``discrete.loss_probability(50, 2000, p)``: 50 matrix-vector products with
  a (2001, 2001) transition matrix;
* 200 singular value decompositions of 50 x 50 matrices (the Bures formula's
  nuclear norm on d = 50 covariances);
* ``multivariate.simulate`` (Wishart, d = 50, 20 generations x 100 chains).
"""

from __future__ import annotations

import argparse

import numpy as np
from threadpoolctl import threadpool_limits

from _timing import best_times
from modelcollapse import discrete, multivariate


def svd_loop(rng):
    a = rng.standard_normal((200, 50, 50))
    for block in a:
        np.linalg.svd(block, compute_uv=False)


WORKLOADS = {
    "loss_probability(50, 2000)": lambda rng: discrete.loss_probability(
        50, 2000, np.array([0.001, 0.01, 0.1])),
    "200 svd of 50 x 50": svd_loop,
    "multivariate.simulate d=50": lambda rng: multivariate.simulate(
        20, 100, np.zeros(50), np.eye(50), replicates=100, rng=rng, keep="last"),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="interleaved repeats (default 7)")
    args = parser.parse_args(argv)
    print(f"{'workload':<30} {'1 thread (s)':>13} {'2 threads (s)':>14} {'2 / 1':>7}")
    for name, work in WORKLOADS.items():
        def limited(threads, work=work):
            def run(rng):
                with threadpool_limits(threads):
                    work(rng)
            return run

        one, two = best_times([limited(1), limited(2)], args.repeat, np.random.default_rng)
        print(f"{name:<30} {one:>13.4f} {two:>14.4f} {two / one:>7.2f}")


if __name__ == "__main__":
    main()
