"""Benchmark: batched EM (``mixture.fit_em``) against one ``GaussianMixture`` fit per chain.

One generation of the EM chain: ``--chains`` data sets of ``--points`` draws from
a two-component 1-D mixture (``--dim 2``: three components in 2-D), each fitted
from the same start with the same tolerance, iteration cap and floor, by
``mixture.fit_em`` (all chains at once) and by
``sklearn.mixture.GaussianMixture(covariance_type="full")`` in a Python loop.
Prints the best-of-repeats time of each, their ratio, and the largest
difference between the fitted parameters and between the iteration counts.

Run: ``PYTHONPATH=src python benchmarks/bench_mixture.py [--chains 200] [--points 1000]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import best_times
from modelcollapse import mixture

ONE_D = ([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0])
TWO_D = ([0.5, 0.3, 0.2], [[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]],
         [np.eye(2), [[1.0, 0.5], [0.5, 0.8]], [[0.6, -0.2], [-0.2, 0.4]]])


def sklearn_fits(x, start, tol, max_iter):
    from sklearn.mixture import GaussianMixture

    w, m, c = (np.asarray(a, dtype=float) for a in start)
    one_dim = m.ndim == 1
    if one_dim:
        m, c = m[:, None], c[:, None, None]
    out = []
    for data in x:
        gm = GaussianMixture(len(w), covariance_type="full", tol=tol, max_iter=max_iter,
                             weights_init=w, means_init=m, precisions_init=np.linalg.inv(c),
                             init_params="random_from_data", random_state=0)
        gm.fit(data[:, None] if one_dim else data)
        out.append((gm.weights_, gm.means_, gm.covariances_, gm.n_iter_))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=200)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--dim", type=int, choices=(1, 2), default=1)
    parser.add_argument("--tol", type=float, default=1e-3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    truth = ONE_D if args.dim == 1 else TWO_D
    start = (truth[0], np.asarray(truth[1]) + 0.5, np.asarray(truth[2]) * 1.3)
    x = mixture.sample(args.points, *truth, replicates=args.chains, rng=0)

    results = {}

    def batched(_):
        results["batched"] = mixture.fit_em(x, *start, tol=args.tol, max_iter=200)

    def loop(_):
        results["loop"] = sklearn_fits(x, start, args.tol, 200)

    t_batched, t_loop = best_times([batched, loop], args.repeat)
    fit, ref = results["batched"], results["loop"]
    dw = max(np.abs(fit.weights[r] - ref[r][0]).max() for r in range(args.chains))
    dm = max(np.abs(fit.means[r].ravel() - ref[r][1].ravel()).max() for r in range(args.chains))
    dc = max(np.abs(fit.covariances[r].ravel() - ref[r][2].ravel()).max()
             for r in range(args.chains))
    di = max(abs(int(fit.iterations[r]) - ref[r][3]) for r in range(args.chains))
    print(f"{args.chains} chains x {args.points} points, d = {args.dim}, tol = {args.tol}")
    print(f"batched fit_em        {t_batched:8.3f} s")
    print(f"GaussianMixture loop  {t_loop:8.3f} s")
    print(f"ratio (loop / batched) {t_loop / t_batched:7.1f}x")
    print(f"max |difference|: weights {dw:.2e}, means {dm:.2e}, covariances {dc:.2e}, "
          f"iterations {di}")


if __name__ == "__main__":
    main()
