"""From typed text to a checked plan: defaults, per-field problems, bands, suggestions."""

from datetime import UTC, date, datetime, time

import pytest

from bot.core.creation import (
    SUGGESTED,
    PlanField,
    PlanRequest,
    PlanRequestError,
    RampAnswers,
    plan_from_request,
)
from bot.core.errors import DomainError
from bot.core.pilot_types import PilotType
from bot.core.ramps import Ramp

HINT = "Add override=yes to keep it anyway."
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday 10:00 in New York


def request(**changes):
    values = {
        "name": "Acme POC",
        "customer": "Acme",
        "pilot_type": "business",
        "start": "2026-12-07",
    }
    values.update(changes)
    return PlanRequest(**values)


def test_the_one_line_defaults():
    new = plan_from_request(request(), now=NOW, override_hint=HINT)
    plan = new.plan
    assert plan.pilot_type is PilotType.BUSINESS
    assert plan.weeks == 4  # the business type's shortest
    assert plan.ramp == Ramp.standard()
    assert plan.tz == "America/New_York"
    assert plan.checkin == time(9, 30)
    assert (plan.review_weekday, plan.review_time) == (0, time(10, 0))
    assert plan.holiday_country is None
    assert plan.hard_end_date == date(2027, 1, 3)
    assert new.warnings == () and new.suggestion is None


def test_every_field_given():
    plan = plan_from_request(
        request(
            ramp="5,10,20,40",
            pilot_type="full pilot",
            weeks="8",
            tz="europe/london",
            checkin="8:45",
            review="wed 14:00",
            holidays="gb",
            override=True,
        ),
        now=NOW,
        override_hint=HINT,
    ).plan
    assert plan.ramp == Ramp.custom([5, 10, 20, 40])
    assert (plan.weeks, plan.tz, plan.checkin) == (8, "Europe/London", time(8, 45))
    assert (plan.review_weekday, plan.holiday_country) == (2, "GB")


def test_every_bad_field_is_reported_at_once_first_one_as_the_message():
    with pytest.raises(PlanRequestError) as caught:
        plan_from_request(
            request(
                name="  ",
                pilot_type="pilot-ish",
                start="12/07/2026",
                tz="Mars/Base",
                checkin="25:00",
                review="someday",
                holidays="XX",
                ramp="fast",
                weeks="99",
            ),
            now=NOW,
            override_hint=HINT,
        )
    problems = caught.value.problems
    assert set(problems) == {
        PlanField.NAME,
        PlanField.TYPE,
        PlanField.START,
        PlanField.WEEKS,
        PlanField.TZ,
        PlanField.CHECKIN,
        PlanField.REVIEW,
        PlanField.HOLIDAYS,
        PlanField.RAMP,
    }
    assert caught.value.field is PlanField.NAME
    assert caught.value.message == "The pilot needs a name."
    assert "Use technical, business or full" in problems[PlanField.TYPE]
    assert "Unknown ramp 'fast'" in problems[PlanField.RAMP]


def test_weeks_outside_the_type_range_need_the_override():
    with pytest.raises(PlanRequestError) as caught:
        plan_from_request(request(weeks="10"), now=NOW, override_hint=HINT)
    assert caught.value.problems == {
        PlanField.WEEKS: "A 10-week business pilot is longer than the business range of 4-8 weeks."
        " Add override=yes to keep it anyway."
    }
    kept = plan_from_request(request(weeks="10", override=True), now=NOW, override_hint=HINT)
    assert kept.plan.override
    assert kept.warnings == (
        "A 10-week business pilot is longer than the business range of 4-8 weeks.",
    )


