"""Progress of long loops on stderr: a tqdm bar on a terminal, one line per item in a log."""

from __future__ import annotations

import sys
import time

__all__ = ["progress"]


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
    stream = sys.stderr if stream is None else stream
    items = list(items)
    if stream.isatty():
        from tqdm import tqdm

        return tqdm(items, desc=desc, unit=unit, file=stream)
    return _lines(items, desc, unit, stream)


def _lines(items, desc, unit, stream):
    start = time.perf_counter()
    for k, item in enumerate(items, start=1):
        yield item
        name = getattr(item, "name", item)
        print(f"{desc}: {unit} {k}/{len(items)} {name} done "
              f"({time.perf_counter() - start:.1f} s elapsed)", file=stream, flush=True)
