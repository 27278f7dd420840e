"""Data policies shared by the simulators: what each model is fitted to.

``policy="replace"`` fits model ``i + 1`` to generation ``i`` alone (the
paper's theory); ``"accumulate"`` to the pool of generations ``0..i``;
``"accumulate-subsample"`` to ``M_i`` points drawn without replacement from
that pool. Independently, ``fresh=f`` makes ``K_i = floor(f M_i + 1/2)`` of
generation ``i``'s ``M_i`` points new draws from ``D_0`` (the rest come from
model ``i``).
"""

from __future__ import annotations

import numpy as np

from ._validate import check_choice, check_real

__all__ = ["POLICIES", "check_fresh", "check_policy", "fresh_counts"]

POLICIES = ("replace", "accumulate", "accumulate-subsample")


def check_policy(policy):
    """Return ``policy`` if it is one of :data:`POLICIES`."""
    return check_choice("policy", policy, POLICIES)


def check_fresh(fresh):
    """Return ``fresh`` as a float in ``[0, 1]``, or raise naming it."""
    value = check_real("fresh", fresh)
    if value.ndim != 0 or not 0.0 <= float(value) <= 1.0:
        raise ValueError(
            f"fresh must be a fraction in [0, 1] (the share of each generation drawn "
            f"from D0), got fresh={fresh!r}"
        )
    return float(value)


def fresh_counts(sizes, fresh):
    """``K_i = floor(f M_i + 1/2)``: how many of generation ``i``'s points are fresh."""
    sizes = np.asarray(sizes, dtype=np.int64)
    return np.floor(fresh * sizes + 0.5).astype(np.int64)
