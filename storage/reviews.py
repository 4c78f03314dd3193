"""The reviews' record: metric values, priorities and lessons learned, ramp confirmations,
checklists, go/no-go decisions, and the ramp hold a No-go leaves.

Keyword-only queries that take the session; the caller's unit of work commits.
Readers take ``as_of``: a scheduled review shows the record as of its due time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, or_, select

from bot.core.cadence import checkin_days
from bot.core.checklists import OpenFlags
from bot.core.criteria import Criterion, Reading, plain_number
from bot.core.escalation import Severity
from bot.core.flags import issue_period
from bot.core.localtime import local_date
from bot.core.plan import Plan
from bot.core.reviews import IssueWeek, Participation
from bot.core.traffic import Confirmation, Hold
from storage.canvas import owe_canvas_update
from storage.flags import flags_touched, open_counts, record_of
from storage.models import (
    CheckinReply,
    ChecklistTick,
    MetricValue,
    Pilot,
    PilotDecision,
    RampConfirmation,
    ReviewNote,
    SuccessCriterion,
)
from storage.scope import Workspace
from storage.status import record_changed, status_record
from storage.team import team_of

PRIORITIES = "priorities"
LESSONS = "lessons"


def pilot_in(*, session: Session, workspace: Workspace, pilot_id: int) -> Pilot | None:
    """The pilot a button or a modal names, only if it is in ``workspace``."""
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or pilot.team_id != workspace.team_id:
        return None
    return pilot


# ----- success criteria and their values ---------------------------------------------------


def criteria_as_of(*, session: Session, pilot_id: int, as_of: datetime) -> list[Criterion]:
    """The success criteria in force at ``as_of``, in number order."""
    rows = session.exec(
        select(SuccessCriterion)
        .where(
            SuccessCriterion.pilot_id == pilot_id,
            col(SuccessCriterion.added_at) <= as_of,
            or_(
                col(SuccessCriterion.removed_at).is_(None),
                col(SuccessCriterion.removed_at) > as_of,
            ),
        )
        .order_by(col(SuccessCriterion.number))
    ).all()
    return [_criterion(row) for row in rows]


def _criterion(row: SuccessCriterion) -> Criterion:
    assert row.id is not None
    return Criterion(id=row.id, number=row.number, name=row.name, target_text=row.target)


def readings_of(*, session: Session, pilot_id: int, as_of: datetime) -> list[Reading]:
    """Every value recorded up to ``as_of`` (inclusive), oldest first."""
    rows = session.exec(
        select(MetricValue)
        .where(MetricValue.pilot_id == pilot_id, col(MetricValue.recorded_at) <= as_of)
        .order_by(col(MetricValue.recorded_at), col(MetricValue.id))
    ).all()
    return [
        Reading(
            criterion_id=row.criterion_id,
            value=Decimal(row.value),
            typed=row.typed,
            at=row.recorded_at,
            by=row.recorded_by,
            source=row.source,
        )
        for row in rows
    ]


def record_values(
    *,
    session: Session,
    pilot_id: int,
    values: Iterable[tuple[int, Decimal, str]],
    user_id: str,
    at: datetime,
) -> int:
    """Store (criterion id, value, as typed) readings; returns how many."""
    count = 0
    for criterion_id, value, typed in values:
        session.add(
            MetricValue(
                pilot_id=pilot_id,
                criterion_id=criterion_id,
                value=plain_number(value),
                typed=typed[:100],
                recorded_by=user_id,
                recorded_at=at,
            )
        )
        count += 1
    session.flush()
    if count:  # the canvas shows each criterion's latest value
        owe_canvas_update(session=session, pilot_id=pilot_id, now=at)
    return count


# ----- priorities and lessons learned -------------------------------------------------------


def add_note(
    *,
    session: Session,
    pilot_id: int,
    kind: str,
    period: str,
    text: str,
    user_id: str,
    at: datetime,
) -> ReviewNote:
    note = ReviewNote(
        pilot_id=pilot_id, kind=kind, period=period, text=text, user_id=user_id, at=at
    )
    session.add(note)
    session.flush()
    return note


def latest_note(
    *, session: Session, pilot_id: int, kind: str, as_of: datetime, period: str | None = None
) -> ReviewNote | None:
    """The newest note of ``kind`` (of ``period``, if given) written up to ``as_of``."""
    found = notes_of(session=session, pilot_id=pilot_id, kind=kind, as_of=as_of, period=period)
    return found[-1] if found else None


def notes_of(
    *, session: Session, pilot_id: int, kind: str, as_of: datetime, period: str | None = None
) -> list[ReviewNote]:
    """Every note of ``kind`` (of ``period``, if given) written up to ``as_of``, oldest first."""
    query = select(ReviewNote).where(
        ReviewNote.pilot_id == pilot_id, ReviewNote.kind == kind, col(ReviewNote.at) <= as_of
    )
    if period is not None:
        query = query.where(ReviewNote.period == period)
    return list(session.exec(query.order_by(col(ReviewNote.at), col(ReviewNote.id))).all())


# ----- ramp confirmations -----------------------------------------------------------------


def confirm_ramp(
    *, session: Session, pilot_id: int, week: int, pct: int, user_id: str, at: datetime
) -> bool:
    """Record week ``week``'s step as applied; False if someone confirmed it first."""
    return _insert_once(
        session,
        RampConfirmation(
            pilot_id=pilot_id, week=week, pct=pct, confirmed_by=user_id, confirmed_at=at
        ),
        ["pilot_id", "week"],
    )


