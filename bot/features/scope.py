"""The pilot's scope (framework: in scope, out of scope, ...): read, written by an editor
before the start date (after it, only through the change process), and requests deferred
to Phase 2. Each write is in the change log; a written scope goes out for sign-off."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.blocks import Reply
from bot.blocks.docs import scope_signoff_line
from bot.blocks.record import (
    Deferred,
    deferred_added,
    scope_after_start,
    scope_reply,
    scope_updated,
)
from bot.core.boundaries import Boundary
from bot.core.changes import needs_approval
from bot.core.localtime import local_date
from bot.features.access import Where, editable_pilot, pilot_at
from bot.features.signoff import owe_scope_document
from schedules.docs import scope_state
from storage.db import Session
from storage.pilots import plan_of
from storage.record import defer_request, deferred_of, scope_of, set_scope
from storage.team import log_change


def scope_view(*, session: Session, now: datetime, where: Where, page: int) -> Reply:
    """`/pilot scope`: the boundaries, what was deferred, and the sign-off."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    plan = plan_of(pilot)
    deferred = [
        Deferred(d.number, d.request, d.requested_by, local_date(d.requested_at, plan.zone))
        for d in deferred_of(session=session, pilot_id=pilot.id)
    ]
    scope = scope_of(session=session, pilot_id=pilot.id)
    signoff = scope_signoff_line(scope_state(session, pilot), plan)
    return scope_reply(
        plan.name,
        scope,
        deferred,
        started=needs_approval(plan, local_date(now, plan.zone)),
        page=page,
        signoff=signoff,
    )


def set_boundaries(
    *, session: Session, now: datetime, where: Where, user_id: str, values: Mapping[Boundary, str]
) -> Reply:
    """`/pilot scope set`: before the start date only; the new version goes for sign-off."""
    pilot = editable_pilot(session=session, where=where, user_id=user_id, action="change the scope")
    assert pilot.id is not None
    plan = plan_of(pilot)
    if needs_approval(plan, local_date(now, plan.zone)):
        return scope_after_start(plan.start)
    set_scope(session=session, pilot_id=pilot.id, values=values, user_id=user_id, at=now)
    said = "; ".join(f"{b.label}: {values[b] or 'cleared'}" for b in Boundary if b in values)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="scope",
        summary=f"Scope set. {said}.",
        at=now,
    )
    # The scope document, as it now reads, goes to the channel for sign-off.
    owe_scope_document(
        session=session,
        pilot=pilot,
        why=f"Written with `/pilot scope set` by <@{user_id}>.",
        user_id=user_id,
        now=now,
    )
    return scope_updated(values)


def defer(*, session: Session, now: datetime, where: Where, user_id: str, text: str) -> Reply:
    """`/pilot scope defer`: a request kept for Phase 2, numbered."""
    pilot = editable_pilot(session=session, where=where, user_id=user_id, action="change the scope")
    assert pilot.id is not None
    row = defer_request(session=session, pilot_id=pilot.id, request=text, user_id=user_id, at=now)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="scope",
        summary=f"Deferred to Phase 2 (item {row.number}): {text}",
        at=now,
    )
    return deferred_added(row.number, text)
