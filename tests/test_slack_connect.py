"""Both sides of the pilot: the customer's people are in their own Slack organisation and
the pilot's channel is a Slack Connect channel shared with the vendor's workspace, where
the bot is installed. They act with replies, reactions, buttons and forms (Slack offers
them no `/pilot` command); a DM Slack will not deliver to them comes into the channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.app import services_of
from bot.blocks import ids
from slack_emulator.client import SlackSender
from storage.db import unit_of_work
from storage.models import CheckinReply, Flag, OutboxMessage, Pilot, PilotDecision
from storage.pilots import refresh_next_due
from storage.scope import Workspace
from tests.cadence_helpers import FIRST_CHECKIN, eventually, schedule_pilot
from tests.helpers import CHANNEL, store_member
from tests.review_helpers import post, run_at, walk

OWNER, LEAD = "U0001", "U0003"  # the vendor's: owner, implementation lead
CUSTOMER, SPONSOR, OUTSIDER = "W0CUST1", "W0CUST2", "W0CUST9"  # the customer's organisation
THEIRS = "T0CUST"


@pytest.fixture
def shared(bot):
    """The Acme pilot in a Slack Connect channel: the customer's technical lead and
    executive sponsor are members of another organisation (their DMs are refused)."""
    emulator = bot.emulator
    emulator.add_user(LEAD, "lee")
    emulator.add_external_user(CUSTOMER, "cass", team_id=THEIRS, enterprise_id="E0CUST")
    emulator.add_external_user(SPONSOR, "sam", team_id=THEIRS)
    emulator.add_external_user(OUTSIDER, "otto", team_id=THEIRS)
    emulator.add_channel(CHANNEL, name="acme-shared", is_ext_shared=True)
    pilot = schedule_pilot(bot.engine, FIRST_CHECKIN - timedelta(hours=2))
    store_member(bot.engine, pilot, CUSTOMER, "technical_lead")
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")
    store_member(bot.engine, pilot, LEAD, "implementation_lead")
    return pilot


def rows(bot, table):
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(table)).all())


def checkin_thread(bot) -> str:
    run_at(bot, FIRST_CHECKIN)
    [thread] = bot.emulator.messages(CHANNEL)
    return thread["ts"]


def buttons(message: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def click(bot, channel: str, message: dict, action_id: str, user_id: str, sender=None):
    sender = sender or bot.sender
    payload = sender.block_actions(
        action_id,
        buttons(message)[action_id]["value"],
        user_id=user_id,
        channel_id=channel,
        message_ts=message["ts"],
    )
    assert payload["team"]["id"] == "T0001" and payload["user"]["team_id"] in (THEIRS, "T0001")
    return sender.interactive(payload)


def submit(bot, view: dict, state: dict, user_id: str, **options):
    payload = bot.sender.view_submission(
        view["callback_id"],
        state,
        user_id=user_id,
        private_metadata=view["private_metadata"],
        **options,
    )
    return bot.sender.interactive(payload)


def opened(bot, count: int) -> dict:
    return bot.emulator.wait_for_calls("views.open", count)[count - 1].params["view"]


def flag_of(bot, number: int = 1) -> Flag:
    return next(f for f in rows(bot, Flag) if f.number == number)


@pytest.mark.usefixtures("checkins_only")
def test_a_customer_member_checks_in_raises_flags_and_handles_them_from_the_channel(bot, shared):
    emulator = bot.emulator
    thread = checkin_thread(bot)

    # A reply in the thread is their check-in; the event names their organisation.
    reply_ts, response = bot.sender.post_user_message(
        CHANNEL, CUSTOMER, "Green: integration tests pass", thread_ts=thread
    )
    assert response.status == 200
    eventually(lambda: [r.user_id for r in rows(bot, CheckinReply)] == [CUSTOMER])

    # The flag emoji on their reply raises F-1; Flag an issue (a form) raises F-2.
    reaction = bot.sender.reaction_added_event(
        CUSTOMER, "triangular_flag_on_post", CHANNEL, reply_ts, CUSTOMER
    )
    assert bot.sender.event(reaction).status == 200
    eventually(lambda: len(rows(bot, Flag)) == 1)
    checkin = emulator.message(CHANNEL, thread)
    assert click(bot, CHANNEL, checkin, ids.CHECKIN_FLAG_ISSUE, CUSTOMER).status == 200
    view = opened(bot, 1)
    state = {
        ids.FLAG_SEVERITY: {
            ids.FLAG_SEVERITY: {"type": "radio_buttons", "selected_option": {"value": "major"}}
        },
        ids.FLAG_CATEGORY: {ids.FLAG_CATEGORY: {"type": "radio_buttons", "selected_option": None}},
        ids.FLAG_DESCRIPTION: {
            ids.FLAG_DESCRIPTION: {"type": "plain_text_input", "value": "Exports fail"}
        },
    }
    shape = bot.sender.view_submission(
        view["callback_id"], state, user_id=CUSTOMER, private_metadata=view["private_metadata"]
    )
    assert shape["team"]["id"] == THEIRS and shape["enterprise"]["id"] == "E0CUST"
    assert shape["view"]["app_installed_team_id"] == "T0001"
    response = submit(bot, view, state, CUSTOMER)
    assert response.status == 200 and not response.body, response.text  # not refused
    eventually(lambda: len(rows(bot, Flag)) == 2 and flag_of(bot, 2).announcement_ts)
    assert flag_of(bot, 2).raised_by == CUSTOMER

    # Acknowledge and Resolve by button (Resolve asks how, in a form).
    announcement = emulator.message(CHANNEL, flag_of(bot, 2).announcement_ts)
    assert click(bot, CHANNEL, announcement, ids.FLAG_ACKNOWLEDGE, CUSTOMER).status == 200
    eventually(lambda: flag_of(bot, 2).acknowledged_by == CUSTOMER)
    assert click(bot, CHANNEL, announcement, ids.FLAG_RESOLVE, CUSTOMER).status == 200
    view = opened(bot, 2)
    resolved = {
        ids.FLAG_RESOLUTION: {
            ids.FLAG_RESOLUTION: {"type": "plain_text_input", "value": "Fixed the export job"}
        }
    }
    assert submit(bot, view, resolved, CUSTOMER).status == 200
    eventually(lambda: flag_of(bot, 2).resolved_by == CUSTOMER)

    # Post status, by form.
    assert click(bot, CHANNEL, checkin, ids.CHECKIN_POST_STATUS, CUSTOMER).status == 200
    view = opened(bot, 3)
    status = {
        ids.CHECKIN_STATUS: {
            ids.CHECKIN_STATUS: {"type": "radio_buttons", "selected_option": {"value": "green"}}
        }
    }
    assert submit(bot, view, status, CUSTOMER).status == 200
    eventually(lambda: any(r.status == "green" for r in rows(bot, CheckinReply)))

    # Someone of theirs without a role is still refused.
    assert click(bot, CHANNEL, announcement, ids.FLAG_ACKNOWLEDGE, OUTSIDER).status == 200
    said = emulator.wait_for(
        lambda e: [p for p in e.response_posts(user=OUTSIDER) if "Only" in p.payload["text"]]
    )
    assert said and flag_of(bot, 1).acknowledged_by in ("", None)


@pytest.mark.usefixtures("checkins_only")
def test_a_click_from_another_workspace_still_sees_nothing(bot, shared):
    checkin_thread(bot)
    bot.sender.command("flag major Checkout is down", user_id=LEAD, channel_id=CHANNEL)
    eventually(lambda: flag_of(bot).announcement_ts)
    announcement = bot.emulator.message(CHANNEL, flag_of(bot).announcement_ts)
    stranger = SlackSender(bot.sender.bot_url, bot.sender.signing_secret, team_id="T0OTHER")
    payload = stranger.block_actions(
        ids.FLAG_ACKNOWLEDGE,
        buttons(announcement)[ids.FLAG_ACKNOWLEDGE]["value"],
        user_id=CUSTOMER,
        channel_id=CHANNEL,
    )
    assert stranger.interactive(payload).status == 200
    assert not flag_of(bot).acknowledged_by


def test_the_sponsor_of_the_other_side_decides_from_the_channel(bot, shared, clock):
    emulator = bot.emulator
    # A change after the start: the sponsor's DM is refused, so the request comes into
    # the channel once, mentioning them, with Approve / Reject.
    clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    response = bot.sender.command(
        'change ramp conservative reason="Integration is harder"', user_id=OWNER, channel_id=CHANNEL
    )
    assert response.status == 200 and "CH-1 is recorded" in response.json()["text"]
    ask = emulator.wait_for(
        lambda e: next(
            (m for m in e.messages(CHANNEL) if m["text"].startswith(f"<@{SPONSOR}>:")), None
        )
    )
    assert "meant for you by DM" in json.dumps(ask["blocks"])
    assert set(buttons(ask)) == {ids.CHANGE_APPROVE, ids.CHANGE_REJECT}
    assert click(bot, CHANNEL, ask, ids.CHANGE_APPROVE, SPONSOR).status == 200
    emulator.wait_for(lambda e: any("CH-1 approved" in m["text"] for m in e.messages(CHANNEL)))
    with unit_of_work(bot.engine) as session:
        refused = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.key) == f"change:CH-1:ask:{SPONSOR}")
        ).one()
    assert refused.status == "failed"
    assert refused.last_error == "invalid_user_combination; posted in the pilot's channel instead"
    posted = [
        c
        for c in emulator.calls_to("chat.postMessage")
        if c.ok
        and c.params["metadata"]["event_payload"]["key"] == f"change:CH-1:ask:{SPONSOR}:in-channel"
    ]
    assert [c.params["channel"] for c in posted] == [CHANNEL]  # once, in the channel
    # The copy in the channel now shows the decision instead of its buttons.
    shown = emulator.wait_for(
        lambda e: (m := e.message(CHANNEL, ask["ts"])) and not buttons(m) and m
    )
    assert "CH-1 approved" in shown["text"]

    # Go at the end of Setup, from the phase review in the channel (the cadence picked up
    # from Thursday of week 1).
    with unit_of_work(bot.engine) as session:
        pilot = session.get(Pilot, shared.id)
        refresh_next_due(session, pilot, clock.now())
    walk(bot, datetime(2026, 12, 11, 15, 30, tzinfo=UTC), kinds=("phase_review",))
    review = post(emulator, "phase_review:setup")
    message = emulator.message(CHANNEL, review.ts)
    assert click(bot, CHANNEL, message, ids.PHASE_GO, SPONSOR).status == 200
    eventually(lambda: [d.decided_by for d in rows(bot, PilotDecision)] == [SPONSOR])


@pytest.mark.usefixtures("checkins_only")
def test_a_5xx_on_a_dm_is_retried_not_diverted(bot, shared, clock):
    emulator = bot.emulator
    emulator.add_external_user("W0CUST5", "pia", team_id=THEIRS, dm_refusal=None)
    store_member(bot.engine, shared, "W0CUST5", "project_lead")
    emulator.fail("conversations.open", status=503, times=None, where={"users": "W0CUST5"})
    clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    bot.sender.command(
        'change ramp conservative reason="Integration is harder"', user_id=OWNER, channel_id=CHANNEL
    )
    [ask] = emulator.wait_for(
        lambda e: [m for m in e.messages(CHANNEL) if m["text"].startswith(f"<@{SPONSOR}>:")]
    )
    assert click(bot, CHANNEL, ask, ids.CHANGE_APPROVE, SPONSOR).status == 200
    eventually(lambda: emulator.calls_to("conversations.open"))
    emulator.clear_faults()
    sender = services_of(bot.app).sender
    assert sender is not None and sender.wait_idle()  # before the clock jumps ahead
    clock.advance(timedelta(minutes=5))
    run_at(bot, clock.now())
    [told] = emulator.wait_for(lambda e: e.messages(e.dm_channel("W0CUST5")))
    assert "CH-1" in told["text"]
    assert not [m for m in emulator.messages(CHANNEL) if m["text"].startswith("<@W0CUST5>:")]


@pytest.mark.usefixtures("checkins_only")
def test_a_grid_submission_and_a_workspace_that_joined_a_grid_keep_working(bot, shared):
    """bolt-python's Enterprise Grid sample carries the enterprise only as
    team.enterprise_id; a pilot stored before the workspace had one still answers."""
    grid = SlackSender(
        bot.sender.bot_url,
        bot.sender.signing_secret,
        team_id="T0001",
        enterprise_id="E0GRID",
        emulator=bot.emulator,
    )
    assert Workspace(team_id=shared.team_id).enterprise_id == ""
    status = grid.command("status", user_id=OWNER, channel_id=CHANNEL).json()["text"]
    assert "Acme POC" in status
    thread = checkin_thread(bot)
    checkin = bot.emulator.message(CHANNEL, thread)
    assert click(bot, CHANNEL, checkin, ids.CHECKIN_POST_STATUS, OWNER, sender=grid).status == 200
    view = opened(bot, 1)
    payload = grid.view_submission(
        view["callback_id"],
        {
            ids.CHECKIN_STATUS: {
                ids.CHECKIN_STATUS: {
                    "type": "radio_buttons",
                    "selected_option": {"value": "green"},
                }
            }
        },
        user_id=OWNER,
        private_metadata=view["private_metadata"],
        enterprise_in_team=True,
    )
    assert payload["enterprise"] is None and payload["team"]["enterprise_id"] == "E0GRID"
    response = grid.interactive(payload)
    assert response.status == 200 and not response.body, response.text
    eventually(lambda: [r.user_id for r in rows(bot, CheckinReply)] == [OWNER])


def test_pilot_team_shows_each_side_and_the_other_organisation(bot, shared):
    bot.emulator.add_external_user("W0CUST3", "bea", team_id=THEIRS)
    response = bot.sender.command("team add <@W0CUST3|bea> business_lead", channel_id=CHANNEL)
    assert "Added <@W0CUST3>" in response.json()["text"]
    text = json.dumps(bot.sender.command("team", channel_id=CHANNEL).json())
    assert f"<@W0CUST3> (from {THEIRS})" in text
    assert "Members from another organisation act from the channel" in text
