"""1,000 check-ins due in the same minute, delivered to the Slack emulator.

Budget: every check-in reaches Slack within 30 s of its due time, each exactly once,
with 100 ms per Web API call and Slack's one-post-a-second-per-channel limit.

    python -m bench.checkin_burst [--checkins 1000] [--latency 0.1] [--workers 12]
                                  [--database-url postgresql://postgres@127.0.0.1:5432/test]

Seeds a fresh database (a temporary SQLite file by default; a throwaway schema on
PostgreSQL) with one pilot per channel, all checking in at 09:30 in New York, and
schedules them the way the bot does. Then it plays the scheduler's jobs from 09:30:00
on a clock that runs in real time: the cadence job (tick, then a delivery round), then
delivery rounds until nothing is owed. It counts what the emulator (latency per call,
``post_rate_per_channel=1``) stored in each channel. Prints the figures and the command
that reproduces them, writes them to bench/results/checkin_burst.json, and exits 1 when
the budget is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bench.options import add_database_option, add_output_option, output_path
from bench.status_latency import fresh_database
from bot.core.cadence import next_due
from bot.core.plan import Plan
from schedules.attempts import EVENT_TYPE
from schedules.delivery import DEFAULT_WORKERS, deliver, delivery_client
from schedules.tick import tick
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, unit_of_work
from storage.models import OutboxMessage, Pilot
from storage.outbox import SENT
from storage.pilots import pilot_from_plan
from storage.scope import Workspace

BUDGET_SECONDS = 30.0
DUE = datetime(2026, 12, 14, 14, 30, tzinfo=UTC)  # Monday 09:30 in New York
OWED_AT_DUE = ["checkin:2026-12-14", "ramp_change:w2"]  # what each channel gets, in order
ROUND_EVERY = 5.0  # the delivery job's interval, between rounds that leave work owed


class RealTimeClock:
    """Domain time that starts at ``start`` and runs with the wall clock."""

    def __init__(self, start: datetime) -> None:
        self._start, self._t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


def seed_burst(engine: Engine, *, checkins: int) -> list[str]:
    plan = Plan.create(
        name="Burst",
        customer="Customer",
        pilot_type="business",
        start=date(2026, 12, 7),
        weeks=6,
        ramp="standard",
        tz="America/New_York",
        holiday_country="US",
    )
    upcoming = next_due(plan, DUE - timedelta(minutes=30))
    assert upcoming is not None and upcoming.due_at_utc == DUE
    channels = [f"CBURST{index:05d}" for index in range(checkins)]
    rows = []
    for channel in channels:
        pilot = pilot_from_plan(
            plan, workspace=Workspace(team_id="T0001"), channel_id=channel, owner_id="UOWNER"
        )
        pilot.next_due_at = DUE
        rows.append(pilot.model_dump(exclude={"id"}))
    with unit_of_work(engine) as session:
        session.execute(insert(Pilot), rows)
    return channels


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.checkin_burst",
        description="1,000 check-ins due in the same minute, delivered to the Slack emulator.",
    )
    parser.add_argument("--checkins", type=int, default=1000, help="pilots, one per channel")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Web API call")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="delivery threads")
    add_database_option(parser)
    add_output_option(parser, "checkin_burst")
    args = parser.parse_args(argv)
    if args.checkins < 1 or args.workers < 1 or args.latency < 0:
        parser.error("--checkins and --workers must be at least 1, --latency not negative")
    return args


def reproduce(args: argparse.Namespace) -> str:
    parts = ["python -m bench.checkin_burst", f"--checkins {args.checkins}"]
    parts += [f"--latency {args.latency}", f"--workers {args.workers}"]
    if args.database_url:
        parts.append(f"--database-url {shlex.quote(args.database_url)}")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = round(os.getloadavg()[0], 2)
    with (
        fresh_database(args.database_url) as database,
        SlackEmulator(latency=args.latency, post_rate_per_channel=1) as emulator,
    ):
        engine = make_engine(database.url, schema=database.schema)
        try:
            channels = seed_burst(engine, checkins=args.checkins)
            client = delivery_client(token=emulator.token, base_url=emulator.api_url)
            figures = play(engine, client, emulator, args)
            figures["outbox"] = outbox_counts(engine)
        finally:
            engine.dispose()
        figures.update(check_once(emulator, channels))
    ok = (
        figures["last_post_s"] is not None
        and figures["last_post_s"] <= BUDGET_SECONDS
        and figures["channels_with_exactly_one"] == args.checkins
        and figures["duplicates"] == 0
    )
    result = {
        "benchmark": "check-in burst",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": database.backend,
        "checkins": args.checkins,
        "latency_s": args.latency,
        "post_rate_per_channel": 1,
        "workers": args.workers,
        **figures,
        "budget_s": BUDGET_SECONDS,
        "within_budget": ok,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load {load_before}",
        "command": reproduce(args),
    }
    print(render(result))
    output = output_path(args.output, "checkin_burst", str(result["backend"]))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if ok else 1


def play(
    engine: Engine, client: WebClient, emulator: SlackEmulator, args: argparse.Namespace
) -> dict[str, Any]:
    """The scheduler's jobs from the due instant until nothing is owed (or 3x the budget)."""
    clock = RealTimeClock(DUE)
    started = time.monotonic()
    report = tick(engine=engine, now=clock.now())
    tick_s = time.monotonic() - started
    rounds, sent = 0, 0
    while time.monotonic() - started < 3 * BUDGET_SECONDS:
        round_started = time.monotonic()
        delivered = deliver(engine=engine, client=client, now=clock.now(), workers=args.workers)
        rounds += 1
        sent += len(delivered.sent)
        if sent >= len(report.enqueued):
            break
        # What is left waits for Retry-After or backoff: the next round, as the job runs it.
        time.sleep(max(0.0, ROUND_EVERY - (time.monotonic() - round_started)))
    posts = [c for c in emulator.calls_to("chat.postMessage") if c.ok]
    last = max((c.at for c in posts), default=None)
    return {
        "owed_by_the_tick": len(report.enqueued),
        "tick_s": round(tick_s, 3),
        "delivery_rounds": rounds,
        "last_post_s": None if last is None else round(last - _monotonic_of(started), 3),
        "posts_per_s": round(len(posts) / (last - _monotonic_of(started)), 1) if last else None,
        "rate_limited_answers": sum(
            1 for c in emulator.calls_to("chat.postMessage") if c.status == 429
        ),
    }


