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
