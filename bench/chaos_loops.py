"""The chaos benchmark's three threads while the run goes on: `/pilot status` to a live
instance every half second, the flags raised at their moments, and the kills."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bench.chaos_pilots import ChaosPilot, Owed, flag_owed
from bench.fleet import Fleet
from devtools.harness import SIGNING_SECRET
from slack_emulator.client import SlackSender
from storage.db import unit_of_work
from storage.models import OutboxMessage
from storage.outbox import OWED

KILL_EVERY = (20.0, 60.0)  # seconds between two kills, uniformly
AIM_SECONDS = 5.0  # at most this long after that, waiting for an instance mid-delivery
STATUS_EVERY = 0.5  # seconds between two /pilot status requests


@dataclass
class Tally:
    """What the bench's own threads saw while the run went on."""

    owed: list[Owed] = field(default_factory=list)
    kills: list[str] = field(default_factory=list)
    status_ok: int = 0
    status_errors: list[str] = field(default_factory=list)
    status_cut: int = 0  # requests to an instance killed while they were under way
    status_seconds: list[float] = field(default_factory=list)
    kills_holding_leases: int = 0  # kills that landed while the instance held leases
    leases_killed: int = 0  # messages those instances held at the time
    flag_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def status_loop(
    fleet: Fleet, pilots: list[ChaosPilot], tally: Tally, stop: threading.Event, rng: random.Random
) -> None:
    while not stop.wait(STATUS_EVERY):
        live = fleet.live()
        if not live:
            continue
        instance, pilot = rng.choice(live), rng.choice(pilots)
        generation = instance.generation
        sender = SlackSender(f"{instance.url}/slack/events", SIGNING_SECRET)
        started = time.perf_counter()
        try:
            response = sender.command(
                "status", user_id=pilot.user("end_user"), channel_id=pilot.channel
            )
            answer = response.text
            problem = (
                None
                if response.status == 200 and pilot.plan.name in answer
                else (f"HTTP {response.status}: {answer[:160]}")
            )
        except OSError as error:
            problem = f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - started
        with tally.lock:
            if problem is None:
                tally.status_ok += 1
                tally.status_seconds.append(elapsed)
            elif instance.generation != generation:
                tally.status_cut += 1  # killed under it: not a live instance's answer
            else:
                tally.status_errors.append(f"instance {instance.number}: {problem}")


def flag_loop(
    fleet: Fleet, schedule: list[tuple[float, ChaosPilot, str]], tally: Tally, stop: threading.Event
) -> None:
    for at, pilot, severity in schedule:
        if stop.wait(max(0.0, at - time.time())):
            return
        # No kill while a flag is raised: whether it was raised must not be in doubt.
        with fleet.lock:
            live = fleet.live()
            if not live:
                tally.flag_errors.append(f"{pilot.channel}: no live instance")
                continue
            instance = live[int(at * 1000) % len(live)]  # spread over the live ones
            sender = SlackSender(f"{instance.url}/slack/events", SIGNING_SECRET)
            sent = datetime.now(UTC)
            try:
                response = sender.command(
                    f"flag {severity} chaos flag at {sent:%H:%M:%S}",
                    user_id=pilot.user("technical_lead"),
                    channel_id=pilot.channel,
                )
            except OSError as error:
                tally.flag_errors.append(f"{pilot.channel}: {error}")
                continue
        raised = re.search(r"\bF-(\d+)\b", response.text)
        if response.status != 200 or raised is None:
            tally.flag_errors.append(
                f"{pilot.channel}: HTTP {response.status} {response.text[:160]}"
            )
            continue
        with tally.lock:
            tally.owed += flag_owed(pilot, int(raised.group(1)), severity, sent)


def kill_loop(
    fleet: Fleet, engine: Engine, tally: Tally, stop: threading.Event, rng: random.Random
) -> None:
    while not stop.wait(rng.uniform(*KILL_EVERY)):
        # The kill that matters lands while an instance holds leased messages (between
        # leasing them and recording what Slack said): wait a moment for one to.
        deadline = time.monotonic() + AIM_SECONDS
        holding: dict[int, int] = {}
        while not holding and time.monotonic() < deadline and not stop.is_set():
            holding = _leases_by_pid(engine)
            if not holding:
                time.sleep(0.05)
        with fleet.lock:
            busy = [i for i in fleet.instances if i.process and i.process.pid in holding]
            instance = rng.choice(busy or fleet.instances)
            held = holding.get(instance.process.pid if instance.process else 0, 0)
            fleet.kill(instance)
        with tally.lock:
            tally.kills.append(f"{datetime.now(UTC):%H:%M:%S} instance {instance.number}")
            tally.leases_killed += held
            tally.kills_holding_leases += 1 if held else 0


def _leases_by_pid(engine: Engine) -> dict[int, int]:
    """Messages under a live lease, by the pid of the process holding them (delivery's
    worker names are host:pid:thread:nonce)."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        holders = session.exec(
            select(OutboxMessage.claimed_by).where(
                col(OutboxMessage.status).in_(OWED),
                col(OutboxMessage.claimed_by) != "",
                col(OutboxMessage.claimed_until) > now,
            )
        ).all()
    found: Counter[int] = Counter()
    for holder in holders:
        parts = holder.split(":")
        if len(parts) >= 4 and parts[-3].isdigit():
            found[int(parts[-3])] += 1
    return dict(found)
