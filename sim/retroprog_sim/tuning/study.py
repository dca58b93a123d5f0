"""The search: an Optuna study whose trials are gated for safety, then simulated alike.

Each trial asks the sampler (Optuna's TPE, which handles constraints) for a
candidate, gates it (:func:`~.gate.gate`), and simulates the candidates that
pass on every population and training seed of the experiment: the same seeds,
so the same clients with the same luck in every trial (common random numbers),
and differences between trials come from the parameters.  The objective and
the constraints are figures of all those clients together; each constraint is
given to Optuna as ``figure − limit`` (:meth:`optuna.trial.Trial.set_constraint`:
feasible at 0 or below), and a candidate the gate turns away gets the
constraint ``safety`` = ∞ and is never simulated.  A candidate tried before
(the same parameters) is not gated or simulated again: its figures are the
same, by common random numbers.

With a storage (SQLite, ``DIR/study.sqlite3``) every trial is saved as it is
told; a study stopped by Ctrl-C or a crash resumes where it stopped, its
trials left running told as failed and asked again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import attrs

import retroprog

from ..comparison import figures, shared_stages
from ..engine.spec import RunSpec
from ..execute import run_specs
from ..present.plain import describe
from ..store import fingerprint
from .gate import Verdict, gate

if TYPE_CHECKING:
    import optuna

    from ..experiment.model import Experiment
    from ..experiment.tuning import Dimension, TuneSpec

__all__ = [
    "SAFETY",
    "Trial",
    "TrialProgress",
    "best_text",
    "open_study",
    "ranked",
    "run_trials",
    "study_name",
    "training_specs",
    "trial_record",
]

#: The constraint that a candidate the safety gate turned away breaks (by ∞).
SAFETY = "safety"

#: Called after each batch of trials with (trials done, trials wanted, the best so far).
TrialProgress = Callable[[int, int, str], None]


@attrs.frozen
class Trial:
    """One candidate of a tuning, and what became of it.

    :param number: the trial's number in the study (from 0).
    :param params: the searched parameters' values.
    :param status: ``feasible`` (simulated, every constraint kept), ``infeasible``
        (simulated, a constraint broken), ``unsafe`` (broke a safety invariant:
        never simulated) or ``refused`` (the policy refused the parameters: never
        simulated).
    :param objective: the objective's value (``None`` when not simulated, or
        undefined, e.g. a median time to goal when fewer than half reached it).
    :param figures: every figure of the training clients (empty when not simulated).
    :param reason: why it is unsafe, refused or infeasible (empty when feasible).
    :param invariant: the safety invariant broken (``unsafe`` only).
    :param repeat_of: the earlier trial with the same parameters, whose results it shares.
    """

    number: int
    params: dict[str, Any]
    status: str
    objective: float | None
    figures: dict[str, float]
    reason: str = ""
    invariant: int | None = None
    repeat_of: int | None = None

    @property
    def simulated(self) -> bool:
        """Whether the candidate was simulated (it passed the gate)."""
        return self.status in ("feasible", "infeasible")


def study_name(experiment: Experiment, spec: TuneSpec) -> str:
    """The study's name: a hash of what its trials' results depend on.

    The training runs (protocol, populations, run settings, seeds, versions),
    the policy and its fixed parameters, the space, the objective and the
    constraints; not the number of trials (more trials continue the study) nor
    the confirmation.  A changed experiment starts a new study in the same file.
    """
    baseline = experiment.policies[0].load()  # the runs' other parts; the policy is below
    runs = [fingerprint(s) for s in training_specs(experiment, baseline)]
    searched = spec.plain()
    for name in ("trials", "confirm_seeds", "confirm_tries"):
        searched.pop(name)
    identity = json.dumps([runs, searched], sort_keys=True, default=str)
    return "retroprog-tune-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def training_specs(experiment: Experiment, policy: retroprog.RegressionPolicy) -> list[RunSpec]:
    """``policy``'s runs on every population and training seed (no traces): one trial."""
    protocol = experiment.protocol.load()
    settings = attrs.evolve(experiment.run_settings, trace_clients=0)
    return [
        RunSpec(protocol, policy, population.load(), settings, seed=seed)
        for population in experiment.populations
        for seed in experiment.seeds
    ]


