"""Tails: sampling transforms in the loop, the memoriser, Zipf scaling laws (checked by sympy).

Renders docs/derivations/tails.md:

    PYTHONPATH=src python derivations/tails.py

The infinite-sample map p_n ~ p0^(T^-n) and its heat-death limits (Marchi et
al. 2024), the exact first-fit loss and the two-type transformed chain; the
memoriser's error sum_i p_i (1 - q_i)^T and, for Zipf data, Hutter's (2021)
learning curve with its constant and its 1/T correction, the tail-cut plateau
and its crossover (Dohmatob et al. 2024), Heaps' law, and the curated-vs-random
exponents.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, script_main

p, r, s, a = sp.symbols("p r s a", positive=True)
T, c, x, u, k, lam = sp.symbols("T c x u k lambda", positive=True)
beta = sp.Symbol("beta", positive=True)
t = sp.Symbol("t", positive=True)  # beta = 1 + t > 1
q = sp.Symbol("q", positive=True)
M = sp.Symbol("M", integer=True, positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
N = sp.Symbol("N", positive=True)


def generic_branch(expr):
    """The last (generic) branch of a Piecewise: here T != 1, the geometric-series case."""
    expr = sp.piecewise_fold(expr)
    return expr.args[-1][0] if isinstance(expr, sp.Piecewise) else expr


def build():
    d = Derivation(
        "Tails: sampling transforms, the memoriser and Zipf scaling laws",
        intro=(
            "Every generation is drawn from $\\mathrm{transform}(p_i)$: tempered "
            "($p^{1/T}$ renormalised), then top-k and top-p truncated. Implemented by "
            "`modelcollapse.tails`, simulated by `discrete.simulate(..., temperature=, "
            "top_k=, top_p=)`. A memoriser trained on $T$ draws from $q$ errs on test data "
            "from $p$ exactly on the categories it has not seen (Hutter 2021; Dohmatob et "
            "al. 2024); for Zipf data $p_i = c\\,i^{-\\beta}$, $c = 1/\\zeta(\\beta)$."
        ),
    )
    binomial = d.assume(
        "A1",
        "Draws are independent: a category of probability $q$ is absent from $M$ draws "
        "with probability $(1 - q)^M$ (the Binomial(M, q) mass at 0), and the expected "
        "$p$-mass of the absent categories is the sum of these by linearity.",
        "Any probability text; Hutter (2021), *Learning Curve Theory*, Section 4.",
    )
    riemann = d.assume(
        "A2",
        "For large $T$ the sum $\\sum_i f(i)$ of the smooth summand "
        "$f(x) = c x^{-\\beta} e^{-T c x^{-\\beta}}$ is its integral over $(0, \\infty)$ "
        "(the summand and all its derivatives vanish at 0), and $(1 - q)^T = e^{-Tq}"
        "(1 - Tq^2/2 + \\dots)$ for small $q$; finite sums end at the midpoint edge $K + 1/2$.",
        "Euler-Maclaurin; Hutter (2021), Appendices B and F.",
    )
    heaps = d.assume(
        "A3",
        "For $0 < s < 1$: $\\int_0^\\infty (1 - e^{-u}) u^{-s-1} du = \\Gamma(1 - s)/s$ "
        "(integrate by parts).",
        "Gradshteyn and Ryzhik, 3.434.",
    )

    d.section("The infinite-sample map",
              "With $M_i \\to \\infty$ the fit reproduces the sampled law: "
              "$p_{n+1} = \\mathrm{transform}(p_n)$.")
    w = p ** (T ** (-n))
    d.equal("tempering composes", (p ** (T ** (-n))) ** (1 / T), p ** (T ** (-(n + 1))),
            name="(p_0^{T^{-n}})^{1/T}", simplify=(sp.powsimp, sp.simplify),
            why="Renormalising commutes with the power up to a constant, and truncation only "
                "restricts the support (tempering keeps the order, so the kept sets are "
                "prefixes of the order of $p_0$): by induction $p_{n,k} \\propto "
                "p_{0,k}^{T^{-n}}$ on the kept set $S_n$.")
    d.result("infinite_sample_weight", w, name="p_{n,k} \\propto",
             why="Normalised over $S_n$.", used_by="tails.infinite_sample_map")
    ratio = 1 / (1 + s)
    d.text("Let $r = 1/(1 + s) < 1$ be the ratio $p_{0,k}/\\max p_0$ of a category below the "
           "mode; its weight relative to the mode is $r^{T^{-n}}$.")
    d.limit("cold: T < 1", ratio ** ((1 + a) ** n), n, sp.oo, 0,
            name="T = 1/(1 + a)",
            why="$T^{-n} \\to \\infty$: every category below the mode vanishes; the limit is "
                "uniform on the mode(s).")
    d.limit("hot: T > 1", ratio ** ((1 + a) ** (-n)), n, sp.oo, 1,
            name="T = 1 + a",
            why="$T^{-n} \\to 0$: every category of the support tends to the mode's weight; "
                "the limit is uniform on the support (on the top-k set with top-k): the heat "
                "death of Marchi et al. (2024).")

    d.section("Finite samples: what is exact")
    first = d.cite("first fit", sp.Symbol("\\Pr(p_{1,k} = 0)"), (1 - q) ** M,
                   assumption=binomial,
                   why="Generation 0 is $M_0$ draws from $q = \\mathrm{transform}(p_0)$.")
    d.equal("binomial mass at zero", sp.binomial(M, 0) * q**0 * (1 - q) ** M, first,
            name="\\mathrm{Bin}(M, q)(0)", why="The Binomial pmf at 0.")
    d.result("first_fit_loss", first, name="\\Pr(p_{1,k} = 0)",
             why="1 outside the kept set.", used_by="tails.first_fit_loss_probability")
    g = p ** (1 / T) / (p ** (1 / T) + (1 - p) ** (1 / T))
    d.equal("two categories", g.subs(T, 1), p, name="g(p)\\big|_{T=1}",
            why="With two categories the count of the first is Markov, "
                "$c_i \\mid c_{i-1} \\sim \\mathrm{Binomial}(M, g(c_{i-1}/M))$, "
                "$g(x) = x^{1/T}/(x^{1/T} + (1 - x)^{1/T})$; at $T = 1$ it is the neutral "
                "Wright-Fisher chain of `discrete.loss_probability`.")
    d.result("two_type_sampling_probability", g, name="g(p)",
             why="The first-generation loss is $(1 - g(p))^M$.",
             used_by="tails.two_type_loss_probability")

    d.section("The memoriser on Zipf data")
    d.cite("memoriser error", sp.Symbol("E_{\\text{test}}(T)"),
           sp.Sum(sp.Symbol("p_i") * (1 - sp.Symbol("q_i")) ** T, (sp.Symbol("i"), 1, sp.oo)),
           assumption=binomial, why="It errs exactly on the unseen categories.")
    lead = d.integral("Hutter's learning curve", c * x ** (-beta) * sp.exp(-T * c * x ** (-beta)),
                      (x, 0, sp.oo),
                      sp.gamma(1 - 1 / beta) * c ** (1 / beta) * T ** (1 / beta - 1) / beta,
                      name="E_{\\text{test}}(T)", uses=(riemann,), simplify=(sp.powsimp,
                                                                               sp.simplify),
                      why="Substitute $u = Tcx^{-\\beta}$: a Gamma integral. The exponent "
                          "$(\\beta - 1)/\\beta$ is Hutter's $\\alpha/(1 + \\alpha)$ with "
                          "$\\alpha = \\beta - 1$.")
    d.result("zipf_memorizer_asymptote", lead, name="E_{\\text{test}}(T) \\approx",
             why="With $c = 1/\\zeta(\\beta)$.", used_by="tails.zipf_memorizer_asymptote")
    d.series("second order of the per-category miss", sp.exp(T * sp.log(1 - q)), q, 0, 3,
             1 - T * q + q**2 * (T**2 - T) / 2, name="(1 - q)^T",
             why="Against $e^{-Tq} = 1 - Tq + T^2q^2/2 + \\dots$ it has an extra "
                 "$-Tq^2/2$: so $(1 - q)^T \\approx e^{-Tq}(1 - Tq^2/2)$.")
    correction = d.integral("the correction integral",
                            T / 2 * c**3 * x ** (-3 * beta) * sp.exp(-T * c * x ** (-beta)),
                            (x, 0, sp.oo),
                            sp.gamma(3 - 1 / beta) * c ** (1 / beta) * T ** (1 / beta - 2)
                            / (2 * beta),
                            name="\\tfrac{T}{2}\\sum_i p_i q_i^2 e^{-Tq_i}",
                            simplify=(sp.powsimp, sp.simplify), uses=(riemann,),
                            why="The same substitution, $\\Gamma(3 - 1/\\beta)$.")
    relative = d.equal("relative error of the asymptote", correction / lead,
                       (1 - 1 / beta) * (2 - 1 / beta) / (2 * T),
                       name="\\text{asymptote}/\\text{exact} - 1",
                       simplify=(sp.gammasimp, sp.simplify),
                       why="The integral overstates the sum by this leading term: the "
                           "crossover from the exact sum to the power law is at "
                           "$T \\approx (1 - 1/\\beta)(2 - 1/\\beta)/(2\\epsilon)$ for a "
                           "relative accuracy $\\epsilon$.")
    d.result("asymptote_relative_error", relative, name="\\epsilon(T)",
             why="", used_by="tests/test_tails.py (measured against the exact sum)")

    d.section("Tail cutting, the crossover and clean data (Dohmatob et al. 2024)")
    plateau = d.integral("plateau", c * x ** (-beta), (x, k, sp.oo),
                         c * k ** (1 - beta) / (beta - 1),
                         name="\\sum_{i > k} p_i \\approx", simplify=(sp.powsimp, sp.simplify),
                         uses=(riemann,),
                         why="A memoriser that never sees ranks beyond $k$ errs on all of them "
                             "forever: $E \\asymp T^{-(\\beta-1)/\\beta} + k^{-(\\beta-1)}$ "
                             "(Dohmatob et al. 2024, Section 2).")
    star = k**beta / c * sp.gamma(2 - 1 / beta) ** (beta / (beta - 1))
    d.equal("crossover", (lead.subs(T, star) / plateau).subs(beta, 1 + t), 1,
            name="E_{\\text{test}}(T^*)/\\text{plateau}",
            simplify=(sp.gammasimp, sp.powsimp, sp.simplify),
            why="At $T^* = (k^\\beta/c)\\,\\Gamma(2 - 1/\\beta)^{\\beta/(\\beta-1)}$ the power "
                "law meets the plateau; with a clean fraction $\\pi$ the tail is seen at rate "
                "$\\pi p_i$ and the descent resumes once $\\pi T > T^*$.")
    d.result("zipf_crossover", star, name="T^*", why="",
             used_by="tails.zipf_crossover")
    d.cite("Heaps' law", sp.Integral(1 - sp.exp(-T * c * x ** (-beta)), (x, 0, sp.oo)),
           sp.gamma(1 - 1 / beta) * (T * c) ** (1 / beta), assumption=heaps, uses=(riemann,),
           name="\\sum_i 1 - (1 - p_i)^T \\approx",
           why="$u = Tcx^{-\\beta}$, $s = 1/\\beta$: a synthetic corpus of $T_0$ draws holds "
               "about $T_0^{1/\\beta}$ categories, so its tail is cut there.")
    d.result("zipf_distinct_asymptote", sp.gamma(1 - 1 / beta) * (T * c) ** (1 / beta),
             name="D(T) \\approx", why="", used_by="tails.zipf_distinct_asymptote")

    d.section("Quality over quantity")
    curated = d.integral("curated", c * x ** (-beta), (x, N, sp.oo),
                         c * N ** (1 - beta) / (beta - 1), name="\\sum_{i > n} p_i \\approx",
                         simplify=(sp.powsimp, sp.simplify), uses=(riemann,),
                         why="The $n$ most frequent items leave only the tail beyond $n$ "
                             "(midpoint edge $N = n + 1/2$).")
    d.result("zipf_top_n_asymptote", curated, name="E_{\\text{curated}}(n)", why="",
             used_by="tails.zipf_top_n_asymptote")
    d.inequality("curated decays faster", (1 + t) - 1, ">", ((1 + t) - 1) / (1 + t),
                 name="\\beta - 1 > (\\beta - 1)/\\beta",
                 why="For $\\beta = 1 + t > 1$: $n$ curated items beat $n$ random draws in "
                     "exponent (the LIMA observation, Zhou et al. 2023).")

    d.section("The Gaussian chain sampled at a temperature (Alemohammad et al. 2023, Section 3.1)",
              "Generation $i$ is drawn from $N(\\mu_i, T\\sigma_i^2)$ (generation 0 from "
              "$N(\\mu, T\\sigma^2)$), model $i + 1$ is its sample mean and unbiased "
              "variance; constant $M$. Implemented by `temperature=` of `gaussian.simulate` "
              "and of its closed forms.")
    chi = d.assume(
        "A4",
        "For $M$ draws from $N(m, v)$ the sample mean is $N(m, v/M)$ and the unbiased "
        "variance is $v\\chi^2_{M-1}/(M-1)$, independent of each other and of the past.",
        "Cochran's theorem; Shumailov et al. (2023), 'Single-dimensional Gaussian'.",
    )
    v_i = sp.Symbol("v_i", positive=True)
    d.cite("variance step", sp.Symbol("E[\\sigma_{i+1}^2]"), T * v_i, assumption=chi,
           why="The fit is unbiased for the tempered variance $T\\sigma_i^2$.")
    i_ = sp.Symbol("i", integer=True, nonnegative=True)
    sigma = sp.Symbol("sigma", positive=True)
    Mc = sp.Symbol("M", positive=True)
    v_n = d.equal("induction", T * (T**n * sigma**2), T ** (n + 1) * sigma**2,
                  name="T\\,E[\\sigma_n^2]", simplify=(sp.powsimp, sp.simplify),
                  why="So $E[\\sigma_n^2] = T^n\\sigma^2$: a martingale only at $T = 1$; "
                      "geometric growth for $T > 1$, collapse for $T < 1$.")
    d.result("gaussian_tempered_sigma2", T**n * sigma**2, name="E[\\sigma_n^2]",
             why=f"The draw of generation $n$ has variance {sp.latex(v_n)} on average.",
             used_by="gaussian.sigma_moment(p=2, temperature=T)")
    mse = d.summation("mean error", T ** (i_ + 1) * sigma**2 / Mc, (i_, 0, n - 1),
                      sigma**2 * T * (T**n - 1) / (Mc * (T - 1)),
                      name="E[(\\mu_n - \\mu)^2] = \\sum_{i<n} T E[\\sigma_i^2]/M",
                      simplify=(generic_branch, sp.simplify), uses=(chi,),
                      why="The mean's steps are independent with variance $T\\sigma_i^2/M$ "
                          "(for $T \\ne 1$; $n\\sigma^2/M$ at $T = 1$).")
    d.result("gaussian_tempered_mean_squared_error", mse, name="E[(\\mu_n - \\mu)^2]",
             why="", used_by="gaussian.mean_squared_error(temperature=T)")
    d.result("gaussian_tempered_sample_variance", T ** (n + 1) * sigma**2 + mse,
             name="\\mathrm{Var}(X^n_j)",
             why="Law of total variance: the tempered draw's variance plus the mean's error.",
             used_by="gaussian.sample_variance(temperature=T)")

    d.section("Fresh data against sampling bias",
              "Each generation: $K$ fresh points from $N(\\mu, \\sigma^2)$ and $L$ synthetic "
              "points from $N(\\mu_i, T\\sigma_i^2)$, pooled ($N = K + L$); $e_i = \\mu_i - \\mu$, "
              "$a_i = E[e_i^2]$, $v_i = E[\\sigma_i^2]$. Implemented by `tails.mad_moments`.")
    e, xi, zeta, a_, v_ = sp.symbols("e xi zeta a v")
    K_, L_ = sp.symbols("K L", positive=True)
    N_ = K_ + L_
    second = {e**2: a_, xi**2: T * v_ / L_, zeta**2: sigma**2 / K_}
    pooled = sp.expand((L_ * (e + xi) + K_ * zeta) ** 2 / N_**2)
    averaged = sum(coeff * second.get(rest, 0) for coeff, rest in
                   (term.as_independent(e, xi, zeta) for term in sp.Add.make_args(pooled)))
    mean_step = d.cite("pooled mean", sp.Symbol("E[e_{i+1}^2]"), averaged, assumption=chi,
                       why="$N e_{i+1} = L(e_i + \\xi) + K\\zeta$ with independent, mean-zero "
                           "$\\xi$ ($E\\xi^2 = Tv_i/L$) and $\\zeta$ ($E\\zeta^2 = \\sigma^2/K$); "
                           "cross terms vanish.")
    mean_step = d.equal("collected", mean_step,
                        (L_**2 * a_ + L_ * T * v_ + K_ * sigma**2) / N_**2, name="a_{i+1}",
                        why="The old error contracts by $(L/N)^2$; the temperature scales only "
                            "the synthetic noise.")
    var_step = (K_ * sigma**2 + L_ * (T * v_ + a_) - N_ * mean_step) / (N_ - 1)
    d.equal("variance step at K = 0", var_step.subs(K_, 0), T * v_, name="v_{i+1}\\big|_{K=0}",
            why="König-Huygens on the pool: without fresh data the variance is multiplied by "
                "$T$ each generation (the previous section).")
    d.result("mad_mean_step", mean_step, name="a_{i+1}", why="",
             used_by="tails.mad_moments")
    d.result("mad_variance_step", var_step, name="v_{i+1}",
             why="The pool's expected sum of squares about $\\mu$ is $K\\sigma^2 + L(Tv_i + a_i)$; "
                 "subtract $N a_{i+1}$ and divide by $N - 1$.",
             used_by="tails.mad_moments")

    d.section("The d-dimensional chain sampled at a temperature",
              "Generation $i$ is drawn from $N(\\mu_i, T\\Sigma_i)$ (generation 0 from "
              "$N(\\mu, T\\Sigma)$), model $i + 1$ is its sample mean and unbiased covariance; "
              "constant $M \\ge d + 1$. Implemented by `temperature=` of "
              "`multivariate.simulate` and of its closed forms.")
    wishart = d.assume(
        "A5",
        "For $M$ draws from $N(m, V)$ in $d$ dimensions the sample mean is $N(m, V/M)$ and "
        "the unbiased covariance is $V^{1/2} W V^{1/2}/(M - 1)$ with "
        "$W \\sim \\mathrm{Wishart}_d(M - 1, I)$ independent of it and of the past; "
        "$E[W] = (M - 1) I$ and, by the Bartlett decomposition, "
        "$\\det W = \\prod_{j=1}^d \\chi^2_{M-j}$ (independent factors).",
        "Anderson, *An Introduction to Multivariate Statistical Analysis*, Sections 3.3 and "
        "7.2; Shumailov et al. (2024), 'Gaussian model collapse'.",
    )
    dim = sp.Symbol("d", integer=True, positive=True)
    j_ = sp.Symbol("j", integer=True, positive=True)
    tau = sp.Symbol("tau", positive=True)
    entries = sp.Matrix(3, 3, lambda a_i, b_i: sp.Symbol(f"s_{min(a_i, b_i)}{max(a_i, b_i)}"))
    d.equal("determinant of a tempered covariance", (T * entries).det(),
            T**3 * entries.det(), name="\\det(T\\Sigma)\\big|_{d=3}",
            simplify=(sp.expand,),
            why="The determinant is multilinear in the rows: $\\det(T\\Sigma) = "
                "T^d\\det\\Sigma$ (checked here at $d = 3$).")
    d.cite("covariance step", sp.Symbol("E[\\Sigma_{i+1} \\mid \\Sigma_i]"),
           T * sp.Symbol("\\Sigma_i"), assumption=wishart,
           why="The fit is unbiased for the tempered covariance $T\\Sigma_i$; by induction "
               "$E[\\Sigma_n] = T^n\\Sigma$.")
    d.result("multivariate_tempered_cov_ratio", T**n, name="E[\\Sigma_n]/\\Sigma", why="",
             used_by="multivariate.expected_cov(temperature=T)")
    factor = T**dim * sp.Product((Mc - j_) / (Mc - 1), (j_, 1, dim))
    d.cite("determinant step", sp.Symbol("E[\\det\\Sigma_{i+1} \\mid \\Sigma_i]"),
           factor * sp.Symbol("\\det\\Sigma_i"), assumption=wishart,
           why="$\\det\\Sigma_{i+1} = \\det(T\\Sigma_i)\\det W/(M - 1)^d$ and "
               "$E\\chi^2_{M-j} = M - j$.")
    d.result("multivariate_tempered_det_ratio", factor**n,
             name="E[\\det\\Sigma_n]/\\det\\Sigma",
             why="The steps multiply (tower rule): $T^{nd}$ times the untempered decay.",
             used_by="multivariate.expected_det(temperature=T)")
    shift = d.equal("log-determinant step", sp.expand_log(sp.log(T**dim * sp.Symbol("D")),
                                                          force=True),
                    dim * sp.log(T) + sp.log(sp.Symbol("D")),
                    name="\\log\\det(T\\Sigma_i)",
                    why="So every generation's drift of $E[\\log\\det\\Sigma]$ gains "
                        "$d\\log T$; $\\det\\Sigma_n \\to 0$ almost surely iff the "
                        "tempered drift is negative, i.e. for "
                        "$T < \\exp(-\\mathrm{drift}_{T=1}/d) \\approx 1 + (d + 1)/(2M)$.")
    d.result("multivariate_tempered_log_det_shift", n * (shift - sp.log(sp.Symbol("D"))),
             name="E[\\log\\det\\Sigma_n] - E[\\log\\det\\Sigma_n]\\big|_{T=1}", why="",
             used_by="multivariate.log_det_mean(temperature=T)")
    mv_mse = d.summation("mean error", T ** (i_ + 1) * tau / Mc, (i_, 0, n - 1),
                         tau * T * (T**n - 1) / (Mc * (T - 1)),
                         name="E\\lVert\\mu_n - \\mu\\rVert^2 = "
                              "\\sum_{i<n} T\\operatorname{tr}E[\\Sigma_i]/M",
                         simplify=(generic_branch, sp.simplify), uses=(wishart,),
                         why="With $\\tau = \\operatorname{tr}\\Sigma$: the mean's steps "
                             "are independent with covariance $T\\Sigma_i/M$ "
                             "(for $T \\ne 1$).")
    d.result("multivariate_tempered_mean_squared_error", mv_mse,
             name="E\\lVert\\mu_n - \\mu\\rVert^2", why="",
             used_by="multivariate.mean_squared_error(temperature=T)")

    d.section("A fixed real corpus plus synthetic data",
              "The setting of Seddik et al. (2024), 'How Bad is Training on Synthetic Data?': "
              "model 1 is the frequency vector $r$ of $N$ real draws from $p_0$; model $i + 1$ "
              "is fitted to the same $N$ real draws and $s$ new draws $c_i$ from model $i$, "
              "$p_{i+1} = (Nr + c_i)/(N + s)$. The derivation is the package's own. "
              "Implemented by `tails.real_corpus_moments`, simulated by "
              "`tails.simulate_real_corpus`.")
    multinomial = d.assume(
        "A6",
        "For $c \\sim \\mathrm{Multinomial}(m, q)$: $E[c_k] = mq_k$ and "
        "$\\mathrm{Var}(c_k) = mq_k(1 - q_k)$; draws of different generations and "
        "sources are independent given the past.",
        "Any probability text.",
    )
    Nr, S, rr, pp, cc, u_, w_ = sp.symbols("N s r p c u w", positive=True)
    alpha = S / (Nr + S)
    d.equal("the step about the corpus", (Nr * rr + cc) / (Nr + S) - rr,
            alpha * (pp - rr) + (cc - S * pp) / (Nr + S), name="p_{i+1} - r",
            why="The old deviation shrinks by $\\alpha = s/(N + s)$; the new draws add "
                "mean-zero noise. So $E[p_i \\mid r] = r$ for every $i \\ge 1$.")
    a_c, b_c = S * (S - 1) / (Nr + S) ** 2, S / (Nr + S) ** 2
    d.equal("spread step", (S**2 * u_ * w_ + S * (w_ - u_ * w_)) / ((Nr + S) ** 2 * w_),
            a_c * u_ + b_c, name="u_{i+1}", uses=(multinomial,),
            why="With $u_i = \\mathrm{Var}(p_{i,k} \\mid r)/w$, $w = r_k(1 - r_k)$: the "
                "noise has variance $s E[p_{i,k}(1 - p_{i,k}) \\mid r]/(N + s)^2$ and "
                "$E[p_{i,k}(1 - p_{i,k}) \\mid r] = w - u_i w$.")
    g = sp.Symbol("g", integer=True, positive=True)
    j_ = sp.Symbol("j", integer=True, nonnegative=True)
    a_s, b_s = sp.symbols("a b", positive=True)
    unrolled = d.summation("unrolled", b_s * a_s**j_, (j_, 0, g - 2),
                           b_s * (1 - a_s ** (g - 1)) / (1 - a_s), name="u_g",
                           simplify=(generic_branch, sp.simplify),
                           why="From $u_1 = 0$ (model 1 is $r$ itself), with "
                               "$a = s(s - 1)/(N + s)^2$ and $b = s/(N + s)^2$.")
    ratio = unrolled.subs({a_s: a_c, b_s: b_c})
    d.result("real_corpus_ratio", ratio, name="u_g", why="",
             used_by="tails.real_corpus_moments")
    d.equal("the corpus's own spread", pp - (pp**2 + pp * (1 - pp) / Nr),
            pp * (1 - pp) * (1 - 1 / Nr), name="E[r_k(1 - r_k)]\\big|_{p_{0,k} = p}",
            uses=(multinomial,),
            why="So, unconditionally, $E[(p_{g,k} - p_{0,k})^2] = h_k/N + h_k(1 - 1/N)u_g$ "
                "and $E[H_g] = H_0(1 - 1/N)(1 - u_g)$, $h_k = p_{0,k}(1 - p_{0,k})$.")
    d.result("real_corpus_mean_squared_error",
             pp * (1 - pp) * (1 / Nr + (1 - 1 / Nr) * sp.Symbol("u_g")),
             name="E[(p_{g,k} - p_{0,k})^2]", why="",
             used_by="tails.real_corpus_moments")
    limit = d.equal("stationary spread", b_c / (1 - a_c), S / (Nr**2 + 2 * Nr * S + S),
                    name="u_\\infty = b/(1 - a)", why="$a < 1$ for $N \\ge 1$.")
    d.result("real_corpus_stationary_ratio", limit, name="u_\\infty", why="",
             used_by="tails.real_corpus_stationary")
    d.equal("below 1/(2N + 1) for any s", 1 / (2 * Nr + 1) - limit,
            Nr**2 / ((2 * Nr + 1) * (Nr**2 + 2 * Nr * S + S)),
            name="\\tfrac{1}{2N + 1} - u_\\infty",
            why="Positive: however much synthetic data is added, the model stays within "
                "$r(1 - r)/(2N + 1)$ of the corpus in variance; it never collapses.")
    d.cite("loss", sp.Symbol("\\Pr(p_{g,k} = 0)"), (1 - pp) ** Nr, assumption=binomial,
           why="Absent from the corpus, a category has probability 0 in every model; "
               "present, it keeps at least $N r_k/(N + s) > 0$: for every $g \\ge 1$.")

    d.section("The accumulating discrete chain",
              "Model $i + 1$ is the frequency vector of all draws of generations $0..i$ "
              "($C_i = \\sum_{j \\le i} M_j$); generation $i$ has $K_i$ fresh draws $q$ from "
              "$p_0$ and $L_i$ draws $c$ from model $i$. The package's derivation; implemented "
              "by `discrete.simulate(policy='accumulate')`, "
              "`policies.discrete_heterozygosity(policy='accumulate')` and "
              "`tails.accumulate_loss_probability`.")
    Cp, Kf, Ls, p0_, q_, v_ = sp.symbols("C_{i-1} K L p_0 q v", nonnegative=True)
    total = Cp + Kf + Ls
    d.equal("pooled deviation", (Cp * pp + Kf * q_ + Ls * cc) / total - p0_,
            ((Cp + Ls) * (pp - p0_) + Kf * (q_ - p0_) + Ls * (cc - pp)) / total,
            name="p_{i+1} - p_0",
            why="Here $q$ and $c$ are frequencies; the three terms are uncorrelated with mean "
                "0, so $E[p_i] = p_0$ (a martingale).")
    step = ((Cp + Ls) ** 2 * v_ + Kf + Ls * (1 - v_)) / total**2
    d.cite("variance step", sp.Symbol("v_{i+1}"), step, assumption=multinomial,
           why="With $v_i = \\mathrm{Var}(p_{i,k})/h_k$: $E[(q - p_0)^2] = h_k/K$, "
               "$E[(c - p_i)^2] = E[p_{i,k}(1 - p_{i,k})]/L = (h_k - V_{i,k})/L$. "
               "$E[H_n] = H_0(1 - v_n)$.")
    d.result("accumulate_variance_step", step, name="v_{i+1}", why="",
             used_by="policies.discrete_heterozygosity(policy='accumulate')")
    Mi = sp.Symbol("M", positive=True)
    d.equal("no fresh data, constant M", 1 - step.subs({Cp: i_ * Mi, Kf: 0, Ls: Mi}),
            (1 - v_) * (1 - 1 / (Mi * (i_ + 1) ** 2)), name="1 - v_{i+1}",
            why="So $1 - v_n = \\prod_{i=1}^n (1 - 1/(M i^2))$.")
    euler = d.assume(
        "A7",
        "Euler's product: $\\prod_{i \\ge 1}(1 - x^2/i^2) = \\sin(\\pi x)/(\\pi x)$.",
        "Abramowitz and Stegun, 4.3.89.",
    )
    lim = sp.sin(sp.pi / sp.sqrt(Mi)) / (sp.pi / sp.sqrt(Mi))
    d.cite("the limit", sp.Symbol("\\lim_n (1 - v_n)"), lim, assumption=euler,
           why="$x = 1/\\sqrt M$: positive for $M \\ge 2$, so the heterozygosity never "
               "vanishes, where the replacing chain's $(1 - 1/M)^n$ does.")
    d.result("accumulate_heterozygosity_limit", lim, name="\\lim_n E[H_n]/H_0", why="",
             used_by="policies.discrete_heterozygosity(policy='accumulate')")
    d.cite("accumulated loss", sp.Symbol("\\Pr(p_{n,k} = 0)"),
           (1 - pp) ** sp.Symbol("D_n"), assumption=binomial,
           why="A category never drawn has probability 0 in every model, so only fresh "
               "draws can find it, and once drawn it stays in the pool: "
               "$D_n = M_0 + \\sum_{1 \\le i < n} K_i$ draws from $p_0$ ($n \\ge 1$).")
    return d


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
