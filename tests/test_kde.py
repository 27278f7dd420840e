"""KDE chains: closed forms, the simulator against them, and bad input.

Statistical checks are two-sided z-tests of Monte Carlo means with computed
standard errors at ALPHA = 0.001 per check, fixed seeds; every check has a
companion showing that a deliberately wrong formula is rejected by the same
data. The observables are sample variances and squared means of M >= 10
normal-ish points (all moments finite), so the normal approximation holds
at these replicate counts.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import kde
from modelcollapse.verify._core import mean_test

ALPHA = 0.001
CRIT = stats.norm.isf(ALPHA / 2)
SEED = 20251126
MU, SIGMA = 0.3, 1.5


def _holds(observations, value):
    return abs(mean_test(observations, value).z) < CRIT


def _spread(chain):
    """E[(X^n_j - mu)^2 | generation n] estimated from its mean and S^2: (rows, n + 1)."""
    M = int(chain.M[0])
    return (chain.mu - MU) ** 2 + (1 - 1 / M) * chain.sigma2


# --------------------------------------------------------------------------
# closed forms


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 50), st.integers(2, 300), st.floats(1e-3, 1e2), st.floats(1e-2, 1e2))
def test_expected_sample_variance_follows_its_recursion(n, M, h, sigma):
    now = kde.expected_sample_variance(n, M, h, sigma)
    nxt = kde.expected_sample_variance(n + 1, M, h, sigma)
    assert nxt == pytest.approx((1 - 1 / M) * now + h**2, rel=1e-10)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 50), st.integers(2, 300), st.sampled_from(kde.RULES), st.floats(1e-2, 10))
def test_data_driven_spread_grows_by_its_factor(n, M, rule, sigma):
    g = kde.spread_growth_factor(M, rule)
    assert g > 1
    now = kde.expected_sample_variance(n, M, rule, sigma)
    assert kde.expected_sample_variance(n + 1, M, rule, sigma) == pytest.approx(g * now, rel=1e-10)
    # Var(X^n_j) = (1 - 1/M) v_n + a_n with a_{i+1} = a_i + g v_i / M: increments match.
    step = kde.sample_variance(n + 1, M, rule, sigma) - kde.sample_variance(n, M, rule, sigma)
    assert step == pytest.approx((1 - 1 / M) * (g - 1) * now + g * now / M, rel=1e-8)


def test_fixed_bandwidth_spread_settles_at_m_h_squared_and_long_chains_stay_finite():
    assert kde.expected_sample_variance(10**6, 10, 0.5) == pytest.approx(2.5, rel=1e-12)
    assert kde.expected_sample_variance(0, 10, 0.5, sigma=2.0) == pytest.approx(4.0)
    assert kde.sample_variance(10**6, 10, 0.5) == pytest.approx(1 + 0.25e6)
    assert np.isinf(kde.expected_sample_variance(10**6, 10, "scott"))
    harmonic = np.sum(1.0 / np.arange(1, 10**6 + 1))
    assert kde.sample_variance(10**6, 10, 0.5, policy="accumulate") == pytest.approx(
        1 + 0.25 * harmonic, rel=1e-12)


def test_bandwidth_factors_are_scipy_gaussian_kde_rules():
    x = np.random.default_rng(0).standard_normal(37)
    for rule in kde.RULES:
        fitted = stats.gaussian_kde(x, bw_method=rule)
        h = np.sqrt(fitted.covariance[0, 0])
        assert kde.bandwidth_factor(rule, 37) * x.std(ddof=1) == pytest.approx(h, rel=1e-12)


def test_accumulated_depth_law_is_the_random_recursive_tree():
    """K_n = sum_j Bernoulli(1/j): P(K_n = k) = |s(n, k)| / n! (unsigned Stirling numbers)."""
    from sympy.functions.combinatorial.numbers import stirling

    p = kde._depth_law(8)
    exact = [int(stirling(8, k, kind=1)) / 40320 for k in range(9)]
    np.testing.assert_allclose(p, exact, rtol=1e-12, atol=1e-300)


# --------------------------------------------------------------------------
# simulation against the closed forms


@pytest.fixture(scope="module")
def fixed():
    return kde.simulate(6, 10, bandwidth=0.5, mu=MU, sigma=SIGMA, replicates=20_000, rng=SEED)


def test_fixed_bandwidth_sample_variance_matches(fixed):
    """E[S_n^2] = M h^2 + (1 - 1/M)^n (sigma^2 - M h^2) at n = 6, alpha = 0.001."""
    assert _holds(fixed.sigma2[:, -1], kde.expected_sample_variance(6, 10, 0.5, SIGMA))


def test_fixed_bandwidth_sample_variance_rejects_the_gaussian_recursion(fixed):
    """Companion: the same recursion without the kernel's h^2, (1 - 1/M)^n sigma^2."""
    assert not _holds(fixed.sigma2[:, -1], (1 - 1 / 10) ** 6 * SIGMA**2)


