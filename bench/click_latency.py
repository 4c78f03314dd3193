"""From a signed request to the message in Slack: a flag's announcement, an approval's DMs.

Budget (product issue): p99 <= 1 s from the signed request leaving to the message
arriving at the Slack emulator, with the emulator taking 100 ms per Web API call, for

- a flag raised with `/pilot flag major ...`: its announcement in the pilot's channel;
- a change approved with the Approve button: each stakeholder's DM.

    python -m bench.click_latency [--rounds N] [--latency 0.1]
                                  [--database-url postgresql://postgres@127.0.0.1:5432/test]

Serves the real bot over HTTP (`devtools.harness.running_bot`, the system clock) against a
`SlackEmulator` with ``--latency`` seconds per Web API call, on a fresh database (a
temporary SQLite file by default; a throwaway schema on PostgreSQL, dropped afterwards).
It sets up a pilot over HTTP as people would: `/pilot create` (started last Monday, so
a change needs approval), then `/pilot team add` for an executive sponsor (the decision
maker) and three more members; with the owner that makes four stakeholders.

Flag flow, one round at a time: t0 is `time.monotonic()` just before the signed
`/pilot flag major bench flag <i>` is sent; t1 is the `Call.at` (the emulator's own
`time.monotonic()`, in this process) of the first successful `chat.postMessage` after
t0 into the pilot's channel whose text or blocks name that flag (`F-<n>`, read from the
bot's answer).

Approval flow, one round at a time: `/pilot change ramp <standard|conservative>` is
requested by the owner (not timed; the ramp alternates, so every request is made
against the current plan and none is refused as "moved since"), the round waits for the
decision maker's DM with its Approve button, then t0 is taken just before the signed
click is sent; t1, per stakeholder, is the `Call.at` of the first successful
`chat.postMessage` after t0 into that stakeholder's DM (`emulator.dm_channel(user)`)
naming the change (`CH-<n>`). Every stakeholder DM is one sample; the last DM of each
round is reported too (when everyone has been told).

Only HTTP and the emulator are observed, so the figures mean the same whether the
listeners post to Slack themselves or through an outbox. Prints p50/p95/p99/max per
flow, the sample counts, the verdict and the command that reproduces it; writes
bench/results/click_latency.json (click_latency_postgresql.json on PostgreSQL). Exits 1
when the budget is missed, 2 when a round failed (no message, or a refusal).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shlex
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from bench.options import add_database_option, add_output_option, output_path
from bench.status_latency import finish, fresh_database, percentile, shown_path
from bot.blocks import ids
from bot.clock import SystemClock
from bot.core.grammar import unescape
from devtools.harness import RunningBot, running_bot
from slack_emulator.calls import Call
from slack_emulator.server import SlackEmulator
from storage.db import make_engine

REPO = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 1.0
WAIT_SECONDS = 15.0  # a message that has not arrived by then counts as a failed round
ROUND_GAP = 0.05  # lets a round's tail (bookkeeping after the post) finish before the next

TZ = "America/New_York"
CHANNEL = "C0BENCH01"
OWNER = "U0BOWNER"
SPONSOR = "U0BSPONS"
MEMBERS = {  # besides the sponsor; with the owner, the stakeholders of an approval
    "U0BIMPL1": ("implementation_lead", "ivan"),
    "U0BTECH1": ("technical_lead", "tess"),
    "U0BUSER1": ("end_user", "ursula"),
}
STAKEHOLDERS = (*MEMBERS, OWNER)
RAMPS = ("conservative", "standard")  # both inside the business band; created on standard


class RoundFailed(Exception):
    """A round whose request was refused or whose message never arrived."""


@dataclass
class Flow:
    """One flow's samples (seconds) and failed rounds."""

    samples: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.samples)
        return {
            "samples": len(ordered),
            "failures": len(self.failures),
            "p50_ms": _ms(percentile(ordered, 50)),
            "p95_ms": _ms(percentile(ordered, 95)),
            "p99_ms": _ms(percentile(ordered, 99)),
            "max_ms": _ms(ordered[-1]) if ordered else None,
            "mean_ms": _ms(sum(ordered) / len(ordered)) if ordered else None,
        }


