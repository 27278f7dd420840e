"""A fixed real corpus plus synthetic data, and the accumulating discrete chain.

Statistical checks: fixed seeds; loss probabilities by exact binomial tests
(calibrated at any count), Holm across the categories at a family level
``ALPHA = 0.001``; heterozygosity and squared error, bounded in ``[0, 2]``, by
z-tests at ``ALPHA`` (20 000 replicates). Each check has a companion in which
a deliberately wrong formula (the replacing chain, or fresh real data in place
of the fixed corpus) is rejected on the same data.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from modelcollapse import discrete, policies, tails
from modelcollapse.verify import _core

ALPHA = 0.001
P0 = np.array([0.45, 0.25, 0.15, 0.1, 0.05])


def holm_rejects(hits, expected):
    hits = np.asarray(hits, dtype=bool)
    pvalues = [stats.binomtest(int(col.sum()), col.size, float(q)).pvalue
               for col, q in zip(hits.T, expected, strict=True)]
    return bool(multipletests(pvalues, alpha=ALPHA, method="holm")[0].any())


def rejects(observations, expected):
    return _core.mean_test(observations, expected).p_value < ALPHA


def heterozygosity(p):
    return 1.0 - np.sum(p * p, axis=-1)


@pytest.mark.parametrize("real, synth", [(10, 20), (4, 40)])
def test_real_corpus_moments_hold_and_the_replacing_and_fresh_data_loops_are_rejected(real,
                                                                                      synth):
    n, R = 8, 20_000
    chain = tails.simulate_real_corpus(n, real, synth, P0, replicates=R, rng=51, keep="last")
    exact = tails.real_corpus_moments(n, real, synth, P0)
    h = heterozygosity(chain.last)
    error = np.sum((chain.last - P0) ** 2, axis=-1)
    sizes = [real] + [real + synth] * (n - 1)
    assert not rejects(h, exact.heterozygosity[-1])
    assert not rejects(error, exact.mean_squared_error[-1].sum())
    assert rejects(h, discrete.expected_heterozygosity(n, sizes, P0))
    assert rejects(h, policies.discrete_heterozygosity(n, real + synth, P0,
                                                       fresh=real / (real + synth)))
    lost = chain.last == 0
    assert not holm_rejects(lost, exact.loss_probability[-1])
    assert holm_rejects(lost, discrete.loss_probability(n, sizes, P0))


def test_real_corpus_loop_is_centred_on_the_corpus_and_reaches_its_stationary_law():
    chain = tails.simulate_real_corpus(6, 12, 0, P0, replicates=4, rng=2)
    np.testing.assert_array_equal(chain.p[:, 2:], np.repeat(chain.p[:, 1:2], 5, axis=1))
    far = tails.real_corpus_moments(3000, 10, 30, P0)
    limit = tails.real_corpus_stationary(10, 30, P0)
    np.testing.assert_allclose(far.mean_squared_error[-1], limit.mean_squared_error, rtol=1e-12)
    assert far.heterozygosity[-1] == pytest.approx(limit.heterozygosity, rel=1e-12)
    # however much synthetic data, the spread stays below 1/(2N + 1) of r(1 - r)
    h0 = 1 - np.sum(P0**2)
    huge = tails.real_corpus_stationary(10, 10**9, P0).heterozygosity
    assert huge == pytest.approx(h0 * 0.9 * (1 - 1 / 21), rel=1e-6)
    first = tails.real_corpus_moments(1, 10, 30, P0)
    assert first.heterozygosity[1] == pytest.approx(h0 * 0.9)
    np.testing.assert_array_equal(first.loss_probability[0], np.zeros(5))
    assert chain.M.tolist() == [12] * 6


@pytest.mark.parametrize("fresh", [0.0, 0.25])
def test_accumulating_chain_holds_and_the_replacing_chain_is_rejected(fresh):
    n, M, R = 8, 8, 20_000
    chain = discrete.simulate(n, M, P0, replicates=R, rng=61, keep="last", policy="accumulate",
                              fresh=fresh)
    h = heterozygosity(chain.last)
    assert not rejects(h, policies.discrete_heterozygosity(n, M, P0, fresh=fresh,
                                                           policy="accumulate"))
    assert rejects(h, policies.discrete_heterozygosity(n, M, P0, fresh=fresh))
    lost = chain.last == 0
    assert not holm_rejects(lost, tails.accumulate_loss_probability(n, M, P0, fresh=fresh))
    assert holm_rejects(lost, tails.accumulate_loss_probability(1, M, P0) if fresh
                        else discrete.loss_probability(n, M, P0))


def test_accumulated_heterozygosity_tends_to_eulers_product():
    for M in (2, 10, 1000):
        far = policies.discrete_heterozygosity(20_000, M, [0.5, 0.5], policy="accumulate")
        x = np.pi / np.sqrt(M)
        assert far == pytest.approx(0.5 * np.sin(x) / x, rel=1e-4)
    np.testing.assert_allclose(
        policies.discrete_heterozygosity(np.arange(1, 6), 1, [0.5, 0.5], policy="accumulate"), 0.0,
        atol=0)
    loss = tails.accumulate_loss_probability([0, 1, 10**6], 10, [0.0, 0.1, 1.0])
    np.testing.assert_allclose(loss, [1.0, 0.9**10, 0.0])


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="n_real must be an integer >= 1"):
        tails.real_corpus_moments(3, 0, 5, P0)
    with pytest.raises(ValueError, match="n_synth must be an integer >= 0"):
        tails.simulate_real_corpus(3, 5, -1, P0)
    with pytest.raises(TypeError, match="n_real"):
        tails.real_corpus_stationary(True, 5, P0)
    with pytest.raises(ValueError, match="keep must be one of"):
        tails.simulate_real_corpus(3, 5, 5, P0, keep="first")
    with pytest.raises(ValueError, match="p0"):
        tails.real_corpus_moments(3, 5, 5, [0.5, 0.6])
    with pytest.raises(ValueError, match="policy must be one of"):
        discrete.simulate(3, 5, P0, policy="accumulate-subsample")
    with pytest.raises(ValueError, match="policy must be 'replace' with method='labels'"):
        discrete.simulate(3, 5, P0, policy="accumulate", method="labels")
    with pytest.raises(ValueError, match="policy must be 'replace'"):
        discrete.simulate(3, 5, P0, policy="accumulate", top_k=2)
    with pytest.raises(ValueError, match="policy must be one of"):
        policies.discrete_heterozygosity(3, 5, P0, policy="mix")
    with pytest.raises(ValueError, match="p must be a probability"):
        tails.accumulate_loss_probability(3, 5, 1.5)
    with pytest.raises(ValueError, match="fresh must be a fraction"):
        tails.accumulate_loss_probability(3, 5, 0.5, fresh=2.0)
