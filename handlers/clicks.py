"""Click plumbing every button and modal listener shares: who clicked where, what the
button or the form carried, and answering only the person who clicked."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Services
from bot.blocks import Reply, ids, section
from bot.features.clicked import Clicked
from handlers.answers import guarded, slack_error_code
from storage.scope import Workspace, installation_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Click:
    """Who sent an interactive payload, from which workspace, and what it carried."""

    services: Services
    workspace: Workspace
    user_id: str
    value: str  # a button's value, or the modal's private metadata
    channel_id: str  # where the click happened ("" in a modal)
    trigger_id: str
    message_ts: str = ""  # the message clicked in ("" in a modal)
    action_id: str = ""  # the button clicked ("" in a modal)
    thread_ts: str = ""  # the thread of the message clicked in (see ``clicked_thread``)

    @classmethod
    def of(cls, body: dict[str, Any], context: dict[str, Any], value: str) -> Click:
        return cls(
            services=context["services"],
            workspace=installation_of(context, body),
            user_id=(body.get("user") or {}).get("id", ""),
            value=value,
            channel_id=str(
                (body.get("channel") or {}).get("id")
                or (body.get("container") or {}).get("channel_id")
                or ""
            ),
            trigger_id=str(body.get("trigger_id") or ""),
            message_ts=str(
                (body.get("container") or {}).get("message_ts")
                or (body.get("message") or {}).get("ts")
                or ""
            ),
            thread_ts=clicked_thread(body),
        )

    @property
    def clicked(self) -> Clicked:
        """The message clicked in, for a feature function to rewrite."""
        return Clicked(self.channel_id, self.message_ts, self.trigger_id)

    def parts(self, count: int) -> list[str]:
        """The value's ``count`` parts, the first a pilot id (bot.blocks.ids's codec)."""
        return ids.button_parts(self.value, count)

    def pilot_id(self, count: int = 1) -> int:
        return ids.button_pilot(self.value, count)


def clicked_thread(body: dict[str, Any]) -> str:
    """The thread a clicked message belongs to: its parent's ts inside a thread (a reminder
    in a check-in thread), else the message's own ts (the check-in itself)."""
    message, container = body.get("message") or {}, body.get("container") or {}
    return str(
        message.get("thread_ts")
        or container.get("thread_ts")
        or container.get("message_ts")
        or message.get("ts", "")
    )


@dataclass(frozen=True)
class Submission:
    """A submitted modal: who, the pilot it names (``click.value``), its metadata and fields."""

    click: Click
    metadata: dict[str, Any]
    values: dict[str, Any]

    @classmethod
    def of(cls, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]) -> Submission:
        metadata = metadata_of(view)
        return cls(
            click=Click.of(body, context, str(metadata.get("pilot", ""))),
            metadata=metadata,
            values=(view.get("state") or {}).get("values") or {},
        )

    def text(self, block_id: str) -> str:
        return text_value(self.values, block_id)

    def lines(self, block_id: str) -> str:
        return multiline_value(self.values, block_id)

    def choice(self, block_id: str) -> str:
        """The value of a select's or a radio group's chosen option ("" if none)."""
        chosen = input_value(self.values, block_id).get("selected_option") or {}
        return str(chosen.get("value") or "")


ButtonListener = Callable[[Click, WebClient], Reply | str | None]


def on_button(listener: ButtonListener) -> Callable[..., None]:
    """A button listener: acked at once, guarded, handed the click with the button's
    value; what it returns (a reply, or one line) is told to the person who clicked."""

    def button_clicked(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: dict[str, Any],
        respond: Respond,
    ) -> None:
        ack()
        click = Click.of(body, context, str(action.get("value", "")))
        click = dataclasses.replace(click, action_id=str(action.get("action_id", "")))
        reply = listener(click, client)
        if reply is not None:
            tell(respond, reply)

    button_clicked.__name__ = button_clicked.__qualname__ = listener.__name__
    wrapped: Callable[..., None] = guarded(button_clicked)
    return wrapped


SubmitListener = Callable[[Submission, Ack, WebClient], None]


def on_submit(field: str | None = None) -> Callable[[SubmitListener], Callable[..., None]]:
    """A modal's view_submission listener, guarded, handed the submission. The listener
    acks: empty to close the modal, or with ``response_action: errors``; an error it
    raises is shown on the field it names, else on ``field`` (else the first input)."""

    def wrap(listener: SubmitListener) -> Callable[..., None]:
        def submitted(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
        ) -> None:
            listener(Submission.of(body, view, context), ack, client)

        submitted.__name__ = submitted.__qualname__ = listener.__name__
        wrapped: Callable[..., None] = guarded(submitted, field=field)
        return wrapped

    return wrap


def reason_problem(reason: str, limit: int) -> str | None:
    """What is wrong with a decision's or a request's reason, if anything."""
    if not reason:
        return "Say why (the log keeps it)."
    if len(reason) > limit:
        return f"Keep the reason under {limit} characters."
    return None


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        found = {}
    return found if isinstance(found, dict) else {}


def input_value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The element state of an input block whose element's action id is its block id."""
    element = (values.get(block_id) or {}).get(block_id) or {}
    return element if isinstance(element, dict) else {}


def text_value(values: dict[str, Any], block_id: str) -> str:
    """A one-line field, whitespace collapsed."""
    return " ".join(str(input_value(values, block_id).get("value") or "").split())


def multiline_value(values: dict[str, Any], block_id: str) -> str:
    """A multiline field, its lines kept."""
    text = str(input_value(values, block_id).get("value") or "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def tell(respond: Respond | None, reply: Reply | str) -> None:
    """Answer the person who clicked, only them. A click on the Home tab has no response
    URL: the tab, published again, shows how things stand."""
    if isinstance(reply, str):
        reply = Reply(reply, [section(reply)])
    if respond is None:
        log.info("a click without a response URL (the Home tab): %s", reply.text[:80])
        return
    respond(response_type="ephemeral", replace_original=False, **reply.message())


def tell_in_channel(client: WebClient, channel_id: str, user_id: str, reply: Reply) -> None:
    """After a modal: an ephemeral note in the pilot's channel, the answer to the person
    who submitted it. What they submitted is saved whether or not this arrives."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, **reply.message())
    except SlackApiError as error:
        log.info("could not post ephemerally in %s: %s", channel_id, slack_error_code(error))


def first_block(values: dict[str, Any]) -> str:
    """The first input block of a submitted modal, to show a refusal on."""
    return next(iter(values), "")
