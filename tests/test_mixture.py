"""Mixtures refitted by EM: agreement with scikit-learn, exact M-step identities, the chain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from modelcollapse import mixture
from modelcollapse.verify import mean_test

TWO_1D = {"weights": [0.5, 0.5], "means": [-2.0, 2.0], "covariances": [1.0, 1.0]}
THREE_2D = {
    "weights": [0.5, 0.3, 0.2],
    "means": [[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]],
    "covariances": [np.eye(2), [[1.0, 0.5], [0.5, 0.8]], [[0.6, -0.2], [-0.2, 0.4]]],
}


def _sklearn_fit(x, start, tol, max_iter, reg_covar):
    from sklearn.mixture import GaussianMixture

    w, m, c = (np.asarray(a, dtype=float) for a in start)
    if m.ndim == 1:
        x, m, c = x[:, None], m[:, None], c[:, None, None]
    gm = GaussianMixture(len(w), covariance_type="full", tol=tol, max_iter=max_iter,
                         reg_covar=reg_covar, weights_init=w, means_init=m,
                         precisions_init=np.linalg.inv(c), init_params="random_from_data",
                         random_state=0).fit(x)
    return gm


@pytest.mark.parametrize("case, tol", [(TWO_1D, 1e-3), (TWO_1D, 1e-8), (THREE_2D, 1e-3)],
                         ids=["1d-K2", "1d-K2-tight", "2d-K3"])
def test_batched_em_is_sklearn_gaussian_mixture_fit_by_fit(case, tol):
    pytest.importorskip("sklearn")
    start = (case["weights"], case["means"], case["covariances"])
    # a perturbed start, so that EM has work to do
    shifted = (start[0], np.asarray(start[1]) + 0.7, np.asarray(start[2]) * 1.5)
    x = mixture.sample(200, *start, replicates=4, rng=3)
    fit = mixture.fit_em(x, *shifted, tol=tol, max_iter=500)
    for r in range(x.shape[0]):
        gm = _sklearn_fit(x[r], shifted, tol, 500, 1e-6)
        assert gm.n_iter_ == fit.iterations[r]
        assert fit.converged[r] and gm.converged_
        np.testing.assert_allclose(fit.weights[r], gm.weights_, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(fit.means[r], gm.means_.reshape(fit.means[r].shape),
                                   rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(fit.covariances[r],
                                   gm.covariances_.reshape(fit.covariances[r].shape),
                                   rtol=1e-9, atol=1e-12)


def test_a_wrong_m_step_disagrees_with_sklearn():
    """Power of the agreement test: ddof=1 component covariances are caught."""
    pytest.importorskip("sklearn")
    x = mixture.sample(300, *TWO_1D.values(), replicates=1, rng=4)
    gm = _sklearn_fit(x[0], TWO_1D.values(), 1e-3, 100, 1e-6)
    fit = mixture.fit_em(x, *TWO_1D.values())
    nk = fit.weights[0] * 300
    wrong = (fit.covariances[0] - 1e-6) * nk / (nk - 1) + 1e-6
    assert not np.allclose(wrong, gm.covariances_.ravel(), rtol=1e-6)


@pytest.mark.parametrize("case", [TWO_1D, THREE_2D], ids=["1d-K2", "2d-K3"])
def test_every_m_step_sets_the_total_covariance_to_the_mle_one_plus_the_floor(case):
    x = mixture.sample(200, *case.values(), replicates=4, rng=5)
    for max_iter in (1, 3, 100):
        fit = mixture.fit_em(x, *case.values(), max_iter=max_iter, reg_covar=1e-3)
        w = fit.weights[..., None]
        m = fit.means if fit.means.ndim == 3 else fit.means[..., None]
        mean = (w * m).sum(axis=1)
        data = x if x.ndim == 3 else x[..., None]
        np.testing.assert_allclose(mean, data.mean(axis=1), rtol=1e-12, atol=1e-12)
        c = fit.covariances if fit.covariances.ndim == 4 else fit.covariances[..., None, None]
        total = (w[..., None] * (c + m[..., :, None] * m[..., None, :])).sum(axis=1)
        total -= mean[:, :, None] * mean[:, None, :]
        centred = data - data.mean(axis=1, keepdims=True)
        mle = np.einsum("rnd,rne->rde", centred, centred) / data.shape[1]
        np.testing.assert_allclose(total, mle + 1e-3 * np.eye(data.shape[-1]), rtol=1e-10,
                                   atol=1e-12)


def test_one_generation_of_simulate_is_fit_em_of_sample():
    chain = mixture.simulate(1, 150, **THREE_2D, replicates=3, rng=9)
    x = mixture.sample(150, *THREE_2D.values(), replicates=3, rng=9)
    fit = mixture.fit_em(x, *THREE_2D.values())
    np.testing.assert_array_equal(chain.weights[:, 1], fit.weights)
    np.testing.assert_array_equal(chain.means[:, 1], fit.means)
    np.testing.assert_array_equal(chain.covariances[:, 1], fit.covariances)
    np.testing.assert_array_equal(chain.iterations[:, 0], fit.iterations)


def test_sample_has_the_mixture_law():
    x = mixture.sample(20_000, *TWO_1D.values(), rng=6)[0]

    def cdf(v):
        return 0.5 * stats.norm.cdf(v, -2, 1) + 0.5 * stats.norm.cdf(v, 2, 1)

    assert stats.kstest(x, cdf).pvalue > 0.01
    wrong = stats.kstest(x, lambda v: 0.3 * stats.norm.cdf(v, -2, 1) + 0.7 * stats.norm.cdf(v, 2))
    assert wrong.pvalue < 0.01


def test_l2_distance_is_the_integral_of_the_squared_difference():
    p = ([0.3, 0.7], [-1.0, 1.5], [0.5, 2.0])
    q = ([0.6, 0.4], [0.0, 2.0], [1.0, 0.3])

    def dens(w, m, v, x):
        return sum(wk * stats.norm.pdf(x, mk, np.sqrt(vk)) for wk, mk, vk in zip(w, m, v,
                                                                                   strict=True))

    quad, _ = integrate.quad(lambda x: (dens(*p, x) - dens(*q, x)) ** 2, -30, 30, limit=200)
    assert float(mixture.l2_distance(*p, *q)) == pytest.approx(np.sqrt(quad), rel=1e-8)
    assert float(mixture.l2_distance(*p, *p)) == pytest.approx(0.0, abs=1e-7)


def test_l2_distance_in_two_dimensions_matches_a_grid_sum():
    w, m, c = (np.asarray(a, dtype=float) for a in THREE_2D.values())
    q = ([1.0], [[0.0, 0.0]], [np.eye(2) * 2.0])
    grid = np.linspace(-9, 9, 721)
    xx = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1)

    def dens(ws, ms, cs):
        return sum(wk * stats.multivariate_normal(mk, ck).pdf(xx)
                   for wk, mk, ck in zip(ws, ms, cs, strict=True))

    step = grid[1] - grid[0]
    riemann = np.sqrt(np.sum((dens(w, m, c) - dens(*q)) ** 2) * step**2)
    assert float(mixture.l2_distance(w, m, c, *q)) == pytest.approx(riemann, rel=1e-6)


def test_total_variance_mean_is_the_mle_recursion_for_any_k():
    """E[V_n] = V_0 q^n + rho (1 - q^n)/(1 - q): z-test at alpha = 0.01, and the mutant V_0."""
    n, N, rho = 8, 20, 1e-6
    chain = mixture.simulate(n, N, **TWO_1D, replicates=1500, rng=12)
    v = chain.total_variance()
    v0 = float(v[0, 0])
    assert v0 == pytest.approx(5.0)
    expected = float(mixture.expected_total_variance(n, N, v0, reg_covar=rho))
    assert mean_test(v[:, -1], expected).p_value > 0.01
    assert mean_test(v[:, -1], v0).p_value < 0.01  # the unbiased-fit mutant


def test_same_seed_same_numbers_and_everything_finite_when_components_die():
    kw = {"weights": [0.8, 0.15, 0.05], "means": [0.0, 3.0, -3.0],
          "covariances": [1.0, 0.5, 0.2]}
    a = mixture.simulate(150, 12, **kw, replicates=8, rng=2)
    b = mixture.simulate(150, 12, **kw, replicates=8, rng=2)
    np.testing.assert_array_equal(a.weights, b.weights)
    for arr in (a.weights, a.means, a.covariances, a.total_variance(), a.distance_to_truth()):
        assert np.all(np.isfinite(arr))
    assert np.all(a.covariances >= 1e-6 * (1 - 1e-9))
    lost = a.loss_generation()
    assert np.any(lost <= a.n)
    for r, g in enumerate(lost):
        mins = a.weights[r].min(axis=1)
        assert np.all(mins[:g] >= 1 / 12)
        if g <= a.n:
            assert mins[g] < 1 / 12


def test_lost_by_reports_an_exact_interval():
    chain = mixture.simulate(60, 12, weights=[0.9, 0.1], means=[0.0, 2.0],
                             covariances=[1.0, 1.0], replicates=40, rng=8)
    frac = chain.lost_by(60)
    assert frac.total == 40 and frac.low <= frac.estimate <= frac.high
    assert frac.count == int(np.sum(chain.loss_generation() <= 60))
    ci = stats.binomtest(frac.count, 40).proportion_ci(0.95, method="exact")
    assert (frac.low, frac.high) == pytest.approx((ci.low, ci.high))


def test_init_truth_restarts_every_fit_from_d0():
    warm = mixture.simulate(3, 100, **TWO_1D, replicates=2, rng=1)
    truth = mixture.simulate(3, 100, **TWO_1D, replicates=2, rng=1, init="truth")
    np.testing.assert_array_equal(warm.weights[:, 1], truth.weights[:, 1])
    assert truth.init == "truth" and warm.dim == 1 and truth.n == 3


def test_expected_total_variance_is_finite_for_long_chains():
    out = mixture.expected_total_variance(np.array([0, 10**6]), 1000, 5.0, dim=2)
    assert out[0] == 5.0 and np.isfinite(out[1]) and out[1] == pytest.approx(2e-6 * 1000,
                                                                             rel=1e-3)


@pytest.mark.parametrize("call, match", [
    (lambda: mixture.simulate(2, 10, weights=[], means=[], covariances=[]), "weights"),
    (lambda: mixture.simulate(2, 1, **TWO_1D), "N"),
    (lambda: mixture.simulate(2, 2, **THREE_2D), "N"),
    (lambda: mixture.simulate(-1, 10, **TWO_1D), "n"),
    (lambda: mixture.simulate(2, 10, **TWO_1D, replicates=0), "replicates"),
    (lambda: mixture.simulate(2, 10, **TWO_1D, reg_covar=0.0), "reg_covar"),
    (lambda: mixture.simulate(2, 10, **TWO_1D, tol=-1.0), "tol"),
    (lambda: mixture.simulate(2, 10, **TWO_1D, max_iter=0), "max_iter"),
    (lambda: mixture.simulate(2, 10, **TWO_1D, init="kmeans"), "init"),
    (lambda: mixture.simulate(2, 10, weights=[0.5, 0.6], means=[0.0, 1.0],
                              covariances=[1.0, 1.0]), "weights"),
    (lambda: mixture.simulate(2, 10, weights=[0.5, 0.5], means=[0.0, 1.0],
                              covariances=[1.0, -1.0]), "covariances"),
    (lambda: mixture.simulate(2, 10, weights=[0.5, 0.5], means=[0.0, 1.0, 2.0],
                              covariances=[1.0, 1.0]), "means"),
    (lambda: mixture.fit_em(np.zeros((2, 1)), *TWO_1D.values()), "x"),
    (lambda: mixture.fit_em(np.zeros((2, 5, 3)), *THREE_2D.values()), "x"),
    (lambda: mixture.expected_total_variance(1, 1, 1.0), "N"),
    (lambda: mixture.expected_total_variance(-1, 10, 1.0), "n"),
    (lambda: mixture.expected_total_variance(1, 10, 0.0), "total_variance0"),
    (lambda: mixture.simulate(2, 10, **TWO_1D).lost_by(3), "generation"),
    (lambda: mixture.l2_distance([1.0], 0.0, [1.0], [1.0], [0.0], [1.0]), "means1"),
    (lambda: mixture.l2_distance([1.0], [0.0], [1.0], [1.0], [0.0], [-1.0]), "covariances2"),
    (lambda: mixture.l2_distance([-1.0], [0.0], [1.0], [1.0], [0.0], [1.0]), "weights1"),
    (lambda: mixture.l2_distance([1.0], [0.0], [1.0], [1.0], [[0.0, 0.0]], [np.eye(2)]),
     "dimension"),
    (lambda: mixture.simulate(2, 10, **TWO_1D).loss_generation(1.5), "threshold"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: mixture.simulate(2, 10.0, **TWO_1D), "N"),
    (lambda: mixture.simulate(2.5, 10, **TWO_1D), "n"),
    (lambda: mixture.simulate(2, True, **TWO_1D), "N"),
    (lambda: mixture.simulate(2, 10, **TWO_1D, reg_covar="1e-6"), "reg_covar"),
    (lambda: mixture.sample(1.5, *TWO_1D.values()), "N"),
    (lambda: mixture.expected_total_variance(1.5, 10, 1.0), "n"),
])
def test_wrong_types_name_the_parameter(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def _derivation():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "derivations" / "mixture.py"
    spec = importlib.util.spec_from_file_location("_derivation_mixture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, module.build()


DERIVATION, BUILT = _derivation()


def test_every_step_of_the_derivation_checks_and_cites_its_assumption():
    page = BUILT.markdown()
    assert "**A1.**" in page
    assert page.count("*Checked:*") >= 6


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 300), st.integers(2, 5000), st.floats(1e-3, 1e3),
       st.floats(0.0, 1e-2))
def test_derived_total_variance_is_the_package_closed_form(n, N, v0, rho):
    from modelcollapse.derivation import evaluate

    d = DERIVATION
    value = evaluate(BUILT.results["expected_total_variance"],
                     {d.n: n, d.N: N, d.V0: v0, d.rho: rho})
    assert float(value) == pytest.approx(
        float(mixture.expected_total_variance(n, N, v0, reg_covar=rho)), rel=1e-10)


def test_one_component_em_is_the_gaussian_mle_fit_in_one_iteration():
    x = mixture.sample(50, [1.0], [0.3], [2.0], replicates=5, rng=10)
    fit = mixture.fit_em(x, [1.0], [0.0], [1.0], reg_covar=1e-6)
    np.testing.assert_allclose(fit.means[:, 0], x.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(fit.covariances[:, 0], x.var(axis=1) + 1e-6, rtol=1e-12)
    # the likelihood is computed in the E step: at the start, at the MLE, and at the MLE again
    assert np.all(fit.iterations == 3)


def _quantile_w2(p, q):
    """Exact 1-D W2 by quadrature of the squared difference of the quantile functions."""
    grid = np.linspace(-25, 25, 400_001)

    def cdf(w, m, v):
        return sum(wk * stats.norm.cdf(grid, mk, np.sqrt(vk)) for wk, mk, vk in zip(w, m, v,
                                                                                     strict=True))

    u = (np.arange(200_000) + 0.5) / 200_000
    qp, qq = np.interp(u, cdf(*p), grid), np.interp(u, cdf(*q), grid)
    return np.sqrt(np.mean((qp - qq) ** 2))


def test_w2_upper_bound_bounds_the_exact_w2_and_is_exact_for_single_gaussians():
    p = ([0.3, 0.7], [-1.0, 1.5], [0.5, 2.0])
    q = ([0.6, 0.4], [0.0, 2.0], [1.0, 0.3])
    bound = float(mixture.w2_upper_bound(*p, *q))
    assert bound >= _quantile_w2(p, q) - 1e-4
    assert float(mixture.w2_upper_bound([1.0], [0.0], [1.0], [1.0], [2.0], [4.0])) == \
        pytest.approx(np.sqrt(4 + 1))
    # a wrong coupling (independent weights) gives a larger value: the minimum is taken
    costs = (np.subtract.outer(p[1], q[1]) ** 2
             + np.subtract.outer(np.sqrt(p[2]), np.sqrt(q[2])) ** 2)
    assert bound**2 < np.outer(p[0], q[0]).ravel() @ costs.ravel()


def test_w2_upper_bound_two_by_two_closed_form_is_the_linear_program():
    pytest.importorskip("ot")
    rng = np.random.default_rng(13)
    w = rng.dirichlet([1.0, 1.0], size=(20, 2))
    m, v = rng.normal(size=(20, 2, 2)), rng.uniform(0.1, 2.0, size=(20, 2, 2))
    closed = mixture.w2_upper_bound(w[:, 0], m[:, 0], v[:, 0], w[:, 1], m[:, 1], v[:, 1])
    # a third component of weight 0 sends the same problem to POT's network simplex
    def pad(a, fill):
        return np.concatenate([a, np.full((20, 1), fill)], axis=1)

    lp = mixture.w2_upper_bound(pad(w[:, 0], 0.0), pad(m[:, 0], 0.0), pad(v[:, 0], 1.0),
                                w[:, 1], m[:, 1], v[:, 1])
    np.testing.assert_allclose(closed, lp, rtol=1e-9, atol=1e-12)
    chain = mixture.simulate(3, 50, **TWO_1D, replicates=2, rng=0)
    assert chain.w2_to_truth().shape == (2, 4) and np.all(chain.w2_to_truth()[:, 0] == 0)


def test_a_start_per_data_set_is_the_same_as_fitting_each_alone():
    x = mixture.sample(120, *TWO_1D.values(), replicates=3, rng=14)
    rng = np.random.default_rng(15)
    w = rng.dirichlet([2.0, 2.0], size=3)
    m = rng.normal(size=(3, 2)) * 2
    v = rng.uniform(0.5, 2.0, size=(3, 2))
    together = mixture.fit_em(x, w, m, v)
    for r in range(3):
        alone = mixture.fit_em(x[r:r + 1], w[r], m[r], v[r])
        np.testing.assert_allclose(together.means[r], alone.means[0], rtol=1e-12)
        np.testing.assert_allclose(together.covariances[r], alone.covariances[0], rtol=1e-12)
        assert together.iterations[r] == alone.iterations[0]


def test_a_ragged_em_setting_is_refused_by_name():
    # np.ndim raised numpy's own inhomogeneous-shape error before the check
    x = mixture.sample(10, **TWO_1D, rng=0)
    with pytest.raises(TypeError, match=r"\btol must be a real number"):
        mixture.fit_em(x, **TWO_1D, tol=[[1, 2], [3]])
    with pytest.raises(TypeError, match=r"\breg_covar\b"):
        mixture.simulate(1, 10, **TWO_1D, reg_covar=[1e-6])


def test_expected_total_variance_with_a_huge_floor_is_inf_not_nan():
    # d rho N (1 - q^n) was evaluated as (d rho N) * 0 = inf * 0 at n = 0
    out = mixture.expected_total_variance([0, 3], 10**6, 2.0, reg_covar=1e308)
    np.testing.assert_array_equal(out, [2.0, np.inf])


def test_a_floor_below_rounding_is_named_or_gives_a_finite_fit():
    # collinear points: the fitted covariance is singular to rounding and a floor of
    # 1e-308 does not restore it (numpy's LinAlgError escaped before)
    line = np.array([[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [0.3, 0.3]]])
    with pytest.raises(ValueError, match=r"reg_covar is too small .* got reg_covar=1e-308"):
        mixture.fit_em(line, [1.0], [[0.0, 0.0]], [np.eye(2)], reg_covar=1e-308)
    # a 1-D component on one repeated point: its density overflowed with a warning
    fit = mixture.fit_em(np.array([[0.0, 2.0]]), [0.5, 0.5], [0.0, -4.0], [1.0, 1.0],
                         reg_covar=1e-308, max_iter=3)
    assert np.isfinite(fit.covariances).all() and np.isfinite(fit.means).all()


def test_shape_errors_name_the_parameter_that_fixes_the_shape():
    # means of dimension 3 against 1x1 covariances: the message named only covariances
    with pytest.raises(ValueError, match=r"covariances must have shape .* match means"):
        mixture.sample(3, [0.5, 0.5], np.zeros((2, 3)), [[[0.1]], [[0.1]]])
    with pytest.raises(ValueError, match=r"covariances must have shape .* match means"):
        mixture.sample(3, [0.5, 0.5], np.zeros((2, 3)), [1.0, 1.0])
    # a ragged n raised numpy's own inhomogeneous-shape error
    with pytest.raises(ValueError, match=r"\bn must be an integer"):
        mixture.expected_total_variance([[1, 2], [3]], 10, 1.0)
    with pytest.raises(TypeError, match=r"\bn must be an integer"):
        mixture.expected_total_variance(1.5, 10, 1.0)
