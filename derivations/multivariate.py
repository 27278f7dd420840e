"""The d-dimensional Gaussian recursion and W2: step-checked derivations.

Run ``python derivations/multivariate.py`` (or ``modelcollapse derive``) to check
every step and render docs/derivations/multivariate.md.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, script_main

a1, a2, b1, b2, v1, v2 = sp.symbols("a_1 a_2 b_1 b_2 v_1 v_2", positive=True)
k, s, x, e, M0 = sp.symbols("k s x epsilon M_0", positive=True)
M, d = sp.symbols("M d", positive=True, integer=True)
t = sp.Symbol("t", real=True)
i, j, n = sp.symbols("i j n", integer=True, nonnegative=True)
H, c = sp.symbols("H_n c_n", positive=True)


def expand_logs(expr):
    """Factor each log's argument, then ``expand_log`` with ``force=True`` (all are > 0, M > d)."""
    return sp.expand_log(expr.replace(sp.log, lambda z: sp.log(sp.factor(z))), force=True)


def bures(c1, c2):
    """tr(C1 + C2 - 2 (C2^{1/2} C1 C2^{1/2})^{1/2}) for diagonal matrices (entrywise roots)."""
    root2 = c2.applyfunc(sp.sqrt)
    inner = (root2 * c1 * root2).applyfunc(sp.sqrt)
    return (c1 + c2 - 2 * inner).trace()


