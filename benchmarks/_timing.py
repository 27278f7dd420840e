"""Wall-clock helpers shared by the benchmark scripts (best of repeats; ratios only)."""

from __future__ import annotations

import time


def best_of(fn, repeat=3):
    """Best wall time of ``repeat`` calls of ``fn()`` (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def best_times(funcs, repeat, make_arg=lambda k: None):
    """Best time of each function, their calls interleaved so that machine drift hits all alike.

    Call ``k`` of every function receives ``make_arg(k)`` (e.g. a seeded Generator).
    """
    best = [float("inf")] * len(funcs)
    for k in range(repeat):
        for i, func in enumerate(funcs):
            arg = make_arg(k)
            start = time.perf_counter()
            func(arg)
            best[i] = min(best[i], time.perf_counter() - start)
    return best
