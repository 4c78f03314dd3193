"""The framework's Change Process end to end: `/pilot change ...`, the decision maker's
DM with Approve / Reject, and what the plan, the channel, the team and the log get."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.blocks import ids
from bot.core.grammar import unescape
from slack_emulator.client import SlackSender
from storage.db import unit_of_work
from storage.models import ChangeRequest, Pilot
from storage.record import scope_of
from storage.team import change_log
from tests.cadence_helpers import eventually
from tests.helpers import CHANNEL, store_member, store_pilot

SPONSOR, IMPLEMENTER, END_USER, OWNER = "U0002", "U0003", "U0004", "U0001"
RAMP_CHANGE = 'change ramp 10,25,40,40 reason="Hold at 40% until latency is fixed"'


@pytest.fixture
def pilot(bot):
    """The standard pilot (started Mon 2026-12-07; the clock is in week 1) and its team."""
    bot.emulator.add_user("U0003", "carol")
    bot.emulator.add_user("U0004", "dave")
    pilot = store_pilot(bot.engine)
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")
    store_member(bot.engine, pilot, IMPLEMENTER, "implementation_lead")
    store_member(bot.engine, pilot, END_USER, "end_user")
    return pilot


def command(bot, text, user_id=OWNER):
    response = bot.sender.command(text, user_id=user_id, channel_id=CHANNEL)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return unescape(body["text"])  # usage lines may arrive with Slack escapes


def requested(bot, text=RAMP_CHANGE, user_id=OWNER):
    """Request a change and wait until the decision maker's DM and the channel notice went out."""
    answer = command(bot, text, user_id)
    dm = bot.emulator.dm_channel(SPONSOR)
    bot.emulator.wait_for(lambda e: e.messages(dm) and e.messages(CHANNEL))
    return answer, bot.emulator.messages(dm)[-1]


def click(bot, message, action_id, *, user_id=SPONSOR, sender=None):
    """Click a button of a DM message; returns the button value it carried."""
    button = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    dm = bot.emulator.dm_channel(SPONSOR)
    sender = sender or bot.sender
    payload = sender.block_actions(
        action_id, button["value"], user_id=user_id, channel_id=dm, message_ts=message["ts"]
    )
    assert sender.interactive(payload).status == 200
    return button["value"]


def settled(bot, outcome, told):
    """Wait until the decision is announced in the channel and everyone in ``told`` has a DM."""
    bot.emulator.wait_for(
        lambda e: (
            outcome in e.messages(CHANNEL)[-1]["text"]
            and all(e.messages(e.dm_channel(u)) for u in told)
        )
    )


STAKEHOLDERS = [IMPLEMENTER, END_USER, OWNER]  # the team, the requester, the owner; not the sponsor


def ephemeral_answers(emulator, user_id):
    return [
        p.payload["text"]
        for p in emulator.response_posts(user=user_id)
        if p.ephemeral and not p.payload.get("replace_original")
    ]


def the_request(bot):
    with unit_of_work(bot.engine) as session:
        return session.exec(select(ChangeRequest)).one()


def the_pilot(bot, pilot):
    with unit_of_work(bot.engine) as session:
        return session.get(Pilot, pilot.id)


def log_of(bot, pilot):
    with unit_of_work(bot.engine) as session:
        return [
            (e.user_id, e.summary, e.reason) for e in change_log(session=session, pilot_id=pilot.id)
        ]


# ----- request -----------------------------------------------------------------------------


