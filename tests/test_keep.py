"""``keep="last"`` on the Gaussian simulators: the same numbers, without the histories."""

import numpy as np
import pytest

from modelcollapse import gaussian, multivariate

GAUSSIAN_SETTINGS = [
    {},
    {"method": "samples"},
    {"fit": "mle"},
    {"policy": "accumulate"},
    {"fresh": 0.3},
    {"policy": "accumulate-subsample", "method": "samples"},
]


@pytest.mark.parametrize("settings", GAUSSIAN_SETTINGS)
def test_gaussian_keep_last_is_the_first_and_last_column_of_keep_all(settings):
    full = gaussian.simulate(7, [3, 4, 5, 6, 7, 8, 9], mu=0.3, sigma=1.5, replicates=50,
                             rng=11, **settings)
    last = gaussian.simulate(7, [3, 4, 5, 6, 7, 8, 9], mu=0.3, sigma=1.5, replicates=50,
                             rng=11, keep="last", **settings)
    assert last.mu.shape == last.sigma2.shape == (50, 2)
    np.testing.assert_array_equal(last.mu, full.mu[:, [0, -1]])
    np.testing.assert_array_equal(last.sigma2, full.sigma2[:, [0, -1]])
    assert (last.n, last.keep, last.generations.tolist()) == (7, "last", [0, 7])
    assert full.generations.tolist() == list(range(8)) and not last.mu.flags.writeable


@pytest.mark.parametrize("settings", [{}, {"method": "samples"}, {"policy": "accumulate"},
                                      {"fresh": 0.5}])
def test_multivariate_keep_last_is_the_first_and_last_entry_of_keep_all(settings):
    cov = np.array([[2.0, 0.3], [0.3, 0.5]])
    args = (6, 5, np.array([1.0, -1.0]), cov)
    full = multivariate.simulate(*args, replicates=30, rng=4, **settings)
    last = multivariate.simulate(*args, replicates=30, rng=4, keep="last", **settings)
    assert last.mu.shape == (30, 2, 2) and last.cov.shape == (30, 2, 2, 2)
    np.testing.assert_array_equal(last.mu, full.mu[:, [0, -1]])
    np.testing.assert_array_equal(last.cov, full.cov[:, [0, -1]])
    np.testing.assert_array_equal(last.w2_squared(), full.w2_squared()[:, [0, -1]])
    assert (last.n, last.generations.tolist()) == (6, [0, 6])


def test_keep_last_with_no_fits_keeps_the_truth_once():
    chain = gaussian.simulate(0, 5, replicates=3, rng=0, keep="last")
    assert chain.mu.shape == (3, 1) and chain.generations.tolist() == [0]
    chain = multivariate.simulate(0, 5, np.zeros(2), np.eye(2), replicates=3, keep="last")
    assert chain.cov.shape == (3, 1, 2, 2)


def test_draw_from_a_generation_that_was_not_kept_is_an_error():
    chain = gaussian.simulate(5, 10, replicates=4, rng=0, keep="last")
    assert chain.draw(5, size=2, rng=1).shape == (4, 2)
    with pytest.raises(ValueError, match=r"generation must be one of the kept generations"):
        chain.draw(3)


@pytest.mark.parametrize("keep", ["first", "", None, 1])
def test_keep_must_be_all_or_last(keep):
    with pytest.raises((ValueError, TypeError), match="keep"):
        gaussian.simulate(3, 5, keep=keep)
    with pytest.raises((ValueError, TypeError), match="keep"):
        multivariate.simulate(3, 5, np.zeros(2), np.eye(2), keep=keep)

