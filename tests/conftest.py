"""Shared test configuration: the Hypothesis profiles.

Pick one with the ``HYPOTHESIS_PROFILE`` environment variable (tox sets ``ci`` on the
default Python, ``compat`` on the others):

* ``dev`` (default): more examples, random seeds, the example database;
* ``ci``: reproducible (derandomized, no database), no deadline, fewer examples so
  the property tests run in well under a minute on one core;
* ``compat``: ``ci`` with a fifth of the examples, for the Pythons besides the
  default one (tox runs the default with ``ci``).  Derandomized, ``ci`` makes the
  same search on every Python; the others need each property run, not the
  search repeated.  :func:`tests.budget.examples` scales the budgets that tests
  write themselves the same way.

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
settings.register_profile("compat", settings.get_profile("ci"), max_examples=10)
settings.register_profile("dev", deadline=None, max_examples=200, phases=_PHASES)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
