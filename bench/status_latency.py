"""`/pilot status` latency against a bare Bolt app on the same server.

Budget (product lead): the real app's p99 within 1.3x the p99 of a bare Bolt app whose
`/pilot` answers a constant, served the same way on the same machine.

    python -m bench.status_latency [--requests 4000] [--concurrency 16] [--pilots 1000]
                                   [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                   [--inline-floor] [--rate 600]

Seeds a fresh database (a temporary SQLite file by default; a throwaway schema on
PostgreSQL, dropped afterwards), starts `bench.serve` in a second process, and drives
both apps over HTTP with signed slash commands from `--concurrency` threads, in
alternating rounds (bare, real, real, bare, ...) after a warm-up, so drift in the
machine hits both apps alike. The budget is stated for a closed loop (each thread sends
its next request when the last returns); ``--rate`` runs an open loop instead, for
comparison. Prints the figures and the command that reproduces
them, and writes them to bench/results/status_latency.json. Exits 1 when the budget
is missed, 2 when any request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.seed import Seeded, seed
from bench.serve import BARE_ANSWER
from slack_emulator.client import SlackSender
from storage.db import make_engine, migrate

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "status_latency.json"
BUDGET = 1.3
APPS = ("bare", "real")
# With --inline-floor: the bare app's constant answered on the request's thread (as the real
# app answers `/pilot status`) instead of Bolt's listener pool: the closed loop's figure for
# an app that does no work at all but skips Bolt's 10 ms wait for the ack.
FLOOR = "inline"


@dataclass
class Database:
    url: str
    schema: str | None
    backend: str


@dataclass
class Samples:
    """Latencies (seconds) of one app's measured requests, and the wall time they took."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    failures: list[str] = field(default_factory=list)
    round_p99s: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "requests": len(ordered),
            "failures": len(self.failures),
            "p50_ms": _ms(percentile(ordered, 50)),
            "p90_ms": _ms(percentile(ordered, 90)),
            "p99_ms": _ms(percentile(ordered, 99)),
            "max_ms": _ms(ordered[-1]) if ordered else None,
            "mean_ms": _ms(sum(ordered) / len(ordered)) if ordered else None,
            "throughput_rps": round(len(ordered) / self.wall, 1) if self.wall else None,
        }


def percentile(ordered: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) on sorted data."""
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * pct / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# ----- the database ----------------------------------------------------------------------


@contextmanager
def fresh_database(url: str | None) -> Iterator[Database]:
    """An empty, migrated database: a temporary SQLite file, or a PostgreSQL schema that
    is dropped when the block ends (as tests/conftest.py does)."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="pilot-bench-") as folder:
            yield _migrated(Database(f"sqlite:///{folder}/bench.db", None, "sqlite"))
        return
    backend = make_url(url).get_backend_name()
    if backend != "postgresql":
        yield _migrated(Database(url, None, backend))
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _migrated(Database(url, schema, backend))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _migrated(database: Database) -> Database:
    engine = make_engine(database.url, schema=database.schema)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return database


def seed_database(database: Database, *, pilots: int, rng: random.Random) -> Seeded:
    engine = make_engine(database.url, schema=database.schema)
    try:
        seeded = seed(engine, pilots=pilots, today=datetime.now(UTC).date(), rng=rng)
        if database.backend == "postgresql":
            # A live database has had autovacuum analyse these tables long ago.
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        return seeded
    finally:
        engine.dispose()


# ----- the servers -----------------------------------------------------------------------


@contextmanager
def servers(database: Database, *, threads: int) -> Iterator[dict[str, Any]]:
    """`bench.serve` in its own process; yields what it printed (URLs, secret, pid)."""
    command = [sys.executable, "-m", "bench.serve", "--database-url", database.url,
               "--threads", str(threads)]
    if database.schema:
        command += ["--schema", database.schema]
    env = {**os.environ, "SKIP_SLACK_SDK_WARNING": "1"}
    # Its own session: Ctrl-C reaches only us, and we stop it by closing its stdin
    # (which also happens if we die).
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"bench.serve exited with {process.wait()} before serving")
        yield json.loads(line)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ----- the load --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    signing_secret: str
    team_id: str


