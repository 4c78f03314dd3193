"""`pilot-bot agenda`: what each pilot owes next, when, and why (or why not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.core.cadence import Due, DueKind, cadence_between, first_checkin_date, next_due
from bot.core.errors import DomainError
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_date, local_instant, require_aware
from bot.core.plan import Plan
from bot.core.workdays import holiday_name, is_workday
from schedules.tick import SENT_KINDS
from storage.checkins import checkin_key
from storage.db import unit_of_work
from storage.installations import gone_workspaces
from storage.models import OutboxMessage, Pilot, WorkspaceInstall
from storage.outbox import OWED, SENT, SKIPPED, UNKNOWN, messages_of_pilot, undelivered_of
from storage.pilots import NOTHING_OWED, plan_of, scheduled_pilots

RECENT = timedelta(days=7)  # skipped and failed messages shown, looking back


@dataclass(frozen=True)
class AgendaEntry:
    pilot_id: int
    title: str  # "Acme POC · Acme (T0001 #C0001, paused)"
    lines: tuple[str, ...]


def agenda(*, engine: Engine, now: datetime) -> list[AgendaEntry]:
    """Every active or paused pilot, with what it owes next and what it did not send."""
    require_aware(now, "now")
    entries = []
    with unit_of_work(engine) as session:
        gone = gone_workspaces(session=session)  # the app left them (multi-workspace mode)
        for pilot in scheduled_pilots(session=session):
            assert pilot.id is not None
            recent = messages_of_pilot(session=session, pilot_id=pilot.id, limit=50)
            refused = undelivered_of(session=session, pilot_id=pilot.id)
            entries.append(_entry(pilot, recent, now, refused, gone.get(pilot.team_id)))
    return entries


def render_agenda(entries: list[AgendaEntry], now: datetime) -> str:
    if not entries:
        return "No active or paused pilots: nothing is owed."
    head = f"Agenda as of {now:%Y-%m-%d %H:%M} UTC ({len(entries)} pilot(s))"
    blocks = [head]
    for entry in entries:
        blocks.append("\n".join([entry.title, *(f"  {line}" for line in entry.lines)]))
    return "\n\n".join(blocks)


def _entry(
    pilot: Pilot,
    recent: Sequence[OutboxMessage],
    now: datetime,
    refused: Sequence[OutboxMessage] = (),
    gone: WorkspaceInstall | None = None,
) -> AgendaEntry:
    assert pilot.id is not None
    state = "" if pilot.state == PilotState.ACTIVE else f", {pilot.state}"
    title = f"{pilot.name} · {pilot.customer} ({pilot.team_id} #{pilot.channel_id}{state})"
    try:
        plan = plan_of(pilot)
    except DomainError as error:
        return AgendaEntry(pilot.id, title, (f"cannot be scheduled: {error}",))
    rows = list(recent)
    lines: list[str] = []
    if gone is not None and gone.gone_at is not None:
        lines.append(
            f"not sent: {gone.gone_reason} on {gone.gone_at:%Y-%m-%d %H:%M} UTC; what comes due"
            " is skipped until the app is installed in the workspace again"
        )
    if pilot.state == PilotState.PAUSED:
        reason = f" ({pilot.state_reason})" if pilot.state_reason else ""
        lines.append(f"paused{reason}: nothing is sent until `/pilot resume`")
    lines += _today(plan, now, rows, paused=pilot.state == PilotState.PAUSED)
    lines += _next(plan, now, paused=pilot.state == PilotState.PAUSED)
    lines += _owed(rows, plan)
    lines += _not_sent(rows, plan, now)
    lines += _refused(refused)
    lines.append(_schedule_note(pilot, plan))
    return AgendaEntry(pilot.id, title, tuple(lines))


def _today(plan: Plan, now: datetime, rows: list[OutboxMessage], *, paused: bool) -> list[str]:
    today = local_date(now, plan.zone)
    first = first_checkin_date(plan)
    if today < first:
        return [f"check-ins start {_day(first)} ({plan.checkins_from.display_name})"]
    if today > plan.hard_end_date:
        return [f"check-ins ended with the pilot on {_day(plan.hard_end_date)}"]
    if is_workday(plan, today):
        key = str(checkin_key(today))
        row = next((r for r in rows if r.key == key), None)
        if row is None:
            due = local_instant(today, plan.checkin, plan.zone)
            if paused:
                return ["today's check-in: not sent, the pilot is paused"]
            return [f"today's check-in: due at {_when(due)}"]
        if row.status == SENT and row.sent_at is not None:
            return [f"today's check-in: posted at {_when(row.sent_at.astimezone(plan.zone))}"]
        return [f"today's check-in: {row.status} (see below)"]
    skipped = today in plan.skip_dates
    why = "a skip date" if skipped else holiday_name(plan, today) or "the weekend"
    return [f"no check-in today ({_day(today)}): {why}"]


def _next(plan: Plan, now: datetime, *, paused: bool) -> list[str]:
    upcoming = next_due(plan, now)
    if upcoming is None:
        return ["owes nothing more: the cadence is over"]
    checkin = _next_sent_kind(plan, now, upcoming)
    lines = []
    verb = "would be" if paused else "next"
    if checkin is not None:
        lines.append(f"{verb}: {_describe(checkin)} at {_when(checkin.due_at)}")
    if checkin is None or upcoming.sort_key < checkin.sort_key:
        lines.append(
            f"also due: {_describe(upcoming)} at {_when(upcoming.due_at)} "
            "(not sent by this version yet)"
        )
    return lines


def _next_sent_kind(plan: Plan, now: datetime, upcoming: Due) -> Due | None:
    if upcoming.kind in SENT_KINDS:
        return upcoming
    # Look ahead a few weeks at most: check-ins are daily when there are any.
    for due in cadence_between(plan, now, now + timedelta(days=21)):
        if due.kind in SENT_KINDS:
            return due
    return None


def _owed(rows: list[OutboxMessage], plan: Plan) -> list[str]:
    lines = []
    for row in sorted((r for r in rows if r.status in OWED), key=lambda r: r.due_at):
        attempt = f"attempt {row.attempts + 1}" if row.attempts else "first attempt"
        when = _when(row.next_attempt_at.astimezone(plan.zone)) if row.next_attempt_at else "?"
        error = f", last error: {row.last_error}" if row.last_error else ""
        unknown = "; may be posted already: history is checked first"
        unknown = unknown if row.status == UNKNOWN else ""
        lines.append(f"owed: {row.key} ({attempt} at {when}{error}{unknown})")
    return lines


def _not_sent(rows: list[OutboxMessage], plan: Plan, now: datetime) -> list[str]:
    lines = []
    for row in rows:
        if row.status == SKIPPED and row.due_at >= now - RECENT:
            lines.append(f"skipped: {row.key}: {row.skipped_reason}")
    return lines


def _refused(rows: Sequence[OutboxMessage]) -> list[str]:
    """Every message Slack refused for good, however old: someone has to fix its cause."""
    lines = []
    for row in rows:
        where = f"a DM to {row.dm_users}" if row.dm_users else f"#{row.channel_id}"
        lines.append(f"refused for good: {row.key} to {where}: Slack said {row.last_error}")
    return lines


def _schedule_note(pilot: Pilot, plan: Plan) -> str:
    if pilot.next_due_at is None:
        return "scheduler: not scheduled yet (picked up by the next tick)"
    if pilot.next_due_at >= NOTHING_OWED:
        return "scheduler: nothing more is owed"
    return f"scheduler: looks again at {_when(pilot.next_due_at.astimezone(plan.zone))}"


_LABELS = {
    DueKind.CHECKIN: "check-in",
    DueKind.REMINDER: "check-in reminder",
    DueKind.WEEKLY_REVIEW: "weekly review",
    DueKind.RAMP_CHANGE: "ramp change announcement",
    DueKind.RAMP_HEADS_UP: "ramp change heads-up",
    DueKind.PHASE_REVIEW: "end-of-phase review",
    DueKind.FINAL_EVALUATION: "final evaluation",
    DueKind.RECOMMENDATION_REMINDER: "recommendation reminder",
}


def _describe(due: Due) -> str:
    return f"{_LABELS[due.kind]} ({due.key})"


def _when(instant: datetime) -> str:
    return f"{instant:%a %b} {instant.day} {instant:%H:%M %Z}"


def _day(d: date) -> str:
    return f"{d:%a %b} {d.day}, {d.year}"
