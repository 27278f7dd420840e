"""The d-dimensional Gaussian chain sampled at a temperature, against simulation.

Every generation is drawn from N(mu_i, T Sigma_i). Means of the simulated
observables are z-tested against the closed forms at ``ALPHA = 0.001`` per check
(light-tailed observables at 20 000 replicates: products of at most four
chi-square ratios), and each check has a companion in which the untempered
closed form is rejected on the same data. The W2 bounds are one-sided tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from modelcollapse import multivariate
from modelcollapse.verify import _core

ALPHA = 0.001
COV = np.array([[2.0, 0.6], [0.6, 1.0]])
MEAN = np.array([1.0, -2.0])


def rejects(observations, expected):
    return _core.mean_test(observations, expected).p_value < ALPHA


@pytest.mark.parametrize("method, fit", [("wishart", "unbiased"), ("samples", "mle")])
@pytest.mark.parametrize("T", [0.8, 1.3])
def test_tempered_multivariate_moments_hold_and_the_untempered_forms_are_rejected(method, fit,
                                                                                  T):
    n, M, R = 4, 12, 20_000
    chain = multivariate.simulate(n, M, MEAN, COV, replicates=R, rng=41, method=method, fit=fit,
                                  temperature=T)
    last = chain.cov[:, -1]
    error = np.sum((chain.mu[:, -1] - MEAN) ** 2, axis=-1)
    checks = [
        (error, multivariate.mean_squared_error),
        (np.trace(last, axis1=-2, axis2=-1),
         lambda *a, **k: np.trace(multivariate.expected_cov(*a, **k))),
        (np.linalg.det(last), multivariate.expected_det),
        (np.linalg.slogdet(last)[1], multivariate.log_det_mean),
    ]
    for observed, closed in checks:
        assert not rejects(observed, closed(n, M, COV, fit=fit, temperature=T))
        assert rejects(observed, closed(n, M, COV, fit=fit))
    w2 = chain.w2_squared()[:, -1]
    lower = multivariate.w2_squared_lower_bound(n, M, COV, fit=fit, temperature=T)
    upper = multivariate.w2_squared_upper_bound(n, M, COV, fit=fit, temperature=T)
    crit = stats.norm.isf(ALPHA)  # one-sided tests of the bounds
    assert _core.mean_test(w2, lower).z > -crit
    assert _core.mean_test(w2, upper).z < crit


def test_tempered_multivariate_projections_are_the_tempered_1d_chain():
    from modelcollapse import gaussian

    e = np.array([0.6, 0.8])
    chain = multivariate.simulate(3, 9, MEAN, COV, replicates=5, rng=3, temperature=1.7)
    plain = multivariate.simulate(3, 9, MEAN, COV, replicates=5, rng=3)
    np.testing.assert_allclose(chain.cov @ e @ e, 1.7 ** np.arange(4) * (plain.cov @ e @ e),
                               rtol=1e-12)
    np.testing.assert_allclose(chain.mu[:, 0], plain.mu[:, 0])
    s2 = float(e @ COV @ e)
    assert multivariate.w2_squared_lower_bound(6, 9, np.eye(2) * s2, temperature=0.7) == (
        pytest.approx(2 * gaussian.expected_w2_squared(6, 9, np.sqrt(s2), temperature=0.7)))


def test_tempered_multivariate_forms_survive_long_chains_and_refuse_policies():
    assert multivariate.mean_squared_error(10**6, 10, np.eye(3), temperature=0.5) == (
        pytest.approx(0.3))
    assert multivariate.log_det_mean(10**6, 10, np.eye(2), temperature=1.5) == pytest.approx(
        10**6 * (multivariate.log_det_drift(10, 2) + 2 * np.log(1.5)))
    assert multivariate.expected_det(10**6, 10, np.eye(2), temperature=1.5) == np.inf
    # past the float64 range: inf where the direction carries variance, 0 where it has none
    singular = np.diag([1.0, 0.0])
    assert multivariate.expected_det(10**4, 10, singular, temperature=1.5) == 0.0
    np.testing.assert_array_equal(multivariate.expected_cov(10**4, 10, singular, temperature=1.5),
                                  [[np.inf, 0.0], [0.0, 0.0]])
    # cold chains collapse to a point: both bounds pinch to tr(Sigma)(1 + T/(M(1 - T)))
    for bound in (multivariate.w2_squared_lower_bound, multivariate.w2_squared_upper_bound):
        assert bound(10**4, 10, COV, temperature=1.5) == np.inf
        assert bound(10**4, 10, COV, temperature=0.5) == pytest.approx(np.trace(COV) * 1.1)
    assert multivariate.log_det_drift(10**4, 3, temperature=1 + 5 / (2 * 10**4)) > 0
    assert multivariate.log_det_drift(10**4, 3, temperature=1 + 3 / (2 * 10**4)) < 0
    with pytest.raises(ValueError, match="temperature must be 1 with a data policy"):
        multivariate.simulate(3, 10, MEAN, COV, temperature=2.0, fresh=0.5)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        multivariate.expected_cov(3, 10, COV, temperature=0.0)
    with pytest.raises(TypeError, match="temperature"):
        multivariate.expected_det(3, 10, COV, temperature=True)
    plain = multivariate.simulate(5, 10, MEAN, COV, replicates=3, rng=4)
    same = multivariate.simulate(5, 10, MEAN, COV, replicates=3, rng=4, temperature=1.0)
    np.testing.assert_array_equal(plain.cov, same.cov)
    np.testing.assert_array_equal(plain.mu, same.mu)
