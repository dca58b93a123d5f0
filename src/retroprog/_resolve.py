"""One resolver: a name, a file or ``MODULE:ATTR`` to the object it stands for.

Protocols, policies, guards and populations are all given the same ways, and
:func:`resolve` turns each into its object with one rule for parameters and one
wording for errors.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._registry import _entry_points, available, builtin_factories, file_reader, noun
from .exceptions import (
    InvalidValueError,
    PluginError,
    RetroprogError,
    UnknownParameterError,
    UnknownPluginError,
)

__all__ = ["FileReader", "check_keywords", "importable_here", "resolve"]

#: A group's file reader: ``read(path, params, label=spec)`` gives the object a file describes.
FileReader = Callable[..., Any]

#: ``MODULE:ATTR``: a dotted module, a colon, a dotted attribute.
_MODULE_ATTR = re.compile(r"[^\s:]*:[^\s:]*")


def check_keywords(owner: str, factory: Callable[..., Any], params: Mapping[str, Any]) -> None:
    """Refuse the keywords in ``params`` that ``factory``'s signature does not take.

    A factory that takes ``**params`` checks them itself, and one without a
    readable signature is left to refuse them when called.

    >>> from retroprog.support import check_keywords
    >>> def cautious(stop_after=1):
    ...     pass
    >>> check_keywords("policy 'cautious'", cautious, {"speed": 3})
    Traceback (most recent call last):
    ...
    retroprog.exceptions.UnknownParameterError: speed: policy 'cautious' has no such parameter (it takes: stop_after)

    :raises ~retroprog.exceptions.UnknownParameterError: naming the first keyword refused.
    """  # noqa: E501 (a doctest's output is one line)
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return
    taken = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in taken):
        return
    known = [p.name for p in taken if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in params:
        if key not in known:
            raise UnknownParameterError(owner, key, known)


@contextlib.contextmanager
def importable_here() -> Iterator[None]:
    """Let a module in the current folder be imported, as ``python -m`` would."""
    cwd = os.getcwd()
    added = cwd not in sys.path and "" not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        yield
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(cwd)


def resolve(
    group: str,
    spec: str | os.PathLike[str],
    params: Mapping[str, Any] | None = None,
    *,
    expect: type,
    builtins: Mapping[str, Callable[..., Any]] | None = None,
    read_file: FileReader | None = None,
    probe: Sequence[str] = ("name",),
) -> Any:
    """The object that ``spec`` names in ``group``, made with ``params``.

    ``spec`` is tried, in this order, as

    1. a built-in name (``builtins``, default: retroprog's own for the group);
    2. the name of an entry point of ``group`` (an installed plug-in);
    3. a file: a path ending in ``.toml``, or one that exists, read by
       ``read_file`` (default: the group's reader; protocols have one);
    4. ``MODULE:ATTR``: ``ATTR`` of the module ``MODULE``, imported from the
       current folder or the installed packages.

    What a built-in name gives is made with ``params`` as its factory decides.
    An entry point or ``MODULE:ATTR`` gives an object, or a factory (a class or
    another callable that is not an ``expect``) that
    ``params`` are passed to as keywords (checked against its signature
    first); ``params`` given to an object are an error.  The result must be an
    instance of ``expect`` (a ``runtime_checkable`` protocol), and reading its
    ``probe`` attributes must not raise.

    >>> from retroprog import RegressionPolicy
    >>> from retroprog.plugins import POLICIES, resolve
    >>> resolve(POLICIES, "staircase", {"stop_after": 3}, expect=RegressionPolicy).stop_after
    3
    >>> resolve(POLICIES, "retroprog:RulePolicy", {"name": "mine"}, expect=RegressionPolicy).name
    'mine'

    :raises ~retroprog.exceptions.UnknownPluginError: no built-in, plug-in or file
        has that name.
    :raises ~retroprog.exceptions.PluginError: the plug-in failed to load.
    :raises ~retroprog.exceptions.UnknownParameterError: a parameter the factory
        does not take, or any parameter for an object.
    :raises ~retroprog.exceptions.InvalidValueError: ``MODULE:ATTR`` cannot be
        imported, the factory failed, or the result is not an ``expect``.
    """
    text = os.fspath(spec)
    values = dict(params or {})
    kind = noun(group)
    made = builtin_factories(group) if builtins is None else builtins
    if text in made:
        return _checked(_call(made[text], values, kind, text), kind, text, expect, probe)
    for entry_point in _entry_points(group):
        if entry_point.name == text:
            try:
                found = entry_point.load()
            except Exception as exc:  # a broken plug-in must not take the caller down
                raise PluginError(group, text, exc) from exc
            return _made(found, values, kind, text, expect, probe)
    reader = file_reader(group) if read_file is None else read_file
    path = Path(text)
    if reader is not None and (path.suffix == ".toml" or path.exists()):
        return _checked(reader(path, values, label=text), kind, text, expect, probe)
    if ":" in text and _MODULE_ATTR.fullmatch(text):
        return _made(_imported(text, kind), values, kind, text, expect, probe)
    raise UnknownPluginError(group, text, sorted({*made, *available(group)}))


def _imported(spec: str, kind: str) -> Any:
    """``ATTR`` of ``MODULE`` for ``MODULE:ATTR``, the current folder importable."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise InvalidValueError(kind, spec, "is not NAME or MODULE:ATTRIBUTE")
    try:
        with importable_here():
            module = importlib.import_module(module_name)
    except Exception as exc:  # whatever the module raises on import, one line
        raise InvalidValueError(
            kind, spec, f"cannot import {module_name!r}: {type(exc).__name__}: {exc}"
        ) from None
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise InvalidValueError(
                kind, spec, f"{module_name!r} has no attribute {attribute!r}"
            ) from None
    return found


def _made(
    found: Any,
    params: Mapping[str, Any],
    kind: str,
    spec: str,
    expect: type,
    probe: Sequence[str],
) -> Any:
    """``found`` if it is the object, or what it makes with ``params`` if it is a factory."""
    _probe(found, kind, spec, probe)
    if inspect.isclass(found) or (callable(found) and not isinstance(found, expect)):
        found = _call(found, params, kind, spec)
    elif params:
        raise UnknownParameterError(
            f"{kind} {spec!r} (an object, not a factory)", next(iter(params)), []
        )
    return _checked(found, kind, spec, expect, probe)


def _call(factory: Callable[..., Any], params: Mapping[str, Any], kind: str, spec: str) -> Any:
    """``factory(**params)``, its keywords checked first and its failures one line."""
    check_keywords(f"{kind} {spec!r}", factory, params)
    try:
        return factory(**params)
    except RetroprogError:
        raise
    except TypeError as exc:  # a **params factory that refused a keyword further in
        raise InvalidValueError(
            "params", dict(params), f"{kind} {spec!r} refused them: {exc}"
        ) from None
    except Exception as exc:  # the factory broke
        raise InvalidValueError(
            kind, spec, f"the factory failed: {type(exc).__name__}: {exc}"
        ) from None


def _checked(found: Any, kind: str, spec: str, expect: type, probe: Sequence[str]) -> Any:
    _probe(found, kind, spec, probe)
    if not isinstance(found, expect):
        raise InvalidValueError(
            kind, spec, f"the plug-in gave {type(found).__name__}, not a {kind}"
        )
    return found


def _probe(found: object, kind: str, spec: str, attributes: Sequence[str]) -> None:
    """Read ``attributes`` once, so that a plug-in's property that raises is one line."""
    for attribute in attributes:
        try:
            getattr(found, attribute)
        except AttributeError:  # not the expected kind of object: the caller says so
            pass
        except Exception as exc:  # a plug-in's property can raise anything
            raise InvalidValueError(
                kind, spec, f"reading its {attribute} raised {type(exc).__name__}: {exc}"
            ) from None
