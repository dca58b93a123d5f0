"""Shared test configuration: the Hypothesis profiles.

Pick one with the ``HYPOTHESIS_PROFILE`` environment variable (tox sets ``ci``):

* ``dev`` (default): more examples, random seeds, the example database;
* ``ci``: reproducible (derandomized, no database), no deadline, fewer examples so
  the property tests run in well under a minute on one core.

Neither runs Hypothesis's "explain" phase: on the state machines it re-runs a
failing example hundreds of times (minutes, not seconds) only to annotate it.
"""

from __future__ import annotations

import os

from hypothesis import Phase, settings

_PHASES = [phase for phase in Phase if phase is not Phase.explain]

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=50,
    phases=_PHASES,
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=200, phases=_PHASES)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
