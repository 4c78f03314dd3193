"""`pilot-bot demo`: the real bot against the Slack emulator, playing a scripted pilot.

Nothing here is faked but Slack itself: the bot is served over HTTP by the same
server as `pilot-bot serve`, requests are signed as Slack signs them, and the
database is a temporary SQLite file. The clock is a FakeClock the script moves.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from bot.app import services_of
from bot.blocks import ids
from bot.clock import FakeClock
from bot.core.commands import COMMANDS
from bot.core.grammar import unescape
from devtools.harness import RunningBot, running_bot
from schedules.delivery import deliver, make_delivery_client
from schedules.tick import tick
from slack_emulator.render import render_call, render_message, resolve_mentions
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, migrate, unit_of_work
from storage.models import CheckinReply, FlagEscalation, OutboxMessage, Pilot
from storage.outbox import SKIPPED
from storage.pilots import NOTHING_OWED

CHANNEL = "C0ACMEPOC"
PUBLIC_URL = "https://pilot-bot.example.com"  # where calendar apps and Grafana would reach it
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
    then: tuple[str, ...] = ()  # more commands, one after the other, in the same step
    at: datetime | None = None
    posts: int = 0  # channel posts the step makes: wait for them before going on
    needs: tuple[str, ...] = field(default_factory=tuple)  # subcommands this step uses
    until: datetime | None = None  # fast-forward the scheduler to here, printing its posts
    click: tuple[str, str] | None = None  # (post key, action id): click a bot post's button
    submit: dict[str, str] | None = None  # then fill the modal it opens (block id -> value)
    shows: int = 1  # what a click shows people (posts, edits, notes): wait for them
    reply: tuple[str, str] | None = None  # (post key, text): reply in that post's thread
    ticks: tuple[str, str, tuple[str, ...]] | None = None  # (post key, group, items ticked)
    react: str = ""  # add the flag emoji to the last reply in this post's thread
    home: bool = False  # open the App Home tab
    calendar: bool = False  # then read the calendar the command's answer gives the address of
    push: str = ""  # then Grafana pushes this value of C-1 with the token the answer shows
    brief: bool = True  # print only the first line of each message


def _has(*paths: str) -> bool:
    names = {spec.name for spec in COMMANDS}
    return all(p in names for p in paths)


def script() -> list[Step]:
    kickoff = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in New York
    steps = [
        Step(
            "Alice creates a 6-week business pilot on the standard ramp.",
            at=kickoff,
            command='create "Acme POC" customer=Acme type=business ramp=standard '
            "start=2026-12-07 weeks=6 tz=America/New_York checkin=09:30 "
            'review="mon 10:00" holidays=US',
            posts=1,
            needs=("create",),
        ),
        Step(
            "Alice staffs the team. The channel is shared with Acme's own Slack (Slack"
            " Connect): Dana (project lead) and Sam (executive sponsor, who decides) are"
            " Acme's, and act there with replies, buttons and forms; Omar owns the account.",
            command="team add <@U0DANA|dana> project_lead",
            then=(
                "team add <@U0SAM|sam> executive_sponsor",
                "team add <@U0OMAR|omar> account_owner",
                "team add <@U0ALICE|alice> implementation_lead",
            ),
            needs=("team add",),
        ),
        Step(
            "The team agrees a success criterion and writes the scope down: the scope"
            " document goes to the channel for Sam's sign-off.",
            command='criteria add "Containment rate" target="&gt;= 60%"',
            then=('scope set use_cases="Order status and returns" geographies="US, EU"',),
            posts=1,
            needs=("criteria add", "scope set"),
        ),
        Step(
            "Sam signs the scope document off.",
            user="U0SAM",
            click=("scope_document:v1", ids.SCOPE_SIGN_OFF),
            needs=("scope set",),
        ),
        Step(
            "Alice puts the pilot's dates in her calendar: an address calendar apps subscribe to.",
            command="calendar",
            calendar=True,
            needs=("calendar",),
        ),
        Step(
            "Setup runs its week; on Friday the Setup review asks for Go / No-go.",
            until=datetime(2026, 12, 11, 15, 5, tzinfo=UTC),
        ),
        Step(
            "Alice ticks Setup's exit criteria on the review.",
            ticks=("phase_review:setup", ids.CHECKLIST_EXIT_CRITERIA, ("e1", "e2", "e3")),
        ),
        Step(
            "Sam says Go for Soft Launch.",
            user="U0SAM",
            click=("phase_review:setup", ids.PHASE_GO),
            shows=2,
        ),
        Step(
            "Soft Launch starts Monday: the check-in thread, the ramp to 25%, the weekly review.",
            until=datetime(2026, 12, 14, 15, 5, tzinfo=UTC),
        ),
        Step("Alice confirms production runs at 25%.", click=("ramp_change:w2", ids.RAMP_APPLIED)),
        Step(
            "Dana records the containment rate from the weekly review (a form).",
            user="U0DANA",
            click=("weekly_review:w2", ids.REVIEW_RECORD_METRICS),
            submit={f"{ids.METRIC_BLOCK_PREFIX}1": "52%"},
        ),
        Step(
            "Alice notes what the review agreed (in its thread, and in the weekly report) and"
            " posts the documentation checklists.",
            command="notes Dana owns the EU test data; containment target stays at 60%.",
            then=("docs post",),
            posts=2,
            needs=("notes", "docs post"),
        ),
        Step(
            "Dana ticks Technical requirements from Acme's side.",
            user="U0DANA",
            click=("docs:", ids.DOCS_TICK),
            needs=("docs post",),
        ),
        Step(
            "Dana posts her status with Post status (a form).",
            user="U0DANA",
            click=("checkin:2026-12-14", ids.CHECKIN_POST_STATUS),
            submit={ids.CHECKIN_STATUS: "yellow", ids.CHECKIN_NOTE: "Waiting on EU test data"},
        ),
        Step(
            "Tuesday: Dana flags an issue from the check-in (a form).",
            user="U0DANA",
            until=datetime(2026, 12, 15, 15, 0, tzinfo=UTC),
        ),
        Step(
            "She picks critical and says what is wrong.",
            user="U0DANA",
            click=("checkin:2026-12-15", ids.CHECKIN_FLAG_ISSUE),
            submit={ids.FLAG_SEVERITY: "critical", ids.FLAG_DESCRIPTION: "EU checkouts fail"},
            needs=("flag",),
        ),
        Step(
            "Nobody resolves it: at 4 h it climbs to the project leads. Acme's Slack refuses"
            " the bot's DM to Dana, so hers comes into the flag's thread.",
            until=datetime(2026, 12, 15, 19, 1, tzinfo=UTC),
            needs=("flag",),
        ),
        Step(
            "Alice acknowledges from her DM.",
            click=("escalation:F-1:s1:U0ALICE", ids.FLAG_ACKNOWLEDGE),
            shows=2,
            needs=("flag",),
        ),
        Step(
            "Omar resolves it; the issue log keeps how.",
            user="U0OMAR",
            command="resolve F-1 EU payment config rolled back",
            posts=1,
            needs=("resolve",),
        ),
        Step(
            "Friday's check-in; its recap names Tuesday's flag.",
            until=datetime(2026, 12, 18, 14, 31, tzinfo=UTC),
        ),
        Step(
            "Dana checks in by replying in the thread.",
            user="U0DANA",
            reply=("checkin:2026-12-18", "Exports to our BI tool time out since the 25% step"),
        ),
        Step(
            "Alice turns Dana's reply into a flag with the :triangular_flag_on_post: reaction.",
            react="checkin:2026-12-18",
            posts=1,
            needs=("flag",),
        ),
        Step(
            "Alice fixes it the same morning.",
            command="resolve F-2 Raised the export timeout to 120 s",
            posts=1,
            needs=("resolve",),
        ),
        Step(
            "Omar connects Acme's Grafana: a token for the metrics intake, then its alert pushes"
            " the containment rate (no more typing it in).",
            user="U0OMAR",
            command="metrics token",
            push="58.2",
            needs=("metrics token",),
        ),
        Step(
            "The Soft Launch review comes at 10:00; Sam says Go for the Expanded Pilot.",
            until=datetime(2026, 12, 18, 15, 5, tzinfo=UTC),
        ),
        Step(
            "Go.",
            user="U0SAM",
            click=("phase_review:soft_launch", ids.PHASE_GO),
            shows=2,
        ),
        Step(
            "Monday: the ramp steps to 40%.",
            until=datetime(2026, 12, 21, 14, 35, tzinfo=UTC),
        ),
        Step(
            "Alice holds it: a change request through the change process.",
            click=("ramp_change:w3", ids.RAMP_HOLD),
            submit={ids.RAMP_HOLD_REASON: "The export fix needs a week in production first"},
            shows=2,
        ),
        Step(
            "Sam, asked by DM, rejects it: the ramp goes on as planned.",
            user="U0SAM",
            click=("change:CH-1:ask:U0SAM", ids.CHANGE_REJECT),
            shows=2,
        ),
        Step(
            "Alice sends Acme's executives the issue log as a spreadsheet: a file in the channel.",
            command="report issues format=csv",
            needs=("report",),
        ),
        Step("Alice opens the bot's Home tab.", home=True),
        Step(
            "Quiet weeks of the Expanded Pilot, to its end-of-phase review.",
            until=datetime(2027, 1, 15, 15, 5, tzinfo=UTC),
        ),
        Step(
            "Sam says No-go for Evaluation: containment is not there yet. He asks for a week more.",
            user="U0SAM",
            click=("phase_review:expanded", ids.PHASE_NO_GO),
            submit={ids.NO_GO_REASON: "Containment is still below target", ids.NO_GO_WEEKS: "1"},
            shows=2,
        ),
        Step(
            "Sam approves the extension from his DM; every stakeholder hears of it.",
            user="U0SAM",
            click=("change:CH-2:ask:U0SAM", ids.CHANGE_APPROVE),
            shows=3,
        ),
        Step(
            "The extra week, then the final evaluation.",
            until=datetime(2027, 1, 26, 15, 30, tzinfo=UTC),
        ),
        Step(
            "Sam records the recommendation (a form).",
            user="U0SAM",
            click=("final_evaluation", ids.RECOMMENDATION_RECORD),
            submit={
                ids.RECOMMENDATION_CHOICE: "go",
                ids.RECOMMENDATION_RATIONALE: "Containment on target; roll out by region.",
            },
            shows=2,
        ),
        Step(
            "Alice closes the record with the final report and its chart.",
            command="report final",
            needs=("report",),
        ),
        Step(
            "The scheduler runs to the end of Evaluation.",
            until=datetime(2027, 2, 2, 5, 0, tzinfo=UTC),
        ),
    ]
    return [s for s in steps if _has(*s.needs)]


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
            if not _has("create"):
                _store_pilot(engine)
            _print(
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
            _print_not_sent(engine, emulator, out)
            _save_files(emulator, out)
            _print(out, f"\nDone: {len(steps)} steps, {posts} messages posted to Slack.")
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
        _print(out, f"\n── {_local(clock.now())} · {step.say}")
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
        action = f"@{name} ticks {len(ticked)} items on the {_label(key)} post"
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
        action = f"@{name} opens the Home tab\n" + _indent(_home_lines(view, names))
    else:
        assert step.command is not None
        said = []
        for command in (step.command, *step.then):
            response = bot.sender.command(command, user_id=step.user, channel_id=CHANNEL)
            typed = unescape(resolve_mentions(command, names))  # as the user saw it
            said.append(f"@{name} in #acme-pilot: /pilot {typed}")
            if response.body and not quiet:
                answer = render_message(response.json(), names)
                said.append(_indent(f"(only visible to @{name}) pilot-bot: {_brief(answer)}"))
            if step.calendar and not quiet:
                said.append(_indent(_calendar(bot, response.json()["text"])))
            if step.push:
                said.append(_indent(_push(bot, response.json()["text"], step.push)))
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
        _print(out, action)
        _show(out, emulator, mark)


def _calendar(bot: RunningBot, answer: str) -> str:
    """What a calendar app reads at the address the answer gives (asked of the bot's own
    server: the app would ask PUBLIC_URL)."""
    from icalendar import Calendar

    (url,) = re.findall(rf"{re.escape(PUBLIC_URL)}/calendar/\S+\.ics", answer)
    with urlopen(bot.url + url.removeprefix(PUBLIC_URL), timeout=5) as feed:  # noqa: S310
        events = sorted(Calendar.from_ical(feed.read()).walk("VEVENT"), key=_starts)
    lines = [f"Her calendar app reads {len(events)} events from it (New York times), such as:"]
    for event in [*events[:3], events[-1]]:
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        if isinstance(start, datetime):
            when = f"{start.astimezone(NEW_YORK):%a %b %d %H:%M}-{end.astimezone(NEW_YORK):%H:%M}"
        else:
            when = f"{start:%a %b %d}, all day"
        title = str(event["SUMMARY"]).split(": ", 1)[-1]
        lines.append(f"  {when}  {title}")
    lines[-1] = "  ..." + lines[-1].removeprefix(" ")
    return "\n".join(lines)


def _starts(event: Any) -> datetime:
    start = event.decoded("DTSTART")
    if isinstance(start, datetime):
        return start.astimezone(UTC)
    return datetime.combine(start, datetime.min.time(), NEW_YORK).astimezone(UTC)


def _push(bot: RunningBot, answer: str, value: str) -> str:
    """Grafana's alert posts C-1 with the token the answer shows (to the bot's own server)."""
    (token,) = set(re.findall(r"pbm_[A-Za-z0-9_-]+", answer))
    body = {"receiver": "pilot-bot", "status": "firing", "alerts": [{
        "status": "firing", "labels": {"alertname": "Containment", "criterion": "C-1"},
        "annotations": {}, "values": {"A": float(value)}, "fingerprint": "a1"}]}
    request = Request(  # noqa: S310 - the bot's own server, over http on 127.0.0.1
        f"{bot.url}/api/v1/metrics/grafana",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=5) as response:  # noqa: S310
        status, recorded = response.status, json.loads(response.read())["recorded"]
    shown = ", ".join(f"{r['criterion']} {r['name']} = {r['shown_as']}" for r in recorded)
    return f"Grafana: POST /api/v1/metrics/grafana -> {status}, recorded {shown} (from grafana)"


def _home_lines(view: dict[str, Any], names: dict[str, str]) -> str:
    """What the Home tab shows, a line a part."""
    texts = [
        resolve_mentions(b["text"]["text"], names).replace("*", "")
        for b in view.get("blocks", [])
        if b.get("type") == "section"
    ]
    titles = ("Open flags", "Decisions waiting on you", "This week")
    parts = []
    for text in texts:
        head, _, body = text.partition("\n")
        if head == "Your pilots":
            continue
        body = body.replace("\n", "; ").replace("• ", "")
        parts.append(f"{head}: {body}" if head.startswith(titles) else f"{head} · {body}")
    pilot, flags, decisions, *others = parts
    lines = [pilot, f"{flags} · {decisions}", *others]
    return "\n".join(f"[Home] {_brief(line, 140)}" for line in lines)


def _save_files(emulator: SlackEmulator, out: TextIO) -> None:
    """Copies of the files the bot shared, kept after the demo so you can open them."""
    files = emulator.files()
    if not files:
        return
    folder = Path(tempfile.mkdtemp(prefix="pilot-bot-demo-files-"))
    for file in files:
        (folder / Path(file.name).name).write_bytes(file.content)
    _print(
        out,
        f"\nCopies of the {len(files)} files the bot shared (the weekly reports and charts, the"
        f" issue log, the final report) are in {folder}",
    )


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


def _local(instant: datetime) -> str:
    return f"{instant.astimezone(NEW_YORK):%a %b %d %H:%M} New York"


NEW_YORK = ZoneInfo("America/New_York")
# Posts that come every workday: a fast-forward counts them rather than show each one.
_ROUTINE = ("checkin:", "reminder:")


def _brief(text: str, width: int = 150) -> str:
    """A message's first line: the demo is a story, not a transcript."""
    lines = text.strip().splitlines() or [""]
    first = lines[0]
    if first.endswith(":") and len(lines) > 1:  # "Recorded:" says nothing on its own
        first += " " + lines[1].strip("• ")
    return first if len(first) <= width else first[: width - 1] + "…"


