"""Benchmark ``discrete.simulate`` and ``discrete.loss_probability`` against plain loops.

References, measured in the same run:

* the notebook loop: per replicate and generation, ``rng.choice`` of ``M``
  labels from the current model, then ``np.bincount`` (how the recursion is
  usually written);
* a per-replicate multinomial loop: ``rng.multinomial(M, p)`` for one
  replicate at a time;
* the vectorised multinomial a competent user writes: one
  ``rng.multinomial(M, p)`` call per generation on the (replicates, K) matrix
  of every chain's model (the fair reference);
* for the exact loss probability, the forward recursion over the law of the
  count with ``scipy.stats.binom.pmf`` matrices (what one would write first).

Prints times and ratios (reference / modelcollapse); no assertions.

    PYTHONPATH=src python benchmarks/bench_discrete.py [--replicates 100] [--generations 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from _timing import best_of
from modelcollapse import discrete


def notebook_loop(n, M, p0, replicates, rng):
    out = np.empty((replicates, p0.size))
    for r in range(replicates):
        p = p0
        for _ in range(n):
            p = np.bincount(rng.choice(p.size, M, p=p), minlength=p.size) / M
        out[r] = p
    return out


def multinomial_loop(n, M, p0, replicates, rng):
    out = np.empty((replicates, p0.size))
    for r in range(replicates):
        p = p0
        for _ in range(n):
            p = rng.multinomial(M, p) / M
        out[r] = p
    return out


def vectorised_multinomial(n, M, p0, replicates, rng):
    p = np.broadcast_to(p0, (replicates, p0.size))
    for _ in range(n):
        p = rng.multinomial(M, p) / M
    return p


def forward_loss(n, M, p):
    """P(p_n = 0) by the forward law of the count, scipy binom.pmf matrices."""
    counts = np.arange(M + 1)
    law = stats.binom.pmf(counts, M, p)
    step = stats.binom.pmf(counts[None, :], M, counts[:, None] / M)
    for _ in range(n - 1):
        law = law @ step
    return law[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    n, R = args.generations, args.replicates

    print(f"simulate: n={n} generations, {R} replicates, Zipf(s=1) p0, best of {args.repeat}")
    head = f"{'K':>6} {'M':>6} {'method':>7} {'simulate':>10} {'notebook':>10} {'ratio':>7}"
    head += f" {'multinom.':>10} {'ratio':>7} {'vectorised':>10} {'ratio':>7}"
    print(head)
    for K in (2, 100, 10**4):
        p0 = discrete.zipf_p0(K)
        for M in (100, 10**4):
            ours = best_of(
                lambda p0=p0, M=M: discrete.simulate(n, M, p0, replicates=R, rng=0, keep="last"),
                args.repeat,
            )
            method = discrete.simulate(1, M, p0).method
            book = best_of(
                lambda p0=p0, M=M: notebook_loop(n, M, p0, R, np.random.default_rng(0)), 1
            )
            loop = best_of(
                lambda p0=p0, M=M: multinomial_loop(n, M, p0, R, np.random.default_rng(0)), 1
            )
            vector = best_of(
                lambda p0=p0, M=M: vectorised_multinomial(n, M, p0, R, np.random.default_rng(0)),
                args.repeat,
            )
            print(
                f"{K:>6} {M:>6} {method:>7} {ours:>10.4f} {book:>10.4f} {book / ours:>7.1f}"
                f" {loop:>10.4f} {loop / ours:>7.1f} {vector:>10.4f} {vector / ours:>7.2f}"
            )

    print("\nloss_probability(50, M, p), exact: backward matrix-vector vs forward scipy binom.pmf")
    print(f"{'M':>6} {'ours [s]':>10} {'forward [s]':>12} {'ratio':>7} {'max rel. diff':>14}")
    for M in (200, 1000, 2000):
        p = np.array([0.001, 0.01, 0.1])
        ours = best_of(lambda M=M, p=p: discrete.loss_probability(50, M, p), args.repeat)
        start = time.perf_counter()
        ref = np.array([forward_loss(50, M, q) for q in p])
        forward = time.perf_counter() - start
        diff = np.max(np.abs(discrete.loss_probability(50, M, p) / ref - 1))
        print(f"{M:>6} {ours:>10.4f} {forward:>12.4f} {forward / ours:>7.1f} {diff:>14.2e}")


if __name__ == "__main__":
    main()
