r"""Loss probabilities of the two-type chain at large sample sizes: banded, truncated, bracketed.

The dense method of :func:`modelcollapse.discrete.loss_probability` stores
:math:`(M + 1)^2` transition probabilities. Two facts make large ``M`` cheap:

* **Bands.** Row :math:`j` of the transition, :math:`\mathrm{Binomial}(M_i, q)`
  with :math:`q = j/M_{i-1}`, is concentrated within a few standard deviations
  :math:`\sigma = \sqrt{M_i q(1-q)}` of its mean: only
  :math:`|l - \mu| \le t = z^2/6 + \sqrt{z^4/36 + z^2\sigma^2}` is kept
  (:data:`BAND_SD` = ``z`` = 10), outside which Bernstein's inequality leaves
  at most :math:`2e^{-z^2/2} \approx 4\times 10^{-22}` (the masses outside are
  computed exactly all the same).
* **Truncation.** The probability :math:`h_n(j)` of being lost within
  ``n`` fits from count :math:`j` is decreasing in :math:`j` (the chain is
  stochastically monotone) and tiny once :math:`j \gg n` (about
  :math:`e^{-2j/n}`, Feller's branching limit), so counts above a cap
  :math:`J` are not stored.

Neither is an approximation left unaccounted for: the recursion runs twice,
once dropping what is cut (a lower bound :math:`h^-`) and once charging it
its largest possible value (an upper bound :math:`h^+`: 1 for the band's
left tail, :math:`h^+(J)` beyond the cap, by monotonicity). The loss
probability is returned as the midpoint of the bracket, whose half-width
is the stated error; the cap doubles until the half-width is below
:data:`TARGET_ERROR` or reaches ``M`` (then only the band bound remains,
about ``1e-20`` per fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Half-width of a kept band: ``z`` of Bernstein's bound (about z standard deviations).
BAND_SD = 10.0
#: Absolute half-width of the bracket the cap is doubled for.
TARGET_ERROR = 1e-12
#: Entries of a band block computed at once (rows x band width).
_BLOCK = 2**22


@dataclass(frozen=True)
class Bracket:
    """Lower and upper bounds of loss probabilities (arrays of one shape)."""

    lower: np.ndarray
    upper: np.ndarray


def _band_rows(m, q):
    """Band of ``Binomial(m, q_r)`` for each row: first column, pmf block, last column,
    and the exact masses left and right of the band.

    The masses come from scipy's binomial (Boost's incomplete beta and its
    derivative: relative accuracy near 1e-15 at any ``m``, where outer sums of
    ``gammaln`` lose about ``m log m`` ulps). The block is 0 beyond each row's
    last column.
    """
    # below the smallest normal float the row is a point mass at 0 to within m * 2e-308
    # (Boost's binomial overflows on subnormal probabilities)
    q = np.where(q < np.finfo(float).tiny, 0.0, q)
    mean, var = m * q, m * q * (1 - q)
    z = BAND_SD
    # Bernstein: P(|X - mean| >= t) <= 2 exp(-t^2 / (2 (var + t/3))) = 2 exp(-z^2/2) at this t
    half = z**2 / 6 + np.sqrt(z**4 / 36 + z**2 * var)
    start = np.clip(np.floor(mean - half), 0, m).astype(np.int64)
    stop = np.clip(np.ceil(mean + half), 0, m).astype(np.int64)
    cols = start[:, None] + np.arange(int((stop - start).max()) + 1)[None, :]
    pmf = np.where(cols <= stop[:, None],
                   stats.binom.pmf(np.minimum(cols, m), m, q[:, None]), 0.0)
    below = np.where(start > 0, stats.binom.cdf(start - 1, m, q), 0.0)
    above = stats.binom.sf(stop, m, q)
    return start, pmf, stop, below, above


class _Band:
    r"""The banded rows :math:`\mathrm{Bin}(m, q_r)`, built once and applied to bounds of ``h``.

    Applying gives bounds on :math:`\sum_l \mathrm{Bin}(m, q_r)(l)\, h(l)` from
    bounds of ``h`` on ``0..cap``. Lower: the kept mass only. Upper: the mass
    left of the band at 1 (``h <= 1``), the mass right of the band at
    :math:`h^+(\min(\text{last}, J))` and the mass beyond the cap :math:`J` at
    :math:`h^+(J)` (``h`` is decreasing). The bounds hold up to floating-point
    rounding of the sums (relative, about the band width times 1e-16).
    """

    def __init__(self, m, q, cap):
        start, pmf, stop, self.below, self.right = _band_rows(m, q)
        cols = start[:, None] + np.arange(pmf.shape[1])[None, :]
        kept = cols <= cap
        self.index = np.where(kept, cols, cap + 1)
        self.pmf = np.where(kept, pmf, 0.0)
        self.beyond_cap = np.where(kept, 0.0, pmf).sum(axis=1)
        self.right_at = np.minimum(stop, cap)

    def apply(self, lower, upper):
        pad_lower = np.concatenate([lower, [0.0]])
        pad_upper = np.concatenate([upper, [upper[-1]]])
        new_lower = np.einsum("ij,ij->i", self.pmf, pad_lower[self.index])
        new_upper = (np.einsum("ij,ij->i", self.pmf, pad_upper[self.index]) + self.below
                     + self.beyond_cap * upper[-1] + self.right * pad_upper[self.right_at])
        return np.minimum(new_lower, 1.0), np.minimum(new_upper, 1.0)


def _first_draw(m, p, lower, upper):
    """Bounds for each ``p`` of the first draw's average of ``h``, in row blocks."""
    cap = lower.size - 1
    chunk = max(1, _BLOCK // int(2 * BAND_SD * np.sqrt(min(m * float(p.max()), cap) + 1) + 80))
    parts = [_Band(m, p[i:i + chunk], cap).apply(lower, upper) for i in range(0, p.size, chunk)]
    return np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])


