"""Hostile requests: a seeded fuzz of slash commands, interactive payloads and events,
malformed and well-formed, nearly all correctly signed, against the real app over HTTP.

Each run sends about 500 requests (two seeds: about 1,000 in all) and expects: no answer
of 500 or more, no traceback and no ERROR record in the log, every badly signed request
refused with 401 and every correctly signed one let through, the valid commands sent in
between all taking effect, and `/pilot status`, `plan` and `flags` answering afterwards.

The fuzz never names the pilot the valid commands use (channel C0001, its pilot id):
it works on a pilot of its own in another channel, so what it changes cannot make the
valid commands' outcome depend on the seed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import col, select

from bot.app import services_of
from bot.blocks import ids
from storage.db import unit_of_work
from storage.models import Flag, PilotRisk
from tests.helpers import CHANNEL, store_member, store_pilot

SEEDS = (20261210, 4242)
FUZZ_REQUESTS = 500  # per seed
VALID_EVERY = 50  # a valid, state-changing command pair after this many fuzz requests
BAD_SIGNATURE_SHARE = 0.1
TIME_LIMIT = 20.0  # seconds per run, on two cores
REPO = str(Path(__file__).resolve().parents[1]) + "/"

OWNER, SPONSOR, STRANGER = "U0001", "U0002", "U0009"
FUZZ_CHANNEL = "C0FUZZ"
APOLOGY = "something went wrong on our side"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

# ----- hostile values --------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "²",
    "٣",
    "¹²³",
    "١٢",
    "\x00",
    "a\x00b",
    "\x01\x02\x07\x08\x1b[31m\x7f",
    "\u202eevil",
    "\uffff",
    "🙂" * 8,
    "99999999999999999999",
    "99999999999",
    "2147483648",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "F-99999999999",
    "F-0",
    "F--1",
    "F-²",
    "R-99999999999",
    "C-99999999999",
    "x" * 5000,
    '"',
    '""',
    '"unterminated',
    "“curly”",
    "<!channel>",
    "<!here>",
    "<@U123|x>",
    "<@U0001>",
    "<#C0001|general>",
    "&amp;&lt;&gt;",
    "key=value",
    "=",
    "a=",
    "=b",
    "reason=" + "r" * 5000,
    "\n\n",
    "\t",
    "\r\n",
    "%00",
    "' OR 1=1 --",
    "${jndi:ldap://x}",
    "{{7*7}}",
]
NUMBERS = [
    "1",
    "2",
    "3",
    "0",
    "-1",
    "²",
    "٣",
    "١٢",
    "99999999999",
    "99999999999999999999",
    "2147483648",
    "1e3",
    "0x10",
    "1_000",
    "",
    " 1",
    "1.5",
]
DURATIONS = ["4h", "30m", "1d", "0h", "-1h", "99999999999999999999h", "99999999999d", "²h", "h"]
DATES = ["2027-01-15", "2026-12-31", "9999-12-31", "0000-00-00", "2027-02-30", "²⁰²⁷-01-01"]
SEVERITIES = ["critical", "major", "minor", "CRITICAL", "urgent"]
CATEGORIES = ["technical", "business", "timeline", "scope", "legal"]
ROLES = ["executive_sponsor", "project_lead", "technical_lead", "end_user", "sponsor", "x"]
SETTING_KEYS = ["checkin", "review", "holidays", "tz", "weeks", "ramp", "name", "bogus"]
OPTION_KEYS = ["reason", "mitigation", "target", "category", "use_cases", "channels", "weeks"]
# JSON-only values: lone surrogates cannot travel in a form body (urlencode refuses them).
JSON_NASTY = [*NASTY, "\ud800", "x\udfffy"]
WRONG_TYPES: list[Any] = [None, 0, -1, 99999999999999999999, 1.5, True, [], [1], {}, {"a": 1}]

COMMAND_TEMPLATES = [
    "{x}",
    "help {x}",
    "status",
    "status public",
    "status {x}",
    "plan",
    "plan {x}",
    "settings",
    "set {key}={x}",
    "set {key}={x} {key}={x}",
    'set {key}="{x}"',
    'pause reason="{x}"',
    "pause {x}",
    "resume",
    "resume {x}",
    'end reason="{x}"',
    "list {x}",
    "team",
    "team add {user} {role}",
    "team add {x} {x}",
    "team remove {user} {role}",
    "scope",
    'scope set use_cases="{x}" channels={x}',
    "scope set {opt}={x}",
    'scope defer "{x}"',
    "risks",
    'risks add {category} "{x}" mitigation="{x}"',
    "risks add {x} {x} {opt}={x}",
    "risks remove R-{n}",
    "risks remove {x}",
    "criteria",
    'criteria add "{x}" target="{x}"',
    "criteria remove C-{n}",
    "change {x}",
    'change ramp {x} reason="{x}"',
    'change ramp {n},{n},{n} reason="{x}" override={x}',
    'change end {date} reason="{x}"',
    'change end weeks={n} reason="{x}"',
    'change scope use_cases="{x}" reason="{x}"',
    "review {x}",
    "escalation",
    'snooze {flag} {duration} reason="{x}"',
    "snooze {flag} {duration}",
    "snooze {x} {x}",
    "flag {severity} category={category} {x}",
    "flag {severity} {x}",
    "flag {flag}",
    "flag {x}",
    "flags",
    "flags {x}",
    "ack {flag}",
    "ack {x}",
    "resolve {flag} {x}",
    "resolve {x}",
    '{opt}={x} {opt}="{x}"',
    'create "{x}" customer={x} type={x} start={date} weeks={n} tz={x} checkin={x}',
    "create {x}",
]

ACTIONS = [
    ids.CHANGE_APPROVE,
    ids.CHANGE_REJECT,
    ids.CHECKIN_POST_STATUS,
    ids.CHECKIN_FLAG_ISSUE,
    ids.FLAG_ACKNOWLEDGE,
    ids.FLAG_RESOLVE,
    ids.REVIEW_RECORD_METRICS,
    ids.REVIEW_SET_PRIORITIES,
    ids.RAMP_APPLIED,
    ids.RAMP_HOLD,
    ids.CHECKLIST_DELIVERABLES,
    ids.CHECKLIST_EXIT_CRITERIA,
    ids.CHECKLIST_POST_PILOT,
    ids.PHASE_GO,
    ids.PHASE_NO_GO,
    ids.LESSONS_ADD,
    ids.RECOMMENDATION_RECORD,
    "unknown_action",
]
CALLBACKS = [
    ids.CREATE_PILOT,
    ids.CHECKIN_STATUS_MODAL,
    ids.FLAG_MODAL,
    ids.FLAG_RESOLVE_MODAL,
    ids.METRICS_MODAL,
    ids.PRIORITIES_MODAL,
    ids.RAMP_HOLD_MODAL,
    ids.NO_GO_MODAL,
    ids.LESSONS_MODAL,
    ids.RECOMMENDATION_MODAL,
    "unknown_callback",
]
# Every input block of the modals above: each one's action id is its block id.
INPUTS = [
    value
    for name, value in vars(ids).items()
    if name.isupper()
    and isinstance(value, str)
    and name.startswith(("CREATE_", "CHECKIN_", "FLAG_", "PRIORITIES_", "RAMP_HOLD_", "NO_GO_"))
] + [ids.LESSONS_TEXT, ids.RECOMMENDATION_CHOICE, ids.RECOMMENDATION_RATIONALE, "metric_1"]
EVENT_FIELDS = ["user", "channel", "text", "ts", "thread_ts", "item", "tab", "event_ts"]
EVENT_FIELDS += ["subtype", "message", "type", "blocks", "reaction", "item_user"]
ENVELOPE_FIELDS = ["team_id", "event_id", "event_time", "authorizations", "type", "api_app_id"]
ENVELOPE_FIELDS += ["event", "enterprise_id", "is_ext_shared_channel"]
METADATA_KEYS = ["pilot", "channel", "thread", "source", "phase", "week", "period", "day"]


# ----- requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request to send: what it is (for the report), its body and how it is signed."""

    kind: str
    summary: str
    body: bytes
    content_type: str
    signing: str = "good"  # or a way of getting the signature wrong, which must get 401


