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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bot.app import services_of
from bot.blocks import ids
from bot.clock import FakeClock
from bot.core.commands import COMMANDS
from bot.core.grammar import unescape
from bot.harness import RunningBot, running_bot
from schedules.delivery import deliver, make_delivery_client
from schedules.tick import tick
from slack_emulator.render import render_call, render_message, resolve_mentions
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, migrate, unit_of_work
from storage.models import FlagEscalation, OutboxMessage, Pilot
from storage.outbox import SKIPPED
from storage.pilots import NOTHING_OWED

CHANNEL = "C0ACMEPOC"
CUSTOMER_TEAM = "T0ACME"  # Acme's own Slack organisation (Slack Connect)
CUSTOMER_SIDE = ("U0DANA", "U0SAM")
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
    until: datetime | None = None  # fast-forward the scheduler to here, printing its posts
    click: tuple[str, str] | None = None  # (post key, action id): click a bot post's button
    submit: dict[str, str] | None = None  # then fill the modal it opens (block id -> value)
    shows: int = 1  # what a click shows people (posts, edits, notes): wait for them
    reply: tuple[str, str] | None = None  # (post key, text): reply in that post's thread


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
            "Alice staffs the team. The channel is shared with Acme's own Slack (Slack"
            " Connect): Dana, Acme's project lead, acts there with replies, buttons and forms.",
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
            "Alice herself is the vendor's implementation lead.",
            command="team add <@U0ALICE|alice> implementation_lead",
            needs=("team add",),
        ),
        Step(
            "The team agrees a success criterion.",
            command='criteria add "Containment rate" target="&gt;= 60%"',
            needs=("criteria add",),
        ),
        Step("The whole calendar, week by week.", command="plan", needs=("plan",)),
        Step(
            "The scheduler runs through Setup into Soft Launch; every post it makes follows.",
            until=datetime(2026, 12, 14, 15, 30, tzinfo=UTC),
        ),
        Step(
            "Sam, the executive sponsor, says Go for Soft Launch on the Setup review.",
            user="U0SAM",
            click=("phase_review:setup", ids.PHASE_GO),
            shows=2,  # the review post says so, and the channel is told
        ),
        Step(
            "Alice confirms production runs at 25% now.",
            click=("ramp_change:w2", ids.RAMP_APPLIED),
        ),
        Step(
            "Dana records this week's containment rate from the weekly review.",
            user="U0DANA",
            click=("weekly_review:w2", ids.REVIEW_RECORD_METRICS),
            submit={f"{ids.METRIC_BLOCK_PREFIX}1": "52%"},
            needs=("criteria add",),
        ),
        Step(
            "The scheduler runs on to Tuesday morning.",
            until=datetime(2026, 12, 15, 15, 0, tzinfo=UTC),
        ),
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
        Step(
            "The escalation path for unresolved flags, as this pilot runs it.",
            command="escalation",
            needs=("escalation",),
        ),
        Step(
            "Dana flags a critical issue: EU checkouts fail since the 25% step.",
            user="U0DANA",
            command="flag critical Checkout fails for EU customers since the 25% step",
            posts=1,
            needs=("flag", "escalation"),
        ),
        Step(
            "Nobody resolves it: the scheduler runs on, and at 4 hours the flag climbs the"
            " escalation path to the project leads (a line in its thread, a DM to each).",
            until=week2 + timedelta(hours=4, minutes=1),
            needs=("flag", "escalation"),
        ),
        Step(
            "Alice acknowledges it from her DM: she is on it, and every later DM says so.",
            click=("escalation:F-1:s1:U0ALICE", ids.FLAG_ACKNOWLEDGE),
            shows=2,  # the announcement updated, a line in the thread
            needs=("flag", "escalation"),
        ),
        Step(
            "Acknowledged is not resolved: the path goes on for two days, a step at a time.",
            until=week2 + timedelta(hours=49),
            needs=("flag", "escalation"),
        ),
        Step(
            "The escalation timeline of the flag.",
            user="U0OMAR",
            command="flag F-1",
            needs=("flag", "escalation"),
        ),
        Step(
            "Omar, the account owner, resolves it; the issue log keeps how.",
            user="U0OMAR",
            command="resolve F-1 EU payment config rolled back; fixed in the next release",
            posts=1,
            needs=("resolve", "escalation"),
        ),
        Step(
            "The scheduler runs to Friday's check-in thread: its recap names Thursday's flags.",
            until=datetime(2026, 12, 18, 14, 30, tzinfo=UTC),
        ),
        Step(
            "Dana checks in by replying in the thread.",
            user="U0DANA",
            reply=("checkin:2026-12-18", "EU checkouts are back to normal; quiet day otherwise."),
        ),
        Step(
            "Alice's check-in starts with flag: so it also raises a flag, announced in the thread.",
            reply=(
                "checkin:2026-12-18",
                "flag: major Exports to the customer's BI tool time out since the 25% step",
            ),
            posts=1,
            needs=("flag",),
        ),
        Step(
            "The open flags.",
            user="U0DANA",
            command="flags",
            needs=("flags",),
        ),
        Step(
            "Alice fixes it the same morning; the announcement and the thread say so.",
            at=datetime(2026, 12, 18, 16, 15, tzinfo=UTC),
            command="resolve F-2 Raised the export timeout to 120 s; verified with Dana",
            posts=1,
            needs=("resolve", "escalation"),
        ),
        Step(
            "The scheduler runs to the last weekly review.",
            until=datetime(2027, 1, 11, 15, 30, tzinfo=UTC),
        ),
        Step(
            "Dana records the containment rate again: on target now.",
            user="U0DANA",
            click=("weekly_review:w6", ids.REVIEW_RECORD_METRICS),
            submit={f"{ids.METRIC_BLOCK_PREFIX}1": "63%"},
            needs=("criteria add",),
        ),
        Step(
            "The scheduler runs to the first day of Evaluation (the final evaluation).",
            until=datetime(2027, 1, 19, 15, 30, tzinfo=UTC),
        ),
        Step(
            "Sam records the go / no-go recommendation.",
            user="U0SAM",
            click=("final_evaluation", ids.RECOMMENDATION_RECORD),
            submit={
                ids.RECOMMENDATION_CHOICE: "go",
                ids.RECOMMENDATION_RATIONALE: "Containment is on target; roll out by region.",
            },
            shows=2,
        ),
        Step(
            "The scheduler runs to the end of Evaluation (no reminder: it is recorded).",
            until=datetime(2027, 1, 25, 5, 0, tzinfo=UTC),
        ),
    ]
    return [s for s in steps if _has(*s.needs)]


