"""Benchmark one generation of the n-gram loop against a plain per-token Python loop.

Reference, measured in the same run: the bigram model (interpolated absolute
discounting, the same law) as a dict from context to its continuations, one
``rng.choice`` per token (how such a loop is usually written). modelcollapse
samples token by token too, but vectorised across documents and loops.

Prints times and ratios (reference / modelcollapse); no assertions.

    PYTHONPATH=src python benchmarks/bench_ngram.py [--tokens 20000] [--documents 100]
"""

from __future__ import annotations

import argparse

import numpy as np

from _timing import best_of
from modelcollapse import ngram


def plain_model(train, V, discount=0.75):
    """Dense interpolated bigram laws per seen context, and the unigram law."""
    uni = np.bincount(train, minlength=V).astype(float)
    p1 = np.maximum(uni - discount, 0) / uni.sum() + discount * np.count_nonzero(uni) / (
        uni.sum() * V)
    laws = {}
    for ctx in np.unique(train[:-1]).tolist():
        nxt = np.bincount(train[1:][train[:-1] == ctx], minlength=V).astype(float)
        total = nxt.sum()
        laws[ctx] = (np.maximum(nxt - discount, 0) + discount * np.count_nonzero(nxt) * p1) / total
    return p1, laws


def plain_generate(p1, laws, documents, length, rng):
    out = np.empty((documents, length), dtype=np.int64)
    for d in range(documents):
        token = rng.choice(p1.size, p=p1)
        out[d, 0] = token
        for t in range(1, length):
            law = laws.get(int(token), p1)
            token = rng.choice(law.size, p=law)
            out[d, t] = token
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=100)
    args = parser.parse_args()
    corpus = ngram.load_corpus("kjv")
    # the plain reference builds a dense law per context: keep it to the 2000 commonest words
    train = corpus.train[corpus.train < 2000]
    small = ngram.corpus_from_text(" ".join(corpus.vocabulary[train].tolist()), "the")
    settings = ngram._Settings(2, "interpolated", 0.75, 0.01, small.V, 1.0, None, None)
    levels = ngram._fit_tiled(small.train, 1, settings)
    p1, laws = plain_model(small.train, small.V)
    length = args.tokens // args.documents
    rng = np.random.default_rng(0)
    fast = best_of(lambda: ngram._generate(levels, 1, args.documents, length, rng, settings))
    slow = best_of(lambda: plain_generate(p1, laws, args.documents, length, rng), repeat=1)
    print(f"bigram generation of {args.tokens} tokens ({args.documents} documents, "
          f"V = {small.V}): plain loop {slow:.3f} s, modelcollapse {fast:.3f} s, "
          f"ratio {slow / fast:.1f}")


if __name__ == "__main__":
    main()
