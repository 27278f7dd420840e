"""Diversity and tail estimators: exact values, measured bias and interval coverage.

Every statistical check has a fixed seed and a stated false-alarm rate: z-tests
of a mean at ``ALPHA = 0.001``; coverage of 95% intervals over ``R = 500``
simulated samples must fall in the two-sided binomial acceptance band at
``ALPHA_COVER = 0.01``. Each estimator has a companion showing that the
uncorrected (plug-in) or a wrong estimator is rejected by the same check.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special, stats

from modelcollapse import discrete
from modelcollapse import estimate as est

ALPHA = 0.001
ALPHA_COVER = 0.01
R = 500
Z = stats.norm.isf(ALPHA / 2)


def band(nominal, trials=R, alpha=ALPHA_COVER):
    """Counts of covering intervals accepted at level ``alpha`` if coverage is ``nominal``."""
    return stats.binom.ppf(alpha / 2, trials, nominal), stats.binom.isf(alpha / 2, trials, nominal)


def in_band(hits, nominal=0.95):
    low, high = band(nominal, hits.size)
    return low <= np.count_nonzero(hits) <= high


def mean_agrees(values, expected):
    values = np.asarray(values, dtype=np.float64)
    se = values.std(ddof=1) / np.sqrt(values.size)
    return abs(values.mean() - expected) <= Z * se


def samples(p, T, seed):
    return np.random.default_rng(seed).multinomial(T, p, size=R)


UNIFORM = np.full(300, 1 / 300)
ZIPF = discrete.zipf_p0(500)


@pytest.fixture(scope="module")
def zipf_counts():
    """R samples of T = 2000 draws from a Zipf(1) law on 500 categories."""
    return samples(ZIPF, 2000, 1)


@pytest.fixture(scope="module")
def uniform_counts():
    """R samples of T = 400 draws from 300 equally likely categories (~100 singletons)."""
    return samples(UNIFORM, 400, 2)


# --------------------------------------------------------------------------
# missing mass


def test_good_turing_mean_is_the_exact_sum_and_its_bias_is_exact(zipf_counts):
    """E[N1/T] = sum p (1-p)^(T-1) = E[U] + sum p^2 (1-p)^(T-1)."""
    T = 2000
    values = [est.missing_mass(c).estimate for c in zipf_counts]
    missing = [ZIPF[c == 0].sum() for c in zipf_counts]
    exact_estimator = np.sum(ZIPF * (1 - ZIPF) ** (T - 1))
    exact_missing = np.sum(ZIPF * (1 - ZIPF) ** T)
    assert mean_agrees(values, exact_estimator)
    assert mean_agrees(missing, exact_missing)
    # the bias is positive and O(1/T): below N1-scale noise, yet exactly the stated sum
    assert 0 < exact_estimator - exact_missing < 1 / T


@pytest.mark.parametrize(("p", "T", "seed"), [(ZIPF, 2000, 1), (discrete.zipf_p0(2000), 1000, 3)])
def test_esty_interval_covers_the_realised_missing_mass(p, T, seed):
    counts = samples(p, T, seed)
    hits = np.array([(lambda r, u: r.ci[0] <= u <= r.ci[1])(est.missing_mass(c), p[c == 0].sum())
                     for c in counts])
    assert in_band(hits)


def test_the_fraction_of_unseen_types_is_not_the_missing_mass(zipf_counts):
    """Companion: the unseen *type* fraction f0/K, with Esty's width, misses the token mass."""
    hits = []
    for c in zipf_counts:
        r = est.missing_mass(c)
        wrong = np.mean(c == 0)
        u = ZIPF[c == 0].sum()
        hits.append(abs(wrong - u) <= r.ci[1] - r.estimate)
    assert not in_band(np.array(hits))


# --------------------------------------------------------------------------
# Hill numbers


def truth(p):
    return np.array([np.count_nonzero(p), np.exp(-np.sum(special.xlogy(p, p))), 1 / np.sum(p * p)])


@pytest.mark.parametrize(("fixture", "p", "orders"), [
    ("uniform_counts", UNIFORM, (0, 2)),
    ("zipf_counts", ZIPF, (1, 2)),
])
def test_corrected_hill_numbers_are_nearly_unbiased(fixture, p, orders, request):
    """Mean within 2% of the truth (measured: under 0.7%) where the plug-in is far off."""
    results = [est.hill_numbers(c) for c in request.getfixturevalue(fixture)]
    exact = truth(p)
    for q in orders:
        values = np.array([r.estimate[q] for r in results])
        plug = np.array([r.observed[q] for r in results])
        assert abs(values.mean() / exact[q] - 1) < 0.02
        if q < 2:
            assert abs(plug.mean() / exact[q] - 1) > 0.05


def test_unbiased_simpson_concentration_is_unbiased(zipf_counts):
    """1/D2 = sum c(c-1)/(T(T-1)) is exactly unbiased for sum p^2."""
    values = [1 / est.hill_numbers(c, q=2).estimate[0] for c in zipf_counts]
    assert mean_agrees(values, np.sum(ZIPF**2))


