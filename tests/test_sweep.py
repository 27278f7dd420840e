"""modelcollapse.sweep: the numbers depend on (func, grid, replicates, seed, block) only.

Every check here is exact (bitwise equality), so none has a false-alarm rate.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from modelcollapse import gaussian
from modelcollapse.sweep import (
    BLOCK,
    block_stream,
    dask_executor,
    local_executor,
    product_grid,
    sweep,
)

GRID = product_grid(n=[3, 8], M=[4, 50])
REPLICATES = 53
SMALL_BLOCK = 10  # 6 blocks per point, the last one partial
CHUNKS = [1, 10, 25, 53, 10**6, None]


def final_fit(params, replicates, rng):
    """Final fitted mean and variance of the Gaussian recursion, plus a raw integer draw."""
    chain = gaussian.simulate(params["n"], params["M"], replicates=replicates, rng=rng)
    return {"mu": chain.mu[:, -1], "sigma2": chain.sigma2[:, -1],
            "raw": rng.integers(0, 2**62, size=(replicates, 2))}


def first_word(params, replicates, rng):
    """The first 64-bit word of each replicate's stream (order-sensitive fingerprint)."""
    return rng.integers(0, 2**63, size=replicates, dtype=np.int64)


def boom(params, replicates, rng):
    raise RuntimeError(f"func failed at {params!r}")


