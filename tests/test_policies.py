"""Data policies of the Gaussian chain: closed forms, their derivation, the simulator.

Statistical checks are two-sided z-tests of Monte Carlo means with computed
standard errors (or two-sample KS tests), at ALPHA = 0.001 per check with a
fixed seed; each has a companion showing a deliberately wrong formula is
rejected by the same data.
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import gaussian as g
from modelcollapse import policies as P
from modelcollapse.verify._core import mean_test

ALPHA = 0.001
CRIT = stats.norm.isf(ALPHA / 2)
SEED = 20240401

sizes = st.integers(min_value=2, max_value=500)
schedules = st.lists(sizes, min_size=1, max_size=30)
fractions = st.floats(min_value=0.0, max_value=1.0)
fits = st.sampled_from(["unbiased", "mle"])
RTOL = 1e-12


def _holds(observations, value):
    return abs(mean_test(observations, value).z) < CRIT


# --------------------------------------------------------------------------
# simulation against the closed forms


@pytest.fixture(scope="module")
def accumulating():
    return g.simulate(10, 3, mu=0.3, sigma=1.5, replicates=200_000, policy="accumulate", rng=SEED)


def test_accumulated_mean_error_is_the_bounded_sum(accumulating):
    """E[(mu_n - mu)^2] = (sigma^2/M) sum_k p_k/k^2, alpha = 0.001."""
    sq = (accumulating.mu[:, -1] - 0.3) ** 2
    assert _holds(sq, P.gaussian_mean_squared_error(10, 3, 1.5, policy="accumulate"))


def test_accumulated_mean_error_rejects_the_variance_blind_sum(accumulating):
    """Companion: (sigma^2/M) sum 1/k^2, as if E[sigma_i^2] stayed sigma^2, is rejected."""
    sq = (accumulating.mu[:, -1] - 0.3) ** 2
    wrong = 1.5**2 / 3 * np.sum(1.0 / np.arange(1, 11) ** 2)
    assert not _holds(sq, wrong)


def test_accumulated_variance_shrinks_to_a_positive_limit(accumulating):
    """E[sigma_n^2] = sigma^2 prod_{1<=i<n} (1 - M_i/(N_i (N_i - 1))), alpha = 0.001."""
    s2 = accumulating.sigma2[:, -1]
    assert _holds(s2, P.gaussian_sigma2_mean(10, 3, 1.5, policy="accumulate"))
    assert not _holds(s2, 1.5**2)  # companion: the replace martingale's sigma^2


@pytest.fixture(scope="module")
def half_fresh():
    return g.simulate(30, 4, mu=-1.0, sigma=0.8, replicates=100_000, fresh=0.5, rng=SEED)


def test_fresh_fraction_mean_error_reaches_the_exact_stationary_value(half_fresh):
    """a_inf = sigma^2 (M - 1)/(M (M f (2 - f) - 1)) after 30 generations, alpha = 0.001."""
    sq = (half_fresh.mu[:, -1] + 1.0) ** 2
    assert _holds(sq, P.gaussian_stationary_mean_squared_error(4, 0.5, 0.8))


def test_fresh_fraction_rejects_the_first_order_stationary_value(half_fresh):
    """Companion: sigma^2/(M f (2 - f)) ignores the inflated synthetic variance."""
    sq = (half_fresh.mu[:, -1] + 1.0) ** 2
    assert not _holds(sq, 0.8**2 / (4 * 0.5 * 1.5))


def test_fresh_fraction_variance_is_inflated_to_its_stationary_value(half_fresh):
    s2 = half_fresh.sigma2[:, -1]
    assert _holds(s2, P.gaussian_stationary_sigma2(4, 0.5, 0.8))
    assert not _holds(s2, 0.8**2)


@pytest.mark.parametrize(
    ("policy", "fresh", "fit"),
    [("accumulate", 0.4, "mle"), ("replace", 1 / 3, "unbiased"), ("accumulate", 0.0, "unbiased")],
)
def test_samples_method_follows_the_recursion(policy, fresh, fit):
    """The refit points (method='samples') against the exact paths, alpha = 0.001 each."""
    chain = g.simulate(
        6,
        [5, 6, 7, 6, 5, 9],
        replicates=20_000,
        method="samples",
        policy=policy,
        fresh=fresh,
        fit=fit,
        rng=SEED,
    )
    a = P.gaussian_mean_squared_error(6, [5, 6, 7, 6, 5, 9], policy=policy, fresh=fresh, fit=fit)
    v = P.gaussian_sigma2_mean(6, [5, 6, 7, 6, 5, 9], policy=policy, fresh=fresh, fit=fit)
    assert _holds(chain.mu[:, -1] ** 2, a)
    assert _holds(chain.sigma2[:, -1], v)


def test_subsampling_the_pool_sits_between_accumulating_and_replacing():
    """One-sided at alpha = 0.001: accumulate < accumulate-subsample < replace (n = 10, M = 5)."""
    chain = g.simulate(
        10, 5, replicates=20_000, method="samples", policy="accumulate-subsample", rng=SEED
    )
    test = mean_test(chain.mu[:, -1] ** 2, 0.0)
    low = P.gaussian_mean_squared_error(10, 5, policy="accumulate")
    high = g.mean_squared_error(10, 5)
    one_sided = stats.norm.isf(ALPHA)
    assert (test.estimate - low) / test.std_error > one_sided
    assert (high - test.estimate) / test.std_error > one_sided


def test_all_fresh_is_fitting_fresh_data_every_time():
    """f = 1: sigma_n^2 has the law of one fit to D0 (KS, alpha = 0.001); the companion
    replace chain, collapsed after 30 fits, is told apart by the same test."""
    fresh = g.simulate(30, 6, replicates=4000, fresh=1.0, rng=SEED).sigma2[:, -1]
    one_fit = g.simulate(1, 6, replicates=4000, rng=SEED + 1).sigma2[:, -1]
    collapsed = g.simulate(30, 6, replicates=4000, rng=SEED + 2).sigma2[:, -1]
    assert stats.ks_2samp(fresh, one_fit).pvalue > ALPHA
    assert stats.ks_2samp(collapsed, one_fit).pvalue < ALPHA


def test_sufficient_and_samples_accumulate_agree_in_law():
    """Two-sample KS on mu_n and sigma_n^2, alpha = 0.001 each."""
    a = g.simulate(5, 4, replicates=4000, policy="accumulate", fresh=0.25, rng=SEED)
    b = g.simulate(
        5, 4, replicates=4000, policy="accumulate", fresh=0.25, method="samples", rng=SEED + 1
    )
    assert stats.ks_2samp(a.mu[:, -1], b.mu[:, -1]).pvalue > ALPHA
    assert stats.ks_2samp(a.sigma2[:, -1], b.sigma2[:, -1]).pvalue > ALPHA


# --------------------------------------------------------------------------
# bitwise: replace is the paper's chain, unchanged


def test_replace_numbers_are_those_before_policies_existed():
    """Values printed by the simulator at commit d4ed848, before the policy code."""
    suff = g.simulate(3, 5, mu=0.2, sigma=1.3, replicates=2, rng=1)
    assert suff.mu[1].tolist() == [0.2, 0.6776704453080995, 1.1003187720322636, 0.9909647053282011]
    assert suff.sigma2[0, 3] == 1.0990518721386313
    samp = g.simulate(3, 5, mu=0.2, sigma=1.3, replicates=2, method="samples", rng=1)
    assert samp.mu[0, 3] == 0.22162136040808642
    assert samp.sigma2[1].tolist() == [
        1.6900000000000002,
        0.32977888372452047,
        0.08468783465476154,
        0.06405405296044604,
    ]
    explicit = g.simulate(3, 5, mu=0.2, sigma=1.3, replicates=2, policy="replace", fresh=0, rng=1)
    assert np.array_equal(explicit.mu, suff.mu) and np.array_equal(explicit.sigma2, suff.sigma2)
    assert (suff.policy, suff.fresh) == ("replace", 0.0)


# --------------------------------------------------------------------------
# the derivation, in sympy


def test_accumulated_variance_recursion_telescopes_to_the_product():
    """With S_{i-1} = (N_{i-1} - 1) v_i + N_{i-1} a_i (the previous step's definition),
    one accumulate step gives v_{i+1} = v_i (1 - M/(N (N - 1))), N = N_{i-1} + M."""
    prev, m, a, v = sp.symbols("N_prev M a v", positive=True)
    size = prev + m
    a_next = a + m * v / size**2
    spread = (prev - 1) * v + prev * a + m * (v + a)
    v_next = (spread - size * a_next) / (size - 1)
    assert sp.simplify(v_next - v * (1 - m / (size * (size - 1)))) == 0


def test_stationary_law_is_the_fixed_point_of_the_recursion():
    """sympy solves the two-dimensional fixed point; the package's forms are it."""
    a, v, m, f, d = sp.symbols("a v M f d", positive=True)
    k, rest = f * m, m - f * m
    sol = sp.solve(
        [
            sp.Eq(a, (rest / m) ** 2 * a + (k + rest * v) / m**2),
            sp.Eq(v, (k + rest * (v + a) - m * a) / d),
        ],
        [a, v],
        dict=True,
    )[0]
    mse, var = (sp.lambdify((m, f, d), sol[x]) for x in (a, v))
    for M_, f_, fit in [
        (4, 0.5, "unbiased"),
        (10, 0.3, "mle"),
        (7, 1.0, "unbiased"),
        (2, 0.5, "mle"),
    ]:
        d_ = M_ - 1 if fit == "unbiased" else M_
        assert P.gaussian_stationary_mean_squared_error(M_, f_, fit=fit) == pytest.approx(
            mse(M_, f_, d_), rel=RTOL
        )
        assert P.gaussian_stationary_sigma2(M_, f_, fit=fit) == pytest.approx(
            var(M_, f_, d_), rel=RTOL
        )


# --------------------------------------------------------------------------
# properties of the closed forms


@settings(max_examples=60, deadline=None)
@given(schedules, fits)
def test_accumulating_is_never_worse_than_replacing(schedule, fit):
    n = np.arange(len(schedule) + 1)
    acc = P.gaussian_mean_squared_error(n, schedule, policy="accumulate", fit=fit)
    rep = P.gaussian_mean_squared_error(n, schedule, fit=fit)
    assert np.all(acc <= rep * (1 + RTOL))


def test_with_fresh_data_accumulating_can_be_worse_than_replacing():
    """Old real points and the synthetic points drawn from a model fitted to them share
    its error: with M = [2, 5] and f = 1/2 the pool weighs e_1 by 4/7, replacing by 2/5.
    (Simulated: 0.24520 +- 0.00025 vs 0.24019 +- 0.00025 at 2e6 replicates.)"""
    acc, rep = (
        P.gaussian_mean_squared_error(2, [2, 5], policy=p, fresh=0.5, fit="mle")
        for p in ("accumulate", "replace")
    )
    assert acc == pytest.approx(12 / 49) and rep == pytest.approx(0.24)


@settings(max_examples=60, deadline=None)
@given(schedules, fits, st.floats(min_value=1e-3, max_value=1e3))
def test_no_fresh_data_is_the_replace_chain(schedule, fit, sigma):
    n = len(schedule)
    got = P.gaussian_mean_squared_error(n, schedule, sigma, fresh=0.0, fit=fit)
    assert got == pytest.approx(g.mean_squared_error(n, schedule, sigma, fit=fit), rel=RTOL * n)
    var = P.gaussian_sigma2_mean(n, schedule, sigma, fit=fit)
    assert var == pytest.approx(g.sigma_moment(n, schedule, 2, sigma, fit=fit), rel=RTOL * n)


@settings(max_examples=60, deadline=None)
@given(schedules, fits)
def test_all_fresh_data_is_one_fit_to_the_truth(schedule, fit):
    n = len(schedule)
    m = schedule[-1]
    assert P.gaussian_mean_squared_error(n, schedule, fresh=1.0, fit=fit) == pytest.approx(1 / m)
    one_fit = 1.0 if fit == "unbiased" else 1 - 1 / m
    assert P.gaussian_sigma2_mean(n, schedule, fresh=1.0, fit=fit) == pytest.approx(one_fit)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=200), st.integers(min_value=1, max_value=2000))
