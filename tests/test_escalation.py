"""The escalation timer end to end: signed HTTP in, the clock advanced, what the bot
answered and what Slack received."""

from __future__ import annotations

from sqlmodel import select

from storage.db import unit_of_work
from storage.models import Pilot
from tests.helpers import CHANNEL, store_member, store_pilot

TEAM = (
    ("U0003", "technical_lead"),
    ("U0004", "implementation_lead"),
    ("U0005", "project_lead"),
    ("U0006", "account_owner"),
    ("U0007", "executive_sponsor"),
    ("U0008", "executive"),
)


def acme_with_team(engine, team=TEAM):
    pilot = store_pilot(engine)
    for user_id, role in team:
        store_member(engine, pilot, user_id, role)
    return pilot


# ----- the policy: /pilot escalation and /pilot set ------------------------------------------


def test_escalation_shows_the_path_the_delays_and_who_each_step_reaches(bot):
    acme_with_team(bot.engine)
    body = bot.sender.command("escalation", channel_id=CHANNEL).json()
    assert body["response_type"] == "ephemeral"
    text = body["text"]
    assert text.startswith("Acme POC · escalation path\n")
    assert (
        "1. *The technical team* (technical lead, implementation lead or technical support)."
        " At once, in the flag's thread: <@U0003>, <@U0004> (no technical support assigned)"
    ) in text
    assert (
        "2. *The project leads* (project lead or implementation lead). By DM, after"
        " critical 4 h · major 4 h · minor 4 h: <@U0005>, <@U0004>"
    ) in text
    assert "3. *The account owner* (account owner). By DM, after critical 24 h" in text
    assert "4. *The executives* (executive sponsor or vendor executive)." in text
    assert "<@U0007>, <@U0008>" in text
    assert "Delays count calendar hours, nights and weekends included" in text
    assert "the path goes on until it is resolved" in text
    assert body["blocks"][0]["type"] == "header"


def test_set_changes_the_policy_per_severity_and_the_clock(bot):
    acme_with_team(bot.engine, team=(("U0005", "project_lead"),))
    answer = bot.sender.command(
        'set escalation_critical="1h 4h 8h" business_hours=09:00-18:00 ack_pauses_escalation=yes',
        channel_id=CHANNEL,
    ).json()["text"]
    assert answer == (
        "Changed `escalation_critical` 4h 24h 48h → 1h 4h 8h; `business_hours` none →"
        " 09:00-18:00; `ack_pauses_escalation` no → yes."
    )
    text = bot.sender.command("escalation", channel_id=CHANNEL).json()["text"]
    assert "critical 1 h · major 4 h · minor 4 h" in text
    assert "critical 8 h · major 48 h · minor 48 h" in text
    assert "working hours only: 09:00-18:00 on workdays (America/New_York)" in text
    assert "Acknowledging a flag pauses its escalation" in text
    # Nobody holds the account owner or executive roles: the owner is told, and why.
    assert "no account owner assigned (nor anyone above), so the pilot's owner: <@U0001>" in text
    with unit_of_work(bot.engine) as session:
        [pilot] = session.exec(select(Pilot)).all()
        assert (pilot.escalation_critical, pilot.business_hours) == ("1h 4h 8h", "09:00-18:00")
        assert pilot.ack_pauses_escalation is True
    settings = bot.sender.command("settings", channel_id=CHANNEL).json()["text"]
    assert '`escalation_critical="1h 4h 8h"`' in settings


def test_a_missing_account_owner_shows_where_the_step_goes(bot):
    acme_with_team(bot.engine, team=[m for m in TEAM if m[1] != "account_owner"])
    text = bot.sender.command("escalation", channel_id=CHANNEL).json()["text"]
    assert "no account owner assigned, so the executives: <@U0007>, <@U0008>" in text


def test_bad_escalation_settings_are_answered_with_the_form(bot):
    acme_with_team(bot.engine)
    cases = {
        'set escalation_major="4h 2h 8h"': "later than the one before",
        "set escalation_minor=4h": "is not three delays",
        "set business_hours=18:00-09:00": "must start before they end",
        "set ack_pauses_escalation=maybe": "is not yes or no",
    }
    for line, problem in cases.items():
        body = bot.sender.command(line, channel_id=CHANNEL).json()
        assert body["response_type"] == "ephemeral"
        assert problem in body["text"], line
        assert "Usage: `/pilot set " in body["text"], line
    with unit_of_work(bot.engine) as session:
        [pilot] = session.exec(select(Pilot)).all()
        assert (pilot.escalation_major, pilot.business_hours) == ("4h 24h 48h", "")


def test_only_an_authorised_member_changes_the_policy(bot):
    acme_with_team(bot.engine, team=(("U0002", "end_user"),))
    body = bot.sender.command(
        'set escalation_critical="1h 4h 8h"', user_id="U0002", channel_id=CHANNEL
    ).json()
    assert body["text"].startswith("Only the pilot's owner")
    with unit_of_work(bot.engine) as session:
        [pilot] = session.exec(select(Pilot)).all()
        assert pilot.escalation_critical == "4h 24h 48h"


def test_escalation_in_a_channel_without_a_pilot(bot):
    body = bot.sender.command("escalation", channel_id="C0OTHER").json()
    assert "no pilot in this channel" in body["text"]
