"""The record the documents are written from (``bot.documents``), read as of an instant,
and the week a weekly report covers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from sqlmodel import Session

from bot.core.decisions import Decided
from bot.core.errors import DomainError
from bot.core.escalation import EscalationStep
from bot.core.localtime import local_date, local_instant
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.reviews import Note, WeeklyReview
from bot.core.roles import Role
from bot.documents.kinds import Document
from bot.documents.record import (
    ChangeAsked,
    ChangeLine,
    Deferred,
    EscalationTaken,
    PilotRecord,
    RiskLine,
)
from schedules.docs import meeting_notes, scope_state
from schedules.reviews import decided_of, final_evaluation_of, weekly_review_of
from storage.decisions import confirmations_of
from storage.escalation import steps_of_pilot
from storage.files import OwedFile
from storage.flags import flags_of, record_of
from storage.models import Pilot
from storage.pilots import plan_of
from storage.readings import criteria_as_of, readings_of
from storage.record import change_requests_of, deferred_of, scope_of
from storage.review_notes import LESSONS, notes_of
from storage.risks import register_of
from storage.team import change_log, team_of


def pilot_record(
    session: Session, pilot: Pilot, as_of: datetime, names: Mapping[str, str] | None = None
) -> PilotRecord:
    """Everything the documents show, with the record as of ``as_of``."""
    assert pilot.id is not None
    plan = plan_of(pilot)
    pid = pilot.id
    decisions: dict[str, Decided] = {}
    for phase in Phase:
        decided = decided_of(session, pid, phase.value)
        if decided is not None:
            decisions[phase.value] = decided
    return PilotRecord(
        plan=plan,
        channel_id=pilot.channel_id,
        state=pilot.state,
        as_of=as_of,
        criteria=tuple(criteria_as_of(session=session, pilot_id=pid, as_of=as_of)),
        readings=tuple(
            sorted(readings_of(session=session, pilot_id=pid, as_of=as_of), key=lambda r: r.at)
        ),
        flags=tuple(record_of(f) for f in flags_of(session=session, pilot_id=pid, as_of=as_of)),
        escalations=tuple(
            EscalationTaken(
                flag_number=number,
                step=EscalationStep(step.step).audience,
                users=tuple(u for u in step.users.split(",") if u),
                at=step.taken_at,
            )
            for number, step in steps_of_pilot(session=session, pilot_id=pid, as_of=as_of)
        ),
        changes=tuple(
            ChangeLine(at=c.at, by=c.user_id, kind=c.kind, summary=c.summary, reason=c.reason)
            for c in change_log(session=session, pilot_id=pid)
            if c.at <= as_of
        ),
        change_requests=tuple(
            ChangeAsked(
                number=r.number,
                kind=r.kind,
                summary=r.summary,
                reason=r.reason,
                impact=r.impact,
                status=r.status,
                requested_by=r.requested_by,
                requested_at=r.requested_at,
                decided_by=r.decided_by,
                decided_at=r.decided_at,
            )
            for r in change_requests_of(session=session, pilot_id=pid)
            if r.requested_at <= as_of
        ),
        risks=tuple(
            RiskLine(
                number=r.number,
                category=r.category,
                risk=r.risk,
                mitigation=r.mitigation,
                added_by=r.added_by,
                added_at=r.added_at,
                removed_at=r.removed_at if r.removed_at and r.removed_at <= as_of else None,
            )
            for r in register_of(session=session, pilot_id=pid)
            if r.added_at <= as_of
        ),
        scope=scope_of(session=session, pilot_id=pid),
        deferred=tuple(
            Deferred(number=d.number, request=d.request, by=d.requested_by, at=d.requested_at)
            for d in deferred_of(session=session, pilot_id=pid)
            if d.requested_at <= as_of
        ),
        confirmations=tuple(confirmations_of(session=session, pilot_id=pid, as_of=as_of)),
        lessons=tuple(
            Note(n.text, n.user_id, n.at, n.period)
            for n in notes_of(session=session, pilot_id=pid, kind=LESSONS, as_of=as_of)
        ),
        final=final_evaluation_of(session, pilot, plan, as_of),
        phase_decisions=decisions,
        team=tuple(
            (m.user_id, Role(m.role).display_name) for m in team_of(session=session, pilot_id=pid)
        ),
        names=dict(names or {}),
        meeting_notes=meeting_notes(session, pid, as_of),
        scope_state=scope_state(session, pilot),
    )


def week_end(plan: Plan, week: int) -> datetime:
    """The instant week ``week`` ends: the next local midnight after its last day."""
    return local_instant(plan.week_end(week) + timedelta(days=1), time(0, 0), plan.zone)


def report_week(plan: Plan, now: datetime, week: int | None) -> int:
    """The week a weekly report covers: ``week`` if the pilot has it and it has started,
    else (None) the last completed week; a DomainError says why not."""
    today = local_date(now, plan.zone)
    current = (today - plan.start).days // 7 + 1
    if week is None:
        if current <= 1:
            raise DomainError(
                f"No pilot week has ended yet (week 1 ends {plan.week_end(1):%a %b %d}). "
                "Ask for `week=1` to see the week so far."
            )
        return min(current - 1, plan.total_weeks)
    if not 1 <= week <= plan.total_weeks:
        raise DomainError(f"The pilot has weeks 1 to {plan.total_weeks}, not week {week}.")
    if week > current:
        raise DomainError(
            f"Week {week} starts {plan.week_start(week):%a %b %d}: there is nothing to report yet."
        )
    return week


def weekly_of(session: Session, pilot: Pilot, week: int, now: datetime) -> WeeklyReview:
    """Week ``week``'s review figures, as of its end (or now, for the week in progress)."""
    plan = plan_of(pilot)
    return weekly_review_of(session, pilot, plan, min(now, week_end(plan, week)))


def owed_files(documents: Sequence[Document]) -> list[OwedFile]:
    """Documents as the files an upload owes (the same four fields)."""
    return [
        OwedFile(filename=d.filename, title=d.title, content=d.content, alt_txt=d.alt_txt)
        for d in documents
    ]
