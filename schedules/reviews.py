"""The reviews and ramp posts the cadence owes: what each says, read from the record as
of its due time, and the outbox rows the tick records for them (``REVIEW_BUILDERS``).

Each post follows the check-ins' rules: skipped with the reason while the pilot is
paused, and when the bot was down past the end of its local day (a weekly review
missed by hours still goes out that day; a heads-up whose day has passed does not).
Ramp posts are also skipped while a phase No-go holds the ramp, and the reminder
when the recommendation is already recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from sqlmodel import Session

from bot.blocks import Reply
from bot.blocks.phase import (
    final_evaluation_message,
    phase_review_message,
    recommendation_reminder,
)
from bot.blocks.ramp import ramp_change_message, ramp_heads_up_message
from bot.blocks.review import weekly_review_message
from bot.core.authority import decision_maker
from bot.core.cadence import Due, DueKind
from bot.core.checkins import checkin_day_end
from bot.core.checklists import (
    POST_PILOT,
    phase_checklist,
    post_pilot_checklist,
    record_answers,
    ticked_items,
)
from bot.core.criteria import early_warnings, progress_of_all
from bot.core.decisions import RECOMMENDATION, Decided, Deciders, Decision
from bot.core.documentation import post_pilot_record
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_instant
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.refs import CHANGE, ref
from bot.core.reviews import (
    ISSUE_WEEK,
    FinalEvaluation,
    Note,
    PhaseReview,
    WeeklyReview,
    review_before,
    review_week,
)
from bot.core.roles import Role
from bot.core.traffic import ramp_step, traffic
from schedules.owed import downtime_reason, local_label, new_message, skipped
from storage.checkins import participation
from storage.decisions import checklist_of, confirmations_of, decision_of, ramp_hold
from storage.documentation import reports_shared
from storage.flags import issue_week, open_flags
from storage.models import OutboxMessage, Pilot
from storage.outbox import encode_payload
from storage.readings import criteria_as_of, readings_of
from storage.record import change_request_by_id
from storage.review_notes import LESSONS, PRIORITIES, latest_note, notes_of
from storage.team import holders

Builder = Callable[[Pilot, Plan, Due, datetime, Session], OutboxMessage]
RAMP_ON_HOLD = "ramp on hold after a No-go"


# ----- what the reviews say, from the record ------------------------------------------------


def deciders_of(session: Session, pilot_id: int) -> Deciders:
    role, users = decision_maker(holders(session=session, pilot_id=pilot_id))
    return Deciders(role, tuple(users))


def decided_of(session: Session, pilot_id: int, subject: str) -> Decided | None:
    row = decision_of(session=session, pilot_id=pilot_id, subject=subject)
    if row is None:
        return None
    change_ref = ""
    if row.change_request_id is not None:
        change = change_request_by_id(session=session, request_id=row.change_request_id)
        change_ref = ref(CHANGE, change.number) if change is not None else ""
    return Decided(
        outcome=Decision(row.outcome),
        by=row.decided_by,
        role_name=Role(row.role).display_name.lower() if row.role else "",
        at=row.decided_at,
        reason=row.reason,
        held_pct=row.held_pct,
        change_ref=change_ref,
    )


def weekly_review_of(
    session: Session, pilot: Pilot, plan: Plan, at: datetime, *, on_demand: bool = False
) -> WeeklyReview:
    """The weekly review with the record as of ``at``."""
    assert pilot.id is not None
    criteria = criteria_as_of(session=session, pilot_id=pilot.id, as_of=at)
    readings = readings_of(session=session, pilot_id=pilot.id, as_of=at)
    previous = review_before(plan, at)
    week = review_week(plan, at)
    priorities = latest_note(session=session, pilot_id=pilot.id, kind=PRIORITIES, as_of=at)
    hold = ramp_hold(session=session, pilot_id=pilot.id, as_of=at)
    confirmations = confirmations_of(session=session, pilot_id=pilot.id, as_of=at)
    return WeeklyReview(
        pilot_id=pilot.id,
        plan=plan,
        at=at,
        week=week,
        period=f"w{week or 0}",
        on_demand=on_demand,
        progress=tuple(progress_of_all(criteria, readings, at)),
        warnings=tuple(
            early_warnings(
                criteria,
                readings,
                this_review=at,
                previous_review=previous.due_at if previous is not None else None,
            )
        ),
        issues=issue_week(session=session, pilot_id=pilot.id, start=at - ISSUE_WEEK, end=at),
        participation=participation(
            session=session, pilot_id=pilot.id, plan=plan, start=at - ISSUE_WEEK, end=at
        ),
        traffic=traffic(plan, at, confirmations, hold),
        last_priorities=(
            None
            if priorities is None
            else Note(priorities.text, priorities.user_id, priorities.at, priorities.period)
        ),
    )


def phase_review_of(
    session: Session, pilot: Pilot, plan: Plan, phase: Phase, at: datetime
) -> PhaseReview:
    """The end-of-phase review with the record as of ``at`` (checklist ticks as they are)."""
    assert pilot.id is not None
    criteria = criteria_as_of(session=session, pilot_id=pilot.id, as_of=at)
    progress = progress_of_all(
        criteria, readings_of(session=session, pilot_id=pilot.id, as_of=at), at
    )
    answers = record_answers(
        phase, progress, open_flags(session=session, pilot_id=pilot.id, as_of=at), as_of=at
    )
    items = phase_checklist(phase)
    stored = checklist_of(session=session, pilot_id=pilot.id, checklist=phase.value)
    hold = ramp_hold(session=session, pilot_id=pilot.id, as_of=at)
    lessons = notes_of(
        session=session, pilot_id=pilot.id, kind=LESSONS, as_of=at, period=phase.value
    )
    return PhaseReview(
        pilot_id=pilot.id,
        plan=plan,
        phase=phase,
        at=at,
        items=items,
        ticked=ticked_items(items, {k: r.checked for k, r in stored.items()}, answers),
        answers=answers,
        progress=tuple(progress),
        traffic_pct=hold.pct if hold is not None else traffic(plan, at, [], None).planned,
        deciders=deciders_of(session, pilot.id),
        decided=decided_of(session, pilot.id, phase.value),
        lessons=len(lessons),
    )


def final_evaluation_of(
    session: Session, pilot: Pilot, plan: Plan, at: datetime
) -> FinalEvaluation:
    """The end-of-pilot evaluation with the record as of ``at``."""
    assert pilot.id is not None
    criteria = criteria_as_of(session=session, pilot_id=pilot.id, as_of=at)
    progress = progress_of_all(
        criteria, readings_of(session=session, pilot_id=pilot.id, as_of=at), at
    )
    lessons = notes_of(session=session, pilot_id=pilot.id, kind=LESSONS, as_of=at)
    recommendation = decided_of(session, pilot.id, RECOMMENDATION)
    # The same answers as `/pilot docs` gives for the Post-Pilot list (bot.core.documentation).
    answers = post_pilot_record(
        plan,
        lessons=len(lessons),
        final_reports=reports_shared(session=session, pilot_id=pilot.id)[1],
        recommendation=recommendation,
    )
    items = post_pilot_checklist()
    stored = checklist_of(session=session, pilot_id=pilot.id, checklist=POST_PILOT)
    since = local_instant(plan.start, time(0, 0), plan.zone)
    return FinalEvaluation(
        pilot_id=pilot.id,
        plan=plan,
        at=at,
        progress=tuple(progress),
        open_issues=issue_week(session=session, pilot_id=pilot.id, start=since, end=at),
        deciders=deciders_of(session, pilot.id),
        recommendation=recommendation,
        items=items,
        ticked=ticked_items(items, {k: r.checked for k, r in stored.items()}, answers),
        answers=answers,
    )


# ----- the outbox rows the tick records --------------------------------------------------------

_WHAT = {
    DueKind.WEEKLY_REVIEW: "weekly review",
    DueKind.RAMP_CHANGE: "ramp announcement",
    DueKind.RAMP_HEADS_UP: "ramp heads-up",
    DueKind.PHASE_REVIEW: "phase review",
    DueKind.FINAL_EVALUATION: "final evaluation",
    DueKind.RECOMMENDATION_REMINDER: "recommendation reminder",
}


def _owed(pilot: Pilot, plan: Plan, due: Due, now: datetime) -> tuple[OutboxMessage, bool]:
    """The row, and whether it is still to be sent (else skipped with the reason)."""
    what = _WHAT[due.kind]
    message = new_message(pilot, due, now, useful_until=checkin_day_end(plan, due.local_date))
    if pilot.state == PilotState.PAUSED:
        skipped(message, f"the pilot was paused: {what}s are not sent while paused")
        return message, False
    if message.useful_until is not None and now >= message.useful_until:
        skipped(message, downtime_reason(due, now, plan, what))
        return message, False
    return message, True


def _with(message: OutboxMessage, reply: Reply, now: datetime) -> OutboxMessage:
    message.payload = encode_payload(reply.message())
    message.next_attempt_at = now
    return message


def _weekly_review(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    message, owed = _owed(pilot, plan, due, now)
    if not owed:
        return message
    # The record as of the due time, however late the tick runs.
    review = weekly_review_of(session, pilot, plan, due.due_at)
    return _with(message, weekly_review_message(review), now)


def _ramp_change(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    return _ramp(pilot, plan, due, now, session, heads_up=False)


def _ramp_heads_up(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    return _ramp(pilot, plan, due, now, session, heads_up=True)


def _ramp(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session, *, heads_up: bool
) -> OutboxMessage:
    assert pilot.id is not None
    message, owed = _owed(pilot, plan, due, now)
    if not owed:
        return message
    hold = ramp_hold(session=session, pilot_id=pilot.id, as_of=now)
    if hold is not None:
        return skipped(
            message,
            f"{RAMP_ON_HOLD} (end of {hold.phase.display_name}, {local_label(hold.since, plan)}):"
            f" traffic stays at {hold.pct}% until a change is approved",
        )
    step = ramp_step(plan, int(due.period.removeprefix("w")))
    if step is None:  # pragma: no cover - the cadence owes ramp posts for steps only
        return skipped(message, "the plan has no ramp step that week any more")
    if heads_up:
        return _with(message, ramp_heads_up_message(plan, step, pilot_id=pilot.id), now)
    return _with(message, ramp_change_message(plan, step, pilot_id=pilot.id), now)


def _phase_review(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    message, owed = _owed(pilot, plan, due, now)
    if not owed:
        return message
    review = phase_review_of(session, pilot, plan, Phase(due.period), due.due_at)
    return _with(message, phase_review_message(review), now)


def _final_evaluation(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    message, owed = _owed(pilot, plan, due, now)
    if not owed:
        return message
    evaluation = final_evaluation_of(session, pilot, plan, due.due_at)
    return _with(message, final_evaluation_message(evaluation), now)


def _recommendation_reminder(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    assert pilot.id is not None
    message, owed = _owed(pilot, plan, due, now)
    if not owed:
        return message
    recorded = decided_of(session, pilot.id, RECOMMENDATION)
    if recorded is not None:
        return skipped(
            message,
            f"the recommendation was recorded: {recorded.outcome.label} by {recorded.by}"
            f" at {local_label(recorded.at, plan)}",
        )
    deciders = deciders_of(session, pilot.id)
    if not deciders.users:
        return skipped(
            message,
            "nobody holds the deciding role (executive sponsor, or project lead) to remind",
        )
    message.dm_users = ",".join(deciders.users)
    reply = recommendation_reminder(
        plan, pilot_id=pilot.id, channel_id=pilot.channel_id, role_name=deciders.role_name
    )
    return _with(message, reply, now)


REVIEW_BUILDERS: dict[DueKind, Builder] = {
    DueKind.WEEKLY_REVIEW: _weekly_review,
    DueKind.RAMP_CHANGE: _ramp_change,
    DueKind.RAMP_HEADS_UP: _ramp_heads_up,
    DueKind.PHASE_REVIEW: _phase_review,
    DueKind.FINAL_EVALUATION: _final_evaluation,
    DueKind.RECOMMENDATION_REMINDER: _recommendation_reminder,
}
