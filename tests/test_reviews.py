"""The reviews over signed HTTP: /pilot review, Record metrics, Set priorities, the early
warning, Applied and Hold on a ramp step, the end-of-phase review (checklist, Go, No-go,
lessons learned), the final evaluation (criteria met and not met, the recommendation)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.blocks import ids
from storage.db import unit_of_work
from storage.models import (
    ChangeRequest,
    CheckinReply,
    ChecklistTick,
    MetricValue,
    OutboxMessage,
    Pilot,
    PilotDecision,
    RampConfirmation,
    ReviewNote,
    SuccessCriterion,
)
from storage.outbox import SKIPPED
from storage.readings import record_values
from storage.team import change_log
from tests.cadence_helpers import eventually, schedule_pilot
from tests.helpers import CHANNEL, store_member
from tests.review_helpers import (
    button,
    click,
    latest_message,
    opened_view,
    post,
    submit,
    tick_boxes,
    walk,
)

OWNER, SPONSOR, IMPLEMENTER, END_USER, STRANGER = "U0001", "U0002", "U0003", "U0004", "U0009"


@pytest.fixture
def pilot(bot):
    for user, name in ((IMPLEMENTER, "carol"), (END_USER, "dave"), (STRANGER, "eve")):
        bot.emulator.add_user(user, name)
    pilot = schedule_pilot(bot.engine, bot.clock.now())
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")
    store_member(bot.engine, pilot, IMPLEMENTER, "implementation_lead")
    store_member(bot.engine, pilot, END_USER, "end_user")
    return pilot


def at(bot, instant: datetime, pilot) -> None:
    """Put the clock at ``instant`` with the pilot scheduled from there."""
    bot.clock.set(instant)
    from storage.pilots import refresh_next_due

    with unit_of_work(bot.engine) as session:
        row = session.get(Pilot, pilot.id)
        row.next_due_at = None
        refresh_next_due(session, row, instant)


def add_criteria(bot, *lines: str) -> list[SuccessCriterion]:
    for line in lines:
        assert bot.sender.command(f"criteria add {line}", user_id=OWNER).status == 200
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(SuccessCriterion).order_by(SuccessCriterion.number)))


def ephemerals_to(bot, user_id: str) -> list[str]:
    texts = [p.payload.get("text", "") for p in bot.emulator.response_posts(user=user_id)]
    texts += [m.get("text", "") for m in bot.emulator.ephemerals(user=user_id)]
    return texts


def wait_for_ephemeral(bot, user_id: str, fragment: str) -> str:
    return bot.emulator.wait_for(
        lambda e: next((t for t in ephemerals_to(bot, user_id) if fragment in t), None)
    )


def log_of(bot, pilot) -> list[tuple[str, str, str, str]]:
    with unit_of_work(bot.engine) as session:
        return [
            (e.kind, e.user_id, e.summary, e.reason)
            for e in change_log(session=session, pilot_id=pilot.id)
        ]


def outbox_row(bot, key: str) -> OutboxMessage:
    with unit_of_work(bot.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def all_rows(bot, table):
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(table)).all())


# ----- /pilot review and the metrics modal ----------------------------------------------------


def test_pilot_review_posts_the_review_now_and_the_schedule_stays(bot, pilot):
    at(bot, datetime(2026, 12, 16, 15, 0, tzinfo=UTC), pilot)  # Wed Dec 16 10:00
    with unit_of_work(bot.engine) as session:
        before = session.get(Pilot, pilot.id).next_due_at
    response = bot.sender.command("review", user_id=END_USER)
    assert response.status == 200
    (call,) = bot.emulator.wait_for_calls("chat.postMessage")
    assert call.params["channel"] == CHANNEL
    assert call.params["text"].startswith("Weekly review · Week 2 of 6 · Soft Launch")
    assert "On demand" in call.params["blocks"][1]["text"]["text"]
    with unit_of_work(bot.engine) as session:
        assert session.get(Pilot, pilot.id).next_due_at == before
    # The scheduled review of week 3 still goes out on Monday.
    found = walk(bot, datetime(2026, 12, 21, 15, 0, tzinfo=UTC), kinds=("weekly_review",))
    assert found == [("weekly_review:w3", "Mon 2026-12-21 10:00")]


def test_pilot_review_without_a_pilot_says_how_to_create_one(bot):
    body = bot.sender.command("review", channel_id="C0OTHER").json()
    assert body["response_type"] == "ephemeral"
    assert "no pilot in this channel" in body["text"]


def test_record_metrics_stores_who_and_when_and_status_shows_them(bot, pilot):
    at(bot, datetime(2026, 12, 14, 14, 0, tzinfo=UTC), pilot)
    c1, c2 = add_criteria(bot, '"Containment rate" target=">= 60%"', '"Latency" target="under 2 s"')
    walk(bot, datetime(2026, 12, 14, 15, 0, tzinfo=UTC))
    review = post(bot.emulator, "weekly_review:w2")
    assert button(review, ids.REVIEW_RECORD_METRICS)["value"] == str(pilot.id)

    assert click(bot, review, ids.REVIEW_RECORD_METRICS, END_USER) == 200
    view = opened_view(bot, 1)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == ["C-1 Containment rate", "C-2 Latency"]
    assert [b["block_id"] for b in inputs] == [f"metric_{c1.id}", f"metric_{c2.id}"]
    assert inputs[0]["hint"]["text"] == "Target >= 60%."

    # Nothing typed: the first field says so. A word: that field says what to give.
    answer = submit(bot, view, {}, END_USER).json()
    assert answer == {
        "response_action": "errors",
        "errors": {f"metric_{c1.id}": "Enter at least one value."},
    }
    answer = submit(bot, view, {f"metric_{c2.id}": "fast"}, END_USER).json()
    assert list(answer["errors"]) == [f"metric_{c2.id}"]
    assert "'fast' is not a value" in answer["errors"][f"metric_{c2.id}"]
    assert all_rows(bot, MetricValue) == []

    bot.clock.set(datetime(2026, 12, 14, 16, 5, tzinfo=UTC))
    response = submit(bot, view, {f"metric_{c1.id}": "58%", f"metric_{c2.id}": "1.8 s"}, END_USER)
    assert response.status == 200 and response.body == b""
    note = wait_for_ephemeral(bot, END_USER, "Recorded:")
    assert "C-1 Containment rate = 58% (target &gt;= 60%): below the target" in note
    assert "C-2 Latency = 1.8 s (target under 2 s): meets the target" in note
    values = sorted(all_rows(bot, MetricValue), key=lambda v: v.criterion_id)
    assert [(v.value, v.typed, v.recorded_by, v.recorded_at) for v in values] == [
        ("58", "58%", END_USER, datetime(2026, 12, 14, 16, 5, tzinfo=UTC)),
        ("1.8", "1.8 s", END_USER, datetime(2026, 12, 14, 16, 5, tzinfo=UTC)),
    ]

    text = bot.sender.command("status").json()["text"]
    assert "Latest metrics: • C-1 Containment rate: *58%* (target &gt;= 60%) · below target" in text
    assert "C-2 Latency: *1.8 s* (target &lt; 2 s) · met" in text
    assert "Not confirmed yet: week 2's step from 10% to 25%" in text


def test_only_the_team_records_metrics(bot, pilot):
    at(bot, datetime(2026, 12, 14, 14, 0, tzinfo=UTC), pilot)
    add_criteria(bot, '"Containment rate" target=">= 60%"')
    walk(bot, datetime(2026, 12, 14, 15, 0, tzinfo=UTC))
    review = post(bot.emulator, "weekly_review:w2")
    assert click(bot, review, ids.REVIEW_RECORD_METRICS, STRANGER) == 200
    refusal = wait_for_ephemeral(bot, STRANGER, "Only the pilot's owner and the members")
    assert "/pilot team add" in refusal
    assert bot.emulator.calls_to("views.open") == []


def test_record_metrics_without_criteria_says_how_to_add_one(bot, pilot):
    at(bot, datetime(2026, 12, 16, 15, 0, tzinfo=UTC), pilot)
    bot.sender.command("review")
    (call,) = bot.emulator.wait_for_calls("chat.postMessage")
    message = latest_message(bot, CHANNEL, call.response["ts"])
    payload = bot.sender.block_actions(
        ids.REVIEW_RECORD_METRICS,
        str(pilot.id),
        user_id=OWNER,
        channel_id=CHANNEL,
        message_ts=message["ts"],
    )
    assert bot.sender.interactive(payload).status == 200
    assert "/pilot criteria add" in wait_for_ephemeral(bot, OWNER, "no success criteria")


def test_values_below_target_two_reviews_running_raise_an_early_warning(bot, pilot):
    at(bot, datetime(2026, 12, 14, 14, 0, tzinfo=UTC), pilot)
    (c1,) = add_criteria(bot, '"Containment rate" target=">= 60%"')
    with unit_of_work(bot.engine) as session:
        for when, value in (
            (datetime(2026, 12, 15, 15, tzinfo=UTC), "58"),
            (
                datetime(2026, 12, 22, 15, tzinfo=UTC),
                "55",
            ),
        ):
            record_values(
                session=session,
                pilot_id=pilot.id,
                values=[(c1.id, Decimal(value), f"{value}%")],
                user_id=IMPLEMENTER,
                at=when,
            )
    walk(bot, datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    w2, w3, w4 = (post(bot.emulator, f"weekly_review:w{n}") for n in (2, 3, 4))
    assert "Early warning" not in w2.text and "Early warning" not in w3.text  # once below
    assert "C-1 Containment rate: *58%* (target &gt;= 60%) · below target" in w3.text
    assert "Early warning: C-1 Containment rate: below target in two weekly reviews in a row" in (
        w4.text
    )
    assert "*55%* (target &gt;= 60%) · below target · ↓ from 58% on Tue Dec 15" in w4.text
    assert "(away from the target)" in w4.text


def test_priorities_set_at_one_review_show_in_the_next(bot, pilot):
    at(bot, datetime(2026, 12, 21, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 21, 15, 0, tzinfo=UTC))
    w3 = post(bot.emulator, "weekly_review:w3")
    assert button(w3, ids.REVIEW_SET_PRIORITIES)["value"] == f"{pilot.id}:w3"
    assert click(bot, w3, ids.REVIEW_SET_PRIORITIES, IMPLEMENTER) == 200
    view = opened_view(bot, 1)
    assert submit(bot, view, {ids.PRIORITIES_TEXT: "  "}, IMPLEMENTER).json()["errors"] == {
        ids.PRIORITIES_TEXT: "Write at least one."
    }
    text = "Fix the latency spike\nTrain the night shift"
    assert submit(bot, view, {ids.PRIORITIES_TEXT: text}, IMPLEMENTER).status == 200
    wait_for_ephemeral(bot, IMPLEMENTER, "Saved next week's priorities")
    (note,) = all_rows(bot, ReviewNote)
    assert (note.kind, note.period, note.text, note.user_id) == (
        "priorities",
        "w3",
        text,
        IMPLEMENTER,
    )
    # Opening it again shows what was saved.
    assert click(bot, w3, ids.REVIEW_SET_PRIORITIES, IMPLEMENTER) == 200
    again = opened_view(bot, 2)
    field = next(b for b in again["blocks"] if b["type"] == "input")
    assert field["element"]["initial_value"] == text
    walk(bot, datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    w4 = post(bot.emulator, "weekly_review:w4")
    assert f"Priorities from the last review: {text}\n_Set by <@{IMPLEMENTER}>" in w4.text


# ----- ramp steps: Applied and Hold ------------------------------------------------------------


def test_applied_records_who_confirmed_the_step_and_when(bot, pilot):
    at(bot, datetime(2026, 12, 21, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 21, 14, 30, tzinfo=UTC))
    announcement = post(bot.emulator, "ramp_change:w3")
    bot.clock.set(datetime(2026, 12, 21, 14, 47, tzinfo=UTC))
    assert click(bot, announcement, ids.RAMP_APPLIED, IMPLEMENTER) == 200
    updated = bot.emulator.wait_for(
        lambda e: (m := e.message(CHANNEL, announcement.ts)) and m.get("edited") and m
    )
    assert (
        "Applied in production at 40%: confirmed by <@U0003> at Mon Dec 21 09:47 EST"
        in (updated["text"])
    )
    assert all(b["type"] != "actions" for b in updated["blocks"])  # no more buttons
    (row,) = all_rows(bot, RampConfirmation)
    assert (row.week, row.pct, row.confirmed_by) == (3, 40, IMPLEMENTER)
    assert row.confirmed_at == datetime(2026, 12, 21, 14, 47, tzinfo=UTC)
    assert log_of(bot, pilot)[-1][:3] == (
        "ramp",
        IMPLEMENTER,
        "Week 3: traffic at 40% confirmed applied in production",
    )
    # A second click (an old copy of the post) is told who confirmed it.
    assert click(bot, announcement, ids.RAMP_APPLIED, OWNER) == 200
    assert "already confirmed by <@U0003>" in wait_for_ephemeral(bot, OWNER, "already")
    assert len(all_rows(bot, RampConfirmation)) == 1
    # Status: planned and confirmed traffic.
    text = bot.sender.command("status").json()["text"]
    assert "Traffic today (planned): 40%" in text
    assert "Confirmed in production: 40% (week 3), by <@U0003> on Mon Dec 21" in text
    assert "Not confirmed yet" not in text


def test_hold_opens_the_change_process_with_the_step_put_off(bot, pilot):
    at(bot, datetime(2026, 12, 28, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 28, 14, 30, tzinfo=UTC))
    announcement = post(bot.emulator, "ramp_change:w4")
    # An end user may not hold the ramp: only those who may change the plan.
    assert click(bot, announcement, ids.RAMP_HOLD, END_USER) == 200
    assert "may hold the ramp" in wait_for_ephemeral(bot, END_USER, "Only")

    assert click(bot, announcement, ids.RAMP_HOLD, IMPLEMENTER) == 200
    view = opened_view(bot, 1)
    ramp_field = next(b for b in view["blocks"] if b.get("block_id") == ids.RAMP_HOLD_RAMP)
    assert ramp_field["element"]["initial_value"] == "10,25,40,40,50,50"
    assert "week 4 held at 40%" in ramp_field["hint"]["text"]

    answer = submit(bot, view, {ids.RAMP_HOLD_RAMP: "10,25,40,40,50,50"}, IMPLEMENTER).json()
    assert answer["errors"] == {ids.RAMP_HOLD_REASON: "Say why (the log keeps it)."}
    answer = submit(
        bot, view, {ids.RAMP_HOLD_RAMP: "lots", ids.RAMP_HOLD_REASON: "latency"}, IMPLEMENTER
    ).json()
    assert "Unknown ramp 'lots'" in answer["errors"][ids.RAMP_HOLD_RAMP]
    assert all_rows(bot, ChangeRequest) == []

    response = submit(
        bot,
        view,
        {ids.RAMP_HOLD_RAMP: "10,25,40,40,50,50", ids.RAMP_HOLD_REASON: "Latency above 2 s"},
        IMPLEMENTER,
    )
    assert response.status == 200 and response.body == b""
    dm = bot.emulator.dm_channel(SPONSOR)
    bot.emulator.wait_for(lambda e: e.messages(dm))
    (request,) = all_rows(bot, ChangeRequest)
    assert (request.kind, request.requested_by, request.status) == ("ramp", IMPLEMENTER, "pending")
    assert json.loads(request.proposal)["ramp"] == "10,25,40,40,50,50"
    assert request.reason == "Hold on week 4's ramp step: Latency above 2 s"
    decision_dm = bot.emulator.messages(dm)[-1]
    assert "Change request CH-1 for Acme POC" in decision_dm["text"]
    assert button(decision_dm, ids.CHANGE_APPROVE)["value"] == str(request.id)
    bot.emulator.wait_for(
        lambda e: any("Change requested (CH-1)" in m["text"] for m in e.messages(CHANNEL))
    )
    assert "CH-1 is recorded" in wait_for_ephemeral(bot, IMPLEMENTER, "CH-1")
    assert log_of(bot, pilot)[-1][2].startswith("CH-1 requested: change the ramp")


# ----- the end-of-phase review -------------------------------------------------------------


def test_the_checklist_is_ticked_stored_and_shown_to_everyone(bot, pilot):
    at(bot, datetime(2026, 12, 18, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 18, 15, 0, tzinfo=UTC))
    review = post(bot.emulator, "phase_review:soft_launch")
    deliverables = button(review, ids.CHECKLIST_DELIVERABLES)
    assert [o["text"]["text"] for o in deliverables["options"]] == [
        "Baseline metrics",
        "Issue log",
        "Initial learnings",
    ]
    exits = button(review, ids.CHECKLIST_EXIT_CRITERIA)
    assert exits["options"][0]["description"]["text"] == "The record: no critical flags open"
    # The issue log has no critical flag open: the record ticks "No critical issues".
    assert [o["value"] for o in exits["initial_options"]] == ["e1"]

    assert tick_boxes(bot, review, ids.CHECKLIST_DELIVERABLES, ["d1", "d3"], IMPLEMENTER) == 200
    updated = bot.emulator.wait_for(
        lambda e: (m := e.message(CHANNEL, review.ts)) and m.get("edited") and m
    )
    shown = button(updated, ids.CHECKLIST_DELIVERABLES)
    assert [o["value"] for o in shown["initial_options"]] == ["d1", "d3"]
    assert "[x] Deliverables: Baseline metrics" in updated["text"]
    assert tick_boxes(bot, review, ids.CHECKLIST_EXIT_CRITERIA, ["e3"], IMPLEMENTER) == 200
    bot.emulator.wait_for(
        lambda e: "[x] Exit criteria: Ready to expand" in e.message(CHANNEL, review.ts)["text"]
    )
    ticks = {(t.item, t.checked, t.user_id) for t in all_rows(bot, ChecklistTick)}
    assert ticks == {
        ("d1", True, IMPLEMENTER),
        ("d2", False, IMPLEMENTER),
        ("d3", True, IMPLEMENTER),
        ("e1", False, IMPLEMENTER),
        ("e2", False, IMPLEMENTER),
        ("e3", True, IMPLEMENTER),
    }
    # Someone off the team cannot tick: the post goes back to the stored state.
    assert tick_boxes(bot, review, ids.CHECKLIST_DELIVERABLES, [], STRANGER) == 200
    wait_for_ephemeral(bot, STRANGER, "may tick the checklist")
    assert {t.item for t in all_rows(bot, ChecklistTick) if t.checked} == {"d1", "d3", "e3"}


def test_go_is_for_the_decision_maker_and_lands_in_the_log(bot, pilot):
    at(bot, datetime(2026, 12, 11, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 11, 15, 0, tzinfo=UTC))
    review = post(bot.emulator, "phase_review:setup")
    assert "Only <@U0002> (executive sponsor) decides." in review.text
    assert click(bot, review, ids.PHASE_GO, OWNER) == 200
    refusal = wait_for_ephemeral(bot, OWNER, "decides go / no-go")
    assert refusal == "Only <@U0002> (executive sponsor) decides go / no-go for Soft Launch."
    assert all_rows(bot, PilotDecision) == []

    tick_boxes(bot, review, ids.CHECKLIST_EXIT_CRITERIA, ["e1", "e2", "e3"], IMPLEMENTER)
    bot.emulator.wait_for(lambda e: e.message(CHANNEL, review.ts).get("edited"))
    bot.clock.set(datetime(2026, 12, 11, 16, 2, tzinfo=UTC))
    assert click(bot, review, ids.PHASE_GO, SPONSOR) == 200
    bot.emulator.wait_for(
        lambda e: any("*Go* for Soft Launch" in m["text"] for m in e.messages(CHANNEL))
    )
    (decision,) = all_rows(bot, PilotDecision)
    assert (decision.subject, decision.outcome, decision.decided_by) == ("setup", "go", SPONSOR)
    assert decision.role == "executive_sponsor"
    assert decision.decided_at == datetime(2026, 12, 11, 16, 2, tzinfo=UTC)
    kind, who, summary, why = log_of(bot, pilot)[-1]
    assert (kind, who) == ("decision", SPONSOR)
    assert summary == "Go for Soft Launch at the end of Setup, by <@U0002> (executive sponsor)"
    assert why == (
        "checklist 3 of 6 ticked (open: Working integration; Test cases passing; Users trained)"
    )
    updated = bot.emulator.wait_for(
        lambda e: (
            "decided by <@U0002>" in e.message(CHANNEL, review.ts)["text"]
            and e.message(CHANNEL, review.ts)
        )
    )
    assert all(
        e["action_id"] not in (ids.PHASE_GO, ids.PHASE_NO_GO)
        for b in updated["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )
    # A second click is told it is decided.
    assert click(bot, review, ids.PHASE_NO_GO, SPONSOR) == 200
    assert "Already decided. :white_check_mark: *Go*" in wait_for_ephemeral(bot, SPONSOR, "Already")


def test_a_no_go_at_the_end_of_soft_launch_holds_the_ramp_until_a_change_is_approved(bot, pilot):
    at(bot, datetime(2026, 12, 18, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 18, 15, 0, tzinfo=UTC))
    review = post(bot.emulator, "phase_review:soft_launch")
    assert click(bot, review, ids.PHASE_NO_GO, IMPLEMENTER) == 200
    wait_for_ephemeral(bot, IMPLEMENTER, "Only <@U0002> (executive sponsor) decides")
    assert bot.emulator.calls_to("views.open") == []

    assert click(bot, review, ids.PHASE_NO_GO, SPONSOR) == 200
    view = opened_view(bot, 1)
    assert "The ramp holds at 25%" in view["blocks"][0]["text"]["text"]
    answer = submit(bot, view, {ids.NO_GO_WEEKS: "1"}, SPONSOR).json()
    assert answer["errors"] == {ids.NO_GO_REASON: "Say why (the log keeps it)."}
    answer = submit(
        bot, view, {ids.NO_GO_REASON: "Two critical flags", ids.NO_GO_WEEKS: "0"}, SPONSOR
    )
    assert "'0' is not a number of weeks" in answer.json()["errors"][ids.NO_GO_WEEKS]

    bot.clock.set(datetime(2026, 12, 18, 16, 30, tzinfo=UTC))
    reason = "Containment at 41% against 60%; two critical flags open"
    response = submit(bot, view, {ids.NO_GO_REASON: reason, ids.NO_GO_WEEKS: "1"}, SPONSOR)
    assert response.status == 200 and response.body == b""
    dm = bot.emulator.dm_channel(SPONSOR)
    bot.emulator.wait_for(lambda e: e.messages(dm))
    (decision,) = all_rows(bot, PilotDecision)
    (request,) = all_rows(bot, ChangeRequest)
    assert (decision.subject, decision.outcome, decision.held_pct) == ("soft_launch", "no_go", 25)
    assert decision.reason == reason and decision.change_request_id == request.id
    assert (request.kind, json.loads(request.proposal)["weeks"]) == ("end", 7)
    assert request.reason == f"No-go at the end of Soft Launch: {reason}"
    # The change request CH-1 is announced too (its text names the No-go): wait for the
    # decision's own notice, whichever of the two Slack got first.
    held = "The ramp holds at 25% until a change is approved (CH-1 proposes an extension)"
    notices = bot.emulator.wait_for(
        lambda e: [m["text"] for m in e.messages(CHANNEL) if held in m["text"]] or None
    )
    assert held in notices[0]
    kinds = [(kind, who) for kind, who, _, _ in log_of(bot, pilot)]
    assert kinds[-2:] == [("change", SPONSOR), ("decision", SPONSOR)]
    summary, why = log_of(bot, pilot)[-1][2:]
    assert summary.startswith("No-go for Expanded Pilot at the end of Soft Launch, by <@U0002>")
    assert "The ramp holds at 25%" in summary and why == reason
    bot.emulator.wait_for(lambda e: "*No-go*" in e.message(CHANNEL, review.ts)["text"])

    # Monday: no ramp step while the hold lasts; the review says so.
    walk(bot, datetime(2026, 12, 21, 15, 0, tzinfo=UTC))
    held = outbox_row(bot, "ramp_change:w3")
    assert held.status == SKIPPED
    assert held.skipped_reason.startswith("ramp on hold after a No-go")
    assert "traffic stays at 25% until a change is approved" in held.skipped_reason
    w3 = post(bot.emulator, "weekly_review:w3")
    assert "On hold at 25% since the No-go at the end of Soft Launch (Fri Dec 18)" in w3.text
    assert "On hold at 25%" in bot.sender.command("status").json()["text"]

    # The sponsor approves the extension: the hold ends, the next step is announced.
    decision_dm = bot.emulator.messages(dm)[-1]
    payload = bot.sender.block_actions(
        ids.CHANGE_APPROVE,
        str(request.id),
        user_id=SPONSOR,
        channel_id=dm,
        message_ts=decision_dm["ts"],
    )
    assert bot.sender.interactive(payload).status == 200
    bot.emulator.wait_for(
        lambda e: any("approved" in m["text"] and "CH-1" in m["text"] for m in e.messages(CHANNEL))
    )
    found = walk(bot, datetime(2026, 12, 28, 15, 0, tzinfo=UTC))
    assert found == [
        ("ramp_heads_up:w4", "Thu 2026-12-24 09:30"),
        ("ramp_change:w4", "Mon 2026-12-28 09:30"),
        ("weekly_review:w4", "Mon 2026-12-28 10:00"),
    ]
    assert "Week 4: traffic goes from 40% to 50% today" in post(bot.emulator, "ramp_change:w4").text


def test_lessons_learned_are_stored_and_counted(bot, pilot):
    at(bot, datetime(2026, 12, 18, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 18, 15, 0, tzinfo=UTC))
    review = post(bot.emulator, "phase_review:soft_launch")
    assert click(bot, review, ids.LESSONS_ADD, END_USER) == 200
    view = opened_view(bot, 1)
    assert submit(bot, view, {}, END_USER).json()["errors"] == {
        ids.LESSONS_TEXT: "Write at least one."
    }
    lesson = "Train the night shift before switching them over"
    assert submit(bot, view, {ids.LESSONS_TEXT: lesson}, END_USER).status == 200
    wait_for_ephemeral(bot, END_USER, "Saved your lessons learned for Soft Launch")
    (note,) = all_rows(bot, ReviewNote)
    assert (note.kind, note.period, note.text, note.user_id) == (
        "lessons",
        "soft_launch",
        lesson,
        END_USER,
    )
    bot.emulator.wait_for(
        lambda e: "Lessons learned: 1 recorded so far." in e.message(CHANNEL, review.ts)["text"]
    )


# ----- the final evaluation ----------------------------------------------------------------


def test_the_final_evaluation_says_which_criteria_were_met_and_records_the_recommendation(
    bot, pilot
):
    at(bot, datetime(2027, 1, 14, 14, 0, tzinfo=UTC), pilot)
    c1, c2, _ = add_criteria(
        bot,
        '"Containment rate" target=">= 60%"',
        '"Latency" target="under 2 s"',
        '"CSAT" target="at least 4.5/5"',
    )
    with unit_of_work(bot.engine) as session:
        record_values(
            session=session,
            pilot_id=pilot.id,
            values=[(c1.id, Decimal(64), "64%"), (c2.id, Decimal("2.4"), "2.4 s")],
            user_id=IMPLEMENTER,
            at=datetime(2027, 1, 15, 14, 0, tzinfo=UTC),
        )
    found = walk(bot, datetime(2027, 1, 19, 15, 0, tzinfo=UTC))
    assert found[-1] == ("final_evaluation", "Tue 2027-01-19 10:00")
    evaluation = post(bot.emulator, "final_evaluation")
    text = evaluation.text
    assert "Success criteria evaluation* (1 of 3 met)" in text
    assert ":white_check_mark: C-1 Containment rate: *64%* (target &gt;= 60%) · met" in text
    assert ":x: C-2 Latency: *2.4 s* (target &lt; 2 s) · below target" in text
    assert ":grey_question: C-3 CSAT: no value recorded yet (target &gt;= 4.5/5)" in text
    assert "Open issues: • Raised: 0\n• Resolved: 0\n• Still open: 0" in text
    assert "[ ] Post-Pilot documentation: Final metrics report" in text
    assert "Lessons learned (the record: none recorded yet)" in text

    # Only the decision maker records the recommendation.
    assert click(bot, evaluation, ids.RECOMMENDATION_RECORD, OWNER) == 200
    wait_for_ephemeral(bot, OWNER, "Only <@U0002> (executive sponsor) decides the recommendation")
    assert click(bot, evaluation, ids.RECOMMENDATION_RECORD, SPONSOR) == 200
    view = opened_view(bot, 1)
    answer = submit(bot, view, {ids.RECOMMENDATION_RATIONALE: "Good"}, SPONSOR).json()
    assert answer["errors"] == {ids.RECOMMENDATION_CHOICE: "Choose go or no-go."}
    rationale = "Containment met; latency needs the new cache before rollout"
    response = submit(
        bot,
        view,
        {ids.RECOMMENDATION_CHOICE: ("radio", "go"), ids.RECOMMENDATION_RATIONALE: rationale},
        SPONSOR,
    )
    assert response.status == 200 and response.body == b""
    notice = bot.emulator.wait_for(
        lambda e: next(
            (m for m in e.messages(CHANNEL) if m["text"].startswith("*Acme POC*: :white")), None
        )
    )
    assert "*Go* recommended for the full rollout: decided by <@U0002>" in notice["text"]
    assert "Plan the full rollout" in notice["text"]
    (decision,) = all_rows(bot, PilotDecision)
    assert (decision.subject, decision.outcome, decision.reason) == (
        "recommendation",
        "go",
        rationale,
    )
    kind, who, summary, why = log_of(bot, pilot)[-1]
    assert (kind, who, why) == ("decision", SPONSOR, rationale)
    assert summary == "Recommendation: Go for the full rollout, by <@U0002> (executive sponsor)"
    updated = bot.emulator.wait_for(
        lambda e: (
            "recommended: decided by" in e.message(CHANNEL, evaluation.ts)["text"]
            and e.message(CHANNEL, evaluation.ts)
        )
    )
    assert all(
        e["action_id"] != ids.RECOMMENDATION_RECORD
        for b in updated["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )
    # Recorded: no reminder at the end of Evaluation, and the skip says why.
    walk(bot, datetime(2027, 1, 22, 15, 0, tzinfo=UTC))
    reminder = outbox_row(bot, "recommendation_reminder")
    assert reminder.status == SKIPPED
    assert reminder.skipped_reason.startswith("the recommendation was recorded: Go by U0002")
    assert bot.emulator.messages(bot.emulator.dm_channel(SPONSOR)) == []


def test_without_a_recommendation_the_decision_maker_gets_a_reminder_by_dm(bot, pilot):
    at(bot, datetime(2027, 1, 22, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2027, 1, 22, 15, 0, tzinfo=UTC))
    dm = bot.emulator.dm_channel(SPONSOR)
    (reminder,) = bot.emulator.messages(dm)
    assert reminder["text"].startswith(
        ":bell: Reminder: *Acme POC*'s evaluation ends Sun Jan 24, 2027"
    )
    assert button(reminder, ids.RECOMMENDATION_RECORD)["value"] == str(pilot.id)
    # The button works from the DM too.
    payload = bot.sender.block_actions(
        ids.RECOMMENDATION_RECORD,
        str(pilot.id),
        user_id=SPONSOR,
        channel_id=dm,
        message_ts=reminder["ts"],
    )
    assert bot.sender.interactive(payload).status == 200
    assert opened_view(bot, 1)["callback_id"] == ids.RECOMMENDATION_MODAL


def test_the_review_counts_check_in_days_per_member(bot, pilot):
    at(bot, datetime(2026, 12, 14, 14, 0, tzinfo=UTC), pilot)
    walk(bot, datetime(2026, 12, 18, 15, 0, tzinfo=UTC))
    replies = [(SPONSOR, 14), (SPONSOR, 15), (SPONSOR, 17), (END_USER, 14), (SPONSOR, 17)]
    for user, day in replies:
        thread = post(bot.emulator, f"checkin:2026-12-{day}")
        _, response = bot.sender.post_user_message(CHANNEL, user, "On track", thread_ts=thread.ts)
        assert response.status == 200
    eventually(lambda: len(all_rows(bot, CheckinReply)) == len(replies))
    walk(bot, datetime(2026, 12, 21, 15, 0, tzinfo=UTC))
    text = post(bot.emulator, "weekly_review:w3").text
    assert "<@U0002>: 3 of 5 check-in days" in text  # two replies on the 17th: one day
    assert "<@U0003>: 0 of 5 check-in days" in text
    assert "<@U0004>: 1 of 5 check-in days" in text
    # Week 2's review came before any check-in day.
    assert "No check-in days this week." in post(bot.emulator, "weekly_review:w2").text
