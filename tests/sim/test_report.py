"""The HTML report: tables with the runs' figures, embedded plots, escaping, atomic writes."""

from __future__ import annotations

import base64
import math
from html import escape as html_escape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pytest

import retroprog as rp
from retroprog.exceptions import InvalidValueError
from retroprog.support import install_hint
from retroprog_sim import RunSpec, SimulationResult, paired_differences, simulate
from retroprog_sim.present import figures as _figures
from retroprog_sim.present import plots as _plots
from retroprog_sim.present import report as _report
from retroprog_sim.present.plots import (
    plot_adverse_events,
    plot_goal_rate_by_week,
    plot_reversals,
)
from retroprog_sim.present.report import ReportGroup, render_report, write_report

if TYPE_CHECKING:
    from pathlib import Path

    from matplotlib.lines import Line2D

    from .conftest import MakeSpec

PNG = b"\x89PNG\r\n\x1a\n"
DATA_PNG = "data:image/png;base64,"
NO_MATPLOTLIB = "plots need matplotlib: " + html_escape(install_hint("plot")).replace(
    "&#x27;", "&#39;"
)


# -- reading the page back --------------------------------------------------------------------


@attrs.define
class Table:
    caption: str = ""
    rows: list[list[str]] = attrs.Factory(list)

    @property
    def header(self) -> list[str]:
        return self.rows[0]

    def cell(self, row: str, column: str) -> str:
        """The cell in the row whose first cell is ``row``, under the header ``column``."""
        index = self.header.index(column)
        (found,) = [r for r in self.rows[1:] if r[0] == row]
        return found[index]


class Page(HTMLParser):
    """The tables, images, links and headings of a rendered report."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.images: list[dict[str, str | None]] = []
        self.urls: list[str] = []
        self.headings: list[str] = []
        self.notes: list[str] = []
        self.captions: list[str] = []
        self._text: list[str] | None = None
        self._where = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        found = dict(attributes)
        self.urls += [value or "" for name, value in attributes if name in ("src", "href")]
        if tag == "table":
            self.tables.append(Table())
        elif tag == "tr":
            self.tables[-1].rows.append([])
        elif tag == "img":
            self.images.append(found)
        elif tag in ("th", "td", "caption", "figcaption", "h2", "h3") or (
            tag == "p" and found.get("class") == "note"
        ):
            self._text, self._where = [], tag

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._text is None or tag != self._where:
            return
        text = " ".join("".join(self._text).split())
        self._text = None
        if tag in ("th", "td"):
            self.tables[-1].rows[-1].append(text)
        elif tag == "caption":
            self.tables[-1].caption = text
        elif tag == "p":
            self.notes.append(text)
        elif tag == "figcaption":
            self.captions.append(text)
        else:
            self.headings.append(text)

    def table(self, caption_start: str) -> Table:
        (found,) = [t for t in self.tables if t.caption.startswith(caption_start)]
        return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text(html: str) -> str:
    """The page's text: tags dropped, white space collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _xy(line: Line2D) -> tuple[list[float], list[float]]:
    return (
        np.asarray(line.get_xdata(), dtype=float).tolist(),
        np.asarray(line.get_ydata(), dtype=float).tolist(),
    )


def _pct(rate: float) -> str:
    return f"{100 * rate:.1f} %"


# -- runs ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec(make_spec: MakeSpec) -> RunSpec:
    return make_spec(population="athlete", clients=60, weeks=16, trace_clients=3)


@pytest.fixture(scope="module")
def reference(spec: RunSpec) -> SimulationResult:
    return simulate(spec)


@pytest.fixture(scope="module")
def staircase(spec: RunSpec) -> SimulationResult:
    policy = rp.load_policy("staircase")
    assert isinstance(policy, rp.RulePolicy)
    assert policy.step_shrink < 1  # the preset is a shrinking staircase
    # athletes seldom turn: trace enough clients to see a reversal
    traced = attrs.evolve(spec.settings, trace_clients=10)
    return simulate(attrs.evolve(spec, policy=policy, settings=traced))


