"""Shell completion (click's): the documented variable gives a script, and completing works."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _retroprog(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retroprog"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("shell", "fragment"),
    [
        ("bash", "complete -o nosort -F _retroprog_completion retroprog"),
        ("zsh", "#compdef retroprog"),
        ("fish", "complete --no-files --command retroprog"),
    ],
)
def test_the_variable_prints_a_completion_script(shell: str, fragment: str) -> None:
    result = _retroprog({"_RETROPROG_COMPLETE": f"{shell}_source"})

    assert result.returncode == 0, result.stderr
    assert fragment in result.stdout


def test_commands_and_options_complete() -> None:
    commands = _retroprog(
        {"_RETROPROG_COMPLETE": "bash_complete", "COMP_WORDS": "retroprog de", "COMP_CWORD": "1"}
    )
    options = _retroprog(
        {
            "_RETROPROG_COMPLETE": "bash_complete",
            "COMP_WORDS": "retroprog log add x.jsonl --next",
            "COMP_CWORD": "4",
        }
    )

    assert commands.stdout.split() == ["plain,describe"]
    assert "plain,--next-day-pain" in options.stdout.split()