def open_study(
    spec: TuneSpec, *, name: str, storage: optuna.storages.BaseStorage | None
) -> tuple[optuna.Study, int]:
    """The study (created, or loaded to resume), and how many trials it had finished.

    Trials left running by a run that was stopped are told as failed, and their
    candidates asked again first.
    """
    import optuna

    study = optuna.create_study(
        storage=storage,
        study_name=name,
        direction="maximize" if spec.direction == "maximize" else "minimize",
        sampler=optuna.samplers.TPESampler(seed=spec.seed),
        load_if_exists=True,
    )
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.enqueue_trial(trial.params)
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
    return study, len(_complete(study))


def _complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    import optuna

    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def _suggest(trial: optuna.Trial, name: str, dimension: Dimension) -> Any:
    if dimension.kind == "int":
        return trial.suggest_int(name, int(dimension.low or 0), int(dimension.high or 0))
    if dimension.kind == "float":
        return trial.suggest_float(name, float(dimension.low or 0), float(dimension.high or 0))
    return trial.suggest_categorical(name, list(dimension.choices))


def _key(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)


def trial_record(frozen: optuna.trial.FrozenTrial) -> Trial:
    """A finished trial of the study as a :class:`Trial` (from what was told)."""
    attrs_ = frozen.user_attrs
    objective = attrs_.get("objective")
    return Trial(
        number=frozen.number,
        params=dict(frozen.params),
        status=attrs_["status"],
        objective=None if objective is None else float(objective),
        figures={
            k: math.nan if v is None else float(v) for k, v in attrs_.get("figures", {}).items()
        },
        reason=attrs_.get("reason", ""),
        invariant=attrs_.get("invariant"),
        repeat_of=attrs_.get("repeat_of"),
    )


def ranked(trials: Sequence[Trial], direction: str) -> list[Trial]:
    """The distinct feasible candidates, best objective first (earlier first on a tie)."""
    feasible = [
        t
        for t in trials
        if t.status == "feasible" and t.repeat_of is None and t.objective is not None
    ]
    sign = -1.0 if direction == "maximize" else 1.0
    return sorted(feasible, key=lambda t: (sign * (t.objective or 0.0), t.number))


def _best(trials: Sequence[Trial], direction: str) -> Trial | None:
    found = ranked(trials, direction)
    return found[0] if found else None


def best_text(best: Trial | None, objective: str) -> str:
    """The best feasible candidate so far, as the progress bar shows it."""
    if best is None:
        return "no feasible candidate yet"
    values = ", ".join(f"{k}={_short(v)}" for k, v in best.params.items())
    return f"best {objective} {_short(best.objective)} ({values})"


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def run_trials(
    experiment: Experiment,
    spec: TuneSpec,
    study: optuna.Study,
    *,
    executor: Executor | None = None,
    progress: TrialProgress | None = None,
) -> list[Trial]:
    """Run the study's trials until ``spec.trials`` are finished; every finished trial, in order."""
    protocol = experiment.protocol.load()
    stages = shared_stages(protocol, protocol)
    known: dict[str, Trial] = {}
    records = [trial_record(t) for t in _complete(study)]
    for record in records:
        known.setdefault(_key(record.params), record)
    worst = -math.inf if spec.direction == "maximize" else math.inf
    if progress is not None:
        progress(
            len(records), spec.trials, best_text(_best(records, spec.direction), spec.objective)
        )
    while len(records) < spec.trials:
        asked = [study.ask() for _ in range(min(spec.batch, spec.trials - len(records)))]
        candidates = [
            {name: _suggest(trial, name, d) for name, d in spec.space.items()} for trial in asked
        ]
        fresh = {_key(p): p for p in candidates if _key(p) not in known}
        verdicts = _gate_all(spec, protocol, fresh, executor)
        safe = [key for key in fresh if verdicts[key].status == "safe"]
        specs = {
            key: training_specs(
                experiment, retroprog.load_policy(spec.policy, **spec.params, **fresh[key])
            )
            for key in safe
        }
        runs = run_specs([s for key in safe for s in specs[key]], executor=executor) if safe else []
        measured: dict[str, dict[str, float]] = {}
        for i, key in enumerate(safe):
            mine = runs[i * len(specs[key]) : (i + 1) * len(specs[key])]
            clients = [c for run in mine for c in run.clients]
            measured[key] = figures(clients, horizon=mine[0].spec.days, stages=stages)
        for trial, params in zip(asked, candidates, strict=True):
            key = _key(params)
            earlier = known.get(key)
            if earlier is None:
                record = _record(trial.number, params, spec, verdicts[key], measured.get(key))
                _tell(study, trial, record, spec, worst)
                known[key] = record
            else:
                record = attrs.evolve(earlier, number=trial.number, repeat_of=earlier.number)
                _tell(study, trial, record, spec, worst)
            records.append(record)
        if progress is not None:
            best = _best(records, spec.direction)
            progress(len(records), spec.trials, best_text(best, spec.objective))
    return records


