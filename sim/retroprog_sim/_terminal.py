"""Text for the terminal: what the user wrote is shown as written, never acted on.

Labels, names, stage names, paths and error messages come from the user's files
and options.  Rich is given them as :func:`text` (a ``rich.text.Text``, which is
never read as markup), so that ``[/closing]`` or ``[bold red]x[/]`` are shown as
typed; and every string goes through :func:`clean` first, so that escape
sequences (``ESC]0;…``, colours, cursor moves) never reach the terminal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["clean", "text"]

#: Control characters a terminal acts on: C0 (but tab and newline), DEL, C1, and the
#: Unicode controls that reorder text (bidirectional overrides and isolates).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    r"""``text`` without the control characters a terminal would act on.

    >>> clean("\x1b]0;title\x07[bold]x")
    ']0;title[bold]x'
    """
    return _CONTROL.sub("", str(text))


def text(value: object, style: str = "") -> Text:
    """``value`` for rich, shown as written: :func:`clean`, and never read as markup.

    >>> text("[bold red]x[/]").plain
    '[bold red]x[/]'
    """
    from rich.text import Text

    return Text(clean(value), style=style)
