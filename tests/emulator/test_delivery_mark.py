"""The delivery mark: posts, updates, deletes, DM opens, uploads and public response_url
answers that arrive without it are flagged, and the suite fails a test that made one.

This file stays under the suite-wide check (tests/conftest.py): a test here that sends
unmarked calls on purpose opts its emulator out (``allow_unmarked()``) at the end.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from slack_emulator import DELIVERY_MARK_HEADER, OWED_METHODS, SlackEmulator
from slack_emulator.marks import created_emulators, unmarked_report

from .conftest import TOKEN

REPO = Path(__file__).resolve().parents[2]


def marked_client(emulator: SlackEmulator, header: str = DELIVERY_MARK_HEADER) -> WebClient:
    return WebClient(token=TOKEN, base_url=emulator.api_url, retry_handlers=[],
                     headers={header: "1"})


def post_update_open(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0001", text="Week 1 check-in")
    client.chat_update(channel="C0001", ts=posted["ts"], text="Week 1 check-in (edited)")
    client.conversations_open(users="U0001")


def test_the_header_and_methods() -> None:
    assert DELIVERY_MARK_HEADER == "X-Pilot-Bot-Delivery"
    assert {"chat.postMessage", "chat.update", "chat.delete", "chat.scheduleMessage",
            "chat.meMessage", "conversations.open", "files.upload",
            "files.getUploadURLExternal", "files.completeUploadExternal",
            "canvases.edit", "views.publish"} == OWED_METHODS


@pytest.mark.parametrize("header", [DELIVERY_MARK_HEADER, "x-pilot-bot-delivery"])
def test_marked_calls_are_not_flagged(emulator: SlackEmulator, header: str) -> None:
    client = marked_client(emulator, header)
    post_update_open(client)
    posted = client.chat_postMessage(channel="C0001", text="gone soon")
    client.chat_delete(channel="C0001", ts=posted["ts"])
    assert [c.method for c in emulator.calls] == ["chat.postMessage", "chat.update",
                                                  "conversations.open", "chat.postMessage",
                                                  "chat.delete"]
    assert emulator.unmarked_calls() == []
    assert emulator.strict_delivery


def test_unmarked_calls_are_flagged_each(client: WebClient, emulator: SlackEmulator) -> None:
    post_update_open(client)
    client.auth_test()  # reads, ephemerals and views owe no mark
    client.users_info(user="UBOT")
    client.chat_postEphemeral(channel="C0001", user="U0001", text="only you")
    client.api_call("chat.postMessage", json={"channel": "C0002", "text": "raw"})
    with pytest.raises(SlackApiError):  # not emulated: unknown_method, still flagged
        client.api_call("files.upload", data={"channels": "C0001", "content": "x"})

    flagged = emulator.unmarked_calls()
    assert [(c.method, c.params.get("channel")) for c in flagged] == [
        ("chat.postMessage", "C0001"), ("chat.update", "C0001"), ("conversations.open", None),
        ("chat.postMessage", "C0002"), ("files.upload", None)]
    assert flagged[2].params["users"] == "U0001"
    report = unmarked_report([emulator])
    assert "chat.postMessage channel=C0001 text='Week 1 check-in' -> 200 ok" in report
    assert "conversations.open user=U0001 -> 200 ok" in report
    assert "files.upload -> 200 unknown_method" in report
    emulator.allow_unmarked()


def test_a_faulted_unmarked_call_is_flagged(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0001", text="lost")
    emulator.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        marked_client(emulator).chat_postMessage(channel="C0001", text="retried by delivery")

    [flagged] = emulator.unmarked_calls()
    assert (flagged.method, flagged.status, flagged.params["text"]) == (
        "chat.postMessage", 500, "lost")
    assert emulator.messages("C0001") == []
    emulator.allow_unmarked()


def test_response_url_ephemeral_is_allowed_public_is_flagged(client: WebClient,
                                                             emulator: SlackEmulator) -> None:
    posted = marked_client(emulator).chat_postMessage(channel="C0001", text="Approve?")

    def hook() -> WebhookClient:
        return WebhookClient(emulator.new_response_url(channel_id="C0001", user_id="U0001",
                                                       message_ts=posted["ts"]))

    hook().send(text="only you")
    hook().send(text="only you", response_type="ephemeral", replace_original=False)
    hook().send_dict({"text": "only you", "replace_original": "false"})
    assert emulator.unmarked_calls() == []

    hook().send(text="everyone", response_type="in_channel")
    hook().send(text="Approved", replace_original=True)
    hook().send_dict({"text": "Approved again", "replace_original": "true"})
    hook().send(text="", delete_original=True)
    flagged = emulator.unmarked_calls()
    assert [c.params["text"] for c in flagged] == ["everyone", "Approved", "Approved again", ""]
    assert {c.method for c in flagged} == {"response_url"}
    report = unmarked_report([emulator])
    assert ("response_url channel=C0001 user=U0001 response_type=in_channel text='everyone'"
            in report)
    assert "response_type=ephemeral delete_original=true -> 200 ok" in report

    marked = WebhookClient(emulator.new_response_url(channel_id="C0001", user_id="U0001"),
                           default_headers={DELIVERY_MARK_HEADER: "1"})
    marked.send(text="everyone, marked", response_type="in_channel")
    assert len(emulator.unmarked_calls()) == 4
    emulator.allow_unmarked()


def test_a_faulted_public_response_url_post_is_flagged(emulator: SlackEmulator) -> None:
    emulator.fail("response_url", status=500)
    url = emulator.new_response_url(channel_id="C0001", user_id="U0001")
    assert WebhookClient(url).send(text="x", response_type="in_channel").status_code == 500
    assert [c.status for c in emulator.unmarked_calls()] == [500]
    emulator.allow_unmarked()


def test_reset_calls_keeps_them(client: WebClient, emulator: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0001", text="hidden?")
    emulator.reset_calls()
    assert emulator.calls == []
    assert [c.params["text"] for c in emulator.unmarked_calls()] == ["hidden?"]
    emulator.allow_unmarked()


def test_opting_out(client: WebClient, emulator: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0001", text="on purpose")
    assert "on purpose" in unmarked_report([emulator])
    emulator.allow_unmarked()
    assert not emulator.strict_delivery
    assert unmarked_report([emulator]) == ""
    assert len(emulator.unmarked_calls()) == 1  # still listed, for assertions

    with SlackEmulator(token=TOKEN, strict_delivery=False) as lenient:
        WebClient(token=TOKEN, base_url=lenient.api_url).chat_postMessage(channel="C1", text="x")
    assert not lenient.strict_delivery and len(lenient.unmarked_calls()) == 1
    assert unmarked_report([lenient]) == ""


def make_and_drop_an_emulator() -> int:
    """An emulator made inside a helper, used unmarked, stopped and dropped."""
    with SlackEmulator(token=TOKEN) as emulator:
        WebClient(token=TOKEN, base_url=emulator.api_url).chat_postMessage(
            channel="C0001", text="x" * 80)
        return emulator.port


def test_created_emulators_finds_dropped_ones() -> None:
    with created_emulators() as created:
        port = make_and_drop_an_emulator()
    [emulator] = created
    assert emulator.port == port
    report = unmarked_report(created)
    assert f"emulator on port {port}:" in report
    assert f"chat.postMessage channel=C0001 text='{'x' * 60}...' -> 200 ok" in report
    emulator.allow_unmarked()


def test_the_suite_wide_check_fails_the_test(tmp_path: Path) -> None:
    """The real fixture from tests/conftest.py, run on a few tests in a fresh pytest."""
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import delivery_mark_check, pytest_configure  # noqa: F401\n")
    (tmp_path / "test_sample.py").write_text(textwrap.dedent("""
        import pytest
        from slack_sdk import WebClient
        from slack_emulator import SlackEmulator

        def post(emulator, **headers):
            client = WebClient(token=emulator.token, base_url=emulator.api_url,
                               headers=headers)
            client.chat_postMessage(channel="C0009", text="went around delivery")

        def test_unmarked_in_a_dropped_emulator():
            with SlackEmulator() as emulator:
                post(emulator)

        def test_marked():
            with SlackEmulator() as emulator:
                post(emulator, **{"X-Pilot-Bot-Delivery": "1"})

        def test_opted_out_emulator():
            with SlackEmulator() as emulator:
                post(emulator)
                emulator.allow_unmarked()

        @pytest.mark.allow_unmarked
        def test_opted_out_test():
            with SlackEmulator() as emulator:
                post(emulator)
    """))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)}, check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "4 passed, 1 error" in out, out
    assert "ERROR at teardown of test_unmarked_in_a_dropped_emulator" in out, out
    assert "chat.postMessage channel=C0009 text='went around delivery' -> 200 ok" in out, out
