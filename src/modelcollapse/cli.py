"""The ``modelcollapse`` command line (a thin layer over the Python API).

Exit codes: 0 no claim is rejected (each holds, or is inconclusive for want
of power; every derivation checks), 1 some claim is rejected (some derivation
step fails), 2 usage error (one line on stderr, before any work).
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
    verify.add_argument("--report", metavar="DIR",
                        help="write report.md and its figures into the folder DIR (needs "
                             f"matplotlib: {_PLOT_EXTRA})")
    verify.add_argument("--format", choices=("png", "svg", "pdf"), default="png",
                        help="image format of the --report figures (default png)")
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
    estimate.add_argument("--counts", action="store_true",
                          help="rows are whole counts per category (divided by their row sums)")
    estimate.add_argument("--json", action="store_true", help="print one JSON object")
    from ._ngram_options import add_parser as add_ngram

    add_ngram(sub)
    return parser


#: Seconds a --scheduler address has to answer as a dask scheduler before any work starts.
_SCHEDULER_TIMEOUT = 5.0
_PLOT_EXTRA = "python -m pip install 'modelcollapse[plot]'"
_DASK_EXTRA = "python -m pip install 'modelcollapse[dask]'"


class _UsageError(Exception):
    """A command line that cannot run; reported in one line, exit code 2."""


def _check_report_folder(folder):
    """Create ``--report`` DIR if needed and make sure a file can be written in it."""
    import tempfile
    from pathlib import Path

    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise _UsageError(f"--report needs a folder, but {folder!r} is an existing file")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as err:
        raise _UsageError(f"--report cannot write into {folder!r}: "
                         f"{err.strerror or err}") from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise _UsageError(f"--report draws figures with matplotlib, which is not installed: "
                         f"{_PLOT_EXTRA}") from None


async def _identity(address, timeout):
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout)
    try:
        await comm.write({"op": "identity"})
        return await comm.read()
    finally:
        comm.abort()


def _probe_scheduler(address):
    """Raise _UsageError unless a dask scheduler answers at ``address`` within the timeout.

    A refused TCP port fails at once (dask itself would retry for 30 s), and a
    peer that is not a dask scheduler fails on the identity handshake (dask
    itself may hang, or read a garbage frame length and fail to allocate it).
    """
    import asyncio
    import socket

    if not address.strip():
        raise _UsageError("--scheduler needs an address such as tcp://127.0.0.1:8786, got ''")
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise _UsageError(f"--scheduler needs dask.distributed, which is not installed: "
                         f"{_DASK_EXTRA}") from None
    try:
        scheme, location = parse_address(address)
        if scheme == "tcp":
            socket.create_connection(parse_host_port(location), _SCHEDULER_TIMEOUT).close()
    except (OSError, ValueError) as err:
        raise _UsageError(f"--scheduler {address!r}: cannot connect "
                         f"({getattr(err, 'strerror', None) or err})") from None
    try:
        reply = asyncio.run(asyncio.wait_for(_identity(address, _SCHEDULER_TIMEOUT),
                                             _SCHEDULER_TIMEOUT))
    except Exception as err:  # a non-dask peer can fail in any way, even MemoryError
        reply = f"{type(err).__name__}: {err}"
    if not (isinstance(reply, dict) and reply.get("type") == "Scheduler"):
        raise _UsageError(f"--scheduler {address!r}: the peer did not answer as a dask "
                         f"scheduler within {_SCHEDULER_TIMEOUT:g} s ({reply!s:.80})")


def _check_verify_usage(args):
    """Every check that needs no simulation, so that a bad command line fails before work."""
    if args.scheduler is not None and args.workers is not None:
        raise _UsageError("give --scheduler or --workers, not both")
    if args.workers is not None and args.workers < 1:
        raise _UsageError(f"--workers must be an integer >= 1, got {args.workers}")
    if args.report is not None and args.calibrate is None:
        _check_report_folder(args.report)
    if args.scheduler is not None:
        _probe_scheduler(args.scheduler)


def _executor(args):
    """The executor the flags ask for (a context manager), or a null context."""
    from . import sweep

    if args.scheduler is not None:
        return sweep.dask_executor(args.scheduler)
    if args.workers is not None:
        try:
            return sweep.dask_executor(workers=args.workers)
        except ImportError:
            return sweep.local_executor(args.workers)
    return contextlib.nullcontext()


def _verify(args, argv):
    import time

    from . import verify

    if args.list:
        for claim in verify.registry():
            print(f"{claim.name:<40} {claim.statement}  [{claim.reference}]")
        return 0
    started = time.perf_counter()
    settings = {"alpha": args.alpha, "seed": args.seed, "replicates": args.replicates,
                "quick": args.quick, "progress": True}
    try:
        claims = verify.registry() if args.claim is None else [
            verify.registered(name) for name in args.claim
        ]
        _check_verify_usage(args)
        if args.calibrate is not None:
            with _executor(args) as executor:
                result = verify.calibration(claims, args.calibrate, executor=executor,
                                            **settings)
            print(json.dumps(result.__dict__ | {"rate": result.rate}) if args.json
                  else result.summary())
            return 0 if result.contains_alpha else 1
        with _executor(args) as executor:
            report = verify.run(claims, executor=executor, **settings)
    except (_UsageError, ValueError, TypeError) as err:
        print(f"modelcollapse verify: error: {err}", file=sys.stderr)
        return 2
    from .verify.report import provenance

    record = provenance(report, argv=argv, wall_time=time.perf_counter() - started)
    print(json.dumps(report.as_dict() | {"provenance": record}, indent=2) if args.json
          else report.table())
    if args.report:
        from .verify.report import write_report

        files = write_report(report, args.report, claims=claims, record=record,
                             image_format=args.format)
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


def _finite_or_none(value):
    import math

    if isinstance(value, tuple):
        return [_finite_or_none(v) for v in value]
    return value if not isinstance(value, float) or math.isfinite(value) else None


def _estimate(args):
    from . import estimate
    from ._table import read_generations

    try:
        if args.counts and args.kind != "frequencies":
            raise ValueError("--counts applies to --kind frequencies only")
        table = read_generations(args.file, kind=args.kind, counts=args.counts)
        if args.kind == "frequencies":
            result = estimate.effective_sample_size(table, sample_sizes=args.sample_size)
            line = (f"effective sample size M = {result.estimate:.4g}, "
                    f"{result.confidence:.0%} CI [{result.ci[0]:.4g}, {result.ci[1]:.4g}]\n"
                    f"drift rate 1/M = {result.rate:.4g} +- {result.rate_std_error:.2g} "
                    f"({result.method}; {result.generations} generations, "
                    f"{result.categories} categories)")
        else:
            result = estimate.gaussian_collapse_rate(table[:, 0], sample_sizes=args.sample_size)
            line = (f"drift of log variance per generation = {result.estimate:.4g} "
                    f"+- {result.std_error:.2g}, {result.confidence:.0%} CI "
                    f"[{result.ci[0]:.4g}, {result.ci[1]:.4g}], p(no collapse) = "
                    f"{result.p_value:.3g}\n"
                    f"implied effective M = {result.effective_M:.4g}, CI "
                    f"[{result.effective_M_ci[0]:.4g}, {result.effective_M_ci[1]:.4g}] "
                    f"({result.method}; {result.generations} generations)")
    except (OSError, ValueError, TypeError) as err:
        where = "" if str(err).startswith(str(args.file)) or isinstance(err, OSError) else (
            f"{args.file}: ")
        message = " ".join(str(err).split())  # one line
        print(f"modelcollapse estimate: error: {where}{message}", file=sys.stderr)
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
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    if args.command == "ngram":
        from .ngram import _run

        return _run(args, argv)
    if args.command == "verify":
        return _verify(args, argv)
    if args.command == "derive":
        return _derive(args)
    if args.command == "estimate":
        return _estimate(args)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse enforces the choices
