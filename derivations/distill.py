"""Self-distillation in a kernel Hilbert space, derived step by step (checked by sympy).

Renders docs/derivations/distill.md:

    PYTHONPATH=src python derivations/distill.py

Kernel ridge regression refitted to its own predictions on a fixed design
(Mobahi, Farajtabar and Bartlett 2020, with one ridge every round): the
per-round shrinkage d/(d + c) of each eigen-coefficient, its t-th power, and
the expected squared error with fresh label noise each round.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.derivation import Derivation, script_main

d1, d2, c, dk = sp.symbols("d_1 d_2 c d_k", positive=True)
theta = sp.Symbol("theta", real=True)
z, s = sp.Symbol("z_k", real=True), sp.Symbol("s", positive=True)
lam = sp.Symbol("lambda_k", positive=True)
t = sp.Symbol("t", integer=True, nonnegative=True)
V = sp.Function("V")


def trig_simplify(expr):
    """simplify, trigsimp, simplify: enough for sin^2 + cos^2 = 1 inside fractions."""
    return sp.simplify(sp.trigsimp(sp.simplify(expr)))


def _variance(tt):
    """s^2 lambda^2 (1 - lambda^{2t}) / (1 - lambda^2): the noise term after tt rounds."""
    return s**2 * lam**2 * (1 - lam ** (2 * tt)) / (1 - lam**2)


def build():
    d = Derivation(
        "Self-distillation: kernel ridge regression refitted to its own predictions",
        intro=(
            "A fixed design $x_1..x_n$ with Gram matrix $G = V\\,\\mathrm{diag}(d)\\,V^\\top$; "
            "kernel ridge regression with ridge $c > 0$ fitted to targets $y$ predicts "
            "$\\hat y = G(G + cI)^{-1} y$ on the design. Round $t$ fits the predictions of "
            "round $t - 1$ (Mobahi, Farajtabar and Bartlett 2020, *Self-Distillation Amplifies "
            "Regularization in Hilbert Space*, with the same ridge every round), optionally "
            "plus fresh label noise. Implemented by `modelcollapse.distill`."
        ),
    )
    noise = d.assume(
        "A1",
        "The noise vectors $\\varepsilon_t \\sim N(0, s^2 I_n)$ are independent of each other "
        "and of $f_0$; since $V$ is orthogonal, $e_t = V^\\top\\varepsilon_t \\sim N(0, s^2 I_n)$ "
        "too, so the eigen-coordinates evolve independently, each with noise of variance $s^2$.",
        "Rotation invariance of the standard normal, e.g. Muirhead (1982), Thm 1.5.6.",
    )

    d.section("One round in the eigenbasis",
              "Checked on a $2\\times2$ Gram matrix with eigenvalues $d_1, d_2$ and "
              "eigenvectors rotated by an arbitrary angle $\\theta$; the argument "
              "($(G + cI)v = (d + c)v$ for an eigenvector $v$) is the same in any dimension.")
    rot = sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])
    gram = rot * sp.diag(d1, d2) * rot.T
    for col, dd in ((0, d1), (1, d2)):
        v = rot[:, col]
        lhs, rhs = (gram + c * sp.eye(2)) * v * dd / (dd + c), gram * v
        for row in range(2):
            d.equal(f"eigenvector {col + 1}, entry {row + 1}", sp.factor(lhs[row]),
                    sp.factor(rhs[row]), name=f"((G + cI)\\lambda_{col + 1} v_{col + 1})_{row + 1}",
                    simplify=trig_simplify,
                    why=f"$(G + cI)\\lambda_{col + 1} v_{col + 1} = G v_{col + 1}$ with "
                        f"$\\lambda_{col + 1} = d_{col + 1}/(d_{col + 1} + c)$; since $G + cI$ is "
                        "invertible ($c > 0$), $G(G + cI)^{-1}v = \\lambda v$.")
    d.result("per_round_shrinkage", dk / (dk + c), name="\\lambda_k",
             why="One round multiplies the coordinate $z_k = v_k^\\top y$ by $\\lambda_k < 1$.",
             used_by="distill.shrinkage(t=1)")

    d.section("Noise-free rounds")
    d.equal("induction step", lam * lam**t * z, lam ** (t + 1) * z, name="\\lambda_k a_t",
            why="If $a_t = \\lambda_k^t z_k$ then $a_{t+1} = \\lambda_k a_t$ is the next power; "
                "$a_0 = z_k$.")
    d.result("shrinkage", (dk / (dk + c)) ** t, name="a_t / z_k",
             why="So the solution collapses onto the directions with the largest $d_k$; "
                 "$\\sum_k \\lambda_k^t$ is the effective number of directions retained.",
             used_by="distill.shrinkage, distill.effective_directions, distill.squared_norm")

    d.section("Fresh label noise every round",
              "Round $t$ fits $\\hat y_{t-1} + \\varepsilon_t$, so "
              "$a_t = \\lambda_k(a_{t-1} + e_t)$ with $a_0 = z_k$, the coordinate of $f_0$.")
    d.equal("mean", lam * lam**t * z, lam ** (t + 1) * z, name="E[a_{t+1}]", uses=(noise,),
            why="$e_{t+1}$ has mean zero: the mean follows the noise-free map.")
    d.cite("variance recursion", V(t + 1), lam**2 * (V(t) + s**2), assumption=noise,
           why="$a_t$ and $e_{t+1}$ are independent; $V(0) = 0$.")
    d.equal("solution at t = 0", _variance(0), 0, name="V(0)",
            why="No round, no noise.")
    d.equal("solution: induction step", lam**2 * (_variance(t) + s**2), _variance(t + 1),
            name="\\lambda_k^2(V(t) + s^2)",
            why="The closed form satisfies the recursion, hence equals $V(t)$ for all $t$.")
    error = d.equal("bias plus variance", (lam**t - 1) ** 2 * z**2 + _variance(t),
                    (1 - lam**t) ** 2 * z**2 + s**2 * lam**2 * (1 - lam ** (2 * t)) / (1 - lam**2),
                    name="E[(a_t - z_k)^2]",
                    why="$E[(a_t - z_k)^2] = (E a_t - z_k)^2 + V(t)$.")
    d.result("expected_squared_error", error.subs(lam, dk / (dk + c)),
             name="E[(a_t - z_k)^2]",
             why="Summed over $k$ this is $E\\|\\hat y_t - f_0\\|^2$ ($V$ orthogonal).",
             used_by="distill.expected_squared_error")
    mutant = (1 - lam**t) ** 2 * z**2 + s**2 * (1 - lam ** (2 * t)) / (1 - lam**2)
    d.equal("the noise counted before shrinkage", mutant - error,
            s**2 * (1 - lam ** (2 * t)), name="\\text{mutant} - E[(a_t - z_k)^2]",
            why="Summing $\\lambda^{2j}$ over $j = 0..t-1$ instead of $1..t$ (forgetting that "
                "the last round's noise is smoothed too) overstates the error by this much.")
    d.result("expected_squared_error_mutant", mutant.subs(lam, dk / (dk + c)),
             name="\\text{mutant}", why="The wrong formula of the verify claim.",
             used_by="verify distill.noisy_squared_error (mutant)")
    return d


if __name__ == "__main__":
    raise SystemExit(script_main(build, __file__))
