"""``retroprog check``: pass, the counterexample of an unsafe policy, one-line errors."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

import retroprog
from retroprog.exceptions import PolicyViolation
from retroprog.support import install_hint
from retroprog.testing import check_policy
from retroprog_sim.cli import cli

from . import unsafe_policies
from .test_cli import assert_one_line_error

if TYPE_CHECKING:
    from pathlib import Path

UNSAFE = "tests.sim.unsafe_policies:progresses_on_pain"
FAST = ["--examples", "30", "--seed", "1"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


def test_the_reference_policy_passes() -> None:
    result = invoke("reference", *FAST)

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "PASS: reference keeps every safety invariant on retro-walk-run (30 examples)\n"
    )


def test_a_built_in_policy_with_parameters_and_a_protocol_file_passes(tmp_path: Path) -> None:
    protocol = tmp_path / "short.toml"
    protocol.write_text(
        'schema = 1\nname = "short-walk"\n\n[[stages]]\nname = "walk"\nmin_base_sessions = 2\n'
        "target_seconds = 60\n",
        encoding="utf-8",
    )

    result = invoke(
        "staircase", "--param", "successes_to_progress=1", "--protocol", str(protocol), *FAST
    )

    assert result.exit_code == 0, result.output
    assert (
        "PASS: staircase with successes_to_progress=1 keeps every safety invariant on short-walk"
        in result.stdout
    )


def test_a_factory_named_module_attribute_gets_the_params() -> None:
    result = invoke(
        "tests.sim.unsafe_policies:reference", "--param", "successes_to_progress=3", *FAST
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "PASS: my-reference with successes_to_progress=3 keeps every safety invariant"
    )


def test_an_unsafe_policy_fails_with_the_counterexample() -> None:
    with pytest.raises(PolicyViolation) as caught:  # the same search, run directly
        check_policy(
            unsafe_policies.progresses_on_pain,
            retroprog.load_protocol("retro-walk-run"),
            max_examples=30,
            seed=1,
        )

    result = invoke(UNSAFE, *FAST)

    assert result.exit_code == 1, result.output
    assert result.stdout.startswith(
        "FAIL: ignores-pain breaks a safety invariant on retro-walk-run\n"
    )
    assert str(caught.value) in result.stdout
    assert caught.value.decision is not None
    assert caught.value.decision.action in (retroprog.Action.PROGRESS, retroprog.Action.ADVANCE)
    assert result.stderr == ""


def test_an_unsafe_factory_fails() -> None:
    result = invoke(
        "tests.sim.unsafe_policies:ignoring_pain", "--param", "successes_to_progress=1", *FAST
    )

    assert result.exit_code == 1, result.output
    assert "FAIL: ignores-pain" in result.stdout
    assert "pain" in result.stdout.split("\n", 2)[2]  # the violation's text names it


def test_the_module_search_path_is_left_as_it_was() -> None:
    before = list(sys.path)

    result = invoke("tests.sim.unsafe_policies:reference", *FAST)

    assert result.exit_code == 0, result.output
    assert sys.path == before


@pytest.mark.parametrize("seed", ["0", "1", "2", "3", "4", "5"])
def test_a_policy_that_reads_the_clock_fails_on_invariant_7(seed: str) -> None:
    result = invoke("tests.sim.unsafe_policies:by_the_clock", "--seed", seed)

    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "FAIL: by-the-clock breaks a safety invariant on retro-walk-run"
    assert "breaks invariant 7 (determinism: the same log gives the same decisions)" in lines[2]
    assert "decides differently for the same sessions" in result.stdout
    assert result.stderr == ""


def test_a_pain_threshold_above_the_ceiling_fails() -> None:
    result = invoke("reference", "--param", "pain_threshold=7", "--param", "stop_pain=8")

    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[:3] == [
        "FAIL: reference with pain_threshold=7, stop_pain=8 breaks a safety invariant on "
        "retro-walk-run",
        "",
        "policy 'reference' breaks invariant 1 (no step up after an adverse session):",
    ]
    assert "declares pain_threshold 7, above the ceiling of 5/10" in result.stdout


def test_a_policy_whose_name_raises_is_one_line() -> None:
    assert_one_line_error(
        invoke("tests.sim.unsafe_policies:nameless"), "reading its name raised KeyError: 'name'"
    )


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["no-such-policy"], ["unknown policy 'no-such-policy'", "reference"]),
        (["reference", "--param", "speed=3"], ["speed", "no such parameter"]),
        (["reference", "--param", "stop_after=0"], ["stop_after", "≥ 1"]),
        (["no_such_module_xyz:policy"], ["cannot import 'no_such_module_xyz'"]),
        (["tests.sim.unsafe_policies:missing"], ["has no attribute 'missing'"]),
        (["tests.sim.unsafe_policies:not_a_policy"], ["the plug-in gave int, not a policy"]),
        ([":policy"], ["not NAME or MODULE:ATTRIBUTE"]),
        ([UNSAFE, "--param", "stop_after=3"], ["stop_after", "not a factory"]),
        (
            ["tests.sim.unsafe_policies:reference", "--param", "speed=3"],
            ["speed", "no such parameter", "successes_to_progress"],
        ),
        (["reference", "--protocol", "no-such-protocol"], ["unknown protocol"]),
        (["reference", "--examples", "0"], ["--examples"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragments: list[str]) -> None:
    assert_one_line_error(invoke(*args), *fragments)


def test_a_bad_protocol_file_is_one_line(tmp_path: Path) -> None:
    protocol = tmp_path / "bad.toml"
    protocol.write_text(
        'schema = 1\nname = "bad"\n[[stages]]\nname = "walk"\nstep_seconds = 0\n', "utf-8"
    )

    assert_one_line_error(invoke("reference", "--protocol", str(protocol)), "bad.toml", "step")


def test_without_the_testing_extra_it_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "retroprog.testing", None)  # import fails

    assert_one_line_error(invoke("reference"), install_hint("testing"), "testing extra")
