"""Data policies, derived step by step (checked by sympy).

Renders docs/derivations/policies.md:

    PYTHONPATH=src python derivations/policies.py

One exact recursion for the pooled mean's error under every policy; from it
the accumulate error and its pi^2/6 bound (Gerstgrasser et al. 2024; Dey &
Donoho 2024), the stationary error with a fresh fraction f (exact, and the
first-order sigma^2/(M f (2 - f))), and the least-squares test errors of
Dohmatob et al. 2024 from the inverse-Wishart mean (cited).
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, align_limits, script_main

sigma = sp.Symbol("sigma", positive=True)
a, v, e, xi, zeta = sp.symbols("a v e xi zeta")
P, L, K, N = sp.symbols("P L K N", positive=True)
M = sp.Symbol("M", integer=True, positive=True)
m = sp.Symbol("m", integer=True, nonnegative=True)
f = sp.Symbol("f", positive=True)
i, j, k, n = sp.symbols("i j k n", integer=True, positive=True)
d_, T = sp.symbols("d T", integer=True, positive=True)


def _expect(expr):
    """E[.] of a quadratic in the independent zero-mean (e, xi, zeta) of one fit."""
    second = {e**2: a, xi**2: v / L, zeta**2: sigma**2 / K}
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, rest = term.as_independent(e, xi, zeta)
        total += coeff * second.get(rest, 0)  # cross terms have mean zero
    return total


def _factor(jj):
    """The accumulate variance factor 1 - M/(N (N - 1)) at N = (jj + 1) M."""
    return 1 - 1 / ((jj + 1) * ((jj + 1) * M - 1))


def _accumulated_error(nn):
    """(sigma^2/M)(1 + sum_{k=2}^{n} v_{k-1}/k^2), v_{k-1} = prod_{j=1}^{k-2} factor(j)."""
    return sigma**2 / M * (1 + sp.Sum(sp.Product(_factor(j), (j, 1, k - 2)) / k**2, (k, 2, nn)))


def build():
    d = Derivation(
        "Data policies: accumulate, fresh real data, and least squares",
        intro=(
            "Generation $i$ has $K$ fresh points from the truth $N(\\mu, \\sigma^2)$ and $L$ "
            "points from model $i$; model $i + 1$ is fitted to a pool of $N = P + K + L$ "
            "points, $P = 0$ when replacing (Shumailov et al. 2023) and $P = N_{i-1}$ when "
            "accumulating (Gerstgrasser et al. 2024, *Is Model Collapse Inevitable?*). "
            "$e_i = \\mu_i - \\mu$, $a_i = E[e_i^2]$, $v_i = E[\\sigma_i^2]$ (unbiased fit). "
            "Implemented by `modelcollapse.policies`, simulated by the `policy=` and "
            "`fresh=` arguments of `gaussian.simulate` and `multivariate.simulate`; "
            "`modelcollapse.regression` for the last section."
        ),
    )
    independent = d.assume(
        "A1",
        "Given model $i$, the mean of the $L$ synthetic points is $\\mu_i + \\xi$ with "
        "$E[\\xi^2 \\mid \\text{model } i] = \\sigma_i^2/L$, the mean of the $K$ fresh points "
        "is $\\mu + \\zeta$ with $E[\\zeta^2] = \\sigma^2/K$, independent of each other and of "
        "the past, both of mean zero; the old pool's mean is $\\mu_i$ (model $i$ was fitted "
        "to it). Then take expectations (tower property).",
        "Any probability text, e.g. Williams (1991), *Probability with Martingales*, 9.7.",
    )
    huygens = d.assume(
        "A2",
        "König-Huygens: $\\sum_x (x - \\bar x)^2 = \\sum_x (x - \\mu)^2 - N(\\bar x - \\mu)^2$; "
        "a synthetic point has $E[(x - \\mu)^2 \\mid \\text{model } i] = \\sigma_i^2 + e_i^2$, "
        "so the pool's expected sum of squares about $\\mu$ grows by "
        "$K\\sigma^2 + L(v_i + a_i)$ per generation.",
        "e.g. Casella & Berger, *Statistical Inference*, Thm 5.2.4.",
    )
    wishart = d.assume(
        "A3",
        "For a $T \\times d$ design with iid $N(0, \\Sigma)$ rows, $X^\\top X \\sim W_d(T, "
        "\\Sigma)$ and $E[(X^\\top X)^{-1}] = \\Sigma^{-1}/(T - d - 1)$ for $T > d + 1$ (the "
        "inverse-Wishart mean).",
        "Muirhead (1982), *Aspects of Multivariate Statistical Theory*, Thm 3.2.12; Dohmatob, "
        "Feng and Kempe (2024), *Model Collapse Demystified*, Section 3.",
    )
    martingale = d.assume(
        "A4",
        "The least-squares errors $u_k = w_k - w_0$ are martingales, "
        "$u_{k+1} = u_k + G_{k+1}^{-1} X^\\top \\varepsilon_k$ with label noise "
        "$\\varepsilon_k \\sim N(0, \\sigma^2 I_T)$ independent of the past, so "
        "$E\\|u_n\\|_\\Sigma^2$ is the sum of the increments' "
        "$E\\|G^{-1}X^\\top\\varepsilon\\|_\\Sigma^2 = \\sigma^2 E\\,\\mathrm{tr}(\\Sigma "
        "G^{-1} X^\\top X G^{-1})$; $G_{k+1} = X^\\top X$ (replace) or $(k + 1) X^\\top X$ "
        "(accumulate, fixed design: the pooled normal equations average the labels).",
        "Williams (1991), 12.1 (orthogonality of martingale increments); Gerstgrasser et al. "
        "(2024), Theorem 2.",
    )

    d.section("One fit, any policy")
    pooled = (P * e + L * (e + xi) + K * zeta) / N
    expected = d.cite("pooled mean error", sp.Symbol("E[e_{i+1}^2]"), _expect(pooled**2),
                      assumption=independent,
                      why="$N e_{i+1} = P e_i + L(e_i + \\xi) + K\\zeta$; square and average.")
    mean_step = d.equal("mean recursion", expected,
                        ((P + L) / N) ** 2 * a + (K * sigma**2 + L * v) / N**2, name="a_{i+1}",
                        why="Collect terms: the old error contracts by the synthetic share.")
    spread = sp.Symbol("S_i")
    d.cite("variance recursion", sp.Symbol("v_{i+1}"),
           (spread - N * sp.Symbol("a_{i+1}")) / (N - 1), assumption=huygens,
           why="$S_i$ is the pool's expected sum of squares about $\\mu$; divide by $N - 1$.")

    d.section("Accumulate, constant M", "Here $K = 0$, $L = M$, $P = iM$, $N = (i + 1)M$.")
    d.equal("mean step", mean_step.subs({K: 0, L: M, P: i * M, N: (i + 1) * M}),
            a + v / ((i + 1) ** 2 * M), name="a_{i+1}",
            why="No contraction: the pooled mean is a martingale whose steps shrink like $1/i^2$.")
    prev = sp.Symbol("N_{i-1}", positive=True)
    size = prev + M
    a_next = a + M * v / size**2
    d.equal("variance step",
            ((prev - 1) * v + prev * a + M * (v + a) - size * a_next) / (size - 1),
            v * (1 - M / (size * (size - 1))), name="v_{i+1}", uses=(huygens,),
            why="With $S_{i-1} = (N_{i-1} - 1)v_i + N_{i-1}a_i$ (the previous step), the "
                "pool's errors cancel but its mean's.")
    d.equal("variance factor", 1 - M / ((i + 1) * M * ((i + 1) * M - 1)), _factor(i),
            name="1 - M/(N_i(N_i - 1))", why="$N_i = (i + 1)M$.")
    d.text("So $v_1 = \\sigma^2$ (one fit to real data) and "
           "$v_k = \\sigma^2 \\prod_{j=1}^{k-1} (1 - 1/((j+1)((j+1)M - 1)))$.")
    d.equal("one fit", _accumulated_error(1), sigma**2 / M, name="a_1",
            simplify=(lambda x: x.doit(), sp.simplify),
            why="The first model is fitted to $M$ real points.")
    d.equal("induction step",
            _accumulated_error(n)
            + sigma**2 * sp.Product(_factor(j), (j, 1, n - 1)) / ((n + 1) ** 2 * M),
            _accumulated_error(n + 1), name="a_{n+1} = a_n + v_n/((n + 1)^2 M)",
            simplify=(align_limits, sp.simplify),
            why="The mean step with $v_n$ from the variance product ($n \\ge 1$).")
    d.result("accumulate_mean_squared_error", _accumulated_error(n), name="E[(\\mu_n - \\mu)^2]",
             why="For $n \\ge 1$; $p_k = v_{k-1}/\\sigma^2 \\le 1$ is the variance path.",
             used_by="policies.gaussian_mean_squared_error(policy='accumulate')")
    d.inequality("every variance factor is below one", 1 / ((j + 1) * ((j + 1) * (m + 2) - 1)),
                 ">", 0, name=None,
                 why="With $M = m + 2 \\ge 2$: so $v_k \\le \\sigma^2$.")
    basel = d.summation("Basel", 1 / k**2, (k, 1, sp.oo), sp.pi**2 / 6,
                        name="\\sum_{k \\ge 1} 1/k^2", why="Euler.")
    partial = sp.Sum(1 / k**2, (k, 1, n))
    d.equal("the partial sums fall short by a tail", basel - partial,
                   sp.Sum(1 / k**2, (k, n + 1, sp.oo)), name="\\pi^2/6 - \\sum_{k \\le n} 1/k^2",
                   why="Split the series at $n$.")
    d.inequality("every tail term is positive", 1 / (k + n) ** 2, ">", 0, name=None,
                 why="So the tail is positive and $a_n \\le (\\sigma^2/M)\\sum_{k \\le n} 1/k^2 "
                     "< (\\pi^2/6)\\,\\sigma^2/M$ for every $n$.")
    d.result("accumulate_bound", sigma**2 / M * basel, name="\\sup_n E[(\\mu_n - \\mu)^2]",
             why="Bounded by $\\pi^2/6$ times one fit's error, where replacing grows like "
                 "$n\\sigma^2/M$.",
             used_by="tests/test_policies.py (the bound)")

    d.section("Replace with a fresh fraction f, constant M",
              "Here $P = 0$, $N = M$, $K = fM$, $L = (1 - f)M$, unbiased fit.")
    sub = {P: 0, N: M, K: f * M, L: (1 - f) * M}
    a_rec = d.equal("mean step", mean_step.subs(sub),
                    (1 - f) ** 2 * a + (f * sigma**2 + (1 - f) * v) / M, name="a_{i+1}",
                    why="The error contracts by $(1 - f)^2$ per generation.")
    v_rec = (f * M * sigma**2 + (1 - f) * M * (v + a) - M * a_rec) / (M - 1)
    d.cite("variance step", sp.Symbol("v_{i+1}"), v_rec, assumption=huygens,
           why="Replacing, $S_i = K\\sigma^2 + L(v_i + a_i)$ only.")
    fixed = sp.solve([sp.Eq(a, a_rec), sp.Eq(v, v_rec)], [a, v], dict=True)[0]
    exact = d.equal("stationary mean error", fixed[a],
                    sigma**2 * (M - 1) / (M * (M * f * (2 - f) - 1)), name="a_\\infty",
                    why="The fixed point of the two linear recursions (sympy solves them).")
    v_inf = d.equal("stationary variance", fixed[v],
                    sigma**2 * f * (2 * M - 1 - M * f) / (M * f * (2 - f) - 1), name="v_\\infty",
                    why="Above $\\sigma^2$ for $0 < f < 1$: mixing a drifted model widens the fit.")
    first = sp.solve(sp.Eq(a, a_rec.subs(v, sigma**2)), a)[0]
    first = d.equal("first order", first, sigma**2 / (M * f * (2 - f)), name="a_\\infty^{(1)}",
                    why="The same fixed point with $v_i$ held at $\\sigma^2$: the stationary "
                        "variance of $e_{t+1} = (1 - f)e_t + \\xi_t$, $\\mathrm{Var}\\,\\xi = "
                        "\\sigma^2/M$.")
    d.equal("exact over first order", exact / first, 1 + (1 - f) ** 2 / (M * f * (2 - f) - 1),
            name="a_\\infty / a_\\infty^{(1)}",
            why="Exact only at $f = 1$; the gap is $O(1/M)$.")
    d.result("fresh_stationary_mean_squared_error", exact, name="a_\\infty",
             why="Requires $Mf(2 - f) > 1$, i.e. at least one fresh point.",
             used_by="policies.gaussian_stationary_mean_squared_error")
    d.result("fresh_stationary_first_order", first, name="a_\\infty^{(1)}",
             why="The first-order value: the mutant of the verify claim.",
             used_by="verify policies.gaussian.fresh_stationary_mean_squared_error (mutant)")
    d.result("fresh_stationary_sigma2", v_inf, name="v_\\infty",
             why="", used_by="policies.gaussian_stationary_sigma2")

    d.section("Least squares (Dohmatob et al. 2024; Gerstgrasser et al. 2024)",
              "Design $X \\in \\mathbb{R}^{T\\times d}$ held fixed, labels regenerated by the "
              "previous model plus $N(0, \\sigma^2)$ noise; test error "
              "$\\|w_n - w_0\\|_\\Sigma^2$.")
    per_fit = d.cite("one replace increment",
                     sp.Symbol("\\sigma^2 E\\,\\mathrm{tr}(\\Sigma (X^\\top X)^{-1})"),
                     sigma**2 * d_ / (T - d_ - 1), assumption=wishart, uses=(martingale,),
                     why="$\\mathrm{tr}(\\Sigma\\Sigma^{-1}) = d$.")
    replace = d.summation("replace", per_fit, (k, 1, n), n * per_fit,
                          name="E\\|w_n - w_0\\|_\\Sigma^2",
                          why="$n$ equal martingale increments: linear growth.")
    accumulate = d.equal("accumulate", sp.Sum(per_fit / k**2, (k, 1, n)), per_fit * partial,
                         name="E\\|w_n - w_0\\|_\\Sigma^2", uses=(martingale,),
                         why="$G_k = kX^\\top X$ divides the $k$-th increment's variance by "
                             "$k^2$: below $(\\pi^2/6)$ times one fit's error, by the tail above.")
    d.result("regression_replace", replace, name="E\\|w_n - w_0\\|_\\Sigma^2",
             why="Dohmatob et al. (2024), Theorem 3.1 with $T_0 = T$.",
             used_by="regression.expected_test_error(policy='replace')")
    d.result("regression_accumulate", accumulate, name="E\\|w_n - w_0\\|_\\Sigma^2",
             why="Gerstgrasser et al. (2024), Theorem 2.",
             used_by="regression.expected_test_error(policy='accumulate')")
    return d


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
