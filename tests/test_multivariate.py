"""The d-dimensional Gaussian recursion: closed forms, both simulators, the super-linear theorem."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import gaussian
from modelcollapse import multivariate as mv
from modelcollapse.schedule import Constant, Explicit, Linear, Power
from modelcollapse.verify._core import mean_test, two_sided_power

ALPHA = 0.01
COV = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
MEAN = np.array([0.3, -1.0, 2.0])
N, M, R = 5, 8, 20_000


def spd(d, seed, log_cond):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    logs = np.concatenate(([0.0, -log_cond], -log_cond * rng.random(d)))[:d]
    c = (q * 10.0**logs) @ q.T
    return 0.5 * (c + c.T)


# --------------------------------------------------------------------------
# closed forms against mpmath and exact arithmetic


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 8), st.integers(0, 10**7), st.sampled_from(["unbiased", "mle"]))
def test_log_det_drift_is_the_bartlett_digamma_sum(d, extra, fit):
    """sum_j [psi((M - j)/2) + log 2] - d log d_M, against 40-digit mpmath (relative 1e-12)."""
    m = d + 1 + extra
    mpmath.mp.dps = 40
    divisor = m - 1 if fit == "unbiased" else m
    exact = mpmath.fsum(
        mpmath.digamma(mpmath.mpf(m - j) / 2) + mpmath.log(2) for j in range(1, d + 1)
    )
    exact -= d * mpmath.log(divisor)
    assert mv.log_det_drift(m, d, fit=fit) == pytest.approx(float(exact), rel=1e-12)


@settings(deadline=None, max_examples=30)
@given(st.integers(1, 6), st.lists(st.integers(0, 50), min_size=1, max_size=6))
def test_log_det_variance_is_a_sum_of_trigammas(d, extras):
    sizes = [d + 1 + e for e in extras]
    mpmath.mp.dps = 30
    exact = sum(mpmath.psi(1, mpmath.mpf(m - j) / 2) for m in sizes for j in range(1, d + 1))
    got = mv.log_det_variance(len(sizes), Explicit(tuple(sizes)), d)
    assert got == pytest.approx(float(exact), rel=1e-12)


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 5), st.lists(st.integers(0, 30), min_size=0, max_size=6),
       st.sampled_from(["unbiased", "mle"]))
def test_expected_det_is_the_product_of_wishart_determinant_moments(d, extras, fit):
    """E[det Sigma_n] = det Sigma prod_i prod_j (M_i - j)/d_i, in exact rational arithmetic."""
    sizes = [d + 1 + e for e in extras]
    exact = Fraction(1)
    for m in sizes:
        for j in range(1, d + 1):
            exact *= Fraction(m - j, m - 1 if fit == "unbiased" else m)
    cov = np.diag(np.arange(1.0, d + 1))
    got = mv.expected_det(len(sizes), Explicit(tuple(sizes)) if sizes else d + 1, cov, fit=fit)
    assert got == pytest.approx(float(exact) * np.prod(np.arange(1.0, d + 1)), rel=1e-12)


def test_one_dimensional_case_is_the_gaussian_module():
    """d = 1: the multivariate closed forms reduce to modelcollapse.gaussian's."""
    n, sizes, s2 = np.arange(6), Power(3, 1.5), 2.25
    one = np.array([[s2]])
    sizes_1d = [2, 7, 10**6]
    np.testing.assert_allclose(mv.log_det_drift(sizes_1d, 1), gaussian.log_variance_drift(sizes_1d),
                               rtol=1e-14)
    for fit in ("unbiased", "mle"):
        np.testing.assert_allclose(mv.mean_squared_error(n, sizes, one, fit=fit),
                                   gaussian.mean_squared_error(n, sizes, 1.5, fit=fit), rtol=1e-14)
        np.testing.assert_allclose(mv.w2_squared_lower_bound(n, sizes, one, fit=fit),
                                   gaussian.expected_w2_squared(n, sizes, 1.5, fit=fit), rtol=1e-14)
        np.testing.assert_allclose(mv.expected_cov(n, sizes, one, fit=fit)[:, 0, 0],
                                   gaussian.sigma_moment(n, sizes, 2, 1.5, fit=fit), rtol=1e-14)
    np.testing.assert_allclose(mv.expected_w2_squared_first_order(n, sizes, one),
                               1.5 * s2 * sizes.harmonic_sum(n), rtol=1e-14)


