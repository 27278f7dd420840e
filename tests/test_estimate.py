"""Estimators for a user's loop recover the M that made it, with calibrated intervals.

Every statistical check has a fixed seed and a stated false-alarm rate:
z-tests of a mean at ``ALPHA = 0.001``; interval coverage over ``R`` simulated
loops must fall in the two-sided binomial acceptance band of the nominal
level at ``ALPHA_COVER = 0.01``. Each check has a companion showing that a
wrong model (a loop whose M is twice the stated one) is rejected.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import discrete, gaussian
from modelcollapse import estimate as est
from modelcollapse.cli import main
from modelcollapse.schedule import Linear
from modelcollapse.verify._core import mean_test

ALPHA = 0.001
ALPHA_COVER = 0.01
R = 500


def binomial_band(nominal, trials, alpha=ALPHA_COVER):
    """Counts of covering intervals accepted at level ``alpha`` if coverage is ``nominal``."""
    return stats.binom.ppf(alpha / 2, trials, nominal), stats.binom.isf(alpha / 2, trials, nominal)


def covers(results, value):
    return sum(r.ci[0] <= value <= r.ci[1] for r in results)


def sampled(p, S, rng):
    """Each row re-measured on S fresh draws of its generation's model."""
    return rng.multinomial(S, p) / S


# --------------------------------------------------------------------------
# effective sample size of a categorical loop


@pytest.fixture(scope="module")
def zipf_loops():
    """R loops of K = 20 Zipf categories, M = 100, 30 generations."""
    return discrete.simulate(30, 100, discrete.zipf_p0(20), replicates=R, rng=11).p


@pytest.fixture(scope="module")
def temporal_exact(zipf_loops):
    return [est.effective_sample_size(p) for p in zipf_loops]


@pytest.fixture(scope="module")
def temporal_sampled(zipf_loops):
    rng = np.random.default_rng(12)
    return [est.effective_sample_size(sampled(p, 2000, rng), sample_sizes=2000)
            for p in zipf_loops]


@pytest.mark.parametrize("kind", ["temporal_exact", "temporal_sampled"])
def test_temporal_drift_rate_is_unbiased_for_one_over_M(kind, request):
    """E[theta-hat] = 1/M (z-test, ALPHA), with and without the sampling-noise correction."""
    rates = [r.rate for r in request.getfixturevalue(kind)]
    assert mean_test(rates, 1 / 100).p_value > ALPHA


@pytest.mark.parametrize("kind", ["temporal_exact", "temporal_sampled"])
def test_temporal_rate_rejects_a_loop_of_twice_the_size(kind, request):
    rates = [r.rate for r in request.getfixturevalue(kind)]
    assert mean_test(rates, 1 / 200).p_value < ALPHA


def test_sampling_noise_uncorrected_is_biased(zipf_loops):
    """Power of the correction: ignoring S = 200 measurement noise inflates theta-hat."""
    rng = np.random.default_rng(13)
    rates = [est.effective_sample_size(sampled(p, 200, rng)).rate for p in zipf_loops[:100]]
    assert mean_test(rates, 1 / 100).p_value < ALPHA


@pytest.mark.parametrize("kind", ["temporal_exact", "temporal_sampled"])
def test_temporal_interval_covers_M_at_its_nominal_rate(kind, request):
    """95% intervals cover M = 100 in the binomial band (ALPHA_COVER) over R loops."""
    results = request.getfixturevalue(kind)
    low, high = binomial_band(0.95, len(results))
    assert low <= covers(results, 100) <= high


@pytest.mark.parametrize("kind", ["temporal_exact", "temporal_sampled"])
def test_temporal_interval_excludes_twice_M(kind, request):
    results = request.getfixturevalue(kind)
    assert covers(results, 200) < binomial_band(0.5, len(results))[0]


def test_two_categories_temporal_coverage():
    """K = 2 (the hardest case: one chi-square degree per step), exact rows."""
    loops = discrete.simulate(30, 100, [0.5, 0.5], replicates=R, rng=14).p
    results = [est.effective_sample_size(p) for p in loops]
    low, high = binomial_band(0.95, R)
    assert low <= covers(results, 100) <= high


def test_forward_likelihood_equals_brute_force_sum_over_paths():
    """The HMM likelihood is the sum over hidden paths of prior x transitions x emissions."""
    M, sizes, counts = 3, np.array([4, 5, 2]), np.array([1, 3, 2])
    grid = np.arange(M + 1) / M
    total = 0.0
    for path in np.ndindex(*(M + 1,) * 3):
        weight = 1 / (M + 1)
        for t, j in enumerate(path):
            if t:
                weight *= stats.binom.pmf(j, M, grid[path[t - 1]])
            weight *= stats.binom.pmf(counts[t], sizes[t], grid[j])
        total += weight
    assert est._wf_log_likelihood(counts, sizes, M) == pytest.approx(np.log(total), rel=1e-12)


