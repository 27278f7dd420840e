"""Figures of the theory against simulation (matplotlib, imported only when asked for).

Every function returns a :class:`matplotlib.figure.Figure` drawn with the Agg
backend (no display needed): closed forms as lines, Monte Carlo estimates as
points with standard-error bars.
"""

from __future__ import annotations

import numpy as np

from . import discrete, gaussian
from .schedule import Constant, Linear, Power

__all__ = [
    "discrete_diversity",
    "quantile_plot",
    "sigma_collapse",
    "variance_growth",
    "w2_schedules",
]


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    return fig, fig.add_subplot()


def variance_growth(n=20, M=10, *, sigma=1.0, replicates=20_000, rng=0):
    r"""Var(X^n_j) against n: the line :math:`\sigma^2(1 + n/M)` and Monte Carlo with s.e."""
    chain = gaussian.simulate(n, M, sigma=sigma, replicates=replicates, rng=rng)
    y = (chain.mu - 0.0) ** 2 + chain.sigma2  # E[(X^n - mu)^2 | model n]
    gens = np.arange(n + 1)
    fig, ax = _figure()
    ax.plot(gens, gaussian.sample_variance(gens, M, sigma), label=r"closed form $\sigma^2(1+n/M)$")
    ax.errorbar(gens, y.mean(axis=0), yerr=y.std(axis=0, ddof=1) / np.sqrt(replicates), fmt="o",
                ms=3, capsize=2, label=f"simulation ({replicates} chains, ±1 s.e.)")
    ax.set(title=f"Linear variance growth (M = {M})", xlabel="generation $n$",
           ylabel=r"$\mathrm{Var}(X^n_j)$")
    ax.legend()
    return fig


def sigma_collapse(n=200, M=10, *, sigma=1.0, replicates=20_000, rng=0):
    r""":math:`E[\sigma_n^2]` stays while the median :math:`\sigma_n^2` collapses."""
    chain = gaussian.simulate(n, M, sigma=sigma, replicates=replicates, rng=rng)
    gens = np.arange(n + 1)
    fig, ax = _figure()
    ax.semilogy(gens, gaussian.sigma_moment(gens, M, 2, sigma), label=r"$E[\sigma_n^2]$ (closed)")
    ax.semilogy(gens, gaussian.sigma_moment(gens, M, 1, sigma) ** 2,
                label=r"$E[\sigma_n]^2$ (closed)")
    ax.semilogy(gens, gaussian.typical_sigma2(gens, M, sigma), "--",
                label=r"typical $\exp E[\log\sigma_n^2]$ (closed)")
    ax.semilogy(gens, np.median(chain.sigma2, axis=0), ".", ms=3,
                label=r"median $\sigma_n^2$ (sim)")
    ax.semilogy(gens, chain.sigma2.mean(axis=0), ".", ms=3, label=r"mean $\sigma_n^2$ (sim)")
    ax.set(title=f"The fitted variance collapses almost surely (M = {M})",
           xlabel="generation $n$", ylabel=r"$\sigma_n^2$")
    ax.legend(fontsize="small")
    return fig


def w2_schedules(n=1000, M0=10, *, sigma=1.0, replicates=2000, rng=0):
    r"""E[W2^2] against n for constant, linear and super-linear (a = 2) schedules."""
    gens = np.unique(np.geomspace(1, n, 40).astype(int))
    fig, ax = _figure()
    for schedule, label in ((Constant(M0), "constant"), (Linear(M0), "linear"),
                            (Power(M0, 2.0), "power a = 2")):
        line = ax.loglog(gens, gaussian.expected_w2_squared(gens, schedule, sigma),
                         label=f"{label} (closed form)")
        chain = gaussian.simulate(n, schedule, sigma=sigma, replicates=replicates, rng=rng)
        w2 = chain.mu[:, gens] ** 2 + (np.sqrt(chain.sigma2[:, gens]) - sigma) ** 2
        ax.errorbar(gens, w2.mean(axis=0), yerr=w2.std(axis=0, ddof=1) / np.sqrt(replicates),
                    fmt="o", ms=2, color=line[0].get_color(), alpha=0.6)
    ax.set(title="E[W2²] to the truth: bounded iff Σ 1/M_i converges",
           xlabel="generation $n$", ylabel=r"$E[W_2^2(N(\mu_n,\sigma_n^2), N(\mu,\sigma^2))]$")
    ax.legend(title="points: simulation ±1 s.e.", fontsize="small")
    return fig


def quantile_plot(sample, distribution, *, title="QQ-plot", xlabel="closed-form quantile",
                  ylabel="sample quantile"):
    """QQ-plot of ``sample`` against a frozen scipy ``distribution``, with the identity line."""
    sample = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    probs = (np.arange(sample.size) + 0.5) / sample.size
    theory = distribution.ppf(probs)
    fig, ax = _figure()
    ax.plot(theory, sample, ".", ms=2, label="sample")
    lims = [min(theory[0], sample[0]), max(theory[-1], sample[-1])]
    ax.plot(lims, lims, "k-", lw=0.8, label="identity")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return fig


def discrete_diversity(n=200, M=100, K=50, *, s=1.1, replicates=200, rng=0):
    """Support size and Shannon entropy of a Zipf(s) categorical chain against n.

    The expected support is the closed form
    :func:`~modelcollapse.discrete.expected_support`; entropy is shown as the
    Monte Carlo mean with ±1 s.e. (it has no closed form).
    """
    p0 = discrete.zipf_p0(K, s)
    chain = discrete.simulate(n, M, p0, replicates=replicates, rng=rng)
    gens = np.arange(n + 1)
    support = chain.support_size()
    entropy = chain.entropy()
    fig, ax = _figure()
    ax.plot(gens, discrete.expected_support(gens, M, p0), label="E[support] (closed form)")
    ax.errorbar(gens[::5], support.mean(axis=0)[::5],
                yerr=support.std(axis=0, ddof=1)[::5] / np.sqrt(replicates), fmt="o", ms=2,
                label="support (simulation ±1 s.e.)")
    ax.set(title=f"Rare categories vanish first (Zipf s = {s}, K = {K}, M = {M})",
           xlabel="generation $n$", ylabel="categories alive")
    twin = ax.twinx()
    twin.plot(gens, entropy.mean(axis=0), "C2--", label="entropy (simulation mean)")
    twin.set_ylabel("Shannon entropy (nats)")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize="small")
    return fig
