"""Loops limited to one BLAS thread give their results and restore the thread count."""

import pytest


def test_loss_probability_restores_the_blas_threads_it_limits():
    from threadpoolctl import threadpool_info

    from modelcollapse import discrete

    before = [lib["num_threads"] for lib in threadpool_info()]
    assert float(discrete.loss_probability(1, 10, 0.1)) == pytest.approx(0.9**10, rel=1e-12)
    assert [lib["num_threads"] for lib in threadpool_info()] == before
