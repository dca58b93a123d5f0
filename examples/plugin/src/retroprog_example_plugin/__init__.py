"""An example retroprog plug-in.

It registers, through entry points (see this package's ``pyproject.toml``):

* in ``retroprog.policies``, ``cautious``: the reference rules, but three
  successful sessions in a row before a step up and pain above 1/10 counted as
  adverse;
* in ``retroprog.protocols``, ``retro-walk-only``: the article's retro-walk
  stage alone, without the retro-run that follows it;
* in ``retroprog.populations``, ``older-adults``: simulated older adults starting
  retro-walking, for retroprog's simulation harness.  It lives in
  :mod:`retroprog_example_plugin.populations`, which imports ``retroprog_sim``
  (retroprog's ``sim`` extra); this module does not, so the policy and the
  protocol load without it.

>>> import retroprog
>>> retroprog.load_policy("cautious").successes_to_progress
3
>>> [s.name for s in retroprog.load_protocol("retro-walk-only").stages]
['retro-walk']
"""

from __future__ import annotations

from typing import Any

import retroprog

__all__ = ["cautious", "retro_walk_only"]


def cautious(**params: Any) -> retroprog.RulePolicy:
    """The ``cautious`` policy: three successes to progress, pain above 1/10 is adverse.

    Any :class:`retroprog.RulePolicy` parameter may be given to override these
    defaults, e.g. ``cautious(stop_after=1)``.
    """
    settings: dict[str, Any] = {"name": "cautious", "successes_to_progress": 3, "pain_threshold": 1}
    settings.update(params)
    threshold = settings["pain_threshold"]
    if "settled_pain" not in settings and type(threshold) is int:
        # next-day pain may not be allowed more than pain during the session
        settings["settled_pain"] = min(2, max(threshold, 0))
    return retroprog.RulePolicy(**settings)


def retro_walk_only(**overrides: Any) -> retroprog.StagedProtocol:
    """The ``retro-walk-only`` protocol: one retro-walk stage, the article's defaults.

    ``overrides`` set fields of the stage, e.g. ``retro_walk_only(step_seconds=10)``.
    """
    stage = retroprog.Stage("retro-walk", **overrides)
    return retroprog.StagedProtocol(
        "retro-walk-only",
        [stage],
        description="Backwards walking alone: 15–30 s base for at least 6 sessions, up to 120 s.",
    )
