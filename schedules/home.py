"""Delivery's Home tabs: each owed one is built as the record stands when it is sent and
published with ``views.publish`` by delivery's own (marked) client, once for any number
of changes owed before (storage/home.py). Leased like a message, so two instances
publish it once; a 429 waits for ``Retry-After`` and a 5xx or a dropped connection backs
off, both stored, never slept through; any other refusal is kept with its error until
the next change owes the tab again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import metrics
from bot.blocks.home import Decision, FlagItem, HomeData, PilotLine, Upcoming, home_view
from bot.blocks.ids import button_value
from bot.blocks.text import literal, user_text
from bot.core.calendar import snapshot
from bot.core.decisions import RECOMMENDATION
from bot.core.escalation import Severity
from bot.core.feed import events_between
from bot.core.lifecycle import PilotState
from bot.core.phases import Phase
from bot.core.refs import CHANGE, ref
from schedules.attempts import (
    BACKOFF_FIRST,
    BACKOFF_MAX,
    MAYBE_POSTED,
    TRANSIENT,
    DeliveryReport,
    retry_after,
    status_and_code,
)
from schedules.clients import Clients
from schedules.reviews import decided_of, deciders_of
from storage import home, leases, outbox
from storage.db import read_session, unit_of_work
from storage.flags import open_flags_of, record_of
from storage.home import HOME
from storage.models import Pilot
from storage.outbox import Conversation
from storage.pilots import plan_of

log = logging.getLogger(__name__)

KIND = "home_tab"  # for /metrics
WEEK = timedelta(days=7)  # "this week": the next seven days
PER_ROUND = 200  # Home tabs published per delivery round at most
_REVIEWED = (Phase.SETUP, Phase.SOFT_LAUNCH, Phase.EXPANDED)
_SEVERITY = {severity: index for index, severity in enumerate(Severity)}
_WAITING = (outbox.PENDING, outbox.UNKNOWN, outbox.SENT)  # asked, or being asked


def publish_owed(
    *,
    engine: Engine,
    clients: Clients,
    now: datetime,
    worker: str,
    report: DeliveryReport,
    lease: timedelta,
    among: Collection[Conversation] | None = None,
) -> None:
    """Publish the Home tabs owed now (``among``: only those of these conversations)."""
    people = None
    if among is not None:
        people = {(team, user) for team, channel, user in among if channel == HOME}
        if not people:
            return
    with unit_of_work(engine) as session:
        wanted = home.due_homes(session=session, now=now, limit=PER_ROUND, among=people)
        claimed = []
        for team_id, user_id in wanted:
            found = home.claim_home(session=session, team_id=team_id, user_id=user_id,
                                    worker=worker, now=now, until=now + lease)
            if found is not None:
                claimed.append((team_id, user_id, *found))
    for team_id, user_id, shown, attempts in claimed:
        retry_at: datetime | None
        try:
            client = clients.for_team(team_id)  # the installation's token (multi-workspace)
        except Exception as missing:  # not installed just now: try again later
            retry_at, error = now + BACKOFF_MAX, f"no token: {missing}"[:200]
        else:
            retry_at, error = _publish(engine, client, team_id, user_id, now, attempts)
        with unit_of_work(engine) as session:
            home.finish_home(session=session, team_id=team_id, user_id=user_id, worker=worker,
                             shown=shown, now=now, retry_at=retry_at, error=error)
        name = f"home:{user_id}"
        if retry_at is not None:
            report.retrying.append(name)
        elif error:
            report.failed.append(name)
            metrics.MESSAGES.labels("refused", KIND).inc()
        else:
            report.sent.append(name)
            metrics.MESSAGES.labels("sent", KIND).inc()


def _publish(
    engine: Engine, client: WebClient, team_id: str, user_id: str, now: datetime, attempts: int
) -> tuple[datetime | None, str]:
    """(when to try again, the error): (None, "") once Slack has it."""
    backoff = now + min(BACKOFF_FIRST * (2 ** min(attempts, 10)), BACKOFF_MAX)
    try:
        with read_session(engine) as session:
            view = home_view(home_of(session, team_id, user_id, now))
    except Exception:  # the database, say: try again later
        log.exception("delivery: could not build %s's Home tab", user_id)
        return backoff, "could not build the view"
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        status, code = status_and_code(error)
        metrics.SLACK_ERRORS.labels(code if code.replace("_", "").isalnum() else "other").inc()
        if status == 429:
            return now + timedelta(seconds=retry_after(error.response.headers)), code
        if status >= 500 or code in TRANSIENT | MAYBE_POSTED:
            return backoff, code
        log.warning("delivery: Slack refused %s's Home tab: %s", user_id, code)
        return None, code
    except Exception as error:  # no connection, a timeout: publishing again is harmless
        return backoff, type(error).__name__
    return None, ""


# ----- what it shows --------------------------------------------------------------------------


def home_of(session: Session, team_id: str, user_id: str, now: datetime) -> HomeData:
    """``user_id``'s Home tab as of ``now``."""
    lines, flags, decisions, upcoming = [], [], [], []
    for pilot, roles in home.pilots_of_person(session=session, team_id=team_id, user_id=user_id):
        assert pilot.id is not None
        plan = plan_of(pilot)
        named = [role.display_name.lower() for role in roles]
        if pilot.owner_id == user_id:
            named.append("owner")
        lines.append(PilotLine(pilot.id, pilot.channel_id, plan, snapshot(plan, now),
                               pilot.state, tuple(dict.fromkeys(named))))
        flags += [
            FlagItem(pilot.id, plan, pilot.channel_id, record_of(flag))
            for flag in open_flags_of(session=session, pilot_id=pilot.id)
        ]
        if user_id in deciders_of(session, pilot.id).users:
            decisions += _decisions(session, pilot)
        if pilot.state == PilotState.ACTIVE:
            upcoming += [Upcoming(plan, e) for e in events_between(plan, now, now + WEEK)]
    flags.sort(key=lambda f: (_SEVERITY[f.flag.severity], f.flag.raised_at))
    upcoming.sort(key=lambda u: u.event.begins(u.plan))
    return HomeData(now, tuple(lines), tuple(flags), tuple(decisions), tuple(upcoming))


