"""The emulated Web API, driven by a real slack_sdk WebClient over HTTP."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator
from slack_emulator.workspace import ts_key


def slack_error(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value.response["error"]


def test_auth_test(client: WebClient, emulator: SlackEmulator) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "UBOT"
    assert answer["bot_id"] == "BBOT"
    assert answer["team_id"] == "T0001"
    assert answer["is_enterprise_install"] is False
    assert answer["url"] == "https://pilot-test.slack.com/"
    assert emulator.calls_to("auth.test")[0].ok


def test_token_checks(emulator: SlackEmulator) -> None:
    assert (
        slack_error(WebClient(token="xoxb-wrong", base_url=emulator.api_url).auth_test)
        == "invalid_auth"
    )
    assert slack_error(WebClient(base_url=emulator.api_url).auth_test) == "not_authed"
    assert [c.status for c in emulator.calls] == [200, 200]


def test_unknown_method(client: WebClient) -> None:
    assert slack_error(client.api_call, "chat.teleport") == "unknown_method"


def test_post_history_replies_and_metadata(client: WebClient, emulator: SlackEmulator) -> None:
    metadata = {"event_type": "pilot_status", "event_payload": {"pilot": "acme"}}
    parent = client.chat_postMessage(channel="C0001", text="Status", metadata=metadata)
    assert parent["channel"] == "C0001"
    assert parent["message"]["metadata"] == metadata
    assert parent["message"]["user"] == "UBOT" and parent["message"]["bot_id"] == "BBOT"
    reply = client.chat_postMessage(channel="C0001", text="detail", thread_ts=parent["ts"])
    broadcast = client.chat_postMessage(
        channel="C0001", text="to all", thread_ts=parent["ts"], reply_broadcast=True
    )
    assert ts_key(parent["ts"]) < ts_key(reply["ts"]) < ts_key(broadcast["ts"])

    history = client.conversations_history(channel="C0001")
    assert [m["text"] for m in history["messages"]] == ["to all", "Status"]
    assert "metadata" not in history["messages"][1]
    assert history["messages"][1]["reply_count"] == 2
    with_meta = client.conversations_history(channel="C0001", include_all_metadata=True)
    assert with_meta["messages"][1]["metadata"] == metadata

    thread = client.conversations_replies(channel="C0001", ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["Status", "detail", "to all"]
    assert "metadata" not in thread["messages"][0]
    thread = client.conversations_replies(
        channel="C0001", ts=parent["ts"], include_all_metadata=True
    )
    assert thread["messages"][0]["metadata"] == metadata
    assert (
        slack_error(client.conversations_replies, channel="C0001", ts="1.000001")
        == "thread_not_found"
    )

    assert [m["text"] for m in emulator.messages("C0001")] == ["Status", "to all"]
    assert len(emulator.messages("C0001", include_replies=True)) == 3
    assert [m["text"] for m in emulator.thread("C0001", reply["ts"])] == [
        "Status",
        "detail",
        "to all",
    ]


def test_history_paging_and_bounds(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0001", text=str(i))["ts"] for i in range(5)]
    first = client.conversations_history(channel="C0001", limit=2)
    assert [m["text"] for m in first["messages"]] == ["4", "3"] and first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_history(channel="C0001", limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["2", "1"]
    window = client.conversations_history(channel="C0001", oldest=stamps[1], latest=stamps[3])
    assert [m["text"] for m in window["messages"]] == ["2"]
    window = client.conversations_history(
        channel="C0001", oldest=stamps[1], latest=stamps[3], inclusive=True
    )
    assert [m["text"] for m in window["messages"]] == ["3", "2", "1"]


def test_form_encoded_posts_decode_json_params(client: WebClient, emulator: SlackEmulator) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    params = {
        "channel": "C0001",
        "text": "hi",
        "blocks": json.dumps(blocks),
        "metadata": '{"event_type":"e","event_payload":{}}',
    }
    assert client.api_call("chat.postMessage", params=params)["ok"]  # form-encoded
    assert emulator.calls[-1].headers["Content-Type"] == "application/x-www-form-urlencoded"
    call = emulator.calls[-1]
    got = client.api_call("conversations.history", http_verb="GET", params={"channel": "C0001"})
    assert got["messages"][0]["blocks"] == blocks  # GET with query-string parameters
    assert call.params["blocks"] == blocks
    assert call.params["metadata"]["event_type"] == "e"
    assert emulator.messages("C0001")[0]["blocks"] == blocks


def test_post_errors_and_channels(client: WebClient, emulator: SlackEmulator) -> None:
    assert slack_error(client.chat_postMessage, channel="C0001") == "no_text"
    emulator.remove_channel("C0404")
    assert slack_error(client.chat_postMessage, channel="C0404", text="x") == "channel_not_found"
    emulator.add_channel("C0002", name="secret", is_private=True, is_member=False)
    assert slack_error(client.chat_postMessage, channel="C0002", text="x") == "not_in_channel"
    assert emulator.messages("C0001") == []

    emulator.add_channel("C0003", name="pilot-acme", is_ext_shared=True, members=["U0001", "UBOT"])
    info = client.conversations_info(channel="C0003")["channel"]
    assert info["name"] == "pilot-acme" and info["is_ext_shared"] and info["is_member"]
    assert info["is_channel"] and not info["is_private"] and not info["is_im"]
    assert client.chat_postMessage(channel="#pilot-acme", text="x")["channel"] == "C0003"


def test_dm_by_user_id_and_conversations_open(client: WebClient, emulator: SlackEmulator) -> None:
    opened = client.conversations_open(users="U0042")["channel"]["id"]
    assert opened.startswith("D")
    assert client.conversations_open(users="U0042")["channel"]["id"] == opened
    assert client.chat_postMessage(channel="U0042", text="hello")["channel"] == opened
    assert emulator.dm_channel("U0042") == opened
    assert client.conversations_info(channel=opened)["channel"]["is_im"]
    assert [m["text"] for m in emulator.messages("U0042")] == ["hello"]
    im = client.conversations_open(users="U0042", return_im=True)["channel"]
    assert im["user"] == "U0042"


def test_update_delete_permalink(client: WebClient, emulator: SlackEmulator) -> None:
    posted = client.chat_postMessage(channel="C0001", text="v1")
    updated = client.chat_update(channel="C0001", ts=posted["ts"], text="v2")
    assert updated["ts"] == posted["ts"] and updated["text"] == "v2"
    stored = emulator.messages("C0001")[0]
    assert stored["text"] == "v2" and stored["edited"]["user"] == "UBOT"
    assert (
        slack_error(client.chat_update, channel="C0001", ts="1.000000", text="x")
        == "message_not_found"
    )

    link = client.chat_getPermalink(channel="C0001", message_ts=posted["ts"])["permalink"]
    assert link == f"https://pilot-test.slack.com/archives/C0001/p{posted['ts'].replace('.', '')}"
    reply = client.chat_postMessage(channel="C0001", text="r", thread_ts=posted["ts"])
    link = client.chat_getPermalink(channel="C0001", message_ts=reply["ts"])["permalink"]
    assert link.endswith(f"?thread_ts={posted['ts']}&cid=C0001")

    client.chat_delete(channel="C0001", ts=reply["ts"])
    assert emulator.thread("C0001", posted["ts"])[0]["reply_count"] == 0
    client.chat_delete(channel="C0001", ts=posted["ts"])
    assert emulator.messages("C0001") == []


def test_ephemeral_is_not_history(client: WebClient, emulator: SlackEmulator) -> None:
    answer = client.chat_postEphemeral(channel="C0001", user="U0001", text="psst")
    assert answer["message_ts"]
    assert emulator.messages("C0001") == []
    assert [m["text"] for m in emulator.ephemerals(user="U0001")] == ["psst"]
    assert emulator.ephemerals(channel="C0001", user="U0002") == []


def test_users_info(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.add_user("U0001", "alice", real_name="Alice Smith", tz="Europe/Paris")
    user = client.users_info(user="U0001")["user"]
    assert user["name"] == "alice" and user["real_name"] == "Alice Smith"
    assert user["tz"] == "Europe/Paris" and user["tz_offset"] in (3600, 7200)
    assert user["profile"]["display_name"] == "alice" and user["is_bot"] is False
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True
    assert slack_error(client.users_info, user="U9999") == "user_not_found"


def test_trigger_ids_are_single_use_and_expire(client: WebClient, emulator: SlackEmulator) -> None:
    view = {
        "type": "modal",
        "callback_id": "edit",
        "title": {"type": "plain_text", "text": "T"},
        "blocks": [],
    }
    trigger = emulator.new_trigger_id()
    opened = client.views_open(trigger_id=trigger, view=view)["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    assert slack_error(client.views_open, trigger_id=trigger, view=view) == "exchanged_trigger_id"
    assert (
        slack_error(client.views_open, trigger_id="123.456.abc", view=view) == "invalid_trigger_id"
    )
    assert (
        slack_error(client.views_open, trigger_id=emulator.new_trigger_id(ttl=0.0), view=view)
        == "expired_trigger_id"
    )
    emulator.trigger_ttl = 0.0
    assert client.views_open(trigger_id=emulator.new_trigger_id(expires=False), view=view)["ok"]

    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**view, "private_metadata": "x"}
    )["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert emulator.views[opened["id"]]["private_metadata"] == "x"
    assert (
        slack_error(client.views_update, view_id=opened["id"], hash=opened["hash"], view=view)
        == "hash_conflict"
    )

    home = client.views_publish(user_id="U0001", view={"type": "home", "blocks": []})["view"]
    published = emulator.home_view("U0001")
    assert published is not None and published["id"] == home["id"]


def test_reactions(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0001", text="x")
    client.reactions_add(channel="C0001", timestamp=posted["ts"], name="eyes")
    assert (
        slack_error(client.reactions_add, channel="C0001", timestamp=posted["ts"], name="eyes")
        == "already_reacted"
    )
    got = client.reactions_get(channel="C0001", timestamp=posted["ts"])
    assert got["message"]["reactions"] == [{"name": "eyes", "users": ["UBOT"], "count": 1}]


def test_ts_is_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel=f"C000{i % 3}", text="x")["ts"] for i in range(30)]
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    assert [ts_key(t) for t in stamps] == sorted({ts_key(t) for t in stamps})


def test_concurrent_posts(emulator: SlackEmulator) -> None:
    def post_many(worker: int) -> list[str]:
        client = WebClient(token="xoxb-test-token", base_url=emulator.api_url)
        return [
            client.chat_postMessage(channel="C0001", text=f"{worker}-{i}")["ts"] for i in range(25)
        ]

    with ThreadPoolExecutor(4) as pool:
        stamps = [ts for batch in pool.map(post_many, range(4)) for ts in batch]
    assert len(set(stamps)) == 100
    history = emulator.messages("C0001")
    assert [ts_key(m["ts"]) for m in history] == sorted(ts_key(t) for t in stamps)