@pytest.mark.parametrize(("fixture", "p", "orders"), [
    ("uniform_counts", UNIFORM, (0, 2)),
    ("zipf_counts", ZIPF, (1, 2)),
])
def test_corrected_intervals_cover_the_true_hill_numbers(fixture, p, orders, request):
    results = [est.hill_numbers(c) for c in request.getfixturevalue(fixture)]
    exact = truth(p)
    for q in orders:
        hits = np.array([r.ci[0][q] <= exact[q] <= r.ci[1][q] for r in results])
        assert in_band(hits), (q, hits.mean())


@pytest.mark.parametrize(("fixture", "p", "q"), [
    ("uniform_counts", UNIFORM, 0),
    ("zipf_counts", ZIPF, 1),
])
def test_plug_in_intervals_miss_where_the_corrected_ones_cover(fixture, p, q, request):
    results = [est.hill_numbers(c, q=q, method="plug-in")
               for c in request.getfixturevalue(fixture)]
    exact = truth(p)[q]
    hits = np.array([r.ci[0][0] <= exact <= r.ci[1][0] for r in results])
    assert not in_band(hits)


def test_plug_in_hill_numbers_equal_their_definition():
    c = np.array([7, 3, 1, 1, 0, 12])
    p = c[c > 0] / c.sum()
    result = est.hill_numbers(c, q=(0, 0.5, 1, 2, 3), method="plug-in")
    expected = [5, np.sum(p**0.5) ** 2, np.exp(-np.sum(p * np.log(p))), 1 / np.sum(p**2),
                np.sum(p**3) ** -0.5]
    np.testing.assert_allclose(result.estimate, expected, rtol=1e-12)
    np.testing.assert_allclose(result.observed, expected, rtol=1e-12)
    assert result.estimators == ("plug-in",) * 5


def test_chao1_and_entropy_handle_degenerate_samples():
    """No doubletons: bias-corrected Chao1; all singletons: finite, with an infinite D2 bound."""
    r = est.hill_numbers([1, 1, 1, 3])
    n, f1 = 6, 3
    assert r.estimate[0] == pytest.approx(4 + (n - 1) / n * f1 * (f1 - 1) / 2)
    assert np.all(np.isfinite(r.estimate[:2]))
    single = est.hill_numbers([1, 1, 1, 1, 1])
    assert np.isfinite(single.estimate[1]) and single.estimate[2] == np.inf


# --------------------------------------------------------------------------
# distinct items


def test_expected_distinct_matches_enumeration_and_simulation():
    p = np.array([0.5, 0.3, 0.2])
    # enumeration over all 3^4 sequences of T = 4 draws
    grid = np.stack(np.meshgrid(*[np.arange(3)] * 4, indexing="ij"), -1).reshape(-1, 4)
    prob = np.prod(p[grid], axis=1)
    distinct = np.array([len(set(row)) for row in grid.tolist()])
    assert est.expected_distinct(p, 4) == pytest.approx(np.sum(prob * distinct), rel=1e-12)
    counts = samples(ZIPF, 700, 4)
    assert mean_agrees(np.count_nonzero(counts, axis=1), est.expected_distinct(ZIPF, 700))


def test_expected_distinct_rejects_the_uniform_approximation():
    """Companion: K (1 - (1 - 1/K)^T), right for a uniform law, is rejected for Zipf."""
    counts = samples(ZIPF, 700, 4)
    K = ZIPF.size
    assert not mean_agrees(np.count_nonzero(counts, axis=1), K * (1 - (1 - 1 / K) ** 700))


def test_expected_distinct_in_log_space_and_vectorised():
    p = discrete.zipf_p0(1000)
    out = est.expected_distinct(p, [0, 1, 10**6, 10**12])
    assert out.shape == (4,) and np.all(np.isfinite(out))
    assert out[0] == 0 and out[1] == pytest.approx(1) and out[-1] == pytest.approx(1000)
    assert est.expected_distinct([1.0, 0.0], 5) == pytest.approx(1)


def test_distinct_n_counts_distinct_ngrams():
    tokens = ["a", "b", "a", "b", "a", "c"]
    assert est.distinct_n(tokens, 1) == 3 / 6
    assert est.distinct_n(tokens, 2) == 3 / 5  # ab, ba, ac
    assert est.distinct_n(tokens, 6) == 1.0
    assert est.distinct_n(np.array([3, 3, 3]), 2) == 0.5


def test_distinct_1_of_a_unigram_sample_has_the_exact_mean():
    rng = np.random.default_rng(5)
    L = 400
    values = [est.distinct_n(rng.choice(ZIPF.size, L, p=ZIPF), 1) for _ in range(R)]
    assert mean_agrees(values, est.expected_distinct(ZIPF, L) / L)


# --------------------------------------------------------------------------
# Vendi score


