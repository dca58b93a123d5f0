"""Every error retroprog raises on purpose.

All of them derive from :class:`RetroprogError`, and each also subclasses the
built-in exception it resembles, so ``except ValueError`` keeps working.  Each
carries its context as attributes, so a program can show it without parsing the
message.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "InvalidValueError",
    "PluginError",
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
    """Base class of every error retroprog raises on purpose."""


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
        super().__init__(
            field, field, f"{owner} has no such parameter (it takes: {', '.join(self.known)})"
        )

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@attrs.frozen
class Problem:
    """One thing wrong with a file: where, and what.

    :ivar key: the dotted key or ``line N`` that is wrong, e.g. ``stages[1].target_seconds``.
    :ivar message: what is wrong with it.
    """

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class _FileProblemsError(RetroprogError, ValueError):
    """Base of the errors that report every problem of one file at once."""

    what = "file"

    def __init__(self, path: str, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = "; ".join(str(p) for p in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s) in {self.what}: {lines}")


class ProtocolFileError(_FileProblemsError):
    """A protocol file (TOML) has problems; all of them are listed.

    :ivar path: the file (or the built-in protocol's name).
    :ivar problems: every :class:`Problem` found, in file order.
    """

    what = "protocol"


class SessionLogError(_FileProblemsError):
    """A session log (JSONL) has problems; all of them are listed.

    :ivar path: the log file.
    :ivar problems: every :class:`Problem` found, keyed by ``line N``.
    """

    what = "session log"


class SchemaVersionError(RetroprogError, ValueError):
    """A JSON document without a schema version, or from a newer retroprog.

    :ivar found: the document's schema version (``None`` when it has none).
    :ivar supported: the newest schema version this retroprog reads.
    """

    def __init__(self, found: object, supported: int) -> None:
        self.found = found
        self.supported = supported
        if found is None:
            msg = f"schema: the document has no schema version (expected {supported})"
        else:
            msg = (
                f"schema: document schema {found!r} is not supported "
                f"(this retroprog reads schema {supported}; "
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
        plural = group.rsplit(".", 1)[-1]
        kind = plural[:-3] + "y" if plural.endswith("ies") else plural.removesuffix("s")
        super().__init__(f"unknown {kind} {name!r} (available: {', '.join(self.known) or 'none'})")


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
