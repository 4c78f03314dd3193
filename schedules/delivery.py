"""Delivery: drains the outbox into Slack, each message once, in order per channel.

A round (``deliver``) skips, with the reason, the owed messages that became
pointless (past ``useful_until``, or cadence messages of a pilot paused or ended
meanwhile); leases the ones whose next attempt has come, channel by channel and
earliest first; then sends each channel's messages in order on a small thread
pool (channels in parallel, one channel's posts one after another, about one a
second) while the calling thread stores the outcomes, many per transaction:

- Slack took it: ``sent`` with its ``ts``.
- HTTP 429: still owed, next attempt after ``Retry-After``.
- No connection, or a 502/503: still owed, with exponential backoff.
- A timeout after the request left (or a 500/504, ``internal_error``,
  ``fatal_error``): ``unknown``. Before trying again the sender looks for the
  message's key in the channel's history (the thread's replies for a thread
  post); if Slack has it, it is marked sent without posting again.
- Any other ``ok: false`` (``channel_not_found``, ``not_in_channel``, ...): ``failed``,
  with the error, and logged.

Nobody sleeps through a retry: the next attempt time is stored and a later round
picks it up. Messages queue per conversation (a channel, or a DM to someone): a
conversation's later messages wait while an earlier one is owed, so messages owed
while Slack was unreachable go out in order once it answers, and a DM in backoff
holds back nobody else. The Slack client must have no retry handlers of its own:
retries are ours, stored.

A message may build on an earlier one (``after_key``): an update waits for the
message it rewrites, a channel post for the thread it goes in, a DM up to
``LINK_WAIT`` for the message it links to (then it goes without the link). What the
bot must remember of a sent message (a flag announcement's ``ts``) is recorded in
the transaction that marks it sent (``_ON_SENT``).

Leases are short (``LEASE``) and renewed while their worker is alive, so the
messages of a process that died go out within a minute; a message whose worker
died mid-send is looked up in history before it is posted again.

An upload (files shared in one message) is queued, leased, paced and recorded here
like a post; its steps, and the rendering of files owed to be made later, are in
schedules/uploads.py. An edit of the pilot's canvas (``canvases.edit``, the whole
document replaced) queues in the channel like an update; its document is built just
before it is sent (schedules/canvas.py).
People's Home tabs (``views.publish``) are delivery's too, one owed row a person:
schedules/home.py.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import metrics
from bot.core.cadence import DueKind
from bot.core.localtime import require_aware
from bot.settings import Settings
from bot.tokens import NoToken
from schedules.canvas import KIND as CANVAS_EDIT
from schedules.canvas import prepare_canvas
from schedules.clients import Clients, as_clients
from schedules.escalation import KIND as ESCALATION
from schedules.escalation import prepare_escalation, thread_of_step
from schedules.refusals import tell_owner
from schedules.reminders import prepare_reminder
from storage import leases, outbox
from storage.checkins import STATUS_POST_KIND, record_status_post
from storage.db import unit_of_work
from storage.documentation import REVIEW_FILES_KIND as REVIEW_FILES
from storage.files import StoredFile
from storage.flags import ANNOUNCEMENT_KIND, record_announcement
from storage.home import HOME
from storage.models import OutboxMessage
from storage.outbox import Conversation

if TYPE_CHECKING:
    from schedules.uploads import Staged

log = logging.getLogger(__name__)

EVENT_TYPE = "pilot_bot_message"  # the metadata event type every post carries
DEFAULT_LIMIT = 1000  # rows leased per round
DEFAULT_WORKERS = 16  # channels posted to at once (these threads never touch the database)
CHANNEL_INTERVAL = 1.0  # seconds between two posts to one channel (Slack: ~1 per second)
PER_CHANNEL = 10  # a channel's messages leased per round: keeps a round short
# A lease is renewed every RENEW_EVERY while its worker sends; a dead worker's rows are
# free again after at most LEASE.
LEASE = timedelta(seconds=30)
RENEW_EVERY = 10.0  # seconds
LINK_WAIT = timedelta(minutes=2)  # a DM waits this long for the message it links to
# The header every request of delivery's client carries: the emulator flags a message
# sent any other way (tests fail on it), so nothing reaches Slack around the outbox.
DELIVERY_HEADER = "X-Pilot-Bot-Delivery"
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=10)
HISTORY_PAGES = 3  # x 100 messages looked through for an unknown send's key

# ok:false answers after which Slack may or may not have posted the message.
_MAYBE_POSTED = frozenset({"internal_error", "fatal_error", "request_timeout"})
# ok:false answers that will pass: try again later, as for a 5xx (an expired token is
# rotated before the next attempt: schedules/clients.py).
_TRANSIENT = frozenset(
    {"ratelimited", "service_unavailable", "team_added_to_org", "token_expired"}
)
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
# What to remember of a message once Slack has it: (session, pilot id, key, ts, thread).
_ON_SENT: dict[str, Callable[[Session, int, str, str, str | None], None]] = {
    ANNOUNCEMENT_KIND: record_announcement,  # a flag's announcement: its ts and thread
    STATUS_POST_KIND: record_status_post,  # a posted status: the check-in takes its ts
}


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # keys Slack took this round
    found_in_history: list[str] = field(default_factory=list)  # unknown sends Slack had
    retrying: list[str] = field(default_factory=list)  # still owed, next attempt stored
    unknown: list[str] = field(default_factory=list)  # timed out: history is checked first
    failed: list[str] = field(default_factory=list)  # refused for good
    skipped: list[str] = field(default_factory=list)  # pointless before Slack took them
    rendered: list[str] = field(default_factory=list)  # uploads whose files were made
    waiting_channels: int = 0  # conversations held back behind an earlier owed message
    # Conversations owed new messages by this round (the owner told of a refusal).
    owed_meanwhile: set[Conversation] = field(default_factory=set)

    def merge(self, other: DeliveryReport) -> None:
        names = ("sent", "found_in_history", "retrying", "unknown", "failed", "skipped")
        for name in (*names, "rendered"):
            getattr(self, name).extend(getattr(other, name))
        self.waiting_channels += other.waiting_channels
        self.owed_meanwhile |= other.owed_meanwhile

    @property
    def leased(self) -> int:
        """Rows this round attempted (anything but skipped)."""
        return sum(
            len(x)
            for x in (self.sent, self.found_in_history, self.retrying, self.unknown, self.failed)
        )


@dataclass(frozen=True)
class _Owed:
    """A leased row, detached from the session that read it."""

    id: int
    pilot_id: int
    key: str
    kind: str
    channel_id: str
    thread_ts: str | None
    dm_users: str  # a DM: its conversation is opened when it is sent
    method: str  # post or update
    target_ts: str | None  # an update: the message it rewrites
    payload: dict[str, Any]
    attempts: int
    # Slack may already have it: the last send timed out, or a worker holding the
    # row died mid-send (its lease ran out with no outcome).
    suspect: bool
    # Builds on a message earlier in the same batch (``after_key``): its ts is filled in
    # once that one is sent.
    after_in_batch: str = ""
    due_at: datetime | None = None
    files: tuple[StoredFile, ...] = ()  # an upload's files (schedules/uploads.py)
    team_id: str = ""  # the installation whose token sends it

    @classmethod
    def of(
        cls, row: OutboxMessage, built_on: OutboxMessage | None = None, in_batch: bool = False
    ) -> _Owed:
        """The row as it is sent; ``built_on``: the sent message its ``after_key`` names
        (``in_batch``: that message goes earlier in this batch)."""
        assert row.id is not None
        owed = cls(
            id=row.id,
            pilot_id=row.pilot_id,
            key=row.key,
            kind=row.kind,
            channel_id=row.channel_id,
            thread_ts=row.thread_ts,
            dm_users=row.dm_users,
            method=row.method,
            target_ts=row.target_ts,
            payload=outbox.payload_of(row),
            attempts=row.attempts,
            suspect=row.status == outbox.UNKNOWN or bool(row.claimed_by),
            after_in_batch=row.after_key if in_batch else "",
            due_at=row.due_at,
            team_id=row.team_id,
        )
        if built_on is not None and built_on.sent_ts:
            owed = owed.built_on(built_on.sent_ts, built_on.thread_ts, built_on.channel_id)
        return owed

    def built_on(self, ts: str, thread_ts: str | None, channel_id: str | None = None) -> _Owed:
        """This row once the message it builds on is in Slack as ``ts`` (in ``thread_ts``,
        in ``channel_id``): an update rewrites it, a channel post joins its thread."""
        if self.method == outbox.UPDATE:
            return replace(
                self, target_ts=ts, channel_id=channel_id or self.channel_id, after_in_batch=""
            )
        if self.dm_users or self.thread_ts:
            return replace(self, after_in_batch="")
        return replace(self, thread_ts=thread_ts or ts, after_in_batch="")


@dataclass(frozen=True)
class _Outcome:
    kind: str  # sent, history, retry, unknown, failed
    ts: str = ""
    error: str = ""
    retry_at: datetime | None = None

    @property
    def holds_channel(self) -> bool:
        """The channel's later messages must wait for this one."""
        return self.kind in ("retry", "unknown")


