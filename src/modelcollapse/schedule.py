"""Sample-size schedules M_0, M_1, ... of a recursive-training chain.

Generation ``i`` of a chain draws ``M_i`` points, and model ``i + 1`` is fitted
to them, so the model after ``n`` fits depends on ``M_0, ..., M_{n-1}``. Every
function of the package that takes ``M`` accepts an int (a constant schedule),
a sequence of ints (an explicit schedule of length ``>= n``) or one of the
schedule objects below.

Whether the expected squared Wasserstein-2 distance of the Gaussian chain to
the truth stays bounded is decided by the series :math:`\\sum_i 1/M_i`
(Shumailov et al. 2023, Nature version, "Gaussian model collapse"): it
converges for ``Power(M0, a)`` with ``a > 1`` and for ``Geometric``, grows
like :math:`\\log n` for linear growth and like :math:`n` for a constant size.
Super-linear growth is necessary for a nondecreasing schedule to converge, but
not sufficient: :math:`M_i = 10(i+2)\\log(i+2)` is super-linear and its series
diverges like :math:`\\log\\log n / 10`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._validate import INT64_MAX, check_int, check_int_array, check_real

__all__ = [
    "Constant",
    "Explicit",
    "Geometric",
    "Linear",
    "Power",
    "Schedule",
    "as_schedule",
]

_INT64_SAFE = 2**62


class Schedule:
    """Base class: a rule giving the sample size ``M_i`` of generation ``i``."""

    #: Whether :math:`\sum_i 1/M_i` converges (so E[W2^2] stays bounded); ``None``
    #: for a finite explicit list, where the question has no answer.
    bounded: bool | None = None

    def sizes(self, n):
        """``M_0, ..., M_{n-1}`` as an int64 array of length ``n``."""
        n = check_int("n", n, minimum=0, maximum=INT64_MAX)
        return self._sizes(n)

    def _sizes(self, n):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    @property
    def constant(self):
        """The size if every generation has the same one, else ``None``."""
        return None

    def cumulative(self, term, n):
        r""":math:`\sum_{i<n} \mathrm{term}(M_i)`, vectorised over an integer array ``n``.

        ``term`` maps an int64 array of sizes to per-generation float terms.
        A constant schedule multiplies one term by ``n`` (exact and O(1) in ``n``).
        """
        n = np.asarray(n, dtype=np.int64)
        if self.constant is not None:
            value = np.asarray(term(np.array([self.constant], dtype=np.int64)))[0]
            # an empty sum is 0 even for an infinite term (log(1 - 1/M) at M = 1)
            return np.where(n == 0, 0.0, value * np.maximum(n, 1))
        n_max = int(n.max()) if n.size else 0
        partial = np.concatenate(([0.0], np.cumsum(term(self._sizes(n_max)))))
        return partial[n]

    def harmonic_sum(self, n):
        r""":math:`H_M(n) = \sum_{i<n} 1/M_i`, vectorised over integer ``n``.

        Examples
        --------
        >>> from modelcollapse.schedule import Constant, Linear
        >>> float(Constant(10).harmonic_sum(5))
        0.5
        >>> round(float(Linear(1).harmonic_sum(3)), 6)  # 1 + 1/2 + 1/3
        1.833333
        """
        n = check_int_array("n", n, minimum=0)
        return self.cumulative(lambda m: 1.0 / m, n)


@dataclass(frozen=True)
class Constant(Schedule):
    """``M_i = M`` for every generation: E[W2^2] grows linearly in ``n``."""

    M: int
    bounded = False

    def __post_init__(self):
        object.__setattr__(self, "M", check_int("M", self.M, minimum=1, maximum=INT64_MAX))

    @property
    def constant(self):
        return self.M

    def _sizes(self, n):
        return np.full(n, self.M, dtype=np.int64)


@dataclass(frozen=True)
class Explicit(Schedule):
    """An explicit list ``M_0, M_1, ...``; defines as many generations as it has entries."""

    values: tuple

    def __post_init__(self):
        arr = check_int_array("M", self.values, minimum=1)
        if arr.ndim != 1:
            raise ValueError(f"M must be an int or a 1-D sequence of ints, got M={self.values!r}")
        object.__setattr__(self, "values", tuple(int(v) for v in arr))

    def _sizes(self, n):
        if n > len(self.values):
            raise ValueError(
                f"M must have at least n={n} entries (M_0..M_{n - 1}), "
                f"got a schedule of length {len(self.values)}"
            )
        return np.asarray(self.values[:n], dtype=np.int64)


@dataclass(frozen=True)
class Power(Schedule):
    """``M_i = ceil(M0 (i + 1)^a)``: E[W2^2] stays bounded iff ``a > 1``."""

    M0: int
    a: float

    def __post_init__(self):
        object.__setattr__(self, "M0", check_int("M0", self.M0, minimum=1, maximum=INT64_MAX))
        a = check_real("a", self.a, scalar=True)
        if a < 0:
            raise ValueError(f"a must be >= 0 (a non-decreasing schedule), got a={self.a!r}")
        object.__setattr__(self, "a", a)

    @property
    def bounded(self):
        return self.a > 1

    @property
    def constant(self):
        return self.M0 if self.a == 0 else None

    def _sizes(self, n):
        return _ceil_sizes(self.M0 * np.arange(1, n + 1, dtype=np.float64) ** self.a, self)


@dataclass(frozen=True)
class Linear(Power):
    """``M_i = M0 (i + 1)``: the boundary case, E[W2^2] grows like ``log n``."""

    a: float = 1.0

    def __post_init__(self):
        if check_real("a", self.a, scalar=True) != 1.0:
            raise ValueError(f"a of a Linear schedule is 1, got a={self.a!r}; use Power(M0, a)")
        super().__post_init__()

    def _sizes(self, n):
        if n and self.M0 * n >= _INT64_SAFE:  # Python ints: exact, no wrap-around
            _out_of_range(self, -(-_INT64_SAFE // self.M0) - 1)
        return self.M0 * np.arange(1, n + 1, dtype=np.int64)

    def harmonic_sum(self, n):
        r""":math:`H_M(n) = H_n / M_0`, exact for any ``M0`` (no int64 sizes are formed).

        Examples
        --------
        >>> from modelcollapse.schedule import Linear
        >>> float(Linear(10**17).harmonic_sum(100))  # H_100 / 10^17
        5.1873775176396204e-17
        """
        n = check_int_array("n", n, minimum=0)
        return (special.digamma(n + 1.0) + np.euler_gamma) / self.M0


@dataclass(frozen=True)
class Geometric(Schedule):
    """``M_i = ceil(M0 r^i)`` with ``r >= 1``: bounded E[W2^2] for ``r > 1``."""

    M0: int
    r: float

    def __post_init__(self):
        object.__setattr__(self, "M0", check_int("M0", self.M0, minimum=1, maximum=INT64_MAX))
        r = check_real("r", self.r, scalar=True)
        if r < 1:
            raise ValueError(f"r must be >= 1 (a non-decreasing schedule), got r={self.r!r}")
        object.__setattr__(self, "r", r)

    @property
    def bounded(self):
        return self.r > 1

    @property
    def constant(self):
        return self.M0 if self.r == 1 else None

    def _sizes(self, n):
        with np.errstate(over="ignore"):
            return _ceil_sizes(self.M0 * self.r ** np.arange(n, dtype=np.float64), self)


def _ceil_sizes(raw, schedule):
    """Round a non-decreasing float schedule up to integers, exact values kept exact."""
    values = np.ceil(raw * (1 - 1e-12))
    if values.size and values[-1] >= _INT64_SAFE:
        _out_of_range(schedule, int(np.argmax(values >= _INT64_SAFE)))
    return values.astype(np.int64)


def _out_of_range(schedule, first):
    raise ValueError(
        f"{schedule!r} exceeds the int64 range at generation {first}; "
        "ask for fewer generations or a slower-growing schedule"
    )


def as_schedule(M):
    """Normalise ``M`` (int, sequence of ints or :class:`Schedule`) to a Schedule.

    Examples
    --------
    >>> as_schedule(100)
    Constant(M=100)
    >>> as_schedule([10, 20, 40]).sizes(2)
    array([10, 20])
    """
    if isinstance(M, Schedule):
        return M
    if isinstance(M, list | tuple):
        return Explicit(tuple(M))
    if isinstance(M, str | bytes) or np.ndim(M) == 0:
        return Constant(M)
    return Explicit(tuple(np.asarray(M).tolist()))


def sizes_at_least(M, n, minimum, why=""):
    """The schedule ``M`` and its first ``n`` sizes, each checked to be ``>= minimum``.

    The one place where a model states its own lower bound on the sample size
    (2 for an unbiased variance, 1 for a categorical refit).
    """
    schedule = as_schedule(M)
    if schedule.constant is not None:
        check_int("M", schedule.constant, minimum=minimum, why=why)
        # a read-only view, O(1) in memory: closed forms take n = 10**10 generations
        n = check_int("n", n, minimum=0, maximum=INT64_MAX)
        return schedule, np.broadcast_to(np.int64(schedule.constant), (n,))
    sizes = schedule.sizes(n)
    if sizes.size and sizes.min() < minimum:
        check_int_array("M", sizes, minimum=minimum, why=why)
    return schedule, sizes
