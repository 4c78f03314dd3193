"""`/pilot plan`, `/pilot settings` and `/pilot set` end to end over signed HTTP."""

from datetime import date, time

from sqlmodel import select

from storage.db import unit_of_work
from storage.models import Pilot, TeamMember
from tests.helpers import acme_plan, store_pilot
from tests.plan_helpers import answer, logged, the_pilot


def add_member(engine, user_id, role):
    pilot = the_pilot(engine)
    with unit_of_work(engine) as session:
        session.add(TeamMember(pilot_id=pilot.id, user_id=user_id, role=role, added_by="U0001"))


# ----- /pilot plan --------------------------------------------------------------------------


def test_plan_shows_the_whole_calendar_week_by_week(bot):
    store_pilot(bot.engine)
    text = answer(bot, "plan", user_id="U0002")  # anyone may read
    assert text.startswith("Acme POC · plan")
    assert "Ramp: standard ramp: Week 1: 10% · Week 2: 25% · Week 3: 40% · Weeks 4-6: 50%" in text
    # Hand-checked against the calendar: Mon 2026-12-07 start, US holidays, New York.
    expected_weeks = [
        "*Week 1* · Mon Dec 7 – Sun Dec 13 · Setup · 10%  ← this week\n"
        "• Fri Dec 11 10:00 end-of-phase review (Setup: go/no-go for the next)",
        "*Week 2* · Mon Dec 14 – Sun Dec 20 · Soft Launch · 25%\n"
        "• Mon Dec 14 09:30 ramp change 10% → 25%\n"
        "• Mon Dec 14 10:00 weekly review\n"
        "• Fri Dec 18 10:00 end-of-phase review (Soft Launch: go/no-go for the next)",
        "*Week 3* · Mon Dec 21 – Sun Dec 27 · Expanded Pilot · 40%\n"
        "• Mon Dec 21 09:30 ramp change 25% → 40%\n"
        "• Mon Dec 21 10:00 weekly review\n"
        "• days off: Fri Dec 25 (Christmas Day)",
        "*Week 4* · Mon Dec 28 – Sun Jan 3 · Expanded Pilot · 50%\n"
        "• Mon Dec 28 09:30 ramp change 40% → 50%\n"
        "• Mon Dec 28 10:00 weekly review\n"
        "• days off: Fri Jan 1 (New Year's Day)",
        "*Week 5* · Mon Jan 4 – Sun Jan 10 · Expanded Pilot · 50%\n• Mon Jan 4 10:00 weekly review",
        "*Week 6* · Mon Jan 11 – Sun Jan 17 · Expanded Pilot · 50%\n"
        "• Mon Jan 11 10:00 weekly review\n"
        "• Fri Jan 15 10:00 end-of-phase review (Expanded Pilot: go/no-go for the next)\n"
        "• :checkered_flag: hard end date Sun Jan 17, 2027",
        "*Week 7* · Mon Jan 18 – Sun Jan 24 · Evaluation · holds at 50%\n"
        "• Tue Jan 19 10:00 end-of-pilot review: final evaluation\n"
        "• Fri Jan 22 10:00 go/no-go recommendation due\n"
        "• days off: Mon Jan 18 (Martin Luther King Jr. Day)",
    ]
    assert text.endswith("\n\n".join(expected_weeks))


