"""APScheduler wiring: a few periodic jobs, all registered in ``register_jobs``.

Not one job per pilot: one tick asks the domain core what is due and reads owed
work from indexed columns, and delivery drains the outbox. The jobs live in a
MemoryJobStore on purpose: APScheduler 3 cannot share a job store between
processes, and nothing needs persisting here, because what is owed is in the
database (catch-up after downtime comes from there, not from APScheduler).
Several processes may run these jobs at once (`serve` on two hosts, say): the
outbox's unique keys and leases make that safe.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot import metrics
from bot.app import Services
from bot.features.status import catch_up
from schedules import uploads
from schedules.clients import Clients
from schedules.delivery import DeliveryReport, deliver
from schedules.tick import tick
from storage.db import unit_of_work
from storage.installations import prune_oauth_states
from storage.requests import prune

log = logging.getLogger(__name__)

CADENCE_JOB = "pilot-bot:cadence"  # the tick, then a delivery round
DELIVERY_JOB = "pilot-bot:delivery"  # delivery alone, so Retry-After and backoff end sooner
HOUSEKEEPING_JOB = "pilot-bot:housekeeping"  # forgets old request signatures and events
RENDER_JOB = "pilot-bot:render"  # draws the files owed to be made later (charts)
STATUS_JOB = "pilot-bot:status"  # rebuilds the /pilot status answers writes or midnight left stale
CADENCE_SECONDS = 20
DELIVERY_SECONDS = 5
HOUSEKEEPING_SECONDS = 600
RENDER_SECONDS = 5
STATUS_SECONDS = 5
STATUS_BUDGET = 2.0  # seconds of building per run: a midnight stales a whole time zone at once
# A chart takes ~150 ms: a Monday with hundreds of weekly reviews needs more drawing than
# a delivery round's own budget gives, so this job draws on its own thread most of the
# time, and delivery's rounds are not held up by it.
RENDER_BUDGET = 4.0


def run_cadence(services: Services, client: WebClient | Clients) -> None:
    """Record what is owed now, then deliver it."""
    now = services.clock.now()
    try:
        with metrics.TICK_SECONDS.time():
            tick(engine=services.engine, now=now)
    except Exception:  # the database is unreachable, say: the next run tries again
        log.exception("the scheduler tick failed; it runs again in %d s", CADENCE_SECONDS)
    run_delivery(services, client)


def run_delivery(services: Services, client: WebClient | Clients) -> None:
    try:
        deliver(engine=services.engine, client=client, now=services.clock.now())
    except Exception:
        log.exception("a delivery round failed; the next one runs in %d s", DELIVERY_SECONDS)


def run_render(services: Services) -> None:
    """Draw the files of owed uploads (a weekly review's chart and report) ahead of delivery."""
    try:
        uploads.render_due(
            services.engine,
            services.clock.now(),
            f"render:{os.getpid()}:{uuid.uuid4().hex[:8]}",
            DeliveryReport(),
            budget=RENDER_BUDGET,
        )
    except Exception:
        log.exception("rendering files failed; it runs again in %d s", RENDER_SECONDS)


def run_status_refresh(services: Services) -> None:
    """Rebuild stale `/pilot status` snapshots, so that askers read them instead of waiting
    for a build (an asker who finds one stale still builds it: this is only ahead of them)."""
    try:
        catch_up(engine=services.engine, clock=services.clock, budget=STATUS_BUDGET)
    except Exception:
        log.exception("refreshing status snapshots failed; it runs again in %d s", STATUS_SECONDS)


def run_housekeeping(services: Services) -> None:
    """Forget request signatures past Slack's 5-minute window, events past retention and
    expired OAuth states."""
    try:
        with unit_of_work(services.engine) as session:
            signatures, events = prune(session=session, now=services.clock.now())
            prune_oauth_states(session=session, now=services.clock.now())
        if signatures or events:
            log.debug("housekeeping: forgot %d signatures and %d events", signatures, events)
    except Exception:
        log.exception("housekeeping failed; it runs again in %d s", HOUSEKEEPING_SECONDS)


def register_jobs(
    scheduler: BackgroundScheduler, services: Services, client: WebClient | Clients
) -> None:
    """Every job the bot runs, with stable ids (re-registering replaces, never duplicates)."""
    options = {
        # A run that comes due while the process is busy or asleep must still happen:
        # the default grace of 1 s would drop it with only a warning. Running late
        # is always right, because the jobs read what is owed from the database.
        "misfire_grace_time": None,
        # Runs missed while asleep collapse into one: the next run catches up anyway.
        "coalesce": True,
        # A slow round (1,000 check-ins at once) is not overlapped by the next one;
        # overlapping would be safe (leases) but only adds contention.
        "max_instances": 1,
        "replace_existing": True,
    }
    both, alone = (services, client), (services,)
    jobs: list[tuple[Callable[..., None], int, str, str, tuple[Any, ...]]] = [
        (run_cadence, CADENCE_SECONDS, CADENCE_JOB,
         "tick: record what the pilots owe, then deliver", both),
        (run_delivery, DELIVERY_SECONDS, DELIVERY_JOB,
         "deliver owed messages (retries, backoff)", both),
        (run_render, RENDER_SECONDS, RENDER_JOB,
         "draw the files owed uploads share (charts, reports)", alone),
        (run_status_refresh, STATUS_SECONDS, STATUS_JOB,
         "rebuild the /pilot status answers that changes and midnights left stale", alone),
        (run_housekeeping, HOUSEKEEPING_SECONDS, HOUSEKEEPING_JOB,
         "forget old request signatures and events", alone),
    ]
    for run, seconds, job_id, name, args in jobs:
        scheduler.add_job(
            run,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=job_id,
            name=name,
            args=args,
            **options,
        )


def build_scheduler() -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        timezone=UTC,
    )


def start_scheduler(services: Services, client: WebClient | Clients) -> BackgroundScheduler:
    """Start the bot's jobs in background threads; ``.shutdown()`` stops them.

    ``client`` should be a delivery client (no retry handlers, short timeout): see
    `schedules.delivery.make_delivery_client`, and `schedules.clients.clients_for` for a
    client per workspace.
    """
    scheduler = build_scheduler()
    register_jobs(scheduler, services, client)
    scheduler.start()
    log.info(
        "scheduler started: tick every %d s, delivery every %d s",
        CADENCE_SECONDS,
        DELIVERY_SECONDS,
    )
    return scheduler
