"""The emulated OAuth side of Slack: oauth.v2.access (a code, with or without token rotation,
and the refresh grant), several workspaces with their own tokens, and uninstalls."""

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_emulator import SlackEmulator


def slack_error(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return info.value.response["error"]


@pytest.fixture
def app(emulator: SlackEmulator) -> WebClient:
    """What the app's OAuth calls use: no token, its client id and secret per call."""
    emulator.add_workspace("T0002", team_name="Globex")
    return WebClient(base_url=emulator.api_url, retry_handlers=[])


def exchange(emulator: SlackEmulator, app: WebClient, code: str, **given) -> dict:
    credentials = {"client_id": emulator.client_id, "client_secret": emulator.client_secret}
    return app.oauth_v2_access(**{**credentials, **given}, code=code).data


def test_a_code_gets_the_workspace_its_own_token(emulator, app):
    answer = exchange(emulator, app, emulator.install_code("T0002", user_id="U0201"))
    assert answer["team"] == {"id": "T0002", "name": "Globex"}
    assert (answer["token_type"], answer["bot_user_id"]) == ("bot", "UBOT0002")
    assert answer["authed_user"] == {"id": "U0201"} and "refresh_token" not in answer
    theirs = WebClient(token=answer["access_token"], base_url=emulator.api_url).auth_test()
    ours = WebClient(token=emulator.token, base_url=emulator.api_url).auth_test()
    who = (theirs["team_id"], theirs["user_id"], theirs["bot_id"])
    assert who == ("T0002", "UBOT0002", "BBOT0002")
    assert (ours["team_id"], ours["user_id"]) == ("T0001", "UBOT")
    assert [c.team for c in emulator.calls_to("auth.test")] == ["T0002", "T0001"]
    assert emulator.tokens_of("T0002") == [answer["access_token"]]


def test_codes_and_credentials_are_checked(emulator, app):
    code = emulator.install_code("T0002")
    assert slack_error(exchange, emulator, app, code, client_secret="wrong") == "bad_client_secret"
    assert slack_error(exchange, emulator, app, code, client_id="9.9") == "invalid_client_id"
    exchange(emulator, app, code)
    assert slack_error(exchange, emulator, app, code) == "invalid_code"  # single use


def test_token_rotation_and_the_single_use_refresh_grant(emulator, app):
    answer = exchange(emulator, app, emulator.install_code("T0002", rotation=True, expires_in=0))
    assert answer["expires_in"] == 0 and answer["access_token"].startswith("xoxe.xoxb-")
    expired = WebClient(token=answer["access_token"], base_url=emulator.api_url)
    assert slack_error(expired.auth_test) == "token_expired"
    refresh = {
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": answer["refresh_token"],
    }
    fresh = app.oauth_v2_access(**refresh).data
    assert fresh["expires_in"] == 43_200 and fresh["refresh_token"] != answer["refresh_token"]
    assert WebClient(token=fresh["access_token"], base_url=emulator.api_url).auth_test()["ok"]
    assert slack_error(app.oauth_v2_access, **refresh) == "invalid_refresh_token"


def test_a_workspace_owns_its_channels_and_an_uninstall_revokes_its_tokens(emulator, app):
    emulator.add_channel("C0001", team_id="T0001")
    emulator.add_channel("C0201", team_id="T0002")
    token = exchange(emulator, app, emulator.install_code("T0002"))["access_token"]
    theirs = WebClient(token=token, base_url=emulator.api_url)
    emulator.allow_unmarked()
    assert theirs.chat_postMessage(channel="C0201", text="hi")["message"]["user"] == "UBOT0002"
    assert slack_error(theirs.chat_postMessage, channel="C0001", text="hi") == "channel_not_found"
    emulator.uninstall("T0002")
    assert slack_error(theirs.auth_test) == "token_revoked"
    assert emulator.tokens_of("T0002") == [] and emulator.tokens_of("T0001") == [emulator.token]
    revoked = WebClient(token=emulator.token, base_url=emulator.api_url).auth_revoke()
    assert revoked["revoked"] and emulator.token_error(emulator.token) == "token_revoked"
