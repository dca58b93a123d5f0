"""How many random sequences the tests that expect a policy to pass let ``check_policy`` try.

They are written for the ``ci`` profile (see ``conftest.py``).  Under ``compat``,
which tox runs on the Pythons besides the default one, they try a fifth as many:
derandomized, the search is the same on every Python, so the default Python's
run is the search and the others' run every part of the checker on fewer
sequences.  ``check_policy``'s targeted pass is always whole.  Tests that expect
a violation keep their budgets: a smaller search might not find it.
"""

from __future__ import annotations

from hypothesis import settings

#: The examples of the ``ci`` profile: the budgets in the tests are written for it.
CI_EXAMPLES = 50


def examples(written: int = 200) -> int:
    """``written`` (``check_policy``'s default) scaled to the profile's search, never above it."""
    share = min(settings().max_examples, CI_EXAMPLES)
    return max(1, written * share // CI_EXAMPLES)