def test_a_request_is_recorded_its_impact_stated_and_the_sponsor_asked_by_dm(bot, pilot):
    answer, dm_message = requested(bot)
    assert answer.startswith(
        "CH-1 is recorded: change the ramp from the standard ramp to the custom ramp 10,25,40,40."
    )
    assert "The ramp peaks at 40% instead of 50%." in answer
    assert "I've asked <@U0002> (executive sponsor) to approve or reject it" in answer

    # The DM: conversations.open, then chat.postMessage to the DM it returned.
    assert bot.emulator.calls_to("conversations.open")[0].params["users"] == SPONSOR
    assert "Change request CH-1 for Acme POC" in dm_message["text"]
    assert "Reason: Hold at 40% until latency is fixed" in dm_message["text"]
    buttons = next(b for b in dm_message["blocks"] if b["type"] == "actions")["elements"]
    change = the_request(bot)
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ids.CHANGE_APPROVE, str(change.id)),
        (ids.CHANGE_REJECT, str(change.id)),
    ]
    # The channel is told, without buttons.
    notice = bot.emulator.messages(CHANNEL)[-1]
    assert notice["text"].startswith("Change requested (CH-1): <@U0001> asks to change the ramp")
    assert "Waiting for <@U0002> (executive sponsor)" in notice["text"]
    assert all(b["type"] != "actions" for b in notice["blocks"])

    assert (change.status, change.kind, change.requested_by) == ("pending", "ramp", OWNER)
    assert the_pilot(bot, pilot).ramp == "standard"  # nothing changes before approval
    ((who, summary, reason),) = log_of(bot, pilot)
    assert who == OWNER and summary.startswith("CH-1 requested: change the ramp")
    assert "Impact: The ramp changes" in summary and "Sent to <@U0002>" in summary
    assert reason == "Hold at 40% until latency is fixed"


def test_the_reason_is_quoted_as_typed_and_pings_nobody(bot, pilot):
    # Slack sends "@channel" as <!channel> and a typed "<" as &lt; (should_escape).
    _, dm_message = requested(
        bot, 'change ramp 10,25,40,40 reason="<!channel> p95 &lt; 2s for <@U0003>"'
    )
    notice = bot.emulator.messages(CHANNEL)[-1]["text"]
    assert "Reason: @channel p95 &lt; 2s for <@U0003>." in notice
    assert "<!channel>" not in notice and "<!channel>" not in dm_message["text"]
    assert the_request(bot).reason == "<!channel> p95 < 2s for <@U0003>"  # stored as typed


def test_change_ids_count_up_per_pilot(bot, pilot):
    requested(bot)
    answer = command(bot, 'change end weeks=7 reason="Holidays"')
    assert answer.startswith("CH-2 is recorded: move the hard end date from 2027-01-17 (6 weeks)")
    dm = bot.emulator.dm_channel(SPONSOR)
    bot.emulator.wait_for(lambda e: len(e.messages(dm)) == 2 and len(e.messages(CHANNEL)) == 2)
    assert "Change request CH-2" in bot.emulator.messages(dm)[-1]["text"]


# ----- approval ----------------------------------------------------------------------------


def test_approval_changes_the_plan_tells_the_channel_dms_every_stakeholder_and_logs_it(
    bot, pilot, clock
):
    _, dm_message = requested(bot)
    clock.set(datetime(2026, 12, 11, 14, 30, tzinfo=UTC))
    bot.emulator.reset_calls()
    click(bot, dm_message, ids.CHANGE_APPROVE)
    stakeholders = [IMPLEMENTER, END_USER, OWNER]
    bot.emulator.wait_for(
        lambda e: (
            all(e.messages(e.dm_channel(u)) for u in stakeholders)
            and "approved" in e.messages(CHANNEL)[-1]["text"]
        )
    )

    assert the_pilot(bot, pilot).ramp == "10,25,40,40"
    channel_post = bot.emulator.messages(CHANNEL)[-1]["text"]
    assert channel_post.startswith(
        ":white_check_mark: CH-1 approved by <@U0002> (executive sponsor)"
    )
    assert "`/pilot plan` shows the new calendar" in channel_post
    for user in stakeholders:
        (dm,) = bot.emulator.messages(bot.emulator.dm_channel(user))
        assert dm["text"].startswith("Acme POC plan change CH-1, approved by <@U0002>:")
        assert "Impact: The ramp changes" in dm["text"]
    opened = {c.params["users"] for c in bot.emulator.calls_to("conversations.open")}
    assert opened == set(stakeholders)  # the sponsor's own DM is updated instead

    decided = bot.emulator.message(bot.emulator.dm_channel(SPONSOR), dm_message["ts"])
    assert all(b["type"] != "actions" for b in decided["blocks"])
    assert "Approved* by you on Dec 11, 2026 at 09:30 EST" in str(decided["blocks"])

    change = the_request(bot)
    assert (change.status, change.decided_by, change.decider_role) == (
        "approved",
        SPONSOR,
        "executive_sponsor",
    )
    assert change.decided_at == datetime(2026, 12, 11, 14, 30, tzinfo=UTC)
    who, summary, reason = log_of(bot, pilot)[-1]
    assert who == SPONSOR
    assert summary.startswith("CH-1 approved by <@U0002> (executive sponsor): change the ramp")
    assert "Impact: The ramp changes" in summary
    assert reason == "Hold at 40% until latency is fixed"


