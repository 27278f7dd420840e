"""Every public callable: a right result or a clean error, never a crash, a warning or a NaN.

The contract (``/work/shared/STYLE.md``, "Errors"): a public callable either
returns a result of the documented shape, free of NaN and of warnings, or
raises ``ValueError``/``TypeError`` whose message names the offending
parameter. This suite walks the ``__all__`` of every public module
(:data:`MODULES`), so a callable added later is picked up automatically:
:func:`test_every_public_callable_has_an_entry` fails, naming it, until
:data:`TABLE` holds an entry for it.

For every entry, hypothesis draws

* **valid** arguments from the entry's strategy: the call must return without
  a warning, with no NaN anywhere in the result (and no infinity unless the
  entry says ``finite=False``), and, for the parameters listed in
  ``vectorised``, an array argument must give the same numbers as calling
  element by element;
* **adversarial** arguments: one valid draw with one parameter of the
  callable's *signature* (so a keyword added later is attacked too) replaced
  by NaN, +-inf, 0, negatives, 1e308, 1e-308, a float where an int is meant,
  a string, a bool, None, an empty, ragged or wrong-length sequence. Accepted
  outcomes: a result as above (infinity allowed: 1e308 may overflow honestly)
  or ``ValueError``/``TypeError`` whose message contains the parameter's name.

Adding an entry (one line)
--------------------------
Key ``"module.name"``; value ``fuzz(param=strategy, ...)`` giving a strategy
for the parameters a valid call needs (others keep their defaults), e.g.::

    "kde.fit": fuzz(x=SAMPLE_1D, bandwidth=POSITIVE),

or ``fuzz(strategy_of_kwargs)`` when parameters depend on each other (see
:func:`_mv` for a dimension shared by ``cov`` and ``mean``). Options:
``vectorised=("n",)`` (compare against elementwise calls), ``finite=False``
(documented infinities), ``cost=k`` (expensive: ``k`` times fewer examples),
``names={"param": "other name"}`` (a message may name that one instead, e.g. the
pair's other half), ``xfail="why"`` (a known failure, not run; ``xfail_in=("adversarial",)``
limits it to one of the two tests). A callable that must not be
called here (it starts processes, writes files, or runs for seconds) gets
``skip("why")``. Run more examples with ``HYPOTHESIS_PROFILE=slow``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import re
import tempfile
import types
import warnings
from collections.abc import Mapping
from functools import partial

import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelcollapse

#: Public modules: the package's own ``__all__`` plus those imported on demand.
MODULES = tuple(
    [name for name in modelcollapse.__all__
     if isinstance(getattr(modelcollapse, name), types.ModuleType)]
    + ["plot", "derivation", "verify", "cli"]
)


@dataclasses.dataclass(frozen=True)
class Entry:
    valid: object = None  # strategy of a kwargs dict
    vectorised: tuple = ()
    finite: bool = True
    cost: int = 1
    names: Mapping = dataclasses.field(default_factory=dict)
    skip: str = ""
    xfail: str = ""
    xfail_in: tuple = ("valid", "adversarial")


def fuzz(strategy=None, /, *, vectorised=(), finite=True, cost=1, names=None, xfail="",
         xfail_in=("valid", "adversarial"), **params):
    """An entry: ``strategy`` of kwargs dicts, or one strategy per parameter."""
    if strategy is None:
        strategy = st.fixed_dictionaries(params)
    return Entry(strategy, tuple(vectorised), finite, cost, dict(names or {}), xfail=xfail,
                 xfail_in=tuple(xfail_in))


def skip(why):
    return Entry(skip=why)


# ------------------------------------------------------------------ strategies

N = st.integers(0, 25)
N_SMALL = st.integers(0, 4)
M = st.integers(2, 60)
FIT = st.sampled_from(["unbiased", "mle"])
POSITIVE = st.floats(0.05, 20)
FRACTION = st.floats(0, 1)
SEED = st.integers(0, 2**32)
SCHEDULE = st.one_of(
    M,
    st.lists(M, min_size=25, max_size=30),
    st.builds(modelcollapse.Linear, st.integers(2, 20)),
    st.builds(modelcollapse.Power, st.integers(2, 20), st.floats(0, 2.5)),
    st.builds(modelcollapse.Geometric, st.integers(2, 20), st.floats(1, 1.5)),
)
SAMPLE_1D = st.lists(st.floats(-50, 50), min_size=2, max_size=30)


@st.composite
def probabilities(draw, min_size=2, max_size=12):
    w = np.array(draw(st.lists(st.floats(0.01, 1), min_size=min_size, max_size=max_size)))
    return (w / w.sum()).tolist()


@st.composite
def frequency_table(draw, min_rows=2):
    K = draw(st.integers(2, 6))
    rows = draw(st.integers(min_rows, 8))
    return [draw(probabilities(K, K)) for _ in range(rows)]


@st.composite
def covariance(draw, d):
    a = np.array(draw(st.lists(st.floats(-2, 2), min_size=d * d, max_size=d * d))).reshape(d, d)
    return (a @ a.T + 0.1 * np.eye(d)).tolist()


@st.composite
def _mv(draw, *, mean=False, mean_name="mean", n=N, min_extra=1, fit=True, **more):
    """kwargs with a covariance of dimension d and sizes M >= d + min_extra."""
    d = draw(st.integers(1, 3))
    out = {"n": draw(n), "M": draw(st.integers(d + min_extra, 40)), "cov": draw(covariance(d))}
    if mean:
        out[mean_name] = draw(st.lists(st.floats(-5, 5), min_size=d, max_size=d))
    if fit:
        out["fit"] = draw(FIT)
    out.update({k: draw(v) for k, v in more.items()})
    return out


@st.composite
def _discrete_chain(draw):
    from modelcollapse import discrete

    return discrete.simulate(draw(N_SMALL), draw(st.integers(1, 30)), draw(probabilities()),
                             replicates=draw(st.integers(2, 4)), rng=draw(SEED))


@st.composite
def _regression(draw, **more):
    d = draw(st.integers(1, 4))
    out = {"n": draw(N_SMALL), "d": d, "T": draw(st.integers(d + 2, d + 20)),
           "sigma": draw(POSITIVE), "policy": draw(st.sampled_from(["replace", "accumulate"])),
           "design": draw(st.sampled_from(["fixed", "fresh"]))}
    out.update({k: draw(v) for k, v in more.items()})
    return out


@st.composite
def _tail_loss(draw):
    K = draw(st.integers(2, 8))
    return {"freqs0": draw(probabilities(K, K)), "freqs_n": draw(probabilities(K, K)),
            "n": draw(st.integers(1, 5)), "M": draw(st.integers(1, 50)),
            "replicates": draw(st.integers(100, 150)), "rng": draw(SEED)}


@st.composite
def _stationary(draw, **more):
    """A size and a fresh fraction giving at least one fresh point, K = floor(f M + 1/2) >= 1."""
    m = draw(st.integers(2, 60))
    out = {"M": m, "fresh": draw(st.floats(0.5 / m + 1e-9, 1))}
    out.update({k: draw(v) for k, v in more.items()})
    return out


def _square(params, replicates, rng):
    """A picklable sweep function: one number per replicate."""
    return rng.standard_normal(replicates) * params["scale"]


def _expr():
    import sympy as sp

    x, n = sp.symbols("x n", positive=True)
    return st.sampled_from([
        sp.gamma(x + 1) / sp.gamma(x), sp.Sum(1 / x**2, (x, 1, n)), sp.Product(x, (x, 1, n)),
        x**2 + 2 * x + 1, sp.log(x * n),
    ])


# ---- estimate (diversity), ngram, tails


COUNTS = st.lists(st.integers(0, 30), min_size=1, max_size=12).filter(lambda c: sum(c) >= 3)
DECODING = {"temperature": POSITIVE, "top_k": st.none() | st.integers(1, 12),
            "top_p": st.none() | st.floats(0.05, 1)}
BETA = st.floats(1.05, 5)
WORDS = st.lists(st.sampled_from(["the", "cat", "sat", "on", "a", "mat", "dog", "ate"]),
                 min_size=2, max_size=40).map(" ".join)
_TMP = tempfile.TemporaryDirectory(prefix="modelcollapse-fuzz-")


@st.composite
def _similarity(draw):
    """A cosine-similarity matrix: PSD with a unit diagonal."""
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    x = np.array(draw(st.lists(st.floats(0.1, 2), min_size=n * d, max_size=n * d))).reshape(n, d)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return np.clip(x @ x.T, -1, 1) + np.diag(1 - np.diag(x @ x.T))


@st.composite
def _hill(draw):
    if draw(st.booleans()):
        return {"counts": draw(COUNTS), "method": "corrected",
                "q": draw(st.sampled_from([0, 1, 2, (0, 1, 2), [2, 0]]))}
    return {"counts": draw(COUNTS), "method": "plug-in",
            "q": draw(st.floats(0, 5) | st.lists(st.floats(0, 5), min_size=1, max_size=4))}


@st.composite
def _two_laws(draw):
    K = draw(st.integers(2, 12))
    return {"T": draw(st.integers(0, 10**6)), "p": draw(probabilities(K, K)),
            "q": draw(st.none() | probabilities(K, K))}


@st.composite
def _mad(draw, stable=False, **more):
    out = {"n_real": draw(st.integers(0, 30)), "n_synth": draw(st.integers(1, 30)),
           "temperature": draw(st.floats(0.3, 1) if stable else POSITIVE)}
    if stable:
        out["n_real"] = max(out["n_real"], 2)
    elif out["n_real"] + out["n_synth"] < 2:
        out["n_synth"] = 2
    out.update({k: draw(v) for k, v in more.items()})
    return out


@st.composite
def _zipf(draw, size="T", size_strategy=None, cutoff=False):
    out = {size: draw(st.floats(1, 1e9) if size_strategy is None else size_strategy),
           "beta": draw(BETA)}
    K = draw(st.none() | st.integers(50, 10**6))
    if K is not None:
        out["K"] = K
    if cutoff and draw(st.booleans()):
        out["cutoff"] = draw(st.integers(1, 40))
        out["clean"] = draw(FRACTION)
    return out


@st.composite
def _neutral(draw):
    K = draw(st.integers(2, 10))
    return {"p0": draw(probabilities(K, K)), "tail": draw(st.lists(st.booleans(), min_size=K,
                                                                   max_size=K)),
            "generations": draw(st.integers(1, 3)), "tokens": draw(st.integers(1, 200)),
            "fresh": draw(FRACTION), "replicates": draw(st.integers(2, 4)), "rng": draw(SEED)}


_NGRAM_TEXT = ("the cat sat on the mat and the dog ate the cat food on a mat " * 6,
               "the dog sat on the cat")


@st.composite
def _ngram_run(draw, **more):
    """A small loop and its neutral theory, as the report functions take them."""
    from modelcollapse import ngram

    corpus = ngram.corpus_from_text(*_NGRAM_TEXT)
    G = draw(st.integers(1, 3))
    loop = ngram.simulate(corpus, order=draw(st.integers(1, 2)), generations=G, tokens=60,
                          documents=6, replicates=2, rng=draw(SEED))
    theory = ngram.neutral_theory(loop.p0, loop.tail_mask, generations=G, tokens=60,
                                  replicates=2, rng=draw(SEED))
    out = {"loop": loop, "theory": theory}
    out.update({k: draw(v) for k, v in more.items()})
    return out
# distill, kde, misspecified, mixture


@st.composite
def _spectrum(draw, coefficients=False):
    """Gram eigenvalues (some may be 0) and, optionally, one coefficient per eigenvalue."""
    k = draw(st.integers(1, 8))
    out = {"eigenvalues": draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 50)),
                                        min_size=k, max_size=k)),
           "ridge": draw(POSITIVE), "t": draw(st.integers(0, 200))}
    if coefficients:
        out["coefficients"] = draw(st.lists(st.floats(-10, 10), min_size=k, max_size=k))
    return out


@st.composite
def _distill_simulation(draw):
    n = draw(st.integers(1, 5))
    return {"t": draw(N_SMALL), "gram": draw(covariance(n)),
            "f0": draw(st.lists(st.floats(-5, 5), min_size=n, max_size=n)),
            "ridge": draw(POSITIVE), "noise": draw(st.floats(0, 3)),
            "replicates": draw(st.integers(1, 3)), "rng": draw(SEED)}


KDE_BANDWIDTH = st.one_of(POSITIVE, st.sampled_from(["scott", "silverman"]))


@st.composite
def _kde_closed(draw, policy=False):
    out = {"n": draw(N), "M": draw(st.integers(2, 1000)), "bandwidth": draw(KDE_BANDWIDTH),
           "sigma": draw(POSITIVE)}
    if policy:
        # accumulating has a closed form for a fixed bandwidth only
        fixed = not isinstance(out["bandwidth"], str)
        out["policy"] = draw(st.sampled_from(["replace", "accumulate"] if fixed else ["replace"]))
    return out


def _d0():
    """Laws with a finite fourth moment: scipy's and the package's normal mixture."""
    from modelcollapse import misspecified

    loc, scale = st.floats(-5, 5), st.floats(0.1, 5)
    return st.one_of(
        st.builds(scipy.stats.norm, loc, scale),
        st.builds(scipy.stats.laplace, loc, scale),
        st.builds(scipy.stats.logistic, loc, scale),
        st.builds(scipy.stats.uniform, loc, scale),
        st.builds(lambda df, s: scipy.stats.t(df, scale=s), st.floats(4.5, 30), scale),
        st.builds(lambda a, b: misspecified.normal_mixture([a, 1 - a], [-b, b], [1.0, 0.5]),
                  st.floats(0.05, 0.95), st.floats(0, 4)),
    )


@st.composite
def _normal_mixture(draw):
    K = draw(st.integers(1, 4))
    return {"weights": draw(st.lists(st.floats(0.01, 1), min_size=K, max_size=K)),
            "means": draw(st.lists(st.floats(-10, 10), min_size=K, max_size=K)),
            "scales": draw(st.lists(st.floats(0.05, 5), min_size=K, max_size=K))}


@st.composite
def _gmm(draw, suffix="", K=None, d=None):
    """One Gaussian mixture: 1-D (variances) when d == 0, else (K, d) means, (K, d, d)."""
    K = draw(st.integers(1, 3)) if K is None else K
    d = draw(st.integers(0, 2)) if d is None else d
    if d == 0:
        means = draw(st.lists(st.floats(-5, 5), min_size=K, max_size=K))
        covs = draw(st.lists(st.floats(0.05, 5), min_size=K, max_size=K))
    else:
        means = [draw(st.lists(st.floats(-5, 5), min_size=d, max_size=d)) for _ in range(K)]
        covs = [draw(covariance(d)) for _ in range(K)]
    return {f"weights{suffix}": draw(probabilities(K, K)), f"means{suffix}": means,
            f"covariances{suffix}": covs}


@st.composite
def _gmm_pair(draw):
    d = draw(st.integers(0, 2))
    return {**draw(_gmm("1", d=d)), **draw(_gmm("2", d=d))}


@st.composite
def _fit_em(draw):
    d = draw(st.integers(0, 2))
    start = draw(_gmm(d=d))
    K = len(start["weights"])
    R, size = draw(st.integers(1, 3)), draw(st.integers(max(2, K), 30))
    shape = (R, size) if d == 0 else (R, size, d)
    x = draw(st.lists(st.floats(-10, 10), min_size=int(np.prod(shape)),
                      max_size=int(np.prod(shape))))
    return {"x": np.reshape(x, shape), **start, "max_iter": draw(st.integers(1, 20))}


@st.composite
def _mixture_simulation(draw):
    mix = draw(_gmm())
    return {"n": draw(N_SMALL), "N": draw(st.integers(max(2, len(mix["weights"])), 20)), **mix,
            "replicates": draw(st.integers(1, 3)), "init": draw(st.sampled_from(["warm", "truth"])),
            "max_iter": draw(st.integers(1, 20)), "rng": draw(SEED)}


GAUSSIAN = {"n": N, "M": SCHEDULE, "sigma": POSITIVE, "fit": FIT}
POLICY = {**GAUSSIAN, "M": M, "policy": st.sampled_from(["replace", "accumulate"]),
          "fresh": FRACTION}
SKIP_RESULT = "a frozen result container the package builds; users read it, not call it"

TABLE = {
    # gaussian
    "gaussian.expected_w2_squared": fuzz(vectorised=("n",), **GAUSSIAN),
    "gaussian.generation_law": fuzz(M=M, sigma=POSITIVE, fit=FIT),
    "gaussian.log_sigma2_mean": fuzz(vectorised=("n",), **GAUSSIAN),
    "gaussian.log_sigma2_variance": fuzz(n=N, M=SCHEDULE, vectorised=("n",)),
    "gaussian.log_sigma_moment": fuzz(p=st.floats(-0.9, 6), vectorised=("n",), **GAUSSIAN),
    "gaussian.log_variance_drift": fuzz(M=st.integers(2, 10**6), fit=FIT, vectorised=("M",)),
    "gaussian.mean_squared_error": fuzz(vectorised=("n",), **GAUSSIAN),
    "gaussian.sample_variance": fuzz(vectorised=("n",), **GAUSSIAN),
    "gaussian.sigma2_variance": fuzz(vectorised=("n",), **GAUSSIAN),
    "gaussian.sigma_moment": fuzz(p=st.floats(-0.9, 6), vectorised=("n",), **GAUSSIAN),
    "gaussian.simulate": fuzz(n=N_SMALL, M=st.integers(2, 12), replicates=st.integers(1, 3),
                              fit=FIT, method=st.sampled_from(["sufficient", "samples"]),
                              policy=st.sampled_from(["replace", "accumulate"]),
                              fresh=FRACTION, rng=SEED),
    "gaussian.typical_sigma2": fuzz(vectorised=("n",), **GAUSSIAN),
    "gaussian.GaussianChain": skip(SKIP_RESULT),
    # discrete
    "discrete.diversity": fuzz(chain=_discrete_chain(), names={"chain": "chain"}),
    "discrete.expected_heterozygosity": fuzz(n=N, M=st.integers(1, 60), p0=probabilities(),
                                             vectorised=("n",)),
    "discrete.expected_support": fuzz(n=N, M=st.integers(1, 30), p0=probabilities(),
                                      vectorised=("n",)),
    "discrete.fixation_probability": fuzz(p0=probabilities()),
    "discrete.kimura_absorption_time": fuzz(M=st.integers(1, 10**4), p=st.floats(0.01, 0.99)),
    "discrete.kimura_loss_time": fuzz(M=st.integers(1, 10**4), p=st.floats(0.01, 0.99)),
    "discrete.loss_probability": fuzz(n=N, M=st.integers(1, 40), p=st.floats(0.01, 0.99)),
    "discrete.mean_absorption_time": fuzz(M=st.integers(1, 60), p=st.floats(0.01, 0.99)),
    "discrete.mean_loss_time": fuzz(M=st.integers(1, 60), p=st.floats(0.01, 0.99)),
    "discrete.simulate": fuzz(n=N_SMALL, M=st.integers(1, 30), p0=probabilities(),
                              replicates=st.integers(1, 3), fresh=FRACTION, rng=SEED),
    "discrete.zipf_p0": fuzz(K=st.integers(1, 200), s=st.floats(0, 5)),
    "discrete.DiscreteChain": skip(SKIP_RESULT),
    "discrete.Diversity": skip(SKIP_RESULT),
    "discrete.Estimate": skip(SKIP_RESULT),
    # estimate
    "estimate.effective_sample_size": fuzz(freqs=frequency_table(), finite=False),
    "estimate.gaussian_collapse_rate": fuzz(variances=st.lists(POSITIVE, min_size=4, max_size=20,
                                                                   unique=True),
                                            fit=FIT, finite=False),
    "estimate.implied_sample_size": fuzz(drift=st.floats(-5, -1e-6), dim=st.integers(1, 6),
                                         fit=FIT),
    "estimate.tail_loss": fuzz(_tail_loss(), finite=False, cost=2),
    "estimate.CollapseRate": skip(SKIP_RESULT),
    "estimate.EffectiveSize": skip(SKIP_RESULT),
    "estimate.TailLoss": skip(SKIP_RESULT),
    # estimate (diversity)
    "estimate.distinct_n": fuzz(tokens=st.lists(st.sampled_from("abcde"), min_size=4,
                                                max_size=30) | st.lists(st.integers(0, 5),
                                                                        min_size=4, max_size=30),
                                n=st.integers(1, 4)),
    "estimate.expected_distinct": fuzz(p=probabilities(), T=st.integers(0, 10**9),
                                       vectorised=("T",)),
    "estimate.hill_numbers": fuzz(_hill(), finite=False),
    "estimate.missing_mass": fuzz(counts=COUNTS, confidence=st.floats(0.5, 0.999)),
    "estimate.vendi_score": fuzz(K=_similarity()),
    "estimate.HillNumbers": skip(SKIP_RESULT),
    "estimate.MissingMass": skip(SKIP_RESULT),
    # ngram: a loop costs ~0.05 s, a corpus load ~1 s, a figure ~0.5 s
    "ngram.add_k_heterozygosity": fuzz(n=N, M=st.integers(1, 10**4), p0=probabilities(),
                                       k=POSITIVE),
    "ngram.as_dict": fuzz(_ngram_run(), cost=5),
    "ngram.branching_loss_probability": fuzz(n=N, mean_count=st.floats(0, 1e3),
                                             vectorised=("n", "mean_count")),
    "ngram.corpus_from_text": fuzz(train=WORDS, heldout=WORDS,
                                   level=st.sampled_from(["word", "char"])),
    "ngram.figure": fuzz(_ngram_run(), cost=25),
    "ngram.load_corpus": fuzz(level=st.sampled_from(["word", "char"]), cost=100),
    "ngram.neutral_theory": fuzz(_neutral(), cost=2),
    "ngram.simulate": fuzz(st.fixed_dictionaries({
        "corpus": st.just(_NGRAM_TEXT).map(lambda t: PUBLIC["ngram.corpus_from_text"](*t)),
        "order": st.integers(1, 3), "generations": st.integers(1, 3),
        "smoothing": st.sampled_from(["none", "add-k", "interpolated"]),
        "tokens": st.just(60), "documents": st.just(6), "fresh": FRACTION,
        "replicates": st.integers(2, 3), "rng": SEED, **DECODING}), cost=5,
        finite=False),  # perplexity is inf where an unsmoothed model lost a held-out word
    "ngram.wordfreq_p0": fuzz(K=st.integers(2, 2000), cost=25),
    "ngram.write_report": fuzz(_ngram_run(directory=st.builds(tempfile.mkdtemp,
                                                              dir=st.just(_TMP.name)),
                                          figures=st.just(False),
                                          command=st.none() | st.text(max_size=20)),
                               cost=10),
    "ngram.Corpus": skip("a corpus record, made by corpus_from_text and load_corpus"),
    "ngram.NeutralTheory": skip(SKIP_RESULT),
    "ngram.NgramLoop": skip(SKIP_RESULT),
    # tails
    "tails.first_fit_loss_probability": fuzz(M=st.integers(1, 10**6), p0=probabilities(),
                                             **DECODING),
    "tails.first_fit_support": fuzz(M=st.integers(1, 10**6), p0=probabilities(), **DECODING),
    "tails.heat_death_limit": fuzz(p0=probabilities(), **DECODING),
    "tails.infinite_sample_map": fuzz(n=N, p0=probabilities(), vectorised=("n",), **DECODING),
    "tails.mad_growth_rate": fuzz(_mad()),
    "tails.mad_moments": fuzz(_mad(n=N, sigma=POSITIVE)),
    "tails.mad_stationary": fuzz(_mad(stable=True, sigma=POSITIVE)),
    "tails.memorizer_error": fuzz(_two_laws(), vectorised=("T",)),
    "tails.sampling_transform": fuzz(p=probabilities(), **DECODING),
    "tails.simulate_mad": fuzz(_mad(n=N_SMALL, sigma=POSITIVE, mu=st.floats(-5, 5),
                                    replicates=st.integers(1, 3), rng=SEED)),
    "tails.synthetic_memorizer_error": fuzz(T=st.integers(0, 10**6), T0=st.integers(1, 2000),
                                            p=probabilities(), vectorised=("T",), cost=2),
    "tails.tail_cut": fuzz(p=probabilities(), k=st.integers(1, 15), clean=FRACTION),
    "tails.top_n_error": fuzz(n=st.integers(0, 20), p=probabilities(), vectorised=("n",)),
    "tails.two_type_loss_probability": fuzz(n=N, M=st.integers(1, 200), p=FRACTION,
                                            vectorised=("n", "p"), cost=2, **DECODING),
    "tails.zipf_crossover": fuzz(_zipf("cutoff", st.integers(1, 40))),
    "tails.zipf_distinct_asymptote": fuzz(T=st.floats(0, 1e12), beta=BETA, vectorised=("T",)),
    "tails.zipf_memorizer_asymptote": fuzz(_zipf(cutoff=True), vectorised=("T",)),
    "tails.zipf_top_n_asymptote": fuzz(_zipf("n", st.floats(0, 40)), vectorised=("n",)),
    "tails.MadMoments": skip(SKIP_RESULT),
    "tails.RealCorpusMoments": skip(SKIP_RESULT),
    "tails.accumulate_loss_probability": fuzz(n=N, M=st.integers(1, 10**4), p=FRACTION,
                                              fresh=FRACTION),
    "tails.real_corpus_moments": fuzz(n=N, n_real=st.integers(1, 1000),
                                      n_synth=st.integers(0, 1000), p0=probabilities()),
    "tails.real_corpus_stationary": fuzz(n_real=st.integers(1, 1000),
                                         n_synth=st.integers(0, 1000), p0=probabilities()),
    "tails.simulate_real_corpus": fuzz(n=N_SMALL, n_real=st.integers(1, 50),
                                       n_synth=st.integers(0, 50), p0=probabilities(),
                                       replicates=st.integers(1, 5), rng=st.integers(0, 100)),
    # multivariate
    "multivariate.expected_cov": fuzz(_mv(), vectorised=("n",)),
    "multivariate.expected_det": fuzz(_mv(min_extra=2), vectorised=("n",), finite=False),
    "multivariate.expected_w2_squared_first_order": fuzz(_mv(fit=False), vectorised=("n",)),
    "multivariate.log_det_drift": fuzz(st.integers(1, 4).flatmap(
        lambda d: st.fixed_dictionaries({"d": st.just(d), "M": st.integers(d + 1, 10**5),
                                         "fit": FIT}))),
    "multivariate.log_det_mean": fuzz(_mv(), vectorised=("n",)),
    "multivariate.log_det_variance": fuzz(st.integers(1, 4).flatmap(
        lambda d: st.fixed_dictionaries({"d": st.just(d), "n": N,
                                         "M": st.integers(d + 1, 100)}))),
    "multivariate.mean_squared_error": fuzz(_mv(), vectorised=("n",)),
    "multivariate.simulate": fuzz(_mv(mean=True, n=N_SMALL, replicates=st.integers(1, 3),
                                      rng=SEED, fresh=FRACTION,
                                      policy=st.sampled_from(["replace", "accumulate"]))),
    "multivariate.w2_growth": fuzz(_mv(fit=False, n=st.lists(N_SMALL, min_size=1, max_size=3),
                                       replicates=st.integers(2, 4), rng=SEED), cost=2),
    "multivariate.w2_squared_lower_bound": fuzz(_mv(), vectorised=("n",)),
    "multivariate.w2_squared_upper_bound": fuzz(_mv(), vectorised=("n",)),
    "multivariate.MultivariateChain": skip(SKIP_RESULT),
    "multivariate.W2Growth": skip(SKIP_RESULT),
    # policies
    "policies.discrete_heterozygosity": fuzz(n=N, M=st.integers(1, 60), p0=probabilities(),
                                             fresh=FRACTION, vectorised=("n",)),
    "policies.discrete_stationary_heterozygosity": fuzz(_stationary(p0=probabilities())),
    "policies.gaussian_mean_squared_error": fuzz(vectorised=("n",), **POLICY),
    "policies.gaussian_sigma2_mean": fuzz(vectorised=("n",), **POLICY),
    "policies.gaussian_stationary_mean_squared_error": fuzz(_stationary(sigma=POSITIVE, fit=FIT)),
    "policies.gaussian_stationary_sigma2": fuzz(_stationary(sigma=POSITIVE, fit=FIT)),
    "policies.multivariate_expected_cov": fuzz(_mv(fresh=FRACTION), vectorised=("n",)),
    "policies.multivariate_mean_squared_error": fuzz(_mv(fresh=FRACTION), vectorised=("n",)),
    # regression
    "regression.expected_test_error": fuzz(_regression(), vectorised=("n",)),
    "regression.simulate": fuzz(_regression(replicates=st.integers(1, 3), rng=SEED)),
    "regression.RegressionChain": skip(SKIP_RESULT),
    # schedule
    "schedule.Constant": fuzz(M=st.integers(1, 10**9)),
    "schedule.Explicit": fuzz(values=st.lists(st.integers(1, 10**9), max_size=10),
                              names={"values": "M"}),
    "schedule.Geometric": fuzz(M0=st.integers(1, 10**6), r=st.floats(1, 10)),
    "schedule.Linear": fuzz(M0=st.integers(1, 10**9)),
    "schedule.Power": fuzz(M0=st.integers(1, 10**6), a=st.floats(0, 5)),
    "schedule.Schedule": skip("abstract base class of the schedules above"),
    "schedule.as_schedule": fuzz(M=SCHEDULE),
    # sweep
    "sweep.block_stream": fuzz(root=st.builds(np.random.SeedSequence, SEED),
                               point=st.integers(0, 10**6), block=st.integers(0, 10**6)),
    "sweep.product_grid": fuzz(scale=st.lists(POSITIVE, min_size=1, max_size=3),
                               M=st.lists(M, min_size=1, max_size=3)),
    "sweep.sweep": fuzz(func=st.just(_square),
                        grid=st.lists(st.fixed_dictionaries({"scale": POSITIVE}), min_size=1,
                                      max_size=3),
                        replicates=st.integers(1, 50), seed=SEED, block=st.integers(1, 20),
                        cost=2),
    "sweep.dask_executor": skip("starts a dask cluster; exercised in test_sweep.py"),
    "sweep.local_executor": skip("starts worker processes; exercised in test_sweep.py"),
    "sweep.DaskExecutor": skip("wraps a running dask client; made by dask_executor"),
    "sweep.SweepResult": skip(SKIP_RESULT),
    # variance_gamma
    "variance_gamma.normal_distance": fuzz(lam=st.floats(0.5, 1e3),
                                           metric=st.sampled_from(["ks", "tv"]), cost=3),
    "variance_gamma.variance_gamma": skip("a scipy.stats distribution instance: scipy's own "
                                          "distribution battery runs in test_variance_gamma.py"),
    "variance_gamma.variance_gamma_gen": skip("the distribution's class (scipy machinery)"),
    # wasserstein
    "wasserstein.empirical_w2_squared": fuzz(x=SAMPLE_1D, y=SAMPLE_1D),
    "wasserstein.gaussian_sample_w2_squared": fuzz(mean=st.floats(-5, 5), cov=POSITIVE,
                                                   y=SAMPLE_1D),
    "wasserstein.gaussian_w2_squared": fuzz(_mv(mean=True, fit=False, mean_name="mean1").map(
        lambda kw: {"mean1": kw["mean1"], "cov1": kw["cov"], "mean2": np.zeros(len(kw["mean1"])),
                    "cov2": np.eye(len(kw["mean1"]))}),
        names={"mean1": "cov1"}),
    # plot: each figure costs ~0.1 s
    "plot.data_policies": fuzz(n=st.integers(1, 3), M=st.integers(3, 6),
                               replicates=st.integers(20, 40), rng=SEED, cost=10),
    "plot.discrete_diversity": fuzz(n=st.integers(1, 6), M=st.integers(1, 20),
                                    K=st.integers(2, 10), replicates=st.integers(2, 5),
                                    rng=SEED, cost=5),
    "plot.generation_one_law": fuzz(M=st.integers(2, 10), replicates=st.integers(2, 50),
                                    rng=SEED, cost=5),
    "plot.quantile_plot": fuzz(sample=SAMPLE_1D, distribution=st.just(scipy.stats.norm()),
                               cost=5),
    "plot.sigma_collapse": fuzz(n=st.integers(1, 5), M=st.integers(2, 6),
                                replicates=st.integers(2, 20), rng=SEED, cost=5),
    "plot.variance_growth": fuzz(n=st.integers(1, 5), M=st.integers(2, 6),
                                 replicates=st.integers(2, 20), rng=SEED, cost=5),
    "plot.w2_schedules": fuzz(n=st.integers(1, 8), M0=st.integers(2, 6),
                              replicates=st.integers(2, 10), rng=SEED, cost=5),
    # distill
    "distill.effective_directions": fuzz(_spectrum(), vectorised=("t",)),
    "distill.expected_squared_error": fuzz(_spectrum(coefficients=True).flatmap(
        lambda kw: st.fixed_dictionaries({**{k: st.just(v) for k, v in kw.items()},
                                          "noise": st.floats(0, 3)})), vectorised=("t",)),
    "distill.rbf_gram": fuzz(x=SAMPLE_1D, bandwidth=POSITIVE),
    "distill.shrinkage": fuzz(_spectrum(), vectorised=("t",)),
    "distill.simulate": fuzz(_distill_simulation()),
    "distill.spectrum": fuzz(gram=st.integers(1, 5).flatmap(covariance)),
    "distill.squared_norm": fuzz(_spectrum(coefficients=True), vectorised=("t",)),
    "distill.DistillChain": skip(SKIP_RESULT),
    # kde
    "kde.bandwidth_factor": fuzz(rule=st.sampled_from(["scott", "silverman"]),
                                 N=st.integers(2, 10**9), vectorised=("N",)),
    "kde.expected_sample_variance": fuzz(_kde_closed(), vectorised=("n",)),
    "kde.expected_test_density": fuzz(n=st.integers(1, 300), bandwidth=POSITIVE, sigma=POSITIVE,
                                      policy=st.sampled_from(["replace", "accumulate"])),
    "kde.sample_variance": fuzz(_kde_closed(policy=True), vectorised=("n",)),
    "kde.simulate": fuzz(n=N_SMALL, M=st.integers(2, 12), bandwidth=KDE_BANDWIDTH,
                         mu=st.floats(-5, 5), sigma=POSITIVE,
                         policy=st.sampled_from(["replace", "accumulate"]),
                         replicates=st.integers(1, 3),
                         test_points=st.one_of(st.none(), SAMPLE_1D), rng=SEED),
    "kde.spread_growth_factor": fuzz(M=st.integers(2, 10**9),
                                     rule=st.sampled_from(["scott", "silverman"]),
                                     vectorised=("M",)),
    "kde.KDEChain": skip(SKIP_RESULT),
    # misspecified
    "misspecified.first_fit": fuzz(M=st.integers(2, 10**6), D0=_d0()),
    "misspecified.kurtosis_loss": fuzz(M=st.integers(2, 10**6), D0=_d0()),
    "misspecified.mean_squared_error": fuzz(n=N, M=M, D0=_d0(), vectorised=("n",)),
    "misspecified.normal_mixture": fuzz(_normal_mixture()),
    "misspecified.quantile_correlation": fuzz(D0=_d0(), cost=2),
    "misspecified.sample_variance": fuzz(n=N, M=M, D0=_d0(), vectorised=("n",)),
    "misspecified.sigma2_variance": fuzz(n=N, M=M, D0=_d0(), vectorised=("n",)),
    "misspecified.simulate": fuzz(n=N_SMALL, M=st.integers(2, 20), D0=_d0(),
                                  replicates=st.integers(1, 3),
                                  method=st.sampled_from(["sufficient", "samples"]), fit=FIT,
                                  rng=SEED),
    "misspecified.tail_loss": fuzz(M=st.integers(2, 10**6), D0=_d0(),
                                   level=st.floats(0.01, 0.999)),
    "misspecified.w2_floor": fuzz(D0=_d0(), cost=2),
    "misspecified.w2_squared": fuzz(D0=_d0(), mean=st.floats(-10, 10), var=POSITIVE,
                                    vectorised=("mean",), cost=2),
    "misspecified.FirstFit": skip(SKIP_RESULT),
    "misspecified.KurtosisLoss": skip(SKIP_RESULT),
    "misspecified.MisspecifiedChain": skip(SKIP_RESULT),
    "misspecified.TailLoss": skip(SKIP_RESULT),
    # mixture
    "mixture.expected_total_variance": fuzz(n=N, N=st.integers(2, 10**6),
                                            total_variance0=POSITIVE, reg_covar=st.floats(0, 1),
                                            dim=st.integers(1, 5), vectorised=("n",)),
    "mixture.fit_em": fuzz(_fit_em()),
    "mixture.l2_distance": fuzz(_gmm_pair()),
    "mixture.sample": fuzz(_gmm().flatmap(lambda kw: st.fixed_dictionaries(
        {**{k: st.just(v) for k, v in kw.items()}, "N": st.integers(1, 20),
         "replicates": st.integers(1, 3), "rng": SEED}))),
    "mixture.simulate": fuzz(_mixture_simulation(), cost=2),
    "mixture.w2_upper_bound": fuzz(_gmm_pair(), cost=2),
    "mixture.EMFit": skip(SKIP_RESULT),
    "mixture.MixtureChain": skip(SKIP_RESULT),
    "mixture.Proportion": skip(SKIP_RESULT),
    # plot (the figures of distill, kde, misspecified, mixture and tails), at tiny sizes
    "plot.functional_approximation": fuzz(n=st.integers(1, 4), M=st.integers(2, 6),
                                          bandwidth=POSITIVE, sigma=POSITIVE,
                                          tail_M=st.integers(2, 20),
                                          replicates=st.integers(2, 10), rng=SEED, cost=10),
    "plot.mad_phase_diagram": fuzz(n_real=st.integers(1, 5), max_ratio=st.floats(0.5, 5),
                                   temperatures=st.tuples(st.floats(0.3, 0.9), st.floats(1.1, 2)),
                                   resolution=st.integers(2, 5), n=st.integers(1, 5),
                                   replicates=st.integers(2, 10), rng=SEED, cost=10),
    "plot.mixture_trajectory": fuzz(_gmm(d=0).flatmap(lambda kw: st.fixed_dictionaries(
        {**{k: st.just(v) for k, v in kw.items()}, "n": st.integers(1, 3),
         "N": st.integers(max(2, len(kw["weights"])), 20), "replicates": st.integers(2, 5),
         "rng": SEED})), cost=10),
    "plot.self_distillation": fuzz(t=st.integers(1, 5), n_points=st.integers(2, 8),
                                   bandwidth=POSITIVE, ridge=POSITIVE, noise=st.floats(0, 2),
                                   replicates=st.integers(2, 10), rng=SEED, cost=10),
    "plot.tails_sampling": fuzz(n=st.integers(1, 4), M=st.integers(2, 20), K=st.integers(2, 10),
                                s=st.floats(0, 3), replicates=st.integers(2, 10), rng=SEED,
                                cost=10),
    "plot.zipf_scaling": fuzz(st.integers(2, 1000).flatmap(lambda K: st.fixed_dictionaries(
        {"beta": st.floats(1.1, 3), "K": st.just(K), "cutoff": st.integers(1, K),
         "clean": st.floats(0, 1), "replicates": st.integers(2, 10), "rng": SEED})), cost=10),
    # derivation: the framework derivation scripts are written in
    "derivation.align_limits": fuzz(expr=_expr()),
    "derivation.evaluate": fuzz(st.integers(1, 5).map(
        lambda k: {"expr": _sum_expr()[0], "values": _sum_values(k)})),
    "derivation.find_checkout": skip("searches the file system for a checkout"),
    "derivation.gamma_shift": fuzz(expr=_expr()),
    "derivation.load_build": skip("imports a derivation script from a path"),
    "derivation.render_all": skip("writes the derivation pages; exercised by test_derivation"),
    "derivation.script_main": skip("a derivation script's command line; test_derivation"),
    "derivation.split_products": fuzz(expr=_expr()),
    "derivation.termwise": skip("combines simplifier callables into one; test_derivation"),
    "derivation.Assumption": skip("a record of a derivation; test_derivation"),
    "derivation.Derivation": skip("the derivation builder; test_derivation"),
    "derivation.DerivationError": skip("an exception class"),
    "derivation.Step": skip("a record of a derivation; test_derivation"),
    # verify: Monte Carlo runs take seconds; their argument checks are in test_verify.py
    "verify.binomial_power": fuzz(replicates=st.integers(1, 10**5), p=FRACTION, q=FRACTION,
                                  level=st.floats(1e-6, 0.5)),
    "verify.calibrate": skip("runs every claim many times (seconds to minutes)"),
    "verify.claim_floor": fuzz(claim=st.sampled_from(
        importlib.import_module("modelcollapse.verify").registry()), level=st.floats(1e-6, 0.5)),
    "verify.corrected_p_value": fuzz(t=st.floats(-50, 50), replicates=st.integers(2, 10**6),
                                     skewness=st.floats(-20, 20), kurtosis=st.floats(-2, 1000)),
    "verify.holm": fuzz(p_values=st.lists(FRACTION, min_size=1, max_size=20),
                        alpha=st.floats(1e-6, 0.5)),
    "verify.replicate_floor": fuzz(skewness=st.floats(-20, 20), kurtosis=st.floats(-2, 1000),
                                   level=st.floats(1e-6, 0.5)),
    "verify.calibration": skip("runs every claim many times (seconds to minutes)"),
    "verify.check_claim": skip("runs one claim's Monte Carlo (about a second)"),
    "verify.mean_test": fuzz(observations=st.lists(st.floats(-10, 10), min_size=2, max_size=30),
                             expected=st.floats(-10, 10), finite=False),
    "verify.registered": fuzz(name=st.sampled_from(
        [c.name for c in importlib.import_module("modelcollapse.verify").registry()])),
    "verify.registry": fuzz(),
    "verify.run": skip("runs the registered claims (seconds)"),
    "verify.Calibration": skip(SKIP_RESULT),
    "verify.Claim": skip("a claim's definition; test_verify"),
    "verify.ClaimResult": skip(SKIP_RESULT),
    "verify.Report": skip(SKIP_RESULT),
    # cli
    "cli.main": skip("argv parsing; test_cli.py and test_estimate_cli.py drive it"),
}


def _sum_expr():
    import sympy as sp

    i, n = sp.symbols("i n", integer=True, nonnegative=True)
    M = sp.IndexedBase("M")
    return sp.Sum(1 / M[i], (i, 0, n - 1)), n, M


def _sum_values(k):
    _, n, M = _sum_expr()
    return {n: k, M: list(range(2, k + 2))}


# ------------------------------------------------------------------ the walk


def _public():
    found = {}
    for module_name in MODULES:
        module = importlib.import_module(f"modelcollapse.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, types.ModuleType):
                found[f"{module_name}.{name}"] = obj
    return found


PUBLIC = _public()


def _attackable(func):
    params = inspect.signature(func).parameters.values()
    return [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _called(kind):
    """Entries called by test ``kind``; known failures are marked and not run (hypothesis
    would spend its shrinking budget on them)."""
    return [
        pytest.param(key, marks=pytest.mark.xfail(reason=entry.xfail, run=False))
        if entry.xfail and kind in entry.xfail_in else key
        for key, entry in sorted(TABLE.items())
        if not entry.skip and (kind == "valid" or _attackable(PUBLIC[key]))
    ]


def test_every_public_callable_has_an_entry():
    missing = sorted(set(PUBLIC) - set(TABLE))
    assert not missing, (
        "public callables without an entry in tests/test_fuzz.py TABLE (add a one-line "
        f"fuzz(...) or skip(...) entry, see the module docstring): {missing}"
    )
    assert not sorted(set(TABLE) - set(PUBLIC)), "TABLE names callables that are not public"


def _numbers(result, seen=None):
    """Every float array reachable from ``result`` (dataclass fields, sequences, mappings)."""
    seen = set() if seen is None else seen
    if id(result) in seen:
        return
    seen.add(id(result))
    if isinstance(result, bool | str | bytes | type(None)):
        return
    if isinstance(result, int | float | np.number | np.ndarray):
        arr = np.asarray(result)
        if arr.dtype.kind in "iuf":
            yield arr.astype(np.float64)
    elif dataclasses.is_dataclass(result):
        for field in dataclasses.fields(result):
            yield from _numbers(getattr(result, field.name), seen)
    elif isinstance(result, Mapping):
        for value in result.values():
            yield from _numbers(value, seen)
    elif isinstance(result, list | tuple):
        for value in result:
            yield from _numbers(value, seen)


def _check_result(key, result, finite):
    for arr in _numbers(result):
        assert not np.any(np.isnan(arr)), f"{key} returned NaN: {result!r}"
        if finite:
            assert np.all(np.isfinite(arr)), f"{key} returned a non-finite value: {result!r}"


def _call(func, kwargs):
    """Call with every warning an error (pytest's filterwarnings=error, made explicit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = func(**kwargs)
    _close_figure(out)
    return out


def _close_figure(out):
    if type(out).__name__ == "Figure":
        out.clear()


def _examples(entry, share):
    return max(1, settings().max_examples // share // entry.cost)


@pytest.mark.parametrize("key", _called("valid"))
def test_valid_arguments_give_a_clean_result(key):
    entry = TABLE[key]

    @settings(max_examples=_examples(entry, 10),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(kwargs=entry.valid)
    def run(kwargs):
        result = _call(PUBLIC[key], kwargs)
        _check_result(key, result, entry.finite)
        for name in entry.vectorised:
            values = np.atleast_1d(kwargs[name])
            together = np.asarray(_call(PUBLIC[key], {**kwargs, name: values}))
            assert together.shape[:1] == values.shape, (key, name, together.shape)
            for value, row in zip(values, together, strict=True):
                alone = _call(PUBLIC[key], {**kwargs, name: value})
                np.testing.assert_allclose(row, alone, rtol=1e-12, atol=0, err_msg=key)

    run()


class _Odd:
    """An object of no type the package knows."""

    def __repr__(self):
        return "_Odd()"


BAD_VALUES = (
    math.nan, math.inf, -math.inf, 0, 0.0, -1, -2.5, 1e308, -1e308, 1e-308, 2.5, 3.0,
    "1", "x", True, False, None, [], [[1, 2], [3]], [1.0] * 7, [0.5] * 3, np.array([]),
    np.zeros((2, 3)), np.array(4), {}, _Odd(), complex(1, 1),
)


@pytest.mark.parametrize("key", _called("adversarial"))
def test_adversarial_arguments_give_a_result_or_a_named_error(key):
    entry = TABLE[key]
    func = PUBLIC[key]

    @settings(max_examples=_examples(entry, 4),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(kwargs=entry.valid, name=st.sampled_from(_attackable(func)),
           bad=st.sampled_from(BAD_VALUES))
    def run(kwargs, name, bad):
        try:
            result = _call(func, {**kwargs, name: bad})
        except (ValueError, TypeError) as err:
            shown = (name, entry.names[name]) if name in entry.names else (name,)
            assert any(re.search(rf"\b{re.escape(s)}\b", str(err)) for s in shown), (
                f"{key}({name}={bad!r}) raised {type(err).__name__} not naming {shown}: {err}"
            )
            return
        _check_result(key, result, finite=False)

    run()


def test_the_suite_attacks_a_keyword_added_later():
    """The adversarial parameters come from the signature, not from the table."""

    def closed_form(n, *, new_keyword=1.0):
        return n

    assert _attackable(closed_form) == ["n", "new_keyword"]
    assert _attackable(partial(closed_form, 1)) == ["new_keyword"]
