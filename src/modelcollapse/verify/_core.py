"""Claims, their statistical checks, and the family report."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .._validate import check_choice, check_int, check_real

__all__ = ["Claim", "ClaimResult", "Report", "check_claim", "claim_stream", "mean_test"]


TESTS = ("mean", "proportion", "law", "slope")


@dataclass(frozen=True)
class Claim:
    """A theorem stated so that simulation can refute it.

    Attributes
    ----------
    name : str
        Unique dotted name, e.g. ``"gaussian.mean_squared_error"``.
    statement : str
        The claim in words, with its formula.
    reference : str
        Paper and section the claim checks.
    closed_form : callable () -> float or distribution
        The exact value at the claim's parameters (for ``test="law"``, a
        frozen scipy distribution, or any object with a ``cdf`` method).
    observations : callable (replicates, Generator) -> ndarray or (x, y)
        One observation per independent replicate (leading axis), drawing
        all randomness from the Generator.
    mutant : callable () -> float or distribution
        A deliberately wrong formula a careless derivation would produce.
    mutant_label : str
        What the mutant gets wrong.
    parameters : dict
        The parameters, for the report.
    replicates : int
        Default number of replicates (chosen for power >= 0.9 against the mutant).
    test : {"mean", "proportion", "law", "slope"}
        How observations meet the closed form: a z-test of their mean; an
        exact binomial test of the frequency of 0/1 observations; a
        Kolmogorov-Smirnov test of their law; or the OLS slope of ``y`` on
        ``x`` (observations are a pair of arrays) with heteroskedasticity-
        robust (HC3) standard error.
    """

    name: str
    statement: str
    reference: str
    closed_form: Callable[[], object]
    observations: Callable[[int, np.random.Generator], object]
    mutant: Callable[[], object]
    mutant_label: str
    parameters: dict = field(default_factory=dict)
    replicates: int = 20_000
    test: str = "mean"

    def __post_init__(self):
        check_choice("test", self.test, TESTS)


@dataclass(frozen=True)
class MeanTest:
    """A two-sided z-test of ``E[Y] = expected`` from iid observations."""

    estimate: float
    std_error: float
    expected: float
    z: float
    p_value: float


def mean_test(observations, expected):
    r"""Two-sided z-test that the iid ``observations`` have mean ``expected``.

    The standard error is the sample standard deviation over :math:`\sqrt{R}`;
    by the central limit theorem :math:`z = (\bar Y - E[Y])/\mathrm{se}` is
    asymptotically standard normal, so rejecting at :math:`|z| > z_{1-\alpha/2}`
    has false-alarm rate :math:`\alpha`.
    """
    y = np.asarray(observations, dtype=np.float64).ravel()
    if y.size < 2 or not np.all(np.isfinite(y)):
        raise ValueError("observations must hold at least 2 finite values")
    estimate = float(y.mean())
    std_error = float(y.std(ddof=1) / np.sqrt(y.size))
    z = (estimate - float(expected)) / std_error
    return MeanTest(estimate, std_error, float(expected), z, float(2 * stats.norm.sf(abs(z))))


def two_sided_power(delta, std_error, alpha):
    """P(a level-``alpha`` two-sided z-test rejects) when the truth is ``delta`` away."""
    crit = stats.norm.isf(alpha / 2)
    shift = abs(delta) / std_error
    return float(stats.norm.sf(crit - shift) + stats.norm.cdf(-crit - shift))


def claim_seed(seed, name):
    """The root SeedSequence of claim ``name`` under ``seed``.

    Keyed by the claim's name, so a claim's numbers do not depend on which
    other claims run, nor in which order; within a claim,
    :func:`modelcollapse.sweep.sweep` makes them independent of the executor.
    """
    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),))


def claim_stream(seed, name):
    """A Generator for claim ``name`` under ``seed`` (see :func:`claim_seed`)."""
    return np.random.default_rng(claim_seed(seed, name))


def _claim_observations(params, replicates, rng):
    """:func:`~modelcollapse.sweep.sweep` task: observations of the claim in ``params``.

    A registered claim travels by name (picklable for process pools); an
    unregistered one travels as the object (serial or dask executors).
    """
    claim = params["claim"]
    if isinstance(claim, str):
        from . import registered

        claim = registered(claim)
    return claim.observations(replicates, rng)


def observe(claim, replicates, seed, *, executor=None):
    """Simulate ``replicates`` observations of ``claim``, the same on any executor."""
    from ..sweep import sweep
    from . import is_registered

    key = claim.name if is_registered(claim) else claim
    result = sweep(_claim_observations, [{"claim": key}], replicates=replicates,
                   seed=claim_seed(seed, claim.name), executor=executor)
    return result.values[0]


@dataclass(frozen=True)
class Outcome:
    """One test of the observations against one hypothesised closed form."""

    estimate: float
    std_error: float | None
    statistic: float
    p_value: float


def _evaluate(test, data, hypothesis):
    if test == "mean":
        t = mean_test(data, hypothesis)
        return Outcome(t.estimate, t.std_error, t.z, t.p_value)
    if test == "proportion":
        hits = np.asarray(data, dtype=bool).ravel()
        k, total, p = int(hits.sum()), hits.size, float(hypothesis)
        se = float(np.sqrt(p * (1 - p) / total))
        z = (k / total - p) / se if se > 0 else np.inf * np.sign(k / total - p)
        return Outcome(k / total, se, float(z), float(stats.binomtest(k, total, p).pvalue))
    if test == "law":
        sample = np.asarray(data, dtype=np.float64).ravel()
        ks = stats.kstest(sample, hypothesis.cdf)
        return Outcome(float(ks.statistic), None, float(np.sqrt(sample.size) * ks.statistic),
                       float(ks.pvalue))
    import statsmodels.api as sm

    x, y = (np.asarray(a, dtype=np.float64).ravel() for a in data)
    fit = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3")
    slope, se = float(fit.params[1]), float(fit.bse[1])
    z = (slope - float(hypothesis)) / se
    return Outcome(slope, se, z, float(2 * stats.norm.sf(abs(z))))


def _law_power(data, mutant, level, rng, resamples=200):
    """Bootstrap power of the KS test against ``mutant`` at the observed law.

    The mutant's cdf is evaluated once at the observations; each resample
    reuses those values (the KS statistic depends on the sample only through
    them), so an expensive cdf is paid for once.
    """
    u = np.asarray(mutant.cdf(np.asarray(data, dtype=np.float64).ravel()), dtype=np.float64)
    size = u.size
    upper = np.arange(1, size + 1) / size
    rejected = 0
    for _ in range(resamples):
        v = np.sort(rng.choice(u, size=size, replace=True))
        distance = max(np.max(upper - v), np.max(v - (upper - 1 / size)))
        rejected += stats.kstwo.sf(distance, size) < level
    return rejected / resamples


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of one claim; ``rejected`` is after Holm's correction.

    ``closed_form`` and ``mutant`` are ``None`` for a law (their values are
    distributions); ``estimate`` is then the Kolmogorov-Smirnov distance and
    ``z`` is :math:`\\sqrt{R}` times it.
    """

    name: str
    reference: str
    test: str
    closed_form: float | None
    estimate: float
    std_error: float | None
    z: float
    p_value: float
    rejected: bool
    mutant: float | None
    mutant_z: float
    mutant_rejected: bool
    power: float
    replicates: int

    def as_dict(self):
        """The JSON record of this claim."""
        return dict(self.__dict__)


