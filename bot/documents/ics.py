"""A pilot's calendar as an iCalendar file (RFC 5545), for calendar apps to subscribe to.

Built with the `icalendar` package: it folds long lines, escapes text, writes each
event's TZID and the VTIMEZONE of the pilot's zone (from the same tz database the bot
computes wall times with), so an app shows 10:00 in New York on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from icalendar.prop import vDuration

from bot.core.feed import PlanEvent
from bot.core.plan import Plan

PRODUCT = "-//pilot-bot//pilot calendar//EN"
REFRESH = timedelta(hours=1)  # a hint only: Google Calendar refreshes on its own schedule


@dataclass(frozen=True)
class ServedEvent:
    """An event as the feed serves it: its SEQUENCE, the time that version came to be,
    and whether it is cancelled (an ended pilot's events still to come)."""

    event: PlanEvent
    sequence: int
    changed_at: datetime  # aware
    cancelled: bool


@dataclass(frozen=True)
class ChannelLink:
    """Where an event links back to: the pilot's channel, in the Slack app and on the web."""

    team_id: str
    channel_id: str

    @property
    def app(self) -> str:
        return f"slack://channel?team={self.team_id}&id={self.channel_id}"

    @property
    def web(self) -> str:
        return f"https://app.slack.com/client/{self.team_id}/{self.channel_id}"


def uid_of(event: PlanEvent, *, pilot_id: int, team_id: str) -> str:
    """Stable for the life of the event: the same review keeps it when it moves."""
    return f"{event.key.replace(':', '-')}.{pilot_id}.{team_id}@pilot-bot"


def calendar_ics(
    *,
    plan: Plan,
    pilot_id: int,
    link: ChannelLink,
    events: Sequence[ServedEvent],
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{plan.name} ({plan.customer}) pilot")
    calendar.add("x-wr-timezone", plan.tz)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # Outlook's older hint
    for served in events:
        calendar.add_component(_event(plan, pilot_id, link, served))
    calendar.add_missing_timezones(
        first_date=plan.start - timedelta(days=1),
        last_date=plan.evaluation_end_date + timedelta(days=2),
    )
    return bytes(calendar.to_ical())


def _event(plan: Plan, pilot_id: int, link: ChannelLink, served: ServedEvent) -> Event:
    event, entry = served.event, Event()
    entry.add("uid", uid_of(event, pilot_id=pilot_id, team_id=link.team_id))
    entry.add("summary", f"{plan.name}: {event.title}")
    if event.start is not None:
        entry.add("dtstart", event.start)
        entry.add("dtend", event.end)
    else:
        entry.add("dtstart", event.day)
        entry.add("dtend", event.day + timedelta(days=1))
        entry.add("transp", "TRANSPARENT")  # a date to know, not time taken
    entry.add("dtstamp", served.changed_at)
    entry.add("last-modified", served.changed_at)
    entry.add("sequence", served.sequence)
    entry.add("status", "CANCELLED" if served.cancelled else "CONFIRMED")
    entry.add("url", link.web)
    entry.add(
        "description",
        f"{plan.name} · {plan.customer}. In the pilot's Slack channel: {link.app}"
        f" (in a browser: {link.web}).",
    )
    return entry
