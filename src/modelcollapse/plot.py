r"""Figures of the theory against simulation (matplotlib, imported only when asked for).

Every function returns a :class:`matplotlib.figure.Figure` drawn with the Agg
backend (no display needed): closed forms as lines, Monte Carlo estimates as
points with standard-error bars, and the settings (n, M, sigma, chains) in the
title.

Where a mean is carried by rare chains (:math:`\sigma_n^2` and :math:`W_2^2`
for a constant ``M``), the figures draw the distribution of the chains
(median and 5-95% band), the typical value, the exact mean, and the
simulated mean with a Chebyshev interval from the exact (or bounded)
variance: a normal-theory standard error would understate how far such a
sample mean can fall below the truth, and the figure says so.
"""

from __future__ import annotations

import textwrap

import numpy as np
from scipy import stats

from . import discrete, gaussian, policies, regression
from .schedule import Constant, Linear, Power, sizes_at_least

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


#: Chebyshev: |mean - E| < k sd / sqrt(R) with probability >= 1 - 1/k^2 = 0.95, for any law.
_CHEBYSHEV_K = np.sqrt(20.0)

_RARE_CHAINS = ("Why the simulated mean lags the exact mean: the mean is carried by rare "
                "chains with huge values, which R chains seldom contain. This is no "
                "refutation: the 95% Chebyshev interval (exact variance) covers the exact mean.")


def _settings(**values):
    """``"n = 200, M = 10, σ = 1, R = 20000 chains"`` for a figure title."""
    names = {"sigma": "σ", "replicates": "R"}
    parts = [f"{names.get(k, k)} = {v:g}" if isinstance(v, float) else f"{names.get(k, k)} = {v}"
             for k, v in values.items()]
    return ", ".join(parts) + (" chains" if "replicates" in values else "")


def _w2_squared_sd_bound(gens, M, sigma):
    r"""An upper bound on the standard deviation of :math:`W_2^2` after ``gens`` fits.

    :math:`W_2^2 = A + B` with :math:`A = (\mu_n - \mu)^2` and
    :math:`B = (\sigma_n - \sigma)^2` (unbiased fit, replace). Given the fitted
    variances, :math:`\mu_n - \mu \sim N(0, S)` with
    :math:`S = \sum_{i<n}\sigma_i^2/M_i`, so :math:`E[A^2] = 3E[S^2]`, and
    :math:`E[\sigma_i^2\sigma_j^2] = E[\sigma_i^4]` for :math:`i \le j`
    (a mean-one martingale factor): both moments are exact, and
    :math:`\mathrm{sd}(A + B) \le \mathrm{sd}(A) + \mathrm{sd}(B)`.
    """
    last = int(np.max(gens))
    sizes = np.asarray(sizes_at_least(M, last, 2)[1], dtype=np.float64)
    i = np.arange(last)
    c = gaussian.sigma_moment(i, M, 4, sigma) / sizes  # E[sigma_i^4] / M_i
    h = np.concatenate([[0.0], np.cumsum(1.0 / sizes)])  # h[j] = sum_{l<j} 1/M_l
    # E[S_n^2] = sum_{i<n} c_i / M_i + 2 sum_{i<n} c_i (h[n] - h[i+1]), as prefix sums.
    prefix = np.concatenate([[0.0], np.cumsum(c * (1.0 / sizes - 2.0 * h[1:]))])
    s2 = prefix[gens] + 2.0 * h[gens] * np.concatenate([[0.0], np.cumsum(c)])[gens]
    var_a = 3.0 * s2 - (sigma**2 * h[gens]) ** 2
    moments = [gaussian.sigma_moment(gens, M, p, sigma) for p in (1, 2, 3, 4)]
    b2 = (moments[3] - 4 * sigma * moments[2] + 6 * sigma**2 * moments[1]
          - 4 * sigma**3 * moments[0] + sigma**4)
    mean_b = moments[1] - 2 * sigma * moments[0] + sigma**2
    return np.sqrt(np.maximum(var_a, 0.0)) + np.sqrt(np.maximum(b2 - mean_b**2, 0.0))


