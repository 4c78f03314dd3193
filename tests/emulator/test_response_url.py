"""response_url posts: recorded, in_channel into history, at most 5 uses."""

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from slack_emulator import SlackEmulator


def test_posts_are_recorded(emulator: SlackEmulator) -> None:
    url = emulator.new_response_url(channel_id="C0001", user_id="U0001")
    assert url.startswith(f"http://127.0.0.1:{emulator.port}/response/")
    hook = WebhookClient(url)
    assert hook.send(text="only you").status_code == 200
    answer = hook.send(text="everyone", response_type="in_channel")
    assert answer.status_code == 200 and answer.body == '{"ok": true}'

    first, second = emulator.response_posts(channel="C0001", user="U0001")
    assert first.ephemeral and first.ts is None and first.payload["text"] == "only you"
    assert not second.ephemeral and second.ts
    history = emulator.messages("C0001")
    assert [(m["text"], m["ts"], m["user"]) for m in history] == [("everyone", second.ts, "UBOT")]
    calls = emulator.calls_to("response_url")
    assert [c.context["user"] for c in calls] == ["U0001", "U0001"]


def test_five_uses_then_refused(emulator: SlackEmulator) -> None:
    hook = WebhookClient(emulator.new_response_url(channel_id="C0001", user_id="U0001"))
    assert [hook.send(text=str(i)).status_code for i in range(6)] == [200] * 5 + [404]
    assert emulator.calls_to("response_url")[-1].error == "used_url"
    assert len(emulator.response_posts()) == 5
    assert WebhookClient(f"{emulator.base_url}/response/nope").send(text="x").status_code == 404


def test_replace_and_delete_original(client: WebClient, emulator: SlackEmulator) -> None:
    posted = client.chat_postMessage(channel="C0001", text="Approve?")
    url = emulator.new_response_url(channel_id="C0001", user_id="U0001", message_ts=posted["ts"])
    WebhookClient(url).send(text="Approved", replace_original=True)
    (message,) = emulator.messages("C0001")
    assert (message["ts"], message["text"]) == (posted["ts"], "Approved")
    assert "edited" in message
    WebhookClient(url).send(text="", delete_original=True)
    assert emulator.messages("C0001") == []
