"""Start-up cost of the command line, as ratios against a bare interpreter in one run.

    python benchmarks/bench_cli.py [--repeat K]

Each command runs in a fresh subprocess (``sys.executable``); the table gives
the best wall time of ``K`` runs and its ratio to ``python -c pass``:

* ``modelcollapse --help`` and ``--version`` (the package's ``__init__``
  imports its submodules lazily, and the command line imports the heavy
  modules only inside the subcommand that needs them);
* ``import modelcollapse`` and, for scale, the eager import of every
  submodule (numpy, scipy, sympy, statsmodels, POT) that a lazy package
  defers until first use.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from _timing import best_times

SRC = str(Path(__file__).resolve().parents[1] / "src")
EAGER = ("import modelcollapse as m; [getattr(m, name) for name in m.__all__]")
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "modelcollapse --help": ["-m", "modelcollapse", "--help"],
    "modelcollapse --version": ["-m", "modelcollapse", "--version"],
    "import modelcollapse": ["-c", "import modelcollapse"],
    "import every submodule": ["-c", EAGER],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (default 7)")
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (SRC, os.environ.get("PYTHONPATH")) if p))

    def runner(tail):
        return lambda _: subprocess.run([sys.executable, *tail], env=env, check=True,
                                        stdout=subprocess.DEVNULL)

    times = best_times([runner(tail) for tail in COMMANDS.values()], args.repeat)
    print(f"{'command':<26} {'best (s)':>9} {'/ python -c pass':>17}")
    for name, seconds in zip(COMMANDS, times, strict=True):
        print(f"{name:<26} {seconds:>9.3f} {seconds / times[0]:>17.1f}")


if __name__ == "__main__":
    main()
