"""Measure ``modelcollapse verify``'s family-wise false-alarm rate over independent seeds.

For each setting (``quick=True``, ``replicates=200``, the default run) the whole
registry is run under ``--runs`` seeds drawn by ``SeedSequence(--seed)``
(``verify._core.calibration_seeds``: independent streams, never ``seed + i``),
each family Holm-corrected at ``--alpha`` with the same replicate floors as
``verify.run``. Every claim is true, so every rejected family is a false alarm.
Printed per setting: rejections, rate, the 99% Wilson interval
(``statsmodels`` ``proportion_confint``), the one-sided binomial p-value of the
rejections against a rate of alpha, and the claims rejected with their counts.
With ``--markdown`` the table for ``docs/verify.md`` follows; ``--floors`` prints
instead each claim's test, observable moments and replicate floor at alpha/m.

Run: ``PYTHONPATH=src nice -n 5 python benchmarks/calibrate_verify.py --runs 200 --workers 2``
(tens of CPU-minutes).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import time

from modelcollapse import verify
from modelcollapse.verify._core import (
    Calibration,
    calibration_seeds,
    claim_floor,
    family_rejections,
    observable_moments,
)

SETTINGS = {
    "quick": {"quick": True},
    "replicates=200": {"replicates": 200},
    "default": {},
}


def _one_run(seed, *, alpha, setting):
    return family_rejections(verify.registry(), alpha=alpha, seed=seed, **SETTINGS[setting])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--floors", action="store_true")
    args = parser.parse_args()
    if args.floors:
        return print_floors(args.alpha)
    seeds = calibration_seeds(args.seed, args.runs)
    rows = []
    with concurrent.futures.ProcessPoolExecutor(args.workers) as pool:
        for setting in args.settings:
            start = time.perf_counter()
            task = functools.partial(_one_run, alpha=args.alpha, setting=setting)
            result = Calibration.from_runs(args.alpha, pool.map(task, seeds), 0.99)
            wall = time.perf_counter() - start
            print(f"[{setting}] {len(verify.registry())} claims, {wall:.0f} s wall\n"
                  f"{result.summary()}", flush=True)
            rows.append((setting, result))
    if args.markdown:
        print("\n| setting | families rejected | rate | 99% Wilson interval "
              "| one-sided binomial p vs alpha | claims rejected (runs) |")
        print("|---|---|---|---|---|---|")
        for setting, r in rows:
            named = ", ".join(f"`{n}` ({c})" for n, c in r.claim_rejections.items()) or "none"
            print(f"| {setting} | {r.rejections}/{r.runs} | {r.rate:.3f} | "
                  f"[{r.interval[0]:.4f}, {r.interval[1]:.4f}] | {r.p_value:.3g} | {named} |")


def print_floors(alpha):
    """Markdown table: each claim's test, moments, floor at alpha/m and default replicates."""
    claims = verify.registry()
    level = alpha / len(claims)
    print(f"| claim | test | skewness | excess kurtosis | floor at alpha/m = {level:.3g} "
          "| default replicates |")
    print("|---|---|---|---|---|---|")
    for claim in claims:
        exact = claim.test in ("proportion", "law")
        skew, kurt = ("", "") if exact else (f"{m:.3g}" for m in observable_moments(claim))
        print(f"| `{claim.name}` | {claim.test} | {skew} | {kurt} | "
              f"{claim_floor(claim, level)} | {claim.replicates} |")


if __name__ == "__main__":
    main()
