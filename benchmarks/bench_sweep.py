"""Cost of a reproducible sweep against plain loops, and the speed-up from workers.

Reference: one ``gaussian.simulate`` call per grid point with all replicates
(no blocks, no reproducibility across executors). Prints ratios measured in
this run. Usage: ``PYTHONPATH=src python benchmarks/bench_sweep.py``.
"""

from __future__ import annotations

import numpy as np

from _timing import best_of
from modelcollapse import gaussian
from modelcollapse.sweep import BLOCK, dask_executor, local_executor, product_grid, sweep

GRID = product_grid(n=[200], M=[10, 20, 50, 100])
REPLICATES = 20_000


def final_variance(params, replicates, rng):
    chain = gaussian.simulate(params["n"], params["M"], replicates=replicates, rng=rng)
    return chain.sigma2[:, -1]


def main():
    def plain():
        for g, params in enumerate(GRID):
            final_variance(params, REPLICATES, np.random.default_rng([g]))

    reference = best_of(plain)
    print(f"{'plain loop, one call per point':<36} {reference:7.3f} s  1.00x plain")
    for block in (500, BLOCK, 10_000):
        t = best_of(lambda b=block: sweep(final_variance, GRID, replicates=REPLICATES,
                                             block=b))
        print(f"{f'sweep serial, block={block}':<36} {t:7.3f} s  {t / reference:.2f}x plain")
    with local_executor(2) as pool:
        sweep(final_variance, GRID[:1], replicates=1, executor=pool)  # start the workers
        t = best_of(lambda: sweep(final_variance, GRID, replicates=REPLICATES,
                                     executor=pool))
        print(f"{'sweep, 2 processes':<36} {t:7.3f} s  {t / reference:.2f}x plain")
    with dask_executor(workers=2) as ex:
        sweep(final_variance, GRID[:1], replicates=1, executor=ex)
        t = best_of(lambda: sweep(final_variance, GRID, replicates=REPLICATES,
                                     executor=ex))
        print(f"{'sweep, dask LocalCluster, 2 workers':<36} {t:7.3f} s  {t / reference:.2f}x plain")

if __name__ == "__main__":
    main()
