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

A round's parts, each in its own module: what it leases and skips
(schedules/leasing.py), the worker threads that talk to Slack (schedules/sending.py),
the thread that records their outcomes (schedules/recording.py), and the vocabulary
they share: an owed row, an outcome, backoff (schedules/attempts.py).
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.core.localtime import require_aware
from bot.settings import Settings
from schedules import home as homes
from schedules import uploads
from schedules.attempts import DELIVERY_HEADER, LEASE, DeliveryReport, Owed, Result
from schedules.clients import Clients, as_clients
from schedules.leasing import lease_batches, skip_pointless, team_clients
from schedules.recording import record_while_sending
from schedules.sending import Channel, send_channel
from storage.home import HOME
from storage.outbox import Conversation

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 1000  # rows leased per round
DEFAULT_WORKERS = 16  # channels posted to at once (these threads never touch the database)
CHANNEL_INTERVAL = 1.0  # seconds between two posts to one channel (Slack: ~1 per second)


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
        skip_pointless(engine, now, limit, report)
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
    batches = lease_batches(engine, now, limit, me, report, conversations, lease, clients)
    if not batches:
        return report

    # Worker threads only talk to Slack, a channel each at a time; this thread writes
    # their outcomes, many per transaction. Should the process die in between, the
    # rows' leases run out and the next attempt looks in history before posting.
    results: queue.Queue[Result] = queue.Queue()
    by_team, batches = team_clients(clients, batches, now, results.put)

    futures: list[Future[None]] = []

    def send(batch: list[Owed], state: Channel) -> None:
        rest = send_channel(
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
        futures += [pool.submit(send, batch, Channel()) for batch in batches]
        record_while_sending(engine, results, futures, me, now, report, lease)
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
