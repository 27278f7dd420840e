"""Bad input raises ValueError/TypeError naming the parameter, the value and the rule."""

import numpy as np
import pytest

from modelcollapse import gaussian as g
from modelcollapse.schedule import Explicit, Geometric, Linear, Power, as_schedule


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: g.sample_variance(3, 1), ValueError, r"M must be an integer >= 2.*got M=1"),
        (lambda: g.sample_variance(3, [5, 1, 5]), ValueError, r"M must be an integer >= 2"),
        (lambda: g.sample_variance(3, 10.0), TypeError, r"M must be an integer.*got M=10.0"),
        (lambda: g.sample_variance(3, [5, 5.5, 5]), TypeError, r"M must be an integer"),
        (lambda: g.sample_variance(-1, 10), ValueError, r"n must be an integer >= 0.*n=-1"),
        (lambda: g.sample_variance(2.5, 10), TypeError, r"n must be an integer.*n=2.5"),
        (lambda: g.sample_variance(3, [5, 5]), ValueError, r"M must have at least n=3 entries"),
        (lambda: g.sample_variance(3, 10, 0.0), ValueError, r"sigma must be finite and > 0"),
        (lambda: g.sample_variance(3, 10, -1.0), ValueError, r"sigma=-1.0"),
        (lambda: g.sample_variance(3, 10, np.nan), ValueError, r"sigma must be finite"),
        (lambda: g.sample_variance(3, 10, np.inf), ValueError, r"sigma must be finite"),
        (lambda: g.sample_variance(3, 10, fit="ml"), ValueError, r"fit must be one of"),
        (lambda: g.sigma_moment(3, 4, -3.0), ValueError, r"p must be > -\(min M_i - 1\) = -3"),
        (lambda: g.sigma_moment(3, 4, "two"), TypeError, r"p must be a real number"),
        (lambda: g.log_variance_drift(1), ValueError, r"M must be an integer >= 2"),
        (lambda: g.simulate(3, 10, replicates=0), ValueError, r"replicates must be .*>= 1"),
        (lambda: g.simulate(3, 10, method="exact"), ValueError, r"method must be one of"),
        (lambda: g.simulate(3, 10, sigma=-2), ValueError, r"sigma must be finite and > 0"),
        (lambda: g.simulate(3, 10, mu=np.inf), ValueError, r"mu must be finite"),
        (lambda: g.simulate(3, 10, chunk=10), ValueError, r"chunk must be an integer >= 4096"),
        (lambda: g.simulate(3, 10, rng=-1), ValueError, r"rng must be a non-negative int"),
        (lambda: g.simulate(3, 10, rng="seed"), TypeError, r"rng must be None, an int"),
        (lambda: g.simulate(True, 10), TypeError, r"n must be an integer"),
        (lambda: Power(10, -1), ValueError, r"a must be >= 0"),
        (lambda: Geometric(10, 0.5), ValueError, r"r must be >= 1"),
        (lambda: Linear(0), ValueError, r"M0 must be an integer >= 1"),
        (lambda: Explicit(((1, 2), (3, 4))), ValueError, r"1-D sequence"),
        (lambda: Geometric(10, 2.0).sizes(100), ValueError, r"exceeds the int64 range"),
    ],
)
def test_bad_input_names_parameter_value_and_rule(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_schedules_normalise_from_ints_sequences_and_objects():
    assert as_schedule(7).sizes(3).tolist() == [7, 7, 7]
    assert as_schedule(np.array([2, 3, 4])).sizes(2).tolist() == [2, 3]
    assert as_schedule(Linear(5)).sizes(3).tolist() == [5, 10, 15]
    assert Power(10, 2).sizes(3).tolist() == [10, 40, 90]
    assert Geometric(10, 2).sizes(4).tolist() == [10, 20, 40, 80]
    assert (Power(10, 2).bounded, Linear(3).bounded, as_schedule(4).bounded) == (True, False, False)