def make_delivery_client(settings: Settings, *, timeout: int = 10) -> WebClient:
    """The Web API client for delivery: no retry handlers (retries are stored), short timeout."""
    return delivery_client(
        token=settings.bot_token, base_url=settings.slack_api_url, timeout=timeout
    )


def delivery_client(*, token: str | None, base_url: str, timeout: float = 10) -> WebClient:
    """The one client that sends what the bot owes, marked with ``DELIVERY_HEADER``."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,  # type: ignore[arg-type]  # slack-sdk accepts a float
        retry_handlers=[],
        headers={DELIVERY_HEADER: "1"},
    )


def deliver(
    *,
    engine: Engine,
    client: WebClient | Clients,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    workers: int = DEFAULT_WORKERS,
    channel_interval: float = CHANNEL_INTERVAL,
    worker_id: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    conversations: Collection[Conversation] | None = None,
    lease: timedelta = LEASE,
    render_budget: float | None = None,
) -> DeliveryReport:
    """One delivery round at ``now``; see the module docstring.

    ``conversations``: only these (a listener delivering what it just owed). ``client``:
    one client for every workspace, or a client per workspace (schedules/clients.py).
    ``render_budget``: seconds for rendering uploads' files (uploads.RENDER_BUDGET).
    """
    require_aware(now, "now")
    me = worker_id or _worker_name()
    report = DeliveryReport()
    clients = as_clients(client)
    if conversations is None:
        _skip_pointless(engine, now, limit, report)
        budget = uploads.RENDER_BUDGET if render_budget is None else render_budget
        uploads.render_due(engine, now, me, report, budget=budget, lease=lease)
    # People's Home tabs (views.publish): one per person, however many changes were owed.
    homes.publish_owed(
        engine=engine, clients=clients, now=now, worker=me, report=report, lease=lease,
        among=conversations,
    )
    if conversations is not None:
        conversations = {c for c in conversations if c[1] != HOME}
        if not conversations:
            return report
    batches = _lease(engine, now, limit, me, report, conversations, lease, clients)
    if not batches:
        return report

    # Worker threads only talk to Slack, a channel each at a time; this thread writes
    # their outcomes, many per transaction. Should the process die in between, the
    # rows' leases run out and the next attempt looks in history before posting.
    results: queue.Queue[_Result] = queue.Queue()
    by_team, batches = _team_clients(clients, batches, now, results.put)

    futures: list[Future[None]] = []

    def send(batch: list[_Owed], state: _Channel) -> None:
        rest = _send_channel(
            batch,
            client=by_team[batch[0].team_id],
            now=now,
            interval=channel_interval,
            sleep=sleep,
            emit=results.put,
            state=state,
        )
        if rest:
            # Its next post must wait a moment: go to the back of the queue and let the
            # other channels post meanwhile, rather than hold a worker asleep. (Appended
            # before this task ends, so "all listed futures done" still means finished.)
            futures.append(pool.submit(send, rest, state))

    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(batches))), thread_name_prefix="delivery"
    ) as pool:
        futures += [pool.submit(send, batch, _Channel()) for batch in batches]
        _record_while_sending(engine, results, futures, me, now, report, lease)
    for future in futures:
        future.result()  # a bug in a worker surfaces here, after its outcomes are saved
    if report.leased or report.skipped:
        log.info(
            "delivery: %d sent, %d found already posted, %d retrying, %d unknown, "
            "%d failed, %d skipped",
            len(report.sent),
            len(report.found_in_history),
            len(report.retrying),
            len(report.unknown),
            len(report.failed),
            len(report.skipped),
        )
    return report


def _worker_name() -> str:
    name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"
    return name[-64:]


def _skip_pointless(engine: Engine, now: datetime, limit: int, report: DeliveryReport) -> None:
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
                _skipped(report, row)


def _lease(
    engine: Engine,
    now: datetime,
    limit: int,
    me: str,
    report: DeliveryReport,
    among: Collection[Conversation] | None,
    lease: timedelta,
    clients: Clients,
) -> list[list[_Owed]]:
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
            kept: list[_Owed] = []
            for index, row in enumerate(rows):
                if row.id not in got:
                    unused += [r.id for r in rows[index:] if r.id in got]
                    break
                owed = _Owed.of(row, built_on.get(row.id or 0), row.id in in_batch)
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
                _skipped(report, row)
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
            _skipped(report, row)
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
            if state == "active" or row.kind not in _CADENCE_KINDS:
                continue
            assert row.id is not None
            reason = f"the pilot was {state} before Slack took it"
            if outbox.skip_owed(session=session, message_id=row.id, now=now, reason=reason):
                log.info("delivery: skipped %s (pilot %s): %s", row.key, row.pilot_id, reason)
                _skipped(report, row)
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
                _skipped(report, row)
                rows.remove(row)


def _team_clients(
    clients: Clients, batches: list[list[_Owed]], now: datetime, emit: Callable[[_Result], None]
) -> tuple[dict[str, WebClient], list[list[_Owed]]]:
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
        retry = _Outcome("retry", error=problems[team], retry_at=_backoff(first, now))
        emit(_Result(owed=first, outcome=retry))
        emit(_Result(release=tuple(owed.id for owed in batch[1:])))
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


@dataclass(frozen=True)
class _Result:
    """What a worker hands the recording thread: an outcome, or rows to give back."""

    owed: _Owed | None = None
    outcome: _Outcome | None = None
    release: tuple[int, ...] = ()
    staged: Staged | None = None  # an upload's file ids, to record before sharing


@dataclass
class _Channel:
    """One conversation's sending, across the pool tasks that carry it on."""

    last_post: float | None = None
    posted: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # key -> ts, thread
    deferred: bool = False  # its current wait was already put off once


