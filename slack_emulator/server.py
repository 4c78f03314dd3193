"""A fake Slack Web API served over real HTTP on 127.0.0.1, for tests and the demo."""

from __future__ import annotations

import contextlib
import copy
import json
import random
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote

from slack_emulator.calls import Call, parse_params
from slack_emulator.canvases import Canvas, add_canvas
from slack_emulator.faults import ChannelRateLimit, Fault, FaultPlan
from slack_emulator.files import UPLOAD_PATH, UPLOAD_URL, UploadedFile, receive, view
from slack_emulator.installs import TOKEN_LIFETIME, Identity, Installs, acting_as
from slack_emulator.limits import message_problem, method_problem
from slack_emulator.marks import DELIVERY_MARK_HEADER, OWED_METHODS, lacks_mark, register
from slack_emulator.methods import METHODS, respond, response_url_error
from slack_emulator.workspace import Message, ResponsePost, SlackError, Workspace

T = TypeVar("T")

__all__ = ["DELIVERY_MARK_HEADER", "OWED_METHODS", "SlackEmulator"]

Answer = tuple[int, dict[str, str], dict[str, Any], float]
# Methods Slack paces at about one message a second per channel, and their channel.
_PACED = {"chat.postMessage": "channel", "files.completeUploadExternal": "channel_id"}


