"""A pilot's settings written back with the time of the change (storage/settings.py reads
and encodes them)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.settings_table import PilotSettings
from storage.models import Pilot
from storage.settings import write_settings


def change_settings(
    *, session: Session, pilot: Pilot, settings: PilotSettings, at: datetime
) -> None:
    write_settings(pilot=pilot, settings=settings)
    pilot.updated_at = at
    session.add(pilot)
