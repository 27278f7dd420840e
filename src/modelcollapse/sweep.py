r"""Reproducible parameter sweeps, serial or on any ``concurrent.futures`` executor.

:func:`sweep` runs a Monte Carlo function at every point of a parameter grid
and returns numbers that depend only on ``(func, grid, replicates, seed,
block)``: never on the chunk size, the number of workers or the executor
(serial, a process pool from :func:`local_executor`, or a dask.distributed
cluster from :func:`dask_executor`).

How: the replicates of grid point :math:`g` are cut into fixed blocks of
``block`` replicates, and block :math:`b` draws from its own stream

.. math::

    \text{stream}(g, b) = \texttt{SeedSequence(seed).spawn(G)[g].spawn(B)[b]},

a function of :math:`(seed, g, b)` alone. A chunk (one task sent to an
executor) is a run of whole blocks, and the per-block results are concatenated
in block order, so how blocks are grouped into tasks, and where each task
runs, cannot change a single bit. Streams are spawned, never ``seed + i``:
spawned streams are statistically independent, whereas nearby integer seeds
give no such guarantee (numpy ``doc/source/reference/random/parallel.rst``).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._validate import check_int, check_records

__all__ = [
    "BLOCK",
    "DaskExecutor",
    "SweepResult",
    "block_stream",
    "dask_executor",
    "local_executor",
    "product_grid",
    "sweep",
]

BLOCK = 2000
"""Default replicates per random stream; part of what determines the numbers."""


@dataclass(frozen=True)
class SweepResult:
    """The output of :func:`sweep`, with the settings that made it.

    Attributes
    ----------
    grid : tuple of dict
        The grid points, in order.
    values : tuple
        ``values[g]`` is ``func``'s output at ``grid[g]`` for all replicates:
        an array, a tuple of arrays or a dict of arrays (whatever ``func``
        returns), each of leading length ``replicates``. Read-only.
    replicates : int
        Replicates per grid point.
    block : int
        Replicates per random stream.
    entropy : int
        Entropy of the root :class:`numpy.random.SeedSequence` (provenance:
        ``SeedSequence(entropy, spawn_key=spawn_key)`` reproduces the run).
    spawn_key : tuple of int
        Spawn key of the root SeedSequence (empty for an int seed).
    """

    grid: tuple
    values: tuple
    replicates: int
    block: int
    entropy: int
    spawn_key: tuple

    def __len__(self):
        return len(self.grid)

    def items(self):
        """Pairs ``(params, value)`` in grid order."""
        return zip(self.grid, self.values, strict=True)


def product_grid(**axes):
    """The Cartesian product of parameter axes as a list of dicts (last axis fastest).

    Examples
    --------
    >>> product_grid(n=[10, 100], M=[5, 50])
    [{'n': 10, 'M': 5}, {'n': 10, 'M': 50}, {'n': 100, 'M': 5}, {'n': 100, 'M': 50}]
    """
    names = list(axes)
    return [dict(zip(names, point, strict=True))
            for point in itertools.product(*(list(axes[k]) for k in names))]


def _root_sequence(seed):
    """The root SeedSequence of a sweep (a Generator contributes a fresh spawned child)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        parent = seed.bit_generator.seed_seq
        if not isinstance(parent, np.random.SeedSequence):
            raise TypeError(
                f"seed must be a Generator backed by a numpy.random.SeedSequence, got seed={seed!r}"
            )
        return parent.spawn(1)[0]
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, int | np.integer):
        raise TypeError(
            "seed must be None, an int, a numpy.random.SeedSequence or a "
            f"numpy.random.Generator, got seed={seed!r}"
        )
    return np.random.SeedSequence(check_int("seed", seed, minimum=0))


def block_stream(root, point, block):
    """The Generator of block ``block`` of grid point ``point``.

    Equal to ``root.spawn(G)[point].spawn(B)[block]`` for any ``G > point``
    and ``B > block``, built from its spawn key so that ``root`` is not
    mutated and no other stream is created.

    Examples
    --------
    >>> import numpy as np
    >>> root = np.random.SeedSequence(7)
    >>> a = block_stream(root, 1, 2).integers(2**62)
    >>> b = np.random.default_rng(root.spawn(3)[1].spawn(4)[2]).integers(2**62)
    >>> bool(a == b)
    True
    """
    if not isinstance(root, np.random.SeedSequence):
        raise TypeError(f"root must be a numpy.random.SeedSequence, got root={root!r}")
    point = check_int("point", point, minimum=0)
    block = check_int("block", block, minimum=0)
    key = (*root.spawn_key, point, block)
    child = np.random.SeedSequence(root.entropy, spawn_key=key, pool_size=root.pool_size)
    return np.random.default_rng(child)