def _ms(seconds: float) -> float | None:
    return None if seconds != seconds else round(seconds * 1000, 1)  # NaN: no samples


# ----- setting the pilot up over HTTP ------------------------------------------------------


def command(bot: RunningBot, text: str, *, user_id: str = OWNER) -> str:
    """`/pilot <text>` in the pilot's channel; the bot's answer (unescaped), or ""."""
    response = bot.sender.command(text, user_id=user_id, channel_id=CHANNEL)
    if response.status != 200:
        raise RoundFailed(f"/pilot {text}: HTTP {response.status}: {response.text[:200]}")
    if not response.body:
        return ""
    return unescape(str(response.json().get("text", "")))


def set_up(bot: RunningBot) -> None:
    """A started business pilot in CHANNEL with a sponsor and three more team members."""
    emulator = bot.emulator
    emulator.add_channel(CHANNEL, name="pilot-bench")
    emulator.add_user(OWNER, "olivia", real_name="Olivia Owner")
    emulator.add_user(SPONSOR, "sam", real_name="Sam Sponsor")
    for user_id, (_role, name) in MEMBERS.items():
        emulator.add_user(user_id, name, real_name=name.title())
    today = datetime.now(ZoneInfo(TZ)).date()
    start = today - timedelta(days=today.weekday() + 7)  # last week's Monday: started
    command(
        bot,
        f'create "Bench POC" customer=Bench type=business ramp={RAMPS[1]}'
        f" start={start.isoformat()} weeks=6 tz={TZ} checkin=09:30"
        ' review="mon 10:00" holidays=US',
    )
    _wait(emulator, lambda e: _posts(e, CHANNEL, "New pilot: Bench POC", 0.0), "the announcement")
    team = {SPONSOR: ("executive_sponsor", "sam"), **MEMBERS}
    for user_id, (role, name) in team.items():
        answer = command(bot, f"team add <@{user_id}|{name}> {role}")
        if not answer.startswith("Added"):
            raise RoundFailed(f"team add {role}: {answer[:200]}")


# ----- what the emulator saw ---------------------------------------------------------------


def _posts(
    emulator: SlackEmulator, channel: str, needle: str | re.Pattern[str], since: float
) -> list[Call]:
    """Successful chat.postMessage calls into ``channel`` at or after ``since`` whose text
    or blocks contain ``needle``, in order."""
    found = []
    for call in emulator.calls_to("chat.postMessage"):
        if call.at < since or not call.ok or call.params.get("channel") != channel:
            continue
        shown = f"{call.params.get('text', '')}\n{json.dumps(call.params.get('blocks') or [])}"
        if needle.search(shown) if isinstance(needle, re.Pattern) else needle in shown:
            found.append(call)
    return found


def _wait(emulator: SlackEmulator, predicate: Callable[[SlackEmulator], Any], what: str) -> Any:
    try:
        return emulator.wait_for(predicate, timeout=WAIT_SECONDS)
    except AssertionError as error:
        recent = str(error).split("\n", 1)[-1]
        raise RoundFailed(f"no {what} within {WAIT_SECONDS:.0f} s; {recent[-600:]}") from None


def _ref(prefix: str, number: str) -> re.Pattern[str]:
    """``F-3`` / ``CH-3`` as a whole reference (not the start of F-30)."""
    return re.compile(rf"(?<![\w-]){prefix}-{number}(?!\d)")


# ----- the flows ---------------------------------------------------------------------------


