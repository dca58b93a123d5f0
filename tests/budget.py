"""Example budgets written into the tests, scaled to the Hypothesis profile.

A test that sets its own ``max_examples`` (``@settings(max_examples=examples(40))``)
writes it for the ``ci`` profile (see ``conftest.py``); under ``compat``, which tox
runs on the Pythons besides the default one, it runs a fifth as many: derandomized,
the search is the same on every Python, so the default Python's run is the search and
the others' run each property on fewer examples.
"""

from __future__ import annotations

from hypothesis import settings

#: The examples of the ``ci`` profile: the budgets in the tests are written for it.
CI_EXAMPLES = 50


def examples(written: int) -> int:
    """``written`` examples scaled to the profile's, never more than written (at least 1)."""
    share = min(settings().max_examples, CI_EXAMPLES)
    return max(1, written * share // CI_EXAMPLES)
