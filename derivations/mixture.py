"""Mixtures refitted by EM: the one exact property, derived step by step (checked by sympy).

Renders docs/derivations/mixture.md:

    PYTHONPATH=src python derivations/mixture.py

Every M step sets the fitted mixture's mean and total variance to the sample
mean and the maximum-likelihood sample variance (plus the floor rho), whatever
the responsibilities; so the total variance follows the 1-component MLE
recursion in expectation, for any number of components.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, script_main

N = sp.Symbol("N", integer=True, positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
rho, V0, V = sp.symbols("rho V_0 V", positive=True)
S0, S1, S2 = sp.symbols("S_0 S_1 S_2", positive=True)
q = sp.Symbol("q", positive=True)
x = sp.symbols("x_1:4", real=True)
r = sp.symbols("r_1:4", positive=True)


def _fit(resp, points, size):
    """(w, m, C) of one component from its responsibilities (no floor)."""
    nk = sum(resp)
    m = sum(a * b for a, b in zip(resp, points, strict=True)) / nk
    c = sum(a * (b - m) ** 2 for a, b in zip(resp, points, strict=True)) / nk
    return nk / size, m, c


def _closed(nn):
    return V0 * q**nn + rho * (1 - q**nn) / (1 - q)


def build():
    d = Derivation(
        "Mixtures refitted by EM: the total variance",
        intro=(
            "EM's M step with responsibilities $r_{ik} \\ge 0$, $\\sum_k r_{ik} = 1$, sets "
            "$w_k = n_k/N$, $m_k = \\sum_i r_{ik}x_i/n_k$ and $C_k = \\sum_i r_{ik}(x_i - "
            "m_k)^2/n_k + \\rho$ with $n_k = \\sum_i r_{ik}$ (1-D; in $d$ dimensions the same "
            "holds coordinate by coordinate for the trace). The mixture's total variance is "
            "$V = \\sum_k w_k(C_k + m_k^2) - \\bar m^2$, $\\bar m = \\sum_k w_k m_k$. "
            "Implemented by `modelcollapse.mixture` (scikit-learn's EM adds $10\\epsilon$ to "
            "every $n_k$, which moves these identities by $O(10^{-15})$ relative)."
        ),
    )
    sample_var = d.assume(
        "A1",
        "For $N$ iid draws of a law with variance $V$, the maximum-likelihood sample variance "
        "$\\frac1N\\sum_i (x_i - \\bar x)^2$ has mean $(1 - 1/N)V$; generation $i$ is $N$ iid "
        "draws from model $i$, whose variance is its total variance $V_i$.",
        "e.g. Casella & Berger, *Statistical Inference*, Thm 5.2.6.",
    )

    d.section("One component of one M step",
              "Write $S_0 = n_k$, $S_1 = \\sum_i r_{ik}x_i$, $S_2 = \\sum_i r_{ik}x_i^2$.")
    m = S1 / S0
    c = d.equal("component variance", (S2 - 2 * m * S1 + m**2 * S0) / S0, S2 / S0 - m**2,
                name="C_k - \\rho",
                why="Expand $\\sum_i r_{ik}(x_i - m_k)^2 = S_2 - 2m_kS_1 + m_k^2S_0$.")
    d.equal("second moment", S0 / N * (c + m**2), S2 / N, name="w_k(C_k - \\rho + m_k^2)",
            why="Each component carries exactly its share of $\\sum_i x_i^2/N$.")
    d.text("Summing over $k$ with $\\sum_k r_{ik} = 1$: $\\sum_k w_k m_k = \\bar x$ and "
           "$\\sum_k w_k(C_k + m_k^2) = \\frac1N\\sum_i x_i^2 + \\rho\\sum_k w_k$, so "
           "$V = \\frac1N\\sum_i(x_i - \\bar x)^2 + \\rho$ whatever the responsibilities.")

    d.section("The whole M step, checked on three points and two components",
              "$r_i$ is the responsibility of component 1 for $x_i$; component 2 has $1 - r_i$.")
    w1, m1, c1 = _fit(r, x, 3)
    w2, m2, c2 = _fit([1 - a for a in r], x, 3)
    xbar = sum(x) / 3
    d.equal("mixture mean", w1 * m1 + w2 * m2, xbar, name="\\bar m",
            why="The fitted mixture's mean is the sample mean.")
    d.equal("total variance", w1 * (c1 + rho + m1**2) + w2 * (c2 + rho + m2**2)
            - (w1 * m1 + w2 * m2) ** 2, sum((a - xbar) ** 2 for a in x) / 3 + rho, name="V",
            why="The MLE sample variance plus the floor, for every $r_1, r_2, r_3$.")

    d.section("In expectation over the chain", "$q = 1 - 1/N$.")
    d.cite("one generation", sp.Symbol("E[V_{i+1} \\mid \\text{model } i]"), q * V + rho,
           assumption=sample_var, why="The M-step identity above, then A1 with $V = V_i$.")
    d.equal("solution at n = 0", _closed(0), V0, name="E[V_0]", why="The truth.")
    d.equal("solution: induction step", q * _closed(n) + rho, _closed(n + 1),
            name="qE[V_n] + \\rho", why="The closed form satisfies the recursion.")
    d.result("expected_total_variance", _closed(n).subs(q, 1 - 1 / N), name="E[V_n]",
             why="For every number of components and any EM start: only the last M step "
                 "matters. The mutant (unbiased fits, $E[V_n] = V_0$) is what a ddof = 1 "
                 "covariance would give.",
             used_by="mixture.expected_total_variance (dim = 1)")
    b = sp.Symbol("b", positive=True)
    d.limit("the floor's fixed point", _closed(n).subs(q, sp.exp(-b)), n, sp.oo,
            rho / (1 - sp.exp(-b)), name="\\lim_n E[V_n]",
            why="With $q = e^{-b} < 1$: the mean total variance decays geometrically to "
                "$\\rho/(1 - q) = N\\rho$ ($10^{-3}$ at $N = 1000$, $\\rho = 10^{-6}$).")
    return d


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
