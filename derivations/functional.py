"""Functional approximation error, derived step by step (checked by sympy).

Renders docs/derivations/functional.md:

    PYTHONPATH=src python derivations/functional.py

Kernel density estimates refitted to their own samples (the spread recursion,
its fixed point, the data-driven growth factor, the harmonic growth under
accumulation, the expected held-out density), and a Gaussian fitted to a
non-Gaussian truth (the first fit's moments composed with the Gaussian
recursion, the kurtosis lost, the second-order tail loss, the W2 floor).
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, script_main

sigma, h, c, s = sp.symbols("sigma h c s", positive=True)
M = sp.Symbol("M", integer=True, positive=True)
n, i = sp.symbols("n i", integer=True, nonnegative=True)
v, a, S2, mu, t = sp.symbols("v a S^2 mu t", real=True)
kappa, mu3, q, m_, x = sp.symbols("kappa mu_3 q m x", real=True)
var = sp.Symbol("v", positive=True)


def _spread(k):
    """v_k = M h^2 + (1 - 1/M)^k (sigma^2 - M h^2): the fixed-bandwidth spread."""
    return M * h**2 + (1 - 1 / M) ** k * (sigma**2 - M * h**2)


def _split_powers(expr):
    """Expand x**(n + 1) into x * x**n, so an induction step cancels."""
    return sp.expand(sp.expand_power_exp(expr))


def _growth():
    return 1 - 1 / M + c**2


def _marginal_driven(k):
    g = _growth()
    return sigma**2 * ((1 - 1 / M) * g**k + 1 / M + g / M * (g**k - 1) / (g - 1))


def _harmonic_sum(k):
    """sum_{j=0}^{k} H_j in closed form: (k + 1) H_{k+1} - (k + 1)."""
    return (k + 1) * sp.harmonic(k + 1) - (k + 1)


def _tail(mean, variance):
    """g(a, v) = Phi-bar((q - a)/sqrt(v))."""
    return sp.erfc((q - mean) / sp.sqrt(2 * variance)) / 2


def build():
    d = Derivation(
        "Functional approximation error: KDE chains and misspecified Gaussian fits",
        intro=(
            "Generation $i$ has $M$ points; model $i + 1$ is fitted to them. First a Gaussian "
            "kernel density estimate with bandwidth $h$ (a draw is a uniformly chosen point "
            "plus $N(0, h^2)$ noise), $D_0 = N(\\mu, \\sigma^2)$; then a Gaussian fitted "
            "without bias to $M$ draws of a non-Gaussian $D_0$ with mean $m$, variance "
            "$\\sigma^2$, third central moment $\\mu_3$ and excess kurtosis $\\kappa$. "
            "$v_i = E[S_i^2]$ is the expected `ddof=1` variance of generation $i$, "
            "$a_i = E[(\\bar X^i - \\mu)^2]$. Implemented by `modelcollapse.kde` and "
            "`modelcollapse.misspecified`."
        ),
    )
    mixture = d.assume(
        "A1",
        "Given generation $i$ (mean $\\bar x$, `ddof=1` variance $S_i^2$), a KDE draw "
        "$x_U + hZ$ has mean $\\bar x$ and variance $(1 - 1/M)S_i^2 + h^2$ (law of total "
        "variance over the uniform index $U$), and the $M$ draws of generation $i + 1$ are "
        "iid given generation $i$, so $E[S_{i+1}^2 \\mid i] = (1 - 1/M)S_i^2 + h^2$ and "
        "$E[(\\bar X^{i+1} - \\bar x)^2 \\mid i] = ((1 - 1/M)S_i^2 + h^2)/M$.",
        "e.g. Casella & Berger, *Statistical Inference*, Thm 4.4.7 and Thm 5.2.6.",
    )
    ancestry = d.assume(
        "A2",
        "Accumulating, generation $i + 1$ picks a uniform point of the pool of generations "
        "$0..i$ ($M$ points each), i.e. a uniform generation; so the number of kernel steps "
        "$K_n$ on a draw's ancestry has $P(K_{i+1} = k + 1) = \\frac{1}{i+1}\\sum_{g \\le i}"
        " P(K_g = k)$: the depth of node $n$ in a random recursive tree, "
        "$K_n = \\sum_{j=1}^{n} B_j$, $B_j \\sim \\mathrm{Bernoulli}(1/j)$ independent.",
        "Devroye (1987), *Branching processes in the analysis of the heights of trees*, "
        "Acta Inform. 24; Drmota (2009), *Random Trees*, Section 6.1.",
    )
    cramer = d.assume(
        "A3",
        "For $M$ iid draws with central moments $\\sigma^2, \\mu_3, \\mu_4$: "
        "$\\mathrm{Cov}(\\bar X, S^2) = \\mu_3/M$ and "
        "$\\mathrm{Var}(S^2) = \\mu_4/M - \\sigma^4 (M - 3)/(M(M - 1))$.",
        "Cramér (1946), *Mathematical Methods of Statistics*, Section 27.4; "
        "checked by enumeration at $M = 3$ in `tests/test_misspecified.py`.",
    )
    coupling = d.assume(
        "A4",
        "In one dimension the optimal $W_2$ coupling of two laws is the quantile coupling: "
        "$W_2^2 = \\int_0^1 (F^{-1}(u) - G^{-1}(u))^2 du$.",
        "Villani (2003), *Topics in Optimal Transportation*, Thm 2.18.",
    )

    d.section("KDE, fixed bandwidth: the spread", "Replacing; $v_0 = \\sigma^2$.")
    step = d.cite("spread recursion", sp.Symbol("v_{i+1}"), (1 - 1 / M) * v + h**2,
                  assumption=mixture, why="Take expectations of $E[S_{i+1}^2 \\mid i]$.")
    fixed = sp.solve(sp.Eq(v, step), v)[0]
    d.equal("fixed point", fixed, M * h**2, name="v_\\infty",
            why="The kernel adds $h^2$ per generation while resampling removes $v/M$.")
    d.equal("closed form starts at the truth", _spread(0), sigma**2, name="v_0",
            why="Generation 0 is $M$ draws of $D_0$.")
    d.equal("closed form solves the recursion", _spread(n + 1),
            step.subs(v, _spread(n)), name="v_{n+1}", simplify=(_split_powers, sp.simplify),
            why="So by induction $v_n = Mh^2 + (1 - 1/M)^n(\\sigma^2 - Mh^2)$.")
    d.result("kde_expected_sample_variance", _spread(n), name="E[S_n^2]",
             why="Converges to $Mh^2$; the Gaussian recursion's $(1 - 1/M)^n\\sigma^2$ (the "
                 "MLE fit) is this without the kernel's $h^2$.",
             used_by="kde.expected_sample_variance")

    d.section("KDE, fixed bandwidth: one draw", "$a_0 = \\sigma^2/M$.")
    a_step = d.cite("mean recursion", sp.Symbol("a_{i+1}"), a + ((1 - 1 / M) * v + h**2) / M,
                    assumption=mixture, why="The new mean scatters about the old one.")
    total = (1 - 1 / M) * v + a
    d.equal("one draw's variance grows by h^2",
            ((1 - 1 / M) * step + a_step) - total, h**2,
            name="\\mathrm{Var}(X^{n+1}_j) - \\mathrm{Var}(X^n_j)",
            why="$\\mathrm{Var}(X^i_j) = E[(1 - 1/M)S_i^2] + a_i$ (total variance over the "
                "generation); the $v$ and $a$ terms cancel.")
    d.equal("start", total.subs({v: sigma**2, a: sigma**2 / M}), sigma**2,
            name="\\mathrm{Var}(X^0_j)", why="A draw of $D_0$.")
    d.result("kde_sample_variance", sigma**2 + n * h**2, name="\\mathrm{Var}(X^n_j)",
             why="Linear growth, whatever $M$: the KDE never collapses its spread.",
             used_by="kde.sample_variance")

    d.section("KDE, accumulating", "Fixed bandwidth; the pool holds generations $0..i$.")
    j = sp.Symbol("j", integer=True, positive=True)
    d.equal("harmonic partial sums", _harmonic_sum(j) - _harmonic_sum(j - 1), sp.harmonic(j),
            name="\\sum_{g\\le j} H_g - \\sum_{g \\le j-1} H_g",
            simplify=(sp.expand_func, sp.simplify),
            why="With $\\sum_{g \\le 0} H_g = 0$, this is "
                "$\\sum_{g=0}^{j} H_g = (j + 1)H_{j+1} - (j + 1)$.")
    d.equal("the harmonic law solves the pooled recursion",
            sigma**2 + h**2 * _harmonic_sum(j) / (j + 1) + h**2,
            sigma**2 + h**2 * sp.harmonic(j + 1), name="\\mathrm{Var}(X^{j+1}_k)",
            uses=(ancestry,), simplify=(sp.expand_func, sp.simplify),
            why="A draw is a uniform pool point (the average of the generations' variances "
                "$\\sigma^2 + h^2 H_g$) plus $h^2$; $E[K_n] = H_n$.")
    d.result("kde_sample_variance_accumulate", sigma**2 + h**2 * sp.harmonic(n),
             name="\\mathrm{Var}(X^n_j)",
             why="Logarithmic growth, $H_n \\approx \\log n$.",
             used_by="kde.sample_variance(policy='accumulate')")

    d.section("KDE, data-driven bandwidth",
              "$h_i = c\\,S_i$ with $c = M^{-1/5}$ (Scott) or $(3M/4)^{-1/5}$ (Silverman).")
    g = d.equal("growth factor", step.subs(h, c * sp.sqrt(v)) / v, _growth(), name="g_M",
                uses=(mixture,), why="The recursion becomes multiplicative: $v_n = \\sigma^2 "
                                     "g_M^n$.")
    w = sp.Symbol("w", nonnegative=True)
    d.inequality("Scott's rule widens", (1 + w) ** -2 - (1 + w) ** -5, ">=", 0,
                 name="c^2 - 1/M",
                 why="With $M = (1 + w)^5$, $w \\ge 0$: $c^2 = M^{-2/5} \\ge M^{-1}$ (strictly "
                     "for $M \\ge 2$; Silverman's $c^2$ is larger still), so $g_M > 1$: the "
                     "spread grows geometrically.")
    d.result("kde_expected_sample_variance_driven", sigma**2 * g**n, name="E[S_n^2]",
             why="", used_by="kde.expected_sample_variance(bandwidth='scott'|'silverman')")
    vn = sigma**2 * g**n
    d.equal("one draw, data-driven", _marginal_driven(n + 1) - _marginal_driven(n),
            (1 - 1 / M) * (g - 1) * vn + g * vn / M,
            name="\\mathrm{Var}(X^{n+1}_j) - \\mathrm{Var}(X^n_j)", uses=(mixture,),
            simplify=(_split_powers, sp.simplify),
            why="$a_{i+1} = a_i + g_M v_i/M$ and $\\mathrm{Var}(X^i_j) = (1 - 1/M)v_i + a_i$.")
    d.equal("data-driven start", _marginal_driven(0), sigma**2,
            name="\\mathrm{Var}(X^0_j)", why="A draw of $D_0$.")
    d.result("kde_sample_variance_driven", _marginal_driven(n), name="\\mathrm{Var}(X^n_j)",
             why="", used_by="kde.sample_variance(bandwidth='scott'|'silverman')")

    d.section("KDE: expected held-out density",
              "$E[\\hat p_n]$ is the law of $X^n_j$: replacing, $N(\\mu, s^2)$ with "
              "$s^2 = \\sigma^2 + nh^2$.")
    overlap = d.integral(
        "Gaussian overlap",
        sp.exp(-x**2 / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
        * sp.exp(-x**2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2),
        (x, -sp.oo, sp.oo), 1 / sp.sqrt(2 * sp.pi * (sigma**2 + s**2)),
        name="E[\\hat p_n(X)]", why="$X \\sim D_0$ independent of the chain.")
    d.result("kde_expected_test_density", overlap.subs(s, sp.sqrt(sigma**2 + n * h**2)),
             name="E[\\hat p_n(X)]",
             why="Accumulating, average this over $K_n$ in place of $n$.",
             used_by="kde.expected_test_density")

    d.section("Misspecified Gaussian fit: the first fit and later generations",
              "$\\mu_4 = (\\kappa + 3)\\sigma^4$.")
    var_s2 = d.cite("variance of the fitted variance", sp.Symbol("\\mathrm{Var}(\\sigma_1^2)"),
                    (kappa + 3) * sigma**4 / M - sigma**4 * (M - 3) / (M * (M - 1)),
                    assumption=cramer, why="The first fit is to $M$ literal draws of $D_0$.")
    var_s2 = d.equal("in terms of kurtosis", var_s2, sigma**4 / M * (kappa + 2 * M / (M - 1)),
                     name="\\mathrm{Var}(\\sigma_1^2)", why="Collect the $\\sigma^4$ terms.")
    d.equal("a Gaussian truth", var_s2.subs(kappa, 0), 2 * sigma**4 / (M - 1),
            name="\\mathrm{Var}(\\sigma_1^2)|_{\\kappa = 0}",
            why="The chi-square value of `gaussian.sigma2_variance(1, M)`.")
    later = (var_s2 + sigma**4) * (1 + 2 / (M - 1)) ** (n - 1) - sigma**4
    d.equal("later generations, Gaussian truth", later.subs(kappa, 0),
            sigma**4 * ((1 + 2 / (M - 1)) ** n - 1),
            name="\\mathrm{Var}(\\sigma_n^2)|_{\\kappa = 0}",
            why="Each later fit multiplies $\\sigma^2$ by an independent "
                "$\\chi^2_{M-1}/(M-1)$ of second moment $1 + 2/(M-1)$; with $\\kappa = 0$ "
                "this is the Gaussian closed form.")
    d.result("misspecified_sigma2_variance", later, name="\\mathrm{Var}(\\sigma_n^2)",
             why="For $n \\ge 1$; $D_0$ enters only through $\\kappa$.",
             used_by="misspecified.sigma2_variance")
    fresh = 3 * var_s2 / sigma**4
    d.equal("kurtosis of a fresh draw", fresh.subs(kappa, 0), 6 / (M - 1),
            name="\\kappa(X^1_j - \\mu_1)|_{\\kappa = 0}",
            why="$E[(\\sigma_1 Z)^4] = 3E[\\sigma_1^4]$; the variance-gamma value "
                "$6/(M - 1)$ for a Gaussian truth.")
    d.result("misspecified_kurtosis_generation_one", fresh, name="\\kappa(X^1_j - \\mu_1)",
             why="All but $O(1/M)$ of $\\kappa$ is lost at the first fit.",
             used_by="misspecified.kurtosis_loss")

    d.section("Misspecified Gaussian fit: the tail beyond D0's quantile",
              "$g(a, v) = \\bar\\Phi((q - a)/\\sqrt{v})$, expanded about $(m, \\sigma^2)$.")
    z = (q - m_) / sigma
    phi = sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)
    tail = _tail(mu, var)
    at = {mu: m_, var: sigma**2}
    g_aa = d.equal("g_aa", sp.diff(tail, mu, 2).subs(at), z * phi / sigma**2,
                   name="\\partial_a^2 g", why="Differentiate twice in the mean.")
    g_av = d.equal("g_av", sp.diff(tail, mu, var).subs(at),
                   -(1 - z**2) * phi / (2 * sigma**3), name="\\partial_a\\partial_v g",
                   why="Mixed derivative.")
    g_vv = d.equal("g_vv", sp.diff(tail, var, 2).subs(at),
                   -z * (3 - z**2) * phi / (4 * sigma**4), name="\\partial_v^2 g",
                   why="Twice in the variance.")
    expected = (_tail(m_, sigma**2) + (g_aa * sigma**2 / M + 2 * g_av * mu3 / M
                                        + g_vv * var_s2) / 2)
    d.cite("second-order expansion", sp.Symbol("E[g(\\mu_1, \\sigma_1^2)]"), expected,
           assumption=cramer, rel="=",
           why="The first-order terms vanish ($E\\mu_1 = m$, $E\\sigma_1^2 = \\sigma^2$); "
               "the third-order remainder is $O(M^{-2})$ when $D_0$ has a finite sixth "
               "moment.")
    d.result("misspecified_tail_expected", expected, name="P(X^1_j > q)",
             why="Up to $O(M^{-2})$; the truth is $P_{D_0}(X > q) = 1 - \\text{level}$.",
             used_by="misspecified.tail_loss")

    d.section("Misspecified Gaussian fit: W2 to the truth",
              "$C = \\int_0^1 F^{-1}(u)\\Phi^{-1}(u)du$ (computed by quadrature).")
    C = sp.Symbol("C", positive=True)
    w2 = d.cite("quantile coupling", sp.Symbol("W_2^2(D_0, N(t, s^2))"),
                sigma**2 + (m_ - t) ** 2 + s**2 - 2 * s * C, assumption=coupling,
                why="Expand the square; $\\int\\Phi^{-1} = 0$, $\\int(\\Phi^{-1})^2 = 1$.")
    best = sp.solve(sp.diff(w2, s), s)[0]
    d.equal("best scale", best, C, name="\\arg\\min_s W_2^2",
            why="Not $\\sigma$: the best Gaussian in $W_2$ shrinks the scale to $C \\le \\sigma$.")
    d.result("misspecified_w2_floor", w2.subs({s: C, t: m_}), name="\\min W_2^2",
             why="$\\sigma^2 - C^2$, zero iff $D_0$ is Gaussian: what no data removes.",
             used_by="misspecified.w2_floor")
    return d


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