def confirmation_of(*, session: Session, pilot_id: int, week: int) -> RampConfirmation | None:
    return session.exec(
        select(RampConfirmation).where(
            RampConfirmation.pilot_id == pilot_id, RampConfirmation.week == week
        )
    ).first()


def confirmations_of(*, session: Session, pilot_id: int, as_of: datetime) -> list[Confirmation]:
    rows = session.exec(
        select(RampConfirmation)
        .where(RampConfirmation.pilot_id == pilot_id, col(RampConfirmation.confirmed_at) <= as_of)
        .order_by(col(RampConfirmation.week))
    ).all()
    return [Confirmation(r.week, r.pct, r.confirmed_by, r.confirmed_at) for r in rows]


# ----- checklists -------------------------------------------------------------------------


def checklist_of(*, session: Session, pilot_id: int, checklist: str) -> dict[str, ChecklistTick]:
    rows = session.exec(
        select(ChecklistTick).where(
            ChecklistTick.pilot_id == pilot_id, ChecklistTick.checklist == checklist
        )
    ).all()
    return {row.item: row for row in rows}


def tick_checklist(
    *,
    session: Session,
    pilot_id: int,
    checklist: str,
    items: Sequence[str],
    checked: Iterable[str],
    user_id: str,
    at: datetime,
) -> list[str]:
    """Set ``items`` ticked (those in ``checked``) or not; returns the items that changed."""
    ticked = set(checked)
    current = checklist_of(session=session, pilot_id=pilot_id, checklist=checklist)
    changed = []
    for item in items:
        row = current.get(item)
        wanted = item in ticked
        if row is None:
            row = ChecklistTick(pilot_id=pilot_id, checklist=checklist, item=item, user_id=user_id)
        elif row.checked == wanted:
            continue
        row.checked, row.user_id, row.at = wanted, user_id, at
        session.add(row)
        changed.append(item)
    session.flush()
    return changed


# ----- decisions and the ramp hold -----------------------------------------------------------


def decision_of(*, session: Session, pilot_id: int, subject: str) -> PilotDecision | None:
    return session.exec(
        select(PilotDecision).where(
            PilotDecision.pilot_id == pilot_id, PilotDecision.subject == subject
        )
    ).first()


def record_decision(*, session: Session, decision: PilotDecision) -> bool:
    """Store a decision unless one was made on the subject already (two clicks: one wins)."""
    return _insert_once(session, decision, ["pilot_id", "subject"])


def ramp_hold(*, session: Session, pilot_id: int, as_of: datetime) -> Hold | None:
    """The hold a phase No-go put on the ramp, unless a change was approved since."""
    return status_record(connection=session.connection(), pilot_id=pilot_id, as_of=as_of).hold


# ----- the issue log and check-in participation ---------------------------------------------
# The one place the reviews read flags from (storage.flags keeps them).


def open_flags(*, session: Session, pilot_id: int, as_of: datetime) -> OpenFlags | None:
    """Open issue flags by severity at ``as_of``."""
    counts = open_counts(session=session, pilot_id=pilot_id, as_of=as_of)
    return OpenFlags(critical=counts[Severity.CRITICAL], major=counts[Severity.MAJOR])


def issue_week(
    *, session: Session, pilot_id: int, start: datetime, end: datetime
) -> IssueWeek | None:
    """The issue log over [start, end): raised, resolved, still open at ``end``."""
    touched = flags_touched(session=session, pilot_id=pilot_id, start=start, end=end)
    return issue_period((record_of(flag) for flag in touched), start, end)


def participation(
    *, session: Session, pilot_id: int, plan: Plan, start: datetime, end: datetime
) -> Participation:
    """Check-in days per person over the local days [start's date, end's date), from the
    replies in the check-in threads as they stood at ``end``; team members first."""
    first, last = local_date(start, plan.zone), local_date(end, plan.zone)
    days = [d for d in checkin_days(plan) if first <= d < last]
    rows = session.exec(
        select(col(CheckinReply.user_id), col(CheckinReply.day))
        .where(
            CheckinReply.pilot_id == pilot_id,
            col(CheckinReply.day) >= first,
            col(CheckinReply.day) < last,
            col(CheckinReply.created_at) <= end,
        )
        .distinct()
    ).all()
    counts = dict.fromkeys((m.user_id for m in team_of(session=session, pilot_id=pilot_id)), 0)
    for user_id, _ in rows:
        counts[user_id] = counts.get(user_id, 0) + 1
    return Participation(checkin_days=len(days), by_member=tuple(counts.items()))


# ----- helpers ----------------------------------------------------------------------------


def _insert_once(session: Session, row: SQLModel, unique: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on ``unique``: True if this call inserted the row."""
    table: Any = type(row)
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**row.model_dump(exclude={"id"}))
        .on_conflict_do_nothing(index_elements=unique)
        .returning(table.id)
    )
    if session.exec(statement).first() is None:
        return False
    record_changed(session, row.pilot_id)  # type: ignore[attr-defined]
    return True
