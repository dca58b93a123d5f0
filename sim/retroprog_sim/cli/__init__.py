"""The ``retroprog`` command line and its commands.

The commands: simulate, compare, sweep, tune, fit, check, plugins, describe, population, next,
log.

* :mod:`.app` — the group, one-line errors and exit codes, Ctrl-C;
* :mod:`.options` — the options every run shares (made from the run settings)
  and ``KEY=VALUE`` values;
* :mod:`.progress` — the progress bar;
* :mod:`.running` — the output folder, interruptions, and showing results;
* one module per command: :mod:`.simulate`, :mod:`.compare`, :mod:`.sweep`,
  :mod:`.tune`, :mod:`.fit`, :mod:`.check`, :mod:`.plugins`, :mod:`.describe`,
  :mod:`.population`, :mod:`.next_session`, :mod:`.log` (with :mod:`.sessions`, a log
  line's fields).

Runs show a progress bar on stderr once they have taken a second (never with
``--json``) and end with tables on stdout; ``--out DIR`` writes the files
described in :mod:`retroprog_sim.present.files`.  The commands import the
simulation engine (SimPy, NumPy) only when they run, so ``retroprog --help``
``next``, ``log``, ``describe`` and ``plugins`` need the core alone.
"""

from . import (  # the commands
    check,
    compare,
    describe,
    fit,
    log,
    next_session,
    plugins,
    population,
    simulate,
    sweep,
    tune,
)
from .app import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_VIOLATION, cli, main
from .options import DEFAULT_TRACE_WITH_OUT, MAX_VALUE_LENGTH, parse_value

__all__ = [
    "DEFAULT_TRACE_WITH_OUT",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_VIOLATION",
    "MAX_VALUE_LENGTH",
    "check",
    "cli",
    "compare",
    "describe",
    "fit",
    "log",
    "main",
    "next_session",
    "parse_value",
    "plugins",
    "population",
    "simulate",
    "sweep",
    "tune",
]
