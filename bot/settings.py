"""Configuration from the environment, checked once at start-up.

A bad setting stops the process with one line that names the variable and says
where to get the right value (see ``SettingsError``), never with a traceback.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///pilot-bot.db"

_APPS = "at api.slack.com/apps"
_WHERE = {
    "SLACK_BOT_TOKEN": f"the Bot User OAuth Token (xoxb-...) under OAuth & Permissions {_APPS}",
    "SLACK_SIGNING_SECRET": f"the Signing Secret under Basic Information > App Credentials {_APPS}",
    "SLACK_APP_TOKEN": (
        "an app-level token (xapp-...) with the connections:write scope, "
        f"under Basic Information > App-Level Tokens {_APPS}"
    ),
    "DATABASE_URL": (
        "an SQLAlchemy URL such as sqlite:///pilot-bot.db or postgresql://user@host:5432/dbname"
    ),
    "SLACK_API_URL": "the base URL of the Slack Web API, such as https://slack.com/api/",
    "PORT": "a TCP port number between 1 and 65535",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "LOG_FORMAT": "text (the default) or json (one JSON object per line, for log collectors)",
    "METRICS_TOKEN": "a long random string that Prometheus sends as its bearer token",
    "SLACK_CLIENT_ID": f"the Client ID under Basic Information > App Credentials {_APPS}",
    "SLACK_CLIENT_SECRET": f"the Client Secret under Basic Information > App Credentials {_APPS}",
    "PUBLIC_URL": (
        "the bot's public https base URL, such as https://pilot-bot.example.com"
        " (http only for 127.0.0.1 or localhost; Slack sends installers back to"
        " PUBLIC_URL/slack/oauth_redirect)"
    ),
}
# The two ways to reach Slack: one workspace's token, or an app that installs in many.
_ONE_OR_MANY = (
    "set SLACK_BOT_TOKEN alone to serve one workspace, or SLACK_CLIENT_ID and"
    " SLACK_CLIENT_SECRET alone to install in many (see the README's installation steps)"
)


class SettingsError(Exception):
    """A missing or malformed setting; ``str()`` is the one line the user sees."""

    def __init__(self, variable: str, problem: str, *, remedy: str | None = None) -> None:
        self.variable = variable
        super().__init__(f"{variable} {problem}: {remedy or f'set it to {_WHERE[variable]}'}.")


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str
    app_token: str | None
    database_url: str
    slack_api_url: str
    host: str
    port: int
    log_level: str
    log_format: str = "text"
    metrics_token: str | None = None  # /metrics is served only when set
    # Multi-workspace mode (OAuth): the app's credentials instead of a bot token.
    client_id: str | None = None
    client_secret: str | None = None
    # The bot's public https base URL, no trailing slash: the OAuth redirect and the links
    # to the bot itself (a pilot's calendar feed) are built on it. None: not set.
    public_url: str | None = None

    @property
    def multi_workspace(self) -> bool:
        """True when the bot installs in many workspaces (OAuth) instead of using one token."""
        return bool(self.client_id and self.client_secret)

    @property
    def redirect_uri(self) -> str | None:
        """Where Slack sends an installer back to (the manifest's redirect URL)."""
        return f"{self.public_url}/slack/oauth_redirect" if self.public_url else None

    def __repr__(self) -> str:  # never print secrets, even by accident in a log line
        mode = "multi-workspace" if self.multi_workspace else "single-workspace"
        return (
            f"Settings({mode}, database_url={redact_url(self.database_url)!r}, "
            f"slack_api_url={self.slack_api_url!r}, public_url={self.public_url!r}, "
            f"host={self.host!r}, port={self.port}, log_level={self.log_level!r})"
        )


def redact_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    need_signing_secret: bool = True,
    need_app_token: bool = False,
    need_bot_token: bool = True,
    need_public_url: bool = False,
) -> Settings:
    """The settings in ``env``. ``need_bot_token``: a way to call Slack (the bot token, or in
    multi-workspace mode the app's client id and secret); ``need_public_url``: in
    multi-workspace mode, the public URL (``serve`` builds the OAuth redirect from it);
    ``need_app_token``: Socket Mode, which serves one workspace only."""
    env = os.environ if env is None else env

    def get(name: str) -> str:
        return env.get(name, "").strip()

    bot_token = get("SLACK_BOT_TOKEN")
    if need_app_token and (get("SLACK_CLIENT_ID") or get("SLACK_CLIENT_SECRET")):
        raise SettingsError(
            "SLACK_CLIENT_ID",
            "and SLACK_CLIENT_SECRET are set, but pilot-bot socket serves one workspace"
            " (Slack does not distribute Socket Mode apps)",
            remedy="unset them and set SLACK_BOT_TOKEN, or run pilot-bot serve to install"
            " in many workspaces",
        )
    if bot_token and (get("SLACK_CLIENT_ID") or get("SLACK_CLIENT_SECRET")):
        raise SettingsError(
            "SLACK_BOT_TOKEN",
            "and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set",
            remedy=_ONE_OR_MANY,
        )
    client_id, client_secret = _oauth_pair(get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET"))
    if not bot_token and not client_id and need_bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN",
            "is not set (for one workspace; SLACK_CLIENT_ID and SLACK_CLIENT_SECRET install"
            " the bot in many instead)",
        )
    if bot_token and not bot_token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN", "does not look like a bot token (xoxb-...)")
    public_url = public_base_url(get("PUBLIC_URL"))
    if client_id and need_public_url and public_url is None:
        raise SettingsError(
            "PUBLIC_URL", "is not set (multi-workspace mode builds the OAuth redirect URL from it)"
        )

    signing_secret = get("SLACK_SIGNING_SECRET")
    if need_signing_secret and not signing_secret:
        raise SettingsError("SLACK_SIGNING_SECRET", "is not set")

    app_token = get("SLACK_APP_TOKEN") or None
    if need_app_token and not app_token:
        raise SettingsError("SLACK_APP_TOKEN", "is not set (Socket Mode needs it)")
    if app_token and not app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN", "does not look like an app-level token (xapp-...)")

    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if "://" not in database_url:
        raise SettingsError("DATABASE_URL", f"is not a database URL ({database_url!r})")

    slack_api_url = get("SLACK_API_URL") or SLACK_DEFAULT_API_URL
    parsed = urlparse(slack_api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError("SLACK_API_URL", f"is not an http(s) URL ({slack_api_url!r})")
    if not slack_api_url.endswith("/"):
        slack_api_url += "/"

    port_text = get("PORT") or "3000"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError("PORT", f"is not a port number ({port_text!r})")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError("LOG_LEVEL", f"is not a log level ({log_level!r})")

    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        raise SettingsError("LOG_FORMAT", f"is not a log format ({log_format!r})")
    metrics_token = get("METRICS_TOKEN") or None
    if metrics_token is not None and len(metrics_token) < 16:
        raise SettingsError("METRICS_TOKEN", "is too short (at least 16 characters)")

    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        database_url=database_url,
        slack_api_url=slack_api_url,
        host=get("HOST") or "0.0.0.0",  # noqa: S104 - a server is meant to be reachable
        port=int(port_text),
        log_level=log_level,
        log_format=log_format,
        metrics_token=metrics_token,
        client_id=client_id,
        client_secret=client_secret,
        public_url=public_url,
    )


