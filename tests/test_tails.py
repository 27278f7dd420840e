"""Sampling transforms in the discrete loop, the memoriser and the Zipf scaling laws.

Statistical checks: fixed seeds; loss and support probabilities by exact binomial
tests (calibrated at any count), Holm across the categories of one check at a
family level ``ALPHA = 0.001``; means of bounded observables by z-tests at
``ALPHA``. Each check has a companion in which a deliberately wrong formula is
rejected on the same data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

from modelcollapse import discrete, estimate, tails, verify
from modelcollapse.verify import _core

ALPHA = 0.001
P0 = np.array([0.45, 0.25, 0.15, 0.1, 0.05])

probability_vectors = st.lists(st.integers(0, 20), min_size=1, max_size=8).filter(
    lambda w: sum(w) > 0).map(lambda w: np.array(w, dtype=float) / sum(w))
temperatures = st.floats(0.05, 20.0)


def holm_rejects(hits, expected):
    """Whether Holm's procedure over exact binomial tests (one per column) rejects at ALPHA."""
    hits = np.asarray(hits, dtype=bool)
    pvalues = [stats.binomtest(int(col.sum()), col.size, float(q)).pvalue
               for col, q in zip(hits.T, np.atleast_1d(expected), strict=True)]
    return bool(multipletests(pvalues, alpha=ALPHA, method="holm")[0].any())


def rejects(observations, expected):
    return _core.mean_test(observations, expected).p_value < ALPHA


# --------------------------------------------------------------------------
# the transform


def test_top_k_keeps_the_k_most_probable_with_ties_to_the_lower_index():
    q = tails.sampling_transform([0.1, 0.3, 0.3, 0.3], top_k=2)
    np.testing.assert_array_equal(q, [0.0, 0.5, 0.5, 0.0])


def test_top_p_keeps_the_shortest_prefix_reaching_the_mass():
    p = [0.1, 0.4, 0.2, 0.2, 0.1]
    np.testing.assert_allclose(tails.sampling_transform(p, top_p=0.6), [0, 2 / 3, 1 / 3, 0, 0])
    np.testing.assert_allclose(tails.sampling_transform(p, top_p=0.61), [0, 0.5, 0.25, 0.25, 0])
    # a tie at the edge of the nucleus goes to the lower index
    np.testing.assert_allclose(tails.sampling_transform([0.25] * 4, top_p=0.5), [0.5, 0.5, 0, 0])
    np.testing.assert_allclose(tails.sampling_transform(p, top_p=1.0), p)


@settings(max_examples=60, deadline=None)
@given(probability_vectors, temperatures)
def test_temperature_is_the_renormalised_power(p, T):
    expected = p ** (1 / T) / np.sum(p ** (1 / T))
    np.testing.assert_allclose(tails.sampling_transform(p, temperature=T), expected,
                               rtol=1e-9, atol=1e-300)


def test_extreme_temperatures_do_not_overflow():
    q = tails.sampling_transform(P0, temperature=1e-4)
    np.testing.assert_array_equal(q, [1, 0, 0, 0, 0])
    assert np.all(np.isfinite(tails.sampling_transform(P0, temperature=1e6)))


