"""The scheduler tick with nothing due, at 100 and at 10,000 pilots.

Budget: the tick's median at 10,000 pilots within 1.5x its median at 100 (the tick
reads only the pilots whose indexed ``next_due_at`` has come, never all of them).

    python -m bench.tick [--small 100] [--large 10000] [--ticks 2000]
                         [--database-url postgresql://postgres@127.0.0.1:5432/test]

Seeds two fresh databases (temporary SQLite files by default; throwaway schemas on
PostgreSQL) with pilots scheduled the way the bot leaves them (``next_due_at`` is each
one's next communication), plus a history of sent check-ins in the outbox, then times
``tick`` at an instant when nothing is due, alternating between the two databases in
rounds so that drift in the machine hits both alike. An idle delivery round is timed
the same way (for information: no budget). Prints the figures and the command that
reproduces them, writes them to bench/results/tick.json, and exits 1 when the budget
is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from bench.options import add_database_option, add_output_option, output_path
from bench.seed import bench_plan, channel_id
from bench.status_latency import Database, fresh_database
from bot.core.cadence import next_due
from schedules.delivery import deliver
from schedules.tick import tick
from storage.db import make_engine, unit_of_work
from storage.models import OutboxMessage, Pilot
from storage.pilots import NOTHING_OWED, pilot_from_plan
from storage.scope import Workspace

BUDGET = 1.5
# An instant when nothing is due: communications fall on whole minutes.
NOW = datetime(2026, 12, 15, 15, 7, 23, tzinfo=UTC)
HISTORY_PER_PILOT = 10  # sent check-ins already in the outbox


def seed_scheduled(engine: Engine, *, pilots: int, rng: random.Random) -> int:
    """Store ``pilots`` pilots scheduled at NOW, with sent check-ins behind them."""
    today = NOW.date()
    pilot_rows: list[dict[str, Any]] = []
    for index in range(pilots):
        plan = bench_plan(index, today=today, rng=rng)
        row = pilot_from_plan(
            plan,
            workspace=Workspace(team_id="T0001"),
            channel_id=channel_id(index),
            owner_id="UOWNER",
        )
        upcoming = next_due(plan, NOW)
        row.next_due_at = upcoming.due_at_utc if upcoming is not None else NOTHING_OWED
        row.state = rng.choices(("active", "paused"), weights=(9, 1))[0]
        pilot_rows.append(row.model_dump(exclude={"id"}))
    with unit_of_work(engine) as session:
        session.execute(insert(Pilot), pilot_rows)
    history: list[dict[str, Any]] = []
    for pilot_id in range(1, pilots + 1):
        for back in range(HISTORY_PER_PILOT):
            day: date = today - timedelta(days=back + 1)
            due = datetime.combine(day, NOW.time(), tzinfo=UTC)
            history.append(
                {
                    "pilot_id": pilot_id,
                    "key": f"checkin:{day.isoformat()}",
                    "kind": "checkin",
                    "team_id": "T0001",
                    "enterprise_id": "",
                    "channel_id": channel_id(pilot_id - 1),
                    "payload": "{}",
                    "due_at": due,
                    "useful_until": due + timedelta(hours=12),
                    "status": "sent",
                    "attempts": 1,
                    "last_error": "",
                    "sent_ts": f"{int(due.timestamp())}.000100",
                    "skipped_reason": "",
                    "claimed_by": "",
                    "created_at": due,
                    "sent_at": due,
                }
            )
    with unit_of_work(engine) as session:
        for start in range(0, len(history), 5000):
            session.execute(insert(OutboxMessage), history[start : start + 5000])
    if engine.dialect.name == "postgresql":
        # Statistics, as autovacuum gathers them after a large load: without them the
        # planner guesses, and scans the whole table instead of the index.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return len(history)


def timed(action: Callable[[], Any], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tick",
        description="The scheduler tick with nothing due, at a small and a large pilot count.",
    )
    parser.add_argument("--small", type=int, default=100, help="pilots in the small database")
    parser.add_argument("--large", type=int, default=10_000, help="pilots in the large one")
    parser.add_argument("--ticks", type=int, default=2000, help="measured ticks per size")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds")
    add_database_option(
        parser, help="default: temporary SQLite files; PostgreSQL gets fresh schemas"
    )
    parser.add_argument("--seed", type=int, default=1)
    add_output_option(parser, "tick")
    args = parser.parse_args(argv)
    if min(args.small, args.large, args.ticks, args.rounds) < 1:
        parser.error("counts must be at least 1")
    return args


def reproduce(args: argparse.Namespace) -> str:
    parts = ["python -m bench.tick", f"--small {args.small}", f"--large {args.large}"]
    parts.append(f"--ticks {args.ticks}")
    if args.database_url:
        parts.append(f"--database-url {shlex.quote(args.database_url)}")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = round(os.getloadavg()[0], 2)
    rng = random.Random(args.seed)
    sizes = {"small": args.small, "large": args.large}
    with (
        fresh_database(args.database_url) as small_db,
        fresh_database(args.database_url) as large_db,
    ):
        databases: dict[str, Database] = {"small": small_db, "large": large_db}
        engines = {name: make_engine(db.url, schema=db.schema) for name, db in databases.items()}
        try:
            for name, engine in engines.items():
                started = time.perf_counter()
                rows = seed_scheduled(engine, pilots=sizes[name], rng=rng)
                print(
                    f"seeded {sizes[name]} pilots and {rows} outbox rows on "
                    f"{databases[name].backend} in {time.perf_counter() - started:.1f} s",
                    file=sys.stderr,
                )
            # No Slack call happens in an idle round; the client is never used.
            client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/api/")
            ticks: dict[str, list[float]] = {name: [] for name in engines}
            rounds: dict[str, list[float]] = {name: [] for name in engines}
            per_round = max(1, args.ticks // args.rounds)
            for engine in engines.values():  # warm-up: caches, connections
                timed(partial(_idle_tick, engine), 50)
            for _ in range(args.rounds):
                for name, engine in engines.items():
                    ticks[name] += timed(partial(_idle_tick, engine), per_round)
                    rounds[name] += timed(
                        partial(deliver, engine=engine, client=client, now=NOW),
                        max(1, per_round // 4),
                    )
        finally:
            for engine in engines.values():
                engine.dispose()
    tick_figures = {name: summary(samples) for name, samples in ticks.items()}
    ratio = tick_figures["large"]["median_ms"] / tick_figures["small"]["median_ms"]
    result = {
        "benchmark": "tick with nothing due",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": small_db.backend,
        "pilots": sizes,
        "ticks_per_size": len(ticks["small"]),
        "tick": tick_figures,
        "idle_delivery_round": {name: summary(samples) for name, samples in rounds.items()},
        "ratio_large_to_small": round(ratio, 3),
        "budget": BUDGET,
        "within_budget": ratio <= BUDGET,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load {load_before}",
        "command": reproduce(args),
    }
    print(render(result))
    output = output_path(args.output, "tick", str(result["backend"]))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["within_budget"] else 1


def _idle_tick(engine: Engine) -> None:
    report = tick(engine=engine, now=NOW)
    if report.looked_at:
        raise RuntimeError("the benchmark's instant should have nothing due")


def render(result: dict[str, Any]) -> str:
    lines = [f"Scheduler tick, nothing due ({result['backend']}; {result['machine']})"]
    for name in ("small", "large"):
        t, d = result["tick"][name], result["idle_delivery_round"][name]
        lines.append(
            f"  {result['pilots'][name]:>6} pilots  tick median {t['median_ms']:.3f} ms, "
            f"p95 {t['p95_ms']:.3f} ms   (idle delivery round median {d['median_ms']:.3f} ms)"
        )
    verdict = "within" if result["within_budget"] else "OVER"
    lines.append(
        f"  large/small  {result['ratio_large_to_small']:.2f}x  ({verdict} the "
        f"{result['budget']}x budget)"
    )
    lines.append(f"  reproduce    {result['command']}")
    return "\n".join(lines)



if __name__ == "__main__":
    sys.exit(main())
