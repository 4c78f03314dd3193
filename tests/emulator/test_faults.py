"""Failure injection, outages, rate limits, latency and waiting without sleeps."""

import threading
import time
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator

from .conftest import TOKEN


def test_429_surfaces_with_retry_after(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.fail("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0001", text="x")
    response = info.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response["error"] == "ratelimited"
    assert emulator.messages("C0001") == []  # a failed post is not stored
    call = emulator.calls_to("chat.postMessage")[0]
    assert (call.status, call.error, call.response_headers["Retry-After"]) == (
        429,
        "ratelimited",
        "7",
    )
    assert client.chat_postMessage(channel="C0001", text="x")["ok"]  # times=1: used up


def test_server_errors_and_ok_false(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.fail("*", status=503, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.auth_test()
        assert info.value.response.status_code == 503
    emulator.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0001", text="x")
    assert info.value.response.status_code == 500
    emulator.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C0001", text="x")
    assert (info.value.response.status_code, info.value.response["error"]) == (
        200,
        "channel_not_found",
    )
    assert [c.status for c in emulator.calls] == [503, 503, 500, 200]
    assert emulator.messages("C0001") == []


def test_fail_until_cleared(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.fail("auth.test", times=None, error="fatal_error")
    for _ in range(3):
        with pytest.raises(SlackApiError):
            client.auth_test()
    emulator.clear_faults()
    assert client.auth_test()["ok"]


def test_slow_answer_leaves_an_unknown_outcome(emulator: SlackEmulator) -> None:
    impatient = WebClient(
        token=TOKEN,
        base_url=emulator.api_url,
        timeout=0.2,  # type: ignore[arg-type]
        retry_handlers=[],
    )
    emulator.slow("chat.postMessage", 0.6)
    started = time.monotonic()
    with pytest.raises((TimeoutError, URLError)):
        impatient.chat_postMessage(channel="C0001", text="did it post?")
    assert time.monotonic() - started < 0.5
    # The post took effect before the answer was delayed: a careful sender checks history.
    assert [m["text"] for m in emulator.messages("C0001")] == ["did it post?"]
    assert emulator.calls_to("chat.postMessage")[0].delay == 0.6


def test_offline_refuses_connections_then_serves_on_same_port(
    client: WebClient, emulator: SlackEmulator
) -> None:
    port = emulator.port
    emulator.go_offline()
    with pytest.raises(URLError) as info:
        client.auth_test()
    assert isinstance(info.value.reason, ConnectionRefusedError)
    emulator.go_online()
    assert emulator.port == port
    assert client.auth_test()["ok"]


def test_per_channel_post_rate() -> None:
    with SlackEmulator(token=TOKEN, post_rate_per_channel=1.0) as emulator:
        client = WebClient(token=TOKEN, base_url=emulator.api_url, retry_handlers=[])
        assert client.chat_postMessage(channel="C0001", text="1")["ok"]
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="C0001", text="2")
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "1"
        assert client.chat_postMessage(channel="C0002", text="other channel")["ok"]
        assert [m["text"] for m in emulator.messages("C0001")] == ["1"]


def test_latency_delays_every_call() -> None:
    with SlackEmulator(token=TOKEN, latency=0.1) as emulator:
        client = WebClient(token=TOKEN, base_url=emulator.api_url)
        started = time.monotonic()
        client.auth_test()
        assert time.monotonic() - started >= 0.1


def test_wait_for_wakes_on_calls(client: WebClient, emulator: SlackEmulator) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C0001", text="late"))
    timer.start()
    try:
        message = emulator.wait_for(lambda em: em.messages("C0001")[0], timeout=2)
        assert message["text"] == "late"
        assert len(emulator.wait_for_calls("chat.postMessage", 1, timeout=1)) == 1
    finally:
        timer.join()


def test_wait_for_timeout_explains(client: WebClient, emulator: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0001", text="the only post")

    def two_posts(em: SlackEmulator) -> bool:
        return len(em.calls_to("chat.postMessage")) >= 2

    started = time.monotonic()
    with pytest.raises(AssertionError) as info:
        emulator.wait_for(two_posts, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1
    text = str(info.value)
    assert "two_posts" in text and "timed out after 0.2s" in text
    assert "chat.postMessage channel='C0001' text='the only post' -> 200 ok" in text
    with pytest.raises(AssertionError, match=r"2 x chat\.postMessage"):
        emulator.wait_for_calls("chat.postMessage", 2, timeout=0.05)
