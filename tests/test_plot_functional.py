"""The functional-approximation figure draws, with its closed forms."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from scipy import stats

from modelcollapse import kde, misspecified, plot
from modelcollapse.verify.report import FIGURES


def test_functional_figure_draws_both_panels_with_their_closed_forms():
    assert "functional_approximation" in {name for _, name, _ in FIGURES}
    fig = plot.functional_approximation(n=6, M=5, tail_M=30, replicates=40, rng=1)
    spread, tails = fig.axes[:2]
    lines = {line.get_label(): line for line in spread.get_lines()}
    fixed = lines["KDE, $h = 0.5$: $E[S_n^2]$"]
    np.testing.assert_allclose(fixed.get_ydata(),
                               kde.expected_sample_variance(np.arange(7), 5, 0.5))
    tail_lines = {line.get_label(): line for line in tails.get_lines()}
    laplace = tail_lines["Laplace: fitted Gaussian (second order)"]
    level = 1 - laplace.get_xdata()[0]
    assert laplace.get_ydata()[0] == pytest.approx(
        misspecified.tail_loss(30, stats.laplace(), level).expected)
    assert "truth $P_{D_0}(X > q)$" in tail_lines
