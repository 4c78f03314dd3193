"""The weekly metrics report (framework, Documentation Requirements: "Weekly metrics
reports"): criteria against targets with their trend, the week's issues, check-in
participation, planned and confirmed traffic, and the priorities."""

from __future__ import annotations

from datetime import timedelta

from bot.core.criteria import Progress, Reading, Trend
from bot.core.documentation import MeetingNoteLine, notes_in_week
from bot.core.reviews import WeeklyReview
from bot.core.timeline import phase_of_week, traffic_in_week
from bot.documents.formats import local_time, md_table, md_text
from bot.documents.logs import _md, title_block
from bot.documents.record import PilotRecord

_TREND = {Trend.UP: "up", Trend.DOWN: "down", Trend.FLAT: "flat"}
CRITERIA_HEADER = ("Criterion", "Target", "Latest", "Previous", "Trend", "Standing")


def criteria_rows(record: PilotRecord, progress: tuple[Progress, ...]) -> list[list[str]]:
    rows = []
    for p in progress:
        trend = _TREND[p.trend] if p.trend is not None else ""
        if p.toward_target is not None:
            trend += " (toward the target)" if p.toward_target else " (away from the target)"
        latest = p.latest
        rows.append(
            [
                f"C-{p.criterion.number} {p.criterion.name}",
                p.criterion.target_text,
                _latest(latest, record) if latest else "",
                p.previous.typed if p.previous else "",
                trend,
                p.standing.value,
            ]
        )
    return rows


def _latest(latest: Reading, record: PilotRecord) -> str:
    when = local_time(latest.at, record.plan.zone)
    where = f", {latest.origin}" if latest.origin else ""
    return f"{latest.typed} ({when}{where})"


def duration(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def weekly_md(record: PilotRecord, review: WeeklyReview, week: int) -> bytes:
    plan = record.plan
    first, last = plan.week_start(week), plan.week_end(week)
    phase = phase_of_week(plan, week)
    in_progress = record.as_of.astimezone(plan.zone).date() <= last
    title = f"weekly metrics report, week {week}" + (" (in progress)" if in_progress else "")
    lines = title_block(record, title)
    lines += [
        f"Week {week} of {plan.weeks} ({phase.display_name}): {first:%a %Y-%m-%d} to "
        f"{last:%a %Y-%m-%d}.",
        "",
        "## Success criteria",
        "",
    ]
    if review.progress:
        lines += md_table(CRITERIA_HEADER, criteria_rows(record, review.progress))
        met = sum(p.met for p in review.progress)
        lines += ["", f"{met} of {len(review.progress)} criteria met."]
    else:
        lines.append("No success criteria are defined.")
    if review.warnings:
        lines += [
            "",
            "**Early warning:** below target at this review and the one before: "
            + ", ".join(f"C-{c.number} {md_text(c.name)}" for c in review.warnings)
            + ".",
        ]
    lines += ["", "## Issues this week", ""]
    issues = review.issues
    if issues is None:
        lines.append("No issue flags were raised so far.")
    else:
        lines += [
            f"- Raised: {', '.join(issues.raised) or 'none'}",
            f"- Resolved: {', '.join(issues.resolved) or 'none'}",
            f"- Still open: {', '.join(issues.still_open) or 'none'}",
            "- Mean time to resolve: "
            + (duration(issues.time_to_resolve) if issues.time_to_resolve else "nothing resolved"),
        ]
    lines += ["", "## Check-in participation", ""]
    taking = review.participation
    if taking.by_member and taking.checkin_days:
        lines += md_table(
            ("Member", "Days checked in"),
            ([record.who(user), f"{days} of {taking.checkin_days}"] for user, days in
             taking.by_member),
        )
    else:
        lines.append("No check-in days this week.")
    lines += ["", "## Traffic", ""]
    confirmed = {c.week: c for c in record.confirmations}
    planned = traffic_in_week(plan, week)
    lines.append(f"- Planned for week {week}: {planned}%")
    this_week = confirmed.get(week)
    if this_week is not None:
        lines.append(
            f"- Confirmed applied: {this_week.pct}% by {md_text(record.who(this_week.by))} "
            f"({local_time(this_week.at, plan.zone)})"
        )
    elif review.traffic.confirmed is not None:
        lines.append(f"- Last confirmed: {review.traffic.confirmed.pct}% "
                     f"(week {review.traffic.confirmed.week})")
    else:
        lines.append("- Confirmed applied: nobody has confirmed a ramp step yet")
    if review.traffic.hold is not None:
        lines.append(f"- Held at {review.traffic.hold.pct}% after a No-go")
    lines += ["", "## Priorities", ""]
    note = review.last_priorities
    if note is None:
        lines.append("No priorities set yet.")
    else:
        lines.append(
            f"Set by {md_text(record.who(note.by))} ({local_time(note.at, plan.zone)}):"
        )
        lines += ["", *(f"> {md_text(line)}" for line in note.text.splitlines() if line.strip())]
    lines += ["", "## Meeting notes", ""]
    lines += meeting_notes_md(record, notes_in_week(record.meeting_notes, plan, week))
    return _md(lines)


def meeting_notes_md(record: PilotRecord, notes: list[MeetingNoteLine]) -> list[str]:
    """Each meeting's notes under its review, who wrote them and when, quoted."""
    if not notes:
        return ["No meeting notes."]
    lines: list[str] = []
    for note in notes:
        lines.append(
            f"**{md_text(note.review)}**, by {md_text(record.who(note.by))}"
            f" ({local_time(note.at, record.plan.zone)}):"
        )
        lines += ["", *(f"> {md_text(line)}" for line in note.text.splitlines() if line.strip())]
        lines.append("")
    return lines[:-1]
