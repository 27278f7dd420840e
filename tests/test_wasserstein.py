"""W2 in every form: Bures against POT and the 1-D closed form, exact empirical couplings."""

import itertools

import numpy as np
import ot
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from modelcollapse import gaussian
from modelcollapse.verify._core import mean_test, two_sided_power
from modelcollapse.wasserstein import (
    empirical_w2_squared,
    gaussian_sample_w2_squared,
    gaussian_w2_squared,
)

ALPHA = 0.01
I2 = np.eye(2)


def spd(d, seed, log_cond, scale=1.0):
    """A random SPD matrix with condition number 10**log_cond (eigenvalues at both ends)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    logs = np.concatenate(([0.0, -log_cond], -log_cond * rng.random(d)))[:d]
    c = (q * (scale * 10.0**logs)) @ q.T
    return 0.5 * (c + c.T)


covariances = st.builds(
    spd,
    d=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    log_cond=st.sampled_from([0.0, 2.0, 5.0, 8.0]) | st.floats(0, 8),
    scale=st.floats(1e-3, 1e3),
)


@st.composite
def gaussian_pairs(draw):
    c1 = draw(covariances)
    d = c1.shape[0]
    c2 = spd(d, draw(st.integers(0, 2**32 - 1)), draw(st.floats(0, 8)), draw(st.floats(1e-3, 1e3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal(d), c1, rng.standard_normal(d), c2


@settings(deadline=None, max_examples=60)
@given(gaussian_pairs())
def test_bures_matches_pot_bures_wasserstein_distance_squared(pair):
    """POT returns W2, not W2^2: its square is our value, to rounding of the traces."""
    m1, c1, m2, c2 = pair
    ours = gaussian_w2_squared(m1, c1, m2, c2)
    theirs = ot.gaussian.bures_wasserstein_distance(m1, m2, c1, c2) ** 2
    assert np.isfinite(ours)
    assert ours == pytest.approx(theirs, rel=1e-7, abs=1e-9 * (np.trace(c1) + np.trace(c2)))


@settings(deadline=None, max_examples=60)
@given(gaussian_pairs())
def test_bures_is_symmetric_nonnegative_and_zero_on_the_diagonal(pair):
    """Near-singular (condition 1e8) covariances give no NaN, no negative value, no asymmetry."""
    m1, c1, m2, c2 = pair
    scale = np.trace(c1) + np.trace(c2) + np.sum((m1 - m2) ** 2)
    forward, backward = gaussian_w2_squared(m1, c1, m2, c2), gaussian_w2_squared(m2, c2, m1, c1)
    assert np.isfinite(forward) and forward >= 0
    assert forward == pytest.approx(backward, abs=1e-12 * scale)
    assert gaussian_w2_squared(m1, c1, m1, c1) <= 1e-12 * np.trace(c1)


@settings(deadline=None, max_examples=40)
@given(covariances, st.integers(0, 2**32 - 1))
def test_commuting_covariances_give_the_frobenius_distance_of_square_roots(c1, seed):
    """Same eigenvectors: W2^2 = |m1 - m2|^2 + ||C1^(1/2) - C2^(1/2)||_F^2 (1-D form per axis)."""
    w, v = np.linalg.eigh(c1)
    w2 = np.random.default_rng(seed).random(w.size) * 3
    c2 = (v * w2) @ v.T
    roots = (v * (np.sqrt(np.maximum(w, 0)) - np.sqrt(w2))) @ v.T
    expected = 1.0 + np.sum(roots**2)
    mean2 = np.zeros(w.size)
    mean2[0] = 1.0
    got = gaussian_w2_squared(np.zeros(w.size), c1, mean2, c2)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-10 * (np.trace(c1) + w2.sum()))


def test_one_dimensional_gaussians_use_variances_and_match_1x1_matrices():
    """1-D: (m1 - m2)^2 + (sigma1 - sigma2)^2, batched, equal to the d = 1 matrix form."""
    m = np.array([0.0, 1.0, -2.0])
    v = np.array([1.0, 4.0, 0.25])
    expected = (m - 0.5) ** 2 + (np.sqrt(v) - 3.0) ** 2
    np.testing.assert_allclose(gaussian_w2_squared(m, v, 0.5, 9.0), expected, rtol=1e-14)
    as_matrices = gaussian_w2_squared(m[:, None], v[:, None, None], [0.5], [[9.0]])
    np.testing.assert_allclose(as_matrices, expected, rtol=1e-12)


def test_batched_over_leading_axes_equals_one_at_a_time():
    rng = np.random.default_rng(5)
    covs = np.stack([spd(3, s, 2.0) for s in range(4)])
    means = rng.standard_normal((4, 3))
    batch = gaussian_w2_squared(means, covs, np.zeros(3), np.eye(3))
    single = [gaussian_w2_squared(means[k], covs[k], np.zeros(3), np.eye(3)) for k in range(4)]
    np.testing.assert_allclose(batch, single, rtol=1e-13)


def test_w2_of_simulated_1d_chains_averages_to_the_gaussian_closed_form():
    """E[W2^2(N(mu_n, sigma_n^2), N(mu, sigma^2))] = gaussian.expected_w2_squared (alpha = 0.01).

    Companion: the paper's first-order constant 1, sigma^2 sum 1/M_i, is rejected.
    """
    n, M, sigma = 10, 5, 1.5
    chain = gaussian.simulate(n, M, mu=0.3, sigma=sigma, replicates=20_000, rng=11)
    w2 = gaussian_w2_squared(chain.mu[:, -1], chain.sigma2[:, -1], 0.3, sigma**2)
    test = mean_test(w2, gaussian.expected_w2_squared(n, M, sigma))
    assert test.p_value > ALPHA
    wrong = sigma**2 * n / M
    assert two_sided_power(wrong - test.expected, test.std_error, ALPHA) > 0.9
    assert mean_test(w2, wrong).p_value < ALPHA


def test_pot_empirical_bures_is_our_bures_at_the_sample_moments():
    """Consistency with POT on large samples: the same Bures value from the same moments."""
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((5000, 3)) @ np.array([[1, 0, 0], [0.5, 1, 0], [0, 0.3, 0.2]])
    xt = rng.standard_normal((4000, 3)) + 1.0
    theirs = ot.gaussian.empirical_bures_wasserstein_distance(xs, xt, reg=0.0) ** 2
    ours = gaussian_w2_squared(
        xs.mean(0), np.cov(xs.T, bias=True), xt.mean(0), np.cov(xt.T, bias=True)
    )
    assert ours == pytest.approx(float(np.squeeze(theirs)), rel=1e-8)


def test_empirical_quantile_coupling_of_gaussian_quantiles_converges_to_bures():
    """The sample at the midpoint quantiles of N(m, v) converges to the Gaussian: W2^2 -> Bures."""
    exact = gaussian_w2_squared(0.0, 1.0, 1.0, 4.0)
    errors = []
    for size in (100, 1000, 10_000, 100_000):
        u = (np.arange(size) + 0.5) / size
        x, y = stats.norm.ppf(u), 1.0 + 2.0 * stats.norm.ppf(u)
        errors.append(abs(empirical_w2_squared(x, y) - exact))
    assert all(b < a for a, b in itertools.pairwise(errors))
    assert errors[-1] < 1e-3 * exact


@st.composite
def weighted_samples(draw):
    n = draw(st.integers(1, 40))
    m = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = np.round(rng.standard_normal(n), draw(st.sampled_from([1, 8])))  # ties for rounding 1
    y = 2 * rng.standard_normal(m) + 0.5
    weighted = draw(st.booleans())
    wx = rng.random(n) + 0.01 if weighted else None
    wy = rng.random(m) + 0.01 if weighted else None
    return x, wx, y, wy


@settings(deadline=None, max_examples=80)
@given(weighted_samples())
def test_one_dimensional_exact_w2_equals_pot_emd2(sample):
    """Quantile coupling = network simplex (ot.emd2 returns W2^2) to 1e-10 relative."""
    x, wx, y, wy = sample
    a = np.full(x.size, 1 / x.size) if wx is None else wx / wx.sum()
    b = np.full(y.size, 1 / y.size) if wy is None else wy / wy.sum()
    theirs = ot.emd2(a, b, (x[:, None] - y[None, :]) ** 2)
    ours = empirical_w2_squared(x, y, x_weights=wx, y_weights=wy)
    assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-300)


def test_d_dimensional_exact_and_sliced_w2():
    """d-dim exact is ot.emd2; the sliced value (a projection) never exceeds it."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((120, 3))
    y = rng.standard_normal((90, 3)) * 1.5 + 1.0
    exact = empirical_w2_squared(x, y)
    assert exact == pytest.approx(ot.emd2([], [], ot.dist(x, y)), rel=1e-10)
    sliced = empirical_w2_squared(x, y, method="sliced", n_projections=50, rng=0)
    assert 0 < sliced < exact
    assert sliced == empirical_w2_squared(x, y, method="sliced", n_projections=50, rng=0)
    assert empirical_w2_squared(x[:, :1], y[:, :1]) == empirical_w2_squared(x[:, 0], y[:, 0])


