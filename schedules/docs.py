"""The documentation checklists read from the record (``bot.core.documentation``): the
facts the record answers them from, the team's ticks with who and when, the scope
document's sign-off, and the meeting notes the documents show."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.checklists import POST_PILOT
from bot.core.decisions import RECOMMENDATION
from bot.core.documentation import (
    DURING_PILOT,
    PRE_PILOT,
    DocsFacts,
    Documentation,
    MeetingNoteLine,
    ScopeState,
    SignOff,
    TeamTick,
    documentation,
    review_label,
)
from bot.core.flags import FlagState
from bot.core.roles import Role
from schedules.reviews import decided_of, deciders_of
from storage.decisions import checklist_of
from storage.documentation import meeting_notes_of, reports_shared
from storage.flags import flags_of
from storage.models import Pilot
from storage.pilots import plan_of
from storage.record import change_requests_of, criteria_of, scope_of
from storage.review_notes import LESSONS, notes_of
from storage.risks import risks_of
from storage.signoff import latest_scope_document
from storage.team import change_log


def scope_state(session: Session, pilot: Pilot) -> ScopeState:
    """The scope as written, its latest version for sign-off and that version's signature."""
    assert pilot.id is not None
    defined = bool(scope_of(session=session, pilot_id=pilot.id))
    latest = latest_scope_document(session=session, pilot_id=pilot.id)
    decider = deciders_of(session, pilot.id).role_name
    if latest is None:
        return ScopeState(defined=defined, decider_role=decider)
    signed = None
    if latest.signed_by and latest.signed_at is not None:
        role = Role(latest.signer_role).display_name.lower() if latest.signer_role else ""
        signed = SignOff(latest.version, latest.signed_by, role, latest.signed_at)
    return ScopeState(
        defined=defined,
        version=latest.version,
        since=latest.created_at,
        why=latest.why,
        signed=signed,
        decider_role=decider,
    )


def docs_facts(session: Session, pilot: Pilot, now: datetime) -> DocsFacts:
    assert pilot.id is not None
    pid = pilot.id
    flags = flags_of(session=session, pilot_id=pid, as_of=now)
    notes = meeting_notes_of(session=session, pilot_id=pid, as_of=now)
    weekly, final = reports_shared(session=session, pilot_id=pid)
    return DocsFacts(
        plan=plan_of(pilot),
        at=now,
        scope=scope_state(session, pilot),
        criteria=len(criteria_of(session=session, pilot_id=pid)),
        risks=len(risks_of(session=session, pilot_id=pid)),
        flags_raised=len(flags),
        flags_open=sum(f.state == FlagState.OPEN.value for f in flags),
        changes_logged=len(change_log(session=session, pilot_id=pid)),
        change_requests=len(change_requests_of(session=session, pilot_id=pid)),
        weekly_reports=tuple(weekly),
        notes=len(notes),
        noted_reviews=len({n.review_key for n in notes}),
        final_reports=tuple(final),
        recommendation=decided_of(session, pid, RECOMMENDATION),
        lessons=len(notes_of(session=session, pilot_id=pid, kind=LESSONS, as_of=now)),
    )


def team_ticks(session: Session, pilot_id: int, name: str) -> dict[str, TeamTick]:
    stored = checklist_of(session=session, pilot_id=pilot_id, checklist=name)
    return {key: TeamTick(row.checked, row.user_id, row.at) for key, row in stored.items()}


def documentation_of(session: Session, pilot: Pilot, now: datetime) -> Documentation:
    """The three checklists as they stand ``now``."""
    assert pilot.id is not None
    ticks = {
        name: team_ticks(session, pilot.id, name) for name in (PRE_PILOT, DURING_PILOT, POST_PILOT)
    }
    return documentation(pilot_id=pilot.id, facts=docs_facts(session, pilot, now), ticks=ticks)


def meeting_notes(session: Session, pilot_id: int, as_of: datetime) -> tuple[MeetingNoteLine, ...]:
    """Every meeting's notes up to ``as_of``, each named by its review."""
    return tuple(
        MeetingNoteLine(review_label(n.review_key), n.text, n.user_id, n.at)
        for n in meeting_notes_of(session=session, pilot_id=pilot_id, as_of=as_of)
    )
