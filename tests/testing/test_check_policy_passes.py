"""check_policy passes every built-in preset, and every guard around the reference policy."""

from __future__ import annotations

import pytest

import retroprog as rp
from retroprog.testing import check_policy

#: check_policy's search, finding or ruling out violations: on the default Python only (tox.ini).
pytestmark = pytest.mark.search

PRESETS = ("reference", "pain-monitoring", "staircase")
GUARDS = ("no-progress-after-adverse", "one-step", "gap", "weekly-cap")


@pytest.mark.parametrize("preset", PRESETS)
def test_check_policy_passes_a_builtin_preset(preset: str) -> None:
    check_policy(rp.load_policy(preset), max_examples=60)


@pytest.mark.parametrize("guard", GUARDS)
def test_check_policy_passes_a_guard_around_the_reference_policy(guard: str) -> None:
    check_policy(rp.guarded(rp.load_policy("reference"), rp.load_guard(guard)), max_examples=60)


def test_check_policy_passes_all_guards_on_a_one_stage_protocol() -> None:
    protocol = rp.load_protocol("retro-walk-only")
    check_policy(rp.guarded(rp.load_policy("staircase")), protocol, max_examples=60)
