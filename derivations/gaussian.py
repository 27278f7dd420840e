r"""The one-dimensional Gaussian recursion, derived step by step and checked by sympy.

Run ``python derivations/gaussian.py`` (or ``modelcollapse derive``) to check
every step and write ``docs/derivations/gaussian.md``. :func:`build` returns the
:class:`~modelcollapse.derivation.Derivation`; its ``results`` are the
expressions ``modelcollapse.gaussian`` implements (the tests hold them equal).
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import (
    Derivation,
    align_limits,
    gamma_shift,
    script_main,
    split_products,
    termwise,
)

# ---------------------------------------------------------------------- symbols

sigma = sp.Symbol("sigma", positive=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
i = sp.Symbol("i", integer=True, nonnegative=True)
M = sp.IndexedBase("M", positive=True, integer=True)
p = sp.Symbol("p", real=True)
k, dof, x, v, t = sp.symbols("k d x v t", positive=True)
Mg = sp.Symbol("M", positive=True)  # one generation's sample size
s_n = sp.Symbol("sigma_n", positive=True)
z = sp.Symbol("z", real=True)
lam, rate, alpha = sp.symbols("lambda r alpha", positive=True)
a, b, nu = sp.symbols("a b nu", positive=True)
omega = sp.Symbol("t", real=True)  # argument of the characteristic function
h = sp.Symbol("h", positive=True)  # 1/a for asymptotic series
H = sp.Symbol("S", positive=True)  # the harmonic sum sum 1/M_i as one small quantity
eps, M0, c = sp.symbols("epsilon M_0 c", positive=True)

FITS = {"unbiased": Mg - 1, "mle": Mg}  # the divisor d of the fitted variance


def chi2_density(u, dof_):
    """Density of the chi-square law with ``dof_`` degrees of freedom at ``u > 0``."""
    return u ** (dof_ / 2 - 1) * sp.exp(-u / 2) / (2 ** (dof_ / 2) * sp.gamma(dof_ / 2))


def scale_moment(power, size, divisor):
    r"""c_p(k, d) = E[(\chi^2_k/d)^{p/2}] with k = size - 1."""
    dof_, power = size - 1, sp.S(power)
    return (2 / divisor) ** (power / 2) * sp.gamma((dof_ + power) / 2) / sp.gamma(dof_ / 2)


def at(expr, generation):
    """A per-generation expression in ``Mg`` at the indexed size ``M[generation]``."""
    return expr.subs(Mg, M[generation])


def over(term, upper):
    """The product of ``term`` (in ``Mg``) over generations ``0..upper``."""
    return sp.Product(at(term, i), (i, 0, upper))


def total(term, upper):
    """The sum of ``term`` (in ``Mg``) over generations ``0..upper``."""
    return sp.Sum(at(term, i), (i, 0, upper))


def doit(expr):
    """Evaluate sums and products over empty ranges (and other unevaluated objects)."""
    return expr.doit()


def logs_expanded(expr):
    """``log Gamma`` as ``log(gamma)``, logarithms of products expanded (positive arguments)."""
    return sp.expand_log(expr.replace(sp.loggamma, lambda u: sp.log(sp.gamma(u))), force=True)


def besselk_as_besseli(expr):
    r"""Replace :math:`K_\nu(w)` by :math:`\frac{\pi}{2}(I_{-\nu}(w) - I_\nu(w))/\sin(\nu\pi)`."""
    return expr.replace(
        sp.besselk,
        lambda order, w: sp.pi / 2 * (sp.besseli(-order, w) - sp.besseli(order, w))
        / sp.sin(order * sp.pi),
    )


def package_result(d, function, fit, expr, *, name, why):
    """Record ``expr`` as the result implemented by ``modelcollapse.gaussian.<function>``."""
    unbiased = fit == "unbiased"
    return d.result(function + ("" if unbiased else "_mle"), expr, name=name,
                    why=f"{why}, {fit} fit.",
                    used_by=f"modelcollapse.gaussian.{function}"
                            + ("" if unbiased else "(..., fit='mle')"))


def induction(d, label, closed, recurrence, *, name, why):
    """Prove ``quantity_n = closed(n)`` from ``quantity_{n+1} = recurrence(quantity_n, n)``.

    Base case ``n = 0`` (empty sums and products evaluated) and induction step
    (upper limits aligned), both checked by sympy.
    """
    d.equal(f"{label}: base case", closed(0), closed(0).doit(), name=name(0),
            simplify=(doit, sp.simplify),
            why=f"At $n = 0$ no fit has happened: the sum is empty and the product is 1. {why}")
    d.equal(f"{label}: induction step", recurrence(closed(n), n), closed(n + 1), name=name(n + 1),
            simplify=(align_limits, sp.simplify),
            why="Assume the claim for $n$; the recursion gives it for $n + 1$.")
    return closed(n)


# ---------------------------------------------------------------------- the page


def build():
    """Check every step and return the Gaussian :class:`Derivation`."""
    d = Derivation(
        "The one-dimensional Gaussian recursion",
        intro=(
            "Shumailov et al. (2023), *The Curse of Recursion*, section \"Single-dimensional "
            "Gaussian\"; Nature version, \"Theoretical intuition\". Generation $0$ is $M_0$ "
            "draws from $N(\\mu, \\sigma^2)$; model $i + 1$ is the Gaussian fitted to the $M_i$ "
            "draws of generation $i$ (sample mean, and variance with divisor $d_i = M_i - 1$, "
            "unbiased, or $d_i = M_i$, the maximum-likelihood fit); generation $i + 1$ is "
            "$M_{i+1}$ draws from model $i + 1$. The fitted model after $n$ fits is "
            "$N(\\mu_n, \\sigma_n^2)$. Implemented in `modelcollapse.gaussian`."
        ),
    )
    d.assume("A1", "Cochran's theorem: for $M$ iid draws from $N(m, s^2)$ the sample mean "
             "and the sum of squared deviations are independent, $\\bar X \\sim N(m, s^2/M)$ and "
             "$\\sum_j (X_j - \\bar X)^2 \\sim s^2 \\chi^2_{M-1}$; fresh draws of a generation "
             "are independent of the past given the model.",
             "Cochran (1934), Proc. Camb. Phil. Soc. 30:178; e.g. Casella & Berger, "
             "*Statistical Inference*, Thm 5.3.1.")
    d.assume("A2", "Laws of total expectation and total variance: $E[Y] = E[E[Y\\mid F]]$ and "
             "$\\mathrm{Var}(Y) = E[\\mathrm{Var}(Y\\mid F)] + \\mathrm{Var}(E[Y\\mid F])$.",
             "e.g. Billingsley, *Probability and Measure*, §34.")
    d.assume("A3", "Binet's integral for the digamma function: for $x > 0$, "
             "$\\psi(x) = \\log x - \\frac{1}{2x} - 2\\int_0^\\infty "
             "\\frac{t\\,dt}{(t^2 + x^2)(e^{2\\pi t} - 1)}$.",
             "DLMF §5.9(i) (Binet's second formula, differentiated); Whittaker & Watson §12.32.")
    d.assume("A4", "Strong law of large numbers: the mean of $n$ iid integrable variables "
             "converges almost surely to their expectation.",
             "Kolmogorov (1933); e.g. Durrett, *Probability: Theory and Examples*, Thm 2.4.1.")
    d.assume("A5", "$K_\\nu(w) = \\frac{\\pi}{2}\\,\\frac{I_{-\\nu}(w) - I_\\nu(w)}"
             "{\\sin(\\nu\\pi)}$ (for integer $\\nu$ by continuity), the modified Bessel "
             "function of the second kind.",
             "DLMF 10.27.4.")
    d.assume("A6", "In one dimension the optimal coupling for $W_2$ is the quantile coupling: "
             "$W_2^2(P, Q) = \\int_0^1 (F_P^{-1}(u) - F_Q^{-1}(u))^2\\,du$.",
             "Villani, *Topics in Optimal Transportation* (2003), Thm 2.18.")
    _linear_variance_growth(d)
    _fitted_scale(d)
    _variance_gamma(d)
    _wasserstein(d)
    return d


def _linear_variance_growth(d):
    d.section("Linear variance growth", (
        "Given model $i$, A1 writes the fit of model $i + 1$ as "
        "$\\mu_{i+1} = \\mu_i + \\sigma_i Z^{i+1}/\\sqrt{M_i}$ and "
        "$\\sigma_{i+1}^2 = \\sigma_i^2 S^{i+1}$ with $S^{i+1} \\sim \\chi^2_{M_i - 1}/d_i$, "
        "$Z^{i+1} \\sim N(0, 1)$, all independent of each other and of the past. Unrolled, a draw "
        "of generation $n$ is $X^n_j = \\mu + \\sigma Z^1/\\sqrt{M_0} + \\sigma\\sqrt{S^1} "
        "Z^2/\\sqrt{M_1} + \\dots + \\sigma\\sqrt{S^1\\cdots S^n}\\,Z^n_j$."))
    d.cite("one fit", "(\\mu_{i+1},\\ \\sigma^2_{i+1})",
           "\\left(\\mu_i + \\sigma_i Z^{i+1}/\\sqrt{M_i},\\ \\sigma_i^2 S^{i+1}\\right)",
           assumption="A1", why="The fit of model $i+1$ given model $i$ (Cochran's theorem).")
    for fit, divisor in FITS.items():
        divisor_k = divisor.subs(Mg, k + 1)
        d.integral(
            f"mean of the variance ratio, {fit} fit", (x / divisor_k) * chi2_density(x, k),
            (x, 0, sp.oo), k / divisor_k, simplify=(sp.gammasimp, sp.simplify),
            name=f"E[S^{{i+1}}]\\big|_{{d = {sp.latex(divisor_k)}}}",
            why=f"$S = \\chi^2_k/d$ with $k = M_i - 1$ and $d = {sp.latex(divisor_k)}$, "
                "integrated against the chi-square density.")
    d.text("So the unbiased fit keeps $E[\\sigma_{i+1}^2 \\mid \\sigma_i] = \\sigma_i^2$, while "
           "the maximum-likelihood fit shrinks it by $1 - 1/M_i$ every generation.")
    a_, s_ = sp.symbols("a s", real=True)
    d.integral("mean step", (a_ + s_ * z / sp.sqrt(Mg)) ** 2 * sp.exp(-z**2 / 2)
               / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo), a_**2 + s_**2 / Mg,
               name="E[(\\mu_{i+1} - \\mu)^2 \\mid \\mu_i, \\sigma_i]",
               why="With $a = \\mu_i - \\mu$ and $s = \\sigma_i$, average over "
                   "$Z^{i+1} \\sim N(0, 1)$: the cross term vanishes. Taking expectations (A2), "
                   "$E[(\\mu_{i+1} - \\mu)^2] = E[(\\mu_i - \\mu)^2] + E[\\sigma_i^2]/M_i$.",
               uses=("A2",))

    d.text("**Unbiased fit.** $E[\\sigma_n^2] = \\sigma^2$ for every $n$ (the mean ratio is 1), "
           "so the mean-squared error of the fitted mean grows by $\\sigma^2/M_n$ per fit:")
    mse = induction(
        d, "MSE, unbiased", lambda m: sigma**2 * total(1 / Mg, m - 1),
        lambda prev, m: prev + sigma**2 / M[m],
        name=lambda m: f"E[(\\mu_{{{sp.latex(m)}}} - \\mu)^2]",
        why="Nothing has been fitted, so $\\mu_0 = \\mu$.")
    var = d.equal("law of total variance, unbiased", sigma**2 + mse,
                  sigma**2 * (1 + total(1 / Mg, n - 1)),
                  name="\\mathrm{Var}(X^n_j) = E[\\sigma_n^2] + \\mathrm{Var}(\\mu_n)",
                  why="Given the model, $X^n_j \\sim N(\\mu_n, \\sigma_n^2)$; A2, and "
                      "$E[\\mu_n] = \\mu$ so $\\mathrm{Var}(\\mu_n)$ is the mean-squared error.",
                  uses=("A2",))
    d.text("The paper writes this as $\\sigma^2(1 + \\sum_i 1/M_i) + O(2)$; for the unbiased "
           "fit there is no remainder: the growth is exactly linear in $\\sum_{i<n} 1/M_i$.")
    package_result(d, "mean_squared_error", "unbiased", mse, name="E[(\\mu_n - \\mu)^2]",
                   why="Mean-squared error of the fitted mean")
    package_result(d, "sample_variance", "unbiased", var, name="\\mathrm{Var}(X^n_j)",
                   why="Variance of a generation-$n$ draw")

    d.text("**Maximum-likelihood fit** (the authors' notebooks use `np.std`, $d_i = M_i$).")
    shrink = 1 - 1 / Mg
    s2_mle = induction(
        d, "fitted variance, MLE", lambda m: sigma**2 * over(shrink, m - 1),
        lambda prev, m: prev * at(shrink, m),
        name=lambda m: f"E[\\sigma_{{{sp.latex(m)}}}^2]",
        why="$\\sigma_0 = \\sigma$.")
    mse_mle = induction(
        d, "MSE, MLE", lambda m: sigma**2 * (1 - over(shrink, m - 1)),
        lambda prev, m: prev + sigma**2 * over(shrink, m - 1) / M[m],
        name=lambda m: f"E[(\\mu_{{{sp.latex(m)}}} - \\mu)^2]",
        why="The walk's steps $\\sigma^2\\prod_{j<i}(1 - 1/M_j)/M_i$ telescope.")
    var_mle = d.equal("law of total variance, MLE", s2_mle + mse_mle, sigma**2,
                      name="\\mathrm{Var}(X^n_j)",
                      why="A2 again: what the fitted variance loses the mean's walk gains.",
                      uses=("A2",))
    package_result(d, "mean_squared_error", "mle", mse_mle, name="E[(\\mu_n - \\mu)^2]",
                   why="Mean-squared error of the fitted mean")
    package_result(d, "sample_variance", "mle", var_mle, name="\\mathrm{Var}(X^n_j)",
                   why="Variance of a generation-$n$ draw (constant)")


def _fitted_scale(d):
    d.section("Moments of the fitted scale and its almost-sure collapse")
    c_p = d.integral("chi-square moment", (x / dof) ** (p / 2) * chi2_density(x, k),
                     (x, 0, sp.oo), scale_moment(p, k + 1, dof),
                     name="c_p(k, d) = E[(\\chi^2_k/d)^{p/2}]",
                     why="The Gamma integral, finite for $p > -k$.")
    for fit, divisor in FITS.items():
        per_gen = scale_moment(p, Mg, divisor)
        moment = induction(
            d, f"E[sigma_n^p], {fit}", lambda m, g=per_gen: sigma**p * over(g, m - 1),
            lambda prev, m, g=per_gen: prev * at(g, m),
            name=lambda m: f"E[\\sigma_{{{sp.latex(m)}}}^p]",
            why=f"$\\sigma_{{i+1}}^p = \\sigma_i^p (\\chi^2_{{M_i - 1}}/d_i)^{{p/2}}$ with an "
                f"independent ratio (A1), $d_i = {sp.latex(at(divisor, i))}$.")
        package_result(d, "sigma_moment", fit, moment, name="E[\\sigma_n^p]",
                       why="Moments of the fitted scale")
    d.equal("the unbiased fit is a martingale", c_p.subs({p: 2, dof: k}), 1,
            name="c_2(k, k)", simplify=sp.gammasimp,
            why="So $E[\\sigma_n^2] = \\sigma^2$ for every $n$.")
    d.equal("fourth over squared second moment", c_p.subs(p, 4) / c_p.subs(p, 2) ** 2,
            (k + 2) / k, name="c_4(k, d)/c_2(k, d)^2", simplify=sp.gammasimp,
            why="The same for both fits: the divisor cancels.")
    canonical = termwise(gamma_shift, sp.factor)
    for fit, divisor in FITS.items():
        suffix = "" if fit == "unbiased" else "_mle"
        moment = d.results["sigma_moment" + suffix]
        second = sp.factor(gamma_shift(scale_moment(2, Mg, divisor)))
        growth = (Mg + 1) / (Mg - 1)
        e2 = d.equal(f"E[sigma_n^2], {fit}", moment.subs(p, 2), sigma**2 * over(second, n - 1),
                     name="E[\\sigma_n^2]", simplify=(canonical, sp.simplify),
                     why="The moment at $p = 2$, each factor simplified.")
        e4 = d.equal(f"E[sigma_n^4], {fit}", moment.subs(p, 4),
                     sigma**4 * over(second**2 * growth, n - 1),
                     name="E[\\sigma_n^4]", simplify=(canonical, sp.simplify),
                     why="The moment at $p = 4$: per generation $c_4 = c_2^2 (k + 2)/k$ "
                         "with $k = M_i - 1$.")
        var = d.equal(f"Var(sigma_n^2), {fit}", e4 - e2**2,
                      e2**2 * (over(growth, n - 1) - 1),
                      name="\\mathrm{Var}(\\sigma_n^2) = E[\\sigma_n^4] - E[\\sigma_n^2]^2",
                      simplify=(canonical, split_products, sp.simplify),
                      why="A product of termwise products is the product of the products.")
        package_result(d, "sigma2_variance", fit, var, name="\\mathrm{Var}(\\sigma_n^2)",
                       why="Variance of the fitted variance")

    drift = d.integral("log drift", sp.log(x / dof) * chi2_density(x, k), (x, 0, sp.oo),
                       sp.polygamma(0, k / 2) + sp.log(2 / dof),
                       name="E[\\log(\\chi^2_k/d)]",
                       why="The expected change of $\\log\\sigma^2$ per generation, "
                           "$k = M_i - 1$.")
    for fit, divisor in FITS.items():
        package_result(d, "log_variance_drift", fit, drift.subs({k: Mg - 1, dof: divisor}),
                       name="\\delta(M)", why="Log drift per generation")
    w = sp.Symbol("w", positive=True)
    d.inequality("e^{2 pi t} > 1", sp.exp(2 * sp.pi * t), ">", 1, monotone_in=(t, 0),
                 name=None, why="For $t > 0$.")
    d.inequality("Binet integrand is positive", t / ((t**2 + x**2) * w), ">", 0,
                 why="With $w = e^{2\\pi t} - 1 > 0$ by the previous step, so the integral "
                     "$J(x)$ of A3 is positive.")
    J = sp.Symbol("J", positive=True)
    d.inequality("the unbiased drift is negative",
                 (sp.log(x) - 1 / (2 * x) - 2 * J).subs(x, k / 2) + sp.log(2 / k), "<", 0,
                 name="\\psi(k/2) + \\log(2/k)", uses=("A3",),
                 why="Binet's integral (A3) at $x = k/2$ with $J > 0$; in general "
                     "$\\psi(x) < \\log x - 1/(2x) < \\log x$.")
    d.inequality("the MLE drift is lower still", sp.log(k / (k + 1)), "<", 0,
                 why="The MLE divisor $d = k + 1$ adds $\\log(k/(k+1))$ to the unbiased drift.")
    delta = sp.Symbol("delta", negative=True)
    d.cite("strong law", "\\frac{1}{n}\\log\\frac{\\sigma_n^2}{\\sigma^2} = \\frac{1}{n}"
           "\\sum_{i<n}\\log S^{i+1}", "\\delta(M) < 0", assumption="A4", rel="->",
           why="For a constant size $M$ the $\\log S^{i+1}$ are iid with mean $\\delta(M)$; "
               "almost surely.")
    d.limit("almost-sure collapse", sp.log(sigma**2) + n * delta, n, sp.oo, -sp.oo,
            name="\\log\\sigma_n^2 \\approx",
            why="Hence $\\log\\sigma_n^2 \\to -\\infty$ and $\\sigma_n \\to 0$ almost surely, "
                "although $E[\\sigma_n^2] = \\sigma^2$ (unbiased fit): a martingale that "
                "converges to 0 almost surely but not in $L^1$.")


def _variance_gamma(d):
    d.section("The variance-gamma law of one fresh draw", (
        "Given model 1, a draw of generation 1 is $X^1_j = \\mu_1 + \\sigma_1 Z$ with $Z \\sim "
        "N(0, 1)$ independent. With $k = M_0 - 1$, $\\sigma_1^2 = \\sigma^2\\chi^2_k/k$: the "
        "fresh-sample term $X^1_j - \\mu_1$ is a normal variance mixture, "
        "$N(0, V)$ with $V = \\sigma_1^2$."))
    gamma_density = rate**lam * v ** (lam - 1) * sp.exp(-rate * v) / sp.gamma(lam)
    shape_rate = {lam: k / 2, rate: k / (2 * sigma**2)}
    d.equal("the mixing law is a gamma law", chi2_density(k * v / sigma**2, k) * k / sigma**2,
            gamma_density.subs(shape_rate),
            name="f_V(v)",
            why="Change of variables $V = \\sigma^2\\chi^2_k/k$: the mixing law is "
                "Gamma(shape $\\lambda = (M_0 - 1)/2$, rate $r = (M_0 - 1)/(2\\sigma^2)$).")
    d.integral("Gaussian characteristic function", sp.exp(sp.I * omega * sp.sqrt(v) * z)
               * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo),
               sp.exp(-omega**2 * v / 2), name="E[e^{itX} \\mid V = v]",
               why="Given $V = v$ the term is $\\sqrt{v} Z$.")
    cf = d.integral("mixture characteristic function",
                    sp.exp(-omega**2 * v / 2) * gamma_density, (v, 0, sp.oo),
                    (rate / (rate + omega**2 / 2)) ** lam, name="\\varphi(t) = E[e^{-t^2 V/2}]",
                    why="Integrate the Gaussian characteristic function over the gamma mixing "
                        "density.")
    vg_cf = (alpha**2 - 0**2) ** lam / (alpha**2 - (0 + sp.I * omega) ** 2) ** lam
    d.equal("it is the variance-gamma characteristic function", cf.subs(shape_rate),
            vg_cf.subs({alpha: sp.sqrt(k) / sigma, lam: k / 2}),
            name="\\varphi(t)",
            why="The VG characteristic function $(\\alpha^2 - \\beta^2)^\\lambda/(\\alpha^2 - "
                "(\\beta + it)^2)^\\lambda$ with $\\lambda = (M_0 - 1)/2$, "
                "$\\alpha = \\sqrt{M_0 - 1}/\\sigma$, $\\beta = 0$.")
    d.integral("Bessel-K integral", v ** (nu - 1) * sp.exp(-a / v - b * v), (v, 0, sp.oo),
               2 * (a / b) ** (nu / 2) * sp.besselk(nu, 2 * sp.sqrt(a * b)),
               simplify=(besselk_as_besseli, sp.simplify), uses=("A5",),
               why="The integral representation of $K_\\nu$ (DLMF 10.32.10); sympy returns "
                   "it in terms of $I_{\\pm\\nu}$, matched through A5.")
    phi_v = sp.exp(-x**2 / (2 * v)) / sp.sqrt(2 * sp.pi * v)
    const = rate**lam / (sp.gamma(lam) * sp.sqrt(2 * sp.pi))
    mix = {a: x**2 / 2, b: rate, nu: lam - sp.S.Half}
    d.equal("the density integrand", phi_v * gamma_density,
            const * (v ** (nu - 1) * sp.exp(-a / v - b * v)).subs(mix),
            name="f_{N(0,v)}(x)\\, f_V(v)",
            why="For $x > 0$ (the density is even): the integrand of the mixture density is "
                "the Bessel-K integrand with $a = x^2/2$, $b = r$, $\\nu = \\lambda - 1/2$.")
    vg_density = (alpha ** (2 * lam) * x ** (lam - sp.S.Half)
                  * sp.besselk(lam - sp.S.Half, alpha * x)
                  / (sp.sqrt(sp.pi) * sp.gamma(lam) * (2 * alpha) ** (lam - sp.S.Half)))
    d.equal(
        "the variance-gamma density",
        (const * 2 * (a / b) ** (nu / 2) * sp.besselk(nu, 2 * sp.sqrt(a * b))).subs(mix),
        vg_density.subs(alpha, sp.sqrt(2 * rate)),
        name="f(x)", simplify=(sp.simplify, sp.powsimp, sp.simplify),
        why="The Bessel-K integral at those $a, b, \\nu$ is the symmetric VG density with "
            "$\\alpha = \\sqrt{2r} = \\sqrt{M_0 - 1}/\\sigma$.")
    d.result("vg_density", vg_density, name="f_{VG}(x;\\, \\lambda, \\alpha)",
             why="Density of $X^1_j - \\mu_1$ at $x > 0$ (even in $x$), $\\lambda = (M_0 - 1)/2$, "
                 "$\\alpha = \\sqrt{M_0 - 1}/\\sigma$.",
             used_by="modelcollapse.variance_gamma")
    total_cf = cf.subs(shape_rate) * sp.exp(-sigma**2 * omega**2 / (2 * Mg))
    d.text("Precisely: $X^1_j - \\mu = (\\mu_1 - \\mu) + (X^1_j - \\mu_1)$ with "
           "$\\mu_1 - \\mu \\sim N(0, \\sigma^2/M_0)$ independent of $\\sigma_1$ (A1), so $X^1_j$ "
           "itself is this VG law **convolved with** $N(0, \\sigma^2/M_0)$ (characteristic "
           "function $\\varphi(t)\\,e^{-\\sigma^2 t^2/(2M_0)}$, not of VG form). Later generations "
           "are not VG either: their mixing variance $\\sigma^2 S^1 \\cdots S^n$ is a product of "
           "independent gamma variables, not a gamma variable.")
    d.equal("the variance from the characteristic function",
            -sp.diff(total_cf, omega, 2).subs(omega, 0).subs(k, Mg - 1),
            sigma**2 * (1 + 1 / Mg), name="\\mathrm{Var}(X^1_j) = -\\varphi''_{X^1_j - \\mu}(0)",
            uses=("A1",),
            why="Agrees with the linear growth of section 1 at $n = 1$.")


def _wasserstein(d):
    d.section("Wasserstein-2 distance to the truth")
    m1, m2 = sp.symbols("m_1 m_2", real=True)
    s1, s2 = sp.symbols("s_1 s_2", positive=True)
    d.integral("quantile coupling", ((m1 + s1 * z) - (m2 + s2 * z)) ** 2 * sp.exp(-z**2 / 2)
               / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo), (m1 - m2) ** 2 + (s1 - s2) ** 2,
               name="W_2^2(N(m_1, s_1^2), N(m_2, s_2^2))", uses=("A6",),
               why="The quantiles are $m + s\\Phi^{-1}(u)$; substitute $u = \\Phi(z)$ in A6.")
    e_mse, e_s2, e_s1 = sp.symbols("E_{(\\mu_n-\\mu)^2} E_{\\sigma_n^2} E_{\\sigma_n}",
                                   positive=True)
    for fit, divisor in FITS.items():
        mse = d.results["mean_squared_error" + ("" if fit == "unbiased" else "_mle")]
        second = sp.factor(gamma_shift(scale_moment(2, Mg, divisor)))
        e2 = sigma**2 * (over(second, n - 1) if second != 1 else 1)
        first = scale_moment(1, Mg, divisor)
        exact = d.equal(
            f"exact E[W2^2], {fit}",
            (e_mse + e_s2 - 2 * sigma * e_s1 + sigma**2).subs(
                {e_mse: mse, e_s2: e2,
                 e_s1: sigma * over(first, n - 1)}),
            mse + e2 + sigma**2 - 2 * sigma**2 * over(first, n - 1),
            name="E[W_2^2] = E[(\\mu_n - \\mu)^2] + E[\\sigma_n^2] - 2\\sigma E[\\sigma_n] "
                 "+ \\sigma^2",
            why="Expand $(\\sigma_n - \\sigma)^2$ and insert the moments of section 2 "
                f"($p = 1, 2$, {fit} fit).")
        package_result(d, "expected_w2_squared", fit, exact,
                       name="E[W_2^2(N(\\mu_n, \\sigma_n^2), N(\\mu, \\sigma^2))]",
                       why="Exact")

    log_c1 = sp.loggamma(1 / h + sp.S.Half) - sp.loggamma(1 / h) + sp.log(h) / 2
    d.equal("log of the first scale moment", sp.log(scale_moment(1, k + 1, k)),
            log_c1.subs(h, 2 / k), name="\\log c_1(k, k)",
            simplify=(logs_expanded, sp.simplify),
            why="With $k = M - 1$ and $h = 2/k$: $\\log\\Gamma(1/h + 1/2) - \\log\\Gamma(1/h) + "
                "\\tfrac12\\log h$.")
    d.series("its expansion", log_c1, h, 0, 2, -h / 8, name="\\log c_1",
             why="Stirling's series (sympy's asymptotic expansion of $\\log\\Gamma$): "
                 "$\\log c_1 = -1/(4(M-1)) + O(M^{-3}) = -1/(4M) + O(M^{-2})$.")
    d.series("first order", H + 2 - 2 * sp.exp(-H / 4), H, 0, 2, sp.Rational(3, 2) * H,
             name="E[W_2^2]/\\sigma^2",
             why="Unbiased fit: with $S = \\sum_{i<n} 1/M_i$, $E[\\sigma_n]/\\sigma = "
                 "\\exp(\\sum_i \\log c_1(M_i - 1, M_i - 1)) = e^{-S/4}$ to first order in "
                 "$1/M$, so $E[W_2^2] = \\tfrac32\\sigma^2\\sum_{i<n}1/M_i$ to first order "
                 "(not $1\\times$).")
    d.inequality("lower bound", (s_n - sigma) ** 2, ">=", 0, name=None,
                 why="Pointwise, so in expectation $E[W_2^2] = E[(\\mu_n - \\mu)^2] + "
                     "E[(\\sigma_n - \\sigma)^2] \\ge \\sigma^2\\sum_{i<n} 1/M_i$ (unbiased fit).")
    d.inequality("upper bound", 2 * sigma**2 - 2 * sigma * e_s1, "<=", 2 * sigma**2, name=None,
                 why="$E[\\sigma_n] \\ge 0$, so $E[W_2^2] \\le \\sigma^2\\sum_{i<n}1/M_i + "
                     "2\\sigma^2$: $E[W_2^2]$ is bounded iff $\\sum_i 1/M_i < \\infty$.")
    M_const = sp.Symbol("M", positive=True)
    d.summation("constant size", 1 / M_const, (i, 0, n - 1), n / M_const,
                name="\\sum_{i<n} 1/M", why="A constant size $M$.")
    d.limit("constant size diverges linearly", (sigma**2 * n / M_const) / n, n, sp.oo,
            sigma**2 / M_const, name="\\lim_n E[W_2^2]/n",
            why="Both bounds divided by $n$ tend to $\\sigma^2/M$ (the upper one's extra "
                "$2\\sigma^2/n$ vanishes): $E[W_2^2] \\sim \\sigma^2 n/M$, linear in $n$.")
    power_sum = d.summation("super-linear size is summable", 1 / (i + 1) ** (1 + eps),
                            (i, 0, sp.oo), sp.zeta(1 + eps),
                            name="M_0\\sum_i 1/M_i",
                            why="$M_i = M_0 (i + 1)^{1 + \\epsilon}$, $\\epsilon > 0$.")
    d.inequality("so E[W2^2] stays bounded", power_sum / M0, "<", sp.oo, name=None,
                 why="$\\zeta(1 + \\epsilon) < \\infty$ for $\\epsilon > 0$: "
                     "$E[W_2^2] \\le \\sigma^2\\zeta(1+\\epsilon)/M_0 + 2\\sigma^2$.")
    j = sp.Symbol("j", integer=True, positive=True)
    linear_sum = d.summation("linear size", 1 / j, (j, 1, n), sp.harmonic(n),
                             name="c\\sum_{i<n} 1/M_i",
                             why="$M_i = c(i + 1)$; sum over $j = i + 1$.") / c
    d.limit("grows like log n", linear_sum * c / sp.log(n), n, sp.oo, 1,
            name="\\lim_n c\\sum_{i<n}1/M_i / \\log n",
            why="So $E[W_2^2] = \\sigma^2\\log(n)/c + O(1)$: unbounded, but only "
                "logarithmically.")
    d.result("harmonic_sum_linear", linear_sum, name="\\sum_{i<n} 1/(c(i+1))",
             why="The series that decides boundedness, linear schedule.",
             used_by="modelcollapse.schedule.Linear.harmonic_sum")


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