def check_claim(claim, *, replicates, alpha, seed, family_size=1, executor=None):
    """Run one claim: its test, and the same data against its mutant.

    The power is that of the Bonferroni level ``alpha / family_size`` (a
    lower bound for Holm's procedure) against the mutant: for means, slopes
    and proportions from the normal approximation at the observed standard
    error; for laws by bootstrap resampling of the observations.
    """
    data = observe(claim, replicates, seed, executor=executor)
    level = alpha / family_size
    truth, wrong = claim.closed_form(), claim.mutant()
    held = _evaluate(claim.test, data, truth)
    refuted = _evaluate(claim.test, data, wrong)
    if claim.test == "law":
        power = _law_power(data, wrong, level, claim_stream(seed, claim.name + "/power"))
        truth = wrong = None
    else:
        truth, wrong = float(truth), float(wrong)
        power = two_sided_power(wrong - truth, held.std_error, level)
    return ClaimResult(
        name=claim.name,
        reference=claim.reference,
        test=claim.test,
        closed_form=truth,
        estimate=held.estimate,
        std_error=held.std_error,
        z=held.statistic,
        p_value=held.p_value,
        rejected=bool(held.p_value < level),
        mutant=wrong,
        mutant_z=refuted.statistic,
        mutant_rejected=bool(refuted.p_value < level),
        power=power,
        replicates=replicates,
    )


