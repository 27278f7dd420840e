"""The ``modelcollapse ngram`` options: importable without numpy, so ``--help`` stays fast."""

from __future__ import annotations

CORPORA = ("kjv",)
LEVELS = ("word", "char")
SMOOTHINGS = ("none", "add-k", "interpolated")


def add_parser(subparsers):
    """Add the ``ngram`` subcommand to ``subparsers``."""
    parser = subparsers.add_parser(
        "ngram", help="refit an n-gram model on its own text and hold it against the theory")
    parser.add_argument("--corpus", choices=CORPORA, default="kjv",
                        help="real corpus (the [corpus] extra; default kjv)")
    parser.add_argument("--level", choices=LEVELS, default="word", help="tokens (default word)")
    parser.add_argument("--order", type=int, default=2, help="n-gram order 1-3 (default 2)")
    parser.add_argument("--generations", type=int, default=20, help="default 20")
    parser.add_argument("--tokens", type=int, default=100_000,
                        help="M, tokens per generation (default 100000)")
    parser.add_argument("--smoothing", choices=SMOOTHINGS, default="interpolated",
                        help="default interpolated (absolute discounting)")
    parser.add_argument("--discount", type=float, default=0.75, help="default 0.75")
    parser.add_argument("--k", type=float, default=0.01, help="add-k pseudo-count (0.01)")
    parser.add_argument("--temperature", type=float, default=1.0, help="default 1")
    parser.add_argument("--top-k", type=int, help="keep the k likeliest continuations")
    parser.add_argument("--top-p", type=float, help="nucleus sampling mass")
    parser.add_argument("--fresh", type=float, default=0.0,
                        help="fraction of real text in each generation (default 0)")
    parser.add_argument("--replicates", type=int, default=4, help="loops (default 4)")
    parser.add_argument("--documents", type=int, default=100,
                        help="documents per generation (default 100)")
    parser.add_argument("--tail", type=int, default=10,
                        help="tail = words of training count <= TAIL (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--report", metavar="DIR", help="write report.md, ngram.json, ngram.png")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser
