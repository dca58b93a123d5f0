"""Every protocol file of the cookbook loads, and the built-in policies are safe on it.

The protocol files are the ``*.toml`` files directly in docs/examples; other kinds of
file (experiment files) live in its subfolders.
"""

from __future__ import annotations

import re
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


@pytest.mark.search
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


COOKBOOK = EXAMPLES.parent / "protocol-cookbook.rst"
INCLUDED = sorted(
    (COOKBOOK.parent / match).resolve()
    for match in re.findall(
        r"^\.\. literalinclude:: (\S+\.toml)$", COOKBOOK.read_text("utf-8"), re.M
    )
)


def test_the_cookbook_shows_the_built_in_protocols_and_its_examples() -> None:
    assert {path.name for path in INCLUDED} == {
        "couch-to-5k.toml",
        "retro-walk-gentle.toml",
        "retro-walk-run.toml",
        "return-to-run-mtss.toml",
        "run-walk-to-30-minutes.toml",
        "walk-run-intervals.toml",
    }
    assert {path.name for path in PROTOCOL_FILES} <= {path.name for path in INCLUDED}


#: Checked with every guarded preset, at larger budgets, in test_builtin_protocols.py.
CHECKED_AS_BUILT_IN = {"couch-to-5k.toml", "return-to-run-mtss.toml"}


@pytest.mark.search
@pytest.mark.parametrize(
    "path", [p for p in INCLUDED if p.name not in CHECKED_AS_BUILT_IN], ids=lambda path: path.name
)
@pytest.mark.parametrize("preset", ["reference", "pain-monitoring", "staircase"])
def test_every_preset_keeps_every_invariant_on_a_cookbook_protocol(path: Path, preset: str) -> None:
    protocol = retroprog.load_protocol(path)
    check_policy(retroprog.guarded(retroprog.load_policy(preset)), protocol, max_examples=20)
