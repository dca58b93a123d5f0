"""Every error retroprog raises on purpose.

All of them derive from :class:`RetroprogError`, and each also subclasses the
built-in exception it resembles, so ``except ValueError`` keeps working.  Each
carries its context as attributes, so a program can show it without parsing the
message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from ._guess import did_you_mean

if TYPE_CHECKING:
    from ._decision import Decision
    from ._outcome import SessionOutcome
    from ._state import ClientState

__all__ = [
    "FileProblemsError",
    "InvalidArgumentError",
    "InvalidValueError",
    "PlanSyntaxError",
    "PluginError",
    "PolicyViolation",
    "Problem",
    "ProtocolFileError",
    "RetroprogError",
    "SchemaVersionError",
    "SessionLogError",
    "UnknownParameterError",
    "UnknownPluginError",
    "UnknownStageError",
]


class RetroprogError(Exception):
    """Base class of every error retroprog raises on purpose.

    Every one pickles with its fields (its constructor's arguments differ from
    its ``args``), so an error raised in a worker process reaches its parent whole.
    """

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.__class__, self.args, self.__dict__.copy()))


class InvalidValueError(RetroprogError, ValueError):
    """A value is out of range, of the wrong type, or inconsistent.

    :ivar field: the name of the offending field or parameter.
    :ivar value: the offending value.
    :ivar reason: what is wrong with it, e.g. ``"must be between 0 and 10"``.

    >>> from retroprog import SessionOutcome
    >>> SessionOutcome(pain=11)
    Traceback (most recent call last):
    ...
    retroprog.exceptions.InvalidValueError: pain: must be a whole number between 0 and 10, got 11
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason}, got {value!r}")


class PlanSyntaxError(InvalidValueError):
    """Plan text (``"walk 5 min, 8 × (run 60 s, walk 90 s)"``) that is not a plan.

    :ivar text: the plan text.
    :ivar position: where the problem is, counted from 1.

    >>> from retroprog import parse_plan
    >>> from retroprog.exceptions import PlanSyntaxError
    >>> try:
    ...     parse_plan("run 60 s, walk 90")
    ... except PlanSyntaxError as exc:
    ...     print(exc.position, exc.reason)
    16 at character 16: expected a duration after 'walk', e.g. '90 s', '3 min' or '2 min 30 s'
    """

    def __init__(self, text: str, index: int, reason: str) -> None:
        self.text = text
        self.position = index + 1
        super().__init__("plan", text, f"at character {self.position}: {reason}")


class InvalidArgumentError(InvalidValueError, TypeError):
    """An argument of the wrong kind given to a retroprog function.

    The field is the argument's name (``outcome``, ``guards[0]``, ``outcomes[3]``),
    and the reason says what it must be, e.g. what to call to get one.

    >>> from retroprog import guarded, load_policy
    >>> from retroprog.exceptions import InvalidArgumentError
    >>> try:
    ...     guarded(load_policy("reference"), "one-step")
    ... except InvalidArgumentError as exc:
    ...     print(f"{exc.field} ({exc.value}): {exc.reason}")
    guards[0] (one-step): must be a Guard (for one by name, use load_guard('one-step'))
    """


class UnknownStageError(InvalidValueError, KeyError):
    """A stage name that the protocol does not have.

    :ivar known: the stage names the protocol does have.
    """

    def __init__(self, value: str, known: Sequence[str]) -> None:
        self.known = tuple(known)
        super().__init__("stage", value, f"unknown stage (known: {', '.join(self.known)})")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownParameterError(InvalidValueError, TypeError):
    """A keyword that a policy, guard or protocol does not take.

    :ivar owner: what was being built, e.g. ``"policy 'reference'"``.
    :ivar known: the parameters it does take.
    """

    def __init__(self, owner: str, field: str, known: Sequence[str]) -> None:
        self.owner = owner
        self.known = tuple(known)
        guess = did_you_mean(field, self.known)
        super().__init__(
            field,
            field,
            f"{owner} has no such parameter{guess} (it takes: {', '.join(self.known)})",
        )

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@attrs.frozen
class Problem:
    """One thing wrong with a file: where, and what.

    :ivar key: the dotted key or ``line N`` that is wrong, e.g. ``stages[1].target_seconds``.
    :ivar message: what is wrong with it.
    :ivar line: the line of the file where the key is (counted from 1), when known.

    >>> str(Problem("policies[2].params.stop_after", "must be ≥ 1, got 0", line=14))
    'policies[2].params.stop_after (line 14): must be ≥ 1, got 0'
    """

    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.key if self.line is None else f"{self.key} (line {self.line})"
        return f"{where}: {self.message}"


