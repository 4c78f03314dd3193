"""Send the bot signed requests exactly as Slack does: commands, events, interactions."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, Unpack
from urllib.parse import urlencode

from slack_emulator import payloads
from slack_emulator.payloads import AppContext, Payload, now_ts

if TYPE_CHECKING:
    from slack_emulator.server import SlackEmulator

TIMEOUT = 10.0
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
# Where response_url / trigger_id point without an emulator: nothing listens on port 9.
_DUMMY_RESPONSE_URL = "http://127.0.0.1:9/response/{team}/0/dummy"


class SendOptions(TypedDict, total=False):
    """Options accepted by every send: a fixed ``timestamp``, a forged ``signature``, and
    extra ``headers`` such as ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason``."""

    timestamp: int | None
    signature: str | None
    headers: dict[str, str] | None


@dataclass(frozen=True)
class Response:
    """The bot's HTTP answer (error statuses included)."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """A response header, looked up case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class SlackSender:
    """Plays Slack's side towards the bot's request URL (e.g. ``.../slack/events``).

    Signs every request with the v0 scheme. With an ``emulator`` attached, response_urls
    and trigger_ids come from it, payloads use its stored messages and views, and
    :meth:`post_user_message` also stores the message in its history.
    """

    def __init__(self, bot_url: str, signing_secret: str, *, team_id: str = "T0001",
                 enterprise_id: str | None = None, api_app_id: str = "A0001",
                 emulator: SlackEmulator | None = None,
                 verification_token: str = "verification-token-0001",  # noqa: S107
                 team_domain: str | None = None, bot_user_id: str | None = None) -> None:
        if not bot_url.startswith(("http://", "https://")):
            raise ValueError(f"bot_url must be an http(s) URL, not {bot_url!r}")
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.emulator = emulator
        self.ctx = AppContext(
            team_id=team_id,
            team_domain=team_domain or (emulator.team_domain if emulator else "pilot-test"),
            api_app_id=api_app_id, token=verification_token, enterprise_id=enterprise_id,
            enterprise_name=f"{enterprise_id} Grid" if enterprise_id else None,
            bot_user_id=bot_user_id or (emulator.bot_user_id if emulator else "UBOT"))
        # Never route 127.0.0.1 through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # ----- signing and sending -------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int) -> str:
        """``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<body>`` with the signing secret."""
        base = b"v0:" + str(timestamp).encode() + b":" + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return f"v0={digest}"

    def send(self, body: bytes, content_type: str, **opts: Unpack[SendOptions]) -> Response:
        """POST raw bytes to the bot, signed (unless ``signature`` forges one)."""
        timestamp = opts.get("timestamp")
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type, "User-Agent": USER_AGENT,
                   "X-Slack-Request-Timestamp": str(timestamp),
                   "X-Slack-Signature": opts.get("signature") or self.sign(body, timestamp)}
        headers.update(opts.get("headers") or {})
        # bot_url is checked to be http(s) in __init__.
        request = urllib.request.Request(self.bot_url, data=body, headers=headers,  # noqa: S310
                                         method="POST")
        try:
            with self._opener.open(request, timeout=TIMEOUT) as answer:
                return Response(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers.items()), error.read())

    def _send_json(self, body: Payload, opts: SendOptions) -> Response:
        return self.send(json.dumps(body).encode(), "application/json", **opts)

    # ----- slash commands, events, interactions --------------------------------------------

    def command(self, text: str, *, user_id: str = "U0001", channel_id: str = "C0001",
                command: str = "/pilot", user_name: str | None = None,
                channel_name: str | None = None, trigger_id: str | None = None,
                response_url: str | None = None, **opts: Unpack[SendOptions]) -> Response:
        """Send a slash command (form-encoded, as Slack does).

        ``user_name``/``channel_name`` default to the emulator's names, else
        ``alice``/``pilot-acme``.
        """
        names = self.emulator.names() if self.emulator else {}
        fields: list[tuple[str, str]] = [("token", self.ctx.token),
                                         ("team_id", self.ctx.team_id),
                                         ("team_domain", self.ctx.team_domain)]
        if self.ctx.enterprise_id:
            fields += [("enterprise_id", self.ctx.enterprise_id),
                       ("enterprise_name", self.ctx.enterprise_name or "")]
        fields += [
            ("channel_id", channel_id),
            ("channel_name", channel_name or names.get(channel_id, "pilot-acme")),
            ("user_id", user_id), ("user_name", user_name or names.get(user_id, "alice")),
            ("command", command), ("text", text), ("api_app_id", self.ctx.api_app_id),
            ("is_enterprise_install", "false"),
            ("response_url", response_url or self._response_url(channel_id, user_id)),
            ("trigger_id", trigger_id or self._trigger_id()),
        ]
        return self.send(urlencode(fields).encode(), "application/x-www-form-urlencoded",
                         **opts)

    def event(self, event: Payload, *, event_id: str | None = None,
              event_time: int | None = None, **opts: Unpack[SendOptions]) -> Response:
        """Deliver an Events API event in its ``event_callback`` envelope."""
        event = dict(event)
        user = event.get("user")
        if isinstance(user, str) and self._team_of(user) != self.ctx.team_id:
            # A Slack Connect member: their organisation rides along as user_team.
            event.setdefault("user_team", self._team_of(user))
            event["team"] = self._team_of(user)
        body = payloads.envelope(self.ctx, event, event_id=event_id, event_time=event_time)
        if "user_team" in event:
            body["is_ext_shared_channel"] = True
        return self._send_json(body, opts)

    def app_uninstalled(self, **opts: Unpack[SendOptions]) -> Response:
        """Tell the bot it was uninstalled from this sender's workspace."""
        return self.event(payloads.app_uninstalled_event(), **opts)

    def tokens_revoked(self, *, bot: list[str] | None = None, oauth: list[str] | None = None,
                       **opts: Unpack[SendOptions]) -> Response:
        """Tell the bot tokens of this sender's workspace were revoked (``bot``: bot users)."""
        return self.event(payloads.tokens_revoked_event(bot=bot, oauth=oauth), **opts)

    def url_verification(self, challenge: str, **opts: Unpack[SendOptions]) -> Response:
        """Send the ``url_verification`` handshake."""
        body = {"token": self.ctx.token, "challenge": challenge, "type": "url_verification"}
        return self._send_json(body, opts)

    def interactive(self, payload: Payload, **opts: Unpack[SendOptions]) -> Response:
        """Send an interactive payload as Slack does: form body ``payload=<json>``."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.send(body, "application/x-www-form-urlencoded", **opts)

    def post_user_message(self, channel: str, user: str, text: str, *,
                          thread_ts: str | None = None,
                          **opts: Unpack[SendOptions]) -> tuple[str, Response]:
        """A person writes a message: stored in the emulator (if any), then delivered to the
        bot as a ``message`` event. Returns the message ts and the bot's response."""
        if self.emulator is not None:
            stored = self.emulator.add_user_message(channel, user, text, thread_ts=thread_ts)
            event = payloads.message_event(
                stored["channel"], user, text, ts=stored["ts"],
                thread_ts=stored.get("thread_ts"), channel_type=stored["channel_type"],
                team_id=self.ctx.team_id, parent_user_id=stored.get("parent_user_id"))
        else:
            event = self.message_event(channel, user, text, thread_ts=thread_ts)
        return event["ts"], self.event(event, **opts)

    # ----- event builders ------------------------------------------------------------------

    def message_event(self, channel: str, user: str, text: str, *, ts: str | None = None,
                      thread_ts: str | None = None,
                      channel_type: str | None = None) -> Payload:
        """A ``message`` event; ``channel_type`` defaults from the channel id prefix."""
        return payloads.message_event(channel, user, text, ts=ts, thread_ts=thread_ts,
                                      channel_type=channel_type or _channel_type(channel),
                                      team_id=self.ctx.team_id)

    def message_changed_event(self, channel: str, user: str, ts: str, text: str, *,
                              previous_text: str = "") -> Payload:
        """A ``message_changed`` event (a person edited their message)."""
        return payloads.message_changed_event(channel, user, ts, text,
                                              previous_text=previous_text,
                                              channel_type=_channel_type(channel),
                                              team_id=self.ctx.team_id)

    def message_deleted_event(self, channel: str, ts: str, *, user: str | None = None,
                              previous_text: str = "") -> Payload:
        """A ``message_deleted`` event."""
        return payloads.message_deleted_event(channel, ts, user=user,
                                              previous_text=previous_text,
                                              channel_type=_channel_type(channel))

    def reaction_added_event(self, user: str, reaction: str, channel: str, ts: str,
                             item_user: str) -> Payload:
        """A ``reaction_added`` event."""
        return payloads.reaction_added_event(user, reaction, channel, ts, item_user)

    def app_home_opened_event(self, user: str) -> Payload:
        """An ``app_home_opened`` event (with the published Home view, if any)."""
        if self.emulator is None:
            return payloads.app_home_opened_event(user, "D" + user.lstrip("UW"))
        return payloads.app_home_opened_event(user, self.emulator.dm_channel(user),
                                              view=self.emulator.home_view(user))

    # ----- interactive payload builders ----------------------------------------------------

    def block_actions(self, action_id: str, value: str, *, user_id: str = "U0001",
                      channel_id: str = "C0001", message_ts: str | None = None,
                      container: Payload | None = None, trigger_id: str | None = None,
                      response_url: str | None = None, block_id: str | None = None,
                      view_id: str | None = None) -> Payload:
        """A ``block_actions`` payload: the user clicked ``action_id`` (a button's ``value``).

        With ``message_ts`` the stored message is included and the clicked element is
        looked up in its blocks; with ``view_id`` the click happened in that view.
        """
        view = self.emulator.views.get(view_id) if self.emulator and view_id else None
        message = (self.emulator.message(channel_id, message_ts)
                   if self.emulator and message_ts else None)
        found_block, element = payloads.find_element(
            (view or message or {}).get("blocks") or [], action_id)
        body: Payload = {
            "type": "block_actions", "user": self._user(user_id),
            "api_app_id": self.ctx.api_app_id, "token": self.ctx.token,
            "container": container, "trigger_id": trigger_id or self._trigger_id(),
            "team": self.ctx.team, "enterprise": self.ctx.enterprise,
            "is_enterprise_install": False,
            "actions": [payloads.action(action_id, value, block_id or found_block
                                        or payloads.random_id("", 5), element)],
        }
        if view_id:
            body["container"] = container or {"type": "view", "view_id": view_id}
            body["view"] = view or payloads.default_view(self.ctx, view_id, "", "")
            body["state"] = {"values": {}}
            return body
        if container is None:
            container = ({"type": "message", "message_ts": message_ts,
                          "channel_id": channel_id, "is_ephemeral": False}
                         if message_ts else {"type": "message", "channel_id": channel_id})
        body["container"] = container
        names = self.emulator.names() if self.emulator else {}
        body["channel"] = {"id": channel_id, "name": names.get(channel_id, channel_id)}
        if message_ts:
            body["message"] = message or {"type": "message", "ts": message_ts, "text": ""}
        body["state"] = {"values": {}}
        body["response_url"] = response_url or self._response_url(channel_id, user_id,
                                                                  message_ts)
        return body

    def view_submission(self, callback_id: str, state_values: dict[str, Any], *,
                        user_id: str = "U0001", private_metadata: str = "",
                        view_id: str | None = None,
                        enterprise_in_team: bool = False) -> Payload:
        """A ``view_submission`` payload: the user submitted a modal with ``state_values``
        (Slack's ``{block_id: {action_id: {"type": ..., "value": ...}}}`` shape).

        A Slack Connect member's submission names *their* organisation in ``team`` (and
        ``enterprise``); the installation is only in ``view.app_installed_team_id``.
        ``enterprise_in_team``: the enterprise only as ``team.enterprise_id`` (the shape of
        bolt-python's Enterprise Grid sample)."""
        stored = self.emulator.views.get(view_id) if self.emulator and view_id else None
        view = stored or payloads.default_view(self.ctx, view_id or payloads.random_id("V"),
                                               callback_id, private_metadata)
        view = copy.deepcopy(view)
        view["callback_id"] = callback_id
        view["private_metadata"] = private_metadata or view.get("private_metadata", "")
        view["state"] = {"values": copy.deepcopy(state_values)}
        team: Payload | None = self.ctx.team
        enterprise = self.ctx.enterprise
        their_team = self._team_of(user_id)
        if their_team != self.ctx.team_id:
            user = (self.emulator.users() if self.emulator else {}).get(user_id) or {}
            team = {"id": their_team, "domain": their_team.lower()}
            theirs = user.get("enterprise_id")
            enterprise = {"id": theirs, "name": theirs} if theirs else None
            view["app_installed_team_id"] = self.ctx.team_id
        body: Payload = {
            "type": "view_submission", "team": team, "user": self._user(user_id),
            "api_app_id": self.ctx.api_app_id, "token": self.ctx.token,
            "trigger_id": self._trigger_id(), "view": view, "response_urls": [],
            "is_enterprise_install": False, "enterprise": enterprise}
        if enterprise_in_team and self.ctx.enterprise_id:
            body["enterprise"] = None
            body["team"] = {**(team or {}), "enterprise_id": self.ctx.enterprise_id}
        return body

    # ----- helpers -------------------------------------------------------------------------

    def _user(self, user_id: str) -> Payload:
        name = (self.emulator.names() if self.emulator else {}).get(user_id, user_id.lower())
        return payloads.user_ref(user_id, name, self._team_of(user_id))

    def _team_of(self, user_id: str) -> str:
        """The user's own organisation (another one's, for a Slack Connect member)."""
        user = (self.emulator.users() if self.emulator else {}).get(user_id) or {}
        return str(user.get("team_id") or self.ctx.team_id)

    def _response_url(self, channel_id: str, user_id: str,
                      message_ts: str | None = None) -> str:
        if self.emulator is None:
            return _DUMMY_RESPONSE_URL.format(team=self.ctx.team_id)
        return self.emulator.new_response_url(channel_id=channel_id, user_id=user_id,
                                              message_ts=message_ts)

    def _trigger_id(self) -> str:
        if self.emulator is None:
            return f"{int(time.time() * 1000)}.0.{payloads.random_id('', 32).lower()}"
        return self.emulator.new_trigger_id()


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


__all__ = ["Response", "SendOptions", "SlackSender", "now_ts"]
