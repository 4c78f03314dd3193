from datetime import UTC, datetime

from storage.scope import Workspace
from tests.helpers import acme_plan, store_pilot


def test_opening_the_home_tab_publishes_the_workspaces_pilots(bot, clock):
    store_pilot(bot.engine)
    store_pilot(bot.engine, acme_plan(name="Hidden"), workspace=Workspace(team_id="T0002"))
    clock.set(datetime(2026, 12, 22, 15, 0, tzinfo=UTC))
    response = bot.sender.event(bot.sender.app_home_opened_event("U0001"))
    assert response.status == 200
    view = bot.emulator.wait_for(lambda e: e.home_view("U0001"))
    text = str(view["blocks"])
    assert "*Acme POC* (Acme) in <#C0001>: Expanded Pilot, week 3" in text
    assert "hard end Jan 17, 2027" in text
    assert "Hidden" not in text


def test_the_messages_tab_is_left_alone(bot):
    event = bot.sender.app_home_opened_event("U0001")
    event["tab"] = "messages"
    assert bot.sender.event(event).status == 200
    # A later home-tab event is published; the messages-tab one before it never was.
    bot.sender.event(bot.sender.app_home_opened_event("U0002"))
    bot.emulator.wait_for(lambda e: e.home_view("U0002"))
    assert [c.params["user_id"] for c in bot.emulator.calls_to("views.publish")] == ["U0002"]