def test_a_ramp_outside_the_band_says_the_band():
    # The framework's own collision: a 4-week technical pilot on the conservative ramp.
    with pytest.raises(PlanRequestError) as caught:
        plan_from_request(
            request(pilot_type="technical", weeks="4", ramp="conservative"),
            now=NOW,
            override_hint=HINT,
        )
    assert caught.value.problems == {
        PlanField.RAMP: "A 4-week technical pilot on the conservative ramp peaks at 30%, above"
        " the technical band of 10-20%. The custom ramp 0,10,20,20 fits."
        " Add override=yes to keep it anyway."
    }
    fits = plan_from_request(
        request(pilot_type="technical", weeks="4", ramp="0,10,20,20"), now=NOW, override_hint=HINT
    )
    assert fits.warnings == ()


def test_the_default_ramp_on_a_technical_pilot_points_to_one_that_fits():
    with pytest.raises(PlanRequestError) as caught:
        plan_from_request(request(pilot_type="technical"), now=NOW, override_hint=HINT)
    assert caught.value.message == (
        "A 2-week technical pilot on the standard ramp peaks at 25%, above the technical band"
        " of 10-20%. The conservative ramp fits. Add override=yes to keep it anyway."
    )


def test_a_suggested_ramp_is_explained():
    answers = RampAnswers(complex_integration=True, confident=True)
    new = plan_from_request(request(ramp=SUGGESTED, answers=answers), now=NOW, override_hint=HINT)
    assert new.plan.ramp == Ramp.conservative()
    assert new.suggestion == (
        "Suggested the conservative ramp because: complex integration; very confident in fit."
    )
    plain = plan_from_request(request(ramp="Suggested"), now=NOW, override_hint=HINT)
    assert plain.plan.ramp == Ramp.standard()
    assert "no reason for a conservative or an aggressive ramp was ticked" in plain.suggestion


def test_a_suggestion_outside_the_band_is_refused_with_the_fitting_ramp():
    answers = RampAnswers(needs_fast_results=True)
    with pytest.raises(PlanRequestError) as caught:
        plan_from_request(
            request(pilot_type="business", weeks="4", ramp=SUGGESTED, answers=answers),
            now=NOW,
            override_hint="Tick Override to keep it.",
        )
    assert caught.value.problems[PlanField.RAMP] == (
        "The suggestion does not fit the band: a 4-week business pilot on the aggressive ramp"
        " peaks at 100%, above the business band of 30-50%. The standard ramp fits."
        " Tick Override to keep it."
    )
    kept = plan_from_request(
        request(ramp=SUGGESTED, answers=answers, override=True), now=NOW, override_hint=HINT
    )
    assert "The standard ramp fits." in kept.suggestion
    assert kept.warnings


def test_ramp_answers_from_keys():
    assert RampAnswers.from_keys({"high_risk", "low_risk"}).ticked == [
        "High-risk use case",
        "Low-risk use case",
    ]
    with pytest.raises(DomainError):
        RampAnswers.from_keys({"vibes"})


def test_name_and_customer_are_tidied_and_bounded():
    plan = plan_from_request(
        request(name="  Acme   POC ", customer="Acme\tInc"), now=NOW, override_hint=HINT
    )
    assert (plan.plan.name, plan.plan.customer) == ("Acme POC", "Acme Inc")
    with pytest.raises(PlanRequestError, match="200 characters at most"):
        plan_from_request(request(customer="x" * 201), now=NOW, override_hint=HINT)


def test_a_pilot_that_would_already_be_over_is_refused():
    # Dec 1 in New York; a 4-week pilot from 2026-10-26 ends Nov 22, its evaluation Nov 29.
    with pytest.raises(PlanRequestError) as caught:
        plan_from_request(request(start="2026-10-26"), now=NOW, override_hint=HINT)
    assert caught.value.problems == {
        PlanField.START: "A pilot starting 2026-10-26 would already be over (its evaluation"
        " ended 2026-11-29); check the start date."
    }
    # One still in evaluation today is fine: it is being recorded late.
    late = plan_from_request(request(start="2026-11-02"), now=NOW, override_hint=HINT)
    assert late.plan.evaluation_end_date == date(2026, 12, 6)