def test_an_approved_end_date_moves_the_plan_and_status_follows(bot, pilot):
    answer, dm_message = requested(bot, 'change end 2027-01-31 reason="Holiday slowdown"')
    assert "The hard end date moves from 2027-01-17 to 2027-01-31 (2 weeks later)." in answer
    assert "2 more weekly reviews." in answer
    click(bot, dm_message, ids.CHANGE_APPROVE)
    settled(bot, "approved", STAKEHOLDERS)
    assert the_pilot(bot, pilot).weeks == 8
    assert "hard end Sun Jan 31, 2027" in command(bot, "status")


def test_an_approved_scope_change_updates_the_scope(bot, pilot):
    answer, dm_message = requested(
        bot, 'change scope use_cases="Billing, refunds" languages=English reason="Refunds too"'
    )
    assert "Use cases become defined: Billing, refunds." in answer
    click(bot, dm_message, ids.CHANGE_APPROVE)
    settled(bot, "approved", STAKEHOLDERS)
    with unit_of_work(bot.engine) as session:
        scope = scope_of(session=session, pilot_id=pilot.id)
    assert {k.value: v for k, v in scope.items()} == {
        "use_cases": "Billing, refunds",
        "languages": "English",
    }
    assert "*Use cases:* Billing, refunds" in str(bot.sender.command("scope").json()["blocks"])


def test_without_a_sponsor_the_project_lead_decides(bot, clock):
    bot.emulator.add_user("U0003", "carol")
    pilot = store_pilot(bot.engine)
    store_member(bot.engine, pilot, IMPLEMENTER, "project_lead")
    answer = command(bot, RAMP_CHANGE)
    assert "I've asked <@U0003> (project lead)" in answer
    dm = bot.emulator.dm_channel(IMPLEMENTER)
    message = bot.emulator.wait_for(lambda e: e.messages(CHANNEL) and e.messages(dm))[-1]
    button = message["blocks"][-1]["elements"][0]
    payload = bot.sender.block_actions(
        ids.CHANGE_APPROVE,
        button["value"],
        user_id=IMPLEMENTER,
        channel_id=dm,
        message_ts=message["ts"],
    )
    bot.sender.interactive(payload)
    settled(bot, "approved by <@U0003> (project lead)", [OWNER])
    assert the_pilot(bot, pilot).ramp == "10,25,40,40"


# ----- rejection ---------------------------------------------------------------------------


def test_rejection_keeps_the_plan_and_tells_the_requester_and_the_channel(bot, pilot):
    _, dm_message = requested(bot, user_id=IMPLEMENTER)
    click(bot, dm_message, ids.CHANGE_REJECT)
    requester_dm = bot.emulator.dm_channel(IMPLEMENTER)
    bot.emulator.wait_for(lambda e: e.messages(requester_dm))
    bot.emulator.wait_for(lambda e: "rejected" in e.messages(CHANNEL)[-1]["text"])

    assert the_pilot(bot, pilot).ramp == "standard"
    (dm,) = bot.emulator.messages(requester_dm)
    assert dm["text"] == (
        "Your change request CH-1 for Acme POC (change the ramp from the standard ramp to the"
        " custom ramp 10,25,40,40) was rejected by <@U0002>. The plan stays as it was."
    )
    assert bot.emulator.messages(CHANNEL)[-1]["text"].startswith(
        ":x: CH-1 rejected by <@U0002> (executive sponsor)"
    )
    # Only the requester hears about a rejection by DM.
    assert bot.emulator.messages(bot.emulator.dm_channel(END_USER)) == []
    change = the_request(bot)
    assert (change.status, change.decided_by) == ("rejected", SPONSOR)
    assert log_of(bot, pilot)[-1][1].startswith("CH-1 rejected by <@U0002> (executive sponsor)")


