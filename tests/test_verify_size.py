"""The size of verify's tests is a measured fact: floors, corrected p-values, exact tests, Holm.

Each size check simulates many independent replicate sets from a law whose
mean is known exactly and counts rejections at a stated level; the count is
held against the level by a one-sided exact binomial test at 0.001 (so a
correct test fails this check with probability at most 0.001, fixed by the
seed). Each has a companion showing that the check has power: the plain
z-test, without a floor, is rejected on the same law.
"""

from unittest import mock

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from modelcollapse.verify._core import (
    binomial_power,
    corrected_p_value,
    holm,
    replicate_floor,
)

#: chi-square(1): skewness sqrt(8), excess kurtosis 12, mean 1 exactly.
CHI2_1 = (np.sqrt(8.0), 12.0)
#: exponential(1): skewness 2, excess kurtosis 6, mean 1 exactly.
EXPONENTIAL = (2.0, 6.0)
#: The per-claim level of a 42-claim family at alpha = 0.01 (Holm's first step).
HOLM_LEVEL = 0.01 / 42


def _studentised(draw, sets, replicates, rng, chunk=2000):
    """Studentised means of ``sets`` independent replicate sets (true mean 1)."""
    out = []
    for start in range(0, sets, chunk):
        y = draw(rng, (min(chunk, sets - start), replicates))
        se = y.std(axis=1, ddof=1) / np.sqrt(replicates)
        out.append((y.mean(axis=1) - 1.0) / se)
    return np.concatenate(out)


def _corrected_rejections(t, replicates, moments, level):
    # The corrected p-value is never below Student's: only those candidates need it.
    candidates = t[2 * stats.t.sf(np.abs(t), replicates - 1) <= level]
    return sum(corrected_p_value(x, replicates, *moments) <= level for x in candidates)


def _consistent_with(level, rejections, sets):
    """One-sided binomial p-value of ``rejections`` against a size of ``level`` is > 0.001."""
    return stats.binomtest(rejections, sets, level, alternative="greater").pvalue > 0.001


@pytest.mark.parametrize("level", [0.05, 0.01])
def test_corrected_t_test_keeps_its_size_at_the_floor_on_chi_square_1(level):
    rng = np.random.default_rng(11)
    floor = replicate_floor(*CHI2_1, level)
    sets = 40_000
    t = _studentised(lambda r, s: r.chisquare(1, s), sets, floor, rng)
    rejections = _corrected_rejections(t, floor, CHI2_1, level)
    assert _consistent_with(level, rejections, sets), (floor, rejections / sets)


def test_plain_z_test_without_a_floor_is_anti_conservative_on_chi_square_1():
    """The companion: the same check rejects the z-test at a tenth of the floor."""
    rng = np.random.default_rng(12)
    level = 0.01
    replicates = replicate_floor(*CHI2_1, level) // 10
    sets = 40_000
    t = _studentised(lambda r, s: r.chisquare(1, s), sets, replicates, rng)
    rejections = int(np.sum(2 * stats.norm.sf(np.abs(t)) <= level))
    assert not _consistent_with(level, rejections, sets), rejections / sets


@pytest.mark.slow
def test_corrected_t_test_keeps_its_size_at_the_per_claim_holm_level():
    """At alpha/m = 0.01/42 the floor is a function of the level: measured there, not at alpha.

    About 34 false rejections are expected at exactly the level; the plain
    z-test at a tenth of the floor is the companion.
    """
    rng = np.random.default_rng(13)
    floor = replicate_floor(*EXPONENTIAL, HOLM_LEVEL)
    assert floor > replicate_floor(*EXPONENTIAL, 0.01) > replicate_floor(*EXPONENTIAL, 0.05)
    sets = 140_000
    t = _studentised(lambda r, s: r.standard_exponential(s), sets, floor, rng)
    rejections = _corrected_rejections(t, floor, EXPONENTIAL, HOLM_LEVEL)
    assert _consistent_with(HOLM_LEVEL, rejections, sets), (floor, rejections / sets)
    ten_times_fewer = _studentised(lambda r, s: r.standard_exponential(s), sets,
                                   floor // 10, rng)
    z_rejections = int(np.sum(2 * stats.norm.sf(np.abs(ten_times_fewer)) <= HOLM_LEVEL))
    assert not _consistent_with(HOLM_LEVEL, z_rejections, sets), z_rejections / sets


def test_floor_grows_as_the_level_falls_and_is_two_for_a_normal_observable():
    assert replicate_floor(0.0, 0.0, HOLM_LEVEL) == 2
    floors = [replicate_floor(*CHI2_1, level) for level in (0.05, 0.01, 0.001, HOLM_LEVEL)]
    assert floors == sorted(floors) and floors[0] < floors[-1] / 5


def test_corrected_p_value_is_at_least_the_student_t_p_value():
    for t in (0.0, 1.0, 2.5, 4.0, np.inf):
        plain = 2 * stats.t.sf(t, 99)
        assert plain <= corrected_p_value(t, 100, *CHI2_1) <= 1.0


def test_holm_makes_the_decisions_of_statsmodels():
    rng = np.random.default_rng(5)
    # multipletests runs gc.collect() on every call (the reason holm exists); the
    # decisions do not depend on it, and 800 collections would dominate this test.
    with mock.patch("gc.collect"):
        for size in (1, 2, 7, 42):
            for _ in range(200):
                p = rng.uniform(0, 0.05, size) ** rng.uniform(0.5, 3)
                p[rng.uniform(size=size) < 0.2] = p[0]  # ties
                assert (holm(p, 0.01) == multipletests(p, alpha=0.01, method="holm")[0]).all()


@pytest.mark.parametrize("replicates, p, q", [(20, 0.3, 0.5), (57, 0.05, 0.2), (2, 0.5, 0.9)])
def test_binomial_power_is_the_rejection_probability_of_binomtest(replicates, p, q):
    level = 0.05
    rejects = [stats.binomtest(k, replicates, p).pvalue <= level for k in range(replicates + 1)]
    expected = stats.binom.pmf(np.flatnonzero(rejects), replicates, q).sum()
    assert binomial_power(replicates, p, q, level) == pytest.approx(expected, abs=1e-12)
