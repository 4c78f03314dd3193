"""The outbox: every communication the bot owes, claimed once by its key, then delivered.

A row is born ``pending`` (or ``skipped``, with the reason, when it was pointless
before anyone could send it). Delivery leases rows (``claimed_by``/``claimed_until``)
so two processes never send the same one, and ends each in ``sent``, ``failed``
(Slack refused it for good) or ``skipped`` (pointless before Slack took it). A send
whose outcome is unknown (a timeout after the request left) leaves it ``unknown``:
the next attempt first looks for its key in the channel's history.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from storage.models import OutboxMessage, Pilot

PENDING = "pending"
UNKNOWN = "unknown"  # a send timed out: Slack may or may not have the message
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
OWED = (PENDING, UNKNOWN)


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
    return {(pilot_id, key) for pilot_id, key in session.exec(statement, params=rows)}


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


# ----- delivery ----------------------------------------------------------------------------


# Bulk updates leave loaded objects alone: callers re-read rows rather than trust them.
_BULK = {"synchronize_session": False}


def _free(now: datetime) -> Any:
    return or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now)


def expired_owed(*, session: Session, now: datetime, limit: int) -> Sequence[OutboxMessage]:
    """Owed, unleased rows that became pointless (past ``useful_until``)."""
    return session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.status).in_(OWED),
            col(OutboxMessage.useful_until) <= now,
            _free(now),
        )
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit)
    ).all()


def pilot_states(*, session: Session, pilot_ids: Sequence[int]) -> dict[int, str]:
    """The state (active, paused, ended) of each of these pilots."""
    if not pilot_ids:
        return {}
    rows = session.exec(
        select(Pilot.id, Pilot.state).where(col(Pilot.id).in_(sorted(set(pilot_ids))))
    ).all()
    return {pilot_id: state for pilot_id, state in rows if pilot_id is not None}


def skip_owed(*, session: Session, message_id: int, now: datetime, reason: str) -> bool:
    """Mark an owed, unleased row skipped with ``reason``; False if it moved on meanwhile."""
    result = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.status).in_(OWED),
            _free(now),
        )
        .values(status=SKIPPED, skipped_reason=reason[:500], next_attempt_at=None),
        execution_options=_BULK,
    )
    return bool(result.rowcount == 1)


def ready_channels(*, session: Session, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(team, channel) pairs with an owed row whose next attempt has come, oldest first."""
    rows = session.exec(
        select(OutboxMessage.team_id, OutboxMessage.channel_id, OutboxMessage.due_at)
        .where(
            col(OutboxMessage.status).in_(OWED),
            col(OutboxMessage.next_attempt_at) <= now,
            _free(now),
        )
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit)
    ).all()
    seen: dict[tuple[str, str], None] = {}
    for team_id, channel_id, _ in rows:
        seen.setdefault((team_id, channel_id), None)
    return list(seen)


def owed_in_channels(
    *, session: Session, channels: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[OutboxMessage]]:
    """Every owed row of each channel, in sending order (due_at, id)."""
    found: dict[tuple[str, str], list[OutboxMessage]] = {c: [] for c in channels}
    by_team: dict[str, list[str]] = {}
    for team_id, channel_id in channels:
        by_team.setdefault(team_id, []).append(channel_id)
    for team_id, channel_ids in by_team.items():
        rows = session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.team_id == team_id,
                col(OutboxMessage.channel_id).in_(channel_ids),
                col(OutboxMessage.status).in_(OWED),
            )
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        ).all()
        for row in rows:
            found[(row.team_id, row.channel_id)].append(row)
    return found


def claim(
    *, session: Session, ids: Sequence[int], worker: str, now: datetime, until: datetime
) -> set[int]:
    """Lease the owed, unleased rows among ``ids`` to ``worker``; returns those it got.

    One conditional UPDATE: a row another worker holds (or that moved on) is not
    taken, whatever this worker read before.
    """
    if not ids:
        return set()
    result = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            col(OutboxMessage.status).in_(OWED),
            _free(now),
        )
        .values(claimed_by=worker, claimed_until=until)
        .returning(col(OutboxMessage.id)),
        execution_options=_BULK,
    )
    return {row[0] for row in result}


def release(*, session: Session, ids: Sequence[int], worker: str) -> None:
    """Give back leased rows untouched (their turn comes in a later round)."""
    if ids:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_by) == worker)
            .values(claimed_by="", claimed_until=None),
            execution_options=_BULK,
        )


def _held(message_id: int, worker: str) -> Any:
    return and_(col(OutboxMessage.id) == message_id, col(OutboxMessage.claimed_by) == worker)


def _finish(session: Session, message_id: int, worker: str, **values: Any) -> bool:
    values.update(claimed_by="", claimed_until=None)
    result = session.exec(
        update(OutboxMessage).where(_held(message_id, worker)).values(values),
        execution_options=_BULK,
    )
    return bool(result.rowcount == 1)


def mark_sent(
    *, session: Session, message_id: int, worker: str, ts: str, now: datetime, attempted: bool
) -> bool:
    """Slack has the message (``attempted``: it took this attempt; else found in history)."""
    values: dict[str, Any] = {
        "status": SENT,
        "sent_ts": ts,
        "sent_at": now,
        "next_attempt_at": None,
    }
    if attempted:
        values["attempts"] = OutboxMessage.attempts + 1
    return _finish(session, message_id, worker, **values)


def mark_sent_many(
    *, session: Session, sent: Sequence[tuple[int, str]], worker: str, now: datetime
) -> None:
    """Slack took each (row id, ts) in ``sent`` at this attempt: one statement for them all."""
    if not sent:
        return
    table = SQLModel.metadata.tables["outbox_message"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.claimed_by == worker)
        .values(
            status=SENT,
            sent_ts=bindparam("row_ts"),
            sent_at=now,
            next_attempt_at=None,
            attempts=table.c.attempts + 1,
            claimed_by="",
            claimed_until=None,
        )
    )
    session.connection().execute(statement, [{"row_id": i, "row_ts": ts} for i, ts in sent])


def mark_retry(
    *,
    session: Session,
    message_id: int,
    worker: str,
    at: datetime,
    error: str,
    unknown: bool = False,
    attempted: bool = True,
) -> bool:
    """Still owed: try again at ``at`` (``unknown``: look in history first)."""
    values: dict[str, Any] = {
        "status": UNKNOWN if unknown else PENDING,
        "next_attempt_at": at,
        "last_error": error[:500],
    }
    if attempted:
        values["attempts"] = OutboxMessage.attempts + 1
    return _finish(session, message_id, worker, **values)


def mark_failed(*, session: Session, message_id: int, worker: str, error: str) -> bool:
    """Slack refused the message for good (channel gone, bot not in it, ...)."""
    return _finish(
        session,
        message_id,
        worker,
        status=FAILED,
        last_error=error[:500],
        next_attempt_at=None,
        attempts=OutboxMessage.attempts + 1,
    )