# ----- who may decide, and only once -------------------------------------------------------


def test_only_the_decision_maker_may_decide(bot, pilot):
    _, dm_message = requested(bot)
    click(bot, dm_message, ids.CHANGE_APPROVE, user_id=IMPLEMENTER)
    answers = bot.emulator.wait_for(lambda e: ephemeral_answers(e, IMPLEMENTER))
    assert answers == ["Only <@U0002> (executive sponsor) may decide CH-1."]
    assert the_request(bot).status == "pending"
    assert the_pilot(bot, pilot).ramp == "standard"
    # The buttons are still there for the sponsor.
    still = bot.emulator.message(bot.emulator.dm_channel(SPONSOR), dm_message["ts"])
    assert any(b["type"] == "actions" for b in still["blocks"])


def test_deciding_twice_gets_a_clear_answer_and_changes_nothing(bot, pilot):
    _, dm_message = requested(bot)
    click(bot, dm_message, ids.CHANGE_APPROVE)
    settled(bot, "approved", STAKEHOLDERS)
    posts_before = len(bot.emulator.messages(CHANNEL))
    click(bot, dm_message, ids.CHANGE_REJECT)
    answers = bot.emulator.wait_for(lambda e: ephemeral_answers(e, SPONSOR))
    assert answers[-1] == (
        "CH-1 was already approved by <@U0002> on Dec 10, 2026 at 10:00 EST; nothing changed."
    )
    assert the_request(bot).status == "approved"
    assert the_pilot(bot, pilot).ramp == "10,25,40,40"
    assert len(bot.emulator.messages(CHANNEL)) == posts_before


def test_two_simultaneous_clicks_decide_once(bot, pilot):
    _, dm_message = requested(bot)
    dm = bot.emulator.dm_channel(SPONSOR)
    payloads = [
        bot.sender.block_actions(
            action,
            str(the_request(bot).id),
            user_id=SPONSOR,
            channel_id=dm,
            message_ts=dm_message["ts"],
        )
        for action in (ids.CHANGE_APPROVE, ids.CHANGE_REJECT)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(lambda p: bot.sender.interactive(p).status, payloads))
    assert statuses == [200, 200]
    bot.emulator.wait_for(lambda e: ephemeral_answers(e, SPONSOR))
    outcome = the_request(bot).status
    assert outcome in ("approved", "rejected")
    settled(bot, outcome, STAKEHOLDERS if outcome == "approved" else [OWNER])
    decided = [m for m in bot.emulator.messages(CHANNEL) if "by <@U0002>" in m["text"]]
    assert len(decided) == 1
    assert ephemeral_answers(bot.emulator, SPONSOR) == [
        f"CH-1 was already {outcome} by <@U0002> on Dec 10, 2026 at 10:00 EST; nothing changed."
    ]


