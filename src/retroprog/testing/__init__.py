"""Property-test progression policies with Hypothesis (needs the ``testing`` extra).

:func:`check_policy` runs every safety invariant of a policy as a stateful test
and raises :exc:`~retroprog.exceptions.PolicyViolation` with a shrunk sequence
of sessions when one breaks; :func:`check_decision` checks a single decision.
The strategies build valid values of retroprog's types for your own properties;
the ones for the core types are also registered with Hypothesis, so
``st.from_type(SessionOutcome)`` works without importing this module.

>>> import retroprog
>>> from retroprog.testing import check_policy
>>> check_policy(retroprog.load_policy("reference"), max_examples=10)
"""

from ._check import check_policy
from ._invariants import check_decision
from ._strategies import (
    decisions,
    guarded_policies,
    guards,
    outcome_logs,
    outcomes,
    policies,
    policy_params,
    prescriptions,
    protocols,
    stages,
    states,
)

__all__ = [
    "check_decision",
    "check_policy",
    "decisions",
    "guarded_policies",
    "guards",
    "outcome_logs",
    "outcomes",
    "policies",
    "policy_params",
    "prescriptions",
    "protocols",
    "stages",
    "states",
]
