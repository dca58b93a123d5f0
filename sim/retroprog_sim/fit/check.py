"""Model checking: the fitted population simulated beside the clinic's own logs.

The fitted population is simulated under the same protocol, policy and
schedule, ``replicates`` clinics of as many clients as the clinic has, each
with the population's fitted values drawn within their intervals (so that the
simulated range holds the fit's own uncertainty as well as chance); every
figure is computed the same way from the simulated sessions as from the
logs (both replayed), so a figure outside the replicates' range says the
model misses something about these clients.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor

import attrs
import numpy as np
import numpy.typing as npt

import retroprog
from retroprog import ProgressionProtocol, RegressionPolicy, SessionOutcome, Status, from_dict
from retroprog.exceptions import InvalidValueError

from ..model.population import PresetPopulation
from ..stats import KaplanMeier, kaplan_meier
from .estimate import FitResult
from .latent import to_latent
from .parameters import natural

__all__ = [
    "FIGURES",
    "ClientFigures",
    "FitCheck",
    "check_fit",
    "client_figures",
    "figures_of",
    "plausible_population",
    "simulated_logs",
]

Array = npt.NDArray[np.float64]

#: A client still in the programme after its last session, with at least this
#: many scheduled days left and none attended, has left early (dropped out).
LEFT_EARLY_DAYS = 3

#: Draws of a plausible population before the fitted one is used instead.
DRAW_TRIES = 20

#: The figures compared, in order: key → label.
FIGURES = {
    "sessions": "sessions attended per client",
    "adverse": "adverse events /100 sessions",
    "stopped": "stopped (avoid and refer), %",
    "left_early": "left early (dropout), %",
    "completed": "completed the protocol, %",
}


@attrs.frozen
class ClientFigures:
    """One client's log, read as the report reads it.

    :param sessions: sessions attended.
    :param adverse: sessions with an adverse event.
    :param status: the status after the last session.
    :param left_early: still active after the last session, which came at least
        :data:`LEFT_EARLY_DAYS` scheduled days before the schedule's end.
    :param last_day: the last session's day.
    :param stage_days: for each stage, the day its target was reached (``None``: not).
    """

    sessions: int
    adverse: int
    status: Status
    left_early: bool
    last_day: int
    stage_days: tuple[int | None, ...]


def client_figures(
    protocol: ProgressionProtocol,
    policy: RegressionPolicy,
    log: Sequence[SessionOutcome],
    *,
    scheduled_days: Sequence[int],
    adverse_pain: int = 3,
) -> ClientFigures:
    """Read one client's log (replayed) for the model check.

    An adverse event is as the simulator counts one: pain or next-day pain
    above ``adverse_pain``, a balance loss, or form breakdown.
    """
    decisions = retroprog.replay(protocol, policy, log)
    index = {stage.name: i for i, stage in enumerate(protocol.stages)}
    reached: list[int | None] = [None] * len(protocol.stages)
    state = protocol.start()
    for outcome, decision in zip(log, decisions, strict=True):
        before = index[state.stage]
        state = decision.state
        after = len(reached) if state.status is Status.COMPLETED else index[state.stage]
        for stage in range(before, min(after, len(reached))):
            if reached[stage] is None:
                reached[stage] = outcome.day_number
    adverse = sum(
        1
        for o in log
        if o.pain > adverse_pain
        or (o.next_day_pain or 0) > adverse_pain
        or o.balance_losses
        or o.form_breakdown
    )
    last = log[-1].day_number or 0
    left = sum(1 for d in scheduled_days if d > last)
    return ClientFigures(
        sessions=len(log),
        adverse=adverse,
        status=state.status,
        left_early=state.status is Status.ACTIVE and left >= LEFT_EARLY_DAYS,
        last_day=last,
        stage_days=tuple(reached),
    )


def figures_of(clients: Sequence[ClientFigures]) -> dict[str, float]:
    """The group's figures (:data:`FIGURES`)."""
    n = len(clients)
    sessions = sum(c.sessions for c in clients)
    return {
        "sessions": sessions / n,
        "adverse": 100.0 * sum(c.adverse for c in clients) / max(sessions, 1),
        "stopped": 100.0 * sum(c.status is Status.STOPPED for c in clients) / n,
        "left_early": 100.0 * sum(c.left_early for c in clients) / n,
        "completed": 100.0 * sum(c.status is Status.COMPLETED for c in clients) / n,
    }


def stage_curve(clients: Sequence[ClientFigures], stage: int) -> KaplanMeier:
    """Time to a stage's target (Kaplan–Meier; a client who has not reached it is censored)."""
    days = [_or(c.stage_days[stage], c.last_day) for c in clients]
    events = [c.stage_days[stage] is not None for c in clients]
    return kaplan_meier(days, events)


def _or(day: int | None, otherwise: int) -> int:
    return otherwise if day is None else day


def reached_by(km: KaplanMeier, days: Array) -> Array:
    """1 − S(t) of a Kaplan–Meier estimate at each of ``days``."""
    times = np.asarray(km.times, dtype=float)
    survival = np.asarray(km.survival, dtype=float)
    if not len(times):
        return np.zeros(len(days))
    at = np.searchsorted(times, days, side="right") - 1
    result: Array = np.where(at >= 0, 1.0 - survival[np.maximum(at, 0)], 0.0)
    return result


