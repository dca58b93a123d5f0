"""Shared fixtures for the harness tests: the reference protocol and small runs.

Populations stay small (tens to a few hundred clients) so the folder runs in well
under a minute on one core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

import retroprog as rp
from retroprog_sim import RunSpec, load_population

#: Builds a small :class:`RunSpec`:
#: ``make_spec(policy="reference", population="general", **fields)``.
MakeSpec = Callable[..., RunSpec]


@pytest.fixture(scope="session")
def protocol() -> rp.ProgressionProtocol:
    return rp.load_protocol("retro-walk-run")


@pytest.fixture(scope="session")
def make_spec(protocol: rp.ProgressionProtocol) -> MakeSpec:
    def make(
        policy: str | rp.RegressionPolicy = "reference",
        population: str = "general",
        **fields: Any,
    ) -> RunSpec:
        spec = RunSpec(
            protocol,
            rp.load_policy(policy) if isinstance(policy, str) else policy,
            load_population(population),
            clients=40,
            weeks=8,
            seed=11,
        )
        return attrs.evolve(spec, **fields)

    return make


_GUARDED = "guarded"


@pytest.fixture(
    scope="session", params=[*sorted(("reference", "pain-monitoring", "staircase")), _GUARDED]
)
def policy(request: pytest.FixtureRequest) -> rp.RegressionPolicy:
    """Every built-in policy, and a lax policy inside all four built-in guards.

    The guarded policy steps up after every success and allows pain up to 5/10, so
    that its guards (no step up after pain above 2/10, +15 s a week at most, a step
    back after more than 5 days off) have something to revise.
    """
    name: str = request.param
    if name == _GUARDED:
        return rp.guarded(
            rp.load_policy("pain-monitoring", successes_to_progress=1),
            rp.NoProgressAfterAdverse(pain_threshold=2),
            rp.OneStep(),
            rp.GapRegress(max_gap_days=5),
            rp.WeeklyCap(max_increase_seconds=15),
        )
    return rp.load_policy(name)