@pytest.fixture(scope="module")
def group(reference: SimulationResult, staircase: SimulationResult) -> ReportGroup:
    return ReportGroup(
        "athlete population, seed 11", (("reference", reference), ("staircase", staircase))
    )


@pytest.fixture(scope="module")
def html(group: ReportGroup) -> str:
    pytest.importorskip("matplotlib")
    return render_report("Reference or staircase?", [group], description="A first look.")


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


# -- the tables ------------------------------------------------------------------------------


def test_each_run_has_a_column_with_its_figures(
    group: ReportGroup, reference: SimulationResult, staircase: SimulationResult
) -> None:
    table = Page(render_report("r", [group], plots=False)).table("Figures of each run")

    assert table.header == ["", "reference", "staircase"]
    for label, result in (("reference", reference), ("staircase", staircase)):
        s = result.summary
        assert table.cell("policy", label) == s.policy
        assert table.cell("clients", label) == "60"
        assert table.cell("sessions (missed)", label) == f"{s.sessions} ({s.missed_sessions})"
        assert table.cell("goal rate", label) == _pct(s.goal_rate)
        for stage in ("retro-walk", "retro-run"):
            assert table.cell(f"{stage} target reached", label) == _pct(s.stage_goal_rates[stage])
            median = s.stage_median_days[stage]
            assert table.cell(f"median days to the {stage} target", label) == (
                "not reached" if median is None else f"{median:g}"
            )
        low, high = s.adverse_events_per_100_sessions_ci
        assert table.cell("adverse events /100 sessions (95 % CI)", label) == (
            f"{s.adverse_events_per_100_sessions:.1f} ({low:.1f}–{high:.1f})"
        )
        assert table.cell("regressions /100 sessions", label) == (
            f"{s.regressions_per_100_sessions:.1f}"
        )
        assert table.cell("stop rate", label) == _pct(s.stop_rate)
        assert table.cell("dropout rate", label) == _pct(s.dropout_rate)
    # the figures are not all alike, so a swapped column would show
    assert reference.summary.goal_rate != staircase.summary.goal_rate
    assert reference.summary.goal_rate > 0.3


def test_median_days_to_goal_with_its_ci_or_not_reached(
    group: ReportGroup, reference: SimulationResult, staircase: SimulationResult
) -> None:
    table = Page(render_report("r", [group], plots=False)).table("Figures of each run")
    row = "median days to goal (95 % CI)"

    median = reference.summary.median_days_to_goal
    low, high = reference.summary.median_days_to_goal_ci
    assert median is not None
    assert low is not None
    expected_high = "not reached" if high is None else f"{high:g}"
    assert table.cell(row, "reference") == f"{median:g} ({low:g}–{expected_high})"
    assert staircase.summary.median_days_to_goal is None  # few finish under the staircase
    assert table.cell(row, "staircase") == "not reached"


def test_many_runs_get_one_row_each(reference: SimulationResult) -> None:
    runs = tuple((f"run {i}", reference) for i in range(7))

    table = Page(render_report("r", [ReportGroup("g", runs)], plots=False)).table("Figures")

    assert table.header[:4] == ["run", "policy", "clients", "sessions (missed)"]
    assert [row[0] for row in table.rows[1:]] == [f"run {i}" for i in range(7)]
    assert table.cell("run 6", "goal rate") == _pct(reference.summary.goal_rate)


def test_the_adverse_threshold_is_stated(reference: SimulationResult) -> None:
    settings = attrs.evolve(reference.spec.settings, adverse_pain=5)
    stricter = attrs.evolve(reference, spec=attrs.evolve(reference.spec, settings=settings))

    same = render_report("r", [ReportGroup("g", (("a", reference),))], plots=False)
    mixed = render_report("r", [ReportGroup("g", (("a", reference), ("b", stricter)))], plots=False)

    assert "pain or next-day pain above 3/10 (the run's adverse_pain)," in _text(same)
    assert "adverse event: pain above" not in same
    assert (
        "pain or next-day pain above 3 or 5/10 (the run's adverse_pain, shown per run in the "
        "tables)," in _text(mixed)
    )
    table = Page(mixed).table("Figures")
    assert table.cell("adverse event: pain above", "a") == "3/10"
    assert table.cell("adverse event: pain above", "b") == "5/10"


