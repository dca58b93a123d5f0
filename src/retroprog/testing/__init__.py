"""Property-test progression policies with Hypothesis (needs the ``testing`` extra).

:func:`check_policy` runs every safety invariant of a policy on targeted
sequences of sessions and as a stateful test, and raises
:exc:`~retroprog.exceptions.PolicyViolation` with a shortest sequence of
sessions when one breaks; :func:`check_decision` checks a single decision.
Both hold every policy to :data:`PAIN_CEILING` (5/10), whatever it declares.
The strategies build valid values of retroprog's types for your own properties;
the ones for the core types are also registered with Hypothesis, so
``st.from_type(SessionOutcome)`` works without importing this module.

>>> import retroprog
>>> from retroprog.testing import check_policy
>>> check_policy(retroprog.load_policy("reference"), max_examples=10)
"""

from . import _invariants
from ._check import check_policy
from ._invariants import check_decision
from ._strategies import (
    decisions,
    guarded_policies,
    guards,
    levels,
    outcome_logs,
    outcomes,
    plans,
    policies,
    policy_params,
    prescriptions,
    protocols,
    segments,
    stages,
    states,
)

#: The highest pain (0–10), during a session or the next day, after which any
#: policy may still step up, whatever threshold it declares: 5/10, the top of the
#: acceptable zone of pain monitoring (Silbernagel et al. 2007).  :func:`check_policy`
#: and :func:`check_decision` take a lower ``pain_ceiling``; a higher one needs
#: ``raise_pain_ceiling=True`` too.
PAIN_CEILING = _invariants.PAIN_CEILING

__all__ = [
    "PAIN_CEILING",
    "check_decision",
    "check_policy",
    "decisions",
    "guarded_policies",
    "guards",
    "levels",
    "outcome_logs",
    "outcomes",
    "plans",
    "policies",
    "policy_params",
    "prescriptions",
    "protocols",
    "segments",
    "stages",
    "states",
]
