"""The README's command table is the command table."""

from devtools.readme import README, render


def test_the_command_table_is_current():
    text = README.read_text()
    assert render(text) == text, "the README is stale: run `python -m devtools.readme`"


def test_every_setting_is_in_the_configuration_table():
    text = README.read_text()
    for variable in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL",
                     "SLACK_API_URL", "HOST", "PORT", "LOG_LEVEL", "SLACK_CLIENT_ID",
                     "SLACK_CLIENT_SECRET", "PUBLIC_URL"):
        assert f"| `{variable}` |" in text
