"""The emulated workspace: channels, users, message history, views, triggers.

Nothing here is thread-safe on its own: :class:`~slack_emulator.server.SlackEmulator`
holds one lock around every use of a :class:`Workspace`.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from slack_emulator.canvases import Canvas
    from slack_emulator.files import File

Message = dict[str, Any]

# Slack refuses a response_url after 5 uses or 30 minutes.
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL = 30 * 60.0


class SlackError(Exception):
    """An ``{"ok": false, "error": ...}`` answer raised by a Web API method handler."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key for a Slack ts such as ``"1764158400.000100"`` (also ``"0"`` or ``"17.5"``)."""
    seconds, _, frac = str(ts).partition(".")
    try:
        return int(seconds or 0), int((frac + "000000")[:6])
    except ValueError as exc:
        raise SlackError("invalid_ts_latest") from exc


class TsClock:
    """Issues Slack-style message timestamps: from real time, strictly increasing."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        """Return a new ts, later than every ts this clock issued before."""
        micros = max(time.time_ns() // 1000, self._last + 1)
        self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


@dataclass
class Channel:
    """A conversation: public/private channel, DM (``is_im``) or group DM (``is_mpim``)."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_ext_shared: bool = False
    is_member: bool = True
    members: list[str] | None = None
    user: str | None = None  # the other party of a DM
    created: int = field(default_factory=lambda: int(time.time()))
    team_id: str | None = None  # the workspace whose tokens alone reach it (None: any)

    def info(self) -> dict[str, Any]:
        """This channel as ``conversations.info`` shows it."""
        base: dict[str, Any] = {"id": self.id, "created": self.created, "is_org_shared": False}
        if self.is_im:
            return {**base, "is_im": True, "user": self.user, "is_user_deleted": False,
                    "priority": 0}
        return {
            **base,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_mpim,
            "is_archived": False,
            "is_general": False,
            "is_shared": self.is_ext_shared,
            "is_ext_shared": self.is_ext_shared,
            "is_pending_ext_shared": False,
            "is_member": self.is_member,
            "num_members": len(self.members or []),
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    @property
    def channel_type(self) -> str:
        """The ``channel_type`` Slack puts in message events for this conversation."""
        if self.is_im:
            return "im"
        if self.is_mpim:
            return "mpim"
        return "group" if self.is_private else "channel"


@dataclass
class Trigger:
    """A ``trigger_id``: usable once, until ``expires_at`` (monotonic; None = never)."""

    id: str
    expires_at: float | None
    used: bool = False


@dataclass
class ResponseUrl:
    """A ``response_url`` handed to the bot, tied to a channel, a user and maybe a message."""

    id: str
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    created: float = field(default_factory=time.monotonic)
    uses: int = 0


@dataclass(frozen=True)
class ResponsePost:
    """One accepted POST to a response_url."""

    url: str
    channel_id: str | None
    user_id: str | None
    payload: dict[str, Any]
    ts: str | None  # set when the post landed in channel history

    @property
    def ephemeral(self) -> bool:
        """True unless the post asked for ``response_type: in_channel``."""
        return self.payload.get("response_type") != "in_channel"


class Workspace:
    """All the state of one emulated Slack workspace."""

    def __init__(self, *, team_id: str, team_name: str, team_domain: str, bot_user_id: str,
                 bot_id: str, app_id: str, bot_name: str) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_name = bot_name
        # Who is answering now: the workspace of the call's token (installs.acting_as).
        self.enterprise_id: str | None = None
        self.org_wide = False
        self.clock = TsClock()
        self.users: dict[str, dict[str, Any]] = {}
        # Users conversations.open refuses, with the error (external members of a Slack
        # Connect channel: invalid_user_combination, user_not_visible, ...).
        self.dm_refusals: dict[str, str] = {}
        self.channels: dict[str, Channel] = {}
        self.missing: set[str] = set()
        self.history: dict[str, list[Message]] = {}
        self.ephemerals: list[Message] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.response_posts: list[ResponsePost] = []
        self.files: dict[str, File] = {}  # uploads, by file id (slack_emulator/files.py)
        self.upload_base = ""  # http://127.0.0.1:<port>, where upload URLs point
        self.canvases: dict[str, Canvas] = {}  # by canvas id (slack_emulator/canvases.py)
        self.channel_canvases_allowed = True  # False: a plan without channel canvases
        self.missing_scopes: set[str] = set()  # scopes the app was not granted
        self._serial = 0
        self.add_user(bot_user_id, bot_name, real_name=bot_name, is_bot=True)

    def serial(self) -> int:
        """A counter for ids that only need to be unique in this workspace."""
        self._serial += 1
        return self._serial

    # ----- users ---------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, *, real_name: str | None = None,
                 team_id: str | None = None, tz: str = "America/New_York",
                 is_bot: bool = False, email: str | None = None,
                 deleted: bool = False) -> dict[str, Any]:
        """Register (or replace) a user as ``users.info`` returns it."""
        real = real_name or name
        profile: dict[str, Any] = {
            "display_name": name, "display_name_normalized": name,
            "real_name": real, "real_name_normalized": real, "team": team_id or self.team_id,
        }
        if email:
            profile["email"] = email
        if is_bot and user_id == self.bot_user_id:
            profile["bot_id"] = self.bot_id
        external = bool(team_id) and team_id != self.team_id
        if external:
            # Slack Connect: another organisation's member, with less of a profile.
            profile.pop("email", None)
        user = {
            "id": user_id, "team_id": team_id or self.team_id, "name": name, "deleted": deleted,
            "real_name": real, "tz": tz, "tz_label": tz, "tz_offset": _tz_offset(tz),
            "is_bot": is_bot, "is_admin": False, "is_owner": False, "is_app_user": False,
            "updated": int(time.time()), "profile": profile,
        }
        if external:
            user["is_stranger"] = True
            user.pop("tz_label", None)
        self.users[user_id] = user
        return user

    def user(self, user_id: str) -> dict[str, Any]:
        """The registered user, or ``user_not_found``."""
        try:
            return self.users[user_id]
        except KeyError:
            raise SlackError("user_not_found") from None

    # ----- channels ------------------------------------------------------------------------

    def add_channel(self, channel_id: str, *, name: str | None = None, is_private: bool = False,
                    is_ext_shared: bool = False, members: list[str] | None = None,
                    is_member: bool = True, team_id: str | None = None) -> Channel:
        """Define (or redefine) a channel (``team_id``: only that workspace's tokens see it)."""
        self.missing.discard(channel_id)
        channel = Channel(channel_id, name or channel_id.lower(), is_private=is_private,
                          is_ext_shared=is_ext_shared, is_member=is_member,
                          members=list(members) if members is not None else None,
                          team_id=team_id)
        self.channels[channel_id] = channel
        return channel

    def remove_channel(self, channel_id: str) -> None:
        """Make the channel unknown: every method answers ``channel_not_found`` for it."""
        self.channels.pop(channel_id, None)
        self.missing.add(channel_id)

    def dm_id(self, user_ids: list[str]) -> str:
        """The stable DM (or group DM) id between the bot and these users."""
        users = sorted(set(user_ids) - {self.bot_user_id}) or [self.bot_user_id]
        digest = hashlib.sha1(",".join(users).encode(), usedforsecurity=False).hexdigest()
        prefix = "D" if len(users) == 1 else "G"
        channel_id = prefix + digest[:10].upper()
        if channel_id not in self.channels:
            if len(users) == 1:
                self.channels[channel_id] = Channel(channel_id, channel_id, is_im=True,
                                                    user=users[0],
                                                    members=[users[0], self.bot_user_id])
            else:
                name = "mpdm-" + "--".join(users) + "-1"
                self.channels[channel_id] = Channel(channel_id, name, is_mpim=True,
                                                    members=[*users, self.bot_user_id])
        return channel_id

    def resolve(self, channel: Any, *, create: bool = True) -> Channel:
        """Find a channel by id, ``#name`` or user id (its DM); auto-create unknown ids."""
        if not channel or not isinstance(channel, str):
            raise SlackError("channel_not_found")
        if channel.startswith("#"):
            for known in self.channels.values():
                if known.name == channel[1:]:
                    return known
            raise SlackError("channel_not_found")
        if channel[0] in "UW" and channel not in self.channels:
            return self.channels[self.dm_id([channel])]
        if channel in self.missing:
            raise SlackError("channel_not_found")
        if channel not in self.channels:
            if not create or channel[0] not in "CGD":
                raise SlackError("channel_not_found")
            if channel[0] == "D":
                self.channels[channel] = Channel(channel, channel, is_im=True)
            else:
                self.add_channel(channel, is_private=channel[0] == "G")
        return self.channels[channel]

    # ----- messages ------------------------------------------------------------------------

    def messages_in(self, channel_id: str) -> list[Message]:
        """The live (mutable) list of every message in a channel, oldest first."""
        return self.history.setdefault(channel_id, [])

    def find_message(self, channel_id: str, ts: Any) -> Message:
        """The message with this ts, or ``message_not_found``."""
        for message in self.messages_in(channel_id):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def append(self, channel_id: str, message: Message) -> Message:
        """Store a message (its ``ts`` already set) and keep thread bookkeeping current."""
        self.messages_in(channel_id).append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            self.refresh_thread(channel_id, thread_ts)
        return message

    def refresh_thread(self, channel_id: str, thread_ts: str) -> None:
        """Recompute a thread parent's ``reply_count``/``reply_users``/``latest_reply``."""
        try:
            parent = self.find_message(channel_id, thread_ts)
        except SlackError:
            return
        replies = [m for m in self.messages_in(channel_id)
                   if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]
        parent["thread_ts"] = thread_ts
        parent["reply_count"] = len(replies)
        parent["reply_users"] = sorted({str(m.get("user")) for m in replies})
        parent["reply_users_count"] = len(parent["reply_users"])
        parent["latest_reply"] = replies[-1]["ts"] if replies else thread_ts

    def thread_root(self, channel_id: str, thread_ts: str) -> str:
        """The parent ts of a thread, given the ts of the parent or of any reply."""
        for message in self.messages_in(channel_id):
            if message["ts"] == thread_ts:
                return str(message.get("thread_ts") or thread_ts)
        return thread_ts

    def user_message(self, channel: str, user: str, text: str, *,
                     thread_ts: str | None = None,
                     blocks: list[dict[str, Any]] | None = None) -> tuple[Channel, Message]:
        """Store a message written by a person, as Slack would."""
        chan = self.resolve(channel)
        message: Message = {"type": "message", "user": user, "text": text,
                            "ts": self.clock.next(), "team": self.team_id,
                            "client_msg_id": _uuid()}
        if blocks is not None:
            message["blocks"] = blocks
        if thread_ts:
            root = self.thread_root(chan.id, thread_ts)
            message["thread_ts"] = root
            parent = next((m for m in self.messages_in(chan.id) if m["ts"] == root), None)
            if parent is not None:
                message["parent_user_id"] = parent.get("user")
        self.append(chan.id, message)
        return chan, message

    # ----- triggers, views, response urls --------------------------------------------------

    def new_trigger(self, ttl: float | None) -> str:
        """Issue a trigger_id shaped like Slack's."""
        trigger_id = f"{int(time.time() * 1000)}.{self.serial()}.{secrets.token_hex(16)}"
        expires = None if ttl is None else time.monotonic() + ttl
        self.triggers[trigger_id] = Trigger(trigger_id, expires)
        return trigger_id

    def exchange_trigger(self, trigger_id: Any) -> None:
        """Use up a trigger_id, or raise the error Slack would answer."""
        trigger = self.triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if trigger.expires_at is not None and time.monotonic() > trigger.expires_at:
            raise SlackError("expired_trigger_id")
        trigger.used = True

    def new_response_url(self, channel_id: str | None, user_id: str | None,
                         message_ts: str | None) -> str:
        """Register a response_url id (the server turns it into a URL)."""
        url_id = f"{self.team_id}/{self.serial()}/{secrets.token_urlsafe(16)}"
        self.response_urls[url_id] = ResponseUrl(url_id, channel_id, user_id, message_ts)
        return url_id


def _tz_offset(tz: str) -> int:
    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except Exception:  # unknown zone or no tz database: UTC
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


def _uuid() -> str:
    return str(uuid.uuid4())
