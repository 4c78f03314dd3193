"""The secrets calendar apps and monitoring reach the pilot with: the calendar's address
(made on first use, replaceable) and the metrics intake token (made, revoked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.plan import Plan
from bot.features.access import Where, editable_pilot, pilot_at, require_record_keeper
from storage.db import Session
from storage.feeds import calendar_token, new_calendar_token, new_intake_token, revoke_intake_token
from storage.models import Pilot
from storage.pilots import plan_of
from storage.record import criteria_of
from storage.team import log_change


@dataclass(frozen=True)
class Secret:
    """A token for the pilot ``plan`` names (None: there was none to revoke), and for a
    metrics token, the criterion its example pushes to."""

    plan: Plan
    token: str | None
    example_criterion: str = "C-1"


def calendar(*, session: Session, now: datetime, where: Where, user_id: str) -> Secret:
    """The calendar's token, made on first use: anyone on the team or among the editors."""
    pilot = pilot_at(session=session, where=where)
    require_record_keeper(
        session=session, pilot=pilot, user_id=user_id, action="get the pilot's calendar"
    )
    assert pilot.id is not None
    token = calendar_token(session=session, pilot_id=pilot.id, user_id=user_id, now=now)
    return Secret(plan_of(pilot), token)


def reset_calendar(*, session: Session, now: datetime, where: Where, user_id: str) -> Secret:
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="replace the calendar's address"
    )
    assert pilot.id is not None
    token = new_calendar_token(session=session, pilot_id=pilot.id, user_id=user_id, now=now)
    _log(
        session,
        pilot,
        user_id,
        now,
        "calendar",
        "The calendar's address was replaced; the old one no longer works",
    )
    return Secret(plan_of(pilot), token)


def make_metrics_token(*, session: Session, now: datetime, where: Where, user_id: str) -> Secret:
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="make a metrics token"
    )
    assert pilot.id is not None
    token = new_intake_token(session=session, pilot_id=pilot.id, user_id=user_id, now=now)
    _log(
        session,
        pilot,
        user_id,
        now,
        "metrics_token",
        "A new metrics token was made; any earlier one no longer works",
    )
    criteria = criteria_of(session=session, pilot_id=pilot.id)
    example = f"C-{criteria[0].number}" if criteria else "C-1"
    return Secret(plan_of(pilot), token, example)


def revoke_metrics_token(*, session: Session, now: datetime, where: Where, user_id: str) -> Secret:
    """``token`` None: there was none."""
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="revoke the metrics token"
    )
    assert pilot.id is not None
    if not revoke_intake_token(session=session, pilot_id=pilot.id):
        return Secret(plan_of(pilot), None)
    _log(session, pilot, user_id, now, "metrics_token", "The metrics token was revoked")
    return Secret(plan_of(pilot), "")


def _log(
    session: Session, pilot: Pilot, user_id: str, now: datetime, kind: str, summary: str
) -> None:
    assert pilot.id is not None
    log_change(
        session=session, pilot_id=pilot.id, user_id=user_id, kind=kind, summary=summary, at=now
    )
