"""`/pilot team`, `team add`, `team remove` end to end over signed HTTP."""

import pytest

from bot.core.grammar import unescape
from storage.db import unit_of_work
from storage.team import change_log, holders
from tests.helpers import CHANNEL, store_member, store_pilot


@pytest.fixture
def pilot(bot):
    bot.emulator.add_user("U0003", "carol", real_name="Carol Chen")
    bot.emulator.add_user("U0004", "dave", real_name="Dave Diaz")
    return store_pilot(bot.engine)


def team_roles(bot, pilot):
    with unit_of_work(bot.engine) as session:
        return sorted((u, r.value) for u, r in holders(session=session, pilot_id=pilot.id))


def log_of(bot, pilot):
    with unit_of_work(bot.engine) as session:
        return [
            (e.kind, e.user_id, e.summary) for e in change_log(session=session, pilot_id=pilot.id)
        ]


def answer(bot, text, user_id="U0001"):
    response = bot.sender.command(text, user_id=user_id, channel_id=CHANNEL)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return unescape(body["text"])  # usage lines may arrive with Slack escapes


def test_an_empty_team_lists_every_role_and_says_who_is_missing(bot, pilot):
    text = answer(bot, "team")
    assert "Acme POC team." in text
    assert "Owner: <@U0001>." in text
    assert "Nobody can approve changes yet" in text
    assert "/pilot team add @user executive_sponsor" in text
    blocks = bot.sender.command("team").json()["blocks"]
    shown = str(blocks)
    for title in ("Customer side", "Vendor side", "Executive sponsor", "Implementation lead"):
        assert title in shown
    assert "_nobody yet_" in shown


def test_the_owner_adds_people_by_escaped_and_plain_mentions(bot, pilot, clock):
    text = answer(bot, "team add <@U0002|bob> executive_sponsor")
    assert text.startswith("Added <@U0002> as executive sponsor (customer side")
    text = answer(bot, "team add <@U0003> Implementation lead")
    assert "Added <@U0003> as implementation lead (vendor side" in text
    # A person may hold several roles.
    text = answer(bot, "team add <@U0003|carol> technical-support")
    assert "They are also implementation lead." in text
    assert team_roles(bot, pilot) == [
        ("U0002", "executive_sponsor"),
        ("U0003", "implementation_lead"),
        ("U0003", "technical_support"),
    ]
    assert [c.params["user"] for c in bot.emulator.calls_to("users.info")] == [
        "U0002",
        "U0003",
        "U0003",
    ]
    with unit_of_work(bot.engine) as session:
        entries = change_log(session=session, pilot_id=pilot.id)
        assert {e.at for e in entries} == {clock.now()}  # the service clock, not the wall
    assert log_of(bot, pilot) == [
        ("team", "U0001", "Added <@U0002> as executive sponsor."),
        ("team", "U0001", "Added <@U0003> as implementation lead."),
        ("team", "U0001", "Added <@U0003> as technical support."),
    ]
    listing = answer(bot, "team")
    assert "Executive sponsor: <@U0002>." in listing
    assert "Implementation lead: <@U0003>." in listing
    assert "Decisions (change approvals, go/no-go): <@U0002> (executive sponsor)." in listing


def test_without_a_sponsor_the_project_lead_decides(bot, pilot):
    store_member(bot.engine, pilot, "U0002", "project_lead")
    assert "<@U0002> (project lead)" in answer(bot, "team")


def test_adding_the_same_role_twice_is_refused(bot, pilot):
    answer(bot, "team add <@U0002> executive_sponsor")
    assert answer(bot, "team add <@U0002> executive_sponsor") == (
        "<@U0002> is already executive sponsor."
    )
    assert team_roles(bot, pilot) == [("U0002", "executive_sponsor")]


def test_an_unknown_role_lists_the_valid_ones(bot, pilot):
    text = answer(bot, "team add <@U0002> cheerleader")
    assert text.startswith("Unknown role 'cheerleader'. Use one of: executive_sponsor,")
    assert "implementation_lead" in text and "executive." in text
    assert text.endswith("Usage: `/pilot team add @user role`")
    assert "\n" not in text
    assert team_roles(bot, pilot) == []


