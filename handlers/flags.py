"""Issue flags from Slack: raised four ways, acknowledged and resolved three ways.

Raised with `/pilot flag <severity> [category=...] <description>` (no arguments: the
form), the check-in's **Flag an issue** form, a check-in reply that starts with
``flag:`` or :triangular_flag_on_post: (``flag_from_reply``, called by the check-in
listener), or that emoji added to a check-in reply. Each flag is announced in the
check-in thread (the reply's, or today's; the channel when there is none) with
**Acknowledge** and **Resolve**; `/pilot ack F-3` and `/pilot resolve F-3 <how>` do
the same. `/pilot flags` lists the open ones; `/pilot flag F-3` shows one's history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.app import Services
from bot.blocks import Reply, ids, section
from bot.blocks.flags import (
    acknowledged_line,
    announcement,
    empty_reply_flag,
    flag_history_reply,
    flags_reply,
    not_allowed,
    notice_modal,
    raise_modal,
    raised_answer,
    resolve_modal,
    resolved_line,
    unknown_flag,
)
from bot.core import commands as catalog
from bot.core.errors import DomainError
from bot.core.flags import (
    DEFAULT_CATEGORY,
    DEFAULT_SEVERITY,
    FLAG_EMOJI,
    FlagInput,
    FlagRecord,
    FlagSource,
    flag_ref,
    looks_like_flag_ref,
    may_handle,
    parse_category,
    parse_description,
    parse_flag_ref,
    parse_severity,
    reply_flag,
)
from bot.core.grammar import unescape
from bot.core.inputs import parse_id, parse_page
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_date
from handlers.editing import Refusal, answers_with_usage, channel_pilot
from handlers.escalation import levels_of, timeline_of
from handlers.reply import guarded, slack_error_code
from handlers.reviewing import (
    Click,
    Submission,
    clicked_thread,
    input_value,
    load_pilot,
    on_button,
    on_submit,
)
from storage.checkins import CheckinThread, checkin_thread, checkin_thread_of_day, reply_at
from storage.db import unit_of_work
from storage.flags import (
    ANNOUNCEMENT_KIND,
    FLAG_UPDATE_KIND,
    acknowledge_flag,
    announcement_key,
    flag_by_number,
    flag_numbers,
    open_flags_of,
    owe_flag_line,
    raise_flag,
    record_of,
    resolve_flag,
)
from storage.models import Flag, Pilot
from storage.outbox import UPDATE, owe
from storage.pilots import pilot_for_channel
from storage.team import roles_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

ENDED = "This pilot has ended, so its issue log takes no new flags."


@dataclass(frozen=True)
class FlagPost:
    """A flag as its Slack messages need it, read inside the transaction that changed it."""

    flag_id: int
    pilot_id: int
    record: FlagRecord
    zone: ZoneInfo
    channel_id: str
    thread_ts: str | None
    announcement_ts: str | None

    @classmethod
    def of(cls, flag: Flag, pilot: Pilot) -> FlagPost:
        assert flag.id is not None and pilot.id is not None
        return cls(
            flag_id=flag.id,
            pilot_id=pilot.id,
            record=record_of(flag),
            zone=ZoneInfo(pilot.tz),
            channel_id=flag.channel_id,
            thread_ts=flag.thread_ts,
            announcement_ts=flag.announcement_ts,
        )

    def announcement(self) -> Reply:
        return announcement(self.record, pilot_id=self.pilot_id, zone=self.zone)


# ----- raising -----------------------------------------------------------------------------


def _new_flag(
    session: Session,
    pilot: Pilot,
    what: FlagInput,
    *,
    user_id: str,
    now: datetime,
    source: FlagSource,
    thread: CheckinThread | None,
    message_ts: str | None = None,
) -> FlagPost | None:
    """Log the flag and owe its announcement (in the check-in thread, else the channel);
    None when the message was a flag already."""
    if pilot.state == PilotState.ENDED:
        raise Refusal(ENDED)
    if thread is None:
        assert pilot.id is not None
        day = local_date(now, ZoneInfo(pilot.tz))
        thread = checkin_thread_of_day(session=session, pilot_id=pilot.id, day=day)
    raised = raise_flag(
        session=session,
        pilot=pilot,
        what=what,
        raised_by=user_id,
        at=now,
        source=source,
        channel_id=pilot.channel_id,
        thread_ts=thread.ts if thread is not None else None,
        message_ts=message_ts,
    )
    if not raised.new:
        return None
    post = FlagPost.of(raised.flag, pilot)
    owe(
        session=session,
        pilot=pilot,
        key=announcement_key(raised.flag.number),
        kind=ANNOUNCEMENT_KIND,
        message=post.announcement().message(),
        now=now,
        thread_ts=post.thread_ts,
    )
    return post


def _owe_progress(
    session: Session, pilot: Pilot, flag: Flag, line: Reply, step: str, now: datetime
) -> None:
    """The announcement updated (its buttons follow the state), and one line in the flag's
    thread so the people following it see what happened (``step``: acknowledged, ...)."""
    post = FlagPost.of(flag, pilot)
    announced = announcement_key(flag.number)
    owe(
        session=session,
        pilot=pilot,
        key=f"{announced}:update:{step}",
        kind=FLAG_UPDATE_KIND,
        message=post.announcement().message(),
        now=now,
        method=UPDATE,
        # A flag announced before the outbox carried announcements has only its ts.
        after_key="" if flag.announcement_ts else announced,
        channel_id=flag.channel_id,
        target_ts=flag.announcement_ts,
    )
    owe_flag_line(
        session=session, pilot=pilot, flag=flag, step=step, message=line.message(), now=now
    )


@answers_with_usage(catalog.FLAG)
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
        return _show(request, parse_flag_ref(what))
    if not what:
        raise DomainError("Start with the severity: critical, major or minor.")
    flag_input = FlagInput(
        severity=parse_severity(what),
        category=parse_category(parsed.options.get("category", DEFAULT_CATEGORY.value)),
        description=parse_description(parsed.rest),
    )
    services = request.services
    now = services.clock.now()
    with services.work() as session:
        pilot = channel_pilot(session, request)
        post = _new_flag(
            session,
            pilot,
            flag_input,
            user_id=request.user_id,
            now=now,
            source=FlagSource.COMMAND,
            thread=None,
        )
    assert post is not None  # only a reply can be a flag already
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
        pilot = pilot_for_channel(
            session=session, workspace=request.workspace, channel_id=request.channel_id
        )
        ended = pilot is not None and pilot.state == PilotState.ENDED
    if pilot is None or ended:
        text = ENDED if ended else "This channel has no pilot, so there is no issue log here."
        view = opened["view"]
        request.client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=notice_modal("Flag an issue", text)
        )


@guarded
def open_raise_form(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: dict[str, Any],
    respond: Respond,
) -> None:
    """The check-in's Flag an issue: the form, from the button alone (views.open first)."""
    ack()
    click = Click.of(body, context, str(action.get("value", "")))
    pilot_id, day = click.parts(2)
    metadata = {
        "pilot": pilot_id,
        "channel": click.channel_id,
        "thread": clicked_thread(body),
        "source": FlagSource.BUTTON.value,
    }
    try:
        shown_day: date | None = date.fromisoformat(day)
    except ValueError:
        shown_day = None
    client.views_open(
        trigger_id=click.trigger_id, view=raise_modal(metadata=metadata, day=shown_day)
    )


