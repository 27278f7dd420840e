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

from . import discrete, gaussian, kde, misspecified, policies, regression
from ._policy import check_fresh
from ._validate import check_int, check_positive, check_real, check_scalar
from .schedule import Constant, Linear, Power, sizes_at_least

__all__ = [
    "data_policies",
    "discrete_diversity",
    "functional_approximation",
    "generation_one_law",
    "mad_phase_diagram",
    "mixture_trajectory",
    "quantile_plot",
    "self_distillation",
    "sigma_collapse",
    "tails_sampling",
    "variance_growth",
    "w2_schedules",
    "zipf_scaling",
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
    replicates = _replicates(replicates)
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
    replicates = _replicates(replicates)
    n = check_int("n", n, minimum=1)
    M0 = check_int("M0", M0, minimum=2, why=" (the first sample size)")
    sigma = check_positive("sigma", sigma, scalar=True)
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
    if not callable(getattr(distribution, "ppf", None)):
        raise TypeError("distribution must be a frozen scipy.stats distribution (with a ppf), "
                        f"got distribution={distribution!r}")
    sample = check_real("sample", sample).ravel()
    if sample.size == 0:
        raise ValueError("sample must hold at least one value for a QQ-plot, got an empty sample")
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
    replicates = _replicates(replicates)
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

    Returns one :class:`~matplotlib.figure.Figure` with the three panels
    (``replicates >= 20``: a tenth of them run the discrete and regression chains).
    """
    replicates = _replicates(replicates, 20)
    n = check_int("n", n, minimum=1)
    fresh = check_fresh(fresh)
    sigma = check_positive("sigma", sigma, scalar=True)
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


def mixture_trajectory(n=2000, N=1000, *, replicates=200, rng=0, chain=None,
                       weights=(0.5, 0.5), means=(-2.0, 2.0), covariances=(1.0, 1.0)):
    r"""A two-component mixture refitted by EM to its own samples: what the simulation shows.

    Four panels against the generation, with bands over the chains (there is no
    closed form except for the total variance):

    * the smaller component weight: median and 5-95 % band;
    * the :math:`L^2` distance to :math:`D_0` (:func:`~modelcollapse.mixture.l2_distance`):
      median, 5-95 % band and mean ±2 s.e.;
    * the total variance, mean ±2 s.e., against its exact mean
      :func:`~modelcollapse.mixture.expected_total_variance`, and the mean
      component variance :math:`\sum_k w_k C_k` (median, band): the components
      narrow faster than the mixture;
    * the fraction of chains that lost a component (weight below :math:`1/N`)
      by each generation, with its exact 95 % Clopper-Pearson band.

    ``chain`` (a :class:`~modelcollapse.mixture.MixtureChain` of a 1-D mixture)
    skips the simulation; otherwise :func:`~modelcollapse.mixture.simulate`
    runs with the given :math:`D_0` (Shumailov et al. 2023, supplementary 4.1:
    ``N = 1000``, up to 2000 generations).
    """
    from . import mixture

    if chain is None:
        chain = mixture.simulate(n, N, weights=weights, means=means, covariances=covariances,
                                 replicates=_replicates(replicates), rng=rng)
    elif not isinstance(chain, mixture.MixtureChain) or chain.dim != 1:
        raise TypeError(f"chain must be a MixtureChain of a 1-D mixture (from "
                        f"modelcollapse.mixture.simulate), or None, got chain={chain!r}")
    else:
        _replicates(chain.replicates)
    gens = np.arange(chain.n + 1)
    fig, _ = _figure()
    fig.clear()
    fig.set_size_inches(12, 8)
    (wax, dax), (vax, lax) = fig.subplots(2, 2)

    def band(ax, y, color, label):
        lo, mid, hi = np.quantile(y, [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(gens, lo, hi, color=color, alpha=0.2, lw=0)
        ax.plot(gens, mid, color=color, label=f"{label}: median, 5-95 % band")

    def mean_2se(ax, y, color, label):
        mean, se = y.mean(axis=0), y.std(axis=0, ddof=1) / np.sqrt(y.shape[0])
        ax.plot(gens, mean, "--", color=color, lw=1, label=f"{label}: mean")
        ax.fill_between(gens, mean - 2 * se, mean + 2 * se, color=color, alpha=0.35, lw=0)

    band(wax, chain.weights.min(axis=-1), "C0", "smaller weight")
    wax.axhline(1 / chain.N, color="k", lw=0.8, ls=":", label="loss threshold 1/N")
    wax.set(title="Component weights", xlabel="generation $n$", ylabel="smaller weight")
    wax.legend(fontsize="small")

    dist = chain.distance_to_truth()
    band(dax, dist, "C1", "$L^2$ distance")
    mean_2se(dax, dist, "C3", "$L^2$ distance")
    dax.set(title="Distance to $D_0$", xlabel="generation $n$", ylabel=r"$\|p_n - p_0\|_2$")
    dax.legend(fontsize="small")

    total = chain.total_variance()
    mean_2se(vax, total, "C0", "total variance (±2 s.e.)")
    vax.plot(gens, mixture.expected_total_variance(gens, chain.N, float(total[0, 0]),
                                                   reg_covar=chain.reg_covar, dim=chain.dim),
             color="k", lw=0.8, label=r"exact $E[V_n] = V_0 q^n + \ldots$")
    within = np.sum(chain.weights * chain.covariances, axis=-1)
    band(vax, within, "C2", r"component variance $\sum_k w_k C_k$")
    vax.set(title="Spread: the components narrow", xlabel="generation $n$", ylabel="variance")
    vax.legend(fontsize="small")

    lost = chain.loss_generation()[:, None] <= gens
    count = lost.sum(axis=0)
    ci = [stats.binomtest(int(k), chain.replicates).proportion_ci(0.95, method="exact")
          for k in count]
    lax.fill_between(gens, [c.low for c in ci], [c.high for c in ci], color="C4", alpha=0.25,
                     lw=0)
    lax.plot(gens, count / chain.replicates, color="C4",
             label="fraction lost, exact 95 % band")
    lax.set(title="A component lost (weight < 1/N) by generation $n$",
            xlabel="generation $n$", ylabel="fraction of chains", ylim=(0, 1))
    lax.legend(fontsize="small")
    fig.suptitle(f"Gaussian mixture refitted by EM to N = {chain.N} of its own draws "
                 f"({chain.replicates} chains, init={chain.init!r})")
    return fig


def self_distillation(t=60, *, n_points=30, bandwidth=0.2, ridge=0.05, noise=0.3,
                      replicates=500, rng=0):
    r"""Kernel ridge regression refitted to its own predictions: closed forms against simulation.

    Left: the effective number of eigen-directions :math:`\sum_k \lambda_k^t`
    and the share of :math:`\|\hat y_t\|^2` on the top three directions
    (noise-free, exact). Right: :math:`E\|\hat y_t - f_0\|^2` with fresh label
    noise (closed form line; simulation mean ±2 s.e.) and without noise.
    """
    from . import distill

    t = check_int("t", t, minimum=0)
    x = np.linspace(0.0, 1.0, check_int("n_points", n_points, minimum=2,
                                        why=" (one point gives f0 = 0: no share to draw)"))
    ridge = check_scalar("ridge", ridge)
    replicates = _replicates(replicates)
    gram = distill.rbf_gram(x, bandwidth)
    f0 = np.sin(2 * np.pi * x) + x
    d, v = distill.spectrum(gram)
    z = v.T @ f0
    rounds = np.arange(t + 1)
    fig, _ = _figure()
    fig.clear()
    fig.set_size_inches(12, 4.4)
    left, right = fig.subplots(1, 2)
    left.plot(rounds, distill.effective_directions(d, ridge, rounds), label=r"$\sum_k \lambda_k^t$")
    # the share of ||y_t||^2 in log space: lambda^(2t) z^2 underflows to 0 for every
    # direction at a large ridge, while the share itself tends to the top direction's
    from scipy.special import logsumexp

    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_lam = -np.log1p(ridge / d)
        log_c2 = np.where(rounds[:, None] == 0, 0.0, 2 * rounds[:, None] * log_lam)
        log_c2 = log_c2 + np.log(z**2)
    share = np.exp(logsumexp(log_c2[:, :3], axis=1) - logsumexp(log_c2, axis=1))
    twin = left.twinx()
    twin.plot(rounds, share, "C1--", label="share of the top 3 directions")
    twin.set(ylabel=r"share of $\|\hat y_t\|^2$", ylim=(0, 1.05))
    left.set(title=f"Collapse onto the top eigen-directions (c = {ridge})",
             xlabel="round $t$", ylabel="effective directions")
    lines = left.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    left.legend(lines[0] + more[0], lines[1] + more[1], fontsize="small", loc="center right")

    chain = distill.simulate(t, gram, f0, ridge=ridge, noise=noise, replicates=replicates,
                             rng=rng)
    err = chain.squared_error()
    mean, se = err.mean(axis=0), err.std(axis=0, ddof=1) / np.sqrt(replicates)
    right.plot(rounds, distill.expected_squared_error(d, z, ridge, rounds, noise=noise),
               label=f"closed form, noise s = {noise}")
    right.errorbar(rounds[::3], mean[::3], yerr=2 * se[::3], fmt="o", ms=2.5, capsize=1.5,
                   label=f"simulation ({replicates} chains, ±2 s.e.)")
    right.plot(rounds, distill.expected_squared_error(d, z, ridge, rounds), "--",
               label="closed form, no noise")
    right.axhline(float(np.sum(z**2)), color="k", lw=0.8, ls=":", label=r"$\|f_0\|^2$")
    right.set(title="Squared error against the starting function", xlabel="round $t$",
              ylabel=r"$E\|\hat y_t - f_0\|^2$")
    right.legend(fontsize="small")
    return fig
def functional_approximation(n=30, M=10, *, bandwidth=0.5, sigma=1.0, tail_M=200,
                             replicates=2000, rng=0):
    r"""Functional approximation error: KDE spread and the tails a Gaussian fit loses.

    Two panels, closed forms as lines and Monte Carlo means (±1 s.e.) as points:

    * KDE chains against the Gaussian recursion, :math:`D_0 = N(0, \sigma^2)`,
      ``M`` points per generation: :math:`E[S_n^2]` with a fixed bandwidth
      (:func:`~modelcollapse.kde.expected_sample_variance`, settling at
      :math:`Mh^2`) and with Scott's rule (geometric growth), against the
      Gaussian fit's :math:`E[\sigma_n^2] = \sigma^2` and its typical value
      :math:`\exp E\log\sigma_n^2`, which collapses.
    * Tail probability beyond :math:`D_0`'s quantile, :math:`D_0` Laplace and
      Student-t(10), first fit to ``tail_M`` points: the truth
      :math:`1 - \text{level}`, the fitted Gaussian's expected tail
      (:func:`~modelcollapse.misspecified.tail_loss`) and the simulated
      :math:`E[P_{\text{fitted}}(X > q)]` (Rao-Blackwellised).

    Returns one :class:`~matplotlib.figure.Figure`.
    """
    n = check_int("n", n, minimum=0)
    M = check_int("M", M, minimum=2, why=" (a spread is fitted to M >= 2 points)")
    bandwidth = check_scalar("bandwidth", bandwidth)
    check_int("tail_M", tail_M, minimum=2, why=" (a variance is fitted to M >= 2 points)")
    replicates = _replicates(replicates)
    fig, _ = _figure()
    fig.clear()
    fig.set_size_inches(11, 4.4)
    spread, tails = fig.subplots(1, 2)
    gens = np.arange(n + 1)
    sub = gens[:: max(1, n // 15)]
    for rule, color, label in ((bandwidth, "C0", f"KDE, $h = {bandwidth:g}$"),
                               ("scott", "C1", "KDE, Scott's $h = M^{-1/5} S$")):
        chain = kde.simulate(n, M, bandwidth=rule, sigma=sigma, replicates=replicates, rng=rng)
        spread.plot(gens, kde.expected_sample_variance(gens, M, rule, sigma), color=color,
                    label=f"{label}: $E[S_n^2]$")
        _mean_and_error(spread, sub, chain.sigma2[:, sub], color=color)
    spread.axhline(M * bandwidth**2, color="C0", ls=":", lw=0.8, label="$M h^2$ (fixed point)")
    chain = gaussian.simulate(n, M, sigma=sigma, replicates=replicates, rng=rng)
    spread.plot(gens, gaussian.sigma_moment(gens, M, 2, sigma), color="C3",
                label=r"Gaussian fit: $E[\sigma_n^2]$")
    spread.plot(gens, gaussian.typical_sigma2(gens, M, sigma), "--", color="C3",
                label=r"Gaussian fit: $\exp E\log\sigma_n^2$")
    spread.plot(sub, np.exp(np.log(chain.sigma2[:, sub]).mean(axis=0)), "s", ms=3, color="C3",
                mfc="none")
    spread.set_yscale("log")
    spread.set(title=f"A KDE widens what a Gaussian fit collapses (M = {M})",
               xlabel="generation $n$", ylabel="spread of generation $n$")
    spread.legend(fontsize="x-small")

    levels = 1 - np.logspace(-1, -3, 9)
    for law, color, name in ((stats.laplace(), "C2", "Laplace"),
                             (stats.t(10), "C4", "Student-t(10)")):
        losses = [misspecified.tail_loss(tail_M, law, lv) for lv in levels]
        tails.plot(1 - levels, [loss.expected for loss in losses], color=color,
                   label=f"{name}: fitted Gaussian (second order)")
        fits = misspecified.simulate(1, tail_M, law, replicates=replicates, rng=rng)
        q = np.array([loss.quantile for loss in losses])
        conditional = stats.norm.sf((q[None, :] - fits.mu[:, 1:2]) / np.sqrt(fits.sigma2[:, 1:2]))
        _mean_and_error(tails, 1 - levels, conditional, color=color)
        lost = misspecified.kurtosis_loss(tail_M, law)
        tails.plot([], [], " ", label=f"{name}: kurtosis {lost.truth:.2g} -> "
                                      f"{lost.generation_one:.2g}")
    tails.plot(1 - levels, 1 - levels, "k", lw=1, label="truth $P_{D_0}(X > q)$")
    tails.set_xscale("log")
    tails.set_yscale("log")
    tails.set(title=f"The first Gaussian fit loses the tails (M = {tail_M})",
              xlabel="$1 - $level ($q$ = quantile of $D_0$)",
              ylabel=r"$P(X > q)$: truth vs $E[P_{\mathrm{fitted}}(X > q)]$")
    tails.legend(fontsize="x-small")
    fig.suptitle("Functional approximation error: the model family reshapes the data at once")
    return fig

_SAMPLERS = ({"temperature": 0.8}, {}, {"temperature": 1.25}, {"top_p": 0.9},
             {"top_k": 10, "temperature": 1.25})


def _sampler_label(kw):
    return ", ".join(f"{k} = {v}" for k, v in kw.items()) or "plain sampling"


def tails_sampling(n=30, M=200, K=30, *, s=1.0, replicates=100, rng=0):
    r"""Support and entropy of a Zipf chain sampled tempered or truncated, against the theory.

    Left: categories alive per generation (simulation, ±1 s.e.) for several
    samplers; the first fit's exact expected support
    :func:`~modelcollapse.tails.first_fit_support` as a cross, the
    infinite-sample support :math:`|S_n|` as a dotted step. Right: the
    entropy of each simulated chain against that of the infinite-sample map
    :math:`p_n \propto p_0^{T^{-n}}` on :math:`S_n`
    (:func:`~modelcollapse.tails.infinite_sample_map`): cold sampling
    collapses to the mode, hot sampling heads for the uniform law on what
    survives (the heat death of Marchi et al. 2024), while finite samples keep
    removing categories.
    """
    import matplotlib

    from . import tails
    from ._rng import as_generator

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    p0 = discrete.zipf_p0(K, s)
    gens = np.arange(check_int("n", n, minimum=0) + 1)
    replicates = _replicates(replicates)
    streams = as_generator(rng).bit_generator.seed_seq.spawn(len(_SAMPLERS))
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for i, (kw, stream) in enumerate(zip(_SAMPLERS, streams, strict=True)):
        colour = f"C{i}"
        chain = discrete.simulate(n, M, p0, replicates=replicates, rng=stream, **kw)
        _mean_and_error(left, gens, chain.support_size(), color=colour,
                        label=_sampler_label(kw))
        left.plot([1], [tails.first_fit_support(M, p0, **kw)], "x", color="k", ms=7)
        limit = tails.infinite_sample_map(gens, p0, **kw)
        # tempering alone never removes a category: count the kept sets without it, so
        # that weights underflowing to 0 (T < 1, many generations) do not count as lost
        kept = kw if "top_p" in kw else {k: v for k, v in kw.items() if k != "temperature"}
        alive = np.count_nonzero(tails.infinite_sample_map(gens, p0, **kept), axis=-1)
        left.step(gens, alive, ":", where="post", color=colour)
        _mean_and_error(right, gens, chain.entropy(), color=colour)
        entropy = -np.sum(np.where(limit > 0, limit * np.log(np.where(limit > 0, limit, 1)), 0),
                          axis=-1)
        right.plot(gens, entropy, "-", color=colour, lw=1)
    left.set(title=f"Support (Zipf s = {s}, K = {K}, M = {M}); x: exact first fit, "
                   "dotted: M = inf", xlabel="generation $n$", ylabel="categories alive")
    left.legend(fontsize="small")
    right.set(title="Entropy: simulation (points) and infinite-sample map (lines)",
              xlabel="generation $n$", ylabel="Shannon entropy (nats)")
    return fig


def zipf_scaling(beta=2.0, K=10**5, *, cutoff=30, clean=0.05, replicates=200, rng=0):
    r"""Memoriser error against the sample size T for Zipf data: exact, asymptote, simulation.

    Log-log lines: the exact :func:`~modelcollapse.tails.memorizer_error`
    (solid) and its integral form
    :func:`~modelcollapse.tails.zipf_memorizer_asymptote` (dashed) for clean
    data (Hutter's :math:`T^{-(\beta-1)/\beta}`), for data whose tail is cut
    at rank ``cutoff`` (the plateau :math:`k^{-(\beta-1)}` after the
    crossover :func:`~modelcollapse.tails.zipf_crossover`, dotted vertical)
    and for the cut data with a fraction ``clean`` of clean data (the descent
    resumes); the curated top-n error :func:`~modelcollapse.tails.top_n_error`
    for comparison; Monte Carlo missing masses (±1 s.e.) as points.
    """
    from . import tails
    from ._rng import as_generator

    beta = check_scalar("beta", beta, minimum=1.0)
    cutoff = check_int("cutoff", cutoff, minimum=1)
    clean = check_scalar("clean", clean, minimum=0.0, strict=False)
    replicates = _replicates(replicates)
    p = discrete.zipf_p0(K, beta)
    T = np.unique(np.logspace(0, 7, 29).astype(np.int64))
    simulated = T[T <= 10**5][::3]
    gen = as_generator(rng)
    fig, ax = _figure()
    for i, (label, q, kw) in enumerate((
            ("clean data", p, {}),
            (f"tail cut at k = {cutoff}", tails.tail_cut(p, cutoff), {"cutoff": cutoff}),
            (f"cut + {clean:g} clean", tails.tail_cut(p, cutoff, clean=clean),
             {"cutoff": cutoff, "clean": clean}))):
        colour = f"C{i}"
        ax.loglog(T, tails.memorizer_error(T, p, q), "-", color=colour, label=f"{label} (exact)")
        ax.loglog(T, tails.zipf_memorizer_asymptote(T, beta, K=K, **kw), "--", color=colour,
                  lw=1)
        missing = np.stack([(gen.multinomial(t, q, size=replicates) == 0) @ p
                            for t in simulated.tolist()], axis=1)
        _mean_and_error(ax, simulated, missing, color=colour)
    head = T[T <= K // 10]
    ax.loglog(head, tails.top_n_error(head, p), "-", color="C3", lw=1,
              label="curated: the T most frequent")
    ax.axvline(tails.zipf_crossover(cutoff, beta, K=K), color="k", ls=":", lw=1)
    ax.set(title=f"Memoriser, Zipf $\\beta$ = {beta}: dashed asymptote, points simulated",
           xlabel="training sample size $T$",
           ylabel="test error (missing mass)")
    ax.legend(fontsize="small")
    return fig


#: Largest synthetic-to-fresh ratio of the phase diagram (sizes up to 1e6 per fresh point).
_MAX_RATIO = 1e6


def mad_phase_diagram(n_real=10, *, max_ratio=10.0, temperatures=(0.5, 2.0), resolution=60,
                      n=100, replicates=400, rng=0):
    r"""Fresh data against sampling bias: the stationary fitted variance over (synthetic share, T).

    For ``n_real`` fresh points and :math:`L = r\,K` synthetic points sampled
    at temperature :math:`T` per generation (Alemohammad et al. 2023's
    :math:`n_r`, :math:`n_s` and :math:`\lambda`), the colour is
    :math:`\log_{10}(v_\infty/\sigma^2)` from
    :func:`~modelcollapse.tails.mad_stationary`: below 0 the loop loses
    diversity, above 0 it inflates it. Grey: no stationary law
    (:func:`~modelcollapse.tails.mad_growth_rate` :math:`\ge 1`: the variance
    explodes); black line: the phase boundary (rate 1); dashed: :math:`v_\infty
    = \sigma^2`. Points: simulated mean fitted variance after ``n`` fits
    (:func:`~modelcollapse.tails.simulate_mad`) divided by the exact
    :func:`~modelcollapse.tails.mad_moments`, printed next to each point.
    ``max_ratio`` is in :math:`(0.1, 10^6]`; ``temperatures`` is a pair
    ``(low, high)``, :math:`0 < \text{low} < \text{high}`.
    """
    from . import tails
    from ._rng import as_generator

    n_real = check_int("n_real", n_real, minimum=1)
    max_ratio = check_scalar("max_ratio", max_ratio, minimum=0.1)
    if max_ratio > _MAX_RATIO:
        raise ValueError(f"max_ratio must be <= {_MAX_RATIO:g} (synthetic sizes are integers), "
                         f"got max_ratio={max_ratio!r}")
    temps = check_positive("temperatures", temperatures)
    if temps.shape != (2,) or not temps[0] < temps[1]:
        raise ValueError("temperatures must be a pair (low, high) with 0 < low < high, got "
                         f"temperatures={temperatures!r}")
    resolution = check_int("resolution", resolution, minimum=2)
    check_int("n", n, minimum=1)
    replicates = _replicates(replicates)
    ratios = np.logspace(-1, np.log10(max_ratio), resolution)
    temps = np.linspace(*temps, resolution)
    synth = np.maximum(np.rint(ratios * n_real).astype(int), 1)
    rate = np.array([[tails.mad_growth_rate(n_real, int(size), temperature=t) for size in synth]
                     for t in temps])
    level = np.full(rate.shape, np.nan)
    for i, t in enumerate(temps):
        for j, size in enumerate(synth.tolist()):
            if rate[i, j] < 1:
                level[i, j] = np.log10(tails.mad_stationary(n_real, size, temperature=t).sigma2)
    fig, ax = _figure()
    ax.set_facecolor("0.8")
    # one decade each way: near the boundary v_inf diverges and would wash out the rest
    mesh = ax.pcolormesh(synth / n_real, temps, level, cmap="RdBu_r", vmin=-1.0, vmax=1.0,
                         shading="auto")
    fig.colorbar(mesh, ax=ax, label="$\\log_{10}(v_\\infty/\\sigma^2)$")
    ax.contour(synth / n_real, temps, rate, levels=[1.0], colors="k")
    ax.contour(synth / n_real, temps, np.nan_to_num(level, nan=1.0), levels=[0.0],
               colors="k", linestyles="dashed", linewidths=0.8)
    streams = as_generator(rng).bit_generator.seed_seq.spawn(4)
    for (share, t), stream in zip(((0.5, 0.7), (2.0, 0.8), (1.0, 1.3), (5.0, 1.1)), streams,
                                  strict=True):
        size = max(round(share * n_real), 1)
        chain = tails.simulate_mad(n, n_real, size, temperature=t, replicates=replicates,
                                   rng=stream)
        ratio = chain.sigma2[:, -1].mean() / tails.mad_moments(n, n_real, size,
                                                               temperature=t).sigma2[-1]
        ax.plot([size / n_real], [t], "ko", ms=4)
        ax.annotate(f"{ratio:.2f}", (size / n_real, t), textcoords="offset points",
                    xytext=(4, 4), fontsize="small")
    ax.set(xscale="log", xlabel="synthetic per fresh point $n_s/n_r$",
           ylabel="sampling temperature $T$ ($\\lambda$)",
           title=f"Fresh data against sampling bias ($n_r$ = {n_real}): stationary variance")
    return fig
