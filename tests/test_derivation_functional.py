"""derivations/functional.py: every step checks, and its results are the package's closed forms."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import kde
from modelcollapse import misspecified as ms
from modelcollapse.derivation import evaluate

_PATH = Path(__file__).resolve().parents[1] / "derivations" / "functional.py"
_SPEC = importlib.util.spec_from_file_location("_derivation_functional", _PATH)
derivation = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(derivation)
BUILT = derivation.build()
RESULTS = BUILT.results
D = derivation
RTOL = 1e-10
sigmas = st.floats(min_value=1e-2, max_value=1e2)
bandwidths = st.floats(min_value=1e-3, max_value=10.0)


def at(key, **values):
    symbols = {"n": D.n, "M": D.M, "h": D.h, "sigma": D.sigma, "c": D.c, "kappa": D.kappa,
               "mu3": D.mu3, "q": D.q, "m": D.m_}
    return float(evaluate(RESULTS[key], {symbols[k]: v for k, v in values.items()}))


def test_every_step_checks_and_the_page_lists_its_cited_assumptions():
    page = BUILT.markdown()
    for key in ("A1", "A2", "A3", "A4"):
        assert f"**{key}.**" in page
    assert page.count("*Checked:* simplify") >= 8


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.integers(2, 500), bandwidths, sigmas)
def test_fixed_bandwidth_results_are_the_kde_closed_forms(n, M, h, sigma):
    values = {"n": n, "M": M, "h": h, "sigma": sigma}
    assert at("kde_expected_sample_variance", **values) == pytest.approx(
        kde.expected_sample_variance(n, M, h, sigma), rel=RTOL)
    assert at("kde_sample_variance", **values) == pytest.approx(
        kde.sample_variance(n, M, h, sigma), rel=RTOL)
    assert at("kde_sample_variance_accumulate", **values) == pytest.approx(
        kde.sample_variance(n, M, h, sigma, policy="accumulate"), rel=RTOL)
    if n >= 1:
        assert at("kde_expected_test_density", n=n, h=h, sigma=sigma) == pytest.approx(
            kde.expected_test_density(n, h, sigma), rel=RTOL)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(2, 500), st.sampled_from(kde.RULES), sigmas)
def test_data_driven_results_are_the_kde_closed_forms(n, M, rule, sigma):
    c = float(kde.bandwidth_factor(rule, M))
    values = {"n": n, "M": M, "c": c, "sigma": sigma}
    assert at("kde_expected_sample_variance_driven", **values) == pytest.approx(
        kde.expected_sample_variance(n, M, rule, sigma), rel=RTOL)
    assert at("kde_sample_variance_driven", **values) == pytest.approx(
        kde.sample_variance(n, M, rule, sigma), rel=1e-8)


def _student(df, scale):
    law = stats.t(df, scale=scale)
    return law, float(law.std()), 6.0 / (df - 4.0)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.integers(2, 400), st.floats(4.5, 60.0), st.floats(0.1, 10.0))
def test_misspecified_moments_are_the_package_closed_forms(n, M, df, scale):
    law, sigma, kappa = _student(df, scale)
    values = {"M": M, "kappa": kappa, "sigma": sigma}
    assert at("misspecified_sigma2_variance", n=n, **values) == pytest.approx(
        ms.sigma2_variance(n, M, law), rel=1e-9)
    assert at("misspecified_kurtosis_generation_one", **values) == pytest.approx(
        ms.kurtosis_loss(M, law).generation_one, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 400), st.floats(1.0, 50.0), st.floats(0.2, 5.0), st.floats(0.01, 0.999))
def test_the_second_order_tail_is_the_package_tail_loss(M, shape, scale, level):
    """A skewed truth (gamma), so the mu_3 term counts."""
    law = stats.gamma(shape, loc=-1.0, scale=scale)
    mean, var, skew, kurt = (float(v) for v in law.stats(moments="mvsk"))
    values = {"M": M, "q": float(law.ppf(level)), "m": mean, "sigma": var**0.5,
              "mu3": skew * var**1.5, "kappa": kurt}
    assert at("misspecified_tail_expected", **values) == pytest.approx(
        ms.tail_loss(M, law, level).expected, rel=1e-8, abs=1e-15)


@pytest.mark.parametrize("law", [stats.laplace(0, 2), stats.t(7), stats.uniform(0, 3)])
def test_the_w2_floor_is_the_package_floor(law):
    C = ms.quantile_correlation(law)
    value = float(evaluate(RESULTS["misspecified_w2_floor"],
                           {D.sigma: float(law.std()), sp_symbol("C"): C, D.m_: 0.0}))
    assert value == pytest.approx(ms.w2_floor(law), rel=1e-10)


def sp_symbol(name):
    return next(s for s in RESULTS["misspecified_w2_floor"].free_symbols if s.name == name)
