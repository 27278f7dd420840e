"""Hypothesis profiles: tests never depend on a saved example database.

* ``ci`` (selected when the ``CI`` environment variable is set): deterministic
  (``derandomize=True``), no example database, no deadline.
* ``dev`` (the default elsewhere): random examples, still no database, so a
  failure is reproduced from the seed hypothesis prints, never from local state.
* ``slow``: ten times the examples, for a thorough local run
  (``HYPOTHESIS_PROFILE=slow python -m pytest tests/test_fuzz.py``).

``HYPOTHESIS_PROFILE`` names a profile explicitly and wins over ``CI``.
"""

import os

from hypothesis import HealthCheck, settings

_COMMON = {"database": None, "deadline": None, "print_blob": True}

settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("dev", **_COMMON)
settings.register_profile(
    "slow", max_examples=1000, suppress_health_check=[HealthCheck.too_slow], **_COMMON
)
_DEFAULT = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _DEFAULT)
