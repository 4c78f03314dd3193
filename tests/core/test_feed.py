"""The pilot's calendar as events, and as the iCalendar file apps subscribe to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar

from bot.core.cadence import DueKind, milestones
from bot.core.feed import EventKind, events_between, plan_events
from bot.documents.ics import ChannelLink, ServedEvent, calendar_ics
from tests.core.plans import make_plan

# Monday 2027-02-01, 8 weeks in New York with US holidays: week 3 begins on Presidents'
# Day (Mon Feb 15), and clocks spring forward on Sunday 2027-03-14, between week 6's
# review (Mar 8, EST) and week 7's (Mar 15, EDT).
PLAN = make_plan(
    pilot_type="business", start=date(2027, 2, 1), weeks=8, ramp="standard", holiday_country="US"
)
STAMP = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)


def _parsed(plan=PLAN, cancelled_from: datetime | None = None) -> Calendar:
    served = [
        ServedEvent(
            e, 0, STAMP, cancelled_from is not None and e.begins(plan) > cancelled_from
        )
        for e in plan_events(plan)
    ]
    ics = calendar_ics(plan=plan, pilot_id=7, link=ChannelLink("T0001", "C0001"), events=served)
    return Calendar.from_ical(ics)


def _by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(e["UID"]).split(".")[0]: e for e in calendar.walk("VEVENT")}


def test_every_review_is_at_its_wall_time_with_its_tzid_across_the_dst_change():
    events = _by_uid(_parsed())
    reviews = [e for uid, e in events.items() if uid.startswith("weekly_review")]
    assert len(reviews) == 7  # weeks 2..8
    for review in reviews:
        start, end = review.decoded("DTSTART"), review.decoded("DTEND")
        assert review["DTSTART"].params["TZID"] == "America/New_York"
        assert str(start.tzinfo) == "America/New_York"
        assert (start.time(), end - start) == (time(10, 0), timedelta(minutes=30))
    before, after = events["weekly_review-w6"], events["weekly_review-w7"]
    assert before.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 8, 15, 0, tzinfo=UTC)
    assert after.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    phase = events["phase_review-setup"]
    assert phase.decoded("DTEND") - phase.decoded("DTSTART") == timedelta(hours=1)


def test_nothing_falls_on_the_holiday_and_the_review_moves_as_the_bot_posts_it():
    calendar = _parsed()
    holiday = date(2027, 2, 15)
    days = {_day(e.decoded("DTSTART")) for e in calendar.walk("VEVENT")}
    assert holiday not in days
    events = _by_uid(calendar)
    bot_review = next(d for d in milestones(PLAN) if d.key == "weekly_review:w3")
    assert bot_review.local_date == date(2027, 2, 16)  # the cadence's own answer
    assert events["weekly_review-w3"].decoded("DTSTART") == bot_review.due_at
    # The ramp step goes on the day the bot announces it, all day.
    step = events["ramp_step-w3"]
    assert step.decoded("DTSTART") == date(2027, 2, 16)
    assert step.decoded("DTEND") == date(2027, 2, 17)
    assert str(step["SUMMARY"]) == "Acme POC: Traffic 25% → 40% (week 3)"


def test_the_end_dates_are_all_day_and_the_zone_is_described():
    calendar = _parsed()
    events = _by_uid(calendar)
    assert events["hard_end"].decoded("DTSTART") == date(2027, 3, 28)
    assert events["evaluation_end"].decoded("DTSTART") == date(2027, 4, 4)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    daylight = [str(c["TZNAME"]) for c in zone.walk("DAYLIGHT")]
    assert "EDT" in daylight  # the spring-forward of March 14 is in it
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar.to_ical().count(b"PT1H") == 2  # REFRESH-INTERVAL and X-PUBLISHED-TTL
    link = events["hard_end"]
    assert str(link["URL"]) == "https://app.slack.com/client/T0001/C0001"
    assert "slack://channel?team=T0001&id=C0001" in str(link["DESCRIPTION"])


def test_an_ended_pilots_events_to_come_are_cancelled():
    ended = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    events = _by_uid(_parsed(cancelled_from=ended))
    assert str(events["weekly_review-w4"]["STATUS"]) == "CONFIRMED"  # Feb 22: it happened
    assert str(events["weekly_review-w5"]["STATUS"]) == "CANCELLED"  # Mar 1 10:00 EST
    assert str(events["hard_end"]["STATUS"]) == "CANCELLED"


def test_the_events_are_the_cadences_milestones():
    reviews = [d for d in milestones(PLAN) if d.kind is DueKind.WEEKLY_REVIEW]
    events = [e for e in plan_events(PLAN) if e.kind is EventKind.WEEKLY_REVIEW]
    assert [(e.key, e.start) for e in events] == [(d.key, d.due_at) for d in reviews]
    skipping = make_plan(pilot_type="business", start=date(2027, 2, 1), weeks=8,
                         ramp="standard", skip_dates=[date(2027, 2, 8)])
    moved = {e.key: e.day for e in plan_events(skipping)}
    assert moved["weekly_review:w2"] == date(2027, 2, 9)
    week = events_between(
        PLAN, datetime(2027, 2, 15, 5, 0, tzinfo=UTC), datetime(2027, 2, 22, 5, 0, tzinfo=UTC)
    )
    assert [e.key for e in week] == ["ramp_step:w3", "weekly_review:w3"]


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]