@pytest.mark.parametrize("d", [1, 2, 5, 20])
def test_first_order_w2_for_isotropic_covariance_is_d_times_d_plus_5_over_4(d):
    """Sigma = s^2 I: E[W2^2] ~ s^2 H_n d (d + 5)/4, above the lower bound's (3/2) d s^2 H_n."""
    first = mv.expected_w2_squared_first_order(3, 1000, 4.0 * np.eye(d))
    assert first == pytest.approx(4.0 * 3e-3 * d * (d + 5) / 4, rel=1e-13)
    assert first >= 1.5 * 4.0 * d * 3e-3 * (1 - 1e-13)


def test_bounds_bracket_and_pin_e_w2_to_trace_times_harmonic_sum():
    n = np.arange(0, 200, 7)
    for fit in ("unbiased", "mle"):
        lower = mv.w2_squared_lower_bound(n, 4, COV, fit=fit)
        upper = mv.w2_squared_upper_bound(n, 4, COV, fit=fit)
        assert np.all(lower <= upper)
    msd = mv.mean_squared_error(n, 4, COV)
    gap = mv.w2_squared_upper_bound(n, 4, COV) - msd
    np.testing.assert_allclose(gap, 2 * np.trace(COV), rtol=1e-13)
    assert np.all(mv.w2_squared_lower_bound(n, 4, COV) >= msd)


# --------------------------------------------------------------------------
# the super-linear theorem


def test_e_w2_is_bounded_for_power_above_one_log_for_linear_and_linear_for_constant():
    """Closed forms: E[W2^2] = tr(Sigma) sum 1/M_i + O(tr Sigma) (Nature version, the theorem)."""
    tr = np.trace(COV)
    n = np.array([10**3, 10**4, 10**5])
    power = mv.w2_squared_upper_bound(n, Power(10, 2.0), COV)
    assert np.all(power <= tr * (np.pi**2 / 60 + 2)) and Power(10, 2.0).bounded
    linear = mv.mean_squared_error(n, Linear(10), COV)  # the lower bound's growing part
    np.testing.assert_allclose(np.diff(linear), tr * np.log(10) / 10, rtol=1e-3)
    assert Linear(10).bounded is False
    constant = mv.w2_squared_lower_bound(n, Constant(10), COV)
    np.testing.assert_allclose(np.diff(constant), tr * np.diff(n) / 10, rtol=1e-9)


@pytest.mark.parametrize("schedule", [Constant(32), Linear(32), Power(32, 2.0)], ids=repr)
def test_simulated_e_w2_lies_between_the_closed_form_bounds(schedule):
    """Each simulated mean is inside [lower, upper] up to z_{0.995} standard errors (alpha <= 0.01).

    Parameters keep Var(sigma_n^2)/E[sigma_n^2]^2 small (sigma2_cv < 2): for long
    constant-M chains E[W2^2] is carried by rare chains and the standard error lies.
    """
    growth = mv.w2_growth(schedule, [1, 5, 20], COV, replicates=2000, rng=7)
    assert np.all(growth.sigma2_cv < 2)
    z = stats.norm.isf(ALPHA / 2)
    assert np.all(growth.simulated >= growth.lower - z * growth.std_error)
    assert np.all(growth.simulated <= growth.upper + z * growth.std_error)


# --------------------------------------------------------------------------
# both simulators against the closed forms, and against each other


@pytest.fixture(scope="module")
def chains():
    return {
        method: mv.simulate(N, M, MEAN, COV, replicates=R, method=method, rng=seed)
        for method, seed in (("wishart", 1), ("samples", 2))
    }


