"""The Change Process in the core: proposals, their impact, when approval is needed; ids."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.boundaries import Boundary, boundary_values, scope_impact
from bot.core.changes import (
    ChangeKind,
    moved_since,
    needs_approval,
    propose_end,
    propose_ramp,
    propose_scope,
)
from bot.core.errors import DomainError
from bot.core.refs import CHANGE, CRITERION, RISK, parse_ref, ref
from tests.core.plans import make_plan

START = date(2026, 12, 7)  # Monday; the 6-week plan's hard end is Sun 2027-01-17
WEEK_1 = date(2026, 12, 10)
WEEK_3 = date(2026, 12, 22)


def test_approval_is_needed_from_the_start_date_on() -> None:
    plan = make_plan()
    assert needs_approval(plan, date(2026, 12, 6)) is False
    assert needs_approval(plan, START) is True
    assert needs_approval(plan, date(2027, 3, 1)) is True


def test_a_ramp_proposal_states_its_impact() -> None:
    proposal = propose_ramp(make_plan(), "10,25,40,40", today=WEEK_1)
    assert proposal.kind is ChangeKind.RAMP
    assert proposal.summary == (
        "change the ramp from the standard ramp to the custom ramp 10,25,40,40"
    )
    assert proposal.impact == (
        "The ramp changes from the standard ramp to the custom ramp 10,25,40,40.",
        "The ramp peaks at 40% instead of 50%.",
        "The ramp no longer reaches 50% (it did in week 4).",
    )
    assert proposal.values == {
        "ramp": "10,25,40,40",
        "override": False,
        "base": {"ramp": "standard"},
    }


def test_a_ramp_that_rewrites_weeks_already_run_says_so() -> None:
    proposal = propose_ramp(make_plan(), "conservative", today=WEEK_3)
    assert proposal.impact[-1] == (
        "The new ramp also lists different values for weeks that already ran"
        " (week 1: 10% → 0%; week 2: 25% → 10%)."
    )


def test_a_ramp_outside_the_band_needs_override_and_then_carries_it() -> None:
    with pytest.raises(DomainError) as refused:
        propose_ramp(make_plan(), "aggressive", today=WEEK_1)
    assert refused.value.message == (
        "A 6-week business pilot on the aggressive ramp peaks at 100%, above the business"
        " band of 30-50%. Add override=yes to propose it anyway."
    )
    proposal = propose_ramp(make_plan(), "aggressive", today=WEEK_1, override=True)
    assert (proposal.values["ramp"], proposal.values["override"]) == ("aggressive", True)
    assert "above the business band of 30-50%" in proposal.impact[-1]


def test_the_same_ramp_is_no_change() -> None:
    with pytest.raises(DomainError, match="already on the standard ramp"):
        propose_ramp(make_plan(), "Standard", today=WEEK_1)


def test_an_end_date_proposal() -> None:
    proposal = propose_end(make_plan(), end=date(2027, 1, 31), weeks=None, today=WEEK_1)
    assert proposal.summary == (
        "move the hard end date from 2027-01-17 (6 weeks) to 2027-01-31 (8 weeks)"
    )
    assert "The hard end date moves from 2027-01-17 to 2027-01-31 (2 weeks later)." in (
        proposal.impact
    )
    assert "2 more weekly reviews." in proposal.impact
    assert proposal.values == {"weeks": 8, "override": False, "base": {"weeks": 6}}
    assert propose_end(make_plan(), end=None, weeks=8, today=WEEK_1) == proposal


def test_the_end_date_must_close_a_pilot_week() -> None:
    with pytest.raises(DomainError) as refused:
        propose_end(make_plan(), end=date(2027, 1, 27), weeks=None, today=WEEK_1)
    assert refused.value.message == (
        "2027-01-27 is not the last day of a pilot week (weeks run Monday to Sunday):"
        " end on 2027-01-24 (7 weeks) or 2027-01-31 (8 weeks)."
    )
    # A Wednesday start: weeks run Wednesday to Tuesday.
    with pytest.raises(DomainError, match="weeks run Wednesday to Tuesday"):
        propose_end(
            make_plan(start=date(2026, 12, 9)), end=date(2027, 1, 24), weeks=None, today=WEEK_1
        )
    with pytest.raises(DomainError, match="after the first pilot week, which ends on 2026-12-13"):
        propose_end(make_plan(), end=date(2026, 12, 10), weeks=None, today=WEEK_1)


def test_the_end_cannot_move_into_the_past() -> None:
    with pytest.raises(DomainError) as refused:
        propose_end(make_plan(), end=None, weeks=2, today=WEEK_3)
    assert refused.value.message == (
        "The pilot is already in week 3, so it cannot end before 2026-12-27 (week 3)."
    )
    shorter = propose_end(make_plan(), end=None, weeks=4, today=WEEK_3)
    assert shorter.values["weeks"] == 4


def test_end_needs_exactly_one_of_date_and_weeks() -> None:
    with pytest.raises(DomainError, match="Give either the new hard end date"):
        propose_end(make_plan(), end=None, weeks=None, today=WEEK_1)
    with pytest.raises(DomainError, match="not both"):
        propose_end(make_plan(), end=date(2027, 1, 31), weeks=8, today=WEEK_1)
    with pytest.raises(DomainError, match="longer than the business range of 4-8 weeks"):
        propose_end(make_plan(), end=None, weeks=10, today=WEEK_1)


def test_a_scope_proposal() -> None:
    current = {Boundary.USE_CASES: "Billing", Boundary.CHANNELS: "Web chat"}
    values = boundary_values({"use_cases": " Billing,  refunds ", "channels": "", "reason": "x"})
    assert values == {Boundary.USE_CASES: "Billing, refunds", Boundary.CHANNELS: ""}
    proposal = propose_scope(current, values)
    assert proposal.summary == "change the scope (Use cases: Billing, refunds; Channels: no limit)"
    assert proposal.impact == (
        "Use cases change from “Billing” to “Billing, refunds”.",
        "Channels are no longer limited (was: Web chat).",
        "The timeline and the ramp do not change; check the success criteria still fit.",
    )
    assert proposal.values == {
        "scope": {"use_cases": "Billing, refunds", "channels": ""},
        "base": {"scope": {"use_cases": "Billing", "channels": "Web chat"}},
    }


def test_a_scope_proposal_must_change_something() -> None:
    with pytest.raises(DomainError, match="Name at least one boundary"):
        propose_scope({}, {})
    with pytest.raises(DomainError, match="That is the scope already"):
        propose_scope({Boundary.LANGUAGES: "English"}, {Boundary.LANGUAGES: "English"})
    assert scope_impact({}, {Boundary.LANGUAGES: ""}) == []


def test_a_proposal_knows_when_the_plan_moved_under_it() -> None:
    plan = make_plan()
    ramp = propose_ramp(plan, "10,25,40,40", today=WEEK_1).values
    end = propose_end(plan, end=None, weeks=8, today=WEEK_1).values
    scope = propose_scope({}, {Boundary.LANGUAGES: "English"}).values
    assert [moved_since(v, plan, {}) for v in (ramp, end, scope)] == [None, None, None]
    other = make_plan(ramp="conservative", weeks=7)
    assert moved_since(ramp, other, {}) == "the pilot is now on the conservative ramp"
    assert moved_since(end, other, {}) == "the pilot now ends on 2027-01-24 (7 weeks)"
    assert moved_since(scope, plan, {Boundary.LANGUAGES: "German"}) == (
        "languages are now “German”"
    )
    assert moved_since({"ramp": "standard"}, other, {}) is None  # no base: nothing to compare


@pytest.mark.parametrize(
    ("text", "prefix", "number"),
    [
        ("R-2", RISK, 2),
        ("r2", RISK, 2),
        ("R - 12", RISK, 12),
        ("3", CRITERION, 3),
        ("ch-4", CHANGE, 4),
    ],
)
def test_ids_people_type(text: str, prefix: str, number: int) -> None:
    assert parse_ref(text, prefix) == number


@pytest.mark.parametrize(
    ("text", "prefix"), [("C-2", RISK), ("R-0", RISK), ("two", RISK), ("", CHANGE)]
)
def test_ids_that_do_not_parse(text: str, prefix: str) -> None:
    with pytest.raises(DomainError, match=f"is not an id like {ref(prefix, 2)}"):
        parse_ref(text, prefix)