def _gate_all(
    spec: TuneSpec,
    protocol: retroprog.ProgressionProtocol,
    candidates: Mapping[str, Mapping[str, Any]],
    executor: Executor | None,
) -> dict[str, Verdict]:
    """Each candidate's :class:`Verdict`, gated on the executor when there is one.

    The check is deterministic, so a verdict found once in this process is kept
    (:data:`_VERDICTS`) and a candidate is not checked twice.
    """
    keys = {
        key: json.dumps(
            [spec.policy, {**spec.params, **p}, describe(protocol), spec.check_examples],
            sort_keys=True,
            default=str,
        )
        for key, p in candidates.items()
    }
    wanted = {key: {**spec.params, **candidates[key]} for key in keys if keys[key] not in _VERDICTS}
    if executor is None:
        found = {
            key: gate(spec.policy, p, protocol, examples=spec.check_examples)
            for key, p in wanted.items()
        }
    else:
        futures = {
            key: executor.submit(gate, spec.policy, p, protocol, examples=spec.check_examples)
            for key, p in wanted.items()
        }
        try:
            found = {key: future.result() for key, future in futures.items()}
        finally:
            for future in futures.values():
                future.cancel()
    for key, verdict in found.items():
        _VERDICTS[keys[key]] = verdict
    return {key: _VERDICTS[keys[key]] for key in keys}


#: The verdicts found in this process, by policy, parameters, protocol and examples.
_VERDICTS: dict[str, Verdict] = {}


def _record(
    number: int,
    params: dict[str, Any],
    spec: TuneSpec,
    verdict: Verdict,
    measured: dict[str, float] | None,
) -> Trial:
    """What trial ``number`` gave: the gate's verdict, or its figures against the limits."""
    if measured is None:  # turned away by the gate: never simulated
        return Trial(number, params, verdict.status, None, {}, verdict.reason, verdict.invariant)
    value = measured[spec.objective]
    broken = [
        f"{name} {_short(measured[name])} > {_short(limit)}"
        for name, limit in spec.constraints.items()
        if not measured[name] <= limit  # NaN (undefined) breaks it too
    ]
    return Trial(
        number,
        params,
        "infeasible" if broken else "feasible",
        None if math.isnan(value) else value,
        measured,
        "; ".join(broken),
    )


def _tell(
    study: optuna.Study, trial: optuna.Trial, record: Trial, spec: TuneSpec, worst: float
) -> None:
    """Set ``record``'s constraints and attributes on ``trial`` and tell it."""
    trial.set_constraint(SAFETY, 0.0 if record.simulated else math.inf)
    for name, limit in spec.constraints.items():
        value = record.figures.get(name, math.nan)
        trial.set_constraint(name, math.inf if math.isnan(value) else value - limit)
    shown = {
        "status": record.status,
        "objective": record.objective,
        "figures": {k: (None if math.isnan(v) else v) for k, v in record.figures.items()},
        "reason": record.reason,
        "invariant": record.invariant,
        "repeat_of": record.repeat_of,
    }
    for key, shown_value in shown.items():
        trial.set_user_attr(key, shown_value)
    study.tell(trial, worst if record.objective is None else record.objective)
