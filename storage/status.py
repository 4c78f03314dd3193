"""`/pilot status` snapshots: each pilot's answer as last built, kept current by revision.

`/pilot status` is the bot's hottest request. Instead of reading the record (criteria and
their latest values, ramp confirmations, the hold, open flags, today's check-ins) and
rendering it on every request, the answer is stored per pilot (``status_snapshot``) and
read with the pilot in one indexed query. It stays right because:

- **Every write says so.** A unit of work that changes any row of a pilot's (any row with
  its ``pilot_id``, or the pilot itself) bumps the snapshot's ``revision`` and empties its
  ``valid_until`` in the same transaction, just before it commits (``bump_changed``, called
  by storage.db.unit_of_work). The ORM's flush says which rows changed; the few Core
  statements that write the record call ``record_changed`` themselves.
- **A reader never stores an answer older than the revision.** It reads the revision
  first, then the record, and stores what it built only if the revision is still the one
  it read (``store_snapshot``: one conditional UPDATE). A write committing in between
  makes the store a no-op; on any database and any number of instances.
- **The clock alone ends it.** An answer is right from when it was built until the pilot's
  next local midnight (the day decides phase, traffic, days left and today's check-ins) or
  the first value dated after it was built, whichever is first. The "As of" line is added
  at read time.

The scheduler rebuilds what writes and midnights left stale (``stale_snapshots``), so a
person rarely waits for a build; a reader who finds one stale builds it there and then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any, cast

from sqlalchemy import Connection, event, inspect, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql import Executable

from storage.models import (
    ChangeLogEntry,
    OutboxMessage,
    Pilot,
    StatusSnapshot,
)
from storage.pilots import PLAN_COLUMNS
from storage.scope import Workspace
from storage.types import UTCDateTime

log = logging.getLogger(__name__)

ASKER_WAIT_MS = 200
BUSY_TIMEOUT_MS = 30_000  # every SQLite connection's wait for a writer (storage/db.py)

# session.info entry: the pilots whose record this unit of work changed.
CHANGED = "pilot_bot.status_changed"

_UTC = UTCDateTime()
_NO_DIALECT: Any = None  # UTCDateTime reads results alike on every dialect
_snapshots = StatusSnapshot.__table__  # type: ignore[attr-defined]
_pilots = Pilot.__table__  # type: ignore[attr-defined]


# ----- writers: the revision goes up with every change ---------------------------------------


def record_changed(session: Session, pilot_id: int) -> None:
    """Note that this unit of work changed what ``pilot_id``'s status shows (for writes the
    ORM does not see: Core INSERT and UPDATE statements)."""
    session.info.setdefault(CHANGED, set()).add(pilot_id)


@event.listens_for(Session, "after_flush")
def _note_flushed_rows(session: Session, _flush: UOWTransaction) -> None:
    changed = chain(session.new, session.deleted, (r for r in session.dirty if _shows(r)))
    for row in changed:
        if isinstance(row, _NEVER_SHOWN):
            continue
        pilot_id = row.id if isinstance(row, Pilot) else getattr(row, "pilot_id", None)
        if isinstance(pilot_id, int):
            record_changed(session, pilot_id)


# Rows with a pilot_id that no status shows, written often (delivery's own bookkeeping,
# the change log): they must not cost a rebuild each. A message Slack refused for good is
# shown, and says so itself (storage/leases.py mark_failed).
_NEVER_SHOWN = (StatusSnapshot, OutboxMessage, ChangeLogEntry)

# The pilot's columns its status never shows: the tick moves next_due_at several times a
# day, and that alone must not cost every pilot a rebuild.
_BOOKKEEPING = frozenset({"next_due_at"})


def _shows(row: object) -> bool:
    """Whether a changed row changed something a status could show."""
    if not isinstance(row, Pilot):
        return True
    state = inspect(row)
    return any(
        attribute.history.has_changes()
        for attribute in state.attrs
        if attribute.key not in _BOOKKEEPING
    )


def bump_changed(session: Session) -> None:
    """Bump the revision of every pilot this unit of work changed, and mark its snapshot
    to be built. Called last before the commit, so the row lock it takes is held only for
    the commit itself (no lock is taken after it: no deadlock with another writer)."""
    session.flush()
    pilot_ids = session.info.pop(CHANGED, None)
    if not pilot_ids:
        return
    insert: Any = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    statement = insert(_snapshots).values(
        [{"pilot_id": p, "revision": 1, "body": ""} for p in sorted(pilot_ids)]  # lock order
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["pilot_id"],
            set_={"revision": _snapshots.c.revision + 1, "valid_until": None},
        )
    )


def forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)


# ----- readers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusView:
    """The channel's pilot and its snapshot as stored (revision None: no snapshot row)."""

    pilot_id: int
    revision: int | None
    built_at: datetime | None
    valid_until: datetime | None
    body: str

    def current_at(self, now: datetime) -> bool:
        """Whether the stored answer is right at ``now``."""
        return (
            self.built_at is not None
            and self.valid_until is not None
            and self.built_at <= now < self.valid_until
            and bool(self.body)
        )


