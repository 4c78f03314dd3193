"""Delivery's lease: what a round takes from the outbox to send, conversation by
conversation, and what it skips first (pointless by now, a pilot paused or ended, a
workspace the app left); rows of some kinds are built at the last moment (``_PREPARE``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.cadence import DueKind
from bot.core.lifecycle import PilotState
from bot.tokens import NoToken
from schedules import uploads
from schedules.attempts import DeliveryReport, Outcome, Owed, Result, backoff, count_skipped
from schedules.canvas import KIND as CANVAS_EDIT
from schedules.canvas import prepare_canvas
from schedules.clients import Clients
from schedules.escalation import KIND as ESCALATION
from schedules.escalation import prepare_escalation
from schedules.reminders import prepare_reminder
from storage import leases, outbox
from storage.db import unit_of_work
from storage.documentation import REVIEW_FILES_KIND as REVIEW_FILES
from storage.files import StoredFile
from storage.models import OutboxMessage
from storage.outbox import Conversation

log = logging.getLogger(__name__)

PER_CHANNEL = 10  # a channel's messages leased per round: keeps a round short
LINK_WAIT = timedelta(minutes=2)  # a DM waits this long for the message it links to
_CADENCE_KINDS = tuple(kind.value for kind in DueKind)
# Kinds whose message is settled just before sending: (session, row, now) -> a reason
# to skip it, or None once the row's payload and thread are up to date.
_PREPARE: dict[str, Callable[[Session, OutboxMessage, datetime], str | None]] = {
    DueKind.REMINDER.value: prepare_reminder,
    ESCALATION: prepare_escalation,  # a flag resolved meanwhile gets no more messages
    CANVAS_EDIT: prepare_canvas,  # the pilot's canvas, written from the record as it is now
}
# Of those, the kinds whose message depends on the channel's earlier rows having been
# sent (a reminder needs its check-in's thread): prepared only at the head of a batch.
_PREPARED_AT_HEAD = frozenset({DueKind.REMINDER.value})


def skip_pointless(engine: Engine, now: datetime, limit: int, report: DeliveryReport) -> None:
    with unit_of_work(engine) as session:
        for row in leases.expired_owed(session=session, now=now, limit=limit):
            assert row.id is not None
            last = f" (last error: {row.last_error})" if row.last_error else ""
            reason = (
                f"Slack had not taken it by {row.useful_until:%Y-%m-%d %H:%M} UTC, "
                f"when it stopped being useful{last}"
            )
            if outbox.skip_owed(session=session, message_id=row.id, now=now, reason=reason):
                log.warning("delivery: skipped %s (pilot %s): %s", row.key, row.pilot_id, reason)
                count_skipped(report, row)


def lease_batches(
    engine: Engine,
    now: datetime,
    limit: int,
    me: str,
    report: DeliveryReport,
    among: Collection[Conversation] | None,
    lease: timedelta,
    clients: Clients,
) -> list[list[Owed]]:
    """Lease, per conversation, the owed rows from the head of its queue whose time has
    come."""
    with unit_of_work(engine) as session:
        found = leases.ready_conversations(session=session, now=now, limit=limit, among=among)
        queues = leases.owed_in_conversations(session=session, conversations=found)
        _skip_stopped_pilots(session, queues, now, report)
        _skip_unreachable(session, queues, now, report, clients)
        wanted: list[list[OutboxMessage]] = []
        built_on: dict[int, OutboxMessage] = {}
        in_batch: set[int] = set()
        stored: dict[int, tuple[StoredFile, ...]] = {}  # uploads' files, by row id
        budget = limit
        for queue in queues.values():
            ready = _ready_prefix(queue[:PER_CHANNEL], now)
            ready = _built_on_sent(session, ready, now, report, built_on, in_batch)
            ready = _prepared(session, ready, now, report)
            ready = uploads.rendered(session, ready, stored)
            ready = ready[:budget]
            if not ready:
                report.waiting_channels += 1
                continue
            wanted.append(ready)
            budget -= len(ready)
            if budget <= 0:
                break
        got = leases.claim(
            session=session,
            ids=[row.id for rows in wanted for row in rows if row.id is not None],
            worker=me,
            now=now,
            until=now + lease,
        )
        batches, unused = [], []
        for rows in wanted:
            # Keep a channel's leased rows only up to the first one someone else holds:
            # sending a later one before it would break the channel's order.
            kept: list[Owed] = []
            for index, row in enumerate(rows):
                if row.id not in got:
                    unused += [r.id for r in rows[index:] if r.id in got]
                    break
                owed = Owed.of(row, built_on.get(row.id or 0), row.id in in_batch)
                kept.append(replace(owed, files=stored[row.id]) if row.id in stored else owed)
            if kept:
                batches.append(kept)
        leases.release(session=session, ids=[i for i in unused if i is not None], worker=me)
    return batches


def _built_on_sent(
    session: Session,
    ready: list[OutboxMessage],
    now: datetime,
    report: DeliveryReport,
    built_on: dict[int, OutboxMessage],
    in_batch: set[int],
) -> list[OutboxMessage]:
    """The prefix of ``ready`` whose earlier messages (``after_key``) are settled, or go
    earlier in the same batch (``in_batch`` gets those rows' ids).

    A row stops its conversation while the message it builds on is still owed elsewhere
    (a DM only for ``LINK_WAIT``, then it goes without its link). An update of a message
    that never reached Slack is skipped, and so are a weekly review's files; another
    thread post whose parent never did goes to the channel. ``built_on`` gets each kept
    row's sent message.
    """
    wanted = {(r.pilot_id, r.after_key) for r in ready if r.after_key}
    earlier = leases.messages_by_key(session=session, keys=wanted) if wanted else {}
    kept: list[OutboxMessage] = []
    for row in ready:
        assert row.id is not None
        first = earlier.get((row.pilot_id, row.after_key)) if row.after_key else None
        if first is None:
            kept.append(row)
            continue
        if first.id in {k.id for k in kept} and not row.dm_users:
            kept.append(row)
            in_batch.add(row.id)
            continue
        if first.status in outbox.OWED:
            if row.dm_users and now >= row.due_at + LINK_WAIT:
                kept.append(row)  # goes without the link
                continue
            break  # it and the conversation's later rows wait for the earlier message
        if first.status == outbox.SENT:
            built_on[row.id] = first
        elif row.method == outbox.UPDATE or row.kind == REVIEW_FILES:
            # A review's chart and report belong in its thread, never alone in the channel.
            what = "updates" if row.method == outbox.UPDATE else "goes with"
            reason = f"the message it {what} ({first.key}) never reached Slack: {first.status}"
            if outbox.skip_owed(session=session, message_id=row.id, now=now, reason=reason):
                log.info("delivery: skipped %s (pilot %s): %s", row.key, row.pilot_id, reason)
                count_skipped(report, row)
            continue
        kept.append(row)
    return kept


def _prepared(
    session: Session, ready: list[OutboxMessage], now: datetime, report: DeliveryReport
) -> list[OutboxMessage]:
    """Rows of kinds built at the last moment (``_PREPARE``) are built now, or skipped.

    A row of ``_PREPARED_AT_HEAD`` goes only at the head of its channel's batch: what
    it says may depend on the earlier rows having been sent.
    """
    kept: list[OutboxMessage] = []
    for row in ready:
        prepare = _PREPARE.get(row.kind)
        if prepare is None:
            kept.append(row)
            continue
        if kept and row.kind in _PREPARED_AT_HEAD:
            break  # prepared next round, once the rows before it are recorded
        reason = prepare(session, row, now)
        if reason is None:
            kept.append(row)
            continue
        assert row.id is not None
        if outbox.skip_owed(session=session, message_id=row.id, now=now, reason=reason):
            log.info("delivery: skipped %s (pilot %s): %s", row.key, row.pilot_id, reason)
            count_skipped(report, row)
    return kept


def _skip_stopped_pilots(
    session: Session,
    queues: dict[Conversation, list[OutboxMessage]],
    now: datetime,
    report: DeliveryReport,
) -> None:
    """Cadence messages of a pilot paused or ended since they were owed: skipped, not sent.

    (Flag escalations are not cadence kinds: they go on while a pilot is paused.)
    """
    states = leases.pilot_states(
        session=session, pilot_ids=[row.pilot_id for rows in queues.values() for row in rows]
    )
    for rows in queues.values():
        for row in list(rows):
            state = states.get(row.pilot_id, "ended")
            if state == PilotState.ACTIVE or row.kind not in _CADENCE_KINDS:
                continue
            assert row.id is not None
            reason = f"the pilot was {state} before Slack took it"
            if outbox.skip_owed(session=session, message_id=row.id, now=now, reason=reason):
                log.info("delivery: skipped %s (pilot %s): %s", row.key, row.pilot_id, reason)
                count_skipped(report, row)
                rows.remove(row)


def _skip_unreachable(
    session: Session,
    queues: dict[Conversation, list[OutboxMessage]],
    now: datetime,
    report: DeliveryReport,
    clients: Clients,
) -> None:
    """Messages of a workspace the app has left (uninstalled, its token revoked) or is not
    installed in: skipped with the reason, never retried. A re-install sends what the
    calendar owes from then on."""
    teams = {team for team, _, _ in queues}
    reasons = clients.unavailable(session=session, team_ids=teams) if teams else {}
    for (team, _, _), rows in queues.items():
        reason = reasons.get(team)
        if reason is None:
            continue
        for row in list(rows):
            assert row.id is not None
            if outbox.skip_owed(session=session, message_id=row.id, now=now, reason=reason):
                log.info("delivery: skipped %s (pilot %s): %s", row.key, row.pilot_id, reason)
                count_skipped(report, row)
                rows.remove(row)


def team_clients(
    clients: Clients, batches: list[list[Owed]], now: datetime, emit: Callable[[Result], None]
) -> tuple[dict[str, WebClient], list[list[Owed]]]:
    """Each workspace's client (its token rotated first if it was about to expire), asked
    on this thread: the workers never touch the database. The batches of a workspace
    without a token just now wait for a later round."""
    found: dict[str, WebClient] = {}
    problems: dict[str, str] = {}
    kept = []
    for batch in batches:
        team = batch[0].team_id
        if team not in found and team not in problems:
            try:
                found[team] = clients.for_team(team)
            except NoToken as problem:
                problems[team] = str(problem)
                log.warning("delivery: nothing sent to workspace %s now: %s", team, problem)
        if team in found:
            kept.append(batch)
            continue
        first = batch[0]
        retry = Outcome("retry", error=problems[team], retry_at=backoff(first, now))
        emit(Result(owed=first, outcome=retry))
        emit(Result(release=tuple(owed.id for owed in batch[1:])))
    return found, kept


def _ready_prefix(queue: Sequence[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    ready = []
    for row in queue:
        waiting = row.next_attempt_at is None or row.next_attempt_at > now
        held = row.claimed_until is not None and row.claimed_until > now
        if waiting or held:
            break  # the channel's earlier message is owed: later ones wait for it
        ready.append(row)
    return ready