@settings(max_examples=40, deadline=None)
@given(probability_vectors, temperatures, st.integers(1, 9), st.integers(0, 12))
def test_infinite_sample_map_is_the_iterated_transform(p, T, k, n):
    state = p
    for _ in range(n):
        state = tails.sampling_transform(state, temperature=T, top_k=k)
    np.testing.assert_allclose(tails.infinite_sample_map(n, p, temperature=T, top_k=k), state,
                               rtol=1e-6, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(probability_vectors, temperatures, st.one_of(st.none(), st.integers(1, 6)),
       st.floats(0.05, 1.0), st.integers(0, 15))
def test_nucleus_map_is_the_iterated_transform(p, T, k, top_p, n):
    state = p
    for _ in range(n):
        state = tails.sampling_transform(state, temperature=T, top_k=k, top_p=top_p)
    np.testing.assert_allclose(
        tails.infinite_sample_map(n, p, temperature=T, top_k=k, top_p=top_p), state,
        rtol=1e-6, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(probability_vectors, st.sampled_from([0.3, 0.7, 1.0, 1.5, 4.0]),
       st.one_of(st.none(), st.integers(1, 6)), st.floats(0.05, 1.0))
def test_top_p_heat_death_is_the_fixed_point_of_the_iteration(p, T, k, top_p):
    state = p
    for _ in range(3000):
        following = tails.sampling_transform(state, temperature=T, top_k=k, top_p=top_p)
        if np.array_equal(following, state):
            break
        state = following
    np.testing.assert_allclose(tails.heat_death_limit(p, temperature=T, top_k=k, top_p=top_p),
                               state, atol=1e-9)


def test_a_million_nucleus_steps_near_temperature_one_are_cheap():
    p = discrete.zipf_p0(40, 1.0)
    far = tails.infinite_sample_map([10, 10**6], p, temperature=0.9999, top_p=0.9)
    assert np.all(np.isfinite(far)) and np.count_nonzero(far[1]) <= np.count_nonzero(far[0])
    np.testing.assert_allclose(far[1], tails.heat_death_limit(p, temperature=0.9999, top_p=0.9),
                               atol=1e-12)


def test_infinite_sample_map_is_p0_to_the_power_T_to_the_minus_n():
    n = np.arange(6)
    expected = P0 ** (0.8 ** -n[:, None])
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(tails.infinite_sample_map(n, P0, temperature=0.8), expected,
                               rtol=1e-12)


@pytest.mark.parametrize("T", [0.5, 0.999, 1.001, 2.0])
def test_a_million_generations_reach_the_heat_death_limit_without_overflow(T):
    limit = tails.heat_death_limit(P0, temperature=T)
    far = tails.infinite_sample_map(10**6, P0, temperature=T)
    assert np.all(np.isfinite(far))
    np.testing.assert_allclose(far, limit, atol=1e-12)


def test_heat_death_limits():
    p = [0.3, 0.3, 0.2, 0.2, 0.0]
    np.testing.assert_array_equal(tails.heat_death_limit(p, temperature=0.5), [0.5, 0.5, 0, 0, 0])
    np.testing.assert_array_equal(tails.heat_death_limit(p, temperature=0.5, top_k=1),
                                  [1, 0, 0, 0, 0])
    np.testing.assert_allclose(tails.heat_death_limit(p, temperature=3.0), [0.25] * 4 + [0])
    np.testing.assert_allclose(tails.heat_death_limit(p, temperature=3.0, top_k=3),
                               [1 / 3] * 3 + [0, 0])
    np.testing.assert_allclose(tails.heat_death_limit(p, temperature=1.0, top_k=3),
                               [0.375, 0.375, 0.25, 0, 0])


def test_top_p_heat_death_is_a_nucleus_of_at_most_one_over_one_minus_p():
    p = discrete.zipf_p0(50, 1.0)
    for top_p in (0.5, 0.8, 0.9):
        limit = tails.heat_death_limit(p, temperature=2.0, top_p=top_p)
        support = np.count_nonzero(limit)
        np.testing.assert_allclose(limit[:support], 1 / support)
        assert support <= 1 / (1 - top_p)
        np.testing.assert_allclose(
            tails.infinite_sample_map(10**4, p, temperature=2.0, top_p=top_p), limit, atol=1e-12)


# --------------------------------------------------------------------------
# simulation against the exact first fit and the two-type chain


@pytest.mark.parametrize("kw", [{"temperature": 0.6}, {"temperature": 2.5},
                                {"top_k": 3, "temperature": 1.5}, {"top_p": 0.8}])
def test_first_fit_loss_probabilities_hold_and_ignoring_the_transform_is_rejected(kw):
    M = 12
    chain = discrete.simulate(1, M, P0, replicates=4000, rng=16, keep="last", **kw)
    lost = chain.last == 0
    exact = tails.first_fit_loss_probability(M, P0, **kw)
    inside = (exact > 0) & (exact < 1)
    assert not holm_rejects(lost[:, inside], exact[inside])
    np.testing.assert_array_equal(lost[:, exact == 1], True)
    assert holm_rejects(lost[:, inside], (1 - P0[inside]) ** M)


def test_first_fit_is_unbiased_for_the_transformed_law():
    chain = discrete.simulate(1, 20, P0, replicates=4000, rng=3, keep="last", temperature=0.7)
    q = tails.sampling_transform(P0, temperature=0.7)
    assert not any(rejects(chain.last[:, k], q[k]) for k in range(P0.size))
    assert rejects(chain.last[:, 0], P0[0])


def test_first_fit_support_sums_the_survival_probabilities():
    exact = tails.first_fit_support(12, P0, top_k=3, temperature=1.5)
    chain = discrete.simulate(1, 12, P0, replicates=4000, rng=5, keep="last", top_k=3,
                              temperature=1.5)
    support = chain.support_size()[:, -1]
    assert not rejects(support, exact)
    assert rejects(support, tails.first_fit_support(12, P0))
    assert exact <= 3


@pytest.mark.parametrize("T", [0.7, 1.6])
def test_two_type_chain_holds_over_generations_and_the_untempered_chain_is_rejected(T):
    n, M, p = 8, 15, 0.3
    chain = discrete.simulate(n, M, [p, 1 - p], replicates=4000, rng=7, temperature=T)
    lost = chain.p[:, 1:, 0] == 0
    gens = np.arange(1, n + 1)
    exact = tails.two_type_loss_probability(gens, M, p, temperature=T)
    assert not holm_rejects(lost, exact)
    assert holm_rejects(lost, discrete.loss_probability(gens, M, p))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 6), st.integers(1, 30), st.floats(0, 1))
