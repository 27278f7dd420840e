"""Make the example data sets of ``modelcollapse estimate`` with the package's own simulators.

Run from the checkout: ``PYTHONPATH=src python examples/make_example_loop.py``.

* ``example_frequencies.csv``: one categorical loop, K = 12 Zipf categories,
  M = 200 draws per generation, 40 generations; each row is the frequency of
  the categories in S = 1000 fresh draws of that generation's model (what you
  measure when you sample a corpus rather than count it all).
* ``example_variances.csv``: one 1-D Gaussian loop, M = 25, 60 generations;
  each row is the variance of that generation's fitted model.
"""

from pathlib import Path

import numpy as np

from modelcollapse import discrete, gaussian

HERE = Path(__file__).parent
S = 1000


def main():
    rng = np.random.default_rng(2024)
    chain = discrete.simulate(40, 200, discrete.zipf_p0(12), rng=rng)
    observed = rng.multinomial(S, chain.p[0]) / S
    header = "generation," + ",".join(f"c{k}" for k in range(observed.shape[1]))
    rows = np.column_stack([np.arange(observed.shape[0]), observed])
    np.savetxt(HERE / "example_frequencies.csv", rows, delimiter=",", header=header,
               comments="", fmt=["%d"] + ["%.3f"] * observed.shape[1])
    loop = gaussian.simulate(60, 25, rng=rng)
    np.savetxt(HERE / "example_variances.csv", loop.sigma2[0], header="variance", comments="",
               fmt="%.10g")


if __name__ == "__main__":
    main()
