"""Tables. Every row carries the Slack workspace it belongs to (team and
enterprise id), and every query filters on it, so two workspaces never see
each other's pilots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def instant(*, nullable: bool = False) -> Column[datetime]:
    """A column for an aware instant, stored in UTC on every backend."""
    return Column(UTCDateTime, nullable=nullable)


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


class HealthProbe(SQLModel, table=True):
    """One row that `/healthz` rewrites now and then: proof the database takes writes."""

    __tablename__ = "health_probe"

    id: int = Field(default=1, primary_key=True)
    at: datetime = Field(sa_column=instant())


class SeenRequest(SQLModel, table=True):
    """Signatures of the commands and clicks acted on in the last few minutes: the same
    signed request sent again (a replay) is refused. Pruned past the signature window."""

    __tablename__ = "seen_request"
    __table_args__ = (Index("ix_seen_request_seen_at", "seen_at"),)

    signature: str = Field(primary_key=True, max_length=80)
    seen_at: datetime = Field(sa_column=instant())


class ProcessedEvent(SQLModel, table=True):
    """Events API deliveries already acted on; Slack retries carry the same event_id."""

    __tablename__ = "processed_event"
    __table_args__ = (
        UniqueConstraint("team_id", "event_id", name="uq_processed_event"),
        Index("ix_processed_event_received_at", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    event_id: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_column=instant())


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


class MetricValue(SQLModel, table=True):
    """A success criterion's value as someone recorded it (the weekly review's
    Record metrics), kept with who and when; the latest one counts."""

    __tablename__ = "metric_value"
    __table_args__ = (
        Index("ix_metric_value_pilot_recorded", "pilot_id", "recorded_at"),
        # A value pushed twice with the same key is recorded once (NULL: typed in Slack).
        UniqueConstraint("pilot_id", "idempotency_key", name="uq_metric_value_idempotency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    criterion_id: int = Field(foreign_key="success_criterion.id")
    value: str = Field(max_length=40)  # the number, as a decimal string ("62.5")
    typed: str = Field(max_length=100)  # as typed ("62.5%")
    recorded_by: str = Field(max_length=32)
    # When the value was measured: the moment typed, or a pushed value's observed_at.
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    # Where a pushed value came from ("grafana", "alertmanager", ...); "" when typed in Slack.
    source: str = Field(default="", max_length=40)
    idempotency_key: str | None = Field(default=None, max_length=240)  # prefixed


class ReviewNote(SQLModel, table=True):
    """What a review asked the team to write: next week's priorities (period "w3": set
    in week 3's review) or a phase's lessons learned (period "soft_launch")."""

    __tablename__ = "review_note"
    __table_args__ = (Index("ix_review_note_pilot_kind", "pilot_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    kind: str = Field(max_length=16)  # priorities, lessons
    period: str = Field(max_length=32)
    text: str = Field(max_length=3000)
    user_id: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_column=instant())


class RampConfirmation(SQLModel, table=True):
    """A ramp step confirmed applied in production (the announcement's Applied button)."""

    __tablename__ = "ramp_confirmation"
    __table_args__ = (UniqueConstraint("pilot_id", "week", name="uq_ramp_confirmation_week"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    week: int
    pct: int
    confirmed_by: str = Field(max_length=32)
    confirmed_at: datetime = Field(default_factory=utcnow, sa_column=instant())


class ChecklistTick(SQLModel, table=True):
    """One item of a review checklist (a phase's deliverables and exit criteria, or the
    Post-Pilot documentation) as the team last ticked it."""

    __tablename__ = "checklist_tick"
    __table_args__ = (
        UniqueConstraint("pilot_id", "checklist", "item", name="uq_checklist_tick_item"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    checklist: str = Field(max_length=16)  # a phase value, or post_pilot
    item: str = Field(max_length=8)  # d1, e2, p3 ...
    checked: bool = Field(default=False)
    user_id: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_column=instant())


class PilotDecision(SQLModel, table=True):
    """A go / no-go decision, made once: for the next phase (subject: the phase just
    reviewed) or the final recommendation (subject: recommendation)."""

    __tablename__ = "pilot_decision"
    __table_args__ = (UniqueConstraint("pilot_id", "subject", name="uq_pilot_decision_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    subject: str = Field(max_length=32)
    outcome: str = Field(max_length=8)  # go, no_go
    reason: str = Field(default="", max_length=2000)
    decided_by: str = Field(max_length=32)
    role: str = Field(max_length=32)
    decided_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    # A phase No-go holds the ramp at this planned % until a change is approved.
    held_pct: int | None = Field(default=None)
    change_request_id: int | None = Field(default=None, foreign_key="change_request.id")


class CheckinReply(SQLModel, table=True):
    """A reply in a daily check-in thread: that person's status for that day.

    One row per Slack message (team, channel, ts): an edit updates it, a deletion
    removes it; a person's latest reply is their check-in for the day.
    """

    __tablename__ = "checkin_reply"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "ts", name="uq_checkin_reply_message"),
        Index("ix_checkin_reply_pilot_day", "pilot_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    day: date  # the check-in's day (the pilot's local date), not the reply's
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)  # the check-in message
    ts: str = Field(max_length=32)  # the reply
    user_id: str = Field(max_length=32)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="", max_length=8)  # green, yellow, red from Post status
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())


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


class WorkspaceInstall(SQLModel, table=True):
    """A workspace the app is installed in (multi-workspace mode): when, and whether it is
    gone (uninstalled, or its bot token revoked) and why. Its tokens are in slack-sdk's
    tables below; this row is also what token rotation locks, so that several instances
    never spend one refresh token twice."""

    __tablename__ = "workspace_install"

    team_id: str = Field(primary_key=True, max_length=32)
    enterprise_id: str = Field(default="", max_length=32)
    installed_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    gone_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    gone_reason: str = Field(default="", max_length=400)


# slack-sdk's installation and OAuth state stores, in the bot's own database: their tables
# exactly as slack-sdk defines them, on the models' metadata, so that our migrations create
# them and the test that the migrations match the models covers them. (Their DateTime
# columns are naive UTC: slack-sdk's choice, read only through slack-sdk.)
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(
    SQLModel.metadata, SQLAlchemyInstallationStore.default_installations_table_name
)
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(
    SQLModel.metadata, SQLAlchemyInstallationStore.default_bots_table_name
)
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    SQLModel.metadata, SQLAlchemyOAuthStateStore.default_table_name
)
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


class MeetingNote(SQLModel, table=True):
    """Notes of a review meeting (framework, Documentation Requirements: "Meeting notes"),
    kept with the review post they belong to (its outbox key), who and when."""

    __tablename__ = "meeting_note"
    __table_args__ = (Index("ix_meeting_note_pilot_at", "pilot_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    review_key: str = Field(max_length=100)  # "weekly_review:w3", "phase_review:setup", ...
    text: str = Field(sa_column=Column(Text, nullable=False))
    user_id: str = Field(max_length=32)
    at: datetime = Field(sa_column=instant())


class PilotCanvas(SQLModel, table=True):
    """The channel canvas `/pilot canvas` made for a pilot: delivery keeps it current."""

    __tablename__ = "pilot_canvas"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    canvas_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=instant())


# ----- outside the channel: the calendar feed, metrics pushed in, the Home tab -----------------


class CalendarFeed(SQLModel, table=True):
    """A pilot's subscribable calendar: the secret in its URL. Kept, so team members can ask
    for it again; looked up by its hash, then compared in constant time."""

    __tablename__ = "calendar_feed"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_calendar_feed_token_hash"),)

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    token: str = Field(max_length=64)
    token_hash: str = Field(max_length=64)  # sha256 hex of the token
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())


class CalendarSequence(SQLModel, table=True):
    """An event of a pilot's calendar as last served: its SEQUENCE goes up by one each time
    the event moves (or is cancelled), so calendar apps take the change."""

    __tablename__ = "calendar_sequence"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    uid: str = Field(max_length=200, primary_key=True)
    sequence: int = Field(default=0)
    fingerprint: str = Field(max_length=200)  # start, end and status as last served
    changed_at: datetime = Field(sa_column=instant())


class MetricsIntakeToken(SQLModel, table=True):
    """The bearer token monitoring pushes a pilot's metrics with, stored only as its hash:
    shown once when made, never again."""

    __tablename__ = "metrics_intake_token"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_metrics_intake_token_hash"),)

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    token_hash: str = Field(max_length=64)  # sha256 hex of the token
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=instant())


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


class StatusSnapshot(SQLModel, table=True):
    """A pilot's `/pilot status` answer as last built (storage/status.py): read with the
    pilot in one indexed query instead of reading and rendering the record each time.

    ``revision`` goes up in every transaction that changes the pilot's record, which also
    empties ``valid_until``; a reader stores what it built only if the revision is still
    the one it read first, so an answer built from older rows never lands."""

    __tablename__ = "status_snapshot"
    __table_args__ = (Index("ix_status_snapshot_valid_until", "valid_until"),)

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    revision: int = Field(default=0)
    # NULL: to be built. Else the answer stands from built_at until valid_until, the
    # pilot's next local midnight or the first value dated after built_at.
    built_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    valid_until: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
