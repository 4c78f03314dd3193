"""Playing the script: the bot against the emulator, each step as the person would do it
in Slack (a command, a click, a form, a reply, a reaction), and the scheduler run
forward between them."""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bot.app import services_of
from bot.clock import FakeClock
from bot.core.grammar import unescape
from devtools.demo.outside import grafana_push, read_calendar, save_files
from devtools.demo.printing import (
    brief,
    home_lines,
    indented,
    new_york_time,
    post_label,
    print_line,
    print_not_sent,
    show_calls,
)
from devtools.demo.script import (
    CHANNEL,
    CUSTOMER_SIDE,
    CUSTOMER_TEAM,
    PEOPLE,
    PUBLIC_URL,
    Step,
    has_commands,
    script,
)
from devtools.harness import RunningBot, running_bot
from schedules.delivery import deliver, make_delivery_client
from schedules.tick import tick
from slack_emulator.render import render_call, render_message, resolve_mentions
from slack_emulator.server import SlackEmulator
from storage.checkins import reply_at
from storage.db import make_engine, migrate, unit_of_work
from storage.models import FlagEscalation, Pilot
from storage.pilots import NOTHING_OWED


def run_demo(
    *,
    quiet: bool = False,
    out: TextIO = sys.stdout,
    inspect: Callable[[SlackEmulator, Engine], None] | None = None,
) -> int:
    """Play the script; ``inspect`` looks at the emulator and the database at the end."""
    # The story says what Slack refused (and where the message went instead): no log lines.
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as scratch, SlackEmulator() as emulator:
        for user_id, (name, real_name) in PEOPLE.items():
            emulator.add_user(user_id, name, real_name=real_name)
        # A Slack Connect channel: Dana and Sam are Acme's people, in Acme's own Slack
        # organisation; the bot is installed in the vendor's. Acme's Slack refuses the
        # vendor's apps' DMs to Dana (so hers come into the channel) and lets Sam's through.
        for user_id in CUSTOMER_SIDE:
            name, _ = PEOPLE[user_id]
            emulator.add_external_user(
                user_id,
                name,
                team_id=CUSTOMER_TEAM,
                dm_refusal="invalid_user_combination" if user_id == "U0DANA" else None,
            )
        emulator.add_channel(CHANNEL, name="acme-pilot", members=list(PEOPLE), is_ext_shared=True)
        engine = make_engine(f"sqlite:///{Path(scratch) / 'demo.db'}")
        migrate(engine)
        clock = FakeClock(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
        with running_bot(
            emulator=emulator, engine=engine, clock=clock, public_url=PUBLIC_URL
        ) as bot:
            steps = script()
            if not has_commands("create"):
                _store_pilot(engine)
            print_line(
                out,
                "pilot-bot demo: a scripted pilot against the built-in Slack emulator\n"
                f"(the real bot over HTTP at {bot.url}, signed requests, SQLite in {scratch})",
            )
            replies: dict[str, str] = {}
            for step in steps:
                _play(bot, clock, step, out, quiet, replies)
            sender = services_of(bot.app).sender
            if sender is not None:
                sender.wait_idle()
            posts = len(emulator.calls_to("chat.postMessage"))
            print_not_sent(engine, emulator, out)
            save_files(emulator, out)
            print_line(out, f"\nDone: {len(steps)} steps, {posts} messages posted to Slack.")
            if inspect is not None:
                inspect(emulator, engine)
        engine.dispose()
    return 0


def _play(
    bot: RunningBot,
    clock: FakeClock,
    step: Step,
    out: TextIO,
    quiet: bool,
    replies: dict[str, str],
) -> None:
    emulator = bot.emulator
    # What the last step's request owed is delivered before the demo's clock jumps on
    # (a jump under a send in flight would look like a dead worker's lease running out).
    sender = services_of(bot.app).sender
    if sender is not None:
        sender.wait_idle()
    if step.at is not None:
        clock.set(step.at)
    mark = len(emulator.calls)
    names = emulator.names()
    name = names.get(step.user, step.user)
    if not quiet:
        print_line(out, f"\n── {new_york_time(clock.now())} · {step.say}")
    if step.until is not None:
        _fast_forward(bot, clock, step.until, out, quiet)
        return
    if step.click is not None:
        _click(bot, step, out, quiet)
        return
    if step.reply is not None:
        replies[step.reply[0]] = _reply(bot, step, out, quiet)
        return
    if step.ticks is not None:
        key, group, ticked = step.ticks
        _tick(bot, step.user, key, group, ticked)
        action = f"@{name} ticks {len(ticked)} items on the {post_label(key)} post"
    elif step.react:
        channel, _ = _post_of(emulator, step.react)
        reaction = bot.sender.reaction_added_event(
            step.user, "triangular_flag_on_post", channel, replies[step.react], "U0DANA"
        )
        bot.sender.event(reaction)
        action = f"@{name} adds :triangular_flag_on_post: to the reply"
    elif step.home:
        bot.sender.event(bot.sender.app_home_opened_event(step.user))
        view = emulator.wait_for(lambda e: e.home_view(step.user)) or {}
        action = f"@{name} opens the Home tab\n" + indented(home_lines(view, names))
    else:
        assert step.command is not None
        said = []
        for command in (step.command, *step.then):
            response = bot.sender.command(command, user_id=step.user, channel_id=CHANNEL)
            typed = unescape(resolve_mentions(command, names))  # as the user saw it
            said.append(f"@{name} in #acme-pilot: /pilot {typed}")
            if response.body and not quiet:
                answer = render_message(response.json(), names)
                said.append(indented(f"(only visible to @{name}) pilot-bot: {brief(answer)}"))
            if step.calendar and not quiet:
                said.append(indented(read_calendar(bot, response.json()["text"])))
            if step.push:
                said.append(indented(grafana_push(bot, response.json()["text"], step.push)))
            if sender is not None:
                sender.wait_idle()  # what it owed goes out before the next command
        action = "\n".join(said)
    if step.posts:
        emulator.wait_for(
            lambda e: sum(c.method == "chat.postMessage" for c in e.calls[mark:]) >= step.posts
        )
    if sender is not None:
        sender.wait_idle()
    if not quiet:
        print_line(out, action)
        show_calls(out, emulator, mark)


def _click(bot: RunningBot, step: Step, out: TextIO, quiet: bool) -> None:
    """Click a button of the bot's post with the step's key, then fill its modal."""
    assert step.click is not None
    emulator, (key, action_id) = bot.emulator, step.click
    channel, ts = _post_of(emulator, key)
    message = emulator.message(channel, ts) or {}
    element = next(
        e
        for b in message.get("blocks", [])
        for e in (b.get("elements") if b.get("type") == "actions" else [b.get("accessory")])
        if isinstance(e, dict) and e.get("action_id") == action_id
    )
    value, label = element["value"], element["text"]["text"]
    opened = len(emulator.calls_to("views.open"))
    mark = len(emulator.calls)
    payload = bot.sender.block_actions(
        action_id, value, user_id=step.user, channel_id=channel, message_ts=ts
    )
    bot.sender.interactive(payload)
    if step.submit is not None:
        view = emulator.wait_for_calls("views.open", opened + 1)[-1].params["view"]
        # What the step types, and what the form already holds (a pre-filled proposal).
        typed = {
            block["block_id"]: step.submit.get(
                block["block_id"], block["element"].get("initial_value", "")
            )
            for block in view["blocks"]
            if block.get("type") == "input"
        }
        state = {
            block_id: {block_id: _answer(block, value)}
            for block in view["blocks"]
            if (block_id := block.get("block_id")) in typed and (value := typed[block_id])
        }
        bot.sender.interactive(
            bot.sender.view_submission(
                view["callback_id"],
                state,
                user_id=step.user,
                private_metadata=view["private_metadata"],
            )
        )
    # Wait for what the click set off: an edited post, a notice, a note to the person.
    names = emulator.names()
    emulator.wait_for(
        lambda e: sum(bool(render_call(c, names)) for c in e.calls[mark:]) >= step.shows
    )
    sender = services_of(bot.app).sender
    if sender is not None:
        sender.wait_idle()
    if quiet:
        return
    name = names.get(step.user, step.user)
    print_line(out, f"@{name} clicks [{label}] on the {post_label(key)} post")
    show_calls(out, emulator, mark)


def _answer(block: dict[str, Any], value: str) -> dict[str, Any]:
    if block["element"]["type"] == "radio_buttons":
        return {"type": "radio_buttons", "selected_option": {"value": value}}
    return {"type": "plain_text_input", "value": value}


def _tick(bot: RunningBot, user: str, key: str, group: str, ticked: tuple[str, ...]) -> None:
    """Tick checkboxes on a bot post: Slack sends the group's selected options."""
    channel, ts = _post_of(bot.emulator, key)
    message = bot.emulator.message(channel, ts) or {}
    block, element = next(
        (b, e)
        for b in message.get("blocks", [])
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == group
    )
    payload = bot.sender.block_actions(group, "", user_id=user, channel_id=channel, message_ts=ts)
    payload["actions"] = [
        {
            "type": "checkboxes",
            "action_id": group,
            "block_id": block["block_id"],
            "selected_options": [o for o in element["options"] if o["value"] in ticked],
            "action_ts": "1.0",
        }
    ]
    bot.sender.interactive(payload)
    bot.emulator.wait_for(lambda e: (e.message(channel, ts) or {}).get("edited"))


def _reply(bot: RunningBot, step: Step, out: TextIO, quiet: bool) -> str:
    """Someone replies in the thread of the bot's post with the step's key; the reply's ts."""
    assert step.reply is not None
    emulator, (key, text) = bot.emulator, step.reply
    channel, ts = _post_of(emulator, key)
    mark = len(emulator.calls)
    reply_ts, _ = bot.sender.post_user_message(channel, step.user, text, thread_ts=ts)
    _wait_stored(bot, channel, reply_ts)  # Bolt handles events after its ack, on its pool
    if step.posts:
        emulator.wait_for(
            lambda e: sum(c.method == "chat.postMessage" for c in e.calls[mark:]) >= step.posts
        )
    if not quiet:
        names = emulator.names()
        who = names.get(step.user, step.user)
        print_line(out, f"@{who} replies in the {post_label(key)} thread: {text}")
        show_calls(out, emulator, mark)
    return reply_ts


def _wait_stored(bot: RunningBot, channel: str, ts: str, timeout: float = 10.0) -> None:
    """Until the bot has stored the reply ``ts`` as a check-in (what a reaction acts on)."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    team_id = bot.emulator.team_id
    while time.monotonic() < deadline:
        with unit_of_work(bot.engine) as session:
            if reply_at(session=session, team_id=team_id, channel_id=channel, ts=ts):
                return
        pause.wait(0.02)
    raise AssertionError(f"the bot did not store the reply {ts}")


def _post_of(emulator: SlackEmulator, key: str) -> tuple[str, str]:
    """The channel and ts of the bot's post with this key (in its message metadata); a
    key ending in ":" names the first post whose key starts with it ("docs:")."""

    def named(found: str) -> bool:
        return found == key or (key.endswith(":") and found.startswith(key))

    posted = next(
        c
        for c in emulator.calls_to("chat.postMessage")
        if named(str(((c.params.get("metadata") or {}).get("event_payload") or {}).get("key")))
    )
    return posted.response["channel"], posted.response["ts"]  # type: ignore[index]


def _fast_forward(
    bot: RunningBot, clock: FakeClock, until: datetime, out: TextIO, quiet: bool
) -> None:
    """Run the scheduler from due time to due time until ``until``, printing each post
    (the daily check-ins and reminders folded into one line)."""
    client = make_delivery_client(bot.settings)
    folded = 0
    while (due := _next_due(bot.engine)) is not None and due <= until:
        clock.set(max(due, clock.now()))
        mark = len(bot.emulator.calls)
        tick(engine=bot.engine, now=clock.now())
        # Rounds as the delivery job runs them (every 5 s), until nothing more goes out.
        for _ in range(5):
            report = deliver(engine=bot.engine, client=client, now=clock.now(), channel_interval=0)
            if not report.leased:
                break
        if not quiet:
            folded += show_calls(out, bot.emulator, mark, fold=True)
    clock.set(max(until, clock.now()))
    if folded and not quiet:
        print_line(out, indented(f"(and {folded} daily check-in threads and reminders)"))


def _next_due(engine: Engine) -> datetime | None:
    """When the scheduler next has something to do: the earliest pilot's next_due_at, or
    the earliest flag's next escalation step."""
    with unit_of_work(engine) as session:
        due: datetime | None = session.exec(
            select(func.min(col(Pilot.next_due_at))).where(col(Pilot.next_due_at) < NOTHING_OWED)
        ).one()
        escalation: datetime | None = session.exec(
            select(func.min(col(FlagEscalation.next_escalation_at)))
        ).one()
    return min((d for d in (due, escalation) if d is not None), default=None)


def _store_pilot(engine: Engine) -> None:
    """Without `/pilot create`, the demo stores its pilot the way tests do."""
    from datetime import date

    from bot.core.plan import Plan
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
