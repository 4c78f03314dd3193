"""The settings table: every key parses, shows, and changes all-or-nothing."""

from datetime import date, time

import pytest

from bot.core.grammar import UsageError
from bot.core.phases import Phase
from bot.core.pilot_settings import PilotSettings
from bot.core.roles import Role
from bot.core.setting_changes import apply_settings, parse_assignments
from bot.core.settings_table import SETTINGS, SETTINGS_BY_KEY, parse_skip_dates
from tests.core.plans import make_plan

ISSUE_KEYS = [
    "tz",
    "checkin",
    "review",
    "holidays",
    "skip",
    "checkins_from",
    "reminder",
    "reminder_roles",
    "evaluation_weeks",
    # the escalation timer (issue 5)
    "escalation_critical",
    "escalation_major",
    "escalation_minor",
    "business_hours",
    "ack_pauses_escalation",
]


@pytest.fixture
def current():
    return PilotSettings(plan=make_plan())


def test_the_table_has_every_key_of_the_issue_in_order():
    assert [s.key for s in SETTINGS] == ISSUE_KEYS


def test_every_example_parses_and_every_shown_value_parses_back(current):
    for setting in SETTINGS:
        new, _ = apply_settings(current, {setting.key: setting.example})
        again, changes = apply_settings(new, {setting.key: setting.show(new)})
        assert changes == [] and again == new, setting.key
        shown_default = apply_settings(current, {setting.key: setting.show(current)})
        assert shown_default == (current, []), setting.key
        assert setting.description.endswith(".")
        assert setting.usage.startswith(f"/pilot set {setting.key}=")


def test_current_values_are_shown_in_settable_form(current):
    shown = {s.key: s.show(current) for s in SETTINGS}
    assert shown == {
        "tz": "America/New_York",
        "checkin": "09:30",
        "review": "mon 10:00",
        "holidays": "US",
        "skip": "none",
        "checkins_from": "soft_launch",
        "reminder": "default (13:30, check-in + 4 h)",
        "reminder_roles": "project_lead,implementation_lead",
        "evaluation_weeks": "1",
        "escalation_critical": "4h 24h 48h",
        "escalation_major": "4h 24h 48h",
        "escalation_minor": "4h 24h 48h",
        "business_hours": "none",
        "ack_pauses_escalation": "no",
    }


def test_several_keys_at_once(current):
    new, changes = apply_settings(
        current,
        {
            "tz": "europe/berlin",
            "checkin": "10:00",
            "review": "thu 15:30",
            "holidays": "de",
            "skip": "2026-12-24,2026-12-31",
            "checkins_from": "setup",
            "reminder": "16:00",
            "reminder_roles": "project_lead, account_owner",
            "evaluation_weeks": "2",
        },
    )
    plan = new.plan
    assert plan.tz == "Europe/Berlin"
    assert plan.checkin == time(10, 0)
    assert (plan.review_weekday, plan.review_time) == (3, time(15, 30))
    assert plan.holiday_country == "DE"
    assert plan.skip_dates == {date(2026, 12, 24), date(2026, 12, 31)}
    assert plan.checkins_from is Phase.SETUP
    assert plan.reminder == time(16, 0)
    assert new.reminder_roles == (Role.PROJECT_LEAD, Role.ACCOUNT_OWNER)
    assert plan.evaluation_weeks == 2
    assert [c.summary for c in changes][:3] == [
        "tz: America/New_York -> Europe/Berlin",
        "checkin: 09:30 -> 10:00",
        "review: mon 10:00 -> thu 15:30",
    ]
    assert len(changes) == 9
    # The plan's own fields are untouched.
    assert (plan.name, plan.start, plan.weeks, plan.ramp) == (
        "Acme POC",
        date(2026, 12, 7),
        6,
        current.plan.ramp,
    )


def test_an_unchanged_value_is_not_a_change(current):
    new, changes = apply_settings(current, {"checkin": "9:30"})
    assert new == current and changes == []


