"""`/pilot canvas` over signed HTTP: the channel's canvas created with the pilot's record,
rewritten through delivery after changes (a burst makes one edit; the old value gone, the
new one there), people's words escaped; a canvas Slack lost is not edited again; each
refusal (a canvas already there, a plan without channel canvases, a missing scope, not an
editor) answered in one line, with nothing else changed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from schedules.delivery import deliver
from storage.db import unit_of_work
from storage.models import OutboxMessage, PilotCanvas
from tests.cadence_helpers import schedule_pilot, slack_client
from tests.helpers import CHANNEL, acme_plan, store_pilot
from tests.plan_helpers import answer
from tests.review_helpers import idle

BEFORE_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def say(bot, text: str, *, user: str = "U0001", channel: str = CHANNEL) -> str:
    said = answer(bot, text, user_id=user, channel_id=channel)
    idle(bot)
    return said


def drain(bot) -> None:
    """The scheduler's delivery round (what a listener did not wake delivery for)."""
    idle(bot)
    deliver(engine=bot.engine, client=slack_client(bot.emulator), now=bot.clock.now(),
            channel_interval=0)


def edits(bot) -> int:
    return len(bot.emulator.calls_to("canvases.edit"))


def canvases_owed(bot) -> list[OutboxMessage]:
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "canvas_update")).all())


def test_the_canvas_is_created_and_kept_current_through_delivery(bot):
    bot.clock.set(BEFORE_START)
    schedule_pilot(bot.engine, BEFORE_START)
    assert "Only the pilot's owner" in say(bot, "canvas", user="U0009")
    assert bot.emulator.canvas(CHANNEL) is None

    said = say(bot, "canvas")
    assert "Created the channel's canvas for *Acme POC*" in said
    first = bot.emulator.canvas(CHANNEL)
    assert first is not None and first.startswith("# Acme POC · Acme")
    assert "Sun 2027-01-17 (hard end date)" in first and "| 6 | Mon Jan 11 to Sun Jan 17" in first
    assert "## Team" in first and "Nobody yet" in first

    # A burst of changes: one edit, written from the record as it is when it goes out.
    say(bot, "team add <@U0002|bob> executive_sponsor")
    say(bot, 'criteria add "*Containment* [rate](http://evil.example)" target=">= 60%"')
    say(bot, 'change end weeks=7 reason="SSO delay"')
    drain(bot)
    assert edits(bot) == 1
    now = bot.emulator.canvas(CHANNEL)
    assert now is not None
    assert "Sun 2027-01-17" not in now and "Sun 2027-01-24 (hard end date)" in now
    assert "| 7 | Mon Jan 18 to Sun Jan 24" in now
    assert "- Executive sponsor: ![](@U0002)" in now
    assert "C-1 \\*Containment\\* \\[rate\\](http://evil.example)" in now  # words, not markup
    assert "Nobody yet" not in now
    skipped = [m.skipped_reason for m in canvases_owed(bot) if m.status == "skipped"]
    assert len(skipped) == 2 and all(r.startswith("superseded by a later update") for r in skipped)

    # Asking again keeps the pilot's canvas (and rewrites it).
    assert "already *Acme POC*'s" in say(bot, "canvas")
    drain(bot)
    assert edits(bot) == 2 and len(bot.emulator.canvases()) == 1

    # Someone deletes the canvas in Slack: the next edit is refused, and no more are owed
    # until `/pilot canvas` makes a new one.
    bot.emulator.delete_canvas(bot.emulator.canvases()[0].id)
    say(bot, 'risks add scope "Sales asks for SMS" mitigation="Phase 2 bucket"')
    drain(bot)
    failed = [m for m in canvases_owed(bot) if m.status == "failed"]
    assert [m.last_error for m in failed] == ["canvas_not_found"]
    owed = len(canvases_owed(bot))
    say(bot, 'risks add timeline "Holidays" mitigation="Buffer time"')
    assert len(canvases_owed(bot)) == owed
    assert "Created the channel's canvas" in say(bot, "canvas")
    assert "Sales asks for SMS" in (bot.emulator.canvas(CHANNEL) or "")


def test_each_refusal_is_one_line_and_nothing_changes(bot):
    bot.clock.set(BEFORE_START)
    schedule_pilot(bot.engine, BEFORE_START)
    store_pilot(bot.engine, acme_plan(name="Beta POC"), channel_id="C0002")
    store_pilot(bot.engine, acme_plan(name="Gamma POC"), channel_id="C0003")
    bot.emulator.add_channel_canvas(CHANNEL, "Team notes")
    said = say(bot, "canvas")
    assert said.startswith("This channel already has a canvas, so the bot leaves it as it is")
    assert "\n" not in said
    assert bot.emulator.canvas(CHANNEL) == "Team notes"

    bot.emulator.forbid_channel_canvases()
    said = say(bot, "canvas", channel="C0002")
    assert said.startswith("This workspace's Slack plan does not allow channel canvases")

    bot.emulator.revoke_scope("canvases:write")
    said = say(bot, "canvas", channel="C0003")
    assert said.startswith("The app may not create canvases yet: add the `canvases:write`")

    say(bot, 'criteria add "Containment rate" target=">= 60%"')
    drain(bot)
    with unit_of_work(bot.engine) as session:
        assert session.exec(select(PilotCanvas)).all() == []
    assert canvases_owed(bot) == [] and edits(bot) == 0
    assert bot.emulator.canvas(CHANNEL) == "Team notes"
