"""Delivery's recording thread: the workers' outcomes stored, many per transaction, while
they send (leases renewed meanwhile); what the bot must remember of a sent message
(``_ON_SENT``); a DM Slack refused owed in the channel instead.
"""

from __future__ import annotations

import logging
import queue
import re
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import metrics
from schedules import uploads
from schedules.attempts import DeliveryReport, Outcome, Owed, Result
from schedules.escalation import KIND as ESCALATION
from schedules.escalation import thread_of_step
from schedules.refusals import tell_owner
from storage import leases, outbox
from storage.checkins import STATUS_POST_KIND, record_status_post
from storage.db import unit_of_work
from storage.flags import ANNOUNCEMENT_KIND, record_announcement

log = logging.getLogger(__name__)

RENEW_EVERY = 10.0  # seconds between two renewals of the round's leases (at most LEASE / 3)
FLUSH_EVERY = 0.05  # seconds: outcomes wait at most this long to be written
FLUSH_SIZE = 200
# What to remember of a message once Slack has it: (session, pilot id, key, ts, thread).
_ON_SENT: dict[str, Callable[[Session, int, str, str, str | None], None]] = {
    ANNOUNCEMENT_KIND: record_announcement,  # a flag's announcement: its ts and thread
    STATUS_POST_KIND: record_status_post,  # a posted status: the check-in takes its ts
}


def record_while_sending(
    engine: Engine,
    results: queue.Queue[Result],
    futures: list[Future[None]],
    me: str,
    now: datetime,
    report: DeliveryReport,
    lease: timedelta,
) -> None:
    pending: list[Result] = []
    started = last_flush = last_renewal = time.monotonic()
    renew_every = min(RENEW_EVERY, lease.total_seconds() / 3)
    while True:
        if time.monotonic() - last_renewal >= renew_every:
            # Still alive and sending: keep this round's leases (the clock may be a test's
            # fixed one, so the time spent sending is added to it).
            elapsed = timedelta(seconds=time.monotonic() - started)
            with unit_of_work(engine) as session:
                leases.renew(session=session, worker=me, until=now + elapsed + lease)
            last_renewal = time.monotonic()
        finished = all(future.done() for future in futures)
        try:
            # Once the workers are done, all they emitted is queued already: waiting on
            # the queue then would only hold every round up by FLUSH_EVERY at its end.
            pending.append(results.get_nowait() if finished else results.get(timeout=FLUSH_EVERY))
            while len(pending) < FLUSH_SIZE:
                pending.append(results.get_nowait())
        except queue.Empty:
            pass
        due = time.monotonic() - last_flush >= FLUSH_EVERY or len(pending) >= FLUSH_SIZE
        staging = any(r.staged is not None for r in pending)  # a worker waits for these
        if pending and (due or finished or staging):
            uploads.commit_staged(engine, pending, me)
            _record(engine, pending, me, now, report)
            pending, last_flush = [], time.monotonic()
        if finished and results.empty() and not pending:
            return


