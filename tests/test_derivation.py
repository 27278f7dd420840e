"""The step-checking framework: every kind of step passes when true and raises, naming
the step, when a coefficient is wrong; nothing is rendered that was not checked or cited."""

import pytest
import sympy as sp

from modelcollapse.derivation import Derivation, DerivationError, align_limits, evaluate

x = sp.Symbol("x", positive=True)
t = sp.Symbol("t", positive=True)
i, n = sp.symbols("i n", integer=True, nonnegative=True)
M = sp.IndexedBase("M", positive=True)


def fresh():
    d = Derivation("Toy")
    d.section("Only")
    return d


TRUE_AND_TAMPERED = {
    "equal": (lambda d, c: d.equal("square", (x + 1) ** 2, x**2 + c * x + 1, why="."), 2),
    "integral": (lambda d, c: d.integral("gauss", sp.exp(-t**2), (t, 0, sp.oo),
                                         c * sp.sqrt(sp.pi) / 4, why="."), 2),
    "summation": (lambda d, c: d.summation("geometric", sp.Rational(1, 2) ** i, (i, 0, sp.oo),
                                           c, why="."), 2),
    "limit": (lambda d, c: d.limit("sinc", sp.sin(c * t) / t, t, 0, 3, why="."), 3),
    "series": (lambda d, c: d.series("exp", sp.exp(x), x, 0, 2, 1 + c * x, why="."), 1),
    "inequality": (lambda d, c: d.inequality("am-gm", x**2 + 1, ">=", c * x, why="."), 2),
    "monotone": (lambda d, c: d.inequality("exp", sp.exp(t / c), ">", 1 + t, why=".",
                                           monotone_in=(t, 0)), 1),
}


@pytest.mark.parametrize("kind", sorted(TRUE_AND_TAMPERED))
def test_a_true_step_passes_and_renders_its_check(kind):
    add, good = TRUE_AND_TAMPERED[kind]
    d = fresh()
    add(d, good)
    page = d.markdown()
    assert "**Step 1.1" in page and "*Checked:*" in page and "$$" in page


@pytest.mark.parametrize("kind", sorted(set(TRUE_AND_TAMPERED) - {"inequality", "monotone"}))
def test_a_wrong_coefficient_raises_naming_the_step(kind):
    add, good = TRUE_AND_TAMPERED[kind]
    d = fresh()
    with pytest.raises(DerivationError, match=r"step 1\.1 '.+' of 'Toy' failed"):
        add(d, good + 1)


@pytest.mark.parametrize("kind", ["inequality", "monotone"])
def test_an_inequality_sympy_cannot_decide_raises(kind):
    """x^2 + 1 >= 3x and exp(t/2) > 1 + t are false near x = 1 and t = 0."""
    add, good = TRUE_AND_TAMPERED[kind]
    with pytest.raises(DerivationError, match=r"step 1\.1 .* cannot decide"):
        add(fresh(), good + 1)


def test_a_cited_step_needs_a_registered_assumption_and_every_assumption_a_step():
    d = fresh()
    with pytest.raises(DerivationError, match="unregistered assumption 'A1'"):
        d.cite("slln", x, 0, assumption="A1", why=".")
    d.assume("A2", "The strong law.", "Kolmogorov 1933.")
    with pytest.raises(DerivationError, match=r"\['A2'\] .* cited by no step"):
        d.markdown()
    d.cite("slln", x, 0, assumption="A2", why=".")
    page = d.markdown()
    assert "## Cited assumptions" in page and "cited, not checked: rests on assumption A2" in page
    assert "*Used in step(s)* 1.2" in page


def test_align_limits_makes_an_induction_step_checkable():
    d = fresh()
    f = 1 / M[i]
    d.equal("step", sp.Sum(f, (i, 0, n - 1)) + f.subs(i, n), sp.Sum(f, (i, 0, n)), why=".",
            simplify=(align_limits, sp.simplify))
    product = sp.Product(1 - f, (i, 0, n + 1))
    assert align_limits(product / sp.Product(1 - f, (i, 0, n - 1))) == (1 - 1 / M[n]) * (
        1 - 1 / M[n + 1])


def test_results_are_recorded_and_evaluate_at_numbers():
    d = fresh()
    d.result("harmonic", sp.Sum(1 / M[i], (i, 0, n - 1)), name="H_n", why=".")
    assert float(evaluate(d.results["harmonic"], {n: 3, M: [1, 2, 4]})) == 1.75
    with pytest.raises(DerivationError, match="recorded twice"):
        d.result("harmonic", x, name="H", why=".")
