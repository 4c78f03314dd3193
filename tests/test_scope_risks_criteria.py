"""`/pilot scope`, `/pilot risks` and `/pilot criteria` end to end over signed HTTP."""

from datetime import UTC, datetime

import pytest

from bot.core.grammar import unescape
from storage.db import unit_of_work
from storage.record import criteria_of, deferred_of, scope_of
from storage.risks import add_starter_risks, risks_of
from storage.team import change_log
from tests.helpers import CHANNEL, store_member, store_pilot

BEFORE_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # the pilot starts Mon 2026-12-07
REFUSED = (
    "Only the pilot's owner, vendor-side team members, the project lead or the executive"
    " sponsor may "
)


@pytest.fixture
def pilot(bot):
    pilot = store_pilot(bot.engine)
    with unit_of_work(bot.engine) as session:
        add_starter_risks(session=session, pilot_id=pilot.id)
    return pilot


def answer(bot, text, user_id="U0001"):
    response = bot.sender.command(text, user_id=user_id, channel_id=CHANNEL)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "\n" not in body["text"] or text.split()[0] in ("scope", "risks", "criteria")
    return body


def text_of(bot, text, user_id="U0001"):
    return unescape(answer(bot, text, user_id)["text"])  # usage lines may carry Slack escapes


def last_log(bot, pilot):
    with unit_of_work(bot.engine) as session:
        entry = change_log(session=session, pilot_id=pilot.id)[-1]
        return entry.kind, entry.user_id, entry.summary


# ----- scope -------------------------------------------------------------------------------


def test_scope_before_anything_is_defined(bot, pilot, clock):
    clock.set(BEFORE_START)
    body = answer(bot, "scope")
    assert "Use cases: not defined." in body["text"]
    assert "Phase 2 bucket: empty." in body["text"]
    assert "/pilot scope set" in str(body["blocks"])


def test_scope_set_before_the_start_several_keys_at_once(bot, pilot, clock):
    clock.set(BEFORE_START)
    text = text_of(
        bot, 'scope set use_cases="Billing questions" channels="Web chat" geographies=US,CA'
    )
    assert text == (
        "Scope updated. Use cases: Billing questions; Channels: Web chat; Geographies: US,CA."
        " `/pilot scope` shows all of it."
    )
    text_of(bot, 'scope set languages="English, Spanish" channels=""')
    with unit_of_work(bot.engine) as session:
        scope = {k.value: v for k, v in scope_of(session=session, pilot_id=pilot.id).items()}
    assert scope == {
        "use_cases": "Billing questions",
        "geographies": "US,CA",
        "languages": "English, Spanish",
    }
    listing = text_of(bot, "scope")
    assert "Use cases: Billing questions." in listing
    assert "Channels: not defined." in listing
    assert "Users or customers: not defined." in listing
    assert last_log(bot, pilot) == (
        "scope",
        "U0001",
        "Scope set. Channels: cleared; Languages: English, Spanish.",
    )


def test_scope_set_after_the_start_points_to_the_change_process(bot, pilot):
    text = text_of(bot, 'scope set use_cases="Everything"')
    assert text.startswith("The pilot started on 2026-12-07, so scope changes go through")
    assert '`/pilot change scope use_cases="..." reason="..."`' in text
    with unit_of_work(bot.engine) as session:
        assert scope_of(session=session, pilot_id=pilot.id) == {}
    assert "/pilot change scope" in str(answer(bot, "scope")["blocks"])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("scope set", "Name at least one boundary to set."),
        ("scope set colour=blue", "Unknown option `colour`"),
        ("scope set Billing", "Unexpected `Billing`."),
        ("scope defer", "`scope defer` needs <request>."),
    ],
)
def test_bad_scope_commands_show_the_usage(bot, pilot, clock, text, problem):
    clock.set(BEFORE_START)
    reply = text_of(bot, text)
    assert reply.startswith(problem)
    assert "Usage: `/pilot scope " in reply


