"""The pilot and what its plan is made of: its team, change log, risks, scope (and the
scope document's signed versions), success criteria and change requests."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models.columns import instant, utcnow


class Pilot(SQLModel, table=True):
    __tablename__ = "pilot"
    __table_args__ = (
        Index("ix_pilot_team_channel", "team_id", "channel_id"),
        Index("ix_pilot_next_due_at", "next_due_at"),
        # One live pilot per channel: the database's rule, not only the create's check.
        Index(
            "uq_pilot_live_channel",
            "team_id",
            "channel_id",
            unique=True,
            sqlite_where=text("state != 'ended'"),
            postgresql_where=text("state != 'ended'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    enterprise_id: str = Field(default="", max_length=32)
    channel_id: str = Field(max_length=32)

    name: str = Field(max_length=200)
    customer: str = Field(max_length=200)
    pilot_type: str = Field(max_length=16)
    start_date: date
    weeks: int
    ramp: str = Field(max_length=100)  # "standard", or a custom ramp such as "5,10,20,40"
    tz: str = Field(max_length=64)
    checkin_time: time = Field(default=time(9, 30))
    review_weekday: int = Field(default=0)  # Monday = 0
    review_time: time = Field(default=time(10, 0))
    holiday_country: str | None = Field(default=None, max_length=8)
    skip_dates: str = Field(default="", max_length=4000)  # ISO dates, comma separated
    checkins_from: str = Field(default="soft_launch", max_length=16)
    reminder_time: time | None = Field(default=None)
    reminder_roles: str = Field(default="project_lead,implementation_lead", max_length=400)
    evaluation_weeks: int = Field(default=1)
    # The escalation timer's settings (bot.core.escalation): "4h 24h 48h" per severity,
    # "09:00-18:00" or "" for calendar hours. A flag copies its policy when raised.
    escalation_critical: str = Field(default="4h 24h 48h", max_length=40)
    escalation_major: str = Field(default="4h 24h 48h", max_length=40)
    escalation_minor: str = Field(default="4h 24h 48h", max_length=40)
    business_hours: str = Field(default="", max_length=16)
    ack_pauses_escalation: bool = Field(default=False)
    override: bool = Field(default=False)
    # The last flag number handed out (F-<n>): bumped in the transaction that raises one.
    flag_count: int = Field(default=0)
    # Messages of this pilot's Slack refused for good: /pilot status reads the details only
    # when there are any (the hot path reads this with the pilot, no extra query).
    refused_count: int = Field(default=0)

    state: str = Field(default="active", max_length=16)  # active, paused, ended
    state_reason: str = Field(default="", max_length=2000)
    owner_id: str = Field(max_length=32)

    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    # The scheduler reads only pilots whose next communication is due: an indexed
    # column, so a tick costs the same with 100 pilots or 10,000.
    next_due_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class PilotCounter(SQLModel, table=True):
    """The last number a pilot handed out of one kind (R-n, C-n, CH-n, D-n): bumped by one
    UPDATE in the transaction that adds the row, so two people adding at once get two
    numbers (a maximum read first would give both the same one)."""

    __tablename__ = "pilot_counter"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    name: str = Field(max_length=32, primary_key=True)  # the numbered table's name
    last: int = Field(default=0)


class TeamMember(SQLModel, table=True):
    """A user holding one framework role in one pilot (a user may hold several)."""

    __tablename__ = "team_member"
    __table_args__ = (
        UniqueConstraint("pilot_id", "user_id", "role", name="uq_team_member"),
        Index("ix_team_member_user", "user_id"),  # the pilots a person is on (Home tab)
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    user_id: str = Field(max_length=32)
    role: str = Field(max_length=32)
    added_by: str = Field(max_length=32)
    added_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    # The person's own Slack organisation when it is not the installation's (a customer's
    # member in a Slack Connect channel): for display, never for scoping.
    user_team_id: str = Field(default="", max_length=32)


class ChangeLogEntry(SQLModel, table=True):
    """The framework's change log: every change and decision, with who, when and why."""

    __tablename__ = "change_log"

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=instant())
    user_id: str = Field(max_length=32)
    kind: str = Field(max_length=32)  # created, setting, team, scope, change, pause, ...
    summary: str = Field(max_length=2000)
    reason: str = Field(default="", max_length=2000)