def build():
    dv = Derivation(
        "The d-dimensional Gaussian recursion and W2",
        intro=(
            "Shumailov et al. (2024, Nature), 'Gaussian model collapse'. Closed forms of "
            "`modelcollapse.multivariate` and `modelcollapse.wasserstein`: the Bures formula's "
            "special cases, the log-det drift from the Bartlett decomposition, the W2 lower "
            "bound and the condition for a bounded E[W2^2]."
        ),
    )
    bartlett = dv.assume(
        "bartlett",
        "For $W \\sim \\mathrm{Wishart}_d(k, I)$, $W = AA^\\top$ with $A$ lower triangular, "
        "$A_{jj}^2 \\sim \\chi^2_{k-j+1}$ independent, so $\\det W = \\prod_j \\chi^2_{k-j+1}$.",
        "Bartlett (1933); Muirhead, Aspects of Multivariate Statistical Theory, Thm 3.2.14.",
    )
    marginals = dv.assume(
        "marginals",
        "$W_2^2(P, Q) \\ge \\sum_k W_2^2(P_k, Q_k)$ for the marginals in an orthonormal basis "
        "(a coupling of the joints couples every marginal, and $|x-y|^2 = \\sum_k (x_k-y_k)^2$); "
        "and for fixed $v$, $v^\\top W v \\sim |v|^2\\chi^2_k$, so each projected chain is the "
        "1-D chain.",
        "Villani, Optimal Transport (2009), ch. 6; Muirhead Thm 3.2.8.",
    )

    dv.section("Bures formula: special cases")
    dv.equal("1-D", bures(sp.Matrix([[v1]]), sp.Matrix([[v2]])), (sp.sqrt(v1) - sp.sqrt(v2)) ** 2,
             name="B^2(v_1, v_2)", why="Scalars commute: the Bures term is the squared "
             "difference of the standard deviations.", simplify=sp.expand)
    dv.equal("commuting", bures(sp.diag(a1, a2), sp.diag(b1, b2)),
             (sp.sqrt(a1) - sp.sqrt(b1)) ** 2 + (sp.sqrt(a2) - sp.sqrt(b2)) ** 2,
             name="B^2(A, B)", why="Commuting (here diagonal) covariances: "
             "$\\|A^{1/2} - B^{1/2}\\|_F^2$, the 1-D form per eigen-axis.", simplify=sp.expand)
    dv.series("first order", (sp.sqrt(s + e) - sp.sqrt(s)) ** 2, e, 0, 3, e**2 / (4 * s),
              name="B^2(s + \\epsilon, s)", why="The Bures metric at $s$: $\\epsilon^2/(4s)$; "
              "with $E[\\epsilon^2] = 2s^2/k$, the 1-D $s/(2k)$ of the first-order form.")

    dv.section("Log-det drift from the Bartlett decomposition")
    moment = dv.integral(
        "chi-square moment",
        x ** (s + k / 2 - 1) * sp.exp(-x / 2) / (2 ** (k / 2) * sp.gamma(k / 2)),
        (x, 0, sp.oo), 2**s * sp.gamma(k / 2 + s) / sp.gamma(k / 2), name="E[(\\chi^2_k)^s]",
        why="The $s$-th moment of the $\\chi^2_k$ density.", simplify=(sp.gammasimp, sp.simplify),
    )
    dv.equal("log moment", sp.diff(moment, s).subs(s, 0), sp.polygamma(0, k / 2) + sp.log(2),
             name="E[\\log\\chi^2_k]", why="Differentiate the moment at $s = 0$.")
    drift = sp.Sum(sp.polygamma(0, (M - j) / 2) + sp.log(2), (j, 1, d)) - d * sp.log(M - 1)
    dv.cite("drift", sp.Symbol("E[\\log\\det\\Sigma_{i+1} - \\log\\det\\Sigma_i]"), drift,
            assumption=bartlett, why="$\\Sigma_{i+1} = L_i W L_i^\\top/(M-1)$ with "
            "$k = M - 1$: the log-det is a sum of independent $\\log\\chi^2_{M-j}$.")
    a = (M - j) / 2
    rearranged = sp.Sum(sp.polygamma(0, a) - sp.log(a) + sp.log((M - j) / (M - 1)), (j, 1, d))
    dv.equal("cancellation-free form", drift.subs(d, 3).doit(), rearranged.subs(d, 3).doit(),
             why="The package's form: $\\psi(a_j) - \\log a_j$ is evaluated without "
             "cancellation for large $M$ (shown for $d = 3$).",
             simplify=(expand_logs, sp.simplify))
    dv.result("log_det_drift", drift, name="\\mathrm{drift}(M, d)",
              why="Negative since $\\psi(y) < \\log y$: $\\det\\Sigma_n \\to 0$ a.s.",
              used_by="`multivariate.log_det_drift`")
    det_factor = sp.Product((M - j) / (M - 1), (j, 1, d))
    dv.cite("expected det", sp.Symbol("E[\\det\\Sigma_{i+1}]/\\det\\Sigma_i"), det_factor,
            assumption=bartlett, why="$E[\\chi^2_{M-j}] = M - j$, independent over $j$.")
    dv.result("expected_det_factor", det_factor, name="E[\\det\\Sigma_{i+1}]/\\det\\Sigma_i",
              why="Per generation.", used_by="`multivariate.expected_det`")

    dv.section("The W2 lower bound")
    s1, s2 = sp.symbols("s_1 s_2", positive=True)
    per_axis = H + 2 - 2 * c
    dv.cite("marginal sum", sp.Symbol("E[W_2^2]"), s1 * per_axis + s2 * per_axis,
            assumption=marginals, rel=">=", why="Each eigen-axis $k$ contributes the exact 1-D "
            "$E[W_2^2] = s_k(H_n + 2 - 2c_n)$, $c_n = E[\\sigma_n]/\\sigma$ (shown for d = 2).")
    bound = dv.equal("trace form", s1 * per_axis + s2 * per_axis, (s1 + s2) * per_axis,
                     why="The bound depends on $\\Sigma$ only through its trace.")
    dv.result("w2_lower_bound", bound, name="E[W_2^2] \\ge",
              why="With $\\mathrm{tr}\\Sigma = s_1 + s_2$.",
              used_by="`multivariate.w2_squared_lower_bound`")

    dv.section("The summability condition",
               "The bounds pin $E[W_2^2] = \\mathrm{tr}\\Sigma\\,H_n + O(\\mathrm{tr}\\Sigma)$, "
               "so $E[W_2^2]$ is bounded iff $H_\\infty = \\sum_i 1/M_i < \\infty$.")
    dv.summation("constant", 1 / M0, (i, 0, n - 1), n / M0, name="H_n",
                 why="Constant $M$: linear growth.")
    dv.summation("power a = 2", 1 / (M0 * (i + 1) ** 2), (i, 0, sp.oo), sp.pi**2 / (6 * M0),
                 name="H_\\infty", why="$M_i = M_0 (i+1)^2$: bounded.")
    dv.limit("linear", sp.harmonic(n) - sp.log(n), n, sp.oo, sp.EulerGamma,
             why="$M_i = M_0(i+1)$: $H_n = \\mathrm{harmonic}(n)/M_0 \\sim \\log(n)/M_0$.")
    return dv


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
