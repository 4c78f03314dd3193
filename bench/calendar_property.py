"""Every post at the right minute, for random pilots: the calendar property, run long.

    python -m bench.calendar_property [--seed S] [--count N]
                                      [--database-url postgresql://postgres@127.0.0.1:5432/test]

Draws ``--count`` random pilots from ``--seed`` (zones with DST and with half-hour and
45-minute offsets, start dates on any day of the week, holidays and skip dates, every
pilot type and ramp, check-in and review times near midnight and inside DST gaps and
repeated hours), stores them, and fast-forwards the real scheduler tick and delivery
round (`schedules.tick.tick`, `schedules.delivery.deliver`) against the Slack emulator
through each whole pilot. The scheduler ticks every 20 s; this driver jumps from one
tick that finds something due to the next (the earliest ``next_due_at``, plus where in
its 20 s the tick falls), since the ticks in between find nothing to do. Each post is
stamped with the clock's time in the round that sent it.

The oracle (`bench.calendar_oracle`) says what each pilot must post, and when, without
the product's calendar code; ``violations`` checks every post against it: each expected
post once, within its due minute, at its wall time in the pilot's zone (a wall time the
clocks skip: when they jump), in its place (channel, check-in thread, DM), on a workday
of its phase; nothing else. The suite runs a few pilots (tests/test_calendar_property.py);
this runs as many as you like. Prints the figures and the command, exits 1 on a violation.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time as clock_time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bench.calendar_oracle import (
    CHANNEL,
    DM,
    MINUTE,
    THREAD,
    Expected,
    is_workday,
)
from bench.options import add_database_option, reproduce
from bench.random_pilots import RandomPilot, describe, random_pilot
from bench.status_latency import fresh_database
from schedules.delivery import deliver, delivery_client
from schedules.tick import tick
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, unit_of_work
from storage.models import Pilot, TeamMember
from storage.pilots import NOTHING_OWED, add_pilot, pilot_from_plan, refresh_next_due
from storage.scope import Workspace

WORKSPACE = Workspace(team_id="T0001")  # the emulator's team
TICK_EVERY = 20.0  # seconds between the scheduler's ticks (schedules.jobs.CADENCE_SECONDS)
DELIVERY_EVERY = 5.0  # seconds between delivery rounds (schedules.jobs.DELIVERY_SECONDS)


@dataclass(frozen=True)
class Post:
    """A chat.postMessage Slack took, stamped with the driver's clock."""

    pilot_id: int
    key: str
    channel: str
    thread_ts: str | None
    ts: str
    at: datetime


# ----- the fast-forward ------------------------------------------------------------------------


def store(engine: Engine, pilots: list[RandomPilot], now: datetime) -> dict[int, RandomPilot]:
    """Each pilot stored in its channel with its team, scheduled as of ``now``."""
    stored = {}
    with unit_of_work(engine) as session:
        for drawn in pilots:
            row = add_pilot(
                session=session,
                pilot=pilot_from_plan(
                    drawn.plan, workspace=WORKSPACE, channel_id=drawn.channel, owner_id="UOWNER"
                ),
            )
            assert row.id is not None
            for role in drawn.roles:
                session.add(
                    TeamMember(
                        pilot_id=row.id, user_id=drawn.user(role), role=role, added_by="UOWNER"
                    )
                )
            refresh_next_due(session, row, now)
            stored[row.id] = drawn
    return stored


def fast_forward(
    engine: Engine, emulator: SlackEmulator, pilots: dict[int, RandomPilot], rng: random.Random
) -> tuple[list[Post], int]:
    """Tick and deliver at each instant a tick finds something due, until the cadences end;
    returns the posts and the number of ticks."""
    client = delivery_client(token=emulator.token, base_url=emulator.api_url, timeout=5)
    posts: list[Post] = []
    ticks = 0
    while True:
        with unit_of_work(engine) as session:
            earliest = session.exec(
                select(func.min(Pilot.next_due_at)).where(col(Pilot.state) == "active")
            ).one()
        if earliest is None or earliest >= NOTHING_OWED:
            return posts, ticks
        # Where the 20-s tick falls after the due instant (the minute's first 20 s).
        now = earliest.astimezone(UTC) + timedelta(seconds=rng.uniform(0, TICK_EVERY - 0.01))
        owed = len(tick(engine=engine, now=now).enqueued)
        ticks += 1
        # The cadence job's delivery round, then the delivery job's every 5 s while
        # something is left (a reminder waits for the check-in it replies to).
        while owed > 0 and now < earliest + 2 * MINUTE:
            seen = len(emulator.calls_to("chat.postMessage"))
            report = deliver(engine=engine, client=client, now=now, channel_interval=0)
            posts += _posted(emulator, seen, now)
            owed -= len(report.sent) + len(report.found_in_history) + len(report.skipped)
            owed -= len(report.failed)
            now += timedelta(seconds=DELIVERY_EVERY)


def _posted(emulator: SlackEmulator, seen: int, now: datetime) -> list[Post]:
    """The posts Slack took since the ``seen``-th chat.postMessage call, stamped ``now``."""
    found = []
    for call in emulator.calls_to("chat.postMessage")[seen:]:
        payload = (call.params.get("metadata") or {}).get("event_payload") or {}
        if call.ok and "key" in payload:
            found.append(
                Post(
                    pilot_id=int(payload["pilot_id"]),
                    key=str(payload["key"]),
                    channel=str(call.params.get("channel")),
                    thread_ts=call.params.get("thread_ts"),
                    ts=str((call.response or {}).get("ts")),
                    at=now,
                )
            )
    return found


# ----- the invariants --------------------------------------------------------------------------


