"""The functional claims: registered, and the tail claim's exact binomial power.

That every registered claim holds at the default seed and rejects its mutant
is tested for the whole family in test_verify.py; here the proportion claim's
power is computed exactly from the binomial law (the report's normal
approximation overstates it at small tail counts).
"""

import numpy as np
from scipy import stats

from modelcollapse import verify
from modelcollapse.verify.functional import functional_claims


def test_the_functional_claims_are_registered():
    names = {c.name for c in verify.registry()}
    assert {c.name for c in functional_claims()} <= names


def test_tail_claim_rejects_its_mutant_with_exact_power_above_nine_tenths():
    claim = verify.registered("functional.misspecified_tail")
    level = 0.01 / len(verify.registry())  # Bonferroni: a lower bound for Holm
    R, p_true, p_wrong = claim.replicates, claim.closed_form(), claim.mutant()
    hits = np.arange(int(3 * R * p_wrong) + 1)
    rejected = np.array([stats.binomtest(int(k), R, p_wrong).pvalue < level for k in hits])
    assert stats.binom.pmf(hits, R, p_true)[rejected].sum() >= 0.9
    # ... while the claim itself is rejected with probability below its level.
    wrongly = np.array([stats.binomtest(int(k), R, p_true).pvalue < level for k in hits])
    assert stats.binom.pmf(hits, R, p_true)[wrongly].sum() <= level