def _bracket_at_cap(n_values, sizes, constant, p, cap):
    """Bounds, shape (p.size, len(n_values)), with counts capped at ``cap``; and the largest
    upper bound of ``h`` at the cap met on the way (what the cap costs)."""
    lower = np.empty((p.size, len(n_values)))
    upper = np.empty((p.size, len(n_values)))
    at_cap = 0.0

    def caps(i):
        return min(cap, int(sizes[i]))

    def start():
        h = np.zeros(caps(0) + 1 if constant else caps(n - 1) + 1)
        h[0] = 1.0
        return h, h.copy()

    if constant:
        m = int(sizes[0])
        band = _Band(m, np.arange(caps(0) + 1) / m, caps(0))
        h_lo, h_up = start()
        done = 1
        for col, n in sorted(enumerate(n_values), key=lambda t: t[1]):
            for _ in range(n - done):
                h_lo, h_up = band.apply(h_lo, h_up)
                at_cap = max(at_cap, h_up[-1])
            done = n
            lower[:, col], upper[:, col] = _first_draw(m, p, h_lo, h_up)
        return lower, upper, at_cap
    for col, n in enumerate(n_values):
        h_lo, h_up = start()
        for i in range(n - 1, 0, -1):
            rows = np.arange(caps(i - 1) + 1) / int(sizes[i - 1])
            h_lo, h_up = _Band(int(sizes[i]), rows, h_lo.size - 1).apply(h_lo, h_up)
            at_cap = max(at_cap, h_up[-1])
        lower[:, col], upper[:, col] = _first_draw(int(sizes[0]), p, h_lo, h_up)
    return lower, upper, at_cap


def _first_cap(n_max):
    return int(np.ceil(0.6 * n_max * (np.log(n_max) - np.log(TARGET_ERROR)))) + 64


