"""Multi-workspace mode: the app installed through OAuth in several workspaces, each with its
own token, rotated before it expires, and an uninstall that stops one workspace's cadence
until it installs the app again. The real bot over HTTP against the emulator, which plays
Slack's OAuth side (its authorize page cannot be reached offline: a code stands in)."""

from __future__ import annotations

import html
import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import select

from bot.blocks import ids
from bot.install import BOT_SCOPES
from bot.tokens import tokens_for
from devtools.harness import PUBLIC_URL, running_bot
from handlers.installation import REVOKED, UNINSTALLED
from schedules.agenda import agenda, render_agenda
from schedules.delivery import deliver
from schedules.tick import tick
from storage.db import make_engine, unit_of_work
from storage.installations import TeamInstallationStore, gone_workspaces, prune_oauth_states
from storage.models import SLACK_BOTS, SLACK_OAUTH_STATES, WorkspaceInstall
from tests.cadence_helpers import FIRST_CHECKIN, eventually, rows
from tests.install_helpers import (
    CHANNELS,
    COOKIE,
    GLOBEX,
    OWNERS,
    VENDOR,
    browse,
    install,
    schedule_in,
    scheduler_clients,
    scheduler_round,
    sender_for,
    state_of,
)
from tests.review_helpers import idle
from tests.test_create import form
from tests.test_manifest import MANIFEST

DAY = timedelta(days=1)


@pytest.fixture
def multi(emulator, engine, clock):
    """The bot in multi-workspace mode; Globex is a second workspace, with its own channel."""
    emulator.add_workspace(GLOBEX, team_name="Globex")
    emulator.add_user("U0201", "gina", real_name="Gina Gray", team_id=GLOBEX)
    emulator.add_channel(CHANNELS[VENDOR], team_id=VENDOR)
    emulator.add_channel(CHANNELS[GLOBEX], team_id=GLOBEX)
    with running_bot(emulator=emulator, engine=engine, clock=clock, multi_workspace=True) as bot:
        yield bot


def store_of(bot) -> TeamInstallationStore:
    return TeamInstallationStore(client_id=bot.settings.client_id, engine=bot.engine)


def bearer(call) -> str:
    auth = next(v for k, v in call.headers.items() if k.lower() == "authorization")
    return auth.removeprefix("Bearer ")


def posts(emulator) -> list[tuple[str, str | None, str]]:
    """Delivery's posts Slack took: (channel, workspace of the token, outbox key)."""
    return [
        (c.params["channel"], c.team, c.params["metadata"]["event_payload"]["key"])
        for c in emulator.calls_to("chat.postMessage")
        if c.ok and c.params.get("metadata")
    ]


def test_the_install_scopes_are_the_manifests():
    assert len(set(BOT_SCOPES)) == len(BOT_SCOPES)
    assert set(BOT_SCOPES) == set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_the_install_page_carries_the_state_and_the_manifests_scopes(multi):
    page = browse(f"{multi.url}/slack/install")
    assert page.status == 200, page.text
    state = state_of(page)
    [link] = [h for h in re.findall(r'href="([^"]+)"', page.text) if "/oauth/v2/authorize" in h]
    query = parse_qs(urlsplit(html.unescape(link)).query, keep_blank_values=True)
    assert query["state"] == [state]
    assert query["client_id"] == [multi.emulator.client_id]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    assert query["redirect_uri"] == [f"{PUBLIC_URL}/slack/oauth_redirect"]
    with unit_of_work(multi.engine) as session:
        issued = session.connection().execute(select(SLACK_OAUTH_STATES.c.state)).scalars()
        assert list(issued) == [state]  # Bolt's state store, in the bot's own database


def test_the_redirect_with_a_code_installs_the_workspace(multi):
    page = install(multi, GLOBEX)
    assert page.status == 200 and "Thank you!" in page.text, page.text
    [exchange] = multi.emulator.calls_to("oauth.v2.access")
    assert exchange.ok and exchange.params["redirect_uri"] == f"{PUBLIC_URL}/slack/oauth_redirect"
    [token] = multi.emulator.tokens_of(GLOBEX)
    found = store_of(multi).find_bot(enterprise_id=None, team_id=GLOBEX)
    assert found is not None
    assert (found.bot_token, found.bot_user_id, found.bot_id) == (token, "UBOT0002", "BBOT0002")
    with unit_of_work(multi.engine) as session:
        row = session.get(WorkspaceInstall, GLOBEX)
        assert row is not None and row.gone_at is None
    # A redirect with a state this browser was not given, or none at all, installs nothing.
    code = multi.emulator.install_code(GLOBEX)
    forged = f"{multi.url}/slack/oauth_redirect?{urlencode({'code': code, 'state': 'forged'})}"
    assert browse(forged, cookie=f"{COOKIE}=forged").status == 401
    assert browse(forged).status == 400
    assert len(multi.emulator.calls_to("oauth.v2.access")) == 1


