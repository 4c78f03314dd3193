"""Peak resident memory of `pilot-bot serve` at 100 and at 10,000 pilots.

Budget (issue 18): at most 150 MB at 10,000 pilots, and at most 2x the figure at 100.

    python -m bench.memory [--small 100] [--large 10000] [--requests 300]
                           [--database-url postgresql://postgres@127.0.0.1:5432/test]

For each size: seeds a fresh database with that many pilots and a year of history each
(as the status benchmark seeds them), starts the real `pilot-bot serve` (scheduler on,
every runtime dependency imported at start-up, matplotlib included) against the Slack
emulator, lets the scheduler run a tick and delivery rounds, sends a burst of signed
`/pilot status` requests over HTTP, and reads the process's peak resident set (VmHWM in
/proc/<pid>/status, Linux). Prints the figures and the command that reproduces them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.options import add_database_option, add_output_option, output_path, reproduce
from bench.seed import seed
from bench.status_latency import fresh_database
from slack_emulator.client import SlackSender
from slack_emulator.server import SlackEmulator
from storage.db import make_engine

BUDGET_MB = 150.0
BUDGET_RATIO = 2.0
SIGNING_SECRET = "bench-memory-signing-secret"
SETTLE = 30.0  # seconds for the scheduler's first tick (20 s) and delivery rounds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM: this benchmark reads Linux's /proc")


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pilot-bot serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("pilot-bot serve did not become healthy")


def measure(pilots: int, *, database_url: str | None, requests: int) -> dict[str, Any]:
    with fresh_database(database_url) as database:
        engine = make_engine(database.url, schema=database.schema)  # migrated already
        started = time.monotonic()
        seeded = seed(engine, pilots=pilots, today=datetime.now(UTC).date(),
                      rng=random.Random(pilots))
        seeding = time.monotonic() - started
        engine.dispose()
        url = database.url
        if database.schema:  # the server finds the schema through search_path
            url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{database.schema}"
        with SlackEmulator() as emulator, tempfile.TemporaryDirectory() as scratch:
            port = _free_port()
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": emulator.token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": emulator.api_url,
                "DATABASE_URL": url,
                "LOG_LEVEL": "WARNING",
                "HOME": scratch,
            }
            process = subprocess.Popen(  # noqa: S603 - our own CLI
                [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                _wait_healthy(base, process)
                after_start = _peak_mb(process.pid)
                time.sleep(SETTLE)  # a tick and delivery rounds run meanwhile
                sender = SlackSender(f"{base}/slack/events", SIGNING_SECRET,
                                     team_id=emulator.team_id)
                failed = 0
                for index in range(requests):
                    channel = seeded.channels[index % len(seeded.channels)]
                    answer = sender.command("status", channel_id=channel)
                    failed += answer.status != 200
                peak = _peak_mb(process.pid)
            finally:
                process.terminate()
                process.wait(timeout=30)
    return {
        "pilots": pilots,
        "seeding_s": round(seeding, 1),
        "after_start_mb": round(after_start, 1),
        "peak_mb": round(peak, 1),
        "status_requests": requests,
        "failed": failed,
        "backend": database.backend,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    add_database_option(parser)
    add_output_option(parser, "memory")
    args = parser.parse_args(argv)
    small = measure(args.small, database_url=args.database_url, requests=args.requests)
    large = measure(args.large, database_url=args.database_url, requests=args.requests)
    ratio = large["peak_mb"] / small["peak_mb"]
    met = large["peak_mb"] <= BUDGET_MB and ratio <= BUDGET_RATIO
    lines = [
        "pilot-bot serve: peak resident memory (VmHWM), scheduler on, after a tick, delivery"
        " rounds and a burst of /pilot status",
        f"  backend      {small['backend']}",
        *(
            f"  {r['pilots']:>6} pilots  peak {r['peak_mb']:.1f} MB (after start-up"
            f" {r['after_start_mb']:.1f} MB), {r['status_requests']} status requests,"
            f" {r['failed']} failed"
            for r in (small, large)
        ),
        f"  ratio        {ratio:.2f}  (budget <= {BUDGET_RATIO})",
        f"  budget       <= {BUDGET_MB:.0f} MB at {args.large} pilots: "
        + ("met" if met else "MISSED"),
        "  reproduce    " + reproduce("bench.memory", args, ("small", "large", "requests")),
    ]
    print("\n".join(lines))
    output = output_path(args.output, "memory", small["backend"])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"small": small, "large": large, "ratio": ratio}, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
