"""Documentation Requirements over signed HTTP: the three checklists at several points of a
pilot's life (what the record ticks and why), team ticks on the posted checklists (a
customer-side member of a Slack Connect channel too; someone outside the team refused),
the scope document's sign-off by the decision maker (refused for others, cleared by an
approved scope change), and meeting notes by button and by command, in the review's
thread and in the weekly report."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.blocks import ids
from bot.core.grammar import unescape
from schedules.reviews import final_evaluation_of
from storage.db import unit_of_work
from storage.models import ChecklistTick, MeetingNote, Pilot, PilotDecision, ScopeDocument
from storage.pilots import plan_of
from tests.cadence_helpers import schedule_pilot
from tests.helpers import CHANNEL, store_member
from tests.plan_helpers import answer
from tests.review_helpers import (
    Post,
    bot_posts,
    click,
    idle,
    opened_view,
    post,
    submit,
    walk,
)

OWNER, SPONSOR, LEAD = "U0001", "U0002", "U0003"
CUSTOMER, OUTSIDER, THEIRS = "W0CUST1", "W0CUST9", "T0CUST"
BEFORE_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue, a week before the start
IN_EVALUATION = datetime(2027, 1, 19, 15, 0, tzinfo=UTC)  # Tue of the evaluation week


def states(bot, user: str = OWNER) -> dict[str, tuple[bool, str]]:
    """`/pilot docs` as {item: (done, why)}, read from the answer's lines."""
    response = bot.sender.command("docs", user_id=user, channel_id=CHANNEL)
    assert response.status == 200 and response.json()["response_type"] == "ephemeral"
    found = {}
    for block in response.json()["blocks"]:
        if block["type"] != "section":
            continue
        for line in block["text"]["text"].splitlines()[1:]:
            mark, _, rest = line.partition(" *")
            label, _, why = rest.partition("* · ")
            found[unescape(label)] = (mark == ":white_check_mark:", unescape(why))
    assert len(found) == 14, found
    return found


def ask(bot, text: str, user: str = OWNER) -> str:
    said = answer(bot, text, user_id=user)
    idle(bot)  # what the request owed is delivered
    return said


def latest(bot, p: Post) -> Post:
    """The post as it now reads in Slack (after any updates)."""
    message = bot.emulator.message(p.channel, p.ts)
    assert message is not None
    return Post(p.key, p.channel, p.ts, message.get("text", ""), message.get("blocks", []))


def posts_of(bot, prefix: str) -> list[Post]:
    return [p for p in bot_posts(bot.emulator) if p.key.startswith(prefix)]


def press(bot, p: Post, value_end: str, user: str) -> int:
    """Press the docs post's button whose value ends with ``value_end`` (":pre_pilot:b2")."""
    (value,) = [
        b["accessory"]["value"]
        for b in latest(bot, p).blocks
        if b.get("accessory", {}).get("action_id") == ids.DOCS_TICK
        and b["accessory"]["value"].rsplit(":", 1)[0].endswith(value_end)
    ]
    payload = bot.sender.block_actions(
        ids.DOCS_TICK, value, user_id=user, channel_id=p.channel, message_ts=p.ts
    )
    return settled(bot, user, lambda: bot.sender.interactive(payload).status)


def settled(bot, user: str, act) -> int:
    """Do ``act`` (a click: acked at once, handled after), then wait for what it shows:
    an edited post, or an answer to the person."""
    emulator = bot.emulator
    before = len(emulator.calls_to("chat.update")) + len(emulator.response_posts(user=user))
    status = act()
    emulator.wait_for(
        lambda e: len(e.calls_to("chat.update")) + len(e.response_posts(user=user)) > before
    )
    idle(bot)
    return status


def refusals(bot, user: str) -> list[str]:
    return [p.payload.get("text", "") for p in bot.emulator.response_posts(user=user)]