def flag_round(bot: RunningBot, index: int) -> float:
    """Raise a flag by command; seconds from the request to its announcement."""
    text = f"flag major bench flag {index}"
    started = time.monotonic()
    response = bot.sender.command(text, user_id=OWNER, channel_id=CHANNEL)
    if response.status != 200:
        raise RoundFailed(f"/pilot {text}: HTTP {response.status}: {response.text[:200]}")
    answer = unescape(str(response.json().get("text", ""))) if response.body else ""
    raised = re.search(r"\bF-(\d+)\b", answer)
    if raised is None:
        raise RoundFailed(f"/pilot {text}: no flag raised: {answer[:200]!r}")
    needle = _ref("F", raised.group(1))
    (first, *_) = _wait(
        bot.emulator,
        lambda e: _posts(e, CHANNEL, needle, started),
        f"announcement of F-{raised.group(1)}",
    )
    return first.at - started


@dataclass
class Approval:
    """One approval round: every stakeholder DM's latency, by user."""

    change: str
    latencies: dict[str, float]


def approval_round(bot: RunningBot, index: int, ramp: str) -> Approval:
    """Request a change to ``ramp`` (untimed), then click Approve; seconds to each
    stakeholder DM."""
    emulator = bot.emulator
    answer = command(bot, f'change ramp {ramp} reason="bench round {index}"')
    recorded = re.match(r"CH-(\d+) is recorded", answer)
    if recorded is None:
        raise RoundFailed(f"change ramp {ramp}: not recorded: {answer[:200]!r}")
    number = recorded.group(1)
    needle = _ref("CH", number)
    sponsor_dm = emulator.dm_channel(SPONSOR)

    def asked(e: SlackEmulator) -> dict[str, Any] | None:
        # The request is public and the decision maker asked: nothing of it is still going.
        if not _posts(e, CHANNEL, needle, 0.0):
            return None
        return next(
            (
                m
                for m in reversed(e.messages(sponsor_dm))
                if needle.search(m.get("text", "")) and _approve_button(m)
            ),
            None,
        )

    message = _wait(emulator, asked, f"decision request for CH-{number}")
    button = _approve_button(message)
    assert button is not None
    payload = bot.sender.block_actions(
        ids.CHANGE_APPROVE,
        str(button["value"]),
        user_id=SPONSOR,
        channel_id=sponsor_dm,
        message_ts=message["ts"],
    )
    dms = {user: emulator.dm_channel(user) for user in STAKEHOLDERS}

    started = time.monotonic()
    response = bot.sender.interactive(payload)
    if response.status != 200:
        raise RoundFailed(f"Approve CH-{number}: HTTP {response.status}: {response.text[:200]}")

    def everyone_told(e: SlackEmulator) -> dict[str, float]:
        """Each stakeholder's latency once all have their DM; {} (not yet) until then."""
        told = {}
        for user, dm in dms.items():
            posts = _posts(e, dm, needle, started)
            if not posts:
                return {}
            told[user] = posts[0].at - started
        return told

    try:
        latencies = emulator.wait_for(everyone_told, timeout=WAIT_SECONDS)
    except AssertionError:
        refusals = [
            p.payload.get("text", "")
            for p in emulator.response_posts(user=SPONSOR)
            if p.ephemeral and needle.search(str(p.payload.get("text", "")))
        ]
        missing = [u for u, dm in dms.items() if not _posts(emulator, dm, needle, started)]
        raise RoundFailed(
            f"CH-{number} approved, but no DM to {missing} within "
            f"{WAIT_SECONDS:.0f} s; the sponsor was told {refusals[-1:]}"
        ) from None
    # The channel hears of it too; wait for it so that it does not overlap the next round.
    _wait(
        emulator,
        lambda e: _posts(e, CHANNEL, f"CH-{number} approved", started),
        f"channel notice of CH-{number} approved",
    )
    return Approval(f"CH-{number}", latencies)


def _approve_button(message: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (
            element
            for block in message.get("blocks") or []
            if block.get("type") == "actions"
            for element in block.get("elements") or []
            if element.get("action_id") == ids.CHANGE_APPROVE
        ),
        None,
    )


