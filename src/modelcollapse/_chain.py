"""What the simulated chains of fitted Gaussian models share: provenance and shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True)
class FittedChain:
    """Base of a chain result whose ``mu`` has shape ``(replicates, generations, ...)``.

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
    keep : {"all", "last"}
        Which generations axis 1 holds: ``0..n`` (``"all"``), or only the
        truth and generation ``n`` (``"last"``; a single column when ``n = 0``),
        so that ``[:, 0]`` is the truth and ``[:, -1]`` generation ``n`` either way.
    """

    M: np.ndarray
    fit: str
    method: str
    seed_entropy: int | None
    policy: str = "replace"
    fresh: float = 0.0
    keep: str = "all"

    @property
    def n(self):
        """Number of fits simulated."""
        return int(self.M.size)

    @property
    def generations(self):
        """The generation of each entry of axis 1 of ``mu``."""
        if self.keep == "all":
            return np.arange(self.n + 1)
        return np.unique([0, self.n])

    def _column(self, generation):
        """Index on axis 1 of ``generation`` (which ``keep`` must have kept)."""
        where = np.flatnonzero(self.generations == generation)
        if where.size == 0:
            raise ValueError(
                f"generation must be one of the kept generations {self.generations.tolist()} "
                f"(keep={self.keep!r}), got generation={generation}"
            )
        return int(where[0])

    @property
    def replicates(self):
        """Number of independent chains."""
        return self.mu.shape[0]
