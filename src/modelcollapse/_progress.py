"""Progress of long loops on stderr: a tqdm bar on a terminal, one line per item in a log."""

from __future__ import annotations

import sys
import time

__all__ = ["progress", "steps"]


def progress(items, *, desc, unit, stream=None):
    """Iterate ``items`` and report progress on ``stream`` (default ``sys.stderr``).

    On a terminal a tqdm bar redraws in place; anywhere else (a log file, a
    CI job, a pipe) a bar's carriage returns are noise, so one line is written
    after each item, with its position, its name and the elapsed wall time.

    Parameters
    ----------
    items : sized iterable
        What the loop runs over (claims, seeds, ...).
    desc : str
        What the loop is, e.g. ``"verify"``.
    unit : str
        What one item is, e.g. ``"claim"``.
    stream : file-like, optional
        Where to write (default ``sys.stderr``, looked up at call time).

    Returns
    -------
    iterable
        The items, in order.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> list(progress(["a", "b"], desc="demo", unit="item", stream=log))
    ['a', 'b']
    >>> log.getvalue().splitlines()[1].split(" (")[0]
    'demo: item 2/2 b done'
    """
    items = list(items)
    step, close = steps(len(items), desc=desc, unit=unit, stream=stream)
    return _reported(items, step, close)


def _reported(items, step, close):
    try:
        for item in items:
            yield item
            step(getattr(item, "name", item))
    finally:
        close()


def steps(total, *, desc, unit, stream=None):
    """``(step, close)`` for a loop of ``total`` items that reports through callbacks.

    ``step(label="")`` is called after each item: on a terminal it advances a
    tqdm bar, elsewhere it writes one line ``"{desc}: {unit} k/total label done
    (t s elapsed)"``; ``close()`` ends the bar. :func:`progress` is this around
    an iterable; a loop inside a library function takes ``step`` as its callback.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> step, close = steps(2, desc="demo", unit="round", stream=log)
    >>> step(); step(); close()
    >>> log.getvalue().splitlines()[1].split(" (")[0]
    'demo: round 2/2 done'
    """
    stream = sys.stderr if stream is None else stream
    if stream.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, unit=unit, file=stream)
        return (lambda label="": bar.update(1)), bar.close
    start = time.perf_counter()
    done = 0

    def step(label=""):
        nonlocal done
        done += 1
        shown = f" {label}" if label != "" else ""
        print(f"{desc}: {unit} {done}/{total}{shown} done "
              f"({time.perf_counter() - start:.1f} s elapsed)", file=stream, flush=True)

    return step, (lambda: None)
