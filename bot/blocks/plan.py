"""`/pilot plan`: the whole calendar week by week, and the plan's summary lines the
announcement and `/pilot plan` share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.blocks.common import Reply, chunks, context, fields, header, long_day, section
from bot.blocks.text import literal
from bot.core.cadence import Due, DueKind, first_checkin_date
from bot.core.calendar import PlanSnapshot, WeekPlan
from bot.core.inputs import format_time
from bot.core.lifecycle import PilotState
from bot.core.phases import Phase, PilotStatus
from bot.core.plan import Plan
from bot.core.workdays import holiday_name


def ramp_by_week(plan: Plan) -> str:
    """ "Week 1: 10% · Week 2: 25% · Weeks 3-6: 40%": consecutive equal weeks merged."""
    parts, week = [], 1
    weekly = plan.ramp.weekly(plan.weeks)
    while week <= plan.weeks:
        last = week
        while last < plan.weeks and weekly[last] == weekly[week - 1]:
            last += 1
        label = f"Week {week}" if last == week else f"Weeks {week}-{last}"
        parts.append(f"{label}: {weekly[week - 1]}%")
        week = last + 1
    return " · ".join(parts)


def type_line(plan: Plan) -> str:
    return f"{plan.pilot_type.guide.title}, {plan.weeks} weeks"


def dates_line(plan: Plan) -> str:
    return (
        f"{long_day(plan.start)} → hard end {long_day(plan.hard_end_date)}; evaluation until"
        f" {long_day(plan.evaluation_end_date)}"
    )


def schedule_line(plan: Plan) -> str:
    holidays = f", {plan.holiday_country} holidays off" if plan.holiday_country else ""
    return (
        f"Check-ins on workdays at {format_time(plan.checkin)} from"
        f" {plan.checkins_from.display_name} ({long_day(first_checkin_date(plan))}); weekly review"
        f" {plan.review_weekday_name}s {format_time(plan.review_time)}; times in {plan.tz}"
        f"{holidays}"
    )


_EVENT_LABELS = {
    DueKind.WEEKLY_REVIEW: "weekly review",
    DueKind.PHASE_REVIEW: "end-of-phase review",
    DueKind.FINAL_EVALUATION: "end-of-pilot review: final evaluation",
    DueKind.RECOMMENDATION_REMINDER: "go/no-go recommendation due",
}


def due_clock(due: Due) -> str:
    return f"{due.due_at:%a %b} {due.due_at.day} {due.due_at:%H:%M}"


def _event_line(plan: Plan, due: Due, week: WeekPlan) -> str | None:
    if due.kind is DueKind.RAMP_CHANGE:
        before = plan.ramp.percent_in_week(week.number - 1)
        return f"{due_clock(due)} ramp change {before}% → {week.traffic_pct}%"
    if due.kind is DueKind.PHASE_REVIEW:
        phase = Phase(due.period)
        return f"{due_clock(due)} end-of-phase review ({phase.display_name}: go/no-go for the next)"
    label = _EVENT_LABELS.get(due.kind)
    return None if label is None else f"{due_clock(due)} {label}"


def _days_off(plan: Plan, week: WeekPlan) -> str | None:
    off = []
    day = week.start
    while day <= week.end:
        if day.weekday() < 5:
            name = holiday_name(plan, day)
            if name is not None:
                off.append(f"{day:%a %b} {day.day} ({name})")
            elif day in plan.skip_dates:
                off.append(f"{day:%a %b} {day.day} (skipped)")
        day += timedelta(days=1)
    return f"days off: {', '.join(off)}" if off else None


def _week_text(plan: Plan, week: WeekPlan, current: int | None) -> str:
    span = f"{week.start:%a %b} {week.start.day} – {week.end:%a %b} {week.end.day}"
    evaluation = week.phase is Phase.EVALUATION
    traffic = f"holds at {week.traffic_pct}%" if evaluation else f"{week.traffic_pct}%"
    here = "  ← this week" if week.number == current else ""
    lines = [f"*Week {week.number}* · {span} · {week.phase.display_name} · {traffic}{here}"]
    for due in week.events:
        line = _event_line(plan, due, week)
        if line is not None:
            lines.append(f"• {line}")
    off = _days_off(plan, week)
    if off is not None:
        lines.append(f"• {off}")
    if week.number == plan.weeks:
        lines.append(f"• :checkered_flag: hard end date {long_day(plan.hard_end_date)}")
    return "\n".join(lines)


def _plan_chunks(parts: Sequence[str]) -> list[str]:
    return chunks(parts, joiner="\n\n")


def plan_reply(
    plan: Plan, rows: Sequence[WeekPlan], snap: PlanSnapshot, *, state: str = PilotState.ACTIVE
) -> Reply:
    """`/pilot plan`: the whole calendar, week by week, with reviews and the hard end date."""
    title = f"{literal(plan.name)} · plan"
    pairs = [
        ("Type", type_line(plan)),
        ("Dates", dates_line(plan)),
        ("Ramp", f"{plan.ramp.label}: {ramp_by_week(plan)}"),
        ("Schedule", schedule_line(plan)),
    ]
    if state != PilotState.ACTIVE:
        pairs.insert(0, ("State", state.title()))
    current = snap.week if snap.status in (PilotStatus.RUNNING, PilotStatus.EVALUATION) else None
    weeks_text = [_week_text(plan, week, current) for week in rows]
    blocks: list[dict[str, Any]] = [header(title), fields(pairs)]
    notes = [f":warning: {w}" for w in snap.warnings]
    if notes:
        blocks.append(context(*notes))
    blocks += [section(chunk) for chunk in _plan_chunks(weeks_text)]
    blocks.append(
        context(
            f"Times in {plan.tz}. Change check-in and review times with `/pilot set`; the ramp"
            " or the end date with `/pilot change`."
        )
    )
    text = "\n".join(
        [f"{title}", *(f"{k}: {v}" for k, v in pairs), *notes, "", "\n\n".join(weeks_text)]
    )
    return Reply(text=text, blocks=blocks[:50])
