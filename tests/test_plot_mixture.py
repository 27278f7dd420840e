"""The mixture and self-distillation figures draw, and carry their closed forms."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from modelcollapse import distill, mixture, plot


def test_mixture_trajectory_draws_four_panels_with_the_exact_total_variance():
    chain = mixture.simulate(15, 40, weights=[0.7, 0.3], means=[-1.0, 2.0],
                             covariances=[1.0, 0.5], replicates=12, rng=1)
    fig = plot.mixture_trajectory(chain=chain)
    assert len(fig.axes) == 4
    lines = {line.get_label(): line for line in fig.axes[2].get_lines()}
    exact = lines[r"exact $E[V_n] = V_0 q^n + \ldots$"]
    gens = np.arange(16)
    v0 = float(chain.total_variance()[0, 0])
    np.testing.assert_allclose(exact.get_ydata(),
                               mixture.expected_total_variance(gens, 40, v0))
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_self_distillation_draws_the_closed_forms():
    fig = plot.self_distillation(t=6, n_points=8, replicates=20, rng=2)
    left, right = fig.axes[:2]
    x = np.linspace(0.0, 1.0, 8)
    d, v = distill.spectrum(distill.rbf_gram(x, 0.2))
    z = v.T @ (np.sin(2 * np.pi * x) + x)
    np.testing.assert_allclose(left.get_lines()[0].get_ydata(),
                               distill.effective_directions(d, 0.05, np.arange(7)))
    noisy = right.get_lines()[0]
    np.testing.assert_allclose(noisy.get_ydata(),
                               distill.expected_squared_error(d, z, 0.05, np.arange(7), noise=0.3))


def test_the_report_draws_the_em_trajectory_at_a_reduced_size():
    from modelcollapse.verify.report import FIGURE_ARGUMENTS, FIGURES

    names = {name for _, name, _ in FIGURES}
    assert "mixture_trajectory" in names
    assert set(FIGURE_ARGUMENTS) <= names
    assert FIGURE_ARGUMENTS["mixture_trajectory"]["n"] < 2000
@pytest.mark.parametrize(("func", "kwargs", "name"), [
    (plot.mixture_trajectory, {"chain": 3}, "chain"),
    (plot.mixture_trajectory, {"n": 1, "N": 5, "replicates": 1}, "replicates"),
    (plot.self_distillation, {"t": float("nan")}, "t"),
    (plot.self_distillation, {"n_points": 0}, "n_points"),
    (plot.self_distillation, {"replicates": 1}, "replicates"),
    (plot.functional_approximation, {"bandwidth": None}, "bandwidth"),
    (plot.functional_approximation, {"tail_M": 1}, "tail_M"),
    (plot.tails_sampling, {"n": float("nan")}, "n"),
    (plot.zipf_scaling, {"clean": "1"}, "clean"),
    (plot.zipf_scaling, {"beta": 1.0}, "beta"),
    (plot.zipf_scaling, {"replicates": -1}, "replicates"),
    (plot.mad_phase_diagram, {"temperatures": (2.0, 1.0)}, "temperatures"),
    (plot.mad_phase_diagram, {"temperatures": [0.5, 0.5, 0.5]}, "temperatures"),
    (plot.mad_phase_diagram, {"max_ratio": 1e308}, "max_ratio"),
    (plot.mad_phase_diagram, {"n_real": "1"}, "n_real"),
])
def test_figure_arguments_are_checked_by_name_before_any_work(func, kwargs, name):
    with pytest.raises((TypeError, ValueError), match=rf"\b{name}\b"):
        func(**kwargs)


def test_self_distillation_share_survives_a_ridge_that_underflows_every_coefficient():
    # lambda^(2t) z^2 underflowed to 0 in every direction: 0/0 (a RuntimeWarning) for
    # the share; in log space it is the top directions' share, in [0, 1]
    fig = plot.self_distillation(t=2, n_points=4, ridge=1e308, replicates=2)
    share = fig.axes[-1].get_lines()[0].get_ydata()
    # at a ridge c >> d, lambda_k^(2t) is d_k^(2t) / c^(2t): the common factor cancels
    x = np.linspace(0.0, 1.0, 4)
    d, v = distill.spectrum(distill.rbf_gram(x, 0.2))
    c2 = d ** (2 * np.arange(3)[:, None]) * (v.T @ (np.sin(2 * np.pi * x) + x)) ** 2
    np.testing.assert_allclose(share, c2[:, :3].sum(axis=1) / c2.sum(axis=1), rtol=1e-9)