def test_deferring_requests_to_the_phase_2_bucket(bot, pilot):
    text = text_of(bot, 'scope defer "Also handle refunds in French"')
    assert text.startswith("Parked in the Phase 2 bucket as item 1: Also handle refunds in French.")
    text_of(bot, "scope defer Voice channel, while we're at it", user_id="U0001")
    with unit_of_work(bot.engine) as session:
        bucket = [(d.number, d.request) for d in deferred_of(session=session, pilot_id=pilot.id)]
    assert bucket == [
        (1, "Also handle refunds in French"),
        (2, "Voice channel, while we're at it"),
    ]
    body = answer(bot, "scope")
    assert (
        "Phase 2 bucket: Also handle refunds in French; Voice channel, while we're at it."
        in body["text"]
    )
    assert "1. Also handle refunds in French (<@U0001>, Dec 10, 2026)" in str(body["blocks"])
    assert (
        last_log(bot, pilot)[2] == "Deferred to Phase 2 (item 2): Voice channel, while we're at it"
    )


def test_reading_scope_is_open_but_changing_it_is_not(bot, pilot, clock):
    clock.set(BEFORE_START)
    assert "Acme POC scope." in text_of(bot, "scope", user_id="U0002")
    assert text_of(bot, "scope set use_cases=All", user_id="U0002").startswith(
        REFUSED + "change the scope."
    )
    assert text_of(bot, 'scope defer "More"', user_id="U0002").startswith(REFUSED)
    with unit_of_work(bot.engine) as session:
        assert scope_of(session=session, pilot_id=pilot.id) == {}
        assert deferred_of(session=session, pilot_id=pilot.id) == []


# ----- risks -------------------------------------------------------------------------------


def test_a_new_register_holds_the_frameworks_four_risks(bot, pilot):
    text = text_of(bot, "risks")
    assert text == (
        "Acme POC risk register:"
        " R-1 (technical) Integration fails; mitigation: Test environment first, support ready."
        " R-2 (business) Metrics not achieved; mitigation: Conservative targets, early warning."
        " R-3 (timeline) Delays; mitigation: Buffer time, clear dependencies."
        " R-4 (scope) Scope creep; mitigation: Written scope, change process."
    )


def test_adding_and_removing_risks_never_reuses_an_id(bot, pilot):
    text = text_of(
        bot, 'risks add Technical "Vendor API rate limits" mitigation="Cache, and ask for quota"'
    )
    assert text == (
        "Added R-5 (technical): Vendor API rate limits. Mitigation: Cache, and ask for quota."
    )
    assert last_log(bot, pilot) == (
        "risk",
        "U0001",
        "Added R-5 (technical): Vendor API rate limits. Mitigation: Cache, and ask for quota",
    )
    assert text_of(bot, "risks remove R-5") == (
        "Removed R-5: Vendor API rate limits. Its id is not reused."
    )
    assert text_of(bot, "risks remove r2").startswith("Removed R-2: Metrics not achieved.")
    text = text_of(bot, 'risks add timeline "Holiday freeze" mitigation="Plan around it"')
    assert text.startswith("Added R-6 (timeline)")
    with unit_of_work(bot.engine) as session:
        assert [r.number for r in risks_of(session=session, pilot_id=pilot.id)] == [1, 3, 4, 6]
    listing = text_of(bot, "risks")
    assert "R-2" not in listing and "R-5" not in listing and "R-6 (timeline)" in listing


def test_removing_a_missing_or_removed_risk_says_what_is_open(bot, pilot):
    text_of(bot, "risks remove R-4")
    assert text_of(bot, "risks remove R-4") == "R-4 was already removed. Open risks: R-1, R-2, R-3."
    assert (
        text_of(bot, "risks remove R-9") == "R-9 is not on the register. Open risks: R-1, R-2, R-3."
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('risks add legal "Contract" mitigation="Lawyers"', "Unknown risk category 'legal'."),
        ('risks add technical "Outage"', "Every risk on the register needs a mitigation."),
        ("risks add technical", "`risks add` needs <risk>."),
        ('risks add technical "Outage" owner=bob', "Unknown option `owner`"),
        ("risks remove", "`risks remove` needs <risk>."),
        ("risks remove latest", "'latest' is not an id like R-2."),
        ("risks remove C-2", "'C-2' is not an id like R-2."),
    ],
)
def test_bad_risk_commands_show_the_usage(bot, pilot, text, problem):
    reply = text_of(bot, text)
    assert reply.startswith(problem)
    assert "Usage: `/pilot risks " in reply


def test_the_category_error_lists_the_categories(bot, pilot):
    reply = text_of(bot, 'risks add legal "Contract" mitigation="Lawyers"')
    assert "Use one of: technical, business, timeline, scope." in reply


