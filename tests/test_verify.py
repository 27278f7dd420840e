"""The claims registry and its statistics: size, power, calibration, determinism."""

import concurrent.futures
import json

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
        assert result.verdict == "holds", result


def test_default_replicates_are_at_least_every_claims_floor(default_report):
    """A default run is never raised: each claim's default count is calibrated at alpha/m."""
    for result in default_report.results:
        assert result.replicates == result.replicates_requested >= result.min_replicates, result
    assert default_report.verdicts == {"holds": len(default_report.results), "rejected": 0,
                                       "inconclusive": 0}


def test_the_json_record_carries_parameters_and_replicate_counts(default_report):
    record = json.loads(json.dumps(default_report.as_dict()))
    assert record["verdicts"]["holds"] == len(record["claims"])
    for claim in record["claims"]:
        assert claim["parameters"] and claim["verdict"] == "holds"
        assert claim["replicates"] == claim["replicates_requested"] >= claim["min_replicates"]


def test_every_registered_mean_claim_has_closed_form_or_stored_moments():
    """Floors come from exact or large-pilot moments (``benchmarks/verify_moments.py``)."""
    from modelcollapse.verify._moments import MOMENTS

    for claim in verify.registry():
        if claim.test in ("mean", "slope"):
            assert claim.skewness is not None or claim.name in MOMENTS, claim.name


@pytest.mark.parametrize("name", ["gaussian.sigma2_mean", "gaussian.sigma_mean"])
def test_closed_form_skewness_and_kurtosis_match_simulation(name):
    """Exact moments of sigma_n^p against 40 batches of 10^4 chains (batch-means s.e., 4.5 s.e.)."""
    from modelcollapse.verify._core import observe, sample_moments

    claim = verify.registered(name)
    data = observe(claim, 400_000, 9, stream=name + "/shape").reshape(40, -1)
    batches = np.array([sample_moments(b) for b in data])
    estimate, se = batches.mean(axis=0), batches.std(axis=0, ddof=1) / np.sqrt(40)
    exact = np.array([claim.skewness, claim.kurtosis])
    assert np.all(np.abs(estimate - exact) < 4.5 * se), (estimate, exact, se)


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
    truth = base.closed_form()
    biased = Claim(**{**base.__dict__, "name": "biased", "closed_form": lambda: truth * 1.04})
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


def test_constant_observations_give_a_clear_answer():
    assert verify.mean_test([2.0, 2.0, 2.0], 2.0).p_value == 1.0
    off = verify.mean_test([2.0, 2.0, 2.0], 3.0)
    assert off.p_value == 0.0 and off.z == -np.inf
    with pytest.raises(ValueError, match="at least 2 finite values"):
        verify.mean_test([1.0], 1.0)


def test_family_size_zero_is_a_clear_error():
    claim = verify.registered("discrete.expected_support")
    with pytest.raises(ValueError, match="family_size must be an integer >= 1"):
        check_claim(claim, replicates=100, alpha=ALPHA, seed=0, family_size=0)
    with pytest.raises(ValueError, match="replicates must be an integer >= 2"):
        check_claim(claim, replicates=1, alpha=ALPHA, seed=0)
    assert check_claim(claim, replicates=None, alpha=ALPHA, seed=0).replicates == claim.replicates


def test_two_replicates_are_raised_to_the_floor_and_reported_inconclusive():
    """Two replicates of a support count once divided by a zero standard error."""
    report = verify.run(["discrete.expected_support"], replicates=2, seed=2)
    (result,) = report.results
    assert result.replicates_requested == 2 and result.replicates == result.min_replicates > 2
    assert result.raised and result.verdict == "inconclusive" and result.power < 0.9
    record = report.as_dict()["claims"][0]
    assert record["replicates_requested"] == 2 and record["parameters"]["M"] == 10
    table = report.table()
    assert f"{result.replicates}*" in table and "1 inconclusive" in table and "raised" in table


def test_a_rejected_claim_has_the_verdict_rejected():
    base = verify.registered("gaussian.sigma2_mean")
    wrong = Claim(**{**base.__dict__, "name": "wrong", "closed_form": base.mutant})
    report = verify.run([wrong, base], seed=0)
    assert [r.verdict for r in report.results] == ["rejected", "holds"]
    assert report.family_rejected and report.verdicts["rejected"] == 1


def test_calibration_names_the_claims_it_rejected():
    base = verify.registered("gaussian.sigma2_mean")
    wrong = Claim(**{**base.__dict__, "name": "wrong", "closed_form": base.mutant})
    result = verify.calibration([wrong, base], 3, alpha=ALPHA, seed=0, replicates=2000)
    assert result.rejections == 3 and result.claim_rejections == {"wrong": 3}
    assert result.p_value < 1e-5 and "wrong (3)" in result.summary()


def test_bad_test_kind_is_rejected():
    with pytest.raises(ValueError, match="test must be one of"):
        Claim(name="x", statement="", reference="", closed_form=float, observations=None,
              mutant=float, mutant_label="", test="median")
