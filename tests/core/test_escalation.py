"""The escalation policy: steps, roles, delays per severity, business hours, snooze,
acknowledgement and fall-through, against hand-written instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.errors import DomainError
from bot.core.escalation import EscalationStep, Severity, recipients
from bot.core.escalation_policy import (
    DEFAULT_DELAYS,
    BusinessHours,
    EscalationDelays,
    EscalationPolicy,
    EscalationSettings,
    advance,
)
from bot.core.escalation_timer import (
    DueStep,
    EscalationState,
    deadline,
    due_steps,
    next_deadline,
    upcoming,
)
from bot.core.roles import Role
from bot.core.spans import describe_span, format_span, parse_span
from tests.core.plans import make_plan

S = EscalationStep
NY = make_plan()  # America/New_York, US holidays
HOURS = EscalationPolicy(business_hours=BusinessHours(time(9), time(18)))
CALENDAR = EscalationPolicy()
FRESH = EscalationState()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def deadlines(policy, raised_at, state=FRESH, plan=NY) -> dict[S, datetime]:
    return {due.step: due.due_at for due in upcoming(policy, raised_at, state, plan)}


# ----- steps and roles ----------------------------------------------------------------------


def test_the_framework_path_and_who_each_step_goes_to():
    assert [(step.audience, step.roles) for step in EscalationStep] == [
        (
            "the technical team",
            (Role.TECHNICAL_LEAD, Role.IMPLEMENTATION_LEAD, Role.TECHNICAL_SUPPORT),
        ),
        ("the project leads", (Role.PROJECT_LEAD, Role.IMPLEMENTATION_LEAD)),
        ("the account owner", (Role.ACCOUNT_OWNER,)),
        ("the executives", (Role.EXECUTIVE_SPONSOR, Role.EXECUTIVE)),
    ]
    assert [step.in_thread for step in EscalationStep] == [True, False, False, False]
    assert [CALENDAR.due_after(step) for step in EscalationStep] == [
        timedelta(0),
        timedelta(hours=4),
        timedelta(hours=24),
        timedelta(hours=48),
    ]


def test_default_deadlines_in_calendar_hours():
    # Monday 2026-12-14 10:00 in New York.
    assert deadlines(CALENDAR, utc(2026, 12, 14, 15)) == {
        S.TECHNICAL_TEAM: utc(2026, 12, 14, 15),
        S.PROJECT_LEADS: utc(2026, 12, 14, 19),
        S.ACCOUNT_OWNER: utc(2026, 12, 15, 15),
        S.EXECUTIVES: utc(2026, 12, 16, 15),
    }


def test_calendar_hours_run_through_the_weekend_and_the_night():
    # Friday 2026-12-11 16:00 EST: the executives hear on Sunday afternoon.
    assert deadlines(CALENDAR, utc(2026, 12, 11, 21)) == {
        S.TECHNICAL_TEAM: utc(2026, 12, 11, 21),
        S.PROJECT_LEADS: utc(2026, 12, 12, 1),
        S.ACCOUNT_OWNER: utc(2026, 12, 12, 21),
        S.EXECUTIVES: utc(2026, 12, 13, 21),
    }


def test_calendar_hours_across_the_spring_forward_change():
    # Saturday 2027-03-13 12:00 EST; clocks go 02:00 -> 03:00 on Sunday 2027-03-14.
    # 24 elapsed hours later the wall clock shows 13:00 EDT, not 12:00.
    raised = utc(2027, 3, 13, 17)
    found = deadlines(CALENDAR, raised)
    assert found[S.ACCOUNT_OWNER] == utc(2027, 3, 14, 17)
    assert found[S.ACCOUNT_OWNER].astimezone(NY.zone).strftime("%H:%M %Z") == "13:00 EDT"
    assert found[S.EXECUTIVES] == utc(2027, 3, 15, 17)
    # Raised late on Saturday: four hours later is 04:30 EDT (the wall shows five).
    late = deadlines(CALENDAR, utc(2027, 3, 14, 4, 30))
    assert late[S.PROJECT_LEADS].astimezone(NY.zone).isoformat() == "2027-03-14T04:30:00-04:00"


# ----- business hours ---------------------------------------------------------------------


def test_business_hours_skip_the_weekend():
    # Friday 2026-12-11 16:00 EST: 2 working hours left on Friday.
    assert deadlines(HOURS, utc(2026, 12, 11, 21)) == {
        S.TECHNICAL_TEAM: utc(2026, 12, 11, 21),  # at once, in the thread
        S.PROJECT_LEADS: utc(2026, 12, 14, 16),  # Mon 11:00 EST (2 h Fri + 2 h Mon)
        S.ACCOUNT_OWNER: utc(2026, 12, 16, 18),  # Wed 13:00 (2 + 9 + 9 + 4)
        S.EXECUTIVES: utc(2026, 12, 21, 15),  # next Mon 10:00 (2 + 5 x 9 + 1)
    }


def test_a_deadline_outside_business_hours_moves_to_the_next_working_morning():
    # Raised at 08:00 on Monday: counting starts at 09:00.
    assert deadlines(HOURS, utc(2026, 12, 14, 13))[S.PROJECT_LEADS] == utc(2026, 12, 14, 18)
    # Raised on Saturday night: counting starts on Monday morning.
    assert deadlines(HOURS, utc(2026, 12, 13, 3))[S.PROJECT_LEADS] == utc(2026, 12, 14, 18)
    # One working hour from 17:00 is 18:00, the end of the day, not the next morning.
    one = EscalationPolicy(
        EscalationDelays(timedelta(hours=1), timedelta(hours=2), timedelta(hours=3)),
        HOURS.business_hours,
    )
    found = deadlines(one, utc(2026, 12, 14, 22))
    assert found[S.PROJECT_LEADS] == utc(2026, 12, 14, 23)  # 18:00 EST
    assert found[S.ACCOUNT_OWNER] == utc(2026, 12, 15, 15)  # Tue 10:00


def test_business_hours_skip_holidays_and_skip_dates():
    # Thursday 2026-12-24 17:00 EST; Friday is Christmas, then the weekend.
    raised = utc(2026, 12, 24, 22)
    assert deadlines(HOURS, raised)[S.PROJECT_LEADS] == utc(2026, 12, 28, 17)  # Mon 12:00
    # With Monday the 28th a skip date too, Tuesday.
    skipping = make_plan(skip_dates=[date(2026, 12, 28)])
    assert deadlines(HOURS, raised, plan=skipping)[S.PROJECT_LEADS] == utc(2026, 12, 29, 17)
    # Without a holiday country, Christmas Day is a workday.
    plain = make_plan(holiday_country=None)
    assert deadlines(HOURS, raised, plan=plain)[S.PROJECT_LEADS] == utc(2026, 12, 25, 17)


def test_business_hours_across_the_spring_forward_change():
    # Friday 2027-03-12 16:00 EST; Monday is on EDT, so 11:00 there is 15:00 UTC.
    found = deadlines(HOURS, utc(2027, 3, 12, 21))
    assert found[S.PROJECT_LEADS] == utc(2027, 3, 15, 15)
    assert found[S.PROJECT_LEADS].astimezone(NY.zone).isoformat() == "2027-03-15T11:00:00-04:00"
    assert found[S.ACCOUNT_OWNER] == utc(2027, 3, 17, 17)  # Wed 13:00 EDT


def test_business_hours_in_another_timezone():
    berlin = make_plan(tz="Europe/Berlin", holiday_country="DE")
    # Thursday 2026-12-24 17:00 in Berlin; Dec 25 and 26 are German holidays, then Sunday.
    raised = utc(2026, 12, 24, 16)
    assert deadlines(HOURS, raised, plan=berlin)[S.PROJECT_LEADS] == utc(2026, 12, 28, 11)


def test_advance_never_returns_a_local_time():
    found = advance(datetime(2026, 12, 14, 10, tzinfo=NY.zone), timedelta(hours=4), HOURS, NY)
    assert found.tzinfo is UTC and found == utc(2026, 12, 14, 19)


# ----- what is due ------------------------------------------------------------------------


def test_due_steps_are_the_ones_whose_time_has_come_in_order():
    raised = utc(2026, 12, 14, 15)
    start = EscalationState()
    assert due_steps(CALENDAR, raised, start, raised, NY) == [DueStep(S.TECHNICAL_TEAM, raised)]
    after_first = start.done(S.TECHNICAL_TEAM)
    assert due_steps(CALENDAR, raised, after_first, utc(2026, 12, 14, 18, 59), NY) == []
    assert due_steps(CALENDAR, raised, after_first, utc(2026, 12, 14, 19), NY) == [
        DueStep(S.PROJECT_LEADS, utc(2026, 12, 14, 19))
    ]
    # The bot was down from before the 24 h deadline until after the 48 h one.
    state = after_first.done(S.PROJECT_LEADS)
    now = utc(2026, 12, 17, 17)
    overdue = due_steps(CALENDAR, raised, state, now, NY)
    assert overdue == [
        DueStep(S.ACCOUNT_OWNER, utc(2026, 12, 15, 15)),
        DueStep(S.EXECUTIVES, utc(2026, 12, 16, 15)),
    ]
    assert [due.late_by(now) for due in overdue] == [timedelta(hours=50), timedelta(hours=26)]
    assert next_deadline(CALENDAR, raised, state, NY) == overdue[0]
    assert next_deadline(CALENDAR, raised, state.done(S.EXECUTIVES), NY) is None


def test_resolve_and_the_end_of_the_pilot_stop_the_path():
    raised = utc(2026, 12, 14, 15)
    state = EscalationState(last_step=S.ACCOUNT_OWNER)
    later = utc(2026, 12, 20)
    assert due_steps(CALENDAR, raised, state, later, NY) == [
        DueStep(S.EXECUTIVES, utc(2026, 12, 16, 15))
    ]
    resolved = EscalationState(last_step=S.ACCOUNT_OWNER, resolved=True)
    assert due_steps(CALENDAR, raised, resolved, later, NY) == []
    assert resolved.halted(CALENDAR) == "resolved"
    ended = EscalationState(last_step=S.ACCOUNT_OWNER, pilot_ended=True)
    assert next_deadline(CALENDAR, raised, ended, NY) is None
    assert ended.halted(CALENDAR) == "the pilot ended"


def test_acknowledge_does_not_stop_the_path_unless_the_policy_says_it_pauses():
    raised = utc(2026, 12, 14, 15)
    acked = EscalationState(last_step=S.TECHNICAL_TEAM, acknowledged=True)
    assert acked.halted(CALENDAR) is None
    assert next_deadline(CALENDAR, raised, acked, NY) == DueStep(
        S.PROJECT_LEADS, utc(2026, 12, 14, 19)
    )
    pausing = EscalationPolicy(ack_pauses=True)
    assert next_deadline(pausing, raised, acked, NY) is None
    assert acked.halted(pausing) == "paused by the acknowledgement (ack_pauses_escalation=yes)"
    assert due_steps(pausing, raised, acked, utc(2026, 12, 30), NY) == []


def test_snooze_delays_every_remaining_step():
    raised = utc(2026, 12, 14, 15)
    state = EscalationState(last_step=S.PROJECT_LEADS).snooze(timedelta(hours=4))
    assert deadlines(CALENDAR, raised, state) == {
        S.ACCOUNT_OWNER: utc(2026, 12, 15, 19),
        S.EXECUTIVES: utc(2026, 12, 16, 19),
    }
    twice = state.snooze(timedelta(minutes=30))
    assert deadline(CALENDAR, S.EXECUTIVES, raised, twice, NY) == utc(2026, 12, 16, 19, 30)
    with pytest.raises(DomainError, match="1 minute to 14 days"):
        state.snooze(timedelta(days=15))


def test_snooze_counts_working_hours_under_business_hours():
    # Project leads due Monday 2026-12-14 13:00 EST; 6 working hours later is Tuesday 10:00.
    raised = utc(2026, 12, 14, 14)  # 09:00 EST
    state = EscalationState(last_step=S.TECHNICAL_TEAM).snooze(timedelta(hours=6))
    assert deadline(HOURS, S.PROJECT_LEADS, raised, state, NY) == utc(2026, 12, 15, 15)


# ----- policies per severity ------------------------------------------------------------------


def test_policies_per_severity():
    settings = EscalationSettings(critical=EscalationDelays.parse("1h 4h 8h"))
    critical = settings.policy_for(Severity.CRITICAL)
    assert settings.policy_for(Severity.MAJOR) == EscalationPolicy()
    assert settings.policy_for(Severity.MINOR).delays == DEFAULT_DELAYS
    assert deadlines(critical, utc(2026, 12, 14, 15)) == {
        S.TECHNICAL_TEAM: utc(2026, 12, 14, 15),
        S.PROJECT_LEADS: utc(2026, 12, 14, 16),
        S.ACCOUNT_OWNER: utc(2026, 12, 14, 19),
        S.EXECUTIVES: utc(2026, 12, 14, 23),
    }


def test_the_policy_frozen_on_a_flag_reads_back_the_same():
    policies = [
        EscalationPolicy(),
        EscalationPolicy(EscalationDelays.parse("1h 4h 8h"), BusinessHours(time(8), time(17))),
        EscalationPolicy(EscalationDelays.parse("30m 1h30m 2d"), None, ack_pauses=True),
    ]
    assert [p.encode() for p in policies] == [
        "4h 24h 48h",
        "1h 4h 8h hours=08:00-17:00",
        "30m 1h30m 48h ack=pauses",
    ]
    for policy in policies:
        assert EscalationPolicy.decode(policy.encode()) == policy
    assert CALENDAR.clock == "calendar hours"
    assert HOURS.clock == "working hours (09:00-18:00 on workdays)"


def test_delays_parse_and_show():
    assert EscalationDelays.parse("1h 4h 8h") == EscalationDelays(
        timedelta(hours=1), timedelta(hours=4), timedelta(hours=8)
    )
    assert EscalationDelays.parse(" 1h, 4h,8h ").format() == "1h 4h 8h"
    assert EscalationDelays.parse("90m 1d 2d").format() == "1h30m 24h 48h"
    assert DEFAULT_DELAYS.format() == "4h 24h 48h"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("4h 24h", "is not three delays"),
        ("4h 24h 48h 96h", "is not three delays"),
        ("4h 2h 48h", "later than the one before"),
        ("4h 4h 48h", "later than the one before"),
        ("0m 4h 8h", "1 minute to 30 days"),
        ("4h 24h 31d", "1 minute to 30 days"),
        ("4 24 48", "is not a length of time"),
        ("4x 24h 48h", "is not a length of time"),
    ],
)
def test_bad_delays_are_refused_with_the_form(text, problem):
    with pytest.raises(DomainError, match=problem):
        EscalationDelays.parse(text)


def test_spans():
    assert parse_span("4h") == timedelta(hours=4)
    assert parse_span("30m") == parse_span("30 min") == timedelta(minutes=30)
    assert parse_span("1h30m") == parse_span("1 hour 30 minutes") == timedelta(minutes=90)
    assert parse_span("2d") == parse_span("2 days") == timedelta(days=2)
    for bad in ("", "h", "4", "-4h", "4h-", "four hours"):
        with pytest.raises(DomainError, match="30m, 4h or 2d"):
            parse_span(bad)
    assert [format_span(parse_span(t)) for t in ("4h", "30m", "90m", "2d")] == [
        "4h",
        "30m",
        "1h30m",
        "48h",
    ]
    assert [
        describe_span(timedelta(minutes=m)) for m in (0, 45, 60, 90, 600, 26 * 60, 75 * 60)
    ] == ["0 min", "45 min", "1 h", "1 h 30 min", "10 h", "26 h", "3 d 3 h"]


def test_business_hours_parse_and_show():
    assert BusinessHours.parse("09:00-18:00") == BusinessHours(time(9), time(18))
    assert BusinessHours.parse("9am - 6pm") == BusinessHours(time(9), time(18))
    assert BusinessHours.parse("08:30 to 17:00") == BusinessHours(time(8, 30), time(17))
    for calendar in ("none", "off", "calendar", "none (calendar hours)"):
        assert BusinessHours.parse(calendar) is None
    with pytest.raises(DomainError, match="must start before they end"):
        BusinessHours.parse("18:00-09:00")
    with pytest.raises(DomainError, match="HH:MM-HH:MM"):
        BusinessHours.parse("nine to five")
    with pytest.raises(DomainError, match="HH:MM-HH:MM"):
        BusinessHours.parse("09:00")


def test_severity_parses():
    assert Severity.parse(" Critical ") is Severity.CRITICAL
    with pytest.raises(DomainError, match="critical, major or minor"):
        Severity.parse("urgent")


# ----- fall-through ---------------------------------------------------------------------------

TEAM = [
    ("U1", Role.TECHNICAL_LEAD),
    ("U2", Role.IMPLEMENTATION_LEAD),
    ("U3", Role.PROJECT_LEAD),
    ("U4", Role.ACCOUNT_OWNER),
    ("U5", Role.EXECUTIVE_SPONSOR),
    ("U6", Role.EXECUTIVE),
    ("U7", Role.TECHNICAL_SUPPORT),
    ("U8", Role.BUSINESS_LEAD),
]


def test_each_step_goes_to_its_roles():
    found = {step: recipients(step, TEAM, "U0") for step in EscalationStep}
    assert {step: r.users for step, r in found.items()} == {
        S.TECHNICAL_TEAM: ("U1", "U2", "U7"),
        S.PROJECT_LEADS: ("U3", "U2"),
        S.ACCOUNT_OWNER: ("U4",),
        S.EXECUTIVES: ("U5", "U6"),
    }
    assert not any(r.fell_through or r.unassigned for r in found.values())


def test_someone_holding_two_roles_of_a_step_is_told_once():
    team = [("U2", Role.PROJECT_LEAD), ("U2", Role.IMPLEMENTATION_LEAD)]
    assert recipients(S.PROJECT_LEADS, team, "U0").users == ("U2",)


def test_a_role_nobody_holds_falls_through_to_the_next_role_up():
    no_owner = [pair for pair in TEAM if pair[1] is not Role.ACCOUNT_OWNER]
    found = recipients(S.ACCOUNT_OWNER, no_owner, "U0")
    assert (found.goes_to, found.users, found.unassigned) == (
        S.EXECUTIVES,
        ("U5", "U6"),
        (Role.ACCOUNT_OWNER,),
    )
    assert found.fell_through
    # The executives step itself still goes to the executives.
    assert recipients(S.EXECUTIVES, no_owner, "U0").users == ("U5", "U6")


def test_a_partly_held_step_stays_with_its_people_and_names_the_missing_role():
    found = recipients(S.EXECUTIVES, [("U6", Role.EXECUTIVE)], "U0")
    assert (found.goes_to, found.users, found.unassigned) == (
        S.EXECUTIVES,
        ("U6",),
        (Role.EXECUTIVE_SPONSOR,),
    )


def test_with_nobody_from_there_up_the_pilots_owner_is_told():
    found = recipients(S.ACCOUNT_OWNER, [("U1", Role.TECHNICAL_LEAD)], "U0")
    assert (found.goes_to, found.users, found.unassigned) == (None, ("U0",), (Role.ACCOUNT_OWNER,))
    empty = recipients(S.TECHNICAL_TEAM, [], "U0")
    assert (empty.goes_to, empty.users) == (None, ("U0",))
    assert empty.unassigned == S.TECHNICAL_TEAM.roles