def test_differences_table_when_differences_are_given(
    reference: SimulationResult, staircase: SimulationResult, spec: RunSpec
) -> None:
    differences = paired_differences(
        reference.clients, staircase.clients, horizon=spec.days, resamples=50
    )
    group = ReportGroup(
        "g",
        (("reference", reference), ("staircase", staircase)),
        {"staircase": differences},
    )

    page = Page(render_report("r", [group], plots=False))
    plain = Page(render_report("r", [attrs.evolve(group, differences={})], plots=False))

    table = page.table("staircase − reference, paired on the same clients")
    assert table.header == ["", "reference", "staircase", "difference", "95 % CI", "reading"]
    by_metric = {d.metric: d for d in differences}
    goal = by_metric["goal_rate"]
    assert table.cell("goal rate", "difference") == f"{100 * goal.difference:+.1f} pp"
    assert table.cell("goal rate", "95 % CI") == (
        f"{100 * goal.ci_low:+.1f} to {100 * goal.ci_high:+.1f} pp"
    )
    assert table.cell("goal rate", "reference") == _pct(goal.baseline)
    assert goal.ci_high < 0  # the staircase is clearly slower here
    assert table.cell("goal rate", "reading") == "worse (lower)"
    adverse = by_metric["adverse_events_per_100_sessions"]
    assert table.cell("adverse events /100 sessions", "difference") == f"{adverse.difference:+.2f}"
    assert len(table.rows) == 1 + len(differences)
    assert "Paired differences from reference" in page.headings
    assert not [t for t in plain.tables if "paired" in t.caption]


def test_settings_are_a_key_value_table(group: ReportGroup) -> None:
    settings = {"protocol": "retro-walk-run", "seeds": [0, 1], "coach_capacity": None}

    given = Page(render_report("r", [group], settings=settings, plots=False))
    default = Page(render_report("r", [group], plots=False))

    table = given.table("How the runs were made")
    assert table.rows == [
        ["protocol", "retro-walk-run"],
        ["seeds", "0, 1"],
        ["coach_capacity", "–"],
    ]
    derived = {row[0]: row[1] for row in default.table("How the runs were made").rows}
    assert derived["protocol"] == "retro-walk-run"
    assert derived["clients"] == "60"
    assert derived["weeks"] == "16"
    assert derived["populations"] == "athlete"


def test_the_header_says_what_and_how(html: str, page: Page) -> None:
    assert "<title>Reference or staircase?</title>" in html
    assert "A first look." in html
    assert f"retroprog {rp.__version__}" in html
    assert "How to read this report" in page.headings
    assert "athlete population, seed 11" in page.headings
    assert "Kaplan–Meier" in html
    assert "censors dropout" in html


def test_groups_have_their_own_sections(
    reference: SimulationResult, staircase: SimulationResult
) -> None:
    groups = [
        ReportGroup("general, seed 0", (("reference", reference),)),
        ReportGroup("general, seed 1", (("staircase", staircase),)),
    ]

    page = Page(render_report("r", groups, plots=False))

    assert [h for h in page.headings if h.startswith("general")][:2] == [
        "general, seed 0",
        "general, seed 1",
    ]
    assert len([t for t in page.tables if t.caption.startswith("Figures")]) == 2
    assert "#group-1" in page.urls
    assert "#group-2" in page.urls


def test_a_group_needs_runs_with_unique_labels(reference: SimulationResult) -> None:
    with pytest.raises(InvalidValueError, match="at least one run"):
        ReportGroup("g", ())
    with pytest.raises(InvalidValueError, match="labels must be unique: a"):
        ReportGroup("g", (("a", reference), ("b", reference), ("a", reference)))


