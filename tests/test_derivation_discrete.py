"""derivations/discrete.py: every step checks, and its results are the package's closed forms."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcollapse import discrete
from modelcollapse.derivation import evaluate

_PATH = Path(__file__).resolve().parents[1] / "derivations" / "discrete.py"
_SPEC = importlib.util.spec_from_file_location("_derivation_discrete", _PATH)
derivation = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(derivation)
RESULTS = derivation.build().results


def test_every_step_checks_and_the_page_lists_its_cited_assumptions():
    page = derivation.build().markdown()
    for key in ("A1", "A2", "A3", "A4"):
        assert f"**{key}.**" in page
    assert page.count("*Checked:* simplify") >= 9


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=1, max_size=6), st.floats(0.01, 0.99))
def test_heterozygosity_result_is_expected_heterozygosity(sizes, a):
    p0 = np.array([a, (1 - a) / 2, (1 - a) / 2])
    h0 = 1 - np.sum(p0**2)
    n = len(sizes)
    value = evaluate(RESULTS["heterozygosity"],
                     {derivation.n: n, derivation.Ms: sizes, derivation.H0: h0})
    assert float(value) == pytest.approx(discrete.expected_heterozygosity(n, sizes, p0),
                                         rel=1e-12, abs=1e-300)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2000), st.floats(0, 1))
def test_first_loss_result_is_loss_probability_after_one_fit(M, p):
    value = evaluate(RESULTS["first_loss"], {derivation.M: M, derivation.p: p})
    assert discrete.loss_probability(1, M, p) == pytest.approx(float(value), rel=1e-10, abs=1e-300)


def test_martingale_and_fixation_results_are_p0():
    assert str(RESULTS["martingale"]) == str(RESULTS["fixation"]) == "p_{0,k}"
    np.testing.assert_array_equal(discrete.fixation_probability([0.25, 0.75]), [0.25, 0.75])