def test_the_checklists_at_several_points_of_the_pilots_life(bot):
    bot.clock.set(BEFORE_START)
    pilot = schedule_pilot(bot.engine, BEFORE_START)
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")

    before = states(bot)
    assert before["Pilot scope document (signed)"] == (False, "the record: no scope written yet:"
                                                       " /pilot scope set; ticked by the decision"
                                                       " maker's *Sign off* on the scope"
                                                       " document post")
    assert before["Success criteria"] == (False, "the record: none defined yet: /pilot criteria"
                                          " add")
    assert before["Risk register"][0] is False
    assert before["Technical requirements"] == (False, "the record cannot tell: the team ticks it")
    assert before["Issue log"] == (False, "the record: kept from the start date (Mon Dec 7)")
    assert before["Weekly metrics reports"] == (False, "the record: none shared yet")
    assert before["Final metrics report"][1].startswith("the record: not shared yet")

    ask(bot, 'criteria add "Containment rate" target=">= 60%"')
    ask(bot, 'risks add technical "The API may throttle" mitigation="Test environment first"')
    ask(bot, 'scope set use_cases="Order status" geographies="US"')
    written = states(bot)
    assert written["Success criteria"] == (True, "the record: 1 success criterion defined")
    assert written["Risk register"] == (True, "the record: 1 risk on the register")
    assert written["Pilot scope document (signed)"][0] is False
    assert "version 1 written, not signed off by the executive sponsor yet" in (
        written["Pilot scope document (signed)"][1]
    )

    # Week 1 of the pilot: the logs are kept; a weekly report shared ticks its item.
    bot.clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    running = states(bot)
    assert running["Issue log"] == (True, "the record: kept by the bot; no issue flagged so far")
    assert running["Change log"][0] is True and "change request" in running["Change log"][1]
    ask(bot, "flag major Exports time out")
    ask(bot, "report weekly week=1")
    running = states(bot)
    assert running["Issue log"] == (True, "the record: 1 flag logged, 1 open")
    assert running["Weekly metrics reports"] == (
        True,
        "the record: 1 weekly report shared, the last Thu Dec 10",
    )
    # A final report before Evaluation is a draft: not the final metrics report.
    ask(bot, "report final")
    assert states(bot)["Final metrics report"] == (False, "the record: only a draft so far"
                                                   " (Thu Dec 10)")

    # Evaluation: the final report, the recommendation and lessons learned tick themselves.
    bot.clock.set(IN_EVALUATION)
    ask(bot, "report final")
    with unit_of_work(bot.engine) as session:
        session.add(PilotDecision(pilot_id=pilot.id, subject="recommendation", outcome="go",
                                  reason="On target", decided_by=SPONSOR,
                                  role="executive_sponsor", decided_at=IN_EVALUATION))
    after = states(bot)
    assert after["Final metrics report"] == (True, "the record: final report shared Tue Jan 19")
    assert after["Recommendation document"] == (True, "the record: Go recorded Tue Jan 19")
    assert after["Lessons learned"] == (False, "the record: none recorded yet")
    assert after["Rollout plan (if applicable)"] == (False, "the record cannot tell: the team"
                                                     " ticks it")


