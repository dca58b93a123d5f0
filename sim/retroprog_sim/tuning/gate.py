"""The safety gate: a candidate is built and checked against every invariant before it runs.

A candidate's parameters may be refused by the policy itself (``pain_threshold
= 0`` below ``settled_pain``), or make a policy that breaks a safety invariant
(:func:`retroprog.testing.check_policy`).  Either way it is never simulated;
:class:`Verdict` says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

import retroprog
from retroprog.exceptions import PolicyViolation, RetroprogError

__all__ = ["Verdict", "gate"]


@attrs.frozen
class Verdict:
    """What the gate found about one candidate.

    :param status: ``safe``; ``refused`` (the policy refuses the parameters);
        or ``unsafe`` (it breaks a safety invariant).
    :param reason: one sentence: the refusal, or the invariant broken and how.
    :param invariant: the number of the invariant broken (``unsafe`` only).
    """

    status: Literal["safe", "refused", "unsafe"]
    reason: str = ""
    invariant: int | None = None


def gate(
    policy: str,
    params: Mapping[str, Any],
    protocol: retroprog.ProgressionProtocol,
    *,
    examples: int,
) -> Verdict:
    """Build ``policy`` with ``params`` and check it on ``protocol`` (``examples`` examples).

    Module-level and returning plain values, so that it runs on any executor.
    """
    try:
        loaded = retroprog.load_policy(policy, **params)
    except RetroprogError as exc:
        return Verdict("refused", f"the policy refuses these parameters: {exc}")
    from retroprog.testing import check_policy

    try:
        check_policy(loaded, protocol, max_examples=examples)
    except PolicyViolation as violation:
        problems = violation.problems or (str(violation).splitlines()[0],)
        return Verdict("unsafe", f"{violation.invariant_name}: {problems[0]}", violation.invariant)
    return Verdict("safe")
