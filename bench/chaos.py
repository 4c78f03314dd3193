"""Chaos: three `pilot-bot serve` instances on one database, one killed every 20-60 s.

Budget: every message the pilots owe reaches Slack exactly once (none doubled, none
missing; one recorded as skipped with its reason is counted apart), none more than
60 s after it was due, and `/pilot status` never fails on a live instance.

    python -m bench.chaos [--minutes 12] [--pilots 54] [--flags 2] [--seed 1]
                          [--database-url postgresql://postgres@127.0.0.1:5432/test]

On a fresh PostgreSQL schema (dropped afterwards) it stores ``--pilots`` pilots
(`bench.chaos_pilots`: every role held, check-in, reminder and review times inside the
run, escalation policies of a few minutes), starts three `pilot-bot serve` processes
against one Slack emulator (50 ms per call, one post a second per channel), and then
for ``--minutes``: raises ``--flags`` flags per pilot over HTTP (`/pilot flag`) at random
moments, sends `/pilot status` to a random live instance every half second, and every
20-60 s kills an instance with SIGKILL, starting it again at once: one holding leased
messages if any does within 5 s (a kill between a send and its record is the one that
tests the leases), else a random one. A drain follows (no more kills) until every
expected message is in Slack and nothing is owed, or ``--drain`` seconds pass.

What is expected comes from the pilots' plans (`bench.calendar_oracle`) and the
escalation path of each flag raised, never from the outbox; each is looked up in what
the emulator received (by the key in its metadata). Lateness is from its due time
(for a flag's messages, from when the bench sent the command) to the ts Slack gave
it. Prints the figures and the command, writes bench/results/chaos_postgresql.json,
and exits 1 when the budget is missed. The instances' logs stay in a temporary
folder, named in the report.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.chaos_count import LATE_BUDGET, count, delivered_all, history_finds, rounded
from bench.chaos_loops import Tally, flag_loop, kill_loop, status_loop
from bench.chaos_pilots import POLICIES, cadence_owed, draw_pilots, store_pilots
from bench.fleet import running_fleet
from bench.options import add_database_option, add_output_option, output_path, reproduce
from bench.status_latency import finish, fresh_database, percentile, shown_path
from devtools.harness import SIGNING_SECRET
from slack_emulator.server import SlackEmulator
from storage.db import make_engine

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
INSTANCES = 3
SETTLE = 20.0  # seconds after the last expected message, for doubles to show up


# ----- the run -------------------------------------------------------------------------------


def run(
    args: argparse.Namespace, database_url: str, schema: str | None, logs: Path
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    engine = make_engine(database_url, schema=schema)
    env_url = database_url
    if schema:  # the instances find the schema through PostgreSQL's search_path
        env_url += ("&" if "?" in database_url else "?") + f"options=-csearch_path%3D{schema}"
    with SlackEmulator(latency=args.latency, post_rate_per_channel=1) as emulator:
        began = datetime.now(UTC)
        chaos_end = began + timedelta(minutes=args.minutes)
        longest = max(max(delays) for delays in POLICIES.values())
        drawn = draw_pilots(
            rng,
            count=args.pilots,
            first_due=began + timedelta(minutes=1),
            last_due=chaos_end - timedelta(minutes=1),
        )
        pilots = store_pilots(engine, drawn, began)
        for pilot in pilots:
            emulator.add_channel(pilot.channel, name=pilot.channel.lower())
        tally = Tally(owed=cadence_owed(pilots, began, chaos_end))
        # Flags at random moments, late enough to be raised on a running fleet and early
        # enough for their last step to come due before the kills stop.
        last_raise = max(30.0, args.minutes * 60 - (longest + 1) * 60)
        schedule = sorted(
            (
                (
                    began.timestamp() + rng.uniform(20.0, last_raise),
                    pilot,
                    rng.choice(list(POLICIES)),
                )
                for pilot in pilots
                for _ in range(args.flags)
            ),
            key=lambda item: item[0],
        )
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": emulator.token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": env_url,
            "SLACK_API_URL": emulator.api_url,
            "LOG_LEVEL": "INFO",
            "SKIP_SLACK_SDK_WARNING": "1",
        }
        stop, drained = threading.Event(), threading.Event()
        with running_fleet(count=INSTANCES, env=env, logs=logs) as fleet:
            if not fleet.wait_live():
                raise SystemExit(f"the instances did not start; see their logs in {logs}")
            threads = [
                threading.Thread(target=status_loop, args=(fleet, pilots, tally, drained, rng)),
                threading.Thread(target=flag_loop, args=(fleet, schedule, tally, stop)),
                threading.Thread(target=kill_loop, args=(fleet, engine, tally, stop, rng)),
            ]
            for thread in threads:
                thread.start()
            stop.wait(max(0.0, (chaos_end - datetime.now(UTC)).total_seconds()))
            stop.set()
            for thread in threads[1:]:
                thread.join()
            drain_started = time.monotonic()
            while time.monotonic() - drain_started < args.drain:
                if delivered_all(emulator, tally.owed, engine):
                    break
                time.sleep(2.0)
            drain_s = time.monotonic() - drain_started
            time.sleep(SETTLE)  # a message sent twice would show by now
            drained.set()
            threads[0].join()
            startups = [s for i in fleet.instances for s in i.startup_seconds]
            exits = fleet.exits
        figures = count(tally.owed, emulator, engine, began)
        rate_limited = sum(1 for c in emulator.calls_to("chat.postMessage") if c.status == 429)
    engine.dispose()
    status = sorted(tally.status_seconds)
    return {
        **figures,
        "kills": len(tally.kills),
        "kills_holding_leases": tally.kills_holding_leases,
        "leased_messages_killed": tally.leases_killed,
        "found_in_history": history_finds(logs),
        "unexpected_exits": exits,
        "restart_to_live_s_p50": rounded(percentile(sorted(startups), 50)),
        "drain_s": round(drain_s, 1),
        "flags_raised": sum(1 for o in tally.owed if o.what == "flag"),
        "flag_errors": tally.flag_errors[:10],
        "status_requests_ok": tally.status_ok,
        "status_errors": len(tally.status_errors),
        "status_error_examples": tally.status_errors[:10],
        "status_cut_by_a_kill": tally.status_cut,
        "status_p50_ms": rounded(percentile(status, 50) * 1000),
        "status_p99_ms": rounded(percentile(status, 99) * 1000),
        "rate_limited_posts": rate_limited,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos",
        description="Three pilot-bot serve instances on one database, one killed every "
        "20-60 s: every owed message once, on time.",
    )
    parser.add_argument("--minutes", type=int, default=12, help="minutes of kills (default 12)")
    parser.add_argument("--pilots", type=int, default=54, help="pilots, one per channel (54)")
    parser.add_argument("--flags", type=int, default=2, help="flags raised per pilot (2)")
    parser.add_argument("--drain", type=int, default=240, help="seconds of drain at most (240)")
    parser.add_argument("--latency", type=float, default=0.05, help="emulator s per call (0.05)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    add_database_option(
        parser,
        default=DEFAULT_DATABASE,
        help=f"PostgreSQL (a fresh schema, dropped afterwards); default {DEFAULT_DATABASE}",
    )
    add_output_option(parser, "chaos")
    args = parser.parse_args(argv)
    # Five minutes hold a check-in, its review and its reminder two minutes later.
    if args.minutes < 5 or args.pilots < 1 or args.flags < 0:
        parser.error("--minutes must be at least 5, --pilots at least 1, --flags not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))  # drops the schema
    load_before = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    logs = Path(tempfile.mkdtemp(prefix="pilot-chaos-"))
    with fresh_database(args.database_url) as database:
        figures = run(args, database.url, database.schema, logs)
    within = (
        figures["doubled"] == 0
        and figures["missing"] == 0
        and figures["status_errors"] == 0
        and figures["lateness_max_s"] is not None
        and figures["lateness_max_s"] <= LATE_BUDGET.total_seconds()
    )
    output = output_path(args.output, "chaos", database.backend).resolve()
    result = {
        "benchmark": "chaos",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": database.backend,
        "database": make_url(args.database_url).render_as_string(),
        "instances": INSTANCES,
        "minutes": args.minutes,
        "pilots": args.pilots,
        "flags_per_pilot": args.flags,
        "emulator_latency_s": args.latency,
        **figures,
        "pass": within,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load {load_before} at the start",
        "logs": str(logs),
        "command": reproduce("bench.chaos", args, ("minutes", "pilots", "flags", "seed")),
        "results_file": shown_path(output),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return finish(result, output, report(result), failed=False)


def report(r: dict[str, Any]) -> str:
    verdict = "PASS" if r["pass"] else "FAIL"
    return "\n".join(
        [
            f"Chaos: {r['instances']} pilot-bot serve instances on {r['backend']}, "
            f"{r['kills']} kill -9 in {r['minutes']} min ({r['machine']})",
            f"  owed          {r['expected']} messages {r['expected_by_kind']} for {r['pilots']} "
            f"pilots and {r['flags_raised']} flags",
            f"  delivered     {r['delivered_once']} once, {r['doubled']} doubled, {r['missing']} "
            f"missing, {r['skipped']} skipped with a reason, {r['unexpected']} unexpected",
            f"  lateness      p50 {r['lateness_p50_s']} s, p95 {r['lateness_p95_s']} s, max "
            f"{r['lateness_max_s']} s; {r['late_over_60s']} over 60 s",
            f"  /pilot status {r['status_requests_ok']} answered (p50 {r['status_p50_ms']} ms, p99 "
            f"{r['status_p99_ms']} ms), {r['status_errors']} errors on live instances, "
            f"{r['status_cut_by_a_kill']} cut by a kill",
            f"  kills         {r['kills_holding_leases']} of {r['kills']} while the instance held "
            f"leases ({r['leased_messages_killed']} messages); {r['found_in_history']} sent "
            "but not recorded, found in Slack's history instead of posted again",
            f"  instances     live again {r['restart_to_live_s_p50']} s after a kill (p50); "
            f"drain {r['drain_s']} s; {r['rate_limited_posts']} posts answered 429",
            f"  budget        0 doubled, 0 missing, max lateness <= 60 s, 0 errors: {verdict}",
            *[
                f"  example       {line}"
                for key in (
                    "doubled_examples",
                    "missing_examples",
                    "skipped_examples",
                    "unexpected_examples",
                    "status_error_examples",
                    "flag_errors",
                )
                for line in (r[key].items() if isinstance(r[key], dict) else r[key])
            ],
            *[f"  latest        {line}" for line in r["latest"]],
            f"  reproduce     {r['command']}",
            f"  results       {r['results_file']}; instance logs in {r['logs']}",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
