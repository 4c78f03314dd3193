"""The emulated Slack Web API methods, one small handler per method.

A handler takes the :class:`Workspace` and the request parameters and returns the
``ok`` answer, or raises :class:`SlackError` for an ``{"ok": false, "error": ...}`` one.
"""

from __future__ import annotations

import base64
import copy
import secrets
import time
from collections.abc import Callable
from typing import Any

from slack_emulator.limits import MAX_MESSAGE_BLOCKS, MAX_MESSAGE_TEXT, PayloadProblem
from slack_emulator.workspace import (
    RESPONSE_URL_MAX_USES,
    RESPONSE_URL_TTL,
    Channel,
    Message,
    ResponsePost,
    SlackError,
    Workspace,
    ts_key,
)

Params = dict[str, Any]
Handler = Callable[[Workspace, Params], dict[str, Any]]

METHODS: dict[str, Handler] = {}

MAX_TEXT = MAX_MESSAGE_TEXT
MAX_BLOCKS = MAX_MESSAGE_BLOCKS


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler in :data:`METHODS` under a Web API method name."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


# ----- parameter helpers -------------------------------------------------------------------


def flag(params: Params, key: str) -> bool:
    """A boolean parameter as Slack reads it (``true``/``1``, JSON true)."""
    value = params.get(key)
    return value is True or (isinstance(value, str | int) and str(value).lower() in {"true", "1"})


def _required(params: Params, key: str, error: str = "invalid_arguments") -> Any:
    value = params.get(key)
    if value in (None, ""):
        raise SlackError(error)
    return value


def _limit(params: Params, default: int = 100) -> int:
    try:
        return max(1, min(int(params.get("limit") or default), 999))
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None


def _offset(params: Params) -> int:
    cursor = params.get("cursor")
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(str(cursor)).decode().removeprefix("offset:"))
    except ValueError:
        raise SlackError("invalid_cursor") from None


def _page(items: list[Message], params: Params, *, keep_metadata: bool) -> dict[str, Any]:
    offset, limit = _offset(params), _limit(params)
    page = items[offset:offset + limit]
    has_more = offset + limit < len(items)
    answer: dict[str, Any] = {"ok": True, "messages": [_present(m, keep_metadata) for m in page],
                              "has_more": has_more}
    cursor = base64.urlsafe_b64encode(f"offset:{offset + limit}".encode()).decode()
    answer["response_metadata"] = {"next_cursor": cursor if has_more else ""}
    return answer


def _present(message: Message, keep_metadata: bool) -> Message:
    shown = copy.deepcopy(message)
    if not keep_metadata:
        shown.pop("metadata", None)
    return shown


def _content(params: Params, *, required: bool = True) -> tuple[str | None, list[Any] | None]:
    text, blocks = params.get("text"), params.get("blocks")
    if blocks is not None and not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    if blocks is not None and len(blocks) > MAX_BLOCKS:
        raise PayloadProblem("invalid_blocks", (f"no more than {MAX_BLOCKS} items allowed "
                                                "[json-pointer:/blocks]",)).slack_error()
    if text is not None and len(str(text)) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if required and not text and not blocks and not params.get("attachments"):
        raise SlackError("no_text")
    return (None if text is None else str(text)), blocks


def _metadata(params: Params) -> dict[str, Any] | None:
    metadata = params.get("metadata")
    if metadata in (None, ""):
        return None
    if not isinstance(metadata, dict) or not metadata.get("event_type"):
        raise SlackError("invalid_metadata_format")
    return {"event_type": metadata["event_type"],
            "event_payload": metadata.get("event_payload", {})}


def _writable(channel: Channel) -> Channel:
    if not channel.is_member:
        raise SlackError("not_in_channel")
    return channel


def _bot_message(ws: Workspace, text: str | None, blocks: list[Any] | None) -> Message:
    message: Message = {"type": "message", "user": ws.bot_user_id, "bot_id": ws.bot_id,
                        "app_id": ws.app_id, "text": text or "", "ts": ws.clock.next(),
                        "team": ws.team_id,
                        "bot_profile": {"id": ws.bot_id, "app_id": ws.app_id,
                                        "name": ws.bot_name, "team_id": ws.team_id}}
    if blocks:
        message["blocks"] = blocks
    return message


