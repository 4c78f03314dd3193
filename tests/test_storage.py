"""Storage against a real database: SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel, select

from storage.db import (
    SCHEMA_REVISION,
    alembic_config,
    make_engine,
    migrate,
    normalise_url,
    ping,
    schema_revisions,
    unit_of_work,
)
from storage.models import Pilot
from storage.pilots import pilot_for_channel, pilot_from_plan, pilots_in_workspace, plan_of
from storage.scope import Workspace
from tests.helpers import CHANNEL, TEAM, acme_plan, store_pilot


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(engine):
    migrate(engine)
    assert ping(engine)


def test_start_up_knows_the_newest_migration_and_skips_alembic_when_there(engine):
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert script.get_heads() == [SCHEMA_REVISION], "storage.db.SCHEMA_REVISION is stale"
    assert schema_revisions(engine) == [SCHEMA_REVISION]
    command.downgrade(alembic_config(engine), "0017o")  # an older schema is upgraded
    assert schema_revisions(engine) == ["0017o"]
    migrate(engine)
    assert schema_revisions(engine) == [SCHEMA_REVISION]
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_serving_a_current_database_does_not_load_alembic(tmp_path):
    url = f"sqlite:///{tmp_path}/bot.db"
    migrate(make_engine(url))
    code = (
        "import sys; from storage.db import make_engine, migrate;"
        f" migrate(make_engine({url!r}));"
        " import bot.app, handlers, schedules.jobs;"
        " sys.exit('alembic' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_stored_pilot_round_trips_to_the_same_plan(engine):
    plan = acme_plan(ramp="5,10,20,40", override=True, skip_dates=[])
    store_pilot(engine, plan)
    with unit_of_work(engine) as session:
        pilot = pilot_for_channel(session=session, workspace=TEAM, channel_id=CHANNEL)
        assert pilot is not None
        assert plan_of(pilot) == plan


def test_workspaces_never_see_each_others_pilots(engine):
    store_pilot(engine, acme_plan(name="Ours"))
    other = Workspace(team_id="T0002")
    grid = Workspace(team_id="T0001", enterprise_id="E0001")
    store_pilot(engine, acme_plan(name="Theirs"), workspace=other)
    with unit_of_work(engine) as session:
        ours = pilot_for_channel(session=session, workspace=TEAM, channel_id=CHANNEL)
        theirs = pilot_for_channel(session=session, workspace=other, channel_id=CHANNEL)
        assert ours is not None and ours.name == "Ours"
        assert theirs is not None and theirs.name == "Theirs"
        # A workspace that joined a Grid organisation keeps its pilots: a pilot belongs to
        # the installation's team, whatever enterprise a request names.
        moved = pilot_for_channel(session=session, workspace=grid, channel_id=CHANNEL)
        assert moved is not None and moved.name == "Ours"
        assert [p.name for p in pilots_in_workspace(session=session, workspace=other)] == ["Theirs"]


def test_instants_come_back_aware_and_in_utc(engine):
    pilot = store_pilot(engine)
    due = datetime(2026, 12, 14, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None
        row.next_due_at = due
    with unit_of_work(engine) as session:
        row = session.exec(select(Pilot).where(Pilot.id == pilot.id)).one()
        assert row.next_due_at == due
        assert row.next_due_at.tzinfo is UTC
        assert row.created_at.tzinfo is UTC


def test_naive_instants_are_refused(engine):
    pilot = store_pilot(engine)
    with pytest.raises(Exception, match="naive"), unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None
        row.next_due_at = datetime(2026, 12, 14, 9, 30)  # noqa: DTZ001 - the point of the test
        session.flush()


def test_a_failed_unit_of_work_leaves_nothing_behind(engine):
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        session.add(
            pilot_from_plan(acme_plan(), workspace=TEAM, channel_id="C0009", owner_id="U0001")
        )
        session.flush()
        raise RuntimeError("boom")
    with unit_of_work(engine) as session:
        assert pilot_for_channel(session=session, workspace=TEAM, channel_id="C0009") is None


def test_plain_postgres_urls_use_psycopg_3():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
