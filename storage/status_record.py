"""What `/pilot status` shows of a pilot's record, read with plain queries: the success
criteria with their latest values, the ramp confirmations and the hold a No-go left, the
open flags and who checked in today (storage/status.py stores the answer built from it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import select as sa_select

from bot.core.changes import ChangeStatus
from bot.core.criteria import Criterion, Reading
from bot.core.decisions import Decision
from bot.core.escalation import Severity
from bot.core.flags import FlagState, flag_ref
from bot.core.phases import Phase
from bot.core.traffic import Confirmation, Hold
from storage.models import (
    ChangeRequest,
    CheckinReply,
    Flag,
    MetricValue,
    PilotDecision,
    RampConfirmation,
    SuccessCriterion,
)


@dataclass(frozen=True)
class StatusRecord:
    criteria: tuple[Criterion, ...]
    readings: tuple[Reading, ...]  # the latest of each criterion
    confirmations: tuple[Confirmation, ...]
    hold: Hold | None
    open_flags: tuple[tuple[str, Severity, str], ...] = ()  # (F-3, severity, acknowledged by)
    checked_in: tuple[str, ...] = ()  # who replied in ``today``'s check-in thread, in order
    # The first instant after ``as_of`` a row read is dated (a value recorded ahead of its
    # time): from then on the record shows more than it did at ``as_of``.
    next_change: datetime | None = None


_c = SuccessCriterion.__table__.c  # type: ignore[attr-defined]
_m = MetricValue.__table__.c  # type: ignore[attr-defined]
_later = MetricValue.__table__.alias("later").c  # type: ignore[attr-defined]


def status_record(
    *, connection: Connection, pilot_id: int, as_of: datetime, today: date | None = None
) -> StatusRecord:
    """The success criteria with their latest values, the ramp confirmations and the hold,
    the open flags and who checked in ``today`` (the pilot's local date), as of ``as_of``."""
    later: list[datetime] = []

    def known(rows: Iterable[Any], at: str) -> list[Any]:
        """The rows dated up to ``as_of``; the later ones only say when the record changes."""
        kept = []
        for row in rows:
            when = getattr(row, at)
            if when is not None and when <= as_of:
                kept.append(row)
            elif when is not None:
                later.append(when)
        return kept

    # Each live criterion with its latest value (if any): the newest by time, then by id.
    latest_value = (
        sa_select(_later.id)
        .where(_later.criterion_id == _c.id)
        .order_by(_later.recorded_at.desc(), _later.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    criteria_rows = connection.execute(
        sa_select(_c.id, _c.number, _c.name, _c.target, _m.value, _m.typed, _m.recorded_at,
                  _m.recorded_by, _m.source)
        .select_from(
            SuccessCriterion.__table__.outerjoin(  # type: ignore[attr-defined]
                MetricValue.__table__, _m.id == latest_value  # type: ignore[attr-defined]
            )
        )
        .where(_c.pilot_id == pilot_id, _c.removed_at.is_(None))
        .order_by(_c.number)
    ).all()
    criteria = tuple(
        Criterion(id=row.id, number=row.number, name=row.name, target_text=row.target)
        for row in criteria_rows
    )
    readings = tuple(
        Reading(row.id, Decimal(row.value), row.typed, row.recorded_at, row.recorded_by,
                row.source or "")
        for row in known(criteria_rows, "recorded_at")
    )

    r = RampConfirmation.__table__.c  # type: ignore[attr-defined]
    confirmations = tuple(
        Confirmation(row.week, row.pct, row.confirmed_by, row.confirmed_at)
        for row in known(
            connection.execute(
                sa_select(r.week, r.pct, r.confirmed_by, r.confirmed_at).where(
                    r.pilot_id == pilot_id
                )
            ).all(),
            "confirmed_at",
        )
    )
    hold = _hold(connection, pilot_id, known)

    f = Flag.__table__.c  # type: ignore[attr-defined]
    flags = known(
        connection.execute(
            sa_select(f.number, f.severity, f.acknowledged_by, f.raised_at)
            .where(f.pilot_id == pilot_id, f.state == FlagState.OPEN.value)
            .order_by(f.number)
        ).all(),
        "raised_at",
    )
    checked_in: list[str] = []
    if today is not None:
        cr = CheckinReply.__table__.c  # type: ignore[attr-defined]
        replies = known(
            connection.execute(
                sa_select(cr.user_id, cr.created_at)
                .where(cr.pilot_id == pilot_id, cr.day == today)
                .order_by(cr.created_at, cr.user_id)
            ).all(),
            "created_at",
        )
        checked_in = [row.user_id for row in replies]
    return StatusRecord(
        criteria,
        readings,
        confirmations,
        hold,
        open_flags=tuple(
            (flag_ref(row.number), Severity(row.severity), row.acknowledged_by) for row in flags
        ),
        checked_in=tuple(dict.fromkeys(checked_in)),
        next_change=min(later, default=None),
    )


def _hold(connection: Connection, pilot_id: int, known: Any) -> Hold | None:
    """The hold the latest phase No-go put on the ramp, unless a change was approved since."""
    d = PilotDecision.__table__.c  # type: ignore[attr-defined]
    no_gos = known(
        connection.execute(
            sa_select(d.subject, d.held_pct, d.decided_at, d.decided_by).where(
                d.pilot_id == pilot_id,
                d.outcome == Decision.NO_GO.value,
                d.held_pct.is_not(None),
            )
        ).all(),
        "decided_at",
    )
    if not no_gos:
        return None
    latest = max(no_gos, key=lambda row: row.decided_at)
    hold = Hold(Phase(latest.subject), latest.held_pct, latest.decided_at, latest.decided_by)
    ch = ChangeRequest.__table__.c  # type: ignore[attr-defined]
    approvals = known(
        connection.execute(
            sa_select(ch.decided_at).where(
                ch.pilot_id == pilot_id, ch.status == ChangeStatus.APPROVED.value
            )
        ).all(),
        "decided_at",
    )
    if any(row.decided_at > hold.since for row in approvals):
        return None
    return hold