def in_thread(ws: Workspace, channel_id: str, message: Message, thread_ts: str) -> str:
    """Make ``message`` a reply in the thread of ``thread_ts`` (a parent's or a reply's
    ts); returns the parent's ts."""
    root = ws.thread_root(channel_id, thread_ts)
    message["thread_ts"] = root
    parent = next((m for m in ws.messages_in(channel_id) if m["ts"] == root), None)
    if parent is not None:
        message["parent_user_id"] = parent.get("user")
    return root


def _own_message(ws: Workspace, params: Params, ts_param: str, error: str) -> tuple[str, Message]:
    channel = ws.resolve(params.get("channel"))
    message = ws.find_message(channel.id, params.get(ts_param))
    if message.get("user") != ws.bot_user_id:
        raise SlackError(error)
    return channel.id, message


def _edit(ws: Workspace, message: Message, text: str | None, blocks: list[Any] | None) -> None:
    if text is not None:
        message["text"] = text
    if blocks is not None:
        if blocks:
            message["blocks"] = blocks
        else:
            message.pop("blocks", None)
    message["edited"] = {"user": ws.bot_user_id, "ts": ws.clock.next()}


def _delete(ws: Workspace, channel_id: str, message: Message) -> None:
    history = ws.messages_in(channel_id)
    history.remove(message)
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        ws.refresh_thread(channel_id, thread_ts)


# ----- auth, users -------------------------------------------------------------------------


@method("auth.test")
def auth_test(ws: Workspace, params: Params) -> dict[str, Any]:
    """Who the token belongs to."""
    answer = {"ok": True, "url": f"https://{ws.team_domain}.slack.com/", "team": ws.team_name,
              "user": ws.bot_name, "team_id": ws.team_id, "user_id": ws.bot_user_id,
              "bot_id": ws.bot_id, "is_enterprise_install": ws.org_wide}
    if ws.enterprise_id:
        answer["enterprise_id"] = ws.enterprise_id
    return answer


@method("users.info")
def users_info(ws: Workspace, params: Params) -> dict[str, Any]:
    """A registered user."""
    return {"ok": True, "user": copy.deepcopy(ws.user(_required(params, "user", "user_not_found")))}


@method("users.lookupByEmail")
def users_lookup_by_email(ws: Workspace, params: Params) -> dict[str, Any]:
    """A registered user by profile email."""
    email = _required(params, "email", "users_not_found")
    for user in ws.users.values():
        if user["profile"].get("email") == email:
            return {"ok": True, "user": copy.deepcopy(user)}
    raise SlackError("users_not_found")


# ----- chat --------------------------------------------------------------------------------


@method("chat.postMessage")
def chat_post_message(ws: Workspace, params: Params) -> dict[str, Any]:
    """Post a bot message to a channel, a DM (user id as channel) or a thread."""
    channel = _writable(ws.resolve(params.get("channel")))
    text, blocks = _content(params)
    metadata = _metadata(params)
    message = _bot_message(ws, text, blocks)
    thread_ts = params.get("thread_ts")
    if thread_ts:
        in_thread(ws, channel.id, message, str(thread_ts))
        if flag(params, "reply_broadcast"):
            message["subtype"] = "thread_broadcast"
    if metadata is not None:
        message["metadata"] = metadata
    ws.append(channel.id, message)
    return {"ok": True, "channel": channel.id, "ts": message["ts"],
            "message": copy.deepcopy(message)}


