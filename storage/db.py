"""Engine, migrations and the unit of work."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

# Also registers the flush listener that notes which pilots a unit of work changed.
from storage.status import BUSY_TIMEOUT_MS, bump_changed, forget_changes

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy's default is psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file a ``sqlite:///...`` URL names (None for other databases and in-memory)."""
    parsed = make_url(normalise_url(url))
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        name = str(parsed.database)
        return Path(name.removeprefix("file:").split("?")[0])
    return None


def make_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``; ``schema`` pins PostgreSQL's search_path (tests use it)."""
    url = normalise_url(url)
    connect_args: dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args["check_same_thread"] = False
        connect_args["timeout"] = 30
    elif schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # No pool_pre_ping: it costs a round trip on every checkout. A connection that died
    # with its server fails one request, and SQLAlchemy then renews the whole pool.
    # The pool holds a connection for each of the web server's threads (16) and the
    # scheduler's, so a busy moment never opens and closes overflow connections.
    kwargs.setdefault("pool_size", 20)
    engine = create_engine(url, connect_args=connect_args, pool_recycle=1800, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "handle_error", _drop_broken_connections)
    return engine


# Errors after which a connection is not to be trusted again, even once the database is
# writable: SQLite keeps a read-only or full file's state per connection, and a failover
# can leave a PostgreSQL connection on a read-only standby.
_BROKEN = (
    "attempt to write a readonly database",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
    "read-only transaction",  # PostgreSQL: cannot execute ... in a read-only transaction
    "could not extend file",  # PostgreSQL: disk full
)


def _drop_broken_connections(context: Any) -> None:
    """Treat those errors as a lost connection: SQLAlchemy then discards it (and the pool's
    older ones) instead of handing it out again, so writes work as soon as the database
    does. Cheaper than a pre-ping on every checkout, which the status path avoids."""
    if context.engine is not None and broken_by(context.engine, context.original_exception):
        context.is_disconnect = True


def broken_by(engine: Engine, error: BaseException) -> bool:
    """Whether ``error`` leaves the engine's connections untrustworthy (one of the errors
    above); if so the next successful write probe renews the pool. Also called by the
    status read, which runs outside SQLAlchemy's Connection (storage/status.py)."""
    text = str(error).lower()
    if not any(marker in text for marker in _BROKEN):
        return False
    log.warning("database error, connection discarded: %s", text.splitlines()[0][:200])
    _FAULTED.add(engine)
    return True


# Engines that met such an error: the next successful write probe starts their pool
# afresh, so that no connection opened during the fault is handed out again.
_FAULTED: weakref.WeakSet[Engine] = weakref.WeakSet()


def writable(engine: Engine) -> bool:
    """Whether the database takes a write now (one row rewritten and committed)."""
    from storage.models import HealthProbe

    table = HealthProbe.__table__  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    for _ in range(2):
        try:
            with engine.begin() as connection:
                if not connection.execute(table.update().values(at=now)).rowcount:
                    connection.execute(table.insert().values(id=1, at=now))
            if engine in _FAULTED:
                _FAULTED.discard(engine)
                log.warning("the database takes writes again: starting with fresh connections")
                engine.dispose()
            return True
        except Exception as error:
            # A connection left from a fault (discarded, with its pool) gets one more try on
            # a fresh one: the answer is about the database, not about old connections.
            if getattr(error, "connection_invalidated", False):
                continue
            log.warning("the database takes no writes: %s", str(error).splitlines()[0][:200])
            return False
    log.warning("the database takes no writes (even on a fresh connection)")
    return False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web threads read while the scheduler writes; busy_timeout waits
    # for a writer instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# The newest migration. A database already there needs no Alembic at start-up, which
# spares every instance about 11 MB it would hold for good; tests/test_storage.py checks
# this against the migrations themselves.
SCHEMA_REVISION = "0018s"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision."""
    if schema_revisions(engine) == [SCHEMA_REVISION]:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "heads")


def schema_revisions(engine: Engine) -> list[str]:
    """The revisions Alembic recorded the schema at (none: a new or unreachable database,
    which the upgrade then creates or reports)."""
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version"))
            return sorted(str(revision) for revision in found.scalars())
    except SQLAlchemyError:
        return []


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("database ping failed", exc_info=True)
        return False


# session.info entry: the pilots whose record a unit of work changed. Before it commits,
# the Home tabs that show them are owed again (storage/home.py), in the same transaction.
TOUCHED_PILOTS = "pilot_bot.touched_pilots"


def touched(session: Session, pilot_id: int) -> None:
    """Note that this unit of work changed what ``pilot_id``'s people see on their Home tab."""
    session.info.setdefault(TOUCHED_PILOTS, set()).add(pilot_id)


def write_now(session: Session) -> None:
    """Send what the unit of work has staged to the database now (it still commits or
    rolls back as one), so that a failure surfaces in the batch that caused it."""
    session.flush()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            if session.info.get(TOUCHED_PILOTS):
                from storage.home import owe_touched_homes  # it imports this module

                owe_touched_homes(session)
            bump_changed(session)  # last: /pilot status snapshots learn of the change
            session.commit()
        except BaseException:
            session.rollback()
            forget_changes(session)
            raise


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A connection for reads that need no unit of work (nothing to commit).

    On PostgreSQL it runs in autocommit, which spares the BEGIN and COMMIT round trips
    of a transaction that only reads one row.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session that only reads, outside any unit of work: nothing is committed, and no
    write lock is taken (for slow reads, such as rendering a document)."""
    with read_only(engine) as connection, Session(bind=connection) as session:
        yield session