def test_two_installed_workspaces_each_see_only_their_own_pilots(multi):
    assert install(multi, VENDOR).status == install(multi, GLOBEX).status == 200
    for team, name in ((VENDOR, "Acme POC"), (GLOBEX, "Globex POC")):
        answer = sender_for(multi, team).command(
            f'create "{name}" customer=Acme type=business start=2026-12-14',
            user_id=OWNERS[team],
            channel_id=CHANNELS[team],
        )
        assert answer.status == 200, answer.text
    # A Slack Connect member of another organisation submits a form in Globex's shared
    # channel: the payload names their team and enterprise, the view Globex's installation,
    # which is found by its team id alone.
    multi.emulator.add_external_user("W0CUST1", "cass", team_id="T0CUST", enterprise_id="E0CUST")
    multi.emulator.add_channel("C0202", team_id=GLOBEX, is_ext_shared=True)
    globex = sender_for(multi, GLOBEX)
    payload = globex.view_submission(
        ids.CREATE_PILOT,
        form(name={"value": "Initech POC"}),
        user_id="W0CUST1",
        private_metadata="C0202",
    )
    assert payload["enterprise"] == {"id": "E0CUST", "name": "E0CUST"}
    assert payload["view"]["app_installed_team_id"] == GLOBEX
    assert globex.interactive(payload).status == 200
    idle(multi)
    multi.emulator.wait_for(lambda e: len(posts(e)) == 3)
    # Each announcement went out with its own workspace's token, into its own channel.
    assert sorted((channel, team) for channel, team, _ in posts(multi.emulator)) == [
        ("C0001", VENDOR),
        ("C0201", GLOBEX),
        ("C0202", GLOBEX),
    ]
    lists = {
        team: sender_for(multi, team)
        .command("list", user_id=OWNERS[team], channel_id=CHANNELS[team])
        .json()["text"]
        for team in (VENDOR, GLOBEX)
    }
    assert "Acme POC" in lists[VENDOR]
    assert "Globex POC" not in lists[VENDOR] and "Initech POC" not in lists[VENDOR]
    assert "Globex POC" in lists[GLOBEX] and "Initech POC" in lists[GLOBEX]
    assert "Acme POC" not in lists[GLOBEX]


@pytest.mark.usefixtures("checkins_only")
def test_the_scheduler_posts_each_workspaces_checkins_with_its_token(multi):
    install(multi, VENDOR)
    install(multi, GLOBEX)
    for team in (VENDOR, GLOBEX):
        schedule_in(multi.engine, team, FIRST_CHECKIN - timedelta(hours=2))
    scheduler_round(multi, FIRST_CHECKIN)
    assert sorted(posts(multi.emulator)) == [
        ("C0001", VENDOR, "checkin:2026-12-14"),
        ("C0201", GLOBEX, "checkin:2026-12-14"),
    ]
    for call in multi.emulator.calls_to("chat.postMessage"):
        assert bearer(call) in multi.emulator.tokens_of(str(call.team))


@pytest.mark.usefixtures("checkins_only")
def test_a_token_near_expiry_is_rotated_before_a_scheduled_send(multi):
    install(multi, GLOBEX, rotation=True, expires_in=60)  # well inside the 2 hours' margin
    schedule_in(multi.engine, GLOBEX, FIRST_CHECKIN - timedelta(hours=2))
    multi.emulator.reset_calls()
    scheduler_round(multi, FIRST_CHECKIN)
    refresh, post = multi.emulator.calls
    assert (refresh.method, refresh.params["grant_type"]) == ("oauth.v2.access", "refresh_token")
    assert post.method == "chat.postMessage" and post.ok
    assert bearer(post) == refresh.response["access_token"]
    stored = store_of(multi).find_bot(enterprise_id=None, team_id=GLOBEX)
    assert stored is not None
    assert stored.bot_token == refresh.response["access_token"]
    assert stored.bot_refresh_token == refresh.response["refresh_token"]
    # The new token has 12 hours: the next round sends without rotating again.
    scheduler_round(multi, FIRST_CHECKIN + DAY)
    assert [c.method for c in multi.emulator.calls[2:]] == ["chat.postMessage"]