@settings(deadline=None, max_examples=15)
@given(
    st.integers(1, 12),
    st.integers(0, 2**32 - 1),
    st.floats(-2, 2),
    st.floats(0.1, 3),
    st.booleans(),
)
def test_gaussian_to_sample_w2_is_the_integrated_quantile_coupling(size, seed, m, s, weighted):
    """1-D exact: int (m + s z - y_k)^2 phi(z) dz over each weight interval, by quadrature."""
    rng = np.random.default_rng(seed)
    y = rng.exponential(size=size)
    w = rng.random(size) + 0.1 if weighted else None
    order = np.argsort(y)
    ys = y[order]
    weights = np.full(size, 1 / size) if w is None else w[order] / w.sum()
    edges = stats.norm.ppf(np.concatenate(([0.0], np.cumsum(weights)[:-1], [1.0])))
    expected = sum(
        integrate.quad(lambda z, k=k: (m + s * z - ys[k]) ** 2 * stats.norm.pdf(z),
                       edges[k], edges[k + 1], epsabs=1e-13, epsrel=1e-11)[0]
        for k in range(size)
    )
    assert gaussian_sample_w2_squared(m, s**2, y, y_weights=w) == pytest.approx(expected, rel=1e-7)


def test_gaussian_to_sample_w2_is_batched_over_gaussians_and_runs_in_d_dims():
    y = np.array([-1.0, 0.5, 2.0])
    batch = gaussian_sample_w2_squared(np.array([0.0, 1.0]), np.array([1.0, 0.0]), y)
    np.testing.assert_allclose(batch[1], np.mean((1.0 - y) ** 2), rtol=1e-14)
    assert batch[0] == gaussian_sample_w2_squared(0.0, 1.0, y)
    points = np.random.default_rng(4).standard_normal((50, 2))
    degenerate = gaussian_sample_w2_squared(np.ones(2), np.zeros((2, 2)), points, rng=0)
    assert degenerate == pytest.approx(np.mean(np.sum((points - 1.0) ** 2, axis=1)), rel=1e-10)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gaussian_w2_squared(np.zeros(2), [[1, 0.5], [0, 1]], np.zeros(2), I2), "cov1"),
        (lambda: gaussian_w2_squared(np.zeros(2), I2, np.zeros(2), [[1, 2], [2, 1]]), "cov2"),
        (lambda: gaussian_w2_squared(np.zeros(3), np.eye(2), np.zeros(2), np.eye(2)), "mean1"),
        (lambda: gaussian_w2_squared(0.0, -1.0, 0.0, 1.0), "cov1"),
        (lambda: gaussian_w2_squared(np.zeros(2), np.eye(2), 0.0, 1.0), "cov1"),
        (lambda: gaussian_w2_squared(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "cov2"),
        (lambda: gaussian_w2_squared(0.0, np.nan, 0.0, 1.0), "cov1"),
        (lambda: empirical_w2_squared([1.0], [1.0], x_weights=[-1.0]), "x_weights"),
        (lambda: empirical_w2_squared([1.0, 2.0], [1.0], y_weights=[1.0, 1.0]), "y_weights"),
        (lambda: empirical_w2_squared(np.zeros((3, 2)), np.zeros((3, 3))), "x and y"),
        (lambda: empirical_w2_squared([], [1.0]), "x"),
        (lambda: empirical_w2_squared(np.zeros((3, 2)), np.zeros((3, 2)), method="fast"), "method"),
        (lambda: gaussian_sample_w2_squared(np.zeros(3), np.eye(3), np.zeros((4, 2))), "mean"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