def measure(
    bot: RunningBot, args: argparse.Namespace, log: Callable[[str], None]
) -> dict[str, Flow]:
    flows = {"flag": Flow(), "approval_dm": Flow(), "approval_last_dm": Flow()}
    for index in range(-args.warmup, args.flag_rounds):
        try:
            latency = flag_round(bot, index)
        except RoundFailed as error:
            flows["flag"].failures.append(f"flag round {index}: {error}")
        else:
            if index >= 0:
                flows["flag"].samples.append(latency)
        time.sleep(ROUND_GAP)
    log(
        f"  flag: {len(flows['flag'].samples)} rounds, p99 "
        f"{percentile(sorted(flows['flag'].samples), 99) * 1000:.0f} ms"
    )
    ramp = RAMPS[1]  # what the pilot was created on
    for index in range(-args.warmup, args.approval_rounds):
        wanted = RAMPS[0] if ramp == RAMPS[1] else RAMPS[1]
        try:
            approval = approval_round(bot, index, wanted)
        except RoundFailed as error:
            flows["approval_dm"].failures.append(f"approval round {index}: {error}")
            time.sleep(ROUND_GAP)
            continue
        ramp = wanted
        if index >= 0:
            flows["approval_dm"].samples += approval.latencies.values()
            flows["approval_last_dm"].samples.append(max(approval.latencies.values()))
        time.sleep(ROUND_GAP)
    log(
        f"  approval: {len(flows['approval_last_dm'].samples)} rounds, "
        f"{len(flows['approval_dm'].samples)} DMs, p99 "
        f"{percentile(sorted(flows['approval_dm'].samples), 99) * 1000:.0f} ms"
    )
    return flows


# ----- the report --------------------------------------------------------------------------


def reproduce_command(args: argparse.Namespace) -> str:
    python = Path(sys.executable)
    shown = str(python.relative_to(REPO)) if python.is_relative_to(REPO) else "python"
    words = [shown, "-m", "bench.click_latency"]
    if args.flag_rounds == args.approval_rounds:
        words += ["--rounds", str(args.flag_rounds)]
    else:
        words += [
            "--flag-rounds",
            str(args.flag_rounds),
            "--approval-rounds",
            str(args.approval_rounds),
        ]
    words += ["--latency", str(args.latency), "--warmup", str(args.warmup)]
    if args.database_url:
        words += ["--database-url", make_url(args.database_url).render_as_string()]
    if args.output is not None:
        words += ["--output", str(args.output)]
    return shlex.join(words)


ROWS = (
    ("flag", "flag announced in the channel"),
    ("approval_dm", "approval: each stakeholder DM"),
    ("approval_last_dm", "approval: last DM of a round"),
)
BUDGETED = ("flag", "approval_dm")


