"""Claims, their statistical checks, and the family report."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

from .._validate import check_bool, check_choice, check_confidence, check_int, check_real

__all__ = [
    "Calibration",
    "Claim",
    "ClaimResult",
    "Report",
    "binomial_power",
    "check_claim",
    "claim_floor",
    "claim_stream",
    "holm",
    "mean_test",
    "replicate_floor",
]


TESTS = ("mean", "proportion", "law", "slope")
VERDICTS = ("holds", "rejected", "inconclusive")
#: A claim "holds" only if its check had at least this power against its mutant.
POWER_TARGET = 0.9
#: A test's first-order size excess allowed at its replicate floor, as a fraction of its level.
SIZE_SLACK = 0.5


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
        How observations meet the closed form: a Student-t test of their
        mean; an exact binomial test of the frequency of 0/1 observations; a
        Kolmogorov-Smirnov test of their law; or the OLS slope of ``y`` on
        ``x`` (observations are a pair of arrays) with heteroskedasticity-
        robust (HC3) standard error and Student-t reference law.
    skewness, kurtosis : float, optional
        Skewness and excess kurtosis of one observation (for a slope, of its
        influence value ``(x - mean x) * residual``), from a closed form
        where one is known. They set the replicate floor of a mean or slope
        test (:func:`claim_floor`); when absent, stored pilot values (for
        registered claims) or a pilot simulation stand in.
    min_replicates : int, optional
        A floor of the claim's own (default 2); the engine uses the larger
        of it and the calibrated floor.
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
    skewness: float | None = None
    kurtosis: float | None = None
    min_replicates: int = 2

    def __post_init__(self):
        check_choice("test", self.test, TESTS)
        check_int("min_replicates", self.min_replicates, minimum=2)


@dataclass(frozen=True)
class MeanTest:
    """A two-sided Student-t test of ``E[Y] = expected`` from iid observations.

    ``z`` is the studentised statistic :math:`(\\bar Y - E[Y])/\\mathrm{se}`
    (the name predates the Student-t reference law); ``df`` its degrees of
    freedom.
    """

    estimate: float
    std_error: float
    expected: float
    z: float
    p_value: float
    df: int


def _t_two_sided(x, df):
    """2 P(T_df > x) for x >= 0 (scipy.special: the frozen-distribution path costs ~50x more)."""
    return float(2 * special.stdtr(df, -x))


def _studentised(difference, std_error):
    """``difference / std_error``, with a constant sample read exactly.

    A zero standard error means every observation is equal: the statistic
    is 0 when they equal the hypothesis and +-inf (p-value 0) otherwise.
    """
    if std_error > 0:
        return difference / std_error
    return 0.0 if difference == 0 else float(np.copysign(np.inf, difference))


def mean_test(observations, expected):
    r"""Two-sided Student-t test that the iid ``observations`` have mean ``expected``.

    Parameters
    ----------
    observations : array_like
        At least 2 finite values (flattened).
    expected : float
        The hypothesised mean.

    Returns
    -------
    MeanTest
        Estimate, standard error, statistic ``z`` and its p-value.

    Notes
    -----
    With :math:`\mathrm{se} = s/\sqrt{R}` (``ddof=1``), the statistic
    :math:`T = (\bar Y - E[Y])/\mathrm{se}` is referred to Student's t with
    :math:`R - 1` degrees of freedom, exact for normal observations. For
    skewed observations its size is :math:`\alpha` only up to an
    :math:`O(1/R)` error (see :func:`replicate_floor`), which is why a claim's
    replicate count is raised to its floor before this test is used. Constant
    observations give statistic 0 (p = 1) when they equal ``expected`` and
    :math:`\pm\infty` (p = 0) otherwise.

    Examples
    --------
    >>> from modelcollapse.verify import mean_test
    >>> mean_test([2.0, 2.0, 2.0], 2.0).p_value
    1.0
    """
    if isinstance(observations, np.ndarray) and observations.dtype == bool:
        observations = observations.astype(np.float64)  # 0/1 observations: a proportion
    y = check_real("observations", observations).ravel()
    if y.size < 2:
        raise ValueError(f"observations must hold at least 2 finite values, got {y.size} "
                         "value(s)")
    expected = check_real("expected", expected, scalar=True)
    estimate = float(y.mean())
    std_error = float(y.std(ddof=1) / np.sqrt(y.size))
    t = _studentised(estimate - expected, std_error)
    df = y.size - 1
    return MeanTest(estimate, std_error, expected, t, _t_two_sided(abs(t), df), df)


def two_sided_power(delta, std_error, alpha, df=None, *, critical=None):
    """P(a level-``alpha`` two-sided test rejects) when the truth is ``delta`` away.

    The statistic is taken as normal with unit variance shifted by
    ``delta / std_error``; the critical value is ``critical`` if given, else
    Student's t with ``df`` degrees of freedom (normal when ``df`` is None).
    """
    if critical is not None:
        crit = critical
    else:
        crit = -special.ndtri(alpha / 2) if df is None else -special.stdtrit(df, alpha / 2)
    shift = abs(_studentised(float(delta), float(std_error)))
    return float(special.ndtr(shift - crit) + special.ndtr(-crit - shift))


def replicate_floor(skewness, kurtosis, level, *, slack=SIZE_SLACK):
    r"""Fewest replicates at which a level-``level`` mean test keeps its size.

    Parameters
    ----------
    skewness, kurtosis : float
        Skewness :math:`\gamma` and excess kurtosis :math:`\kappa` of one
        observation.
    level : float
        The two-sided level the test is run at (for a claim in a family of
        ``m``, the Holm/Bonferroni level ``alpha / m``).
    slack : float, optional
        The largest first-order excess, as a fraction of ``level`` (default
        ``SIZE_SLACK = 0.5``).

    Returns
    -------
    int
        The smallest :math:`R \ge 2` at which the first-order size excess of
        the Student-t test is at most ``slack * level``.

    Notes
    -----
    The two-sided Edgeworth expansion of the studentised mean (Hall 1992,
    Section 2.6, :math:`q_2`), with the ``ddof=1`` standard error and the
    Student-t critical value :math:`x` (which absorbs the normal-theory term),
    leaves

    .. math::

        P(|T| > x) - \ell = \frac{2}{R}\,\phi(x)\,x\Big[
        \frac{\gamma^2}{18}(x^4 + 2x^2 - 3) - \frac{\kappa}{12}(x^2 - 3)\Big]
        + O(R^{-2}).

    Each of the two terms is counted only where it is positive: a term that
    lowers the size is not credited, because the expansion is least accurate
    in the far tail where the per-claim level of a large family sits. The
    excess grows faster than the level as :math:`\ell \to 0`, so the floor
    is a function of the level actually used, not a constant.

    ``verify`` removes this first-order excess from the p-value
    (:func:`corrected_p_value`) and runs each mean or slope test at no fewer
    than this floor, where the correction is at most half the level and the
    terms it leaves out (relatively of the order of its square) are small;
    ``tests/test_verify_size.py`` measures the resulting size on
    chi-square(1) and exponential observations, down to ``0.01/42``.

    References
    ----------
    P. Hall, *The Bootstrap and Edgeworth Expansion*, Springer 1992, Section 2.6.

    Examples
    --------
    >>> from modelcollapse.verify import replicate_floor
    >>> replicate_floor(0.0, 0.0, 0.01)
    2
    >>> replicate_floor(8**0.5, 12.0, 0.05) < replicate_floor(8**0.5, 12.0, 0.01 / 42)
    True
    """
    skewness, kurtosis = _moments_checked(skewness, kurtosis)
    level = _unit_interval("level", level)
    slack = _unit_interval("slack", slack)
    with np.errstate(over="ignore", invalid="ignore"):
        floor = np.ceil(_edgeworth_excess(-float(special.ndtri(level / 2)), skewness, kurtosis)
                        / (slack * level))
    if not floor < 2**62:
        raise ValueError(f"skewness and kurtosis too large (or slack too small) for a finite "
                         f"replicate floor, got skewness={skewness!r}, kurtosis={kurtosis!r}, "
                         f"slack={slack!r}")
    return max(2, int(floor))


def _unit_interval(name, value):
    """``value`` as a float strictly between 0 and 1 (a level or a fraction of one)."""
    value = check_real(name, value, scalar=True)
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {name}={value!r}")
    return value


def _probability(name, value):
    """``value`` as a float in [0, 1]."""
    value = check_real(name, value, scalar=True)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {name}={value!r}")
    return value


def _moments_checked(skewness, kurtosis):
    return check_real("skewness", skewness, scalar=True), check_real("kurtosis", kurtosis,
                                                                      scalar=True)


def _edgeworth_excess(x, skewness, kurtosis):
    """Per-replicate first-order excess of P(|T| > x), only its positive terms (see below)."""
    if x > 60:  # phi(x) x^5 < 1e-700: the excess is 0 (and x^4 may overflow)
        return 0.0
    bracket = (max(0.0, np.square(np.float64(skewness)) / 18 * (x**4 + 2 * x**2 - 3))
               + max(0.0, -kurtosis / 12 * (x**2 - 3)))
    return 2 * np.exp(-x * x / 2) / np.sqrt(2 * np.pi) * x * bracket


def corrected_p_value(t, replicates, skewness, kurtosis, *, df=None):
    r"""Two-sided p-value of a studentised mean ``t``, corrected for the observable's skewness.

    Parameters
    ----------
    t : float
        The studentised statistic.
    replicates : int
        Number of observations :math:`R`.
    skewness, kurtosis : float
        Skewness and excess kurtosis of one observation.
    df : int, optional
        Degrees of freedom of the Student-t term (default ``replicates - 1``).

    Returns
    -------
    float
        :math:`\min\{1, 2 F_{t,df}(-|t|) + \frac{2}{R}\phi(|t|)|t| B_+(|t|)\}`,
        with :math:`B_+` the positive part of each term of the bracket of
        :func:`replicate_floor`: the first-order Edgeworth tail of
        :math:`|T|`, rounded up. At a claim's floor the correction is at
        most ``SIZE_SLACK`` of the level, so the next-order error is small.
    """
    if (isinstance(t, str | bool | np.bool_) or not isinstance(t, int | float | np.number)
            or np.isnan(t)):
        raise TypeError(f"t must be a real number (+-inf allowed), got t={t!r}")
    replicates = check_int("replicates", replicates, minimum=2)
    skewness, kurtosis = _moments_checked(skewness, kurtosis)
    df = replicates - 1 if df is None else check_int("df", df, minimum=1)
    x = abs(float(t))
    if not np.isfinite(x):
        return 0.0
    base = _t_two_sided(x, df)
    with np.errstate(over="ignore", invalid="ignore"):  # huge skewness: 1.0, as it should
        return min(1.0, base + _edgeworth_excess(x, skewness, kurtosis) / replicates)


def binomial_power(replicates, p, q, level):
    """P(the exact two-sided binomial test of ``p`` rejects at ``level``) when the truth is ``q``.

    The rejection region is that of :func:`scipy.stats.binomtest` (the
    p-value sums the outcomes no more likely than the one observed).
    """
    replicates = check_int("replicates", replicates, minimum=1)
    p, q = _probability("p", p), _probability("q", q)
    level = _unit_interval("level", level)
    k = np.arange(replicates + 1)
    # scipy's binomial pmf overflows internally at subnormal p; log space does not
    pmf = np.exp(stats.binom.logpmf(k, replicates, p))
    ordered = np.sort(pmf)
    tail = np.cumsum(ordered)
    # binomtest's relative tolerance for "no more likely than" is 1 + 1e-7.
    p_values = tail[np.searchsorted(ordered, pmf * (1 + 1e-7), side="right") - 1]
    return float(np.exp(stats.binom.logpmf(k[p_values <= level], replicates, q)).sum())


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


def observe(claim, replicates, seed, *, executor=None, stream=None):
    """Simulate ``replicates`` observations of ``claim``, the same on any executor.

    They draw from the streams keyed by ``stream`` (default the claim's name).
    """
    from ..sweep import sweep
    from . import is_registered

    key = claim.name if is_registered(claim) else claim
    result = sweep(_claim_observations, [{"claim": key}], replicates=replicates,
                   seed=claim_seed(seed, stream or claim.name), executor=executor)
    return result.values[0]


@dataclass(frozen=True)
class Outcome:
    """One test of the observations against one hypothesised closed form."""

    estimate: float
    std_error: float | None
    statistic: float
    p_value: float


def _slope_fit(data):
    """OLS of ``y`` on ``x``: slope, HC3 standard error and the slope's influence values."""
    import statsmodels.api as sm

    x, y = (np.asarray(a, dtype=np.float64).ravel() for a in data)
    fit = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3")
    return float(fit.params[1]), float(fit.bse[1]), (x - x.mean()) * fit.resid


def _evaluate(test, data, hypothesis, moments=(0.0, 0.0)):
    """Test ``data`` against ``hypothesis``; a mean or slope's p-value corrected at ``moments``."""
    if test == "mean":
        t = mean_test(data, hypothesis)
        return Outcome(t.estimate, t.std_error, t.z,
                       corrected_p_value(t.z, t.df + 1, *moments))
    if test == "proportion":
        hits = np.asarray(data, dtype=bool).ravel()
        k, total, p = int(hits.sum()), hits.size, float(hypothesis)
        se = float(np.sqrt(p * (1 - p) / total))
        z = _studentised(k / total - p, se)
        return Outcome(k / total, se, z, float(stats.binomtest(k, total, p).pvalue))
    if test == "law":
        sample = np.asarray(data, dtype=np.float64).ravel()
        ks = stats.kstest(sample, hypothesis.cdf)
        return Outcome(float(ks.statistic), None, float(np.sqrt(sample.size) * ks.statistic),
                       float(ks.pvalue))
    slope, se, influence = _slope_fit(data)
    t = _studentised(slope - float(hypothesis), se)
    return Outcome(slope, se, t,
                   corrected_p_value(t, influence.size, *moments, df=influence.size - 2))


def _critical_value(level, replicates, moments, df):
    """The |t| at which :func:`corrected_p_value` equals ``level`` (it decreases in |t| there)."""
    from scipy.optimize import brentq

    low = -float(special.stdtrit(df, level / 2))

    def gap(x):
        return corrected_p_value(x, replicates, *moments, df=df) - level

    high = low
    while gap(high) > 0:
        high *= 1.5
    return low if high == low else float(brentq(gap, low, high, xtol=1e-10))


def _law_power(data, mutant, level, rng, resamples=200):
    """Bootstrap power of the KS test against ``mutant`` at the observed law.

    The mutant's cdf is evaluated once at the observations; each resample
    reuses those values (the KS statistic depends on the sample only through
    them), so an expensive cdf is paid for once. The test rejects when the
    distance exceeds one critical value, ``kstwo.isf(level, R)``, computed
    once rather than a p-value per resample.
    """
    u = np.asarray(mutant.cdf(np.asarray(data, dtype=np.float64).ravel()), dtype=np.float64)
    size = u.size
    critical = stats.kstwo.isf(level, size)
    upper = np.arange(1, size + 1) / size
    rejected = 0
    for _ in range(resamples):
        v = np.sort(rng.choice(u, size=size, replace=True))
        distance = max(np.max(upper - v), np.max(v - (upper - 1 / size)))
        rejected += distance > critical
    return rejected / resamples


def _observable(test, data):
    """The iid values whose law sets a mean or slope test's accuracy (its influence values)."""
    if test == "slope":
        return _slope_fit(data)[2]
    return np.asarray(data, dtype=np.float64).ravel()


def sample_moments(values):
    """Skewness and excess kurtosis of ``values`` (plug-in; 0, 0 for a constant sample)."""
    y = np.asarray(values, dtype=np.float64).ravel()
    centred = y - y.mean()
    m2 = float(np.mean(centred**2))
    if m2 == 0:
        return 0.0, 0.0
    return float(np.mean(centred**3) / m2**1.5), float(np.mean(centred**4) / m2**2 - 3)


_PILOTS = {}


def observable_moments(claim):
    """Skewness and excess kurtosis of one observation of ``claim`` (mean and slope tests).

    In order: the claim's own ``skewness``/``kurtosis``; for a claim named
    as a registered one (same observable: the registry's claims are built by
    the same functions), the stored values of a large pilot simulation
    (regenerated by ``benchmarks/verify_moments.py``); otherwise a pilot of
    the claim's default replicate count, drawn once per process from a
    stream of its own (so the floor never depends on the data it calibrates).
    """
    if claim.skewness is not None and claim.kurtosis is not None:
        return float(claim.skewness), float(claim.kurtosis)
    from ._moments import MOMENTS

    if claim.name in MOMENTS:
        skewness, kurtosis, _ = MOMENTS[claim.name]
        return skewness, kurtosis
    key = id(claim)
    if key not in _PILOTS:
        data = observe(claim, claim.replicates, 0, stream=claim.name + "/pilot")
        _PILOTS[key] = (claim, sample_moments(_observable(claim.test, data)))
    return _PILOTS[key][1]


def claim_floor(claim, level):
    """The fewest replicates at which ``claim``'s test keeps its size at ``level``.

    Exact tests (binomial for a proportion, Kolmogorov-Smirnov for a law)
    keep their size at any count: their floor is the claim's
    ``min_replicates``. A mean or slope test's floor is
    :func:`replicate_floor` at the observable's skewness and kurtosis
    (:func:`observable_moments`).
    """
    if not isinstance(claim, Claim):
        raise TypeError(f"claim must be a verify.Claim, got claim={claim!r}")
    level = _unit_interval("level", level)
    if claim.test in ("proportion", "law"):
        return claim.min_replicates
    skewness, kurtosis = observable_moments(claim)
    return max(claim.min_replicates, 3 if claim.test == "slope" else 2,
               replicate_floor(skewness, kurtosis, level))


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of one claim; ``rejected`` and ``verdict`` are after Holm's correction.

    ``closed_form`` and ``mutant`` are ``None`` for a law (their values are
    distributions); ``estimate`` is then the Kolmogorov-Smirnov distance and
    ``z`` is :math:`\\sqrt{R}` times it. ``verdict`` is ``"rejected"``,
    ``"holds"`` (not rejected, and power >= 0.9 against the mutant) or
    ``"inconclusive"`` (not rejected, power < 0.9: the check could not have
    told the claim from its mutant). ``replicates`` is the count used: the
    requested one (``replicates_requested``) raised to the claim's floor
    ``min_replicates`` where it was below it.
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
    verdict: str = ""
    replicates_requested: int | None = None
    min_replicates: int = 2
    parameters: dict = field(default_factory=dict)

    @property
    def raised(self):
        """Whether the requested replicate count was raised to the claim's floor."""
        return self.replicates_requested is not None and self.replicates > self.replicates_requested

    def as_dict(self):
        """The JSON record of this claim."""
        return dict(self.__dict__)


def _verdict(rejected, power):
    if rejected:
        return "rejected"
    return "holds" if power >= POWER_TARGET else "inconclusive"


def check_claim(claim, *, replicates, alpha, seed, family_size=1, executor=None):
    """Run one claim: its test, and the same data against its mutant.

    Parameters
    ----------
    claim : Claim
        The claim.
    replicates : int or None
        Requested replicate count (>= 2; None for the claim's default);
        raised to the claim's floor :func:`claim_floor` at the level
        ``alpha / family_size`` when below it.
    alpha : float
        Family-wise level in (0, 1).
    seed : int
        Seed (>= 0).
    family_size : int, optional
        Number of claims in the family (>= 1); the claim is tested at
        ``alpha / family_size``.
    executor : concurrent.futures.Executor, optional
        Where the replicate blocks run.

    Returns
    -------
    ClaimResult

    Notes
    -----
    The power is that of the Bonferroni level ``alpha / family_size`` (a
    lower bound for Holm's procedure) against the mutant: for means and
    slopes from the shifted normal approximation at the observed standard
    error with Student-t critical values; for proportions exactly, from the
    binomial test's rejection region; for laws by bootstrap resampling of
    the observations.
    """
    alpha, seed, replicates = _checked_settings(alpha, seed, replicates)
    family_size = check_int("family_size", family_size, minimum=1)
    return _check(claim, requested_replicates(claim, replicates), alpha, seed, family_size,
                  executor, with_power=True)


def _check(claim, requested, alpha, seed, family_size, executor, *, with_power):
    level = alpha / family_size
    floor = claim_floor(claim, level)
    replicates = max(requested, floor)
    data = observe(claim, replicates, seed, executor=executor)
    truth, wrong = claim.closed_form(), claim.mutant()
    moments = observable_moments(claim) if claim.test in ("mean", "slope") else (0.0, 0.0)
    held = _evaluate(claim.test, data, truth, moments)
    refuted = _evaluate(claim.test, data, wrong, moments)
    power = float("nan")
    if claim.test == "law":
        if with_power:
            power = _law_power(data, wrong, level, claim_stream(seed, claim.name + "/power"))
        truth = wrong = None
    else:
        truth, wrong = float(truth), float(wrong)
        if with_power and claim.test == "proportion":
            power = binomial_power(replicates, truth, wrong, level)
        elif with_power:
            df = replicates - (2 if claim.test == "slope" else 1)
            power = two_sided_power(wrong - truth, held.std_error, level,
                                    critical=_critical_value(level, replicates, moments, df))
    rejected = bool(held.p_value <= level)
    return ClaimResult(
        name=claim.name,
        reference=claim.reference,
        test=claim.test,
        closed_form=truth,
        estimate=held.estimate,
        std_error=held.std_error,
        z=held.statistic,
        p_value=held.p_value,
        rejected=rejected,
        mutant=wrong,
        mutant_z=refuted.statistic,
        mutant_rejected=bool(refuted.p_value <= level),
        power=power,
        replicates=replicates,
        verdict=_verdict(rejected, power),
        replicates_requested=requested,
        min_replicates=floor,
        parameters=dict(claim.parameters),
    )


def holm(p_values, alpha):
    """Holm's step-down decisions: which of ``p_values`` are rejected at family-wise ``alpha``.

    The same decisions as ``statsmodels.stats.multitest.multipletests(p,
    alpha, method="holm")[0]``, which calls ``gc.collect()`` on every call:
    measured at 37 ms per 42-claim family in this package's process, it
    dominated a many-seed calibration.
    """
    p = check_real("p_values", p_values).ravel()
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"p_values must lie in [0, 1], got p_values={p_values!r}")
    alpha = _unit_interval("alpha", alpha)
    order = np.argsort(p, kind="stable")
    passed = p[order] <= alpha / np.arange(p.size, 0, -1)
    stop = p.size if passed.all() else int(np.argmin(passed))
    rejected = np.zeros(p.size, dtype=bool)
    rejected[order[:stop]] = True
    return rejected


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

    @property
    def verdicts(self):
        """How many claims hold, are rejected, are inconclusive (a dict in that order)."""
        return {v: sum(r.verdict == v for r in self.results) for v in VERDICTS}

    def as_dict(self):
        """The JSON object of ``modelcollapse verify --json``."""
        return {
            "alpha": self.alpha,
            "seed": self.seed,
            "claims": [r.as_dict() for r in self.results],
            "family_rejected": self.family_rejected,
            "verdicts": self.verdicts,
        }

    def table(self):
        """The human-readable table."""
        head = (
            f"{'claim':<44} {'closed form':>12} {'estimate ± s.e.':>24} "
            f"{'t':>7} {'p':>8} {'R':>8} {'verdict':>12} {'power':>6}"
        )
        lines = [head, "-" * len(head)]
        for r in self.results:
            if r.test == "law":
                closed, est = "law", f"KS D = {r.estimate:.3g}"
            else:
                closed, est = f"{r.closed_form:.6g}", f"{r.estimate:.6g} ± {r.std_error:.2g}"
            verdict = "REJECT" if r.rejected else r.verdict
            count = f"{r.replicates}{'*' if r.raised else ''}"
            lines.append(
                f"{r.name:<44} {closed:>12} {est:>24} {r.z:>7.2f} "
                f"{r.p_value:>8.3g} {count:>8} {verdict:>12} {r.power:>6.3f}"
            )
        counts = self.verdicts
        lines.append(
            f"{counts['holds']} hold, {counts['rejected']} rejected, {counts['inconclusive']} "
            f"inconclusive of {len(self.results)} claims at family-wise alpha={self.alpha} "
            f"(Holm), seed={self.seed}; power against each claim's mutant at alpha/m "
            f"(holds needs power >= {POWER_TARGET})."
        )
        if any(r.raised for r in self.results):
            lines.append("* replicates raised to the claim's floor, the fewest at which its "
                         "test keeps its size at alpha/m.")
        return "\n".join(lines)


