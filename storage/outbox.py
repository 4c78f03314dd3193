"""The outbox: every communication the bot owes, claimed once by its key, then delivered.

A row is born ``pending`` (or ``skipped``, with the reason, when it was pointless
before anyone could send it). Delivery leases rows (``claimed_by``/``claimed_until``)
so two processes never send the same one, and ends each in ``sent``, ``failed``
(Slack refused it for good) or ``skipped`` (pointless before Slack took it). A send
whose outcome is unknown (a timeout after the request left) leaves it ``unknown``:
the next attempt first looks for its key in the channel's history.

This module owes messages and reads them; delivery's leases and outcomes are in
storage/leases.py, a message's key in storage/outbox_key.py.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from storage.db import touched
from storage.models import OutboxMessage, Pilot
from storage.outbox_key import OutboxKey

if TYPE_CHECKING:
    from storage.files import OwedFile as OwedFile
    from storage.files import owe_upload as owe_upload

POST = "post"  # chat.postMessage
UPDATE = "update"  # chat.update
UPLOAD = "upload"  # files shared in one message (storage/files.py, schedules/uploads.py)
CANVAS = "canvas"  # canvases.edit of the pilot's channel canvas (storage/canvas.py)

PENDING = "pending"
UNKNOWN = "unknown"  # a send timed out: Slack may or may not have the message
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
OWED = (PENDING, UNKNOWN)

# session.info entry where enqueueing notes the conversations that were owed something,
# so the caller can wake delivery for them once its unit of work has committed.
OWED_CONVERSATIONS = "pilot_bot.owed_conversations"

# A conversation: the queue a message waits in, in order. The pilot's channel, or a
# DM to someone (the channel column then names the pilot's channel, for the record).
Conversation = tuple[str, str, str]  # (team id, channel id, DM user ids or "")


def conversation_of(message: OutboxMessage) -> Conversation:
    return (message.team_id, message.channel_id, message.dm_users)


def owed_conversations(session: Session) -> set[Conversation]:
    """The conversations this session's unit of work owed messages to (and forgets them)."""
    found: set[Conversation] = session.info.pop(OWED_CONVERSATIONS, set())
    return found


def payload_of(message: OutboxMessage) -> dict[str, Any]:
    """The stored message body: ``text``, ``blocks`` and anything else chat.postMessage takes."""
    value = json.loads(message.payload or "{}")
    return value if isinstance(value, dict) else {}


def encode_payload(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


def enqueue(*, session: Session, message: OutboxMessage) -> bool:
    """Record ``message`` as owed; False if its (pilot, key) is already owed or done."""
    return bool(enqueue_many(session=session, messages=[message]))


def enqueue_many(*, session: Session, messages: Sequence[OutboxMessage]) -> set[tuple[int, str]]:
    """Record ``messages``; returns the (pilot id, key) of those this call inserted.

    INSERT ... ON CONFLICT DO NOTHING: whoever inserts a key first owns the message,
    in the same transaction as the rest of the caller's work, so a second scheduler,
    a retried job or a restart cannot owe it again.
    """
    if not messages:
        return set()
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only the two supported backends
        raise RuntimeError(f"the outbox needs PostgreSQL or SQLite, not {dialect}")
    statement = (
        insert(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["pilot_id", "key"])
        .returning(col(OutboxMessage.pilot_id), col(OutboxMessage.key))
    )
    rows = [message.model_dump(exclude={"id"}) for message in messages]
    # RETURNING, not rowcount: drivers disagree about rowcount for an INSERT.
    inserted = {(pilot_id, key) for pilot_id, key in session.exec(statement, params=rows)}
    owed = session.info.setdefault(OWED_CONVERSATIONS, set())
    for message in messages:
        if (message.pilot_id, message.key) in inserted and message.status in OWED:
            owed.add(conversation_of(message))
            if message.kind not in _SAME_HOME:
                touched(session, message.pilot_id)  # its people's Home tabs show it
    return inserted


# Owed every workday, and nothing on a Home tab changes with them.
_SAME_HOME = frozenset({"checkin", "reminder"})


def owe(
    *,
    session: Session,
    pilot: Pilot,
    key: str,
    kind: str,
    message: dict[str, Any],
    now: datetime,
    thread_ts: str | None = None,
    dm_user: str = "",
    method: str = POST,
    after_key: str = "",
    channel_id: str | None = None,
    target_ts: str | None = None,
) -> bool:
    """Owe one message of ``pilot``'s, due now, in the caller's unit of work.

    A channel post (in ``thread_ts``, or in the thread of the message ``after_key``
    names once that one is sent), a DM to ``dm_user`` (which may link to ``after_key``'s
    message), or an update (``method=UPDATE``) of ``after_key``'s message, or of
    ``target_ts`` in ``channel_id`` (``method=CANVAS``: of the canvas ``target_ts``).
    An update replaces any older update of the same message still waiting: only the
    latest state is worth sending. False when ``key`` was owed already (a retried
    request, a double click).
    """
    assert pilot.id is not None
    row = OutboxMessage(
        pilot_id=pilot.id,
        key=key,
        kind=kind,
        team_id=pilot.team_id,
        enterprise_id=pilot.enterprise_id,
        channel_id=channel_id or pilot.channel_id,
        thread_ts=thread_ts,
        dm_users=dm_user,
        method=method,
        after_key=after_key,
        target_ts=target_ts,
        payload=encode_payload(message),
        due_at=now,
        next_attempt_at=now,
        created_at=now,
        status=PENDING,
    )
    if not enqueue(session=session, message=row):
        return False
    if method in (UPDATE, CANVAS):
        _supersede(session, row)
    return True


def owe_in_channel_instead(
    *,
    session: Session,
    pilot_id: int,
    key: str,
    message: dict[str, Any],
    thread_ts: str | None,
    now: datetime,
) -> bool:
    """A DM Slack refused for good (``key``), owed once in the pilot's channel instead (in
    ``thread_ts`` when given); ``message`` already mentions the person."""
    pilot = session.get(Pilot, pilot_id)
    if pilot is None:
        return False
    return owe(
        session=session,
        pilot=pilot,
        key=OutboxKey.parse(key).then("in-channel").clipped(),
        kind="dm_in_channel",
        message=message,
        now=now,
        thread_ts=thread_ts,
    )


def _supersede(session: Session, newer: OutboxMessage) -> None:
    """Older updates of the message ``newer`` updates, not yet taken by Slack nor leased,
    are skipped: ``newer`` shows the latest state."""
    same_target = (
        col(OutboxMessage.after_key) == newer.after_key
        if newer.after_key
        else and_(
            col(OutboxMessage.channel_id) == newer.channel_id,
            col(OutboxMessage.target_ts) == newer.target_ts,
        )
    )
    session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.pilot_id) == newer.pilot_id,
            col(OutboxMessage.method) == newer.method,
            col(OutboxMessage.key) != newer.key,
            same_target,
            col(OutboxMessage.status).in_(OWED),
            unleased(newer.created_at),
        )
        .values(
            status=SKIPPED,
            skipped_reason=f"superseded by a later update ({newer.key})",
            next_attempt_at=None,
        ),
        execution_options=BULK,
    )


