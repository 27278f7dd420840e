"""Claims, their statistical checks, and the family report."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .._validate import check_int, check_real

__all__ = ["Claim", "ClaimResult", "Report", "check_claim", "claim_stream", "mean_test"]


@dataclass(frozen=True)
class Claim:
    """A theorem stated as "the mean of these Monte Carlo observations is this closed form".

    Attributes
    ----------
    name : str
        Unique dotted name, e.g. ``"gaussian.mean_squared_error"``.
    statement : str
        The claim in words, with its formula.
    reference : str
        Paper and section the claim checks.
    closed_form : callable () -> float
        The exact value at the claim's parameters.
    observations : callable (replicates, Generator) -> ndarray
        One observation per independent replicate; their mean estimates the closed form.
    mutant : callable () -> float
        A deliberately wrong formula a careless derivation would produce.
    mutant_label : str
        What the mutant gets wrong.
    parameters : dict
        The parameters, for the report.
    replicates : int
        Default number of replicates (chosen for power >= 0.9 against the mutant).
    """

    name: str
    statement: str
    reference: str
    closed_form: Callable[[], float]
    observations: Callable[[int, np.random.Generator], np.ndarray]
    mutant: Callable[[], float]
    mutant_label: str
    parameters: dict = field(default_factory=dict)
    replicates: int = 20_000


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


def claim_stream(seed, name):
    """The Generator of claim ``name`` under ``seed``.

    Keyed by the claim's name, so a claim's numbers do not depend on which
    other claims run, nor in which order or on which worker.
    """
    key = (zlib.crc32(name.encode()),)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of one claim; ``rejected`` is after Holm's correction."""

    name: str
    reference: str
    closed_form: float
    estimate: float
    std_error: float
    z: float
    p_value: float
    rejected: bool
    mutant: float
    mutant_z: float
    mutant_rejected: bool
    power: float
    replicates: int

    def as_dict(self):
        """The JSON record of this claim."""
        return {
            "name": self.name,
            "reference": self.reference,
            "closed_form": self.closed_form,
            "estimate": self.estimate,
            "std_error": self.std_error,
            "z": self.z,
            "p_value": self.p_value,
            "rejected": self.rejected,
            "mutant": self.mutant,
            "mutant_z": self.mutant_z,
            "mutant_rejected": self.mutant_rejected,
            "power": self.power,
            "replicates": self.replicates,
        }


def check_claim(claim, *, replicates, alpha, seed, family_size=1):
    """Run one claim: its z-test, and the same data against its mutant.

    The power is that of the Bonferroni level ``alpha / family_size`` (a
    lower bound for Holm's procedure) against the mutant, at the observed
    standard error.
    """
    y = claim.observations(replicates, claim_stream(seed, claim.name))
    test = mean_test(y, claim.closed_form())
    wrong = mean_test(y, claim.mutant())
    level = alpha / family_size
    return ClaimResult(
        name=claim.name,
        reference=claim.reference,
        closed_form=test.expected,
        estimate=test.estimate,
        std_error=test.std_error,
        z=test.z,
        p_value=test.p_value,
        rejected=bool(test.p_value < level),
        mutant=wrong.expected,
        mutant_z=wrong.z,
        mutant_rejected=bool(wrong.p_value < level),
        power=two_sided_power(wrong.expected - test.expected, test.std_error, level),
        replicates=int(y.size),
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
            f"{'claim':<34} {'closed form':>12} {'estimate ± s.e.':>24} "
            f"{'z':>7} {'p':>8} {'verdict':>8} {'power':>6}"
        )
        lines = [head, "-" * len(head)]
        for r in self.results:
            est = f"{r.estimate:.6g} ± {r.std_error:.2g}"
            verdict = "REJECT" if r.rejected else "holds"
            lines.append(
                f"{r.name:<34} {r.closed_form:>12.6g} {est:>24} {r.z:>7.2f} "
                f"{r.p_value:>8.3g} {verdict:>8} {r.power:>6.3f}"
            )
        held = sum(not r.rejected for r in self.results)
        lines.append(
            f"{held}/{len(self.results)} claims hold at family-wise alpha={self.alpha} "
            f"(Holm), seed={self.seed}; power against each claim's mutant at alpha/m."
        )
        return "\n".join(lines)


def run_claims(claims, *, alpha, seed, replicates=None, quick=False):
    """Check ``claims`` and Holm-correct their p-values."""
    alpha = float(check_real("alpha", alpha))
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got alpha={alpha!r}")
    seed = check_int("seed", seed, minimum=0)
    if replicates is not None:
        replicates = check_int("replicates", replicates, minimum=2)
    raw = []
    for claim in claims:
        count = replicates or (max(claim.replicates // 10, 200) if quick else claim.replicates)
        raw.append(
            check_claim(claim, replicates=count, alpha=alpha, seed=seed, family_size=len(claims))
        )
    holm = multipletests([r.p_value for r in raw], alpha=alpha, method="holm")[0] if raw else []
    results = tuple(
        dataclasses.replace(r, rejected=bool(rej)) for r, rej in zip(raw, holm, strict=True)
    )
    return Report(alpha, seed, results)
