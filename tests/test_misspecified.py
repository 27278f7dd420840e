"""A Gaussian fitted to non-Gaussian data: closed forms, simulation, bad input.

Statistical checks: two-sided z-tests of Monte Carlo means with computed
standard errors at ALPHA = 0.001, or exact binomial tests for tail
frequencies, with fixed seeds; each has a companion showing that the value
a Gaussian D0 would give (the wrong formula here) is rejected by the same
data. The observables are built from Laplace / Student-t(10) samples, whose
moments up to order 8 are finite, so the normal approximation holds.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from modelcollapse import gaussian, wasserstein
from modelcollapse import misspecified as ms
from modelcollapse.verify._core import mean_test

ALPHA = 0.001
CRIT = stats.norm.isf(ALPHA / 2)
SEED = 20251127
LAPLACE = stats.laplace(0.5, 1.2)


def _holds(observations, value):
    return abs(mean_test(observations, value).z) < CRIT


# --------------------------------------------------------------------------
# closed forms


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(2, 200), st.floats(0.05, 20))
def test_a_gaussian_truth_gives_back_the_gaussian_closed_forms(n, M, sigma):
    D0 = stats.norm(0.7, sigma)
    assert ms.sigma2_variance(n, M, D0) == pytest.approx(
        gaussian.sigma2_variance(n, M, sigma), rel=1e-9, abs=1e-300)
    fresh = float(gaussian.generation_law(M, sigma).stats(moments="k"))
    assert ms.kurtosis_loss(M, D0).generation_one == pytest.approx(fresh, rel=1e-10)
    assert ms.first_fit(M, D0).covariance == pytest.approx(0.0, abs=1e-12 * sigma**3)


@pytest.mark.parametrize("D0", [LAPLACE, stats.t(10), stats.uniform(-1, 3),
                                stats.gamma(3.0, scale=0.5)])
def test_first_fit_moments_are_exact(D0):
    """Var(s^2) = mu4/M - sigma^4 (M - 3)/(M (M - 1)), checked by enumeration at M = 3.

    With M = 3 the unbiased variance is (1/6) sum_{j<k} (x_j - x_k)^2; its
    variance follows from E[(x_j - x_k)^2 (x_l - x_m)^2], which quadrature gives
    from the moments of D0.
    """
    M = 3
    m = float(D0.mean())
    var, mu3, mu4 = (float(D0.expect(lambda x, p=p: (x - m) ** p)) for p in (2, 3, 4))
    pairs_same = 2 * mu4 + 6 * var**2  # E[(x1 - x2)^4]
    pairs_shared = mu4 + 3 * var**2  # E[(x1 - x2)^2 (x1 - x3)^2]
    e_s4 = (3 * pairs_same + 6 * pairs_shared) / 36
    assert ms.first_fit(M, D0).sigma2_variance == pytest.approx(e_s4 - var**2, rel=1e-8)
    assert ms.first_fit(M, D0).covariance == pytest.approx(mu3 / M, rel=1e-8, abs=1e-12)


def test_second_order_tail_error_shrinks_like_m_to_the_minus_two():
    """Against the exact E[P_fitted(X > q)] of a Gaussian D0 (variance-gamma, by quadrature)."""
    gaps = []
    for M in (20, 80):
        loss = ms.tail_loss(M, stats.norm(), level=0.99)
        law = gaussian.generation_law(M, 1.0)
        width = 8 / np.sqrt(M)
        exact = integrate.quad(
            lambda m, L=loss, V=law, k=M: V.sf(L.quantile - m) * stats.norm.pdf(m, 0, k**-0.5),
            -width, width, epsabs=0, epsrel=1e-11)[0]
        assert abs(exact - loss.expected) < 0.15 * abs(exact - loss.population)
        gaps.append(abs(exact - loss.expected))
    assert 8 < gaps[0] / gaps[1] < 32  # 16 = (80/20)^2


def test_heavy_tails_lose_tail_mass_at_the_first_fit():
    loss = ms.tail_loss(500, stats.t(10), level=0.999)
    assert loss.truth == pytest.approx(0.001)
    assert loss.expected < 0.2 * loss.truth
    assert ms.kurtosis_loss(500, stats.t(10)).lost == pytest.approx(
        1.0 - 3 * ms.first_fit(500, stats.t(10)).sigma2_variance / 1.25**2)


@pytest.mark.parametrize("D0", [LAPLACE, stats.t(6), stats.norm(1, 2)])
def test_w2_squared_is_the_quantile_coupling(D0):
    """Against the package's empirical quantile W2 on a fine quantile grid of D0."""
    K = 200_000
    grid = D0.ppf((np.arange(K) + 0.5) / K)
    mean, var = np.array([0.0, 0.5, 1.0]), np.array([0.5, 1.0, 4.0])
    exact = ms.w2_squared(D0, mean, var)
    approx = wasserstein.gaussian_sample_w2_squared(mean, var, grid)
    np.testing.assert_allclose(exact, approx, rtol=2e-3, atol=1e-5)
    floor = ms.w2_floor(D0)
    c = ms.quantile_correlation(D0)
    assert ms.w2_squared(D0, float(D0.mean()), c**2) == pytest.approx(floor, abs=1e-12)
    assert floor <= ms.w2_squared(D0, float(D0.mean()), float(D0.var())) + 1e-12