def test_accumulated_mean_error_stays_below_pi_squared_over_six(M, n):
    assert P.gaussian_mean_squared_error(n, M, policy="accumulate") < np.pi**2 / 6 / M


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=100), st.floats(min_value=0.05, max_value=1.0), fits)
def test_replace_with_fresh_data_converges_to_the_stationary_law(M, fresh, fit):
    if np.floor(fresh * M + 0.5) == 0:
        return
    long = 4000
    assert P.gaussian_mean_squared_error(long, M, fresh=fresh, fit=fit) == pytest.approx(
        P.gaussian_stationary_mean_squared_error(M, fresh, fit=fit), rel=1e-9
    )
    assert P.gaussian_sigma2_mean(long, M, fresh=fresh, fit=fit) == pytest.approx(
        P.gaussian_stationary_sigma2(M, fresh, fit=fit), rel=1e-9
    )


def test_more_fresh_data_lowers_the_stationary_error():
    errors = P.gaussian_stationary_mean_squared_error(20, np.linspace(0.05, 1.0, 20))
    assert np.all(np.diff(errors) < 0)


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("fresh", [-0.1, 1.5, float("nan")])
def test_fresh_outside_the_unit_interval_names_fresh(fresh):
    with pytest.raises(ValueError, match="fresh must be"):
        g.simulate(2, 5, fresh=fresh)
    with pytest.raises(ValueError, match="fresh must be"):
        P.gaussian_mean_squared_error(2, 5, fresh=fresh)