# The hottest read in the bot, run on a pooled driver connection of its own, outside
# SQLAlchemy's Connection: its bookkeeping for one execution (building the connection and
# its context, switching the isolation level there and back, processing the row) cost
# about as much as the rest of the answer, and this statement never changes. Only this
# query does so.
_STATUS_VIEW = """
SELECT p.id, s.revision, s.built_at, s.valid_until, s.body
FROM pilot AS p LEFT OUTER JOIN status_snapshot AS s ON s.pilot_id = p.id
WHERE p.team_id = {team_id} AND p.channel_id = {channel_id}
ORDER BY CASE WHEN p.state = 'ended' THEN 1 ELSE 0 END, p.id DESC
LIMIT 1
"""  # the live pilot if there is one (at most one per channel), else the newest ended one
_VIEW_SQL = {
    "qmark": _STATUS_VIEW.format(team_id="?", channel_id="?"),  # sqlite3
    "pyformat": _STATUS_VIEW.format(team_id="%s", channel_id="%s"),  # psycopg
    "format": _STATUS_VIEW.format(team_id="%s", channel_id="%s"),
}


def status_view(
    *, engine: Engine, workspace: Workspace, channel_id: str
) -> StatusView | None:
    """The channel's pilot with its stored status answer, in one indexed read. A failure
    comes as the driver raised it (the read runs outside SQLAlchemy, which would wrap it).
    """
    # PostgreSQL: in autocommit for the one statement, which spares the round trips of a
    # transaction (BEGIN, and the ROLLBACK when the pool takes the connection back).
    autocommit = engine.dialect.name == "postgresql"
    pooled = engine.raw_connection()
    try:
        if autocommit:
            pooled.driver_connection.autocommit = True  # type: ignore[union-attr]
        cursor = pooled.cursor()
        try:
            cursor.execute(_VIEW_SQL[engine.dialect.paramstyle], (workspace.team_id, channel_id))
            row = cursor.fetchone()
        finally:
            cursor.close()
        if autocommit:
            pooled.driver_connection.autocommit = False  # type: ignore[union-attr]
    except BaseException as error:
        # Outside SQLAlchemy's Connection no error handler sees the failure, so this stands
        # in for it: a connection that failed here (lost, or left in autocommit) never goes
        # back to the pool, and when it was lost, or the database is broken (storage/db.py),
        # the pool's other connections are suspect too and the pool starts afresh, rather
        # than hand each of them to the next asker.
        failure = error if isinstance(error, Exception) else None
        suspect = failure is not None and _pool_suspect(engine, failure, pooled)
        pooled.invalidate(failure)  # after the question above, which reads the connection
        if suspect:
            engine.dispose()
        raise
    finally:
        pooled.close()
    if row is None:
        return None
    pilot_id, revision, built_at, valid_until, body = row
    return StatusView(pilot_id, revision, _instant(built_at), _instant(valid_until), body or "")


