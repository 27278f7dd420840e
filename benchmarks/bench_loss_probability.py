"""Benchmark the banded loss probability against the dense chain, its scaling, and the diffusion.

Measured in the same run:

* the ratio dense / banded (``discrete.loss_probability(method="dense")``,
  ``(M + 1)^2`` matrices, against ``method="banded"``) at M = 4096 and
  smaller, with the largest difference of their values;
* the time of the banded method against ``n`` at M = 10^6 (its cost does
  not depend on ``M`` once ``M`` exceeds the count cap), the fitted
  exponent of time against ``n``, and the time against ``M`` at ``n = 50``;
* the relative errors of the Poisson branching approximation
  (``method="branching"``) and of Feller's diffusion (``method="diffusion"``)
  against the banded method, by ``M p``.

Prints tables; no assertions.

    PYTHONPATH=src python benchmarks/bench_loss_probability.py [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import best_of
from modelcollapse import discrete

P = np.array([1e-4, 1e-3, 1e-2, 0.05])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    print("| M | n | dense (s) | banded (s) | dense / banded | max abs difference |")
    print("|---:|---:|---:|---:|---:|---:|")
    for M in (512, 2048, 4096):
        n = 50
        dense = best_of(lambda M=M, n=n: discrete.loss_probability(n, M, P, method="dense"),
                        args.repeat)
        banded = best_of(lambda M=M, n=n: discrete.loss_probability(n, M, P, method="banded"),
                         args.repeat)
        gap = np.max(np.abs(discrete.loss_probability(n, M, P, method="dense")
                            - discrete.loss_probability(n, M, P, method="banded")))
        print(f"| {M} | {n} | {dense:.3f} | {banded:.3f} | {dense / banded:.1f} | {gap:.1e} |")

    print()
    print("| M | n | banded (s) |")
    print("|---:|---:|---:|")
    rare = P / 100
    ns = np.array([10, 20, 50, 100])
    times = []
    for n in ns.tolist():
        times.append(best_of(lambda n=n: discrete.loss_probability(n, 10**6, rare), args.repeat))
        print(f"| 10^6 | {n} | {times[-1]:.3f} |")
    slope = np.polyfit(np.log(ns), np.log(times), 1)[0]
    print(f"\nfitted exponent of time against n at M = 10^6: {slope:.2f}")
    for M in (10**5, 10**7, 10**9):
        t = best_of(lambda M=M: discrete.loss_probability(50, M, rare), args.repeat)
        print(f"| M = {M:.0e} | n = 50 | {t:.3f} s |")

    print()
    print("| M | n | M p | banded | branching error | diffusion error |")
    print("|---:|---:|---:|---:|---:|---:|")
    M = 10**6
    for n in (10, 50):
        for mp in (1, 10, 30, 100):
            exact = float(discrete.loss_probability(n, M, mp / M))
            branching = float(discrete.loss_probability(n, M, mp / M, method="branching"))
            diffusion = float(discrete.loss_probability(n, M, mp / M, method="diffusion"))
            print(f"| 10^6 | {n} | {mp} | {exact:.4g} | {branching / exact - 1:+.1e} "
                  f"| {diffusion / exact - 1:+.2%} |")


if __name__ == "__main__":
    main()