def test_two_type_chain_at_temperature_one_is_the_neutral_chain(n, M, p):
    assert tails.two_type_loss_probability(n, M, p) == pytest.approx(
        discrete.loss_probability(n, M, p), abs=1e-12)


def test_two_type_chain_by_forward_enumeration():
    M, T, p = 4, 0.5, 0.4

    def g(x):
        return x ** (1 / T) / (x ** (1 / T) + (1 - x) ** (1 / T))

    law = stats.binom.pmf(np.arange(M + 1), M, g(p))
    step = stats.binom.pmf(np.arange(M + 1)[None, :], M, g(np.arange(M + 1) / M)[:, None])
    for n in range(1, 6):
        assert tails.two_type_loss_probability(n, M, p, temperature=T) == pytest.approx(
            law[0], rel=1e-12)
        law = law @ step


def test_top_k_one_fixes_the_mode_at_once():
    np.testing.assert_array_equal(tails.two_type_loss_probability([1, 5], 10, 0.4, top_k=1), 1)
    assert tails.two_type_loss_probability(3, 10, 0.6, top_k=1) == 0


# --------------------------------------------------------------------------
# the memoriser


@settings(max_examples=40, deadline=None)
@given(probability_vectors, st.integers(0, 50))
def test_memorizer_error_is_the_missing_mass_sum(p, T):
    assert tails.memorizer_error(T, p) == pytest.approx(np.sum(p * (1 - p) ** T), abs=1e-14)
    assert estimate.expected_distinct(p, T) == pytest.approx(np.sum(1 - (1 - p) ** T), abs=1e-12)


def test_memorizer_error_is_vectorised_and_survives_huge_samples():
    p = discrete.zipf_p0(1000, 1.2)
    out = tails.memorizer_error(np.array([[0, 10], [10**6, 10**12]]), p)
    assert out.shape == (2, 2)
    assert out[0, 0] == pytest.approx(1.0)
    assert np.all(np.isfinite(out)) and 0 <= out[1, 1] < out[1, 0]


def test_memorizer_error_holds_against_simulation_and_the_wrong_training_law_is_rejected():
    p = discrete.zipf_p0(200, 1.5)
    q = tails.tail_cut(p, 20, clean=0.2)
    T, R = 300, 3000
    gen = np.random.default_rng(11)
    seen = gen.multinomial(T, q, size=R) > 0
    missing = (~seen) @ p
    assert not rejects(missing, tails.memorizer_error(T, p, q))
    assert rejects(missing, tails.memorizer_error(T, p))
    distinct = seen.sum(axis=1)
    assert not rejects(distinct, estimate.expected_distinct(q, T))


def test_synthetic_memorizer_error_holds_against_simulation_and_plateaus_at_the_real_sample():
    p = discrete.zipf_p0(300, 1.5)
    T0, T, R = 150, 300, 3000
    gen = np.random.default_rng(12)
    corpus = gen.multinomial(T0, p, size=R) / T0
    seen = np.stack([gen.multinomial(T, row) > 0 for row in corpus])
    missing = (~seen) @ p
    assert not rejects(missing, tails.synthetic_memorizer_error(T, T0, p))
    assert rejects(missing, tails.memorizer_error(T, p))
    curve = tails.synthetic_memorizer_error([0, 10, 10**3, 10**9], T0, p)
    assert curve[0] == pytest.approx(1.0) and np.all(np.diff(curve) < 0)
    assert curve[-1] == pytest.approx(tails.memorizer_error(T0, p), rel=1e-9)


