"""`/pilot pause`, `/pilot resume`, `/pilot end` and `/pilot list`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.blocks import Reply
from bot.blocks.plan import (
    ListedPilot,
    ended_notice,
    list_reply,
    paused_notice,
    refusal_for_ended,
    resumed_notice,
    say,
)
from bot.core.calendar import next_due, snapshot
from bot.core.errors import DomainError
from bot.core.localtime import local_date
from bot.features.access import require_editor
from handlers.editing import channel_pilot
from storage.db import unit_of_work
from storage.models import Pilot
from storage.outbox import owe
from storage.pilots import pilots_in_workspace, plan_of, refresh_next_due
from storage.team import log_change

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_REASON = 2000  # what the change log keeps


def _reason(request: CommandRequest, example: str) -> str:
    parsed = request.parsed
    reason = " ".join((parsed.options.get("reason") or parsed.rest).split())
    if not reason:
        raise DomainError(
            f'Say why, for the change log: `/pilot {parsed.spec.name} reason="{example}"`.'
        )
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.")
    return reason


def pause_command(request: CommandRequest) -> Reply | None:
    reason = _reason(request, "customer code freeze")
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="pause this pilot"
        )
        if pilot.state == "ended":
            return say(refusal_for_ended(pilot.name, pilot.state_reason))
        if pilot.state == "paused":
            return say(
                f"*{pilot.name}* is already paused ({pilot.state_reason}). Resume it with"
                " `/pilot resume`."
            )
        _move(
            session,
            pilot,
            request,
            now,
            state="paused",
            reason=reason,
            kind="pause",
            summary=f"Paused {pilot.name}.",
            why=reason,
        )
        plan = plan_of(pilot)
        notice = paused_notice(plan, user_id=request.user_id, reason=reason)
        _owe_notice(session, pilot, request, now, notice)
    request.ack()  # the notice in the channel is the answer
    return None


def resume_command(request: CommandRequest) -> Reply | None:
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="resume this pilot"
        )
        if pilot.state == "ended":
            return say(refusal_for_ended(pilot.name, pilot.state_reason))
        if pilot.state != "paused":
            return say(f"*{pilot.name}* is not paused: its cadence is running.")
        was = pilot.state_reason
        # Schedule from now: what fell due while paused is not owed any more.
        pilot.next_due_at = None
        _move(
            session,
            pilot,
            request,
            now,
            state="active",
            reason="",
            kind="resume",
            summary=f"Resumed {pilot.name} (paused for: {was}).",
        )
        plan = plan_of(pilot)
        notice = resumed_notice(plan, user_id=request.user_id, next_due=next_due(plan, now))
        _owe_notice(session, pilot, request, now, notice)
    request.ack()
    return None


def end_command(request: CommandRequest) -> Reply | None:
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="end this pilot"
        )
        if pilot.state == "ended":
            plan = plan_of(pilot)
            on = local_date(pilot.updated_at, plan.zone)
            why = f": {pilot.state_reason}" if pilot.state_reason else ""
            return say(
                f"*{pilot.name}* already ended on {on.isoformat()}{why}. Ending is final;"
                " start a new pilot here with `/pilot create`."
            )
        reason = _reason(request, "customer chose another vendor")
        _move(
            session,
            pilot,
            request,
            now,
            state="ended",
            reason=reason,
            kind="end",
            summary=f"Ended {pilot.name}.",
            why=reason,
        )
        plan = plan_of(pilot)
        notice = ended_notice(plan, user_id=request.user_id, reason=reason)
        _owe_notice(session, pilot, request, now, notice)
    request.ack()
    return None


def _move(
    session: Session,
    pilot: Pilot,
    request: CommandRequest,
    now: datetime,
    *,
    state: str,
    reason: str,
    kind: str,
    summary: str,
    why: str = "",
) -> None:
    """Put the pilot in `state`, log it, and reschedule it, in the caller's unit of work."""
    pilot.state, pilot.state_reason, pilot.updated_at = state, reason, now
    assert pilot.id is not None
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=request.user_id,
        kind=kind,
        summary=summary,
        reason=why,
        at=now,
    )
    refresh_next_due(session, pilot, now)


def _owe_notice(
    session: Session, pilot: Pilot, request: CommandRequest, now: datetime, notice: Reply
) -> None:
    """The channel is told, once for this request (``pilot.state`` names the move)."""
    owe(
        session=session,
        pilot=pilot,
        key=request.once_key(pilot.state),
        kind=f"{pilot.state}_notice",
        message=notice.message(),
        now=now,
    )


def list_command(request: CommandRequest) -> Reply | None:
    now = request.services.clock.now()
    with unit_of_work(request.services.engine) as session:
        rows = [
            (plan_of(p), p.channel_id, p.state)
            for p in pilots_in_workspace(session=session, workspace=request.workspace)
        ]
    return list_reply(
        [ListedPilot(plan, channel, state, snapshot(plan, now)) for plan, channel, state in rows]
    )
