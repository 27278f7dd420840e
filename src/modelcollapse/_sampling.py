"""Sampling transforms of a categorical model: temperature, top-k and top-p (nucleus).

Shared by :func:`modelcollapse.discrete.simulate` and :mod:`modelcollapse.tails`
(a private module, so that neither imports the other for it).
"""

from __future__ import annotations

import numpy as np

from ._validate import _shown, check_int, check_real

#: Relative slack of the nucleus rule: a prefix of mass ``top_p (1 - NUCLEUS_RTOL)``
#: counts as reaching ``top_p``, so that rounding in a cumulative sum never adds a
#: category (at ``top_p = 1`` the nucleus is exactly the support).
NUCLEUS_RTOL = 1e-12


def check_temperature(temperature):
    """``temperature`` as a finite float ``> 0``."""
    value = check_real("temperature", temperature, scalar=True)
    if not value > 0:
        raise ValueError(f"temperature must be > 0, got temperature={_shown(temperature)}")
    return value


def check_top_k(top_k):
    """``top_k`` as None or an int ``>= 1``."""
    return None if top_k is None else check_int("top_k", top_k, minimum=1)


def check_top_p(top_p):
    """``top_p`` as None or a float in (0, 1]."""
    if top_p is None:
        return None
    value = check_real("top_p", top_p, scalar=True)
    if not 0 < value <= 1:
        raise ValueError(f"top_p must be a number in (0, 1], got top_p={_shown(top_p)}")
    return value


def is_identity(temperature, top_k, top_p):
    """Whether the transform leaves every distribution unchanged."""
    return temperature == 1.0 and top_k is None and top_p is None


def transform(p, temperature, top_k, top_p):
    r"""Tempered, then top-k-, then top-p-truncated and renormalised rows of ``p``.

    ``p`` is a float array (..., K) of probability vectors (checked by the
    caller). Temperature: :math:`p_k^{1/T}` renormalised, in log space
    (zeros stay zero). Top-k keeps the ``k`` most probable categories,
    top-p the shortest prefix of the categories sorted by decreasing
    probability whose mass reaches ``top_p`` (to :data:`NUCLEUS_RTOL`);
    ties are ordered by lower index first (a stable sort), so the kept set
    is a deterministic function of ``p``. The order is that of the common
    samplers (temperature, top-k, top-p).
    """
    p = np.asarray(p, dtype=np.float64)
    positive = p > 0
    if temperature != 1.0:
        with np.errstate(divide="ignore"):
            logs = np.log(p)
        # shift before dividing: log(p) / T alone overflows to -inf for every entry (and
        # -inf - -inf = NaN) at T ~ 1e-308; a shifted entry overflowing to -inf is weight 0
        with np.errstate(over="ignore", invalid="ignore"):
            logs = (logs - logs.max(axis=-1, keepdims=True)) / temperature
        w = np.where(positive, np.exp(logs), 0.0)
    else:
        w = p.copy()
    w /= w.sum(axis=-1, keepdims=True)
    if top_k is None and top_p is None:
        return w
    order = np.argsort(-w, axis=-1, kind="stable")
    ranked = np.take_along_axis(w, order, axis=-1)
    keep = np.ones(w.shape, dtype=bool)
    if top_k is not None:
        keep[..., top_k:] = False
        ranked = np.where(keep, ranked, 0.0)
        ranked /= ranked.sum(axis=-1, keepdims=True)
    if top_p is not None:
        before = np.cumsum(ranked, axis=-1) - ranked
        keep &= before < top_p * (1 - NUCLEUS_RTOL)
    mask = np.empty_like(keep)
    np.put_along_axis(mask, order, keep, axis=-1)
    w = np.where(mask, w, 0.0)
    return w / w.sum(axis=-1, keepdims=True)