BAD_SIGNINGS = ("forged", "no signature", "no timestamp", "timestamp abc", "stale", "future")


@dataclass
class Outcome:
    request: Request
    status: int
    body: bytes
    logged: list[logging.LogRecord] = field(default_factory=list)


def post(bot, request: Request, opener: urllib.request.OpenerDirector) -> Outcome:
    """Send ``request`` as Slack would (or with its signing spoiled), without any retry."""
    now = int(time.time())
    timestamp = str({"stale": now - 600, "future": now + 600}.get(request.signing, now))
    base = b"v0:" + timestamp.encode() + b":" + request.body
    digest = hmac.new(bot.sender.signing_secret.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": request.content_type,
        "User-Agent": USER_AGENT,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    if request.signing == "forged":
        headers["X-Slack-Signature"] = "v0=" + hashlib.sha256(request.body).hexdigest()
    elif request.signing == "no signature":
        del headers["X-Slack-Signature"]
    elif request.signing == "no timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif request.signing == "timestamp abc":
        headers["X-Slack-Request-Timestamp"] = "abc"
    http = urllib.request.Request(bot.sender.bot_url, data=request.body, headers=headers)
    try:
        with opener.open(http, timeout=10) as answer:
            return Outcome(request, answer.status, answer.read())
    except urllib.error.HTTPError as error:
        return Outcome(request, error.code, error.read())


def shown(mutation: str, wrong: Any) -> str:
    return f": {json.dumps(wrong)[:40]}" if "wrong type" in mutation else ""


class Fuzzer:
    """Builds hostile requests from one seeded random source."""

    def __init__(self, rng: random.Random, bot, fuzz_pilot_id: int, main_pilot_id: int) -> None:
        self.rng = rng
        self.bot = bot
        self.sender = bot.sender
        self.emulator = bot.emulator
        # Pilot ids a payload may name: never the valid commands' pilot.
        self.pilot_ids = [str(fuzz_pilot_id)] * 4 + [n for n in NUMBERS if n != str(main_pilot_id)]
        self.channels = [FUZZ_CHANNEL] * 18 + ["C0NEW1", "D0001", "", "C\x00", "G0001", "x" * 300]
        self.users = [OWNER] * 18 + [SPONSOR, STRANGER, "", "U\x00", "W0001", "u" * 300]

    # ----- building blocks ---------------------------------------------------------------

    def pick(self, values: list[Any]) -> Any:
        return values[self.rng.randrange(len(values))]

    def nasty(self, *, json_only: bool = False) -> str:
        roll = self.rng.random()
        if roll < 0.25:
            return self.pick(["fine", "Looks good", "ok then", "A real sentence."])
        if roll < 0.35:  # a random unicode soup, C0 controls and all
            return "".join(
                chr(self.rng.randrange(0, 0x3000)) for _ in range(self.rng.randrange(1, 40))
            )
        return self.pick(JSON_NASTY if json_only else NASTY)

    def number(self) -> str:
        return self.pick(NUMBERS)

    def pilot_value(self, parts: int) -> str:
        """A button value: "<pilot id>:<...>", well-formed or not."""
        if self.rng.random() < 0.2:
            fuzz = self.pilot_ids[0]
            return self.pick([f"{fuzz}:abc", "²:1", "99999999999:1", "", ":", "::::", f"{fuzz}:"])
        rest = [self.pick([*NUMBERS, "w1", "w²", "deliverables", "x" * 500]) for _ in range(parts)]
        return ":".join([self.pick(self.pilot_ids), *rest][: self.rng.randrange(1, parts + 3)])

    def wrong(self) -> Any:
        return self.pick([*WRONG_TYPES, self.nasty(json_only=True)])

    def signing(self) -> str:
        if self.rng.random() < BAD_SIGNATURE_SHARE:
            return self.pick(list(BAD_SIGNINGS))
        return "good"

    # ----- slash commands ----------------------------------------------------------------

    def command_text(self) -> str:
        template = self.pick(COMMAND_TEMPLATES)
        fillers: dict[str, Callable[[], str]] = {
            "x": self.nasty,
            "n": self.number,
            # Mostly F-1, which the test raises on the fuzz pilot before the fuzz starts.
            "flag": lambda: self.pick(["F-1", "F-1", f"F-{self.number()}", self.nasty()]),
            "key": lambda: self.pick(SETTING_KEYS),
            "opt": lambda: self.pick(OPTION_KEYS),
            "user": lambda: self.pick(["<@U0002>", "<@U0002|bob>", "<@U123|x>", "@bob", "U0002"]),
            "role": lambda: self.pick(ROLES),
            "date": lambda: self.pick(DATES),
            "duration": lambda: self.pick(DURATIONS),
            "severity": lambda: self.pick(SEVERITIES),
            "category": lambda: self.pick(CATEGORIES),
        }
        out, i = [], 0
        while i < len(template):
            if template[i] == "{":
                end = template.index("}", i)
                out.append(fillers[template[i + 1 : end]]())
                i = end + 1
            else:
                out.append(template[i])
                i += 1
        return "".join(out)

    def command(self) -> Request:
        text = self.command_text()
        user = self.pick(self.users)
        if text.startswith("end "):
            user = STRANGER  # the fuzz pilot is not ended (nor much else would be tested)
        channel = self.pick(self.channels)
        team = self.pick(["T0001"] * 27 + ["", "T\x00", "TOTHER"])
        name = self.pick(["/pilot"] * 27 + ["/other", "", "/PILOT"])
        fields: list[tuple[str, str]] = [
            ("token", self.sender.ctx.token),
            ("team_id", team),
            ("team_domain", "pilot-test"),
            ("channel_id", channel),
            ("channel_name", "pilot-fuzz"),
            ("user_id", user),
            ("user_name", "alice"),
            ("command", name),
            ("text", text),
            ("api_app_id", "A0001"),
            ("is_enterprise_install", "false"),
            ("response_url", self.emulator.new_response_url(channel_id=channel, user_id=user)),
            ("trigger_id", self.emulator.new_trigger_id()),
        ]
        roll = self.rng.random()
        summary = f"{name} {text[:80]!r} user={user[:12]!r} channel={channel[:12]!r}"
        if team != "T0001":
            summary += f" team={team!r}"
        if roll < 0.06:  # a field missing
            gone = self.rng.randrange(len(fields))
            summary += f" without {fields[gone][0]}"
            del fields[gone]
        elif roll < 0.10:  # a field twice
            fields.append(self.pick(fields[:1] + fields[3:9]))
            summary += " with a repeated field"
        body = urlencode(fields).encode()
        if self.rng.random() < 0.04:
            body, summary = self.pick(
                [
                    (b"%zz%%=&&==&text=%", "broken percent-encoding"),
                    (b"\xff\xfe\x00garbage", "invalid UTF-8"),
                    (body + b"&text=%FF%FE", "an undecodable text field"),
                    (body[: len(body) // 2], "a body cut in half"),
                ]
            )
        return Request("command", summary, body, FORM, self.signing())

    # ----- interactive payloads ------------------------------------------------------------

    def block_actions(self) -> tuple[dict[str, Any], str]:
        action_id = self.pick(ACTIONS)
        channel = self.pick(self.channels)
        value = "" if action_id.startswith("checklist_") else self.pilot_value(2)
        payload = self.sender.block_actions(
            action_id,
            value,
            user_id=self.pick(self.users),
            channel_id=channel,
            message_ts=self.pick([None, "1765400000.000100", "abc", ""]),
        )
        payload["response_url"] = self.emulator.new_response_url(channel_id=channel)
        action = payload["actions"][0]
        if action_id.startswith("checklist_"):
            action["type"] = "checkboxes"
            action["block_id"] = self.pick(
                [
                    f"checklist:{self.pick(self.pilot_ids)}:{self.pick(['deliverables', 'x'])}",
                    "checklist:²:deliverables",
                    "checklist:99999999999:d",
                    "checklist",
                    "",
                ]
            )
            action["selected_options"] = self.pick(
                [
                    [{"value": self.pick(["d1", "e2", "p3", "d²", "d99999999999", "x", ""])}],
                    [],
                    "d1",
                    [None],
                    [{"value": 1}],
                ]
            )
        summary = f"block_actions {action_id} value={value[:40]!r} channel={channel[:12]!r}"
        roll = self.rng.random()
        if roll < 0.45:
            return payload, summary
        mutation = self.pick(
            [
                "no actions",
                "actions a string",
                "actions empty",
                "action a string",
                "action value wrong type",
                "action id wrong type",
                "user wrong type",
                "user id wrong type",
                "team null",
                "team a string",
                "channel wrong type",
                "container wrong type",
                "message wrong type",
                "type missing",
                "trigger_id wrong type",
                "response_url wrong type",
            ]
        )
        wrong = self.wrong()
        if mutation == "no actions":
            del payload["actions"]
        elif mutation == "actions a string":
            payload["actions"] = self.nasty(json_only=True)
        elif mutation == "actions empty":
            payload["actions"] = []
        elif mutation == "action a string":
            payload["actions"] = [self.nasty(json_only=True)]
        elif mutation == "action value wrong type":
            action["value"] = wrong
        elif mutation == "action id wrong type":
            action["action_id"] = wrong
        elif mutation == "user wrong type":
            payload["user"] = wrong
        elif mutation == "user id wrong type":
            payload["user"]["id"] = wrong
        elif mutation == "team null":
            payload["team"] = None
        elif mutation == "team a string":
            payload["team"] = "T0001"
        elif mutation == "type missing":
            del payload["type"]
        else:
            payload[mutation.split()[0]] = wrong
        return payload, f"{summary} [{mutation}{shown(mutation, wrong)}]"

    def view_submission(self) -> tuple[dict[str, Any], str]:
        callback = self.pick(CALLBACKS)
        metadata = self.pick(
            [
                "not json",
                "[]",
                '{"pilot": "x"}',
                "null",
                "",
                '"str"',
                "{",
                json.dumps({"pilot": self.wrong()}),
                json.dumps(
                    {
                        key: self.pick([self.pick(self.pilot_ids), self.wrong(), FUZZ_CHANNEL])
                        for key in self.rng.sample(METADATA_KEYS, self.rng.randrange(1, 5))
                    }
                ),
                json.dumps({"pilot": self.pick(self.pilot_ids), "channel": FUZZ_CHANNEL}),
            ]
        )
        if callback == ids.CREATE_PILOT:
            metadata = self.pick([metadata, FUZZ_CHANNEL, "C0NEW2", "\x00"])
        values: dict[str, Any] = {}
        for block in self.rng.sample(INPUTS, self.rng.randrange(0, 6)):
            element = self.pick(
                [
                    {"type": "plain_text_input", "value": self.nasty(json_only=True)},
                    {"type": "plain_text_input", "value": self.wrong()},
                    {"type": "radio_buttons", "selected_option": {"value": self.nasty()}},
                    {"type": "radio_buttons", "selected_option": self.wrong()},
                    {"type": "static_select", "selected_option": {"value": self.number()}},
                    {"type": "checkboxes", "selected_options": self.wrong()},
                    {"type": "datepicker", "selected_date": self.pick([*DATES, 1])},
                    {"type": "timepicker", "selected_time": self.pick(["25:99", "09:30", "²"])},
                    self.wrong(),
                ]
            )
            values[block] = self.pick([{block: element}, element, self.wrong()])
        payload = self.sender.view_submission(
            callback, values, user_id=self.pick(self.users), private_metadata=metadata
        )
        payload["view"]["private_metadata"] = metadata
        summary = f"view_submission {callback} private_metadata={metadata[:60]!r}"
        roll = self.rng.random()
        if roll < 0.6:
            return payload, summary
        mutation = self.pick(
            [
                "no view",
                "view a string",
                "state values wrong type",
                "state wrong type",
                "private_metadata wrong type",
                "callback_id wrong type",
                "user wrong type",
                "team null",
            ]
        )
        wrong = self.wrong()
        if mutation == "no view":
            del payload["view"]
        elif mutation == "view a string":
            payload["view"] = self.nasty(json_only=True)
        elif mutation == "state values wrong type":
            payload["view"]["state"]["values"] = wrong
        elif mutation == "state wrong type":
            payload["view"]["state"] = wrong
        elif mutation == "private_metadata wrong type":
            payload["view"]["private_metadata"] = wrong
        elif mutation == "callback_id wrong type":
            payload["view"]["callback_id"] = wrong
        elif mutation == "user wrong type":
            payload["user"] = wrong
        else:
            payload["team"] = None
        return payload, f"{summary} [{mutation}{shown(mutation, wrong)}]"

    def interactive(self) -> Request:
        roll = self.rng.random()
        if roll < 0.08:
            body, summary = self.pick(
                [
                    (b"payload=not+json", "payload not JSON"),
                    (b"payload=%5B%5D", "payload a JSON array"),
                    (b"payload=null", "payload null"),
                    (b"payload=", "payload empty"),
                    (b"payload=%7B%7D", "payload {}"),
                    (b"payload=%22str%22", "payload a JSON string"),
                    (b"other=1", "no payload field"),
                    (b"payload=%7B&payload=%7D", "payload twice"),
                    (
                        urlencode({"payload": json.dumps({"type": self.wrong()})}).encode(),
                        "payload type wrong",
                    ),
                ]
            )
            return Request("interactive", summary, body, FORM, self.signing())
        if roll < 0.6:
            payload, summary = self.block_actions()
        else:
            payload, summary = self.view_submission()
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return Request("interactive", summary, body, FORM, self.signing())

    # ----- events ----------------------------------------------------------------------------

    def event(self) -> Request:
        roll = self.rng.random()
        if roll < 0.15:
            body, summary = self.pick(
                [
                    (b"", "an empty body"),
                    (b"not json", "a body that is not JSON"),
                    (b"[]", "a JSON array"),
                    (b"[1, 2, 3]", "a JSON array of numbers"),
                    (b"null", "JSON null"),
                    (b"1", "a JSON number"),
                    (b'"event_callback"', "a JSON string"),
                    (b"{", "truncated JSON"),
                    (b'{"type": "event_callback"}', "an envelope without an event"),
                    (b'{"type": "event_callback", "event": "x"}', "an event that is a string"),
                    (b'{"type": "event_callback", "event": []}', "an event that is a list"),
                    (b'{"type": "url_verification"}', "url_verification without challenge"),
                    (
                        b'{"type": "url_verification", "challenge": {"a": 1}}',
                        "url_verification with an object challenge",
                    ),
                    (b"\xff\xfe{}", "invalid UTF-8"),
                    (b"[" * 100_000 + b"]" * 100_000, "JSON nested 100,000 deep"),
                    (
                        b'{"type": "event_callback", "event": {"type": "message"}, "x": 1e999}',
                        "a float overflow",
                    ),
                ]
            )
            return Request("event", summary, body, self.pick([JSON] * 4 + [FORM]), self.signing())
        kind = self.pick(["message", "message", "reaction_added", "app_home_opened", "other"])
        user = self.pick(self.users)
        channel = self.pick(self.channels)
        if kind == "message":
            event = self.sender.message_event(
                channel,
                user,
                self.pick(
                    ["flag: critical " + self.nasty(), ":triangular_flag_on_post: x", self.nasty()]
                ),
                thread_ts=self.pick([None, "1765400000.000100", "abc", "99999999999999999999"]),
            )
            if self.rng.random() < 0.2:
                event["subtype"] = self.pick(["message_changed", "message_deleted", "bot_message"])
        elif kind == "reaction_added":
            event = self.sender.reaction_added_event(
                user,
                self.pick(["triangular_flag_on_post", "thumbsup", ""]),
                channel,
                self.pick(["1765400000.000100", "abc", ""]),
                self.pick(self.users),
            )
        elif kind == "app_home_opened":
            event = {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0001",
                "tab": self.pick(["home", "messages", ""]),
                "event_ts": "1765400000.000100",
            }
        else:
            event = {"type": self.nasty(), "user": user}
        summary = f"event {kind} user={user[:12]!r} channel={channel[:12]!r}"
        if self.rng.random() < 0.5:
            field = self.pick(EVENT_FIELDS)
            wrong = self.wrong()
            event[field] = wrong
            summary += f" [{field}: {json.dumps(wrong)[:40]}]"
        body_dict = {
            "token": self.sender.ctx.token,
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{self.rng.randrange(10**12)}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
        }
        if self.rng.random() < 0.2:
            field = self.pick(ENVELOPE_FIELDS)
            wrong = self.wrong()
            body_dict[field] = wrong
            summary += f" [envelope {field}: {json.dumps(wrong)[:40]}]"
        return Request("event", summary, json.dumps(body_dict).encode(), JSON, self.signing())

    def next(self) -> Request:
        roll = self.rng.random()
        if roll < 0.45:
            return self.command()
        if roll < 0.8:
            return self.interactive()
        return self.event()


# ----- the test ----------------------------------------------------------------------------


def drain_listeners(bot) -> None:
    """Wait until the listeners Bolt runs after their ack, and the deliveries they wake, are
    done: whatever they log is in the captured log by then."""
    services = services_of(bot.app)
    pool = services.executor._pool
    workers = pool._max_workers
    barrier = threading.Barrier(workers + 1, timeout=20)
    futures = [pool.submit(barrier.wait) for _ in range(workers)]
    barrier.wait()  # every worker is here, so what was queued before them has finished
    for future in futures:
        future.result()
    assert services.sender is not None
    assert services.sender.wait_idle(timeout=20)


def is_problem(record: logging.LogRecord) -> bool:
    text = f"{record.getMessage()}\n{record.exc_text or ''}"
    return record.levelno >= logging.ERROR or bool(record.exc_info) or "Traceback" in text


def failure_class(record: logging.LogRecord) -> tuple[str, str]:
    """A logged problem as (its class, this instance): the class is its logger and, for an
    exception, its type, the frame that raised it and the last frame of this repository."""
    message = re.sub(r"\(reference \w+\)", "(reference ...)", record.getMessage())
    said = f"{record.levelname} {record.name} {message[:70]!r}"
    if not record.exc_info or record.exc_info[1] is None:
        return said, ""
    error = record.exc_info[1]
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f.filename.startswith(REPO) and "/.venv/" not in f.filename]

    def where(frame: traceback.FrameSummary) -> str:
        return f"{frame.filename.removeprefix(REPO)}:{frame.lineno} ({frame.name})"

    raised = where(frames[-1]) if frames else "?"
    mine = where(ours[-1]) if ours else "-"
    return f"{type(error).__name__} at {raised}, ours {mine}; {said}", str(error)[:100]


def ephemeral_text(outcome: Outcome) -> str:
    try:
        return str(json.loads(outcome.body)["text"])
    except (ValueError, KeyError, TypeError):
        return outcome.body.decode("utf-8", "replace")


@pytest.mark.parametrize("seed", SEEDS)
def test_hostile_requests_are_refused_or_answered_and_valid_ones_still_work(bot, caplog, seed):
    caplog.set_level(logging.WARNING)
    fuzz_pilot = store_pilot(bot.engine, channel_id=FUZZ_CHANNEL)
    store_member(bot.engine, fuzz_pilot, SPONSOR, "executive_sponsor")
    main = store_pilot(bot.engine)
    store_member(bot.engine, main, SPONSOR, "technical_lead")
    assert main.id is not None and fuzz_pilot.id is not None
    fuzzer = Fuzzer(random.Random(seed), bot, fuzz_pilot.id, main.id)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def send(request: Request) -> Outcome:
        before = len(caplog.records)
        outcome = post(bot, request, opener)
        # One at a time: what a listener run after the ack logs belongs to this request.
        drain_listeners(bot)
        outcome.logged = [r for r in caplog.records[before:] if is_problem(r)]
        return outcome

    def valid(text: str, channel: str = CHANNEL) -> Outcome:
        form = urlencode(
            {
                "token": bot.sender.ctx.token,
                "team_id": "T0001",
                "team_domain": "pilot-test",
                "channel_id": channel,
                "channel_name": "pilot-acme",
                "user_id": OWNER,
                "user_name": "alice",
                "command": "/pilot",
                "text": text,
                "api_app_id": "A0001",
                "response_url": bot.emulator.new_response_url(channel_id=channel, user_id=OWNER),
                "trigger_id": bot.emulator.new_trigger_id(),
            }
        ).encode()
        return send(Request("valid", f"/pilot {text}", form, FORM))

    started = time.monotonic()
    # F-1 of the fuzz pilot, for the fuzz to acknowledge, resolve and snooze.
    assert valid("flag major a flag for the fuzz", FUZZ_CHANNEL).status == 200
    outcomes: list[Outcome] = []
    valid_answers: list[Outcome] = []
    rounds = 0
    for i in range(FUZZ_REQUESTS):
        outcomes.append(send(fuzzer.next()))
        if (i + 1) % VALID_EVERY == 0:
            rounds += 1
            valid_answers.append(valid(f"flag minor fuzz check {rounds}"))
            valid_answers.append(valid(f'risks add technical "fuzz risk {rounds}" mitigation="m"'))
    drain_listeners(bot)

    failures: list[str] = []
    by_class: dict[str, list[tuple[Outcome, str]]] = {}
    for outcome in outcomes:
        request = outcome.request
        found = [failure_class(r) for r in outcome.logged]
        if request.signing != "good" and outcome.status != 401:
            found.append((f"answered {outcome.status}, not 401, when badly signed", ""))
        elif request.signing == "good" and outcome.status == 401:
            found.append(("refused with 401 though correctly signed", ""))
        elif outcome.status >= 500 and not outcome.logged:
            found.append((f"answered {outcome.status}, nothing logged", ""))
        if b"Traceback" in outcome.body:
            found.append(("a traceback in the answer", ""))
        for name, detail in dict(found).items():
            by_class.setdefault(name, []).append((outcome, detail))
    for name, seen in sorted(by_class.items()):
        failures.append(f"{len(seen)} x {name}; statuses {sorted({o.status for o, _ in seen})}")
        failures += [
            f"      {o.status} {o.request.kind} ({o.request.signing}): {o.request.summary}"
            + (f" -> {detail!r}" if detail else "")
            for o, detail in seen[:3]
        ]
    for outcome in valid_answers:
        said = ephemeral_text(outcome)
        if outcome.status != 200 or APOLOGY in said:
            failures.append(f"valid {outcome.request.summary} -> {outcome.status} {said[:300]}")

    with unit_of_work(bot.engine) as session:
        flags = session.exec(select(Flag).where(Flag.pilot_id == main.id)).all()
        risks = session.exec(
            select(PilotRisk).where(
                PilotRisk.pilot_id == main.id, col(PilotRisk.removed_at).is_(None)
            )
        ).all()
        raised = sorted(f.description for f in flags)
        registered = sorted(r.risk for r in risks)
    assert rounds == FUZZ_REQUESTS // VALID_EVERY
    if raised != sorted(f"fuzz check {n}" for n in range(1, rounds + 1)):
        failures.append(f"the main pilot's flags are not those of the valid commands: {raised}")
    if registered != sorted(f"fuzz risk {n}" for n in range(1, rounds + 1)):
        failures.append(f"the main pilot's risks are not those of the valid commands: {registered}")

    afterwards = {text: valid(text) for text in ("status", "plan", "flags")}
    drain_listeners(bot)
    elapsed = time.monotonic() - started
    for text, outcome in afterwards.items():
        said = ephemeral_text(outcome)
        if outcome.status != 200 or APOLOGY in said or "no pilot" in said or outcome.logged:
            failures.append(f"/pilot {text} afterwards -> {outcome.status} {said[:300]}")
    listed = ephemeral_text(afterwards["flags"])
    missing = [n for n in range(1, rounds + 1) if f"F-{n}" not in listed]
    if missing:
        failures.append(f"/pilot flags does not list F-{missing}: {listed[:300]}")

    logged = [r for r in caplog.records if is_problem(r)]
    signed = [o for o in outcomes if o.request.signing == "good"]
    passed = [o for o in signed if o.status != 401]
    answered = [o for o in signed if 200 <= o.status < 300]
    # A verified body no listener could read (wrong-typed fields, not JSON) is refused
    # with 400 and its reason; the rest are answered.
    refused = [o for o in signed if o.status == 400 and b'"error"' in o.body]
    report = "\n".join(
        [
            f"seed {seed}: {len(outcomes)} fuzz requests and {len(valid_answers) + 4} valid ones"
            f" in {elapsed:.1f} s; {len(signed)} correctly signed, {len(passed)} of them passed"
            f" verification, {len(answered)} answered 2xx",
            f"{len(logged)} problems in the log",
            *failures,
        ]
    )
    assert not failures and not logged, report
    assert len(signed) >= 0.8 * len(outcomes), report
    assert len(passed) == len(signed), report
    assert len(answered) + len(refused) == len(signed), report
    assert len(answered) >= 0.6 * len(signed), report
    assert elapsed <= TIME_LIMIT, report