def _send_channel(
    batch: list[_Owed],
    *,
    client: WebClient,
    now: datetime,
    interval: float,
    sleep: Callable[[float], None],
    emit: Callable[[_Result], None],
    state: _Channel | None = None,
) -> list[_Owed]:
    """Send a conversation's batch in order; returns the rest of it when its next post
    must wait for Slack's one-a-second pace (once per wait: then it sleeps)."""
    state = state or _Channel()
    for index, owed in enumerate(batch):
        if owed.after_in_batch:
            earlier = state.posted.get(owed.after_in_batch)
            if earlier is None:  # the message it builds on did not go: look again later
                emit(_Result(release=tuple(o.id for o in batch[index:])))
                return []
            owed = owed.built_on(*earlier)
        # Slack's one post a second per channel is for posts (and files): not updates.
        posting = owed.method in (outbox.POST, outbox.UPLOAD)
        if posting and state.last_post is not None and interval > 0:
            wait = state.last_post + interval - time.monotonic()
            if wait > 0:
                if not state.deferred:
                    state.deferred = True
                    return batch[index:]
                sleep(wait)
        state.deferred = False
        try:
            outcome = _deliver_one(client, owed, now, emit)
        except Exception:  # a bug, not Slack: keep the row owed and the batch going
            log.exception("delivery: sending %s (pilot %s) failed", owed.key, owed.pilot_id)
            outcome = _Outcome("retry", error="internal error", retry_at=_backoff(owed, now))
        if posting and outcome.kind != "history":
            state.last_post = time.monotonic()
        if outcome.kind in ("sent", "history"):
            state.posted[owed.key] = (outcome.ts, owed.thread_ts)
        emit(_Result(owed=owed, outcome=outcome))
        if outcome.holds_channel:
            emit(_Result(release=tuple(o.id for o in batch[index + 1 :])))
            return []
    return []


