"""One BLAS thread for loops of many small matrix products.

On a shared machine a second BLAS thread waits for a core another process
holds, and every small call in a loop pays that wait: measured under load
(``benchmarks/bench_threads.py``), ``discrete.loss_probability(50, 2000)``
ran 3.6x faster on one thread than on two.
"""

from __future__ import annotations

import functools

__all__ = ["one_blas_thread"]


@functools.cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context manager that limits the BLAS libraries to one thread, restoring them on exit.

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.eye(3) @ np.ones(3) @ np.ones(3))
    3.0
    """
    return _controller().limit(limits=1, user_api="blas")