def test_top_n_error_is_the_mass_beyond_the_n_most_probable():
    p = np.array([0.1, 0.5, 0.15, 0.25])
    np.testing.assert_allclose(tails.top_n_error([0, 1, 2, 4, 9], p), [1, 0.5, 0.25, 0, 0],
                               atol=1e-15)


# --------------------------------------------------------------------------
# Zipf asymptotes against the exact sums


@pytest.mark.parametrize("beta", [1.5, 2.0, 3.0])
def test_memorizer_asymptote_relative_error_is_the_derived_one_over_T(beta):
    K = 10**6
    p = discrete.zipf_p0(K, beta)
    T = np.array([10**3, 10**4])
    ratio = tails.zipf_memorizer_asymptote(T, beta, K=K) / tails.memorizer_error(T, p)
    leading = (1 - 1 / beta) * (2 - 1 / beta) / (2 * T)
    np.testing.assert_allclose(ratio - 1, leading, rtol=0.05)


def test_the_infinite_zipf_asymptote_is_hutters_power_law():
    beta, T = 2.0, np.array([10.0, 1e3, 1e5])
    expected = special.gamma(0.5) / (2 * np.sqrt(special.zeta(2.0))) * T**-0.5
    np.testing.assert_allclose(tails.zipf_memorizer_asymptote(T, beta), expected, rtol=1e-12)


@pytest.mark.parametrize("clean", [0.0, 0.05])
def test_tail_cut_asymptote_matches_the_exact_sum_on_both_sides_of_the_crossover(clean):
    K, beta, k = 10**5, 2.0, 30
    p = discrete.zipf_p0(K, beta)
    q = tails.tail_cut(p, k, clean=clean)
    crossover = tails.zipf_crossover(k, beta, K=K)
    T = np.array([crossover / 30, crossover, 30 * crossover, 3000 * crossover]).astype(np.int64)
    exact = tails.memorizer_error(T, p, q)
    asymptote = tails.zipf_memorizer_asymptote(T, beta, K=K, cutoff=k, clean=clean)
    assert np.all(np.abs(asymptote / exact - 1) < 2e-3 + 0.5 / T)
    plateau = np.sum(p[k:])
    if clean == 0:
        assert exact[-1] == pytest.approx(plateau, rel=1e-3)  # the tail is never learnt
    else:
        assert exact[-1] < 0.3 * plateau  # clean data resume the descent


def test_crossover_is_where_power_law_and_plateau_meet():
    beta, k = 2.5, 40
    crossover = tails.zipf_crossover(k, beta)
    c = 1 / special.zeta(beta)
    assert tails.zipf_memorizer_asymptote(crossover, beta) == pytest.approx(
        c * k ** (1 - beta) / (beta - 1), rel=1e-12)


def test_distinct_count_asymptote_is_heaps_law():
    beta = 2.0
    p = discrete.zipf_p0(10**6, beta)
    T = np.array([10**4, 10**5])
    distinct = estimate.expected_distinct(p, T)
    asymptote = tails.zipf_distinct_asymptote(T, beta)
    np.testing.assert_allclose(asymptote, distinct, atol=1.0)  # the head's half-category
    np.testing.assert_allclose(asymptote, np.sqrt(np.pi * T / special.zeta(2.0)), rtol=1e-12)


@pytest.mark.parametrize("beta", [2.0, 3.0])
def test_lima_exponents_curated_beats_random(beta):
    K = 10**6
    p = discrete.zipf_p0(K, beta)
    n = np.array([10**3, 10**4])
    curated = tails.top_n_error(n, p)
    random = tails.memorizer_error(n, p)
    slope_curated = np.diff(np.log(curated)) / np.diff(np.log(n))
    slope_random = np.diff(np.log(random)) / np.diff(np.log(n))
    assert slope_curated[0] == pytest.approx(-(beta - 1), abs=0.02)
    assert slope_random[0] == pytest.approx(-(beta - 1) / beta, abs=0.02)
    np.testing.assert_allclose(tails.zipf_top_n_asymptote(n, beta, K=K), curated, rtol=1e-4)
    assert np.all(curated < random)


# --------------------------------------------------------------------------
# validation