def _deliver_one(
    client: WebClient, owed: _Owed, now: datetime, emit: Callable[[_Result], None]
) -> _Outcome:
    if owed.method == outbox.UPDATE:
        return _update_one(client, owed, now)
    if owed.method == outbox.CANVAS:
        return _edit_canvas(client, owed, now)
    if owed.method == outbox.UPLOAD:
        return uploads.upload_one(client, owed, now, emit)
    if owed.dm_users:
        # A DM goes to the conversation conversations.open answers (im:write); it is
        # opened now, so the row names people, not a channel that may change.
        try:
            opened = client.conversations_open(users=owed.dm_users)
        except SlackApiError as error:
            status, code = _status_and_code(error)
            if status == 429 or status >= 500 or code in _TRANSIENT | _MAYBE_POSTED:
                return _Outcome("retry", error=code, retry_at=_retry_at(error, owed, now))
            return _Outcome("failed", error=code)
        except Exception as error:  # nothing was posted yet: try again later
            return _Outcome("retry", error=_describe(error), retry_at=_backoff(owed, now))
        owed = replace(owed, channel_id=str(opened["channel"]["id"]))
    if owed.suspect:
        try:
            found = _find_posted(client, owed)
        except SlackApiError as error:
            status, code = _status_and_code(error)
            if status == 429 or status >= 500 or code in _MAYBE_POSTED | _TRANSIENT:
                return _Outcome("unknown", error=code, retry_at=_retry_at(error, owed, now))
            # History is out of reach (missing_scope, say): post rather than never.
            log.warning(
                "delivery: cannot look for %s in %s's history (%s); posting it again",
                owed.key,
                owed.channel_id,
                code,
            )
            found = None
        except Exception as error:
            return _Outcome("unknown", error=_describe(error), retry_at=_backoff(owed, now))
        if found is not None:
            return _Outcome("history", ts=found)
    payload = _with_permalink(client, owed)
    try:
        answer = client.chat_postMessage(
            channel=owed.channel_id,
            thread_ts=owed.thread_ts,
            metadata={
                "event_type": EVENT_TYPE,
                "event_payload": {"key": owed.key, "pilot_id": owed.pilot_id},
            },
            unfurl_links=False,
            unfurl_media=False,
            **payload,
        )
    except SlackApiError as error:
        status, code = _status_and_code(error)
        if status in (500, 504) or code in _MAYBE_POSTED:
            return _Outcome("unknown", error=code, retry_at=_backoff(owed, now))
        if status == 429 or status >= 500 or code in _TRANSIENT:
            return _Outcome("retry", error=code, retry_at=_retry_at(error, owed, now))
        return _Outcome("failed", error=code)
    except URLError as error:
        # urllib raises URLError while connecting and sending: Slack did not get it.
        return _Outcome("retry", error=_describe(error), retry_at=_backoff(owed, now))
    except Exception as error:
        # A timeout or a dropped connection while waiting for the answer: it may be posted.
        return _Outcome("unknown", error=_describe(error), retry_at=_backoff(owed, now))
    return _Outcome("sent", ts=str(answer.get("ts") or ""))