def test_fixed_bandwidth_marginal_variance_grows_linearly(fixed):
    """Var(X^n_j) = sigma^2 + n h^2, from E[(X - mu)^2 | generation n], alpha = 0.001."""
    assert _holds(_spread(fixed)[:, -1], kde.sample_variance(6, 10, 0.5, SIGMA))
    assert not _holds(_spread(fixed)[:, -1], SIGMA**2 * (1 + 6 / 10))  # the Gaussian value


def test_fixed_bandwidth_every_model_uses_its_bandwidth(fixed):
    assert np.all(fixed.bandwidth == 0.5)
    assert fixed.n == 6 and fixed.replicates == 20_000 and fixed.policy == "replace"


@pytest.mark.parametrize("rule", kde.RULES)
def test_data_driven_spread_matches_its_geometric_growth(rule):
    chain = kde.simulate(4, 10, bandwidth=rule, mu=MU, sigma=SIGMA, replicates=20_000,
                         rng=SEED)
    s2 = chain.sigma2[:, -1]
    assert _holds(s2, kde.expected_sample_variance(4, 10, rule, SIGMA))
    assert not _holds(s2, (1 - 1 / 10) ** 4 * SIGMA**2)
    assert _holds(_spread(chain)[:, -1], kde.sample_variance(4, 10, rule, SIGMA))
    np.testing.assert_allclose(
        chain.bandwidth, kde.bandwidth_factor(rule, 10) * np.sqrt(chain.sigma2[:, :-1]))


def test_accumulated_marginal_variance_grows_like_the_harmonic_number():
    chain = kde.simulate(6, 10, bandwidth=0.5, mu=MU, sigma=SIGMA, replicates=20_000,
                         policy="accumulate", rng=SEED)
    y = _spread(chain)[:, -1]
    assert _holds(y, kde.sample_variance(6, 10, 0.5, SIGMA, policy="accumulate"))
    assert not _holds(y, kde.sample_variance(6, 10, 0.5, SIGMA))  # the replacing value


@settings(max_examples=20, deadline=None)
@given(st.floats(0.1, 3.0), st.floats(0.1, 3.0))
def test_expected_test_density_is_the_gaussian_overlap(h, sigma):
    """Replacing: E[p_1(X)] = int N(x; mu, sigma^2) N(x; mu, sigma^2 + h^2) dx."""
    from scipy import integrate

    value, _ = integrate.quad(
        lambda x: stats.norm.pdf(x, 0, sigma) * stats.norm.pdf(x, 0, np.hypot(sigma, h)),
        -np.inf, np.inf)
    assert kde.expected_test_density(1, h, sigma) == pytest.approx(value, rel=1e-7)


# --------------------------------------------------------------------------
# determinism and callables


