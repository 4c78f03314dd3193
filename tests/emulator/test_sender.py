"""SlackSender: signed requests as Slack sends them, checked by slack_sdk's verifier."""

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from slack_emulator import SlackEmulator, SlackSender

from .conftest import TOKEN

SECRET = "test-signing-secret"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeBot:
    """A tiny stdlib HTTP server that records raw requests (or hands them to a Bolt app)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    app: App | None = None


@pytest.fixture
def bot() -> Iterator[FakeBot]:
    state = FakeBot(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = dict(self.headers.items())
            state.requests.append(Received(headers, body))
            status, answer = 200, b""
            if state.app is not None:
                bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
                bolt = state.app.dispatch(BoltRequest(body=body.decode(), headers=bolt_headers))
                status, answer = bolt.status, bolt.body.encode()
            elif "/unauthorized" in self.path:
                status, answer = 401, b"invalid request"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield state
    server.shutdown()
    server.server_close()


def verified(received: Received) -> bool:
    return SignatureVerifier(SECRET).is_valid_request(received.body, received.headers)


def test_official_signature_vector() -> None:
    sender = SlackSender("http://127.0.0.1:9/", "8f742231b10e8888abcd99yyyzzz85a5")
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id="
        b"398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        sender.sign(body, 1531420618)
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_command_is_signed_form(bot: FakeBot, emulator: SlackEmulator) -> None:
    emulator.add_user("U0001", "alice")
    emulator.add_channel("C0001", name="pilot-acme")
    sender = SlackSender(bot.url, SECRET, emulator=emulator)
    assert sender.command("status acme").status == 200
    (received,) = bot.requests
    assert verified(received)
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(received.body.decode(), keep_blank_values=True).items()}
    assert form["command"] == "/pilot" and form["text"] == "status acme"
    assert (form["user_name"], form["channel_name"]) == ("alice", "pilot-acme")
    assert form["team_id"] == "T0001" and form["api_app_id"] == "A0001"
    assert form["is_enterprise_install"] == "false" and "enterprise_id" not in form
    assert form["response_url"].startswith(emulator.base_url + "/response/")
    assert form["trigger_id"].count(".") == 2


def test_event_envelope_and_send_options(bot: FakeBot) -> None:
    sender = SlackSender(bot.url, SECRET, enterprise_id="E0001")
    event = sender.message_event("C0001", "U0001", "hello")
    sender.event(
        event,
        event_id="Ev01",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    received = bot.requests[-1]
    assert verified(received)
    assert received.headers["X-Slack-Retry-Num"] == "1"
    body = json.loads(received.body)
    assert body["type"] == "event_callback" and body["event_id"] == "Ev01"
    assert body["event"]["text"] == "hello" and body["event"]["channel_type"] == "channel"
    assert body["enterprise_id"] == "E0001"
    assert body["authorizations"][0] == {
        "enterprise_id": "E0001",
        "team_id": "T0001",
        "user_id": "UBOT",
        "is_bot": True,
        "is_enterprise_install": False,
    }
    sender.url_verification("abc", timestamp=1)  # stale timestamp: must not verify
    assert not verified(bot.requests[-1])
    sender.url_verification("abc", signature="v0=forged")
    assert not verified(bot.requests[-1])
    assert json.loads(bot.requests[-1].body)["challenge"] == "abc"


def test_error_status_is_a_response(bot: FakeBot) -> None:
    sender = SlackSender(bot.url.replace("/slack/events", "/unauthorized"), SECRET)
    response = sender.url_verification("x")
    assert (response.status, response.text) == (401, "invalid request")


def test_interactive_payloads(bot: FakeBot, client: WebClient, emulator: SlackEmulator) -> None:
    blocks = [
        {
            "type": "actions",
            "block_id": "b1",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "value": "yes",
                    "text": {"type": "plain_text", "text": "Approve"},
                }
            ],
        }
    ]
    posted = client.chat_postMessage(channel="C0001", text="Approve?", blocks=blocks)
    sender = SlackSender(bot.url, SECRET, emulator=emulator)
    payload = sender.block_actions(
        "approve", "yes", user_id="U0001", channel_id="C0001", message_ts=posted["ts"]
    )
    sender.interactive(payload)
    received = bot.requests[-1]
    assert verified(received)
    sent = json.loads(parse_qs(received.body.decode())["payload"][0])
    assert sent["type"] == "block_actions" and sent["message"]["ts"] == posted["ts"]
    assert sent["actions"][0]["block_id"] == "b1"
    assert sent["actions"][0]["text"]["text"] == "Approve"
    assert sent["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0001",
        "is_ephemeral": False,
    }
    assert sent["user"]["id"] == "U0001" and sent["team"]["id"] == "T0001"
    # The trigger_id and response_url are live in the emulator.
    view = {
        "type": "modal",
        "callback_id": "why",
        "title": {"type": "plain_text", "text": "Why"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Because."}}],
    }
    opened = client.views_open(trigger_id=sent["trigger_id"], view=view)["view"]
    assert sent["response_url"].startswith(emulator.base_url)

    submission = sender.view_submission(
        "why",
        {"b": {"a": {"type": "plain_text_input", "value": "ok"}}},
        user_id="U0001",
        view_id=opened["id"],
    )
    assert submission["view"]["id"] == opened["id"]
    assert submission["view"]["title"]["text"] == "Why"
    assert submission["view"]["state"]["values"]["b"]["a"]["value"] == "ok"


def test_user_message_is_stored_then_delivered(bot: FakeBot, emulator: SlackEmulator) -> None:
    sender = SlackSender(bot.url, SECRET, emulator=emulator)
    ts, response = sender.post_user_message("C0001", "U0001", "hi bot")
    assert response.status == 200
    reply_ts, _ = sender.post_user_message("C0001", "U0002", "me too", thread_ts=ts)
    event = json.loads(bot.requests[-1].body)["event"]
    assert (event["ts"], event["thread_ts"], event["parent_user_id"]) == (reply_ts, ts, "U0001")
    assert [m["text"] for m in emulator.thread("C0001", ts)] == ["hi bot", "me too"]
    _, _ = sender.post_user_message("U0001", "U0001", "dm")
    event = json.loads(bot.requests[-1].body)["event"]
    assert event["channel"] == emulator.dm_channel("U0001") and event["channel_type"] == "im"


def test_a_bolt_app_accepts_the_requests(bot: FakeBot, emulator: SlackEmulator) -> None:
    app = App(signing_secret=SECRET, client=WebClient(token=TOKEN, base_url=emulator.api_url))

    @app.command("/pilot")
    def pilot(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"status of {command['text']}", response_type="in_channel")

    @app.event("message")
    def on_message(event: dict[str, Any], say: Any) -> None:
        say(text=f"heard: {event['text']}", thread_ts=event["ts"])

    bot.app = app
    sender = SlackSender(bot.url, SECRET, emulator=emulator)
    assert sender.command("acme").status == 200
    ts, response = sender.post_user_message("C0001", "U0001", "hello")
    assert response.status == 200
    emulator.wait_for(lambda em: len(em.thread("C0001", ts)) == 2 and em.response_posts())
    assert sorted(m["text"] for m in emulator.messages("C0001")) == ["hello", "status of acme"]
    assert emulator.thread("C0001", ts)[1]["text"] == "heard: hello"
    assert sender.command("x", signature="v0=forged").status == 401