def _update_one(client: WebClient, owed: _Owed, now: datetime) -> _Outcome:
    """chat.update: rewriting a message twice with the same content is harmless, so an
    unknown outcome is simply tried again."""
    if not owed.target_ts:
        return _Outcome("failed", error="no message to update")
    try:
        answer = client.chat_update(channel=owed.channel_id, ts=owed.target_ts, **owed.payload)
    except SlackApiError as error:
        status, code = _status_and_code(error)
        if status == 429 or status >= 500 or code in _TRANSIENT | _MAYBE_POSTED:
            return _Outcome("retry", error=code, retry_at=_retry_at(error, owed, now))
        return _Outcome("failed", error=code)
    except Exception as error:
        return _Outcome("retry", error=_describe(error), retry_at=_backoff(owed, now))
    return _Outcome("sent", ts=str(answer.get("ts") or owed.target_ts))


def _edit_canvas(client: WebClient, owed: _Owed, now: datetime) -> _Outcome:
    """canvases.edit replacing the whole document (``target_ts``: the canvas id): writing
    it twice is harmless, so an unknown outcome is simply tried again."""
    markdown = str(owed.payload.get("markdown") or "")
    if not (owed.target_ts and markdown):
        return _Outcome("failed", error="no canvas document to write")
    content = {"type": "markdown", "markdown": markdown}
    try:
        client.canvases_edit(
            canvas_id=owed.target_ts,
            changes=[{"operation": "replace", "document_content": content}],
        )
    except SlackApiError as error:
        status, code = _status_and_code(error)
        again = _TRANSIENT | _MAYBE_POSTED | {"canvas_editing_failed"}
        if status == 429 or status >= 500 or code in again:
            return _Outcome("retry", error=code, retry_at=_retry_at(error, owed, now))
        return _Outcome("failed", error=code)
    except Exception as error:
        return _Outcome("retry", error=_describe(error), retry_at=_backoff(owed, now))
    return _Outcome("sent", ts="")