def test_same_seed_same_numbers_and_generators_accepted():
    a = kde.simulate(3, 7, bandwidth="silverman", replicates=5, rng=3)
    b = kde.simulate(3, 7, bandwidth="silverman", replicates=5,
                     rng=np.random.default_rng(3))
    c = kde.simulate(3, 7, bandwidth="silverman", replicates=5, rng=4)
    np.testing.assert_array_equal(a.sigma2, b.sigma2)
    assert not np.array_equal(a.sigma2, c.sigma2)
    assert not a.sigma2.flags.writeable


def test_chains_split_into_blocks_keep_their_law():
    """With M * (n + 1) > BLOCK / 2 every block holds one chain; the chains stay independent."""
    M = kde.BLOCK // 2 + 1
    chain = kde.simulate(1, M, bandwidth=0.5, replicates=3, policy="accumulate", rng=0)
    assert chain.sigma2.shape == (3, 2)
    assert len(set(chain.mu[:, 0].tolist())) == 3


def test_a_callable_bandwidth_is_called_on_each_chains_points():
    fixed = kde.simulate(3, 8, bandwidth=0.7, replicates=4, rng=5)
    called = kde.simulate(3, 8, bandwidth=lambda x: 0.7, replicates=4, rng=5)
    np.testing.assert_array_equal(fixed.sigma2, called.sigma2)
    assert called.rule == "callable"
    scott = kde.simulate(3, 8, bandwidth="scott", replicates=4, rng=5)
    by_hand = kde.simulate(3, 8, bandwidth=lambda x: x.std(ddof=1) * x.size**-0.2,
                           replicates=4, rng=5)
    np.testing.assert_allclose(scott.sigma2, by_hand.sigma2, rtol=1e-10)


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_bad_bandwidths_are_refused(bad):
    with pytest.raises(ValueError, match="bandwidth"):
        kde.simulate(2, 5, bandwidth=bad)
    with pytest.raises(ValueError, match="bandwidth"):
        kde.expected_sample_variance(2, 5, bad)
    with pytest.raises(ValueError, match="bandwidth"):
        kde.sample_variance(2, 5, bad)


