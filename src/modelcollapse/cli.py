"""The ``modelcollapse`` command line (a thin layer over the Python API).

Exit codes: 0 every claim holds (every derivation checks), 1 some claim is
rejected (some derivation step fails), 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"modelcollapse: error: {message}\n")


def _parser():
    from . import __version__

    parser = _Parser(prog="modelcollapse", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"modelcollapse {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="hold Monte Carlo against every closed form")
    verify.add_argument("--list", action="store_true", help="list the claims and exit")
    verify.add_argument("--claim", nargs="+", metavar="NAME", help="check only these claims")
    verify.add_argument("--alpha", type=float, default=0.01,
                        help="family-wise false-alarm rate, Holm-corrected (default 0.01)")
    verify.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    verify.add_argument("--replicates", type=int, help="override every claim's replicate count")
    verify.add_argument("--quick", action="store_true", help="a tenth of the replicates")
    verify.add_argument("--workers", type=int, metavar="N",
                        help="run on N local workers (a dask LocalCluster if dask is installed, "
                             "else a process pool); same numbers as serial")
    verify.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a dask.distributed cluster, e.g. tcp://host:8786")
    verify.add_argument("--report", metavar="DIR", help="write report.md and PNG figures to DIR")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.add_argument("--calibrate", type=int, metavar="K",
                        help="rerun the family under K independent seeds and report the "
                             "observed false-alarm rate with a Wilson interval")
    derive = sub.add_parser("derive", help="check every sympy derivation and render it to Markdown")
    derive.add_argument("--out", metavar="DIR",
                        help="output directory (default: docs/derivations of the checkout)")
    estimate = sub.add_parser("estimate", help="estimate the collapse of your own loop from a CSV")
    estimate.add_argument("file", metavar="FILE",
                          help="CSV, one row per generation: category frequencies, or one "
                               "variance column (an optional header row; a 'generation' "
                               "column is skipped)")
    estimate.add_argument("--kind", choices=("frequencies", "variances"), default="frequencies",
                          help="what the rows hold (default frequencies)")
    estimate.add_argument("--sample-size", type=int, metavar="S",
                          help="each row was measured on S fresh draws of its generation")
    estimate.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _executor(args):
    """The executor the flags ask for (a context manager), or a null context."""
    from . import sweep

    if args.scheduler and args.workers:
        raise ValueError("give --scheduler or --workers, not both")
    if args.scheduler:
        return sweep.dask_executor(args.scheduler)
    if args.workers:
        if args.workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got workers={args.workers}")
        try:
            return sweep.dask_executor(workers=args.workers)
        except ImportError:
            return sweep.local_executor(args.workers)
    return contextlib.nullcontext()


def _verify(args):
    from . import verify

    if args.list:
        for claim in verify.registry():
            print(f"{claim.name:<40} {claim.statement}  [{claim.reference}]")
        return 0
    settings = {"alpha": args.alpha, "seed": args.seed, "replicates": args.replicates,
                "quick": args.quick, "progress": True}
    try:
        claims = verify.registry() if args.claim is None else [
            verify.registered(name) for name in args.claim
        ]
        if args.calibrate is not None:
            with _executor(args) as executor:
                result = verify.calibration(claims, args.calibrate, executor=executor,
                                            **settings)
            print(json.dumps(result.__dict__ | {"rate": result.rate}) if args.json
                  else result.summary())
            return 0 if result.contains_alpha else 1
        with _executor(args) as executor:
            report = verify.run(claims, executor=executor, **settings)
    except (ValueError, TypeError) as err:
        print(f"modelcollapse verify: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    if args.report:
        from .verify.report import write_report

        files = write_report(report, args.report, claims=claims)
        print(f"report: {files[0]} and {len(files) - 1} figures", file=sys.stderr)
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


def _read_table(path):
    """Rows of floats from a CSV, skipping a header row and a 'generation' column."""
    import csv

    with open(path, newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"{path}: no rows")
    header = None
    try:
        float(rows[0][0])
    except ValueError:
        header, rows = [cell.strip().lower() for cell in rows[0]], rows[1:]
    try:
        table = [[float(cell) for cell in row] for row in rows]
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    if header and header[0] == "generation":
        table = [row[1:] for row in table]
    return table


def _finite_or_none(value):
    import math

    if isinstance(value, tuple):
        return [_finite_or_none(v) for v in value]
    return value if not isinstance(value, float) or math.isfinite(value) else None


def _estimate(args):
    import numpy as np

    from . import estimate

    try:
        table = np.asarray(_read_table(args.file), dtype=np.float64)
        if args.kind == "frequencies":
            result = estimate.effective_sample_size(table, sample_sizes=args.sample_size)
            line = (f"effective sample size M = {result.estimate:.4g}, "
                    f"{result.confidence:.0%} CI [{result.ci[0]:.4g}, {result.ci[1]:.4g}]\n"
                    f"drift rate 1/M = {result.rate:.4g} +- {result.rate_std_error:.2g} "
                    f"({result.method}; {result.generations} generations, "
                    f"{result.categories} categories)")
        else:
            if table.ndim != 2 or table.shape[1] != 1:
                raise ValueError(f"{args.file}: --kind variances needs one column, "
                                 f"got {table.shape[-1]}")
            result = estimate.gaussian_collapse_rate(table[:, 0], sample_sizes=args.sample_size)
            line = (f"drift of log variance per generation = {result.estimate:.4g} "
                    f"+- {result.std_error:.2g}, {result.confidence:.0%} CI "
                    f"[{result.ci[0]:.4g}, {result.ci[1]:.4g}], p(no collapse) = "
                    f"{result.p_value:.3g}\n"
                    f"implied effective M = {result.effective_M:.4g}, CI "
                    f"[{result.effective_M_ci[0]:.4g}, {result.effective_M_ci[1]:.4g}] "
                    f"({result.method}; {result.generations} generations)")
    except (OSError, ValueError, TypeError) as err:
        print(f"modelcollapse estimate: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        record = {name: _finite_or_none(getattr(result, name))
                  for name in result.__dataclass_fields__}
        print(json.dumps({"kind": args.kind, **record}, indent=2))
    else:
        print(line)
    return 0


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return _verify(args)
    if args.command == "derive":
        return _derive(args)
    if args.command == "estimate":
        return _estimate(args)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse enforces the choices