def run_demo(*, quiet: bool = False, out: TextIO = sys.stdout) -> int:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as scratch, SlackEmulator() as emulator:
        for user_id, (name, real_name) in PEOPLE.items():
            emulator.add_user(user_id, name, real_name=real_name)
        # A Slack Connect channel: Dana and Sam are Acme's people, in Acme's own Slack
        # organisation; the bot is installed in the vendor's. Acme's Slack lets Dana get
        # DMs from the vendor's apps; Sam's refuses them (the bot then uses the channel).
        for user_id in CUSTOMER_SIDE:
            name, real_name = PEOPLE[user_id]
            emulator.add_external_user(
                user_id,
                name,
                team_id=CUSTOMER_TEAM,
                dm_refusal="invalid_user_combination" if user_id == "U0SAM" else None,
            )
        emulator.add_channel(CHANNEL, name="acme-pilot", members=list(PEOPLE), is_ext_shared=True)
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
            _print_not_sent(engine, out)
            _print(out, f"\nDone: {len(steps)} steps, {posts} messages posted to Slack.")
        engine.dispose()
    return 0


def _play(bot: RunningBot, clock: FakeClock, step: Step, out: TextIO, quiet: bool) -> None:
    emulator = bot.emulator
    # What the last step's request owed is delivered before the demo's clock jumps on
    # (a jump under a send in flight would look like a dead worker's lease running out).
    sender = services_of(bot.app).sender
    if sender is not None:
        sender.wait_idle()
    if step.at is not None:
        clock.set(step.at)
    mark = len(emulator.calls)
    name = emulator.names().get(step.user, step.user)
    if not quiet:
        _print(out, f"\n── {clock.now():%a %b %d %H:%M} UTC · {step.say}")
    if step.until is not None:
        _fast_forward(bot, clock, step.until, out, quiet)
        return
    if step.click is not None:
        _click(bot, step, out, quiet)
        return
    if step.reply is not None:
        _reply(bot, step, out, quiet)
        return
    if step.command is None:
        return
    response = bot.sender.command(step.command, user_id=step.user, channel_id=CHANNEL)
    if step.posts:
        emulator.wait_for(
            lambda e: sum(c.method == "chat.postMessage" for c in e.calls[mark:]) >= step.posts
        )
    if quiet:
        return
    typed = unescape(resolve_mentions(step.command, emulator.names()))  # as the user saw it
    _print(out, f"@{name} in #acme-pilot: /pilot {typed}")
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