def run_round(
    target: Target,
    *,
    requests: int,
    concurrency: int,
    channels: list[str],
    seed_value: int,
    into: Samples | None,
    rate: float | None = None,
) -> None:
    """`requests` signed `/pilot status` commands from `concurrency` threads, each to a
    random pilot channel; latencies (and the round's wall time) go `into` the samples.

    Closed loop by default: each thread sends its next request as soon as the last one
    returned. With ``rate``, an open loop: requests are due at Poisson arrivals of ``rate``
    per second, each sent by the next free thread, and timed from when it was due (so a
    request that waited for a free thread counts its wait)."""
    remaining = iter(_due_times(requests, rate, random.Random(seed_value)))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    begun = time.perf_counter()

    def client(number: int) -> None:
        sender = SlackSender(target.url, target.signing_secret, team_id=target.team_id)
        rng = random.Random(seed_value * 1000 + number)
        while True:
            with lock:
                due = next(remaining, None)
            if due is None:
                return
            index = rng.randrange(len(channels))
            problem: str | None
            if rate is None:
                started = time.perf_counter()
            else:
                started = begun + due
                if (wait := started - time.perf_counter()) > 0:
                    time.sleep(wait)
            try:
                response = sender.command("status", channel_id=channels[index], user_id="U0001")
            except OSError as error:  # refused, reset, timed out: a failure, not a crash
                elapsed, problem = time.perf_counter() - started, f"{target.name}: {error!r}"
            else:
                elapsed = time.perf_counter() - started
                problem = _check(target.name, response.status, response.text, index)
            with lock:
                latencies.append(elapsed)
                if problem:
                    failures.append(problem)

    threads = [
        threading.Thread(target=client, args=(n,), daemon=True) for n in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if into is not None:
        into.latencies += latencies
        into.failures += failures
        into.wall += wall
        into.round_p99s.append(percentile(sorted(latencies), 99))


def _due_times(requests: int, rate: float | None, rng: random.Random) -> list[float]:
    """When each request is due, in seconds from the round's start (closed loop: 0 for all,
    each sent when a thread is free)."""
    if rate is None:
        return [0.0] * requests
    due, times = 0.0, []
    for _ in range(requests):
        due += rng.expovariate(rate)
        times.append(due)
    return times


def _check(app: str, status: int, body: str, index: int) -> str | None:
    """Count an answer only if it is the right one: 200 and the expected text."""
    if status != 200:
        return f"{app}: HTTP {status}: {body[:200]}"
    if app in ("bare", FLOOR):
        return None if body == BARE_ANSWER else f"{app}: unexpected answer {body[:200]!r}"
    try:
        answer = json.loads(body).get("text", "")
    except ValueError:
        return f"real: not JSON: {body[:200]!r}"
    return None if f"Pilot {index:04d}" in answer else f"real: unexpected answer {answer[:200]!r}"


def measure(
    targets: dict[str, Target],
    apps: tuple[str, ...],
    *,
    requests: int,
    rounds: int,
    warmup: int,
    concurrency: int,
    channels: list[str],
    seed_value: int,
    log: Callable[[str], None],
    rate: float | None = None,
) -> dict[str, Samples]:
    samples = {name: Samples() for name in apps}
    for name in apps:
        run_round(targets[name], requests=warmup, concurrency=concurrency, channels=channels,
                  seed_value=seed_value, into=None, rate=rate)
    per_round = [requests // rounds + (1 if r < requests % rounds else 0) for r in range(rounds)]
    for number, size in enumerate(per_round):
        # bare, real | real, bare | ...: no app always goes first after another.
        order = apps[number % len(apps):] + apps[:number % len(apps)]
        for name in order:
            run_round(targets[name], requests=size, concurrency=concurrency, channels=channels,
                      seed_value=seed_value + 1 + number, into=samples[name], rate=rate)
        log(f"  round {number + 1}/{rounds}: "
            + ", ".join(f"{n} p99 {samples[n].round_p99s[-1] * 1000:.1f} ms" for n in apps))
    return samples


# ----- the report ------------------------------------------------------------------------


def reproduce_command(args: argparse.Namespace) -> str:
    python = Path(sys.executable)
    shown = str(python.relative_to(REPO)) if python.is_relative_to(REPO) else "python"
    words = [shown, "-m", "bench.status_latency", "--requests", str(args.requests),
             "--concurrency", str(args.concurrency), "--pilots", str(args.pilots),
             "--rounds", str(args.rounds), "--warmup", str(args.warmup),
             "--seed", str(args.seed)]
    if args.database_url:
        words += ["--database-url", make_url(args.database_url).render_as_string()]
    if args.inline_floor:
        words.append("--inline-floor")
    if args.rate is not None:
        words += ["--rate", f"{args.rate:g}"]
    if args.output.resolve() != RESULTS:
        words += ["--output", str(args.output)]
    return shlex.join(words)


def report(result: dict[str, Any]) -> str:
    config, apps = result["config"], result["apps"]
    lines = [
        "/pilot status latency: real app vs a bare Bolt app on the same server",
        f"  backend      {config['backend']} ({config['database']})",
        f"  data         {config['pilots']} pilots in {config['pilots']} channels, "
        f"{config['team_members']} team members, {config['change_log_rows']} change-log rows, "
        f"{config['checkin_replies']} check-in replies, {config['flags']} flags",
        f"  load         {config['requests']} requests per app, {config['concurrency']} "
        f"concurrent clients, {config['rounds']} alternating rounds after "
        f"{config['warmup']} warm-up requests per app, "
        + (f"open loop at {config['rate']:g} req/s (not the budget's closed loop)"
           if config["rate"] else "closed loop"),
        f"  server       waitress, {config['server_threads']} threads per app, own process",
        f"  machine      Python {config['python']}, {config['platform']}, "
        f"{config['cpus']} CPUs, load average {config['load_average_before']} at the start",
        "",
        f"  {'app':<6}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'req/s':>9}"
        f"{'failed':>8}",
    ]
    for name in apps:
        s = apps[name]
        lines.append(
            f"  {name:<6}{s['p50_ms']:>9.2f}{s['p90_ms']:>9.2f}{s['p99_ms']:>9.2f}"
            f"{s['max_ms']:>9.2f}{s['throughput_rps']:>9.1f}{s['failures']:>8}"
        )
    verdict = "PASS" if result["pass"] else "FAIL"
    lines += [
        "",
        f"  p50 ratio    {result['p50_ratio']:.2f}",
        f"  p99 ratio    {result['p99_ratio']:.2f}  (budget <= {result['budget']})  {verdict}",
        f"  per round    p99 ratio {min(result['round_p99_ratios']):.2f}"
        f" to {max(result['round_p99_ratios']):.2f} over {len(result['round_p99_ratios'])} rounds",
    ]
    if FLOOR in apps:
        lines.append(
            f"  inline       the constant answered on the request's thread: p99 ratio "
            f"{result['floor_p99_ratio']:.2f} (for comparison; not the verdict)"
        )
    lines += [
        "",
        f"  reproduce    {result['command']}",
        f"  results      {result['results_file']}",
    ]
    if config["load_average_before"] > config["cpus"] / 2:
        lines.append(f"  warning      the machine was busy before the run (load average "
                     f"{config['load_average_before']} on {config['cpus']} CPUs): other work "
                     "skews the tail; rerun on a quiet machine before trusting a verdict")
    for problem in result["failure_examples"]:
        lines.append(f"  failure      {problem}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.status_latency",
        description="`/pilot status` p50/p99 against a bare Bolt app on the same server.",
    )
    parser.add_argument("--requests", type=int, default=4000, help="measured requests per app")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--pilots", type=int, default=1000, help="pilots (one per channel)")
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file; PostgreSQL gets a fresh schema")
    parser.add_argument("--rounds", type=int, default=20,
                        help="alternating rounds per app (more rounds spread noise evenly)")
    parser.add_argument("--warmup", type=int, default=400, help="warm-up requests per app")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads per app")
    parser.add_argument("--seed", type=int, default=1, help="random seed for data and load")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--inline-floor", action="store_true",
                        help="also load an app that answers a constant on the request's "
                        "thread instead of Bolt's pool")
    parser.add_argument("--rate", type=float, default=None,
                        help="open loop: requests due at this many per second (Poisson), "
                        "timed from when due; default: the closed loop the budget is "
                        "stated for")
    args = parser.parse_args(argv)
    for name in ("requests", "concurrency", "pilots", "rounds", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be positive")
    args.rounds = min(args.rounds, args.requests)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A plain kill still drops the PostgreSQL schema and stops the server process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    # Anything else running on the machine (a test suite, say) shows in the figures.
    load_before = round(os.getloadavg()[0], 2)
    rng = random.Random(args.seed)
    with fresh_database(args.database_url) as database:
        log(f"seeding {args.pilots} pilots on {database.backend} ...")
        seeded = seed_database(database, pilots=args.pilots, rng=rng)
        log(f"  seeded in {time.perf_counter() - started:.1f} s; starting the servers ...")
        with servers(database, threads=args.threads) as ready:
            names = (*APPS, FLOOR) if args.inline_floor else APPS
            targets = {
                name: Target(name, ready[name], ready["signing_secret"], ready["team_id"])
                for name in names
            }
            log(f"  serving (pid {ready['pid']}): bare {ready['bare']}, real {ready['real']}")
            samples = measure(targets, names, requests=args.requests, rounds=args.rounds,
                              warmup=args.warmup, concurrency=args.concurrency,
                              channels=seeded.channels, seed_value=args.seed, log=log,
                              rate=args.rate)

    apps = {name: samples[name].summary() for name in samples}
    p99_ratio = apps["real"]["p99_ms"] / apps["bare"]["p99_ms"]
    p50_ratio = apps["real"]["p50_ms"] / apps["bare"]["p50_ms"]
    failures = [problem for name in samples for problem in samples[name].failures]
    round_ratios = [
        real / bare
        for real, bare in zip(samples["real"].round_p99s, samples["bare"].round_p99s, strict=True)
    ]
    output = args.output.resolve()
    result = {
        "benchmark": "status_latency",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "backend": database.backend,
            "database": make_url(database.url).render_as_string() if args.database_url
            else "temporary SQLite file",
            "pilots": seeded.pilots,
            "team_members": seeded.team_members,
            "change_log_rows": seeded.change_log_rows,
            "checkin_replies": seeded.checkin_replies,
            "flags": seeded.flags,
            "requests": args.requests,
            "concurrency": args.concurrency,
            "rate": args.rate,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "server_threads": args.threads,
            "seed": args.seed,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
        },
        "apps": apps,
        "p50_ratio": round(p50_ratio, 3),
        "p99_ratio": round(p99_ratio, 3),
        "round_p99_ratios": [round(ratio, 3) for ratio in round_ratios],
        "floor_p99_ratio": round(apps[FLOOR]["p99_ms"] / apps["bare"]["p99_ms"], 3)
        if FLOOR in apps else None,
        "budget": BUDGET,
        "pass": p99_ratio <= BUDGET and not failures,
        "command": reproduce_command(args),
        "results_file": shown_path(output),
        "failure_examples": failures[:5],
        "seconds": round(time.perf_counter() - started, 1),
    }
    return finish(result, output, report(result), failed=bool(failures))


def finish(result: dict[str, Any], output: Path, text: str, *, failed: bool) -> int:
    """Write a benchmark's figures as JSON, print its report; 2 if rounds failed, 1 if the
    budget was missed, else 0."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(text)
    if failed:
        return 2
    return 0 if result["pass"] else 1


def shown_path(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


__all__ = ["Samples", "main", "percentile", "run_round", "seed_database"]

if __name__ == "__main__":
    raise SystemExit(main())
