"""`/pilot escalation` and `/pilot snooze F-3 4h reason="..."` (bot/features/escalation.py
does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.core.errors import DomainError
from bot.core.flags import flag_ref, parse_flag_ref
from bot.core.spans import parse_span
from bot.features import escalation
from handlers.answers import work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_REASON = 2000


def escalation_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        return escalation.escalation_path(session=session, where=request.where)


def snooze_command(request: CommandRequest) -> Reply | None:
    parsed = request.parsed
    number = parse_flag_ref(parsed.args["flag"])
    span = parse_span(parsed.args["duration"])
    reason = " ".join((parsed.options.get("reason") or parsed.rest).split())
    if not reason:
        raise DomainError(
            f"Say why, for the change log: `/pilot snooze {flag_ref(number)}"
            f' {parsed.args["duration"]} reason="waiting for the customer\'s fix"`.'
        )
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.")
    with work(request.services) as session:
        return escalation.snooze(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            number=number,
            span=span,
            reason=reason,
        )
