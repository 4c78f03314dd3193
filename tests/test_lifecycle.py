"""`/pilot pause`, `resume`, `end` and `list` end to end over signed HTTP."""

from datetime import UTC, datetime

from sqlmodel import select

from slack_emulator.client import SlackSender
from storage.db import unit_of_work
from storage.models import Pilot
from storage.scope import Workspace
from tests.helpers import acme_plan, store_pilot
from tests.plan_helpers import answer, logged, the_pilot


def silent(bot, text, *, user_id="U0001"):
    """A command answered by a post in the channel, with an empty ack."""
    response = bot.sender.command(text, user_id=user_id)
    assert response.status == 200 and response.text == ""


def posts(bot, count):
    return [c.params["text"] for c in bot.emulator.wait_for_calls("chat.postMessage", count)]


def test_pause_and_resume(bot, clock):
    store_pilot(bot.engine)
    silent(bot, 'pause reason="customer code freeze"')
    (paused,) = posts(bot, 1)
    assert paused.startswith(
        ":double_vertical_bar: <@U0001> paused *Acme POC*: customer code freeze."
    )
    assert "missed are not sent later" in paused and "flags keep escalating" in paused
    pilot = the_pilot(bot.engine)
    assert (pilot.state, pilot.state_reason) == ("paused", "customer code freeze")
    assert "State: :double_vertical_bar: Paused" in answer(bot, "status")
    assert "already paused (customer code freeze)" in answer(bot, "pause reason=again")

    # Resumed the next Tuesday 08:00 in New York: the next message is that day's check-in.
    clock.set(datetime(2026, 12, 15, 13, 0, tzinfo=UTC))
    silent(bot, "resume")
    resumed = posts(bot, 2)[1]
    assert resumed.startswith(":arrow_forward: <@U0001> resumed *Acme POC*.")
    assert "Next: daily check-in on Tue Dec 15 09:30 (America/New_York)." in resumed
    pilot = the_pilot(bot.engine)
    assert (pilot.state, pilot.state_reason) == ("active", "")
    assert pilot.next_due_at == datetime(2026, 12, 15, 14, 30, tzinfo=UTC)
    assert "State" not in answer(bot, "status")
    assert "is not paused" in answer(bot, "resume")
    assert [(k, s, r) for k, _, s, r in logged(bot.engine)] == [
        ("pause", "Paused Acme POC.", "customer code freeze"),
        ("resume", "Resumed Acme POC (paused for: customer code freeze).", ""),
    ]


def test_the_reason_may_be_free_text_but_is_required(bot):
    store_pilot(bot.engine)
    text = answer(bot, "pause")
    assert text.startswith(
        'Say why, for the change log: `/pilot pause reason="customer code freeze"`.'
    )
    assert "Usage: `/pilot pause reason=" in text
    assert the_pilot(bot.engine).state == "active"
    silent(bot, "pause waiting for the customer's security review")
    assert the_pilot(bot.engine).state_reason == "waiting for the customer's security review"


def test_end_is_final(bot):
    store_pilot(bot.engine)
    silent(bot, 'pause reason="holidays"')
    silent(bot, 'end reason="customer chose another vendor"')
    ended = posts(bot, 2)[1]
    assert ended.startswith(
        ":black_square_for_stop: <@U0001> ended *Acme POC*: customer chose another vendor."
    )
    assert "This is final" in ended
    pilot = the_pilot(bot.engine)
    assert (pilot.state, pilot.state_reason, pilot.next_due_at) == (
        "ended",
        "customer chose another vendor",
        None,
    )
    assert answer(bot, "end reason=again") == (
        "*Acme POC* already ended on 2026-12-10: customer chose another vendor. Ending is"
        " final; start a new pilot here with `/pilot create`."
    )
    for line in ("pause reason=x", "resume", "set checkin=10:00"):
        assert "has ended (customer chose another vendor)" in answer(bot, line), line
    assert "Ended" in answer(bot, "status")
    assert [entry[0] for entry in logged(bot.engine)] == ["pause", "end"]


def test_only_plan_editors_may_pause_resume_or_end(bot):
    store_pilot(bot.engine, owner_id="U0001")
    for line in ("pause reason=x", "resume", "end reason=x"):
        text = answer(bot, line, user_id="U0002")
        assert text.startswith("Only the pilot's owner, vendor-side team members, the project")
        assert "Usage" not in text
    assert the_pilot(bot.engine).state == "active"
    assert bot.emulator.calls_to("chat.postMessage") == []


def test_lifecycle_in_a_channel_without_a_pilot(bot):
    for line in ("pause reason=x", "resume", "end reason=x"):
        assert "no pilot in this channel" in answer(bot, line)


def test_list_shows_the_workspaces_pilots(bot):
    store_pilot(bot.engine)
    store_pilot(
        bot.engine,
        acme_plan(
            name="Globex trial",
            customer="Globex",
            start=acme_plan().start.replace(year=2027, month=1, day=4),
        ),
        channel_id="C0002",
    )
    store_pilot(bot.engine, acme_plan(name="Old pilot", customer="Initech"), channel_id="C0003")
    store_pilot(
        bot.engine, acme_plan(name="Elsewhere", customer="Hooli"), workspace=Workspace("T0002")
    )
    with unit_of_work(bot.engine) as session:
        old = session.exec(select(Pilot).where(Pilot.name == "Old pilot")).one()
        old.state = "ended"
        globex = session.exec(select(Pilot).where(Pilot.name == "Globex trial")).one()
        globex.state = "paused"
    text = answer(bot, "list", user_id="U0002")
    assert text.splitlines() == [
        "Pilots in this workspace (2 live, 1 ended)",
        "• *Acme POC* · Acme · <#C0001> · Setup, week 1 of 6 · hard end Sun Jan 17, 2027",
        "• *Globex trial* · Globex · <#C0002> · starts in 25 days · hard end Sun Feb 14, 2027"
        " · :double_vertical_bar: paused",
        "• *Old pilot* · Initech · <#C0003> · Setup, week 1 of 6 · hard end Sun Jan 17, 2027"
        " · ended",
    ]
    other = SlackSender(
        f"{bot.url}/slack/events",
        bot.settings.signing_secret,
        team_id="T0002",
        emulator=bot.emulator,
    )
    assert "Elsewhere" in other.command("list").json()["text"]
    assert "Acme POC" not in other.command("list").json()["text"]


def test_list_with_no_pilots_says_how_to_start(bot):
    assert "No pilots in this workspace yet" in answer(bot, "list")