def test_vendi_score_reproduces_the_reference_examples():
    """The Vendi-Score project's README: 2.9999 and 2.1573."""
    x = np.array([0, 0, 10, 10, 20, 20])
    K = np.exp(-np.abs(x[:, None] - x[None, :]))
    # the README prints 4 decimals, truncated: 3 - 4e-9 shows as 2.9999
    assert np.floor(est.vendi_score(K) * 1e4) / 1e4 == 2.9999
    K3 = [[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert round(est.vendi_score(K3), 4) == 2.1573


def test_vendi_of_the_one_hot_kernel_is_the_exponential_entropy():
    labels = np.random.default_rng(6).choice(8, size=60, p=discrete.zipf_p0(8))
    K = (labels[:, None] == labels[None, :]).astype(float)
    counts = np.bincount(labels, minlength=8)
    plug = est.hill_numbers(counts, q=1, method="plug-in").estimate[0]
    assert est.vendi_score(K) == pytest.approx(plug, rel=1e-10)
    assert est.vendi_score(np.eye(5)) == pytest.approx(5)
    assert est.vendi_score(np.ones((5, 5))) == pytest.approx(1)


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: est.missing_mass([3, -1, 2]), ValueError, "counts must be an integer >= 0"),
    (lambda: est.missing_mass([1.5, 2.0]), TypeError, "counts must be an integer"),
    (lambda: est.missing_mass(np.array([], dtype=int)), ValueError, "counts must be a non-emp"),
    (lambda: est.missing_mass([]), ValueError, "counts must be a non-empty 1-D"),
    (lambda: est.missing_mass([0, 0]), ValueError, "counts must have a positive total"),
    (lambda: est.missing_mass([[1, 2]]), ValueError, "counts must be a non-empty 1-D"),
    (lambda: est.missing_mass(["a"]), TypeError, "counts must be an integer"),
    (lambda: est.missing_mass([1, 2], confidence=1.5), ValueError, "confidence must be"),
    (lambda: est.hill_numbers([1, 2], q=-1), ValueError, "q must be a number >= 0"),
    (lambda: est.hill_numbers([1, 2], q=0.5), ValueError, "q must be 0, 1 or 2"),
    (lambda: est.hill_numbers([1, 2], q="1"), TypeError, "q must be a real"),
    (lambda: est.hill_numbers([1, 2], method="mle"), ValueError, "method must be one of"),
    (lambda: est.hill_numbers([1, 1], q=2), ValueError, "counts must total >= 3"),
    (lambda: est.expected_distinct([0.5, 0.6], 3), ValueError, "p must sum to 1"),
    (lambda: est.expected_distinct([1.5, -0.5], 3), ValueError, "p must have entries >= 0"),
    (lambda: est.expected_distinct([0.5, 0.5], -1), ValueError, "T must be an integer >= 0"),
    (lambda: est.expected_distinct([0.5, 0.5], 2.5), TypeError, "T must be an integer"),
    (lambda: est.distinct_n("abc", 1), TypeError, "tokens must be a sequence"),
    (lambda: est.missing_mass([2**62, 2**62]), ValueError, "counts must total at most"),
    (lambda: est.expected_distinct([[0.5, 0.5], [1, 0]], [1, 2, 3]), ValueError,
     r"T must broadcast against p.shape\[:-1\]"),
    (lambda: est.distinct_n([[1, 2], [3]], 1), ValueError, "tokens must be a 1-D sequence"),
    (lambda: est.distinct_n(["a"], 2), ValueError, "at least n=2"),
    (lambda: est.distinct_n(["a", "b"], 0), ValueError, "n must be an integer >= 1"),
    (lambda: est.distinct_n(["a", "b"], True), TypeError, "n must be an integer"),
    (lambda: est.vendi_score([[1.0, 2.0], [2.0, 1.0]]), ValueError, "K must be positive"),
    (lambda: est.vendi_score([[2.0, 0.0], [0.0, 2.0]]), ValueError, "unit diagonal"),
    (lambda: est.vendi_score([[1.0, 0.5], [0.2, 1.0]]), ValueError, "K must be symmetric"),
    (lambda: est.vendi_score([1.0, 1.0]), ValueError, "K must be a square matrix"),
])
def test_bad_input_names_the_parameter_and_the_rule(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_numpy_integer_scalars_are_counts_and_orders():
    r = est.hill_numbers(np.array([3, 2, 1], dtype=np.int32), q=np.int64(2))
    assert r.q.tolist() == [2.0] and np.isfinite(r.estimate[0])
    assert est.expected_distinct([0.5, 0.5], np.int64(2)) == pytest.approx(1.5)


def test_plug_in_hill_numbers_of_huge_order_are_one_over_the_largest_probability():
    # sum p^q underflowed to 0 (log(0) warned) at q = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = est.hill_numbers([5, 3, 1], q=[1e300, 400.0], method="plug-in")
        # q ln p overflowed for every p < e^-1.8 at q = 1e308
        huge = est.hill_numbers([1, 6], q=1e308, method="plug-in").estimate[0]
        even = est.hill_numbers([1, 1, 1], q=1e308, method="plug-in").estimate[0]
    assert huge == pytest.approx(7 / 6, rel=1e-12) and even == pytest.approx(3, rel=1e-12)
    assert r.estimate[0] == pytest.approx(9 / 5, rel=1e-12)
    expected = np.sum((np.array([5, 3, 1]) / 9) ** 400.0) ** (1 / (1 - 400.0))
    assert r.estimate[1] == pytest.approx(expected, rel=1e-10)
