"""The weekly metrics review post (framework, Communication Cadence, "Weekly"), its
Record metrics and Set priorities modals, and the lines the other reviews share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from bot.blocks import ids
from bot.blocks.common import Reply, context, header, long_day, section
from bot.blocks.forms import actions, button, modal, text_input
from bot.blocks.text import literal, user_text
from bot.core.calendar import snapshot
from bot.core.criteria import MEASUREMENT_USAGE, Criterion, Progress, Standing, Trend
from bot.core.plan import Plan
from bot.core.reviews import IssueWeek, Note, Participation, WeeklyReview
from bot.core.traffic import Traffic

NO_ISSUE_LOG = "No issue log yet: issues flagged from the check-in threads will show here."
NO_PARTICIPATION = "No check-ins recorded yet: replies to the check-in threads will show here."
_TREND_MARK = {Trend.UP: "↑", Trend.DOWN: "↓", Trend.FLAT: "→"}
_STANDING_MARK = {
    Standing.MET: ":white_check_mark:",
    Standing.BELOW: ":x:",
    Standing.NO_VALUE: ":grey_question:",
    Standing.NOT_MEASURABLE: ":grey_question:",
}


# ----- shared wording ----------------------------------------------------------------------


def short_day(d: date) -> str:
    return f"{d:%a %b} {d.day}"


def local_when(instant: datetime, plan: Plan) -> str:
    """ "Mon Dec 14 10:00 EST", in the pilot's zone."""
    local = instant.astimezone(plan.zone)
    return f"{short_day(local.date())} {local:%H:%M %Z}"


def criterion_label(criterion: Criterion) -> str:
    return f"C-{criterion.number} {criterion.name}"


def progress_line(p: Progress, plan: Plan, *, marks: bool = False) -> str:
    """ "C-1 Containment rate: *58%* (target >= 60%) · below target · ↑ from 52% on Mon Dec 14"."""
    target = literal(str(p.criterion.target) if p.criterion.target else p.criterion.target_text)
    lead = f"{_STANDING_MARK[p.standing]} " if marks else ""
    name = f"{lead}{literal(criterion_label(p.criterion))}"
    if p.latest is None:
        return f"{name}: no value recorded yet (target {target})"
    line = f"{name}: *{literal(p.latest.typed)}* (target {target}) · {p.standing}"
    if p.previous is not None and p.trend is not None:
        line += f" · {_TREND_MARK[p.trend]} from {literal(p.previous.typed)} on "
        line += short_day(p.previous.at.astimezone(plan.zone).date())
        if p.toward_target is not None:
            line += " (toward the target)" if p.toward_target else " (away from the target)"
    line += f" · recorded {short_day(p.latest.at.astimezone(plan.zone).date())}"
    return f"{line} {literal(p.latest.origin)}" if p.latest.origin else line


def progress_text(progress: Sequence[Progress], plan: Plan, *, marks: bool = False) -> str:
    if not progress:
        return "_No success criteria yet: add them with `/pilot criteria add`._"
    return "\n".join(f"• {progress_line(p, plan, marks=marks)}" for p in progress)


def issues_text(issues: IssueWeek | None) -> str:
    if issues is None:
        return f"_{NO_ISSUE_LOG}_"
    lines = [
        f"• Raised: {len(issues.raised)}" + _ids(issues.raised),
        f"• Resolved: {len(issues.resolved)}" + _ids(issues.resolved),
        f"• Still open: {len(issues.still_open)}" + _ids(issues.still_open),
    ]
    if issues.time_to_resolve is not None:
        lines.append(f"• Time to resolve (mean): {_duration(issues.time_to_resolve)}")
    return "\n".join(lines)


def _ids(found: Sequence[str]) -> str:
    return f" ({', '.join(found)})" if found else ""


