"""Data policies of the d-dimensional Gaussian chain: the 1-D closed forms times tr(Sigma).

Statistical checks are two-sided z-tests of Monte Carlo means with computed
standard errors (or two-sample KS tests), at ALPHA = 0.001 per check with a
fixed seed; each has a companion showing a deliberately wrong formula is
rejected by the same data.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import multivariate as mv
from modelcollapse import policies as P
from modelcollapse.verify._core import mean_test

ALPHA = 0.001
CRIT = stats.norm.isf(ALPHA / 2)
SEED = 20240402
MEAN = np.array([0.2, -0.1])
COV = np.array([[1.0, 0.3], [0.3, 2.0]])
TRACE = 3.0


def _holds(observations, value):
    return abs(mean_test(observations, value).z) < CRIT


def _sq_error(chain):
    return np.sum((chain.mu[:, -1] - MEAN) ** 2, axis=-1)


@pytest.fixture(scope="module", params=["wishart", "samples"])
def accumulating(request):
    return mv.simulate(8, 3, MEAN, COV, replicates=200_000, method=request.param,
                       policy="accumulate", rng=SEED)


def test_accumulated_mean_error_is_trace_times_the_1d_sum(accumulating):
    """E||mu_n - mu||^2 = tr(Sigma) (1/M) sum_k p_k/k^2, alpha = 0.001 (either method)."""
    expected = P.multivariate_mean_squared_error(8, 3, COV, policy="accumulate")
    one_dim = P.gaussian_mean_squared_error(8, 3, policy="accumulate")
    assert expected == pytest.approx(TRACE * one_dim)
    assert _holds(_sq_error(accumulating), expected)


def test_accumulated_mean_error_rejects_the_variance_blind_sum(accumulating):
    """Companion: tr(Sigma)/M sum 1/k^2, as if E[Sigma_i] stayed Sigma, is rejected."""
    wrong = TRACE / 3 * np.sum(1.0 / np.arange(1, 9) ** 2)
    assert not _holds(_sq_error(accumulating), wrong)


def test_accumulated_covariance_shrinks_to_v_n_sigma(accumulating):
    """E[Sigma_n] = v_n Sigma (1-D variance path), tested on tr Sigma_n, alpha = 0.001;
    the replace martingale's tr Sigma is rejected."""
    trace = np.trace(accumulating.cov[:, -1], axis1=-2, axis2=-1)
    expected = np.trace(P.multivariate_expected_cov(8, 3, COV, policy="accumulate"))
    assert _holds(trace, expected)
    assert not _holds(trace, TRACE)


@pytest.fixture(scope="module")
def half_fresh():
    # M = 4, f = 1/2: K = 2 fresh points, fewer than d + 1 (their scatter is singular).
    return mv.simulate(12, 4, MEAN, COV, replicates=20_000, fresh=0.5, rng=SEED)


def test_fresh_fraction_mean_error_is_trace_times_the_exact_stationary_value(half_fresh):
    """E||mu_12 - mu||^2 = tr(Sigma) a_12 ~ tr(Sigma)(M - 1)/(M(M f(2 - f) - 1)), alpha = 0.001."""
    expected = P.multivariate_mean_squared_error(12, 4, COV, fresh=0.5)
    assert expected == pytest.approx(TRACE * P.gaussian_stationary_mean_squared_error(4, 0.5),
                                     rel=2e-3)
    assert _holds(_sq_error(half_fresh), expected)


def test_fresh_fraction_rejects_the_first_order_stationary_value(half_fresh):
    """Companion: tr(Sigma)/(M f (2 - f)) ignores the inflated synthetic variance."""
    assert not _holds(_sq_error(half_fresh), TRACE / (4 * 0.5 * 1.5))


def test_fresh_fraction_covariance_is_inflated(half_fresh):
    entry = half_fresh.cov[:, -1, 0, 1]
    assert _holds(entry, P.multivariate_expected_cov(12, 4, COV, fresh=0.5)[0, 1])
    assert not _holds(entry, COV[0, 1])


def test_wishart_and_samples_agree_in_law_with_fresh_points():
    """Two-sample KS on one mean coordinate and one covariance entry, alpha = 0.001 each."""
    kw = {"replicates": 4000, "policy": "accumulate", "fresh": 0.25}
    a = mv.simulate(5, 4, MEAN, COV, rng=SEED, **kw)
    b = mv.simulate(5, 4, MEAN, COV, method="samples", rng=SEED + 1, **kw)
    assert stats.ks_2samp(a.mu[:, -1, 1], b.mu[:, -1, 1]).pvalue > ALPHA
    assert stats.ks_2samp(a.cov[:, -1, 0, 1], b.cov[:, -1, 0, 1]).pvalue > ALPHA


