"""Issue flags over signed HTTP to the real app: raised four ways, acknowledged and resolved
by command, button and form, refused where they should be, and read back by /pilot flags,
/pilot flag F-1, /pilot status, the next check-in's recap and the weekly review."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.blocks import ids
from schedules.delivery import deliver
from schedules.tick import tick
from slack_emulator.client import SlackSender
from storage.db import unit_of_work
from storage.models import Flag
from tests.cadence_helpers import (
    FIRST_CHECKIN,
    checkin_replies,
    eventually,
    schedule_pilot,
    slack_client,
)
from tests.helpers import CHANNEL, store_member
from tests.review_helpers import idle

pytestmark = pytest.mark.usefixtures("checkins_only")

OWNER, CUSTOMER, VENDOR, STRANGER = "U0001", "U0002", "U0003", "U0009"


@pytest.fixture
def pilot(bot, clock):
    """The Acme pilot with a customer technical lead and a vendor implementation lead,
    on Monday Dec 14 just after its first check-in (in the thread: ``pilot.thread``)."""
    row = schedule_pilot(bot.engine, FIRST_CHECKIN - timedelta(hours=2))
    store_member(bot.engine, row, CUSTOMER, "technical_lead")
    store_member(bot.engine, row, VENDOR, "implementation_lead")
    return row


def post_checkin(bot, clock) -> str:
    clock.set(FIRST_CHECKIN)
    tick(engine=bot.engine, now=clock.now())
    deliver(
        engine=bot.engine, client=slack_client(bot.emulator), now=clock.now(), channel_interval=0
    )
    [thread] = bot.emulator.messages(CHANNEL)
    return thread["ts"]


def dumped(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def flags(bot) -> list[Flag]:
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(Flag).order_by(col(Flag.number))).all())


def the_flag(bot, number: int = 1) -> Flag:
    return next(f for f in flags(bot) if f.number == number)


def answer(response) -> str:
    assert response.status == 200
    return response.json()["text"]


def command(bot, text: str, user_id: str = CUSTOMER, **kwargs) -> str:
    return answer(bot.sender.command(text, user_id=user_id, **kwargs))


def announcements(bot) -> list[dict]:
    return [
        m
        for m in bot.emulator.messages(CHANNEL, include_replies=True)
        if any(b.get("block_id", "").startswith("flag_actions:") for b in m.get("blocks", []))
        or "flagged an issue" in m.get("text", "") + dumped(m.get("blocks", []))
    ]


def announced(bot, count: int = 1) -> list[dict]:
    return bot.emulator.wait_for(
        lambda e: (found := announcements(bot)) and len(found) >= count and found
    )


def buttons(message: dict) -> dict[str, dict]:
    return {
        element["action_id"]: element
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    }


def click(bot, message: dict, action_id: str, user_id: str, sender: SlackSender | None = None):
    payload = (sender or bot.sender).block_actions(
        action_id,
        buttons(message)[action_id]["value"],
        user_id=user_id,
        channel_id=CHANNEL,
        message_ts=message["ts"],
    )
    return (sender or bot.sender).interactive(payload)


def told(bot, user_id: str, fragment: str) -> str:
    def found(emulator):
        texts = [p.payload.get("text", "") for p in emulator.response_posts(user=user_id)]
        texts += [m.get("text", "") for m in emulator.ephemerals(user=user_id)]
        return next((t for t in texts if fragment in t), None)

    return bot.emulator.wait_for(found)


def submit(bot, callback_id: str, state: dict, view: dict, user_id: str = CUSTOMER):
    payload = bot.sender.view_submission(
        callback_id, state, user_id=user_id, private_metadata=view["private_metadata"]
    )
    return bot.sender.interactive(payload)


def raise_state(severity: str | None, description: str, category: str | None = None) -> dict:
    def radio(value):
        return {"type": "radio_buttons", "selected_option": {"value": value} if value else None}

    return {
        ids.FLAG_SEVERITY: {ids.FLAG_SEVERITY: radio(severity)},
        ids.FLAG_CATEGORY: {ids.FLAG_CATEGORY: radio(category)},
        ids.FLAG_DESCRIPTION: {
            ids.FLAG_DESCRIPTION: {"type": "plain_text_input", "value": description}
        },
    }


def resolution_state(text: str) -> dict:
    return {ids.FLAG_RESOLUTION: {ids.FLAG_RESOLUTION: {"type": "plain_text_input", "value": text}}}


# ----- raising -------------------------------------------------------------------------------


def test_the_command_raises_a_flag_in_todays_checkin_thread(bot, clock, pilot):
    thread = post_checkin(bot, clock)
    said = command(bot, "flag critical category=scope Sales wants a second use case = now")
    assert said.startswith("Raised F-1 (critical, scope): it is in the issue log and announced in")
    [post] = announced(bot)
    assert post["thread_ts"] == thread
    assert "<@U0002> flagged an issue" in dumped(post["blocks"])
    assert "Sales wants a second use case = now" in post["text"]
    assert set(buttons(post)) == {ids.FLAG_ACKNOWLEDGE, ids.FLAG_RESOLVE}
    flag = eventually(lambda: (f := the_flag(bot)).announcement_ts and f)
    assert (flag.severity, flag.category, flag.source) == ("critical", "scope", "command")
    assert (flag.raised_by, flag.thread_ts, flag.announcement_ts) == (CUSTOMER, thread, post["ts"])
    assert flag.description == "Sales wants a second use case = now"
    assert command(bot, "flag minor Typo on the widget").startswith("Raised F-2 (minor, technical)")


def test_without_a_checkin_thread_the_flag_is_announced_in_the_channel(bot, clock, pilot):
    clock.set(FIRST_CHECKIN - timedelta(hours=1))  # before Monday's thread
    assert "announced in the channel" in command(bot, "flag major The API times out")
    [post] = announced(bot)
    assert "thread_ts" not in post or post["thread_ts"] == post["ts"]
    flag = eventually(lambda: (f := the_flag(bot)).announcement_ts and f)
    assert flag.thread_ts == flag.announcement_ts == post["ts"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "flag urgent The API times out",
            "'urgent' is not a severity. Use critical, major or minor.",
        ),
        ("flag critical", "Say what the issue is"),
        ("flag critical category=legal Contract", "'legal' is not a category"),
        ("flag category=scope Creep", "Start with the severity"),
        ("flag F-2 extra words", "`/pilot flag F-2` shows a flag"),
    ],
)
def test_a_malformed_flag_is_answered_with_the_usage(bot, pilot, text, problem):
    said = command(bot, text)
    assert problem in said
    assert "Usage: `/pilot flag &lt;critical/major/minor&gt;" in said
    assert flags(bot) == []


def test_no_arguments_open_the_form_before_anything_else(bot, clock, pilot):
    post_checkin(bot, clock)
    bot.emulator.reset_calls()
    assert bot.sender.command("flag", user_id=CUSTOMER).status == 200
    [opened] = bot.emulator.wait_for_calls("views.open")
    assert bot.emulator.calls[0].method == "views.open"
    view = opened.params["view"]
    assert view["callback_id"] == ids.FLAG_MODAL
    category = next(b for b in view["blocks"] if b.get("block_id") == ids.FLAG_CATEGORY)
    assert category["element"]["initial_option"]["value"] == "technical"

    response = submit(bot, ids.FLAG_MODAL, raise_state(None, "x"), view)
    assert response.json()["errors"] == {ids.FLAG_SEVERITY: "Pick a severity."}
    response = submit(bot, ids.FLAG_MODAL, raise_state("major", "  "), view)
    assert response.json()["errors"] == {ids.FLAG_DESCRIPTION: "Say what is wrong."}
    response = submit(bot, ids.FLAG_MODAL, raise_state("major", "Exports fail", "timeline"), view)
    assert response.status == 200 and not response.body
    announced(bot)
    flag = eventually(lambda: (f := the_flag(bot)).announcement_ts and f)
    assert (flag.severity, flag.category, flag.source) == ("major", "timeline", "command")


def test_the_form_in_a_channel_without_a_pilot_says_so(bot, pilot):
    assert bot.sender.command("flag", user_id=CUSTOMER, channel_id="C0OTHER").status == 200
    [update] = bot.emulator.wait_for_calls("views.update")
    assert "This channel has no pilot" in dumped(update.params["view"])


def test_the_checkin_button_opens_the_form_and_flags_into_that_thread(bot, clock, pilot):
    thread = post_checkin(bot, clock)
    checkin = bot.emulator.message(CHANNEL, thread)
    bot.emulator.reset_calls()
    assert click(bot, checkin, ids.CHECKIN_FLAG_ISSUE, CUSTOMER).status == 200
    [opened] = bot.emulator.wait_for_calls("views.open")
    assert bot.emulator.calls[0].method == "views.open"
    view = opened.params["view"]
    assert "check-in thread of Mon Dec 14" in dumped(view["blocks"])
    clock.advance(timedelta(hours=2))
    response = submit(bot, ids.FLAG_MODAL, raise_state("critical", "Checkout is down"), view)
    assert response.status == 200
    [post] = announced(bot)
    assert post["thread_ts"] == thread
    flag = eventually(lambda: (f := the_flag(bot)).announcement_ts and f)
    assert (flag.source, flag.severity, flag.thread_ts) == ("button", "critical", thread)
    assert flag.raised_at == clock.now()


def test_a_checkin_reply_starting_with_flag_raises_one_once(bot, clock, pilot):
    thread = post_checkin(bot, clock)
    event = bot.sender.message_event(
        CHANNEL, VENDOR, "flag: critical Payments fail &amp; retry", thread_ts=thread
    )
    bot.sender.event(event, event_id="Ev0FLAG1")
    bot.sender.event(event, event_id="Ev0FLAG1", headers={"X-Slack-Retry-Num": "1"})
    [post] = announced(bot)
    assert post["thread_ts"] == thread
    flag = eventually(lambda: (f := the_flag(bot)).announcement_ts and f)
    assert (flag.source, flag.severity, flag.raised_by) == ("reply", "critical", VENDOR)
    assert flag.description == "Payments fail & retry"
    assert flag.message_ts == event["ts"]
    assert [r.user_id for r in checkin_replies(bot.engine)] == [VENDOR]  # still a check-in
    bot.sender.post_user_message(
        CHANNEL, CUSTOMER, ":triangular_flag_on_post: minor the logo is blurry", thread_ts=thread
    )
    announced(bot, 2)
    assert [(f.number, f.severity) for f in flags(bot)] == [(1, "critical"), (2, "minor")]
    assert len(announcements(bot)) == 2


def test_flag_with_nothing_after_it_gets_a_hint(bot, clock, pilot):
    thread = post_checkin(bot, clock)
    bot.sender.post_user_message(CHANNEL, CUSTOMER, "flag:", thread_ts=thread)
    assert "say what it is after `flag:`" in told(bot, CUSTOMER, "To flag an issue")
    assert flags(bot) == []


def test_the_flag_reaction_turns_a_checkin_reply_into_a_flag(bot, clock, pilot):
    thread = post_checkin(bot, clock)
    ts, _ = bot.sender.post_user_message(
        CHANNEL, CUSTOMER, "Latency is 4 s today", thread_ts=thread
    )
    eventually(lambda: checkin_replies(bot.engine))
    other = bot.sender.reaction_added_event(VENDOR, "thumbsup", CHANNEL, ts, CUSTOMER)
    assert bot.sender.event(other).status == 200
    top, _ = bot.sender.post_user_message(CHANNEL, CUSTOMER, "not a check-in")
    bot.sender.event(
        bot.sender.reaction_added_event(VENDOR, "triangular_flag_on_post", CHANNEL, top, CUSTOMER)
    )
    reaction = bot.sender.reaction_added_event(
        VENDOR, "triangular_flag_on_post", CHANNEL, ts, CUSTOMER
    )
    assert bot.sender.event(reaction).status == 200
    [post] = announced(bot)
    assert post["thread_ts"] == thread
    flag = eventually(lambda: (f := the_flag(bot)).announcement_ts and f)
    assert (flag.source, flag.raised_by, flag.severity) == ("reaction", VENDOR, "major")
    assert (flag.description, flag.message_ts) == ("Latency is 4 s today", ts)
    # Someone else flags the same reply: it is one flag.
    again = bot.sender.reaction_added_event(
        CUSTOMER, "triangular_flag_on_post", CHANNEL, ts, CUSTOMER
    )
    bot.sender.event(again)
    command(bot, "flags")  # a request after the event: its listener has run by then
    eventually(lambda: len(flags(bot)) == 1)
    assert len(announcements(bot)) == 1


# ----- acknowledging and resolving ---------------------------------------------------------


def test_ack_and_resolve_by_command(bot, clock, pilot):
    thread = post_checkin(bot, clock)
    command(bot, "flag major The API times out")
    [post] = announced(bot)
    eventually(lambda: the_flag(bot).announcement_ts)
    clock.advance(timedelta(hours=1))

    assert command(bot, "ack F-1", VENDOR) == "You acknowledged F-1; its thread says so."
    [update] = bot.emulator.wait_for_calls("chat.update")
    assert update.params["ts"] == post["ts"]
    shown = bot.emulator.message(CHANNEL, post["ts"])
    assert set(buttons(shown)) == {ids.FLAG_RESOLVE}
    assert "Acknowledged by <@U0003>" in dumped(shown["blocks"])
    line = bot.emulator.wait_for(
        lambda e: next(
            (m for m in e.thread(CHANNEL, thread) if "acknowledged F-1" in m["text"]), None
        )
    )
    assert line["text"] == ":eyes: <@U0003> acknowledged F-1: they are on it."
    assert command(bot, "ack f1", CUSTOMER) == "F-1 was acknowledged already by <@U0003>."

    said = command(bot, "resolve F-1")
    assert "`resolve` needs &lt;resolution&gt;. Usage: `/pilot resolve F-&lt;n&gt;" in said
    clock.advance(timedelta(hours=1))
    said = command(bot, "resolve F-1 Raised the gateway timeout to 30 s", CUSTOMER)
    assert said == "You resolved F-1; the issue log keeps the resolution."
    bot.emulator.wait_for_calls("chat.update", 2)
    shown = bot.emulator.message(CHANNEL, post["ts"])
    assert buttons(shown) == {}
    assert "Raised the gateway timeout to 30 s" in dumped(shown["blocks"])
    assert command(bot, "resolve F-1 again", VENDOR) == (
        "F-1 was resolved already by <@U0002>: Raised the gateway timeout to 30 s"
    )
    assert "was resolved already" in command(bot, "ack F-1", VENDOR)
    flag = the_flag(bot)
    assert (flag.state, flag.acknowledged_by, flag.resolved_by) == ("resolved", VENDOR, CUSTOMER)
    assert flag.resolved_at == clock.now()


def test_unknown_ids_and_people_off_the_team_are_answered(bot, pilot):
    assert (
        command(bot, "ack F-1") == "There is no F-1: no flags have been raised in this pilot yet."
    )
    command(bot, "flag minor Typo")
    assert command(bot, "ack F-7") == (
        "There is no F-7 in this pilot's issue log: only F-1 exists."
    )
    assert "is not a flag id like F-3" in command(bot, "resolve R-2 done")
    refusal = command(bot, "ack F-1", STRANGER)
    assert refusal.startswith("Only members of the pilot's team (either side) and the pilot's")
    assert "<@U0001>" in refusal
    assert command(bot, "resolve F-1 nothing to do", STRANGER) == refusal.replace(
        "acknowledge", "resolve"
    )
    assert the_flag(bot).state == "open" and not the_flag(bot).acknowledged_by
    assert command(bot, "ack F-1", OWNER) == "You acknowledged F-1; its thread says so."


def test_ack_by_button_and_resolve_through_the_form(bot, clock, pilot):
    post_checkin(bot, clock)
    command(bot, "flag critical Checkout is down")
    [post] = announced(bot)
    eventually(lambda: the_flag(bot).announcement_ts)
    assert click(bot, post, ids.FLAG_ACKNOWLEDGE, CUSTOMER).status == 200
    eventually(lambda: the_flag(bot).acknowledged_by == CUSTOMER)
    # A second click on the same (stale) post gets the answer, not a second acknowledgement.
    assert click(bot, post, ids.FLAG_ACKNOWLEDGE, VENDOR).status == 200
    assert told(bot, VENDOR, "acknowledged already") == (
        "F-1 was acknowledged already by <@U0002>."
    )

    idle(bot)  # the acknowledgement's own deliveries finish before the calls are cleared
    bot.emulator.reset_calls()
    assert click(bot, post, ids.FLAG_RESOLVE, VENDOR).status == 200
    [opened] = bot.emulator.wait_for_calls("views.open")
    assert bot.emulator.calls[0].method == "views.open"
    view = opened.params["view"]
    assert view["title"]["text"] == "Resolve F-1"
    response = submit(bot, ids.FLAG_RESOLVE_MODAL, resolution_state(" "), view, VENDOR)
    assert response.json()["errors"] == {
        ids.FLAG_RESOLUTION: "Say how it was resolved: the issue log keeps it."
    }
    response = submit(
        bot, ids.FLAG_RESOLVE_MODAL, resolution_state("Failover to EU-2"), view, VENDOR
    )
    assert response.status == 200 and not response.body
    eventually(lambda: the_flag(bot).state == "resolved")
    assert the_flag(bot).resolution == "Failover to EU-2"
    bot.emulator.wait_for(lambda e: buttons(e.message(CHANNEL, post["ts"])) == {})
    # The same form submitted again: the answer is on the form.
    response = submit(bot, ids.FLAG_RESOLVE_MODAL, resolution_state("again"), view, CUSTOMER)
    assert "F-1 was resolved already by <@U0003>" in response.json()["errors"][ids.FLAG_RESOLUTION]


def test_a_resolve_form_opened_before_a_restart_still_submits_under_its_old_callback_id(
    bot, pilot
):
    command(bot, "flag minor Typo")
    [post] = announced(bot)
    assert click(bot, post, ids.FLAG_RESOLVE, VENDOR).status == 200
    [opened] = bot.emulator.wait_for_calls("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.FLAG_RESOLVE_MODAL != ids.FLAG_RESOLVE
    old = ids.OLD_CALLBACK_IDS[ids.FLAG_RESOLVE_MODAL]
    response = submit(bot, old, resolution_state("Fixed the typo"), view, VENDOR)
    assert response.status == 200 and not response.body
    eventually(lambda: the_flag(bot).state == "resolved")


def test_resolve_from_the_button_tells_someone_off_the_team_who_may(bot, pilot):
    command(bot, "flag minor Typo")
    [post] = announced(bot)
    assert click(bot, post, ids.FLAG_RESOLVE, STRANGER).status == 200
    [update] = bot.emulator.wait_for_calls("views.update")
    assert "Only members of the pilot's team" in dumped(update.params["view"])
    assert the_flag(bot).state == "open"


def test_a_flag_of_another_workspace_cannot_be_acted_on(bot, pilot):
    command(bot, "flag minor Typo")
    [post] = announced(bot)
    intruder = SlackSender(
        f"{bot.url}/slack/events",
        bot.settings.signing_secret,
        team_id="T0002",
        emulator=bot.emulator,
    )
    assert click(bot, post, ids.FLAG_ACKNOWLEDGE, CUSTOMER, sender=intruder).status == 200
    assert told(bot, CUSTOMER, "no longer exists") == (
        "That pilot no longer exists in this workspace."
    )
    assert "no pilot" in answer(intruder.command("ack F-1", user_id=CUSTOMER)).lower()
    assert the_flag(bot).acknowledged_by == ""


# ----- reading -----------------------------------------------------------------------------


def test_flags_lists_the_open_ones_and_flag_shows_a_history(bot, clock, pilot):
    post_checkin(bot, clock)
    command(bot, "flag minor Typo on the widget")
    command(bot, "flag critical Checkout is down")
    command(bot, "flag major Exports are slow")
    announced(bot, 3)
    clock.advance(timedelta(hours=5))
    command(bot, "ack F-2", VENDOR)
    command(bot, "resolve F-3 Added an index", VENDOR)
    listing = bot.sender.command("flags", user_id=STRANGER).json()
    text = dumped(listing["blocks"])
    assert listing["text"] == "Open flags · Acme POC (2): F-2 critical; F-1 minor"
    assert text.index("*F-2*") < text.index("*F-1*")  # most severe first
    assert "5 h old · acknowledged by <@U0003> · escalation: " in text
    assert "*not acknowledged*" in text

    history = bot.sender.command("flag F-3", user_id=STRANGER).json()
    body = dumped(history["blocks"])
    assert history["blocks"][0]["text"]["text"] == "F-3 · major · technical · Resolved"
    assert "Raised by <@U0002> Mon Dec 14, 09:30 EST, with /pilot flag" in body
    assert "Resolved by <@U0003> Mon Dec 14, 14:30 EST (5 h after it was raised)" in body
    assert "*Resolution:* Added an index" in body
    assert "There is no F-4" in command(bot, "flag F-4")


def test_status_shows_open_flags_and_todays_checkins(bot, clock, pilot):
    thread = post_checkin(bot, clock)
    bot.sender.post_user_message(CHANNEL, VENDOR, "All green", thread_ts=thread)
    eventually(lambda: checkin_replies(bot.engine))
    command(bot, "flag critical Checkout is down")
    command(bot, "flag minor Typo")
    command(bot, "ack F-2", VENDOR)
    status = dumped(bot.sender.command("status", user_id=STRANGER).json()["blocks"])
    assert "*Open flags*" in status
    assert ":rotating_light: 1 critical (F-1) · :small_blue_diamond: 1 minor (F-2)" in status
    assert "Not acknowledged: F-1" in status
    assert "*Today's check-ins*\\n<@U0003>" in status


def test_the_next_checkin_and_the_weekly_review_count_the_flags(bot, clock, pilot):
    post_checkin(bot, clock)
    command(bot, "flag critical Checkout is down")
    command(bot, "flag minor Typo")
    clock.advance(timedelta(hours=3))
    command(bot, "resolve F-1 Failover", VENDOR)
    announced(bot, 2)
    idle(bot)  # the resolve's messages are still being sent: let them go before the jump
    clock.set(FIRST_CHECKIN + timedelta(days=1))
    tick(engine=bot.engine, now=clock.now())
    deliver(
        engine=bot.engine, client=slack_client(bot.emulator), now=clock.now(), channel_interval=0
    )
    tuesday = bot.emulator.messages(CHANNEL)[-1]
    assert (
        "Previous workday (Mon Dec 14): no check-ins recorded · flags raised: F-1, F-2 ·"
        in (tuesday["text"])
    )
    assert "resolved: F-1" in tuesday["text"]

    assert bot.sender.command("review", user_id=OWNER).status == 200
    review = bot.emulator.wait_for(
        lambda e: next((m for m in e.messages(CHANNEL) if "Weekly review" in m["text"]), None)
    )
    assert "Raised: 2 (F-1, F-2)" in review["text"]
    assert "Resolved: 1 (F-1)" in review["text"]
    assert "Still open: 1 (F-2)" in review["text"]
    assert "Time to resolve (mean): 3.0 h" in review["text"]