def test_unknown_policy_names_policy():
    match = (
        "policy must be one of 'replace', 'accumulate', 'accumulate-subsample', got policy='mix'"
    )
    with pytest.raises(ValueError, match=match):
        g.simulate(2, 5, policy="mix")
    with pytest.raises(ValueError, match=match):
        P.gaussian_sigma2_mean(2, 5, policy="mix")


def test_subsampling_needs_the_samples_method_and_has_no_closed_form():
    with pytest.raises(
        ValueError, match="method must be 'samples' for policy='accumulate-subsample'"
    ):
        g.simulate(2, 5, policy="accumulate-subsample")
    with pytest.raises(ValueError, match="policy must be 'replace' or 'accumulate' for a closed"):
        P.gaussian_mean_squared_error(2, 5, policy="accumulate-subsample")


def test_stationary_law_needs_a_fresh_point_per_generation():
    with pytest.raises(ValueError, match=r"fresh must give at least one fresh point.*M=4"):
        P.gaussian_stationary_mean_squared_error([10, 4], 0.1)


# --------------------------------------------------------------------------
# discrete chain with a fresh fraction: the mutation-drift analogue

P0 = [0.5, 0.3, 0.2]
H0 = 1 - np.sum(np.square(P0))


@pytest.fixture(scope="module")
def discrete_fresh():
    from modelcollapse import discrete

    chain = discrete.simulate(40, 6, P0, replicates=40_000, fresh=1 / 3, keep="last", rng=SEED)
    return 1 - np.sum(chain.p[:, -1] ** 2, axis=-1)