def _record(
    engine: Engine, results: list[Result], me: str, now: datetime, report: DeliveryReport
) -> None:
    lost: list[str] = []
    with unit_of_work(engine) as session:
        sent = [
            (r.owed.id, r.outcome.ts)
            for r in results
            if r.owed is not None and r.outcome is not None and r.outcome.kind == "sent"
        ]
        leases.mark_sent_many(session=session, sent=sent, worker=me, now=now)
        for result in results:
            if result.owed is not None and result.outcome is not None:
                remember = _ON_SENT.get(result.owed.kind)
                if remember is not None and result.outcome.kind in ("sent", "history"):
                    remember(
                        session,
                        result.owed.pilot_id,
                        result.owed.key,
                        result.outcome.ts,
                        result.owed.thread_ts,
                    )
            owed, outcome = result.owed, result.outcome
            if result.release:
                leases.release(session=session, ids=list(result.release), worker=me)
            if owed is None or outcome is None:
                continue
            held = True
            if outcome.kind == "sent":
                report.sent.append(owed.key)
            elif outcome.kind == "history":
                held = leases.mark_sent(
                    session=session,
                    message_id=owed.id,
                    worker=me,
                    ts=outcome.ts,
                    now=now,
                    attempted=False,
                )
                report.found_in_history.append(owed.key)
            elif outcome.kind == "failed":
                error = outcome.error
                if owed.dm_users and "," not in owed.dm_users and error in DM_REFUSALS:
                    error = _in_channel_instead(session, owed, error, now)
                held = leases.mark_failed(
                    session=session,
                    message_id=owed.id,
                    pilot_id=owed.pilot_id,
                    worker=me,
                    error=error,
                )
                report.failed.append(owed.key)
                if not owed.dm_users:
                    tell_owner(
                        session,
                        owed.pilot_id,
                        owed.key,
                        owed.kind,
                        owed.channel_id,
                        outcome.error,
                        now,
                    )
                log.warning(
                    "delivery: Slack refused %s for pilot %s in %s: %s%s",
                    owed.key,
                    owed.pilot_id,
                    owed.channel_id,
                    outcome.error,
                    _REMEDY.get(outcome.error, ""),
                )
            else:
                assert outcome.retry_at is not None
                held = leases.mark_retry(
                    session=session,
                    message_id=owed.id,
                    worker=me,
                    at=outcome.retry_at,
                    error=outcome.error,
                    unknown=outcome.kind == "unknown",
                )
                (report.unknown if outcome.kind == "unknown" else report.retrying).append(owed.key)
                log.info(
                    "delivery: %s for pilot %s not sent yet (%s); next attempt at %s",
                    owed.key,
                    owed.pilot_id,
                    outcome.error,
                    outcome.retry_at.isoformat(),
                )
            if not held:
                lost.append(owed.key)
        report.owed_meanwhile |= outbox.owed_conversations(session)
    # Counted once recorded: /metrics never shows a message sent that is still owed.
    for result in results:
        if result.owed is not None and result.outcome is not None:
            _count(result.owed, result.outcome, now)
    for key in lost:
        log.warning("delivery: lost the lease on %s before recording its outcome", key)


# A DM Slack will not deliver to this person (an external member of a Slack Connect
# channel, most often): the message goes in the pilot's channel instead, mentioning them.
DM_REFUSALS = frozenset(
    {
        "invalid_user_combination",
        "user_not_visible",
        "user_not_found",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "cannot_dm_external",
    }
)
# Where a refused DM goes instead: the thread of what it is about, per kind.
_THREAD_INSTEAD: dict[str, Callable[[Session, int, str], str | None]] = {
    ESCALATION: thread_of_step,  # an escalation step: the flag's thread
}


def _in_channel_instead(session: Session, owed: Owed, error: str, now: datetime) -> str:
    """Owe the refused DM in the channel (its buttons too), and say so in its record."""
    thread = (
        _THREAD_INSTEAD[owed.kind](session, owed.pilot_id, owed.key)
        if (owed.kind in _THREAD_INSTEAD)
        else None
    )
    user = owed.dm_users
    note = f"<@{user}>, this was meant for you by DM, but Slack would not deliver it ({error})."
    body = dict(owed.payload)
    body["text"] = f"<@{user}>: {body.get('text', '')}"
    blocks = body.get("blocks")
    if isinstance(blocks, list):
        body["blocks"] = [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
            *blocks,
        ][:50]
    outbox.owe_in_channel_instead(
        session=session,
        pilot_id=owed.pilot_id,
        key=owed.key,
        message=body,
        thread_ts=thread,
        now=now,
    )
    where = "flag's thread" if thread else "pilot's channel"
    log.info("delivery: %s refused (%s); posted in the %s instead", owed.key, error, where)
    return f"{error}; posted in the {where} instead"


_REMEDY = {
    "not_in_channel": " (invite the bot to the channel: /invite @pilot-bot)",
    "channel_not_found": " (the channel was deleted, or the bot cannot see it)",
    "is_archived": " (the channel is archived)",
}


def _count(owed: Owed, outcome: Outcome, now: datetime) -> None:
    """The round's outcomes, for /metrics."""
    if outcome.kind in ("sent", "history"):
        metrics.MESSAGES.labels("sent", owed.kind).inc()
        if owed.due_at is not None:
            metrics.DELIVERY_LATENCY.observe(max((now - owed.due_at).total_seconds(), 0.0))
        return
    if outcome.kind == "failed":
        metrics.MESSAGES.labels("refused", owed.kind).inc()
    code = outcome.error if re.fullmatch(r"[a-z0-9_]+", outcome.error or "") else "connection"
    metrics.SLACK_ERRORS.labels(code).inc()
