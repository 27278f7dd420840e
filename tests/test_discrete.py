"""The categorical recursion: closed forms, exact references, simulation.

Statistical checks are two-sided z-tests at a false-alarm rate of
``ALPHA = 0.001`` each (fixed seeds, so each outcome is deterministic); each
has a companion showing that a deliberately wrong formula is rejected on the
same data.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcollapse import discrete as d
from modelcollapse.schedule import Constant, Linear
from modelcollapse.verify import _core
from modelcollapse.verify.discrete import discrete_claims

ALPHA = 0.001

sizes_st = st.integers(1, 6)
prob_st = st.fractions(0, 1, max_denominator=12)


def rejects(observations, expected):
    """Whether the level-ALPHA z-test rejects E[observations] = expected."""
    return _core.mean_test(observations, expected).p_value < ALPHA


# --------------------------------------------------------------------------
# exact references, independent of the module's algorithms


def exact_frequencies(sizes, p):
    """Law of p_n (two types) as {frequency: probability}, by forward enumeration in sympy."""
    law = {sp.Rational(p): sp.Integer(1)}
    for m in sizes:
        step = {}
        for f, w in law.items():
            for j in range(m + 1):
                mass = w * sp.binomial(m, j) * f**j * (1 - f) ** (m - j)
                step[sp.Rational(j, m)] = step.get(sp.Rational(j, m), 0) + mass
        law = step
    return law


def tail_sum_times(M, p, steps=150):
    """E[T] and E[T 1{lost}] (two types, constant M) as tail sums, in 30-digit mpmath.

    The tail beyond ``steps`` is below 4 (3/4)^steps for M <= 4.
    """
    mpmath.mp.dps = 30
    law = {mpmath.mpf(p): mpmath.mpf(1)}
    mean, lost_mean, lost_before = mpmath.mpf(0), mpmath.mpf(0), mpmath.mpf(0)
    for t in range(steps):
        alive = sum(w for f, w in law.items() if 0 < f < 1)
        mean += alive
        lost_now = law.get(mpmath.mpf(0), mpmath.mpf(0))
        lost_mean += t * (lost_now - lost_before)
        lost_before = lost_now
        step = {}
        for f, w in law.items():
            for j in range(M + 1):
                key = mpmath.mpf(j) / M
                step[key] = step.get(key, 0) + w * mpmath.binomial(M, j) * f**j * (1 - f) ** (M - j)
        law = step
    return float(mean), float(lost_mean)


# --------------------------------------------------------------------------
# closed forms against exact references


@settings(max_examples=25, deadline=None)
@given(st.lists(sizes_st, min_size=1, max_size=3), prob_st)
def test_loss_probability_is_the_exact_two_type_chain(sizes, p):
    law = exact_frequencies(sizes, p)
    expected = float(law.get(sp.Integer(0), 0))
    got = d.loss_probability(len(sizes), sizes, float(p))
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-14)


@settings(max_examples=25, deadline=None)
@given(st.lists(sizes_st, min_size=1, max_size=3), prob_st)
def test_heterozygosity_decays_by_one_minus_one_over_M_each_fit(sizes, p):
    law = exact_frequencies(sizes, p)
    expected = float(sum(w * 2 * f * (1 - f) for f, w in law.items()))
    got = d.expected_heterozygosity(len(sizes), sizes, [float(p), 1 - float(p)])
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2000), st.floats(0, 1))
def test_first_fit_loses_a_category_with_probability_one_minus_p_to_the_M(M, p):
    expected = float(mpmath.power(1 - mpmath.mpf(p), M))
    assert d.loss_probability(1, M, p) == pytest.approx(expected, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("M", [1, 2, 4])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.7])
def test_absorption_and_loss_times_equal_their_tail_sums(M, p):
    mean, lost_mean = tail_sum_times(M, p)
    assert d.mean_absorption_time(M, p) == pytest.approx(mean, rel=1e-10)
    assert d.mean_loss_time(M, p) == pytest.approx(lost_mean / (1 - p), rel=1e-10)


def test_two_draws_fix_with_probability_one_half_per_fit():
    assert d.mean_absorption_time(2, 0.5) == pytest.approx(2.0, rel=1e-14)
    assert d.mean_absorption_time(1, [0.0, 0.3, 1.0]).tolist() == [0.0, 1.0, 0.0]


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 60), st.floats(0.001, 0.999))
def test_absorption_time_splits_into_loss_and_fixation_times(M, p):
    """E[T] = (1 - p) E[T | lost] + p E[T | fixed], and E[T | fixed](p) = E[T | lost](1 - p)."""
    split = (1 - p) * d.mean_loss_time(M, p) + p * d.mean_loss_time(M, 1 - p)
    assert d.mean_absorption_time(M, p) == pytest.approx(split, rel=1e-9)
    kimura = (1 - p) * d.kimura_loss_time(M, p) + p * d.kimura_loss_time(M, 1 - p)
    assert d.kimura_absorption_time(M, p) == pytest.approx(kimura, rel=1e-12)


def test_kimura_diffusion_time_error_shrinks_with_M():
    errors = [
        abs(d.kimura_absorption_time(M, 0.5) / d.mean_absorption_time(M, 0.5) - 1)
        for M in (10, 100, 1000)
    ]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.01


def test_chain_fixes_each_category_with_its_initial_probability():
    p0 = np.array([0.05, 0.35, 0.6])
    fixed = d.loss_probability(2000, 10, 1 - p0)
    np.testing.assert_allclose(fixed, d.fixation_probability(p0), rtol=1e-10)


# --------------------------------------------------------------------------
# properties


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 8), st.floats(0, 1), st.floats(0, 1))
def test_rare_categories_are_lost_first(M, n, p, q):
    """Rarest first: a smaller p0 is lost with higher probability at every n."""
    lo, hi = sorted((p, q))
    loss = d.loss_probability(np.arange(n + 1), M, [[lo], [hi]])
    assert np.all((loss >= 0) & (loss <= 1))
    assert np.all(loss[0] >= loss[1] * (1 - 1e-12))
    assert np.all(np.diff(loss, axis=1) >= -1e-12 * loss[:, 1:]), "loss is monotone in n"
    clear = (hi - lo > 1e-3) & (loss[0, 1:] > 1e-250) & (lo > 0)
    assert np.all(loss[0, 1:][clear] > loss[1, 1:][clear])


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 30), st.integers(1, 6), st.floats(0, 1))
def test_explicit_schedule_equal_to_a_constant_gives_the_same_answers(M, n, p):
    explicit = [M] * n
    constant = d.loss_probability(n, M, p)
    assert d.loss_probability(n, explicit, p) == pytest.approx(constant, rel=1e-12)
    assert d.expected_heterozygosity(n, explicit, [p, 1 - p]) == pytest.approx(
        d.expected_heterozygosity(n, Constant(M), [p, 1 - p]), rel=1e-12
    )


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 8), st.floats(0, 3), st.integers(1, 30), st.integers(0, 6))
def test_expected_support_lies_between_one_and_K_and_decreases(K, s, M, n):
    p0 = d.zipf_p0(K, s)
    support = d.expected_support(np.arange(n + 1), M, p0)
    assert support[0] == pytest.approx(K)
    assert np.all((support >= 1 - 1e-9) & (support <= K + 1e-9))
    assert np.all(np.diff(support) <= 1e-9)


def test_growing_schedule_equals_its_explicit_sizes():
    sizes = Linear(7).sizes(5).tolist()
    np.testing.assert_allclose(
        d.loss_probability([1, 3, 5], Linear(7), 0.1), d.loss_probability([1, 3, 5], sizes, 0.1)
    )


def test_closed_forms_broadcast_over_n_and_a_batch_of_p0():
    p0 = np.array([[0.5, 0.5], [0.2, 0.8]])
    n = np.array([[0], [3]])
    h = d.expected_heterozygosity(n, 5, p0)
    np.testing.assert_allclose(h, [[0.5, 0.32], [0.5 * 0.8**3, 0.32 * 0.8**3]])
    support = d.expected_support(n, 5, p0)
    assert support.shape == (2, 2)
    np.testing.assert_allclose(support[0], [2, 2])
    np.testing.assert_allclose(support[1], 2 - d.loss_probability(3, 5, p0).sum(axis=-1))


def test_one_draw_per_generation_collapses_at_once():
    assert d.expected_heterozygosity(1, 1, [0.5, 0.5]) == 0.0
    assert d.expected_support(1, 1, [0.25] * 4) == pytest.approx(1.0)


def test_zipf_p0_is_proportional_to_k_to_the_minus_s():
    p = d.zipf_p0(5, 1.5)
    np.testing.assert_allclose(p / p[0], np.arange(1, 6) ** -1.5)
    assert p.sum() == pytest.approx(1.0)
    assert d.zipf_p0(4, 0).tolist() == [0.25] * 4


# --------------------------------------------------------------------------
# the simulator


def test_simulate_shapes_start_at_p0_and_fit_counts():
    p0 = d.zipf_p0(6)
    chain = d.simulate(12, [5, 7] * 6, p0, replicates=9, rng=3)
    assert chain.p.shape == (9, 13, 6)
    np.testing.assert_array_equal(chain.p[:, 0], np.broadcast_to(p0, (9, 6)))
    np.testing.assert_allclose(chain.p.sum(axis=-1), 1.0)
    counts = chain.p[:, 1:] * chain.M[None, :, None]
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    assert chain.n == 12 and chain.replicates == 9 and not chain.p.flags.writeable


@pytest.mark.parametrize("method", ["counts", "labels"])
@pytest.mark.parametrize("p0", [[0.3, 0.7], [0.2, 0.3, 0.5], [1.0]])
def test_keep_last_is_the_last_generation_of_the_same_stream(p0, method):
    full = d.simulate(8, 6, p0, replicates=5, rng=11, method=method)
    last = d.simulate(8, 6, p0, replicates=5, rng=11, keep="last", method=method)
    np.testing.assert_array_equal(last.p[:, 0], full.last)
    assert last.generations.tolist() == [8]


def test_same_seed_same_chain():
    a = d.simulate(5, 4, [0.5, 0.25, 0.25], replicates=3, rng=np.random.SeedSequence(5))
    b = d.simulate(5, 4, [0.5, 0.25, 0.25], replicates=3, rng=np.random.SeedSequence(5))
    np.testing.assert_array_equal(a.p, b.p)


@pytest.mark.parametrize("claim", discrete_claims(), ids=lambda c: c.name)
def test_claim_holds_and_its_mutant_is_rejected(claim):
    """Each registered claim at level ALPHA, and its wrong formula rejected on the same data."""
    result = _core.check_claim(claim, replicates=claim.replicates, alpha=ALPHA, seed=2024)
    assert not result.rejected, f"{claim.statement}: z = {result.z:.2f}"
    assert result.mutant_rejected, f"{claim.mutant_label} not rejected: z = {result.mutant_z:.2f}"


def test_auto_method_draws_labels_when_samples_are_fewer_than_categories():
    assert d.simulate(2, 50, d.zipf_p0(100)).method == "labels"
    assert d.simulate(2, 500, d.zipf_p0(100)).method == "counts"
    assert d.simulate(2, 1, [0.5, 0.5]).method == "counts"


@pytest.mark.parametrize("method", ["counts", "labels"])
def test_fitted_probabilities_are_a_martingale_under_a_schedule(method):
    """E[p_{n,k}] = p0_k for every k, by either sampler (ALPHA per check, fixed seed)."""
    p0 = np.array([0.1, 0.3, 0.6])
    sizes = [3, 9, 4, 17, 2, 8]
    last = d.simulate(6, sizes, p0, replicates=20_000, rng=7, keep="last", method=method).last
    for k in range(3):
        assert not rejects(last[:, k], p0[k])
    assert rejects(last[:, 0], p0[0] * 0.9)


@pytest.mark.parametrize("method", ["counts", "labels"])
def test_loss_under_a_growing_schedule_matches_simulation(method):
    """P(p_{n,k} = 0) for M_i = 4 (i + 1), at ALPHA; the constant-M_0 answer is rejected."""
    p0 = np.array([0.15, 0.25, 0.6])
    chain = d.simulate(6, Linear(4), p0, replicates=20_000, rng=8, keep="last", method=method)
    lost = chain.last[:, 0] == 0
    assert not rejects(lost, d.loss_probability(6, Linear(4), p0[0]))
    assert rejects(lost, d.loss_probability(6, 4, p0[0]))


def test_diversity_standard_errors_cover_the_expected_support():
    """Diversity.support mean ± se against expected_support at ALPHA (z-test, two-sided)."""
    p0 = d.zipf_p0(15)
    chain = d.simulate(8, 12, p0, replicates=3_000, rng=9)
    div = d.diversity(chain)
    expected = d.expected_support(chain.generations, 12, p0)
    z = (div.support.mean - expected)[1:] / div.support.std_error[1:]
    assert np.all(np.abs(z) < 3.29)  # z_{1 - ALPHA/2}
    wrong = d.expected_support(chain.generations, 13, p0)[-1]
    assert abs(div.support.mean[-1] - wrong) / div.support.std_error[-1] > 3.29
    entropy0 = -np.sum(p0 * np.log(p0))
    assert div.entropy.mean[0] == pytest.approx(entropy0)
    assert div.entropy.std_error[0] == pytest.approx(0, abs=1e-12)
    assert div.tail_mass.mean[0] == pytest.approx(p0[p0 < 1 / 15].sum())
    assert div.entropy.mean[-1] < entropy0


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "p0, rule",
    [
        ([0.5, -0.1, 0.6], ">= 0"),
        ([0.5, 0.4], "sum to 1"),
        ([], "non-empty"),
        ([0.5, np.nan], "finite"),
        ([0.5, np.inf], "finite"),
        (0.5, "non-empty"),
    ],
)
def test_bad_p0_is_rejected_naming_p0(p0, rule):
    for call in (
        lambda: d.simulate(2, 5, p0),
        lambda: d.expected_heterozygosity(2, 5, p0),
        lambda: d.expected_support(2, 5, p0),
        lambda: d.fixation_probability(p0),
    ):
        with pytest.raises(ValueError, match=rf"p0 must .*{rule}.*got p0="):
            call()


@pytest.mark.parametrize("M, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                      ([4, 0, 2], ValueError), ([4.5], TypeError)])
def test_bad_M_is_rejected_naming_M(M, error):
    for call in (
        lambda: d.simulate(1, M, [0.5, 0.5]),
        lambda: d.loss_probability(1, M, 0.5),
        lambda: d.expected_heterozygosity(1, M, [0.5, 0.5]),
    ):
        with pytest.raises(error, match=r"M must be an integer.*got M="):
            call()


def test_other_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match=r"M must be <= 4096.*exact two-type chain"):
        d.loss_probability(1, 5000, 0.5, method="dense")
    with pytest.raises(ValueError, match=r"M must be <= 4096"):
        d.mean_absorption_time(5000, 0.5)
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\], got p=1.5"):
        d.loss_probability(1, 5, 1.5)
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\), got p=1.0"):
        d.mean_loss_time(5, 1.0)
    with pytest.raises(ValueError, match=r"p0 must be one probability vector"):
        d.simulate(1, 5, [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"keep must be one of 'all', 'last', got keep='first'"):
        d.simulate(1, 5, [0.5, 0.5], keep="first")
    with pytest.raises(ValueError, match=r"method must be one of 'auto', 'counts', 'labels'"):
        d.simulate(1, 5, [0.5, 0.5], method="choice")
    with pytest.raises(ValueError, match=r"chain must have replicates >= 2"):
        d.diversity(d.simulate(1, 5, [0.5, 0.5]))
    with pytest.raises(TypeError, match=r"chain must be a DiscreteChain"):
        d.diversity(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"K must be an integer >= 1, got K=0"):
        d.zipf_p0(0)
    with pytest.raises(ValueError, match=r"s must be >= 0"):
        d.zipf_p0(3, -1.0)
    with pytest.raises(ValueError, match=r"n must be an integer >= 0"):
        d.loss_probability(-1, 5, 0.5)
    with pytest.raises(ValueError, match=r"M must be >= 1, got M=0.5"):
        d.kimura_absorption_time(0.5, 0.5)
