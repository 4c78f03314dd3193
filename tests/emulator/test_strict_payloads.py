"""The strict emulator refuses what Slack refuses (Block Kit and message limits), as Slack
answers it, with no effect; payloads at the limits pass."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.request import Request, urlopen

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator
from slack_emulator.limits import message_problem, refused_report, view_problem

from .conftest import TOKEN

Block = dict[str, Any]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str = "hello") -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text)}


def button(text: str = "Go", action_id: str = "go", value: str = "1") -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, "value": value}


def actions(*elements: dict[str, Any], block_id: str = "acts") -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def context(count: int) -> Block:
    return {"type": "context",
            "elements": [{"type": "mrkdwn", "text": f"item {i}"} for i in range(count)]}


def fields(count: int, length: int = 10) -> Block:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * length}] * count}


def modal(blocks: list[Block] | None = None, **overrides: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"type": "modal", "callback_id": "form", "title": plain("Edit"),
                            "submit": plain("Save"), "close": plain("Cancel"),
                            "private_metadata": "{}", "blocks": blocks or [section()]}
    view.update(overrides)
    return view


def typical_message() -> list[Block]:
    return [
        header("Daily check-in · Day 8 · Soft Launch · 25% traffic"),
        section("*Acme POC*: how is it going?"),
        {"type": "section", "block_id": "facts",
         "fields": [{"type": "mrkdwn", "text": "*Stage*\nSoft Launch"},
                    {"type": "mrkdwn", "text": "*Traffic*\n25%"}],
         "accessory": {"type": "overflow", "action_id": "more",
                       "options": [{"text": plain("Snooze"), "value": "snooze"},
                                   {"text": plain("Mute"), "value": "mute"}]}},
        {"type": "divider"},
        actions(button("Post status", "post", "1:2026-12-14") | {"style": "primary"},
                button("Flag an issue", "flag", "1:2026-12-14")),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Asked in <#C0001>."}]},
    ]


def typical_modal() -> dict[str, Any]:
    return modal([
        {"type": "input", "block_id": "color", "label": plain("How is it going?"),
         "element": {"type": "radio_buttons", "action_id": "color",
                     "options": [{"text": plain("Green"), "value": "green",
                                  "description": plain("On track")},
                                 {"text": plain("Red"), "value": "red"}]}},
        {"type": "input", "block_id": "note", "optional": True, "label": plain("Note"),
         "hint": plain("Needed for yellow and red."),
         "element": {"type": "plain_text_input", "action_id": "note", "multiline": True,
                     "max_length": 2000, "placeholder": plain("What is next")}},
        {"type": "input", "block_id": "day", "label": plain("Day"),
         "element": {"type": "static_select", "action_id": "day",
                     "initial_option": {"text": plain("Monday"), "value": "mon"},
                     "options": [{"text": plain("Monday"), "value": "mon"},
                                 {"text": plain("Tuesday"), "value": "tue"}]}},
        {"type": "input", "block_id": "when", "label": plain("When"),
         "element": {"type": "timepicker", "action_id": "when", "initial_time": "09:30"}},
    ], private_metadata=json.dumps({"pilot": 1, "channel": "C0001"}))


# ----- messages --------------------------------------------------------------------------

# (name, chat.postMessage arguments, error, a line Slack's detail must contain)
REFUSED_MESSAGES: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("51 blocks", {"blocks": [section()] * 51}, "invalid_blocks",
     "no more than 50 items allowed [json-pointer:/blocks]"),
    ("3,001-char section", {"blocks": [section("s" * 3001)]}, "invalid_blocks",
     "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
    ("151-char header", {"blocks": [header("h" * 151)]}, "invalid_blocks",
     "must be less than 151 characters [json-pointer:/blocks/0/text/text]"),
    ("76-char button", {"blocks": [section(), actions(button("b" * 76))]}, "invalid_blocks",
     "must be less than 76 characters [json-pointer:/blocks/1/elements/0/text/text]"),
    ("2,001-char button value", {"blocks": [actions(button(value="v" * 2001))]},
     "invalid_blocks", "must be less than 2001 characters "
     "[json-pointer:/blocks/0/elements/0/value]"),
    ("duplicate block_id", {"blocks": [section() | {"block_id": "b"},
                                       section() | {"block_id": "b"}]},
     "invalid_blocks", "[json-pointer:/blocks/1/block_id]"),
    ("duplicate action_id in a block", {"blocks": [actions(button("A", "same"),
                                                           button("B", "same"))]},
     "invalid_blocks", "[json-pointer:/blocks/0/elements/1/action_id]"),
    ("40,001-char text", {"text": "t" * 40_001}, "msg_too_long", None),
    ("11 context elements", {"blocks": [context(11)]}, "invalid_blocks",
     "no more than 10 items allowed [json-pointer:/blocks/0/elements]"),
    ("11 fields", {"blocks": [fields(11)]}, "invalid_blocks",
     "no more than 10 items allowed [json-pointer:/blocks/0/fields]"),
    ("2,001-char field", {"blocks": [fields(2, length=2001)]}, "invalid_blocks",
     "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"),
    ("empty section text", {"blocks": [section("")]}, "invalid_blocks",
     "must be more than 0 characters [json-pointer:/blocks/0/text/text]"),
    ("empty button text", {"blocks": [actions(button(""))]}, "invalid_blocks",
     "must be more than 0 characters [json-pointer:/blocks/0/elements/0/text/text]"),
    ("mrkdwn header", {"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]},
     "invalid_blocks", "[json-pointer:/blocks/0/text/type]"),
    ("256-char block_id", {"blocks": [section() | {"block_id": "i" * 256}]}, "invalid_blocks",
     "must be less than 256 characters [json-pointer:/blocks/0/block_id]"),
    ("76-char option text", {"blocks": [{
        "type": "section", "text": {"type": "mrkdwn", "text": "Pick"},
        "accessory": {"type": "static_select", "action_id": "pick",
                      "options": [{"text": plain("o" * 76), "value": "v"}]}}]},
     "invalid_blocks", "must be less than 76 characters "
     "[json-pointer:/blocks/0/accessory/options/0/text/text]"),
    ("151-char option value", {"blocks": [{
        "type": "section", "text": {"type": "mrkdwn", "text": "Pick"},
        "accessory": {"type": "static_select", "action_id": "pick",
                      "options": [{"text": plain("o"), "value": "v" * 151}]}}]},
     "invalid_blocks", "must be less than 151 characters "
     "[json-pointer:/blocks/0/accessory/options/0/value]"),
    # Caught by slack_sdk.models' validators (a video block needs a title).
    ("slack_sdk: video without title", {"blocks": [{
        "type": "video", "alt_text": "demo", "video_url": "https://example.com/v",
        "thumbnail_url": "https://example.com/t.png"}]},
     "invalid_blocks", "title attribute must be specified [json-pointer:/blocks/0]"),
]


@pytest.mark.parametrize(("arguments", "error", "detail"),
                         [pytest.param(a, e, d, id=name) for name, a, e, d in REFUSED_MESSAGES])
def test_post_message_refused(client: WebClient, emulator: SlackEmulator,
                              arguments: dict[str, Any], error: str,
                              detail: str | None) -> None:
    arguments = {"text": "fallback", **arguments}
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0001", **arguments)
    answer = info.value.response
    assert (answer.status_code, answer["ok"], answer["error"]) == (200, False, error)
    if detail is not None:
        assert any(detail in line for line in answer["errors"]), answer["errors"]
        assert any(line.startswith("[ERROR] ") and detail in line
                   for line in answer["response_metadata"]["messages"])
    assert emulator.messages("C0001", include_replies=True) == []  # no effect
    (refused,) = emulator.refused_calls()
    assert refused.method == "chat.postMessage" and refused.error == error
    assert error in refused.context["refused"]


def test_refused_everywhere_a_message_goes(client: WebClient, emulator: SlackEmulator) -> None:
    too_long = [section("s" * 3001)]
    posted = client.chat_postMessage(channel="C0001", text="original", blocks=[section()])
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C0001", ts=posted["ts"], text="new", blocks=too_long)
    assert info.value.response["error"] == "invalid_blocks"
    (message,) = emulator.messages("C0001")
    assert message["text"] == "original" and "edited" not in message  # unchanged
    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="C0001", ts=posted["ts"], text="t" * 40_001)
    assert info.value.response["error"] == "msg_too_long"
    with pytest.raises(SlackApiError) as info:
        client.chat_postEphemeral(channel="C0001", user="U0001", text="x", blocks=too_long)
    assert info.value.response["error"] == "invalid_blocks"
    assert emulator.ephemerals() == []
    assert [c.method for c in emulator.refused_calls()] == [
        "chat.update", "chat.update", "chat.postEphemeral"]


def _post_json(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = Request(url, data=json.dumps(payload).encode(),
                      headers={"Content-Type": "application/json"})
    try:
        with urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except OSError as exc:  # HTTPError: the answer is in the body
        body = exc.read() if hasattr(exc, "read") else b"{}"
        return int(getattr(exc, "code", 0)), json.loads(body)


def test_response_url_refused(client: WebClient, emulator: SlackEmulator) -> None:
    posted = client.chat_postMessage(channel="C0001", text="Approve?")
    url = emulator.new_response_url(channel_id="C0001", user_id="U0001",
                                    message_ts=posted["ts"])
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"text": "x", "blocks": [header("h" * 151)], "response_type": "in_channel"},
         "invalid_blocks"),
        ({"text": "t" * 40_001, "replace_original": True}, "msg_too_long"),
        ({"text": "x", "blocks": [section()] * 51}, "invalid_blocks"),
    ]
    for payload, error in refusals:
        status, answer = _post_json(url, payload)
        assert (status, answer["ok"], answer["error"]) == (400, False, error)
    assert emulator.response_posts() == []
    (message,) = emulator.messages("C0001")
    assert message["text"] == "Approve?" and "edited" not in message
    assert len(emulator.refused_calls()) == 3
    # A refused post does not use the URL up: five good ones still go through.
    for _ in range(5):
        assert _post_json(url, {"text": "fine"})[0] == 200


def test_at_the_limits_passes(client: WebClient, emulator: SlackEmulator) -> None:
    limits: list[dict[str, Any]] = [
        {"text": "t" * 40_000},
        {"blocks": [section()] * 50},
        {"blocks": [section("s" * 3000)]},
        {"blocks": [header("h" * 150)]},
        {"blocks": [actions(button("b" * 75, "a" * 255, "v" * 2000))]},
        {"blocks": [context(10)]},
        {"blocks": [fields(10, length=2000)]},
        {"blocks": [section() | {"block_id": "i" * 255}]},
        # The same block_id / action_id in two messages, or in two blocks: fine.
        {"blocks": [actions(button("A", "same"), block_id="one"),
                    actions(button("B", "same"), block_id="two")]},
    ]
    for arguments in limits:
        client.chat_postMessage(channel="C0001", **{"text": "fallback", **arguments})
    assert len(emulator.messages("C0001")) == len(limits)
    assert emulator.refused_calls() == []


def test_typical_message_passes(client: WebClient, emulator: SlackEmulator) -> None:
    blocks = typical_message()
    posted = client.chat_postMessage(channel="C0001", text="Check-in", blocks=blocks,
                                     metadata={"event_type": "checkin",
                                               "event_payload": {"pilot": 1}})
    client.chat_update(channel="C0001", ts=posted["ts"], text="Check-in", blocks=blocks)
    client.chat_postEphemeral(channel="C0001", user="U0001", text="Only you", blocks=blocks)
    client.chat_postMessage(channel="C0001", text="reply", thread_ts=posted["ts"],
                            blocks=blocks, unfurl_links=False, unfurl_media=False)
    assert len(emulator.messages("C0001", include_replies=True)) == 2
    assert emulator.refused_calls() == []
    assert message_problem({"text": "x", "blocks": blocks}) is None


# ----- views -----------------------------------------------------------------------------

REFUSED_VIEWS: list[tuple[str, dict[str, Any], str]] = [
    ("101 view blocks", modal([section()] * 101),
     "no more than 100 items allowed [json-pointer:/view/blocks]"),
    ("25-char modal title", modal(title=plain("t" * 25)),
     "must be less than 25 characters [json-pointer:/view/title/text]"),
    ("25-char submit", modal(submit=plain("s" * 25)),
     "must be less than 25 characters [json-pointer:/view/submit/text]"),
    ("25-char close", modal(close=plain("c" * 25)),
     "must be less than 25 characters [json-pointer:/view/close/text]"),
    ("3,001-char private_metadata", modal(private_metadata="m" * 3001),
     "must be less than 3001 characters [json-pointer:/view/private_metadata]"),
    ("256-char callback_id", modal(callback_id="c" * 256),
     "must be less than 256 characters [json-pointer:/view/callback_id]"),
    ("duplicate block_id", modal([section() | {"block_id": "b"}, section() | {"block_id": "b"}]),
     "[json-pointer:/view/blocks/1/block_id]"),
    ("2,001-char input label", modal([{
        "type": "input", "label": plain("l" * 2001),
        "element": {"type": "plain_text_input", "action_id": "a"}}]),
     "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]"),
    ("2,001-char hint", modal([{
        "type": "input", "label": plain("Label"), "hint": plain("h" * 2001),
        "element": {"type": "plain_text_input", "action_id": "a"}}]),
     "must be less than 2001 characters [json-pointer:/view/blocks/0/hint/text]"),
    ("151-char placeholder", modal([{
        "type": "input", "label": plain("Label"),
        "element": {"type": "plain_text_input", "action_id": "a",
                    "placeholder": plain("p" * 151)}}]),
     "must be less than 151 characters [json-pointer:/view/blocks/0/element/placeholder/text]"),
    ("input without submit", {k: v for k, v in typical_modal().items() if k != "submit"},
     "missing required field: submit [json-pointer:/view/submit]"),
    ("3,001-char section in a modal", modal([section("s" * 3001)]),
     "must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]"),
]


def _assert_view_refusal(info: pytest.ExceptionInfo[SlackApiError], detail: str) -> None:
    answer = info.value.response
    assert (answer.status_code, answer["ok"], answer["error"]) == (
        200, False, "invalid_arguments")
    messages = answer["response_metadata"]["messages"]
    assert messages[0] == "[ERROR] failed to match all allowed schemas [json-pointer:/view]"
    assert any(line.startswith("[ERROR] ") and detail in line for line in messages), messages


@pytest.mark.parametrize(("view", "detail"),
                         [pytest.param(v, d, id=name) for name, v, d in REFUSED_VIEWS])
def test_views_open_refused(client: WebClient, emulator: SlackEmulator, view: dict[str, Any],
                            detail: str) -> None:
    trigger = emulator.new_trigger_id(expires=False)
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=trigger, view=view)
    _assert_view_refusal(info, detail)
    assert emulator.views == {}  # no effect
    (refused,) = emulator.refused_calls()
    assert refused.method == "views.open" and refused.error == "invalid_arguments"
    # The refused call did not use the trigger_id up.
    assert client.views_open(trigger_id=trigger, view=typical_modal())["ok"]


def test_views_update_push_publish_refused(client: WebClient, emulator: SlackEmulator) -> None:
    opened = client.views_open(trigger_id=emulator.new_trigger_id(),
                               view=typical_modal())["view"]
    too_long = modal(title=plain("t" * 25))
    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id=opened["id"], view=too_long)
    _assert_view_refusal(info, "[json-pointer:/view/title/text]")
    assert emulator.views[opened["id"]]["title"] == plain("Edit")  # unchanged
    with pytest.raises(SlackApiError) as info:
        client.views_push(trigger_id=emulator.new_trigger_id(), view=too_long)
    _assert_view_refusal(info, "[json-pointer:/view/title/text]")
    home = {"type": "home", "blocks": [section()] * 101}
    with pytest.raises(SlackApiError) as info:
        client.views_publish(user_id="U0001", view=home)
    _assert_view_refusal(info, "no more than 100 items allowed [json-pointer:/view/blocks]")
    assert emulator.home_view("U0001") is None
    assert list(emulator.views) == [opened["id"]]
    assert [c.method for c in emulator.refused_calls()] == [
        "views.update", "views.push", "views.publish"]


def test_typical_views_pass(client: WebClient, emulator: SlackEmulator) -> None:
    view = typical_modal()
    opened = client.views_open(trigger_id=emulator.new_trigger_id(), view=view)["view"]
    client.views_update(view_id=opened["id"], view=view)
    client.views_push(trigger_id=emulator.new_trigger_id(), view=view)
    at_limits = modal([section()] * 100, title=plain("t" * 24), submit=plain("s" * 24),
                      close=plain("c" * 24), private_metadata="m" * 3000,
                      callback_id="c" * 255)
    client.views_open(trigger_id=emulator.new_trigger_id(), view=at_limits)
    home = {"type": "home", "blocks": [*typical_message(), *[section()] * 94]}
    client.views_publish(user_id="U0001", view=home)
    assert len(emulator.views) == 4 and emulator.home_view("U0001") is not None
    assert emulator.refused_calls() == []
    assert view_problem(view) is None and view_problem(home) is None


# ----- opting out, reporting -------------------------------------------------------------


@pytest.fixture
def lenient() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN, strict_payloads=False) as emu:
        yield emu


def test_opt_out_accepts_odd_payloads(lenient: SlackEmulator) -> None:
    client = WebClient(token=TOKEN, base_url=lenient.api_url, retry_handlers=[])
    assert not lenient.strict_payloads
    client.chat_postMessage(channel="C0001", text="x", blocks=[section("s" * 3001)])
    client.views_open(trigger_id=lenient.new_trigger_id(), view=modal(title=plain("t" * 25)))
    assert len(lenient.messages("C0001")) == 1 and len(lenient.views) == 1
    # Even so, the two limits the emulator always had stay.
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0001", text="x", blocks=[section()] * 51)
    assert info.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0001", text="t" * 40_001)
    assert info.value.response["error"] == "msg_too_long"
    assert lenient.refused_calls() == []
    assert refused_report([lenient]) == ""


def test_allow_odd_payloads_and_report(client: WebClient, emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0001", text="x", blocks=[header("h" * 151)])
    report = refused_report([emulator])
    assert "chat.postMessage C0001 -> 200 invalid_blocks" in report
    assert "must be less than 151 characters [json-pointer:/blocks/0/text/text]" in report
    assert refused_report([emulator], already={emulator: 1}) == ""
    emulator.reset_calls()
    assert len(emulator.refused_calls()) == 1  # kept, like the unmarked calls
    emulator.allow_odd_payloads()
    assert client.chat_postMessage(channel="C0001", text="x", blocks=[header("h" * 151)])["ok"]
    assert refused_report([emulator]) == ""


def test_delivery_marked_client_is_refused_too(emulator: SlackEmulator) -> None:
    marked = WebClient(token=emulator.token, base_url=emulator.api_url,
                       headers={"X-Pilot-Bot-Delivery": "1"}, retry_handlers=[])
    with pytest.raises(SlackApiError) as info:
        marked.chat_postMessage(channel="C0001", text="x", blocks=[section("")])
    assert info.value.response["error"] == "invalid_blocks"
    assert emulator.messages("C0001") == []