def test_only_editors_change_the_register(bot, pilot):
    store_member(bot.engine, pilot, "U0002", "technical_lead")
    assert "R-1" in text_of(bot, "risks", user_id="U0002")
    reply = text_of(bot, 'risks add technical "X" mitigation="Y"', user_id="U0002")
    assert reply.startswith(REFUSED + "change the risk register.")
    assert text_of(bot, "risks remove R-1", user_id="U0002").startswith(REFUSED)
    store_member(bot.engine, pilot, "U0002", "project_lead")
    assert text_of(bot, "risks remove R-1", user_id="U0002").startswith("Removed R-1")


# ----- success criteria --------------------------------------------------------------------


def test_no_criteria_yet(bot, pilot):
    assert text_of(bot, "criteria") == "Acme POC has no success criteria yet."


def test_adding_listing_and_removing_criteria(bot, pilot):
    text = text_of(bot, 'criteria add "Containment rate" target=">= 60%"')
    assert text == "Added C-1: Containment rate, target >= 60%. Measured as >= 60%."
    text = text_of(bot, 'criteria add "Median handle time" target="under 2 minutes"')
    assert text == "Added C-2: Median handle time, target under 2 minutes. Measured as < 2 minutes."
    text = text_of(bot, 'criteria add "Agents like it" target="most of them"')
    assert text.startswith("Added C-3: Agents like it, target most of them. I can't evaluate")
    assert last_log(bot, pilot) == (
        "criteria",
        "U0001",
        "Added C-3: Agents like it, target most of them",
    )

    body = answer(bot, "criteria")
    assert body["text"] == (  # ">" escaped: the target is shown as typed, not as markup
        "Acme POC success criteria: C-1 Containment rate: &gt;= 60%."
        " C-2 Median handle time: under 2 minutes. C-3 Agents like it: most of them."
    )
    assert "most of them _(not measurable as written)_" in str(body["blocks"])

    assert text_of(bot, "criteria remove C-2") == (
        "Removed C-2: Median handle time. Its id is not reused."
    )
    assert text_of(bot, 'criteria add "NPS" target=">= 30"').startswith("Added C-4: NPS")
    with unit_of_work(bot.engine) as session:
        assert [c.number for c in criteria_of(session=session, pilot_id=pilot.id)] == [1, 3, 4]
    assert text_of(bot, "criteria remove C-2") == (
        "C-2 was already removed. Current criteria: C-1, C-3, C-4."
    )


def test_the_escaped_comparator_from_slack_is_read(bot, pilot):
    # should_escape: Slack sends ">" as "&gt;".
    text = text_of(bot, 'criteria add "Containment rate" target="&gt;= 60%"')
    assert text == "Added C-1: Containment rate, target >= 60%. Measured as >= 60%."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('criteria add "Containment rate"', "Give the criterion a target."),
        ("criteria add", "`criteria add` needs <name>."),
        ('criteria add "X" goal=5', "Unknown option `goal`"),
        ("criteria remove", "`criteria remove` needs <criterion>."),
        ("criteria remove first", "'first' is not an id like C-2."),
    ],
)
def test_bad_criteria_commands_show_the_usage(bot, pilot, text, problem):
    reply = text_of(bot, text)
    assert reply.startswith(problem)
    assert "Usage: `/pilot criteria " in reply


def test_a_duplicate_criterion_is_refused(bot, pilot):
    text_of(bot, 'criteria add "Containment rate" target=">= 60%"')
    reply = text_of(bot, 'criteria add "containment rate" target=">= 70%"')
    assert reply.startswith("There is already a criterion named containment rate.")


def test_only_editors_change_the_criteria(bot, pilot):
    reply = text_of(bot, 'criteria add "X" target=">= 1"', user_id="U0002")
    assert reply.startswith(REFUSED + "change the success criteria.")
    assert text_of(bot, "criteria", user_id="U0002") == "Acme POC has no success criteria yet."


def test_in_a_channel_without_a_pilot(bot, pilot):
    for text in ("scope", "risks", "criteria", 'risks add technical "X" mitigation="Y"'):
        body = bot.sender.command(text, channel_id="C0OTHER").json()
        assert "no pilot in this channel" in body["text"]
