"""derivations/diversity.py: every step checks, and its results are the package's closed forms."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcollapse import estimate, ngram
from modelcollapse.derivation import evaluate

_PATH = Path(__file__).resolve().parents[1] / "derivations" / "diversity.py"
_SPEC = importlib.util.spec_from_file_location("_derivation_diversity", _PATH)
derivation = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(derivation)
RESULTS = derivation.build().results

probabilities = st.lists(st.floats(0.01, 1.0), min_size=1, max_size=6).map(
    lambda w: (np.array(w) / np.sum(w)).tolist())


def test_every_step_checks_and_the_page_lists_its_cited_assumptions():
    page = derivation.build().markdown()
    for key in ("A1", "A2", "A3"):
        assert f"**{key}.**" in page
    assert page.count("*Checked:* simplify") >= 8


@settings(max_examples=25, deadline=None)
@given(probabilities, st.integers(0, 150))
def test_expected_distinct_result_is_the_closed_form(p, T):
    value = evaluate(RESULTS["expected_distinct"],
                     {derivation.T: T, derivation.K: len(p), derivation.P: p})
    assert estimate.expected_distinct(p, T) == pytest.approx(float(value), rel=1e-10, abs=1e-12)


@settings(max_examples=10, deadline=None)
@given(probabilities.filter(lambda p: len(p) <= 4), st.integers(3, 4))
def test_good_turing_and_simpson_results_are_exact_means_over_all_samples(p, T):
    """Enumerate every sequence of T draws: E[N1/T], E[N1/T] - E[U] and E[lambda-hat]."""
    p = np.array(p)
    mean = bias = simpson = 0.0
    for seq in itertools.product(range(p.size), repeat=T):
        weight = np.prod(p[list(seq)])
        counts = np.bincount(seq, minlength=p.size)
        gt = estimate.missing_mass(counts).estimate
        mean += weight * gt
        bias += weight * (gt - p[counts == 0].sum())
        simpson += weight / estimate.hill_numbers(counts, q=2).estimate[0]
    values = {derivation.T: T, derivation.K: p.size, derivation.P: p.tolist()}
    assert mean == pytest.approx(float(evaluate(RESULTS["good_turing_mean"], values)), abs=1e-12)
    assert bias == pytest.approx(float(evaluate(RESULTS["good_turing_bias"], values)), abs=1e-12)
    assert simpson == pytest.approx(float(evaluate(RESULTS["simpson"], values)), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 50))
def test_branching_results_are_branching_loss_probability(m):
    for n, key in ((1, "loss_one_fit"), (2, "loss_two_fits")):
        value = float(evaluate(RESULTS[key], {derivation.m: m}))
        assert ngram.branching_loss_probability(n, m) == pytest.approx(value, rel=1e-12,
                                                                       abs=1e-300)


@settings(max_examples=25, deadline=None)
@given(probabilities.filter(lambda p: len(p) >= 2), st.integers(1, 5000),
       st.floats(1e-3, 10.0), st.integers(0, 40))
def test_add_k_results_are_add_k_heterozygosity(p0, M, k, n):
    V = len(p0)
    a = M / (M + k * V)
    F = float(np.sum(np.square(p0)))
    step = {derivation.a: a, derivation.M: M, derivation.V: V}
    for _ in range(n):
        F = float(evaluate(RESULTS["add_k_recursion"], step | {derivation.F: F}))
    het, stationary = ngram.add_k_heterozygosity(n, M, p0, k)
    assert het == pytest.approx(1 - ((1 - 1 / M) * F + 1 / M), rel=1e-9, abs=1e-12)
    fixed = float(evaluate(RESULTS["add_k_stationary"], step))
    assert stationary == pytest.approx(1 - ((1 - 1 / M) * fixed + 1 / M), rel=1e-9, abs=1e-12)