@dataclass
class _Flaky:
    """Random failures in force (see :meth:`SlackEmulator.flaky`)."""

    methods: frozenset[str]
    rate: float
    rng: random.Random
    statuses: tuple[int, ...]
    retry_after: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port: int, emulator: SlackEmulator) -> None:
        self.emulator = emulator
        super().__init__(("127.0.0.1", port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.emulator._serve(self)

    def do_GET(self) -> None:
        self.server.emulator._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class SlackEmulator:
    """A fake Slack workspace and Web API, served by a real HTTP server on 127.0.0.1.

    Point the bot's ``WebClient(base_url=...)`` at :attr:`api_url`. Every request is
    recorded as a :class:`Call`; failures can be scripted with :meth:`fail`,
    :meth:`slow`, :meth:`go_offline` and ``post_rate_per_channel``; tests wait for the
    bot with :meth:`wait_for` rather than sleeping. Thread-safe: one lock guards all state.

    Posts, updates, deletes, DM opens, uploads and public response_url answers that arrive
    without :data:`DELIVERY_MARK_HEADER` are kept apart (:meth:`unmarked_calls`); the test
    suite fails a test that made any, unless ``strict_delivery=False`` or
    :meth:`allow_unmarked`.

    Strict payloads (the default): a message or view that Slack would refuse (over a Block
    Kit limit, a duplicate ``block_id``, an empty text, ... see :mod:`slack_emulator.limits`)
    is answered as Slack answers it (``invalid_blocks`` / ``msg_too_long`` /
    ``invalid_arguments``, with the detail), has no effect, and is kept apart
    (:meth:`refused_calls`). ``strict_payloads=False`` (or :meth:`allow_odd_payloads`) lets
    such payloads through, for a test that sends odd ones on purpose.

    Many workspaces: :meth:`add_workspace`, then :meth:`install_code` for the code Slack's
    authorize page would hand the bot's redirect, which ``oauth.v2.access`` exchanges for that
    workspace's own token (with rotation or without); :meth:`uninstall` revokes them. Each
    call is answered as its token's workspace, and records it (:attr:`Call.team`).
    """

    def __init__(self, *, token: str = "xoxb-test-token", team_id: str = "T0001",  # noqa: S107
                 bot_user_id: str = "UBOT", bot_id: str = "BBOT", latency: float = 0.0,
                 post_rate_per_channel: float | None = None, app_id: str = "A0001",
                 team_name: str = "Pilot Test", team_domain: str = "pilot-test",
                 bot_name: str = "pilot-bot", trigger_ttl: float | None = 3.0,
                 strict_delivery: bool = True, strict_payloads: bool = True,
                 client_id: str = "1111.2222",
                 client_secret: str = "emulator-client-secret") -> None:  # noqa: S107
        self.token = token
        self.latency = latency
        self.trigger_ttl = trigger_ttl  # seconds a new trigger_id lives; None: forever
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._ws = Workspace(team_id=team_id, team_name=team_name, team_domain=team_domain,
                             bot_user_id=bot_user_id, bot_id=bot_id, app_id=app_id,
                             bot_name=bot_name)
        self._installs = Installs(client_id, client_secret, app_id)
        self._installs.add(Identity(team_id, team_name, team_domain, bot_user_id, bot_id), token)
        self._calls: list[Call] = []
        self._unmarked: list[Call] = []  # not cleared by reset_calls()
        self._strict_delivery = strict_delivery
        self._strict_payloads = strict_payloads
        self._refused: list[Call] = []  # not cleared by reset_calls()
        self._faults = FaultPlan()
        self._flaky: _Flaky | None = None
        self._rate = ChannelRateLimit(post_rate_per_channel) if post_rate_per_channel else None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._started = time.monotonic()
        register(self)

    # ----- identity ------------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        """The workspace id."""
        return self._ws.team_id

    @property
    def team_domain(self) -> str:
        """The workspace's subdomain (``<domain>.slack.com``)."""
        return self._ws.team_domain

    @property
    def bot_user_id(self) -> str:
        """The bot's user id."""
        return self._ws.bot_user_id

    @property
    def bot_id(self) -> str:
        """The bot's ``B...`` id."""
        return self._ws.bot_id

    @property
    def app_id(self) -> str:
        """The app's ``A...`` id."""
        return self._ws.app_id

    @property
    def client_id(self) -> str:
        """The app's Client ID (``oauth.v2.access`` checks it)."""
        return self._installs.client_id

    @property
    def client_secret(self) -> str:
        """The app's Client Secret."""
        return self._installs.client_secret

    # ----- more workspaces: installs, tokens, uninstalls -----------------------------------

    def add_workspace(self, team_id: str, *, team_name: str | None = None,
                      team_domain: str | None = None, bot_user_id: str | None = None,
                      bot_id: str | None = None, enterprise_id: str | None = None) -> None:
        """Another workspace the app can be installed in (its bot user gets its own ids)."""
        suffix = team_id.removeprefix("T")
        who = Identity(team_id, team_name or f"Team {suffix}", team_domain or team_id.lower(),
                       bot_user_id or f"UBOT{suffix}", bot_id or f"BBOT{suffix}", enterprise_id)
        with self._changed:
            self._installs.add(who)
            with acting_as(self._ws, who):
                self._ws.add_user(who.bot_user_id, self._ws.bot_name, is_bot=True)

    def install_code(self, team_id: str, *, user_id: str = "U0001", scopes: str | None = None,
                     rotation: bool = False, expires_in: int = TOKEN_LIFETIME,
                     org_wide: bool = False) -> str:
        """The code Slack's authorize page would hand the redirect once ``user_id`` allowed
        the install (``rotation``: the token expires in ``expires_in`` s, with a refresh
        token; ``org_wide``: an Enterprise Grid organisation-wide install)."""
        with self._changed:
            return self._installs.new_code(team_id, user_id=user_id, scopes=scopes,
                                           rotation=rotation, expires_in=expires_in,
                                           org_wide=org_wide)

    def set_refresh_lifetime(self, seconds: int) -> None:
        """How long a token from a refresh grant lives (default 12 hours)."""
        with self._changed:
            self._installs.refresh_expires_in = seconds

    def tokens_of(self, team_id: str) -> list[str]:
        """A workspace's bot tokens that work now (not revoked, not expired)."""
        with self._changed:
            return self._installs.valid_tokens(team_id)

    def token_error(self, token: str) -> str | None:
        """What Slack would answer a call with this token (None: it works)."""
        with self._changed:
            return self._installs.token_error(token)

    def uninstall(self, team_id: str) -> None:
        """The app leaves a workspace: every token of its stops working. (Send the bot
        the ``app_uninstalled`` event with a :class:`SlackSender` for that team.)"""
        with self._changed:
            self._installs.revoke_team(team_id)

    # ----- lifecycle -----------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Bind 127.0.0.1 on an OS-chosen port (the same one again after :meth:`stop`)."""
        if self._server is None:
            self._server = _Server(self._port, self)
            self._port = self._server.server_address[1]
            with self._changed:
                self._ws.upload_base = self.base_url
            # A short poll interval makes stop()/go_offline() return quickly.
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                            name=f"slack-emulator-{self._port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (connections are then refused)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def go_offline(self) -> None:
        """Simulate an outage: close the socket so that connections are refused."""
        self.stop()

    def go_online(self) -> None:
        """End an outage: serve again on the same port."""
        self.start()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port (0 before the first :meth:`start`)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=...)`` / ``SLACK_API_URL``."""
        return f"{self.base_url}/api/"

    # ----- workspace setup -----------------------------------------------------------------

    def add_user(self, user_id: str, name: str, *, real_name: str | None = None,
                 team_id: str | None = None, tz: str = "America/New_York",
                 is_bot: bool = False, email: str | None = None) -> None:
        """Register a user for ``users.info`` (and mention rendering); ``team_id``: a
        workspace of :meth:`add_workspace`'s (or another organisation's, see
        :meth:`add_external_user`)."""
        with self._changed:
            who = self._installs.identities.get(team_id or self.team_id)
            # A member of one of the app's workspaces is at home there, not a stranger.
            with acting_as(self._ws, who) if who is not None else contextlib.nullcontext():
                self._ws.add_user(user_id, name, real_name=real_name, team_id=team_id, tz=tz,
                                  is_bot=is_bot, email=email)

    def add_external_user(self, user_id: str, name: str, *, team_id: str,
                          enterprise_id: str | None = None,
                          dm_refusal: str | None = "invalid_user_combination") -> None:
        """A member of another organisation, in a Slack Connect channel with this workspace:
        ``users.info`` answers with their own ``team_id`` (``is_stranger``, less profile);
        ``conversations.open`` with them answers ``dm_refusal`` (None: DMs work)."""
        with self._changed:
            self._ws.add_user(user_id, name, team_id=team_id)
            if enterprise_id:
                self._ws.users[user_id]["enterprise_id"] = enterprise_id
            if dm_refusal:
                self._ws.dm_refusals[user_id] = dm_refusal
            else:
                self._ws.dm_refusals.pop(user_id, None)

    def add_channel(self, channel_id: str, *, name: str | None = None, is_private: bool = False,
                    is_ext_shared: bool = False, members: list[str] | None = None,
                    is_member: bool = True, team_id: str | None = None) -> None:
        """Define a channel; ``is_member=False`` makes posts answer ``not_in_channel``;
        ``team_id``: only that workspace's tokens reach it (others: ``channel_not_found``)."""
        with self._changed:
            self._ws.add_channel(channel_id, name=name, is_private=is_private,
                                 is_ext_shared=is_ext_shared, members=members,
                                 is_member=is_member, team_id=team_id)

    def remove_channel(self, channel_id: str) -> None:
        """Make a channel answer ``channel_not_found`` from now on."""
        with self._changed:
            self._ws.remove_channel(channel_id)

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's DM with a user (what ``conversations.open`` answers)."""
        with self._changed:
            return self._ws.dm_id([user_id])

    def add_user_message(self, channel: str, user: str, text: str, *,
                         thread_ts: str | None = None,
                         blocks: list[dict[str, Any]] | None = None) -> Message:
        """Store a message written by a person; returns it with ``channel``/``channel_type``."""
        with self._changed:
            chan, message = self._ws.user_message(channel, user, text, thread_ts=thread_ts,
                                                  blocks=blocks)
            self._changed.notify_all()
            return {**copy.deepcopy(message), "channel": chan.id,
                    "channel_type": chan.channel_type}

    def new_trigger_id(self, *, ttl: float | None = None, expires: bool = True) -> str:
        """A fresh trigger_id, valid once for ``ttl`` (default :attr:`trigger_ttl`) seconds."""
        with self._changed:
            if not expires:
                return self._ws.new_trigger(None)
            return self._ws.new_trigger(ttl if ttl is not None else self.trigger_ttl)

    def new_response_url(self, *, channel_id: str | None = None, user_id: str | None = None,
                         message_ts: str | None = None) -> str:
        """A response_url for the bot; in_channel posts to it land in ``channel_id``."""
        with self._changed:
            url_id = self._ws.new_response_url(channel_id, user_id, message_ts)
        return f"{self.base_url}/response/{url_id}"

    # ----- failure injection ---------------------------------------------------------------

    def fail(self, method: str, *, times: int | None = 1, status: int | None = None,
             retry_after: int | None = 1, error: str | None = None,
             where: dict[str, str] | None = None) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"``: any) fail, without effect.

        Default: HTTP 429 ``ratelimited`` with ``Retry-After``. ``status=500/502/503``:
        that status. ``error="..."`` alone: HTTP 200 ``{"ok": false, "error": ...}``.
        ``times=None`` fails until :meth:`clear_faults`. ``where``: only calls with these
        parameter values (``{"users": "U0005"}``).
        """
        if status is None:
            status = 200 if error else 429
        with self._changed:
            self._faults.add(Fault(method, times, status=status, error=error,
                                   retry_after=retry_after if status == 429 else None,
                                   where=where))

    def flaky(self, methods: Collection[str], rate: float, *, seed: int = 0,
              statuses: Sequence[int] = (429, 500, 502, 503), retry_after: int = 1) -> None:
        """Fail a share ``rate`` of the calls to ``methods`` at random (seeded), each with a
        status drawn from ``statuses`` (429 with ``Retry-After``), until :meth:`clear_faults`
        or :meth:`heal`. A failed call has no effect, as with :meth:`fail`."""
        with self._changed:
            self._flaky = _Flaky(frozenset(methods), rate, random.Random(seed),
                                 tuple(statuses), retry_after)

    def heal(self) -> None:
        """End :meth:`flaky` failures (scripted ones stay)."""
        with self._changed:
            self._flaky = None

    def slow(self, method: str, seconds: float, *, times: int | None = 1) -> None:
        """Answer the next ``times`` calls to ``method`` late; the call still takes effect."""
        with self._changed:
            self._faults.add(Fault(method, times, delay=seconds))

    def clear_faults(self) -> None:
        """Cancel every scripted failure (and :meth:`flaky` ones)."""
        with self._changed:
            self._faults.clear()
            self._flaky = None

    # ----- recorded traffic and state ------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every call so far, in order."""
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one method, in order."""
        with self._changed:
            return [c for c in self._calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget the recorded calls (state such as history is kept).

        The calls made without the delivery mark are kept (see :meth:`unmarked_calls`).
        """
        with self._changed:
            self._calls.clear()

    def unmarked_calls(self) -> list[Call]:
        """Every call that owed the delivery mark and lacked it, in order, whatever its
        answer (injected failures included), also those forgotten by :meth:`reset_calls`.

        Owing the mark: a call to one of :data:`OWED_METHODS`, or a response_url post with
        ``response_type: in_channel``, ``replace_original`` or ``delete_original``.
        """
        with self._changed:
            return list(self._unmarked)

    @property
    def strict_delivery(self) -> bool:
        """False once unmarked calls are allowed (the suite-wide check skips this emulator)."""
        with self._changed:
            return self._strict_delivery

    def allow_unmarked(self) -> None:
        """Exempt this emulator from the suite-wide delivery-mark check, for a test that
        sends unmarked calls on purpose. :meth:`unmarked_calls` still lists them."""
        with self._changed:
            self._strict_delivery = False

    def refused_calls(self) -> list[Call]:
        """Every call refused because its payload breaks a limit Slack enforces (see
        :mod:`slack_emulator.limits`), in order, also those forgotten by :meth:`reset_calls`.
        ``call.context["refused"]`` says why (the error and its detail)."""
        with self._changed:
            return list(self._refused)

    @property
    def strict_payloads(self) -> bool:
        """True while payloads Slack would refuse are refused (the default)."""
        with self._changed:
            return self._strict_payloads

    def allow_odd_payloads(self) -> None:
        """From now on accept payloads Slack would refuse (for a test sending them on
        purpose); only the 50-block and 40,000-character limits stay."""
        with self._changed:
            self._strict_payloads = False

    def messages(self, channel: str, *, include_replies: bool = False) -> list[Message]:
        """A channel's history, oldest first (top-level messages and broadcasts only,
        unless ``include_replies``). ``channel`` may be an id, ``#name`` or a user id."""
        with self._changed:
            chan = self._ws.resolve(channel)
            return [copy.deepcopy(m) for m in self._ws.messages_in(chan.id)
                    if include_replies or m.get("thread_ts") in (None, m["ts"])
                    or m.get("subtype") == "thread_broadcast"]

    def message(self, channel: str, ts: str) -> Message | None:
        """One stored message, or None."""
        with self._changed:
            try:
                return copy.deepcopy(self._ws.find_message(self._ws.resolve(channel).id, ts))
            except SlackError:
                return None

    def thread(self, channel: str, ts: str) -> list[Message]:
        """A thread (parent first, then replies, oldest first); [] if there is none."""
        with self._changed:
            chan_id = self._ws.resolve(channel).id
            root = self._ws.thread_root(chan_id, ts)
            return [copy.deepcopy(m) for m in self._ws.messages_in(chan_id)
                    if m["ts"] == root or m.get("thread_ts") == root]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Message]:
        """``chat.postEphemeral`` messages (with ``channel`` and ``recipient``), in order."""
        with self._changed:
            chan_id = self._ws.resolve(channel).id if channel else None
            return [copy.deepcopy(m) for m in self._ws.ephemerals
                    if chan_id in (None, m["channel"]) and user in (None, m["recipient"])]

    def response_posts(self, channel: str | None = None,
                       user: str | None = None) -> list[ResponsePost]:
        """Accepted POSTs to response_urls, in order, optionally filtered."""
        with self._changed:
            return [p for p in self._ws.response_posts
                    if channel in (None, p.channel_id) and user in (None, p.user_id)]

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view opened, pushed, updated or published, by view id."""
        with self._changed:
            return copy.deepcopy(self._ws.views)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The App Home view last published for a user."""
        with self._changed:
            view_id = self._ws.home_views.get(user_id)
            return copy.deepcopy(self._ws.views[view_id]) if view_id else None

    def files(self, channel: str | None = None) -> list[UploadedFile]:
        """Every file whose upload started, in order (``channel``: only those shared
        there), each with its bytes and its shares (channel, thread, message ts)."""
        with self._changed:
            return [view(f) for f in self._ws.files.values()
                    if channel is None or any(s.channel == channel for s in f.shares)]

    def file(self, file_id: str) -> UploadedFile | None:
        """One file, or None."""
        with self._changed:
            found = self._ws.files.get(file_id)
            return view(found) if found is not None else None

    def canvas(self, channel: str) -> str | None:
        """The markdown of the channel's canvas as it now reads, or None without one."""
        with self._changed:
            chan_id = self._ws.resolve(channel).id
            found = [c for c in self._ws.canvases.values() if c.channel_id == chan_id]
            return found[0].markdown if found else None

    def canvases(self) -> list[Canvas]:
        """Every canvas, in order of creation (copies, with their edits)."""
        with self._changed:
            return copy.deepcopy(list(self._ws.canvases.values()))

    def add_channel_canvas(self, channel: str, markdown: str = "", *, title: str = "") -> str:
        """A canvas someone already made in the channel (the bot must leave it alone)."""
        with self._changed:
            canvas = add_canvas(self._ws, self._ws.resolve(channel).id, markdown, title=title,
                                by_bot=False)
            return canvas.id

    def delete_canvas(self, canvas_id: str) -> None:
        """Someone deletes a canvas: it is ``canvas_not_found`` from now on."""
        with self._changed:
            self._ws.canvases.pop(canvas_id, None)

    def forbid_channel_canvases(self) -> None:
        """A workspace on a plan without channel canvases."""
        with self._changed:
            self._ws.channel_canvases_allowed = False

    def revoke_scope(self, scope: str) -> None:
        """The app was not granted ``scope`` (installed before it was asked for): the
        methods that need it answer ``missing_scope`` (canvases:write for now)."""
        with self._changed:
            self._ws.missing_scopes.add(scope)

    def users(self) -> dict[str, dict[str, Any]]:
        """Registered users, by id (the bot included)."""
        with self._changed:
            return copy.deepcopy(self._ws.users)

    def names(self) -> dict[str, str]:
        """Display names by id: users, channels (without ``#``), DMs (the other party)."""
        with self._changed:
            names = {uid: str(u["name"]) for uid, u in self._ws.users.items()}
            for chan in self._ws.channels.values():
                other = names.get(chan.user or "", chan.user) if chan.is_im else None
                names[chan.id] = other or chan.name
            return names

    # ----- waiting -------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[SlackEmulator], T], timeout: float = 5.0) -> T:
        """Block until ``predicate(self)`` is truthy and return its value.

        Re-evaluated whenever a call is recorded (no polling). A predicate raising
        ``AssertionError`` or ``LookupError`` counts as "not yet". On timeout raises
        ``AssertionError`` listing the recent calls.
        """
        deadline = time.monotonic() + timeout
        last_problem = ""
        with self._changed:
            while True:
                try:
                    result = predicate(self)
                    if result:
                        return result
                except (AssertionError, LookupError) as exc:
                    last_problem = f"\nlast check raised {type(exc).__name__}: {exc}"
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    name = getattr(predicate, "__name__", repr(predicate))
                    raise AssertionError(f"wait_for({name}) timed out after {timeout}s"
                                         f"{last_problem}\n{self.dump_calls()}")
                self._changed.wait(remaining)

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls to ``method`` were recorded; return them all."""

        def enough_calls(emulator: SlackEmulator) -> list[Call]:
            calls = emulator.calls_to(method)
            return calls if len(calls) >= count else []

        enough_calls.__name__ = f"{count} x {method}"
        return self.wait_for(enough_calls, timeout)

    def dump_calls(self, last: int = 20) -> str:
        """The last recorded calls, one per line (for failure messages)."""
        with self._changed:
            calls = self._calls[-last:]
            lines = [f"  {c.describe(self._started)}" for c in calls]
            skipped = len(self._calls) - len(calls)
        head = f"recorded calls ({skipped} earlier omitted):" if skipped else "recorded calls:"
        return "\n".join([head, *lines] if lines else ["no calls recorded"])

    # ----- request handling (runs on server threads) ---------------------------------------

    def _serve(self, request: _Handler) -> None:
        path, _, query = request.path.partition("?")
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = dict(request.headers.items())
        if path.startswith("/api/"):
            status, extra, answer, delay = self._api(path[5:], query, body, headers)
        elif path.startswith("/response/"):
            status, extra, answer, delay = self._response_url(unquote(path[10:]), body, headers)
        elif path.startswith(UPLOAD_PATH):
            status, extra, answer, delay = self._upload(unquote(path[len(UPLOAD_PATH):]), body,
                                                        headers)
        else:
            status, extra, answer, delay = 404, {}, {"ok": False, "error": "not_found"}, 0.0
        if delay:
            time.sleep(delay)
        kind = "application/json"
        payload = json.dumps(answer).encode()
        if path.startswith(UPLOAD_PATH) and "answer" in answer:
            kind, payload = "text/plain", str(answer["answer"]).encode()  # as Slack's does
        try:
            request.send_response(status)
            request.send_header("Content-Type", f"{kind}; charset=utf-8")
            request.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out on a slow answer)

    def _api(self, method: str, query: str, body: bytes, headers: dict[str, str]) -> Answer:
        if self.latency:
            time.sleep(self.latency)
        try:
            params = parse_params(query, body, headers.get("Content-Type", ""))
            bad_body = False
        except ValueError:
            params, bad_body = {}, True
        with self._changed:
            context: dict[str, Any] = {}
            if bad_body:
                answer: Answer = (200, {}, {"ok": False, "error": "invalid_json"}, 0.0)
            else:
                answer = self._dispatch(method, params, headers, context)
            self._record(Call(method, params, headers, time.monotonic(), answer[0],
                              answer[2], answer[1], context=context, delay=answer[3]))
        return answer

    def _dispatch(self, method: str, params: dict[str, Any], headers: dict[str, str],
                  context: dict[str, Any]) -> Answer:
        if method == "oauth.v2.access":  # the app's credentials, not a token

            def exchange(_ws: Workspace, given: dict[str, Any]) -> dict[str, Any]:
                return self._installs.oauth_access(given, headers)

            return self._answer(method, exchange, params, context)
        handler = METHODS.get(method)
        if handler is None and method != "auth.revoke":
            return 200, {}, {"ok": False, "error": "unknown_method"}, 0.0
        token = self._token(headers, params)
        auth_error = self._installs.token_error(token) if token else "not_authed"
        if auth_error:
            return 200, {}, {"ok": False, "error": auth_error}, 0.0
        who = self._installs.who(token)
        assert who is not None
        context["team_id"] = who.team_id
        if method == "auth.revoke":
            self._installs.tokens[token].revoked = True
            return 200, {}, {"ok": True, "revoked": True}, 0.0
        channel = self._ws.channels.get(str(params.get("channel") or ""))
        if channel is not None and channel.team_id not in (None, who.team_id):
            return 200, {}, {"ok": False, "error": "channel_not_found"}, 0.0
        with acting_as(self._ws, who):
            return self._answer(method, handler, params, context)

    def _answer(self, method: str, handler: Any, params: dict[str, Any],
                context: dict[str, Any]) -> Answer:
        flaky = self._flaky
        if flaky is not None and method in flaky.methods and flaky.rng.random() < flaky.rate:
            status = flaky.rng.choice(flaky.statuses)
            after = flaky.retry_after if status == 429 else None
            return (*Fault(method, 1, status=status, retry_after=after).answer(), 0.0)
        fault = self._faults.take(method, params)
        if fault is not None and not fault.delay:
            return (*fault.answer(), 0.0)
        now = time.monotonic()
        rate_channel = self._rate_channel(method, params)
        if self._rate and rate_channel and not self._rate.allows(rate_channel, now):
            return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}, 0.0
        problem = method_problem(method, params) if self._strict_payloads else None
        try:
            if problem is not None:
                context["refused"] = str(problem)
                raise problem.slack_error()
            answer = handler(self._ws, params)
        except SlackError as exc:
            answer = {"ok": False, "error": exc.error, **exc.extra}
        if self._rate and rate_channel and answer.get("ok"):
            self._rate.record(rate_channel, now)
        return 200, {}, answer, fault.delay if fault is not None else 0.0

    @staticmethod
    def _token(headers: dict[str, str], params: dict[str, Any]) -> str:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
        return str(token or "")

    def _rate_channel(self, method: str, params: dict[str, Any]) -> str | None:
        if self._rate is None or method not in _PACED:
            return None
        try:
            return self._ws.resolve(params.get(_PACED[method])).id
        except SlackError:
            return None

    def _response_url(self, url_id: str, body: bytes, headers: dict[str, str]) -> Answer:
        url = f"{self.base_url}/response/{url_id}"
        try:
            payload: Any = parse_params("", body, headers.get("Content-Type", "application/json"))
            payload = payload.get("payload", payload)
        except ValueError:
            payload = None
        with self._changed:
            fault = self._faults.take("response_url")
            problem = None
            if self._strict_payloads and response_url_error(self._ws, url_id, payload) is None:
                problem = message_problem(payload)
            if fault is not None and not fault.delay:
                answer: Answer = (*fault.answer(), 0.0)
                problem = None
            elif problem is not None:
                answer = (400, {}, problem.answer(), fault.delay if fault is not None else 0.0)
            else:
                status, result = respond(self._ws, url_id, url, payload)
                answer = (status, {}, result, fault.delay if fault is not None else 0.0)
            target = self._ws.response_urls.get(url_id)
            posts = self._ws.response_posts
            context = {"url": url, "channel": target.channel_id if target else None,
                       "user": target.user_id if target else None,
                       "ts": posts[-1].ts if answer[0] == 200 and posts else None}
            if problem is not None:
                context["refused"] = str(problem)
            params = payload if isinstance(payload, dict) else {}
            self._record(Call("response_url", params, headers, time.monotonic(), answer[0],
                              answer[2], answer[1], context=context, delay=answer[3]))
        return answer

    def _upload(self, file_id: str, body: bytes, headers: dict[str, str]) -> Answer:
        """A POST of a file's bytes to its upload URL (slack_emulator/files.py)."""
        if self.latency:
            time.sleep(self.latency)
        with self._changed:
            fault = self._faults.take(UPLOAD_URL, {"file_id": file_id})
            if fault is not None and not fault.delay:
                answer: Answer = (*fault.answer(), 0.0)
            else:
                status, text = receive(self._ws, file_id, body, headers.get("Content-Type", ""))
                answer = (status, {}, {"ok": status == 200, "answer": text},
                          fault.delay if fault is not None else 0.0)
            params = {"file_id": file_id, "length": len(body)}
            self._record(Call(UPLOAD_URL, params, headers, time.monotonic(), answer[0],
                              answer[2], answer[1], delay=answer[3]))
        return answer

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        if call.context.get("refused"):
            self._refused.append(call)
        if lacks_mark(call):
            self._unmarked.append(call)
        self._changed.notify_all()