def rebuild(
    *, session: Session, message: OutboxMessage, payload: str, thread_ts: str | None
) -> None:
    """Delivery's last look rewrote an owed ``message``: what it says (an encoded payload)
    and the thread it goes in."""
    message.payload, message.thread_ts = payload, thread_ts
    session.add(message)


def message_for_key(*, session: Session, pilot_id: int, key: str) -> OutboxMessage | None:
    return session.exec(
        select(OutboxMessage).where(OutboxMessage.pilot_id == pilot_id, OutboxMessage.key == key)
    ).first()


def messages_of_pilot(
    *, session: Session, pilot_id: int, statuses: Sequence[str] | None = None, limit: int = 20
) -> Sequence[OutboxMessage]:
    """A pilot's messages, newest due first (for the agenda)."""
    query = select(OutboxMessage).where(OutboxMessage.pilot_id == pilot_id)
    if statuses is not None:
        query = query.where(col(OutboxMessage.status).in_(statuses))
    return session.exec(
        query.order_by(col(OutboxMessage.due_at).desc(), col(OutboxMessage.id).desc()).limit(limit)
    ).all()


# ----- rows that stopped being owed: skipped, refused (leases: storage/leases.py) -----------


# Bulk updates leave loaded objects alone: callers re-read rows rather than trust them.
BULK = {"synchronize_session": False}


def unleased(now: datetime) -> Any:
    """A row no worker holds at ``now``."""
    return or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now)


def skip_owed(*, session: Session, message_id: int, now: datetime, reason: str) -> bool:
    """Mark an owed, unleased row skipped with ``reason``; False if it moved on meanwhile."""
    return _skip(session, col(OutboxMessage.id) == message_id, now, reason) == 1


def skip_owed_of_workspace(*, session: Session, team_id: str, now: datetime, reason: str) -> int:
    """Mark every owed, unleased row of a workspace's pilots skipped with ``reason`` (the
    app left it); returns how many."""
    return _skip(session, col(OutboxMessage.team_id) == team_id, now, reason)


def _skip(session: Session, which: Any, now: datetime, reason: str) -> int:
    result = session.exec(
        update(OutboxMessage)
        .where(which, col(OutboxMessage.status).in_(OWED), unleased(now))
        .values(status=SKIPPED, skipped_reason=reason[:500], next_attempt_at=None),
        execution_options=BULK,
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Undelivered:
    """Messages Slack refused for good, to one place, for one reason."""

    channel_id: str
    dm_users: str  # a DM: to these people
    error: str
    count: int


def undelivered_summary(*, connection: Connection, pilot_id: int) -> list[Undelivered]:
    """The pilot's refused messages grouped by where and why (indexed: pilot, status)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    rows = connection.execute(
        select(table.c.channel_id, table.c.dm_users, table.c.last_error, func.count())
        .where(table.c.pilot_id == pilot_id, table.c.status == FAILED)
        .group_by(table.c.channel_id, table.c.dm_users, table.c.last_error)
        .order_by(func.count().desc())
    ).all()
    return [Undelivered(channel, dm, error, count) for channel, dm, error, count in rows]


def undelivered_of(*, session: Session, pilot_id: int) -> Sequence[OutboxMessage]:
    """The pilot's messages Slack refused for good, newest first."""
    return session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.pilot_id == pilot_id, OutboxMessage.status == FAILED)
        .order_by(col(OutboxMessage.due_at).desc(), col(OutboxMessage.id).desc())
    ).all()


def counts(*, connection: Connection) -> tuple[int, int]:
    """(owed, refused for good) over every pilot: two counts on the status index."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    owed = connection.execute(
        select(func.count()).select_from(table).where(table.c.status.in_(OWED))
    ).scalar_one()
    refused = connection.execute(
        select(func.count()).select_from(table).where(table.c.status == FAILED)
    ).scalar_one()
    return int(owed), int(refused)


def __getattr__(name: str) -> Any:
    # Uploads are owed from here too, but live in storage/files.py (which imports this
    # module, so it is imported on first use, not at the top).
    if name in ("OwedFile", "owe_upload"):
        from storage import files

        return getattr(files, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