def test_subsampling_the_pool_sits_between_accumulating_and_replacing():
    """One-sided at alpha = 0.001: accumulate < accumulate-subsample < replace (n = 8, M = 4)."""
    chain = mv.simulate(8, 4, MEAN, COV, replicates=10_000, method="samples",
                        policy="accumulate-subsample", rng=SEED)
    test = mean_test(_sq_error(chain), 0.0)
    low = P.multivariate_mean_squared_error(8, 4, COV, policy="accumulate")
    high = mv.mean_squared_error(8, 4, COV)
    one_sided = stats.norm.isf(ALPHA)
    assert (test.estimate - low) / test.std_error > one_sided
    assert (high - test.estimate) / test.std_error > one_sided


def test_all_fresh_is_one_fit_to_the_truth():
    """f = 1: Sigma_n has the law of one fit to D0 (KS on tr Sigma_n, alpha = 0.001); the
    collapsed replace chain is told apart by the same test."""
    def trace(chain):
        return np.trace(chain.cov[:, -1], axis1=-2, axis2=-1)

    fresh = trace(mv.simulate(20, 5, MEAN, COV, replicates=4000, fresh=1.0, rng=SEED))
    one_fit = trace(mv.simulate(1, 5, MEAN, COV, replicates=4000, rng=SEED + 1))
    collapsed = trace(mv.simulate(20, 5, MEAN, COV, replicates=4000, rng=SEED + 2))
    assert stats.ks_2samp(fresh, one_fit).pvalue > ALPHA
    assert stats.ks_2samp(collapsed, one_fit).pvalue < ALPHA


def test_replace_numbers_are_those_before_policies_existed():
    """Values printed by the simulator at commit 72ab471, before the d-dim policy code."""
    chain = mv.simulate(3, 5, MEAN, COV, replicates=2, rng=1)
    assert chain.mu[1, 3].tolist() == [0.2048524148364182, -0.37608643506486594]
    assert chain.cov[0, 3].tolist() == [
        [0.9120281295421836, 0.10066170431621341],
        [0.10066170431621341, 0.13831334526787523],
    ]
    samples = mv.simulate(3, 5, MEAN, COV, replicates=2, method="samples", rng=1)
    assert samples.mu[0, 3].tolist() == [0.10662224229848882, -0.35679458156657284]
    assert samples.cov[1, 2].tolist() == [
        [0.22326387133568942, 0.17711000640176014],
        [0.17711000640176014, 0.6943919749886035],
    ]
    explicit = mv.simulate(3, 5, MEAN, COV, replicates=2, policy="replace", fresh=0, rng=1)
    assert np.array_equal(explicit.mu, chain.mu) and np.array_equal(explicit.cov, chain.cov)
    assert (chain.policy, chain.fresh) == ("replace", 0.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=2, max_value=300), min_size=1, max_size=20),
       st.sampled_from(["unbiased", "mle"]), st.floats(min_value=1e-3, max_value=1e3))
def test_no_policy_is_the_multivariate_closed_form(schedule, fit, scale):
    n = len(schedule)
    cov = scale * COV
    got = P.multivariate_mean_squared_error(n, schedule, cov, fit=fit)
    assert got == pytest.approx(mv.mean_squared_error(n, schedule, cov, fit=fit), rel=1e-12 * n)
    np.testing.assert_allclose(P.multivariate_expected_cov(n, schedule, cov, fit=fit),
                               mv.expected_cov(n, schedule, cov, fit=fit), rtol=1e-12 * n)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=3, max_value=300), min_size=1, max_size=20))
def test_accumulating_is_never_worse_than_replacing(schedule):
    n = np.arange(len(schedule) + 1)
    acc = P.multivariate_mean_squared_error(n, schedule, COV, policy="accumulate")
    assert np.all(acc <= mv.mean_squared_error(n, schedule, COV) * (1 + 1e-12))


def test_bad_policy_and_fresh_name_the_parameter():
    with pytest.raises(ValueError, match="policy must be one of 'replace', 'accumulate'"):
        mv.simulate(2, 5, MEAN, COV, policy="mix")
    with pytest.raises(ValueError, match=r"fresh must be a fraction in \[0, 1\]"):
        mv.simulate(2, 5, MEAN, COV, fresh=1.5)
    with pytest.raises(ValueError, match="method must be 'samples' for policy='accumulate-sub"):
        mv.simulate(2, 5, MEAN, COV, policy="accumulate-subsample")
    with pytest.raises(ValueError, match="policy must be 'replace' or 'accumulate' for a closed"):
        P.multivariate_mean_squared_error(2, 5, COV, policy="accumulate-subsample")
