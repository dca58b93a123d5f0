"""The terminal: tables drawn with rich, and what the user wrote shown as written.

:func:`print_table` draws a :class:`~.tables.Table` (the same model the report
renders as HTML).  Labels, names, stage names, paths and error messages come
from the user's files and options.  Rich is given them as :func:`text` (a
``rich.text.Text``, which is never read as markup), so that ``[/closing]`` or
``[bold red]x[/]`` are shown as typed; and every string goes through
:func:`clean` first, so that escape sequences (``ESC]0;…``, colours, cursor
moves) never reach the terminal.  rich is imported only when something is drawn.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from .tables import Table

__all__ = ["clean", "console", "echo_table", "plain_table", "print_table", "text", "wrapped"]

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


def console() -> Console:
    """The console that tables are printed on (stdout, no highlighting of numbers)."""
    from rich.console import Console

    return Console(highlight=False)


def wrapped(heading: str, width: int = 12) -> str:
    """A long column heading broken into lines of about ``width`` characters.

    Words stay whole (a parameter's name breaks after an underscore), and so
    does a part in brackets.

    >>> print(wrapped("adverse events /100 sessions (95 % CI)"))
    adverse
    events /100
    sessions
    (95 % CI)
    """
    words = re.findall(r"\([^)]*\)|[^\s_]+_?", heading)
    lines = [""]
    for word in words:
        joined = word if not lines[-1] or lines[-1].endswith("_") else f" {word}"
        if lines[-1] and len(lines[-1]) + len(joined) > width:
            lines.append(word)
        else:
            lines[-1] += joined
    return "\n".join(lines)


def print_table(out: Console, table: Table) -> None:
    """Draw ``table`` at its natural width, wider than the console if need be.

    Cropped or wrapped cells would hide figures; a long line at worst wraps.
    Every cell is shown as written (see :func:`text`).
    """
    from rich import box
    from rich.measure import Measurement
    from rich.table import Table as RichTable

    drawn = RichTable(
        title=text(table.caption),
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        show_header=any(table.header),
        padding=(0, 1, 0, 1),
        collapse_padding=True,
        min_width=len(table.caption),  # the title on one line
    )
    for i, heading in enumerate(table.header):
        justify: Literal["left", "right"] = "left" if i == 0 or i in table.left else "right"
        drawn.add_column(text(wrapped(heading)), justify=justify, no_wrap=True)
    for row in table.rows:
        drawn.add_row(*(text(cell) for cell in row))
    width = Measurement.get(out, out.options.update_width(10_000), drawn).maximum
    if width > out.width:
        out.width = width
    out.print(drawn)
    if table.note:  # wrapped to the table's width, not widening it
        out.print(text(table.note), width=max(min(width, out.width), 60))


def plain_table(table: Table) -> str:
    """``table`` as plain aligned text (no rich): caption, header, rows and note.

    >>> from retroprog_sim.present.tables import Table
    >>> print(plain_table(Table("Pets", ("name", "legs"), (("cat", "4"), ("hen", "2")))))
    Pets
      name  legs
      cat      4
      hen      2
    """
    rows = [tuple(clean(cell) for cell in row) for row in (table.header, *table.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.header))]
    lines = [clean(table.caption)]
    for row in rows:
        cells = [
            cell.ljust(width) if i == 0 or i in table.left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(("  " + "  ".join(cells)).rstrip())
    if table.note:
        lines.append(clean(table.note))
    return "\n".join(lines)


def echo_table(table: Table) -> None:
    """Print ``table`` on stdout: drawn by rich when it is installed, else as plain text.

    Commands that need the core alone (``plugins``, ``describe``) print through
    this, so that they work without the ``sim`` extra.
    """
    import importlib.util

    if importlib.util.find_spec("rich") is None:
        print(plain_table(table))
        return
    print_table(console(), table)