def _duration(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def participation_text(participation: Participation | None) -> str:
    if participation is None:
        return f"_{NO_PARTICIPATION}_"
    days = participation.checkin_days
    if days == 0:
        return "_No check-in days this week._"
    if not participation.by_member:
        return "_Nobody is on the team yet: `/pilot team add @user role`._"
    return "\n".join(
        f"• <@{user}>: {count} of {days} check-in day{'s' if days != 1 else ''}"
        for user, count in participation.by_member
    )


def traffic_lines(traffic: Traffic, plan: Plan, *, planned: bool = True) -> list[str]:
    """Planned and confirmed traffic, an unconfirmed step, the hold and the next step
    (``planned=False``: the hold, the confirmed and the unconfirmed step only)."""
    lines = [f"Planned now: {traffic.planned}% ({plan.ramp.label})"] if planned else []
    if traffic.hold is not None:
        hold = traffic.hold
        lines.append(
            f":octagonal_sign: On hold at {hold.pct}% since the No-go at the end of"
            f" {hold.phase.display_name} ({short_day(hold.since.astimezone(plan.zone).date())}):"
            " no further ramp steps until a change is approved"
        )
    confirmed = traffic.confirmed
    if confirmed is not None:
        when = short_day(confirmed.at.astimezone(plan.zone).date())
        lines.append(
            f"Confirmed in production: {confirmed.pct}% (week {confirmed.week}),"
            f" by <@{confirmed.by}> on {when}"
        )
    else:
        lines.append("Confirmed in production: no ramp step confirmed yet")
    if traffic.unconfirmed is not None:
        step = traffic.unconfirmed
        lines.append(
            f":hourglass: Not confirmed yet: week {step.week}'s step from {step.from_pct}% to"
            f" {step.to_pct}% (announced {short_day(step.on)}): press *Applied* on the"
            " announcement once production runs at it"
        )
    if not planned:
        return lines
    if traffic.next_step is not None:
        step = traffic.next_step
        lines.append(
            f"Next step: {step.from_pct}% → {step.to_pct}% on {short_day(step.on)}"
            f" (week {step.week})"
        )
    elif traffic.hold is None:
        lines.append("Next step: none, traffic holds at this level")
    return lines


def days_left_text(plan: Plan, at: datetime) -> str:
    left = snapshot(plan, at).days_left
    end = long_day(plan.hard_end_date)
    if left is None:
        return f"Passed: the hard end date was {end}"
    if left == 0:
        return f"Today is the hard end date ({end})"
    return f"{left} day{'s' if left != 1 else ''} to the hard end date ({end})"


def status_parts(
    progress: Sequence[Progress], traffic: Traffic | None, plan: Plan
) -> list[tuple[str, str]]:
    """What `/pilot status` adds from the record: traffic confirmed in production (and a
    step not confirmed yet), and the latest value of each success criterion."""
    parts = []
    if traffic is not None:
        lines = traffic_lines(traffic, plan, planned=False)
        parts.append(("Traffic in production", "\n".join(f"• {line}" for line in lines)))
    if progress:
        parts.append(("Latest metrics", progress_text(progress, plan)))
    return parts


# ----- the weekly review ------------------------------------------------------------------


def notes_button(pilot_id: int) -> dict[str, Any]:
    """Add notes: the meeting's notes, kept with the review (handlers/notes.py)."""
    return button("Add notes", ids.NOTES_ADD, str(pilot_id))


def review_title(review: WeeklyReview) -> str:
    plan = review.plan
    parts = ["Weekly review"]
    if review.week is not None and review.week <= plan.weeks:
        parts.append(f"Week {review.week} of {plan.weeks}")
    phase = snapshot(plan, review.at).phase
    if phase is not None:
        parts.append(phase.display_name)
    return " · ".join(parts)


def weekly_review_message(review: WeeklyReview) -> Reply:
    """The framework's weekly review agenda, filled in from the record."""
    plan = review.plan
    title = review_title(review)
    when = local_when(review.at, plan)
    kind = "On demand" if review.on_demand else "The weekly metrics review (30 min)"
    intro = (
        f"*{literal(plan.name)}* · {literal(plan.customer)} · {when}\n{kind}: progress"
        " against the success"
        " criteria, issues and resolutions, next week's priorities."
    )
    parts: list[tuple[str, str]] = []
    if review.warnings:
        names = ", ".join(literal(criterion_label(c)) for c in review.warnings)
        parts.append(
            (
                ":rotating_light: Early warning",
                f"{names}: below target in two weekly reviews in a row. The framework's"
                " mitigation for metrics not achieved: act on it now, and agree in this"
                " review whether the approach or the target (`/pilot criteria`) changes.",
            )
        )
    parts += [
        ("Progress against success criteria", progress_text(review.progress, plan)),
        ("Issues this week", issues_text(review.issues)),
        ("Check-in participation", participation_text(review.participation)),
        ("Traffic", "\n".join(f"• {line}" for line in traffic_lines(review.traffic, plan))),
        ("Hard end date", days_left_text(plan, review.at)),
        ("Priorities from the last review", _priorities(review.last_priorities, plan)),
        (
            "Next week's priorities",
            "What must happen before the next review? Agree them on the call, then press"
            " *Set priorities* (the next review shows them).",
        ),
    ]
    blocks: list[dict[str, Any]] = [header(title), section(intro)]
    blocks += [section(f"*{name}*\n{body}") for name, body in parts]
    pilot = str(review.pilot_id)
    blocks.append(
        actions(
            "review_actions",
            button("Record metrics", ids.REVIEW_RECORD_METRICS, pilot, style="primary"),
            button(
                "Set priorities", ids.REVIEW_SET_PRIORITIES, ids.button_value(pilot, review.period)
            ),
            notes_button(review.pilot_id),
        )
    )
    blocks.append(context(f"Times in {plan.tz}. `/pilot review` posts this review at any time."))
    text = "\n".join([f"{title} · {literal(plan.name)}", *(f"{n}: {b}" for n, b in parts)])
    return Reply(text=text, blocks=blocks)


def _priorities(note: Note | None, plan: Plan) -> str:
    if note is None:
        return "_None were set at the last review._"
    when = short_day(note.at.astimezone(plan.zone).date())
    return f"{user_text(note.text, 2000)}\n_Set by <@{note.by}> on {when}._"


# ----- Record metrics and Set priorities --------------------------------------------------


METRICS_PER_PAGE = 90  # a form holds 100 blocks: 90 criteria, then the next page


def metrics_pages(progress: Sequence[Progress]) -> int:
    return max(1, -(-len(progress) // METRICS_PER_PAGE))


def metrics_modal(
    *,
    pilot_id: int,
    pilot_name: str,
    channel_id: str,
    progress: Sequence[Progress],
    plan: Plan,
    page: int = 1,
) -> dict[str, Any]:
    """One optional field per success criterion; the last value is shown as a hint. More
    than ``METRICS_PER_PAGE`` criteria go on several pages, one after the other."""
    pages = metrics_pages(progress)
    shown = progress[(page - 1) * METRICS_PER_PAGE : page * METRICS_PER_PAGE]
    intro = (
        f"*{literal(pilot_name)}*: this week's values, each in its target's unit. Leave a field"
        " empty to keep its last value."
    )
    if pages > 1:
        first, last = shown[0].criterion.number, shown[-1].criterion.number
        intro += f"\nPage {page} of {pages}: C-{first} to C-{last}."
        if page < pages:
            intro += " *Record* saves these and shows the next page."
    blocks: list[dict[str, Any]] = [section(intro)]
    for p in shown:
        criterion = p.criterion
        target = str(criterion.target) if criterion.target else criterion.target_text
        hint = f"Target {target}."
        if p.latest is not None:
            when = short_day(p.latest.at.astimezone(plan.zone).date())
            hint += f" Last: {p.latest.typed} on {when}."
        blocks.append(
            text_input(
                f"{ids.METRIC_BLOCK_PREFIX}{criterion.id}",
                criterion_label(criterion),
                optional=True,
                placeholder="e.g. 62%",
                hint=hint,
                max_length=100,
            )
        )
    return modal(
        ids.METRICS_MODAL,
        "Record metrics" if pages == 1 else f"Record metrics {page}/{pages}",
        blocks,
        submit="Record",
        metadata={"pilot": pilot_id, "channel": channel_id, "page": page},
    )


def metrics_recorded(lines: Sequence[str]) -> Reply:
    text = "Recorded:\n" + "\n".join(f"• {line}" for line in lines)
    return Reply(text=text, blocks=[section(text)])


NO_VALUES = "Enter at least one value."
BAD_VALUE = f"Give {MEASUREMENT_USAGE}."


def priorities_modal(
    *, pilot_id: int, pilot_name: str, channel_id: str, period: str, current: str
) -> dict[str, Any]:
    return modal(
        ids.PRIORITIES_MODAL,
        "Next week's priorities",
        [
            section(f"*{literal(pilot_name)}*: what must happen before the next weekly review?"),
            text_input(
                ids.PRIORITIES_TEXT,
                "Priorities",
                multiline=True,
                initial=current,
                placeholder="One per line",
                max_length=2000,
            ),
        ],
        submit="Save",
        metadata={"pilot": pilot_id, "channel": channel_id, "period": period},
    )


def priorities_saved(text: str) -> Reply:
    reply = f"Saved next week's priorities; the next weekly review shows them:\n{text}"
    return Reply(text=reply, blocks=[section(reply)])


def no_criteria_reply() -> Reply:
    text = (
        "This pilot has no success criteria yet, so there is nothing to record. Add one with"
        ' `/pilot criteria add "Containment rate" target=">= 60%"`.'
    )
    return Reply(text=text, blocks=[section(text)])