@pytest.mark.parametrize("kw, kind, text", [
    ({"temperature": 0.0}, ValueError, "temperature must be > 0"),
    ({"temperature": -1}, ValueError, "temperature=-1"),
    ({"temperature": "hot"}, TypeError, "temperature"),
    ({"temperature": True}, TypeError, "temperature"),
    ({"temperature": np.inf}, ValueError, "temperature must be finite"),
    ({"top_k": 0}, ValueError, "top_k must be an integer >= 1"),
    ({"top_k": 2.0}, TypeError, "top_k must be an integer"),
    ({"top_p": 0.0}, ValueError, "top_p must be a number in (0, 1]"),
    ({"top_p": 1.5}, ValueError, "top_p=1.5"),
    ({"top_p": "x"}, TypeError, "top_p"),
    ({"temperature": [[1, 2], [3]]}, ValueError, "temperature must be a real number"),
    ({"top_p": [[1, 2], [3]]}, ValueError, "top_p must be a real number"),
])
def test_bad_transform_arguments_name_the_parameter(kw, kind, text):
    for call in (lambda: tails.sampling_transform(P0, **kw),
                 lambda: discrete.simulate(2, 5, P0, **kw),
                 lambda: tails.first_fit_loss_probability(5, P0, **kw)):
        with pytest.raises(kind, match=_escaped(text)):
            call()


def test_a_tiny_temperature_puts_the_mass_on_the_mode_without_nan_or_warning():
    # log(p) / T alone is -inf for every entry at T = 1e-308 when every p_k < e^-1.8
    p = np.r_[0.12, np.full(8, 0.11)]
    np.testing.assert_array_equal(tails.sampling_transform(p, temperature=1e-308),
                                  np.r_[1.0, np.zeros(8)])
    np.testing.assert_array_equal(tails.sampling_transform([0.1] * 10, temperature=1e-308),
                                  np.full(10, 0.1))


def test_sampling_transform_names_p_not_p0():
    with pytest.raises(ValueError, match="p must sum to 1"):
        tails.sampling_transform([1.0] * 7)
    with pytest.raises(TypeError, match=r"\bp must be"):
        tails.sampling_transform(True)


def test_huge_zipf_exponents_and_temperatures_give_a_number_or_a_named_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # k^beta overflowed (OverflowError) and the K-term normaliser warned
        assert tails.zipf_crossover(3, 1e308) == np.inf
        assert tails.zipf_crossover(1, 1e308, K=50) == pytest.approx(1.0)
        assert tails.zipf_top_n_asymptote(0.0, 1e308, K=50) == np.inf
        assert tails.zipf_top_n_asymptote(3.0, 1e308, K=50) == 0.0
        assert tails.zipf_crossover(7, 1e308) == np.inf
        # past the crossover only the cut tail's plateau is left
        assert tails.zipf_memorizer_asymptote(1e308, 1.5, cutoff=1) == pytest.approx(
            tails.zipf_memorizer_asymptote(1e12, 1.5, cutoff=1), rel=1e-12)
        with pytest.raises(ValueError, match="overflows float64 within n=2 fits"):
            tails.simulate_mad(2, 0, 2, temperature=1e300, replicates=2, rng=0)
        with pytest.raises(ValueError, match=r"mu=1e\+308"):
            tails.simulate_mad(2, 1, 2, mu=1e308, replicates=2, rng=0)
        with pytest.raises(ValueError, match="temperature must keep n_synth"):
            tails.mad_growth_rate(0, 2, temperature=1e308)  # NaN eigenvalues, with a warning


@pytest.mark.parametrize("beta", [1.0000001, 1.01, 1.5, 2.0, 5.0])
def test_zipf_normaliser_is_exact_and_constant_time_in_K(beta):
    # it summed K terms (K = 1e9: an 8 GB array); the tail beyond 1e5 is now closed form
    import math

    K = 3 * 10**5
    exact = math.fsum((np.arange(1, K + 1, dtype=np.float64) ** -beta).tolist())
    assert 1 / tails._zipf_scale(beta, K)[0] == pytest.approx(exact, rel=1e-13)
    if beta >= 1.5:  # the mass beyond K = 1e18 is below K^(1 - beta) = 1e-9
        huge = tails.zipf_top_n_asymptote(10.0, beta, K=10**18)
        assert huge == pytest.approx(tails.zipf_top_n_asymptote(10.0, beta), rel=1e-8)