def test_later_generations_compose_with_the_gaussian_recursion():
    sigma = float(np.sqrt(LAPLACE.var()))
    assert ms.mean_squared_error(4, 25, LAPLACE) == pytest.approx(4 * sigma**2 / 25)
    assert ms.sample_variance(4, 25, LAPLACE) == pytest.approx(sigma**2 * (1 + 4 / 25))
    assert ms.sigma2_variance(0, 25, LAPLACE) == 0.0
    assert ms.sigma2_variance(1, 25, LAPLACE) == pytest.approx(
        ms.first_fit(25, LAPLACE).sigma2_variance)


# --------------------------------------------------------------------------
# simulation against the closed forms


@pytest.fixture(scope="module")
def laplace_chains():
    return ms.simulate(3, 20, LAPLACE, replicates=40_000, rng=SEED)


def test_first_fit_variance_depends_on_the_fourth_moment(laplace_chains):
    """Var(sigma_1^2) = mu4/M - sigma^4 (M-3)/(M(M-1)); the Gaussian 2 sigma^4/(M-1) rejected."""
    var = float(LAPLACE.var())
    sq = (laplace_chains.sigma2[:, 1] - var) ** 2
    assert _holds(sq, ms.first_fit(20, LAPLACE).sigma2_variance)
    assert not _holds(sq, 2 * var**2 / 19)


def test_later_variance_of_the_fitted_variance(laplace_chains):
    var = float(LAPLACE.var())
    sq = (laplace_chains.sigma2[:, 3] - var) ** 2
    assert _holds(sq, ms.sigma2_variance(3, 20, LAPLACE))
    assert not _holds(sq, gaussian.sigma2_variance(3, 20, np.sqrt(var)))
    assert _holds((laplace_chains.mu[:, 3] - 0.5) ** 2, ms.mean_squared_error(3, 20, LAPLACE))
    assert _holds(laplace_chains.sigma2[:, 3], var)


def test_fresh_draw_fourth_moment_gives_the_kurtosis_lost(laplace_chains):
    """E[(X^1 - mu_1)^4 | fit] = 3 sigma_1^4: excess kurtosis 3 Var(sigma_1^2)/sigma^4."""
    var = float(LAPLACE.var())
    y = 3 * laplace_chains.sigma2[:, 1] ** 2 / var**2 - 3
    assert _holds(y, ms.kurtosis_loss(20, LAPLACE).generation_one)
    assert not _holds(y, ms.kurtosis_loss(20, LAPLACE).truth)


def test_first_generation_tail_frequency_is_the_fitted_tail():
    """P(X^1_j > q) = E[P_fitted(X > q)] (exact binomial test), not P_D0(X > q)."""
    D0 = stats.t(10)
    chain = ms.simulate(1, 200, D0, replicates=40_000, rng=SEED)
    loss = ms.tail_loss(200, D0, level=0.99)
    hits = int(np.sum(chain.draw(1, rng=SEED + 1)[:, 0] > loss.quantile))
    assert stats.binomtest(hits, 40_000, loss.expected).pvalue > ALPHA
    assert stats.binomtest(hits, 40_000, loss.truth).pvalue < ALPHA


def test_generation_zero_draws_come_from_the_truth(laplace_chains):
    x = laplace_chains.draw(0, rng=1)[:, 0]
    assert stats.kstest(x, LAPLACE.cdf).pvalue > ALPHA
    assert laplace_chains.sigma2[0, 0] == pytest.approx(LAPLACE.var())


