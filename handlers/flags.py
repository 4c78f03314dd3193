"""Issue flags from Slack (bot/features/flags.py does the work).

Raised with `/pilot flag <severity> [category=...] <description>` (no arguments: the
form), the check-in's **Flag an issue** form, a check-in reply that starts with
``flag:`` or :triangular_flag_on_post: (``flag_from_reply``, called by the check-in
listener), or that emoji added to a check-in reply. `/pilot ack F-3`, `/pilot resolve F-3
<how>` and the announcement's buttons handle one; `/pilot flags` lists the open ones;
`/pilot flag F-3` shows one's history.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Services
from bot.blocks import Reply, ids, section
from bot.blocks.flags import (
    empty_reply_flag,
    notice_modal,
    raise_modal,
    raised_answer,
    resolve_modal,
)
from bot.core.errors import DomainError
from bot.core.flags import (
    DEFAULT_CATEGORY,
    FLAG_EMOJI,
    FlagInput,
    FlagSource,
    flag_ref,
    looks_like_flag_ref,
    parse_category,
    parse_description,
    parse_flag_ref,
    parse_severity,
)
from bot.core.inputs import parse_id, parse_page
from bot.features import flags, issue_log
from bot.features.access import InChannel, Named, Where
from handlers.answers import guarded, slack_error_code, work
from handlers.clicks import Click, Submission, on_button, on_submit
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)


# ----- raising -----------------------------------------------------------------------------


def flag_command(request: CommandRequest) -> Reply | None:
    """`/pilot flag`: the form; `/pilot flag F-3`: its history; else raise one."""
    parsed = request.parsed
    what = parsed.args.get("what", "")
    if not what and not parsed.options and not parsed.rest:
        _open_raise_form(request)
        return None
    if looks_like_flag_ref(what):
        if parsed.options or parsed.rest:
            raise DomainError(
                f"`/pilot flag {what}` shows a flag. To resolve it:"
                f" `/pilot resolve {what} <resolution>`."
            )
        with unit_of_work(request.services.engine) as session:
            return issue_log.flag_history(
                session=session,
                now=request.services.clock.now(),
                where=request.where,
                number=parse_flag_ref(what),
            )
    if not what:
        raise DomainError("Start with the severity: critical, major or minor.")
    flag_input = FlagInput(
        severity=parse_severity(what),
        category=parse_category(parsed.options.get("category", DEFAULT_CATEGORY.value)),
        description=parse_description(parsed.rest),
    )
    with work(request.services) as session:
        post = flags.raise_from_command(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            what=flag_input,
        )
    return raised_answer(post.record, in_thread=post.thread_ts is not None)


def _open_raise_form(request: CommandRequest) -> None:
    # The trigger_id dies 3 s after Slack sent the command: the form opens first, then
    # the channel is checked (a channel with no pilot turns the form into a notice).
    request.ack()
    metadata = {"pilot": "", "channel": request.channel_id, "source": FlagSource.COMMAND.value}
    opened = request.client.views_open(
        trigger_id=request.trigger_id, view=raise_modal(metadata=metadata)
    )
    with unit_of_work(request.services.engine) as session:
        notice = flags.raise_form_notice(session=session, where=request.where)
    if notice is not None:
        view = opened["view"]
        request.client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=notice_modal("Flag an issue", notice)
        )


@on_button
def open_raise_form(click: Click, client: WebClient) -> Reply | None:
    """The check-in's Flag an issue: the form, from the button alone (views.open first)."""
    pilot_id, day = click.parts(2)
    metadata = {
        "pilot": pilot_id,
        "channel": click.channel_id,
        "thread": click.thread_ts,
        "source": FlagSource.BUTTON.value,
    }
    try:
        shown_day: date | None = date.fromisoformat(day)
    except ValueError:  # an odd value only loses the form's date line
        shown_day = None
    client.views_open(
        trigger_id=click.trigger_id, view=raise_modal(metadata=metadata, day=shown_day)
    )
    return None


@on_submit(field=ids.FLAG_DESCRIPTION)
def submit_raise_form(submission: Submission, ack: Ack, client: WebClient) -> None:
    severity = submission.choice(ids.FLAG_SEVERITY)
    category = submission.choice(ids.FLAG_CATEGORY) or DEFAULT_CATEGORY.value
    description = submission.lines(ids.FLAG_DESCRIPTION)
    if not severity:
        raise DomainError("Pick a severity.", form_field=ids.FLAG_SEVERITY)
    if not description:
        raise DomainError("Say what is wrong.", form_field=ids.FLAG_DESCRIPTION)
    click, metadata = submission.click, submission.metadata
    flag_input = FlagInput(
        parse_severity(severity), parse_category(category), parse_description(description)
    )
    # From a check-in's button: the pilot it names; from /pilot flag: the channel's.
    where: Where = (
        Named(click.workspace, click.pilot_id())
        if click.value
        else InChannel(click.workspace, str(metadata.get("channel", "")))
    )
    with work(click.services) as session:
        flags.raise_from_form(
            session=session,
            now=click.services.clock.now(),
            where=where,
            user_id=click.user_id,
            what=flag_input,
            source=FlagSource(str(metadata.get("source") or FlagSource.COMMAND.value)),
            thread_ts=str(metadata.get("thread") or ""),
        )
    ack()


