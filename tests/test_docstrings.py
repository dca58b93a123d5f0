"""Every example in a docstring runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import retroprog
import retroprog_sim


def _modules(package: ModuleType) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _example_plugin_modules() -> list[str]:
    """The example plug-in's modules (``examples/plugin``), when it is installed."""
    try:
        package = importlib.import_module("retroprog_example_plugin")
    except ImportError:  # pragma: no cover - depends on the environment
        return []
    return _modules(package)


@pytest.mark.parametrize(
    "name", _modules(retroprog) + _modules(retroprog_sim) + _example_plugin_modules()
)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, extraglobs={"retroprog": retroprog}, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