def test_fresh_draws_hold_heterozygosity_at_its_equilibrium(discrete_fresh):
    """E[H_40] = H_inf = H0 f (2 - f - 1/M)/(f (2 - f) + (1 - f)/M), alpha = 0.001."""
    assert _holds(discrete_fresh, P.discrete_heterozygosity(40, 6, P0, fresh=1 / 3))
    assert P.discrete_heterozygosity(40, 6, P0, fresh=1 / 3) == pytest.approx(
        P.discrete_stationary_heterozygosity(6, P0, 1 / 3), rel=1e-12
    )


def test_heterozygosity_rejects_the_large_M_equilibrium(discrete_fresh):
    """Companion: theta/(1 + theta) with theta = 2 M f, the diffusion approximation."""
    theta = 2 * 6 / 3
    assert not _holds(discrete_fresh, H0 * theta / (1 + theta))


def test_heterozygosity_fixed_point_in_sympy():
    h, h0, k, rest = sp.symbols("H H0 K L", positive=True)
    m = k + rest
    star = sp.solve(sp.Eq(m**2 * h, k * (k + 2 * rest - 1) * h0 + rest * (rest - 1) * h), h)[0]
    f = sp.Symbol("f", positive=True)
    M = sp.Symbol("M", positive=True)
    closed = h0 * f * (2 - f - 1 / M) / (f * (2 - f) + (1 - f) / M)
    assert sp.simplify(star - closed.subs({f: k / m, M: m})) == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=30))
def test_no_fresh_draws_is_wright_fisher_and_all_fresh_is_one_sample(schedule):
    from modelcollapse import discrete

    n = len(schedule)
    assert P.discrete_heterozygosity(n, schedule, P0) == pytest.approx(
        discrete.expected_heterozygosity(n, schedule, P0), rel=1e-12
    )
    assert P.discrete_heterozygosity(n, schedule, P0, fresh=1.0) == pytest.approx(
        H0 * (1 - 1 / schedule[-1]), rel=1e-12
    )


def test_discrete_fresh_bad_input_names_the_parameter():
    from modelcollapse import discrete

    with pytest.raises(ValueError, match="fresh must be a fraction in"):
        discrete.simulate(2, 5, P0, fresh=2.0)
    with pytest.raises(ValueError, match="method must be 'counts' or 'auto' with fresh > 0"):
        discrete.simulate(2, 5, P0, fresh=0.5, method="labels")
    with pytest.raises(ValueError, match="fresh must give at least one fresh draw"):
        P.discrete_stationary_heterozygosity(5, P0, 0.01)
