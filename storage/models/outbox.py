"""What the bot owes Slack: outbox messages, the files an upload shares, people's Home tabs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import instant, utcnow


class OutboxMessage(SQLModel, table=True):
    """One communication the bot owes, from the moment it is due until Slack takes it.

    ``key`` names it within its pilot (``checkin:2026-12-08``): the unique constraint
    is what makes a second scheduler, a retried job or a restart unable to owe (and
    so send) it twice. Rows are never deleted: a skipped or failed one says why.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("pilot_id", "key", name="uq_outbox_pilot_key"),
        # Delivery reads owed rows by next attempt; replies find their thread by ts.
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_outbox_channel_status", "team_id", "channel_id", "status"),
        Index("ix_outbox_channel_sent_ts", "channel_id", "sent_ts"),
        # /pilot status counts a pilot's messages Slack refused for good.
        Index("ix_outbox_pilot_status", "pilot_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    key: str = Field(max_length=100)
    kind: str = Field(max_length=32)  # a DueKind value
    team_id: str = Field(max_length=32)
    enterprise_id: str = Field(default="", max_length=32)
    channel_id: str = Field(max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    # A direct message: the user ids it goes to (comma separated; several make a group
    # DM). Delivery opens the conversation (conversations.open) when it sends the row.
    dm_users: str = Field(default="", max_length=400)
    # "post" (chat.postMessage) or "update" (chat.update of the message ``after_key``
    # names, or of ``target_ts`` in ``channel_id`` when that message is not ours to key).
    method: str = Field(default="post", max_length=16)
    # The key of an earlier message of the same pilot that this one builds on: the
    # message an update rewrites, the thread a channel post goes in (when ``thread_ts``
    # is not known yet), the message a DM links to. Delivery waits for it to be sent.
    after_key: str = Field(default="", max_length=100)
    target_ts: str | None = Field(default=None, max_length=32)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON
    due_at: datetime = Field(sa_column=instant())
    # After this instant the message is pointless (a check-in's local day is over).
    useful_until: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    status: str = Field(default="pending", max_length=16)  # pending unknown sent skipped failed
    next_attempt_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    sent_ts: str | None = Field(default=None, max_length=32)
    skipped_reason: str = Field(default="", max_length=500)
    # A lease: the delivery worker holding the row until claimed_until ("" when free).
    claimed_by: str = Field(default="", max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    sent_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class OutboxFile(SQLModel, table=True):
    """A file an owed upload (method ``upload``) shares, its bytes stored with the message
    so that a retry uploads the same file. ``file_id`` is Slack's id from the upload's
    first step (files.getUploadURLExternal), recorded before the file can be shared:
    after an unknown outcome, delivery asks files.info whether it was shared already."""

    __tablename__ = "outbox_file"
    __table_args__ = (
        UniqueConstraint("message_id", "position", name="uq_outbox_file_position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outbox_message.id")
    position: int  # its place among the message's files, from 0
    filename: str = Field(max_length=255)
    title: str = Field(max_length=255)
    alt_txt: str = Field(default="", max_length=1000)  # Slack's limit for an image
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    file_id: str = Field(default="", max_length=32)


class HomeTab(SQLModel, table=True):
    """A person's App Home tab, owed to Slack (views.publish) through delivery: one row a
    person, so any number of changes before it goes out make one publish. ``owed`` counts
    the changes; delivery publishes the view as it stands and records the count it saw."""

    __tablename__ = "home_tab"
    __table_args__ = (Index("ix_home_tab_next_attempt", "next_attempt_at"),)

    team_id: str = Field(max_length=32, primary_key=True)
    user_id: str = Field(max_length=32, primary_key=True)
    enterprise_id: str = Field(default="", max_length=32)
    owed: int = Field(default=0)
    published: int = Field(default=0)
    # Set while a publish is owed; NULL once the latest change is in Slack (or refused).
    next_attempt_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=200)
    claimed_by: str = Field(default="", max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    published_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
