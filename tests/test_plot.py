"""The report's figures: every FIGURES entry draws, and the policy figure carries its theory."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from modelcollapse import plot, policies
from modelcollapse.verify.report import FIGURES


def test_every_report_figure_is_a_plot_function():
    assert all(callable(getattr(plot, name)) for _, name, _ in FIGURES)
    assert "data_policies" in {name for _, name, _ in FIGURES}


def test_data_policies_draws_three_panels_with_their_closed_forms():
    fig = plot.data_policies(n=12, M=5, fresh=0.2, replicates=40, rng=1)
    gauss, disc, reg = fig.axes[:3]
    lines = {line.get_label(): line for line in gauss.get_lines()}
    accumulate = lines["accumulate (lower bound)"]
    gens = np.arange(13)
    a = policies.gaussian_mean_squared_error(gens, 5, policy="accumulate")
    v = policies.gaussian_sigma2_mean(gens, 5, policy="accumulate")
    np.testing.assert_allclose(accumulate.get_ydata(), a + (np.sqrt(v) - 1) ** 2)
    assert any("heterozygosity (closed form)" in line.get_label() for line in disc.get_lines())
    labels = {line.get_label() for line in reg.get_lines()}
    assert {"replace (closed form)", "accumulate (closed form)"} <= labels


def _titles(fig):
    return " ".join([fig._suptitle.get_text() if fig._suptitle else ""]
                    + [ax.get_title() for ax in fig.axes])


def _unlabelled_series(ax):
    """Drawn series (lines, point sets, bands) whose label would keep them out of the legend."""
    inside = {id(part) for c in ax.containers for part in c.get_children()}
    loose = [a for a in (*ax.get_lines(), *ax.collections) if id(a) not in inside]
    # A histogram's container carries its label on its first bar.
    return [a for a in (*loose, *ax.containers)
            if all(x.get_label().startswith("_") for x in (a, *getattr(a, "patches", ())[:1]))]


@pytest.mark.parametrize("name, kwargs", [
    ("variance_growth", {"n": 6, "replicates": 200}),
    ("sigma_collapse", {"n": 40, "replicates": 400}),
    ("w2_schedules", {"n": 60, "replicates": 200}),
    ("discrete_diversity", {"n": 30, "replicates": 40}),
    ("generation_one_law", {"replicates": 500}),
    ("data_policies", {"n": 12, "M": 5, "replicates": 40}),
])
def test_every_figure_states_its_settings_and_labels_every_series(name, kwargs):
    fig = getattr(plot, name)(**kwargs, rng=3)
    titles = _titles(fig)
    assert "R = " in titles and "n = " in titles and ("M = " in titles or "M_i" in titles)
    for ax in fig.axes:
        assert not _unlabelled_series(ax), (name, ax.get_title())
    if name == "discrete_diversity":
        left, right = fig.axes
        assert "left axis" in " ".join(ax.get_legend_handles_labels()[1][0] for ax in [left])
        assert "right axis" in right.get_legend_handles_labels()[1][0]


@pytest.mark.parametrize("name", ["sigma_collapse", "w2_schedules"])
def test_rare_chain_figures_draw_the_distribution_and_say_why_the_mean_lags(name):
    fig = getattr(plot, name)(n=60, replicates=300, rng=0)
    ax = fig.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    for piece in ("5-95% of chains", "median", "exact mean", "Chebyshev interval",
                  "mean of 300 chains"):
        assert any(piece in label for label in labels), piece
    note = " ".join(text.get_text() for text in ax.texts)
    assert "carried by rare chains" in note.replace("\n", " ")


def test_w2_variance_bound_matches_the_double_sum_it_stands_for():
    """sd(A) from prefix sums equals the direct double sum over E[sigma_i^4] (A = (mu_n - mu)^2)."""
    from modelcollapse import gaussian
    from modelcollapse.plot import _w2_squared_sd_bound

    sizes, sigma = [3, 5, 4, 9, 6, 7], 1.7
    for n in range(1, 7):
        e4 = [gaussian.sigma_moment(i, sizes, 4, sigma) for i in range(n)]
        s2 = sum(e4[min(i, j)] / (sizes[i] * sizes[j]) for i in range(n) for j in range(n))
        var_a = 3 * s2 - (sigma**2 * sum(1 / m for m in sizes[:n])) ** 2
        m = [gaussian.sigma_moment(n, sizes, p, sigma) for p in (1, 2, 3, 4)]
        var_b = (m[3] - 4 * sigma * m[2] + 6 * sigma**2 * m[1] - 4 * sigma**3 * m[0] + sigma**4
                 - (m[1] - 2 * sigma * m[0] + sigma**2) ** 2)
        np.testing.assert_allclose(_w2_squared_sd_bound(np.array([n]), sizes, sigma),
                                   np.sqrt(var_a) + np.sqrt(var_b), rtol=1e-12)


def test_w2_variance_bound_bounds_the_simulated_spread():
    """At n = 3, M = 4 the bound must exceed the sample s.d. (a loose bound: 20 % margin is far
    beyond the sampling error of an s.d. from 200000 light-tailed chains)."""
    from modelcollapse import gaussian
    from modelcollapse.plot import _w2_squared_sd_bound

    chain = gaussian.simulate(3, 4, replicates=200_000, rng=5, keep="last")
    w2 = chain.mu[:, -1] ** 2 + (np.sqrt(chain.sigma2[:, -1]) - 1) ** 2
    bound = float(_w2_squared_sd_bound(np.array([3]), 4, 1.0)[0])
    assert w2.std() < bound < 1.5 * w2.std()
