"""Activities: how hard each one is, which family it belongs to, and what a plan asks.

A session's dose comes from its plan (:class:`~retroprog.Segment` values).  Each
activity has an intensity in METs and belongs to a *family* (walking or
running) whose tolerance it draws on; backwards (``retro``) activities are
unfamiliar movements with balance and dizziness risks that fade with exposure.
A segment's ``effort`` text is not read by the model.

>>> activity("retro-run")
Activity(name='retro-run', family='running', met=9.45, unfamiliar=True)
>>> activity("treadmill walk").family
'walking'
>>> activity("cycling")
Traceback (most recent call last):
...
retroprog.exceptions.InvalidValueError: activity: the client model does not know this activity (it knows: brisk walk, jog, retro-run, retro-walk, run, treadmill run, treadmill walk, walk), got 'cycling'
"""  # noqa: E501 (a doctest's output is one line)

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import NamedTuple

import attrs

from retroprog import Prescription, ProgressionProtocol
from retroprog.exceptions import InvalidValueError

__all__ = [
    "ACTIVITIES",
    "FAMILIES",
    "RETRO_FACTOR",
    "STRAIN_RECOVERY_MINUTES",
    "TRANSFER",
    "UNFAMILIAR",
    "Activity",
    "PlanDose",
    "activity",
    "check_protocol",
    "plan_dose",
]

#: The activity families; a family's tolerance is in minutes of its reference
#: activity (``walk``, ``run``).
FAMILIES = ("walking", "running")

#: Backwards locomotion's metabolic cost relative to forwards: running backwards
#: costs 35 ± 6 % more than forwards at the same speed (Wright & Weyand 2001,
#: J Exp Biol 204:1805–15, abstract).  Flynn et al. 1994 (Med Sci Sports Exerc
#: 26:89–94, abstract) found VO2, heart rate and lactate higher backwards when
#: walking too, without a ratio in the abstract: the same factor for walking is
#: an assumption.
RETRO_FACTOR = 1.35

_WALK_MET = 3.5  # Compendium code 17190, walking 3.0 mph, level (see docs: secondary copy)
_BRISK_MET = 4.3  # code 17200, walking 3.5 mph, brisk
_JOG_MET = 7.0  # code 12020, jogging, general: a novice's running pace


@attrs.frozen
class Activity:
    """One activity the model knows.

    :param name: the activity as plans write it (matched without case).
    :param family: ``walking`` or ``running``: whose tolerance it draws on.
    :param met: its intensity, in METs.
    :param unfamiliar: a movement clients are not used to (backwards): its
        balance and dizziness risks fade with exposure.
    """

    name: str
    family: str
    met: float
    unfamiliar: bool = False


def _table(*rows: Activity) -> Mapping[str, Activity]:
    return {row.name: row for row in rows}


#: Every activity the model knows, by name.  Treadmill and over-ground
#: locomotion cost the same here (an assumption).
ACTIVITIES: Mapping[str, Activity] = _table(
    Activity("walk", "walking", _WALK_MET),
    Activity("brisk walk", "walking", _BRISK_MET),
    Activity("treadmill walk", "walking", _WALK_MET),
    Activity("retro-walk", "walking", round(_WALK_MET * RETRO_FACTOR, 4), unfamiliar=True),
    Activity("run", "running", _JOG_MET),
    Activity("jog", "running", _JOG_MET),
    Activity("treadmill run", "running", _JOG_MET),
    Activity("retro-run", "running", round(_JOG_MET * RETRO_FACTOR, 4), unfamiliar=True),
)

#: The unfamiliar activities, in a fixed order: each has an exposure count.
UNFAMILIAR = tuple(name for name, row in ACTIVITIES.items() if row.unfamiliar)

#: The reference activity of each family: tolerance is in its minutes.
_REFERENCE_MET = {"walking": _WALK_MET, "running": _JOG_MET}

#: How much of a session's load in one family trains the other (an assumption):
#: running trains walking fully; walking trains running at half its METs' worth.
TRANSFER: Mapping[tuple[str, str], float] = {
    ("walking", "walking"): 1.0,
    ("running", "running"): 1.0,
    ("running", "walking"): 1.0,
    ("walking", "running"): 0.5,
}

#: How fast strain built in a family recovers while the client rests or does
#: something lighter, in minutes (an assumption: the fast phase of recovery
#: after exercise lasts minutes).
STRAIN_RECOVERY_MINUTES = 2.5