def test_diverging_mad_moments_are_inf_not_nan():
    # inf - inf in the variance row gave a silent NaN past the float range
    m = tails.mad_moments(10**4, 0, 2, temperature=100.0)
    assert not np.any(np.isnan(m.sigma2)) and not np.any(np.isnan(m.mean_squared_error))
    assert m.sigma2[-1] == np.inf and np.all(np.diff(m.sigma2[:100]) > 0)


def test_two_type_loss_probability_names_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match="n and p must broadcast together"):
        tails.two_type_loss_probability([1, 5], 10, [0.1, 0.3, 0.9])


def _escaped(text):
    import re

    return re.escape(text)


def test_bad_distributions_and_sizes_name_the_parameter():
    with pytest.raises(ValueError, match="p must sum to 1"):
        tails.memorizer_error(3, [0.5, 0.6])
    with pytest.raises(ValueError, match="q must sum to 1"):
        tails.memorizer_error(3, [0.5, 0.5], [0.2, 0.2])
    with pytest.raises(ValueError, match="q must have the shape of p"):
        tails.memorizer_error(3, [0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(TypeError, match="T must be an integer"):
        tails.memorizer_error(2.5, [0.5, 0.5])
    with pytest.raises(ValueError, match="beta must be a real number > 1"):
        tails.zipf_memorizer_asymptote(10, 1.0)
    with pytest.raises(ValueError, match="T must be > 0"):
        tails.zipf_memorizer_asymptote(0, 2.0)
    with pytest.raises(ValueError, match="clean must be a number in"):
        tails.tail_cut([0.5, 0.5], 1, clean=1.5)
    with pytest.raises(ValueError, match="T must be a real number or array of rectangular"):
        tails.zipf_memorizer_asymptote([[1, 2], [3]], 2.0)
    with pytest.raises(ValueError, match="beta must be a real number"):
        tails.zipf_crossover(3, [[1, 2], [3]])
    with pytest.raises(ValueError, match=r"sigma must be > 0 and <= 1.341e\+154"):
        tails.mad_moments(2, 3, 3, sigma=1e308)  # sigma^2 overflowed (OverflowError)
    with pytest.raises(ValueError, match="method must be 'counts' or 'auto'"):
        discrete.simulate(2, 5, P0, temperature=2.0, method="labels")
    with pytest.raises(ValueError, match="fresh must be 0"):
        discrete.simulate(2, 5, P0, temperature=2.0, fresh=0.5)


def test_default_sampling_leaves_the_simulation_unchanged():
    a = discrete.simulate(5, 7, P0, replicates=3, rng=2)
    b = discrete.simulate(5, 7, P0, replicates=3, rng=2, temperature=1.0)
    np.testing.assert_array_equal(a.p, b.p)


def test_the_tails_claims_hold_and_reject_their_mutants_with_power():
    names = [c.name for c in verify.registry() if c.name.startswith("tails.")]
    assert len(names) == 15
    report = verify.run(names, alpha=0.01, seed=0)
    assert not report.family_rejected, report.table()
    assert all(r.mutant_rejected and r.power >= 0.9 for r in report.results), report.table()


def test_figures_draw_the_closed_forms():
    plot = pytest.importorskip("modelcollapse.plot")
    pytest.importorskip("matplotlib")
    fig = plot.tails_sampling(n=4, M=20, K=8, replicates=5, rng=1)
    left, right = fig.axes[:2]
    assert len(left.get_lines()) >= 5 and len(right.get_lines()) >= 5
    fig = plot.zipf_scaling(K=1000, cutoff=5, replicates=5, rng=1)
    exact = fig.axes[0].get_lines()[0]
    p = discrete.zipf_p0(1000, 2.0)
    np.testing.assert_allclose(exact.get_ydata(), tails.memorizer_error(exact.get_xdata(), p))
    fig = plot.mad_phase_diagram(resolution=8, n=5, replicates=20, rng=1)
    assert len(fig.axes[0].texts) == 4


# --------------------------------------------------------------------------
# loss probabilities at large M: banded (bracketed) and diffusion


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=6), st.floats(0, 1))
def test_banded_loss_probability_is_the_dense_chain(sizes, p):
    gens = np.arange(len(sizes) + 1)
    dense = discrete.loss_probability(gens, sizes, p, method="dense")
    banded = discrete.loss_probability(gens, sizes, p, method="banded")
    np.testing.assert_allclose(banded, dense, rtol=0, atol=1e-12)