class FileProblemsError(RetroprogError, ValueError):
    """Base of the errors that report every problem of one file at once.

    A subclass names the kind of file in ``what`` (``"protocol"``,
    ``"experiment"``, …), which the message uses.

    :ivar path: the file, as the user gave it.
    :ivar problems: every :class:`Problem` found, in file order.

    Its message is one line saying how many problems the file has, then one
    indented line per problem:

    >>> from retroprog.exceptions import FileProblemsError, Problem
    >>> class RecipeFileError(FileProblemsError):
    ...     what = "recipe"
    >>> print(RecipeFileError("soup.toml", [Problem("salt", "must be ≥ 0, got -1", line=3)]))
    soup.toml: 1 problem in recipe:
      salt (line 3): must be ≥ 0, got -1
    """

    what = "file"

    def __init__(self, path: str, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"{path}: {count} problem{'' if count == 1 else 's'} in {self.what}:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


#: The old, private name of :class:`FileProblemsError`.
_FileProblemsError = FileProblemsError


class ProtocolFileError(FileProblemsError):
    """A protocol file (TOML) has problems; all of them are listed.

    :ivar path: the file (or the built-in protocol's name).
    :ivar problems: every :class:`Problem` found, in file order.
    """

    what = "protocol"


class SessionLogError(FileProblemsError):
    """A session log (JSONL) has problems; all of them are listed.

    :ivar path: the log file.
    :ivar problems: every :class:`Problem` found, keyed by ``line N``.
    """

    what = "session log"


class SchemaVersionError(RetroprogError, ValueError):
    """A JSON document without a schema version, or from a newer retroprog.

    :ivar found: the document's schema version (``None`` when it has none).
    :ivar supported: the newest schema version this retroprog reads (it reads every
        one from 1).
    """

    def __init__(self, found: object, supported: int) -> None:
        self.found = found
        self.supported = supported
        if found is None:
            msg = f"schema: the document has no schema version (expected {supported})"
        else:
            msg = (
                f"schema: document schema {found!r} is not supported "
                f"(this retroprog reads schemas 1 to {supported}; "
                "upgrade retroprog to read newer documents)"
            )
        super().__init__(msg)


class UnknownPluginError(RetroprogError, LookupError):
    """No built-in or installed plug-in has that name.

    :ivar group: the entry-point group, e.g. ``retroprog.policies``.
    :ivar name: the name asked for.
    :ivar known: the names that do exist.
    """

    def __init__(self, group: str, name: str, known: Sequence[str]) -> None:
        self.group = group
        self.name = name
        self.known = tuple(known)
        kind = _noun(group)
        guess = did_you_mean(name, self.known)
        super().__init__(
            f"unknown {kind} {name!r}{guess} (available: {', '.join(self.known) or 'none'})"
        )


def _noun(group: str) -> str:
    """What one plug-in of ``group`` is called: ``retroprog.policies`` → ``policy``."""
    plural = group.rsplit(".", 1)[-1]
    return plural[:-3] + "y" if plural.endswith("ies") else plural.removesuffix("s")


class PluginError(RetroprogError, ImportError):
    """A plug-in exists but could not be loaded.

    :ivar group: the entry-point group.
    :ivar name: the plug-in's name.
    :ivar error: the underlying exception.
    """

    def __init__(self, group: str, name: str, error: BaseException) -> None:
        super().__init__(
            f"plug-in {name!r} in {group} failed to load: {type(error).__name__}: {error}"
        )
        self.group = group
        self.name = name  # after ImportError.__init__, which resets it
        self.error = error


#: The safety invariants of DESIGN.md by number; 0 is a decision inconsistent with itself.
_INVARIANTS = {
    0: "a consistent decision",
    1: "no step up after an adverse session",
    2: "the level stays inside its stage's ladder",
    3: "nothing beyond base, and no advance or completion, before the minimum sessions at base",
    4: "move on only after the needed sessions, advance only from the stage's last level",
    5: "at most one step (or one level) per decision",
    6: "stop and complete are absorbing without a resume",
    7: "determinism: the same log gives the same decisions",
    8: "JSON round-trips",
}


class PolicyViolation(RetroprogError, AssertionError):  # noqa: N818 (a failed check, not an error)
    """A policy broke a safety invariant; raised by :mod:`retroprog.testing`.

    :ivar invariant: the number (1–8) of the broken safety invariant, or 0 when the
        decision is inconsistent with itself (an action that does not name the
        change, a prescription that is not the protocol's) or ``decide`` raised.
    :ivar invariant_name: that invariant's name, e.g. ``"at most one step per decision"``.
    :ivar outcomes: the sessions from the protocol's start up to and including the
        one that broke it (shrunk to a minimal example by :func:`~retroprog.testing.check_policy`);
        empty when no session is needed to show it (a declared pain threshold above
        the ceiling).
    :ivar decision: the decision that broke it (``None`` when ``decide`` raised).
    :ivar state: the client's state before that session.
    :ivar policy_name: the policy's name.
    :ivar problems: every problem found with the decision, one sentence each.
    :ivar levels: how the message names the level before the last session and after
        the decision, e.g. ``("30 s", "45 s")`` or ``("week 5 level 1", "week 5 level 2")``
        (by default, a level is a bout length in seconds).
    """

    def __init__(
        self,
        invariant: int,
        *,
        outcomes: Sequence[SessionOutcome],
        decision: Decision | None,
        state: ClientState,
        policy_name: str,
        problems: Sequence[str] = (),
        levels: tuple[str, str] | None = None,
    ) -> None:
        self.invariant = invariant
        self.invariant_name = _INVARIANTS.get(invariant, "unknown invariant")
        self.outcomes = tuple(outcomes)
        self.decision = decision
        self.state = state
        self.policy_name = policy_name
        self.problems = tuple(problems)
        after = state.level if decision is None else decision.state.level
        self.levels = levels if levels is not None else (f"{state.level} s", f"{after} s")
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.outcomes)
        if not count:  # found without sessions: what the policy declares, or how it varies
            head = (
                f"policy {self.policy_name!r} breaks invariant {self.invariant} "
                f"({self.invariant_name}):"
            )
            return "\n".join([head, *(f"  - {problem}" for problem in self.problems)])
        lines = [
            f"policy {self.policy_name!r} breaks invariant {self.invariant} "
            f"({self.invariant_name}) after {count} session(s):"
        ]
        lines += [f"  {i}. {_session(o)}" for i, o in enumerate(self.outcomes, start=1)]
        lines.append(
            f"before the last session: {self.state.stage} at {self.levels[0]}, "
            f"{self.state.status}, {self.state.base_sessions} session(s) at base"
        )
        if self.decision is None:
            lines.append("decision: none (decide raised)")
        else:
            lines.append(
                f"decision: {self.decision.action.value} to {self.decision.state.stage} "
                f"at {self.levels[1]}: {self.decision.explanation}"
            )
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


def _rebuild(
    cls: type[RetroprogError], args: tuple[object, ...], values: dict[str, object]
) -> RetroprogError:
    """An error unpickled: its ``args`` and fields as they were, no constructor run."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(values)
    return error


def _session(outcome: SessionOutcome) -> str:
    """One line for one session: the fields that differ from a clean session."""
    fields = attrs.asdict(outcome, recurse=False)
    found = [
        f"{name}={value!r}"
        for name, value in fields.items()
        if value != attrs.fields_dict(type(outcome))[name].default
    ]
    return ", ".join(found) if found else "clean session"