def violations(
    pilots: dict[int, RandomPilot], posts: list[Post], emulator: SlackEmulator
) -> list[str]:
    """Every way the posts break the oracle's calendar (none: the property holds)."""
    found: list[str] = []
    by_pilot: dict[int, list[Post]] = {pilot_id: [] for pilot_id in pilots}
    for post in posts:
        by_pilot.setdefault(post.pilot_id, []).append(post)
    for pilot_id, drawn in pilots.items():
        plan, zone = drawn.plan, ZoneInfo(drawn.plan.tz)
        name = f"pilot {pilot_id} ({describe(drawn)})"
        expected = {e.key: e for e in drawn.expected()}
        mine = by_pilot.get(pilot_id, [])
        counts = Counter(p.key for p in mine)
        found += [f"{name}: {key} posted {n} times" for key, n in counts.items() if n > 1]
        found += [
            f"{name}: {key} never posted (due {expected[key].due:%Y-%m-%d %H:%M} UTC)"
            for key in expected
            if key not in counts
        ]
        checkins = {p.key.split(":", 1)[1]: p.ts for p in mine if p.key.startswith("checkin:")}
        for post in mine:
            local = post.at.astimezone(zone)
            if not is_workday(plan, local.date()):
                found.append(f"{name}: {post.key} posted on {local:%a %Y-%m-%d}, not a workday")
            want = expected.get(post.key)
            if want is None:
                found.append(f"{name}: {post.key} posted at {local:%Y-%m-%d %H:%M %Z}, unexpected")
                continue
            # Within its due minute, at the configured wall time (or when the clocks jump).
            wall = want.wall if not want.in_gap else want.due.astimezone(zone).time()
            if not (want.due <= post.at < want.due + MINUTE) or (
                local.date(),
                local.time().replace(second=0, microsecond=0),
            ) != (want.due.astimezone(zone).date(), wall.replace(second=0)):
                found.append(
                    f"{name}: {post.key} posted at {local:%Y-%m-%d %H:%M:%S %Z}, due "
                    f"{want.due.astimezone(zone):%Y-%m-%d %H:%M %Z} (wall {want.wall:%H:%M})"
                )
            found += _placed(name, drawn, post, want, checkins, emulator)
    return found


def _placed(
    name: str,
    drawn: RandomPilot,
    post: Post,
    want: Expected,
    checkins: dict[str, str],
    emulator: SlackEmulator,
) -> list[str]:
    """Where the post went: the channel, the day's check-in thread, the decider's DM."""
    if want.where == CHANNEL and (post.channel, post.thread_ts) != (drawn.channel, None):
        return [f"{name}: {post.key} went to {post.channel}/{post.thread_ts}, not the channel"]
    if want.where == THREAD and (post.channel, post.thread_ts) != (
        drawn.channel,
        checkins.get(want.day.isoformat()),
    ):
        return [f"{name}: {post.key} is not in its day's check-in thread"]
    if want.where == DM and post.channel not in {emulator.dm_channel(u) for u in drawn.deciders}:
        return [f"{name}: {post.key} went to {post.channel}, not the decision maker's DM"]
    return []


# ----- one run ---------------------------------------------------------------------------------


@dataclass
class Run:
    pilots: dict[int, RandomPilot]
    posts: list[Post]
    ticks: int
    problems: list[str]

    def covered(self) -> dict[str, int]:
        """How many checked posts were of each corner the property is about."""
        expected = [e for p in self.pilots.values() for e in p.expected()]
        zones = {p.plan.tz for p in self.pilots.values()}
        return {
            "posts": len(self.posts),
            "in a DST gap": sum(e.in_gap for e in expected),
            "in a repeated hour": sum(e.ambiguous for e in expected),
            "within 30 min of midnight": sum(
                e.wall <= time(0, 30) or e.wall >= time(23, 30) for e in expected
            ),
            "zones": len(zones),
        }


def run(engine: Engine, *, seed: int, count: int) -> Run:
    """Draw ``count`` pilots from ``seed``, fast-forward them all, check every post."""
    rng = random.Random(seed)
    drawn = [random_pilot(rng, index) for index in range(count)]
    first = min(p.plan.start for p in drawn)
    with SlackEmulator() as emulator:
        for pilot in drawn:
            for role in pilot.roles:
                emulator.add_user(pilot.user(role), f"{role}-{pilot.channel.lower()}")
        # Scheduled two days before the earliest start, as `/pilot create` would leave it.
        pilots = store(
            engine, drawn, datetime.combine(first, time(0), tzinfo=UTC) - 2 * timedelta(days=1)
        )
        posts, ticks = fast_forward(engine, emulator, pilots, rng)
        return Run(pilots, posts, ticks, violations(pilots, posts, emulator))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.calendar_property",
        description="Random pilots fast-forwarded through the real tick and delivery, "
        "every post checked against an independent calendar.",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--count", type=int, default=100, help="random pilots (default 100)")
    add_database_option(parser)
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    started = clock_time.perf_counter()
    with fresh_database(args.database_url) as database:
        engine = make_engine(database.url, schema=database.schema)
        try:
            result = run(engine, seed=args.seed, count=args.count)
        finally:
            engine.dispose()
    seconds = clock_time.perf_counter() - started
    summary: dict[str, Any] = {
        "backend": database.backend,
        "seed": args.seed,
        "pilots": args.count,
        "ticks": result.ticks,
        **result.covered(),
        "violations": len(result.problems),
        "seconds": round(seconds, 1),
        "command": reproduce("bench.calendar_property", args, ("seed", "count")),
    }
    print(json.dumps(summary, indent=2))
    for problem in result.problems[:30]:
        print(f"  violation  {problem}")
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