@pytest.mark.slow
def test_likelihood_interval_covers_M_for_two_categories():
    """K = 2 sampled loops (M = 40, S = 400, 30 generations): coverage band, ALPHA_COVER."""
    trials = 100
    loops = discrete.simulate(29, 40, [0.5, 0.5], replicates=trials, rng=15).p
    rng = np.random.default_rng(16)
    results = [est.effective_sample_size(sampled(p, 400, rng), sample_sizes=400,
                                         method="likelihood", max_M=200) for p in loops]
    low, high = binomial_band(0.95, trials)
    assert low <= covers(results, 40) <= high
    assert covers(results, 80) < binomial_band(0.5, trials)[0]


def test_likelihood_recovers_M_from_a_long_loop():
    loop = discrete.simulate(40, 30, [0.5, 0.5], rng=17).p[0]
    obs = sampled(loop, 400, np.random.default_rng(18))
    result = est.effective_sample_size(obs, sample_sizes=400, method="likelihood", max_M=200)
    assert result.method == "likelihood" and result.ci[0] <= 30 <= result.ci[1]


# --------------------------------------------------------------------------
# Gaussian collapse rate


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 10**7), st.sampled_from(["unbiased", "mle"]))
def test_real_drift_formula_agrees_with_log_variance_drift(M, fit):
    assert est._log_det_drift(M, 1, fit) == pytest.approx(
        gaussian.log_variance_drift(M, fit=fit), rel=1e-13, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(st.floats(1.01, 1e6), st.integers(1, 4), st.sampled_from(["unbiased", "mle"]))
def test_implied_sample_size_inverts_the_drift(M, dim, fit):
    M = M + dim
    assert est.implied_sample_size(est._log_det_drift(M, dim, fit), dim=dim, fit=fit) == \
        pytest.approx(M, rel=1e-8)


def test_no_drift_implies_an_infinite_sample_size():
    assert est.implied_sample_size(0.0) == np.inf


def gaussian_rates(n, M, replicates, rng, S=None):
    chains = gaussian.simulate(n, M, replicates=replicates, rng=rng).sigma2
    if S is not None:
        gen = np.random.default_rng(rng + 1)
        chains = chains * gen.chisquare(S - 1, size=chains.shape) / (S - 1)
    return [est.gaussian_collapse_rate(v, sample_sizes=S) for v in chains]


@pytest.mark.parametrize("M, S", [(20, None), (Linear(5), None), (20, 100)])
def test_gaussian_drift_is_unbiased(M, S):
    """E[delta-hat] = mean_i log_variance_drift(M_i): constant, linear schedule, sampled."""
    n = 40
    results = gaussian_rates(n, M, 300, 21, S)
    sizes = M.sizes(n) if hasattr(M, "sizes") else np.full(n, M)
    truth = float(np.mean(gaussian.log_variance_drift(sizes)))
    assert mean_test([r.estimate for r in results], truth).p_value > ALPHA
    wrong = float(np.mean(gaussian.log_variance_drift(2 * sizes)))
    assert mean_test([r.estimate for r in results], wrong).p_value < ALPHA


@pytest.mark.parametrize("S", [None, 100])
def test_gaussian_interval_covers_the_drift_and_implied_M(S):
    """Drift intervals (and the M intervals they map to) cover in the band over R loops."""
    results = gaussian_rates(40, 20, R, 22, S)
    low, high = binomial_band(0.95, R)
    drift = gaussian.log_variance_drift(20)
    assert low <= covers(results, drift) <= high
    assert low <= sum(r.effective_M_ci[0] <= 20 <= r.effective_M_ci[1] for r in results) <= high
    assert covers(results, gaussian.log_variance_drift(5)) < binomial_band(0.5, R)[0]


def test_gaussian_log_determinants_recover_M_in_three_dimensions():
    """Bartlett: log det ratio of a Wishart refit is sum_j log chi^2_{M-j} - d log(M-1)."""
    M, d, n = 30, 3, 40
    rng = np.random.default_rng(23)
    steps = np.log(rng.chisquare(M - np.arange(1, d + 1), size=(R, n, d))).sum(-1)
    logdets = np.concatenate([np.zeros((R, 1)), np.cumsum(steps - d * np.log(M - 1), 1)], 1)
    results = [est.gaussian_collapse_rate(y, dim=d, log=True) for y in logdets]
    assert mean_test([r.estimate for r in results], est._log_det_drift(M, d, "unbiased")
                     ).p_value > ALPHA
    low, high = binomial_band(0.95, R)
    assert low <= sum(r.effective_M_ci[0] <= M <= r.effective_M_ci[1] for r in results) <= high
    assert mean_test([r.estimate for r in results], est._log_det_drift(M, 1, "unbiased")
                     ).p_value < ALPHA


def test_no_collapse_is_rejected_for_a_small_loop():
    chain = gaussian.simulate(400, 10, rng=24).sigma2[0]
    assert est.gaussian_collapse_rate(chain).p_value < 0.01


# --------------------------------------------------------------------------
# tail loss


def tail_p_values(true_M, stated_M, trials, seed):
    p0 = discrete.zipf_p0(30, 1.2)
    finals = discrete.simulate(10, true_M, p0, replicates=trials, keep="last", rng=seed).last
    gens = np.random.default_rng(seed + 1).spawn(trials)
    return np.array([est.tail_loss(p0, f, 10, stated_M, replicates=400, rng=g).p_value
                     for f, g in zip(finals, gens, strict=True)])


def test_tail_loss_test_is_calibrated_under_neutral_resampling():
    """P(p <= 0.05) <= 0.05 under the null: the rejection count stays below the
    upper binomial band (ALPHA_COVER; the count statistic is discrete, so conservative)."""
    p = tail_p_values(200, 200, 200, 31)
    assert np.count_nonzero(p <= 0.05) <= binomial_band(0.05, p.size)[1]


def test_tail_loss_detects_a_loop_of_half_the_stated_size():
    """Power companion: stated M = 200 while the loop resamples only 100; the test
    rejects far above its calibrated rate (beyond the 0.05 band, ALPHA_COVER)."""
    p = tail_p_values(100, 200, 60, 32)
    assert np.count_nonzero(p <= 0.05) > binomial_band(0.05, p.size)[1]


def test_tail_loss_expected_count_is_the_sum_of_exact_loss_probabilities():
    p0 = discrete.zipf_p0(8)
    result = est.tail_loss(p0, [0.5, 0.5, 0, 0, 0, 0, 0, 0], 5, 20, rng=1)
    assert result.observed == 6 and result.lost.sum() == 6
    assert result.expected == pytest.approx(discrete.loss_probability(5, 20, p0).sum())
    assert result.ci[0] <= result.estimate <= result.ci[1]


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: est.effective_sample_size([0.5, 0.5]), ValueError, "freqs must be a 2-D"),
        (lambda: est.effective_sample_size([[0.5, 0.5]]), ValueError, "at least 2 generations"),
        (lambda: est.effective_sample_size([[1.5, -0.5], [0.5, 0.5]]), ValueError, ">= 0"),
        (lambda: est.effective_sample_size([[0.5, 0.6], [0.5, 0.5]]), ValueError,
         "rows must sum to 1"),
        (lambda: est.effective_sample_size([[1, 0], [1, 0]]), ValueError, "must vary"),
        (lambda: est.effective_sample_size([[0.5, 0.5]] * 2, sample_sizes=1), ValueError,
         "sample_sizes must be an integer >= 2"),
        (lambda: est.effective_sample_size([[0.5, 0.5]] * 2, sample_sizes=[5, 5, 5]),
         ValueError, "one int per generation"),
        (lambda: est.effective_sample_size([[0.5, 0.5]] * 2, method="mle"), ValueError,
         "method must be one of"),
        (lambda: est.effective_sample_size([[0.2, 0.3, 0.5]] * 2, method="likelihood",
                                           sample_sizes=10), ValueError, "K = 2"),
        (lambda: est.effective_sample_size([[0.5, 0.5]] * 2, method="likelihood"),
         ValueError, "needs sample_sizes"),
        (lambda: est.effective_sample_size([[0.5, 0.5]] * 2, confidence=1.0), ValueError,
         "confidence must be a number in (0, 1)"),
        (lambda: est.gaussian_collapse_rate([1.0, -1.0, 1.0]), ValueError, "variances must be"),
        (lambda: est.gaussian_collapse_rate([1.0, 0.9]), ValueError, "at least 3 generations"),
        (lambda: est.gaussian_collapse_rate([1.0, 0.5, 0.25]), ValueError, "no spread"),
        (lambda: est.gaussian_collapse_rate([1, 2, 3], dim=0), ValueError, "dim must be"),
        (lambda: est.gaussian_collapse_rate([1, 2, 3], log=1), TypeError, "log must be"),
        (lambda: est.gaussian_collapse_rate([1, 2, 3], sample_sizes=1), ValueError,
         "sample_sizes must be an integer >= 2"),
        (lambda: est.tail_loss([0.5, 0.5], [1.0, 0.0, 0.0], 3, 10), ValueError,
         "freqs_n must be 1-D with the K=2"),
        (lambda: est.tail_loss([0.5, 0.5], [1.0, 0.0], 0, 10), ValueError, "n must be"),
        (lambda: est.tail_loss([[0.5, 0.5]], [1.0, 0.0], 1, 10), ValueError, "freqs0 must be 1-D"),
    ],
)
def test_bad_input_names_the_parameter_and_the_rule(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


# --------------------------------------------------------------------------
# command line


def test_cli_estimates_the_shipped_frequency_example(capsys):
    assert main(["estimate", "examples/example_frequencies.csv", "--sample-size", "1000",
                 "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["method"] == "temporal" and record["categories"] == 12
    assert record["ci"][0] <= 200 <= record["ci"][1]


def test_cli_estimates_the_shipped_variance_example(capsys):
    assert main(["estimate", "examples/example_variances.csv", "--kind", "variances"]) == 0
    out = capsys.readouterr().out
    assert "drift of log variance" in out and "implied effective M" in out


def test_cli_reports_bad_data_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n0.5,0.6\n0.5,0.5\n")
    assert main(["estimate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 2: values sum to 1.1" in err and err.count("\n") == 1
