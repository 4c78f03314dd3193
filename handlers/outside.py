"""`/pilot calendar`, `/pilot calendar reset`, `/pilot metrics token`, `/pilot metrics revoke`:
the secrets calendar apps and monitoring reach the pilot with (bot/features/outside.py).
Every answer is ephemeral."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import Reply
from bot.blocks.outside import (
    calendar_address,
    intake_revoked,
    intake_token,
    no_intake_token,
    no_public_url,
)
from bot.features import outside
from bot.outside import CALENDAR_PATH
from handlers.answers import work
from storage.db import Session

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

EXAMPLE_HOST = "https://YOUR-HOST"  # in the curl example, until PUBLIC_URL says where


def calendar_command(request: CommandRequest) -> Reply | None:
    """The calendar's address, made on first use: anyone on the team or among the editors."""
    public = request.services.settings.public_url
    if not public:
        return no_public_url()
    with work(request.services) as session:
        secret = outside.calendar(**_asked(request, session))
    assert secret.token is not None
    return calendar_address(secret.plan, _calendar_url(public, secret.token))


def calendar_reset(request: CommandRequest) -> Reply | None:
    public = request.services.settings.public_url
    if not public:
        return no_public_url()
    with work(request.services) as session:
        secret = outside.reset_calendar(**_asked(request, session))
    assert secret.token is not None
    return calendar_address(secret.plan, _calendar_url(public, secret.token), replaced=True)


def metrics_token(request: CommandRequest) -> Reply | None:
    with work(request.services) as session:
        secret = outside.make_metrics_token(**_asked(request, session))
    assert secret.token is not None
    base = request.services.settings.public_url or EXAMPLE_HOST
    return intake_token(secret.plan, secret.token, base, secret.example_criterion)


def metrics_revoke(request: CommandRequest) -> Reply | None:
    with work(request.services) as session:
        secret = outside.revoke_metrics_token(**_asked(request, session))
    return no_intake_token(secret.plan) if secret.token is None else intake_revoked(secret.plan)


def _asked(request: CommandRequest, session: Session) -> dict[str, Any]:
    return {
        "session": session,
        "now": request.services.clock.now(),
        "where": request.where,
        "user_id": request.user_id,
    }


def _calendar_url(public: str, token: str) -> str:
    return f"{public}{CALENDAR_PATH}{token}.ics"
