import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": "s3cret"}


def test_defaults_fill_in_what_is_optional():
    settings = load_settings(GOOD)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.host, settings.port, settings.log_level) == ("0.0.0.0", 3000, "INFO")


def test_slack_api_url_gets_its_trailing_slash():
    settings = load_settings({**GOOD, "SLACK_API_URL": "http://127.0.0.1:9999/api"})
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SLACK_SIGNING_SECRET": "x"}, "SLACK_BOT_TOKEN"),
        ({**GOOD, "SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**GOOD, "PORT": "eighty"}, "PORT"),
        ({**GOOD, "PORT": "70000"}, "PORT"),
        ({**GOOD, "LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({**GOOD, "SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({**GOOD, "DATABASE_URL": "pilot.db"}, "DATABASE_URL"),
        ({**GOOD, "SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
    ],
)
def test_a_bad_setting_names_the_variable_and_where_to_get_it(env, variable):
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    line = str(caught.value)
    assert caught.value.variable == variable
    assert line.startswith(variable)
    assert "\n" not in line
    assert "set it to" in line


def test_socket_mode_needs_the_app_token_but_not_the_signing_secret():
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, need_signing_secret=False, need_app_token=True)
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"},
        need_signing_secret=False,
        need_app_token=True,
    )
    assert settings.app_token == "xapp-1"


def test_repr_never_shows_secrets():
    settings = load_settings(
        {**GOOD, "DATABASE_URL": "postgresql://bot:hunter2@db/pilots", "SLACK_APP_TOKEN": "xapp-9"}
    )
    shown = repr(settings)
    for secret in ("xoxb-1-2-3", "s3cret", "hunter2", "xapp-9"):
        assert secret not in shown