STATISTICS = {
    # name: (observation, closed form, deliberately wrong formula)
    "mean_squared_error": (
        lambda c: np.sum((c.mu[:, -1] - MEAN) ** 2, axis=-1),
        lambda: mv.mean_squared_error(N, M, COV),
        lambda: np.trace(COV) * N / (M - 1),
    ),
    "trace_cov": (
        lambda c: np.trace(c.cov[:, -1], axis1=-2, axis2=-1),
        lambda: np.trace(mv.expected_cov(N, M, COV)),
        lambda: np.trace(mv.expected_cov(N, M, COV, fit="mle")),
    ),
    "cov_01": (
        lambda c: c.cov[:, -1, 0, 1],
        lambda: mv.expected_cov(N, M, COV)[0, 1],
        lambda: mv.expected_cov(N, M, COV, fit="mle")[0, 1],
    ),
    "log_det": (
        lambda c: np.linalg.slogdet(c.cov[:, -1])[1],
        lambda: mv.log_det_mean(N, M, COV),
        lambda: np.linalg.slogdet(COV)[1] + 3 * N * gaussian.log_variance_drift(M),
    ),
    "det": (
        lambda c: np.linalg.det(c.cov[:, -1]),
        lambda: mv.expected_det(N, M, COV),
        lambda: np.linalg.det(COV),
    ),
}


@pytest.mark.parametrize("method", ["wishart", "samples"])
@pytest.mark.parametrize("statistic", list(STATISTICS))
def test_simulated_moments_match_closed_forms(chains, method, statistic):
    """z-test of the Monte Carlo mean against the closed form at alpha = 0.01 (fixed seed);
    the companion wrong formula (d_i = M_i, 1/(M_i - 1), or the 1-D log-drift times d)
    is rejected by the same data, with power > 0.9."""
    observe, closed, wrong = STATISTICS[statistic]
    y = observe(chains[method])
    test = mean_test(y, float(closed()))
    assert test.p_value > ALPHA
    assert two_sided_power(float(wrong()) - test.expected, test.std_error, ALPHA) > 0.9
    assert mean_test(y, float(wrong())).p_value < ALPHA


@pytest.mark.parametrize("statistic", list(STATISTICS))
def test_wishart_and_samples_agree_in_law(chains, statistic):
    """Two-sample z-test (independent seeds) of equal means at alpha = 0.01."""
    observe = STATISTICS[statistic][0]
    a, b = observe(chains["wishart"]), observe(chains["samples"])
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert 2 * stats.norm.sf(abs(a.mean() - b.mean()) / se) > ALPHA


def test_log_det_spread_is_the_trigamma_sum(chains):
    """Var(log det Sigma_n) by a z-test on squared deviations (alpha = 0.01); companion:
    the trigamma sum without the j shift, d psi'((M - 1)/2) per generation, is rejected."""
    y = np.linalg.slogdet(chains["wishart"].cov[:, -1])[1]
    dev = (y - mv.log_det_mean(N, M, COV)) ** 2
    assert mean_test(dev, mv.log_det_variance(N, M, 3)).p_value > ALPHA
    wrong = 3 * N * float(mv.log_det_variance(1, M, 1))
    assert mean_test(dev, wrong).p_value < ALPHA


def test_mle_fit_shrinks_the_expected_covariance():
    """fit="mle": E[tr Sigma_n] = tr Sigma prod (1 - 1/M_i) (alpha = 0.01).

    Companion: the unbiased value tr Sigma is rejected."""
    chain = mv.simulate(N, M, MEAN, COV, replicates=R, fit="mle", rng=3)
    y = np.trace(chain.cov[:, -1], axis1=-2, axis2=-1)
    assert mean_test(y, np.trace(mv.expected_cov(N, M, COV, fit="mle"))).p_value > ALPHA
    assert mean_test(y, np.trace(COV)).p_value < ALPHA