def test_the_team_ticks_on_the_posted_lists_either_side_and_others_are_refused(bot):
    emulator = bot.emulator
    emulator.add_external_user(CUSTOMER, "cass", team_id=THEIRS)
    emulator.add_external_user(OUTSIDER, "otto", team_id=THEIRS)
    emulator.add_channel(CHANNEL, name="acme-shared", is_ext_shared=True)
    pilot = schedule_pilot(bot.engine, bot.clock.now())
    store_member(bot.engine, pilot, CUSTOMER, "technical_lead")

    # Anyone may post them; the post is the answer.
    assert bot.sender.command("docs post", user_id=OUTSIDER, channel_id=CHANNEL).status == 200
    (docs,) = bot.emulator.wait_for(lambda e: posts_of(bot, "docs:"))
    idle(bot)
    accessory = [b["accessory"] for b in docs.blocks if "accessory" in b]
    assert len(accessory) == 13  # a button per item but the signed scope document
    assert "Pilot scope document (signed)" in docs.text

    # The customer's technical lead, in their own organisation, ticks from the channel.
    assert press(bot, docs, ":pre_pilot:b2", CUSTOMER) == 200
    shown = latest(bot, docs)
    line = next(b["text"]["text"] for b in shown.blocks if "Technical requirements" in str(b))
    assert line.startswith(":white_check_mark:") and f"ticked by <@{CUSTOMER}>" in line
    assert "Untick" in str(next(b for b in shown.blocks if "Technical requirements" in str(b)))
    assert states(bot)["Technical requirements"][0] is True
    # The owner presses Tick on the post as it read before (not rewritten yet on their
    # screen): the item stays ticked rather than flip back.
    (stale,) = [b["accessory"]["value"] for b in docs.blocks
                if b.get("accessory", {}).get("value", "").startswith(f"{pilot.id}:pre_pilot:b2:")]
    payload = bot.sender.block_actions(ids.DOCS_TICK, stale, user_id=OWNER, channel_id=docs.channel,
                                       message_ts=docs.ts)
    assert settled(bot, OWNER, lambda: bot.sender.interactive(payload).status) == 200
    assert states(bot)["Technical requirements"][0] is True

    # Someone outside the team is refused, and nothing is stored.
    assert press(bot, docs, ":pre_pilot:b4", OUTSIDER) == 200
    assert any("Only the pilot's owner and the members of its team" in t
               for t in refusals(bot, OUTSIDER))
    assert states(bot)["Communication plan"][0] is False

    # The Post-Pilot list is the final evaluation's: the same stored ticks.
    assert press(bot, docs, ":post_pilot:p5", OWNER) == 200
    with unit_of_work(bot.engine) as session:
        ticks = [(t.checklist, t.item, t.checked, t.user_id)
                 for t in session.exec(select(ChecklistTick)).all()]
        row = session.get(Pilot, pilot.id)
        assert row is not None
        final = final_evaluation_of(session, row, plan_of(row), bot.clock.now())
    assert ticks == [("pre_pilot", "b2", True, CUSTOMER), ("post_pilot", "p5", True, OWNER)]
    assert "p5" in final.ticked
    # Unticking: the item goes back to what the record says.
    assert press(bot, docs, ":pre_pilot:b2", CUSTOMER) == 200
    assert states(bot)["Technical requirements"][0] is False


def test_the_decision_maker_signs_the_scope_off_and_an_approved_change_clears_it(bot):
    bot.clock.set(BEFORE_START)
    pilot = schedule_pilot(bot.engine, BEFORE_START)
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")
    ask(bot, 'scope set use_cases="Order status" languages="English"')
    v1 = post(bot.emulator, "scope_document:v1")
    assert "Scope document · Acme POC · version 1" in v1.text and "Order status" in v1.text

    assert settled(bot, OWNER, lambda: click(bot, v1, ids.SCOPE_SIGN_OFF, OWNER)) == 200
    assert any(f"Only <@{SPONSOR}> (executive sponsor) decides" in t
               for t in refusals(bot, OWNER))
    assert "not signed off" in answer(bot, "scope")

    assert settled(bot, SPONSOR, lambda: click(bot, v1, ids.SCOPE_SIGN_OFF, SPONSOR)) == 200
    assert f"Signed off* by <@{SPONSOR}> (executive sponsor)" in latest(bot, v1).text
    assert "Sign off" not in str(latest(bot, v1).blocks)
    shown = answer(bot, "scope")
    assert f"Signed off* (version 1) by <@{SPONSOR}> (executive sponsor) on Tue Dec 1" in shown
    assert states(bot)["Pilot scope document (signed)"][0] is True

    # After the start a scope change goes through the change process; approved, it makes
    # version 2, unsigned, and the signature of version 1 no longer holds.
    bot.clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    ask(bot, 'change scope use_cases="Order status, returns" reason="Returns are half the load"')
    ask_dm = post(bot.emulator, f"change:CH-1:ask:{SPONSOR}")
    assert settled(bot, SPONSOR, lambda: click(bot, ask_dm, ids.CHANGE_APPROVE, SPONSOR)) == 200
    v2 = post(bot.emulator, "scope_document:v2")
    assert "Order status, returns" in v2.text and "CH-1 approved by" in v2.text
    assert "Replaced by version 2" in latest(bot, v1).text
    assert "Version 2 is not signed off by the executive sponsor yet" in answer(bot, "scope")
    assert states(bot)["Pilot scope document (signed)"][0] is False
    # The old post is out of date.
    assert settled(bot, SPONSOR, lambda: click(bot, v1, ids.SCOPE_SIGN_OFF, SPONSOR)) == 200
    with unit_of_work(bot.engine) as session:
        signed = [(d.version, d.signed_by) for d in session.exec(select(ScopeDocument)).all()]
    assert signed == [(1, SPONSOR), (2, "")]
    assert any("replaced by version 2" in t for t in refusals(bot, SPONSOR))


