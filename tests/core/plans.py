"""Plan factories and small readers for the core tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.core.cadence import Due, DueKind, cadence_between
from bot.core.plan import Plan

EVER_START = datetime(2000, 1, 1, tzinfo=UTC)
EVER_END = datetime(2100, 1, 1, tzinfo=UTC)
MILESTONE_KINDS = {k for k in DueKind if k not in (DueKind.CHECKIN, DueKind.REMINDER)}


def make_plan(**changes: Any) -> Plan:
    """The framework example: 6-week business pilot, standard ramp, Mon 2026-12-07, New York."""
    values: dict[str, Any] = {
        "name": "Acme POC",
        "customer": "Acme",
        "pilot_type": "business",
        "start": date(2026, 12, 7),
        "weeks": 6,
        "ramp": "standard",
        "tz": "America/New_York",
        "holiday_country": "US",
    }
    values.update(changes)
    return Plan.create(**values)


def everything(plan: Plan) -> list[Due]:
    return cadence_between(plan, EVER_START, EVER_END)


def stamp(due: Due) -> tuple[str, str]:
    """(key, local wall time with offset), e.g. ("checkin:2026-12-14", "2026-12-14T09:30-05:00")."""
    return due.key, due.due_at.isoformat(timespec="minutes")


def milestones_of(plan: Plan) -> list[tuple[str, str]]:
    return [stamp(d) for d in everything(plan) if d.kind in MILESTONE_KINDS]


def dates_of(plan: Plan, kind: DueKind) -> list[date]:
    return [d.local_date for d in everything(plan) if d.kind is kind]
