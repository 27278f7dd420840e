"""The categorical recursion, derived step by step (checked by sympy).

Renders docs/derivations/discrete.md:

    PYTHONPATH=src python derivations/discrete.py

One fit draws ``c_i ~ Multinomial(M_i, p_i)`` and sets ``p_{i+1} = c_i / M_i``.
From the probability generating function of one category's count: the
martingale ``E[p_n] = p0``, the heterozygosity recursion from the second
moment, the first-step loss ``(1 - p)^M``, and fixation with probability
``p0_k`` by optional stopping (cited).
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, align_limits, script_main

M = sp.Symbol("M", integer=True, positive=True)
p = sp.Symbol("p", positive=True)
s = sp.Symbol("s")
j = sp.Symbol("j", integer=True, nonnegative=True)
i, n = sp.symbols("i n", integer=True, nonnegative=True)
k, K = sp.symbols("k K", integer=True, positive=True)
P = sp.IndexedBase("p")
Ms = sp.IndexedBase("M", positive=True)
H0 = sp.Symbol("H_0", nonnegative=True)


def build():
    d = Derivation(
        "The categorical recursion (Wright-Fisher drift)",
        intro=(
            "Shumailov et al. (2023), *The Curse of Recursion*, section \"Discrete "
            "distributions with exact approximation\". Model $i + 1$ is the empirical "
            "distribution of $M_i$ draws from model $i$: "
            "$c_i \\sim \\mathrm{Multinomial}(M_i, p_i)$, $p_{i+1} = c_i / M_i$. "
            "Implemented by `modelcollapse.discrete`. Within one fit we write $M = M_i$ "
            "and $p = p_{i,k}$ for one category $k$."
        ),
    )
    lumping = d.assume(
        "A1",
        "Given $p_i$, the count $c_{i,k}$ of one category in a "
        "$\\mathrm{Multinomial}(M, p_i)$ draw is $\\mathrm{Binomial}(M, p_{i,k})$: each of "
        "the $M$ independent draws lands in $k$ with probability $p_{i,k}$.",
        "Any probability text, e.g. Feller (1968), *An Introduction to Probability Theory "
        "and Its Applications I*, VI.9.",
    )
    binomial_theorem = d.assume(
        "A2",
        "The binomial theorem: $\\sum_{j=0}^{M} \\binom{M}{j} x^j y^{M-j} = (x + y)^M$ for "
        "integer $M \\ge 0$ (sympy only sums it under a convergence condition).",
        "Newton; e.g. Graham, Knuth and Patashnik (1994), *Concrete Mathematics*, (5.12).",
    )
    tower = d.assume(
        "A3",
        "The tower property $E[X] = E[E[X \\mid p_i]]$, applied once per generation "
        "(induction on $n$).",
        "Williams (1991), *Probability with Martingales*, 9.7(i).",
    )
    stopping = d.assume(
        "A4",
        "A bounded martingale converges almost surely and in $L^1$ (Doob): "
        "$p_{n,k} \\in [0, 1]$ tends to some $p_{\\infty,k}$ with "
        "$E[p_{\\infty,k}] = \\lim_n E[p_{n,k}]$. When $\\sum_i 1/M_i = \\infty$ "
        "(e.g. bounded $M_i$) the limit is a point mass, since "
        "$E[H_\\infty] = \\lim_n E[H_n] = 0$ by section 3 and bounded convergence; "
        "so $p_{\\infty,k} = \\mathbb{1}[\\text{absorbed in } k]$. (With "
        "$\\sum_i 1/M_i < \\infty$ the chain need not collapse.)",
        "Williams (1991), *Probability with Martingales*, 11.5 and 13.7; Shumailov et "
        "al. (2023), the discrete case; Ewens (2004), *Mathematical Population "
        "Genetics I*, 3.2.",
    )

    d.section("One fit: the count of one category")
    pmf = sp.binomial(M, j) * p**j * (1 - p) ** (M - j)
    d.cite("marginal count", sp.Symbol("P(c_{i,k} = j)"), pmf, assumption=lumping,
           why="Lump every other category together.")
    pgf = d.cite("generating function", sp.Sum(pmf * s**j, (j, 0, M)), (1 - p + p * s) ** M,
                 assumption=binomial_theorem, name="G(s) = E[s^{c_{i,k}}]",
                 why="The probability generating function of the count.")
    d.equal("normalised", pgf.subs(s, 1), 1, name="G(1)", why="The masses sum to one.")
    mean_count = d.equal("mean count", sp.diff(pgf, s).subs(s, 1), M * p,
                         name="E[c_{i,k}] = G'(1)", why="Differentiate once at $s = 1$.")
    factorial = d.equal("second factorial moment", sp.diff(pgf, s, 2).subs(s, 1),
                        M * (M - 1) * p**2, name="E[c_{i,k}(c_{i,k} - 1)] = G''(1)",
                        why="Differentiate twice at $s = 1$.")
    first_loss = d.equal("category unseen", pgf.subs(s, 0), (1 - p) ** M,
                         name="P(c_{i,k} = 0) = G(0)",
                         why="The category is lost at this fit iff none of the $M$ draws is $k$.")

    d.section("The fitted probabilities are a martingale")
    d.equal("conditional mean", mean_count / M, p, name="E[p_{i+1,k} \\mid p_i]",
            why="Divide the mean count by $M$: the fit is unbiased.")
    martingale = d.cite("martingale", sp.Symbol("E[p_{n,k}]"), sp.Symbol("p_{0,k}"),
                        assumption=tower, why="Take expectations generation by generation.")
    d.result("martingale", martingale, name="E[p_{n,k}]",
             why="The expected model after $n$ fits is the truth, for any schedule.",
             used_by="discrete.simulate (tested)")

    d.section(
        "Heterozygosity decays by (1 - 1/M) per fit",
        "The heterozygosity (Gini-Simpson index) $H_i = 1 - \\sum_k p_{i,k}^2$ is the "
        "probability that two draws of model $i$ differ.",
    )
    second = d.equal("second moment", (factorial + mean_count) / M**2,
                     p**2 + p * (1 - p) / M, name="E[p_{i+1,k}^2 \\mid p_i]",
                     why="$E[c^2] = E[c(c - 1)] + E[c]$, divided by $M^2$.")
    pk = second.subs(p, P[k])
    total = sp.Sum(P[k], (k, 1, K))
    squares = sp.Sum(P[k] ** 2, (k, 1, K))
    expected_h = 1 - sp.Sum(pk, (k, 1, K))
    split = d.equal("sum over categories", expected_h,
                    (1 - 1 / M) * (1 - squares) - (total - 1) / M,
                    name="E[H_{i+1} \\mid p_i]",
                    why="Sum the second moments over the $K$ categories (linearity).")
    d.equal("probabilities sum to one", split.subs(total, 1), (1 - 1 / M) * (1 - squares),
            name="E[H_{i+1} \\mid p_i]", why="$\\sum_k p_{i,k} = 1$.")
    h_n = H0 * sp.Product(1 - 1 / Ms[i], (i, 0, n - 1))
    d.equal("no fit", h_n.subs(n, 0).doit(), H0, name="E[H_0]",
            why="The empty product: the truth's own heterozygosity $H_0$.")
    d.equal("induction step", (1 - 1 / Ms[n]) * h_n, h_n.subs(n, n + 1),
            name="E[H_{n+1}] = (1 - 1/M_n) E[H_n]", uses=(tower,),
            simplify=(align_limits, sp.simplify),
            why="Take expectations of the one-fit recursion at generation $n$.")
    d.result("heterozygosity", h_n, name="E[H_n]",
             why="$H_0 = 1 - \\sum_k p_{0,k}^2$; zero as soon as one $M_i = 1$.",
             used_by="discrete.expected_heterozygosity")

    d.section("Loss and fixation")
    d.result("first_loss", first_loss, name="P(p_{1,k} = 0)",
             why="With $p = p_{0,k}$ and $M = M_0$: the first fit loses a category of "
                 "probability $p$ with probability $(1 - p)^{M_0}$; rare categories go first.",
             used_by="discrete.loss_probability(1, M, p)")
    fixation = d.cite("optional stopping", sp.Symbol("P(\\text{absorbed in } k)"),
                      sp.Symbol("p_{0,k}"), assumption=stopping,
                      why="$E[\\mathbb{1}[\\text{absorbed in } k]] = E[p_{\\infty,k}] = "
                          "\\lim_n E[p_{n,k}] = p_{0,k}$ by the martingale property.")
    d.result("fixation", fixation, name="P(\\text{absorbed in } k)",
             why="The chain lands on each state with its original probability "
                 "(whenever $\\sum_i 1/M_i = \\infty$).",
             used_by="discrete.fixation_probability")
    return d


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