# -- the plots ---------------------------------------------------------------------------------


def test_plots_are_embedded_as_png_data_uris(page: Page) -> None:
    # time to the walk target and to goal, adverse events; a bout plot per run; the staircase
    assert len(page.images) == 3 + 2 + 1
    for image in page.images:
        src = image["src"] or ""
        assert src.startswith(DATA_PNG)
        assert base64.b64decode(src.removeprefix(DATA_PNG))[:8] == PNG
        assert image["alt"]
    assert not [url for url in page.urls if url.startswith(("http://", "https://", "//"))]
    assert all(url.startswith(("data:", "#")) for url in page.urls)
    assert page.headings[-6:] == [
        "Time to the retro-walk target",
        "Time to goal",
        "Adverse events",
        "Bout length over time: reference",
        "Bout length over time: staircase",
        "Staircase reversals: staircase",
    ]


def test_alt_texts_carry_the_figures(page: Page, reference: SimulationResult) -> None:
    adverse = next(i["alt"] for i in page.images if "Adverse events" in (i["alt"] or ""))
    s = reference.summary
    low, high = s.adverse_events_per_100_sessions_ci
    assert adverse is not None
    assert f"reference {s.adverse_events_per_100_sessions:.1f} ({low:.1f}–{high:.1f})" in adverse


def test_the_staircase_plot_only_for_a_shrinking_staircase(
    spec: RunSpec, reference: SimulationResult
) -> None:
    pytest.importorskip("matplotlib")
    fixed = simulate(attrs.evolve(spec, policy=rp.load_policy("staircase", step_shrink=1.0)))

    page = Page(render_report("r", [ReportGroup("g", (("ref", reference), ("fixed", fixed)))]))

    assert not [h for h in page.headings if h.startswith("Staircase")]
    assert len(page.images) == 3 + 2


def test_without_matplotlib_a_note_and_no_images(
    group: ReportGroup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "available", lambda: False)

    html = render_report("r", [group])

    assert NO_MATPLOTLIB in html
    assert "<img" not in html
    assert Page(html).table("Figures").header == ["", "reference", "staircase"]


def test_plots_turned_off_say_so(group: ReportGroup) -> None:
    page = Page(render_report("r", [group], plots=False))

    assert page.images == []
    assert page.notes == ["Plots were turned off for this report."]