def _show(out: TextIO, emulator: SlackEmulator, mark: int, *, fold: bool = False) -> int:
    """Print what people saw since call ``mark``, a line each; with ``fold``, the daily
    check-in threads and reminders are only counted. Returns how many were folded."""
    names = emulator.names()
    folded = 0
    for index, call in enumerate(emulator.calls[mark:], mark):
        key = ((call.params.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if fold and call.ok and str(key).startswith(_ROUTINE):
            folded += 1
            continue
        if call.method == "views.publish":
            continue  # a Home tab kept up to date: the Home step shows what it holds
        line = render_call(call, names)
        if line:
            _print(out, _indent(_brief(line)))
        pushed = _pushed_line(emulator, index, str(key))
        if pushed:
            _print(out, _indent(f"   {pushed}"))
    return folded


def _pushed_line(emulator: SlackEmulator, index: int, key: str) -> str:
    """The first weekly review that shows a pushed value: its line for that value."""
    if not key.startswith("weekly_review"):
        return ""
    found = [
        line.strip("• ")
        for line in render_message(emulator.calls[index].params).splitlines()
        if "from grafana" in line
    ]
    earlier = any(
        "from grafana" in str(c.params.get("blocks"))
        for c in emulator.calls[:index]
        if c.method == "chat.postMessage"
        and str(((c.params.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
        .startswith("weekly_review")
    )
    return found[0].replace("*", "") if found and not earlier else ""


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
            folded += _show(out, bot.emulator, mark, fold=True)
    clock.set(max(until, clock.now()))
    if folded and not quiet:
        _print(out, _indent(f"(and {folded} daily check-in threads and reminders)"))


def _print_not_sent(engine: Engine, emulator: SlackEmulator, out: TextIO) -> None:
    """What the scheduler owed but did not send, and why (recorded, never silent)."""
    names = emulator.names()
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == SKIPPED)
            .order_by(col(OutboxMessage.due_at))
        ).all()
        lines = [
            f"{_label(row.key)} of {_local(row.due_at)}: {_named(row.skipped_reason, names)}"
            for row in rows
        ]
    if lines:
        _print(out, "\nNot sent, with the reason recorded:")
        for line in lines:
            _print(out, _indent(_brief(line)))


def _label(key: str) -> str:
    """A post's key as people would say it: "phase_review:setup" -> "phase review (setup)",
    "change:CH-1:ask:U0SAM" -> "change (CH-1 ask)" (a DM's person is in the narration)."""
    kind, *rest = key.split(":")
    parts = [p for p in rest if p and not re.fullmatch(r"U[0-9A-Z]{3,}|s[0-9]", p)]
    return kind.replace("_", " ") + (f" ({' '.join(parts)})" if parts else "")


def _named(text: str, names: dict[str, str]) -> str:
    """User ids in a recorded reason, as names."""
    return re.sub(r"\bU[0-9A-Z]{3,}\b", lambda m: "@" + names.get(m.group(0), m.group(0)), text)


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
    _print(out, f"@{name} clicks [{label}] on the {_label(key)} post")
    _show(out, emulator, mark)


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


def _reply(bot: RunningBot, step: Step, out: TextIO, quiet: bool) -> str:
    """Someone replies in the thread of the bot's post with the step's key; the reply's ts."""
    assert step.reply is not None
    emulator, (key, text) = bot.emulator, step.reply
    channel, ts = _post_of(emulator, key)
    mark = len(emulator.calls)
    reply_ts, _ = bot.sender.post_user_message(channel, step.user, text, thread_ts=ts)
    _wait_stored(bot.engine, reply_ts)  # Bolt handles events after its ack, on its pool
    if step.posts:
        emulator.wait_for(
            lambda e: sum(c.method == "chat.postMessage" for c in e.calls[mark:]) >= step.posts
        )
    if not quiet:
        names = emulator.names()
        _print(
            out, f"@{names.get(step.user, step.user)} replies in the {_label(key)} thread: {text}"
        )
        _show(out, emulator, mark)
    return reply_ts


def _wait_stored(engine: Engine, ts: str, timeout: float = 10.0) -> None:
    """Until the bot has stored the reply ``ts`` as a check-in (what a reaction acts on)."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with unit_of_work(engine) as session:
            if session.exec(select(CheckinReply).where(CheckinReply.ts == ts)).first():
                return
        pause.wait(0.02)
    raise AssertionError(f"the bot did not store the reply {ts}")


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