def _checked_settings(alpha, seed, replicates, **flags):
    for name, value in flags.items():
        check_bool(name, value)
    alpha = float(check_real("alpha", alpha))
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got alpha={alpha!r}")
    seed = check_int("seed", seed, minimum=0)
    if replicates is not None:
        replicates = check_int("replicates", replicates, minimum=2)
    return alpha, seed, replicates


def requested_replicates(claim, replicates=None, quick=False):
    """The count asked of ``claim``: ``replicates``, else a tenth (>= 200) if quick, else its own.

    A count below the claim's floor is raised to it later (:func:`claim_floor`).
    """
    if replicates is not None:
        return replicates
    return max(claim.replicates // 10, 200) if quick else claim.replicates


def _run(claims, alpha, seed, replicates, quick, executor, progress, with_power):
    raw = [
        _check(claim, requested_replicates(claim, replicates, quick), alpha, seed, len(claims),
               executor, with_power=with_power)
        for claim in _progress(claims, progress)
    ]
    decisions = holm([r.p_value for r in raw], alpha)
    results = tuple(
        dataclasses.replace(r, rejected=bool(rej), verdict=_verdict(bool(rej), r.power))
        for r, rej in zip(raw, decisions, strict=True)
    )
    return Report(alpha, seed, results)


def run_claims(claims, *, alpha, seed, replicates=None, quick=False, executor=None,
               progress=False):
    """Check ``claims`` and Holm-correct their p-values."""
    alpha, seed, replicates = _checked_settings(alpha, seed, replicates, quick=quick,
                                                progress=progress)
    return _run(claims, alpha, seed, replicates, quick, executor, progress, with_power=True)


def _progress(items, progress, unit="claim"):
    """Report progress over ``items`` on stderr when asked (see :mod:`modelcollapse._progress`)."""
    if not progress:
        return items
    from .._progress import progress as shown

    return shown(items, desc="verify", unit=unit)


@dataclass(frozen=True)
class Calibration:
    """Observed family-wise false-alarm rate over independent seeds.

    ``interval`` is the Wilson score interval at ``confidence``; a calibrated
    family has ``alpha`` inside it. ``claim_rejections`` maps each claim that
    was rejected in some run to the number of runs that rejected it.
    """

    alpha: float
    runs: int
    rejections: int
    interval: tuple
    confidence: float
    claim_rejections: dict = field(default_factory=dict)

    @classmethod
    def from_runs(cls, alpha, rejected, confidence=0.99):
        """The calibration of runs whose rejected claim names are ``rejected`` (one set per run)."""
        from statsmodels.stats.proportion import proportion_confint

        rejected = [tuple(names) for names in rejected]
        runs, rejections = len(rejected), sum(bool(names) for names in rejected)
        low, high = proportion_confint(rejections, runs, alpha=1 - confidence, method="wilson")
        counts = {}
        for names in rejected:
            for name in names:
                counts[name] = counts.get(name, 0) + 1
        return cls(alpha, runs, rejections, (float(low), float(high)), confidence,
                   dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))

    @property
    def rate(self):
        """Observed fraction of runs in which the family was rejected."""
        return self.rejections / self.runs

    @property
    def contains_alpha(self):
        """Whether the interval contains the nominal ``alpha``."""
        return bool(self.interval[0] <= self.alpha <= self.interval[1])

    @property
    def p_value(self):
        """One-sided binomial p-value of the rejections against a false-alarm rate of ``alpha``."""
        return float(stats.binom.sf(self.rejections - 1, self.runs, self.alpha))

    def summary(self):
        """One line for the command line (and a second naming the rejected claims)."""
        low, high = self.interval
        line = (
            f"calibration: {self.rejections}/{self.runs} families rejected, rate "
            f"{self.rate:.4f}, {self.confidence:.0%} Wilson interval [{low:.4f}, {high:.4f}] "
            f"{'contains' if self.contains_alpha else 'EXCLUDES'} alpha={self.alpha}; "
            f"one-sided binomial p = {self.p_value:.3g}"
        )
        if self.claim_rejections:
            named = ", ".join(f"{name} ({count})" for name, count in self.claim_rejections.items())
            line += f"\nrejected claims (runs): {named}"
        return line


