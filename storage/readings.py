"""Success criteria as they stood at a moment, and the values recorded for them (typed
in Slack here; pushed by monitoring: storage/intake.py).

Keyword-only queries that take the session; the caller's unit of work commits.
Readers take ``as_of``: a scheduled review shows the record as of its due time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, or_, select

from bot.core.criteria import Reading, plain_number
from bot.core.reviews import Criterion
from storage.canvas import owe_canvas_update
from storage.models import MetricValue, SuccessCriterion


def criteria_as_of(*, session: Session, pilot_id: int, as_of: datetime) -> list[Criterion]:
    """The success criteria in force at ``as_of``, in number order."""
    rows = session.exec(
        select(SuccessCriterion)
        .where(
            SuccessCriterion.pilot_id == pilot_id,
            col(SuccessCriterion.added_at) <= as_of,
            or_(
                col(SuccessCriterion.removed_at).is_(None),
                col(SuccessCriterion.removed_at) > as_of,
            ),
        )
        .order_by(col(SuccessCriterion.number))
    ).all()
    return [_criterion(row) for row in rows]


def _criterion(row: SuccessCriterion) -> Criterion:
    assert row.id is not None
    return Criterion(id=row.id, number=row.number, name=row.name, target_text=row.target)


def readings_of(*, session: Session, pilot_id: int, as_of: datetime) -> list[Reading]:
    """Every value recorded up to ``as_of`` (inclusive), oldest first."""
    rows = session.exec(
        select(MetricValue)
        .where(MetricValue.pilot_id == pilot_id, col(MetricValue.recorded_at) <= as_of)
        .order_by(col(MetricValue.recorded_at), col(MetricValue.id))
    ).all()
    return [
        Reading(
            criterion_id=row.criterion_id,
            value=Decimal(row.value),
            typed=row.typed,
            at=row.recorded_at,
            by=row.recorded_by,
            source=row.source,
        )
        for row in rows
    ]


def record_values(
    *,
    session: Session,
    pilot_id: int,
    values: Iterable[tuple[int, Decimal, str]],
    user_id: str,
    at: datetime,
) -> int:
    """Store (criterion id, value, as typed) readings; returns how many."""
    count = 0
    for criterion_id, value, typed in values:
        session.add(
            MetricValue(
                pilot_id=pilot_id,
                criterion_id=criterion_id,
                value=plain_number(value),
                typed=typed[:100],
                recorded_by=user_id,
                recorded_at=at,
            )
        )
        count += 1
    session.flush()
    if count:  # the canvas shows each criterion's latest value
        owe_canvas_update(session=session, pilot_id=pilot_id, now=at)
    return count
