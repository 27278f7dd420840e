"""KDE experiments of Kazdan, Schaeffer et al. 2024 (KoyejoLab-Collapse-or-Thrive, fit_kdes).

Their set-up: scikit-learn ``KernelDensity(kernel="gaussian", bandwidth=h)``
refitted for up to 1000 iterations to ``num_samples_per_iteration`` draws of
the previous fit ("Replace") or to all data so far ("Accumulate"), scored by
the mean negative log density of 500 held-out draws of the initial data.
Their grids: h in {0.01, 0.0316, ..., 100}, M in {10, 32, 100, 316, 1000}.
Their data are 2-D toy sets (blobs, moons, ...); ours is D0 = N(0, 1), the
case with closed forms. Their iteration k scores the KDE fitted k times,
our model k (``test_nll[:, k - 1]``).

The same quantity is computed from ``kde.simulate(test_points=...)`` at their
parameters and held to the closed forms: the held-out density's expectation
(z-test, alpha = 0.001) and the Jensen bound on the negative log-likelihood.
"""

import numpy as np
import pytest
from scipy import stats

from modelcollapse import kde
from modelcollapse.verify._core import mean_test

ALPHA = 0.001
CRIT = stats.norm.isf(ALPHA / 2)
TEST_SIZE = 500  # "Hard coded to ensure we have a large population of data for evaluation."
ITERATIONS = 3
REPLICATES = 150


def _expected_density_at(points, n, h, policy):
    """E[p_n(t)] at each fixed test point t: the law of X^n_j, a normal mixture over K_n."""
    depth = np.array([float(n)]) if policy == "replace" else np.arange(n + 1.0)
    law = np.array([1.0]) if policy == "replace" else kde._depth_law(n)
    law = np.pad(law, (0, depth.size - law.size))
    scale = np.sqrt(1.0 + depth * h**2)
    return (law[None, :] * stats.norm.pdf(points[:, None], 0.0, scale[None, :])).sum(axis=1)


@pytest.mark.parametrize("policy", ["replace", "accumulate"])
@pytest.mark.parametrize(("h", "M"), [(0.1, 10), (1.0, 32), (3.16, 10)])
def test_held_out_scores_match_the_closed_forms(policy, h, M):
    rng = np.random.default_rng([int(h * 1000), M])
    test = rng.standard_normal(TEST_SIZE)
    chain = kde.simulate(ITERATIONS, M, bandwidth=h, policy=policy, replicates=REPLICATES,
                         test_points=test, rng=rng)
    for k in range(1, ITERATIONS + 1):
        at_points = _expected_density_at(test, k, h, policy)
        density = chain.test_density[:, k - 1]
        assert abs(mean_test(density, at_points.mean()).z) < CRIT
        if h >= 1 and k == ITERATIONS:
            # Companion: the first model's value, as if refitting did not widen the KDE.
            frozen = _expected_density_at(test, 1, h, policy).mean()
            assert abs(mean_test(density, frozen).z) > CRIT
        # The fixed test set is itself a sample of D0: its average of E[p_k(t)] meets the
        # closed form over D0 within its own standard error.
        se = at_points.std(ddof=1) / np.sqrt(TEST_SIZE)
        expected = kde.expected_test_density(k, h, policy=policy)
        assert abs(at_points.mean() - expected) < CRIT * se
        # Jensen: the mean NLL is at least -mean_t log E[p_k(t)] (one-sided z-test).
        nll = mean_test(chain.test_nll[:, k - 1], -np.mean(np.log(at_points)))
        assert nll.z > -CRIT


def test_narrow_bandwidths_score_worse_than_the_gaussian_limit():
    """Their finding at h = 0.01: the held-out NLL far exceeds the truth's entropy."""
    test = np.random.default_rng(0).standard_normal(TEST_SIZE)
    chain = kde.simulate(1, 10, bandwidth=0.01, replicates=50, test_points=test, rng=0)
    entropy = 0.5 * np.log(2 * np.pi * np.e)
    assert chain.test_nll[:, 0].mean() > entropy + 10
