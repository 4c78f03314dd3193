"""Ids without races: eight people adding to one pilot's record at the same instant all
succeed, each with an id of its own; one live pilot per channel is the database's rule."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from bot.core.grammar import unescape
from storage.db import unit_of_work
from storage.models import ChangeRequest, DeferredRequest, Pilot, PilotRisk, SuccessCriterion
from storage.pilots import ChannelHasLivePilot, add_pilot, pilot_from_plan
from storage.scope import Workspace
from tests.helpers import CHANNEL, acme_plan, store_member, store_pilot

OWNER, SPONSOR = "U0001", "U0002"
THREADS = 8
ROUNDS = 3

COMMANDS = {
    PilotRisk: 'risks add technical "Risk {i}" mitigation="Watch it"',
    SuccessCriterion: 'criteria add "Criterion {i}" target=">= 60%"',
    DeferredRequest: 'scope defer "Request {i}"',
    ChangeRequest: 'change ramp conservative reason="Reason {i}"',
}


@pytest.fixture
def pilot(bot):
    pilot = store_pilot(bot.engine)
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")
    return pilot


@pytest.mark.parametrize("table", list(COMMANDS), ids=lambda t: t.__tablename__)
def test_eight_at_once_all_succeed_with_distinct_ids(bot, pilot, table):
    template = COMMANDS[table]
    with unit_of_work(bot.engine) as session:
        before = len(session.exec(select(table)).all())
    answers: list[str] = []
    for round_ in range(ROUNDS):
        barrier = threading.Barrier(THREADS)

        def send(i: int, round_: int = round_, barrier: threading.Barrier = barrier) -> str:
            barrier.wait()
            text = template.format(i=f"{round_}.{i}")
            response = bot.sender.command(text, user_id=OWNER, channel_id=CHANNEL)
            assert response.status == 200
            return unescape(response.json().get("text", ""))

        with ThreadPoolExecutor(THREADS) as pool:
            answers += list(pool.map(send, range(THREADS)))
    refused = [a for a in answers if "Sorry" in a or "went wrong" in a]
    assert refused == []
    with unit_of_work(bot.engine) as session:
        numbers = [row.number for row in session.exec(select(table)).all()]
    expected = THREADS * ROUNDS + before
    assert sorted(numbers) == list(range(1, expected + 1))


def test_a_second_live_pilot_in_a_channel_is_refused_by_the_database(engine):
    store_pilot(engine)
    workspace = Workspace(team_id="T0001", enterprise_id="")
    with pytest.raises(ChannelHasLivePilot), unit_of_work(engine) as session:
        add_pilot(
            session=session,
            pilot=pilot_from_plan(
                acme_plan(name="Twin"), workspace=workspace, channel_id=CHANNEL, owner_id=OWNER
            ),
        )
    # Once the first has ended, the channel takes a new one.
    with unit_of_work(engine) as session:
        first = session.exec(select(Pilot)).one()
        first.state = "ended"
        session.add(first)
    with unit_of_work(engine) as session:
        add_pilot(
            session=session,
            pilot=pilot_from_plan(
                acme_plan(name="Next"), workspace=workspace, channel_id=CHANNEL, owner_id=OWNER
            ),
        )
    with unit_of_work(engine) as session:
        assert sorted(p.name for p in session.exec(select(Pilot)).all()) == ["Acme POC", "Next"]