def test_banded_loss_probability_matches_a_40_digit_reference_at_the_dense_limit():
    import mpmath

    mpmath.mp.dps = 40
    M, p = 4096, 0.001
    mp_p = mpmath.mpf(p)
    reference = mpmath.fsum(mpmath.binomial(M, j) * mp_p**j * (1 - mp_p) ** (M - j)
                            * (1 - mpmath.mpf(j) / M) ** M for j in range(M + 1))
    assert discrete.loss_probability(2, M, p, method="banded") == pytest.approx(
        float(reference), rel=1e-14)


def test_loss_probability_runs_at_a_billion_and_stays_ordered():
    p = np.array([1e-9, 1e-8, 1e-7, 1e-6])
    lost = discrete.loss_probability(np.array([[1], [30]]), 10**9, p)
    assert np.all(np.isfinite(lost)) and np.all((lost >= 0) & (lost <= 1))
    np.testing.assert_allclose(lost[0], np.exp(10**9 * np.log1p(-p)), rtol=1e-9, atol=1e-12)
    # rare categories are lost first, up to the stated absolute error 1e-12
    assert np.all(np.diff(lost, axis=1) < 1e-12) and np.all(lost[1] > lost[0] - 1e-12)
    support = discrete.expected_support(5, 10**6, discrete.zipf_p0(1000, 1.1))
    assert 0 < support <= 1000


def test_feller_diffusion_is_within_its_stated_error_for_rare_categories():
    M, n = 10**6, 50
    p = np.array([1e-6, 3e-6, 1e-5])  # M p <= 10
    exact = discrete.loss_probability(n, M, p)
    diffusion = discrete.loss_probability(n, M, p, method="diffusion")
    assert np.all(np.abs(diffusion / exact - 1) < 0.03)
    assert discrete.loss_probability(1, M, 1e-5, method="diffusion") == pytest.approx(
        (1 - 1e-5) ** M, rel=1e-12)


def test_branching_approximation_error_is_of_order_M_p_squared():
    M = 10**6
    p = np.array([1e-6, 1e-5, 3e-5, 1e-4])
    for n in (2, 10, 50):
        exact = discrete.loss_probability(n, M, p)
        branching = discrete.loss_probability(n, M, p, method="branching")
        assert np.all(np.abs(branching / exact - 1) < 10 * M * p**2)
    far = discrete.loss_probability(2000, M, p, method="branching")
    assert np.all(np.isfinite(far)) and np.all(np.diff(far) < 0)


def test_auto_refuses_to_approximate_silently():
    with pytest.raises(ValueError, match="method must be 'branching' or 'diffusion'"):
        discrete.loss_probability(5000, 10**6, 1e-6)
    with pytest.raises(ValueError, match="method must be one of"):
        discrete.loss_probability(5, 10, 0.1, method="fast")
    with pytest.raises(ValueError, match="M must be <= 4096"):
        discrete.loss_probability(5, 10**5, 0.1, method="dense")


# --------------------------------------------------------------------------
# the Gaussian chain sampled at a temperature


@pytest.mark.parametrize("method, fit", [("sufficient", "unbiased"), ("samples", "mle")])
@pytest.mark.parametrize("T", [0.8, 1.3])
def test_tempered_gaussian_moments_hold_and_the_untempered_forms_are_rejected(method, fit, T):
    from modelcollapse import gaussian

    n, M, R = 4, 20, 20_000
    chain = gaussian.simulate(n, M, replicates=R, rng=21, method=method, fit=fit, temperature=T)
    s2 = chain.sigma2[:, -1]
    err = chain.mu[:, -1] ** 2
    w2 = err + (np.sqrt(s2) - 1) ** 2
    draw_var = err + T * s2
    checks = [
        (s2, gaussian.sigma_moment(n, M, 2, fit=fit, temperature=T),
         gaussian.sigma_moment(n, M, 2, fit=fit)),
        (err, gaussian.mean_squared_error(n, M, fit=fit, temperature=T),
         gaussian.mean_squared_error(n, M, fit=fit)),
        (w2, gaussian.expected_w2_squared(n, M, fit=fit, temperature=T),
         gaussian.expected_w2_squared(n, M, fit=fit)),
        (draw_var, gaussian.sample_variance(n, M, fit=fit, temperature=T),
         gaussian.sample_variance(n, M, fit=fit)),
    ]
    for observed, closed, untempered in checks:
        assert not rejects(observed, closed)
        assert rejects(observed, untempered)


