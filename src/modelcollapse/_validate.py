"""Argument checks shared by every module: the one place for error text.

Every message names the parameter, shows the offending value with ``!r`` and
states the rule, e.g. ``M must be an integer >= 2 for the unbiased variance,
got M=1``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

__all__ = [
    "COV_RTOL",
    "INT64_MAX",
    "check_bool",
    "check_choice",
    "check_confidence",
    "check_covariance",
    "check_frequency_table",
    "check_int",
    "check_int_array",
    "check_not_complex",
    "check_positive",
    "check_probabilities",
    "check_real",
    "check_records",
    "check_scalar",
    "check_sizes_per_row",
]


#: Largest sample size, count or index the package accepts: arrays of them are int64.
INT64_MAX = int(np.iinfo(np.int64).max)


def _shown(value):
    """Short repr of an offending value (first few entries of a large array)."""
    if isinstance(value, np.ndarray) and value.ndim > 0 and value.size > 6:
        return f"array([{', '.join(repr(v) for v in value.ravel()[:6].tolist())}, ...])"
    if isinstance(value, np.ndarray):
        return repr(value.tolist())
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _as_array(name, value, what):
    """``np.asarray(value)``, with ragged or non-numeric input reported against ``name``.

    Strings, bytes, booleans and ``None`` are refused (``TypeError``) even
    where numpy would convert them (``"1"`` to 1.0, ``True`` to 1): a number
    given as text is a bug upstream. ``what`` is the expected kind of value,
    used in the message.
    """
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{name} must be {what}, got {name}={_shown(value)}")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name} must be {what} of rectangular shape (every row the same length), "
            f"got {name}={_shown(value)}"
        ) from None
    if arr.dtype.kind in "biuf" or (arr.dtype.kind == "O" and _all_real(arr)):
        # numpy turns [True, 5] into [1, 5]: look for booleans before it does
        if arr.dtype.kind == "b" or (
            (arr.dtype.kind == "O" or not isinstance(value, np.ndarray)) and _has_bool(value)
        ):
            raise TypeError(f"{name} must be {what}, not a boolean, got {name}={_shown(value)}")
        return arr
    raise TypeError(f"{name} must be {what}, got {name}={_shown(value)}")


def _all_real(arr):
    return all(isinstance(v, numbers.Real) for v in arr.ravel().tolist())


def _has_bool(value):
    """Whether ``value`` is a boolean or a (nested) list/tuple holding one."""
    if isinstance(value, list | tuple):
        return any(_has_bool(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "b" or (value.dtype.kind == "O" and _has_bool(value.tolist()))
    return isinstance(value, bool | np.bool_)


def _is_integer_array(arr):
    return arr.dtype.kind in "iu" or (
        arr.dtype.kind == "O" and all(isinstance(v, numbers.Integral) for v in arr.ravel().tolist())
    )


def check_int(name, value, *, minimum, why="", maximum=None):
    """Return ``value`` as a Python int, or raise naming ``name``.

    Python and numpy integers (any width) and 0-d integer arrays are
    accepted. Booleans, strings and floats are rejected (``TypeError``), even
    integral floats: a sample size of ``10.0`` is usually a bug upstream.
    Values above ``maximum`` (e.g. :data:`INT64_MAX` for a size that goes
    into an array) are refused with a ``ValueError``; seeds have no maximum.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer{why}, got {name}={_shown(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{why}, got {name}={_shown(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(
            f"{name} must be an integer <= {maximum}{why}, got {name}={_shown(value)}"
        )
    return int(value)


def check_int_array(name, value, *, minimum, why=""):
    """Return ``value`` as an int64 array with every entry ``>= minimum``.

    An empty sequence is an empty int64 array; entries beyond the int64 range
    are refused with a ``ValueError`` rather than wrapped around.
    """
    what = f"an integer or integer array{why}"
    arr = _as_array(name, value, what)
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=np.int64)
    if arr.dtype.kind == "f" and not isinstance(value, np.ndarray):
        # numpy makes [10, 2**63] a float array: keep Python ints exact to report the range
        exact = np.array(value, dtype=object)
        arr = exact if _is_integer_array(exact) else arr
    if not _is_integer_array(arr):
        raise TypeError(f"{name} must be {what}, got {name}={_shown(value)}")
    low, high = arr.min(), arr.max()
    if low < minimum:
        raise ValueError(
            f"{name} must be an integer >= {minimum}{why}, got {name}={_shown(value)}"
            + (f" (contains {int(low)})" if arr.ndim else "")
        )
    if high > INT64_MAX:
        raise ValueError(
            f"{name} must be an integer <= {INT64_MAX} (int64){why}, got {name}={_shown(value)}"
            + (f" (contains {int(high)})" if arr.ndim else "")
        )
    return arr.astype(np.int64, copy=False)


def check_real(name, value, *, scalar=False):
    """Return ``value`` as a finite float64 array (scalar stays 0-d).

    Ints and floats (Python or numpy, any width) are accepted; strings,
    booleans, ``None``, complex numbers and ragged sequences are refused with
    a ``TypeError``/``ValueError`` naming ``name``. With ``scalar=True`` the
    value must be a single number and is returned as a Python float.
    """
    arr = _as_array(name, value, "a real number" if scalar else "a real number or array")
    if scalar and arr.ndim != 0:
        raise TypeError(f"{name} must be a single real number, got {name}={_shown(value)}")
    try:
        with np.errstate(over="ignore"):
            arr = arr.astype(np.float64)
    except OverflowError:
        arr = None
    if arr is None or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {name}={_shown(value)}")
    return float(arr) if scalar else arr


def check_bool(name, value):
    """Return ``value`` as a Python bool; only ``True``/``False`` (or numpy bools) pass.

    ``None``, ``0``/``1`` and strings such as ``"yes"`` are refused: a flag
    spelled as text is almost always a bug upstream.
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {name}={_shown(value)}")
    return bool(value)


def check_positive(name, value, *, scalar=False):
    """Return ``value`` as a finite, strictly positive float64 array (or float, see check_real)."""
    arr = check_real(name, value, scalar=scalar)
    if not np.all(arr > 0):
        raise ValueError(f"{name} must be finite and > 0, got {name}={_shown(value)}")
    return arr


def check_choice(name, value, options):
    """Return ``value`` if it is one of ``options``."""
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {listed}, got {name}={value!r}")
    return value


def check_records(name, value):
    """Return ``value`` (a non-empty list or tuple of dicts) as a tuple."""
    if isinstance(value, Mapping) or not isinstance(value, list | tuple):
        raise TypeError(
            f"{name} must be a non-empty list or tuple of dicts, got {name}={_shown(value)}"
        )
    if not value:
        raise ValueError(f"{name} must be a non-empty list or tuple of dicts, got {name}={value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise TypeError(
                f"{name} must be a non-empty list or tuple of dicts, got {name}[{i}]={item!r}"
            )
    return tuple(value)


# Relative tolerance of the symmetry and positive-semidefiniteness checks of a
# covariance: far above the rounding of a computed covariance (~ d eps).
COV_RTOL = 1e-10


def check_covariance(name, value, *, min_ndim=2):
    """Return ``value`` as a symmetrised float64 stack of PSD matrices ``(..., d, d)``.

    Also returns the eigen-decomposition ``(w, v)`` of the symmetrised matrices
    with eigenvalues clipped at 0, so callers never take the square root of a
    rounding-negative eigenvalue. Symmetry and positive semi-definiteness are
    checked to :data:`COV_RTOL` relative to the largest entry / eigenvalue.
    """
    arr = check_real(name, value)
    if arr.ndim < min_ndim or arr.shape[-1] != arr.shape[-2] or arr.shape[-1] == 0:
        raise ValueError(
            f"{name} must be a square matrix or a stack of them, shape (..., d, d), "
            f"got {name} of shape {arr.shape}"
        )
    scale = np.max(np.abs(arr), axis=(-2, -1), keepdims=True)
    with np.errstate(over="ignore"):
        asym = np.abs(arr - np.swapaxes(arr, -1, -2))
    if np.any(asym > COV_RTOL * scale):
        raise ValueError(
            f"{name} must be symmetric (to {COV_RTOL:g} relative), got {name}={_shown(arr)} "
            f"with |{name} - {name}.T| up to {float(asym.max())!r}"
        )
    sym = arr + 0.5 * (np.swapaxes(arr, -1, -2) - arr)  # no overflow near the float64 limit
    # Decompose at unit scale (a power of two: exact): a collapsed chain's covariance
    # reaches subnormal numbers, where eigh loses its relative accuracy.
    exponent = np.frexp(np.where(scale > 0, scale, 1.0))[1]
    w, v = np.linalg.eigh(np.ldexp(sym, -exponent))
    w = np.ldexp(w, exponent[..., 0])
    top = np.maximum(w[..., -1:], 0.0)
    # entries of subnormal magnitude are rounded absolutely, to half the smallest subnormal
    slack = COV_RTOL * top + 4 * arr.shape[-1] * np.finfo(np.float64).smallest_subnormal
    if np.any(w < -slack):
        raise ValueError(
            f"{name} must be positive semi-definite, got {name}={_shown(arr)} "
            f"with smallest eigenvalue {float(w.min())!r}"
        )
    return sym, np.maximum(w, 0.0), v


def check_confidence(value, name="confidence"):
    """Return ``value`` as a float strictly between 0 and 1."""
    conf = check_real(name, value, scalar=True)
    if not 0 < conf < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {name}={_shown(value)}")
    return conf


def check_frequency_table(name, value, *, min_rows=2, atol=1e-6):
    """Return ``value`` as a (generations, K) float array of probability rows.

    One row per generation, at least ``min_rows`` rows and ``K >= 2``
    columns; entries ``>= 0``, each row summing to 1 within ``atol`` (rows
    are then divided by their sums, so rounding in a CSV does not bias an
    estimator).
    """
    arr = check_real(name, value)
    if arr.ndim != 2 or arr.shape[0] < min_rows or arr.shape[1] < 2:
        raise ValueError(
            f"{name} must be a 2-D array (generations, categories) with at least "
            f"{min_rows} generations and 2 categories, got shape {arr.shape}"
        )
    if np.any(arr < 0):
        raise ValueError(f"{name} must have entries >= 0, got {name}={_shown(value)}")
    total = arr.sum(axis=1)
    bad = np.abs(total - 1) > atol
    if np.any(bad):
        row = int(np.argmax(bad))
        raise ValueError(
            f"{name} rows must sum to 1 within {atol:g}, got row {row} summing to {total[row]!r}"
        )
    return arr / total[:, None]


def check_sizes_per_row(name, value, rows, *, minimum, why=""):
    """Return ``value`` (an int or one int per row) as an int64 array of length ``rows``."""
    arr = check_int_array(name, value, minimum=minimum, why=why)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size != rows):
        raise ValueError(
            f"{name} must be an int or one int per generation ({rows}), "
            f"got shape {arr.shape}"
        )
    return np.broadcast_to(arr, (rows,)).copy()


def check_scalar(name, value, *, minimum=0.0, strict=True):
    """Return ``value`` as a finite float ``> minimum`` (``>= minimum`` if not ``strict``).

    Strings, booleans and arrays of more than one entry are rejected
    (``TypeError``); numpy scalars and 0-d arrays are accepted.
    """
    # a list or tuple is never one number (and np.ndim raises on a ragged one)
    if isinstance(value, str | bool | np.bool_ | list | tuple) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a real number, got {name}={_shown(value)}")
    number = float(check_real(name, value))
    if number < minimum or (strict and number == minimum):
        rule = ">" if strict else ">="
        raise ValueError(f"{name} must be a finite number {rule} {minimum:g}, "
                         f"got {name}={_shown(value)}")
    return number


def check_not_complex(name, value):
    """Return ``value`` as a float64 array; complex input is a ``TypeError``, not a cast."""
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real, got complex {name}={_shown(value)}")
    return np.asarray(value, dtype=np.float64)


#: Tolerance on the sum of a probability vector.
PROBABILITY_SUM_TOL = 1e-9


def check_probabilities(name, value, *, vector=False):
    """Return ``value`` as a float64 array ``(..., K)`` of probability vectors.

    Entries finite and ``>= 0``, ``K >= 1``, each vector summing to 1 within
    :data:`PROBABILITY_SUM_TOL`; with ``vector=True`` exactly one vector (shape (K,)).
    """
    arr = check_real(name, value)
    if arr.ndim == 0 or arr.shape[-1] == 0 or (vector and arr.ndim != 1):
        shape = "(K,)" if vector else "(..., K)"
        raise ValueError(f"{name} must be a non-empty probability vector (shape {shape}, "
                         f"K >= 1), got {name}={_shown(value)} of shape {arr.shape}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must have entries >= 0, got {name}={_shown(value)}")
    total = arr.sum(axis=-1, keepdims=True)
    if np.any(np.abs(total - 1) > PROBABILITY_SUM_TOL):
        worst = float(total.ravel()[np.argmax(np.abs(total.ravel() - 1))])
        raise ValueError(f"{name} must sum to 1 within {PROBABILITY_SUM_TOL:g}, "
                         f"got {name}={_shown(value)} (sum {worst!r})")
    return arr