@method("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, params: Params) -> dict[str, Any]:
    """Show a message to one user only; it never enters history."""
    channel = _writable(ws.resolve(params.get("channel")))
    user = _required(params, "user", "user_not_in_channel")
    if channel.members is not None and user not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = _content(params)
    message = _bot_message(ws, text, blocks)
    message.update(channel=channel.id, recipient=user)
    if params.get("thread_ts"):
        message["thread_ts"] = str(params["thread_ts"])
    ws.ephemerals.append(message)
    return {"ok": True, "message_ts": message["ts"]}


@method("chat.update")
def chat_update(ws: Workspace, params: Params) -> dict[str, Any]:
    """Edit one of the bot's messages in place (marks it ``edited``)."""
    channel_id, message = _own_message(ws, params, "ts", "cant_update_message")
    text, blocks = _content(params, required=False)
    metadata = _metadata(params)
    _edit(ws, message, text, blocks)
    if metadata is not None:
        message["metadata"] = metadata
    return {"ok": True, "channel": channel_id, "ts": message["ts"], "text": message["text"],
            "message": copy.deepcopy(message)}


@method("chat.delete")
def chat_delete(ws: Workspace, params: Params) -> dict[str, Any]:
    """Delete one of the bot's messages."""
    channel_id, message = _own_message(ws, params, "ts", "cant_delete_message")
    _delete(ws, channel_id, message)
    return {"ok": True, "channel": channel_id, "ts": message["ts"]}


@method("chat.getPermalink")
def chat_get_permalink(ws: Workspace, params: Params) -> dict[str, Any]:
    """A link to a message (with ``thread_ts``/``cid`` for a thread reply)."""
    channel = ws.resolve(params.get("channel"))
    message = ws.find_message(channel.id, params.get("message_ts"))
    ts = message["ts"]
    link = f"https://{ws.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


# ----- conversations -----------------------------------------------------------------------


@method("conversations.open")
def conversations_open(ws: Workspace, params: Params) -> dict[str, Any]:
    """Open (or find) the DM / group DM with some users."""
    users = params.get("users")
    if isinstance(users, str):
        users = [u.strip() for u in users.split(",") if u.strip()]
    if not users:
        if params.get("channel"):
            channel = ws.resolve(params["channel"])
            return {"ok": True, "channel": channel.info() if flag(params, "return_im")
                    else {"id": channel.id}}
        raise SlackError("users_list_not_supplied")
    for user_id in users:
        refusal = ws.dm_refusals.get(user_id)
        if refusal:  # Slack Connect: an external member the bot may not DM
            raise SlackError(refusal)
    known = set(ws.channels)
    channel = ws.channels[ws.dm_id(list(users))]
    existed = channel.id in known
    answer: dict[str, Any] = {"ok": True, "channel": channel.info() if flag(params, "return_im")
                              else {"id": channel.id}}
    if existed:
        answer.update(no_op=True, already_open=True)
    return answer


@method("conversations.info")
def conversations_info(ws: Workspace, params: Params) -> dict[str, Any]:
    """A channel's flags: private, DM, externally shared, membership."""
    return {"ok": True, "channel": ws.resolve(params.get("channel")).info()}


@method("conversations.members")
def conversations_members(ws: Workspace, params: Params) -> dict[str, Any]:
    """The members given to ``add_channel`` (the DM's two parties for a DM)."""
    channel = ws.resolve(params.get("channel"))
    return {"ok": True, "members": list(channel.members or []),
            "response_metadata": {"next_cursor": ""}}


@method("conversations.history")
def conversations_history(ws: Workspace, params: Params) -> dict[str, Any]:
    """Top-level messages (and thread broadcasts), newest first."""
    channel = ws.resolve(params.get("channel"))
    inclusive = flag(params, "inclusive")
    oldest = ts_key(str(params.get("oldest") or "0"))
    latest = ts_key(str(params["latest"])) if params.get("latest") else None

    def wanted(message: Message) -> bool:
        key = ts_key(message["ts"])
        if key < oldest or (key == oldest and not inclusive):
            return False
        if latest is not None and (key > latest or (key == latest and not inclusive)):
            return False
        thread_ts = message.get("thread_ts")
        return (not thread_ts or thread_ts == message["ts"]
                or message.get("subtype") == "thread_broadcast")

    messages = [m for m in reversed(ws.messages_in(channel.id)) if wanted(m)]
    answer = _page(messages, params, keep_metadata=flag(params, "include_all_metadata"))
    answer.update(pin_count=0, channel_actions_ts=None, channel_actions_count=0)
    return answer


@method("conversations.replies")
def conversations_replies(ws: Workspace, params: Params) -> dict[str, Any]:
    """A thread: its parent, then the replies, oldest first."""
    channel = ws.resolve(params.get("channel"))
    ts = _required(params, "ts", "thread_not_found")
    root = ws.thread_root(channel.id, str(ts))
    try:
        parent = ws.find_message(channel.id, root)
    except SlackError:
        raise SlackError("thread_not_found") from None
    replies = [m for m in ws.messages_in(channel.id)
               if m.get("thread_ts") == root and m["ts"] != root]
    return _page([parent, *replies], params, keep_metadata=flag(params, "include_all_metadata"))


# ----- reactions ---------------------------------------------------------------------------


def _reacted_message(ws: Workspace, params: Params) -> tuple[str, Message, str]:
    channel = ws.resolve(params.get("channel"))
    message = ws.find_message(channel.id, params.get("timestamp"))
    name = str(_required(params, "name", "invalid_name")).strip(":")
    return channel.id, message, name


@method("reactions.add")
def reactions_add(ws: Workspace, params: Params) -> dict[str, Any]:
    """The bot adds an emoji reaction to a message."""
    _, message, name = _reacted_message(ws, params)
    reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name), None)
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        reactions.append(reaction)
    if ws.bot_user_id in reaction["users"]:
        raise SlackError("already_reacted")
    reaction["users"].append(ws.bot_user_id)
    reaction["count"] = len(reaction["users"])
    return {"ok": True}


