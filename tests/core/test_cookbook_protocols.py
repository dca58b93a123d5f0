"""Every protocol file shipped in docs/examples loads, and the reference policy is safe on it.

The protocol files are the ``*.toml`` files directly in docs/examples; other kinds of
file (experiment files) live in its subfolders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import retroprog
from retroprog.testing import check_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PROTOCOL_FILES = sorted(EXAMPLES.glob("*.toml"))


def test_the_examples_folder_has_the_walk_run_programme() -> None:
    assert "walk-run-intervals.toml" in [path.name for path in PROTOCOL_FILES]


@pytest.mark.parametrize("path", PROTOCOL_FILES, ids=lambda path: path.name)
def test_an_example_protocol_is_named_after_its_file(path: Path) -> None:
    protocol = retroprog.load_protocol(path)
    assert protocol.name == path.stem
    assert protocol.prescribe(retroprog.start(protocol)) is not None


@pytest.mark.parametrize("path", PROTOCOL_FILES, ids=lambda path: path.name)
def test_the_reference_policy_keeps_every_invariant_on_an_example_protocol(path: Path) -> None:
    protocol = retroprog.load_protocol(path)
    check_policy(retroprog.load_policy("reference"), protocol, max_examples=30)


def test_the_walk_run_programme_completes_after_21_clean_sessions() -> None:
    protocol = retroprog.load_protocol(EXAMPLES / "walk-run-intervals.toml")
    decisions = retroprog.replay(
        protocol, retroprog.load_policy("reference"), [retroprog.SessionOutcome()] * 21
    )
    assert [d.action for d in decisions].count(retroprog.Action.ADVANCE) == 2
    assert decisions[-2].action is retroprog.Action.HOLD
    assert decisions[-1].action is retroprog.Action.COMPLETE
