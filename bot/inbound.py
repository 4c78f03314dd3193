"""The HTTP edge: what Slack sent is checked before Bolt or a listener reads a field of it.

A request's signature is verified here (a missing, non-numeric or stale timestamp is a
plain refusal), its body parsed the way Bolt parses it, and the fields Bolt and the
listeners read are checked for the types Slack sends (a user is a string or an object
with a string id, ``actions`` a list of objects, a view's state values objects of
objects, ...). A body that fails is refused with a reason, so nothing downstream needs
to guard every ``get``; what Slack really sends always passes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would accept "²" and " 1"
WINDOW = 300  # seconds: Slack's replay window for a signature


def verified(secret: str, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Slack's v0 signature over ``body`` at ``timestamp``, within 5 minutes of ``now``.

    Not slack-sdk's SignatureVerifier: it raises on a non-numeric timestamp and on a body
    that is not UTF-8, and here a forged request of any bytes must get a plain False."""
    if not _TIMESTAMP.fullmatch(timestamp) or abs(now - int(timestamp)) > WINDOW:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


class Refused(ValueError):
    """A verified body that no listener could read: answered 400 with the reason."""


def checked_body(body: bytes, content_type: str) -> bytes:
    """The body to hand Bolt, once its shape checks out; raises Refused.

    Bolt reads a form body as an interactive payload whenever the word "payload" occurs
    anywhere in it (a command's text included), so such a command's form is re-encoded
    with that word percent-escaped: the same fields, read the same way.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("the body is not UTF-8") from None
    if not text:
        return body
    if content_type.split(";")[0].strip().lower() == "application/json" or text.startswith("{"):
        _check_payload(_json_object(text, "the JSON body"))
        return body
    if "payload" not in text:
        return body  # a command's form: text fields only, which Bolt reads as Slack meant
    fields = parse_qsl(text, keep_blank_values=True)
    named = dict(fields)
    if "payload" in named:
        _check_payload(_json_object(named["payload"], "the payload field"))
        return body
    return urlencode(fields).replace("payload", "p%61yload").encode()


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(f"{what} is not a JSON object")
    return value


# ----- shapes ------------------------------------------------------------------------------

_TEXT = (
    "type",
    "team_id",
    "enterprise_id",
    "user_id",
    "channel_id",
    "trigger_id",
    "api_app_id",
    "token",
    "event_id",
    "ts",
    "thread_ts",
    "event_ts",
    "subtype",
    "user_team",
    "source_team",
    "callback_id",
    "private_metadata",
    "app_installed_team_id",
    "reaction",
    "item_user",
    "tab",
    "hash",
    "action_id",
    "block_id",
    "value",
    "message_ts",
    "view_id",
)
_TEXT_OR_OBJECT = ("user", "team", "channel", "enterprise")  # an id, or an object with one
_OBJECT = ("event", "view", "container", "message", "previous_message", "item", "root")
_LIST_OF_OBJECTS = ("authorizations", "actions", "selected_options")  # checked inside too
_LIST = ("blocks",)  # a message's or a view's blocks: objects, not read field by field
_FLAG = ("is_ext_shared_channel", "is_enterprise_install")
_INTERACTIVE = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
)


def _check_payload(payload: dict[str, Any]) -> None:
    _check_object(payload, "the body", depth=0)
    if payload.get("type") == "event_callback" and not isinstance(payload.get("event"), dict):
        raise Refused("event is not an object")
    if payload.get("type") == "block_actions" and not payload.get("actions"):
        raise Refused("actions is empty")
    if payload.get("type") in _INTERACTIVE:
        for key in ("user", "team", "channel", "enterprise"):
            if isinstance(payload.get(key), str):  # Slack sends these as objects here
                raise Refused(f"{key} is not an object")
    url = payload.get("response_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        raise Refused("response_url is not a URL")
    urls = payload.get("response_urls")
    if urls is not None and not isinstance(urls, list):
        raise Refused("response_urls is not a list")


def _check_object(value: dict[str, Any], where: str, *, depth: int) -> None:
    if depth > 12:
        raise Refused(f"{where} is nested too deep")
    for key in _TEXT:
        if value.get(key) is not None and not isinstance(value[key], str):
            raise Refused(f"{where}: {key} is not text")
    for key in _TEXT_OR_OBJECT:
        found = value.get(key)
        if found is None or isinstance(found, str):
            continue
        if not isinstance(found, dict):
            raise Refused(f"{where}: {key} is neither an id nor an object")
        _check_object(found, key, depth=depth + 1)
    for key in _OBJECT:
        found = value.get(key)
        if found is None:
            continue
        if not isinstance(found, dict):
            raise Refused(f"{where}: {key} is not an object")
        _check_object(found, key, depth=depth + 1)
    for key in _LIST_OF_OBJECTS:
        found = value.get(key)
        if found is None:
            continue
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise Refused(f"{where}: {key} is not a list of objects")
        for item in found:
            _check_object(item, key, depth=depth + 1)
    for key in _LIST:
        found = value.get(key)
        if found is not None and not (
            isinstance(found, list) and all(isinstance(item, dict) for item in found)
        ):
            raise Refused(f"{where}: {key} is not a list of objects")
    text = value.get("text")
    if text is not None and not isinstance(text, str | dict):
        raise Refused(f"{where}: text is neither text nor a text object")
    for key in _FLAG:
        if key in value and not isinstance(value[key], bool | str | None):
            raise Refused(f"{where}: {key} is not true or false")
    if "selected_option" in value and value["selected_option"] is not None:
        if not isinstance(value["selected_option"], dict):
            raise Refused(f"{where}: selected_option is not an object")
        _check_object(value["selected_option"], "selected_option", depth=depth + 1)
    if "state" in value and value["state"] is not None:
        _check_state(value["state"], where)


def _check_state(state: Any, where: str) -> None:
    """A view's ``state.values``: {block id: {action id: element state}}."""
    if not isinstance(state, dict):
        raise Refused(f"{where}: state is not an object")
    values = state.get("values", {})
    if not isinstance(values, dict):
        raise Refused(f"{where}: state.values is not an object")
    for block in values.values():
        if not isinstance(block, dict) or not all(isinstance(e, dict) for e in block.values()):
            raise Refused(f"{where}: a state value is not an object of objects")
        for element in block.values():
            _check_object(element, "a state value", depth=2)
            users = element.get("selected_users")
            if users is not None and not (
                isinstance(users, list) and all(isinstance(u, str) for u in users)
            ):
                raise Refused(f"{where}: selected_users is not a list of ids")


# ----- typed text --------------------------------------------------------------------------

# C0 control characters other than tab and newline (and DEL): never meant, and PostgreSQL
# refuses NUL in text outright.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_in_place(value: Any) -> Any:
    """Every string in a parsed payload, cleaned of control characters (dicts and lists
    are changed in place, so Bolt's body and a listener's view of it agree)."""
    if isinstance(value, str):
        return _CONTROLS.sub("", value.replace("\r\n", "\n")) if _has_controls(value) else value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = clean_in_place(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = clean_in_place(item)
    return value


def _has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None
