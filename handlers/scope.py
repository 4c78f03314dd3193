"""`/pilot scope`, `/pilot scope set key="..." ...`, `/pilot scope defer "<request>"`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.blocks.docs import scope_signoff_line
from bot.blocks.record import (
    Deferred,
    deferred_added,
    scope_after_start,
    scope_reply,
    scope_updated,
)
from bot.core.boundaries import Boundary, boundary_values
from bot.core.changes import needs_approval
from bot.core.errors import DomainError
from bot.core.inputs import parse_page
from bot.core.localtime import local_date
from bot.features.access import require_editor
from bot.features.signoff import owe_scope_document
from handlers.editing import channel_pilot
from schedules.docs import scope_state
from storage.db import unit_of_work
from storage.pilots import plan_of
from storage.record import defer_request, deferred_of, scope_of, set_scope
from storage.team import log_change

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_REQUEST_LENGTH = 2000


def scope_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        plan = plan_of(pilot)
        deferred = [
            Deferred(d.number, d.request, d.requested_by, local_date(d.requested_at, plan.zone))
            for d in deferred_of(session=session, pilot_id=pilot.id)
        ]
        scope = scope_of(session=session, pilot_id=pilot.id)
        signoff = scope_signoff_line(scope_state(session, pilot), plan)
    today = local_date(request.services.clock.now(), plan.zone)
    page = parse_page(request.parsed.options.get("page"))
    return scope_reply(
        plan.name,
        scope,
        deferred,
        started=needs_approval(plan, today),
        page=page,
        signoff=signoff,
    )


def scope_set(request: CommandRequest) -> Reply | None:
    values = boundary_values(request.parsed.options)
    if not values:
        raise DomainError("Name at least one boundary to set.")
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="change the scope"
        )
        assert pilot.id is not None
        plan = plan_of(pilot)
        if needs_approval(plan, local_date(now, plan.zone)):
            return scope_after_start(plan.start)
        set_scope(
            session=session, pilot_id=pilot.id, values=values, user_id=request.user_id, at=now
        )
        said = "; ".join(f"{b.label}: {values[b] or 'cleared'}" for b in Boundary if b in values)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="scope",
            summary=f"Scope set. {said}.",
            at=now,
        )
        # The scope document, as it now reads, goes to the channel for sign-off.
        owe_scope_document(
            session=session,
            pilot=pilot,
            why=f"Written with `/pilot scope set` by <@{request.user_id}>.",
            user_id=request.user_id,
            now=now,
        )
    return scope_updated(values)


def scope_defer(request: CommandRequest) -> Reply | None:
    text = " ".join(request.parsed.rest.split())
    if len(text) > MAX_REQUEST_LENGTH:
        raise DomainError(f"Keep the request under {MAX_REQUEST_LENGTH} characters.")
    now = request.services.clock.now()
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="change the scope"
        )
        assert pilot.id is not None
        row = defer_request(
            session=session, pilot_id=pilot.id, request=text, user_id=request.user_id, at=now
        )
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="scope",
            summary=f"Deferred to Phase 2 (item {row.number}): {text}",
            at=now,
        )
    return deferred_added(row.number, text)
