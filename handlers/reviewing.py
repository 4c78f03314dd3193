"""What the review, ramp and phase listeners share: who clicked where, the pilot a button
or a modal names, the record keepers' rule, and telling one person something."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.app import Services
from bot.blocks import Reply, section
from bot.core.authority import RECORD_KEEPERS, may_record
from bot.core.decisions import Deciders
from bot.core.errors import DomainError
from bot.core.inputs import parse_id
from handlers.editing import Refusal
from handlers.reply import guarded, slack_error_code
from storage.models import Pilot
from storage.outbox import UPDATE, owe
from storage.reviews import pilot_in
from storage.scope import Workspace, installation_of
from storage.team import roles_of

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

    @classmethod
    def of(cls, body: dict[str, Any], context: dict[str, Any], value: str) -> Click:
        return cls(
            services=context["services"],
            workspace=installation_of(context, body),
            user_id=(body.get("user") or {}).get("id", ""),
            value=value,
            channel_id=(body.get("channel") or {}).get("id", ""),
            trigger_id=str(body.get("trigger_id") or ""),
            message_ts=str(
                (body.get("container") or {}).get("message_ts")
                or (body.get("message") or {}).get("ts")
                or ""
            ),
        )

    def owe_update(
        self, session: Session, pilot: Pilot, reply: Reply, *, kind: str, now: datetime
    ) -> None:
        """The message clicked in, rewritten to ``reply`` (through delivery: a later click's
        update supersedes this one if it has not gone out yet)."""
        if not (self.channel_id and self.message_ts):
            return
        owe(
            session=session,
            pilot=pilot,
            key=f"{kind}:{self.message_ts}:{self.trigger_id or uuid.uuid4().hex}"[:100],
            kind=kind,
            message=reply.message(),
            now=now,
            method=UPDATE,
            channel_id=self.channel_id,
            target_ts=self.message_ts,
        )

    def parts(self, count: int) -> list[str]:
        """``value`` split on ":" into ``count`` parts, the first a pilot id."""
        found = self.value.split(":")
        if len(found) != count:
            raise Refusal("This button is out of date; use the latest post in the channel.")
        parse_id(found[0])  # the pilot's id: a real id, or the same refusal
        return found


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


def on_button(listener: Callable[[Click, WebClient, Respond], None]) -> Callable[..., None]:
    """A button listener: acked at once (replies go to response_url), guarded, handed the
    click with the button's value."""

    def button_clicked(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: dict[str, Any],
        respond: Respond,
    ) -> None:
        ack()
        listener(Click.of(body, context, str(action.get("value", ""))), client, respond)

    button_clicked.__name__ = button_clicked.__qualname__ = listener.__name__
    return guarded(button_clicked)


def on_submit(listener: Callable[[Submission, Ack, WebClient], None]) -> Callable[..., None]:
    """A modal's view_submission listener, guarded, handed the submission. The listener
    acks: empty to close the modal, or with ``response_action: errors``."""

    def submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        listener(Submission.of(body, view, context), ack, client)

    submitted.__name__ = submitted.__qualname__ = listener.__name__
    return guarded(submitted)


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


def load_pilot(session: Session, click: Click, pilot_id: int) -> Pilot:
    pilot = pilot_in(session=session, workspace=click.workspace, pilot_id=pilot_id)
    if pilot is None:
        raise Refusal("That pilot no longer exists in this workspace.")
    return pilot


def require_record_keeper(session: Session, pilot: Pilot, user_id: str, action: str) -> None:
    assert pilot.id is not None
    roles = roles_of(session=session, pilot_id=pilot.id, user_id=user_id)
    if not may_record(user_id=user_id, owner_id=pilot.owner_id, roles=roles):
        raise Refusal(
            f"Only {RECORD_KEEPERS} may {action}. Ask the owner (<@{pilot.owner_id}>) to add"
            " you with `/pilot team add`."
        )


def require_decider(deciders: Deciders, user_id: str, what: str) -> None:
    """Only the decision maker (the executive sponsor, else the project lead) decides."""
    if not deciders.users:
        raise Refusal(
            "Nobody holds the deciding role yet: add an executive sponsor (or a project lead)"
            " with `/pilot team add @user executive_sponsor`."
        )
    if user_id not in deciders.users:
        who = ", ".join(f"<@{u}>" for u in deciders.users)
        raise Refusal(f"Only {who} ({deciders.role_name}) decides {what}.")


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


def tell(respond: Respond | None, text: str) -> None:
    """Answer the person who clicked, only them. A click on the Home tab has no response
    URL: the tab, published again, shows how things stand."""
    if respond is None:
        log.info("a click without a response URL (the Home tab): %s", text[:80])
        return
    respond(response_type="ephemeral", replace_original=False, text=text, blocks=[section(text)])


def tell_in_channel(client: WebClient, channel_id: str, user_id: str, reply: Reply) -> None:
    """After a modal: an ephemeral note in the pilot's channel, the answer to the person
    who submitted it. What they submitted is saved whether or not this arrives."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, **reply.message())
    except SlackApiError as error:
        log.info("could not post ephemerally in %s: %s", channel_id, slack_error_code(error))


def modal_pilot(
    session: Session, click: Click, ack: Ack, action: str, block_id: str
) -> Pilot | None:
    """The pilot a modal is about, if this person may still ``action`` on it; else the
    refusal is shown on ``block_id`` and None returned."""
    try:
        pilot = load_pilot(session, click, parse_id(click.parts(1)[0]))
        require_record_keeper(session, pilot, click.user_id, action)
    except DomainError as error:
        ack(response_action="errors", errors={block_id: error.message[:2000]})
        return None
    return pilot


def first_block(values: dict[str, Any]) -> str:
    """The first input block of a submitted modal, to show a refusal on."""
    return next(iter(values), "")