def _rare_chain_mean(ax, gens, values, exact_mean, exact_sd, *, color, label, typical=None):
    """Distribution, typical value, exact mean and simulated mean of a heavy-tailed quantity.

    ``values`` has one row per chain, one column per entry of ``gens``.
    """
    replicates = values.shape[0]
    low, median, high = np.quantile(values, [0.05, 0.5, 0.95], axis=0)
    ax.fill_between(gens, low, high, color=color, alpha=0.15, lw=0,
                    label=f"{label}: 5-95% of chains (sim)")
    ax.plot(gens, median, ":", color=color, label=f"{label}: median (sim)")
    if typical is not None:
        ax.plot(gens, typical, "-.", color=color, lw=1,
                label=f"{label}: typical value (closed form)")
    ax.plot(gens, exact_mean, "-", color=color, label=f"{label}: exact mean (closed form)")
    mean = values.mean(axis=0)
    half = _CHEBYSHEV_K * exact_sd / np.sqrt(replicates)
    bottom = low[low > 0].min() / 10
    top = 30 * max(high.max(), np.max(exact_mean))
    # The interval's lower end is often <= 0 (off a log axis): shade it down to the bottom.
    ax.fill_between(gens, np.maximum(mean - half, bottom), np.minimum(mean + half, top),
                    facecolor="none", edgecolor=color, hatch="////", lw=0, alpha=0.35,
                    label=f"{label}: 95% Chebyshev interval of the mean")
    ax.plot(gens, mean, "o", ms=2.5, color=color, label=f"{label}: mean of {replicates} chains")
    ax.set_ylim(bottom, top)


#: A legend under its panel, so that it hides no data.
_BELOW = {"fontsize": "x-small", "loc": "upper center", "bbox_to_anchor": (0.5, -0.13)}


def _legend_and_note(ax, note):
    """The legend right of the axes, and ``note`` under it."""
    legend = ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                       borderaxespad=0)
    ax.text(1.02, 0.0, textwrap.fill(note, 46), transform=ax.transAxes, ha="left",
            va="bottom", fontsize="x-small")
    return legend


def variance_growth(n=20, M=10, *, sigma=1.0, replicates=20_000, rng=0):
    r"""Var(X^n_j) against n: the line :math:`\sigma^2(1 + n/M)` and Monte Carlo with s.e."""
    chain = gaussian.simulate(n, M, sigma=sigma, replicates=replicates, rng=rng)
    y = (chain.mu - 0.0) ** 2 + chain.sigma2  # E[(X^n - mu)^2 | model n]
    gens = np.arange(n + 1)
    fig, ax = _figure()
    ax.plot(gens, gaussian.sample_variance(gens, M, sigma), label=r"closed form $\sigma^2(1+n/M)$")
    ax.errorbar(gens, y.mean(axis=0), yerr=y.std(axis=0, ddof=1) / np.sqrt(replicates), fmt="o",
                ms=3, capsize=2, label=f"simulation ({replicates} chains, ±1 s.e.)")
    ax.set(title="Linear variance growth: " + _settings(n=n, M=M, sigma=sigma,
                                                          replicates=replicates),
           xlabel="generation $n$",
           ylabel=r"$\mathrm{Var}(X^n_j)$")
    ax.legend()
    return fig


