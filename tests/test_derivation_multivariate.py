"""derivations/multivariate.py: every step checks; its results are the closed forms."""

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcollapse import gaussian
from modelcollapse import multivariate as mv
from modelcollapse.derivation import evaluate, load_build

SCRIPT = Path(__file__).resolve().parents[1] / "derivations" / "multivariate.py"


@pytest.fixture(scope="module")
def derivation():
    return load_build(SCRIPT)()


def symbol(expr, name):
    return next(s for s in expr.free_symbols if s.name == name)


# M stays below ~10^3: sympy evaluates psi at half-integers exactly, as harmonic numbers whose
# digits grow with M (the large-M accuracy of log_det_drift is held against mpmath elsewhere).
@settings(deadline=None, max_examples=15)
@given(st.integers(1, 6), st.integers(0, 1000))
def test_log_det_drift_is_the_derived_expression(derivation, d, extra):
    expr = derivation.results["log_det_drift"]
    m = d + 1 + extra
    exact = evaluate(expr, {symbol(expr, "M"): m, symbol(expr, "d"): d})
    assert mv.log_det_drift(m, d) == pytest.approx(float(exact), rel=1e-12)


@settings(deadline=None, max_examples=15)
@given(st.integers(1, 5), st.integers(0, 50))
def test_expected_det_factor_is_the_derived_product(derivation, d, extra):
    expr = derivation.results["expected_det_factor"]
    m = d + 1 + extra
    exact = evaluate(expr, {symbol(expr, "M"): m, symbol(expr, "d"): d})
    assert mv.expected_det(1, m, np.eye(d)) == pytest.approx(float(exact), rel=1e-12)


def test_w2_lower_bound_is_the_derived_trace_form(derivation):
    expr = derivation.results["w2_lower_bound"]
    n, m, cov = 7, 5, np.diag([2.0, 0.5])
    values = {"s_1": 2.0, "s_2": 0.5, "H_n": n / m,
              "c_n": float(gaussian.sigma_moment(n, m, 1))}
    value = expr.subs({symbol(expr, k): v for k, v in values.items()})
    assert mv.w2_squared_lower_bound(n, m, cov) == pytest.approx(float(sp.N(value)), rel=1e-13)


def test_the_page_lists_every_step_as_checked_or_cited(derivation):
    page = derivation.markdown()
    assert page.count("**Step") == len(derivation.steps) and "Cited assumptions" in page
