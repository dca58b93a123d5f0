"""The optional parts of the harness, and one line that says how to install what is missing.

``pip install retroprog`` brings the core and the command line (``retroprog
next``, ``log``, ``describe``, ``plugins``); simulating needs the ``sim`` extra,
plots the ``plot`` extra, and so on.  A command that needs an extra that is
not installed says so in one line, with the command that installs it
(:func:`retroprog.support.install_hint`).
"""

from __future__ import annotations

import importlib.util

from retroprog.exceptions import RetroprogError
from retroprog.support import install_hint

__all__ = ["EXTRAS", "MissingExtraError", "extra_of", "missing", "require"]

#: Each extra and the top-level modules it installs.
EXTRAS: dict[str, tuple[str, ...]] = {
    "sim": ("simpy", "numpy", "scipy", "rich", "jinja2"),
    "plot": ("matplotlib",),
    "dask": ("distributed",),
    "testing": ("hypothesis",),
    "parquet": ("pyarrow",),
    "pandas": ("pandas",),
}


class MissingExtraError(RetroprogError, ImportError):
    """Something needs an extra that is not installed.

    :ivar what: what needs it, e.g. ``"retroprog simulate"``.
    :ivar extra: the extra, e.g. ``"sim"``.
    :ivar modules: the extra's modules that are missing.
    :ivar hint: the command that installs it.

    >>> str(MissingExtraError("drawing plots", "plot", ["matplotlib"])).split(": pip")[0]
    'drawing plots needs the plot extra (matplotlib is not installed)'
    """

    def __init__(self, what: str, extra: str, modules: list[str]) -> None:
        self.what = what
        self.extra = extra
        self.modules = tuple(modules)
        self.hint = install_hint(extra)
        names = ", ".join(self.modules)
        are = "are" if len(self.modules) > 1 else "is"
        super().__init__(
            f"{what} needs the {extra} extra ({names} {are} not installed): {self.hint}"
        )


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require(extra: str, what: str) -> None:
    """Raise :exc:`MissingExtraError` unless every module of ``extra`` is installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtraError(what, extra, absent)


def extra_of(module: str) -> str | None:
    """The extra that installs ``module`` (e.g. ``numpy.linalg`` → ``sim``), or ``None``."""
    root = module.split(".")[0]
    return next((extra for extra, names in EXTRAS.items() if root in names), None)
