"""Issue flags: raised four ways (command, form, check-in reply, reaction), acknowledged and
resolved, and read back (`/pilot flags`, `/pilot flag F-3`).

Each flag is announced in the check-in thread (the reply's, or today's; the channel when
there is none) with Acknowledge and Resolve; each step after that updates the
announcement and adds a line to the flag's thread, all owed through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.blocks import Reply
from bot.blocks.flags import (
    acknowledged_line,
    announcement,
    not_allowed,
    resolved_line,
    unknown_flag,
)
from bot.core.errors import DomainError, Refusal
from bot.core.flags import (
    DEFAULT_CATEGORY,
    DEFAULT_SEVERITY,
    FlagInput,
    FlagRecord,
    FlagSource,
    flag_ref,
    may_handle,
    parse_description,
    reply_flag,
)
from bot.core.grammar import unescape
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_date
from bot.features.access import InChannel, Where, pilot_at
from storage.checkins import CheckinThread, checkin_thread, checkin_thread_of_day, reply_at
from storage.db import Session
from storage.flags import (
    ANNOUNCEMENT_KIND,
    FLAG_UPDATE_KIND,
    acknowledge_flag,
    announcement_key,
    flag_by_number,
    flag_numbers,
    owe_flag_line,
    raise_flag,
    record_of,
    resolve_flag,
)
from storage.models import CheckinReply, Flag, Pilot
from storage.outbox import UPDATE, owe
from storage.pilot_lookup import pilot_by_id
from storage.pilots import pilot_for_channel
from storage.team import roles_of

ENDED = "This pilot has ended, so its issue log takes no new flags."
NO_PILOT_HERE = "This channel has no pilot, so there is no issue log here."


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


@dataclass(frozen=True)
class ReplyFlag:
    """What a check-in reply starting with ``flag:`` came to: the flag raised (None if it
    was one already, or said nothing), and whether it said nothing (then the replier is
    told how, in ``thread_ts``)."""

    post: FlagPost | None
    empty: bool
    thread_ts: str


# ----- raising -----------------------------------------------------------------------------


def raise_from_command(
    *, session: Session, now: datetime, where: Where, user_id: str, what: FlagInput
) -> FlagPost:
    """`/pilot flag <severity> ...`: announced in today's check-in thread, if any."""
    pilot = pilot_at(session=session, where=where)
    post = _new_flag(session, pilot, what, user_id=user_id, now=now, source=FlagSource.COMMAND)
    assert post is not None  # only a reply can be a flag already
    return post


def raise_form_notice(*, session: Session, where: InChannel) -> str | None:
    """Why `/pilot flag`'s form cannot take a flag in this channel, if it cannot."""
    pilot = pilot_for_channel(
        session=session, workspace=where.workspace, channel_id=where.channel_id
    )
    if pilot is None:
        return NO_PILOT_HERE
    return ENDED if pilot.state == PilotState.ENDED else None


def raise_from_form(
    *,
    session: Session,
    now: datetime,
    where: Where,
    user_id: str,
    what: FlagInput,
    source: FlagSource,
    thread_ts: str,
) -> FlagPost:
    """The Flag an issue form (from `/pilot flag` or a check-in's button): announced in
    the check-in thread it was opened from, else today's."""
    try:
        pilot = pilot_at(session=session, where=where)
    except Refusal:
        if isinstance(where, InChannel):
            raise Refusal("This channel has no pilot any more.") from None
        raise
    thread = checkin_thread(
        session=session,
        team_id=where.workspace.team_id,
        channel_id=pilot.channel_id,
        thread_ts=thread_ts,
    )
    post = _new_flag(
        session,
        pilot,
        what,
        user_id=user_id,
        now=now,
        source=source,
        thread=thread if thread is not None and thread.pilot_id == pilot.id else None,
    )
    assert post is not None
    return post