def _leaves(output, count, where):
    """Flatten ``func``'s output into ``(structure, arrays)``, checking its contract."""
    if isinstance(output, Mapping):
        structure, parts = tuple(output), list(output.values())
    elif isinstance(output, tuple):
        structure, parts = len(output), list(output)
    else:
        structure, parts = None, [output]
    arrays = []
    for part in parts:
        arr = np.asarray(part)
        if arr.dtype == object or arr.ndim == 0 or arr.shape[0] != count:
            raise ValueError(
                f"func must return arrays with leading axis of length replicates={count} "
                f"(or a tuple or dict of them), got shape {arr.shape} dtype {arr.dtype} {where}"
            )
        arrays.append(arr)
    return structure, arrays


def _signature(structure, arrays):
    return structure, tuple((a.dtype, a.shape[1:]) for a in arrays)


def _concatenate(pieces, where):
    """Concatenate ``(structure, arrays)`` pieces along axis 0; they must agree exactly."""
    first = _signature(*pieces[0])
    for piece in pieces[1:]:
        if _signature(*piece) != first:
            raise ValueError(
                "func must return the same structure, dtypes and trailing shapes for every "
                f"block, got {first} and {_signature(*piece)} {where}"
            )
    columns = zip(*(arrays for _, arrays in pieces), strict=True)
    return pieces[0][0], [np.concatenate(column) for column in columns]


def _run_chunk(func, params, root, point, first, counts):
    """Run blocks ``first, first + 1, ...`` (``counts[k]`` replicates each) of one point."""
    pieces = []
    for k, count in enumerate(counts):
        where = f"at grid point {point} ({params!r}), block {first + k}"
        out = func(params, count, block_stream(root, point, first + k))
        pieces.append(_leaves(out, count, where))
    return _concatenate(pieces, f"at grid point {point} ({params!r})")


def _assemble(structure, arrays):
    for arr in arrays:
        arr.flags.writeable = False
    if structure is None:
        return arrays[0]
    if isinstance(structure, int):
        return tuple(arrays)
    return dict(zip(structure, arrays, strict=True))


def _progress_bar(total, progress):
    """A tqdm bar on stderr if asked and stderr is a terminal, else None."""
    if not progress or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError as err:
        raise ImportError("progress=True needs tqdm: pip install tqdm") from err
    return tqdm(total=total, unit="replicate", file=sys.stderr, dynamic_ncols=True)