def test_plan_shows_warnings_state_and_the_blocks_stay_within_slack_limits(bot):
    store_pilot(
        bot.engine,
        acme_plan(
            pilot_type="full", weeks=52, ramp="aggressive", override=True, evaluation_weeks=8
        ),
    )
    with unit_of_work(bot.engine) as session:
        session.exec(select(Pilot)).one().state = "paused"
    body = bot.sender.command("plan").json()
    assert (
        ":warning: A 52-week full pilot is longer than the full range of 6-12 weeks."
        in (body["text"])
    )
    assert "State: Paused" in body["text"]
    assert "*Week 60*" in body["text"]
    assert len(body["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in body["blocks"])


def test_plan_in_a_channel_without_a_pilot(bot):
    assert "no pilot in this channel" in answer(bot, "plan")


# ----- /pilot settings ----------------------------------------------------------------------


def test_settings_lists_every_key_with_its_value(bot):
    store_pilot(bot.engine)
    text = answer(bot, "settings", user_id="U0002")
    for line in (
        "`tz=America/New_York`",
        "`checkin=09:30`",
        '`review="mon 10:00"`',
        "`holidays=US`",
        "`skip=none`",
        "`checkins_from=soft_launch`",
        '`reminder="default (13:30, check-in + 4 h)"`',
        "`reminder_roles=project_lead,implementation_lead`",
        "`evaluation_weeks=1`",
    ):
        assert line in text


# ----- /pilot set ---------------------------------------------------------------------------


def test_set_changes_several_keys_at_once_and_logs_each(bot):
    store_pilot(bot.engine)
    text = answer(
        bot,
        'set checkin=10:00 review="thu 15:00" tz=Europe/Berlin holidays=DE skip=+2026-12-24'
        " checkins_from=setup reminder=16:00 reminder_roles=project_lead,account_owner"
        " evaluation_weeks=2",
    )
    assert text.startswith("Changed `checkin` 09:30 → 10:00; `review` mon 10:00 → thu 15:00;")
    pilot = the_pilot(bot.engine)
    assert (pilot.checkin_time, pilot.review_weekday, pilot.review_time) == (
        time(10, 0),
        3,
        time(15, 0),
    )
    assert (pilot.tz, pilot.holiday_country, pilot.skip_dates) == (
        "Europe/Berlin",
        "DE",
        "2026-12-24",
    )
    assert (pilot.checkins_from, pilot.reminder_time, pilot.evaluation_weeks) == (
        "setup",
        time(16, 0),
        2,
    )
    assert pilot.reminder_roles == "project_lead,account_owner"
    assert pilot.updated_at == bot.clock.now()
    # Plan fields are untouched.
    assert (pilot.start_date, pilot.weeks, pilot.ramp) == (date(2026, 12, 7), 6, "standard")
    assert [entry[:3] for entry in logged(bot.engine)] == [
        ("setting", "U0001", "checkin: 09:30 -> 10:00"),
        ("setting", "U0001", "review: mon 10:00 -> thu 15:00"),
        ("setting", "U0001", "tz: America/New_York -> Europe/Berlin"),
        ("setting", "U0001", "holidays: US -> DE"),
        ("setting", "U0001", "skip: none -> 2026-12-24"),
        ("setting", "U0001", "checkins_from: soft_launch -> setup"),
        ("setting", "U0001", "reminder: default (13:30, check-in + 4 h) -> 16:00"),
        (
            "setting",
            "U0001",
            "reminder_roles: project_lead,implementation_lead -> project_lead,account_owner",
        ),
        ("setting", "U0001", "evaluation_weeks: 1 -> 2"),
    ]
    # The calendar follows: reviews on Thursdays at 15:00 Berlin time.
    assert "• Thu Dec 17 15:00 weekly review" in answer(bot, "plan")


def test_skip_dates_are_added_and_removed(bot):
    store_pilot(bot.engine)
    answer(bot, "set skip=+2026-12-24,+2026-12-31")
    assert the_pilot(bot.engine).skip_dates == "2026-12-24,2026-12-31"
    assert "`skip` 2026-12-24,2026-12-31 → 2026-12-31" in answer(bot, "set skip=-2026-12-24")
    assert "days off: Thu Dec 31 (skipped), Fri Jan 1 (New Year's Day)" in answer(bot, "plan")
    answer(bot, "set skip=none")
    assert the_pilot(bot.engine).skip_dates == ""


def test_an_unchanged_value_logs_nothing(bot):
    store_pilot(bot.engine)
    assert "Nothing changed" in answer(bot, "set checkin=9:30")
    assert logged(bot.engine) == []


def test_one_bad_value_changes_nothing_and_says_the_form(bot):
    store_pilot(bot.engine)
    text = answer(bot, "set checkin=10:00 review=someday")
    assert text == (
        "`review`: 'someday' is not a review slot. Use a weekday and a time, such as"
        ' "mon 10:00". Usage: `/pilot set review="mon 10:00"`'
    )
    assert the_pilot(bot.engine).checkin_time == time(9, 30)
    assert logged(bot.engine) == []


def test_every_bad_value_gets_one_line_with_the_correct_form(bot):
    store_pilot(bot.engine)
    cases = {
        "set tz=Mars/Olympus": "Usage: `/pilot set tz=America/New_York`",
        "set checkin=25:00": "Usage: `/pilot set checkin=09:30`",
        "set review=mon": 'Usage: `/pilot set review="mon 10:00"`',
        "set holidays=XX": "Usage: `/pilot set holidays=US`",
        "set skip=+24/12/2026": "Usage: `/pilot set skip=+2026-12-24`",
        "set skip=-2026-12-24": "is not a skip date",
        "set checkins_from=evaluation": "Usage: `/pilot set checkins_from=setup`",
        "set reminder=soon": "Usage: `/pilot set reminder=14:00`",
        "set reminder=08:00": "must be later than the check-in",
        "set reminder_roles=boss": "Unknown role 'boss'",
        "set evaluation_weeks=0": "Usage: `/pilot set evaluation_weeks=1`",
        "set colour=blue": "Unknown setting `colour`",
        "set ramp=aggressive": "`ramp` is part of the plan, not a setting",
        "set weeks=8": "propose it with `/pilot change`",
        "set checkin 10:00": "`checkin` is not key=value",
        "set": "`set` needs <settings>",
    }
    for line, expected in cases.items():
        text = answer(bot, line)
        assert expected in text, (line, text)
        assert "\n" not in text, line
    assert logged(bot.engine) == []


def test_only_plan_editors_may_change_settings(bot):
    store_pilot(bot.engine, owner_id="U0001")
    text = answer(bot, "set checkin=10:00", user_id="U0002")
    assert text.startswith(
        "Only the pilot's owner, vendor-side team members, the project lead or the executive"
        " sponsor may change this pilot's settings."
    )
    assert the_pilot(bot.engine).checkin_time == time(9, 30)
    # A customer-side business lead may not; a vendor-side role or the project lead may.
    add_member(bot.engine, "U0002", "business_lead")
    assert "Only the pilot's owner" in answer(bot, "set checkin=10:00", user_id="U0002")
    add_member(bot.engine, "U0002", "technical_support")
    assert "Changed `checkin`" in answer(bot, "set checkin=10:00", user_id="U0002")
    add_member(bot.engine, "U0003", "project_lead")
    assert "Changed `checkin`" in answer(bot, "set checkin=11:00", user_id="U0003")


def test_an_ended_pilot_takes_no_settings(bot):
    store_pilot(bot.engine)
    with unit_of_work(bot.engine) as session:
        pilot = session.exec(select(Pilot)).one()
        pilot.state, pilot.state_reason = "ended", "customer chose another vendor"
    text = answer(bot, "set checkin=10:00")
    assert "has ended (customer chose another vendor)" in text
    assert "final" in text


def test_set_in_a_channel_without_a_pilot(bot):
    assert "no pilot in this channel" in answer(bot, "set checkin=10:00")


def test_help_lists_the_plan_commands(bot):
    text = answer(bot, "help")
    for usage in (
        '/pilot create ["<name>" customer=<customer>',
        "/pilot plan",
        "/pilot settings",
        "/pilot set key=value [key=value ...]`: Change settings, several at once, all or nothing:"
        " tz, checkin, review, holidays, skip, checkins_from, reminder, reminder_roles,"
        " evaluation_weeks",  # later features append their keys
        '/pilot pause reason="..."',
        "/pilot resume",
        '/pilot end reason="..."',
        "/pilot list",
    ):
        assert usage in text