@on_submit
def submit_raise_form(submission: Submission, ack: Ack, client: WebClient) -> None:
    severity = str(
        (input_value(submission.values, ids.FLAG_SEVERITY).get("selected_option") or {}).get(
            "value"
        )
        or ""
    )
    chosen = input_value(submission.values, ids.FLAG_CATEGORY).get("selected_option") or {}
    category = str(chosen.get("value") or DEFAULT_CATEGORY.value)
    description = submission.lines(ids.FLAG_DESCRIPTION)
    if not severity:
        ack(response_action="errors", errors={ids.FLAG_SEVERITY: "Pick a severity."})
        return
    if not description:
        ack(response_action="errors", errors={ids.FLAG_DESCRIPTION: "Say what is wrong."})
        return
    click, metadata = submission.click, submission.metadata
    source = FlagSource(str(metadata.get("source") or FlagSource.COMMAND.value))
    channel_id = str(metadata.get("channel", ""))
    now = click.services.clock.now()
    try:
        flag_input = FlagInput(
            parse_severity(severity), parse_category(category), parse_description(description)
        )
        with click.services.work() as session:
            pilot = _form_pilot(session, click, channel_id)
            thread = checkin_thread(
                session=session,
                team_id=click.workspace.team_id,
                channel_id=pilot.channel_id,
                thread_ts=str(metadata.get("thread") or ""),
            )
            _new_flag(
                session,
                pilot,
                flag_input,
                user_id=click.user_id,
                now=now,
                source=source,
                thread=thread if thread is not None and thread.pilot_id == pilot.id else None,
            )
    except DomainError as error:
        ack(response_action="errors", errors={ids.FLAG_DESCRIPTION: error.message[:2000]})
        return
    ack()


def _form_pilot(session: Session, click: Click, channel_id: str) -> Pilot:
    if click.value:  # from a check-in's button: the pilot it names
        return load_pilot(session, click, parse_id(click.parts(1)[0]))
    pilot = pilot_for_channel(session=session, workspace=click.workspace, channel_id=channel_id)
    if pilot is None:
        raise Refusal("This channel has no pilot any more.")
    return pilot