def sweep(func, grid, *, replicates, seed=0, chunk=None, executor=None, progress=False,
          block=BLOCK):
    r"""Run ``func`` for ``replicates`` replicates at every grid point, reproducibly.

    Parameters
    ----------
    func : callable ``(params, replicates, rng) -> array | tuple | dict``
        Simulates independent replicates at one grid point. Contract:

        - ``params`` is the grid point (a dict); do not mutate it.
        - ``replicates`` is an int with ``1 <= replicates <= block``.
        - ``rng`` is a fresh :class:`numpy.random.Generator` for this block
          only. All randomness must come from it (no global ``np.random``,
          no seeds of its own), so the output is a function of
          ``(params, replicates, rng)`` alone.
        - It returns an array whose leading axis has length ``replicates``
          (one row per replicate), or a tuple or dict of such arrays, with
          the same structure, dtypes and trailing shapes on every call.
        - With :func:`local_executor` (processes) it must be picklable: a
          module-level function or a :func:`functools.partial` of one, in a
          module the workers can import. dask pickles lambdas and closures
          too (cloudpickle); the serial default accepts any callable.
    grid : sequence of dict
        Grid points (at least one), each passed to ``func`` as ``params``;
        see :func:`product_grid`. Point ``g`` draws from streams keyed by its
        index ``g``: appending points leaves earlier points' numbers alone.
    replicates : int
        Replicates per grid point, ``>= 1``.
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None, optional
        Root of the streams (default 0). An int or SeedSequence gives the
        same numbers every time; a Generator contributes one spawned child
        (reproducible from the Generator's seed, different on each call);
        None draws fresh entropy, recorded in the result.
    chunk : int, optional
        Replicates per task sent to ``executor``, ``>= 1``, rounded up to
        whole blocks (default: one block per task). Never changes the numbers.
    executor : concurrent.futures.Executor, optional
        Where tasks run: None runs them in this process, in order;
        :func:`local_executor` gives a process pool, :func:`dask_executor` a
        dask.distributed cluster. Not shut down by :func:`sweep`.
    progress : bool, optional
        Show a tqdm progress bar on stderr (only if stderr is a terminal).
    block : int, optional
        Replicates per random stream, ``>= 1`` (default :data:`BLOCK`).
        Unlike ``chunk`` it is part of the result's identity: changing it
        changes the numbers. It also bounds the parallelism (at most
        ``ceil(replicates / block)`` tasks per point).

    Returns
    -------
    SweepResult
        ``values[g]``: ``func``'s outputs at ``grid[g]`` for blocks
        ``0, 1, ...`` concatenated along the leading axis, of length
        ``replicates``.

    Notes
    -----
    Block :math:`b` of point :math:`g` holds replicates
    :math:`[bK, \min((b+1)K, R))` (:math:`K` = ``block``, :math:`R` =
    ``replicates``) and draws from
    ``SeedSequence(seed).spawn(G)[g].spawn(B)[b]`` (see :func:`block_stream`).
    The result is therefore bitwise identical for any ``chunk``, worker count
    or executor, given the same numpy version and floating-point behaviour on
    every machine. Raising ``replicates`` by whole blocks keeps the earlier
    replicates: the first :math:`bK` replicates depend only on blocks
    :math:`< b`.

    Examples
    --------
    The final fitted variance of the Gaussian recursion (Shumailov et al.
    2023, section "Single-dimensional Gaussian"), 5000 chains at each of two
    sample sizes, in three blocks per point:

    >>> from modelcollapse import gaussian
    >>> def final_variance(params, replicates, rng):
    ...     chain = gaussian.simulate(params["n"], params["M"],
    ...                               replicates=replicates, rng=rng)
    ...     return chain.sigma2[:, -1]
    >>> result = sweep(final_variance, product_grid(n=[20], M=[10, 100]),
    ...                replicates=5000, seed=1)
    >>> [v.shape for v in result.values]
    [(5000,), (5000,)]

    One task per block, or one per point: the same bits.

    >>> chunked = sweep(final_variance, result.grid, replicates=5000, seed=1,
    ...                 chunk=1)
    >>> whole = sweep(final_variance, result.grid, replicates=5000, seed=1,
    ...               chunk=5000)
    >>> all((a == b).all() and (a == c).all()
    ...     for a, b, c in zip(result.values, chunked.values, whole.values))
    True
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got func={func!r}")
    points = tuple(dict(p) for p in check_records("grid", grid))
    replicates = check_int("replicates", replicates, minimum=1)
    block = check_int("block", block, minimum=1, why=" (replicates per random stream)")
    per_task = block if chunk is None else check_int("chunk", chunk, minimum=1)
    if executor is not None and not isinstance(executor, concurrent.futures.Executor):
        raise TypeError(
            f"executor must be None or a concurrent.futures.Executor, got executor={executor!r}"
        )
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got progress={progress!r}")
    root = _root_sequence(seed)

    counts = [min(block, replicates - start) for start in range(0, replicates, block)]
    blocks_per_task = -(-per_task // block)
    tasks = [(g, first, counts[first:first + blocks_per_task])
             for g in range(len(points))
             for first in range(0, len(counts), blocks_per_task)]
    bar = _progress_bar(replicates * len(points), progress)
    try:
        pieces = _run_tasks(func, points, root, tasks, executor, bar)
    finally:
        if bar is not None:
            bar.close()

    values = []
    for g, params in enumerate(points):
        mine = [pieces[t] for t, task in enumerate(tasks) if task[0] == g]
        values.append(_assemble(*_concatenate(mine, f"at grid point {g} ({params!r})")))
    return SweepResult(points, tuple(values), replicates, block, root.entropy,
                       tuple(root.spawn_key))


def _run_tasks(func, points, root, tasks, executor, bar):
    """Each task's ``(structure, arrays)``, in task order whatever the completion order."""
    if executor is None:
        pieces = []
        for g, first, counts in tasks:
            pieces.append(_run_chunk(func, points[g], root, g, first, counts))
            if bar is not None:
                bar.update(sum(counts))
        return pieces
    futures = {executor.submit(_run_chunk, func, points[g], root, g, first, counts): t
               for t, (g, first, counts) in enumerate(tasks)}
    pieces = [None] * len(tasks)
    try:
        for future in concurrent.futures.as_completed(futures):
            t = futures[future]
            pieces[t] = future.result()
            if bar is not None:
                bar.update(sum(tasks[t][2]))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return pieces


