"""The claims registry and its statistics: size, power, calibration, determinism."""

import concurrent.futures

import numpy as np
import pytest
from scipy import stats

from modelcollapse import verify
from modelcollapse.verify._core import Claim, check_claim

ALPHA = 0.01


@pytest.fixture(scope="module")
def default_report():
    return verify.run(alpha=ALPHA, seed=0)


def test_every_registered_claim_holds_at_the_default_seed(default_report):
    """Family-wise alpha = 0.01 (Holm) at the fixed default seed."""
    assert not default_report.family_rejected, default_report.table()


def test_every_registered_mutant_is_rejected_with_stated_power(default_report):
    """The same simulations reject each claim's wrong formula, at power >= 0.9 (alpha / m)."""
    for result in default_report.results:
        assert result.mutant_rejected, result
        assert result.power >= 0.9, result


def test_claim_names_are_unique_and_found_by_name():
    names = [c.name for c in verify.registry()]
    assert len(names) == len(set(names))
    assert verify.registered(names[-1]).name == names[-1]
    with pytest.raises(ValueError, match="unknown claim 'nope'"):
        verify.registered("nope")


FAST = ["gaussian.mean_squared_error", "gaussian.log_variance_drift", "discrete.heterozygosity"]


@pytest.mark.slow
def test_calibration_observed_false_alarm_rate_contains_alpha():
    """100 independent families at alpha = 0.1: the 99% Wilson interval contains 0.1.

    The interval misses alpha with probability about 0.01 over seeds (fixed here).
    """
    result = verify.calibration(FAST, 100, alpha=0.1, seed=1, replicates=2000)
    assert result.contains_alpha, result.summary()


@pytest.mark.slow
def test_calibration_detects_a_miscalibrated_family():
    """The companion: a claim whose closed form is off by a little fails far more often."""
    base = verify.registered("gaussian.mean_squared_error")
    biased = Claim(**{**base.__dict__, "name": "biased", "closed_form": lambda: 4.5 * 1.04})
    result = verify.calibration([biased], 60, alpha=0.1, seed=1, replicates=4000)
    assert not result.contains_alpha and result.rate > 0.1, result.summary()


def test_numbers_are_identical_on_every_executor():
    dask = pytest.importorskip("distributed")
    serial = verify.run(FAST, seed=3, replicates=5000)
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        pooled = verify.run(FAST, seed=3, replicates=5000, executor=pool)
    with dask.Client(processes=False, dashboard_address=None) as client:
        distributed = verify.run(FAST, seed=3, replicates=5000, executor=client.get_executor())
    for other in (pooled, distributed):
        assert [r.estimate for r in other.results] == [r.estimate for r in serial.results]


def test_a_claims_numbers_do_not_depend_on_the_other_claims():
    alone = verify.run(FAST[:1], seed=5, replicates=3000)
    together = verify.run(FAST[::-1], seed=5, replicates=3000)
    assert alone.results[0].estimate == together.results[-1].estimate


def _normal_claim(loc, mutant_loc, *, test):
    def observations(replicates, rng):
        x = rng.normal(0.0, 1.0, replicates)
        return (x > 0) if test == "proportion" else x

    law = test == "law"
    return Claim(
        name=f"toy.{test}",
        statement="toy",
        reference="none",
        closed_form=(lambda: stats.norm(loc)) if law else (lambda: 0.5 + loc),
        observations=observations,
        mutant=(lambda: stats.norm(mutant_loc)) if law else (lambda: 0.5 + mutant_loc),
        mutant_label="shifted",
        replicates=4000,
        test=test,
    )


@pytest.mark.parametrize("test", ["law", "proportion"])
def test_law_and_proportion_tests_hold_and_reject_their_mutants(test):
    """alpha = 0.01: KS for a law and the exact binomial test for a probability."""
    result = check_claim(_normal_claim(0.0, 0.1, test=test), replicates=4000, alpha=ALPHA, seed=2)
    assert not result.rejected and result.mutant_rejected and result.power > 0.9
    wrong = check_claim(_normal_claim(0.1, 0.0, test=test), replicates=4000, alpha=ALPHA, seed=2)
    assert wrong.rejected


def test_slope_test_reads_the_ols_slope_with_robust_standard_error():
    def observations(replicates, rng):
        x = np.arange(replicates) % 11.0
        return x, 1.0 + 0.25 * x + rng.normal(0, 1 + x, replicates)

    claim = Claim(name="toy.slope", statement="toy", reference="none",
                  closed_form=lambda: 0.25, observations=observations, mutant=lambda: 0.3,
                  mutant_label="slope 0.3", test="slope")
    result = check_claim(claim, replicates=40_000, alpha=ALPHA, seed=4)
    assert not result.rejected and result.mutant_rejected


def test_bad_test_kind_is_rejected():
    with pytest.raises(ValueError, match="test must be one of"):
        Claim(name="x", statement="", reference="", closed_form=float, observations=None,
              mutant=float, mutant_label="", test="median")