def flag_from_reply(
    client: WebClient, services: Services, team_id: str, channel: str, message: dict[str, Any]
) -> None:
    """A check-in reply that starts with ``flag:`` or the flag emoji raises a flag (once,
    however often Slack delivers it). Called by the check-in listener after it stored
    the reply; anything that is not a check-in reply is left alone."""
    what = reply_flag(unescape(str(message.get("text") or "")))
    if what is None:
        return
    ts, user_id = str(message.get("ts", "")), str(message.get("user", ""))
    with services.work() as session:
        stored = reply_at(session=session, team_id=team_id, channel_id=channel, ts=ts)
        pilot = session.get(Pilot, stored.pilot_id) if stored is not None else None
        if stored is None or pilot is None or pilot.state == PilotState.ENDED:
            return
        thread_ts = stored.thread_ts
        if what.description:
            _new_flag(
                session,
                pilot,
                what,
                user_id=user_id,
                now=services.clock.now(),
                source=FlagSource.REPLY,
                thread=_thread_of(stored.pilot_id, stored.day, team_id, channel, thread_ts),
                message_ts=ts,
            )
    if not what.description:
        _tell_in_thread(client, channel, user_id, thread_ts, empty_reply_flag())


def _thread_of(pilot_id: int, day: date, team_id: str, channel: str, ts: str) -> CheckinThread:
    return CheckinThread(pilot_id=pilot_id, day=day, team_id=team_id, channel_id=channel, ts=ts)


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
def reaction_added(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    """:triangular_flag_on_post: on a check-in reply turns the reply into a flag (raised by
    whoever added it). Other reactions, and reactions to anything else, change nothing."""
    item = event.get("item") or {}
    if event.get("reaction") != FLAG_EMOJI or item.get("type") != "message":
        return
    user_id = str(event.get("user", ""))
    if not user_id or user_id == context.get("bot_user_id"):
        return
    services: Services = context["services"]
    team_id = context.get("team_id") or body.get("team_id", "")
    channel, ts = str(item.get("channel", "")), str(item.get("ts", ""))
    with services.work() as session:
        stored = reply_at(session=session, team_id=team_id, channel_id=channel, ts=ts)
        if stored is None:
            return
        pilot = session.get(Pilot, stored.pilot_id)
        if pilot is None or pilot.state == PilotState.ENDED:
            return
        # Stored as Slack sent it (&lt; &gt; &amp;): the issue log keeps it as typed.
        said = reply_flag(unescape(stored.text))
        text = (
            unescape(stored.text).strip()
            or f"(<@{stored.user_id}>'s check-in, {stored.status or 'no text'})"
        )
        what = (
            said
            if said is not None and said.description
            else FlagInput(DEFAULT_SEVERITY, DEFAULT_CATEGORY, parse_description(text[:2000]))
        )
        _new_flag(
            session,
            pilot,
            what,
            user_id=user_id,
            now=services.clock.now(),
            source=FlagSource.REACTION,
            thread=_thread_of(stored.pilot_id, stored.day, team_id, channel, stored.thread_ts),
            message_ts=ts,
        )


# ----- acknowledging and resolving ---------------------------------------------------------------


def _flag_to_handle(session: Session, pilot: Pilot, number: int, user_id: str, action: str) -> Flag:
    """F-<number> of ``pilot``, locked, if ``user_id`` may ``action`` it."""
    assert pilot.id is not None
    roles = roles_of(session=session, pilot_id=pilot.id, user_id=user_id)
    if not may_handle(user_id=user_id, owner_id=pilot.owner_id, roles=roles):
        raise Refusal(not_allowed(pilot.owner_id, action))
    flag = flag_by_number(session=session, pilot_id=pilot.id, number=number, lock=True)
    if flag is None:
        raise Refusal(unknown_flag(number, flag_numbers(session=session, pilot_id=pilot.id)))
    return flag


def _acknowledge(
    session: Session, pilot: Pilot, number: int, user_id: str, now: datetime
) -> FlagPost:
    flag = _flag_to_handle(session, pilot, number, user_id, "acknowledge")
    try:
        acknowledge_flag(session=session, flag=flag, user_id=user_id, at=now)
    except DomainError as error:
        raise Refusal(error.message) from None
    post = FlagPost.of(flag, pilot)
    _owe_progress(session, pilot, flag, acknowledged_line(post.record), "acknowledged", now)
    return post


def _resolve(
    session: Session, pilot: Pilot, number: int, user_id: str, resolution: str, now: datetime
) -> FlagPost:
    flag = _flag_to_handle(session, pilot, number, user_id, "resolve")
    try:
        resolve_flag(session=session, flag=flag, user_id=user_id, resolution=resolution, at=now)
    except DomainError as error:
        raise Refusal(error.message) from None
    post = FlagPost.of(flag, pilot)
    _owe_progress(session, pilot, flag, resolved_line(post.record), "resolved", now)
    return post


@answers_with_usage(catalog.ACK)
def ack_command(request: CommandRequest) -> Reply | None:
    number = parse_flag_ref(request.parsed.args["flag"])
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        post = _acknowledge(session, pilot, number, request.user_id, request.services.clock.now())
    text = f"You acknowledged {post.record.ref}; its thread says so."
    return Reply(text=text, blocks=[section(text)])


@answers_with_usage(catalog.RESOLVE)
def resolve_command(request: CommandRequest) -> Reply | None:
    number = parse_flag_ref(request.parsed.args["flag"])
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        post = _resolve(
            session,
            pilot,
            number,
            request.user_id,
            request.parsed.rest,
            request.services.clock.now(),
        )
    text = f"You resolved {post.record.ref}; the issue log keeps the resolution."
    return Reply(text=text, blocks=[section(text)])


@on_button
def acknowledge_button(click: Click, client: WebClient, respond: Respond) -> None:
    pilot_id, number = click.parts(2)
    with click.services.work() as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        _acknowledge(session, pilot, parse_id(number), click.user_id, click.services.clock.now())


@guarded
def open_resolve_form(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: dict[str, Any],
    respond: Respond,
) -> None:
    """Resolve: the form asking for the resolution opens first (the trigger lives 3 s);
    if this person may not, or the flag is resolved already, it turns into the answer."""
    ack()
    click = Click.of(body, context, str(action.get("value", "")))
    pilot_id, number = (parse_id(part) for part in click.parts(2))
    opened = client.views_open(
        trigger_id=click.trigger_id, view=resolve_modal(pilot_id=pilot_id, number=number)
    )
    try:
        with unit_of_work(click.services.engine) as session:
            pilot = load_pilot(session, click, pilot_id)
            flag = _flag_to_handle(session, pilot, number, click.user_id, "resolve")
            if not record_of(flag).is_open:
                raise Refusal(
                    f"{flag_ref(number)} was resolved already by <@{flag.resolved_by}>:"
                    f" {flag.resolution}"
                )
    except DomainError as error:
        view = opened["view"]
        client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=notice_modal(f"Resolve {flag_ref(number)}", error.message),
        )