def test_first_order_w2_matches_simulation_at_large_m():
    """n = 1, M = 10^4, Sigma = I_3: M E[W2^2] = d (d + 5)/4 = 6 + O(1/M), far below the
    standard error; alpha = 0.01. Companion: the 1-D constant (3/2) d = 4.5 is rejected."""
    chain = mv.simulate(1, 10**4, np.zeros(3), np.eye(3), replicates=R, rng=4)
    y = chain.w2_squared()[:, -1]
    assert mean_test(y, mv.expected_w2_squared_first_order(1, 10**4, np.eye(3))).p_value > ALPHA
    assert mean_test(y, 4.5e-4).p_value < ALPHA


# --------------------------------------------------------------------------
# simulator mechanics


def test_samples_method_does_not_depend_on_the_chunk_size():
    kwargs = {"replicates": 3, "method": "samples", "rng": 5}
    a = mv.simulate(3, 9000, np.zeros(2), COV[:2, :2], **kwargs)
    b = mv.simulate(3, 9000, np.zeros(2), COV[:2, :2], chunk=mv.SEGMENT * 2, **kwargs)
    np.testing.assert_array_equal(a.cov, b.cov)
    np.testing.assert_array_equal(a.mu, b.mu)


def test_same_seed_same_chain_and_results_are_read_only():
    a = mv.simulate(4, 6, MEAN, COV, replicates=5, rng=9)
    b = mv.simulate(4, 6, MEAN, COV, replicates=5, rng=9)
    np.testing.assert_array_equal(a.cov, b.cov)
    assert a.cov.shape == (5, 5, 3, 3) and a.mu.shape == (5, 5, 3)
    assert (a.n, a.d, a.replicates) == (4, 3, 5)
    with pytest.raises(ValueError, match="read-only"):
        a.cov[0, 0, 0, 0] = 1.0


@settings(deadline=None, max_examples=25)
@given(
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 4.0, 8.0]) | st.floats(0, 8),
    st.sampled_from(["wishart", "samples"]),
)
def test_near_singular_covariances_simulate_without_nan(d, seed, log_cond, method):
    """Condition numbers up to 1e8: finite, exactly symmetric, PSD fits; finite closed forms."""
    cov = spd(d, seed, log_cond)
    chain = mv.simulate(20, d + 2, np.zeros(d), cov, replicates=4, method=method, rng=seed)
    assert np.all(np.isfinite(chain.cov)) and np.all(np.isfinite(chain.mu))
    np.testing.assert_array_equal(chain.cov, np.swapaxes(chain.cov, -1, -2))
    w = np.linalg.eigvalsh(chain.cov)
    assert np.all(w >= -1e-10 * w[..., -1:])
    for value in (mv.log_det_mean(20, d + 2, cov), mv.expected_det(20, d + 2, cov),
                  mv.w2_squared_lower_bound(20, d + 2, cov), chain.w2_squared()):
        assert np.all(np.isfinite(value))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: mv.simulate(1, 5, np.zeros(2), [[1.0, 0.3], [0.0, 1.0]]), "cov"),
        (lambda: mv.simulate(1, 5, np.zeros(2), [[1.0, 2.0], [2.0, 1.0]]), "cov"),
        (lambda: mv.simulate(1, 5, np.zeros(3), np.eye(2)), "mean"),
        (lambda: mv.simulate(1, 5, np.zeros(2), np.ones(2)), "cov"),
        (lambda: mv.simulate(2, 3, np.zeros(3), np.eye(3)), "M"),
        (lambda: mv.simulate(2, [5, 2], np.zeros(2), np.eye(2)), "M"),
        (lambda: mv.simulate(1, 5, np.zeros(2), np.eye(2), method="exact"), "method"),
        (lambda: mv.log_det_drift(3, 3), "M"),
        (lambda: mv.log_det_mean(1, 5, np.diag([1.0, 0.0])), "cov"),
        (lambda: mv.expected_det(1, 2, np.eye(2)), "M"),
        (lambda: mv.mean_squared_error(1, 5, [[1.0, 2.0], [0.0, 1.0]]), "cov"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()
