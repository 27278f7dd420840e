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
    "check_choice",
    "check_confidence",
    "check_covariance",
    "check_frequency_table",
    "check_int",
    "check_int_array",
    "check_not_complex",
    "check_positive",
    "check_real",
    "check_records",
    "check_sizes_per_row",
]


def _shown(value):
    """Short repr of an offending value (first few entries of a large array)."""
    arr = np.asarray(value) if not isinstance(value, str) else None
    if arr is not None and arr.ndim > 0 and arr.size > 6:
        return f"array([{', '.join(repr(v) for v in arr.ravel()[:6].tolist())}, ...])"
    return repr(value.tolist() if isinstance(value, np.ndarray) else value)


def _is_integer_array(arr):
    return arr.dtype.kind in "iu"


def check_int(name, value, *, minimum, why=""):
    """Return ``value`` as a Python int, or raise naming ``name``.

    Booleans and floats are rejected (``TypeError``), even integral floats:
    a sample size of ``10.0`` is usually a bug upstream.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer{why}, got {name}={_shown(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{why}, got {name}={_shown(value)}")
    return int(value)


def check_int_array(name, value, *, minimum, why=""):
    """Return ``value`` as an int64 array with every entry ``>= minimum``."""
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind == "b" or not _is_integer_array(arr):
        raise TypeError(
            f"{name} must be an integer or integer array{why}, got {name}={_shown(value)}"
        )
    if arr.size and arr.min() < minimum:
        bad = arr.ravel()[np.argmin(arr.ravel())]
        raise ValueError(
            f"{name} must be an integer >= {minimum}{why}, got {name}={_shown(value)}"
            + (f" (contains {int(bad)})" if arr.ndim else "")
        )
    return arr.astype(np.int64, copy=False)


def check_real(name, value):
    """Return ``value`` as a finite float64 array (scalar stays 0-d)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or np.iscomplexobj(value):
        raise TypeError(f"{name} must be a real number or array, got {name}={_shown(value)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {name}={_shown(value)}")
    return arr


def check_positive(name, value):
    """Return ``value`` as a finite, strictly positive float64 array."""
    arr = check_real(name, value)
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
    asym = np.abs(arr - np.swapaxes(arr, -1, -2))
    if np.any(asym > COV_RTOL * scale):
        raise ValueError(
            f"{name} must be symmetric (to {COV_RTOL:g} relative), got {name}={_shown(arr)} "
            f"with |{name} - {name}.T| up to {float(asym.max())!r}"
        )
    sym = 0.5 * (arr + np.swapaxes(arr, -1, -2))
    w, v = np.linalg.eigh(sym)
    top = np.maximum(w[..., -1:], 0.0)
    if np.any(w < -COV_RTOL * top) or np.any((top == 0) & (w < 0)):
        raise ValueError(
            f"{name} must be positive semi-definite, got {name}={_shown(arr)} "
            f"with smallest eigenvalue {float(w.min())!r}"
        )
    return sym, np.maximum(w, 0.0), v


def check_confidence(value, name="confidence"):
    """Return ``value`` as a float strictly between 0 and 1."""
    conf = float(check_real(name, value)) if np.ndim(value) == 0 else None
    if conf is None or not 0 < conf < 1:
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


def check_not_complex(name, value):
    """Return ``value`` as a float64 array; complex input is a ``TypeError``, not a cast."""
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must be real, got complex {name}={_shown(value)}")
    return np.asarray(value, dtype=np.float64)
