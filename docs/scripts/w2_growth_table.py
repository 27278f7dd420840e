"""Print the markdown table of docs/multivariate.md: the super-linear theorem, side by side.

Run: ``PYTHONPATH=src python docs/scripts/w2_growth_table.py``.
"""

from __future__ import annotations

import numpy as np

from modelcollapse import multivariate as mv
from modelcollapse.schedule import Constant, Linear, Power

COV = np.diag([2.0, 0.5])
N = [1, 10, 100, 1000]


def main():
    print("| schedule | n | H_n = sum 1/M_i | lower bound | first order | simulated ± s.e. "
          "| sigma2 c.v. |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for seed, schedule in enumerate([Constant(1000), Linear(1000), Power(1000, 2.0)]):
        growth = mv.w2_growth(schedule, N, COV, replicates=2000, rng=seed)
        first = mv.expected_w2_squared_first_order(growth.n, schedule, COV)
        for k, n in enumerate(growth.n):
            print(f"| `{schedule!r}` | {n} | {growth.harmonic_sum[k]:.4g} | "
                  f"{growth.lower[k]:.4g} | {first[k]:.4g} | "
                  f"{growth.simulated[k]:.4g} ± {growth.std_error[k]:.2g} | "
                  f"{growth.sigma2_cv[k]:.2g} |")


if __name__ == "__main__":
    main()
