"""A run's settings: one record, read by runs, experiment files and the command line.

:class:`RunSettings` holds everything about a run but what is run (the
protocol, the policy and the population): how many clients and weeks, the
seed, the calendar, the coach, what counts as an adverse event, the traced
clients, the block size.  Each field carries its :class:`Setting`: the
sentence that documents it, its range, and its command-line option.  From
them come the record's validation, its documentation, the options of
``retroprog simulate``, ``compare`` and ``sweep``, and the keys of experiment
files, so that a new setting is one field here and nothing else.

>>> settings = RunSettings(clients=200, coach_capacity=6)
>>> settings.clients, settings.weeks, settings.coach_capacity
(200, 26, 6)
>>> [setting.option for setting in SETTINGS.values()][:3]
['--clients', '--weeks', '--seed']
>>> RunSettings(weeks=0)
Traceback (most recent call last):
...
retroprog.exceptions.InvalidValueError: weeks: must be a whole number ≥ 1, got 0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from retroprog import support as v
from retroprog.exceptions import InvalidValueError
from retroprog.support import Validator

__all__ = [
    "DEFAULT_TRACES",
    "MAX_CLIENTS",
    "MAX_WEEKS",
    "SETTINGS",
    "RunSettings",
    "Setting",
    "spaced",
]

#: The most clients one run may have: a run keeps every client's result in
#: memory (about 10 000 000 clients fit in a few gigabytes).
MAX_CLIENTS = 10_000_000
#: The most weeks a run may follow its clients (ten years).
MAX_WEEKS = 520
#: Clients traced per run when results are written and nothing else is said
#: (``--out``, experiment files): enough for the report's plots.
DEFAULT_TRACES = 5


def spaced(number: int) -> str:
    """A whole number with its thousands spaced, e.g. ``10 000 000``.

    >>> spaced(1_000_000_000_000)
    '1 000 000 000 000'
    """
    return f"{number:,}".replace(",", " ")


@attrs.frozen(kw_only=True)
class Setting:
    """How one run setting is documented, checked and given.

    :param help: one sentence: the command's help and the record's documentation.
    :param low: the smallest value.
    :param high: the largest value (``None``: no limit).
    :param limit: what the largest value is the most of, e.g. ``clients a run may
        have``: a value above it is refused naming the limit.
    :param optional: ``None`` is allowed (and is the default).
    :param option: the command-line option (default: ``--`` and the name, dashed).
    :param key: the experiment file's key (default: the name).
    :param default_text: the default as the help shows it, when not the value.
    :param label: what reports call it (default: the name, spaced).
    :param shown: how reports show a value (``{}``: the value).
    :param details: more documentation, for the record's docstring only.
    """

    help: str
    low: int
    high: int | None = None
    limit: str | None = None
    optional: bool = False
    option: str = ""
    key: str = ""
    default_text: str | None = None
    label: str = ""
    shown: str = "{}"
    details: str = ""

    def text(self, value: int | None) -> str:
        """``value`` as a report shows it, e.g. ``groups of at most 6``; ``None``: ``none``."""
        return "none" if value is None else self.shown.format(value)

    def validator(self) -> Validator:
        """The field's validator: a whole number in range (or ``None`` when optional)."""
        whole = v.integer(self.low, None if self.limit else self.high)
        if self.limit is not None and self.high is not None:
            whole = _up_to(whole, self.high, self.limit)
        return v.optional(whole) if self.optional else whole


def _up_to(whole: Validator, high: int, limit: str) -> Validator:
    """``whole``, and above ``high`` refused naming the limit."""
    reason = f"must be at most {spaced(high)} (the most {limit})"

    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        whole(inst, attribute, value)
        if value > high:
            raise InvalidValueError(attribute.name, value, reason)

    return check


_SETTING = "retroprog_sim.setting"


def setting(default: int | None, **how: Any) -> Any:
    """A field of :class:`RunSettings`: its default and its :class:`Setting`."""
    found = Setting(**how)
    return attrs.field(default=default, validator=found.validator(), metadata={_SETTING: found})


def _document(cls: type) -> type:
    """Write the record's ``:param:`` lines from its settings (the one place they live)."""
    lines = [(cls.__doc__ or "").rstrip(), ""]
    for field in attrs.fields(cls):
        found: Setting = field.metadata[_SETTING]
        details = f" {found.details}" if found.details else ""
        lines.append(f"    :param {field.name}: {found.help}{details}")
    cls.__doc__ = "\n".join(lines) + "\n"
    return cls


@_document
@attrs.frozen
class RunSettings:
    """A run's settings: everything but what is run (protocol, policy, population).

    Every field is a whole number in its range; options of the command line
    and keys of experiment files are made from these fields (see
    :data:`SETTINGS`).
    """

    clients: int = setting(
        1000,
        low=1,
        high=MAX_CLIENTS,
        limit="clients a run may have",
        help=f"Clients simulated (at most {spaced(MAX_CLIENTS)} a run).",
        details="Their ids are ``0 … clients-1``.",
    )
    weeks: int = setting(
        26,
        low=1,
        high=MAX_WEEKS,
        limit="weeks a run may follow",
        help=f"Weeks each client is followed (at most {MAX_WEEKS}).",
        details="The default, half a year, is long enough for the article's protocol: "
        "its two stages take at least 40 sessions, about 17 weeks at the general "
        "population's attendance.",
    )
    seed: int = setting(0, low=0, help="The seed; client i's randomness comes from (seed, i) only.")
    sessions_per_week: int = setting(
        3, low=1, high=7, help="Scheduled sessions a week.", details="Spread over the week."
    )
    coach_capacity: int | None = setting(
        None,
        low=1,
        optional=True,
        default_text="no coach",
        label="coach",
        shown="groups of at most {}",
        help="A coach supervises group sessions of at most N clients.",
        details="The coach (a ``simpy.Resource``) sees groups for one hour each, eight "
        "hours a day; a client not seen that day misses the session.  Each block of "
        "clients is one clinic with its own coach; clients arrive in a random order "
        "each day.",
    )
    trace_clients: int = setting(
        0,
        low=0,
        option="--trace",
        key="output.traces",
        default_text=f"{DEFAULT_TRACES} with --out, else 0",
        label="traced clients",
        help="Record every session of the first N clients of each run.",
    )
    adverse_pain: int = setting(
        3,
        low=0,
        high=10,
        label="adverse event",
        shown="pain or next-day pain above {}/10, a balance loss, or form breakdown",
        help="An adverse event is pain or next-day pain above N/10, a balance loss, "
        "or form breakdown.",
        details="The same for every policy, so that policies are judged by one yardstick.",
    )
    block_size: int = setting(
        500,
        low=1,
        help="Clients simulated together, the unit of parallel work.",
        details="Blocks do not depend on the number of workers, so results do not "
        "either (but with a coach: one per block).",
    )


def _named(name: str, found: Setting) -> Setting:
    """``found`` with its option, key and label filled in from the field's name."""
    return attrs.evolve(
        found,
        option=found.option or "--" + name.replace("_", "-"),
        key=found.key or name,
        label=found.label or name.replace("_", " "),
    )


#: Each setting's :class:`Setting`, by field name, in the record's order.
SETTINGS: Mapping[str, Setting] = {
    field.name: _named(field.name, field.metadata[_SETTING]) for field in attrs.fields(RunSettings)
}