def test_other_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="bandwidth"):
        kde.simulate(2, 5, bandwidth="normal")
    with pytest.raises(ValueError, match="bandwidth"):
        kde.simulate(2, 5, bandwidth=lambda x: -1.0)
    with pytest.raises(ValueError, match="bandwidth"):
        kde.simulate(2, 5, bandwidth=[0.1, 0.2])
    with pytest.raises(TypeError, match="bandwidth"):
        kde.expected_sample_variance(2, 5, lambda x: 1.0)
    with pytest.raises(ValueError, match="M must be an integer >= 2"):
        kde.simulate(2, 1, bandwidth=0.5)
    with pytest.raises(TypeError, match="M must be an integer"):
        kde.simulate(2, 5.0, bandwidth=0.5)
    with pytest.raises(TypeError, match="n must be an integer"):
        kde.expected_sample_variance(1.5, 5, 0.5)
    with pytest.raises(ValueError, match="M must be an integer >= 2"):
        kde.sample_variance(2, 1, 0.5)
    with pytest.raises(ValueError, match="policy"):
        kde.simulate(2, 5, bandwidth=0.5, policy="accumulate-subsample")
    with pytest.raises(ValueError, match="policy"):
        kde.sample_variance(2, 5, "scott", policy="accumulate")
    with pytest.raises(ValueError, match="test_points"):
        kde.simulate(2, 5, bandwidth=0.5, test_points=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        kde.expected_test_density(0, 0.5)
    with pytest.raises(TypeError, match="bandwidth"):
        kde.expected_test_density(1, "scott")
    with pytest.raises(ValueError, match="rule"):
        kde.bandwidth_factor("gauss", 10)


def test_numpy_integer_sizes_are_accepted():
    chain = kde.simulate(np.int64(2), np.int16(5), bandwidth=0.5, replicates=np.int32(2), rng=0)
    assert chain.sigma2.shape == (2, 3)


def test_a_draw_of_generation_n_is_exactly_normal():
    """X^n_j ~ N(mu, sigma^2 + n h^2) (KS, alpha = 0.001); the Gaussian-recursion variance
    sigma^2 (1 + n/M) is rejected by the same sample."""
    chain = kde.simulate(5, 5, bandwidth=0.5, mu=MU, sigma=SIGMA, replicates=20_000, rng=SEED)
    x = chain.points[:, 0]
    assert stats.kstest(x, stats.norm(MU, np.sqrt(SIGMA**2 + 5 * 0.25)).cdf).pvalue > ALPHA
    assert stats.kstest(x, stats.norm(MU, SIGMA * np.sqrt(2.0)).cdf).pvalue < ALPHA
    np.testing.assert_allclose(chain.points.mean(axis=1), chain.mu[:, -1])


def test_held_out_scores_do_not_depend_on_the_scoring_blocks(monkeypatch):
    test = np.random.default_rng(0).standard_normal(60)
    whole = kde.simulate(2, 12, bandwidth=0.4, replicates=7, test_points=test, rng=1,
                         policy="accumulate")
    monkeypatch.setattr(kde, "SCORE_BLOCK", 50)
    pieces = kde.simulate(2, 12, bandwidth=0.4, replicates=7, test_points=test, rng=1,
                          policy="accumulate")
    np.testing.assert_allclose(pieces.test_nll, whole.test_nll, rtol=1e-13)
    np.testing.assert_array_equal(pieces.sigma2, whole.sigma2)


def test_closed_forms_overflow_to_inf_never_to_nan():
    # a fixed bandwidth near 1e308: h^2 overflows; the n = 0 term has weight 0 and
    # stays sigma^2 (it was 0 * inf = NaN, and inf - inf in the fixed-point form)
    np.testing.assert_array_equal(kde.expected_sample_variance([0, 1], 10, 1e200), [1.0, np.inf])
    np.testing.assert_array_equal(kde.sample_variance([0, 2], 10, 1e200), [1.0, np.inf])
    assert kde.expected_sample_variance(3, 10, 0.5) == pytest.approx(
        2.5 + 0.9**3 * (1 - 2.5), rel=1e-14)
    # sqrt(2 pi (2 sigma^2 + n h^2)) overflowed to a Python OverflowError
    assert kde.expected_test_density(1, 1e308) == 0.0
    assert kde.expected_test_density(2, 1.0, sigma=1e308, policy="accumulate") == 0.0


def test_expected_test_density_names_a_bad_scale():
    with pytest.raises(TypeError, match=r"\bsigma\b"):
        kde.expected_test_density(1, 1.0, sigma=[])
    with pytest.raises(ValueError, match=r"\bbandwidth\b"):
        kde.expected_test_density(1, [[1, 2], [3]])


@pytest.mark.parametrize("kwargs", [{"bandwidth": 1e308}, {"bandwidth": 0.5, "sigma": 1e200},
                                    {"bandwidth": 0.5, "mu": -1e200}])
def test_simulate_refuses_scales_whose_squares_overflow(kwargs):
    name = "mu" if "mu" in kwargs else "sigma" if "sigma" in kwargs else "bandwidth"
    with pytest.raises(ValueError, match=rf"\b{name} must be at most 1e\+150"):
        kde.simulate(2, 5, rng=0, **kwargs)
    assert np.isfinite(kde.simulate(2, 5, bandwidth=1e150, sigma=1e150, rng=0).sigma2).all()


def test_a_spread_beyond_float64_is_refused_not_returned_as_nan():
    # Silverman's rule widens its own data geometrically: this chain's spread passes
    # 1e308 near generation 3950 (overflow warnings, then NaN variances, before)
    with pytest.raises(ValueError, match=r"\bn must be at most \d+ .* silverman bandwidth"):
        kde.simulate(5000, 50, bandwidth="silverman", replicates=2, rng=0)
    with pytest.raises(ValueError, match=r"n must be at most 0 .* callable bandwidth"):
        kde.simulate(2, 10, bandwidth=lambda points: 1e200, rng=0)
