"""Issue 16's report: axes scaled to the data, the tables' figures beside the curves,
bout plots by stage, every parameter shown, seeds pooled, better or worse, no "+0.0"."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs
import numpy as np
import pytest

import retroprog as rp
from retroprog_sim import (
    Experiment,
    PolicyEntry,
    PopulationEntry,
    RunSettings,
    SimulationResult,
    load_population,
    paired_differences,
    run_experiment,
    simulate,
)
from retroprog_sim.comparison import pooled_differences
from retroprog_sim.present import format as fmt
from retroprog_sim.present.parameters import field_docs, policies_table, protocol_table
from retroprog_sim.present.plots import plot_bouts, plot_time_to_goal, share_by_day, share_top
from retroprog_sim.present.report import render_report, report_groups
from retroprog_sim.stats import time_to_goal

if TYPE_CHECKING:
    from retroprog_sim import ExperimentResult, RunSpec

    from .conftest import MakeSpec


@pytest.fixture(scope="module")
def spec(make_spec: MakeSpec) -> RunSpec:
    return make_spec(clients=80, weeks=16, trace_clients=4)


@pytest.fixture(scope="module")
def reference(spec: RunSpec) -> SimulationResult:
    return simulate(spec)


@pytest.fixture(scope="module")
def two_seeds() -> ExperimentResult:
    experiment = Experiment(
        [PolicyEntry("reference"), PolicyEntry("pain-monitoring", "pain-5", {"pain_threshold": 5})],
        populations=[PopulationEntry("general")],
        run_settings=RunSettings(clients=60, weeks=12, trace_clients=2),
        seeds=(1, 2),
    )
    return run_experiment(experiment, "compare", resamples=200)


def _data(values: Any) -> list[float]:
    return [float(x) for x in np.asarray(values, dtype=float)]


# -- numbers as written -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0003, "+0.0003"), (-0.04, "-0.04"), (0.0, "0.0"), (1e-17, "0.0"), (2.25, "+2.2")],
)
def test_a_nonzero_bound_is_never_plus_zero(value: float, text: str) -> None:
    assert fmt.signed(value) == text
    assert fmt.interval("goal_rate", value / 100, 0.01) == f"{text} to +1.0 pp"


@pytest.mark.parametrize(
    ("metric", "low", "high", "reading"),
    [
        ("goal_rate", 0.01, 0.02, "better (higher)"),
        ("retro-walk_target_rate", -0.2, -0.1, "worse (lower)"),
        ("adverse_events_per_100_sessions", 0.1, 0.3, "worse (higher)"),
        ("stop_rate", -0.1, -0.01, "better (lower)"),
        ("dropout_rate", -0.1, 0.01, "no clear difference"),
        ("median_days_to_goal", 2.0, 9.0, "later"),
        ("median_days_to_goal", math.nan, 9.0, "cannot tell"),
    ],
)
def test_differences_read_better_or_worse_where_the_direction_is_known(
    metric: str, low: float, high: float, reading: str
) -> None:
    assert fmt.reading(low, high, metric) == reading


# -- plots ----------------------------------------------------------------------------------


def test_share_axes_end_just_above_the_data() -> None:
    assert [share_top(x) for x in (0.0, 0.057, 0.09, 0.3, 0.67, 0.95)] == [
        0.05,
        0.1,
        0.1,
        0.4,
        0.8,
        1.0,
    ]


def test_time_to_goal_draws_the_tables_share_dashed_beside_kaplan_meier(
    reference: SimulationResult,
) -> None:
    pytest.importorskip("matplotlib")
    horizon = reference.spec.days
    km = time_to_goal(reference.clients, horizon=horizon, stage=0)
    days = [c.goal_days[0] for c in reference.clients]
    share = share_by_day(days, total=len(days), horizon=horizon)

    figure = plot_time_to_goal({"ref": km}, horizon_days=horizon, title="t", shares={"ref": share})

    (ax,) = figure.axes
    solid, dashed = ax.lines[0], ax.lines[1]
    assert dashed.get_linestyle() != solid.get_linestyle()
    assert dashed.get_color() == solid.get_color()
    # the dashed line ends at the table's figure, the solid at Kaplan–Meier's: not below it
    table = reference.summary.stage_goal_rates["retro-walk"]
    assert _data(dashed.get_ydata())[-1] == pytest.approx(table)
    assert _data(solid.get_ydata())[-1] >= table
    assert ax.get_ylim()[1] == share_top(max(1 - lo for lo in km.lower))


def test_a_low_goal_rate_is_not_drawn_on_a_0_to_100_percent_axis(spec: RunSpec) -> None:
    pytest.importorskip("matplotlib")
    hard = simulate(attrs.evolve(spec, population=load_population("deconditioned")))
    horizon = hard.spec.days
    km = time_to_goal(hard.clients, horizon=horizon)
    assert hard.summary.goal_rate < 0.15

    figure = plot_time_to_goal({"ref": km}, horizon_days=horizon, title="t")

    assert figure.axes[0].get_ylim()[1] <= 0.2


def test_bouts_get_a_panel_per_client_coloured_by_stage_and_broken_at_the_next_stage() -> None:
    pytest.importorskip("matplotlib")

    def row(
        session: int, day: int, stage: str, bout: int, action: str = "hold"
    ) -> dict[str, object]:
        prescription = {"stage": stage, "bout_seconds": bout}
        return {
            "client": 7,
            "session": session,
            "day": day,
            "action": action,
            "prescription": prescription,
        }

    traces = [
        row(0, 0, "retro-walk", 105),
        row(1, 2, "retro-walk", 120, "advance"),
        row(2, 4, "retro-run", 15),
        row(3, 7, "retro-run", 30),
        {**row(0, 0, "retro-walk", 15), "client": 8},
    ]
    figure = plot_bouts(
        traces, title="t", targets={"retro-walk": 120, "retro-run": 120}, dropouts={8: 3}
    )

    assert figure is not None
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == [
        "client 7: still in the programme at the end",
        "client 8: dropped out on day 3",
    ]
    steps = [line for line in panels[0].lines if line.get_drawstyle() == "steps-post"]
    walk, run = steps
    assert _data(walk.get_xdata()) == [0, 2]
    assert _data(run.get_xdata()) == [4, 7]  # no line from 120 s down to 15 s
    assert walk.get_color() != run.get_color()
    assert walk.get_linestyle() == "-"
    assert run.get_linestyle() == "--"  # a line style per stage
    legend = figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()][:3] == [
        "retro-walk",
        "retro-run",
        "next stage starts",
    ]


# -- parameters ---------------------------------------------------------------------------


def test_policies_show_every_parameter_and_mark_what_differs() -> None:
    policies = [
        ("reference", rp.load_policy("reference")),
        ("pain-5", rp.load_policy("pain-monitoring", pain_threshold=5, stop_after=3)),
    ]

    table = policies_table(policies)

    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["policy"][:2] == ("reference", "pain-monitoring")
    assert rows["pain_threshold"][:2] == ("2", "5")  # the preset's own default: not marked
    assert rows["stop_after"][:2] == ("2", "3 *")
    assert rows["stop_after"][2] == field_docs(rp.RulePolicy)["stop_after"]
    assert len(rows) == 1 + len(attrs.fields(rp.RulePolicy)) - 1  # every field but the name


def test_guards_parameters_are_shown_with_the_guards_name() -> None:
    guarded = rp.guarded(rp.load_policy("reference"), rp.load_guard("gap", max_gap_days=9))

    rows = {row[0]: row[1] for row in policies_table([("g", guarded)]).rows}

    assert rows["gap.max_gap_days"] == "9 *"


def test_the_protocol_table_has_a_row_per_stage() -> None:
    table = protocol_table(rp.load_protocol("retro-walk-run"))

    assert [row[0] for row in table.rows] == ["retro-walk", "retro-run"]
    assert "target seconds" in table.header
    assert not {"levels", "warmup", "cooldown"} & set(table.header)  # no stage has them


def test_the_protocol_table_reads_plans_as_plan_text() -> None:
    table = protocol_table(rp.load_protocol("couch-to-5k"))
    week_1 = dict(zip(table.header, table.rows[0], strict=True))

    assert week_1["warmup"] == "walk 5 min"
    assert week_1["levels"] == "8 × (run 60 s, walk 90 s)"
    week_5 = dict(zip(table.header, table.rows[4], strict=True))
    assert week_5["levels"].count("; ") == 2  # three runs, one level each
    assert "cooldown" not in table.header


def test_the_report_shows_every_policys_parameters(reference: SimulationResult) -> None:
    from retroprog_sim.present.report import ReportGroup

    html = render_report("r", [ReportGroup("g", (("ref", reference),))], plots=False)

    assert "Policies and protocols" in html
    assert "successes_to_progress" in html
    assert "min base sessions" in html


# -- seeds pooled ---------------------------------------------------------------------------


def test_pooled_differences_are_the_mean_of_each_seeds(two_seeds: ExperimentResult) -> None:
    per_seed = [two_seeds.differences["general", seed]["pain-5"] for seed in (1, 2)]

    (pooled,) = two_seeds.pooled_differences(resamples=200)["general"].values()

    for i, difference in enumerate(pooled):
        seeds = [d[i] for d in per_seed]
        assert difference.metric == seeds[0].metric
        if any(math.isnan(d.difference) for d in seeds):
            assert math.isnan(difference.difference)
            continue
        assert difference.difference == pytest.approx(sum(d.difference for d in seeds) / 2)
        assert difference.baseline == pytest.approx(sum(d.baseline for d in seeds) / 2)
        assert difference.ci_low <= difference.difference <= difference.ci_high


def test_one_group_pools_to_its_own_paired_differences(reference: SimulationResult) -> None:
    other = simulate(attrs.evolve(reference.spec, policy=rp.load_policy("staircase")))

    pooled = pooled_differences(
        [(reference.clients, other.clients)], horizon=reference.spec.days, resamples=100, seed=3
    )
    paired = paired_differences(
        reference.clients, other.clients, horizon=reference.spec.days, resamples=100, seed=3
    )

    assert [d.difference for d in pooled] == pytest.approx(
        [d.difference for d in paired], nan_ok=True
    )


def test_a_report_of_several_seeds_pools_them_and_folds_each_seed(
    two_seeds: ExperimentResult,
) -> None:
    (group,) = report_groups(two_seeds)

    assert group.title.startswith("general population, seeds 1, 2 pooled")
    assert [g.title.split(" (")[0] for g in group.per_seed] == [
        "general population, seed 1",
        "general population, seed 2",
    ]
    assert group.runs[0][1].summary.clients == 120
    html = render_report("r", [group], plots=False)
    assert "pooled over the seeds: the mean of each seed&#39;s paired difference" in html
    assert html.count("<details>") == 1
    assert "Each seed on its own (2 seeds)" in html


# -- in a browser ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium (apt-get install chromium)")
def test_the_report_renders_in_a_browser(two_seeds: ExperimentResult, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    page = tmp_path / "report.html"
    page.write_text(render_report("r", report_groups(two_seeds)), encoding="utf-8")
    shot = tmp_path / "shot.png"

    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,3000",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1200, 3000)
        darkest, _ = cast("tuple[int, int]", image.convert("L").getextrema())
    assert darkest < 100  # text and lines were drawn, not a blank page