def _monotonic_of(started: float) -> float:
    # The emulator stamps calls with time.monotonic() in this same process.
    return started


def check_once(emulator: SlackEmulator, channels: list[str]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    exactly_one = 0
    for channel in channels:
        keys = [
            (m.get("metadata") or {}).get("event_payload", {}).get("key")
            for m in emulator.messages(channel)
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
        ]
        counts.update(f"{channel}/{key}" for key in keys)
        # Monday of week 2: the check-in thread, and the ramp step to 25% at the same time.
        exactly_one += keys == OWED_AT_DUE
    return {
        "channels_with_exactly_one": exactly_one,
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
    }


def outbox_counts(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        ).all()
    counts = {str(status): int(n) for status, n in rows}
    counts.setdefault(SENT, 0)
    return counts


def render(result: dict[str, Any]) -> str:
    verdict = "within" if result["within_budget"] else "OVER"
    return "\n".join(
        [
            f"Check-in burst ({result['backend']}; {result['machine']})",
            f"  {result['checkins']} check-ins due at the same instant, one per channel; "
            f"emulator latency {result['latency_s']} s per call, 1 post/s per channel; "
            f"{result['workers']} delivery threads",
            f"  tick (records them all)   {result['tick_s']:.2f} s",
            f"  last one reached Slack    {result['last_post_s']} s after the due time "
            f"({result['posts_per_s']} posts/s, {result['delivery_rounds']} delivery round(s))",
            f"  exactly once              {result['channels_with_exactly_one']} of "
            f"{result['checkins']} channels, {result['duplicates']} duplicates; "
            f"outbox {result['outbox']}",
            f"  budget                    {verdict} {result['budget_s']:.0f} s",
            f"  reproduce                 {result['command']}",
        ]
    )



if __name__ == "__main__":
    sys.exit(main())