@attrs.frozen
class Verdict:
    """One figure: the clinic's, the simulated replicates', and what it means."""

    key: str
    label: str
    observed: float
    simulated: tuple[float, ...]

    @property
    def band(self) -> tuple[float, float]:
        """The simulated replicates' 2.5–97.5 % range."""
        low, high = np.percentile(self.simulated, [2.5, 97.5])
        return float(low), float(high)

    @property
    def consistent(self) -> bool:
        """Whether the clinic's figure lies within the simulated band."""
        low, high = self.band
        return low <= self.observed <= high

    def words(self) -> str:
        """The verdict in plain words."""
        low, high = self.band
        if self.consistent:
            return (
                f"fits: your clinic's {self.observed:.1f} is within the simulated "
                f"{low:.1f}–{high:.1f}"
            )
        side = "more" if self.observed > high else "less"
        return (
            f"does not fit: your clinic's {self.observed:.1f} is {side} than the fitted "
            f"population gives ({low:.1f}–{high:.1f}); read its simulations with care here"
        )


@attrs.frozen
class FitCheck:
    """The model check of a fit.

    :param verdicts: each of :data:`FIGURES`, observed vs simulated.
    :param stages: per stage (name): the clinic's Kaplan–Meier curve, the days
        evaluated, and the simulated replicates' share reached by each day.
    :param stage_verdicts: per stage, whether the clinic's curve stays within
        the simulated band on most days.
    :param replicates: simulated groups, each as many clients as the clinic.
    """

    verdicts: tuple[Verdict, ...]
    stages: tuple[tuple[str, KaplanMeier, Array, Array], ...] = attrs.field(eq=False)
    stage_verdicts: tuple[str, ...]
    replicates: int


def plausible_population(result: FitResult, rng: np.random.Generator) -> PresetPopulation:
    """The fitted population with each fitted median and spread drawn within its interval.

    Each is drawn on its normal scale about the fitted value, from a normal
    on each side whose 95 % range reaches that side's end of the interval
    (independently); the others stay as fitted.  A draw the
    population refuses (a ceiling below its starting tolerance) is drawn again
    (at most :data:`DRAW_TRIES` times; then the fitted population is used).
    """
    population = result.population
    for _ in range(DRAW_TRIES):
        parameters = dict(population.parameters)
        for p in result.parameters:
            if p.low is None or p.high is None:
                continue
            dist = parameters[p.name]
            if p.part == "median":
                ends = [to_latent(dist.kind, v) for v in (p.low, p.estimate, p.high)]
            else:
                ends = [math.log(v) for v in (p.low, p.estimate, p.high)]
            z = rng.standard_normal()
            drawn = ends[1] + z * ((ends[1] - ends[0]) if z < 0 else (ends[2] - ends[1])) / 1.96
            value = natural(dist, p.part, float(drawn))
            parameters[p.name] = (
                attrs.evolve(dist, median=value)
                if p.part == "median"
                else attrs.evolve(dist, sigma=value)
            )
        try:
            return attrs.evolve(population, parameters=parameters)
        except InvalidValueError:
            continue
    return population


def simulated_logs(
    result: FitResult,
    clients: int,
    seed: int,
    executor: Executor | None,
    population: PresetPopulation | None = None,
) -> list[list[SessionOutcome]]:
    """The logs of ``clients`` clients of the fitted population, as the clinic's were kept.

    Simulated under the fit's protocol, policy and schedule (``population``:
    instead of the fitted one); clients without a session are left out, as a
    clinic has no log of them.
    """
    from ..engine.spec import RunSpec
    from ..execute import simulate

    spec = RunSpec(
        result.protocol,
        result.policy,
        result.population if population is None else population,
        clients=clients,
        weeks=result.weeks,
        sessions_per_week=result.sessions_per_week,
        seed=seed,
        trace_clients=clients,
    )
    run = simulate(spec, executor=executor)
    logs: dict[int, list[SessionOutcome]] = {r.client_id: [] for r in run.clients}
    for trace in run.traces:
        logs[trace["client"]].append(from_dict(trace["outcome"], SessionOutcome))
    return [logs[r.client_id] for r in run.clients if logs[r.client_id]]


def check_fit(
    result: FitResult, *, replicates: int = 20, seed: int = 1, executor: Executor | None = None
) -> FitCheck:
    """Simulate the fitted population beside the clinic's logs, figure by figure."""
    days = result.logs.scheduled_days
    protocol, policy = result.protocol, result.policy
    observed = [
        client_figures(protocol, policy, [s.outcome for s in steps], scheduled_days=days)
        for steps in result.logs.steps
    ]
    n = len(observed)
    rng = np.random.default_rng(seed)
    groups = [
        [
            client_figures(protocol, policy, log, scheduled_days=days)
            for log in simulated_logs(
                result, n, seed + r, executor, plausible_population(result, rng)
            )
        ]
        for r in range(replicates)
    ]
    mine = figures_of(observed)
    theirs = [figures_of(g) for g in groups if g]
    verdicts = tuple(
        Verdict(key, label, mine[key], tuple(t[key] for t in theirs))
        for key, label in FIGURES.items()
    )
    grid = np.arange(0, (days[-1] if days else 0) + 1, dtype=float)
    stages = []
    stage_verdicts = []
    for i, stage in enumerate(protocol.stages):
        km = stage_curve(observed, i)
        band = np.array([reached_by(stage_curve(g, i), grid) for g in groups if g])
        stages.append((stage.name, km, grid, band))
        low, high = np.percentile(band, [2.5, 97.5], axis=0)
        mine_curve = reached_by(km, grid)
        inside = float(np.mean((mine_curve >= low - 1e-9) & (mine_curve <= high + 1e-9)))
        word = "fits" if inside >= 0.9 else "does not fit"
        stage_verdicts.append(
            f"{word}: your clinic's curve is within the simulated band on {inside:.0%} of days"
        )
    return FitCheck(verdicts, tuple(stages), tuple(stage_verdicts), replicates)
