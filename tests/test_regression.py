"""Recursive least squares: closed forms, their derivation, and the simulator.

Statistical checks are two-sided z-tests of Monte Carlo means with computed
standard errors, at ALPHA = 0.001 per check with a fixed seed; each has a
companion showing a deliberately wrong formula is rejected by the same data.
"""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcollapse import regression as reg
from modelcollapse.verify._core import check_claim
from modelcollapse.verify.regression import regression_claims

ALPHA = 0.001
SEED = 20240212
CLAIMS = regression_claims()

ns = st.integers(min_value=0, max_value=400)
dims = st.integers(min_value=1, max_value=50)
extra_rows = st.integers(min_value=2, max_value=500)
sigmas = st.floats(min_value=1e-3, max_value=1e3)


@pytest.fixture(scope="module", params=CLAIMS, ids=lambda c: c.name)
def result(request):
    claim = request.param
    return check_claim(claim, replicates=claim.replicates, alpha=ALPHA, seed=SEED)


def test_expected_test_error_holds_against_simulation(result):
    assert not result.rejected, result


def test_wrong_test_error_formula_is_rejected_by_the_same_simulation(result):
    assert result.mutant_rejected, result


# --------------------------------------------------------------------------
# the derivation, in sympy


def test_pooled_least_squares_is_the_martingale_with_steps_e_k_over_k():
    """k u_k = sum_{j<k} (u_j + e_j) (the pooled normal equations) is solved by
    u_k = sum_{j<k} e_j/(j + 1); hence Var u_n = sum_{k<=n} 1/k^2 times one fit's."""
    e = sp.symbols("e0:8")
    u = [sp.Integer(0)]
    for k in range(1, 8):
        u.append(sp.Rational(1, k) * sum(u[j] + e[j] for j in range(k)))
    for k in range(8):
        assert sp.simplify(u[k] - sum(e[j] / (j + 1) for j in range(k))) == 0


def test_sum_of_inverse_squares_matches_sympy_summation():
    """sum_{k<=n} 1/k^2 (sympy, 30 digits) and its limit pi^2/6, the accumulate bound."""
    k, n = sp.symbols("k n", integer=True, positive=True)
    partial = sp.summation(1 / k**2, (k, 1, n))
    assert sp.summation(1 / k**2, (k, 1, sp.oo)) == sp.pi**2 / 6
    for m in (1, 2, 7, 50, 1000):
        got = reg.expected_test_error(m, 3, 10, policy="accumulate") * 6 / 3
        assert got == pytest.approx(float(sp.N(partial.subs(n, m), 30)), rel=1e-13)


def test_fresh_design_accumulate_term_has_the_partial_fractions_used():
    k, T, d = sp.symbols("k T d", positive=True)
    c = (d + 1) / T
    term = d / (k * (k * T - d - 1))
    assert sp.simplify(term - d / (d + 1) * (1 / (k - c) - 1 / k)) == 0


@settings(max_examples=60, deadline=None)
@given(ns, dims, extra_rows, sigmas)
def test_fresh_design_accumulate_matches_40_digit_sum(n, d, extra, sigma):
    T = d + extra
    with mp.workdps(40):
        exact = mp.mpf(sigma) ** 2 * mp.fsum(
            mp.mpf(d) / (k * (k * T - d - 1)) for k in range(1, n + 1)
        )
    got = reg.expected_test_error(n, d, T, sigma=sigma, policy="accumulate", design="fresh")
    assert got == pytest.approx(float(exact), rel=1e-12, abs=1e-300)


# --------------------------------------------------------------------------
# properties of the closed forms


@settings(max_examples=100, deadline=None)
@given(ns, dims, extra_rows, sigmas, st.sampled_from(reg.DESIGNS))
def test_accumulating_is_never_worse_and_stays_below_pi_squared_over_six(n, d, extra, s, design):
    T = d + extra
    replace = reg.expected_test_error(n, d, T, sigma=s, design=design)
    acc = reg.expected_test_error(n, d, T, sigma=s, policy="accumulate", design=design)
    fixed = reg.expected_test_error(n, d, T, sigma=s, policy="accumulate")
    one_fit = s**2 * d / (T - d - 1)
    assert acc <= replace * (1 + 1e-12)
    assert acc <= fixed * (1 + 1e-12)
    assert acc <= np.pi**2 / 6 * one_fit * (1 + 1e-12)


def test_first_fit_is_the_same_for_every_policy_and_design():
    """Column 1 is the fit to real labels: sigma^2 d/(T - d - 1) whatever happens next."""
    values = [
        reg.expected_test_error([0, 1], 5, 20, sigma=2.0, policy=p, design=g)
        for p in reg.POLICIES
        for g in reg.DESIGNS
    ]
    for v in values:
        assert v.tolist() == pytest.approx([0.0, 4.0 * 5 / 14])