def flag_from_reply(
    client: WebClient, services: Services, team_id: str, channel: str, message: dict[str, Any]
) -> None:
    """A check-in reply that starts with ``flag:`` or the flag emoji raises a flag. Called
    by the check-in listener after it stored the reply."""
    user_id = str(message.get("user", ""))
    with work(services) as session:
        raised = flags.raise_from_reply(
            session=session,
            now=services.clock.now(),
            team_id=team_id,
            channel_id=channel,
            ts=str(message.get("ts", "")),
            user_id=user_id,
            text=str(message.get("text") or ""),
        )
    if raised is not None and raised.empty:
        _tell_in_thread(client, channel, user_id, raised.thread_ts, empty_reply_flag())


def _tell_in_thread(
    client: WebClient, channel: str, user_id: str, thread_ts: str, reply: Reply
) -> None:
    try:
        client.chat_postEphemeral(
            channel=channel, user=user_id, thread_ts=thread_ts, **reply.message()
        )
    except SlackApiError as error:
        log.info("could not tell %s in %s: %s", user_id, channel, slack_error_code(error))


@guarded
def reaction_added(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
    """:triangular_flag_on_post: on a check-in reply turns the reply into a flag (raised by
    whoever added it). Other reactions, and reactions to anything else, change nothing."""
    item = event.get("item") or {}
    if event.get("reaction") != FLAG_EMOJI or item.get("type") != "message":
        return
    user_id = str(event.get("user", ""))
    if not user_id or user_id == context.get("bot_user_id"):
        return
    services: Services = context["services"]
    with work(services) as session:
        flags.raise_from_reaction(
            session=session,
            now=services.clock.now(),
            team_id=context.get("team_id") or body.get("team_id", ""),
            channel_id=str(item.get("channel", "")),
            ts=str(item.get("ts", "")),
            user_id=user_id,
        )


# ----- acknowledging and resolving ---------------------------------------------------------


def ack_command(request: CommandRequest) -> Reply | None:
    number = parse_flag_ref(request.parsed.args["flag"])
    with work(request.services) as session:
        post = flags.acknowledge(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            number=number,
            user_id=request.user_id,
        )
    text = f"You acknowledged {post.record.ref}; its thread says so."
    return Reply(text=text, blocks=[section(text)])


def resolve_command(request: CommandRequest) -> Reply | None:
    number = parse_flag_ref(request.parsed.args["flag"])
    with work(request.services) as session:
        post = flags.resolve(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            number=number,
            user_id=request.user_id,
            resolution=request.parsed.rest,
        )
    text = f"You resolved {post.record.ref}; the issue log keeps the resolution."
    return Reply(text=text, blocks=[section(text)])


@on_button
def acknowledge_button(click: Click, client: WebClient) -> Reply | None:
    pilot_id, number = click.parts(2)
    with work(click.services) as session:
        flags.acknowledge(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, parse_id(pilot_id)),
            number=parse_id(number),
            user_id=click.user_id,
        )
    return None  # the announcement's update says so


@on_button
def open_resolve_form(click: Click, client: WebClient) -> Reply | None:
    """Resolve: the form asking for the resolution opens first (the trigger lives 3 s);
    if this person may not, or the flag is resolved already, it turns into the answer."""
    pilot_id, number = (parse_id(part) for part in click.parts(2))
    opened = client.views_open(
        trigger_id=click.trigger_id, view=resolve_modal(pilot_id=pilot_id, number=number)
    )
    try:
        with unit_of_work(click.services.engine) as session:
            flags.check_resolvable(
                session=session,
                where=Named(click.workspace, pilot_id),
                number=number,
                user_id=click.user_id,
            )
    except DomainError as error:  # answered in the form already open, not ephemerally
        view = opened["view"]
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=notice_modal(f"Resolve {flag_ref(number)}", error.message),
        )
    return None


@on_submit(field=ids.FLAG_RESOLUTION)
def submit_resolve_form(submission: Submission, ack: Ack, client: WebClient) -> None:
    click = submission.click
    resolution = submission.lines(ids.FLAG_RESOLUTION)
    if not resolution:
        raise DomainError("Say how it was resolved: the issue log keeps it.")
    pilot_id, number = click.parts(2)
    with work(click.services) as session:
        flags.resolve(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, parse_id(pilot_id)),
            number=parse_id(number),
            user_id=click.user_id,
            resolution=resolution,
        )
    ack()


# ----- reading -----------------------------------------------------------------------------


def flags_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        return issue_log.open_flags(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            page=parse_page(request.parsed.options.get("page")),
        )


def register(app: App) -> None:
    app.event("reaction_added")(reaction_added)
    app.action(ids.CHECKIN_FLAG_ISSUE)(open_raise_form)
    app.view(ids.FLAG_MODAL)(submit_raise_form)
    app.action(ids.FLAG_ACKNOWLEDGE)(acknowledge_button)
    app.action(ids.FLAG_RESOLVE)(open_resolve_form)
    for callback_id in ids.callback_ids(ids.FLAG_RESOLVE_MODAL):
        app.view(callback_id)(submit_resolve_form)
