"""Recording values monitoring pushed in: the same rows as a typed value, with where they
came from, each idempotency key recorded once.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.core.pushed import Matched
from bot.core.reviews import plain_number
from storage.canvas import owe_canvas_update
from storage.models import MetricValue
from storage.status import record_changed


def record_pushed(
    *, session: Session, pilot_id: int, values: Sequence[Matched], now: datetime
) -> tuple[list[Matched], list[Matched]]:
    """Store ``values``; returns (recorded, duplicates): a value whose idempotency key was
    recorded before (or earlier in the same body) is a duplicate and stores nothing.
    Anything recorded owes the pilot's canvas a rewrite, as a typed value does."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    recorded, duplicates = [], []
    keys: set[str] = set()
    for value in values:
        key = value.idempotency_key
        if key is not None and key in keys:
            duplicates.append(value)
            continue
        row = {
            "pilot_id": pilot_id,
            "criterion_id": value.criterion.id,
            "value": plain_number(value.value),
            "typed": value.typed[:100],
            "recorded_by": "",
            "recorded_at": value.observed_at,
            "source": value.source,
            "idempotency_key": key,
        }
        statement = (
            insert(MetricValue)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["pilot_id", "idempotency_key"])
            .returning(col(MetricValue.id))
        )
        if session.exec(statement).first() is None:
            duplicates.append(value)
        else:
            recorded.append(value)
        if key is not None:
            keys.add(key)
    if recorded:  # the canvas and the status show each criterion's latest value
        owe_canvas_update(session=session, pilot_id=pilot_id, now=now)
        record_changed(session, pilot_id)
    return recorded, duplicates
