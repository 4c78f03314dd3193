"""The plan's messages: the creation modal, the announcement, `/pilot plan`, settings,
pause/resume/end notices and `/pilot list`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.blocks import ids
from bot.blocks.common import (
    Reply,
    chunks,
    context,
    fields,
    header,
    long_day,
    section,
    where_in_pilot,
)
from bot.blocks.text import guarded, literal
from bot.core.cadence import Due, DueKind, first_checkin_date
from bot.core.calendar import PlanSnapshot, WeekPlan
from bot.core.creation import RAMP_QUESTIONS, SUGGESTED, PlanField
from bot.core.inputs import WEEKDAY_KEYS, format_time
from bot.core.phases import Phase, PilotStatus
from bot.core.pilot_types import PilotType
from bot.core.plan import MAX_WEEKS, WEEKDAYS, Plan
from bot.core.ramps import PRESET_STEPS
from bot.core.settings_table import PilotSettings, Setting, SettingChange
from bot.core.workdays import holiday_name

# ----- the creation modal ----------------------------------------------------------------------

CUSTOM = "custom"
OVERRIDE_YES = "override"
# Where each field's problem is shown (a custom ramp's problem goes to its own field).
FIELD_BLOCKS: dict[PlanField, str] = {
    PlanField.NAME: ids.CREATE_NAME,
    PlanField.CUSTOMER: ids.CREATE_CUSTOMER,
    PlanField.TYPE: ids.CREATE_TYPE,
    PlanField.RAMP: ids.CREATE_RAMP,
    PlanField.START: ids.CREATE_START,
    PlanField.WEEKS: ids.CREATE_WEEKS,
    PlanField.TZ: ids.CREATE_TZ,
    PlanField.CHECKIN: ids.CREATE_CHECKIN,
    PlanField.REVIEW: ids.CREATE_REVIEW_TIME,
    PlanField.HOLIDAYS: ids.CREATE_HOLIDAYS,
}
MODAL_OVERRIDE_HINT = "Tick Override at the bottom to keep it anyway."
COMMAND_OVERRIDE_HINT = "Add override=yes to keep it anyway."


@dataclass(frozen=True)
class ModalDefaults:
    start: date
    tz: str


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(value: str, text: str, description: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {"text": _plain(text[:75]), "value": value}
    if description:
        option["description"] = _plain(description[:75])
    return option


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def _type_options() -> list[dict[str, Any]]:
    return [
        _option(
            kind.value,
            kind.guide.title,
            f"{kind.guide.weeks_label}, {kind.guide.band_label} traffic",
        )
        for kind in PilotType
    ]


def _ramp_options() -> list[dict[str, Any]]:
    options = [_option(SUGGESTED, "Suggested from the questions below")]
    for kind, steps in PRESET_STEPS.items():
        options.append(_option(kind.value, f"{kind.value.title()}: {_pcts(steps)}"))
    options.append(_option(CUSTOM, "Custom: the percentages below"))
    return options


def _pcts(steps: Sequence[int]) -> str:
    return ", ".join(f"{pct}%" for pct in steps)


def create_modal(*, channel_id: str, defaults: ModalDefaults) -> dict[str, Any]:
    """The `/pilot create` modal, every field filled with a sensible default."""
    business = next(o for o in _type_options() if o["value"] == PilotType.BUSINESS.value)
    ramp_options = _ramp_options()
    weekdays = [_option(key, WEEKDAYS[i]) for i, key in enumerate(WEEKDAY_KEYS)]
    blocks: list[dict[str, Any]] = [
        _input(
            ids.CREATE_NAME,
            "Pilot name",
            {"type": "plain_text_input", "max_length": 200, "placeholder": _plain("Acme POC")},
        ),
        _input(
            ids.CREATE_CUSTOMER,
            "Customer",
            {"type": "plain_text_input", "max_length": 200, "placeholder": _plain("Acme")},
        ),
        _input(
            ids.CREATE_TYPE,
            "Pilot type",
            {"type": "static_select", "options": _type_options(), "initial_option": business},
        ),
        _input(
            ids.CREATE_START,
            "Start date (week 1 starts here)",
            {"type": "datepicker", "initial_date": defaults.start.isoformat()},
        ),
        _input(
            ids.CREATE_WEEKS,
            "Length in weeks",
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(MAX_WEEKS),
            },
            optional=True,
            hint="Empty: the type's shortest (technical 2, business 4, full 6).",
        ),
        section(
            "*Traffic ramp*\nTick what applies and keep *Suggested*, or pick a ramp. The"
            " ramp's peak must fit the type's traffic band."
        ),
        _input(
            ids.CREATE_RAMP,
            "Ramp",
            {"type": "static_select", "options": ramp_options, "initial_option": ramp_options[0]},
        ),
        _input(
            ids.CREATE_RAMP_QUESTIONS,
            "What applies to this pilot?",
            {
                "type": "checkboxes",
                "options": [
                    _option(
                        key,
                        label,
                        "Suggests the conservative ramp"
                        if index < 3
                        else "Suggests the aggressive ramp",
                    )
                    for index, (key, label) in enumerate(RAMP_QUESTIONS.items())
                ],
            },
            optional=True,
            hint="None of these: the standard ramp. Any conservative reason wins.",
        ),
        _input(
            ids.CREATE_CUSTOM_RAMP,
            "Custom weekly percentages",
            {"type": "plain_text_input", "placeholder": _plain("5,10,20,40")},
            optional=True,
            hint="Only with Custom: one percentage per week; the last one holds.",
        ),
        {"type": "divider"},
        _input(
            ids.CREATE_TZ,
            "Timezone",
            {"type": "plain_text_input", "initial_value": defaults.tz},
            hint="An IANA name such as America/New_York or Europe/Berlin.",
        ),
        _input(
            ids.CREATE_CHECKIN,
            "Daily check-in time",
            {"type": "timepicker", "initial_time": "09:30"},
        ),
        _input(
            ids.CREATE_REVIEW_DAY,
            "Weekly review day",
            {"type": "static_select", "options": weekdays, "initial_option": weekdays[0]},
        ),
        _input(
            ids.CREATE_REVIEW_TIME,
            "Weekly review time",
            {"type": "timepicker", "initial_time": "10:00"},
        ),
        _input(
            ids.CREATE_HOLIDAYS,
            "Public holidays of",
            {"type": "plain_text_input", "max_length": 8, "placeholder": _plain("US")},
            optional=True,
            hint="A two-letter country code; empty: only weekends are off.",
        ),
        _input(
            ids.CREATE_OVERRIDE,
            "Override",
            {
                "type": "checkboxes",
                "options": [
                    _option(
                        OVERRIDE_YES,
                        "Keep the plan even if it leaves the type's bands",
                        "It is then shown with a warning",
                    )
                ],
            },
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": ids.CREATE_PILOT,
        "private_metadata": channel_id,
        "title": _plain("New pilot"),
        "submit": _plain("Create"),
        "close": _plain("Cancel"),
        "blocks": guarded(blocks),
    }


def channel_taken_modal(pilot_name: str, owner_id: str) -> dict[str, Any]:
    """Shown in place of the form when the channel already runs a pilot."""
    return {
        "type": "modal",
        "callback_id": ids.CREATE_PILOT_TAKEN,
        "title": _plain("New pilot"),
        "close": _plain("Close"),
        "blocks": guarded([section(channel_taken_text(pilot_name, owner_id))]),
    }


def channel_taken_text(pilot_name: str, owner_id: str) -> str:
    return (
        f"This channel already runs *{literal(pilot_name)}* (owner <@{owner_id}>), and a"
        " channel holds"
        " one pilot. Create the new pilot in its own channel, or end this one first with"
        ' `/pilot end reason="..."`.'
    )


# ----- the announcement ---------------------------------------------------------------------


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


def _type_line(plan: Plan) -> str:
    return f"{plan.pilot_type.guide.title}, {plan.weeks} weeks"


def _dates_line(plan: Plan) -> str:
    return (
        f"{long_day(plan.start)} → hard end {long_day(plan.hard_end_date)}; evaluation until"
        f" {long_day(plan.evaluation_end_date)}"
    )


def _schedule_line(plan: Plan) -> str:
    holidays = f", {plan.holiday_country} holidays off" if plan.holiday_country else ""
    return (
        f"Check-ins on workdays at {format_time(plan.checkin)} from"
        f" {plan.checkins_from.display_name} ({long_day(first_checkin_date(plan))}); weekly review"
        f" {plan.review_weekday_name}s {format_time(plan.review_time)}; times in {plan.tz}"
        f"{holidays}"
    )


def _warning_notes(warnings: Sequence[str]) -> list[str]:
    return [f":warning: {w} (kept with override)" for w in warnings]


def created_announcement(
    plan: Plan,
    snap: PlanSnapshot,
    *,
    owner_id: str,
    warnings: Sequence[str],
    suggestion: str | None,
) -> Reply:
    title = f":rocket: New pilot: {literal(plan.name)} · {literal(plan.customer)}"
    pairs = [
        ("Type", _type_line(plan)),
        ("Dates", _dates_line(plan)),
        ("Now", where_in_pilot(snap)),
        ("Ramp", f"{plan.ramp.label}: {ramp_by_week(plan)}"),
        ("Owner", f"<@{owner_id}>"),
        ("Schedule", _schedule_line(plan)),
    ]
    blocks: list[dict[str, Any]] = [header(title), fields(pairs)]
    notes = _warning_notes(warnings)
    if suggestion:
        notes.insert(0, f":bulb: {suggestion}")
    if notes:
        blocks.append(context(*notes))
    follow = (
        "Next: `/pilot team add @user role` to staff the team, `/pilot plan` for the"
        " week-by-week calendar, `/pilot settings` for check-in and review times."
    )
    blocks.append(context(follow))
    text = f"{title}. " + " ".join(f"{k}: {v}." for k, v in pairs)
    if notes:
        text += " " + " ".join(notes)
    return Reply(text=text, blocks=blocks)


def not_posted_reply(done: str, channel_id: str, error_code: str) -> Reply:
    """A DM to the user when a plan event could not be posted in its channel."""
    return say(
        f"{done}, but I could not post it in <#{channel_id}> ({error_code}). Invite me with"
        " `/invite @pilot-bot` so the team hears about the pilot there."
    )


def say(text: str) -> Reply:
    return Reply(text=text, blocks=[section(text)])


# ----- /pilot plan --------------------------------------------------------------------------

_EVENT_LABELS = {
    DueKind.WEEKLY_REVIEW: "weekly review",
    DueKind.PHASE_REVIEW: "end-of-phase review",
    DueKind.FINAL_EVALUATION: "end-of-pilot review: final evaluation",
    DueKind.RECOMMENDATION_REMINDER: "go/no-go recommendation due",
}


def _clock(due: Due) -> str:
    return f"{due.due_at:%a %b} {due.due_at.day} {due.due_at:%H:%M}"


def _event_line(plan: Plan, due: Due, week: WeekPlan) -> str | None:
    if due.kind is DueKind.RAMP_CHANGE:
        before = plan.ramp.percent_in_week(week.number - 1)
        return f"{_clock(due)} ramp change {before}% → {week.traffic_pct}%"
    if due.kind is DueKind.PHASE_REVIEW:
        phase = Phase(due.period)
        return f"{_clock(due)} end-of-phase review ({phase.display_name}: go/no-go for the next)"
    label = _EVENT_LABELS.get(due.kind)
    return None if label is None else f"{_clock(due)} {label}"


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
    plan: Plan, rows: Sequence[WeekPlan], snap: PlanSnapshot, *, state: str = "active"
) -> Reply:
    """`/pilot plan`: the whole calendar, week by week, with reviews and the hard end date."""
    title = f"{literal(plan.name)} · plan"
    pairs = [
        ("Type", _type_line(plan)),
        ("Dates", _dates_line(plan)),
        ("Ramp", f"{plan.ramp.label}: {ramp_by_week(plan)}"),
        ("Schedule", _schedule_line(plan)),
    ]
    if state != "active":
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


# ----- settings -----------------------------------------------------------------------------


def settings_reply(plan_name: str, current: PilotSettings, table: Sequence[Setting]) -> Reply:
    lines = [f"• `{s.key}={_quoted(s.show(current))}`: {s.description}" for s in table]
    body = "\n".join(lines)
    hint = (
        'Change one or several at once: `/pilot set checkin=10:00 review="thu 15:00"`.'
        " The ramp and the end date go through `/pilot change` once the pilot has started."
    )
    title = f"{literal(plan_name)} · settings"
    return Reply(
        text=f"{title}\n{body}\n{hint}",
        blocks=[header(title), section(body), context(hint)],
    )


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def settings_changed_reply(changes: Sequence[SettingChange]) -> Reply:
    if not changes:
        text = "Nothing changed: those are already the settings."
    else:
        text = "Changed " + "; ".join(f"`{c.key}` {c.old} → {c.new}" for c in changes) + "."
    return Reply(text=text, blocks=[section(text)])


# ----- pause, resume, end ---------------------------------------------------------------------


def _notice(text: str, footer: str) -> Reply:
    sentence = text if text.endswith((".", "!", "?")) else f"{text}."
    return Reply(text=f"{sentence} {footer}", blocks=[section(text), context(footer)])


def paused_notice(plan: Plan, *, user_id: str, reason: str) -> Reply:
    return _notice(
        f":double_vertical_bar: <@{user_id}> paused *{literal(plan.name)}*: {reason}",
        "No check-ins, reviews or ramp posts until `/pilot resume`, and the ones missed are"
        " not sent later. Open flags keep escalating.",
    )


def resumed_notice(plan: Plan, *, user_id: str, next_due: Due | None) -> Reply:
    upcoming = (
        f"Next: {_EVENT_NAMES.get(next_due.kind, next_due.kind.value)} on {_clock(next_due)}"
        f" ({plan.tz})."
        if next_due is not None
        else "Nothing more is scheduled."
    )
    return _notice(
        f":arrow_forward: <@{user_id}> resumed *{literal(plan.name)}*.",
        f"The cadence picks up from today; what was missed while paused is not sent. {upcoming}",
    )


def ended_notice(plan: Plan, *, user_id: str, reason: str) -> Reply:
    return _notice(
        f":black_square_for_stop: <@{user_id}> ended *{literal(plan.name)}*: {reason}",
        "This is final: the pilot gets no more posts. The channel can hold a new pilot"
        " (`/pilot create`).",
    )


_EVENT_NAMES = {
    DueKind.CHECKIN: "daily check-in",
    DueKind.REMINDER: "check-in reminder",
    DueKind.WEEKLY_REVIEW: "weekly review",
    DueKind.RAMP_CHANGE: "ramp change",
    DueKind.RAMP_HEADS_UP: "ramp change heads-up",
    DueKind.PHASE_REVIEW: "end-of-phase review",
    DueKind.FINAL_EVALUATION: "final evaluation",
    DueKind.RECOMMENDATION_REMINDER: "recommendation reminder",
}


# ----- /pilot list --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPilot:
    plan: Plan
    channel_id: str
    state: str
    snap: PlanSnapshot


def _where(snap: PlanSnapshot) -> str:
    if snap.status is PilotStatus.NOT_STARTED:
        return f"starts in {snap.days_to_start} day{'s' if snap.days_to_start != 1 else ''}"
    if snap.status is PilotStatus.COMPLETE or snap.phase is None:
        return "complete"
    if snap.status is PilotStatus.EVALUATION:
        return f"{snap.phase.display_name}, week {snap.week}"
    return f"{snap.phase.display_name}, week {snap.week} of {snap.pilot_weeks}"


_STATE_MARKS = {"active": "", "paused": " · :double_vertical_bar: paused", "ended": " · ended"}


def list_reply(pilots: Sequence[ListedPilot]) -> Reply:
    if not pilots:
        text = "No pilots in this workspace yet. Start one in its channel with `/pilot create`."
        return Reply(text=text, blocks=[section(text)])
    live = [p for p in pilots if p.state != "ended"]
    ended = [p for p in pilots if p.state == "ended"]
    lines = [
        f"• *{literal(p.plan.name)}* · {literal(p.plan.customer)} · <#{p.channel_id}> ·"
        f" {_where(p.snap)} ·"
        f" hard end {long_day(p.plan.hard_end_date)}{_STATE_MARKS.get(p.state, '')}"
        for p in [*live, *ended]
    ]
    title = f"Pilots in this workspace ({len(live)} live, {len(ended)} ended)"
    texts = _plan_chunks(lines)
    blocks: list[dict[str, Any]] = [header(title), *(section(c) for c in texts)]
    return Reply(text=title + "\n" + "\n".join(lines), blocks=blocks[:50])


def refusal_for_ended(plan_name: str, reason: str) -> str:
    why = f" ({reason})" if reason else ""
    return f"*{literal(plan_name)}* has ended{why}; an ended pilot is final and cannot change."