def test_same_seed_same_numbers():
    a = ms.simulate(4, 9, LAPLACE, replicates=6, rng=2)
    b = ms.simulate(4, 9, LAPLACE, replicates=6, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(a.sigma2, b.sigma2)
    assert not a.mu.flags.writeable


# --------------------------------------------------------------------------
# bad input


def test_a_truth_without_finite_variance_is_refused():
    for D0 in (stats.cauchy(), stats.t(2)):
        with pytest.raises(ValueError, match="D0 must have a finite mean and a finite"):
            ms.simulate(2, 5, D0)
        with pytest.raises(ValueError, match="D0"):
            ms.w2_floor(D0)
    with pytest.raises(ValueError, match="D0 must have a finite fourth moment"):
        ms.first_fit(10, stats.t(3.5))
    with pytest.raises(ValueError, match="D0 must have a finite fourth moment"):
        ms.tail_loss(10, stats.t(4))


def test_other_bad_input_names_the_parameter():
    with pytest.raises(TypeError, match=r"D0 must be a frozen scipy\.stats continuous"):
        ms.simulate(2, 5, stats.norm)
    with pytest.raises(TypeError, match="D0"):
        ms.first_fit(5, stats.poisson(3))
    with pytest.raises(ValueError, match="M must be an integer >= 2"):
        ms.first_fit(1, LAPLACE)
    with pytest.raises(TypeError, match="M must be an integer"):
        ms.simulate(2, 5.0, LAPLACE)
    with pytest.raises(ValueError, match="level"):
        ms.tail_loss(10, LAPLACE, level=1.0)
    with pytest.raises(ValueError, match="var must be finite and > 0"):
        ms.w2_squared(LAPLACE, 0.0, -1.0)
    with pytest.raises(ValueError, match="n must be an integer >= 0"):
        ms.sigma2_variance(-1, 10, LAPLACE)
    with pytest.raises(ValueError, match="method"):
        ms.simulate(2, 5, LAPLACE, method="exact")


# --------------------------------------------------------------------------
# the two-component normal mixture


MIXTURE = ms.normal_mixture([0.3, 0.7], [-1.5, 1.0], [0.5, 1.0])


def test_normal_mixture_moments_are_exact():
    mean, var, skew, kurt = (float(x) for x in MIXTURE.stats(moments="mvsk"))
    pdf = MIXTURE.pdf
    numeric = [integrate.quad(lambda x, p=p: (x - mean) ** p * pdf(x), -np.inf, np.inf)[0]
               for p in (2, 3, 4)]
    assert integrate.quad(lambda x: x * pdf(x), -np.inf, np.inf)[0] == pytest.approx(mean)
    np.testing.assert_allclose(numeric, [var, skew * var**1.5, (kurt + 3) * var**2],
                               rtol=1e-9)
    q = MIXTURE.ppf([1e-12, 0.3, 0.5, 0.99])
    np.testing.assert_allclose(MIXTURE.cdf(q), [1e-12, 0.3, 0.5, 0.99], rtol=1e-10)
    assert MIXTURE.sf(MIXTURE.isf(1e-200)) == pytest.approx(1e-200, rel=1e-8)


def test_mixture_truth_is_sampled_and_fitted_as_the_closed_forms_say():
    chain = ms.simulate(1, 25, MIXTURE, replicates=40_000, rng=SEED)
    x = chain.draw(0, rng=2)[:, 0]
    assert stats.kstest(x, MIXTURE.cdf).pvalue > ALPHA
    var = float(MIXTURE.var())
    sq = (chain.sigma2[:, 1] - var) ** 2
    assert _holds(sq, ms.first_fit(25, MIXTURE).sigma2_variance)
    assert not _holds(sq, 2 * var**2 / 24)
    assert _holds((chain.mu[:, 1] - MIXTURE.mean()) * (chain.sigma2[:, 1] - var),
                  ms.first_fit(25, MIXTURE).covariance)


def test_bad_mixtures_are_refused():
    with pytest.raises(ValueError, match="weights must be finite and > 0"):
        ms.normal_mixture([0.5, -0.5], [0, 1], [1, 1])
    with pytest.raises(ValueError, match="scales must be finite and > 0"):
        ms.normal_mixture([0.5, 0.5], [0, 1], [1, 0])
    with pytest.raises(ValueError, match="one length"):
        ms.normal_mixture([0.5, 0.5], [0, 1, 2], [1, 1])


def test_w2_squared_to_a_far_gaussian_is_inf_without_a_warning():
    assert ms.w2_squared(stats.norm(), 1e308, 1.0) == np.inf
