"""Issue flags, the pure rules: parsing, ids, and the transitions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import DomainError
from bot.core.escalation import Severity
from bot.core.flags import (
    FlagError,
    FlagInput,
    FlagRecord,
    FlagSource,
    FlagState,
    acknowledge,
    flag_ref,
    issue_period,
    looks_like_flag_ref,
    may_handle,
    parse_category,
    parse_description,
    parse_flag_ref,
    parse_severity,
    reply_flag,
    resolve,
)
from bot.core.risks import RiskCategory
from bot.core.roles import Role

AT = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)


def open_flag(number: int = 3) -> FlagRecord:
    return FlagRecord(
        number, Severity.MAJOR, RiskCategory.TECHNICAL, "API timeouts", "U1", AT, FlagSource.COMMAND
    )


def test_ids_are_written_f_n_and_read_leniently():
    assert flag_ref(3) == "F-3"
    for text in ("F-3", "f-3", "F3", "f 3", " F-3 ", "3"):
        assert parse_flag_ref(text) == 3
    for text in ("F-0", "F-", "R-3", "F-3x", "three", ""):
        with pytest.raises(DomainError, match="not a flag id like F-3"):
            parse_flag_ref(text)


def test_only_an_id_with_its_letter_looks_like_one():
    assert looks_like_flag_ref("F-12") and looks_like_flag_ref("f12")
    assert not looks_like_flag_ref("12")  # `/pilot flag 12 ...` is not a show
    assert not looks_like_flag_ref("critical")


def test_severity_and_category_parse_case_insensitively_with_a_clear_answer():
    assert parse_severity("Critical") is Severity.CRITICAL
    assert parse_category(" SCOPE ") is RiskCategory.SCOPE
    with pytest.raises(DomainError, match="critical, major or minor"):
        parse_severity("urgent")
    with pytest.raises(DomainError, match="technical, business, timeline, scope"):
        parse_category("legal")


def test_a_description_is_required_and_bounded():
    assert parse_description("  db down ") == "db down"
    with pytest.raises(DomainError, match="Say what the issue is"):
        parse_description("  ")
    with pytest.raises(DomainError, match="under 2000"):
        parse_description("x" * 2001)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "flag: the API times out",
            FlagInput(Severity.MAJOR, RiskCategory.TECHNICAL, "the API times out"),
        ),
        (
            "Flag: critical checkout is down",
            FlagInput(Severity.CRITICAL, RiskCategory.TECHNICAL, "checkout is down"),
        ),
        (
            "FLAG:minor: typo in the widget",
            FlagInput(Severity.MINOR, RiskCategory.TECHNICAL, "typo in the widget"),
        ),
        (
            ":triangular_flag_on_post: major category=scope sales wants a 2nd use case",
            FlagInput(Severity.MAJOR, RiskCategory.SCOPE, "sales wants a 2nd use case"),
        ),
        (
            "flag: category=legal review",
            FlagInput(Severity.MAJOR, RiskCategory.TECHNICAL, "category=legal review"),
        ),
        (
            "flag: majorly broken",
            FlagInput(Severity.MAJOR, RiskCategory.TECHNICAL, "majorly broken"),
        ),
        ("flag:", FlagInput(Severity.MAJOR, RiskCategory.TECHNICAL, "")),
    ],
)
def test_a_reply_that_starts_with_flag_or_the_emoji_raises_one(text, expected):
    assert reply_flag(text) == expected


@pytest.mark.parametrize("text", ["All green", "no flag: today", "flags look fine", ""])
def test_an_ordinary_checkin_raises_nothing(text):
    assert reply_flag(text) is None


def test_team_members_of_either_side_and_plan_editors_may_handle_flags():
    assert may_handle(user_id="U1", owner_id="U1", roles=set())
    assert may_handle(user_id="U2", owner_id="U1", roles={Role.END_USER})
    assert may_handle(user_id="U2", owner_id="U1", roles={Role.TECHNICAL_SUPPORT})
    assert not may_handle(user_id="U2", owner_id="U1", roles=set())


def test_acknowledge_once_then_resolve_once_with_a_resolution():
    flag = open_flag()
    acked = acknowledge(flag, user_id="U2", at=AT)
    assert (acked.acknowledged_by, acked.acknowledged_at) == ("U2", AT)
    with pytest.raises(FlagError, match="F-3 was acknowledged already by <@U2>"):
        acknowledge(acked, user_id="U3", at=AT)
    with pytest.raises(FlagError, match="Say how F-3 was resolved"):
        resolve(acked, user_id="U2", resolution="  ", at=AT)
    done = resolve(acked, user_id="U3", resolution="rolled back\n the release", at=AT)
    assert done.state is FlagState.RESOLVED
    assert (done.resolved_by, done.resolution) == ("U3", "rolled back the release")
    assert done.acknowledged_by == "U2"
    with pytest.raises(FlagError, match="F-3 was resolved already by <@U3>: rolled back"):
        resolve(done, user_id="U2", resolution="again", at=AT)
    with pytest.raises(FlagError, match="resolved already by <@U3>: nothing to acknowledge"):
        acknowledge(done, user_id="U2", at=AT)


def test_resolving_without_an_acknowledgement_leaves_it_unacknowledged():
    done = resolve(open_flag(1), user_id="U2", resolution="fixed", at=AT)
    assert done.acknowledged_by == "" and done.state is FlagState.RESOLVED


def test_the_issue_log_over_a_period():
    def flag(number, raised_h, resolved_h=None):
        raised = AT + timedelta(hours=raised_h)
        record = replace(open_flag(number), raised_at=raised)
        if resolved_h is None:
            return record
        return replace(
            record, state=FlagState.RESOLVED, resolved_at=AT + timedelta(hours=resolved_h)
        )

    log = [
        flag(1, -48, -40),  # raised and resolved before: not in the period
        flag(2, -48, 10),  # raised before, resolved in it
        flag(3, 2),  # raised in it, still open
        flag(4, 5, 9),  # raised and resolved in it
        flag(5, 30),  # raised after it
        flag(6, 1, 30),  # resolved after it: still open at its end
    ]
    period = issue_period(log, AT, AT + timedelta(hours=24))
    assert period.raised == ("F-3", "F-4", "F-6")
    assert period.resolved == ("F-2", "F-4")
    assert period.still_open == ("F-3", "F-6")
    assert period.time_to_resolve == timedelta(hours=(58 + 4) / 2)
    assert issue_period([], AT, AT).time_to_resolve is None