def _decisions(session: Session, pilot: Pilot) -> list[Decision]:
    """What the decision maker of ``pilot`` has yet to decide: its pending change requests,
    the Go / No-go of each phase review the bot has asked, the final recommendation."""
    assert pilot.id is not None
    plan, channel = plan_of(pilot), pilot.channel_id
    found = []
    for change in home.pending_changes(session=session, pilot_ids=[pilot.id]):
        text = (
            f"*{ref(CHANGE, change.number)}*: {literal(change.summary, 500)} · requested by"
            f" <@{change.requested_by}>\n_Why: {user_text(change.reason, 300)}_"
        )
        found.append(Decision("change", plan, channel, text, str(change.id)))
    keys = {(pilot.id, f"phase_review:{p.value}") for p in _REVIEWED}
    keys.add((pilot.id, "final_evaluation"))
    asked = {
        key: row
        for (_, key), row in leases.messages_by_key(session=session, keys=keys).items()
        if row.status in _WAITING
    }
    for phase in _REVIEWED:
        undecided = decided_of(session, pilot.id, phase.value) is None
        if f"phase_review:{phase.value}" in asked and undecided:
            following = list(Phase)[list(Phase).index(phase) + 1].display_name
            text = f"*End of {phase.display_name} review*: Go / No-go for {following}"
            value = button_value(pilot.id, phase.value)
            found.append(Decision("phase", plan, channel, text, value))
    if "final_evaluation" in asked and decided_of(session, pilot.id, RECOMMENDATION) is None:
        text = "*Final evaluation*: the go / no-go recommendation for the full rollout"
        found.append(Decision("recommendation", plan, channel, text, str(pilot.id)))
    return found
