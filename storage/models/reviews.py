"""The reviews' record: metric values, notes, ramp confirmations, checklists, decisions,
meeting notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import instant, utcnow


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
