"""How figures are written and named, the same in the terminal, the report and the files.

Every metric has one readable name (:func:`label`), whatever shows it: the
summary of a run, a comparison's differences, a sweep's columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..settings import SETTINGS, spaced

__all__ = [
    "BETTER",
    "METRICS",
    "adverse_event",
    "better",
    "compared",
    "day",
    "interval",
    "label",
    "median",
    "num",
    "pct",
    "rate_with_ci",
    "reading",
    "signed",
    "spaced",
    "threshold",
]

#: Readable names of the metrics (a stage's: see :func:`label`).
METRICS = {
    "goal_rate": "goal rate",
    "median_days_to_goal": "median days to goal",
    "adverse_events_per_100_sessions": "adverse events /100 sessions",
    "regressions_per_100_sessions": "regressions /100 sessions",
    "stop_rate": "stop rate",
    "dropout_rate": "dropout rate",
}


def threshold(adverse_pain: Iterable[int]) -> str:
    """Adverse-event pain thresholds, e.g. ``3/10`` or ``3 or 5/10``."""
    values = sorted(set(adverse_pain))
    return " or ".join(map(str, values)) + "/10" if values else "a threshold"


def adverse_event(adverse_pain: Iterable[int]) -> str:
    """What counts as an adverse event, with these pain thresholds (the setting's own words).

    >>> adverse_event([5, 3])
    'pain or next-day pain above 3 or 5/10, a balance loss, or form breakdown'
    """
    values = sorted(set(adverse_pain))
    return SETTINGS["adverse_pain"].shown.format(" or ".join(map(str, values)))


def label(metric: str) -> str:
    """A metric's readable name, e.g. ``retro-walk target reached`` for ``retro-walk_target_rate``.

    >>> label("adverse_events_per_100_sessions"), label("retro-run_median_days")
    ('adverse events /100 sessions', 'median days to the retro-run target')
    """
    if metric.endswith("_target_rate"):
        return f"{metric.removesuffix('_target_rate')} target reached"
    if metric.endswith("_median_days"):
        return f"median days to the {metric.removesuffix('_median_days')} target"
    return METRICS.get(metric, metric.replace("_", " "))


def pct(rate: float) -> str:
    """A share as a percentage: ``0.125`` → ``12.5 %``."""
    return "n/a" if math.isnan(rate) else f"{100 * rate:.1f} %"


def num(value: float | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals; ``n/a`` when undefined."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.{digits}f}"


def day(value: float | None) -> str:
    """A day; ``not reached`` for ``None``."""
    return "not reached" if value is None else f"{value:g}"


def median(
    value: float | None, ci: tuple[float | None, float | None], *, missing: str = "not reached"
) -> str:
    """A median number of days with its CI: ``84 (77–91)``."""
    if value is None:
        return missing
    low, high = ci
    return f"{day(value)} ({day(low)}–{day(high)})"


def rate_with_ci(rate: float, ci: tuple[float, float]) -> str:
    """A rate with its CI: ``5.3 (4.6–6.0)``."""
    low, high = ci
    if math.isnan(low) or math.isnan(high):
        return f"{num(rate)} (CI n/a)"
    return f"{num(rate)} ({num(low)}–{num(high)})"


def signed(value: float, digits: int = 1) -> str:
    """A signed number with at least ``digits`` decimals, and more if it would read as zero.

    A value that is not zero is never written ``+0.0``: decimals are added (up to
    six) until a digit shows; zero itself (below 1e-9: what is left of floating-point
    rounding) is written without a sign.

    >>> signed(0.034), signed(-0.0004), signed(0.0), signed(2.25)
    ('+0.03', '-0.0004', '0.0', '+2.2')
    """
    if abs(value) < 1e-9:  # zero, or a mean of differences that cancel up to rounding
        return f"{0:.{digits}f}"
    places = digits
    while places < 6 and float(f"{abs(value):.{places}f}") == 0:
        places += 1
    return f"{value:+.{places}f}"


_signed = signed


def compared(metric: str, value: float, *, signed: bool = False) -> str:
    """A compared figure: rates in % (differences in percentage points), medians in days.

    >>> compared("goal_rate", 0.25), compared("goal_rate", 0.0003, signed=True)
    ('25.0 %', '+0.03 pp')
    """
    if math.isnan(value):
        return "n/a"
    if metric.endswith("_rate"):
        return f"{_signed(100 * value)} pp" if signed else pct(value)
    if metric.startswith("median_days"):
        if signed:
            return f"{_signed(value)} d"
        return f"{round(value, 1):g} d"  # a bootstrap bound may fall between days
    return _signed(value, 2) if signed else f"{value:.2f}"


def interval(metric: str, low: float, high: float) -> str:
    """A difference's CI, the unit written once: ``-2.0 to +1.5 pp``."""
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    first, last = compared(metric, low, signed=True), compared(metric, high, signed=True)
    unit = last.partition(" ")[2]
    return f"{first.partition(' ')[0]} to {last}" if unit else f"{first} to {last}"


#: Which way is better, for the metrics whose direction is known: +1 higher, -1 lower.
#: Days to a target are "sooner" or "later": faster is not always better in rehab.
BETTER = {
    "goal_rate": 1,
    "adverse_events_per_100_sessions": -1,
    "regressions_per_100_sessions": -1,
    "stop_rate": -1,
    "dropout_rate": -1,
}


def better(metric: str) -> int:
    """+1 when more of ``metric`` is better, -1 when less is, 0 when it depends."""
    if metric.endswith("_target_rate"):
        return 1
    return BETTER.get(metric, 0)


def reading(low: float, high: float, metric: str = "") -> str:
    """Say whether a difference is clear (its 95 % CI excludes 0), and which way it goes.

    >>> reading(0.01, 0.03, "goal_rate"), reading(0.01, 0.03, "stop_rate")
    ('better (higher)', 'worse (higher)')
    >>> reading(-3.0, -1.0, "median_days_to_goal"), reading(-0.01, 0.02, "goal_rate")
    ('sooner', 'no clear difference')
    """
    if math.isnan(low) or math.isnan(high):
        return "cannot tell"
    if low <= 0 <= high:
        return "no clear difference"
    up = low > 0
    if metric.startswith("median_days") or metric.endswith("_median_days"):
        return "later" if up else "sooner"
    direction = "higher" if up else "lower"
    way = better(metric)
    if way == 0:
        return direction
    return f"{'better' if (way > 0) == up else 'worse'} ({direction})"
