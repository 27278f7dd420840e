"""Claims of the sampled categorical loop and of the memoriser (modelcollapse.tails).

Also the real-corpus loop and the accumulating categorical chain, whose loss
probabilities are exact binomial tests and whose heterozygosities are means of
an observable bounded in ``[0, 1]``.

Loss probabilities use the exact binomial test (``test="proportion"``), which
is calibrated at any replicate count, and the tempered Gaussian variance its
exact law (KS, ``test="law"``); the other claims are means of bounded
observables (a support size in ``[0, K]``, a frequency or a missing mass in
``[0, 1]``) or, for the tempered mean's error, of a scaled chi-square mixture
with finite fourth moment at 1500 replicates, for which the z-test is
accurate. Replicates are chosen for power >= 0.9 against each mutant at the
registry's Bonferroni level (alpha = 0.01 over about sixty claims, |z| > 3.8),
with a margin, and each claim runs in a few hundredths of a second.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .. import discrete, gaussian, multivariate, policies, tails
from ._core import Claim

__all__ = ["tails_claims"]

_MARCHI = "Marchi et al. 2024, 'Heat Death of Generative Models in Closed-Loop Learning'"
_TAILS = "Dohmatob et al. 2024, 'A Tale of Tails', Section 2; Hutter 2021, Section 3"
_MAD = "Alemohammad et al. 2023, 'Self-Consuming Generative Models Go MAD', Section 3.1"
_SEDDIK = ("setting of Seddik et al. 2024, 'How Bad is Training on Synthetic Data?' "
           "(a fixed real corpus plus synthetic data); the package's derivation")
_ACCUMULATE = ("the accumulate policy of Gerstgrasser et al. 2024, 'Is Model Collapse "
               "Inevitable?', for the categorical chain; the package's derivation")
P0 = np.array([0.45, 0.25, 0.15, 0.1, 0.05])
_COV = np.array([[2.0, 0.6], [0.6, 1.0]])


def _first_fit(M, column, observe, **sampler):
    def observations(r, rng):
        chain = discrete.simulate(1, M, P0, replicates=r, rng=rng, keep="last", **sampler)
        return observe(chain, column)

    return observations


def _lost(chain, column):
    return chain.last[:, column] == 0


def _frequency(chain, column):
    return chain.last[:, column]


def _support(chain, column):
    return chain.support_size()[:, -1].astype(np.float64)


def _real_corpus(observe):
    def observations(r, rng):
        return observe(tails.simulate_real_corpus(10, 10, 30, P0, replicates=r, rng=rng,
                                                  keep="last").last)

    return observations


def _accumulated(observe):
    def observations(r, rng):
        return observe(discrete.simulate(10, 10, P0, replicates=r, rng=rng, keep="last",
                                         policy="accumulate").last)

    return observations


def _heterozygosity(p):
    return 1.0 - np.sum(p * p, axis=-1)


def tails_claims():
    """The sampling-transform and memoriser claims."""
    zipf = discrete.zipf_p0(200, 1.5)
    cut = tails.tail_cut(zipf, 20, clean=0.2)

    def two_type_loss(label, T):
        def observations(r, rng):
            chain = discrete.simulate(8, 15, [0.3, 0.7], replicates=r, rng=rng, keep="last",
                                      temperature=T)
            return chain.last[:, 0] == 0

        return Claim(
            name=f"tails.two_type_loss_{label}",
            statement=f"P(p_{{8,1}} = 0) from the chain Binomial(M, g(c/M)), g tempered "
                      f"(T = {T})",
            reference=_MARCHI,
            closed_form=lambda: tails.two_type_loss_probability(8, 15, 0.3, temperature=T),
            observations=observations,
            mutant=lambda: discrete.loss_probability(8, 15, 0.3),
            mutant_label="the neutral Wright-Fisher chain (temperature ignored)",
            parameters={"n": 8, "M": 15, "p": 0.3, "temperature": T},
            replicates=300, test="proportion",
        )

    def missing_mass(r, rng):
        seen = rng.multinomial(300, cut, size=r) > 0
        return (~seen) @ zipf

    def tempered_gaussian(n, observe):
        def observations(r, rng):
            return observe(gaussian.simulate(n, 10, replicates=r, rng=rng, temperature=1.3))

        return observations

    params = {"M": 12, "p0": P0.tolist()}
    return [
        Claim(
            name="tails.gaussian_temperature_law",
            statement="sigma_1^2 ~ T sigma^2 chi^2_{M-1}/(M-1) when generation 0 is drawn "
                      "from N(mu, T sigma^2) (T = 1.3, M = 10; KS test of the law)",
            reference=_MAD,
            closed_form=lambda: stats.chi2(9, scale=1.3 / 9),
            observations=tempered_gaussian(1, lambda c: c.sigma2[:, 1]),
            mutant=lambda: stats.chi2(9, scale=1 / 9),
            mutant_label="the temperature ignored: sigma^2 chi^2_{M-1}/(M-1)",
            parameters={"n": 1, "M": 10, "temperature": 1.3},
            replicates=600, test="law",
        ),
        Claim(
            name="tails.gaussian_temperature_mean_error",
            statement="E[(mu_n - mu)^2] = sigma^2 sum_{i<n} T^{i+1}/M (T = 1.3, n = 4, M = 10)",
            reference=_MAD,
            closed_form=lambda: gaussian.mean_squared_error(4, 10, temperature=1.3),
            observations=tempered_gaussian(4, lambda c: c.mu[:, -1] ** 2),
            mutant=lambda: gaussian.mean_squared_error(4, 10),
            mutant_label="the untempered random walk: n sigma^2/M",
            parameters={"n": 4, "M": 10, "temperature": 1.3},
            replicates=12_500,
        ),
        Claim(
            name="tails.fresh_data_sampling_bias",
            statement="E[sigma_n^2] from the (a, v) recursion with K = 4 fresh and L = 6 "
                      "synthetic points at T = 0.7 (n = 6)",
            reference=_MAD + "; Section 4 (fresh data)",
            closed_form=lambda: tails.mad_moments(6, 4, 6, temperature=0.7).sigma2[-1],
            observations=lambda r, rng: tails.simulate_mad(
                6, 4, 6, temperature=0.7, replicates=r, rng=rng).sigma2[:, -1],
            mutant=lambda: tails.mad_moments(6, 4, 6).sigma2[-1],
            mutant_label="the synthetic points drawn at T = 1",
            parameters={"n": 6, "n_real": 4, "n_synth": 6, "temperature": 0.7},
            replicates=1_500,
        ),
        Claim(
            name="tails.first_fit_loss_tempered",
            statement="P(p_{1,k} = 0) = (1 - q_k)^M, q = p0^(1/T) renormalised "
                      "(T = 0.6, p0_k = 0.1)",
            reference=_MARCHI,
            closed_form=lambda: tails.first_fit_loss_probability(12, P0, temperature=0.6)[3],
            observations=_first_fit(12, 3, _lost, temperature=0.6),
            mutant=lambda: (1 - P0[3]) ** 12,
            mutant_label="the temperature ignored: (1 - p0_k)^M",
            parameters={**params, "temperature": 0.6, "k": 3},
            replicates=400, test="proportion",
        ),
        Claim(
            name="tails.first_fit_loss_nucleus",
            statement="P(p_{1,k} = 0) = (1 - q_k)^M, q the top-p nucleus (p = 0.8) renormalised",
            reference="Holtzman et al. 2020 (nucleus sampling); " + _TAILS,
            closed_form=lambda: tails.first_fit_loss_probability(12, P0, top_p=0.8)[2],
            observations=_first_fit(12, 2, _lost, top_p=0.8),
            mutant=lambda: (1 - P0[2]) ** 12,
            mutant_label="the nucleus not renormalised: (1 - p0_k)^M",
            parameters={**params, "top_p": 0.8, "k": 2},
            replicates=2_000, test="proportion",
        ),
        Claim(
            name="tails.first_fit_mean",
            statement="E[p_{1,k}] = q_k: the fit is unbiased for the tempered law (T = 0.6)",
            reference=_MARCHI,
            closed_form=lambda: tails.sampling_transform(P0, temperature=0.6)[0],
            observations=_first_fit(12, 0, _frequency, temperature=0.6),
            mutant=lambda: P0[0],
            mutant_label="the martingale of untempered sampling: E[p_{1,k}] = p0_k",
            parameters={**params, "temperature": 0.6, "k": 0},
            replicates=400,
        ),
        Claim(
            name="tails.first_fit_support",
            statement="E[support after one fit] = sum_k 1 - (1 - q_k)^M, top-k = 3 at T = 1.5",
            reference=_TAILS,
            closed_form=lambda: tails.first_fit_support(12, P0, top_k=3, temperature=1.5),
            observations=_first_fit(12, None, _support, top_k=3, temperature=1.5),
            mutant=lambda: tails.first_fit_support(12, P0, temperature=1.5),
            mutant_label="no truncation: the tail beyond rank 3 kept",
            parameters={**params, "top_k": 3, "temperature": 1.5},
            replicates=7_000,
        ),
        two_type_loss("cold", 0.7),
        two_type_loss("hot", 1.6),
        Claim(
            name="tails.memorizer_error",
            statement="E[p-mass unseen in T draws from q] = sum_i p_i (1 - q_i)^T, q = tail cut "
                      "at rank 20 with 20% clean data, Zipf(1.5) over 200",
            reference=_TAILS,
            closed_form=lambda: tails.memorizer_error(300, zipf, cut),
            observations=missing_mass,
            mutant=lambda: tails.memorizer_error(300, zipf),
            mutant_label="trained on clean data: sum_i p_i (1 - p_i)^T",
            parameters={"T": 300, "K": 200, "beta": 1.5, "cutoff": 20, "clean": 0.2},
            replicates=400,
        ),
        Claim(
            name="tails.multivariate_temperature_log_det",
            statement="E[log det Sigma_n] = log det Sigma + n (drift + d log T) when every "
                      "generation is drawn from N(mu_i, T Sigma_i) (T = 1.3, d = 2, M = 10, "
                      "n = 4; a sum of log chi-squares, light-tailed)",
            reference=_MAD,
            closed_form=lambda: multivariate.log_det_mean(4, 10, _COV, temperature=1.3),
            observations=lambda r, rng: np.linalg.slogdet(multivariate.simulate(
                4, 10, np.zeros(2), _COV, replicates=r, rng=rng, temperature=1.3).cov[:, -1])[1],
            mutant=lambda: multivariate.log_det_mean(4, 10, _COV),
            mutant_label="the temperature ignored: the plain log-det drift",
            parameters={"n": 4, "M": 10, "cov": _COV.tolist(), "temperature": 1.3},
            replicates=200,
        ),
        Claim(
            name="tails.real_corpus_loss",
            statement="P(p_{n,k} = 0) = (1 - p0_k)^N for every n >= 1 when each model is "
                      "fitted to one fixed real corpus of N = 10 plus 30 synthetic draws "
                      "(n = 10, p0_k = 0.15)",
            reference=_SEDDIK,
            closed_form=lambda: tails.real_corpus_moments(10, 10, 30, P0).loss_probability[-1, 2],
            observations=_real_corpus(lambda p: p[:, 2] == 0),
            mutant=lambda: discrete.loss_probability(10, [10] + [40] * 9, P0[2]),
            mutant_label="the replacing chain of the same sizes (the corpus not kept)",
            parameters={"n": 10, "n_real": 10, "n_synth": 30, "p0": P0.tolist(), "k": 2},
            replicates=200, test="proportion",
        ),
        Claim(
            name="tails.real_corpus_heterozygosity",
            statement="E[H_n] = H0 (1 - 1/N)(1 - u_n), u_n = b (1 - a^(n-1))/(1 - a), "
                      "a = s(s - 1)/(N + s)^2, b = s/(N + s)^2 (N = 10, s = 30, n = 10)",
            reference=_SEDDIK,
            closed_form=lambda: tails.real_corpus_moments(10, 10, 30, P0).heterozygosity[-1],
            observations=_real_corpus(_heterozygosity),
            mutant=lambda: policies.discrete_heterozygosity(10, 40, P0, fresh=0.25),
            mutant_label="fresh real data every generation (25%) instead of one fixed corpus",
            parameters={"n": 10, "n_real": 10, "n_synth": 30, "p0": P0.tolist()},
            replicates=800,
        ),
        Claim(
            name="tails.accumulate_loss",
            statement="P(p_{n,k} = 0) = (1 - p_k)^{M_0} for every n >= 1 when each model is "
                      "fitted to all draws so far (M = 10, n = 10, p_k = 0.1)",
            reference=_ACCUMULATE,
            closed_form=lambda: tails.accumulate_loss_probability(10, 10, P0[3]),
            observations=_accumulated(lambda p: p[:, 3] == 0),
            mutant=lambda: discrete.loss_probability(10, 10, P0[3]),
            mutant_label="the replacing chain: Wright-Fisher loss",
            parameters={"n": 10, "M": 10, "p0": P0.tolist(), "k": 3},
            replicates=100, test="proportion",
        ),
        Claim(
            name="tails.accumulate_heterozygosity",
            statement="E[H_n] = H0 (1 - v_n), C_i^2 v_{i+1} = C_{i-1}^2 v_i + M(1 - v_i) "
                      "(M = 10, n = 10)",
            reference=_ACCUMULATE,
            closed_form=lambda: policies.discrete_heterozygosity(10, 10, P0,
                                                                 policy="accumulate"),
            observations=_accumulated(_heterozygosity),
            mutant=lambda: policies.discrete_heterozygosity(10, 10, P0),
            mutant_label="the replacing chain: H0 (1 - 1/M)^n",
            parameters={"n": 10, "M": 10, "p0": P0.tolist()},
            replicates=800,
        ),
    ]
