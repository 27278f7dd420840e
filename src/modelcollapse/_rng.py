"""Random-number-generator normalisation and independent child streams."""

from __future__ import annotations

import numpy as np

__all__ = ["as_generator", "seed_entropy", "spawn_generators"]


def as_generator(rng):
    """Normalise ``rng`` (None | int | Generator | SeedSequence) to a Generator.

    A Generator is used as is (its state advances); an int or SeedSequence
    seeds a new PCG64 Generator, so the same seed gives the same numbers.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise TypeError(
            "rng must be None, an int, a numpy.random.Generator or a "
            f"numpy.random.SeedSequence, got rng={rng!r}"
        )
    if rng < 0:
        raise ValueError(f"rng must be a non-negative int seed, got rng={rng!r}")
    return np.random.default_rng(int(rng))


def seed_entropy(generator):
    """The entropy of the SeedSequence behind ``generator`` (provenance), if any."""
    seq = getattr(generator.bit_generator, "seed_seq", None)
    return getattr(seq, "entropy", None)


def spawn_generators(rng, count):
    """``count`` independent Generators from ``rng`` via ``SeedSequence.spawn``.

    Never ``seed + i``: spawned streams are statistically independent
    (numpy ``doc/source/reference/random/parallel.rst``).
    """
    return as_generator(rng).spawn(count)