def test_a_user_id_that_is_not_a_user_gets_a_clear_answer(bot, pilot):
    text = answer(bot, "team add <@U0999|ghost> end_user")
    assert text == "U0999 is not a user in this workspace. Usage: `/pilot team add @user role`"
    assert team_roles(bot, pilot) == []
    assert log_of(bot, pilot) == []


def test_bots_are_refused(bot, pilot):
    bot.emulator.add_user("U0BOT2", "helper", is_bot=True)
    assert "is a bot; pilot roles are for people" in answer(bot, "team add <@U0BOT2> end_user")
    assert team_roles(bot, pilot) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("team add bob executive_sponsor", "Name the person with an @-mention; `bob` is not one."),
        ("team add <@U0002>", "`team add` needs <role>."),
        ("team add", "`team add` needs <user>."),
        ("team remove <@U0002>", "`team remove` needs <role>."),
    ],
)
def test_malformed_team_commands_show_the_usage(bot, pilot, text, problem):
    reply = answer(bot, text)
    assert reply.startswith(problem)
    assert "Usage: `/pilot team " in reply
    assert bot.emulator.calls_to("users.info") == []


def test_someone_off_the_team_may_read_but_not_change_it(bot, pilot):
    assert "Acme POC team." in answer(bot, "team", user_id="U0002")
    text = answer(bot, "team add <@U0002> executive_sponsor", user_id="U0002")
    assert text.startswith(
        "Only the pilot's owner, vendor-side team members, the project lead or the executive"
        " sponsor may change the team."
    )
    assert team_roles(bot, pilot) == []
    assert bot.emulator.calls_to("users.info") == []


def test_vendor_roles_and_leads_may_change_the_team_but_end_users_may_not(bot, pilot):
    store_member(bot.engine, pilot, "U0002", "account_owner")
    store_member(bot.engine, pilot, "U0003", "end_user")
    assert answer(bot, "team add <@U0004> business_lead", user_id="U0002").startswith("Added")
    assert answer(bot, "team add <@U0004> end_user", user_id="U0003").startswith("Only ")
    assert ("U0004", "business_lead") in team_roles(bot, pilot)
    assert ("U0004", "end_user") not in team_roles(bot, pilot)


def test_removing_a_role(bot, pilot):
    store_member(bot.engine, pilot, "U0002", "executive_sponsor")
    store_member(bot.engine, pilot, "U0002", "business_lead")
    text = answer(bot, "team remove <@U0002|bob> business_lead")
    assert text == "Removed <@U0002> as business lead."
    assert team_roles(bot, pilot) == [("U0002", "executive_sponsor")]
    assert log_of(bot, pilot)[-1] == ("team", "U0001", "Removed <@U0002> as business lead.")


def test_removing_the_last_decision_maker_says_so(bot, pilot):
    store_member(bot.engine, pilot, "U0002", "executive_sponsor")
    text = answer(bot, "team remove <@U0002> executive_sponsor")
    assert text.startswith("Removed <@U0002> as executive sponsor. Nobody can approve changes")


def test_removing_a_role_nobody_holds_says_what_they_hold(bot, pilot):
    store_member(bot.engine, pilot, "U0002", "technical_lead")
    text = answer(bot, "team remove <@U0002> executive_sponsor")
    assert text.startswith("<@U0002> is not executive sponsor. They hold: technical_lead.")
    text = answer(bot, "team remove <@U0003> end_user")
    assert text.startswith("<@U0003> is not end user. They are not on the team.")
    assert answer(bot, "team remove <@U0002> technical_lead", user_id="U0003").startswith("Only ")
    assert team_roles(bot, pilot) == [("U0002", "technical_lead")]


def test_team_commands_in_a_channel_without_a_pilot(bot, pilot):
    response = bot.sender.command("team add <@U0002> end_user", channel_id="C0OTHER")
    assert "no pilot in this channel" in response.json()["text"]
    assert (
        "no pilot in this channel"
        in bot.sender.command("team", channel_id="C0OTHER").json()["text"]
    )