def sigma_collapse(n=200, M=10, *, sigma=1.0, replicates=20_000, rng=0):
    r""":math:`E[\sigma_n^2] = \sigma^2` stays while the typical :math:`\sigma_n^2` collapses.

    The chains' median and 5-95% band against the typical value
    :math:`\exp E[\log\sigma_n^2]`, the exact mean and
    :math:`E[\sigma_n]^2`, and the simulated mean with a 95% Chebyshev
    interval from the exact :func:`~modelcollapse.gaussian.sigma2_variance`.
    """
    chain = gaussian.simulate(n, M, sigma=sigma, replicates=replicates, rng=rng)
    gens = np.arange(n + 1)
    sub = gens[:: max(1, n // 40)]
    fig, ax = _figure()
    fig.set_size_inches(10.5, 5.0)
    _rare_chain_mean(ax, sub, chain.sigma2[:, sub], gaussian.sigma_moment(sub, M, 2, sigma),
                     np.sqrt(gaussian.sigma2_variance(sub, M, sigma)), color="C0",
                     label=r"$\sigma_n^2$", typical=gaussian.typical_sigma2(sub, M, sigma))
    ax.plot(gens, gaussian.sigma_moment(gens, M, 1, sigma) ** 2, "--", color="C1",
            label=r"$E[\sigma_n]^2$ (closed form)")
    ax.set_yscale("log")
    ax.set(title="The fitted variance collapses almost surely while its mean stays\n"
                 + _settings(n=n, M=M, sigma=sigma, replicates=replicates),
           xlabel="generation $n$", ylabel=r"fitted variance $\sigma_n^2$")
    _legend_and_note(ax, _RARE_CHAINS)
    return fig


def w2_schedules(n=1000, M0=10, *, sigma=1.0, replicates=2000, rng=0):
    r""":math:`E[W_2^2]` against n, bounded iff :math:`\sum_i 1/M_i < \infty`.

    Constant ``M0`` (grows linearly; its mean is carried by rare chains, so
    the chains' distribution and the mean's Chebyshev interval are drawn),
    linear ``M0 (i + 1)`` (grows like :math:`\log n`) and ``ceil(M0 (i + 1)^2)``
    (bounded), closed forms against simulation (±1 s.e. for the two growing
    schedules, whose :math:`W_2^2` is light-tailed).
    """
    gens = np.unique(np.geomspace(1, n, 40).astype(int))
    fig, ax = _figure()
    fig.set_size_inches(10.5, 5.0)
    constant = Constant(M0)
    chain = gaussian.simulate(n, constant, sigma=sigma, replicates=replicates, rng=rng)
    w2 = chain.mu[:, gens] ** 2 + (np.sqrt(chain.sigma2[:, gens]) - sigma) ** 2
    _rare_chain_mean(ax, gens, w2, gaussian.expected_w2_squared(gens, constant, sigma),
                     _w2_squared_sd_bound(gens, constant, sigma), color="C0",
                     label=f"constant M = {M0}")
    for schedule, label, color in (
        (Linear(M0), f"linear $M_i = {M0}(i+1)$", "C1"),
        (Power(M0, 2.0), f"$M_i = \\lceil {M0}(i+1)^2 \\rceil$", "C2"),
    ):
        ax.plot(gens, gaussian.expected_w2_squared(gens, schedule, sigma), color=color,
                label=f"{label}: exact mean (closed form)")
        chain = gaussian.simulate(n, schedule, sigma=sigma, replicates=replicates, rng=rng)
        values = chain.mu[:, gens] ** 2 + (np.sqrt(chain.sigma2[:, gens]) - sigma) ** 2
        _mean_and_error(ax, gens, values, color=color, label=f"{label}: mean (sim) ±1 s.e.")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(title="E[W2²] to the truth: bounded iff Σ 1/M_i < ∞ (super-linear M_i is not "
                 "enough)\n" + _settings(n=n, sigma=sigma, replicates=replicates)
                 + " per schedule",
           xlabel="generation $n$", ylabel=r"$W_2^2(N(\mu_n,\sigma_n^2), N(\mu,\sigma^2))$")
    _legend_and_note(ax, _RARE_CHAINS.replace("exact variance", "variance bound"))
    return fig


def quantile_plot(sample, distribution, *, title="QQ-plot", xlabel="closed-form quantile",
                  ylabel="sample quantile"):
    """QQ-plot of ``sample`` against a frozen scipy ``distribution``, with the identity line."""
    sample = np.asarray(sample, dtype=np.float64).ravel()
    size = sample.size
    # At most 400 quantiles: enough for the eye, and ppf may be costly (a VG ppf inverts a
    # quadrature cdf).
    probs = (np.arange(min(sample.size, 400)) + 0.5) / min(sample.size, 400)
    sample = np.quantile(sample, probs)
    theory = distribution.ppf(probs)
    fig, ax = _figure()
    ax.plot(theory, sample, ".", ms=2, label=f"sample quantiles ({size} draws)")
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
    ax.plot(gens, discrete.expected_support(gens, M, p0),
            label="E[support] (closed form), left axis")
    ax.errorbar(gens[::5], support.mean(axis=0)[::5],
                yerr=support.std(axis=0, ddof=1)[::5] / np.sqrt(replicates), fmt="o", ms=2,
                label="support (simulation ±1 s.e.), left axis")
    ax.set(title=f"Rare categories vanish first (Zipf s = {s}, K = {K})\n"
                 + _settings(n=n, M=M, replicates=replicates),
           xlabel="generation $n$", ylabel="categories alive (solid, points)")
    twin = ax.twinx()
    twin.plot(gens, entropy.mean(axis=0), "C2--", label="entropy (simulation mean), right axis")
    twin.set_ylabel("Shannon entropy in nats (dashed)", color="C2")
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

    Returns one :class:`~matplotlib.figure.Figure` with the three panels.
    """
    fig, _ = _figure()
    fig.clear()
    fig.set_size_inches(15, 7.5)
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
        if policy == "replace" and f == 0:
            _rare_chain_mean(gauss, sub, w2, gaussian.expected_w2_squared(sub, M, sigma),
                             _w2_squared_sd_bound(sub, M, sigma), color=color, label=label)
            continue
        _mean_and_error(gauss, sub, w2, color=color, label=f"{label} (sim)")
        if policy != "accumulate-subsample":
            a = policies.gaussian_mean_squared_error(gens, M, sigma, policy=policy, fresh=f)
            v = policies.gaussian_sigma2_mean(gens, M, sigma, policy=policy, fresh=f)
            gauss.plot(gens, a + (np.sqrt(v) - sigma) ** 2, color=color,
                       label=f"{label} (lower bound)")
    gauss.set_yscale("log")
    gauss.set(title="1-D Gaussian: " + _settings(n=n, M=M, sigma=sigma, replicates=replicates)
              + f"\n({replicates // 4} for accumulate-subsample)", xlabel="generation $n$",
              ylabel=r"$W_2^2(N(\mu_n, \sigma_n^2), D_0)$")
    gauss.legend(**_BELOW, title=textwrap.fill(
        "replace: the simulated mean lags the exact mean, which is carried by rare chains; "
        "the 95% Chebyshev interval (variance bound) covers it", 60), title_fontsize="x-small")

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
        _mean_and_error(disc, dsub, het / h0, color=color,
                        label=f"{label}: heterozygosity (sim)")
        support = chain.support_size()[:, dsub] / K
        _mean_and_error(disc, dsub, support, color=color, marker="s", mfc="none",
                        label=f"{label}: support (sim)")
        entropy = chain.entropy()[:, dsub] / chain.entropy()[0, 0]
        disc.plot(dsub, entropy.mean(axis=0), ":", color=color, label=f"{label}: entropy (sim)")
        if f == 0:
            disc.plot(dgens, discrete.expected_support(dgens, m_disc, p0) / K, "--", color=color,
                      label=f"{label}: support (closed form)")
    disc.set(title=f"Discrete Zipf(1.1), K = {K}: "
                   + _settings(n=n_disc, M=m_disc, replicates=replicates // 10),
             xlabel="generation $n$",
             ylabel="relative to the truth", ylim=(0, 1.05))
    disc.legend(**_BELOW)

    d, T, n_reg = 10, 30, min(n, 30)
    rgens = np.arange(n_reg + 1)
    for policy, color in (("replace", "C3"), ("accumulate", "C0")):
        chain = regression.simulate(n_reg, d, T, sigma=sigma, policy=policy,
                                    replicates=replicates // 10, rng=rng)
        reg.plot(rgens, regression.expected_test_error(rgens, d, T, sigma=sigma, policy=policy),
                 color=color, label=f"{policy} (closed form)")
        _mean_and_error(reg, rgens, chain.test_error, color=color,
                        label=f"{policy} (sim) ±1 s.e.")
    reg.axhline(np.pi**2 / 6 * sigma**2 * d / (T - d - 1), color="C0", ls=":", lw=0.8,
                label=r"$(\pi^2/6)\,\sigma^2 d/(T-d-1)$")
    reg.set(title=f"Least squares (fixed design), d = {d}, T = {T}:\n"
                  + _settings(n=n_reg, sigma=sigma, replicates=replicates // 10),
            xlabel="generation $n$",
            ylabel=r"test error $\|w_n - w_0\|_\Sigma^2$")
    reg.legend(**_BELOW)
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
    ax.set(title="A fresh generation-one draw is variance-gamma\n"
                 + _settings(n=1, M=M, sigma=sigma, replicates=replicates),
           xlabel=r"$X^1_j - \mu_1$", ylabel="density")
    ax.legend(fontsize="small")
    return fig
