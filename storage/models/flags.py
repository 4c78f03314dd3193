"""The issue log: flags, and each flag's escalation (its timer, the steps taken, snoozes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import instant, utcnow


class Flag(SQLModel, table=True):
    """One entry of the framework's issue log: a flag raised in Slack, numbered F-1,
    F-2, ... per pilot (``Pilot.flag_count`` hands the numbers out), from raised to
    acknowledged to resolved. Rows are never deleted: the issue log keeps them all.
    """

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("pilot_id", "number", name="uq_flag_number"),
        # A reply turned into a flag (by its prefix or by the reaction) is one flag.
        UniqueConstraint("team_id", "channel_id", "message_ts", name="uq_flag_message"),
        Index("ix_flag_pilot_state", "pilot_id", "state"),
        Index("ix_flag_pilot_raised", "pilot_id", "raised_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    team_id: str = Field(max_length=32)
    enterprise_id: str = Field(default="", max_length=32)
    number: int
    severity: str = Field(max_length=16)  # critical, major, minor
    category: str = Field(default="technical", max_length=16)  # a RiskCategory value
    description: str = Field(sa_column=Column(Text, nullable=False))
    raised_by: str = Field(max_length=32)
    raised_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    source: str = Field(max_length=16)  # command, button, reply, reaction
    channel_id: str = Field(max_length=32)
    # The check-in thread of the day it was raised in, or the announcement's own ts
    # when there was none: where everything about the flag is posted.
    thread_ts: str | None = Field(default=None, max_length=32)
    announcement_ts: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)  # the reply it came from
    acknowledged_by: str = Field(default="", max_length=32)
    acknowledged_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    resolved_by: str = Field(default="", max_length=32)
    resolved_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    resolution: str = Field(default="", sa_column=Column(Text, nullable=False))
    state: str = Field(default="open", max_length=16)  # open, resolved


class FlagEscalation(SQLModel, table=True):
    """A flag's escalation timer (bot.core.escalation): the policy frozen when it was
    raised, the last step done, and when the next one is due. The sweep reads only
    rows whose ``next_escalation_at`` has come (an indexed column); NULL: nothing
    more will go out (resolved, the pilot ended, paused by an acknowledgement, done).
    """

    __tablename__ = "flag_escalation"
    __table_args__ = (Index("ix_flag_escalation_next", "next_escalation_at"),)

    flag_id: int = Field(foreign_key="flag.id", primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    policy: str = Field(max_length=80)  # EscalationPolicy.encode(): "4h 24h 48h ..."
    last_step: int | None = Field(default=None)  # an EscalationStep; None before the first
    snoozed_minutes: int = Field(default=0)
    next_escalation_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    stopped: str = Field(default="", max_length=200)  # why nothing more goes out


class EscalationStepTaken(SQLModel, table=True):
    """One step of a flag's escalation path, taken once: when it was due, when the sweep
    took it, and who it went to (its DMs and thread line are outbox rows)."""

    __tablename__ = "escalation_step"
    __table_args__ = (UniqueConstraint("flag_id", "step", name="uq_escalation_step"),)

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id")
    step: int  # an EscalationStep
    goes_to: int | None = Field(default=None)  # the step whose roles got it; None: the owner
    users: str = Field(max_length=400)  # comma separated
    unassigned: str = Field(default="", max_length=200)  # the step's roles nobody held
    due_at: datetime = Field(sa_column=instant())
    taken_at: datetime = Field(sa_column=instant())


class EscalationSnooze(SQLModel, table=True):
    """`/pilot snooze F-3 4h reason="..."`: who delayed a flag's remaining steps, by how much."""

    __tablename__ = "escalation_snooze"
    __table_args__ = (Index("ix_escalation_snooze_flag", "flag_id"),)

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id")
    minutes: int
    user_id: str = Field(max_length=32)
    reason: str = Field(default="", max_length=2000)
    at: datetime = Field(sa_column=instant())
