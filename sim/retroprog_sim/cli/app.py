"""The ``retroprog`` group: one line and exit code 2 for every error, 130 for Ctrl-C.

Every error the user can cause (an unknown policy or parameter, a value out of
range, an unreadable file) is one line on stderr, ``retroprog: error: …``, and
exit code 2, never a traceback; ``check`` exits 1 when the policy breaks a
safety invariant; Ctrl-C, at any moment, exits 130.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click

import retroprog
from retroprog.exceptions import FileProblemsError, RetroprogError

from ..extras import MissingExtraError, extra_of
from ..present.terminal import clean

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_VIOLATION",
    "INTERRUPTS",
    "Stopped",
    "cli",
    "examples",
    "interruptible",
    "main",
]


#: Exit code for every error the user can cause (as for click's usage errors).
EXIT_ERROR = 2


#: Exit code of ``check`` when the policy breaks a safety invariant.
EXIT_VIOLATION = 1


#: Exit code after Ctrl-C.
EXIT_INTERRUPTED = 130


def examples(*lines: str) -> str:
    """Format example command lines for a help text's epilog, kept as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


class _Cli(click.Group):
    """The group, with errors turned into one line and exit code 2.

    Overriding :meth:`main` (rather than wrapping it) means that
    :class:`click.testing.CliRunner` goes through the same error handling.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; exit (or, not standalone, return) with its exit code."""
        with INTERRUPTS.noted():
            try:
                returned = super().main(
                    args,
                    prog_name or "retroprog",
                    complete_var,
                    standalone_mode=False,
                    windows_expand_args=windows_expand_args,
                    **extra,
                )
                # not standalone, click returns a raised Exit's code (commands return None)
                code = returned if isinstance(returned, int) else 0
            except (Exception, KeyboardInterrupt) as exc:
                code = _exit_code(exc)
            if INTERRUPTS.seen and code != EXIT_INTERRUPTED:  # Ctrl-C that was lost somewhere
                code = _error("interrupted", EXIT_INTERRUPTED)
        if standalone_mode:
            sys.exit(code)
        return code


def _exit_code(exc: BaseException) -> int:
    """Say what ended the command, in one line; its exit code.  Not the user's fault: raise."""
    if isinstance(exc, Stopped):
        return _error(exc.format_message(), exc.code)
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if INTERRUPTS.seen or isinstance(exc, (click.Abort, KeyboardInterrupt)):
        return _error("interrupted", EXIT_INTERRUPTED)  # whatever Ctrl-C broke on its way
    if isinstance(exc, click.UsageError):
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            click.echo(exc.ctx.get_help())
            return 0
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        return _error(exc.format_message() + hint)
    if isinstance(exc, click.ClickException):
        return _error(exc.format_message())
    if isinstance(exc, FileProblemsError):  # a line per problem, as the error says them
        return _error(str(exc), lines=True)
    if isinstance(exc, RetroprogError):
        return _error(str(exc))
    if isinstance(exc, ModuleNotFoundError) and extra_of(exc.name or "") is not None:
        extra = extra_of(exc.name or "") or ""
        command = _command_path()
        return _error(str(MissingExtraError(command, extra, [(exc.name or "").split(".")[0]])))
    if isinstance(exc, OSError):
        return _error(_os_error(exc))
    raise exc


def _command_path() -> str:
    """The command that was running (``retroprog simulate``), or ``retroprog``."""
    words = [arg for arg in sys.argv[1:2] if not arg.startswith("-")]
    command = cli.commands.get(words[0]) if words else None
    return f"retroprog {command.name}" if command is not None else "retroprog"


def _os_error(exc: OSError) -> str:
    if exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def _error(message: str, code: int = EXIT_ERROR, *, lines: bool = False) -> int:
    """Print ``message`` on stderr, without control characters; returns ``code``.

    One line; with ``lines``, each line of ``message`` stays a line (a file's
    problems, one each), the first after ``retroprog: error:``.
    """
    if not lines:
        click.echo(f"retroprog: error: {' '.join(clean(message).split())}", err=True)
        return code
    first, *rest = message.splitlines() or [""]
    click.echo(f"retroprog: error: {' '.join(clean(first).split())}", err=True)
    for line in rest:
        click.echo(clean(line).rstrip(), err=True)
    return code


class _Interrupts:
    """Ctrl-C, at any moment of a command, ends it with exit code 130.

    Python raises ``KeyboardInterrupt`` wherever the main thread happens to be:
    inside a finalizer (``__del__``, a weakref callback) it is printed as
    "Exception ignored" and lost, and inside a library it may turn into another
    error.  So while a command runs, Ctrl-C is also noted: commands
    :meth:`check` the note between phases (running, writing, printing), any
    error after Ctrl-C counts as the interruption, and one lost in a finalizer
    is neither printed nor forgotten.
    """

    def __init__(self) -> None:
        self.seen = False

    @contextlib.contextmanager
    def noted(self) -> Iterator[None]:
        """Note Ctrl-C while the block runs (raising ``KeyboardInterrupt`` as usual)."""
        self.seen = False
        handled = (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # e.g. under nohup
        )
        previous = signal.signal(signal.SIGINT, self._interrupt) if handled else None
        hook = sys.unraisablehook

        def unraisable(info: Any) -> None:
            if isinstance(info.exc_value, KeyboardInterrupt):
                self.seen = True  # raised again at the next check
            else:
                hook(info)

        sys.unraisablehook = unraisable
        try:
            yield
        finally:
            sys.unraisablehook = hook
            if handled:
                signal.signal(signal.SIGINT, previous)

    def _interrupt(self, _signum: int, _frame: object) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed and lost on its way."""
        if self.seen:
            raise KeyboardInterrupt


INTERRUPTS = _Interrupts()


@contextlib.contextmanager
def interruptible(stopped: Callable[[], Stopped]) -> Iterator[None]:
    """Turn Ctrl-C, at any moment of the block, into ``stopped()`` (exit 130, how to resume)."""
    try:
        yield
        INTERRUPTS.check()
    except (KeyboardInterrupt, click.Abort):
        raise stopped() from None
    except Exception:
        if not INTERRUPTS.seen:
            raise
        raise stopped() from None


class Stopped(click.ClickException):
    """A run stopped before the end: the message says what is saved and how to finish."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@click.group(
    "retroprog",
    cls=_Cli,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=examples(
        "retroprog simulate                       the reference policy on 1000 clients",
        "retroprog compare reference staircase    two policies on the same clients",
        "retroprog sweep --grid stop_after=1,2,3  a grid over a policy's parameters",
        "retroprog tune tune.toml --out tuned     parameters searched under limits, safely",
        "retroprog check mypolicies:cautious      a policy against the safety invariants",
        "retroprog next client.jsonl              a client's next prescription, and why",
        "retroprog log add client.jsonl --pain 2  record a session without writing JSON",
        "retroprog plugins                        protocols, policies, populations",
        "retroprog describe staircase             a policy's parameters, defaults, meaning",
        "retroprog population export general     a population as a file to edit",
    ),
)
@click.version_option(retroprog.__version__, prog_name="retroprog")
def cli() -> None:
    """Simulate progression policies, check their safety, and plan a client's next session."""


def main() -> None:
    """Run the ``retroprog`` console script."""
    cli.main(prog_name="retroprog")
