"""scipy's own distribution battery for variance_gamma, imported from the installed scipy.

The checks are scipy's (``scipy/stats/tests/common_tests.py``), run as scipy's
``test_continuous_basic.py`` runs them for its own distributions, at parameter
sets that include skewed laws, small ``lam`` (a density singular at 0) and
``|beta|/alpha`` near 1. (``test_continuous_basic`` itself is not imported: its
module-level marks are unknown to this project's strict marker list.) Its
per-method round trips are held here in the same form, in
``test_scipy_style_round_trips``.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.stats.tests import common_tests as ct

from modelcollapse.variance_gamma import variance_gamma

# (lam, alpha, beta): symmetric, skewed, small lam, |beta|/alpha near 1, large lam
PARAMS = [(2.0, 3.0, 1.0), (0.05, 1.0, 0.5), (0.3, 1.0, -0.99), (30.0, 3.0, -2.9)]
NAME = "variance_gamma"


@pytest.mark.parametrize("arg", PARAMS, ids=str)
def test_scipy_distribution_checks(arg):
    """Support edges, dtypes, freezing and the moments from ``stats``."""
    m, v = variance_gamma.stats(*arg)
    ct.check_edge_support(variance_gamma, arg)
    ct.check_meth_dtype(variance_gamma, arg, [variance_gamma.pdf, variance_gamma.logpdf,
                                              variance_gamma.cdf, variance_gamma.logcdf,
                                              variance_gamma.sf, variance_gamma.logsf])
    ct.check_ppf_dtype(variance_gamma, arg)
    ct.check_freezing(variance_gamma, arg)
    ct.check_moment(variance_gamma, arg, m, v, NAME)


@pytest.mark.parametrize("arg", PARAMS, ids=str)
def test_scipy_style_round_trips(arg):
    """test_continuous_basic's cdf/ppf, sf/isf, cdf + sf, ppf/isf and log checks."""
    q = np.array([0.001, 0.1, 0.5, 0.9, 0.999])
    x = variance_gamma.ppf(q, *arg)
    assert_allclose(variance_gamma.cdf(x, *arg), q, rtol=1e-12)
    assert_allclose(variance_gamma.sf(variance_gamma.isf(q, *arg), *arg), q, rtol=1e-12)
    assert_allclose(variance_gamma.isf(1 - q, *arg), x, rtol=1e-9)
    assert_allclose(variance_gamma.cdf(x, *arg) + variance_gamma.sf(x, *arg), 1.0, rtol=1e-14)
    pts = variance_gamma.ppf([1e-12, *q, 1 - 1e-12], *arg)
    for f, logf in ((variance_gamma.pdf, variance_gamma.logpdf),
                    (variance_gamma.cdf, variance_gamma.logcdf),
                    (variance_gamma.sf, variance_gamma.logsf)):
        assert_allclose(np.log(f(pts, *arg)), logf(pts, *arg), rtol=1e-13, atol=1e-13)
    # broadcasting the quantile over a column of probabilities
    assert variance_gamma.ppf(q[:, None], *arg).shape == (5, 1)


@pytest.mark.parametrize("arg", [PARAMS[0]], ids=str)
def test_scipy_expectation_checks(arg):
    """Normalisation and the first four moments and the fifth (``_munp``) by ``expect``."""
    m, v, s, k = variance_gamma.stats(*arg, moments="mvsk")
    ct.check_normalization(variance_gamma, arg, NAME)
    ct.check_mean_expect(variance_gamma, arg, m, NAME)
    ct.check_var_expect(variance_gamma, arg, m, v, NAME)
    ct.check_skew_expect(variance_gamma, arg, m, v, s, NAME)
    ct.check_kurt_expect(variance_gamma, arg, m, v, k, NAME)
    ct.check_munp_expect(variance_gamma, arg, NAME)


def test_scipy_sampling_and_state_checks():
    arg = PARAMS[1]
    ct.check_random_state_property(variance_gamma, arg)
    ct.check_pickling(variance_gamma, arg)
    x = np.array([-1.0, 0.5, 2.0])
    ct.check_named_args(variance_gamma, x, arg, (0.0, 1.0),
                        [variance_gamma.pdf, variance_gamma.cdf, variance_gamma.sf])
    shape = (2, 3)
    allargs = [np.full(shape, a) for a in arg] + [0.0, 1.0]
    # shape only: one gamma and one normal draw per point, not per call, as for norminvgauss
    ct.check_rvs_broadcast(variance_gamma, NAME, allargs, shape, True, "d")


@pytest.mark.parametrize("arg", PARAMS, ids=str)
def test_complex_step_derivative_is_refused(arg):
    """scipy's complex-step check: a TypeError naming x, not a silent cast to real."""
    with pytest.raises(TypeError, match="x must be real"):
        ct.check_cmplx_deriv(variance_gamma, arg)
    with pytest.raises(TypeError, match="lam must be real"):
        variance_gamma.pdf(0.5, arg[0] + 0j, *arg[1:])
