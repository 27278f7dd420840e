"""The variance-gamma distribution: scipy's distribution battery, mpmath references,
and the generation-one law of the Gaussian recursion.

Statistical checks use fixed seeds; each states its false-alarm rate alpha (0.01
per check) and has a companion showing a wrong law is rejected at that level.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from modelcollapse import gaussian
from modelcollapse.variance_gamma import (
    KS_RATE,
    TV_RATE,
    _log_k_small_argument,
    _log_kve_hankel,
    _moments,
    normal_distance,
    variance_gamma,
)

ALPHA = 0.01
LOG_TINY = np.log(np.finfo(float).smallest_subnormal)
REFERENCE = json.loads((Path(__file__).parent / "reference" / "variance_gamma.json").read_text())

# lam from 0.05 to 10^6 (log-uniform), alpha a scale, beta/alpha up to 1 - 1e-6.
lams = st.one_of(st.sampled_from([0.05, 0.5, 1.0, 25.5, 1e6]),
                 st.floats(np.log(0.05), np.log(1e6)).map(np.exp))
alphas = st.floats(-2.0, 2.0).map(np.exp)
skews = st.one_of(st.sampled_from([0.0, 1 - 1e-6, -(1 - 1e-6)]), st.floats(-0.999, 0.999))
params = st.tuples(lams, alphas, skews).map(lambda p: (p[0], p[1], p[1] * p[2]))
# for the quadrature checks (scipy's quad loses the 1e-11 target at |beta| / alpha ~ 1 - 1e-6)
moderate = st.tuples(lams, alphas, st.floats(-0.99, 0.99)).map(lambda p: (p[0], p[1], p[1] * p[2]))


def spread(lam, alpha, beta):
    mean, var, _, _ = _moments(lam, alpha, beta)
    return float(mean), float(np.sqrt(var))


# --------------------------------------------------------------------------
# reference values (mpmath, tests/reference/make_variance_gamma.py)


@pytest.mark.parametrize("row", REFERENCE["pdf"], ids=lambda r: f"{r['x']}-{r['lam']}")
def test_logpdf_matches_mpmath(row):
    got = variance_gamma.logpdf(row["x"], row["lam"], row["alpha"], row["beta"])
    assert got == pytest.approx(row["logpdf"], rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("row", REFERENCE["tail"], ids=lambda r: f"{r['x']}-{r['lam']}")
def test_logcdf_and_logsf_match_mpmath_in_both_tails(row):
    args = (row["x"], row["lam"], row["alpha"], row["beta"])
    for got, ref in ((variance_gamma.logcdf(*args), row["logcdf"]),
                     (variance_gamma.logsf(*args), row["logsf"])):
        if ref < LOG_TINY:  # beyond the double range only the underflow is promised
            assert got < LOG_TINY
        else:  # absolute in the log: relative 1e-10 in the probability itself
            assert got == pytest.approx(ref, rel=1e-11, abs=1e-10)


@pytest.mark.parametrize("row", REFERENCE["sides"],
                         ids=lambda r: f"{r['x']}-{r['lam']}-{r['beta']}")
def test_cdf_and_sf_match_mpmath_on_both_sides_of_the_median(row):
    """Small lam, |beta|/alpha up to 1 - 1e-6, far tails, |x| up to 2e9; each tail computed
    directly (never as one minus the other), so the one above 1/2 is held in linear scale
    and both in log scale (relative error of the probability), measured below 1.2e-13."""
    args = (row["x"], row["lam"], row["alpha"], row["beta"])
    for name, f, log_f in (("cdf", variance_gamma.cdf, variance_gamma.logcdf),
                           ("sf", variance_gamma.sf, variance_gamma.logsf)):
        ref = row["log" + name]
        assert abs(log_f(*args) - ref) <= 1e-12 + 1e-14 * abs(ref), name
        if row[name] > 0.5:
            assert f(*args) == pytest.approx(row[name], rel=1e-13, abs=0), name


def test_density_at_the_centre_is_finite_iff_lam_exceeds_one_half():
    assert np.isinf(variance_gamma.pdf(0.0, [0.05, 0.5], 1.0, 0.2)).all()
    lam, alpha, beta = 2.0, 1.5, 0.5
    gamma2 = alpha**2 - beta**2
    # f(0) = gamma^(2 lam) Gamma(lam - 1/2) / (2 sqrt(pi) Gamma(lam) alpha^(2 lam - 1))
    expected = gamma2**lam * sp.gamma(sp.Rational(3, 2)) / (2 * sp.sqrt(sp.pi) * alpha**3)
    assert variance_gamma.pdf(0.0, lam, alpha, beta) == pytest.approx(float(expected), rel=1e-14)


def test_large_order_route_is_continuous_at_its_threshold():
    x = np.array([1e-3, 0.7, 3.0, 30.0])
    below = variance_gamma.logpdf(x, 25.5 - 1e-12, 2.0, 0.5)
    above = variance_gamma.logpdf(x, 25.5 + 1e-12, 2.0, 0.5)
    np.testing.assert_allclose(below, above, rtol=0, atol=1e-11)  # d logpdf / d lam = O(1)


# --------------------------------------------------------------------------
# closed-form moments against sympy


t, L, A, B = sp.symbols("t L A B", real=True)
# the cumulant generating function of VG(L, A, B) at loc 0
CGF = -L * sp.log(1 - (2 * B * t + t**2) / (A**2 - B**2))
CUMULANTS = [sp.diff(CGF, t, k).subs(t, 0) for k in range(1, 5)]
# the raw moments E[X^n] are the Taylor coefficients of the mgf exp(K(t))
RAW = [sp.diff(sp.exp(CGF), t, n).subs(t, 0) for n in range(1, 7)]


def _evaluate(exprs, p):
    at = dict(zip((L, A, B), (sp.Float(v, 40) for v in p), strict=True))
    return [float(e.evalf(40, subs=at)) for e in exprs]


@settings(max_examples=30, deadline=None)
@given(params)
def test_stats_are_the_cumulants_of_the_mgf(p):
    k1, k2, k3, k4 = _evaluate(CUMULANTS, p)
    mean, var, skew, kurt = variance_gamma.stats(*p, moments="mvsk")
    np.testing.assert_allclose([mean, var, skew, kurt],
                               [k1, k2, k3 / k2**1.5, k4 / k2**2], rtol=1e-9)


@settings(max_examples=20, deadline=None)
@given(params)
def test_raw_moments_are_the_derivatives_of_the_mgf(p):
    """``moment`` of any order: ``_munp``, closed form from the cumulants."""
    expected = _evaluate(RAW, p)
    got = [variance_gamma.moment(n, *p) for n in range(1, 7)]
    # odd moments of a nearly symmetric law are sums of cancelling terms: absolute
    # tolerance on the scale of the even moment of that order
    scale = [abs(expected[1]) ** (n / 2) for n in range(1, 7)]
    assert all(abs(g - e) <= 1e-9 * (abs(e) + s) for g, e, s in zip(got, expected, scale,
                                                                      strict=True))


# --------------------------------------------------------------------------
# scipy's continuous-distribution battery at hypothesis-drawn parameters


def _integral(f, lam, alpha, beta):
    """int f(x) pdf(x) dx over the 1e-13 .. 1 - 1e-13 quantile range, split at 0 and mean + k sd.

    Cuts every standard deviation keep quad's pieces smooth even where the law is
    nearly normal and far from 0 (large lam), where a few wide pieces lose the
    tolerance to roundoff.
    """
    lo = variance_gamma.ppf(1e-13, lam, alpha, beta)
    hi = variance_gamma.isf(1e-13, lam, alpha, beta)
    mean, sd = spread(lam, alpha, beta)
    inner = (0.0, *(mean + k * sd for k in range(-8, 9)))
    cuts = sorted({lo, hi, *(c for c in inner if lo < c < hi)})
    def weighted(x):
        return f(x) * variance_gamma.pdf(x, lam, alpha, beta)

    total = 0.0
    for a, b in itertools.pairwise(cuts):
        if lam < 0.5 and 0.0 in (a, b):
            # pdf ~ |x|^(2 lam - 1) at 0: x = +-y^k, k = 1/(2 lam), makes the integrand smooth
            k, sign, end = 1 / (2 * lam), np.sign(a + b), max(abs(a), abs(b))
            def smooth(y, k=k, sign=sign):
                return weighted(sign * y**k) * k * y ** (k - 1)

            # from |x| = 1e-300 (the integrand is bounded, so [0, 1e-300^(1/k)] adds < 1e-25)
            piece = integrate.quad(smooth, 1e-300 ** (1 / k), end ** (1 / k), limit=200,
                                   epsabs=1e-13, epsrel=1e-10)
        else:
            piece = integrate.quad(weighted, a, b, limit=200, epsabs=1e-13, epsrel=1e-10)
        total += piece[0]
    return total


@settings(max_examples=5, deadline=None)
@given(moderate)
@example((1e6, 1.0, 0.75))
@example((1e6, np.exp(0.75), 0.75 * np.exp(0.75)))
def test_pdf_integrates_to_one_and_moments_match_stats(p):
    lam, alpha, beta = p
    mean, sd = spread(lam, alpha, beta)
    _, _, skew, kurt = variance_gamma.stats(lam, alpha, beta, moments="mvsk")
    # Skewed laws of large order carry a relative rounding error of about lam * eps (module
    # docstring), so the tolerance is 1e-9 or 20 lam eps, whichever is larger.
    tolerance = max(1e-9, 20 * lam * np.finfo(float).eps if beta else 0.0)
    assert _integral(lambda x: 1.0, lam, alpha, beta) == pytest.approx(1.0, abs=tolerance)
    z = [_integral(lambda x, k=k: ((x - mean) / sd) ** k, lam, alpha, beta) for k in (1, 2, 3, 4)]
    np.testing.assert_allclose(z, [0.0, 1.0, skew, kurt + 3], rtol=1e-6, atol=1e-6)


@settings(max_examples=10, deadline=None)
@given(params, st.sampled_from([1e-300, 1e-30, 1e-6, 0.2, 0.5, 0.7, 1 - 1e-9]))
@example((0.05, 1.0, 2.225073858507e-311), 1e-300)  # a subnormal beta
def test_ppf_inverts_cdf_and_isf_inverts_sf(p, q):
    lam, alpha, beta = p
    x = variance_gamma.ppf(q, lam, alpha, beta)
    assert variance_gamma.cdf(x, lam, alpha, beta) == pytest.approx(q, rel=1e-9)
    y = variance_gamma.isf(q, lam, alpha, beta)
    assert variance_gamma.sf(y, lam, alpha, beta) == pytest.approx(q, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(params, st.floats(-40.0, 40.0))
@example((np.exp(8.0), 1.0, 1 - 1e-6), -29.5)  # a subnormal pdf (3.3e-315)
@example((1e-3, 1.0, 0.0), 1e-6)  # cdf and sf near 1/2 at small lam
@example((0.5, 1.0, 2.225073858507203e-309), 0.0)  # x = mean = 2.2e-309: below kve's range
def test_cdf_and_sf_are_complements_and_logpdf_is_log_pdf(p, z):
    lam, alpha, beta = p
    mean, sd = spread(lam, alpha, beta)
    x = mean + z * sd
    cdf, sf = variance_gamma.cdf(x, lam, alpha, beta), variance_gamma.sf(x, lam, alpha, beta)
    assert cdf + sf == pytest.approx(1.0, abs=1e-13)
    assert 0.0 <= cdf <= 1.0 and 0.0 <= sf <= 1.0
    pdf = variance_gamma.pdf(x, lam, alpha, beta)
    logpdf = variance_gamma.logpdf(x, lam, alpha, beta)
    if np.isinf(pdf):  # at 0 for lam <= 1/2
        assert x == 0 and lam <= 0.5 and logpdf == np.inf
    elif pdf > 0:
        # A subnormal pdf carries an absolute rounding of half its spacing (5e-324),
        # so log(pdf) itself is inexact there by up to 5e-324 / pdf.
        spacing = np.finfo(float).smallest_subnormal / pdf
        assert abs(np.log(pdf) - logpdf) <= 1e-13 * max(1.0, abs(logpdf)) + spacing


@settings(max_examples=25, deadline=None)
@given(params, st.floats(-6.0, 6.0).filter(lambda z: abs(z) > 0.05))
def test_pdf_is_the_derivative_of_the_cdf(p, z):
    lam, alpha, beta = p
    mean, sd = spread(lam, alpha, beta)
    x = mean + z * sd
    if abs(x) < 0.05 * sd:  # keep the stencil off the possible singularity at 0
        x += 0.1 * sd
    h = 1e-4 * sd
    # central difference of the smaller tail: error (h/sd)^2 O(1) + rounding eps/(h/sd)
    tail = variance_gamma.sf if x > mean else variance_gamma.cdf
    sign = -1.0 if x > mean else 1.0
    slope = sign * (tail(x + h, lam, alpha, beta) - tail(x - h, lam, alpha, beta)) / (2 * h)
    assert slope == pytest.approx(variance_gamma.pdf(x, lam, alpha, beta), rel=1e-5, abs=1e-9 / sd)


def test_cdf_and_sf_are_complements_over_extreme_laws():
    """lam 1e-6 .. 1e6, |beta|/alpha up to 1 - 1e-6, 40 sd out, |x| from 1e-300 to 1e12.

    Both tails are separate integrals, so their sum tests each (a missed feature of
    either integrand shows here: tiny lam puts the law's mass across 1/lam units of log V).
    """
    rng = np.random.default_rng(20)
    n = 400
    lam = np.exp(rng.uniform(np.log(1e-6), np.log(1e6), n))
    alpha = np.exp(rng.uniform(-2.0, 2.0, n))
    beta = alpha * rng.choice([0.0, 0.5, 0.99, -0.9, 1 - 1e-6, -(1 - 1e-6)], n)
    mean, var, _, _ = _moments(lam, alpha, beta)
    x = mean + rng.uniform(-40.0, 40.0, n) * np.sqrt(var)
    x = np.where(rng.random(n) < 0.2, rng.choice([1e-8, -1e-8, 1e-300, 1e9, -1e12], n), x)
    total = variance_gamma.cdf(x, lam, alpha, beta) + variance_gamma.sf(x, lam, alpha, beta)
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-13)


@settings(max_examples=10, deadline=None)
@given(params, st.lists(st.floats(-30.0, 30.0), min_size=2, max_size=4))
@example((0.05, 1.0, 0.0), [0.0031622776601683794, 1e-8])
def test_a_value_does_not_depend_on_its_neighbours_in_the_array(p, zs):
    """Each point's quadrature stops at its own tolerance: the same bits alone or in a batch."""
    lam, alpha, beta = p
    mean, sd = spread(lam, alpha, beta)
    x = mean + np.array(zs) * sd
    for f in (variance_gamma.logcdf, variance_gamma.logsf):
        assert f(x, lam, alpha, beta).tolist() == [f(v, lam, alpha, beta) for v in x]


def test_pdf_far_out_underflows_to_zero_without_warning():
    """alpha |x| beyond 1.15e9, where scipy's kve is NaN (Hankel's expansion takes over)."""
    assert variance_gamma.pdf([2e9, -2e9], 2.0, 1.0, 0.0).tolist() == [0.0, 0.0]
    assert variance_gamma.pdf(1e10, 2.0, 1.0, 0.5) == 0.0
    assert gaussian.generation_law(10).pdf(2e9) == 0.0
    # at the switch, alpha |x| = 1e8, Hankel's expansion equals scipy's kve to rounding
    order = np.array([0.0, 0.45, 1.5, 7.3, 24.4])
    z = np.full(order.shape, 1e8)
    np.testing.assert_allclose(_log_kve_hankel(order, z), np.log(special.kve(order, z)),
                               rtol=0, atol=1e-14)


@pytest.mark.parametrize("order", [0.0, 1e-12, 1e-5, 0.01, 0.3, 5.0, 15.0])
def test_bessel_k_below_kve_range_matches_mpmath(order):
    """alpha |x| below ~1e-307, where scipy's kve is inf for every order (e.g. lam = 1/2
    at a subnormal x: the density is finite, ~ (log(2 / z) - gamma_E) / pi)."""
    import mpmath as mp

    z = np.array([1e-300, 1e-308, 5e-324])
    got = _log_k_small_argument(np.full(z.shape, order), np.log(z))
    with mp.workdps(30):
        ref = [float(mp.log(mp.besselk(order, mp.mpf(v)))) for v in z]
    np.testing.assert_allclose(got, ref, rtol=5e-14)
    assert np.isfinite(variance_gamma.pdf(2.2e-309, order + 0.5, 1.0, 0.0))


def test_scale_divides_alpha_and_beta():
    x = np.linspace(-5, 5, 11)
    s = 2.5
    np.testing.assert_allclose(variance_gamma.logpdf(x, 1.7, 2.0, 0.6, scale=s),
                               variance_gamma.logpdf(x, 1.7, 2.0 / s, 0.6 / s), rtol=1e-12)


def test_invalid_parameters_are_outside_the_domain():
    bad = variance_gamma.pdf(0.3, [-1.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0])
    assert np.isnan(bad).all()
    with pytest.raises(ValueError):
        variance_gamma.rvs(1.0, 1.0, 1.5, size=3, random_state=0)


# --------------------------------------------------------------------------
# sampling: exact gamma-mixture rvs, KS at alpha = 0.01


KS_CASES = [(0.05, 1.0, 0.5), (2.0, 3.0, 1.0), (30.0, 3.0, -2.9), (1e6, 1e3, 0.0)]


@pytest.mark.parametrize("p", KS_CASES)
def test_rvs_pass_ks_against_cdf(p):
    """False-alarm rate alpha = 0.01 (per case; fixed seed)."""
    x = variance_gamma.rvs(*p, size=4000, random_state=12345)
    assert stats.kstest(x, variance_gamma(*p).cdf).pvalue > ALPHA


@pytest.mark.parametrize("p", KS_CASES)
def test_ks_rejects_rvs_against_a_wrong_law(p):
    """Power companion: the draws against lam * 1.25 (beta flipped) are rejected at 0.01."""
    lam, alpha, beta = p
    wrong = variance_gamma(1.25 * lam, alpha, -beta)
    x = variance_gamma.rvs(*p, size=4000, random_state=12345)
    assert stats.kstest(x, wrong.cdf).pvalue < ALPHA


# --------------------------------------------------------------------------
# fit


def _observed_information(nll, theta):
    """Numerical Hessian of the negative log-likelihood (central differences)."""
    theta = np.asarray(theta, dtype=float)
    h = 1e-3 * np.maximum(np.abs(theta), 0.1)
    k = theta.size
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            hess[i, j] = (nll(theta + ei + ej) - nll(theta + ei - ej)
                          - nll(theta - ei + ej) + nll(theta - ei - ej)) / (4 * h[i] * h[j])
    return hess


TRUE = (2.0, 3.0, 1.0, 0.5)


def _fit():
    data = variance_gamma.rvs(*TRUE[:3], loc=TRUE[3], size=10_000, random_state=7)
    est = np.array(variance_gamma.fit(data, fscale=1)[:4])

    def nll(t):
        return variance_gamma.nnlf((*t, 1.0), data)
    se = np.sqrt(np.diag(np.linalg.inv(_observed_information(nll, est))))
    return est, se


def test_fit_recovers_parameters_from_ten_thousand_draws():
    """Each parameter within z_{1-0.01/8} s.e. (observed information): family alpha 0.01."""
    est, se = _fit()
    z = stats.norm.isf(ALPHA / 8)
    assert np.all(np.abs(est - np.array(TRUE)) < z * se), (est, se)


# The moment start is lam 3.5, alpha 4.4, beta 1.9: each fixed value below puts it
# outside |beta| < alpha. (A much smaller alpha drives lam below 1/2, where the
# likelihood is unbounded at loc = any data point: no interior optimum exists.)
@pytest.mark.parametrize("fixed", [{"fbeta": 5.0}, {"falpha": 1.5}, {"fix_beta": -5.0}])
def test_fit_with_alpha_or_beta_fixed_reaches_a_local_optimum(fixed):
    """The start moves inside |beta| < alpha given the fixed value; the optimum is interior."""
    data = variance_gamma.rvs(*TRUE[:3], loc=TRUE[3], size=2000, random_state=1)
    est = np.array(variance_gamma.fit(data, fscale=1, **fixed)[:4])
    assert est[1] > abs(est[2])
    free = [0, 2, 3] if "falpha" in fixed else [0, 1, 3]
    best = variance_gamma.nnlf((*est, 1.0), data)
    for i in free:  # every free coordinate, 1% either way, is worse
        for f in (0.99, 1.01):
            moved = est.copy()
            moved[i] = est[i] * f if est[i] else 0.01 * (f - 1)
            assert variance_gamma.nnlf((*moved, 1.0), data) > best


def test_fit_accepts_censored_data_with_beta_fixed():
    """The start from censored data (its midpoints), moved inside the domain for fbeta."""
    x = variance_gamma.rvs(*TRUE[:3], loc=TRUE[3], size=500, random_state=1)
    data = stats.CensoredData(uncensored=x[:-20], right=x[-20:] + 1.0)
    est = variance_gamma.fit(data, fbeta=5.0, fscale=1)
    assert est[2] == 5.0 and est[1] > 5.0 and np.isfinite(variance_gamma.nnlf(est, x))


def test_method_of_moments_fit_matches_five_moments():
    """Nothing fixed: five parameters, scipy matches the first five raw moments (``_munp``)."""
    data = variance_gamma.rvs(*TRUE[:3], loc=TRUE[3], size=20_000, random_state=3)
    est = variance_gamma.fit(data, method="MM")
    fitted = [variance_gamma.moment(k, *est[:3], loc=est[3], scale=est[4]) for k in range(1, 6)]
    np.testing.assert_allclose(fitted, [np.mean(data**k) for k in range(1, 6)], rtol=1e-3)


def test_fit_rejects_a_wrong_truth():
    """Power companion: lam = 3 (not 2) lies outside the same intervals."""
    est, se = _fit()
    assert abs(est[0] - 3.0) > stats.norm.isf(ALPHA / 8) * se[0]


# --------------------------------------------------------------------------
# the generation-one law of the Gaussian recursion


M, SIGMA = 5, 1.5


def _fresh_draws(centre, replicates=20_000, seed=2024):
    """One generation-one draw per independent chain, minus mu_1 (or minus the truth mu)."""
    rng = np.random.default_rng(seed)
    chain = gaussian.simulate(1, M, mu=0.3, sigma=SIGMA, replicates=replicates, rng=rng)
    x = chain.draw(1, rng=rng)[:, 0]
    return x - (chain.mu[:, 1] if centre == "fitted" else 0.3)


def test_fresh_generation_one_draw_about_fitted_mean_is_generation_law():
    """KS at alpha = 0.01, 20000 independent chains, M = 5, sigma = 1.5 (fixed seed)."""
    law = gaussian.generation_law(M, SIGMA)
    assert stats.kstest(_fresh_draws("fitted"), law.cdf).pvalue > ALPHA


@pytest.mark.parametrize(
    "wrong",
    [
        variance_gamma(M / 2, np.sqrt(M - 1) / SIGMA, 0.0),  # lam = M/2
        variance_gamma((M - 1) / 2, np.sqrt(M) / SIGMA, 0.0),  # alpha = sqrt(M)/sigma (the MLE law)
        stats.norm(0, SIGMA),  # the Gaussian the draw is often mistaken for
    ],
    ids=["lam=M/2", "alpha=sqrt(M)/sigma", "normal"],
)
def test_wrong_generation_laws_are_rejected(wrong):
    """Power companion: the same draws reject each wrong law at alpha = 0.01."""
    assert stats.kstest(_fresh_draws("fitted"), wrong.cdf).pvalue < ALPHA


def test_draw_about_the_true_mean_is_not_the_generation_law():
    """X^1_j - mu (not - mu_1) has variance sigma^2 (1 + 1/M): rejected at alpha = 0.01."""
    law = gaussian.generation_law(M, SIGMA)
    assert stats.kstest(_fresh_draws("truth"), law.cdf).pvalue < ALPHA


def test_generation_law_parameters_and_variance():
    law = gaussian.generation_law(11, 2.0)
    assert law.args == (5.0, np.sqrt(10) / 2.0, 0.0)
    assert law.var() == pytest.approx(4.0, rel=1e-14)
    assert gaussian.generation_law(11, 2.0, fit="mle").var() == pytest.approx(4.0 * 10 / 11)
    assert law.stats(moments="k") == pytest.approx(6 / 10)


@pytest.mark.parametrize(("kwargs", "match"), [({"M": 1}, "M must be"), ({"M": 5.0}, "M must be"),
                                               ({"M": 5, "sigma": 0.0}, "sigma must be"),
                                               ({"M": 5, "fit": "ml"}, "fit must be")])
def test_generation_law_rejects_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        gaussian.generation_law(**kwargs)


# --------------------------------------------------------------------------
# convergence to the normal law


def test_ks_distance_to_normal_decays_like_one_over_lam():
    """lam KS -> KS_RATE with an O(1/lam) gap: the gap shrinks tenfold per decade of lam."""
    lam = np.array([500.0, 5000.0, 50000.0])
    gap = lam * normal_distance(lam) - KS_RATE
    np.testing.assert_allclose(gap[:-1] / gap[1:], 10.0, rtol=0.05)
    gap_tv = lam * normal_distance(lam, metric="tv") - TV_RATE
    np.testing.assert_allclose(gap_tv[:-1] / gap_tv[1:], 10.0, rtol=0.05)


def test_distances_match_direct_computation():
    lam = 2.0
    alpha = np.sqrt(2 * lam)
    x = np.linspace(0.0, 8.0, 40001)
    gap = np.abs(variance_gamma.cdf(x, lam, alpha, 0.0) - stats.norm.cdf(x))
    ks = normal_distance(lam)
    assert gap.max() <= ks + 1e-13
    assert ks - gap.max() < 1e-9  # grid step 2e-4: the maximum is flat to second order
    tv = integrate.quad(lambda t: abs(variance_gamma.pdf(t, lam, alpha, 0.0) - stats.norm.pdf(t)),
                        1e-12, 40.0, limit=400, points=[0.5, 1.0, 2.0, 3.0])[0]
    assert normal_distance(lam, metric="tv") == pytest.approx(tv, rel=1e-7)


@pytest.mark.parametrize("lam", [1e-8, 4e-7, 1e-3])
def test_normal_distance_at_tiny_lam_is_the_largest_gap(lam):
    """Small lam puts nearly all mass within |x| ~ lam of 0: KS tends to 1/2."""
    x = np.geomspace(1e-12, 10.0, 400)
    gap = np.max(np.abs(variance_gamma.cdf(x, lam, np.sqrt(2 * lam), 0.0) - stats.norm.cdf(x)))
    ks = normal_distance(lam)
    assert gap <= ks + 1e-13
    assert ks - gap < 1e-6  # a geometric grid, 4% steps, against the exact maximum
    if lam < 4e-7:
        assert ks > 0.4999


def test_normal_distance_is_continuous_where_it_switches_to_edgeworth():
    """Exact route just below 3e5, c / lam from there: within 1e-6 relatively."""
    below, above = np.nextafter(3e5, 0.0), 3e5
    for metric in ("ks", "tv"):
        d_below, d_above = normal_distance(np.array([below, above]), metric=metric)
        assert d_above == (KS_RATE if metric == "ks" else TV_RATE) / above
        assert d_below == pytest.approx(d_above, rel=1e-6)
    assert normal_distance(1e300) == KS_RATE / 1e300
    assert normal_distance(5e-324) == 0.5 and normal_distance(1e-300, metric="tv") == 1.0


def test_normal_distance_rejects_bad_input():
    with pytest.raises(ValueError, match="metric must be"):
        normal_distance(2.0, metric="w2")
    with pytest.raises(ValueError, match="lam must be"):
        normal_distance(0.0)


def test_generation_one_claims_hold_and_reject_their_normal_mutants():
    """verify's z-tests at family alpha = 0.01 (Holm); the mutants at alpha/m."""
    from modelcollapse import verify

    names = ["variance_gamma.generation_one_tail", "variance_gamma.generation_one_fourth_moment"]
    report = verify.run(names, alpha=ALPHA, seed=3)
    assert not report.family_rejected
    assert all(r.mutant_rejected for r in report.results)
