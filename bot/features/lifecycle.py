"""A pilot's lifecycle: paused, resumed, ended (final), each in the change log with its
reason, the schedule recomputed, and the channel told. And the workspace's pilots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Reply
from bot.blocks.lifecycle import (
    ListedPilot,
    ended_notice,
    paused_notice,
    resumed_notice,
    say,
)
from bot.blocks.text import literal
from bot.core.calendar import next_due, snapshot
from bot.core.errors import DomainError
from bot.core.lifecycle import LifecycleMove, PilotState, next_state, refusal
from bot.core.localtime import local_date
from bot.features.access import Where, editable_pilot
from storage.db import Session
from storage.models import Pilot
from storage.outbox import owe
from storage.pilot_state import move_pilot
from storage.pilots import pilots_in_workspace, plan_of, refresh_next_due
from storage.scope import Workspace
from storage.team import log_change

MAX_REASON = 2000  # what the change log keeps


@dataclass(frozen=True)
class Asked:
    """Who asks to move the pilot, why (as typed), and the channel notice's outbox key
    (the same for Slack's retry of this request, another for the next request)."""

    user_id: str
    reason: str
    command: str  # "pause", "end": the command, for the reason's hint
    notice_key: str


@dataclass(frozen=True)
class Moved:
    """``answer``: why nothing moved (None: moved, and the channel is owed the notice)."""

    answer: Reply | None = None


def _reason(asked: Asked, example: str) -> str:
    reason = " ".join(asked.reason.split())
    if not reason:
        raise DomainError(
            f'Say why, for the change log: `/pilot {asked.command} reason="{example}"`.'
        )
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.")
    return reason


def pause(*, session: Session, now: datetime, where: Where, asked: Asked) -> Moved:
    reason = _reason(asked, "customer code freeze")
    pilot = editable_pilot(
        session=session, where=where, user_id=asked.user_id, action="pause this pilot"
    )
    if (refused := _refused(pilot, LifecycleMove.PAUSE)) is not None:
        return refused
    _move(session, pilot, asked, now, LifecycleMove.PAUSE, reason, f"Paused {pilot.name}.", reason)
    notice = paused_notice(plan_of(pilot), user_id=asked.user_id, reason=reason)
    _owe_notice(session, pilot, asked, now, notice)
    return Moved()


def resume(*, session: Session, now: datetime, where: Where, asked: Asked) -> Moved:
    pilot = editable_pilot(
        session=session, where=where, user_id=asked.user_id, action="resume this pilot"
    )
    if (refused := _refused(pilot, LifecycleMove.RESUME)) is not None:
        return refused
    was = pilot.state_reason
    summary = f"Resumed {pilot.name} (paused for: {was})."
    # Schedule from now: what fell due while paused is not owed any more.
    _move(session, pilot, asked, now, LifecycleMove.RESUME, "", summary, "", from_now=True)
    plan = plan_of(pilot)
    notice = resumed_notice(plan, user_id=asked.user_id, next_due=next_due(plan, now))
    _owe_notice(session, pilot, asked, now, notice)
    return Moved()


def end(*, session: Session, now: datetime, where: Where, asked: Asked) -> Moved:
    pilot = editable_pilot(
        session=session, where=where, user_id=asked.user_id, action="end this pilot"
    )
    if (refused := _refused(pilot, LifecycleMove.END)) is not None:
        return refused
    reason = _reason(asked, "customer chose another vendor")
    _move(session, pilot, asked, now, LifecycleMove.END, reason, f"Ended {pilot.name}.", reason)
    notice = ended_notice(plan_of(pilot), user_id=asked.user_id, reason=reason)
    _owe_notice(session, pilot, asked, now, notice)
    return Moved()


def _refused(pilot: Pilot, move: LifecycleMove) -> Moved | None:
    """The answer when the pilot's state does not allow ``move`` (bot/core/lifecycle.py)."""
    ended_on = None
    if pilot.state == PilotState.ENDED:
        ended_on = local_date(pilot.updated_at, plan_of(pilot).zone)
    why = refusal(
        move,
        state=pilot.state,
        name=literal(pilot.name),
        state_reason=pilot.state_reason,
        ended_on=ended_on,
    )
    return None if why is None else Moved(say(why))


def listed(*, session: Session, now: datetime, workspace: Workspace) -> list[ListedPilot]:
    """`/pilot list`: the workspace's pilots, where each one stands now."""
    rows = [
        (plan_of(p), p.channel_id, p.state)
        for p in pilots_in_workspace(session=session, workspace=workspace)
    ]
    return [ListedPilot(plan, channel, state, snapshot(plan, now)) for plan, channel, state in rows]


def _move(
    session: Session,
    pilot: Pilot,
    asked: Asked,
    now: datetime,
    move: LifecycleMove,
    reason: str,
    summary: str,
    why: str,
    *,
    from_now: bool = False,
) -> None:
    """Make ``move`` (the pilot's next state, logged under the move's name, rescheduled),
    in the caller's unit of work."""
    assert pilot.id is not None
    state = next_state(pilot.state, move)
    kind = move.value
    move_pilot(session=session, pilot=pilot, state=state, reason=reason, at=now, from_now=from_now)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=asked.user_id,
        kind=kind,
        summary=summary,
        reason=why,
        at=now,
    )
    refresh_next_due(session, pilot, now)


def _owe_notice(session: Session, pilot: Pilot, asked: Asked, now: datetime, notice: Reply) -> None:
    """The channel is told, once for this request (``pilot.state`` names the move)."""
    owe(
        session=session,
        pilot=pilot,
        key=asked.notice_key,
        kind=f"{pilot.state}_notice",
        message=notice.message(),
        now=now,
    )
