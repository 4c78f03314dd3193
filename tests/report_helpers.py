"""A pilot with a known record for the document tests: criteria and their values,
flags, changes, risks, scope, a ramp confirmation, lessons and priorities."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.core.boundaries import Boundary
from bot.core.risks import RiskCategory
from storage.db import unit_of_work
from storage.decisions import confirm_ramp
from storage.models import ChangeRequest, Flag, Pilot
from storage.readings import record_values
from storage.record import add_change_request, add_criterion, defer_request, set_scope
from storage.review_notes import LESSONS, PRIORITIES, add_note
from storage.risks import add_risk
from storage.team import log_change

NY = ZoneInfo("America/New_York")
OWNER, SPONSOR, LEAD = "U0001", "U0002", "U0003"


def ny(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026 if month == 12 else 2027, month, day, hour, minute, tzinfo=NY)


def seed_record(engine: Engine, pilot: Pilot) -> dict[str, int]:
    """The acme pilot (starts Mon Dec 7, New York) with a record through week 3."""
    assert pilot.id is not None
    pid = pilot.id
    with unit_of_work(engine) as session:
        adoption = add_criterion(session=session, pilot_id=pid, name="Adoption",
                                 target=">= 60%", user_id=OWNER, at=ny(12, 7, 9))
        deflection = add_criterion(session=session, pilot_id=pid, name="Ticket deflection",
                                   target=">= 30%", user_id=OWNER, at=ny(12, 7, 9))
        add_criterion(session=session, pilot_id=pid, name='=HYPERLINK("http://x")',
                      target=">= 1", user_id=OWNER, at=ny(12, 7, 9))
        assert adoption.id is not None and deflection.id is not None
        for at, value in ((ny(12, 10), "40"), (ny(12, 16), "52"), (ny(12, 23), "63")):
            record_values(session=session, pilot_id=pid,
                          values=[(adoption.id, Decimal(value), f"{value}%")],
                          user_id=LEAD, at=at)
        record_values(session=session, pilot_id=pid,
                      values=[(deflection.id, Decimal("20"), "20%")], user_id=LEAD,
                      at=ny(12, 16, 13))
        session.add(Flag(pilot_id=pid, team_id=pilot.team_id, number=1, severity="critical",
                         category="technical", description="Login | fails\nfor SSO users",
                         raised_by=LEAD, raised_at=ny(12, 15, 10), source="command",
                         channel_id=pilot.channel_id, acknowledged_by=OWNER,
                         acknowledged_at=ny(12, 15, 11), resolved_by=LEAD,
                         resolved_at=ny(12, 16, 10), resolution="Patched the SSO callback",
                         state="resolved"))
        session.add(Flag(pilot_id=pid, team_id=pilot.team_id, number=2, severity="minor",
                         category="business", description="-2 errors in the export",
                         raised_by=SPONSOR, raised_at=ny(12, 17, 15), source="command",
                         channel_id=pilot.channel_id))
        pilot_row = session.get(Pilot, pid)
        assert pilot_row is not None
        pilot_row.flag_count = 2
        session.add(pilot_row)
        add_risk(session=session, pilot_id=pid, category=RiskCategory.TECHNICAL,
                 risk="@here the API may throttle", mitigation="=cmd|' /C calc'!A0",
                 added_by=OWNER, at=ny(12, 7, 9))
        set_scope(session=session, pilot_id=pid,
                  values={Boundary.USE_CASES: "Support deflection | tier 1"},
                  user_id=OWNER, at=ny(12, 7, 9))
        defer_request(session=session, pilot_id=pid, request="Add the SMS channel",
                      user_id=SPONSOR, at=ny(12, 18))
        change = add_change_request(session=session, request=ChangeRequest(
            pilot_id=pid, number=0, kind="end", proposal="7", summary="Extend to 7 weeks",
            reason="SSO delay", requested_by=OWNER, requested_at=ny(12, 16, 14),
            status="approved", decider_role="executive_sponsor", decided_by=SPONSOR,
            decided_at=ny(12, 16, 16)))
        log_change(session=session, pilot_id=pid, user_id=SPONSOR, kind="change",
                   summary=f"CH-{change.number} approved: Extend to 7 weeks", reason="SSO delay",
                   at=ny(12, 16, 16))
        confirm_ramp(session=session, pilot_id=pid, week=2, pct=25, user_id=LEAD,
                     at=ny(12, 14, 10))
        add_note(session=session, pilot_id=pid, kind=LESSONS, period="setup",
                 text="Plan SSO early", user_id=LEAD, at=ny(12, 14, 11))
        add_note(session=session, pilot_id=pid, kind=PRIORITIES, period="w2",
                 text="Fix the export\nTrain tier 1", user_id=OWNER, at=ny(12, 14, 10, 30))
    return {"adoption": adoption.id, "deflection": deflection.id}