def local_executor(workers):
    """A process pool of ``workers`` processes for :func:`sweep` (use it as a context manager).

    Workers start by ``forkserver`` (``spawn`` where unavailable), never a
    bare ``fork`` of a possibly multi-threaded parent; scripts that use it
    need the usual ``if __name__ == "__main__":`` guard.

    Examples
    --------
    >>> from modelcollapse.gaussian import mean_squared_error
    >>> with local_executor(2) as pool:
    ...     float(pool.submit(mean_squared_error, 10, 5).result())
    2.0
    """
    workers = check_int("workers", workers, minimum=1)
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context(method)
    )


class DaskExecutor(concurrent.futures.Executor):
    """A dask.distributed ``Client.get_executor()`` that owns its client (and cluster).

    ``shutdown`` closes the client, and the :class:`LocalCluster` if this
    executor started one. Build it with :func:`dask_executor`.
    """

    def __init__(self, client, cluster=None):
        self.client = client
        self.cluster = cluster
        self._executor = client.get_executor()

    def submit(self, fn, /, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)`` on the cluster; return its Future."""
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Close the client, and the cluster if this executor started it."""
        self._executor.shutdown(wait=wait and not cancel_futures)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def dask_executor(scheduler=None, workers=None, *, processes=True):
    """An executor on a dask.distributed cluster for :func:`sweep` (use it as a context manager).

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``. If
        omitted, a :class:`dask.distributed.LocalCluster` is started.
    workers : int, optional
        Workers of the LocalCluster, ``>= 1`` (one thread each; default one
        per core). Only without ``scheduler``: a remote cluster has its own.
    processes : bool, optional
        LocalCluster workers are processes (default) or threads in this
        process (``False``: no network at all, the GIL is shared).

    Returns
    -------
    DaskExecutor
        A :class:`concurrent.futures.Executor`; ``shutdown()`` (or leaving
        the ``with`` block) closes the client and any cluster it started.

    Raises
    ------
    ImportError
        If dask.distributed is not installed (the ``[dask]`` extra).

    Examples
    --------
    Two worker threads in this process (``dask_executor(workers=4)`` starts
    four worker processes; ``dask_executor("tcp://10.0.0.5:8786")`` joins a
    running cluster):

    >>> def uniforms(params, replicates, rng):
    ...     return rng.random(replicates)
    >>> with dask_executor(workers=2, processes=False) as ex:
    ...     on_dask = sweep(uniforms, [{}], replicates=50, chunk=10, block=10, executor=ex)
    >>> serial = sweep(uniforms, [{}], replicates=50, block=10)
    >>> bool((on_dask.values[0] == serial.values[0]).all())
    True
    """
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(
            f"scheduler must be an address string such as 'tcp://host:8786', "
            f"got scheduler={scheduler!r}"
        )
    if workers is not None:
        workers = check_int("workers", workers, minimum=1)
        if scheduler is not None:
            raise ValueError(
                f"workers must be None when connecting to a scheduler (the cluster at "
                f"{scheduler!r} has its own workers), got workers={workers!r}"
            )
    if not isinstance(processes, bool):
        raise TypeError(f"processes must be True or False, got processes={processes!r}")
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise ImportError(
            "dask_executor needs dask.distributed, the [dask] extra: "
            "pip install 'modelcollapse[dask]'"
        ) from err
    if scheduler is not None:
        return DaskExecutor(Client(scheduler))
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                           dashboard_address="127.0.0.1:0")
    try:
        return DaskExecutor(Client(cluster), cluster)
    except BaseException:
        cluster.close()
        raise
