"""`/pilot calendar`, `/pilot calendar reset`, `/pilot metrics token`, `/pilot metrics revoke`:
the secrets calendar apps and monitoring reach the pilot with. Every answer is ephemeral."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.blocks.outside import (
    calendar_address,
    intake_revoked,
    intake_token,
    no_intake_token,
    no_public_url,
)
from bot.features.access import require_editor, require_record_keeper
from bot.outside import CALENDAR_PATH
from handlers.editing import channel_pilot
from storage.feeds import (
    calendar_token,
    new_calendar_token,
    new_intake_token,
    revoke_intake_token,
)
from storage.pilots import plan_of
from storage.record import criteria_of
from storage.team import log_change

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

EXAMPLE_HOST = "https://YOUR-HOST"  # in the curl example, until PUBLIC_URL says where


def calendar_command(request: CommandRequest) -> Reply | None:
    """The calendar's address, made on first use: anyone on the team or among the editors."""
    public = request.services.settings.public_url
    if not public:
        return no_public_url()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_record_keeper(
            session=session, pilot=pilot, user_id=request.user_id, action="get the pilot's calendar"
        )
        assert pilot.id is not None
        token = calendar_token(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            now=request.services.clock.now(),
        )
        plan = plan_of(pilot)
    return calendar_address(plan, _calendar_url(public, token))


def calendar_reset(request: CommandRequest) -> Reply | None:
    public = request.services.settings.public_url
    if not public:
        return no_public_url()
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session,
            pilot=pilot,
            user_id=request.user_id,
            action="replace the calendar's address",
        )
        assert pilot.id is not None
        token = new_calendar_token(
            session=session, pilot_id=pilot.id, user_id=request.user_id, now=now
        )
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="calendar",
            summary="The calendar's address was replaced; the old one no longer works",
            at=now,
        )
        plan = plan_of(pilot)
    return calendar_address(plan, _calendar_url(public, token), replaced=True)


def metrics_token(request: CommandRequest) -> Reply | None:
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="make a metrics token"
        )
        assert pilot.id is not None
        token = new_intake_token(
            session=session, pilot_id=pilot.id, user_id=request.user_id, now=now
        )
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="metrics_token",
            summary="A new metrics token was made; any earlier one no longer works",
            at=now,
        )
        criteria = criteria_of(session=session, pilot_id=pilot.id)
        plan = plan_of(pilot)
    example = f"C-{criteria[0].number}" if criteria else "C-1"
    base = request.services.settings.public_url or EXAMPLE_HOST
    return intake_token(plan, token, base, example)


def metrics_revoke(request: CommandRequest) -> Reply | None:
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="revoke the metrics token"
        )
        assert pilot.id is not None
        plan = plan_of(pilot)
        if not revoke_intake_token(session=session, pilot_id=pilot.id):
            return no_intake_token(plan)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="metrics_token",
            summary="The metrics token was revoked",
            at=request.services.clock.now(),
        )
    return intake_revoked(plan)


def _calendar_url(public: str, token: str) -> str:
    return f"{public}{CALENDAR_PATH}{token}.ics"
