"""HTTP paths for what lives outside Slack: calendar apps read a pilot's calendar
(``GET /calendar/<token>.ics``) and monitoring pushes metrics (``POST /api/v1/metrics``,
``.../alertmanager``, ``.../grafana``; see bot/intake.py). Served by `pilot-bot serve`
beside ``/slack/events``; Socket Mode serves no HTTP, so it has none of them."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.app import Services
from bot.core.feed import PlanEvent, plan_events
from bot.core.lifecycle import PilotState
from bot.core.plan import Plan
from bot.documents.ics import ChannelLink, ServedEvent, calendar_ics, uid_of
from bot.intake import INTAKE_PATHS, MetricsIntake
from storage.db import unit_of_work
from storage.feeds import calendar_pilot, served_sequences
from storage.pilots import plan_of

log = logging.getLogger(__name__)

CALENDAR_PATH = "/calendar/"
StartResponse = Callable[..., Any]
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


class OutsideRoutes:
    """Answers the paths above, or None for any other request."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._intake = MetricsIntake(services)

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes] | None:
        path = str(environ.get("PATH_INFO", ""))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if path.startswith(CALENDAR_PATH) and method in ("GET", "HEAD"):
            return self._calendar(path[len(CALENDAR_PATH) :], method, start_response)
        if path in INTAKE_PATHS and method == "POST":
            return self._intake(INTAKE_PATHS[path], environ, start_response)
        return None

    def _calendar(self, name: str, method: str, start_response: StartResponse) -> list[bytes]:
        token = name.removesuffix(".ics")
        wellformed = name.endswith(".ics") and _TOKEN.fullmatch(token) is not None
        try:
            body = self.calendar(token) if wellformed else None
        except Exception:  # the database is down, say: the app asks again later
            log.exception("could not serve a calendar")
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"Service Unavailable"]
        if body is None:
            # An unknown token is answered as any unknown path: nothing tells a guesser more.
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "private, max-age=300"),  # never in a shared cache
            ],
        )
        return [] if method == "HEAD" else [body]

    def calendar(self, token: str) -> bytes | None:
        """The iCalendar file of the pilot whose calendar token this is, as of now."""
        services = self._services
        now = services.clock.now()
        with unit_of_work(services.engine) as session:
            pilot = calendar_pilot(session=session, token=token)
            if pilot is None or pilot.id is None:
                return None
            plan = plan_of(pilot)
            ended = pilot.state == PilotState.ENDED
            events = {
                uid_of(e, pilot_id=pilot.id, team_id=pilot.team_id): (
                    e,
                    ended and _ahead(e, plan, now),
                )
                for e in plan_events(plan)
            }
            sequences = served_sequences(
                session=session,
                pilot_id=pilot.id,
                fingerprints={uid: _fingerprint(e, off) for uid, (e, off) in events.items()},
                now=now,
            )
            served = [
                ServedEvent(e, sequences[uid][0], sequences[uid][1], off)
                for uid, (e, off) in events.items()
            ]
            link = ChannelLink(pilot.team_id, pilot.channel_id)
            return calendar_ics(plan=plan, pilot_id=pilot.id, link=link, events=served)


def _ahead(event: PlanEvent, plan: Plan, now: datetime) -> bool:
    """Not happened yet: an ended pilot's events still to come are cancelled."""
    return event.begins(plan) > now


def _fingerprint(event: PlanEvent, cancelled: bool) -> str:
    """What a calendar app must be told again about when it changes: when, how long, the
    title, cancelled or not."""
    when = event.start.isoformat() if event.start is not None else event.day.isoformat()
    text = f"{when}|{event.minutes}|{event.title}|{'cancelled' if cancelled else 'confirmed'}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]
