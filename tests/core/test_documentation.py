"""The documentation checklists as pure functions: what the record tells of each item, the
team's tick over the record, the signed scope document ticked only by its sign-off, the
final report's draft, and the review a meeting's notes belong to."""

from datetime import UTC, datetime

from bot.core.documentation import (
    DURING_PILOT,
    POST_PILOT,
    PRE_PILOT,
    DocsFacts,
    MeetingNoteLine,
    ScopeState,
    SignOff,
    TeamTick,
    documentation,
    notes_in_week,
    review_label,
    tickable,
)
from tests.core.plans import make_plan

PLAN = make_plan()
DEC_10 = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)


def facts(**changes) -> DocsFacts:
    values = dict(
        plan=PLAN, at=DEC_10, scope=ScopeState(defined=False), criteria=0, risks=0,
        flags_raised=0, flags_open=0, changes_logged=3, change_requests=0, weekly_reports=(),
        notes=0, noted_reviews=0, final_reports=(), recommendation=None, lessons=0,
    )
    values.update(changes)
    return DocsFacts(**values)


def done(doc, name: str) -> set[str]:
    return {i.item.key for n, items in doc.lists if n == name for i in items if i.done}


def test_the_record_ticks_what_it_can_tell_and_the_team_the_rest():
    signed = ScopeState(defined=True, version=2, signed=SignOff(2, "U2", "executive sponsor",
                                                                  DEC_10))
    doc = documentation(pilot_id=1, facts=facts(scope=signed, criteria=2, notes=1,
                                                noted_reviews=1), ticks={})
    assert done(doc, PRE_PILOT) == {"b1", "b3"}
    assert done(doc, DURING_PILOT) == {"w2", "w3", "w4"}  # the logs are kept from the start
    assert doc.item(PRE_PILOT, "b1").answer.note == "version 2 signed off Thu Dec 10"
    # A team tick wins over the record, either way; the signed scope is only its sign-off.
    ticks = {PRE_PILOT: {"b2": TeamTick(True, "U3", DEC_10), "b3": TeamTick(False, "U3", DEC_10),
                         "b1": TeamTick(False, "U3", DEC_10)}}
    doc = documentation(pilot_id=1, facts=facts(scope=signed, criteria=2), ticks=ticks)
    assert done(doc, PRE_PILOT) == {"b1", "b2"}
    assert not tickable(PRE_PILOT, "b1") and tickable(POST_PILOT, "p1")


def test_an_older_signature_does_not_hold_for_a_newer_version():
    scope = ScopeState(defined=True, version=3, signed=None, decider_role="project lead")
    doc = documentation(pilot_id=1, facts=facts(scope=scope), ticks={})
    assert doc.item(PRE_PILOT, "b1").answer.note == (
        "version 3 written, not signed off by the project lead yet")


def test_a_final_report_before_evaluation_is_a_draft():
    draft = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    final = datetime(2027, 1, 19, 15, 0, tzinfo=UTC)
    doc = documentation(pilot_id=1, facts=facts(final_reports=(draft,)), ticks={})
    assert doc.item(POST_PILOT, "p1").answer.note == "only a draft so far (Thu Dec 24)"
    doc = documentation(pilot_id=1, facts=facts(final_reports=(draft, final)), ticks={})
    assert doc.item(POST_PILOT, "p1").done


def test_meeting_notes_name_their_review_and_fall_in_the_week_written():
    assert review_label("weekly_review:w3") == "Weekly review, week 3"
    assert review_label("phase_review:soft_launch") == "End of Soft Launch review"
    assert review_label("review:123.456.abc") == "Weekly review (posted on request)"
    friday = MeetingNoteLine("End of Setup review", "Go", "U1", datetime(2026, 12, 11, 16,
                                                                             tzinfo=UTC))
    sunday_night = MeetingNoteLine("x", "late", "U1", datetime(2026, 12, 14, 4, tzinfo=UTC))
    assert notes_in_week([friday, sunday_night], PLAN, 1) == [friday, sunday_night]
    assert notes_in_week([friday, sunday_night], PLAN, 2) == []
