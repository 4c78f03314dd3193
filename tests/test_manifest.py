"""manifest.yml against what the app really registers and calls, both ways round."""

import json
import re
from pathlib import Path

import pytest
import yaml
from slack_bolt import BoltRequest, BoltResponse

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())

# Bot event subscriptions: a sample event and the scopes Slack requires for it.
EVENTS = {
    "message.channels": ({"type": "message", "channel_type": "channel"}, {"channels:history"}),
    "message.groups": ({"type": "message", "channel_type": "group"}, {"groups:history"}),
    "message.im": ({"type": "message", "channel_type": "im"}, {"im:history"}),
    "message.mpim": ({"type": "message", "channel_type": "mpim"}, {"mpim:history"}),
    "reaction_added": ({"type": "reaction_added"}, {"reactions:read"}),
    "reaction_removed": ({"type": "reaction_removed"}, {"reactions:read"}),
    "app_mention": ({"type": "app_mention"}, {"app_mentions:read"}),
    "app_home_opened": ({"type": "app_home_opened", "tab": "home"}, set()),
    "member_joined_channel": ({"type": "member_joined_channel"}, {"channels:read"}),
    "channel_rename": ({"type": "channel_rename"}, {"channels:read"}),
    "team_join": ({"type": "team_join"}, {"users:read"}),
    "app_uninstalled": ({"type": "app_uninstalled"}, set()),
    "tokens_revoked": ({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, set()),
}

# Web API methods the code may call, and the scopes that allow each (any one will do).
METHODS = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "chat_getPermalink": set(),
    "conversations_open": {"im:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "conversations_members": {"channels:read", "groups:read"},
    "users_info": {"users:read"},
    "reactions_add": {"reactions:write"},
    "files_getUploadURLExternal": {"files:write"},
    "files_completeUploadExternal": {"files:write"},
    "files_info": {"files:read"},
    "conversations_canvases_create": {"canvases:write"},
    "canvases_edit": {"canvases:write"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
}
CALL = re.compile(r"\.(" + "|".join(METHODS) + r")\(")


def bot_scopes() -> set[str]:
    return set(MANIFEST["oauth_config"]["scopes"]["bot"])


def subscribed_events() -> set[str]:
    return set(MANIFEST["settings"].get("event_subscriptions", {}).get("bot_events", []))


def handled(app, event: dict) -> bool:
    body = {
        "type": "event_callback",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "event": {"user": "U0001", "channel": "C0001", "ts": "1.000001", **event},
        "event_id": "Ev1",
        "event_time": 1,
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }
    request = BoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]})
    return any(
        listener.matches(req=request, resp=BoltResponse(status=200)) for listener in app._listeners
    )


def called_methods() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers", "schedules", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(CALL.findall(path.read_text()))
    return found


def test_every_handled_event_is_subscribed_with_its_scopes(bot):
    handled_events = {name for name, (event, _) in EVENTS.items() if handled(bot.app, event)}
    subscribed = subscribed_events()
    for name in handled_events:
        if name.startswith("message."):
            # One listener serves every kind of conversation; subscribing to some is a choice.
            assert any(s.startswith("message.") for s in subscribed), name
        else:
            assert name in subscribed, f"the app handles {name} but the manifest omits it"
    for name in subscribed:
        assert name in EVENTS, f"add {name} to this test's table"
        assert name in handled_events, f"the manifest subscribes to {name} but nothing handles it"
        missing = EVENTS[name][1] - bot_scopes()
        assert not missing, f"{name} needs {missing}"


def test_every_registered_command_is_in_the_manifest_and_the_reverse(bot):
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    for command in declared:
        body = f"command={command.replace('/', '%2F')}&text=&team_id=T0001&user_id=U0001"
        request = BoltRequest(
            body=body, headers={"content-type": ["application/x-www-form-urlencoded"]}
        )
        assert any(
            listener.matches(req=request, resp=BoltResponse(status=200))
            for listener in bot.app._listeners
        ), f"nothing handles {command}"
    assert declared == {"/pilot"}
    assert all(c["should_escape"] is True for c in MANIFEST["features"]["slash_commands"])
    assert "commands" in bot_scopes()


def test_every_web_api_call_has_a_scope_and_every_scope_is_used():
    methods = called_methods()
    assert "chat_postMessage" in methods
    scopes = bot_scopes()
    for method in methods:
        allowed = METHODS[method]
        assert not allowed or allowed & scopes, f"{method} needs one of {allowed}"
    needed = {"commands"} | set().union(*(EVENTS[e][1] for e in subscribed_events()))
    for method in methods:
        needed |= METHODS[method] & scopes
    unused = scopes - needed
    assert not unused, f"the manifest asks for scopes nothing uses: {unused}"


@pytest.mark.parametrize("section", ["display_information", "features", "oauth_config", "settings"])
def test_manifest_has_every_section_slack_requires(section):
    assert section in MANIFEST
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert len(MANIFEST["display_information"]["name"]) <= 35
