"""The reviews' core: values against targets, trends, early warnings, ramp steps and
holds, checklists and what the record can answer."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.core.checklists import (
    OpenFlags,
    checklist,
    post_pilot_answers,
    record_answers,
    ticked_items,
)
from bot.core.criteria import (
    Criterion,
    Reading,
    Standing,
    Trend,
    early_warnings,
    parse_measurement,
    progress,
)
from bot.core.errors import DomainError
from bot.core.phases import Phase
from bot.core.reviews import review_before
from bot.core.traffic import Confirmation, Hold, RampStep, held_ramp, ramp_steps, traffic
from tests.helpers import acme_plan

RATE = Criterion(id=1, number=1, name="Containment rate", target_text=">= 60%")
LATENCY = Criterion(id=2, number=2, name="Latency", target_text="under 2 s")
FEEL = Criterion(id=3, number=3, name="Happy users", target_text="high")


def reading(criterion: Criterion, value: str, day: int) -> Reading:
    return Reading(
        criterion.id, Decimal(value), value, datetime(2026, 12, day, 15, tzinfo=UTC), "U1"
    )


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("62", "62"),
        ("62%", "62"),
        (" 62.5 % ", "62.5"),
        ("1.8 s", "1.8"),
        ("$10,000", "10000"),
        ("4.5/5", "4.5"),
        ("-3", "-3"),
        (".5", ".5"),
    ],
)
def test_measurements_that_parse(typed, value):
    assert parse_measurement(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "fast", "about 60", "60 < 70", "1,00"])
def test_measurements_refused_with_the_form_to_use(typed):
    with pytest.raises(DomainError, match="is not a value; give a number in the target's unit"):
        parse_measurement(typed)


def test_progress_is_the_latest_value_as_of_an_instant_with_its_trend():
    readings = [reading(RATE, "52", 14), reading(RATE, "58", 21), reading(RATE, "63", 28)]
    on_22 = progress(RATE, readings, datetime(2026, 12, 22, tzinfo=UTC))
    assert (on_22.latest.value, on_22.previous.value) == (Decimal(58), Decimal(52))
    assert (on_22.standing, on_22.trend, on_22.toward_target) == (Standing.BELOW, Trend.UP, True)
    on_29 = progress(RATE, readings, datetime(2026, 12, 29, tzinfo=UTC))
    assert on_29.standing is Standing.MET
    before = progress(RATE, readings, datetime(2026, 12, 1, tzinfo=UTC))
    assert (before.standing, before.trend) == (Standing.NO_VALUE, None)


def test_a_lower_latency_moves_toward_an_under_target():
    readings = [reading(LATENCY, "2.6", 14), reading(LATENCY, "2.2", 21)]
    found = progress(LATENCY, readings, datetime(2026, 12, 22, tzinfo=UTC))
    assert (found.trend, found.toward_target, found.standing) == (Trend.DOWN, True, Standing.BELOW)
    unreadable = progress(FEEL, [], datetime(2026, 12, 22, tzinfo=UTC))
    assert unreadable.standing is Standing.NOT_MEASURABLE


def test_an_early_warning_needs_two_reviews_below_target_in_a_row():
    plan = acme_plan()
    w3 = datetime(2026, 12, 21, 15, tzinfo=UTC)
    w4 = datetime(2026, 12, 28, 15, tzinfo=UTC)
    assert review_before(plan, w4).due_at == w3
    assert review_before(plan, datetime(2026, 12, 14, 15, tzinfo=UTC)) is None
    once = [reading(RATE, "58", 22)]
    assert early_warnings([RATE], once, this_review=w4, previous_review=w3) == []
    twice = [reading(RATE, "58", 15), reading(RATE, "61", 22), reading(RATE, "55", 23)]
    assert early_warnings([RATE], twice, this_review=w4, previous_review=w3) == [RATE]
    recovered = [reading(RATE, "58", 15), reading(RATE, "60", 23)]
    assert early_warnings([RATE], recovered, this_review=w4, previous_review=w3) == []
    # One old value carried into a second review is not a second measurement below target.
    stale = [reading(RATE, "52", 14)]
    assert early_warnings([RATE], stale, this_review=w4, previous_review=w3) == []


def test_ramp_steps_are_announced_on_the_first_workday_of_their_week():
    assert ramp_steps(acme_plan()) == [
        RampStep(week=2, from_pct=10, to_pct=25, on=date(2026, 12, 14)),
        RampStep(week=3, from_pct=25, to_pct=40, on=date(2026, 12, 21)),
        RampStep(week=4, from_pct=40, to_pct=50, on=date(2026, 12, 28)),
    ]


def test_hold_puts_the_step_off_a_week():
    plan = acme_plan()
    assert held_ramp(plan, 3).name == "10,25,25,40,50,50"
    assert held_ramp(plan, 4).name == "10,25,40,40,50,50"
    with pytest.raises(DomainError):
        held_ramp(plan, 1)


def test_traffic_planned_confirmed_unconfirmed_and_held():
    plan = acme_plan()
    monday_w3 = datetime(2026, 12, 21, 16, tzinfo=UTC)
    confirmed = [Confirmation(2, 25, "U3", datetime(2026, 12, 14, 15, tzinfo=UTC))]
    found = traffic(plan, monday_w3, confirmed, None)
    assert (found.planned, found.confirmed, found.unconfirmed.week) == (40, confirmed[0], 3)
    assert found.next_step.week == 4
    hold = Hold(Phase.SOFT_LAUNCH, 25, datetime(2026, 12, 18, 15, tzinfo=UTC), "U2")
    held = traffic(plan, monday_w3, confirmed, hold)
    assert (held.unconfirmed, held.next_step, held.hold) == (None, None, hold)


def test_the_record_answers_the_exit_criteria_it_can():
    plan_progress = [progress(RATE, [reading(RATE, "58", 14)], datetime(2026, 12, 18, tzinfo=UTC))]
    friday = datetime(2026, 12, 18, tzinfo=UTC)
    soft = record_answers(Phase.SOFT_LAUNCH, plan_progress, None, as_of=friday)
    assert (soft["e1"].holds, soft["e1"].note) == (None, "unknown: there is no issue log yet")
    assert (soft["e2"].holds, soft["e2"].note) == (
        True,
        "every success criterion has a value from the last 7 days",
    )
    # A value older than a week says the tracking stopped, whoever recorded it.
    later = record_answers(
        Phase.SOFT_LAUNCH, plan_progress, None, as_of=friday + timedelta(days=10)
    )
    assert (later["e2"].holds, later["e2"].note) == (
        False,
        "no value recorded in the last 7 days for C-1",
    )
    flagged = record_answers(
        Phase.EXPANDED, plan_progress, OpenFlags(critical=0, major=2), as_of=friday
    )
    assert (flagged["e2"].holds, flagged["e2"].note) == (False, "2 major flags open")
    assert flagged["e1"].holds is None  # one value: no trend yet
    assert record_answers(Phase.SETUP, plan_progress, None, as_of=friday) == {}


def test_the_teams_ticks_win_over_the_records_answers():
    items = checklist("soft_launch")
    assert [i.key for i in items] == ["d1", "d2", "d3", "e1", "e2", "e3"]
    answers = record_answers(
        Phase.SOFT_LAUNCH,
        [progress(RATE, [reading(RATE, "58", 14)], datetime(2026, 12, 18, tzinfo=UTC))],
        OpenFlags(),
        as_of=datetime(2026, 12, 18, tzinfo=UTC),
    )
    assert ticked_items(items, {}, answers) == {"e1", "e2"}
    assert ticked_items(items, {"e1": False, "d1": True}, answers) == {"d1", "e2"}
    post = checklist("post_pilot")
    assert [i.label for i in post][3] == "Lessons learned"
    assert ticked_items(post, {}, post_pilot_answers(2)) == {"p4"}