def test_one_bad_value_changes_nothing_and_names_key_and_form(current):
    with pytest.raises(UsageError) as caught:
        apply_settings(current, {"checkin": "10:00", "review": "someday 10:00"})
    assert caught.value.message.startswith("`review`: 'someday' is not a weekday.")
    assert caught.value.usage == '/pilot set review="mon 10:00"'


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("tz", "Mars/Base", "Unknown timezone"),
        ("checkin", "25:00", "HH:MM"),
        ("holidays", "ZZ", "country code"),
        ("skip", "+2026-13-01", "YYYY-MM-DD"),
        ("skip", "+2026-12-24,2026-12-31", "not both"),
        ("skip", "-2026-12-24", "is not a skip date"),
        ("checkins_from", "evaluation", "soft_launch or setup"),
        ("checkins_from", "whenever", "Unknown phase"),
        ("reminder", "later", "HH:MM"),
        ("reminder_roles", "boss", "Unknown role 'boss'"),
        ("reminder_roles", ",", "at least one role"),
        ("evaluation_weeks", "9", "1 to 8"),
    ],
)
def test_bad_values(current, key, value, words):
    with pytest.raises(UsageError, match=words) as caught:
        apply_settings(current, {key: value})
    assert caught.value.usage == SETTINGS_BY_KEY[key].usage
    assert "\n" not in caught.value.message


def test_a_rule_across_keys_sees_the_final_values(current):
    reminded = apply_settings(current, {"reminder": "12:00"})[0]
    # Alone, a 13:00 check-in would come after the 12:00 reminder ...
    with pytest.raises(UsageError, match=r"reminder \(12:00\) must be later than the check-in"):
        apply_settings(reminded, {"checkin": "13:00"})
    # ... but moved together both are fine, in either order.
    new, _ = apply_settings(reminded, {"checkin": "13:00", "reminder": "15:00"})
    assert (new.plan.checkin, new.plan.reminder) == (time(13, 0), time(15, 0))


def test_reminder_default_follows_the_checkin(current):
    reminded = apply_settings(current, {"reminder": "15:00"})[0]
    back, changes = apply_settings(reminded, {"reminder": "default"})
    assert back.plan.reminder is None
    assert changes[0].summary == "reminder: 15:00 -> default (13:30, check-in + 4 h)"


def test_unknown_and_empty():
    current = PilotSettings(plan=make_plan())
    with pytest.raises(UsageError, match="Unknown setting `colour`") as caught:
        apply_settings(current, {"colour": "blue"})
    assert "checkin" in caught.value.message
    with pytest.raises(UsageError, match="`ramp` is part of the plan, not a setting") as caught:
        apply_settings(current, {"ramp": "aggressive"})
    assert caught.value.usage.startswith("/pilot change")
    with pytest.raises(UsageError, match="at least one key=value"):
        apply_settings(current, {})


def test_skip_date_edits():
    xmas, nye = date(2026, 12, 24), date(2026, 12, 31)
    assert parse_skip_dates("+2026-12-24", frozenset()) == {xmas}
    assert parse_skip_dates("+2026-12-24,+2026-12-31", frozenset({xmas})) == {xmas, nye}
    assert parse_skip_dates("-2026-12-24", frozenset({xmas, nye})) == {nye}
    assert parse_skip_dates("2026-12-31", frozenset({xmas})) == {nye}
    assert parse_skip_dates("none", frozenset({xmas})) == frozenset()


def test_assignments_from_a_line():
    assert parse_assignments('checkin=10:00 review="thu 15:00"  Skip=+2026-12-24') == {
        "checkin": "10:00",
        "review": "thu 15:00",
        "skip": "+2026-12-24",
    }
    assert parse_assignments("reminder=") == {"reminder": ""}
    for bad, words in (
        ("checkin 10:00", "`checkin` is not key=value"),
        ('"checkin=10:00"', "is not key=value"),
        ("checkin=10:00 checkin=11:00", "given twice"),
        ("", "at least one"),
    ):
        with pytest.raises(UsageError, match=words):
            parse_assignments(bad)
