"""derivations/tails.py: every step checks, and its results are the package's closed forms."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from modelcollapse import discrete, gaussian, tails
from modelcollapse.derivation import evaluate

_PATH = Path(__file__).resolve().parents[1] / "derivations" / "tails.py"
_SPEC = importlib.util.spec_from_file_location("_derivation_tails", _PATH)
derivation = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(derivation)
BUILT = derivation.build()
RESULTS = BUILT.results
betas = st.floats(1.05, 5.0)
temperatures = st.floats(0.2, 5.0)


def test_every_step_checks_and_the_page_lists_its_cited_assumptions():
    page = BUILT.markdown()
    for key in ("A1", "A2", "A3"):
        assert f"**{key}.**" in page
    assert page.count("*Checked:* s") >= 10


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=6), temperatures, st.integers(0, 8))
def test_infinite_sample_weight_is_the_package_map(weights, T, n):
    p0 = np.array(weights, dtype=float) / sum(weights)
    log_w = np.array([float(evaluate(sp.expand_log(sp.log(RESULTS["infinite_sample_weight"]),
                                                   force=True),
                                     {derivation.p: pk, derivation.T: T, derivation.n: n}))
                      for pk in p0])
    expected = np.exp(log_w - special.logsumexp(log_w))
    np.testing.assert_allclose(tails.infinite_sample_map(n, p0, temperature=T), expected,
                               rtol=1e-9, atol=1e-300)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 0.99), temperatures, st.integers(1, 60))
def test_first_fit_and_two_type_results_are_the_package_closed_forms(p, T, M):
    g = float(evaluate(RESULTS["two_type_sampling_probability"], {derivation.p: p,
                                                                    derivation.T: T}))
    lost = float(evaluate(RESULTS["first_fit_loss"], {derivation.q: g, derivation.M: M}))
    assert tails.two_type_loss_probability(1, M, p, temperature=T) == pytest.approx(
        lost, rel=1e-9, abs=1e-300)
    assert tails.first_fit_loss_probability(M, [p, 1 - p], temperature=T)[0] == pytest.approx(
        lost, rel=1e-9, abs=1e-300)


@settings(max_examples=30, deadline=None)
@given(betas, st.floats(1.0, 1e8), st.integers(1, 10**4))
def test_zipf_results_are_the_package_asymptotes(beta, T, k):
    c = 1 / special.zeta(beta)
    at = {derivation.beta: beta, derivation.T: T, derivation.c: c, derivation.k: k,
          derivation.N: k + 0.5}
    assert tails.zipf_memorizer_asymptote(T, beta) == pytest.approx(
        float(evaluate(RESULTS["zipf_memorizer_asymptote"], at)), rel=1e-9)
    assert tails.zipf_crossover(k, beta) == pytest.approx(
        float(evaluate(RESULTS["zipf_crossover"], at)), rel=1e-9)
    assert tails.zipf_distinct_asymptote(T, beta) == pytest.approx(
        float(evaluate(RESULTS["zipf_distinct_asymptote"], at)), rel=1e-9)
    assert tails.zipf_top_n_asymptote(k, beta) == pytest.approx(
        float(evaluate(RESULTS["zipf_top_n_asymptote"], at)), rel=1e-9)


@pytest.mark.parametrize("beta", [1.5, 2.0, 3.0])
def test_derived_relative_error_is_the_measured_gap_between_asymptote_and_exact_sum(beta):
    K, T = 10**6, 2000
    p = discrete.zipf_p0(K, beta)
    measured = tails.zipf_memorizer_asymptote(T, beta, K=K) / tails.memorizer_error(T, p) - 1
    derived = float(evaluate(RESULTS["asymptote_relative_error"],
                             {derivation.beta: beta, derivation.T: T}))
    assert measured == pytest.approx(derived, rel=0.05)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 30), st.integers(2, 200), st.floats(0.3, 1.7).filter(lambda t: t != 1.0),
       st.floats(0.1, 10.0))
def test_tempered_gaussian_results_are_the_package_closed_forms(n, M, T, sigma):
    at = {derivation.n: n, derivation.T: T, sp.Symbol("sigma", positive=True): sigma,
          sp.Symbol("M", positive=True): M}
    assert gaussian.sigma_moment(n, M, 2, sigma, temperature=T) == pytest.approx(
        float(evaluate(RESULTS["gaussian_tempered_sigma2"], at)), rel=1e-9)
    assert gaussian.mean_squared_error(n, M, sigma, temperature=T) == pytest.approx(
        float(evaluate(RESULTS["gaussian_tempered_mean_squared_error"], at)), rel=1e-9, abs=0)
    assert gaussian.sample_variance(n, M, sigma, temperature=T) == pytest.approx(
        float(evaluate(RESULTS["gaussian_tempered_sample_variance"], at)), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 20), st.integers(1, 30), st.floats(0.3, 2.0), st.floats(0.1, 10.0))
def test_fresh_data_steps_are_the_package_recursion(real, synth, T, sigma):
    moments = tails.mad_moments(2, real, synth, temperature=T, sigma=sigma)
    a, v = 0.0, sigma**2
    for i in (1, 2):
        at = {sp.Symbol("a"): a, sp.Symbol("v"): v, sp.Symbol("K", positive=True): real,
              sp.Symbol("L", positive=True): synth, derivation.T: T,
              sp.Symbol("sigma", positive=True): sigma}
        a_next = float(evaluate(RESULTS["mad_mean_step"], at))
        v = float(evaluate(RESULTS["mad_variance_step"], at))
        a = a_next
        assert moments.mean_squared_error[i] == pytest.approx(a, rel=1e-9)
        assert moments.sigma2[i] == pytest.approx(v, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(0, 30), st.integers(0, 40),
       st.floats(0.3, 1.7).filter(lambda t: t != 1.0), st.integers(0, 2**32 - 1))
def test_tempered_multivariate_results_are_the_package_closed_forms(d, n, extra, T, seed):
    from modelcollapse import multivariate

    M = d + 1 + extra
    root = np.random.default_rng(seed).standard_normal((d, d))
    cov = root @ root.T + 0.1 * np.eye(d)
    at = {derivation.n: n, derivation.T: T, sp.Symbol("M", positive=True): M,
          sp.Symbol("d", integer=True, positive=True): d,
          sp.Symbol("tau", positive=True): np.trace(cov)}
    np.testing.assert_allclose(multivariate.expected_cov(n, M, cov, temperature=T),
                               float(evaluate(RESULTS["multivariate_tempered_cov_ratio"], at))
                               * cov, rtol=1e-9)
    assert multivariate.expected_det(n, M, cov, temperature=T) == pytest.approx(
        float(evaluate(RESULTS["multivariate_tempered_det_ratio"], at)) * np.linalg.det(cov),
        rel=1e-8)
    assert (multivariate.log_det_mean(n, M, cov, temperature=T)
            - multivariate.log_det_mean(n, M, cov)) == pytest.approx(
        float(evaluate(RESULTS["multivariate_tempered_log_det_shift"], at)), rel=1e-9, abs=1e-9)
    assert multivariate.mean_squared_error(n, M, cov, temperature=T) == pytest.approx(
        float(evaluate(RESULTS["multivariate_tempered_mean_squared_error"], at)), rel=1e-9,
        abs=0)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 50), st.integers(0, 200), st.integers(1, 40),
       st.lists(st.integers(1, 20), min_size=2, max_size=6))
def test_real_corpus_results_are_the_package_closed_forms(real, synth, n, weights):
    p0 = np.array(weights, dtype=float) / sum(weights)
    moments = tails.real_corpus_moments(n, real, synth, p0)
    N, s = sp.Symbol("N", positive=True), sp.Symbol("s", positive=True)
    at = {N: real, s: synth}
    u = float(evaluate(RESULTS["real_corpus_ratio"],
                       at | {sp.Symbol("g", integer=True, positive=True): n}))
    k = int(np.argmax(p0))
    expected = float(evaluate(RESULTS["real_corpus_mean_squared_error"],
                              at | {sp.Symbol("p", positive=True): p0[k], sp.Symbol("u_g"): u}))
    assert moments.mean_squared_error[n, k] == pytest.approx(expected, rel=1e-9)
    limit = float(evaluate(RESULTS["real_corpus_stationary_ratio"], at))
    h0 = 1 - np.sum(p0**2)
    assert tails.real_corpus_stationary(real, synth, p0).heterozygosity == pytest.approx(
        h0 * (1 - 1 / real) * (1 - limit), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=6), st.floats(0.0, 1.0))
def test_accumulate_step_is_the_package_recursion(sizes, fresh):
    from modelcollapse import policies
    from modelcollapse._policy import fresh_counts

    p0 = [0.3, 0.7]
    h0 = 1 - 0.09 - 0.49
    v, before = 0.0, 0
    names = {name: sp.Symbol(name, nonnegative=True) for name in ("C_{i-1}", "K", "L", "v")}
    for i, (m, k) in enumerate(zip(sizes, fresh_counts(np.array(sizes), fresh).tolist(),
                                   strict=True), start=1):
        v = float(evaluate(RESULTS["accumulate_variance_step"],
                           {names["C_{i-1}"]: before, names["K"]: k, names["L"]: m - k,
                            names["v"]: v}))
        before += m
        assert policies.discrete_heterozygosity(i, sizes, p0, fresh=fresh,
                                                policy="accumulate") == pytest.approx(
            h0 * (1 - v), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("M", [2, 7, 100])
def test_accumulate_limit_is_the_far_package_value(M):
    from modelcollapse import policies

    limit = float(evaluate(RESULTS["accumulate_heterozygosity_limit"],
                           {sp.Symbol("M", positive=True): M}))
    # the tail of the product after n factors is about exp(-1/(M n))
    assert policies.discrete_heterozygosity(10**5, M, [0.5, 0.5],
                                            policy="accumulate") / 0.5 == pytest.approx(
        limit, rel=2e-5)