def test_a_request_made_against_an_older_plan_cannot_be_approved(bot, pilot):
    _, first = requested(bot)  # CH-1: standard -> 10,25,40,40
    command(bot, 'change ramp 10,25,40,50 reason="Slower middle"')  # CH-2, also from standard
    dm = bot.emulator.dm_channel(SPONSOR)
    bot.emulator.wait_for(lambda e: len(e.messages(dm)) == 2 and len(e.messages(CHANNEL)) == 2)
    second = bot.emulator.messages(dm)[-1]
    click(bot, second, ids.CHANGE_APPROVE)
    settled(bot, "CH-2 approved", STAKEHOLDERS)
    click(bot, first, ids.CHANGE_APPROVE)
    answers = bot.emulator.wait_for(lambda e: ephemeral_answers(e, SPONSOR))
    assert answers == [
        "CH-1 was made against an older plan and the pilot is now on the custom ramp"
        " 10,25,40,50, so its impact no longer holds. Reject it and ask for a new request"
        " with `/pilot change`."
    ]
    assert the_pilot(bot, pilot).ramp == "10,25,40,50"
    with unit_of_work(bot.engine) as session:
        statuses = [
            r.status for r in session.exec(select(ChangeRequest).order_by(ChangeRequest.number))
        ]
    assert statuses == ["pending", "approved"]
    click(bot, first, ids.CHANGE_REJECT)  # rejecting it still works
    owner_dm = bot.emulator.dm_channel(OWNER)
    bot.emulator.wait_for(lambda e: "CH-1" in e.messages(owner_dm)[-1]["text"])
    assert "rejected" in bot.emulator.messages(owner_dm)[-1]["text"]


def test_a_change_from_another_workspace_cannot_be_acted_on(bot, pilot):
    _, dm_message = requested(bot)
    intruder = SlackSender(
        f"{bot.url}/slack/events",
        bot.settings.signing_secret,
        team_id="T0002",
        emulator=bot.emulator,
    )
    click(bot, dm_message, ids.CHANGE_APPROVE, sender=intruder)
    answers = bot.emulator.wait_for(lambda e: ephemeral_answers(e, SPONSOR))
    assert answers == ["That change request is not in this workspace; nothing changed."]
    assert the_request(bot).status == "pending"


# ----- before the start, refusals and bad input --------------------------------------------


def test_before_the_start_an_editor_changes_the_plan_directly(bot, pilot, clock):
    clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    answer = command(bot, 'change ramp conservative reason="First pilot of this kind"')
    assert answer.startswith(
        "Done: Change the ramp from the standard ramp to the conservative ramp."
    )
    assert "no approval was needed; from 2026-12-07 such changes go to the decision maker" in answer
    assert the_pilot(bot, pilot).ramp == "conservative"
    assert bot.emulator.calls_to("conversations.open") == []
    with unit_of_work(bot.engine) as session:
        assert session.exec(select(ChangeRequest)).all() == []
    _who, summary, reason = log_of(bot, pilot)[-1]
    assert summary.startswith("Before the start (no approval needed): change the ramp")
    assert reason == "First pilot of this kind"


def test_an_end_user_may_not_request_a_change(bot, pilot):
    answer = command(bot, RAMP_CHANGE, user_id=END_USER)
    assert answer.startswith("Only the pilot's owner, vendor-side team members, the project lead")
    assert "may change the plan" in answer
    with unit_of_work(bot.engine) as session:
        assert session.exec(select(ChangeRequest)).all() == []


def test_without_a_sponsor_or_project_lead_nobody_can_approve(bot):
    store_pilot(bot.engine)
    answer = command(bot, RAMP_CHANGE)
    assert answer == (
        "Nobody can approve this change: the pilot has no executive sponsor or project lead."
        " Add one with `/pilot team add @user executive_sponsor` (or `project_lead`),"
        " then ask again."
    )
    assert bot.emulator.calls_to("conversations.open") == []