def calibrate(claims, runs, *, alpha, seed, replicates=None, quick=False, executor=None,
              confidence=0.99, progress=False):
    """Rerun the family of ``claims`` under ``runs`` independent seeds.

    The seeds are ``SeedSequence(seed).generate_state(runs)`` (independent
    streams, never ``seed + i``); each run is Holm-corrected as in
    :func:`run_claims` (with the same replicate floors); powers are not
    computed, as only rejections count.
    """
    runs = check_int("runs", runs, minimum=1)
    confidence = check_confidence(confidence)
    alpha, seed, replicates = _checked_settings(alpha, seed, replicates, quick=quick,
                                                progress=progress)
    rejected = [
        family_rejections(claims, alpha=alpha, seed=s, replicates=replicates, quick=quick,
                          executor=executor)
        for s in _progress(calibration_seeds(seed, runs), progress, unit="seed")
    ]
    return Calibration.from_runs(alpha, rejected, confidence)


def family_rejections(claims, *, alpha, seed, replicates=None, quick=False, executor=None):
    """Names of the claims one run rejects (Holm at ``alpha``; no power computed)."""
    alpha, seed, replicates = _checked_settings(alpha, seed, replicates)
    report = _run(claims, alpha, seed, replicates, quick, executor, False, with_power=False)
    return [r.name for r in report.results if r.rejected]


def calibration_seeds(seed, runs):
    """The ``runs`` independent seeds of a calibration rooted at ``seed``."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(runs, dtype=np.uint64)]