@dataclass(frozen=True)
class Report:
    """Every claim's result, Holm-corrected across the family."""

    alpha: float
    seed: int
    results: tuple

    @property
    def family_rejected(self):
        """Whether any claim is rejected at family-wise level ``alpha``."""
        return any(r.rejected for r in self.results)

    def as_dict(self):
        """The JSON object of ``modelcollapse verify --json``."""
        return {
            "alpha": self.alpha,
            "seed": self.seed,
            "claims": [r.as_dict() for r in self.results],
            "family_rejected": self.family_rejected,
        }

    def table(self):
        """The human-readable table."""
        head = (
            f"{'claim':<40} {'closed form':>12} {'estimate ± s.e.':>24} "
            f"{'z':>7} {'p':>8} {'verdict':>8} {'power':>6}"
        )
        lines = [head, "-" * len(head)]
        for r in self.results:
            if r.test == "law":
                closed, est = "law", f"KS D = {r.estimate:.3g}"
            else:
                closed, est = f"{r.closed_form:.6g}", f"{r.estimate:.6g} ± {r.std_error:.2g}"
            verdict = "REJECT" if r.rejected else "holds"
            lines.append(
                f"{r.name:<40} {closed:>12} {est:>24} {r.z:>7.2f} "
                f"{r.p_value:>8.3g} {verdict:>8} {r.power:>6.3f}"
            )
        held = sum(not r.rejected for r in self.results)
        lines.append(
            f"{held}/{len(self.results)} claims hold at family-wise alpha={self.alpha} "
            f"(Holm), seed={self.seed}; power against each claim's mutant at alpha/m."
        )
        return "\n".join(lines)


def _checked_settings(alpha, seed, replicates):
    alpha = float(check_real("alpha", alpha))
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got alpha={alpha!r}")
    seed = check_int("seed", seed, minimum=0)
    if replicates is not None:
        replicates = check_int("replicates", replicates, minimum=2)
    return alpha, seed, replicates


def run_claims(claims, *, alpha, seed, replicates=None, quick=False, executor=None,
               progress=False):
    """Check ``claims`` and Holm-correct their p-values."""
    alpha, seed, replicates = _checked_settings(alpha, seed, replicates)
    raw = []
    for claim in _progress(claims, progress):
        count = replicates or (max(claim.replicates // 10, 200) if quick else claim.replicates)
        raw.append(check_claim(claim, replicates=count, alpha=alpha, seed=seed,
                               family_size=len(claims), executor=executor))
    holm = multipletests([r.p_value for r in raw], alpha=alpha, method="holm")[0] if raw else []
    results = tuple(
        dataclasses.replace(r, rejected=bool(rej)) for r, rej in zip(raw, holm, strict=True)
    )
    return Report(alpha, seed, results)


def _progress(items, progress):
    """Wrap ``items`` in a tqdm bar on stderr when asked and stderr is a terminal."""
    import sys

    if not (progress and sys.stderr.isatty()):
        return items
    from tqdm import tqdm

    return tqdm(items, desc="claims", unit="claim", file=sys.stderr)


@dataclass(frozen=True)
class Calibration:
    """Observed family-wise false-alarm rate over independent seeds.

    ``interval`` is the Wilson score interval at ``confidence``; a calibrated
    family has ``alpha`` inside it.
    """

    alpha: float
    runs: int
    rejections: int
    interval: tuple
    confidence: float

    @property
    def rate(self):
        """Observed fraction of runs in which the family was rejected."""
        return self.rejections / self.runs

    @property
    def contains_alpha(self):
        """Whether the interval contains the nominal ``alpha``."""
        return bool(self.interval[0] <= self.alpha <= self.interval[1])

    def summary(self):
        """One line for the command line."""
        low, high = self.interval
        return (
            f"calibration: {self.rejections}/{self.runs} families rejected, rate "
            f"{self.rate:.4f}, {self.confidence:.0%} Wilson interval [{low:.4f}, {high:.4f}] "
            f"{'contains' if self.contains_alpha else 'EXCLUDES'} alpha={self.alpha}"
        )


def calibrate(claims, runs, *, alpha, seed, replicates=None, quick=False, executor=None,
              confidence=0.99, progress=False):
    """Rerun the family of ``claims`` under ``runs`` independent seeds.

    The seeds are ``SeedSequence(seed).generate_state(runs)`` (independent
    streams, never ``seed + i``); each run is Holm-corrected as in
    :func:`run_claims`.
    """
    from statsmodels.stats.proportion import proportion_confint

    runs = check_int("runs", runs, minimum=1)
    alpha, seed, replicates = _checked_settings(alpha, seed, replicates)
    seeds = np.random.SeedSequence(seed).generate_state(runs, dtype=np.uint64)
    rejections = sum(
        run_claims(claims, alpha=alpha, seed=int(s), replicates=replicates, quick=quick,
                   executor=executor).family_rejected
        for s in _progress(seeds, progress)
    )
    low, high = proportion_confint(rejections, runs, alpha=1 - confidence, method="wilson")
    return Calibration(alpha, runs, int(rejections), (float(low), float(high)), confidence)