def loss_bracket(n_values, sizes, constant, p):
    """Bounds of :math:`\\Pr(p_{n} = 0)` for each ``p`` (rows) and ``n >= 1`` (columns).

    The cap starts where Feller's :math:`n e^{-2J/n}` is :data:`TARGET_ERROR`
    (with a 20% margin) and doubles until what it
    can cost, at most ``n`` times the largest :math:`h^+` at the cap, is below
    :data:`TARGET_ERROR` (or the cap is the whole range).
    """
    n_max = max(n_values)
    largest = int(max(sizes[:n_max]))
    cap = min(largest, _first_cap(n_max))
    while True:
        lower, upper, at_cap = _bracket_at_cap(n_values, sizes, constant, p, cap)
        if cap >= largest or n_max * at_cap <= TARGET_ERROR:
            return Bracket(lower, upper)
        cap = min(largest, 2 * cap)


def banded_work(n_values, constant):
    """Band entries the banded recursion touches at its first cap (what it costs)."""
    n_max = max(n_values)
    cap = _first_cap(n_max)
    width = 2 * (BAND_SD * np.sqrt(cap) + BAND_SD**2 / 3) + 1
    steps = n_max if constant else sum(n_values)
    return steps * cap * width


def feller_loss(n_values, sizes, p):
    r"""Feller's diffusion approximation of the loss probability, shape (p.size, len(n_values)).

    A rare category's count is near a critical branching process with unit
    variance per generation in units of :math:`M_0`; Feller's diffusion is
    lost within diffusion time :math:`\tau` from frequency :math:`x` with
    probability :math:`e^{-2x/\tau}`, :math:`\tau = \sum_{i=1}^{n-1} 1/M_i`, and
    averaging over the exact first draw :math:`c_0 \sim \mathrm{Bin}(M_0, p)`
    (its probability generating function) gives

    .. math:: \Pr(p_{n} = 0) \approx \big(1 - p\,(1 - e^{-2/(M_0\tau)})\big)^{M_0},

    exact at :math:`n = 1`. It ignores the finite population (a common
    category can also fix), so it is for rare categories.
    """
    m0 = float(sizes[0])
    out = np.empty((p.size, len(n_values)))
    for col, n in enumerate(n_values):
        tau = float(np.sum(1.0 / np.asarray(sizes[1:n], dtype=np.float64)))
        shrink = -np.expm1(-2.0 / (m0 * tau)) if n > 1 else 1.0
        with np.errstate(divide="ignore"):
            out[:, col] = np.exp(m0 * np.log1p(-p * shrink))
    return out


def branching_loss(n_values, sizes, p):
    r"""Poisson branching-process approximation of the loss probability, (p.size, len(n_values)).

    For a rare category :math:`\mathrm{Bin}(M_i, j/M_{i-1}) \approx
    \mathrm{Poisson}(j\,m_i)`, :math:`m_i = M_i/M_{i-1}`: the sum of :math:`j`
    independent Poisson(:math:`m_i`) offspring counts. So the count is a
    Galton-Watson process, lost by fit :math:`n` from count :math:`j` with
    probability :math:`s^j`, where :math:`s = f_1(f_2(\cdots f_{n-1}(0)))`,
    :math:`f_i(s) = e^{m_i(s - 1)}`; the exact first draw's generating function
    then gives

    .. math:: \Pr(p_n = 0) \approx \big(1 - p(1 - s)\big)^{M_0},

    exact at :math:`n = 1`; its error is of the order of the category's
    frequency (the binomial is not quite Poisson). Feller's diffusion is its
    limit :math:`1 - s \approx 2/(M_0 \tau)`.
    """
    m = np.asarray(sizes, dtype=np.float64)
    out = np.empty((p.size, len(n_values)))
    for col, n in enumerate(n_values):
        s = 0.0
        for i in range(n - 1, 0, -1):
            s = np.exp(m[i] / m[i - 1] * (s - 1.0))
        with np.errstate(divide="ignore"):
            out[:, col] = np.exp(m[0] * np.log1p(-p * (1.0 - s)))
    return out