def test_meeting_notes_by_button_and_by_command_in_the_thread_and_the_weekly_report(bot):
    pilot = schedule_pilot(bot.engine, bot.clock.now())
    store_member(bot.engine, pilot, LEAD, "implementation_lead")
    refused = answer(bot, "notes Nothing to note yet", user_id=LEAD)
    assert "No weekly or phase review has been posted yet" in refused

    # The Setup review (Friday of week 1) has Add notes: a form with one multi-line field.
    walk(bot, datetime(2026, 12, 11, 15, 5, tzinfo=UTC), kinds=("phase_review",))
    review = post(bot.emulator, "phase_review:setup")
    assert settled(bot, "U0009", lambda: click(bot, review, ids.NOTES_ADD, "U0009")) == 200
    assert any("Only the pilot's owner" in t for t in refusals(bot, "U0009"))
    assert click(bot, review, ids.NOTES_ADD, LEAD) == 200
    view = opened_view(bot, 1)
    assert view["blocks"][1]["element"]["multiline"] is True
    response = submit(bot, view, {ids.NOTES_TEXT: "Go agreed.\nSSO owner: <@U0002>"}, LEAD)
    assert response.status == 200
    idle(bot)
    thread = bot.emulator.thread(CHANNEL, review.ts)
    assert "Meeting notes* · End of Setup review · from <@U0003>" in thread[-1]["text"]
    assert "Go agreed.\nSSO owner: <@U0002>" in thread[-1]["text"]

    # `/pilot notes` adds to the latest review: here the weekly review just posted.
    assert bot.sender.command("review", user_id=LEAD, channel_id=CHANNEL).status == 200
    (weekly,) = bot.emulator.wait_for(lambda e: posts_of(bot, "review:"))
    said = ask(bot, "notes Export fix owned by Lee; *no* <!here> please", user=LEAD)
    assert "Saved your notes (Weekly review (posted on request))" in said
    replies = bot.emulator.thread(CHANNEL, weekly.ts)
    assert "Export fix owned by Lee" in replies[-1]["text"]
    assert "<!here>" not in replies[-1]["text"]  # a broadcast reads as a word

    with unit_of_work(bot.engine) as session:
        kept = [(n.review_key.split(":")[0], n.user_id) for n in session.exec(select(MeetingNote))]
    assert kept == [("phase_review", LEAD), ("review", LEAD)]
    ask(bot, "report weekly week=1")
    (report,) = [f for f in bot.emulator.files(CHANNEL) if f.name.endswith("week-1.md")]
    notes = report.content.decode().split("## Meeting notes")[1]
    assert "**End of Setup review**, by U0003" in notes and "> Go agreed." in notes
    assert "**Weekly review (posted on request)**" in notes
    assert "\\*no\\*" in notes  # people's words stay literal Markdown
