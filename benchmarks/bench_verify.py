"""Benchmark: ``verify.run`` (default and quick) against the plain power and Holm computation.

The reference is what the engine did before: the Kolmogorov-Smirnov power
bootstrap asks ``scipy.stats.kstwo.sf`` for a p-value at each of its 200
resamples (at R = 20000 each call is slow), and the family is corrected by
``statsmodels.stats.multitest.multipletests``, which runs ``gc.collect()`` on
every call. Both are plugged into the same engine (same claims, same replicate
counts, same verdicts, checked below), so the ratio isolates the two changes:
one ``kstwo.isf`` critical value per law, and a small Holm step-down. The
100-family Holm ratio is what a 100-seed calibration pays for its corrections.

Run: ``PYTHONPATH=src python benchmarks/bench_verify.py``.
"""

from __future__ import annotations

import argparse
from unittest import mock

import numpy as np
from scipy import stats

from _timing import best_times
from modelcollapse import verify
from modelcollapse.verify import _core


def reference_law_power(data, mutant, level, rng, resamples=200):
    """A KS p-value per bootstrap resample (the plain way)."""
    u = np.asarray(mutant.cdf(np.asarray(data, dtype=np.float64).ravel()), dtype=np.float64)
    size = u.size
    upper = np.arange(1, size + 1) / size
    rejected = 0
    for _ in range(resamples):
        v = np.sort(rng.choice(u, size=size, replace=True))
        distance = max(np.max(upper - v), np.max(v - (upper - 1 / size)))
        rejected += stats.kstwo.sf(distance, size) < level
    return rejected / resamples


def reference_holm(p_values, alpha):
    from statsmodels.stats.multitest import multipletests

    return multipletests(p_values, alpha=alpha, method="holm")[0]


def _reference_run(**settings):
    with mock.patch.object(_core, "_law_power", reference_law_power), \
            mock.patch.object(_core, "holm", reference_holm):
        return verify.run(**settings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    verify.run(quick=True)  # imports, stored moments and caches, outside the timings
    for label, settings in (("default", {}), ("quick", {"quick": True})):
        ours, plain = verify.run(**settings), _reference_run(**settings)
        assert [r.verdict for r in ours.results] == [r.verdict for r in plain.results]
        fast, slow = best_times([lambda _, s=settings: verify.run(**s),
                                 lambda _, s=settings: _reference_run(**s)], args.repeat)
        print(f"verify {label:<8} {fast:6.2f} s   reference {slow:6.2f} s   "
              f"ratio {slow / fast:5.2f}x")
    rng = np.random.default_rng(0)
    families = [rng.uniform(size=len(verify.registry())) for _ in range(100)]
    fast, slow = best_times([lambda _: [_core.holm(p, 0.01) for p in families],
                             lambda _: [reference_holm(p, 0.01) for p in families]],
                            args.repeat)
    print(f"Holm x100 {fast:6.3f} s   multipletests {slow:6.3f} s   ratio {slow / fast:5.1f}x")


if __name__ == "__main__":
    main()
