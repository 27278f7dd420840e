"""What the simulated chains of fitted Gaussian models share."""

from __future__ import annotations


class FittedChain:
    """Mixin of a chain result whose ``mu`` has shape ``(replicates, n + 1, ...)``."""

    __slots__ = ()

    @property
    def n(self):
        """Number of fits simulated."""
        return self.mu.shape[1] - 1

    @property
    def replicates(self):
        """Number of independent chains."""
        return self.mu.shape[0]
