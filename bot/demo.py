"""`pilot-bot demo`: the real bot against the Slack emulator, playing a scripted pilot.

Nothing here is faked but Slack itself: the bot is served over HTTP by the same
server as `pilot-bot serve`, requests are signed as Slack signs them, and the
database is a temporary SQLite file. The clock is a FakeClock the script moves.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from bot.clock import FakeClock
from bot.core.commands import COMMANDS
from bot.harness import RunningBot, running_bot
from slack_emulator.render import render_call, render_message
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, migrate

CHANNEL = "C0ACMEPOC"
PEOPLE = {
    "U0ALICE": ("alice", "Alice Archer (vendor implementation lead)"),
    "U0DANA": ("dana", "Dana Diaz (customer project lead)"),
    "U0SAM": ("sam", "Sam Sato (customer executive sponsor)"),
    "U0OMAR": ("omar", "Omar Ortiz (vendor account owner)"),
}


@dataclass
class Step:
    """One thing a person does, and what the bot should have done before we go on."""

    say: str  # narration
    user: str = "U0ALICE"
    command: str | None = None
    at: datetime | None = None
    posts: int = 0  # channel posts the step makes: wait for them before going on
    needs: tuple[str, ...] = field(default_factory=tuple)  # subcommands this step uses


def _has(*paths: str) -> bool:
    names = {spec.name for spec in COMMANDS}
    return all(p in names for p in paths)


def script() -> list[Step]:
    kickoff = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in New York
    week2 = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    steps = [
        Step("Alice asks for help in the pilot channel.", command="help", at=kickoff),
        Step("Before any pilot exists, status says how to start one.", command="status"),
        Step(
            "Alice creates a 6-week business pilot on the standard ramp.",
            command='create "Acme POC" customer=Acme type=business ramp=standard '
            "start=2026-12-07 weeks=6 tz=America/New_York checkin=09:30 "
            'review="mon 10:00" holidays=US',
            posts=1,
            needs=("create",),
        ),
        Step(
            "Alice staffs the team: Dana is the customer's project lead.",
            command="team add <@U0DANA|dana> project_lead",
            needs=("team add",),
        ),
        Step(
            "Sam is the executive sponsor.",
            command="team add <@U0SAM|sam> executive_sponsor",
            needs=("team add",),
        ),
        Step(
            "Omar is the vendor's account owner.",
            command="team add <@U0OMAR|omar> account_owner",
            needs=("team add",),
        ),
        Step(
            "The team agrees a success criterion.",
            command='criteria add "Containment rate" target="&gt;= 60%"',
            needs=("criteria add",),
        ),
        Step("The whole calendar, week by week.", command="plan", needs=("plan",)),
        Step(
            "Two weeks on, Dana checks where the pilot stands.",
            user="U0DANA",
            command="status",
            at=week2,
        ),
        Step(
            "And shares it with the channel.",
            user="U0DANA",
            command="status public",
            posts=1,
        ),
    ]
    return [s for s in steps if _has(*s.needs)]


def run_demo(*, quiet: bool = False, out: TextIO = sys.stdout) -> int:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as scratch, SlackEmulator() as emulator:
        for user_id, (name, real_name) in PEOPLE.items():
            emulator.add_user(user_id, name, real_name=real_name)
        emulator.add_channel(CHANNEL, name="acme-pilot", members=list(PEOPLE))
        engine = make_engine(f"sqlite:///{Path(scratch) / 'demo.db'}")
        migrate(engine)
        clock = FakeClock(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
        with running_bot(emulator=emulator, engine=engine, clock=clock) as bot:
            steps = script()
            if not _has("create"):
                _store_pilot(engine)
            _print(
                out,
                "pilot-bot demo: a scripted pilot against the built-in Slack emulator\n"
                f"(real bot over HTTP at {bot.url}, signed requests, SQLite in {scratch})\n",
            )
            for step in steps:
                _play(bot, clock, step, out, quiet)
            posts = len(emulator.calls_to("chat.postMessage"))
            _print(out, f"\nDone: {len(steps)} steps, {posts} messages posted to Slack.")
        engine.dispose()
    return 0


def _play(bot: RunningBot, clock: FakeClock, step: Step, out: TextIO, quiet: bool) -> None:
    emulator = bot.emulator
    if step.at is not None:
        clock.set(step.at)
    mark = len(emulator.calls)
    name = emulator.names().get(step.user, step.user)
    if not quiet:
        _print(out, f"\n── {clock.now():%a %b %d %H:%M} UTC · {step.say}")
    if step.command is None:
        return
    response = bot.sender.command(step.command, user_id=step.user, channel_id=CHANNEL)
    if step.posts:
        emulator.wait_for(
            lambda e: sum(c.method == "chat.postMessage" for c in e.calls[mark:]) >= step.posts
        )
    if quiet:
        return
    _print(out, f"@{name} in #acme-pilot: /pilot {step.command}".replace("&gt;", ">"))
    if response.body:
        body = response.json()
        _print(
            out,
            _indent(
                f"(only visible to @{name}) pilot-bot: " + render_message(body, emulator.names())
            ),
        )
    for call in emulator.calls[mark:]:
        line = render_call(call, emulator.names())
        if line:
            _print(out, _indent(line))


def _store_pilot(engine: Engine) -> None:
    """Without `/pilot create`, the demo stores its pilot the way tests do."""
    from datetime import date

    from bot.core.plan import Plan
    from storage.db import unit_of_work
    from storage.pilots import add_pilot, pilot_from_plan
    from storage.scope import Workspace

    plan = Plan.create(
        name="Acme POC",
        customer="Acme",
        pilot_type="business",
        start=date(2026, 12, 7),
        weeks=6,
        ramp="standard",
        tz="America/New_York",
        holiday_country="US",
    )
    with unit_of_work(engine) as session:
        add_pilot(
            session=session,
            pilot=pilot_from_plan(
                plan, workspace=Workspace(team_id="T0001"), channel_id=CHANNEL, owner_id="U0ALICE"
            ),
        )


def _indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


def _print(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)
