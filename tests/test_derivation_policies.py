"""derivations/policies.py: every step checks, and its results are the package's closed forms."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcollapse import policies, regression
from modelcollapse.derivation import evaluate

_PATH = Path(__file__).resolve().parents[1] / "derivations" / "policies.py"
_SPEC = importlib.util.spec_from_file_location("_derivation_policies", _PATH)
derivation = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(derivation)
BUILT = derivation.build()
RESULTS = BUILT.results
sigmas = st.floats(min_value=1e-2, max_value=1e2)


def test_every_step_checks_and_the_page_lists_its_cited_assumptions():
    page = BUILT.markdown()
    for key in ("A1", "A2", "A3", "A4"):
        assert f"**{key}.**" in page
    assert page.count("*Checked:* simplify") >= 10


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 12), st.integers(2, 50), sigmas)
def test_accumulate_result_is_the_package_recursion(n, M, sigma):
    value = evaluate(RESULTS["accumulate_mean_squared_error"],
                     {derivation.n: n, derivation.M: M, derivation.sigma: sigma})
    package = policies.gaussian_mean_squared_error(n, M, sigma, policy="accumulate")
    assert float(value) == pytest.approx(package, rel=1e-12)
    assert package < float(evaluate(RESULTS["accumulate_bound"],
                                    {derivation.M: M, derivation.sigma: sigma}))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 400), st.data(), sigmas)
def test_fresh_stationary_results_are_the_package_closed_forms(M, data, sigma):
    K = data.draw(st.integers(1, M))
    f = K / M
    at = {derivation.M: M, derivation.f: f, derivation.sigma: sigma}
    assert float(evaluate(RESULTS["fresh_stationary_mean_squared_error"], at)) == pytest.approx(
        policies.gaussian_stationary_mean_squared_error(M, f, sigma), rel=1e-12)
    assert float(evaluate(RESULTS["fresh_stationary_sigma2"], at)) == pytest.approx(
        policies.gaussian_stationary_sigma2(M, f, sigma), rel=1e-12)
    first = float(evaluate(RESULTS["fresh_stationary_first_order"], at))
    assert first == pytest.approx(sigma**2 / (M * f * (2 - f)), rel=1e-12)
    assert first <= policies.gaussian_stationary_mean_squared_error(M, f, sigma) * (1 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.integers(1, 30), st.integers(2, 40), sigmas)
def test_regression_results_are_expected_test_error(n, d, extra, sigma):
    T = d + extra
    at = {derivation.n: n, derivation.d_: d, derivation.T: T, derivation.sigma: sigma}
    for policy in ("replace", "accumulate"):
        value = float(evaluate(RESULTS[f"regression_{policy}"], at))
        package = regression.expected_test_error(n, d, T, sigma=sigma, policy=policy)
        assert value == pytest.approx(package, rel=1e-12, abs=1e-300)
