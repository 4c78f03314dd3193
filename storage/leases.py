"""Delivery's side of the outbox: the owed rows it reads, leases and ends.

Delivery leases rows (``claimed_by``/``claimed_until``) so two processes never send the
same one, renews the lease while its worker is alive, and ends each row in ``sent``,
``failed`` (Slack refused it for good) or still owed with its next attempt time
(``unknown`` when Slack may have it). What is owed, and how, is storage/outbox.py.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, update
from sqlmodel import Session, SQLModel, col, select

from storage.models import OutboxMessage, Pilot
from storage.outbox import (
    BULK,
    FAILED,
    OWED,
    PENDING,
    SENT,
    UNKNOWN,
    Conversation,
    conversation_of,
    unleased,
)
from storage.status import record_changed


def expired_owed(*, session: Session, now: datetime, limit: int) -> Sequence[OutboxMessage]:
    """Owed, unleased rows that became pointless (past ``useful_until``)."""
    return session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.status).in_(OWED),
            col(OutboxMessage.useful_until) <= now,
            unleased(now),
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


def ready_conversations(
    *,
    session: Session,
    now: datetime,
    limit: int,
    among: Collection[Conversation] | None = None,
) -> list[Conversation]:
    """Conversations with an owed row whose next attempt has come, oldest first
    (``among``: only these)."""
    query = select(
        OutboxMessage.team_id, OutboxMessage.channel_id, OutboxMessage.dm_users
    ).where(
        col(OutboxMessage.status).in_(OWED),
        col(OutboxMessage.next_attempt_at) <= now,
        unleased(now),
    )
    if among is not None:
        if not among:
            return []
        query = query.where(
            col(OutboxMessage.team_id).in_({c[0] for c in among}),
            col(OutboxMessage.channel_id).in_({c[1] for c in among}),
        )
    rows = session.exec(
        query.order_by(col(OutboxMessage.due_at), col(OutboxMessage.id)).limit(limit)
    ).all()
    seen: dict[Conversation, None] = {}
    for team_id, channel_id, dm_users in rows:
        conversation = (team_id, channel_id, dm_users)
        if among is None or conversation in among:
            seen.setdefault(conversation, None)
    return list(seen)


def owed_in_conversations(
    *, session: Session, conversations: Sequence[Conversation]
) -> dict[Conversation, list[OutboxMessage]]:
    """Every owed row of each conversation, in sending order (due_at, id)."""
    found: dict[Conversation, list[OutboxMessage]] = {c: [] for c in conversations}
    by_team: dict[str, set[str]] = {}
    for team_id, channel_id, _ in conversations:
        by_team.setdefault(team_id, set()).add(channel_id)
    for team_id, channel_ids in by_team.items():
        rows = session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.team_id == team_id,
                col(OutboxMessage.channel_id).in_(sorted(channel_ids)),
                col(OutboxMessage.status).in_(OWED),
            )
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        ).all()
        for row in rows:
            queue = found.get(conversation_of(row))
            if queue is not None:
                queue.append(row)
    return found


def messages_by_key(
    *, session: Session, keys: Collection[tuple[int, str]]
) -> dict[tuple[int, str], OutboxMessage]:
    """The rows named by (pilot id, key), those that exist."""
    found: dict[tuple[int, str], OutboxMessage] = {}
    by_pilot: dict[int, set[str]] = {}
    for pilot_id, key in keys:
        by_pilot.setdefault(pilot_id, set()).add(key)
    for pilot_id, names in by_pilot.items():
        rows = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.pilot_id == pilot_id, col(OutboxMessage.key).in_(sorted(names))
            )
        ).all()
        found.update({(row.pilot_id, row.key): row for row in rows})
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
            unleased(now),
        )
        .values(claimed_by=worker, claimed_until=until)
        .returning(col(OutboxMessage.id)),
        execution_options=BULK,
    )
    return {row[0] for row in result}


def renew(*, session: Session, worker: str, until: datetime) -> None:
    """Extend every lease ``worker`` still holds to ``until``: it is alive and sending."""
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.claimed_by) == worker, col(OutboxMessage.status).in_(OWED))
        .values(claimed_until=until),
        execution_options=BULK,
    )


def release(*, session: Session, ids: Sequence[int], worker: str) -> None:
    """Give back leased rows untouched (their turn comes in a later round)."""
    if ids:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_by) == worker)
            .values(claimed_by="", claimed_until=None),
            execution_options=BULK,
        )


def _held(message_id: int, worker: str) -> Any:
    return and_(col(OutboxMessage.id) == message_id, col(OutboxMessage.claimed_by) == worker)


def _finish(session: Session, message_id: int, worker: str, **values: Any) -> bool:
    values.update(claimed_by="", claimed_until=None)
    result = session.exec(
        update(OutboxMessage).where(_held(message_id, worker)).values(values),
        execution_options=BULK,
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


def mark_failed(
    *, session: Session, message_id: int, pilot_id: int, worker: str, error: str
) -> bool:
    """Slack refused the message for good (channel gone, bot not in it, ...); the pilot
    counts it, so /pilot status knows to say so."""
    held = _finish(
        session,
        message_id,
        worker,
        status=FAILED,
        last_error=error[:500],
        next_attempt_at=None,
        attempts=OutboxMessage.attempts + 1,
    )
    if held:
        session.exec(
            update(Pilot)
            .where(col(Pilot.id) == pilot_id)
            .values(refused_count=col(Pilot.refused_count) + 1),
            execution_options=BULK,
        )
        record_changed(session, pilot_id)  # the asker's status lists what was refused
    return held