def _oauth_pair(client_id: str, client_secret: str) -> tuple[str | None, str | None]:
    """Both or neither: half of the pair is a mistake, named."""
    if client_id and not client_secret:
        raise SettingsError(
            "SLACK_CLIENT_SECRET", "is not set (SLACK_CLIENT_ID is, and OAuth needs both)"
        )
    if client_secret and not client_id:
        raise SettingsError(
            "SLACK_CLIENT_ID", "is not set (SLACK_CLIENT_SECRET is, and OAuth needs both)"
        )
    return client_id or None, client_secret or None


_LOOPBACK = ("127.0.0.1", "localhost")


def public_base_url(text: str) -> str | None:
    """PUBLIC_URL checked: https (http only on this machine), a host, no query; None if unset."""
    if not text:
        return None
    parsed = urlparse(text)
    local = parsed.hostname in _LOOPBACK
    if parsed.scheme != "https" and not (parsed.scheme == "http" and local):
        raise SettingsError("PUBLIC_URL", f"is not https ({text!r}; Slack redirects to https only)")
    if not parsed.hostname or parsed.query or parsed.fragment or parsed.username:
        raise SettingsError("PUBLIC_URL", f"is not a base URL ({text!r})")
    return text.rstrip("/")


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level, logging.INFO))
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client we hand it wins: noise.
    logging.getLogger("slack_bolt.App").addFilter(
        lambda record: "`token` will be unused" not in record.getMessage()
    )
    # Alembic narrates every plugin and step at INFO, and APScheduler every job run (every
    # few seconds): their warnings are what matter.
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request's reference
    id when the line has one (``extra={"reference": ...}``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        reference = getattr(record, "reference", None)
        if reference:
            entry["reference"] = reference
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
