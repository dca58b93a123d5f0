"""One resolver for protocols, policies and guards: names, plug-ins, files and MODULE:ATTR."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

import pytest

import retroprog
from retroprog import (
    GapRegress,
    Guard,
    RegressionPolicy,
    RulePolicy,
    load_guard,
    load_policy,
    load_protocol,
    plugins,
)
from retroprog.exceptions import (
    InvalidValueError,
    ProtocolFileError,
    UnknownParameterError,
    UnknownPluginError,
)
from retroprog.support import check_keywords, resolve

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

MODULE = "retroprog_test_resolve_module"

SOURCE = """\
import retroprog

CAUTIOUS = retroprog.RulePolicy(name="cautious-object", stop_after=1)
NOT_A_POLICY = 3
WALK = retroprog.StagedProtocol("walk", [retroprog.Stage("retro-walk")])


def cautious(stop_after=1):
    return retroprog.RulePolicy(name="cautious-factory", stop_after=stop_after)


def broken(**params):
    raise RuntimeError("this factory is broken on purpose")


def walk(step_seconds=15):
    return retroprog.StagedProtocol(
        "walk", [retroprog.Stage("retro-walk", step_seconds=step_seconds)]
    )


class Raising:
    @property
    def name(self):
        raise RuntimeError("no name today")

    pain_threshold = 2

    def decide(self, protocol, state, outcome):
        raise AssertionError


RAISING = Raising()


class Holder:
    policy = CAUTIOUS