def assert_bitwise_equal(a, b):
    assert a.grid == b.grid and a.replicates == b.replicates and a.block == b.block
    for x, y in zip(a.values, b.values, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            assert x[key].dtype == y[key].dtype and x[key].shape == y[key].shape
            assert x[key].tobytes() == y[key].tobytes(), key


@pytest.fixture(scope="module")
def serial():
    return sweep(final_fit, GRID, replicates=REPLICATES, seed=2023, block=SMALL_BLOCK)


@pytest.fixture(scope="module")
def process_pool():
    with local_executor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def dask_local():
    pytest.importorskip("dask.distributed")
    with dask_executor(workers=2, processes=False) as ex:
        yield ex


def run(chunk, executor=None):
    return sweep(final_fit, GRID, replicates=REPLICATES, seed=2023, block=SMALL_BLOCK,
                 chunk=chunk, executor=executor)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_serial_result_does_not_depend_on_chunk(serial, chunk):
    assert_bitwise_equal(run(chunk), serial)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_process_pool_reproduces_serial_bitwise(serial, process_pool, chunk):
    assert_bitwise_equal(run(chunk, process_pool), serial)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_dask_local_cluster_reproduces_serial_bitwise(serial, dask_local, chunk):
    assert_bitwise_equal(run(chunk, dask_local), serial)


def test_dask_connects_to_a_running_scheduler_by_address(serial, dask_local):
    with dask_executor(dask_local.cluster.scheduler_address) as remote:
        assert remote.cluster is None
        assert_bitwise_equal(run(7, remote), serial)


def test_each_block_draws_the_spawned_child_for_its_point_and_block():
    replicates, block, seed = 25, 10, 11
    result = sweep(first_word, GRID, replicates=replicates, seed=seed, block=block)
    children = np.random.SeedSequence(seed).spawn(len(GRID))
    for g, values in enumerate(result.values):
        streams = children[g].spawn(3)
        expected = np.concatenate([np.random.default_rng(s).integers(0, 2**63, size=k,
                                                                     dtype=np.int64)
                                   for s, k in zip(streams, [10, 10, 5], strict=True)])
        assert values.tobytes() == expected.tobytes()
    assert len({int(v[0]) for v in result.values}) == len(GRID), "points share a stream"


def test_block_stream_does_not_mutate_the_root():
    root = np.random.SeedSequence(3)
    block_stream(root, 4, 9)
    assert root.n_children_spawned == 0


def test_appending_points_and_whole_blocks_keeps_earlier_numbers():
    base = sweep(first_word, GRID[:2], replicates=20, seed=5, block=10)
    more = sweep(first_word, GRID, replicates=30, seed=5, block=10)
    for old, new in zip(base.values, more.values[:2], strict=False):
        assert old.tobytes() == new[:20].tobytes()


def test_block_size_is_part_of_the_result_identity():
    a = sweep(first_word, GRID[:1], replicates=20, seed=5, block=10)
    b = sweep(first_word, GRID[:1], replicates=20, seed=5, block=20)
    assert a.values[0].tobytes() != b.values[0].tobytes()


def test_seed_sequence_is_used_as_is_and_not_mutated():
    seq = np.random.SeedSequence(99)
    a = sweep(first_word, GRID[:1], replicates=5, seed=seq)
    b = sweep(first_word, GRID[:1], replicates=5, seed=99)
    assert seq.n_children_spawned == 0
    assert a.values[0].tobytes() == b.values[0].tobytes()
    assert (a.entropy, a.spawn_key) == (99, ())


def test_generator_seed_gives_a_fresh_reproducible_child_each_call():
    gen = np.random.default_rng(1)
    first = sweep(first_word, GRID[:1], replicates=5, seed=gen)
    second = sweep(first_word, GRID[:1], replicates=5, seed=gen)
    again = sweep(first_word, GRID[:1], replicates=5, seed=np.random.default_rng(1))
    assert first.values[0].tobytes() != second.values[0].tobytes()
    assert first.values[0].tobytes() == again.values[0].tobytes()


def test_no_seed_records_entropy_that_reproduces_the_run():
    fresh = sweep(first_word, GRID[:1], replicates=5, seed=None)
    replay = sweep(first_word, GRID[:1], replicates=5,
                   seed=np.random.SeedSequence(fresh.entropy, spawn_key=fresh.spawn_key))
    assert fresh.values[0].tobytes() == replay.values[0].tobytes()


@pytest.mark.parametrize(
    ("output", "expected_type"),
    [(lambda r: np.zeros((r, 3)), np.ndarray),
     (lambda r: (np.zeros(r), np.ones(r, dtype=np.int32)), tuple)],
)
def test_output_structure_is_preserved_and_read_only(output, expected_type):
    result = sweep(lambda p, r, rng: output(r), [{}], replicates=2 * BLOCK + 1)
    value = result.values[0]
    assert isinstance(value, expected_type)
    arrays = value if isinstance(value, tuple) else (value,)
    assert all(a.shape[0] == 2 * BLOCK + 1 and not a.flags.writeable for a in arrays)
    assert list(result.items()) == [({}, value)] and len(result) == 1


def test_func_is_called_with_the_point_the_block_count_and_a_generator():
    calls = []

    def spy(params, replicates, rng):
        calls.append((params, replicates, type(rng)))
        return np.zeros(replicates)

    sweep(spy, [{"a": 1}], replicates=23, block=10)
    assert calls == [({"a": 1}, 10, np.random.Generator), ({"a": 1}, 10, np.random.Generator),
                     ({"a": 1}, 3, np.random.Generator)]


def test_errors_in_func_propagate_from_workers(process_pool):
    with pytest.raises(RuntimeError, match="func failed"):
        sweep(boom, GRID, replicates=5, executor=process_pool)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"func": 1}, TypeError, "func must be callable, got func=1"),
        ({"grid": {"n": 1}}, TypeError, "grid must be a non-empty list or tuple of dicts"),
        ({"grid": []}, ValueError, "grid must be a non-empty list or tuple of dicts, got grid="),
        ({"grid": [{}, 3]}, TypeError, r"got grid\[1\]=3"),
        ({"replicates": 0}, ValueError, "replicates must be an integer >= 1, got replicates=0"),
        ({"replicates": 2.0}, TypeError, "replicates must be an integer"),
        ({"chunk": 0}, ValueError, "chunk must be an integer >= 1, got chunk=0"),
        ({"block": 0}, ValueError, "block must be an integer >= 1 .*got block=0"),
        ({"executor": "pool"}, TypeError, "executor must be None or a concurrent.futures"),
        ({"progress": "yes"}, TypeError, "progress must be True or False"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0, got seed=-1"),
        ({"seed": "0"}, TypeError, "seed must be None, an int, .* got seed='0'"),
        ({"seed": True}, TypeError, "seed must be None, an int, .* got seed=True"),
        ({"seed": np.random.Generator(np.random.RandomState(1)._bit_generator)}, TypeError,
         "seed must be a Generator backed by a numpy.random.SeedSequence"),
    ],
)
def test_bad_arguments_are_named_with_their_value_and_rule(kwargs, error, match):
    arguments = {"func": first_word, "grid": GRID, "replicates": 5, **kwargs}
    with pytest.raises(error, match=match):
        sweep(arguments.pop("func"), arguments.pop("grid"), **arguments)


