"""The escalation timer end to end: signed HTTP in, the clock advanced, what the bot
answered and what Slack received."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.db import unit_of_work
from storage.flags import acknowledge_flag, flag_by_number, resolve_flag
from storage.models import Pilot
from storage.team import change_log
from tests.cadence_helpers import eventually, set_state
from tests.escalation_helpers import (
    RAISED,
    TEAM,
    acme_with_team,
    add_team_users,
    around,
    dm_click,
    dm_steps,
    dms,
    escalation_rows,
    flag_row,
    play,
    raise_at,
    thread_lines,
    timer,
)
from tests.helpers import CHANNEL

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


# ----- one flag along the whole path ---------------------------------------------------------

FOUR_HOURS = timedelta(hours=4)
DEADLINES = {
    1: RAISED + timedelta(hours=4),  # Mon 14:00 EST: the project leads
    2: RAISED + timedelta(hours=24),  # Tue 10:00: the account owner
    3: RAISED + timedelta(hours=48),  # Wed 10:00: the executives
}


def within_a_minute(row, deadline) -> bool:
    return row.status == "sent" and deadline <= row.sent_at <= deadline + timedelta(minutes=1)


@pytest.mark.usefixtures("checkins_only")
def test_one_flag_walks_every_step_of_the_path(bot):
    emulator, engine = bot.emulator, bot.engine
    add_team_users(emulator)
    acme_with_team(engine)
    flag = raise_at(engine, emulator, RAISED)
    around(engine, emulator, [RAISED, *DEADLINES.values()], after=RAISED)
    play(
        engine, emulator, RAISED + timedelta(hours=49), RAISED + timedelta(days=5), step=FOUR_HOURS
    )

    rows = escalation_rows(engine)
    assert list(rows) == [
        "escalation:F-1:s0",
        "escalation:F-1:s1",
        "escalation:F-1:s1:U0005",
        "escalation:F-1:s1:U0004",
        "escalation:F-1:s2",
        "escalation:F-1:s2:U0006",
        "escalation:F-1:s3",
        "escalation:F-1:s3:U0007",
        "escalation:F-1:s3:U0008",
    ]
    assert within_a_minute(rows["escalation:F-1:s0"], RAISED)
    for key, row in rows.items():
        step = int(key.split(":")[2][1:])
        if step:
            assert within_a_minute(row, DEADLINES[step]), key

    # The thread: one line per step.
    assert thread_lines(emulator, flag) == [
        "F-1 is with the technical team, <@U0003>, <@U0004>. (No technical support is"
        " assigned.) Next, if still unresolved: the project leads on Mon Dec 14, 14:00 EST.",
        "Escalated to the project leads, <@U0005>, <@U0004>: F-1 is unresolved after 4 h."
        " Next, if still unresolved: the account owner on Tue Dec 15, 10:00 EST.",
        "Escalated to the account owner, <@U0006>: F-1 is unresolved after 24 h."
        " Next, if still unresolved: the executives on Wed Dec 16, 10:00 EST.",
        "Escalated to the executives, <@U0007>, <@U0008>: F-1 is unresolved after 48 h.",
    ]

    # The DMs: who, step by step, each opened with conversations.open (one step's DMs
    # go out side by side, so within a step in any order).
    assert dm_steps(emulator) == [{"U0005", "U0004"}, {"U0006"}, {"U0007", "U0008"}]
    sent = dms(emulator)
    opened = [call.params["users"] for call in emulator.calls_to("conversations.open")]
    assert sorted(opened[:2]) == ["U0004", "U0005"] and opened[2] == "U0006"
    assert sorted(opened[3:]) == ["U0007", "U0008"]

    owner = sent[2]
    assert owner.text.startswith(
        "F-1 escalated to you: unresolved after 24 h. Acme POC (Acme), F-1 (major,"
        " technical): Checkout API returns 500s for 3% of orders. Raised by <@U0002> on"
        " Mon Dec 14, 10:00 EST; acknowledged by nobody yet; told so far: the technical"
        " team: <@U0003>, <@U0004>; the project leads: <@U0005>, <@U0004>; next: the"
        " executives, Wed Dec 16, 10:00 EST. The escalation path of *Acme POC* engages the"
        " account owner after 24 h. <https://"
    )
    link = emulator.calls_to("chat.getPermalink")[-1]
    assert link.params["message_ts"] == flag.announcement_ts
    assert f"p{flag.announcement_ts.replace('.', '')}|Open F-1's thread>" in owner.text
    assert "late by" not in owner.text
    header, about, facts, _why, buttons = owner.blocks
    assert header["text"]["text"] == ":rotating_light: F-1 escalated to you: unresolved after 24 h"
    assert about["text"]["text"] == (
        "*Acme POC* · Acme · <#C0001>\n*F-1* · major · technical\n"
        "> Checkout API returns 500s for 3% of orders"
    )
    shown = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in facts["fields"]}
    assert shown == {
        "*Age*": "24 h (raised Mon Dec 14, 10:00 EST)",
        "*Raised by*": "<@U0002>",
        "*Acknowledged by*": "Nobody yet",
        "*Told so far*": "the technical team: <@U0003>, <@U0004>; the project leads:"
        " <@U0005>, <@U0004>",
        "*Next step*": "The executives, Wed Dec 16, 10:00 EST",
    }
    assert [b["action_id"] for b in buttons["elements"]] == ["flag_acknowledge", "flag_resolve"]
    assert [b["value"] for b in buttons["elements"]] == ["1:1", "1:1"]
    last = sent[-1]
    assert "next: none, this is the last step" in last.text
    assert "the account owner: <@U0006>" in last.text

    state = timer(engine)
    assert (state.last_step, state.next_escalation_at, state.stopped) == (
        3,
        None,
        "every step is done",
    )


# ----- snooze ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("checkins_only")
def test_snooze_delays_the_remaining_steps_and_is_recorded(bot, clock):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    flag = raise_at(engine, emulator, RAISED)
    around(engine, emulator, [RAISED, DEADLINES[1]], after=RAISED)
    clock.set(RAISED + timedelta(hours=5))
    answer = bot.sender.command(
        'snooze F-1 4h reason="waiting for the customer\'s deploy"', channel_id=CHANNEL
    ).json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        "Snoozed F-1's escalation by 4 h; the change log keeps why. Next, if still"
        " unresolved: the account owner on Tue Dec 15, 14:00 EST."
    )
    line = emulator.wait_for(
        lambda e: [m for m in e.thread(CHANNEL, flag.thread_ts) if m["text"].startswith(":zzz:")]
    )
    assert line[0]["text"] == (
        ":zzz: <@U0001> snoozed F-1's escalation by 4 h: waiting for the customer's deploy."
        " Next, if still unresolved: the account owner on Tue Dec 15, 14:00 EST."
    )
    late = DEADLINES[2] + timedelta(hours=4)
    play(
        engine,
        emulator,
        RAISED + timedelta(hours=5),
        DEADLINES[2] + timedelta(hours=3),
        step=timedelta(hours=1),
    )
    assert "escalation:F-1:s2" not in escalation_rows(engine)
    around(engine, emulator, [late], after=DEADLINES[2] + timedelta(hours=3))
    rows = escalation_rows(engine)
    assert within_a_minute(rows["escalation:F-1:s2:U0006"], late)
    assert timer(engine).next_escalation_at == DEADLINES[3] + timedelta(hours=4)
    with unit_of_work(engine) as session:
        [entry] = [e for e in change_log(session=session, pilot_id=1) if e.kind == "snooze"]
        assert (entry.user_id, entry.reason) == ("U0001", "waiting for the customer's deploy")


def test_snooze_is_for_authorised_members_and_answers_every_mistake(bot, clock):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine, team=(*TEAM, ("U0009", "end_user")))
    raise_at(engine, emulator, RAISED)
    clock.set(RAISED + timedelta(hours=1))
    cases = {
        ("snooze F-1 4h reason=later", "U0009"): "Only the pilot's owner",
        ("snooze F-1 4h", "U0001"): "Say why, for the change log",
        ("snooze F-1 soon reason=later", "U0001"): "'soon' is not a length of time",
        ("snooze F-1 30d reason=later", "U0001"): "Snooze for 1 minute to 14 days",
        ("snooze F-9 4h reason=later", "U0001"): "There is no F-9",
        ("snooze x 4h reason=later", "U0001"): "'x' is not a flag id like F-3",
        ("snooze", "U0001"): "Usage: `/pilot snooze F-&lt;n&gt;",
    }
    for (line, user), expected in cases.items():
        body = bot.sender.command(line, user_id=user, channel_id=CHANNEL).json()
        assert body["response_type"] == "ephemeral", line
        assert expected in body["text"], (line, body["text"])
    assert timer(engine).snoozed_minutes == 0


# ----- the path stops, goes on, or goes elsewhere ----------------------------------------------


def resolve_at(engine, at, *, user="U0004", resolution="rolled back the release"):
    with unit_of_work(engine) as session:
        flag = flag_by_number(session=session, pilot_id=1, number=1, lock=True)
        resolve_flag(session=session, flag=flag, user_id=user, resolution=resolution, at=at)


def acknowledge_at(engine, at, *, user="U0004"):
    with unit_of_work(engine) as session:
        flag = flag_by_number(session=session, pilot_id=1, number=1, lock=True)
        acknowledge_flag(session=session, flag=flag, user_id=user, at=at)


@pytest.mark.usefixtures("checkins_only")
def test_a_resolve_at_30_hours_stops_the_48_hour_step(bot):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    raise_at(engine, emulator, RAISED)
    around(engine, emulator, [RAISED, DEADLINES[1], DEADLINES[2]], after=RAISED)
    resolve_at(engine, RAISED + timedelta(hours=30))
    play(
        engine, emulator, RAISED + timedelta(hours=30), RAISED + timedelta(days=4), step=FOUR_HOURS
    )
    assert dm_steps(emulator) == [{"U0005", "U0004"}, {"U0006"}]
    assert not any(key.startswith("escalation:F-1:s3") for key in escalation_rows(engine))
    state = timer(engine)
    assert (state.last_step, state.next_escalation_at, state.stopped) == (2, None, "resolved")


@pytest.mark.usefixtures("checkins_only")
def test_acknowledging_does_not_stop_the_path_and_shows_in_later_dms(bot):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    raise_at(engine, emulator, RAISED)
    acknowledge_at(engine, RAISED + timedelta(minutes=30))
    around(engine, emulator, [RAISED, DEADLINES[1]], after=RAISED)
    [leads, _implementation] = dms(emulator)
    assert "acknowledged by <@U0004> (Mon Dec 14, 10:30 EST)" in leads.text
    assert [b["action_id"] for b in leads.blocks[-1]["elements"]] == ["flag_resolve"]


@pytest.mark.usefixtures("checkins_only")
def test_with_ack_pauses_escalation_an_acknowledgement_pauses_the_path(bot, clock):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    bot.sender.command("set ack_pauses_escalation=yes", channel_id=CHANNEL)
    raise_at(engine, emulator, RAISED)
    around(engine, emulator, [RAISED], after=RAISED)
    acknowledge_at(engine, RAISED + timedelta(minutes=30))
    play(engine, emulator, RAISED + timedelta(hours=1), RAISED + timedelta(days=3), step=FOUR_HOURS)
    assert dms(emulator) == []
    state = timer(engine)
    assert state.next_escalation_at is None
    assert state.stopped == "paused by the acknowledgement (ack_pauses_escalation=yes)"


@pytest.mark.usefixtures("checkins_only")
def test_pausing_the_pilot_does_not_stop_the_path_ending_it_does(bot):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    raise_at(engine, emulator, RAISED)
    set_state(engine, 1, "paused")
    around(engine, emulator, [RAISED, DEADLINES[1]], after=RAISED)
    assert dm_steps(emulator) == [{"U0005", "U0004"}]
    set_state(engine, 1, "ended")
    play(
        engine,
        emulator,
        DEADLINES[1] + timedelta(hours=1),
        DEADLINES[3] + FOUR_HOURS,
        step=FOUR_HOURS,
    )
    assert len(dms(emulator)) == 2
    assert timer(engine).stopped == "the pilot ended"


@pytest.mark.usefixtures("checkins_only")
def test_a_missing_account_owner_falls_through_to_the_executives_with_a_note(bot):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine, team=[m for m in TEAM if m[1] != "account_owner"])
    flag = raise_at(engine, emulator, RAISED)
    around(engine, emulator, [RAISED, *DEADLINES.values()], after=RAISED)
    assert dm_steps(emulator) == [{"U0005", "U0004"}, {"U0007", "U0008"}, {"U0007", "U0008"}]
    lines = thread_lines(emulator, flag)
    assert lines[2] == (
        "Escalated to the executives, <@U0007>, <@U0008>: F-1 is unresolved after 24 h."
        " No account owner is assigned (so it went up the path): add one with"
        " `/pilot team add @user account_owner`. Next, if still unresolved: the executives"
        " on Wed Dec 16, 10:00 EST."
    )
    fell = dms(emulator)[2]
    assert (
        "No account owner is assigned in *Acme POC*, so the step for the account owner"
        " comes to you, as the executives." in fell.text
    )


# ----- policies per severity, business hours ----------------------------------------------------


@pytest.mark.usefixtures("checkins_only")
def test_each_severity_keeps_the_policy_it_was_raised_under(bot):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    bot.sender.command('set escalation_critical="1h 4h 8h"', channel_id=CHANNEL)
    critical = raise_at(engine, emulator, RAISED, severity="critical")
    major = raise_at(engine, emulator, RAISED, severity="major")
    # A later change moves neither flag's deadlines.
    bot.sender.command(
        'set escalation_critical="2h 6h 9h" escalation_major="1h 2h 3h"', channel_id=CHANNEL
    )
    for flag, delays in ((critical, (1, 4, 8)), (major, (4, 24, 48))):
        row = timer(engine, flag.id)
        assert row.policy == " ".join(f"{h}h" for h in delays)
    hours = [1, 4, 8]
    around(engine, emulator, [RAISED + timedelta(hours=h) for h in [0, *hours]], after=RAISED)
    rows = escalation_rows(engine)
    for step, h in enumerate(hours, start=1):
        assert within_a_minute(rows[f"escalation:F-1:s{step}"], RAISED + timedelta(hours=h))
    # The major flag kept 4h 24h 48h: its project leads at 4 h, its account owner not yet.
    assert within_a_minute(rows["escalation:F-2:s1"], DEADLINES[1])
    assert timer(engine, major.id).next_escalation_at == DEADLINES[2]


@pytest.mark.usefixtures("checkins_only")
def test_business_hours_carry_a_friday_flag_over_the_weekend(bot):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    bot.sender.command("set business_hours=09:00-18:00", channel_id=CHANNEL)
    friday = datetime(2026, 12, 11, 21, 0, tzinfo=UTC)  # Fri 16:00 EST
    flag = raise_at(engine, emulator, friday)
    expected = {
        1: datetime(2026, 12, 14, 16, 0, tzinfo=UTC),  # Mon 11:00 EST
        2: datetime(2026, 12, 16, 18, 0, tzinfo=UTC),  # Wed 13:00
        3: datetime(2026, 12, 21, 15, 0, tzinfo=UTC),  # next Mon 10:00
    }
    play(engine, emulator, friday, expected[1] - timedelta(minutes=5), step=FOUR_HOURS)
    assert dm_steps(emulator) == []
    around(engine, emulator, list(expected.values()), after=expected[1] - timedelta(minutes=5))
    rows = escalation_rows(engine)
    for step, deadline in expected.items():
        assert within_a_minute(rows[f"escalation:F-1:s{step}"], deadline), step
    assert (
        "Next, if still unresolved: the account owner on Wed Dec 16, 13:00 EST."
        in (thread_lines(emulator, flag)[1])
    )


@pytest.mark.usefixtures("checkins_only")
def test_business_hours_across_the_change_to_daylight_saving_time(bot, clock):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    bot.sender.command("set business_hours=09:00-18:00", channel_id=CHANNEL)
    friday = datetime(2027, 3, 12, 21, 0, tzinfo=UTC)  # Fri 16:00 EST; Sunday springs forward
    flag = raise_at(engine, emulator, friday)
    monday = datetime(2027, 3, 15, 15, 0, tzinfo=UTC)  # Mon 11:00 EDT, not 16:00 UTC
    play(engine, emulator, friday, monday - timedelta(minutes=5), step=FOUR_HOURS)
    around(engine, emulator, [monday], after=monday - timedelta(minutes=5))
    assert within_a_minute(escalation_rows(engine)["escalation:F-1:s1"], monday)
    assert "the project leads on Mon Mar 15, 11:00 EDT" in thread_lines(emulator, flag)[0]


# ----- raised in Slack, acted on from the DMs, read back ------------------------------------


def flag_in_slack(bot, clock, text="critical Checkout fails for EU customers", user="U0005"):
    """`/pilot flag ...` at RAISED, over signed HTTP; waits for its announcement."""
    clock.set(RAISED)
    answer = bot.sender.command(f"flag {text}", user_id=user, channel_id=CHANNEL).json()
    assert answer["text"].startswith("Raised F-")
    eventually(lambda: flag_row(bot.engine).announcement_ts)  # stored after the post
    return flag_row(bot.engine)


@pytest.mark.usefixtures("checkins_only")
def test_acknowledge_and_resolve_work_from_the_dms(bot, clock):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine)
    flag = flag_in_slack(bot, clock)
    around(engine, emulator, [RAISED, DEADLINES[1]], after=RAISED)
    clock.set(DEADLINES[1] + timedelta(minutes=10))
    click = dm_click(bot.sender, emulator, "U0004", "flag_acknowledge")
    assert bot.sender.interactive(click).status == 200
    eventually(lambda: flag_row(engine).acknowledged_by == "U0004")
    emulator.wait_for(
        lambda e: any(
            "<@U0004> acknowledged F-1" in m["text"] for m in e.thread(CHANNEL, flag.thread_ts)
        )
    )
    around(engine, emulator, [DEADLINES[2]], after=DEADLINES[1] + timedelta(minutes=11))
    owner = dms(emulator)[-1]
    assert owner.user == "U0006"
    assert "acknowledged by <@U0004> (Mon Dec 14, 14:10 EST)" in owner.text
    # The account owner resolves it from the DM: the form asks how, and the path stops.
    clock.set(DEADLINES[2] + timedelta(hours=6))
    opened = len(emulator.calls_to("views.open"))
    bot.sender.interactive(dm_click(bot.sender, emulator, "U0006", "flag_resolve"))
    view = emulator.wait_for_calls("views.open", opened + 1)[-1].params["view"]
    submitted = bot.sender.view_submission(
        view["callback_id"],
        {
            "flag_resolution": {
                "flag_resolution": {"type": "plain_text_input", "value": "EU config rolled back"}
            }
        },
        user_id="U0006",
        private_metadata=view["private_metadata"],
    )
    assert bot.sender.interactive(submitted).status == 200
    eventually(lambda: flag_row(engine).state == "resolved")
    play(
        engine,
        emulator,
        DEADLINES[2] + timedelta(hours=7),
        DEADLINES[3] + FOUR_HOURS,
        step=FOUR_HOURS,
    )
    assert dm_steps(emulator) == [{"U0005", "U0004"}, {"U0006"}]
    assert timer(engine).stopped == "resolved"


@pytest.mark.usefixtures("checkins_only")
def test_pilot_flag_shows_the_escalation_timeline(bot, clock):
    emulator, engine = bot.emulator, bot.engine
    acme_with_team(engine, team=[m for m in TEAM if m[1] != "account_owner"])
    flag_in_slack(bot, clock)
    emulator.fail("conversations.open", error="user_not_found", where={"users": "U0005"})
    around(engine, emulator, [RAISED, DEADLINES[1]], after=RAISED)
    clock.set(DEADLINES[1] + timedelta(hours=1))
    bot.sender.command('snooze F-1 2h reason="vendor hotfix at noon"', channel_id=CHANNEL)
    shown = bot.sender.command("flag F-1", user_id="U0007", channel_id=CHANNEL).json()
    [timeline] = [
        b["text"]["text"]
        for b in shown["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("*Escalation path*")
    ]
    assert timeline.splitlines() == [
        "*Escalation path* (4h 24h 48h, calendar hours)",
        ":white_check_mark: 1. The technical team: Mon Dec 14, 10:00 EST, to <@U0003>,"
        " <@U0004> (no technical support assigned)",
        ":white_check_mark: 2. The project leads: Mon Dec 14, 14:00 EST, to <@U0005>,"
        " <@U0004> (DM to <@U0005> failed: user_not_found; posted in the flag's thread"
        " instead)",
        ":hourglass_flowing_sand: 3. The account owner: due Tue Dec 15, 12:00 EST",
        ":hourglass_flowing_sand: 4. The executives: due Wed Dec 16, 12:00 EST",
        ":zzz: Snoozed 2 h by <@U0001> Mon Dec 14, 15:00 EST: vendor hotfix at noon",
    ]
    listed = bot.sender.command("flags", channel_id=CHANNEL).json()["text"]
    assert "F-1 critical" in listed
    blocks = json.dumps(bot.sender.command("flags", channel_id=CHANNEL).json()["blocks"])
    assert "escalation: 2/4 (the project leads), next Tue Dec 15, 12:00 EST" in blocks