class PilotRisk(SQLModel, table=True):
    """One entry of the framework's risk register, numbered R-1, R-2, ... per pilot.

    Removed risks stay as rows (``removed_at`` set) so a number is never reused.
    """

    __tablename__ = "pilot_risk"
    __table_args__ = (UniqueConstraint("pilot_id", "number", name="uq_pilot_risk_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    number: int
    category: str = Field(max_length=16)  # technical, business, timeline, scope
    risk: str = Field(max_length=500)
    mitigation: str = Field(default="", max_length=1000)
    added_by: str = Field(max_length=32)
    added_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    removed_by: str = Field(default="", max_length=32)
    removed_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class ScopeBoundary(SQLModel, table=True):
    """One hard scope boundary (use cases, channels, users, geographies, languages)."""

    __tablename__ = "scope_boundary"
    __table_args__ = (UniqueConstraint("pilot_id", "key", name="uq_scope_boundary"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    key: str = Field(max_length=16)
    value: str = Field(max_length=2000)
    set_by: str = Field(max_length=32)
    set_at: datetime = Field(default_factory=utcnow, sa_column=instant())


class ScopeDocument(SQLModel, table=True):
    """One version of the pilot's written scope, posted in its channel for the decision
    maker's sign-off (framework, Documentation Requirements: "Pilot scope document
    (signed)"). A new version whenever the scope is set or a change alters it, which
    leaves the last signature behind; each version is signed once."""

    __tablename__ = "scope_document"
    __table_args__ = (UniqueConstraint("pilot_id", "version", name="uq_scope_document_version"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    version: int
    # The hard boundaries as this version wrote them (JSON: boundary -> text), so that the
    # document signed stays what it was when the scope moves on.
    content: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    why: str = Field(default="", max_length=500)  # "set with /pilot scope set", "CH-2 approved"
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=instant())
    signed_by: str = Field(default="", max_length=32)
    signer_role: str = Field(default="", max_length=32)
    signed_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class DeferredRequest(SQLModel, table=True):
    """An out-of-scope request parked in the Phase 2 bucket (framework, Scope Creep Risks)."""

    __tablename__ = "deferred_request"
    __table_args__ = (UniqueConstraint("pilot_id", "number", name="uq_deferred_request_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    number: int
    request: str = Field(max_length=2000)
    requested_by: str = Field(max_length=32)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=instant())


class SuccessCriterion(SQLModel, table=True):
    """A success criterion, numbered C-1, C-2, ... per pilot; removed rows keep their number."""

    __tablename__ = "success_criterion"
    __table_args__ = (
        UniqueConstraint("pilot_id", "number", name="uq_success_criterion_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    number: int
    name: str = Field(max_length=200)
    target: str = Field(default="", max_length=200)  # as typed; parsed by bot.core.targets
    added_by: str = Field(max_length=32)
    added_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    removed_by: str = Field(default="", max_length=32)
    removed_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))


class ChangeRequest(SQLModel, table=True):
    """A change to ramp, end date or scope going through the framework's change process:
    the request, its impact, and who decided when (CH-1, CH-2, ... per pilot)."""

    __tablename__ = "change_request"
    __table_args__ = (UniqueConstraint("pilot_id", "number", name="uq_change_request_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    number: int
    kind: str = Field(max_length=16)  # ramp, end, scope
    proposal: str = Field(max_length=2000)  # canonical value: a ramp, weeks, or scope JSON
    summary: str = Field(max_length=2000)  # the request in words
    reason: str = Field(default="", max_length=2000)
    impact: str = Field(default="", max_length=4000)  # one sentence per line
    requested_by: str = Field(max_length=32)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    status: str = Field(default="pending", max_length=16)  # pending, approved, rejected
    decider_role: str = Field(default="", max_length=32)
    decided_by: str = Field(default="", max_length=32)
    decided_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
