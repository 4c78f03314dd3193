"""Charts for the weekly review and the final report, as PNG.

``chart_of`` says what is plotted (pure, testable without pixels): each success
criterion's recorded values over time against its target, planned versus confirmed
traffic by week and, for the final report, open flags per week by severity. ``png``
draws it with matplotlib's object-oriented API on the Agg canvas: pyplot keeps global
state and is not thread-safe, and delivery renders on its own thread.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.criteria import Criterion
from bot.core.escalation import Severity
from bot.core.localtime import local_instant
from bot.core.timeline import traffic_in_week
from bot.documents.record import PilotRecord

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 12.0, 7.0, 100  # 1200 x 700 pixels: readable at Slack's preview size
MAX_PANELS = 6  # criteria drawn; the rest are named in the note and the alt text
MAX_ALT_TEXT = 1000  # Slack's limit for an image's alt_txt


@dataclass(frozen=True)
class CriterionSeries:
    label: str  # "C-1 Adoption"
    points: tuple[tuple[datetime, float], ...]  # in the pilot's zone, oldest first
    target: float | None
    target_text: str


@dataclass(frozen=True)
class Chart:
    title: str
    zone: ZoneInfo
    criteria: tuple[CriterionSeries, ...]  # criteria with values, drawn
    without_values: tuple[str, ...]  # criteria with no values: said so, not drawn empty
    not_drawn: tuple[str, ...]  # beyond MAX_PANELS
    weeks: tuple[int, ...]
    planned: tuple[int, ...]  # % per week
    confirmed: tuple[int | None, ...]  # % confirmed applied per week, None: not confirmed
    open_flags: tuple[dict[Severity, int], ...] | None  # per week; None: not shown


def _label(criterion: Criterion) -> str:
    return f"C-{criterion.number} {criterion.name}"


def chart_of(record: PilotRecord, *, through_week: int, title: str, flags: bool) -> Chart:
    """What the chart for weeks 1..``through_week`` shows, from the record."""
    zone = record.plan.zone
    drawn, empty = [], []
    for criterion in record.criteria:
        points = tuple(
            (r.at.astimezone(zone), float(r.value))
            for r in record.readings
            if r.criterion_id == criterion.id and r.at <= record.as_of
        )
        if not points:
            empty.append(_label(criterion))
            continue
        target = criterion.target
        drawn.append(
            CriterionSeries(
                label=_label(criterion),
                points=points,
                target=float(target.value) if target is not None else None,
                target_text=criterion.target_text,
            )
        )
    weeks = tuple(range(1, max(through_week, 1) + 1))
    confirmed = {c.week: c.pct for c in record.confirmations if c.at <= record.as_of}
    return Chart(
        title=title,
        zone=zone,
        criteria=tuple(drawn[:MAX_PANELS]),
        without_values=tuple(empty),
        not_drawn=tuple(s.label for s in drawn[MAX_PANELS:]),
        weeks=weeks,
        planned=tuple(traffic_in_week(record.plan, w) for w in weeks),
        confirmed=tuple(confirmed.get(w) for w in weeks),
        open_flags=tuple(_open_at_week_end(record, w) for w in weeks) if flags else None,
    )


def _open_at_week_end(record: PilotRecord, week: int) -> dict[Severity, int]:
    plan = record.plan
    end = local_instant(plan.week_end(week) + timedelta(days=1), time(0, 0), plan.zone)
    end = min(end, record.as_of)
    counts = dict.fromkeys(Severity, 0)
    for flag in record.flags:
        if flag.raised_at <= end and (flag.resolved_at is None or flag.resolved_at > end):
            counts[flag.severity] += 1
    return counts


def alt_text(chart: Chart) -> str:
    """The figures in words, for people who cannot see the image (at most 1,000 chars)."""
    parts = [f"{chart.title}."]
    for series in chart.criteria:
        latest_at, latest = series.points[-1]
        target = f" against target {series.target_text}" if series.target_text else ""
        parts.append(
            f"{series.label}: {_count(len(series.points), 'value')}, latest {latest:g} on "
            f"{latest_at:%b %d}{target}."
        )
    if chart.without_values:
        parts.append(f"No values yet: {', '.join(chart.without_values)}.")
    if chart.not_drawn:
        parts.append(f"Not drawn: {', '.join(chart.not_drawn)}.")
    traffic = ", ".join(
        f"w{w} {p}%" + (f" (confirmed {c}%)" if c is not None else "")
        for w, p, c in zip(chart.weeks, chart.planned, chart.confirmed, strict=True)
    )
    parts.append(f"Planned traffic: {traffic}.")
    if chart.open_flags is not None and chart.open_flags:
        last = chart.open_flags[-1]
        parts.append(
            "Open flags at the end: "
            + ", ".join(f"{count} {severity.value}" for severity, count in last.items())
            + "."
        )
    text = " ".join(parts)
    return text if len(text) <= MAX_ALT_TEXT else text[: MAX_ALT_TEXT - 1] + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


_SEVERITY_COLOURS = {Severity.CRITICAL: "#c0392b", Severity.MAJOR: "#e67e22",
                     Severity.MINOR: "#f1c40f"}


def figure(chart: Chart) -> Figure:
    """The chart as a matplotlib Figure on its own Agg canvas (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    panels = len(chart.criteria) + 1 + (chart.open_flags is not None)
    cols = 1 if panels == 1 else 2 if panels <= 4 else 3
    rows = math.ceil(panels / cols)
    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    fig.subplots_adjust(left=0.05, right=0.98, top=0.9, bottom=0.1, hspace=0.35, wspace=0.15)
    FigureCanvasAgg(fig)
    fig.suptitle(chart.title, fontsize=14)
    axes = [fig.add_subplot(rows, cols, index + 1) for index in range(panels)]
    for ax, series in zip(axes, chart.criteria, strict=False):
        xs = [float(date2num(at)) for at, _ in series.points]  # days since the epoch, UTC
        ax.plot(xs, [v for _, v in series.points], marker="o", color="#2c7fb8",
                label="recorded")
        if series.target is not None:
            ax.axhline(series.target, color="#d95f0e", linestyle="--",
                       label=f"target {series.target_text}")
        ax.set_title(series.label, fontsize=11)
        # minticks=2: values a few days apart (a pushed one beside a typed one) leave the
        # default of 5 ticks no interval to pick, and matplotlib warns.
        ax.xaxis.set_major_locator(AutoDateLocator(tz=chart.zone, minticks=2, maxticks=6))
        ax.xaxis.set_major_formatter(DateFormatter("%b %d", tz=chart.zone))
        if len(xs) == 1:  # one value: a day either side, one tick on its day
            ax.set_xlim(xs[0] - 1, xs[0] + 1)
            ax.set_xticks([xs[0]])
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
    traffic = axes[len(chart.criteria)]
    traffic.bar(chart.weeks, chart.planned, color="#c6dbef", label="planned")
    confirmed = [(w, c) for w, c in zip(chart.weeks, chart.confirmed, strict=True)
                 if c is not None]
    if confirmed:
        traffic.plot([w for w, _ in confirmed], [c for _, c in confirmed], "s",
                     color="#08519c", label="confirmed applied")
    traffic.set_title("Traffic by pilot week (%)", fontsize=11)
    traffic.set_xticks(list(chart.weeks))
    traffic.set_ylim(0, 100)
    traffic.legend(fontsize=8, loc="upper left")
    if chart.open_flags is not None:
        flags = axes[len(chart.criteria) + 1]
        bottom = [0] * len(chart.weeks)
        for severity in Severity:
            counts = [week[severity] for week in chart.open_flags]
            flags.bar(chart.weeks, counts, bottom=bottom, color=_SEVERITY_COLOURS[severity],
                      label=severity.value)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        flags.set_title("Open flags at each week's end", fontsize=11)
        flags.set_xticks(list(chart.weeks))
        flags.yaxis.set_major_locator(MaxNLocator(integer=True))
        flags.legend(fontsize=8, loc="upper left")
    notes = []
    if chart.without_values:
        notes.append("No values recorded yet: " + ", ".join(chart.without_values))
    if chart.not_drawn:
        notes.append("Not drawn (see the report): " + ", ".join(chart.not_drawn))
    if notes:
        fig.supxlabel("   ·   ".join(notes), fontsize=10)
    return fig


def warm_up() -> None:
    """Import matplotlib now (about a second), not in the first request that draws a chart."""
    from matplotlib import dates, figure, ticker  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401


def png(chart: Chart) -> bytes:
    out = io.BytesIO()
    figure(chart).savefig(out, format="png", dpi=DPI)
    return out.getvalue()
