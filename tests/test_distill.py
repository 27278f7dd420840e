"""Self-distillation: the eigenbasis closed forms, the derivation, and the literal KRR simulator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import distill
from modelcollapse.derivation import evaluate
from modelcollapse.verify import mean_test

_PATH = Path(__file__).resolve().parents[1] / "derivations" / "distill.py"
_SPEC = importlib.util.spec_from_file_location("_derivation_distill", _PATH)
derivation = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(derivation)
BUILT = derivation.build()
RESULTS = BUILT.results

positive = st.floats(min_value=1e-3, max_value=1e3)


def design(n=20, bandwidth=0.3):
    x = np.linspace(0.0, 1.0, n)
    return distill.rbf_gram(x, bandwidth), np.sin(2 * np.pi * x) + x


def test_every_step_checks_and_the_page_lists_its_assumption():
    page = BUILT.markdown()
    assert "**A1.**" in page
    assert page.count("*Checked:*") >= 8


@settings(max_examples=40, deadline=None)
@given(positive, positive, st.floats(-10, 10), st.floats(0, 5), st.integers(0, 60))
def test_derived_expressions_are_the_package_closed_forms(d, c, z, s, t):
    at = {derivation.dk: d, derivation.c: c, derivation.z: z, derivation.s: s, derivation.t: t}
    assert float(evaluate(RESULTS["per_round_shrinkage"], at)) == pytest.approx(
        distill.shrinkage([d], c, 1)[0], rel=1e-12)
    assert float(evaluate(RESULTS["shrinkage"], at)) == pytest.approx(
        distill.shrinkage([d], c, t)[0], rel=1e-10, abs=1e-300)
    assert float(evaluate(RESULTS["expected_squared_error"], at)) == pytest.approx(
        distill.expected_squared_error([d], [z], c, t, noise=s), rel=1e-9, abs=1e-300)


def test_noise_free_rounds_are_the_eigenbasis_power_exactly():
    gram, f0 = design()
    chain = distill.simulate(12, gram, f0, ridge=0.05)
    d, v = distill.spectrum(gram)
    z = v.T @ f0
    t = np.arange(13)
    expected = distill.shrinkage(d, 0.05, t) * z
    np.testing.assert_allclose(chain.coefficients()[0], expected, atol=1e-10 * np.abs(z).max())
    np.testing.assert_allclose(chain.squared_error()[0],
                               distill.expected_squared_error(d, z, 0.05, t), rtol=1e-8,
                               atol=1e-12)
    np.testing.assert_allclose((chain.predictions[0] ** 2).sum(axis=-1),
                               distill.squared_norm(d, z, 0.05, t), rtol=1e-8)


def test_the_solution_collapses_onto_the_top_eigen_directions():
    gram, f0 = design()
    d, _ = distill.spectrum(gram)
    df = distill.effective_directions(d, 0.05, np.array([0, 1, 10, 100]))
    assert df[0] == pytest.approx(len(d))
    assert np.all(np.diff(df) < 0)
    coeff = distill.simulate(100, gram, f0, ridge=0.05).coefficients()[0, -1]
    share = coeff**2 / np.sum(coeff**2)
    assert share[:3].sum() > 0.999  # the mass left sits on the top directions


def test_a_wrong_per_round_factor_is_caught_by_the_exact_comparison():
    gram, f0 = design()
    chain = distill.simulate(5, gram, f0, ridge=0.05)
    d, v = distill.spectrum(gram)
    wrong = (d / (d + 2 * 0.05)) ** 5 * (v.T @ f0)  # c counted twice (e.g. n c vs c)
    assert not np.allclose(chain.coefficients()[0, -1], wrong, atol=1e-6)


def _noisy_case():
    gram, f0 = design()
    t, ridge, noise = 5, 0.05, 0.3
    d, v = distill.spectrum(gram)
    z = v.T @ f0
    chain = distill.simulate(t, gram, f0, ridge=ridge, noise=noise, replicates=4000, rng=11)
    truth = float(distill.expected_squared_error(d, z, ridge, t, noise=noise))
    lam2t = distill.shrinkage(d, ridge, 2 * t)
    mutant = truth + noise**2 * float(np.sum(1 - lam2t))
    return chain.squared_error()[:, -1], truth, mutant


def test_noisy_squared_error_matches_the_closed_form_at_alpha_001():
    errors, truth, _ = _noisy_case()
    assert mean_test(errors, truth).p_value > 0.01


def test_noise_counted_before_shrinkage_is_rejected():
    errors, _, mutant = _noisy_case()
    assert mean_test(errors, mutant).p_value < 0.01


def test_same_seed_same_numbers_and_independent_replicates():
    gram, f0 = design(8)
    a = distill.simulate(3, gram, f0, ridge=0.1, noise=1.0, replicates=5, rng=3)
    b = distill.simulate(3, gram, f0, ridge=0.1, noise=1.0, replicates=5, rng=3)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert not np.allclose(a.predictions[0], a.predictions[1])
    assert a.t == 3 and a.replicates == 5 and a.seed_entropy == 3


def test_round_one_noise_is_normal_with_the_krr_variance():
    gram, f0 = design(6)
    chain = distill.simulate(1, gram, f0, ridge=0.1, noise=1.0, replicates=3000, rng=5)
    d, v = distill.spectrum(gram)
    lam = d / (d + 0.1)
    coord = chain.coefficients()[:, 1, 0] - lam[0] * (v.T @ f0)[0]
    assert stats.kstest(coord / lam[0], "norm").pvalue > 0.01


def test_zero_eigenvalues_and_long_chains_stay_finite():
    out = distill.expected_squared_error([0.0, 1e-300, 1.0, 1e12], [1.0, 1.0, 1.0, 1.0], 1.0,
                                         10**6, noise=2.0)
    assert np.isfinite(out)
    assert distill.shrinkage([0.0, 2.0], 1.0, 0).tolist() == [1.0, 1.0]
    assert distill.shrinkage([0.0], 1.0, 3).tolist() == [0.0]


@pytest.mark.parametrize("call, match", [
    (lambda: distill.shrinkage([1.0], 0.0, 1), "ridge"),
    (lambda: distill.shrinkage([1.0], -1.0, 1), "ridge"),
    (lambda: distill.shrinkage([-1.0], 1.0, 1), "eigenvalues"),
    (lambda: distill.shrinkage([1.0], 1.0, -1), "t"),
    (lambda: distill.squared_norm([1.0, 2.0], [1.0], 1.0, 1), "coefficients"),
    (lambda: distill.expected_squared_error([1.0], [1.0], 1.0, 1, noise=-1.0), "noise"),
    (lambda: distill.rbf_gram([0.0, 1.0], 0.0), "bandwidth"),
    (lambda: distill.rbf_gram([0.0, np.nan], 1.0), "x"),
    (lambda: distill.simulate(2, [[1.0, 2.0], [2.0, 1.0]], [0.0, 1.0], ridge=1.0), "gram"),
    (lambda: distill.simulate(2, np.eye(2), [0.0, 1.0, 2.0], ridge=1.0), "f0"),
    (lambda: distill.simulate(2, np.eye(2), [0.0, 1.0], ridge=1.0, replicates=0), "replicates"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: distill.shrinkage([1.0], 1.0, 1.5), "t"),
    (lambda: distill.simulate(2.0, np.eye(2), [0.0, 1.0], ridge=1.0), "t"),
    (lambda: distill.simulate(2, np.eye(2), [0.0, 1.0], ridge="1"), "ridge"),
    (lambda: distill.simulate(True, np.eye(2), [0.0, 1.0], ridge=1.0), "t"),
    (lambda: distill.shrinkage([1.0], [1.0, 2.0], 1), "ridge"),
])
def test_wrong_types_name_the_parameter(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_simulate_with_huge_noise_overflows_to_inf_not_nan():
    # the noise used to enter the Cholesky solve unscaled: inf - inf = NaN there
    g = distill.rbf_gram([0.0, 0.5, 1.0], 0.5)
    chain = distill.simulate(3, g, [1.0, 0.0, -1.0], ridge=0.1, noise=1e308, replicates=2,
                             rng=0)
    assert not np.isnan(chain.predictions).any()
    np.testing.assert_array_equal(chain.predictions[:, 0], [[1.0, 0.0, -1.0]] * 2)
    # the noise enters linearly: the same draws at s and 2s, about the noise-free path
    path = [distill.simulate(3, g, [1.0, 0.0, -1.0], ridge=0.1, noise=s, replicates=2,
                             rng=0).predictions for s in (0.0, 1.0, 2.0)]
    np.testing.assert_allclose(path[2] - path[0], 2 * (path[1] - path[0]), rtol=1e-12,
                               atol=1e-15)


def test_a_coefficient_length_mismatch_names_both_arrays():
    with pytest.raises(ValueError, match=r"coefficients .*as in eigenvalues"):
        distill.squared_norm([1.0, 2.0, 3.0], [1.0], 1.0, 1)


def test_extreme_bandwidths_and_ridges_give_exact_limits_without_warnings():
    # h**2 underflowed to 0 (0/0 = NaN on the diagonal); far points overflowed the square
    np.testing.assert_array_equal(distill.rbf_gram([0.0, 1.0], 1e-308), np.eye(2))
    np.testing.assert_array_equal(distill.rbf_gram([1e200, -1e200], 1.0), np.eye(2))
    # c/d overflows: lambda = 0, so every coefficient is gone after one round
    np.testing.assert_array_equal(distill.shrinkage([1e-6, 1.0], 1e308, [0, 2]),
                                  [[1.0, 1.0], [0.0, 0.0]])
    assert distill.expected_squared_error([1e-6, 1.0], [1.0, 2.0], 1e308, 2, noise=1.0) == 5.0


def test_expected_squared_error_with_huge_noise_is_inf_where_noise_enters():
    # s**2 raised Python's OverflowError at s = 1e308
    out = distill.expected_squared_error([0.0, 1.0], [1.0, 1.0], 1.0, [0, 1], noise=1e308)
    np.testing.assert_array_equal(out, [0.0, np.inf])
    assert distill.expected_squared_error([0.0], [2.0], 1.0, 3, noise=1e308) == 4.0
    # huge coefficients: the t = 0 bias and a vanished direction are 0, not 0 * inf = NaN
    np.testing.assert_array_equal(
        distill.expected_squared_error([1.0], [1e200], 1.0, [0, 1]), [0.0, np.inf])
    np.testing.assert_array_equal(
        distill.squared_norm([0.0, 1.0], [1e200, 1.0], 1.0, [0, 1]), [np.inf, 0.25])