@method("reactions.remove")
def reactions_remove(ws: Workspace, params: Params) -> dict[str, Any]:
    """The bot removes its emoji reaction."""
    _, message, name = _reacted_message(ws, params)
    reactions: list[dict[str, Any]] = message.get("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name), None)
    if reaction is None or ws.bot_user_id not in reaction["users"]:
        raise SlackError("no_reaction")
    reaction["users"].remove(ws.bot_user_id)
    reaction["count"] = len(reaction["users"])
    message["reactions"] = [r for r in reactions if r["count"]]
    if not message["reactions"]:
        del message["reactions"]
    return {"ok": True}


@method("reactions.get")
def reactions_get(ws: Workspace, params: Params) -> dict[str, Any]:
    """A message with its reactions."""
    channel = ws.resolve(params.get("channel"))
    message = ws.find_message(channel.id, params.get("timestamp"))
    return {"ok": True, "type": "message", "channel": channel.id,
            "message": _present(message, keep_metadata=False)}


# ----- views -------------------------------------------------------------------------------


def _view_param(params: Params) -> dict[str, Any]:
    view = params.get("view")
    if not isinstance(view, dict) or not view.get("type"):
        raise SlackError("invalid_arguments")
    return view


def _store_view(ws: Workspace, view: dict[str, Any], *, view_id: str | None = None,
                previous: str | None = None) -> dict[str, Any]:
    view_id = view_id or f"V{ws.serial():08d}"
    old = ws.views.get(view_id, {})
    stored: dict[str, Any] = {
        "id": view_id, "team_id": ws.team_id, "type": view["type"],
        "blocks": view.get("blocks", []), "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""), "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}", "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close")),
        "notify_on_close": bool(view.get("notify_on_close")),
        "close": view.get("close"), "submit": view.get("submit"),
        "previous_view_id": old.get("previous_view_id", previous),
        "root_view_id": old.get("root_view_id") or (ws.views[previous]["root_view_id"]
                                                    if previous in ws.views else view_id),
        "app_id": ws.app_id, "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id, "bot_id": ws.bot_id,
    }
    ws.views[view_id] = stored
    return {"ok": True, "view": copy.deepcopy(stored)}


@method("views.open")
def views_open(ws: Workspace, params: Params) -> dict[str, Any]:
    """Open a modal; the trigger_id is used up."""
    view = _view_param(params)
    ws.exchange_trigger(params.get("trigger_id"))
    return _store_view(ws, view)