#: Alias spellings read as the activity they name.
_ALIASES = {"rest": "rest", "backwards walk": "retro-walk", "backwards run": "retro-run"}


def activity(name: str) -> Activity:
    """The activity ``name`` (any case, ``-`` or space alike).

    :raises ~retroprog.exceptions.InvalidValueError: the model does not know it.
    """
    key = " ".join(name.casefold().split())
    key = _ALIASES.get(key, key)
    found = ACTIVITIES.get(key) or ACTIVITIES.get(key.replace(" ", "-"))
    if found is None:
        raise InvalidValueError(
            "activity",
            name,
            f"the client model does not know this activity (it knows: {_known()})",
        )
    return found


def check_protocol(protocol: ProgressionProtocol) -> None:
    """Check that the model knows every activity of ``protocol``'s plans, before a run.

    Each stage's first and last levels are read (a generated stage has one
    activity), and every level of a listed stage.

    :raises ~retroprog.exceptions.InvalidValueError: naming the stage and the activity.
    """
    for stage in protocol.stages:
        first, last = stage.first_level, stage.last_level
        for level in range(first, last + 1) if stage.listed else (first, last):
            for segment in stage.prescription(level).segments:
                if segment.is_rest:
                    continue
                try:
                    activity(segment.activity)
                except InvalidValueError as exc:
                    raise InvalidValueError(
                        f"stage {stage.name!r}: activity",
                        segment.activity,
                        f'{exc.reason}; name it in the protocol file (activity = "walk") '
                        "or write the plan with known activities",
                    ) from None


def _known() -> str:
    return ", ".join(sorted(ACTIVITIES))


class PlanDose(NamedTuple):
    """What a session plan asks of a client, whoever the client is.

    Strain, per family, rises during the family's work at the activity's
    intensity (in minutes of the family's reference activity) and recovers
    exponentially (:data:`STRAIN_RECOVERY_MINUTES`) during rests and during
    the other family's segments; the *peak* is what the session asks of the
    family's tolerance.  Load is what the session adds to fitness and fatigue.

    :param peak_walking: peak walking strain, minutes of walking.
    :param peak_running: peak running strain, minutes of running.
    :param load_walking: the session's walking load, minutes of walking.
    :param load_running: the session's running load, minutes of running.
    :param load_total: the session's load in MET-minutes ÷ 3.5 (minutes of walking).
    :param unfamiliar: for each of :data:`UNFAMILIAR`, 1.0 if the plan holds it.
    """

    peak_walking: float
    peak_running: float
    load_walking: float
    load_running: float
    load_total: float
    unfamiliar: tuple[float, ...]


def plan_dose(prescription: Prescription) -> PlanDose:
    """The :class:`PlanDose` of a prescription (computed once per plan).

    >>> one = plan_dose(Prescription("c25k", "run 60 s"))
    >>> eight = plan_dose(Prescription("c25k", "8 × (run 60 s, walk 90 s)"))
    >>> round(one.peak_running, 3), round(eight.peak_running, 3)
    (1.0, 2.198)
    """
    return _dose(prescription.segments)


@functools.lru_cache(maxsize=4096)
def _dose(segments: tuple[object, ...]) -> PlanDose:
    strain = dict.fromkeys(FAMILIES, 0.0)
    peak = dict.fromkeys(FAMILIES, 0.0)
    load = dict.fromkeys(FAMILIES, 0.0)
    total = 0.0
    present = dict.fromkeys(UNFAMILIAR, 0.0)
    for segment in segments:
        minutes = segment.seconds / 60.0  # type: ignore[attr-defined]
        decay = math.exp(-minutes / STRAIN_RECOVERY_MINUTES)
        if segment.is_rest:  # type: ignore[attr-defined]
            for family in FAMILIES:
                strain[family] *= decay
            continue
        found = activity(segment.activity)  # type: ignore[attr-defined]
        for family in FAMILIES:
            if family == found.family:
                strain[family] += found.met / _REFERENCE_MET[family] * minutes
                peak[family] = max(peak[family], strain[family])
            else:
                strain[family] *= decay
            transfer = TRANSFER[(found.family, family)]
            load[family] += transfer * found.met / _REFERENCE_MET[family] * minutes
        total += found.met / _WALK_MET * minutes
        if found.unfamiliar:
            present[found.name] = 1.0
    return PlanDose(
        peak["walking"],
        peak["running"],
        load["walking"],
        load["running"],
        total,
        tuple(present.values()),
    )
