"""Change Process, step 2 "Assess impact on timeline/success": what a plan change moves.

`change_impact(old, new)` returns sentences for the approval message; an
empty list means the change does not touch the schedule or the framework fit.
"""

from __future__ import annotations

from datetime import date

from bot.core.cadence import DueKind, checkin_days, milestones
from bot.core.plan import Plan, plan_warnings


def change_impact(old: Plan, new: Plan) -> list[str]:
    return [
        *_identity(old, new),
        *_dates(old, new),
        *_ramp(old, new),
        *_counts(old, new),
        *_slots(old, new),
        *_calendar(old, new),
        *(w for w in plan_warnings(new) if w not in plan_warnings(old)),
    ]


def _identity(old: Plan, new: Plan) -> list[str]:
    out = []
    if old.name != new.name:
        out.append(f"The pilot is renamed from {old.name} to {new.name}.")
    if old.customer != new.customer:
        out.append(f"The customer changes from {old.customer} to {new.customer}.")
    if old.pilot_type != new.pilot_type:
        out.append(f"The pilot type changes from {old.pilot_type} to {new.pilot_type}.")
    return out


def _dates(old: Plan, new: Plan) -> list[str]:
    out = []
    if old.start != new.start:
        out.append(f"The start date moves {_move(old.start, new.start)}.")
    if old.weeks != new.weeks:
        out.append(f"The pilot runs {_count(new.weeks, 'week')} instead of {old.weeks}.")
    if old.hard_end_date != new.hard_end_date:
        out.append(f"The hard end date moves {_move(old.hard_end_date, new.hard_end_date)}.")
    # Only worth saying when evaluation moves differently from the end date.
    end_shift = new.hard_end_date - old.hard_end_date
    if new.evaluation_end_date - old.evaluation_end_date != end_shift:
        out.append(
            f"The evaluation end moves {_move(old.evaluation_end_date, new.evaluation_end_date)}."
        )
    return out


def _ramp(old: Plan, new: Plan) -> list[str]:
    out = []
    if old.ramp != new.ramp:
        out.append(f"The ramp changes from the {old.ramp.label} to the {new.ramp.label}.")
    old_peak, new_peak = old.ramp.peak(old.weeks), new.ramp.peak(new.weeks)
    if old_peak != new_peak:
        out.append(f"The ramp peaks at {new_peak}% instead of {old_peak}%.")
    old_week = old.ramp.first_week_reaching(old_peak, old.weeks)
    new_week = new.ramp.first_week_reaching(old_peak, new.weeks)
    if old_peak == 0 or old_week is None or new_week == old_week:
        return out
    if new_week is None:
        out.append(f"The ramp no longer reaches {old_peak}% (it did in week {old_week}).")
    else:
        shift = abs(new_week - old_week)
        amount = "a week" if shift == 1 else f"{shift} weeks"
        direction = "later" if new_week > old_week else "earlier"
        out.append(
            f"The ramp reaches {old_peak}% {amount} {direction}"
            f" (week {new_week} instead of week {old_week})."
        )
    return out


def _counts(old: Plan, new: Plan) -> list[str]:
    out = []
    for label, before, after in (
        ("weekly review", _reviews(old), _reviews(new)),
        ("daily check-in", len(checkin_days(old)), len(checkin_days(new))),
    ):
        if after != before:
            more = "more" if after > before else "fewer"
            diff = abs(after - before)
            out.append(f"{diff} {more} {label}{'' if diff == 1 else 's'}.")
    return out


def _slots(old: Plan, new: Plan) -> list[str]:
    out = []
    old_review = f"{old.review_weekday_name} {old.review_time:%H:%M}"
    new_review = f"{new.review_weekday_name} {new.review_time:%H:%M}"
    if old_review != new_review:
        out.append(f"Weekly reviews move from {old_review} to {new_review}.")
    if old.checkin != new.checkin:
        out.append(f"Daily check-ins move from {old.checkin:%H:%M} to {new.checkin:%H:%M}.")
    if old.reminder_time != new.reminder_time:
        out.append(f"Reminders move from {old.reminder_time:%H:%M} to {new.reminder_time:%H:%M}.")
    if old.checkins_from != new.checkins_from:
        out.append(
            f"Daily check-ins now start in {new.checkins_from.display_name}"
            f" instead of {old.checkins_from.display_name}."
        )
    return out


def _calendar(old: Plan, new: Plan) -> list[str]:
    out = []
    if old.tz != new.tz:
        out.append(f"The timezone changes from {old.tz} to {new.tz}.")
    if old.holiday_country != new.holiday_country:
        if new.holiday_country is None:
            out.append(f"Public holidays ({old.holiday_country}) are no longer skipped.")
        elif old.holiday_country is None:
            out.append(f"Public holidays in {new.holiday_country} are now skipped.")
        else:
            out.append(
                f"Public holidays follow {new.holiday_country} instead of {old.holiday_country}."
            )
    added = sorted(new.skip_dates - old.skip_dates)
    removed = sorted(old.skip_dates - new.skip_dates)
    if added:
        out.append(f"Newly skipped: {_dates_list(added)}.")
    if removed:
        out.append(f"No longer skipped: {_dates_list(removed)}.")
    return out


def _reviews(plan: Plan) -> int:
    return sum(1 for due in milestones(plan) if due.kind is DueKind.WEEKLY_REVIEW)


def _move(before: date, after: date) -> str:
    days = (after - before).days
    direction = "later" if days > 0 else "earlier"
    days = abs(days)
    amount = _count(days // 7, "week") if days % 7 == 0 else _count(days, "day")
    return f"from {before.isoformat()} to {after.isoformat()} ({amount} {direction})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _dates_list(days: list[date]) -> str:
    return ", ".join(d.isoformat() for d in days)