@on_submit
def submit_resolve_form(submission: Submission, ack: Ack, client: WebClient) -> None:
    click = submission.click
    resolution = submission.lines(ids.FLAG_RESOLUTION)
    if not resolution:
        ack(
            response_action="errors",
            errors={ids.FLAG_RESOLUTION: "Say how it was resolved: the issue log keeps it."},
        )
        return
    try:
        pilot_id, number = click.parts(2)
        with click.services.work() as session:
            pilot = load_pilot(session, click, parse_id(pilot_id))
            _resolve(
                session,
                pilot,
                parse_id(number),
                click.user_id,
                resolution,
                click.services.clock.now(),
            )
    except DomainError as error:
        ack(response_action="errors", errors={ids.FLAG_RESOLUTION: error.message[:2000]})
        return
    ack()


# ----- reading ---------------------------------------------------------------------------------


@answers_with_usage(catalog.FLAGS)
def flags_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        flags = list(open_flags_of(session=session, pilot_id=pilot.id))
        # The escalation timer's word on each flag (handlers/escalation.py).
        levels = levels_of(session=session, pilot=pilot, flags=flags)
        records = [record_of(flag) for flag in flags]
        return flags_reply(
            pilot.name,
            records,
            now=request.services.clock.now(),
            levels=levels,
            page=parse_page(request.parsed.options.get("page")),
        )


def _show(request: CommandRequest, number: int) -> Reply:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        flag = flag_by_number(session=session, pilot_id=pilot.id, number=number)
        if flag is None:
            raise Refusal(unknown_flag(number, flag_numbers(session=session, pilot_id=pilot.id)))
        zone = ZoneInfo(pilot.tz)
        return flag_history_reply(
            record_of(flag),
            zone=zone,
            now=request.services.clock.now(),
            timeline=timeline_of(session=session, flag=flag, pilot=pilot),
        )


def register(app: App) -> None:
    app.event("reaction_added")(reaction_added)
    app.action(ids.CHECKIN_FLAG_ISSUE)(open_raise_form)
    app.view(ids.FLAG_MODAL)(submit_raise_form)
    app.action(ids.FLAG_ACKNOWLEDGE)(acknowledge_button)
    app.action(ids.FLAG_RESOLVE)(open_resolve_form)
    app.view(ids.FLAG_RESOLVE_MODAL)(submit_resolve_form)