def raise_from_reply(
    *,
    session: Session,
    now: datetime,
    team_id: str,
    channel_id: str,
    ts: str,
    user_id: str,
    text: str,
) -> ReplyFlag | None:
    """A stored check-in reply that starts with ``flag:`` or the flag emoji raises a flag
    (once, however often Slack delivers it). None: not a flag, or not a check-in reply."""
    what = reply_flag(unescape(text))
    if what is None:
        return None
    found = _reply_and_pilot(session, team_id, channel_id, ts)
    if found is None:
        return None
    stored, pilot = found
    if not what.description:
        return ReplyFlag(post=None, empty=True, thread_ts=stored.thread_ts)
    post = _new_flag(
        session,
        pilot,
        what,
        user_id=user_id,
        now=now,
        source=FlagSource.REPLY,
        thread=_thread_of(stored, team_id, channel_id),
        message_ts=ts,
    )
    return ReplyFlag(post=post, empty=False, thread_ts=stored.thread_ts)


def raise_from_reaction(
    *, session: Session, now: datetime, team_id: str, channel_id: str, ts: str, user_id: str
) -> FlagPost | None:
    """The flag emoji added to a check-in reply turns the reply into a flag, raised by
    whoever added it. None: not a check-in reply, or a flag already."""
    found = _reply_and_pilot(session, team_id, channel_id, ts)
    if found is None:
        return None
    stored, pilot = found
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
    return _new_flag(
        session,
        pilot,
        what,
        user_id=user_id,
        now=now,
        source=FlagSource.REACTION,
        thread=_thread_of(stored, team_id, channel_id),
        message_ts=ts,
    )


def _reply_and_pilot(
    session: Session, team_id: str, channel_id: str, ts: str
) -> tuple[CheckinReply, Pilot] | None:
    stored = reply_at(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    pilot = pilot_by_id(session=session, pilot_id=stored.pilot_id) if stored else None
    if stored is None or pilot is None or pilot.state == PilotState.ENDED:
        return None
    return stored, pilot


def _thread_of(stored: CheckinReply, team_id: str, channel_id: str) -> CheckinThread:
    return CheckinThread(
        pilot_id=stored.pilot_id,
        day=stored.day,
        team_id=team_id,
        channel_id=channel_id,
        ts=stored.thread_ts,
    )


def _new_flag(
    session: Session,
    pilot: Pilot,
    what: FlagInput,
    *,
    user_id: str,
    now: datetime,
    source: FlagSource,
    thread: CheckinThread | None = None,
    message_ts: str | None = None,
) -> FlagPost | None:
    """Log the flag and owe its announcement (in the check-in thread, else the channel);
    None when the message was a flag already."""
    if pilot.state == PilotState.ENDED:
        raise Refusal(ENDED)
    if thread is None:
        assert pilot.id is not None
        day: date = local_date(now, ZoneInfo(pilot.tz))
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


# ----- acknowledging and resolving ---------------------------------------------------------


def acknowledge(
    *, session: Session, now: datetime, where: Where, number: int, user_id: str
) -> FlagPost:
    """F-<number> acknowledged: its announcement and its thread say so."""
    pilot = pilot_at(session=session, where=where)
    flag = _flag_to_handle(session, pilot, number, user_id, "acknowledge")
    try:
        acknowledge_flag(session=session, flag=flag, user_id=user_id, at=now)
    except DomainError as error:
        raise Refusal(error.message) from None
    post = FlagPost.of(flag, pilot)
    _owe_progress(session, pilot, flag, acknowledged_line(post.record), "acknowledged", now)
    return post


def resolve(
    *, session: Session, now: datetime, where: Where, number: int, user_id: str, resolution: str
) -> FlagPost:
    """F-<number> resolved: the issue log keeps the resolution; its announcement and its
    thread say so."""
    pilot = pilot_at(session=session, where=where)
    flag = _flag_to_handle(session, pilot, number, user_id, "resolve")
    try:
        resolve_flag(session=session, flag=flag, user_id=user_id, resolution=resolution, at=now)
    except DomainError as error:
        raise Refusal(error.message) from None
    post = FlagPost.of(flag, pilot)
    _owe_progress(session, pilot, flag, resolved_line(post.record), "resolved", now)
    return post


def check_resolvable(*, session: Session, where: Where, number: int, user_id: str) -> None:
    """Refuse, before anything is typed, a resolution this person cannot give."""
    pilot = pilot_at(session=session, where=where)
    flag = _flag_to_handle(session, pilot, number, user_id, "resolve")
    if not record_of(flag).is_open:
        raise Refusal(
            f"{flag_ref(number)} was resolved already by <@{flag.resolved_by}>: {flag.resolution}"
        )


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