def _with_permalink(client: WebClient, owed: _Owed) -> dict[str, Any]:
    """The payload to post, its ``<permalink|label>`` links made real.

    A message may link to another one (an escalation DM to its flag's thread): its
    payload names that message (``permalink_of``: channel and message_ts) and its
    text carries ``<permalink|label>``, which Slack's escaping keeps out of anything
    people typed. The link is asked for now (chat.getPermalink); if Slack will not
    give it, the label names the channel instead, rather than hold the message back.
    """
    target = owed.payload.get("permalink_of")
    body = {key: value for key, value in owed.payload.items() if key != "permalink_of"}
    if not isinstance(target, dict):
        return body
    channel = str(target.get("channel") or "")
    try:
        ts = str(target.get("message_ts") or "")
        answer = client.chat_getPermalink(channel=channel, message_ts=ts)
        link = str(answer["permalink"])
    except Exception as error:
        log.warning(
            "delivery: no permalink for %s (pilot %s): %s; naming the channel instead",
            owed.key,
            owed.pilot_id,
            _describe(error),
        )
        link = ""

    def linked(match: re.Match[str]) -> str:
        label = match.group(1)
        return f"<{link}|{label}>" if link else f"{label} in <#{channel}>"

    return dict(json.loads(_PERMALINK.sub(linked, json.dumps(body))))


_PERMALINK = re.compile(r"<permalink\|([^>]*)>")


def _status_and_code(error: SlackApiError) -> tuple[int, str]:
    status = int(error.response.status_code)
    return status, str(error.response.get("error") or f"http_{status}")


def _retry_at(error: SlackApiError, owed: _Owed, now: datetime) -> datetime:
    if error.response.status_code == 429:
        return now + timedelta(seconds=_retry_after(error.response.headers))
    return _backoff(owed, now)


def _find_posted(client: WebClient, owed: _Owed) -> str | None:
    """The ts of the bot's message carrying ``owed``'s key, if Slack has it."""
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        if owed.thread_ts:
            page = client.conversations_replies(
                channel=owed.channel_id,
                ts=owed.thread_ts,
                include_all_metadata=True,
                limit=100,
                cursor=cursor,
            )
        else:
            page = client.conversations_history(
                channel=owed.channel_id,
                include_all_metadata=True,
                limit=100,
                cursor=cursor,
            )
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == EVENT_TYPE
                and payload.get("key") == owed.key
                and payload.get("pilot_id") == owed.pilot_id
            ):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return None


FLUSH_EVERY = 0.05  # seconds: outcomes wait at most this long to be written
FLUSH_SIZE = 200


def _record_while_sending(
    engine: Engine,
    results: queue.Queue[_Result],
    futures: list[Future[None]],
    me: str,
    now: datetime,
    report: DeliveryReport,
    lease: timedelta,
) -> None:
    pending: list[_Result] = []
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
    engine: Engine, results: list[_Result], me: str, now: datetime, report: DeliveryReport
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
                _count(result.owed, result.outcome, now)
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


def _in_channel_instead(session: Session, owed: _Owed, error: str, now: datetime) -> str:
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


def _count(owed: _Owed, outcome: _Outcome, now: datetime) -> None:
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


def _skipped(report: DeliveryReport, row: OutboxMessage) -> None:
    report.skipped.append(row.key)
    metrics.MESSAGES.labels("skipped", row.kind).inc()


def _backoff(owed: _Owed, now: datetime) -> datetime:
    delay = BACKOFF_FIRST * (2 ** min(owed.attempts, 10))
    return now + min(delay, BACKOFF_MAX)


def _retry_after(headers: Any) -> int:
    value = None
    if headers:
        value = next((v for k, v in dict(headers).items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1, int(str(value)))
    except (TypeError, ValueError):
        return 30  # Slack's usual Retry-After when the header is missing


def _describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    text = str(reason if reason is not None else error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]


# Uploads and Home tabs are delivery's own, in their own modules for size; they import
# from this one, so they come last.
from schedules import home as homes  # noqa: E402
from schedules import uploads  # noqa: E402
