"""The ``modelcollapse`` command line (a thin layer over the Python API).

Exit codes: 0 every claim holds (every derivation checks), 1 some claim is
rejected (some derivation step fails), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"modelcollapse: error: {message}\n")


def _parser():
    parser = _Parser(prog="modelcollapse", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="hold Monte Carlo against every closed form")
    verify.add_argument("--list", action="store_true", help="list the claims and exit")
    verify.add_argument("--claim", nargs="+", metavar="NAME", help="check only these claims")
    verify.add_argument("--alpha", type=float, default=0.01,
                        help="family-wise false-alarm rate, Holm-corrected (default 0.01)")
    verify.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    verify.add_argument("--replicates", type=int, help="override every claim's replicate count")
    verify.add_argument("--quick", action="store_true", help="a tenth of the replicates")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    derive = sub.add_parser("derive", help="check every sympy derivation and render it to Markdown")
    derive.add_argument("--out", metavar="DIR",
                        help="output directory (default: docs/derivations of the checkout)")
    return parser


def _verify(args):
    from . import verify

    if args.list:
        for claim in verify.registry():
            print(f"{claim.name:<38} {claim.statement}  [{claim.reference}]")
        return 0
    try:
        report = verify.run(args.claim, alpha=args.alpha, seed=args.seed,
                            replicates=args.replicates, quick=args.quick)
    except (ValueError, TypeError) as err:
        print(f"modelcollapse verify: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    return 1 if report.family_rejected else 0


def _derive(args):
    from .derivation import DerivationError, find_checkout, render_all

    try:
        root = find_checkout()
        written = render_all(root, args.out)
    except (FileNotFoundError, DerivationError) as err:
        print(f"modelcollapse derive: error: {err}", file=sys.stderr)
        return 2 if isinstance(err, FileNotFoundError) else 1
    for path, seconds in written:
        print(f"{path} ({seconds:.1f} s)")
    print(f"{len(written)} derivation(s) checked and rendered "
          f"in {sum(s for _, s in written):.1f} s")
    return 0


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return _verify(args)
    if args.command == "derive":
        return _derive(args)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse enforces the choices
