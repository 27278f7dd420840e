"""Diversity of a sample and the loss of rare words, derived step by step (checked by sympy).

Renders docs/derivations/diversity.md:

    PYTHONPATH=src python derivations/diversity.py

From the generating function of one category's count in ``T`` draws: the
expected number of distinct categories, the exact bias of the Good-Turing
missing-mass estimator, the unbiased Simpson concentration, and the large-M
(Poisson branching) loss probability of a rare category over the recursion.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, script_main

T = sp.Symbol("T", integer=True, positive=True)
p = sp.Symbol("p", positive=True)
s = sp.Symbol("s")
j = sp.Symbol("j", integer=True, nonnegative=True)
k, K = sp.symbols("k K", integer=True, nonnegative=True)
m = sp.Symbol("m", positive=True)
c = sp.Symbol("c", positive=True)
M = sp.Symbol("M", integer=True, positive=True)
P = sp.IndexedBase("p")
a, F = sp.symbols("a F", positive=True)
V = sp.Symbol("V", positive=True)


def _peel_one_factor(expr):
    """Rewrite (1 - p)^T as (1 - p) (1 - p)^(T - 1) and expand."""
    return sp.expand(expr.subs((1 - p) ** T, (1 - p) * (1 - p) ** (T - 1)))


def build():
    d = Derivation(
        "Diversity of a sample and the loss of rare words",
        intro=(
            "The estimators of `modelcollapse.estimate` for one generation's output "
            "(`expected_distinct`, `missing_mass`, `hill_numbers`) and the large-$M$ loss "
            "probability `modelcollapse.ngram.branching_loss_probability`. A sample is $T$ "
            "independent draws from $p = (p_0, \\dots, p_{K-1})$; $c_k$ counts category $k$, "
            "$N_r = \\#\\{k : c_k = r\\}$, and the missing mass is "
            "$U = \\sum_k p_k \\mathbb{1}[c_k = 0]$."
        ),
    )
    lumping = d.assume(
        "A1",
        "The count of one category in $T$ independent draws is "
        "$\\mathrm{Binomial}(T, p_k)$, and by the binomial theorem its generating function "
        "is $E[s^{c_k}] = (1 - p_k + p_k s)^T$.",
        "Feller (1968), *An Introduction to Probability Theory and Its Applications I*, "
        "VI.9 and XI.1.",
    )
    linearity = d.assume(
        "A2",
        "Linearity of expectation: the expectation of a sum over categories is the sum of "
        "the expectations, whatever the dependence between the counts.",
        "Feller (1968), IX.2.",
    )
    branching = d.assume(
        "A3",
        "For a Galton-Watson process with offspring generating function $f$, the "
        "generating function of generation $n$ started from one individual is the "
        "$n$-fold composition $f_n = f \\circ \\dots \\circ f$; started from a random "
        "number with generating function $g$, it is $g \\circ f_n$. Hence the "
        "probability of extinction by generation $n$ is $g(f_n(0))$.",
        "Harris (1963), *The Theory of Branching Processes*, I.2; Athreya & Ney (1972), "
        "I.1.",
    )

    d.section("One category's count in T draws")
    pgf = d.cite("generating function", sp.Symbol("E[s^{c_k}]"), (1 - p + p * s) ** T,
                 assumption=lumping, why="With $p = p_k$.")
    unseen = d.equal("unseen", pgf.subs(s, 0), (1 - p) ** T, name="P(c_k = 0) = G(0)",
                     why="No draw lands in $k$.")
    once = d.equal("seen once", sp.diff(pgf, s).subs(s, 0), T * p * (1 - p) ** (T - 1),
                   name="P(c_k = 1) = G'(0)", why="Differentiate once at $s = 0$.")
    factorial = d.equal("second factorial moment", sp.diff(pgf, s, 2).subs(s, 1),
                        T * (T - 1) * p**2, name="E[c_k(c_k - 1)] = G''(1)",
                        why="Differentiate twice at $s = 1$.")

    d.section("Expected number of distinct categories")
    distinct = sp.Sum(1 - (1 - P[k]) ** T, (k, 0, K - 1))
    d.equal("one category", 1 - unseen, 1 - (1 - p) ** T, name="P(c_k > 0)",
            why="The complement of unseen.")
    d.cite("sum over categories", sp.Symbol("E[\\#\\{k : c_k > 0\\}]"), distinct,
           assumption=linearity, why="Sum the indicators $\\mathbb{1}[c_k > 0]$.")
    d.result("expected_distinct", distinct, name="E[\\#\\{k : c_k > 0\\}]",
             why="Evaluated as $-\\sum_k \\mathrm{expm1}(T\\,\\mathrm{log1p}(-p_k))$.",
             used_by="estimate.expected_distinct")

    d.section("The Good-Turing estimator of the missing mass")
    per_estimate = d.equal("estimator, one category", once / T, p * (1 - p) ** (T - 1),
                           name="E[\\mathbb{1}[c_k = 1]]/T",
                           why="$N_1/T = \\sum_k \\mathbb{1}[c_k = 1]/T$.")
    per_missing = d.equal("missing mass, one category", p * unseen, p * (1 - p) ** T,
                          name="E[p_k \\mathbb{1}[c_k = 0]]", why="$p_k$ times $P(c_k = 0)$.")
    d.equal("bias, one category", per_estimate - per_missing, p**2 * (1 - p) ** (T - 1),
            name="E[\\mathbb{1}[c_k = 1]]/T - E[p_k \\mathbb{1}[c_k = 0]]",
            simplify=_peel_one_factor,
            why="Write $(1 - p)^T = (1 - p)(1 - p)^{T-1}$: the bias is positive.")
    mean = sp.Sum(P[k] * (1 - P[k]) ** (T - 1), (k, 0, K - 1))
    bias = sp.Sum(P[k] ** 2 * (1 - P[k]) ** (T - 1), (k, 0, K - 1))
    d.cite("sum over categories", sp.Symbol("E[N_{1}/T] - E[U]"), bias, assumption=linearity,
           why="Sum the per-category bias.")
    d.result("good_turing_mean", mean, name="E[N_1/T]",
             why="The mean of `missing_mass(counts).estimate`.", used_by="estimate.missing_mass")
    d.result("good_turing_bias", bias, name="E[N_1/T] - E[U]",
             why="At most $1/T$: $p(1-p)^{T-1} \\le \\tfrac1T(1 - \\tfrac1T)^{T-1} \\le "
                 "\\tfrac1T$, so each term is at most $p_k/T$.",
             used_by="estimate.missing_mass (Notes)")

    d.section("An unbiased Simpson concentration")
    d.text("Let $\\hat\\lambda = \\sum_k c_k(c_k - 1)/(T(T-1))$.")
    d.equal("one category", factorial / (T * (T - 1)), p**2,
            name="E[c_k(c_k - 1)]/(T(T-1))", why="Divide by $T(T - 1)$ ($T \\ge 2$).")
    simpson = sp.Sum(P[k] ** 2, (k, 0, K - 1))
    d.cite("sum over categories", sp.Symbol("E[\\hat\\lambda]"), simpson,
           assumption=linearity, why="So its inverse estimates $D_2 = 1/\\sum_k p_k^2$.")
    d.result("simpson", simpson, name="E[\\hat\\lambda]",
             why="`hill_numbers(counts, q=2)` is $1/\\hat\\lambda$.",
             used_by="estimate.hill_numbers (q = 2)")

    d.section(
        "Loss of a rare category over the recursion, for large M",
        "In the categorical recursion a category's count is "
        "$c_{i+1} \\mid c_i \\sim \\mathrm{Binomial}(M, c_i/M)$.",
    )
    binomial_pgf = (1 + c * (s - 1) / M) ** M
    d.equal("binomial generating function", binomial_pgf,
            (1 - c / M + c / M * s) ** M, name="E[s^{c_{i+1}} \\mid c_i = c]",
            uses=(lumping,), why="A1 with $T = M$ and $p = c/M$.")
    poisson = d.limit("Poisson limit", binomial_pgf, M, sp.oo, sp.exp(c * (s - 1)),
                      name="\\lim_{M \\to \\infty} E[s^{c_{i+1}} \\mid c_i = c]",
                      why="The count of a rare category is Poisson with mean $c$: each of the "
                          "$c$ copies leaves a Poisson(1) number of copies (Galton-Watson, "
                          "critical).")
    offspring = poisson.subs(c, 1)
    start = sp.exp(m * (s - 1))
    first = d.equal("one fit", start.subs(s, 0), sp.exp(-m), name="P(c_0 = 0)",
                    why="Generation 0, $\\mathrm{Binomial}(M, p)$, is $\\mathrm{Poisson}(m)$, "
                        "$m = Mp$, by step 5.2 with $c = m$; its generating function is "
                        "$g(s) = e^{m(s - 1)}$, lost with $g(0) = e^{-Mp}$ (against "
                        "$(1 - p)^M$ exactly).")
    two = d.equal("two fits", start.subs(s, offspring.subs(s, 0)), sp.exp(m * (sp.exp(-1) - 1)),
                  name="P(c_1 = 0) = g(f(0))", uses=(branching,),
                  why="Compose the generating functions once.")
    d.cite("n fits", sp.Symbol("P(c_{n-1} = 0)"), sp.exp(m * (sp.Symbol("s_{n-1}") - 1)),
           assumption=branching,
           why="$s_0 = 0$, $s_j = f(s_{j-1}) = e^{s_{j-1} - 1}$: the probability that one "
               "copy's line is extinct within $j$ generations.")
    d.result("loss_one_fit", first, name="P(\\text{lost after 1 fit})",
             why="The large-$M$ limit of $(1 - p)^M$.",
             used_by="ngram.branching_loss_probability(1, Mp)")
    d.result("loss_two_fits", two, name="P(\\text{lost after 2 fits})",
             why="Held against the exact two-type chain in the tests.",
             used_by="ngram.branching_loss_probability(2, Mp)")

    d.section(
        "Add-k smoothing is mutation: the equilibrium of the add-k unigram loop",
        "Model $i + 1$ is the add-k fit to corpus $i$ ($M$ draws from model $i$) over a "
        "vocabulary of $V$ words; $F_i = \\sum_j p_{i,j}^2$ is its homozygosity.",
    )
    kk = sp.Symbol("k", positive=True)
    d.equal("drift then mutation", (c + kk) / (M + kk * V),
            (a * c / M + (1 - a) / V).subs(a, M / (M + kk * V)),
            name="\\frac{c_{i,j} + k}{M + kV}",
            why="With $a = M/(M + kV)$: resample, then mutate to uniform at rate $1 - a$.")
    d.equal("corpus homozygosity", p**2 + p * (1 - p) / M, (1 - 1 / M) * p**2 + p / M,
            name="E[(c_{i,j}/M)^2 \\mid p_i]",
            why="The binomial second moment (step 1.4 with $T = M$), per word; "
                "summed over words, $E[\\sum_j (c_{i,j}/M)^2] = (1 - 1/M)F_i + 1/M$.")
    recursion = a**2 * ((1 - 1 / M) * F + 1 / M) + (1 - a**2) / V
    d.equal("one fit", a**2 * ((1 - 1 / M) * F + 1 / M) + 2 * a * (1 - a) / V
            + (1 - a) ** 2 / V, recursion, name="E[F_{i+1} \\mid p_i]", uses=(linearity,),
            why="Square $a\\,c_j/M + (1 - a)/V$, take expectations, sum over the $V$ words "
                "($\\sum_j c_j/M = 1$).")
    fixed = (a**2 / M + (1 - a**2) / V) / (1 - a**2 * (1 - 1 / M))
    d.equal("fixed point", recursion.subs(F, fixed), fixed, name="F^*",
            why="$F^* = (a^2/M + (1 - a^2)/V)/(1 - a^2(1 - 1/M))$ solves $F = E[F' \\mid F]$; "
                "the map contracts by $a^2(1 - 1/M) < 1$.")
    d.result("add_k_recursion", recursion, name="E[F_{i+1} \\mid F_i = F]",
             why="Iterated in closed form: $F_n = F^* + (a^2(1 - 1/M))^n (F_0 - F^*)$.",
             used_by="ngram.add_k_heterozygosity")
    d.result("add_k_stationary", fixed, name="F^*",
             why="A positive equilibrium: smoothing keeps the vocabulary alive, unlike "
                 "the unsmoothed loop, whose heterozygosity decays to 0.",
             used_by="ngram.add_k_heterozygosity")
    return d


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