def _fast_forward(
    bot: RunningBot, clock: FakeClock, until: datetime, out: TextIO, quiet: bool
) -> None:
    """Run the scheduler from due time to due time until ``until``, printing each post."""
    client = make_delivery_client(bot.settings)
    while (due := _next_due(bot.engine)) is not None and due <= until:
        clock.set(max(due, clock.now()))
        mark = len(bot.emulator.calls)
        tick(engine=bot.engine, now=clock.now())
        # Rounds as the delivery job runs them (every 5 s), until nothing more goes out.
        for _ in range(5):
            report = deliver(engine=bot.engine, client=client, now=clock.now(), channel_interval=0)
            if not report.leased:
                break
        names = bot.emulator.names()  # DMs opened this round have names now
        lines = [line for c in bot.emulator.calls[mark:] if (line := render_call(c, names))]
        if lines and not quiet:
            local = clock.now().astimezone(ZoneInfo("America/New_York"))
            _print(out, f"  {local:%a %b %d %H:%M} New York")
            for line in lines:
                _print(out, _indent(line))
    clock.set(max(until, clock.now()))


def _print_not_sent(engine: Engine, out: TextIO) -> None:
    """What the scheduler owed but did not send, and why (recorded, never silent)."""
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == SKIPPED)
            .order_by(col(OutboxMessage.due_at))
        ).all()
        lines = [f"{row.key}: {row.skipped_reason}" for row in rows]
    if lines:
        _print(out, "\nNot sent, with the reason recorded:")
        for line in lines:
            _print(out, _indent(line))


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


def _click(bot: RunningBot, step: Step, out: TextIO, quiet: bool) -> None:
    """Click a button of the bot's post with the step's key, then fill its modal."""
    assert step.click is not None
    emulator, (key, action_id) = bot.emulator, step.click
    channel, ts = _post_of(emulator, key)
    message = emulator.message(channel, ts) or {}
    element = next(
        e
        for b in message.get("blocks", [])
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == action_id
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
        state = {
            block["block_id"]: {block["block_id"]: _answer(block, step.submit[block["block_id"]])}
            for block in view["blocks"]
            if block.get("type") == "input" and block["block_id"] in step.submit
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
    if quiet:
        return
    name = names.get(step.user, step.user)
    kind, _, period = key.partition(":")
    where = kind.replace("_", " ") + (f" ({period})" if period else "")
    _print(out, f"@{name} clicks [{label}] on the {where} post")
    for call in emulator.calls[mark:]:
        line = render_call(call, emulator.names())
        if line:
            _print(out, _indent(line))


def _post_of(emulator: SlackEmulator, key: str) -> tuple[str, str]:
    """The channel and ts of the bot's post with this key (in its message metadata)."""
    posted = next(
        c
        for c in emulator.calls_to("chat.postMessage")
        if ((c.params.get("metadata") or {}).get("event_payload") or {}).get("key") == key
    )
    return posted.response["channel"], posted.response["ts"]  # type: ignore[index]


def _reply(bot: RunningBot, step: Step, out: TextIO, quiet: bool) -> None:
    """Someone replies in the thread of the bot's post with the step's key."""
    assert step.reply is not None
    emulator, (key, text) = bot.emulator, step.reply
    channel, ts = _post_of(emulator, key)
    mark = len(emulator.calls)
    bot.sender.post_user_message(channel, step.user, text, thread_ts=ts)
    if step.posts:
        emulator.wait_for(
            lambda e: sum(c.method == "chat.postMessage" for c in e.calls[mark:]) >= step.posts
        )
    if quiet:
        return
    names = emulator.names()
    kind, _, period = key.partition(":")
    where = kind.replace("_", " ") + (f" ({period})" if period else "")
    _print(out, f"@{names.get(step.user, step.user)} replies in the {where} thread: {text}")
    for call in emulator.calls[mark:]:
        line = render_call(call, names)
        if line:
            _print(out, _indent(line))


def _answer(block: dict[str, Any], value: str) -> dict[str, Any]:
    if block["element"]["type"] == "radio_buttons":
        return {"type": "radio_buttons", "selected_option": {"value": value}}
    return {"type": "plain_text_input", "value": value}


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
