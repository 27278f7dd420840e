"""derivations/gaussian.py: its final expressions are the package's closed forms, a
tampered step stops it naming the step, and the committed page is what it renders."""

import functools
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from modelcollapse import derivation, gaussian
from modelcollapse.derivation import DerivationError, evaluate, find_checkout, load_build
from modelcollapse.schedule import Linear

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "derivations" / "gaussian.py"
RTOL = 1e-10


@functools.cache
def built():
    """The checked Gaussian derivation (built once per test process: about 10 s)."""
    return load_build(SCRIPT)()


def at(key, **values):
    """Result ``key`` at numbers, its symbols named by keyword (``M`` a list if indexed)."""
    expr = built().results[key]
    symbols = {s.name: s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    symbols |= {b.base.name: b.base for b in expr.atoms(sp.Indexed)}
    return float(evaluate(expr, {symbols[k]: v for k, v in values.items() if k in symbols}))


sizes = st.lists(st.integers(2, 60), min_size=1, max_size=5)
sigmas = st.floats(0.1, 10.0)
fits = st.sampled_from(["unbiased", "mle"])
SUFFIX = {"unbiased": "", "mle": "_mle"}
profile = settings(max_examples=15, deadline=None)


def chain_args(data):
    M = data.draw(sizes)
    return M, data.draw(st.integers(0, len(M))), data.draw(sigmas), data.draw(fits)


@pytest.mark.parametrize("name", ["mean_squared_error", "sample_variance", "sigma2_variance",
                                  "expected_w2_squared"])
@profile
@given(data=st.data())
def test_derived_closed_forms_are_the_package_closed_forms(name, data):
    M, n, sigma, fit = chain_args(data)
    derived = at(name + SUFFIX[fit], n=n, M=M, sigma=sigma)
    package = getattr(gaussian, name)(n, M, sigma, fit=fit)
    np.testing.assert_allclose(package, derived, rtol=RTOL, atol=1e-300)


@profile
@given(data=st.data())
def test_derived_scale_moments_are_sigma_moment(data):
    M, n, sigma, fit = chain_args(data)
    p = data.draw(st.floats(-0.9, 6.0))
    derived = at("sigma_moment" + SUFFIX[fit], n=n, M=M, sigma=sigma, p=p)
    np.testing.assert_allclose(gaussian.sigma_moment(n, M, p, sigma, fit=fit), derived, rtol=RTOL)


@profile
@given(M=st.integers(2, 10**6), fit=fits)
def test_derived_log_drift_is_log_variance_drift(M, fit):
    derived = at("log_variance_drift" + SUFFIX[fit], M=M)
    np.testing.assert_allclose(gaussian.log_variance_drift(M, fit=fit), derived, rtol=RTOL)


@profile
@given(c=st.integers(1, 50), n=st.integers(0, 200))
def test_the_linear_schedule_sum_is_harmonic(c, n):
    derived = at("harmonic_sum_linear", c=c, n=n)
    np.testing.assert_allclose(Linear(c).harmonic_sum(n), derived, rtol=RTOL)


def mixture_density(x, M0, sigma):
    """Density of N(0, V) at x, V ~ Gamma((M0-1)/2, rate (M0-1)/(2 sigma^2)), by quadrature."""
    shape, scale = (M0 - 1) / 2, 2 * sigma**2 / (M0 - 1)

    def integrand(v):
        return stats.norm.pdf(x, scale=np.sqrt(v)) * stats.gamma.pdf(v, shape, scale=scale)

    mean = shape * scale
    pieces = [(0.0, mean), (mean, 10 * mean), (10 * mean, np.inf)]
    return sum(integrate.quad(integrand, lo, hi, epsabs=0, epsrel=1e-13, limit=200)[0]
               for lo, hi in pieces)


@profile
@given(M0=st.integers(2, 60), sigma=sigmas, u=st.floats(0.05, 4.0))
def test_derived_vg_density_is_the_gamma_mixture_of_normals(M0, sigma, u):
    x = u * sigma
    derived = at("vg_density", x=x, **{"lambda": (M0 - 1) / 2}, alpha=np.sqrt(M0 - 1) / sigma)
    np.testing.assert_allclose(derived, mixture_density(x, M0, sigma), rtol=RTOL)
    np.testing.assert_allclose(derived, gaussian.generation_law(M0, sigma).pdf(x), rtol=RTOL)


def tampered(method, label, wrong):
    """Derivation.<method> with the claimed right-hand side of step ``label`` replaced."""
    original = getattr(derivation.Derivation, method)

    def patched(self, step_label, *args, **kwargs):
        if step_label == label:
            *args, rhs = args
            args = [*args, wrong(rhs)]
        return original(self, step_label, *args, **kwargs)

    return patched


@pytest.mark.parametrize(("method", "label", "wrong", "number"), [
    ("equal", "MSE, unbiased: induction step", lambda rhs: 2 * rhs, "1.6"),
    ("integral", "chi-square moment", lambda rhs: rhs * 2 / 3, "2.1"),
    ("series", "first order", lambda rhs: rhs.subs(sp.Rational(3, 2), 1), "4"),
])
def test_a_tampered_step_stops_the_derivation_naming_it(monkeypatch, method, label, wrong,
                                                        number):
    """The last case is the paper's constant 1 in place of the exact 3/2."""
    monkeypatch.setattr(derivation.Derivation, method, tampered(method, label, wrong))
    with pytest.raises(DerivationError, match=rf"step {number}[.0-9]* '{label}'"):
        load_build(SCRIPT)()


@pytest.mark.parametrize("script", sorted((ROOT / "derivations").glob("[!_]*.py")),
                         ids=lambda p: p.stem)
def test_the_committed_page_is_what_the_derivation_renders(script):
    page = ROOT / "docs" / "derivations" / f"{script.stem}.md"
    rendered = built() if script == SCRIPT else load_build(script)()
    assert page.is_file(), f"{page} is missing: run `modelcollapse derive`"
    assert page.read_text(encoding="utf-8") == rendered.markdown(), (
        f"{page} is stale: run `modelcollapse derive` and commit the result")


def test_every_result_names_the_package_function_it_is():
    page = built().markdown()
    for name in ["sample_variance", "mean_squared_error", "sigma_moment", "sigma2_variance",
                 "expected_w2_squared", "log_variance_drift"]:
        assert f"`modelcollapse.gaussian.{name}" in page
    assert find_checkout(ROOT) == ROOT
