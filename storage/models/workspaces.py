"""The workspaces the app is installed in (and slack-sdk's token tables), the requests
and events already acted on, and the health probe."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import instant, utcnow


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
