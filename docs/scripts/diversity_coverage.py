"""Bias and coverage of the diversity estimators in docs/estimate.md (500 samples per case).

Run: PYTHONPATH=src python docs/scripts/diversity_coverage.py
"""

import numpy as np
from scipy import special

from modelcollapse import discrete
from modelcollapse import estimate as est

R = 500
CASES = [
    ("uniform K = 300", np.full(300, 1 / 300), 400),
    ("uniform K = 300", np.full(300, 1 / 300), 1000),
    ("Zipf(1) K = 500", discrete.zipf_p0(500), 2000),
    ("Zipf(0.5) K = 200", discrete.zipf_p0(200, 0.5), 1000),
    ("Zipf(1) K = 2000", discrete.zipf_p0(2000), 1000),
]


def main():
    print("| law | T | mean N1 | missing mass | D0 Chao1 | D1 CWJ | D2 | D0 / D1 plug-in |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, p, T in CASES:
        counts = np.random.default_rng(1).multinomial(T, p, size=R)
        truth = [p.size, np.exp(-special.xlogy(p, p).sum()), 1 / np.sum(p * p)]
        mm = [est.missing_mass(c) for c in counts]
        unseen = [p[c == 0].sum() for c in counts]
        cover_mm = np.mean([m.ci[0] <= u <= m.ci[1] for m, u in zip(mm, unseen, strict=True)])
        hill = [est.hill_numbers(c) for c in counts]
        plug = [est.hill_numbers(c, q=(0, 1), method="plug-in") for c in counts]
        cover = [np.mean([h.ci[0][q] <= truth[q] <= h.ci[1][q] for h in hill]) for q in range(3)]
        bias = [np.mean([h.estimate[q] for h in hill]) / truth[q] - 1 for q in range(3)]
        plug_bias = [np.mean([h.estimate[q] for h in plug]) / truth[q] - 1 for q in range(2)]
        n1 = np.mean([m.singletons for m in mm])
        cells = " | ".join(f"{c:.3f} ({b:+.1%})" for c, b in zip(cover, bias, strict=True))
        print(f"| {label} | {T} | {n1:.0f} | {cover_mm:.3f} | {cells} | "
              f"{plug_bias[0]:+.1%} / {plug_bias[1]:+.1%} |")


if __name__ == "__main__":
    main()
