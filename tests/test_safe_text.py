"""User text is data: what people typed never becomes a broadcast, a mention they did not
mean or a disguised link, and every payload stays within Slack's limits."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.blocks.text import defused, literal, user_text
from storage.db import unit_of_work
from storage.models import Pilot
from tests.cadence_helpers import eventually
from tests.helpers import CHANNEL, store_member
from tests.review_helpers import run_at, walk

OWNER, SPONSOR, LEAD, TECH = "U0001", "U0002", "U0003", "U0004"
HOSTILE_CREATE = (
    'create "<!channel> Launch <https://evil.example|click>" customer="<!here> Corp"'
    " type=business ramp=standard start=2026-12-07 weeks=6 tz=America/New_York"
    ' checkin=09:30 review="mon 10:00" holidays=US'
)
SENT = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "views.open",
    "views.update",
    "views.publish",
    "response_url",
)
BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam")


def parsed(value):
    """A payload without its plain_text objects: Slack shows those as they are."""
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return {}
        return {k: parsed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [parsed(v) for v in value]
    return value


def payloads(emulator) -> list[str]:
    return [json.dumps(parsed(c.params)) for c in emulator.calls if c.method in SENT]


def foreign_links(text: str) -> list[str]:
    """Links in a payload that the bot did not build (its only links are permalinks)."""
    links = re.findall(r"<((?:https?|mailto):[^|>]*)", text)
    return [link for link in links if "/archives/" not in link]


def test_an_injection_pilot_walked_through_its_cadence_pings_nobody(bot):
    emulator, engine, clock = bot.emulator, bot.engine, bot.clock
    for user, name in ((LEAD, "carol"), (TECH, "dan")):
        emulator.add_user(user, name)
    assert bot.sender.command(HOSTILE_CREATE, channel_id=CHANNEL).status == 200
    with unit_of_work(engine) as session:
        pilot = session.exec(select(Pilot)).one()
    assert pilot.name == "<!channel> Launch <https://evil.example|click>"  # kept as typed
    store_member(engine, pilot, SPONSOR, "executive_sponsor")
    store_member(engine, pilot, LEAD, "project_lead")
    store_member(engine, pilot, TECH, "technical_lead")
    bot.sender.command('criteria add "<!everyone> uptime" target="< 2 s"', channel_id=CHANNEL)

    # Monday of week 2: the check-in, the ramp post and the weekly review.
    walk(bot, datetime(2026, 12, 14, 16, 0, tzinfo=UTC))
    bot.sender.command(
        "flag critical Checkout is down, see <https://evil.example|the status page> <!here>",
        channel_id=CHANNEL,
    )
    eventually(lambda: any("Issue flag F-1" in p for p in payloads(emulator)))
    raised = clock.now()
    run_at(bot, raised + timedelta(seconds=30))  # the technical team, in the thread
    run_at(bot, raised + timedelta(hours=4, minutes=1))  # the 4 h step: the project leads' DMs
    bot.sender.event(bot.sender.app_home_opened_event(OWNER))
    eventually(lambda: emulator.home_view(OWNER))

    sent = payloads(emulator)
    kinds = {c.method for c in emulator.calls if c.method in SENT}
    assert {"chat.postMessage", "views.publish"} <= kinds
    texts = " ".join(sent)
    for expected in ("Daily check-in", "traffic goes from", "Weekly review", "escalated to you"):
        assert expected in texts, expected
    for payload in sent:
        for broadcast in BROADCASTS:
            at = payload.find(broadcast)
            assert at == -1, (broadcast, payload[max(at - 300, 0) : at + 100])
        assert foreign_links(payload) == [], payload[:300]
    # The texts read literally, and the link shows where it goes.
    assert "&lt;!channel&gt; Launch &lt;https://evil.example|click&gt;" in texts
    assert "&lt;!here&gt; Corp" in texts
    assert "&lt;!everyone&gt; uptime" in texts and "&lt; 2 s" in texts
    assert "the status page (https://evil.example) @here" in texts


def test_the_two_rules():
    assert literal("<@U1> & <!here>") == "&lt;@U1&gt; &amp; &lt;!here&gt;"
    assert user_text("ask <@U123|ann> in <#C9|ops>") == "ask <@U123|ann> in <#C9|ops>"
    assert user_text("<!channel> now") == "@channel now"
    assert user_text("<!subteam^S1|@oncall> please") == "@oncall please"
    assert user_text("see <https://evil.example|docs>") == "see docs (https://evil.example)"
    assert user_text("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    # Cut before escaping, never inside a mention.
    cut = user_text("x" * 10 + " <@U123456>", limit=14)
    assert cut == "x" * 10 + "…" and "<@" not in cut
    assert len(literal("&" * 50, limit=10)) == 9 * 5 + 1
    assert defused("hi <!here> <@U1> <permalink|Open>") == "hi @here <@U1> <permalink|Open>"
