"""The delivery mark: which recorded calls should have come from the bot's delivery client.

The bot's delivery Web API client sends :data:`DELIVERY_MARK_HEADER` (``"1"``) on every
request. A call to one of :data:`OWED_METHODS`, or a response_url post that changes a
public message, without that header went around delivery (a listener's ``say()``, a raw
``api_call``, ...): the emulator keeps such calls (:meth:`SlackEmulator.unmarked_calls`)
and the test suite fails any test that made one (:func:`unmarked_report`).

The registry here lets a test run find every emulator created while it ran
(:func:`created_emulators`), even ones already stopped or dropped.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_emulator.calls import Call
from slack_emulator.methods import flag

if TYPE_CHECKING:
    from slack_emulator.server import SlackEmulator

DELIVERY_MARK_HEADER = "X-Pilot-Bot-Delivery"

# Web API methods that post, change or delete messages (or open the DM they go to),
# rewrite a canvas or publish a Home tab: only delivery may call them. (Creating the
# channel's canvas is the answer to `/pilot canvas` itself, as opening a form is: a
# listener makes that call.)
OWED_METHODS = frozenset({
    "chat.postMessage",
    "chat.update",
    "chat.delete",
    "chat.scheduleMessage",
    "chat.meMessage",
    "conversations.open",
    "files.upload",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "canvases.edit",
    "views.publish",  # a Home tab is owed too: delivery publishes it
})

_MARK_VALUES = frozenset({"1", "true"})


def is_marked(headers: Mapping[str, str]) -> bool:
    """True if request headers carry the delivery mark (name matched case-insensitively)."""
    name = DELIVERY_MARK_HEADER.lower()
    return any(k.lower() == name and str(v).strip().lower() in _MARK_VALUES
               for k, v in headers.items())


def changes_public_message(params: Mapping[str, Any]) -> bool:
    """True if a response_url payload posts in the channel, replaces or deletes the original.

    Booleans may be JSON ``true`` or strings (``"true"``, ``"1"``), as Slack reads them.
    """
    params = dict(params)
    return (params.get("response_type") == "in_channel" or flag(params, "replace_original")
            or flag(params, "delete_original"))


def owes_mark(call: Call) -> bool:
    """True if only delivery may make this call: one of :data:`OWED_METHODS`, or a
    response_url post that changes a public message (only ephemeral answers are left to
    listeners)."""
    if call.method == "response_url":
        return changes_public_message(call.params)
    return call.method in OWED_METHODS


def lacks_mark(call: Call) -> bool:
    """True if the call owes the delivery mark and was made without it."""
    return owes_mark(call) and not is_marked(call.headers)


def describe_unmarked(call: Call) -> str:
    """One line for a failure message: method, channel/user, the text's first 60 chars."""
    params = call.params
    parts = [call.method]
    channel = params.get("channel") or call.context.get("channel")
    user = params.get("user") or params.get("users") or call.context.get("user")
    if channel:
        parts.append(f"channel={channel}")
    if user:
        parts.append(f"user={user}")
    if call.method == "response_url":
        kinds = [k for k in ("replace_original", "delete_original") if flag(dict(params), k)]
        parts.append(f"response_type={params.get('response_type', 'ephemeral')}")
        parts.extend(f"{k}=true" for k in kinds)
    text = params.get("text")
    if isinstance(text, str) and text:
        shown = text if len(text) <= 60 else text[:60] + "..."
        parts.append(f"text={shown!r}")
    outcome = "ok" if call.ok else (call.error or "failed")
    return f"{' '.join(parts)} -> {call.status} {outcome}"


# ----- the registry of emulators --------------------------------------------------------

_registry_lock = threading.Lock()
_live: weakref.WeakSet[SlackEmulator] = weakref.WeakSet()
_collectors: list[list[SlackEmulator]] = []


def register(emulator: SlackEmulator) -> None:
    """Called by every new :class:`SlackEmulator`: join the live set and every collector."""
    with _registry_lock:
        _live.add(emulator)
        for collected in _collectors:
            collected.append(emulator)


def live_emulators() -> list[SlackEmulator]:
    """Every emulator still referenced somewhere (running or stopped)."""
    with _registry_lock:
        return list(_live)


@contextmanager
def created_emulators() -> Iterator[list[SlackEmulator]]:
    """A list filled with every emulator created (in any thread) while the block runs.

    It holds them strongly, so an emulator that a test made, stopped and dropped can still
    be checked after the test.
    """
    collected: list[SlackEmulator] = []
    with _registry_lock:
        _collectors.append(collected)
    try:
        yield collected
    finally:
        with _registry_lock:
            _collectors.remove(collected)


def unmarked_report(emulators: Iterable[SlackEmulator],
                    already: Mapping[SlackEmulator, int] | None = None) -> str:
    """A readable list of the unmarked calls of the strict emulators; "" if none.

    ``already`` maps emulators to how many of their unmarked calls were reported before
    (e.g. for an emulator that outlives one test); those are skipped.
    """
    lines: list[str] = []
    seen: set[int] = set()
    for emulator in emulators:
        if id(emulator) in seen or not emulator.strict_delivery:
            continue
        seen.add(id(emulator))
        calls = emulator.unmarked_calls()[(already or {}).get(emulator, 0):]
        if calls:
            lines.append(f"emulator on port {emulator.port}:")
            lines.extend(f"  {describe_unmarked(call)}" for call in calls)
    if not lines:
        return ""
    head = (f"Slack calls made without the delivery mark ({DELIVERY_MARK_HEADER}): posts, "
            "updates, deletes, DM opens, uploads and public response_url answers must go "
            "through delivery (schedules/delivery.py), not say()/client/respond() directly")
    return "\n".join([head, *lines])
