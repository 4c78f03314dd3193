"""Per-pilot counters: R-n, C-n, CH-n, D-n handed out without races."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import PilotCounter


def allocate_number(*, session: Session, pilot_id: int, name: str) -> int:
    """Bump the pilot's ``name`` counter and return the new value (1 for the first).

    INSERT ... ON CONFLICT DO UPDATE ... RETURNING: a single statement, so concurrent
    callers queue on the counter row and each gets its own number.
    """
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = PilotCounter.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(pilot_id=pilot_id, name=name, last=1)
        .on_conflict_do_update(
            index_elements=["pilot_id", "name"], set_={"last": table.c.last + 1}
        )
        .returning(table.c.last)
    )
    return int(session.connection().execute(statement).scalar_one())