def test_a_ramp_outside_the_type_band_needs_override(bot, pilot):
    answer = command(bot, 'change ramp aggressive reason="Customer wants results"')
    assert "peaks at 100%, above the business band of 30-50%" in answer
    assert "Add override=yes to propose it anyway." in answer
    answer = command(bot, 'change ramp aggressive reason="Customer wants results" override=yes')
    assert answer.startswith("CH-1 is recorded")
    assert "peaks at 100%, above the business band" in answer  # the warning is part of the impact
    bot.emulator.wait_for(lambda e: e.messages(CHANNEL) and e.messages(e.dm_channel(SPONSOR)))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("change ramp 10,25,40,40", 'Say why: add reason="..."'),
        ('change ramp sideways reason="x"', "Unknown ramp 'sideways'."),
        ('change ramp standard reason="x"', "The pilot is already on the standard ramp."),
        ('change end reason="x"', "Give either the new hard end date (YYYY-MM-DD) or weeks=<n>."),
        (
            'change end 2027-01-31 weeks=8 reason="x"',
            "Give the new end date or weeks=<n>, not both.",
        ),
        ('change end 31/01/2027 reason="x"', "'31/01/2027' is not a date."),
        (
            'change end 2027-01-30 reason="x"',
            "2027-01-30 is not the last day of a pilot week (weeks run Monday to Sunday): end on"
            " 2027-01-24 (7 weeks) or 2027-01-31 (8 weeks).",
        ),
        ('change end weeks=0 reason="x"', "'0' is not a number of weeks."),
        ('change end weeks=6 reason="x"', "The pilot already ends on 2027-01-17 (6 weeks)."),
        ('change scope reason="x"', "Name at least one boundary to change."),
        ('change scope color=blue reason="x"', "Unknown option `color`"),
    ],
)
def test_bad_change_requests_get_one_line_with_the_usage(bot, pilot, text, problem):
    answer = command(bot, text)
    assert answer.startswith(problem)
    assert "Usage: `/pilot change " in answer
    assert "\n" not in answer
    with unit_of_work(bot.engine) as session:
        assert session.exec(select(ChangeRequest)).all() == []


def test_the_end_cannot_move_before_the_current_week(bot, pilot, clock):
    clock.set(datetime(2026, 12, 22, 15, 0, tzinfo=UTC))  # week 3
    answer = command(bot, 'change end weeks=2 reason="Stop early"')
    assert answer.startswith(
        "The pilot is already in week 3, so it cannot end before 2026-12-27 (week 3)."
    )


def test_change_without_a_known_subject_lists_the_forms(bot, pilot):
    for text in ("change", "change colour blue"):
        answer = command(bot, text)
        assert "/pilot change ramp <ramp>" in answer
        assert "/pilot change end <YYYY-MM-DD>" in answer
        assert "/pilot change scope" in answer
    assert command(bot, "change colour blue").startswith(
        "`colour` is not something `/pilot change` changes."
    )


def test_an_ended_pilot_takes_no_changes(bot, pilot):
    with unit_of_work(bot.engine) as session:
        row = session.get(Pilot, pilot.id)
        row.state = "ended"
        session.add(row)
    assert command(bot, RAMP_CHANGE) == "This pilot has ended; its plan no longer changes."


def test_a_dm_slack_refuses_for_good_shows_in_status(bot, pilot):
    bot.emulator.fail("conversations.open", error="cannot_dm_bot")
    answer = command(bot, RAMP_CHANGE)
    assert answer.startswith("CH-1 is recorded")
    bot.emulator.wait_for(lambda e: "Change requested (CH-1)" in e.messages(CHANNEL)[-1]["text"])

    def refused_line():
        status = command(bot, "status")
        return status if "Undelivered" in status else ""

    status = eventually(refused_line)
    assert "1 to DM to <@U0002>: `cannot_dm_bot`" in status
    # Refused for good: never tried again.
    bot.emulator.reset_calls()
    command(bot, "status")
    assert not bot.emulator.calls_to("conversations.open")


def test_the_clock_decides_when_the_pilot_has_started(bot, pilot, clock):
    # Sunday 2026-12-06 23:30 in New York is still before the start; Monday 00:30 is not.
    clock.set(datetime(2026, 12, 7, 4, 30, tzinfo=UTC))
    assert command(bot, RAMP_CHANGE).startswith("Done:")
    clock.set(datetime(2026, 12, 7, 5, 30, tzinfo=UTC))
    assert command(bot, 'change ramp standard reason="Back"').startswith("CH-1 is recorded")
    bot.emulator.wait_for(lambda e: e.messages(CHANNEL) and e.messages(e.dm_channel(SPONSOR)))
    assert date(2026, 12, 7) == the_pilot(bot, pilot).start_date