def test_tempered_gaussian_closed_forms_survive_a_million_generations():
    from modelcollapse import gaussian

    assert gaussian.mean_squared_error(10**6, 10, temperature=0.5) == pytest.approx(0.1)
    assert np.isfinite(gaussian.log_sigma_moment(10**6, 10, 2, temperature=1.01))
    assert gaussian.log_sigma_moment(10**6, 10, 2, temperature=1.01) == pytest.approx(
        10**6 * np.log(1.01))
    with pytest.raises(ValueError, match="temperature must be 1 with a data policy"):
        gaussian.simulate(3, 10, temperature=2.0, policy="accumulate")
    with pytest.raises(ValueError, match="temperature must be > 0"):
        gaussian.sample_variance(3, 10, temperature=0.0)
    plain = gaussian.simulate(5, 10, replicates=3, rng=4)
    same = gaussian.simulate(5, 10, replicates=3, rng=4, temperature=1.0)
    np.testing.assert_array_equal(plain.sigma2, same.sigma2)
    np.testing.assert_array_equal(plain.mu, same.mu)


def test_tail_loss_takes_sample_sizes_and_large_M():

    p0 = discrete.zipf_p0(30)
    chain = discrete.simulate(5, 10**5, p0, rng=3)
    by_m = estimate.tail_loss(p0, chain.last[0], 5, 10**5, replicates=200, rng=4)
    by_sizes = estimate.tail_loss(p0, chain.last[0], 5, sample_sizes=[10**5] * 5,
                                  replicates=200, rng=4)
    assert by_m.expected == pytest.approx(by_sizes.expected)
    assert by_m.expected == pytest.approx(np.sum(discrete.loss_probability(5, 10**5, p0)))
    with pytest.raises(ValueError, match="exactly one of M and sample_sizes"):
        estimate.tail_loss(p0, chain.last[0], 5, replicates=200)
    with pytest.raises(ValueError, match="sample_sizes must be an int or one int per"):
        estimate.tail_loss(p0, chain.last[0], 5, sample_sizes=[10, 10], replicates=200)


# --------------------------------------------------------------------------
# fresh data against sampling bias (Alemohammad et al. 2023)


@pytest.mark.parametrize("real, synth, T", [(4, 6, 0.7), (5, 15, 1.2), (0, 10, 0.8)])
def test_mad_moments_hold_against_simulation_and_ignoring_the_temperature_is_rejected(real,
                                                                                      synth, T):
    n, R = 6, 20_000
    chain = tails.simulate_mad(n, real, synth, temperature=T, replicates=R, rng=31)
    exact = tails.mad_moments(n, real, synth, temperature=T)
    plain = tails.mad_moments(n, real, synth)
    error, s2 = chain.mu[:, -1] ** 2, chain.sigma2[:, -1]
    assert not rejects(error, exact.mean_squared_error[-1])
    assert not rejects(s2, exact.sigma2[-1])
    assert rejects(s2, plain.sigma2[-1])


def test_mad_moments_without_fresh_data_are_the_tempered_gaussian_chain():
    from modelcollapse import gaussian

    m = tails.mad_moments(8, 0, 12, temperature=1.3, sigma=2.0)
    gens = np.arange(9)
    np.testing.assert_allclose(m.mean_squared_error,
                               gaussian.mean_squared_error(gens, 12, 2.0, temperature=1.3),
                               rtol=1e-12)
    np.testing.assert_allclose(m.sigma2, 4 * 1.3**gens, rtol=1e-12)
    assert tails.mad_growth_rate(0, 12, temperature=0.5) == pytest.approx(1.0)


def test_mad_stationary_is_the_limit_and_the_phase_boundary_is_where_the_rate_reaches_one():
    s = tails.mad_stationary(10, 10, temperature=1.0)
    far = tails.mad_moments(5000, 10, 10, temperature=1.0)
    assert far.sigma2[-1] == pytest.approx(s.sigma2, rel=1e-9)
    assert far.mean_squared_error[-1] == pytest.approx(s.mean_squared_error, rel=1e-9)
    assert tails.mad_growth_rate(10, 10, temperature=2.0) > 1
    with pytest.raises(ValueError, match="temperature must leave the loop a stationary law"):
        tails.mad_stationary(10, 10, temperature=2.0)
    with pytest.raises(ValueError, match="n_synth must be an integer >= 1"):
        tails.mad_moments(3, 5, 0)
    with pytest.raises(TypeError, match="sigma must be a real number"):
        tails.simulate_mad(3, 5, 5, sigma=True)
