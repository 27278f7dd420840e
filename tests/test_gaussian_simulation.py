"""The Gaussian simulators against the closed forms, at stated false-alarm rates.

Every statistical check is a two-sided z-test of a Monte Carlo mean with its
computed standard error, at ALPHA = 0.001 per check with a fixed seed (so the
suite is deterministic, and a correct formula fails with probability 0.001
over seeds). Each check has a companion showing a deliberately wrong formula
is rejected by the same data.
"""

import numpy as np
import pytest
from scipy import stats

from modelcollapse import gaussian as g
from modelcollapse.verify._core import check_claim, mean_test
from modelcollapse.verify.gaussian import gaussian_claims

ALPHA = 0.001
SEED = 20231127
CLAIMS = gaussian_claims("sufficient") + gaussian_claims("samples")


@pytest.fixture(scope="module", params=CLAIMS, ids=lambda c: c.name)
def result(request):
    claim = request.param
    return check_claim(claim, replicates=claim.replicates, alpha=ALPHA, seed=SEED)


def test_closed_form_holds_against_simulation(result):
    assert not result.rejected, result


def test_wrong_formula_is_rejected_by_the_same_simulation(result):
    assert result.mutant_rejected, result


@pytest.fixture(scope="module")
def mle_chains():
    return g.simulate(8, 6, mu=-1.0, sigma=0.7, replicates=40_000, fit="mle", rng=SEED)


def test_mle_fit_matches_its_own_closed_forms(mle_chains):
    """alpha = 0.001 per check: E[sigma_n^2] = sigma^2 prod(1 - 1/M) and the MLE mean error."""
    s2 = mle_chains.sigma2[:, -1]
    assert abs(mean_test(s2, g.sigma_moment(8, 6, 2, 0.7, fit="mle")).z) < stats.norm.isf(ALPHA / 2)
    sq = (mle_chains.mu[:, -1] + 1.0) ** 2
    assert abs(mean_test(sq, g.mean_squared_error(8, 6, 0.7, fit="mle")).z) < stats.norm.isf(
        ALPHA / 2
    )


def test_mle_fits_are_rejected_by_the_unbiased_formulas(mle_chains):
    """The companion: ddof=0 chains held against the unbiased closed forms fail."""
    s2 = mle_chains.sigma2[:, -1]
    assert abs(mean_test(s2, g.sigma_moment(8, 6, 2, 0.7)).z) > stats.norm.isf(ALPHA / 2)


def _final_fits(method, fit="unbiased", seed=SEED):
    chain = g.simulate(6, 8, replicates=4000, method=method, fit=fit, rng=seed)
    return chain.mu[:, -1], chain.sigma2[:, -1]


def test_sufficient_and_samples_methods_agree_in_law():
    """Two-sample KS on mu_n and sigma_n^2, alpha = 0.001 each."""
    a, b = _final_fits("sufficient"), _final_fits("samples", seed=SEED + 1)
    for x, y in zip(a, b, strict=True):
        assert stats.ks_2samp(x, y).pvalue > ALPHA


def test_two_sample_test_tells_the_fits_apart():
    """The companion: the same test separates unbiased from MLE chains."""
    a, b = _final_fits("sufficient"), _final_fits("samples", fit="mle", seed=SEED + 1)
    assert stats.ks_2samp(a[1], b[1]).pvalue < ALPHA


@pytest.mark.parametrize("method", ["sufficient", "samples"])
def test_same_seed_same_numbers(method):
    a = g.simulate(5, [3, 4, 5, 6, 7], replicates=9, method=method, rng=7)
    b = g.simulate(5, [3, 4, 5, 6, 7], replicates=9, method=method, rng=np.random.SeedSequence(7))
    assert np.array_equal(a.mu, b.mu) and np.array_equal(a.sigma2, b.sigma2)
    assert a.seed_entropy == 7
    c = g.simulate(5, [3, 4, 5, 6, 7], replicates=9, method=method, rng=8)
    assert not np.array_equal(a.sigma2, c.sigma2)


@pytest.mark.parametrize("m", [3, g.SEGMENT, 10_000])
def test_chunk_size_never_changes_the_numbers(m):
    runs = [
        g.simulate(3, m, replicates=5, method="samples", chunk=chunk, rng=11)
        for chunk in (g.SEGMENT, 3 * g.SEGMENT, 2**22)
    ]
    for other in runs[1:]:
        assert np.array_equal(runs[0].mu, other.mu)
        assert np.array_equal(runs[0].sigma2, other.sigma2)


def test_chain_shapes_truth_column_and_read_only_results():
    chain = g.simulate(4, 10, mu=2.0, sigma=3.0, replicates=6, rng=0)
    assert chain.mu.shape == chain.sigma2.shape == (6, 5)
    assert (chain.n, chain.replicates) == (4, 6)
    assert np.all(chain.mu[:, 0] == 2.0) and np.all(chain.sigma2[:, 0] == 9.0)
    assert np.array_equal(chain.M, [10, 10, 10, 10])
    with pytest.raises(ValueError):
        chain.mu[0, 0] = 1.0
    assert chain.draw(4, size=3, rng=1).shape == (6, 3)
    with pytest.raises(ValueError, match="generation must be <= n=4"):
        chain.draw(5)


def test_generation_zero_draws_follow_the_truth():
    """alpha = 0.001: draws of generation 0 have mean mu (z-test)."""
    chain = g.simulate(0, 10, mu=1.5, sigma=2.0, replicates=20_000, rng=SEED)
    x = chain.draw(0, rng=SEED)[:, 0]
    assert abs(mean_test(x, 1.5).z) < stats.norm.isf(ALPHA / 2)
    assert abs(mean_test(x, 1.6).z) > stats.norm.isf(ALPHA / 2)


def test_no_overflow_or_nan_in_a_long_collapsing_chain():
    chain = g.simulate(2000, 2, replicates=100, rng=3)
    assert np.all(np.isfinite(chain.mu)) and np.all(chain.sigma2 >= 0)
    assert np.all(chain.sigma2[:, -1] < 1e-100)
