"""The pilot of the channel a `/pilot` command came from, for handlers/status.py (being
rewritten): every other listener hands ``request.where`` to its feature function, and
bot/features/access.py holds the rules. Delete this once status.py does the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.access import channel_pilot as _channel_pilot
from storage.db import Session
from storage.models import Pilot

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def channel_pilot(session: Session, request: CommandRequest) -> Pilot:
    return _channel_pilot(
        session=session, workspace=request.workspace, channel_id=request.channel_id
    )