def test_many_runs_leave_curves_and_trace_figures_out(
    reference: SimulationResult, staircase: SimulationResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(_figures, "MAX_CURVES", 2)
    monkeypatch.setattr(_figures, "MAX_RUN_FIGURES", 2)
    untraced = attrs.evolve(reference, traces=[])
    runs = (("a", reference), ("b", untraced), ("c", staircase), ("d", reference))

    page = Page(render_report("r", [ReportGroup("g", runs)]))

    # 3 group plots; a's bouts (1 figure), then c would need 2 more: c and d are left out
    assert len(page.images) == 3 + 1
    assert page.headings[-4:] == [
        "Time to the retro-walk target",
        "Time to goal",
        "Adverse events",
        "Bout length over time: a",
    ]
    left_out = "Showing the first 2 of 4 runs; left out: c, d."
    assert [c.endswith(left_out) for c in page.captions] == [True, True, False, False]
    assert page.notes == [
        "Traced clients are drawn for the first 1 of 3 runs with traces "
        "(2 figures at most); left out: c, d."
    ]
    assert page.table("Figures").header == ["", "a", "b", "c", "d"]  # the tables show every run


def test_user_strings_are_escaped(reference: SimulationResult) -> None:
    pytest.importorskip("matplotlib")
    group = ReportGroup("<i>group</i>", (("<b>x</b>", reference),))

    html = render_report(
        "<script>alert(1)</script>",
        [group],
        description="a & b",
        settings={"<k>": "<v>"},
    )

    for raw in ("<b>", "<i>", "<script>", "<k>", "<v>"):
        assert raw not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a &amp; b" in html
    page = Page(html)
    assert page.table("Figures").header == ["", "<b>x</b>"]
    assert "Bout length over time: <b>x</b>" in page.headings
    assert all("<b>x</b>" in (image["alt"] or "") for image in page.images[2:])


def test_a_dollar_sign_in_a_label_is_not_mathtext(reference: SimulationResult) -> None:
    pytest.importorskip("matplotlib")
    runs = (("$a_b$", reference), ("cost $5 $", attrs.evolve(reference, traces=[])))

    page = Page(render_report("r", [ReportGroup("$x^$", runs)]))

    assert len(page.images) == 3 + 1


def test_write_report_is_atomic_and_writes_what_render_returns(
    group: ReportGroup, tmp_path: Path
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    written = write_report(target, "r", [group], description="d", settings={"a": 1}, plots=False)

    assert written == target
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    expected = render_report("r", [group], description="d", settings={"a": 1}, plots=False)
    assert target.read_text(encoding="utf-8") == expected


def test_a_failed_render_keeps_the_old_report(
    group: ReportGroup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def fail(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(_report, "runs_table", fail)
    with pytest.raises(RuntimeError, match="boom"):
        write_report(target, "r", [group], plots=False)

    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert target.read_text(encoding="utf-8") == "old"


# -- the new plot functions ---------------------------------------------------------------------


def test_goal_rate_by_week_draws_a_line_per_curve() -> None:
    pytest.importorskip("matplotlib")
    curves = {"a": (0.0, 0.1, 0.3), "b": (0.0, 0.0, 0.2, 0.5)}

    figure = plot_goal_rate_by_week(curves, title="t")

    (ax,) = figure.axes
    assert len(ax.lines) == 2
    for line, (label, curve) in zip(ax.lines, curves.items(), strict=True):
        assert line.get_label() == label
        assert _xy(line) == (list(range(1, len(curve) + 1)), list(curve))
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["a", "b"]
    assert ax.get_ylim() == (0, 0.6)  # scaled to the data: 50 % and a little room
    assert ax.get_title() == "t"


def test_adverse_events_draws_a_point_and_an_errorbar_per_run() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.container import ErrorbarContainer

    values = {"a": (2.0, (1.0, 3.5)), "b": (1.0, (math.nan, math.nan)), "c": (4.0, (3.0, 5.0))}

    figure = plot_adverse_events(values, title="t", definition="pain above 3/10")

    (ax,) = figure.axes
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2  # b's CI is undefined: its point only
    (a_bar,) = bars[0].lines[2]
    assert a_bar.get_segments()[0].tolist() == [[1.0, 0.0], [3.5, 0.0]]
    (c_bar,) = bars[1].lines[2]
    assert c_bar.get_segments()[0].tolist() == [[3.0, 2.0], [5.0, 2.0]]
    points = [_xy(line) for line in ax.lines if line.get_marker() == "o"]
    assert sorted(points) == [([1.0], [1.0]), ([2.0], [0.0]), ([4.0], [2.0])]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first run on top
    assert ax.get_title() == "pain above 3/10"
    assert "t" in [text.get_text() for text in figure.texts]  # the suptitle


def test_adverse_events_grows_with_the_number_of_runs() -> None:
    pytest.importorskip("matplotlib")
    one = plot_adverse_events({"a": (1.0, (0.5, 1.5))}, title="t", definition="d")
    many = plot_adverse_events(
        {f"run {i}": (1.0 + i / 10, (0.5, 6.0)) for i in range(40)}, title="t", definition="d"
    )

    assert len(many.axes[0].containers) == 40
    assert len(many.axes[0].get_yticklabels()) == 40
    assert many.get_size_inches()[1] > 4 * one.get_size_inches()[1]


def _row(
    client: int, session: int, bout: int, memory: dict[str, int], stage: str
) -> dict[str, Any]:
    return {
        "client": client,
        "session": session,
        "day": 2 * session,
        "prescription": {"stage": stage, "bout_seconds": bout},
        "action": "hold",
        "memory": memory,
    }


def _reversal_points(figure: Any) -> list[list[tuple[float, float]]]:
    return [
        [
            (float(x), float(y))
            for x, y in next(c for c in ax.collections if c.get_gid() == "reversals").get_offsets()
        ]
        for ax in figure.axes
    ]


def test_reversals_are_marked_where_the_count_goes_up() -> None:
    pytest.importorskip("matplotlib")
    walk, run = "retro-walk", "retro-run"
    memories = [
        ({}, 15, walk),
        ({"staircase.reversals": 0, "staircase.step": 15}, 15, walk),
        ({"staircase.reversals": 0, "staircase.step": 15}, 30, walk),
        ({"staircase.reversals": 1, "staircase.step": 8}, 30, walk),  # reversal
        ({"staircase.reversals": 1, "staircase.step": 8}, 15, walk),
        ({"staircase.reversals": 2, "staircase.step": 5}, 15, walk),  # reversal
        ({}, 120, walk),  # advance: the staircase starts over
        ({"staircase.reversals": 0, "staircase.step": 15}, 15, run),
        ({"staircase.reversals": 1, "staircase.step": 8}, 30, run),  # reversal
    ]
    traces = [_row(0, i + 1, bout, m, stage) for i, (m, bout, stage) in enumerate(memories)]
    traces += [_row(1, 1, 15, {"staircase.reversals": 0, "staircase.step": 15}, walk)]

    figure = plot_reversals(traces, title="t")

    assert figure is not None
    assert len(figure.axes) == 2
    first, second = _reversal_points(figure)
    assert first == [(4.0, 30.0), (6.0, 15.0), (9.0, 30.0)]
    assert second == []
    labels = [t.get_text() for t in figure.axes[0].texts]
    assert labels == ["8 s", "5 s", "8 s"]
    assert figure.axes[0].get_title(loc="left") == "client 0: 3 reversals"
    assert [_xy(line)[0] for line in figure.axes[0].lines[2:]] == [[8.0, 8.0]]  # next stage


def test_reversal_plot_prefers_clients_that_turned_and_limits_panels() -> None:
    pytest.importorskip("matplotlib")
    memory = {"staircase.reversals": 0, "staircase.step": 15}
    turned = {"staircase.reversals": 1, "staircase.step": 8}
    traces = [_row(c, 1, 15, memory, "w") for c in range(5)]
    traces += [_row(3, 2, 30, turned, "w")]

    figure = plot_reversals(traces, title="t", max_clients=2)

    assert figure is not None
    assert [ax.get_title(loc="left") for ax in figure.axes] == [
        "client 0: 0 reversals",
        "client 3: 1 reversal",
    ]


def test_no_reversal_plot_without_staircase_memory(
    reference: SimulationResult, staircase: SimulationResult
) -> None:
    pytest.importorskip("matplotlib")

    assert plot_reversals([], title="t") is None
    assert reference.traces
    assert plot_reversals(reference.traces, title="t") is None
    figure = plot_reversals(staircase.traces, title="t")
    assert figure is not None
    # the rings match the increases of the reversal count in the traces
    points: dict[int, list[tuple[float, float]]] = {}
    for row in staircase.traces:  # in (client, session) order
        count = row["memory"].get("staircase.reversals", 0)
        if row["client"] not in points:
            points[row["client"]], before = [], 0
        if count > before:
            points[row["client"]].append(
                # retro-walk-run's plans are one bout: its segment
                (float(row["session"]), float(row["prescription"]["segments"][0]["seconds"]))
            )
        before = count
    turned = [client for client, found in points.items() if found]
    straight = [
        client
        for client in points
        if client not in turned
        and any(r["memory"] for r in staircase.traces if r["client"] == client)
    ]
    assert turned  # the traced clients include a staircase that turned
    drawn = sorted((turned + straight)[:3])
    assert [ax.get_title(loc="left").split(":")[0] for ax in figure.axes] == [
        f"client {client}" for client in drawn
    ]
    assert _reversal_points(figure) == [points[client] for client in drawn]