def test_two_instances_rotating_at_once_end_with_one_valid_token(multi, database_url, request):
    install(multi, GLOBEX, rotation=True, expires_in=60)
    other = make_engine(database_url, schema=getattr(request.node, "pg_schema", None))
    instances = [tokens_for(multi.settings, engine) for engine in (multi.engine, other)]
    # The first refresh is still on its way when the second instance asks for the token.
    multi.emulator.slow("oauth.v2.access", 0.5)
    start = threading.Barrier(2)
    got: list[str] = []

    def ask(tokens) -> None:
        start.wait()
        access = tokens.bot_for(GLOBEX)
        got.append(access.token)

    threads = [threading.Thread(target=ask, args=(tokens,)) for tokens in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    other.dispose()
    refreshes = [
        c for c in multi.emulator.calls_to("oauth.v2.access") if c.params.get("grant_type")
    ]
    assert len(refreshes) == 1 and refreshes[0].ok
    assert len(got) == 2 and got[0] == got[1] == refreshes[0].response["access_token"]
    assert multi.emulator.token_error(got[0]) is None
    stored = store_of(multi).find_bot(enterprise_id=None, team_id=GLOBEX)
    assert stored is not None and stored.bot_token == got[0]
    # The stored refresh token is the live one: the next rotation will work.
    again = WebClient(base_url=multi.emulator.api_url).oauth_v2_access(
        client_id=multi.emulator.client_id,
        client_secret=multi.emulator.client_secret,
        grant_type="refresh_token",
        refresh_token=stored.bot_refresh_token,
    )
    assert again["ok"]


@pytest.mark.usefixtures("checkins_only")
def test_app_uninstalled_stops_one_workspace_and_a_reinstall_resumes_it(multi):
    install(multi, VENDOR)
    install(multi, GLOBEX)
    for team in (VENDOR, GLOBEX):
        schedule_in(multi.engine, team, FIRST_CHECKIN - timedelta(hours=2))
    scheduler_round(multi, FIRST_CHECKIN)
    assert len(posts(multi.emulator)) == 2

    # Tuesday: the tick owes both check-ins, then Globex uninstalls the app before they go.
    tuesday = FIRST_CHECKIN + DAY
    idle(multi)
    multi.clock.set(tuesday)
    tick(engine=multi.engine, now=tuesday)
    multi.emulator.uninstall(GLOBEX)
    assert sender_for(multi, GLOBEX).app_uninstalled().status == 200
    eventually(lambda: GLOBEX in gone(multi))
    multi.emulator.reset_calls()
    scheduler_round(multi, tuesday)
    assert posts(multi.emulator) == [("C0001", VENDOR, "checkin:2026-12-15")]
    assert {c.team for c in multi.emulator.calls} == {VENDOR}  # nothing tried with Globex's
    # Wednesday: the calendar goes on; Globex's check-in is skipped, with the reason.
    scheduler_round(multi, tuesday + DAY)
    skipped = {
        r.key: r.skipped_reason
        for r in rows(multi.engine, status="skipped")
        if r.team_id == GLOBEX and r.key.startswith("checkin:")
    }
    assert list(skipped) == ["checkin:2026-12-15", "checkin:2026-12-16"]
    assert all(UNINSTALLED in reason for reason in skipped.values())
    assert not [r for r in rows(multi.engine) if r.team_id == GLOBEX and r.status == "pending"]
    text = render_agenda(agenda(engine=multi.engine, now=multi.clock.now()), multi.clock.now())
    assert f"not sent: {UNINSTALLED} on 2026-12-15" in text
    assert f"skipped: checkin:2026-12-16: {UNINSTALLED}" in text

    # Globex installs the app again: Thursday's check-in goes out, with the new token.
    assert install(multi, GLOBEX).status == 200
    assert GLOBEX not in gone(multi)
    multi.emulator.reset_calls()
    scheduler_round(multi, tuesday + 2 * DAY)
    assert sorted(posts(multi.emulator)) == [
        ("C0001", VENDOR, "checkin:2026-12-17"),
        ("C0201", GLOBEX, "checkin:2026-12-17"),
    ]
    [new_token] = multi.emulator.tokens_of(GLOBEX)
    assert [bearer(c) for c in multi.emulator.calls if c.team == GLOBEX] == [new_token]


def gone(bot) -> dict[str, WorkspaceInstall]:
    with unit_of_work(bot.engine) as session:
        return gone_workspaces(session=session)


def test_tokens_revoked_for_the_bot_marks_its_workspace_gone(multi, caplog):
    caplog.set_level(logging.DEBUG, logger="handlers.installation")
    install(multi, GLOBEX)
    sender = sender_for(multi, GLOBEX)
    assert sender.tokens_revoked(oauth=["U0201"]).status == 200  # a person's: the bot has none
    eventually(lambda: "user tokens revoked" in caplog.text)
    assert not gone(multi)
    assert sender.tokens_revoked(bot=["UBOT0002"]).status == 200
    row = eventually(lambda: gone(multi).get(GLOBEX))
    assert row.gone_reason == REVOKED
    assert store_of(multi).find_bot(enterprise_id=None, team_id=GLOBEX) is None


def test_an_org_wide_install_is_refused_with_a_page_that_says_why(multi):
    multi.emulator.add_workspace("T0003", enterprise_id="E0GRID")
    page = install(multi, "T0003", org_wide=True)
    assert page.status == 403
    assert "installs in one workspace at a time" in page.text
    assert 'href="/slack/install"' in page.text
    with unit_of_work(multi.engine) as session:
        assert not session.connection().execute(select(SLACK_BOTS.c.id)).all()
        assert session.get(WorkspaceInstall, "T0003") is None
    [exchange] = multi.emulator.calls_to("oauth.v2.access")
    # Nothing kept: not even a live token.
    assert multi.emulator.token_error(exchange.response["access_token"]) == "token_revoked"


def test_a_delivery_round_outside_any_installation_skips_with_the_reason(multi):
    """A pilot of a workspace that never installed the app (one from single-workspace
    mode, say) is told where to install it instead of being retried."""
    pilot = schedule_in(multi.engine, GLOBEX, FIRST_CHECKIN - timedelta(hours=2))
    multi.clock.set(FIRST_CHECKIN)
    tick(engine=multi.engine, now=FIRST_CHECKIN)
    clients = scheduler_clients(multi)
    report = deliver(engine=multi.engine, client=clients, now=FIRST_CHECKIN, channel_interval=0)
    assert report.skipped and not report.sent
    [row] = [r for r in rows(multi.engine) if r.pilot_id == pilot.id and r.kind == "checkin"]
    assert row.skipped_reason == (
        f"the app is not installed in workspace {GLOBEX} (install it at {PUBLIC_URL}/slack/install)"
    )


def test_expired_oauth_states_are_pruned(engine):
    store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    with freeze_time("2026-12-10 15:00:00"):  # slack-sdk's store reads the real clock
        state = store.issue()
    issued = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    with unit_of_work(engine) as session:
        assert prune_oauth_states(session=session, now=issued + timedelta(minutes=9)) == 0
    with unit_of_work(engine) as session:
        assert prune_oauth_states(session=session, now=issued + timedelta(minutes=11)) == 1
    with freeze_time("2026-12-10 15:05:00"):
        assert not store.consume(state)


@pytest.mark.usefixtures("checkins_only")
def test_a_rotation_that_fails_keeps_the_message_owed_for_a_later_round(multi):
    install(multi, GLOBEX, rotation=True, expires_in=60)
    schedule_in(multi.engine, GLOBEX, FIRST_CHECKIN - timedelta(hours=2))
    multi.emulator.fail("oauth.v2.access", status=503)
    report = scheduler_round(multi, FIRST_CHECKIN)
    assert report.retrying == ["checkin:2026-12-14"] and not posts(multi.emulator)
    [row] = rows(multi.engine, kind="checkin")
    assert row.status == "pending" and row.last_error.startswith("rotating workspace T0002's")
    scheduler_round(multi, FIRST_CHECKIN + timedelta(minutes=1))
    assert posts(multi.emulator) == [("C0201", GLOBEX, "checkin:2026-12-14")]


def test_one_workspace_mode_only_says_what_an_uninstall_means(bot, caplog):
    caplog.set_level(logging.WARNING, logger="handlers.installation")
    assert bot.sender.app_uninstalled().status == 200
    eventually(lambda: "SLACK_BOT_TOKEN no longer works" in caplog.text)
    assert not gone(bot)
