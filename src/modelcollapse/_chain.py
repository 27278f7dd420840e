"""What the simulated chains of fitted Gaussian models share: provenance and shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True)
class FittedChain:
    """Base of a chain result whose ``mu`` has shape ``(replicates, n + 1, ...)``.

    Attributes
    ----------
    M : ndarray, shape (n,)
        The sample sizes ``M_0..M_{n-1}`` used.
    fit, method : str
        How the chain was fitted and simulated.
    seed_entropy : int or None
        Entropy of the seed sequence that drove the simulation (provenance).
    policy : str
        What each model was fitted to (see the module's ``simulate``).
    fresh : float
        Fraction of each generation drawn afresh from the truth.
    """

    M: np.ndarray
    fit: str
    method: str
    seed_entropy: int | None
    policy: str = "replace"
    fresh: float = 0.0

    @property
    def n(self):
        """Number of fits simulated."""
        return self.mu.shape[1] - 1

    @property
    def replicates(self):
        """Number of independent chains."""
        return self.mu.shape[0]
