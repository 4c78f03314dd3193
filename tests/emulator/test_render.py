"""Readable text for messages and recorded calls."""

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from slack_emulator import SlackEmulator, render_call, render_message
from slack_emulator.render import resolve_mentions

STATUS_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Acme pilot: week 3"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "Owner: <@U0001>\nOn track"},
        "accessory": {
            "type": "button",
            "action_id": "edit",
            "text": {"type": "plain_text", "text": "Edit"},
        },
    },
    {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": "*Health*"}, {"type": "mrkdwn", "text": "green"}],
    },
    {"type": "divider"},
    {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": "Due <!date^1|Friday>"},
            {"type": "image", "alt_text": "logo", "image_url": "x"},
        ],
    },
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "post",
                "text": {"type": "plain_text", "text": "Post status"},
            },
            {
                "type": "static_select",
                "action_id": "who",
                "placeholder": {"type": "plain_text", "text": "Assign"},
            },
        ],
    },
    {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Ping "},
                    {"type": "user", "user_id": "U0002"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]}
                ],
            },
        ],
    },
]


def test_render_message_blocks() -> None:
    text = render_message(
        {"text": "fallback", "blocks": STATUS_BLOCKS}, {"U0001": "alice", "U0002": "dana"}
    )
    assert text.split("\n") == [
        "== Acme pilot: week 3 ==",
        "Owner: @alice",
        "On track  [Edit]",
        "*Health* | green",
        "-" * 24,
        "Due Friday · [image: logo]",
        "[Post status] [Assign ▾]",
        "Ping @dana",
        "• one",
    ]
    assert (
        render_message({"text": "plain <@U1|bob> &amp; <https://x.io|site>"})
        == "plain @bob & site (https://x.io)"
    )


def test_resolve_mentions() -> None:
    assert resolve_mentions("<@U1> <#C1|pilot> <!here>", {"U1": "ann"}) == "@ann #pilot @here"


def test_render_call_transcript(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.add_user("U0001", "alice")
    emulator.add_user("U0004", "dana")
    emulator.add_channel("C0001", name="pilot-acme")
    posted = client.chat_postMessage(channel="C0001", text="Hi <@U0001>")
    client.chat_postMessage(channel="C0001", text="more", thread_ts=posted["ts"])
    client.chat_postMessage(channel="U0004", text="Reminder\nsecond line")
    client.chat_postEphemeral(channel="C0001", user="U0001", text="only you")
    client.chat_update(channel="C0001", ts=posted["ts"], text="Hi again")
    client.files_upload_v2(content=b"# W1", filename="w1.md", title="Week 1", channel="C0001",
                           thread_ts=posted["ts"], initial_comment="For <@U0001>")
    WebhookClient(emulator.new_response_url(channel_id="C0001", user_id="U0001")).send(
        text="ephemeral reply"
    )
    client.auth_test()

    names = emulator.names()
    lines = [line for c in emulator.calls if (line := render_call(c, names))]
    assert lines == [
        "#pilot-acme  pilot-bot: Hi @alice",
        "#pilot-acme (in thread)  pilot-bot: more",
        "DM @dana  pilot-bot: Reminder\n    second line",
        "(only visible to @alice) pilot-bot: only you",
        "#pilot-acme  pilot-bot (edited): Hi again",
        "#pilot-acme (in thread)  pilot-bot shared 1 file: For @alice",
        "(only visible to @alice) pilot-bot: ephemeral reply",
    ]
