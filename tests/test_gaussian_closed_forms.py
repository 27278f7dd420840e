"""Closed forms of the 1-D Gaussian recursion: exact properties and high-precision values."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from modelcollapse import gaussian as g
from modelcollapse.schedule import Constant, Explicit, Linear, Power

sizes = st.integers(min_value=2, max_value=10_000)
schedules = st.lists(sizes, min_size=1, max_size=40)
sigmas = st.floats(min_value=1e-3, max_value=1e3)
fits = st.sampled_from(["unbiased", "mle"])
RTOL = 1e-12

mp.mp.dps = 40


def mp_log_scale_moment(m, p, fit):
    """log E[(chi2_k/d)^(p/2)] in 40-digit arithmetic, k = m - 1."""
    k = mp.mpf(m) - 1
    d = k if fit == "unbiased" else mp.mpf(m)
    return (mp.mpf(p) / 2) * mp.log(2 / d) + mp.loggamma((k + p) / 2) - mp.loggamma(k / 2)


def mp_moment(schedule, p, sigma, fit):
    return mp.mpf(sigma) ** p * mp.exp(sum(mp_log_scale_moment(m, p, fit) for m in schedule))


def mp_mse(schedule, sigma, fit):
    total = mp.mpf(0)
    for i, m in enumerate(schedule):
        total += mp_moment(schedule[:i], 2, 1, fit) / m
    return mp.mpf(sigma) ** 2 * total


@settings(max_examples=60, deadline=None)
@given(schedules, st.floats(min_value=-0.9, max_value=8.0), sigmas, fits)
def test_sigma_moment_matches_40_digit_arithmetic(schedule, p, sigma, fit):
    expected = float(mp_moment(schedule, p, sigma, fit))
    got = g.sigma_moment(len(schedule), schedule, p, sigma, fit=fit)
    assert got == pytest.approx(expected, rel=RTOL * len(schedule))


@settings(max_examples=40, deadline=None)
@given(schedules, sigmas, fits)
def test_mse_variance_and_w2_match_40_digit_arithmetic(schedule, sigma, fit):
    n = len(schedule)
    mse = mp_mse(schedule, sigma, fit)
    s2 = mp_moment(schedule, 2, sigma, fit)
    s1 = mp_moment(schedule, 1, sigma, fit)
    s4 = mp_moment(schedule, 4, sigma, fit)
    w2 = mse + s2 - 2 * sigma * s1 + mp.mpf(sigma) ** 2
    rtol = RTOL * n
    assert g.mean_squared_error(n, schedule, sigma, fit=fit) == pytest.approx(float(mse), rel=rtol)
    variance = g.sample_variance(n, schedule, sigma, fit=fit)
    assert variance == pytest.approx(float(s2 + mse), rel=rtol)
    assert g.sigma2_variance(n, schedule, sigma, fit=fit) == pytest.approx(
        float(s4 - s2**2), rel=rtol
    )
    assert g.expected_w2_squared(n, schedule, sigma, fit=fit) == pytest.approx(float(w2), rel=rtol)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=10**9), fits)
def test_log_variance_drift_matches_40_digit_arithmetic(m, fit):
    k = mp.mpf(m) - 1
    d = k if fit == "unbiased" else mp.mpf(m)
    expected = float(mp.digamma(k / 2) + mp.log(2 / d))
    assert g.log_variance_drift(m, fit=fit) == pytest.approx(expected, rel=RTOL)
    assert g.log_variance_drift(m, fit=fit) < 0


@given(sizes, st.integers(min_value=0, max_value=50), sigmas)
def test_n_zero_is_the_truth_and_the_fitted_variance_is_a_martingale(m, n, sigma):
    assert g.sample_variance(0, m, sigma) == pytest.approx(sigma**2, rel=1e-15)
    assert g.mean_squared_error(0, m, sigma) == 0
    assert g.expected_w2_squared(0, m, sigma) == 0
    assert g.sigma2_variance(0, m, sigma) == 0
    assert g.sigma_moment(n, m, 2, sigma) == pytest.approx(sigma**2, rel=1e-13)


@given(sizes, sigmas)
def test_sample_variance_grows_linearly_in_n_for_constant_m(m, sigma):
    n = np.arange(0, 200)
    var = g.sample_variance(n, m, sigma)
    np.testing.assert_allclose(np.diff(var), sigma**2 / m, rtol=1e-9)


@given(schedules, sigmas, fits)
def test_expected_w2_squared_is_at_least_the_mean_squared_error(schedule, sigma, fit):
    n = np.arange(len(schedule) + 1)
    w2 = g.expected_w2_squared(n, schedule, sigma, fit=fit)
    assert np.all(w2 >= g.mean_squared_error(n, schedule, sigma, fit=fit))


@given(sizes, st.integers(min_value=0, max_value=30), sigmas, fits)
def test_constant_m_equals_the_equivalent_sequence(m, n, sigma, fit):
    for f in (g.sample_variance, g.mean_squared_error, g.sigma2_variance, g.expected_w2_squared,
              g.log_sigma2_mean):
        assert f(n, m, sigma, fit=fit) == pytest.approx(f(n, [m] * n, sigma, fit=fit), rel=1e-12)
    assert g.sigma_moment(n, m, 1.5, sigma, fit=fit) == pytest.approx(
        g.sigma_moment(n, Explicit((m,) * n), 1.5, sigma, fit=fit), rel=1e-12
    )


@given(schedules, fits)
def test_vectorised_results_equal_elementwise_results(schedule, fit):
    n = np.arange(len(schedule) + 1)
    sigma = np.linspace(0.5, 2.0, n.size)
    for f in (g.sample_variance, g.mean_squared_error, g.sigma2_variance, g.expected_w2_squared):
        vector = f(n, schedule, sigma, fit=fit)
        assert vector.shape == n.shape
        for k in n:
            # equal to rounding: numpy's SIMD exp/log may differ from the scalar path in the
            # last bit, depending on the array length
            elementwise = f(int(k), schedule, sigma[k], fit=fit)
            np.testing.assert_allclose(vector[k], elementwise, rtol=1e-14, atol=0)
    p = np.array([-0.5, 1.0, 3.0])
    grid = g.sigma_moment(n[:, None], schedule, p[None, :], fit=fit)
    assert grid.shape == (n.size, p.size)
    np.testing.assert_allclose(grid[-1, 1], g.sigma_moment(int(n[-1]), schedule, 1.0, fit=fit),
                               rtol=1e-14)


def test_w2_is_three_halves_of_the_harmonic_sum_to_first_order():
    m = 10**6
    n = np.array([1, 10, 100])
    ratio = g.expected_w2_squared(n, m) / (n / m)
    np.testing.assert_allclose(ratio, 1.5, rtol=1e-4)


def test_mle_fit_conserves_the_marginal_variance():
    n = np.arange(50)
    np.testing.assert_allclose(g.sample_variance(n, [3, 7] * 25, 2.0, fit="mle"), 4.0, rtol=1e-13)


def test_long_chains_stay_finite_without_warnings():
    """n = 10^6 with M = 2: finite numbers and no overflow warning (warnings are errors)."""
    n = np.array([0, 1, 10**3, 10**6])
    for fit in ("unbiased", "mle"):
        for value in (
            g.sample_variance(n, 2, fit=fit),
            g.mean_squared_error(n, 2, fit=fit),
            g.expected_w2_squared(n, 2, fit=fit),
            g.sigma_moment(n, 2, 1, fit=fit),
            g.log_sigma_moment(n, 2, 4, fit=fit),
            g.log_sigma2_mean(n, 2, fit=fit),
            g.log_sigma2_variance(n, 2),
        ):
            assert np.all(np.isfinite(value))
    assert g.expected_w2_squared(10**6, 2) == pytest.approx(10**6 / 2 + 2, rel=1e-12)


def test_moments_beyond_float64_are_inf_and_their_logs_are_exact():
    assert g.sigma2_variance(10**6, 2) == np.inf
    assert g.sigma_moment(10**6, 2, 4) == np.inf
    # E[sigma_n^4] = prod (1 + 2/(M - 1)) = 3^n for M = 2.
    assert g.log_sigma_moment(10**6, 2, 4) == pytest.approx(10**6 * np.log(3), rel=1e-14)


def test_typical_variance_collapses_while_the_mean_stays():
    n = np.array([0, 10, 100, 1000])
    typical = g.typical_sigma2(n, 10)
    assert typical[0] == 1 and np.all(np.diff(typical) < 0) and typical[-1] < 1e-40
    np.testing.assert_allclose(g.sigma_moment(n, 10, 2), 1.0)


@pytest.mark.parametrize("schedule", [Constant(10), Linear(10), Power(10, 1.5)])
def test_w2_stays_bounded_iff_the_harmonic_series_converges(schedule):
    """E[W2^2] = sigma^2 H(n) + 2 sigma^2 (1 - E[sigma_n]/sigma), the last term in [0, 2 sigma^2].

    So E[W2^2] is bounded iff H(n) = sum 1/M_i is: for Power(M0, a > 1) by
    sigma^2 (zeta(a)/M0 + 2); for a constant or linear schedule it exceeds
    that bound and grows like n or log n.
    """
    n = np.array([10, 100, 1000, 10_000, 100_000])
    sigma = 1.7
    w2 = g.expected_w2_squared(n, schedule, sigma)
    h = schedule.harmonic_sum(n)
    gap = w2 - sigma**2 * h
    assert np.all(np.diff(w2) > 0)
    assert np.all((gap >= 0) & (gap <= 2 * sigma**2 * (1 + 1e-12)))
    bound = sigma**2 * (special.zeta(1.5) / 10 + 2)
    if schedule.bounded:
        assert np.all(w2 < bound)
    else:
        growth = n / 10 if schedule.constant else np.log(n) / 10
        np.testing.assert_allclose(np.diff(h) / np.diff(growth), 1.0, rtol=0.05)
