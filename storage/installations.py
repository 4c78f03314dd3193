"""Installations (multi-workspace mode): slack-sdk's installation store in the bot's own
database, found by the installation's team id, and a row per workspace saying whether the
app is still installed there.

slack-sdk's tables (``slack_installations``, ``slack_bots``, ``slack_oauth_states``) are
defined on the models' metadata (storage/models/workspaces.py) and created by our
migrations; slack-sdk's own store classes read and write them. Keyword-only functions take
the session; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from sqlalchemy import delete, desc, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, WorkspaceInstall


class TeamInstallationStore(SQLAlchemyInstallationStore):
    """slack-sdk's SQLAlchemy installation store, looked up by the installation's team id.

    A pilot belongs to the installing team (storage/scope.py): a Slack Connect request may
    name the other organisation's enterprise, and a workspace may join an Enterprise Grid
    organisation after installing, so the enterprise id is never part of the lookup.
    Org-wide installs (no team id) are refused at install time (bot/install.py).
    """

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        if not team_id:
            return None
        c = self.bots.c
        query = (
            select(self.bots)
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at), desc(c.id))
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else self.build_bot_entity(row)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None:
            return None
        return super().find_installation(
            enterprise_id=bot.enterprise_id, team_id=team_id, user_id=user_id
        )


class _OnConnection:
    """What slack-sdk's store asks of its engine (``begin``, ``connect``), on one open
    connection: the store's reads and writes join that connection's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        yield self._connection

    connect = begin


@contextmanager
def locked_store(
    engine: Engine, *, client_id: str, team_id: str
) -> Iterator[TeamInstallationStore]:
    """The installation store inside one transaction that holds the workspace's row lock
    (``workspace_install``) until the block ends: token rotation reads the bot, spends its
    refresh token and saves the new one under it, so that two instances never spend the
    same refresh token. The second one waits, then reads the token the first one saved."""
    table = WorkspaceInstall.__table__  # type: ignore[attr-defined]
    # An UPDATE takes a row lock on PostgreSQL and the write lock on SQLite (which has no
    # row locks): one statement that locks on both. It must come first in the transaction.
    lock = update(table).where(table.c.team_id == team_id).values(team_id=table.c.team_id)
    with engine.begin() as connection:
        if not connection.execute(lock).rowcount:
            # Installed before this table knew it: add its row, then lock it.
            row = {"team_id": team_id, "enterprise_id": "", "gone_reason": ""}
            insert = _insert(connection)(table).values(**row, installed_at=datetime.now(UTC))
            connection.execute(insert.on_conflict_do_nothing())
            connection.execute(lock)
        yield TeamInstallationStore(client_id=client_id, engine=_OnConnection(connection))  # type: ignore[arg-type]


def _insert(connection: Connection) -> Any:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def record_install(*, session: Session, team_id: str, enterprise_id: str, now: datetime) -> None:
    """The app is (again) installed in the workspace: it is no longer gone."""
    row = session.get(WorkspaceInstall, team_id)
    if row is None:
        row = WorkspaceInstall(team_id=team_id)
    row.enterprise_id, row.installed_at = enterprise_id, now
    row.gone_at, row.gone_reason = None, ""
    session.add(row)


def record_gone(
    *, session: Session, client_id: str, team_id: str, reason: str, now: datetime
) -> bool:
    """The app left the workspace (uninstalled, or its bot token revoked): its tokens are
    forgotten (Slack revoked them) and the row says since when and why. False if it was
    gone already."""
    row = session.get(WorkspaceInstall, team_id) or WorkspaceInstall(team_id=team_id)
    if row.gone_at is not None:
        return False
    row.gone_at, row.gone_reason = now, reason
    session.add(row)
    for table in (SLACK_BOTS, SLACK_INSTALLATIONS):
        session.connection().execute(
            delete(table).where(table.c.client_id == client_id, table.c.team_id == team_id)
        )
    return True


def gone_workspaces(
    *, session: Session, team_ids: Collection[str] | None = None
) -> dict[str, WorkspaceInstall]:
    """The workspaces the app has left (among ``team_ids``), by team id."""
    query = select_rows(WorkspaceInstall).where(col(WorkspaceInstall.gone_at).is_not(None))
    if team_ids is not None:
        query = query.where(col(WorkspaceInstall.team_id).in_(list(team_ids)))
    return {row.team_id: row for row in session.exec(query).all()}


def installed_teams(*, session: Session, client_id: str, team_ids: Collection[str]) -> set[str]:
    """Those of ``team_ids`` with a bot token in the installation store."""
    c = SLACK_BOTS.c
    query = (
        select(c.team_id)
        .where(c.client_id == client_id, c.team_id.in_(list(team_ids)), c.bot_token.is_not(None))
        .distinct()
    )
    return {str(team) for team in session.connection().execute(query).scalars()}


def prune_oauth_states(*, session: Session, now: datetime) -> int:
    """Forget OAuth states past their expiry (one is issued per visit to the install page;
    slack-sdk deletes only those it consumes)."""
    c = SLACK_OAUTH_STATES.c
    cutoff = normalize_datetime_for_db(now.astimezone(UTC))  # slack-sdk stores naive UTC
    expired = delete(SLACK_OAUTH_STATES).where(c.expire_at < cutoff)
    return int(session.connection().execute(expired).rowcount or 0)