def _pool_suspect(engine: Engine, error: Exception, pooled: Any) -> bool:
    from storage.db import broken_by  # storage.db imports this module

    dialect = engine.dialect
    try:
        lost = isinstance(error, dialect.loaded_dbapi.Error) and dialect.is_disconnect(
            cast(Any, error), pooled.dbapi_connection, None
        )
    except Exception:  # deciding must never hide the error being raised
        lost = False
    return broken_by(engine, error) or lost


def _instant(value: datetime | str | None) -> datetime | None:
    """An instant as the driver returns it, aware in UTC by storage/types.py's rule (SQLite
    keeps UTC as text, which SQLAlchemy would have parsed)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return _UTC.process_result_value(value, _NO_DIALECT)


def pilot_row(*, connection: Connection, pilot_id: int) -> Row[Any]:
    """The pilot's state, refused-message count and plan columns (for storage.pilots.plan_of)."""
    columns = [_pilots.c.id, _pilots.c.state, _pilots.c.refused_count]
    columns += [getattr(_pilots.c, name) for name in PLAN_COLUMNS]
    return connection.execute(sa_select(*columns).where(_pilots.c.id == pilot_id)).one()


def revision_of(*, connection: Connection, pilot_id: int) -> int | None:
    """The snapshot's revision, creating its row first if a pilot has none yet (None: the
    database was too busy to create it; the answer is then built, not stored)."""
    insert: Any = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    created = _write_briefly(
        connection,
        insert(_snapshots)
        .values(pilot_id=pilot_id, revision=0, body="")
        .on_conflict_do_nothing(index_elements=["pilot_id"]),
        f"status snapshot row of pilot {pilot_id} not created",
    )
    if created is None:
        return None
    return int(
        connection.execute(
            sa_select(_snapshots.c.revision).where(_snapshots.c.pilot_id == pilot_id)
        ).scalar_one()
    )


def store_snapshot(
    *,
    connection: Connection,
    pilot_id: int,
    revision: int,
    built_at: datetime,
    valid_until: datetime,
    body: str,
) -> bool:
    """Store an answer built from the record as of ``revision``, unless a write has bumped
    the revision since (then the next reader builds again). True if it was stored."""
    result = _write_briefly(
        connection,
        _snapshots.update()
        .where(_snapshots.c.pilot_id == pilot_id, _snapshots.c.revision == revision)
        .values(built_at=built_at, valid_until=valid_until, body=body),
        f"status snapshot of pilot {pilot_id} not stored",
    )
    return bool(result is not None and result.rowcount)


def _write_briefly(connection: Connection, statement: Executable, failed: str) -> Any:
    """Run and commit one write of the read path, best effort: a busy database (SQLite's one
    writer) must not cost the asker the answer they wait for, which does not need the
    write; the next asker, or the scheduler's refresh, makes it. On SQLite it waits at most
    ``ASKER_WAIT_MS`` for the write lock, not the engine's 30 s. None if it was not made
    (no write lock is held while the record is then read and rendered)."""
    sqlite_db = connection.dialect.name == "sqlite"
    if sqlite_db:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={ASKER_WAIT_MS}")
    try:
        result = connection.execute(statement)
        connection.commit()
        return result
    except OperationalError as error:
        connection.rollback()
        log.info("%s: %s", failed, error)
        return None
    finally:
        if sqlite_db:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def stale_snapshots(
    *, connection: Connection, now: datetime, limit: int
) -> list[tuple[int, int]]:
    """(pilot id, revision) of the snapshots a write (first) or the clock has left stale,
    on the valid_until index. The revision is read before the record the rebuild reads."""
    valid_until = _snapshots.c.valid_until
    rows = connection.execute(
        sa_select(_snapshots.c.pilot_id, _snapshots.c.revision)
        .where(or_(valid_until.is_(None), valid_until <= now))
        .order_by(valid_until.asc().nulls_first())
        .limit(limit)
    ).all()
    return [(pilot_id, revision) for pilot_id, revision in rows]
