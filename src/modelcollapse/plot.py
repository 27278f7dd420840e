"""Figures of the theory against simulation (matplotlib, imported only when asked for).

Every function returns a :class:`matplotlib.figure.Figure` drawn with the Agg
backend (no display needed): closed forms as lines, Monte Carlo estimates as
points with standard-error bars.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from . import discrete, gaussian, policies, regression
from ._policy import check_fresh
from ._validate import check_int, check_positive, check_real
from .schedule import Constant, Linear, Power

__all__ = [
    "data_policies",
    "discrete_diversity",
    "generation_one_law",
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


def _replicates(value, minimum=2):
    """``replicates``, enough chains for every standard-error bar of a figure."""
    return check_int("replicates", value, minimum=minimum, why=" (standard-error bars)")


def variance_growth(n=20, M=10, *, sigma=1.0, replicates=20_000, rng=0):
    r"""Var(X^n_j) against n: the line :math:`\sigma^2(1 + n/M)` and Monte Carlo with s.e."""
    replicates = _replicates(replicates)
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
    replicates = _replicates(replicates)
    n = check_int("n", n, minimum=1)
    M0 = check_int("M0", M0, minimum=2, why=" (the first sample size)")
    sigma = check_positive("sigma", sigma, scalar=True)
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
    if not callable(getattr(distribution, "ppf", None)):
        raise TypeError("distribution must be a frozen scipy.stats distribution (with a ppf), "
                        f"got distribution={distribution!r}")
    sample = check_real("sample", sample).ravel()
    if sample.size == 0:
        raise ValueError("sample must hold at least one value for a QQ-plot, got an empty sample")
    # At most 400 quantiles: enough for the eye, and ppf may be costly (a VG ppf inverts a
    # quadrature cdf).
    probs = (np.arange(min(sample.size, 400)) + 0.5) / min(sample.size, 400)
    sample = np.quantile(sample, probs)
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
    replicates = _replicates(replicates)
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


def _mean_and_error(ax, x, y, *, marker="o", **kw):
    """Monte Carlo mean of the rows of ``y`` at ``x`` with ±1 s.e. bars."""
    ax.errorbar(x, y.mean(axis=0), yerr=y.std(axis=0, ddof=1) / np.sqrt(y.shape[0]), fmt=marker,
                ms=2.5, capsize=1.5, alpha=0.75, **kw)


def data_policies(n=100, M=10, *, fresh=0.1, sigma=1.0, replicates=2000, rng=0):
    r"""What data is worth keeping: each model's distance to the truth under each data policy.

    Three panels against the generation :math:`n`, closed forms as lines and
    Monte Carlo means (±1 s.e.) as points:

    * 1-D Gaussian, :math:`W_2^2(N(\mu_n, \sigma_n^2), D_0)` under replace,
      accumulate, accumulate-subsample and a fresh fraction: for replace the
      exact :func:`~modelcollapse.gaussian.expected_w2_squared`; for the others
      the lower bound :math:`a_n + (\sqrt{v_n} - \sigma)^2` of
      :mod:`modelcollapse.policies` (Jensen: :math:`E\sigma_n \le \sqrt{v_n}`),
      whose mean term :math:`a_n` is exact.
    * Discrete Zipf chain (K = 50, M = 100), replace against a fresh fraction:
      heterozygosity :math:`E[H_n]/H_0` (closed forms), support (closed form for
      replace) and entropy (simulation), each relative to the truth.
    * Least squares (d = 10, T = 30), replace and accumulate: expected test
      error :math:`n\sigma^2 d/(T-d-1)` against
      :math:`\sigma^2 d/(T-d-1)\sum_{k\le n}1/k^2`.

    Returns one :class:`~matplotlib.figure.Figure` with the three panels
    (``replicates >= 20``: a tenth of them run the discrete and regression chains).
    """
    replicates = _replicates(replicates, 20)
    n = check_int("n", n, minimum=1)
    fresh = check_fresh(fresh)
    sigma = check_positive("sigma", sigma, scalar=True)
    fig, _ = _figure()
    fig.clear()
    fig.set_size_inches(15, 4.4)
    gauss, disc, reg = fig.subplots(1, 3)
    gens = np.arange(n + 1)
    sub = gens[:: max(1, n // 25)]

    runs = (("replace", 0.0, "replace"), ("accumulate", 0.0, "accumulate"),
            ("accumulate-subsample", 0.0, "accumulate-subsample"),
            ("replace", fresh, f"{fresh:.0%} fresh"))
    for (policy, f, label), color in zip(runs, ("C3", "C0", "C1", "C2"), strict=True):
        # The subsample holds and sorts the whole pool: a quarter of the chains.
        pooled = policy == "accumulate-subsample"
        chain = gaussian.simulate(n, M, sigma=sigma, replicates=replicates // 4 if pooled
                                  else replicates, policy=policy, fresh=f,
                                  method="samples" if pooled else "sufficient", rng=rng)
        w2 = chain.mu[:, sub] ** 2 + (np.sqrt(chain.sigma2[:, sub]) - sigma) ** 2
        _mean_and_error(gauss, sub, w2, color=color)
        if policy == "replace" and f == 0:
            gauss.plot(gens, gaussian.expected_w2_squared(gens, M, sigma), color=color,
                       label=f"{label} (exact)")
        elif policy != "accumulate-subsample":
            a = policies.gaussian_mean_squared_error(gens, M, sigma, policy=policy, fresh=f)
            v = policies.gaussian_sigma2_mean(gens, M, sigma, policy=policy, fresh=f)
            gauss.plot(gens, a + (np.sqrt(v) - sigma) ** 2, color=color,
                       label=f"{label} (lower bound)")
        else:
            gauss.plot([], [], "o", ms=2.5, color=color, label=f"{label} (simulation only)")
    gauss.set_yscale("log")
    gauss.set(title=f"1-D Gaussian, M = {M}", xlabel="generation $n$",
              ylabel=r"$W_2^2(N(\mu_n, \sigma_n^2), D_0)$")
    gauss.legend(fontsize="small", title="points: simulation ±1 s.e.", title_fontsize="small")

    K, m_disc, n_disc = 50, 100, 2 * n
    p0 = discrete.zipf_p0(K, 1.1)
    dgens = np.arange(n_disc + 1)
    dsub = dgens[:: max(1, n_disc // 25)]
    h0 = 1 - np.sum(p0**2)
    for f, color, label in ((0.0, "C3", "replace"), (fresh, "C2", f"{fresh:.0%} fresh")):
        chain = discrete.simulate(n_disc, m_disc, p0, replicates=replicates // 10, fresh=f,
                                  rng=rng)
        het = 1 - np.sum(chain.p[:, dsub] ** 2, axis=-1)
        disc.plot(dgens, policies.discrete_heterozygosity(dgens, m_disc, p0, fresh=f) / h0,
                  color=color, label=f"{label}: heterozygosity (closed form)")
        _mean_and_error(disc, dsub, het / h0, color=color)
        support = chain.support_size()[:, dsub] / K
        _mean_and_error(disc, dsub, support, color=color, marker="s", mfc="none")
        entropy = chain.entropy()[:, dsub] / chain.entropy()[0, 0]
        disc.plot(dsub, entropy.mean(axis=0), ":", color=color, label=f"{label}: entropy (sim)")
        if f == 0:
            disc.plot(dgens, discrete.expected_support(dgens, m_disc, p0) / K, "--", color=color,
                      label=f"{label}: support (closed form; squares: sim)")
    disc.set(title=f"Discrete Zipf(1.1), K = {K}, M = {m_disc}", xlabel="generation $n$",
             ylabel="relative to the truth", ylim=(0, 1.05))
    disc.legend(fontsize="x-small")

    d, T, n_reg = 10, 30, min(n, 30)
    rgens = np.arange(n_reg + 1)
    for policy, color in (("replace", "C3"), ("accumulate", "C0")):
        chain = regression.simulate(n_reg, d, T, sigma=sigma, policy=policy,
                                    replicates=replicates // 10, rng=rng)
        reg.plot(rgens, regression.expected_test_error(rgens, d, T, sigma=sigma, policy=policy),
                 color=color, label=f"{policy} (closed form)")
        _mean_and_error(reg, rgens, chain.test_error, color=color)
    reg.axhline(np.pi**2 / 6 * sigma**2 * d / (T - d - 1), color="C0", ls=":", lw=0.8,
                label=r"$(\pi^2/6)\,\sigma^2 d/(T-d-1)$")
    reg.set(title=f"Least squares, d = {d}, T = {T} (fixed design)", xlabel="generation $n$",
            ylabel=r"test error $\|w_n - w_0\|_\Sigma^2$")
    reg.legend(fontsize="small")
    fig.suptitle("What data is worth keeping: replace collapses; accumulating or fresh real "
                 "data keeps the model near the truth")
    return fig


def generation_one_law(M=5, *, sigma=1.0, replicates=20_000, rng=0):
    r"""The variance-gamma law of :math:`X^1_j - \mu_1` over a histogram of simulated draws."""
    chain = gaussian.simulate(1, M, sigma=sigma, replicates=replicates, rng=rng)
    x = chain.draw(1, rng=rng)[:, 0] - chain.mu[:, 1]
    law = gaussian.generation_law(M, sigma)
    grid = np.linspace(-5 * sigma, 5 * sigma, 801)
    grid = grid[grid != 0]  # the VG density is infinite at 0 for M <= 2
    fig, ax = _figure()
    ax.hist(x, bins=160, range=(-5 * sigma, 5 * sigma), density=True, color="0.8",
            label=f"simulated $X^1_j - \\mu_1$ ({replicates} chains)")
    ax.plot(grid, law.pdf(grid), label=f"variance-gamma, $\\lambda = {(M - 1) / 2:g}$")
    ax.plot(grid, stats.norm.pdf(grid, scale=sigma), "--",
            label=r"$N(0, \sigma^2)$, same variance")
    ax.set(title=f"A fresh generation-one draw is variance-gamma (M = {M})",
           xlabel=r"$X^1_j - \mu_1$", ylabel="density")
    ax.legend(fontsize="small")
    return fig
