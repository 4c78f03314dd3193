"""Serve the real bot and a bare Bolt app side by side, for the latency benchmark.

Both go through `devtools.harness.running_bot`: the same waitress server, middleware and
request signing, on the same Slack emulator and database. The real app has every
listener; the bare one answers `/pilot` with a constant, so the gap between them is
what the product's own work costs. A third, ``inline``, answers the same constant on the
request's own thread, as the real app answers `/pilot status` (`--inline-floor`).

Started by `bench.status_latency` in a process of its own (the load generator's
threads would otherwise share this process's GIL). Prints one JSON line with the
URLs, then serves until its standard input closes. Run it by hand to profile::

    python -m bench.serve --database-url sqlite:////tmp/bench.db  # then py-spy record --pid
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.app import ListenerExecutor, services_of
from bot.clock import SystemClock
from bot.features.status import catch_up
from bot.process import few_malloc_arenas, freeze_start_up
from devtools.harness import SIGNING_SECRET, running_bot
from slack_emulator.server import SlackEmulator
from storage.db import Engine, make_engine

BARE_ANSWER = "constant"


def register_bare(app: App) -> None:
    def constant(ack: Ack) -> None:
        ack(BARE_ANSWER)

    app.command("/pilot")(constant)


class AnswerInline(Middleware):
    """Marks every request to run its listener on the request's own thread, as the real
    app runs `/pilot status` (bot/app.py's ListenerExecutor)."""

    def __init__(self, executor: ListenerExecutor) -> None:
        self._executor = executor

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        self._executor.run_next_inline(True)
        return next()


def register_inline(app: App) -> None:
    """The bare app's constant, answered on the request's thread instead of on Bolt's pool
    with its 10 ms wait for the ack: what the closed loop gives an app that does no work at
    all but answers as the real one does (`--inline-floor`)."""
    app.use(AnswerInline(services_of(app).executor))
    register_bare(app)


def refresh_status(engine: Engine, clock: SystemClock, stop: threading.Event) -> None:
    """What `pilot-bot serve`'s scheduler does every 5 s (schedules/jobs.py): rebuild the
    status answers that changes or midnight left stale. Its cost lands in the real app's
    process, as it would in production."""
    while True:
        catch_up(engine=engine, clock=clock)
        if stop.wait(5):
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema", default=None, help="PostgreSQL schema (search_path)")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads per app")
    args = parser.parse_args(argv)

    few_malloc_arenas()  # as pilot-bot serve does, before any thread starts
    os.environ.setdefault("SKIP_SLACK_SDK_WARNING", "1")
    logging.basicConfig(level=logging.WARNING)
    # "Task queue depth is 1" on every burst: expected when clients match threads.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    engine = make_engine(args.database_url, schema=args.schema)
    clock = SystemClock()
    with ExitStack() as stack:
        emulator = stack.enter_context(SlackEmulator())
        real = stack.enter_context(
            running_bot(
                emulator=emulator,
                engine=engine,
                clock=clock,
                database_url=args.database_url,
                threads=args.threads,
            )
        )
        bare, inline = (
            stack.enter_context(
                running_bot(
                    emulator=emulator,
                    engine=engine,
                    clock=clock,
                    database_url=args.database_url,
                    threads=args.threads,
                    register=register,
                )
            )
            for register in (register_bare, register_inline)
        )
        # The scheduler catches up with what seeding wrote before anyone asks, as it does
        # within seconds of a real start; then it keeps running beside the requests.
        catch_up(engine=engine, clock=clock)
        stop = threading.Event()
        stack.callback(stop.set)
        threading.Thread(target=refresh_status, args=(engine, clock, stop), daemon=True).start()
        freeze_start_up()  # as pilot-bot serve does once it has started (bot/process.py)
        ready = {
            "real": real.sender.bot_url,
            "bare": bare.sender.bot_url,
            "inline": inline.sender.bot_url,
            "signing_secret": SIGNING_SECRET,
            "team_id": emulator.team_id,
            "pid": os.getpid(),
            "pool": engine.pool.status(),
        }
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin (or dies)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
