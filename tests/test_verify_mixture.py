"""The mixture and self-distillation claims hold and reject their mutants with power.

Their false-alarm rate at the quick replicate floor is measured in docs/mixture.md
(``verify.calibration``), too slow for the suite.
"""

from modelcollapse import verify

NAMES = ["mixture.total_variance", "distill.noisy_squared_error"]


def test_the_claims_hold_and_reject_their_mutants_with_power():
    report = verify.run(NAMES, seed=3)
    for result in report.results:
        assert not result.rejected, result
        assert result.mutant_rejected and result.power >= 0.9, result
