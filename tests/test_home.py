"""The Home tab as a place to work from: published through delivery when someone opens it
and again when something on it changes, with the buttons of the flags and decisions
waiting on that person."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.app import services_of
from bot.blocks import ids
from schedules.delivery import deliver
from storage.db import touched, unit_of_work
from storage.home import owe_home
from tests.cadence_helpers import schedule_pilot, slack_client
from tests.helpers import acme_plan, store_member, store_pilot
from tests.review_helpers import idle, walk

FRIDAY = datetime(2026, 12, 11, 15, 5, tzinfo=UTC)  # 10:05 in New York: the Setup review is out


def _open(bot, user_id: str) -> dict:
    """The user opens the Home tab; the view delivery published for them."""
    before = len(_publishes(bot, user_id))
    assert bot.sender.event(bot.sender.app_home_opened_event(user_id)).status == 200
    bot.emulator.wait_for(lambda e: len(_publishes(bot, user_id)) > before)
    idle(bot)
    return _view(bot, user_id)


def _view(bot, user_id: str) -> dict:
    view = bot.emulator.home_view(user_id)
    assert view is not None
    return view


def _publishes(bot, user_id: str) -> list:
    return [c for c in bot.emulator.calls_to("views.publish")
            if c.ok and c.params["user_id"] == user_id]


def _text(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def _buttons(view: dict) -> dict[tuple[str, str], str]:
    """(action id, value) of every button, to the block it is in."""
    return {
        (e["action_id"], e["value"]): b["block_id"]
        for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    }


def _click(bot, user_id: str, action_id: str, value: str) -> None:
    view = _view(bot, user_id)
    assert (action_id, value) in _buttons(view), (action_id, value)
    before = len(_publishes(bot, user_id))
    payload = bot.sender.block_actions(action_id, value, user_id=user_id, view_id=view["id"])
    assert bot.sender.interactive(payload).status == 200
    bot.emulator.wait_for(lambda e: len(_publishes(bot, user_id)) > before)  # republished
    idle(bot)


def test_a_decider_works_the_flags_and_decisions_waiting_on_them_from_home(bot, clock):
    bot.emulator.add_user("U0003", "carol")
    pilot = schedule_pilot(bot.engine, clock.now())
    store_member(bot.engine, pilot, "U0001", "implementation_lead")
    store_member(bot.engine, pilot, "U0002", "executive_sponsor")
    walk(bot, FRIDAY)  # the Setup review asks for Go / No-go
    assert bot.sender.command("flag critical Checkout fails for EU cards").status == 200
    assert bot.sender.command('change end weeks=7 reason="EU data is late"').status == 200
    idle(bot)
    view = _open(bot, "U0002")
    text = _text(view)
    assert "*Acme POC* (Acme) in <#C0001> · you: executive sponsor" in text
    assert "Setup · week 1 of 6 · 10% traffic · 37 days left (hard end Sun Jan 17)" in text
    assert "*F-1* · critical · technical · Acme POC" in text
    assert "Checkout fails for EU cards" in text
    assert "*CH-1*: " in text and "requested by <@U0001>" in text and "EU data is late" in text
    assert "*End of Setup review*: Go / No-go for Soft Launch" in text
    assert "Mon Dec 14 10:00 EST · *Acme POC*: Weekly metrics review (week 2 of 6)" in text
    assert "Mon Dec 14 · *Acme POC*: Traffic 10% → 25% (week 2)" in text
    buttons = _buttons(view)
    pid = str(pilot.id)
    for wanted in [(ids.FLAG_ACKNOWLEDGE, f"{pid}:1"), (ids.FLAG_RESOLVE, f"{pid}:1"),
                   (ids.PHASE_GO, f"{pid}:setup"), (ids.PHASE_NO_GO, f"{pid}:setup")]:
        assert wanted in buttons
    change_id = next(v for a, v in buttons if a == ids.CHANGE_APPROVE)
    assert (ids.CHANGE_REJECT, change_id) in buttons

    # Approving from Home decides it as from the DM, and the tab is published again.
    _click(bot, "U0002", ids.CHANGE_APPROVE, change_id)
    assert "approved by <@U0002>" in "".join(
        str(c.params.get("text")) for c in bot.emulator.calls_to("chat.postMessage"))
    _click(bot, "U0002", ids.FLAG_ACKNOWLEDGE, f"{pid}:1")
    _click(bot, "U0002", ids.PHASE_GO, f"{pid}:setup")
    after = _view(bot, "U0002")
    assert "CH-1" not in _text(after) and "End of Setup review" not in _text(after)
    assert "Decisions waiting on you*\\nNone." in _text(after)
    assert "acknowledged by <@U0002>" in _text(after)
    assert (ids.FLAG_ACKNOWLEDGE, f"{pid}:1") not in _buttons(after)
    assert (ids.FLAG_RESOLVE, f"{pid}:1") in _buttons(after)

    # Someone on the team who decides nothing sees the flag and no decisions, and the
    # approved change's new end date.
    mine = _text(_open(bot, "U0001"))
    assert "you: implementation lead, owner" in mine and "*F-1*" in mine
    assert "Decisions waiting on you*\\nNone." in mine
    assert "44 days left (hard end Sun Jan 24)" in mine


def test_someone_on_no_pilot_is_told_how_to_start_one(bot):
    store_pilot(bot.engine)  # someone else's pilot
    bot.emulator.add_user("U0003", "carol")
    text = _text(_open(bot, "U0003"))
    assert "You are on no pilot yet." in text
    assert "`/pilot create`" in text and "/invite @pilot-bot" in text
    assert "Acme POC" not in text


def test_changes_owed_before_it_goes_out_make_one_publish(bot):
    pilot = store_pilot(bot.engine)
    store_pilot(bot.engine, acme_plan(name="Other"), channel_id="C0002")
    store_member(bot.engine, pilot, "U0002", "end_user")
    with unit_of_work(bot.engine) as session:  # nobody delivers it yet: no sender here
        owe_home(session=session, team_id="T0001", enterprise_id="", user_id="U0002")
        owe_home(session=session, team_id="T0001", enterprise_id="", user_id="U0002")
    for _ in range(3):
        with unit_of_work(bot.engine) as session:
            touched(session, pilot.id)  # a change on the pilot: their tab is owed again
    client = slack_client(bot.emulator)
    bot.emulator.fail("views.publish", retry_after=30)
    report = deliver(engine=bot.engine, client=client, now=bot.clock.now())
    assert report.retrying == ["home:U0002"]  # a 429: the time to try again is stored
    assert deliver(engine=bot.engine, client=client, now=bot.clock.now()).sent == []
    later = bot.clock.now().replace(minute=1)
    assert deliver(engine=bot.engine, client=client, now=later).sent == ["home:U0002"]
    assert deliver(engine=bot.engine, client=client, now=later).sent == []
    assert len(_publishes(bot, "U0002")) == 1
    assert all(c.headers.get("X-Pilot-Bot-Delivery") == "1"
               for c in bot.emulator.calls_to("views.publish"))
    # A change on a pilot they are not on owes them nothing.
    with unit_of_work(bot.engine) as session:
        touched(session, pilot.id + 1)
    assert deliver(engine=bot.engine, client=client, now=later).sent == []


def test_the_messages_tab_is_left_alone(bot):
    event = bot.sender.app_home_opened_event("U0001")
    event["tab"] = "messages"
    assert bot.sender.event(event).status == 200
    # A later home-tab event is published; the messages-tab one before it never was.
    _open(bot, "U0002")
    assert services_of(bot.app).sender is not None
    assert [c.params["user_id"] for c in bot.emulator.calls_to("views.publish")] == ["U0002"]