"""


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module in the current folder (as a user's own file would be)."""
    (tmp_path / f"{MODULE}.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    importlib.invalidate_caches()
    yield MODULE
    sys.modules.pop(MODULE, None)
    assert str(tmp_path) not in sys.path  # the folder was importable only while resolving


def _policy(spec: str, **params: Any) -> Any:
    return resolve(plugins.POLICIES, spec, params, expect=RegressionPolicy)


# -- the order: built-in, plug-in, file, MODULE:ATTR ----------------------------------------


def test_a_builtin_name_with_parameters() -> None:
    assert _policy("staircase", stop_after=3) == RulePolicy(
        name="staircase", successes_to_progress=3, step_shrink=0.5, stop_after=3
    )


def test_a_plugin_name() -> None:
    assert _policy("cautious") == load_policy("cautious")


def test_a_protocol_file(tmp_path: Path) -> None:
    path = tmp_path / "walk.toml"
    path.write_text('name = "walk"\n[[stages]]\nname = "retro-walk"\n', encoding="utf-8")

    protocol = resolve(
        plugins.PROTOCOLS, str(path), {"step_seconds": 10}, expect=retroprog.ProgressionProtocol
    )

    assert protocol.name == "walk"
    assert protocol.stage("retro-walk").step_seconds == 10


def test_a_missing_toml_file_is_a_file_problem(tmp_path: Path) -> None:
    with pytest.raises(ProtocolFileError, match="cannot read"):
        load_protocol(str(tmp_path / "missing.toml"))


@pytest.mark.usefixtures("module")
def test_module_attr_an_object() -> None:
    assert _policy(f"{MODULE}:CAUTIOUS").name == "cautious-object"
    assert _policy(f"{MODULE}:Holder.policy").name == "cautious-object"


@pytest.mark.usefixtures("module")
def test_module_attr_a_factory_takes_the_parameters() -> None:
    policy = _policy(f"{MODULE}:cautious", stop_after=4)

    assert (policy.name, policy.stop_after) == ("cautious-factory", 4)


def test_module_attr_a_class_is_a_factory() -> None:
    assert _policy("retroprog:RulePolicy", name="mine").name == "mine"


@pytest.mark.usefixtures("module")
def test_every_loader_takes_module_attr() -> None:
    assert _policy(f"{MODULE}:cautious", stop_after=2).stop_after == 2
    assert load_protocol(f"{MODULE}:walk", step_seconds=5).stage("retro-walk").step_seconds == 5
    assert load_protocol(f"{MODULE}:WALK").name == "walk"
    assert load_guard("retroprog:GapRegress", max_gap_days=3) == GapRegress(max_gap_days=3)


# -- one rule for parameters, one wording for errors ------------------------------------------


@pytest.mark.usefixtures("module")
def test_parameters_for_an_object_are_refused() -> None:
    with pytest.raises(UnknownParameterError) as info:
        _policy(f"{MODULE}:CAUTIOUS", stop_after=3)

    assert str(info.value) == (
        f"stop_after: policy '{MODULE}:CAUTIOUS' (an object, not a factory) "
        "has no such parameter (it takes: )"
    )


@pytest.mark.usefixtures("module")
def test_a_parameter_the_factory_does_not_take() -> None:
    with pytest.raises(UnknownParameterError) as info:
        _policy(f"{MODULE}:cautious", speed=3)

    assert str(info.value) == (
        f"speed: policy '{MODULE}:cautious' has no such parameter (it takes: stop_after)"
    )


@pytest.mark.usefixtures("module")
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            f"{MODULE}:NOT_A_POLICY",
            f"policy: the plug-in gave int, not a policy, got '{MODULE}:NOT_A_POLICY'",
        ),
        (
            f"{MODULE}:missing",
            f"policy: '{MODULE}' has no attribute 'missing', got '{MODULE}:missing'",
        ),
        (
            "no_such_module_xyz:policy",
            "policy: cannot import 'no_such_module_xyz': ModuleNotFoundError: "
            "No module named 'no_such_module_xyz', got 'no_such_module_xyz:policy'",
        ),
        (":policy", "policy: is not NAME or MODULE:ATTRIBUTE, got ':policy'"),
        (
            f"{MODULE}:broken",
            "policy: the factory failed: RuntimeError: this factory is broken on purpose, "
            f"got '{MODULE}:broken'",
        ),
        (
            f"{MODULE}:RAISING",
            f"policy: reading its name raised RuntimeError: no name today, got '{MODULE}:RAISING'",
        ),
    ],
)
def test_errors_are_one_line_naming_what_was_given(spec: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        load_policy(spec)

    assert str(info.value) == message
    assert info.value.value == spec


def test_an_unknown_name_lists_what_there_is() -> None:
    with pytest.raises(UnknownPluginError) as info:
        load_guard("no-such-guard")

    assert info.value.group == plugins.GUARDS
    assert {"gap", "one-step", "weekly-cap", "no-progress-after-adverse"} <= set(info.value.known)
    assert str(info.value).startswith("unknown guard 'no-such-guard' (available: ")


def test_a_builtin_guard_refuses_a_parameter_it_does_not_take() -> None:
    with pytest.raises(UnknownParameterError) as info:
        load_guard("gap", days=3)

    assert str(info.value) == "days: guard 'gap' has no such parameter (it takes: max_gap_days)"


def test_the_guards_registry_lists_the_builtins() -> None:
    found = plugins.available(plugins.GUARDS)

    assert [name for name, spec in found.items() if spec.source == "built-in"] == [
        "no-progress-after-adverse",
        "one-step",
        "gap",
        "weekly-cap",
    ]
    assert isinstance(load_guard("one-step"), Guard)


def test_a_group_file_reader_is_a_hook(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("", encoding="utf-8")
    seen: list[tuple[str, dict[str, Any], str]] = []

    def read(file: Path, params: dict[str, Any], *, label: str) -> RulePolicy:
        seen.append((file.name, params, label))
        return RulePolicy(name="from-a-file", **params)

    policy = resolve(
        plugins.POLICIES, str(path), {"stop_after": 4}, expect=RegressionPolicy, read_file=read
    )

    assert policy == RulePolicy(name="from-a-file", stop_after=4)
    assert seen == [("mine.toml", {"stop_after": 4}, str(path))]


def test_check_keywords_leaves_a_star_star_factory_to_itself() -> None:
    def anything(**params: Any) -> None:
        pass

    check_keywords("x", anything, {"whatever": 1})
    with pytest.raises(UnknownParameterError, match="it takes: a"):
        check_keywords("x", lambda a=1: None, {"b": 2})
