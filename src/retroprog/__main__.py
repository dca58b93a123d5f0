"""``python -m retroprog``: the ``retroprog`` command, as installed.

The core never imports the command line: this finds the ``retroprog`` console
script that the distribution declares (an entry point) and runs it, so that
``python -m retroprog next client.jsonl`` is ``retroprog next client.jsonl``.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

__all__ = ["main"]


def main() -> None:
    """Run the ``retroprog`` console script, or say in one line why it cannot be found."""
    found = [
        point
        for point in entry_points(group="console_scripts", name="retroprog")
        if point.dist is None or point.dist.name.replace("_", "-").lower() == "retroprog"
    ]
    if not found:
        sys.stderr.write(
            "retroprog: error: the retroprog command is not installed (no 'retroprog' "
            "console script): install the distribution, e.g. pip install retroprog\n"
        )
        raise SystemExit(2)
    try:
        command = found[0].load()
    except ImportError as exc:
        sys.stderr.write(f"retroprog: error: the retroprog command cannot be loaded: {exc}\n")
        raise SystemExit(2) from None
    sys.argv[0] = "retroprog"
    command()


if __name__ == "__main__":
    main()
