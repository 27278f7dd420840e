"""Reproducers of silent wrong answers and crashes, each held to an exact value or a clean error.

Exact values come from mpmath or from rational arithmetic (``fractions``) of the
same recursion, where floating point would cancel.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelcollapse import gaussian as g
from modelcollapse import policies
from modelcollapse._policy import fresh_counts
from modelcollapse.schedule import Explicit, Linear


def test_mle_sigma2_variance_stays_in_log_space():
    # Var = E[s^2]^2 (prod(1 + 2/(M-1)) - 1), E[s^2] = (1 - 1/M)^n: 0 * inf before
    for n, M in ((10**6, 1151), (647, 2)):
        mp = mpmath.mpf
        exact = (1 - mp(1) / M) ** (2 * n) * ((1 + mp(2) / (M - 1)) ** n - 1)
        assert g.sigma2_variance(n, M, fit="mle") == pytest.approx(float(exact), rel=1e-9)
    assert g.sigma2_variance(0, 2, 1e100) == 0.0


def test_sigma_squared_overflow_is_not_a_warning():
    assert g.sample_variance(3, 10, 1e200) == np.inf
    assert g.mean_squared_error(3, 10, 1e160) == pytest.approx(0.3e320 / 1e0, rel=1e-12)
    assert g.expected_w2_squared(0, 10, 1e200) == 0.0


def test_constant_sample_size_closed_forms_are_constant_memory():
    # n = 10**10 generations would be 80 GB of int64 sizes
    assert g.mean_squared_error(10**10, 10) == pytest.approx(1e9, rel=1e-12)
    assert g.sample_variance(10**10, 10, fit="mle") == 1.0


def test_integer_like_sizes_accepted_and_out_of_range_sizes_refused():
    assert g.mean_squared_error(3, np.array(10)) == pytest.approx(0.3)
    assert g.mean_squared_error(3, np.uint64(10)) == pytest.approx(0.3)
    assert g.mean_squared_error(np.int8(3), [np.int16(10)] * 3) == pytest.approx(0.3)
    for big in (2**63, np.uint64(2**63), [10, 2**63, 10], [2**70]):
        with pytest.raises(ValueError, match=r"M must be an integer <= 9223372036854775807"):
            g.mean_squared_error(3, big)


def test_linear_schedule_harmonic_sum_exact_and_sizes_never_wrap():
    exact = mpmath.harmonic(100) / mpmath.mpf(10) ** 17
    assert Linear(10**17).harmonic_sum(100) == pytest.approx(float(exact), rel=1e-14)
    with pytest.raises(ValueError, match=r"exceeds the int64 range at generation 0"):
        Linear(2**62).sizes(5)
    with pytest.raises(ValueError, match=r"exceeds the int64 range at generation 1"):
        Linear(2**61).sizes(5)
    assert Linear(2**61).sizes(1).tolist() == [2**61]


def _exact_paths(sizes, fresh, policy, fit):
    """The textbook moment recursion in rational arithmetic: E[sum (x - mu)^2] - N a."""
    a, v = [Fraction(0)], [Fraction(1)]
    pooled, spread = 0, Fraction(0)
    for m, k in zip(sizes, fresh_counts(np.asarray(sizes), fresh).tolist(), strict=True):
        if policy == "replace":
            pooled, spread = 0, Fraction(0)
        size = pooled + m
        spread += k + (m - k) * (v[-1] + a[-1])
        a.append(Fraction(pooled + m - k, size) ** 2 * a[-1] + (k + (m - k) * v[-1]) / size**2)
        v.append((spread - size * a[-1]) / (size - 1 if fit == "unbiased" else size))
        pooled = size
    return a, v


@pytest.mark.parametrize("policy", ["replace", "accumulate"])
@pytest.mark.parametrize("fresh", [0.0, 0.2, 0.5])
@pytest.mark.parametrize("fit", ["unbiased", "mle"])
@pytest.mark.parametrize("M", [2, 3, [4, 9, 2, 30] * 15])
def test_policy_moment_paths_match_rational_arithmetic(policy, fresh, fit, M):
    n = 60
    sizes = [M] * n if isinstance(M, int) else M[:n]
    a, v = _exact_paths(sizes, fresh, policy, fit)
    got_v = policies.gaussian_sigma2_mean(np.arange(n + 1), M, policy=policy, fresh=fresh, fit=fit)
    got_a = policies.gaussian_mean_squared_error(
        np.arange(n + 1), M, policy=policy, fresh=fresh, fit=fit
    )
    np.testing.assert_allclose(got_v, [float(x) for x in v], rtol=1e-12)
    np.testing.assert_allclose(got_a, [float(x) for x in a], rtol=1e-12)


def test_mle_sigma2_mean_without_cancellation():
    assert policies.gaussian_sigma2_mean(54, 2, fit="mle") == 2.0**-54


def test_booleans_and_strings_are_not_numbers():
    from modelcollapse import discrete

    with pytest.raises(TypeError, match=r"sigma must be a real number.*got sigma='1'"):
        g.sample_variance(1, 10, "1")
    with pytest.raises(TypeError, match=r"p0 must be a real number"):
        discrete.fixation_probability(["0.5", "0.5"])
    with pytest.raises(TypeError, match=r"M must be an integer.*not a boolean.*\(True, 5\)"):
        Explicit((True, 5))
    with pytest.raises(TypeError, match=r"not a boolean"):
        discrete.kimura_absorption_time(True, 0.5)
    with pytest.raises(ValueError, match=r"M must be an integer or integer array of rectangular"):
        g.mean_squared_error([1, 2], [[10, 10], [10]])


def test_expected_cov_has_shape_n_then_cov():
    from modelcollapse import multivariate as mv

    stack = np.stack([np.eye(2), 2 * np.eye(2)])
    out = mv.expected_cov([1, 2], 10, stack, fit="mle")
    assert out.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(out[1, 1], 2 * 0.81 * np.eye(2))


@pytest.mark.parametrize("options", [{"policy": "accumulate"}, {"fresh": 0.5}])
def test_singular_psd_truth_runs_through_the_policy_simulators(options):
    from modelcollapse import multivariate as mv

    chain = mv.simulate(3, 5, np.zeros(2), [[1.0, 0.0], [0.0, 0.0]], replicates=3, rng=1,
                        **options)
    assert np.all(chain.cov[..., 1, :] == 0) and np.all(chain.mu[..., 1] == 0)
    assert np.all(chain.cov[:, 1:, 0, 0] > 0)


def test_collapsed_chain_is_accepted_by_its_own_w2():
    from modelcollapse import multivariate as mv

    # covariances reach subnormal numbers, where eigh rounds to -4.9e-324
    chain = mv.simulate(1500, 3, np.zeros(2), np.eye(2), replicates=2, rng=0)
    w2 = chain.w2_squared()
    assert w2.shape == (2, 1501) and np.all(np.isfinite(w2))


def test_w2_growth_bad_input():
    from modelcollapse import multivariate as mv

    with pytest.raises(ValueError, match=r"cov must be a square matrix.*shape \(\)"):
        mv.w2_growth(10, [3], 1.0)
    with pytest.raises(ValueError, match=r"replicates must be an integer >= 2 \(for a standard"):
        mv.w2_growth(10, [3], np.eye(2), replicates=1)
    with pytest.raises(ValueError, match=r"n must hold at least one generation"):
        mv.w2_growth(10, [], np.eye(2))


def test_plots_refuse_empty_samples_and_single_chains():
    pytest.importorskip("matplotlib")
    from modelcollapse import plot

    law = g.generation_law(5)
    with pytest.raises(ValueError, match=r"sample must hold at least one value"):
        plot.quantile_plot([], law)
    with pytest.raises(ValueError, match=r"replicates must be an integer >= 2"):
        plot.variance_growth(3, replicates=1)
    with pytest.raises(ValueError, match=r"replicates must be an integer >= 20"):
        plot.data_policies(3, replicates=10)


def test_implied_sample_size_in_high_dimension_solves_the_drift_equation():
    from modelcollapse import estimate

    d, drift = 16384, -0.01
    m = estimate.implied_sample_size(drift, dim=d)
    with mpmath.workdps(30):
        M = mpmath.mpf(m)
        f = mpmath.fsum(mpmath.digamma((M - j) / 2) + mpmath.log(2 / (M - 1))
                        for j in range(1, d + 1))
        derivative = d * (d + 1) / (2 * M**2)  # f'(M) to leading order
    assert abs(float((f - drift) / derivative)) < 1e-6 * m
    assert estimate.implied_sample_size(-1e-300, dim=d) == pytest.approx(d * (d + 1) / 2e-300)


def test_temporal_ess_of_a_deterministic_step_is_exact():
    from modelcollapse import estimate

    # M = 1 fixes a uniform row in one step with D_t = 1/2 surely: zero variance
    result = estimate.effective_sample_size([[0.5, 0.5], [0.0, 1.0]])
    assert (result.estimate, result.std_error, result.ci) == (1.0, 0.0, (1.0, 1.0))


def test_likelihood_ess_memory_is_bounded():
    from modelcollapse import estimate

    freqs = [[0.5, 0.5], [0.4, 0.6], [0.3, 0.7]]
    with pytest.raises(ValueError, match=r"max_M must be an integer <= 4096 for method='like"):
        estimate.effective_sample_size(freqs, sample_sizes=10, method="likelihood", max_M=10**5)


def test_block_stream_derivation_and_zipf_bad_or_extreme_input():
    import sympy as sp

    from modelcollapse import discrete, sweep
    from modelcollapse.derivation import evaluate

    with pytest.raises(TypeError, match=r"root must be a numpy.random.SeedSequence, got root=1"):
        sweep.block_stream(1, 0, 0)
    with pytest.raises(ValueError, match=r"point must be an integer >= 0, got point=-1"):
        sweep.block_stream(np.random.SeedSequence(0), -1, 0)
    i, n = sp.symbols("i n", integer=True, nonnegative=True)
    y, M = sp.Symbol("y"), sp.IndexedBase("M")
    expr = y * sp.Sum(1 / M[i], (i, 0, n - 1))
    with pytest.raises(ValueError, match=r"missing y; got values for \['M', 'n'\]"):
        evaluate(expr, {n: 2, M: [2, 4]})
    with pytest.raises(ValueError, match=r"values\[M\] must have an entry M\[2\], got 2 entries"):
        evaluate(expr, {n: 3, M: [2, 4], y: 1})
    assert float(evaluate(expr, {n: 2, M: [2, 4], y: 2})) == 1.5
    assert discrete.zipf_p0(10, 1e308).tolist() == [1.0] + [0.0] * 9


def test_check_bool_accepts_only_booleans():
    from modelcollapse._validate import check_bool

    assert check_bool("quick", np.bool_(True)) is True and check_bool("quick", False) is False
    for bad in (None, "yes", 1, 0.0):
        with pytest.raises(TypeError, match=r"quick must be True or False, got quick="):
            check_bool("quick", bad)


def test_scalar_checks_name_the_parameter_for_arrays():
    from modelcollapse import estimate

    with pytest.raises(TypeError, match=r"drift must be a single real number, got drift=\[\]"):
        estimate.implied_sample_size([])
    with pytest.raises(TypeError, match=r"sigma must be a single real number"):
        g.generation_law(5, [1.0, 2.0])


def _draws(params, replicates, rng):
    return rng.standard_normal(replicates)


def test_seeds_may_exceed_int64():
    from modelcollapse import sweep

    result = sweep.sweep(_draws, [{}], replicates=3, seed=2**100)
    assert result.entropy == 2**100


def test_diffusion_times_at_huge_population_overflow_only_when_the_time_does():
    from modelcollapse import discrete

    h = -2 * (0.5 * np.log(0.5) * 2)  # 2 log 2
    assert discrete.kimura_absorption_time(1e308, 0.5) == pytest.approx(1e308 * h, rel=1e-14)
    assert discrete.kimura_loss_time(1e308, 0.999) == np.inf


def test_huge_scales_overflow_only_in_the_result():
    from modelcollapse import regression

    assert policies.gaussian_sigma2_mean(3, 10, 1e200) == np.inf
    assert policies.gaussian_mean_squared_error(1, 10, 1e160) == pytest.approx(1e319, rel=1e-12)
    assert regression.expected_test_error(0, 2, 10, sigma=1e200) == 0.0
    with pytest.raises(ValueError, match=r"sigma must be large enough for alpha"):
        g.generation_law(5, 1e-308)


def test_extreme_scales_give_inf_not_a_warning():
    from modelcollapse import wasserstein

    assert g.typical_sigma2(0, 10, 1e308) == np.inf
    assert wasserstein.gaussian_sample_w2_squared(1e308, 1.0, [0.0, 1.0]) == np.inf


def test_heterozygosity_for_a_constant_size_is_constant_memory():
    from modelcollapse import discrete

    assert discrete.expected_heterozygosity(10**10, 10, [0.5, 0.5]) == 0.0
    n = 10**4
    exact = 0.5 * (1 - mpmath.mpf(1) / 10**6) ** n
    assert discrete.expected_heterozygosity(n, 10**6, [0.5, 0.5]) == pytest.approx(float(exact))
    assert discrete.expected_heterozygosity([0, 1, 5], 1, [0.5, 0.5]).tolist() == [0.5, 0, 0]


def test_simulate_refuses_scales_whose_variances_leave_float64():
    for sigma in (1e308, 1e-308):
        with pytest.raises(ValueError, match=r"sigma must be in \[1e-100, 1e100\]"):
            g.simulate(2, 5, sigma=sigma)


@given(n=st.integers(0, 3000), M=st.integers(2, 5000), fit=st.sampled_from(["unbiased", "mle"]),
       sigma=st.floats(1e-3, 1e3))
def test_gaussian_closed_forms_match_mpmath_over_long_chains(n, M, fit, sigma):
    with mpmath.workdps(40):
        s2, m = mpmath.mpf(sigma) ** 2, mpmath.mpf(M)
        ratio = 1 if fit == "unbiased" else (1 - 1 / m) ** n
        mse = n / m if fit == "unbiased" else 1 - ratio
        var = ratio**2 * ((1 + 2 / (m - 1)) ** n - 1)
    assert g.mean_squared_error(n, M, sigma, fit=fit) == pytest.approx(float(s2 * mse), rel=1e-11)
    assert g.sample_variance(n, M, sigma, fit=fit) == pytest.approx(
        float(s2 * (ratio + mse)), rel=1e-11)
    assert g.sigma2_variance(n, M, sigma, fit=fit) == pytest.approx(float(s2**2 * var),
                                                                    rel=1e-10, abs=0)
