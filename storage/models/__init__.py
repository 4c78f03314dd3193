"""Tables. Every row carries the Slack workspace it belongs to (team and
enterprise id), and every query filters on it, so two workspaces never see
each other's pilots.

One module per feature; everything imports the tables from here
(``from storage.models import Pilot``), and importing this package puts every table
on ``SQLModel.metadata`` (the migrations compare against it).
"""

from storage.models.checkins import CheckinReply
from storage.models.columns import instant, utcnow
from storage.models.flags import EscalationSnooze, EscalationStepTaken, Flag, FlagEscalation
from storage.models.outbox import HomeTab, OutboxFile, OutboxMessage
from storage.models.outside import CalendarFeed, CalendarSequence, MetricsIntakeToken, PilotCanvas
from storage.models.pilots import (
    ChangeLogEntry,
    ChangeRequest,
    DeferredRequest,
    Pilot,
    PilotCounter,
    PilotRisk,
    ScopeBoundary,
    ScopeDocument,
    SuccessCriterion,
    TeamMember,
)
from storage.models.reviews import (
    ChecklistTick,
    MeetingNote,
    MetricValue,
    PilotDecision,
    RampConfirmation,
    ReviewNote,
)
from storage.models.status import StatusSnapshot
from storage.models.workspaces import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    SLACK_OAUTH_STATES,
    HealthProbe,
    ProcessedEvent,
    SeenRequest,
    WorkspaceInstall,
)

__all__ = [
    "SLACK_BOTS",
    "SLACK_INSTALLATIONS",
    "SLACK_OAUTH_STATES",
    "CalendarFeed",
    "CalendarSequence",
    "ChangeLogEntry",
    "ChangeRequest",
    "CheckinReply",
    "ChecklistTick",
    "DeferredRequest",
    "EscalationSnooze",
    "EscalationStepTaken",
    "Flag",
    "FlagEscalation",
    "HealthProbe",
    "HomeTab",
    "MeetingNote",
    "MetricValue",
    "MetricsIntakeToken",
    "OutboxFile",
    "OutboxMessage",
    "Pilot",
    "PilotCanvas",
    "PilotCounter",
    "PilotDecision",
    "PilotRisk",
    "ProcessedEvent",
    "RampConfirmation",
    "ReviewNote",
    "ScopeBoundary",
    "ScopeDocument",
    "SeenRequest",
    "StatusSnapshot",
    "SuccessCriterion",
    "TeamMember",
    "WorkspaceInstall",
    "instant",
    "utcnow",
]