@method("views.push")
def views_push(ws: Workspace, params: Params) -> dict[str, Any]:
    """Push a modal on top of the newest one; the trigger_id is used up."""
    view = _view_param(params)
    ws.exchange_trigger(params.get("trigger_id"))
    modals = [v["id"] for v in ws.views.values() if v["type"] == "modal"]
    return _store_view(ws, view, previous=modals[-1] if modals else None)


@method("views.update")
def views_update(ws: Workspace, params: Params) -> dict[str, Any]:
    """Replace a view, found by ``view_id`` or ``external_id``; checks ``hash``."""
    view = _view_param(params)
    view_id = params.get("view_id")
    if not view_id and params.get("external_id"):
        view_id = next((v["id"] for v in ws.views.values()
                        if v["external_id"] == params["external_id"]), None)
    if not view_id or view_id not in ws.views:
        raise SlackError("not_found")
    if params.get("hash") and params["hash"] != ws.views[view_id]["hash"]:
        raise SlackError("hash_conflict")
    return _store_view(ws, view, view_id=view_id)


@method("views.publish")
def views_publish(ws: Workspace, params: Params) -> dict[str, Any]:
    """Publish a user's App Home view."""
    user_id = _required(params, "user_id", "invalid_arguments")
    view = _view_param(params)
    view_id = ws.home_views.get(user_id)
    if view_id and params.get("hash") and params["hash"] != ws.views[view_id]["hash"]:
        raise SlackError("hash_conflict")
    answer = _store_view(ws, view, view_id=view_id)
    ws.home_views[user_id] = answer["view"]["id"]
    return answer


# ----- response_url ------------------------------------------------------------------------


def response_url_error(ws: Workspace, url_id: str,
                       payload: Any) -> tuple[int, dict[str, Any]] | None:
    """Why a POST to a response_url is refused before its content is read (an unknown,
    expired or used-up URL, a body that is not an object), or None."""
    target = ws.response_urls.get(url_id)
    if target is None:
        return 404, {"ok": False, "error": "invalid_url"}
    if time.monotonic() - target.created > RESPONSE_URL_TTL:
        return 404, {"ok": False, "error": "expired_url"}
    if target.uses >= RESPONSE_URL_MAX_USES:
        return 404, {"ok": False, "error": "used_url"}
    if not isinstance(payload, dict):
        return 400, {"ok": False, "error": "invalid_payload"}
    return None


def respond(ws: Workspace, url_id: str, url: str, payload: Any) -> tuple[int, dict[str, Any]]:
    """Handle a POST to a response_url: returns the HTTP status and the JSON answer."""
    refused = response_url_error(ws, url_id, payload)
    if refused is not None:
        return refused
    target = ws.response_urls[url_id]
    try:
        text, blocks = _content(payload, required=not flag(payload, "delete_original"))
    except SlackError as exc:
        return 400, {"ok": False, "error": exc.error}
    target.uses += 1
    ts = _respond_in_history(ws, target.channel_id, target.message_ts, payload, text, blocks)
    ws.response_posts.append(ResponsePost(url, target.channel_id, target.user_id,
                                          copy.deepcopy(payload), ts))
    return 200, {"ok": True}


def _respond_in_history(ws: Workspace, channel_id: str | None, message_ts: str | None,
                        payload: Params, text: str | None,
                        blocks: list[Any] | None) -> str | None:
    if channel_id is None:
        return None
    original = next((m for m in ws.messages_in(channel_id) if m["ts"] == message_ts), None)
    if flag(payload, "delete_original"):
        if original is not None:
            _delete(ws, channel_id, original)
        return None
    if flag(payload, "replace_original") and original is not None:
        _edit(ws, original, text, blocks)
        return str(original["ts"])
    if payload.get("response_type") != "in_channel":
        return None
    message = _bot_message(ws, text, blocks)
    if payload.get("thread_ts"):
        message["thread_ts"] = ws.thread_root(channel_id, str(payload["thread_ts"]))
    ws.append(channel_id, message)
    return str(message["ts"])
