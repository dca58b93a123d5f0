"""The simulated client stays believable: no absurd bout after a year, volume matters."""

from __future__ import annotations

from random import Random

import pytest

import retroprog as rp
from retroprog_sim import PRESETS, RunSpec, SimulationResult, paired_differences, simulate
from retroprog_sim.model import core
from retroprog_sim.model.activities import plan_dose

#: One retro-run stage from 1 to 360 minutes in steps of 5 minutes: nothing in the
#: protocol holds a client back, only the client model (and the policy's rules).
_LADDER = rp.StagedProtocol(
    "retro-run-ladder",
    [
        rp.Stage(
            "retro-run",
            base_min_seconds=60,
            base_max_seconds=60,
            min_base_sessions=1,
            step_seconds=300,
            target_seconds=6 * 3600,
        )
    ],
)

#: The longest clean retro-run any client may complete, in minutes: three hours.  No
#: client's running ceiling is above 150 min (111 min of retro-running, at 1.35 times
#: the cost); a lucky client may complete a session a little beyond tolerance.
_ABSURD_MINUTES = 180


@pytest.mark.parametrize("preset", list(PRESETS))
def test_a_year_of_training_never_yields_an_absurd_bout(preset: str) -> None:
    # a policy that never stops a client, and clients who never miss or give up: a year
    # of pushing at the edge of tolerance
    policy = rp.load_policy("reference", successes_to_progress=1, stop_after=10_000, stop_pain=10)
    spec = RunSpec(
        _LADDER,
        policy,
        PRESETS[preset].evolve(attendance=1.0, dropout_hazard=0.0),
        clients=40,
        weeks=52,
        seed=7,
        trace_clients=40,
        block_size=40,
    )
    traces = simulate(spec).traces
    clean = [
        t["prescription"]["segments"][0]["seconds"] / 60
        for t in traces
        if t["outcome"]["completed"]
        and not t["outcome"]["pain"]
        and not t["outcome"]["next_day_pain"]
    ]
    sessions: dict[int, int] = {}
    for t in traces:
        sessions[t["client"]] = sessions.get(t["client"], 0) + 1
    assert sum(n == 156 for n in sessions.values()) >= 3  # some trained all year
    assert max(clean) < _ABSURD_MINUTES, (preset, max(clean))


@pytest.mark.parametrize("preset", list(PRESETS))
def test_tolerance_never_passes_the_clients_ceiling(preset: str) -> None:
    """Daily two-hour runs for a year: tolerance saturates below each client's ceiling."""
    dose = plan_dose(rp.Prescription("s", "run 120 min"))
    rng = Random(5)
    for _ in range(20):
        params = PRESETS[preset].params(rng)
        latent = core.fresh_latent()
        for day in range(365):
            latent = core.after_session(params, latent, dose, day)
        walking, running = core.tolerances(params, latent, 365)
        assert params.run_tolerance < running <= params.run_ceiling
        assert walking <= params.walk_ceiling


def _fixed(plan: str) -> rp.StagedProtocol:
    """A protocol that prescribes ``plan`` every session (its level needs 1000 sessions)."""
    return rp.StagedProtocol(plan, [rp.Stage("only", levels=[rp.Level(plan, sessions=1000)])])


def test_eight_runs_of_a_minute_bring_more_adverse_events_than_one() -> None:
    def run(plan: str) -> SimulationResult:
        spec = RunSpec(
            _fixed(plan),
            rp.load_policy("reference"),
            PRESETS["novice-runner"],
            clients=1000,  # (the difference is a few tenths per 100 sessions: 300 clients
            weeks=3,  # leave its interval touching 0 at some seeds)
            seed=3,
            block_size=1000,
        )
        return simulate(spec)

    one, eight = run("run 60 s"), run("8 × (run 60 s, walk 90 s)")
    differences = {
        d.metric: d
        for d in paired_differences(
            one.clients,
            eight.clients,
            horizon=21,
            resamples=300,
            seed=1,
        )
    }
    adverse = differences["adverse_events_per_100_sessions"]
    assert adverse.difference > 0
    assert adverse.ci_low > 0, adverse
