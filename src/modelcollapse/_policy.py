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

__all__ = ["POLICIES", "check_fresh", "check_policy", "check_subsample_method", "fresh_counts"]

POLICIES = ("replace", "accumulate", "accumulate-subsample")


def check_policy(policy):
    """Return ``policy`` if it is one of :data:`POLICIES`."""
    return check_choice("policy", policy, POLICIES)


def check_subsample_method(policy, method):
    """Refuse ``"accumulate-subsample"`` unless ``method == "samples"`` (no sufficient stats)."""
    if policy == "accumulate-subsample" and method != "samples":
        raise ValueError(
            "method must be 'samples' for policy='accumulate-subsample' (subsamples of the "
            f"pool share points, so no sufficient statistic exists), got method={method!r}"
        )


def check_fresh(fresh, *, scalar=True):
    """Return ``fresh`` as a float (or, unless ``scalar``, an array) in ``[0, 1]``."""
    value = check_real("fresh", fresh)
    if (scalar and value.ndim != 0) or not np.all((value >= 0.0) & (value <= 1.0)):
        raise ValueError(
            f"fresh must be a fraction in [0, 1] (the share of each generation drawn "
            f"from D0){'' if scalar else ' or an array of them'}, got fresh={fresh!r}"
        )
    return float(value) if scalar else value


def fresh_counts(sizes, fresh):
    """``K_i = floor(f M_i + 1/2)``: how many of generation ``i``'s points are fresh."""
    sizes = np.asarray(sizes, dtype=np.int64)
    return np.floor(fresh * sizes + 0.5).astype(np.int64)
