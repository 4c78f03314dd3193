"""The end-of-phase review post and the final evaluation: rendered again after each
answer, its checklists ticked, and lessons learned recorded on it."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import Reply
from bot.blocks.phase import final_evaluation_message, lessons_modal, phase_review_message
from bot.core.checklists import POST_PILOT, checklist
from bot.core.errors import Refusal
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.features.access import Named, pilot_at, require_record_keeper
from schedules.reviews import final_evaluation_of, phase_review_of
from storage.db import Session
from storage.decisions import tick_checklist
from storage.models import Pilot
from storage.outbox import UPDATE, message_for_key, owe
from storage.pilots import plan_of
from storage.review_notes import LESSONS, add_note

MAX_LESSONS = 3000
REVIEWED = (Phase.SETUP, Phase.SOFT_LAUNCH, Phase.EXPANDED)
OUT_OF_DATE = "This button is out of date; use the latest post in the channel."


@dataclass(frozen=True)
class Ticked:
    """A checklist tick: ``refused`` says why it was not stored (None: it was)."""

    refused: str | None


def reviewed_phase(value: str) -> Phase:
    """A phase whose end is reviewed, as a button or a form names it."""
    try:
        phase = Phase(value)
    except ValueError:
        phase = None
    if phase not in REVIEWED:
        raise Refusal(OUT_OF_DATE)
    assert phase is not None
    return phase


def _post_key(name: str) -> str:
    return "final_evaluation" if name == POST_PILOT else f"phase_review:{name}"


def _rendered(session: Session, pilot: Pilot, plan: Plan, name: str, now: datetime) -> Reply:
    """The phase review (``name``: a phase) or final evaluation (``post_pilot``) as it
    stands: metrics as of its due time, ticks and decisions as they are now."""
    assert pilot.id is not None
    row = message_for_key(session=session, pilot_id=pilot.id, key=_post_key(name))
    at = row.due_at if row is not None else now
    if name == POST_PILOT:
        return final_evaluation_message(final_evaluation_of(session, pilot, plan, at))
    return phase_review_message(phase_review_of(session, pilot, plan, Phase(name), at))


def owe_review_rewrite(
    *, session: Session, pilot: Pilot, plan: Plan, name: str, now: datetime
) -> None:
    """The review post (``name``: a phase, or ``post_pilot``) rewritten as it stands now:
    once it is in Slack, and superseding any older rewrite still waiting."""
    reply = _rendered(session, pilot, plan, name, now)
    post_key = _post_key(name)
    owe(
        session=session,
        pilot=pilot,
        key=f"{post_key}:shown:{uuid.uuid4().hex[:12]}",
        kind="review_update",
        message=reply.message(),
        now=now,
        method=UPDATE,
        after_key=post_key,
    )


def tick(
    *,
    session: Session,
    now: datetime,
    where: Named,
    name: str,
    group_prefix: str,
    ticked: Collection[str],
    user_id: str,
) -> Ticked:
    """A checkbox group of checklist ``name`` changed: its items stored as ticked now, and
    the post rewritten for everyone: a refused tick is undone on screen, which is why a
    refusal comes back as a result (the rewrite must commit) rather than raised."""
    try:
        items = checklist(name)
    except ValueError:
        raise Refusal("This checklist is out of date; use the latest post.") from None
    # A message has one checkbox group per part (deliverables, exit criteria, documents):
    # the group's ticked items replace its items' state.
    group = [item.key for item in items if item.key.startswith(group_prefix)]
    pilot = pilot_at(session=session, where=where)
    refusal: Refusal | None = None
    try:
        require_record_keeper(
            session=session, pilot=pilot, user_id=user_id, action="tick the checklist"
        )
    except Refusal as refused:
        refusal = refused
    if refusal is None:
        tick_checklist(
            session=session,
            pilot_id=where.pilot_id,
            checklist=name,
            items=group,
            checked=set(ticked),
            user_id=user_id,
            at=now,
        )
    owe_review_rewrite(session=session, pilot=pilot, plan=plan_of(pilot), name=name, now=now)
    return Ticked(refused=None if refusal is None else refusal.message)


def lessons_form(*, session: Session, where: Named, phase: Phase, user_id: str) -> dict[str, Any]:
    pilot = pilot_at(session=session, where=where)
    require_record_keeper(
        session=session, pilot=pilot, user_id=user_id, action="record lessons learned"
    )
    return lessons_modal(pilot_id=where.pilot_id, plan=plan_of(pilot), phase=phase)


@dataclass(frozen=True)
class LessonsSaved:
    channel_id: str
    answer: str


def save_lessons(
    *, session: Session, now: datetime, where: Named, phase_value: str, user_id: str, text: str
) -> LessonsSaved:
    """Lessons learned for a phase, on the review post and counted by the final evaluation."""
    pilot = pilot_at(session=session, where=where)
    require_record_keeper(
        session=session, pilot=pilot, user_id=user_id, action="record lessons learned"
    )
    phase = reviewed_phase(phase_value)
    assert pilot.id is not None
    add_note(
        session=session,
        pilot_id=pilot.id,
        kind=LESSONS,
        period=phase.value,
        text=text,
        user_id=user_id,
        at=now,
    )
    owe_review_rewrite(session=session, pilot=pilot, plan=plan_of(pilot), name=phase.value, now=now)
    return LessonsSaved(
        pilot.channel_id,
        f"Saved your lessons learned for {phase.display_name}; the final evaluation counts them.",
    )
