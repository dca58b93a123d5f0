"""Did you mean …? for a name that is not there."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices`` to ``word``, or ``""``.

    >>> from retroprog.support import did_you_mean
    >>> did_you_mean("staircse", ["reference", "staircase"])
    "; did you mean 'staircase'?"
    >>> did_you_mean("zzz", ["reference"])
    ''
    """
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