def report(result: dict[str, Any]) -> str:
    config, flows = result["config"], result["flows"]
    lines = [
        "From the signed request to the message at the Slack emulator",
        f"  backend      {config['backend']} ({config['database']})",
        f"  emulator     {config['latency_s']} s per Web API call",
        f"  rounds       {config['flag_rounds']} flags by `/pilot flag major ...`; "
        f"{config['approval_rounds']} approvals by the Approve button, "
        f"{config['stakeholders']} stakeholder DMs each; after {config['warmup']} "
        "warm-up round(s) of each, one round at a time",
        f"  machine      Python {config['python']}, {config['platform']}, "
        f"{config['cpus']} CPUs, load average {config['load_average_before']} at the start",
        "",
        f"  {'':<31}{'samples':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'failed':>8}",
    ]
    for key, label in ROWS:
        s = flows[key]
        figures = "".join(
            f"{s[k]:>9.1f}" if s[k] is not None else f"{'-':>9}"
            for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
        )
        lines.append(f"  {label:<31}{s['samples']:>8}{figures}{s['failures']:>8}")
    lines.append("")
    for key in BUDGETED:
        verdict = "PASS" if result["within_budget"][key] else "FAIL"
        p99 = flows[key]["p99_ms"]
        shown = f"{p99:.1f} ms" if p99 is not None else "no samples"
        lines.append(
            f"  budget       {key}: p99 {shown} <= {result['budget_s'] * 1000:.0f} ms  {verdict}"
        )
    lines += [
        f"  verdict      {'PASS' if result['pass'] else 'FAIL'}",
        f"  reproduce    {result['command']}",
        f"  results      {result['results_file']}",
        f"  took         {result['seconds']} s",
    ]
    if config["load_average_before"] > (config["cpus"] or 1) / 2:
        lines.append(
            f"  warning      the machine was busy before the run (load average "
            f"{config['load_average_before']} on {config['cpus']} CPUs)"
        )
    for problem in result["failure_examples"]:
        lines.append(f"  failure      {problem}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.click_latency",
        description="p50/p99 from a signed request to the message at the Slack emulator: "
        "a flag's announcement and an approval's stakeholder DMs.",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds of each flow (default: 50 flags, 20 approvals)",
    )
    parser.add_argument("--flag-rounds", type=int, default=None, help="default 50")
    parser.add_argument("--approval-rounds", type=int, default=None, help="default 20")
    parser.add_argument(
        "--warmup", type=int, default=2, help="unmeasured rounds of each flow first (default 2)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.1, help="emulator seconds per Web API call (default 0.1)"
    )
    add_database_option(parser)
    add_output_option(parser, "click_latency")
    args = parser.parse_args(argv)
    args.flag_rounds = args.flag_rounds or args.rounds or 50
    args.approval_rounds = args.approval_rounds or args.rounds or 20
    if min(args.flag_rounds, args.approval_rounds) < 1 or args.warmup < 0 or args.latency < 0:
        parser.error("rounds must be at least 1, --warmup and --latency not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A plain kill still drops the PostgreSQL schema.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    os.environ.setdefault("SKIP_SLACK_SDK_WARNING", "1")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_before = round(os.getloadavg()[0], 2)
    with (
        fresh_database(args.database_url) as database,
        SlackEmulator(latency=args.latency) as emulator,
    ):
        engine = make_engine(database.url, schema=database.schema)
        try:
            with running_bot(
                emulator=emulator, engine=engine, clock=SystemClock(), database_url=database.url
            ) as bot:
                log(
                    f"setting up a pilot over HTTP on {database.backend} "
                    f"(emulator latency {args.latency} s) ..."
                )
                set_up(bot)
                flows = measure(bot, args, log)
        finally:
            engine.dispose()

    summaries = {key: flow.summary() for key, flow in flows.items()}
    failures = [problem for flow in flows.values() for problem in flow.failures]
    within = {
        key: summaries[key]["p99_ms"] is not None
        and summaries[key]["p99_ms"] <= BUDGET_SECONDS * 1000
        for key in BUDGETED
    }
    output = output_path(args.output, "click_latency", database.backend).resolve()
    result = {
        "benchmark": "click_latency",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "backend": database.backend,
            "database": make_url(database.url).render_as_string()
            if args.database_url
            else "temporary SQLite file",
            "latency_s": args.latency,
            "flag_rounds": args.flag_rounds,
            "approval_rounds": args.approval_rounds,
            "warmup": args.warmup,
            "stakeholders": len(STAKEHOLDERS),
            "clock": "system",
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
        },
        "flows": summaries,
        "samples_ms": {
            key: [round(s * 1000, 1) for s in flow.samples] for key, flow in flows.items()
        },
        "budget_s": BUDGET_SECONDS,
        "within_budget": within,
        "pass": all(within.values()) and not failures,
        "command": reproduce_command(args),
        "results_file": shown_path(output),
        "failure_examples": failures[:5],
        "seconds": round(time.perf_counter() - started, 1),
    }
    return finish(result, output, report(result), failed=bool(failures))



__all__ = ["approval_round", "flag_round", "main", "set_up"]

if __name__ == "__main__":
    raise SystemExit(main())
