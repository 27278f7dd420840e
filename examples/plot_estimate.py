"""Figure of docs/estimate.md from the shipped example CSVs.

Run from the checkout: ``PYTHONPATH=src python examples/plot_estimate.py``.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from modelcollapse import estimate, gaussian

HERE = Path(__file__).parent


def main():
    freqs = np.loadtxt(HERE / "example_frequencies.csv", delimiter=",", skiprows=1)[:, 1:]
    variances = np.loadtxt(HERE / "example_variances.csv", skiprows=1)
    ess = estimate.effective_sample_size(freqs, sample_sizes=1000)
    rate = estimate.gaussian_collapse_rate(variances)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    left.plot(freqs, lw=1)
    left.set(xlabel="generation", ylabel="observed frequency (S = 1000)",
             title=f"categorical loop, M = 200: M-hat = {ess.estimate:.0f}\n"
                   f"95% CI [{ess.ci[0]:.0f}, {ess.ci[1]:.0f}]")
    t = np.arange(variances.size)
    left_y = np.log(variances)
    right.plot(t, left_y, ".", ms=3, label="log fitted variance")
    right.plot(t, rate.estimate * t, label=f"fitted drift {rate.estimate:+.3f}/gen")
    right.plot(t, gaussian.log_variance_drift(25) * t, "--", label="theory, M = 25")
    right.set(xlabel="generation", title=f"Gaussian loop: p(no collapse) = {rate.p_value:.2f}")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE.parent / "docs" / "estimate.png", dpi=80)


if __name__ == "__main__":
    main()