@pytest.mark.parametrize(
    ("func", "match"),
    [
        (lambda p, r, rng: np.zeros(r + 1),
         r"leading axis of length replicates=10 .*shape \(11,\)"),
        (lambda p, r, rng: 1.0, r"leading axis .*shape \(\)"),
        (lambda p, r, rng: {"x": [object()] * r}, "dtype object"),
        (lambda p, r, rng: np.zeros(r, dtype=np.float32 if r == 10 else np.float64),
         "same structure, dtypes and trailing shapes"),
        (lambda p, r, rng: np.zeros(r) if r == 10 else (np.zeros(r),),
         "same structure, dtypes and trailing shapes"),
    ],
)
def test_output_breaking_the_contract_is_rejected(func, match):
    with pytest.raises(ValueError, match=match):
        sweep(func, [{"n": 1}], replicates=25, block=10, chunk=20)


def test_progress_bar_only_on_a_terminal(monkeypatch, process_pool):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for executor in (None, process_pool):
        pipe, terminal = io.StringIO(), Terminal()
        monkeypatch.setattr(sys, "stderr", pipe)
        sweep(first_word, GRID, replicates=5, progress=True, executor=executor)
        monkeypatch.setattr(sys, "stderr", terminal)
        sweep(first_word, GRID, replicates=5, progress=False, executor=executor)
        assert terminal.getvalue() == "" and pipe.getvalue() == ""
        sweep(first_word, GRID, replicates=5, progress=True, executor=executor)
        assert "20/20" in terminal.getvalue()


def test_local_executor_rejects_bad_worker_counts():
    with pytest.raises(ValueError, match="workers must be an integer >= 1, got workers=0"):
        local_executor(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"scheduler": "tcp://127.0.0.1:8786", "workers": 2}, ValueError,
         "workers must be None when connecting to a scheduler"),
        ({"scheduler": 8786}, TypeError, "scheduler must be an address string"),
        ({"workers": 0}, ValueError, "workers must be an integer >= 1"),
        ({"processes": 1}, TypeError, "processes must be True or False"),
    ],
)
def test_dask_executor_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        dask_executor(**kwargs)


def test_dask_executor_names_the_extra_when_dask_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ImportError, match=r"modelcollapse\[dask\]"):
        dask_executor(workers=1)


@pytest.mark.slow
def test_dask_worker_processes_reproduce_serial_bitwise(serial):
    """Real worker processes (cloudpickle, tcp on loopback); seconds to start, hence slow."""
    pytest.importorskip("dask.distributed")
    with dask_executor(workers=2) as ex:
        assert_bitwise_equal(run(10, ex), serial)


def test_importing_sweep_imports_neither_dask_nor_tqdm():
    code = "import sys, modelcollapse.sweep; print(sorted({'dask', 'tqdm'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(Path(__file__).parents[1] / "src")})
    assert out.stdout.strip() == "[]"
