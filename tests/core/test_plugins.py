"""Plug-ins through entry points: the example plug-in, a broken one, and name clashes.

The broken and clashing plug-ins are real: a distribution written into ``tmp_path``
(a ``.dist-info`` folder with ``METADATA`` and ``entry_points.txt``) that
``importlib.metadata`` finds on ``sys.path``, pointing at modules that raise on
import or lack the attribute named.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from retroprog import (
    Prescription,
    RulePolicy,
    SessionOutcome,
    Stage,
    StagedProtocol,
    load_policy,
    load_protocol,
    plugins,
    replay,
)
from retroprog.exceptions import InvalidValueError, PluginError, UnknownPluginError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

BROKEN_MODULE = "retroprog_test_broken_plugin"
FAKE_MODULE = "retroprog_test_fake_plugin"
FAKE_DIST = "retroprog-test-fake-plugins"

ENTRY_POINTS = f"""\
[retroprog.policies]
broken = {BROKEN_MODULE}:factory
reference = {FAKE_MODULE}:reference
missing-attribute = {FAKE_MODULE}:no_such_thing
not-a-policy = {FAKE_MODULE}:NOT_A_POLICY

[retroprog.protocols]
broken-protocol = {BROKEN_MODULE}:protocol
retro-walk-run = {FAKE_MODULE}:walk_run
"""


@pytest.fixture
def fake_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed distribution with a broken plug-in and two that clash with built-ins."""
    info = tmp_path / "retroprog_test_fake_plugins-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {FAKE_DIST}\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    (tmp_path / f"{BROKEN_MODULE}.py").write_text(
        'raise RuntimeError("this plug-in is broken on purpose")\n', encoding="utf-8"
    )
    (tmp_path / f"{FAKE_MODULE}.py").write_text(
        textwrap.dedent(
            """\
            NOT_A_POLICY = 3

            def reference(**params):
                raise AssertionError("a plug-in must never replace a built-in")

            walk_run = reference
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # also invalidates the import caches
    importlib.invalidate_caches()
    yield tmp_path
    for name in (BROKEN_MODULE, FAKE_MODULE):
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


# --- the example plug-in ------------------------------------------------------------------


def test_the_example_plugin_is_listed() -> None:
    policies = plugins.available(plugins.POLICIES)
    protocols = plugins.available(plugins.PROTOCOLS)
    populations = plugins.available(plugins.POPULATIONS)

    assert list(policies)[:3] == ["reference", "pain-monitoring", "staircase"]  # built-ins first
    assert policies["cautious"] == plugins.PluginSpec(
        plugins.POLICIES,
        "cautious",
        "retroprog_example_plugin:cautious",
        "retroprog-example-plugin",
    )
    assert policies["reference"].source == "built-in"
    assert next(iter(protocols)) == "retro-walk-run"
    assert protocols["retro-walk-only"] == plugins.PluginSpec(
        plugins.PROTOCOLS,
        "retro-walk-only",
        "retroprog_example_plugin:retro_walk_only",
        "retroprog-example-plugin",
    )
    # listed without importing: the population's module needs retroprog's sim extra
    assert populations["older-adults"] == plugins.PluginSpec(
        plugins.POPULATIONS,
        "older-adults",
        "retroprog_example_plugin.populations:older_adults",
        "retroprog-example-plugin",
    )


def test_the_example_policy_loads_by_name() -> None:
    policy = load_policy("cautious")

    assert policy == RulePolicy(
        name="cautious", successes_to_progress=3, pain_threshold=1, settled_pain=1
    )


def test_the_example_policy_takes_parameters() -> None:
    policy = load_policy("cautious", stop_after=3, successes_to_progress=4)

    assert isinstance(policy, RulePolicy)
    assert (
        policy.name,
        policy.stop_after,
        policy.successes_to_progress,
        policy.pain_threshold,
    ) == (
        "cautious",
        3,
        4,
        1,
    )


def test_the_example_policy_validates_its_parameters() -> None:
    with pytest.raises(InvalidValueError) as bad:
        load_policy("cautious", pain_threshold=11)
    with pytest.raises(InvalidValueError) as unknown:
        load_policy("cautious", speed=1)

    assert (bad.value.field, bad.value.value) == ("pain_threshold", 11)
    assert unknown.value.field == "params"
    assert "speed" in str(unknown.value)


def test_the_example_protocol_loads_by_name() -> None:
    protocol = load_protocol("retro-walk-only")

    assert protocol == StagedProtocol(
        "retro-walk-only",
        [Stage("retro-walk")],
        "Backwards walking alone: 15–30 s base for at least 6 sessions, up to 120 s.",
    )


def test_the_example_protocol_takes_overrides() -> None:
    protocol = load_protocol("retro-walk-only", step_seconds=10)

    assert protocol.stages == (Stage("retro-walk", step_seconds=10),)


def test_the_example_plugins_work_together() -> None:
    protocol = load_protocol("retro-walk-only")
    policy = load_policy("cautious")

    decisions = replay(protocol, policy, [SessionOutcome()] * 3 + [SessionOutcome(pain=2)])

    assert [(d.action.value, d.state.bout_seconds) for d in decisions] == [
        ("hold", 15),
        ("hold", 15),
        ("progress", 30),
        ("regress", 15),  # pain 2/10 is above the cautious threshold of 1
    ]
    assert (
        decisions[2].explanation == "progressed 15 s → 30 s: 3 successful sessions in a row at 15 s"
    )
    assert decisions[3].reasons == ("pain",)
    assert decisions[3].explanation == "regressed 30 s → 15 s: pain 2/10"
    assert decisions[-1].prescription == Prescription.simple("retro-walk", 15)


def test_the_example_policy_and_protocol_load_without_the_harness() -> None:
    """Only the population's module imports retroprog_sim (retroprog's sim extra)."""
    script = (
        "import sys, retroprog, retroprog_example_plugin\n"
        "retroprog.load_policy('cautious'), retroprog.load_protocol('retro-walk-only')\n"
        "print(sorted(m for m in sys.modules if m.startswith('retroprog_')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == "['retroprog_example_plugin']"


def test_load_all_without_broken_plugins() -> None:
    report = plugins.load_all(plugins.PROTOCOLS)

    assert report.broken == {}
    assert set(report.loaded) == set(plugins.available(plugins.PROTOCOLS))
    assert {"retro-walk-only", "retro-walk-run"} <= set(report.loaded)
    assert report.loaded["retro-walk-run"] == load_protocol("retro-walk-run")


# --- broken plug-ins ----------------------------------------------------------------------


@pytest.mark.usefixtures("fake_plugins")
def test_listing_imports_nothing() -> None:
    specs = plugins.available(plugins.POLICIES)

    assert specs["broken"] == plugins.PluginSpec(
        plugins.POLICIES, "broken", f"{BROKEN_MODULE}:factory", FAKE_DIST
    )
    assert specs["reference"].source == "built-in"  # the clashing plug-in is left out
    assert BROKEN_MODULE not in sys.modules
    assert FAKE_MODULE not in sys.modules


@pytest.mark.usefixtures("fake_plugins")
def test_a_broken_plugin_is_reported_and_the_others_still_load() -> None:
    report = plugins.load_all(plugins.POLICIES)

    # loading checks only that the entry point imports; "not-a-policy" is refused when used
    assert set(report.loaded) == set(plugins.available(plugins.POLICIES)) - {
        "broken",
        "missing-attribute",
    }
    assert {"cautious", "not-a-policy", "pain-monitoring", "reference", "staircase"} <= set(
        report.loaded
    )
    assert {"broken", "missing-attribute", "reference"} <= set(report.broken)
    error = report.broken["broken"]
    assert isinstance(error, PluginError)
    assert error.group == "retroprog.policies"
    assert isinstance(error.error, RuntimeError)
    assert str(error) == (
        "plug-in 'broken' in retroprog.policies failed to load: "
        "RuntimeError: this plug-in is broken on purpose"
    )
    assert isinstance(report.broken["missing-attribute"].error, AttributeError)
    assert report.loaded["cautious"]() == load_policy("cautious")
    assert report.loaded["staircase"]() == load_policy("staircase")


@pytest.mark.usefixtures("fake_plugins")
def test_loading_a_broken_plugin_by_name_raises_plugin_error() -> None:
    with pytest.raises(PluginError) as info:
        load_policy("broken")

    assert isinstance(info.value.error, RuntimeError)
    assert isinstance(info.value, ImportError)
    assert info.value.group == "retroprog.policies"
    assert info.value.name == "broken"  # the context, as an attribute


@pytest.mark.usefixtures("fake_plugins")
def test_a_broken_protocol_plugin_is_reported() -> None:
    report = plugins.load_all(plugins.PROTOCOLS)

    assert {"retro-walk-only", "retro-walk-run"} <= set(report.loaded)
    assert "broken-protocol" not in report.loaded
    assert isinstance(report.broken["broken-protocol"].error, RuntimeError)
    with pytest.raises(PluginError):
        load_protocol("broken-protocol")


@pytest.mark.usefixtures("fake_plugins")
def test_a_plugin_with_a_builtins_name_is_reported_and_the_builtin_is_used() -> None:
    report = plugins.load_all(plugins.POLICIES)

    clash = report.broken["reference"]
    assert isinstance(clash.error, ValueError)
    assert str(clash.error) == (
        f"{FAKE_MODULE}:reference has the name of a built-in; the built-in is used"
    )
    assert report.specs["reference"].source == "built-in"
    assert load_policy("reference") == RulePolicy(name="reference")
    assert load_protocol("retro-walk-run").stages == (Stage("retro-walk"), Stage("retro-run"))
    assert report.loaded["reference"]() == RulePolicy(name="reference")  # not the plug-in's


@pytest.mark.usefixtures("fake_plugins")
def test_a_protocol_plugin_with_a_builtins_name_is_reported() -> None:
    report = plugins.load_all(plugins.PROTOCOLS)

    assert str(report.broken["retro-walk-run"].error) == (
        f"{FAKE_MODULE}:walk_run has the name of a built-in; the built-in is used"
    )
    assert report.loaded["retro-walk-run"] == load_protocol("retro-walk-run")


@pytest.mark.usefixtures("fake_plugins")
def test_a_plugin_that_is_not_a_policy() -> None:
    with pytest.raises(InvalidValueError) as info:
        load_policy("not-a-policy")

    assert (info.value.field, info.value.value) == ("policy", "not-a-policy")
    assert str(info.value) == "policy: the plug-in gave int, not a policy, got 'not-a-policy'"


@pytest.mark.usefixtures("fake_plugins")
def test_the_fake_distribution_is_found_while_installed() -> None:
    assert "broken" in plugins.available(plugins.POLICIES)


def test_after_the_fixture_only_the_real_plugins_remain() -> None:
    assert "broken" not in plugins.available(plugins.POLICIES)


def test_an_unknown_plugin() -> None:
    with pytest.raises(UnknownPluginError) as info:
        plugins.load_plugin(plugins.POPULATIONS, "no-such-population")

    error = info.value
    assert (error.group, error.name) == ("retroprog.populations", "no-such-population")
    assert error.known == tuple(sorted(plugins.available(plugins.POPULATIONS)))
    assert str(error) == (
        f"unknown population 'no-such-population' (available: {', '.join(error.known) or 'none'})"
    )


def test_groups() -> None:
    assert plugins.GROUPS == ("retroprog.protocols", "retroprog.policies", "retroprog.populations")
