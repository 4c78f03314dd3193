"""Owed uploads: messages (method ``upload``) that share files, with the files' bytes.

An upload is one outbox row, queued and delivered like a post, and its files
(``outbox_file``), stored with it so that a retry uploads the same bytes. The files
are given when the upload is owed, or rendered later (``render``): then the row waits,
holding its conversation's queue, until delivery has rendered them
(schedules/uploads.py) and stored them here. Slack's file id from the upload's first
step is recorded before the file can be shared, so that after an unknown outcome
delivery can ask Slack whether it was shared already.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import OutboxFile, OutboxMessage, Pilot
from storage.outbox import BULK, OWED, UPLOAD, encode_payload, message_for_key, owe, unleased

MAX_FILES = 10  # files.completeUploadExternal shares at most this many at once
MAX_ALT_TXT = 1000  # Slack refuses a longer alt_txt (alt_txt_too_large)
MAX_NAME = 255


@dataclass(frozen=True)
class OwedFile:
    """A file to share: its name (``acme-poc-weekly-week-3.md``), the title Slack shows,
    the bytes, and for an image the text a screen reader says."""

    filename: str
    title: str
    content: bytes
    alt_txt: str = ""


@dataclass(frozen=True)
class StoredFile:
    """One of an owed upload's files as delivery sends it (detached from any session)."""

    position: int
    filename: str
    title: str
    alt_txt: str
    content: bytes
    file_id: str  # "" until Slack gave one


def checked(files: Sequence[OwedFile]) -> list[OwedFile]:
    """``files`` if Slack can take them in one message; else ValueError saying why."""
    if not files:
        raise ValueError("an upload needs at least one file")
    if len(files) > MAX_FILES:
        raise ValueError(f"an upload shares at most {MAX_FILES} files, not {len(files)}")
    for file in files:
        if not file.filename or len(file.filename) > MAX_NAME:
            raise ValueError(f"a file needs a name of 1 to {MAX_NAME} characters")
        if len(file.title) > MAX_NAME:
            raise ValueError(f"{file.filename}: a title has at most {MAX_NAME} characters")
        if not file.content:
            raise ValueError(f"{file.filename}: Slack takes no empty file")
        if len(file.alt_txt) > MAX_ALT_TXT:
            raise ValueError(f"{file.filename}: alt_txt has at most {MAX_ALT_TXT} characters")
    return list(files)


def owe_upload(
    *,
    session: Session,
    pilot: Pilot,
    key: str,
    kind: str,
    comment: str,
    files: Sequence[OwedFile] | None,
    now: datetime,
    thread_ts: str | None = None,
    after_key: str = "",
    render: dict[str, Any] | None = None,
) -> bool:
    """Owe one message of ``pilot``'s that shares ``files`` together in its channel (in
    ``thread_ts``, or in the thread of the message ``after_key`` names once that one is
    sent), with ``comment`` (mrkdwn, already escaped) as its text.

    ``files=None``: rendered just before delivery by the renderer of ``kind``
    (schedules.uploads.RENDERERS), given the row and its ``render`` arguments. False
    when ``key`` was owed already. ValueError for files Slack would not take.
    """
    assert pilot.id is not None
    if files is None and render is None:
        raise ValueError("an upload needs its files, or render arguments to make them")
    owned = checked(files) if files is not None else None
    body: dict[str, Any] = {"comment": comment}
    if render is not None:
        body["render"] = render
    if owned is not None:
        body["files"] = len(owned)
    if not owe(
        session=session,
        pilot=pilot,
        key=key,
        kind=kind,
        message=body,
        now=now,
        thread_ts=thread_ts,
        method=UPLOAD,
        after_key=after_key,
    ):
        return False
    if owned is not None:
        stored = message_for_key(session=session, pilot_id=pilot.id, key=key)
        assert stored is not None and stored.id is not None
        _insert_files(session, stored.id, owned)
    return True


def _insert_files(session: Session, message_id: int, files: Sequence[OwedFile]) -> int:
    """Store a message's files; a position already stored is left as it is (two instances
    rendering the same message). Returns how many were inserted."""
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxFile)
        .on_conflict_do_nothing(index_elements=["message_id", "position"])
        .returning(col(OutboxFile.position))
    )
    rows = [
        {
            "message_id": message_id,
            "position": position,
            "filename": file.filename,
            "title": file.title or file.filename,
            "alt_txt": file.alt_txt,
            "content": file.content,
            "file_id": "",
        }
        for position, file in enumerate(files)
    ]
    return len(session.exec(statement, params=rows).all())


def files_of(
    *, session: Session, message_ids: Collection[int]
) -> dict[int, tuple[StoredFile, ...]]:
    """The stored files of these messages, in order; a message with none is absent."""
    if not message_ids:
        return {}
    found: dict[int, list[StoredFile]] = {}
    rows = session.exec(
        select(OutboxFile)
        .where(col(OutboxFile.message_id).in_(sorted(message_ids)))
        .order_by(col(OutboxFile.message_id), col(OutboxFile.position))
    ).all()
    for row in rows:
        found.setdefault(row.message_id, []).append(
            StoredFile(row.position, row.filename, row.title, row.alt_txt, row.content, row.file_id)
        )
    return {message_id: tuple(files) for message_id, files in found.items()}


def record_file_ids(
    *, session: Session, message_id: int, worker: str, file_ids: Sequence[tuple[int, str]]
) -> bool:
    """Record Slack's file id of each (position, file id) while ``worker`` still holds the
    message's lease; False (nothing recorded) if it lost it.

    The lease is checked by rewriting it, so on PostgreSQL the row stays locked until the
    caller commits: nobody can take it over in between.
    """
    held = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.claimed_by) == worker,
            col(OutboxMessage.status).in_(OWED),
        )
        .values(claimed_by=worker),
        execution_options=BULK,
    )
    if held.rowcount != 1:
        return False
    for position, file_id in file_ids:
        session.exec(
            update(OutboxFile)
            .where(col(OutboxFile.message_id) == message_id, col(OutboxFile.position) == position)
            .values(file_id=file_id[:32]),
            execution_options=BULK,
        )
    return True


def unrendered(
    *, session: Session, now: datetime, kinds: Collection[str], limit: int
) -> Sequence[OutboxMessage]:
    """Owed uploads of these kinds, due and unleased, whose files are not rendered yet,
    earliest first."""
    if not kinds:
        return []
    has_files = exists().where(col(OutboxFile.message_id) == col(OutboxMessage.id))
    return session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.method) == UPLOAD,
            col(OutboxMessage.status).in_(OWED),
            col(OutboxMessage.kind).in_(sorted(kinds)),
            col(OutboxMessage.next_attempt_at) <= now,
            unleased(now),
            ~has_files,
        )
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit)
    ).all()


def store_rendered(
    *,
    session: Session,
    message: OutboxMessage,
    comment: str,
    files: Sequence[OwedFile],
) -> bool:
    """Store what rendering ``message`` (as it was read) made: its comment and files.

    False, storing nothing, if the row moved on meanwhile (sent, skipped, or rendered by
    another instance): the payload changes only where it is still the one read, so of two
    instances rendering the same row one stores its files, and only one.
    """
    assert message.id is not None
    owned = checked(files)
    body = json.loads(message.payload or "{}")
    body.update(comment=comment, files=len(owned))
    result = session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message.id,
            col(OutboxMessage.status).in_(OWED),
            col(OutboxMessage.payload) == message.payload,
        )
        .values(payload=encode_payload(body)),
        execution_options=BULK,
    )
    if result.rowcount != 1:
        return False
    _insert_files(session, message.id, owned)
    return True