def test_closed_form_broadcasts_over_its_arguments():
    out = reg.expected_test_error(
        np.arange(4)[:, None], [1, 2], 10, sigma=[[1.0], [2.0], [1.0], [3.0]]
    )
    assert out.shape == (4, 2)
    assert out[3, 1] == pytest.approx(3 * 9 * 2 / 7)


# --------------------------------------------------------------------------
# the simulator


def _stacked_lstsq_reference(n, d, T, sigma, policy, design, rows, seed):
    """A plain loop: stack every labelled set, call numpy.linalg.lstsq.

    It consumes the generator in the simulator's order (design, then noise,
    all rows of a block at once), so the two must agree to rounding.
    """
    gen = np.random.default_rng(seed)
    out = np.zeros((rows, n + 1))
    designs, labels = [], []
    w = np.zeros((rows, d))
    for k in range(1, n + 1):
        if design == "fresh" or k == 1:
            x = gen.standard_normal((rows, T, d))
        noise = gen.standard_normal((rows, T, 1))[..., 0]
        y = np.einsum("rtd,rd->rt", x, w) + sigma * noise
        designs, labels = ([x], [y]) if policy == "replace" else ([*designs, x], [*labels, y])
        for r in range(rows):
            a = np.concatenate([xs[r] for xs in designs])
            b = np.concatenate([ys[r] for ys in labels])
            w[r] = np.linalg.lstsq(a, b, rcond=None)[0]
        out[:, k] = np.sum(w * w, axis=1)
    return out


@pytest.mark.parametrize("design", reg.DESIGNS)
@pytest.mark.parametrize("policy", reg.POLICIES)
def test_simulator_is_literal_least_squares_on_stacked_data(policy, design):
    chain = reg.simulate(6, 3, 7, sigma=0.5, policy=policy, design=design, replicates=5, rng=11)
    expected = _stacked_lstsq_reference(6, 3, 7, 0.5, policy, design, 5, 11)
    np.testing.assert_allclose(chain.test_error, expected, rtol=1e-9, atol=1e-15)


def test_column_zero_is_the_truth_and_column_one_the_fit_to_real_labels():
    chains = [
        reg.simulate(4, 2, 6, policy=p, design="fixed", replicates=3, rng=5) for p in reg.POLICIES
    ]
    assert all((c.test_error[:, 0] == 0).all() for c in chains)
    np.testing.assert_array_equal(chains[0].test_error[:, 1], chains[1].test_error[:, 1])
    assert not np.array_equal(chains[0].test_error[:, 2], chains[1].test_error[:, 2])


def test_result_records_its_parameters_and_is_read_only():
    chain = reg.simulate(
        3, 2, 5, sigma=0.3, policy="accumulate", design="fresh", replicates=2, rng=1
    )
    assert (chain.n, chain.replicates, chain.d, chain.T, chain.sigma) == (3, 2, 2, 5, 0.3)
    assert (chain.policy, chain.design) == ("accumulate", "fresh")
    assert chain.seed_entropy == 1
    with pytest.raises(ValueError, match="read-only"):
        chain.test_error[0, 0] = 1.0


def test_blocks_bound_memory_and_same_seed_gives_same_numbers(monkeypatch):
    a = reg.simulate(3, 2, 4, replicates=7, rng=np.random.SeedSequence(9))
    monkeypatch.setattr(reg, "BLOCK_ENTRIES", 16)  # two chains per block
    b = reg.simulate(3, 2, 4, replicates=7, rng=9)
    c = reg.simulate(3, 2, 4, replicates=7, rng=9)
    np.testing.assert_array_equal(b.test_error, c.test_error)
    assert a.test_error.shape == b.test_error.shape == (7, 4)


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"policy": "mix"}, "policy must be one of 'replace', 'accumulate', got policy='mix'"),
        ({"design": "random"}, "design must be one of 'fixed', 'fresh'"),
        ({"sigma": 0.0}, "sigma must be finite and > 0"),
    ],
)
def test_bad_options_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        reg.expected_test_error(1, 2, 10, **kwargs)
    with pytest.raises(ValueError, match=match):
        reg.simulate(1, 2, 10, **kwargs)


def test_too_few_rows_names_T_and_the_rule():
    with pytest.raises(ValueError, match=r"T must be an integer >= d \+ 2 .* got T=4 with d=3"):
        reg.expected_test_error(2, 3, 4)
    with pytest.raises(ValueError, match=r"T must be an integer >= 3 >= d=3 .*got T=2"):
        reg.simulate(2, 3, 2)


def test_non_integer_sizes_are_type_errors():
    with pytest.raises(TypeError, match="n must be an integer"):
        reg.simulate(2.0, 3, 10)
    with pytest.raises(TypeError, match="d must be an integer"):
        reg.expected_test_error(2, 3.5, 10)
