"""Action ids and callback ids: constants, so blocks and listeners cannot drift apart."""

from __future__ import annotations

from typing import Final

from bot.core.errors import Refusal
from bot.core.inputs import MAX_ID, parse_id

# The change process (handlers/change.py): the decision maker's buttons carry the change id.
CHANGE_APPROVE: Final = "change_approve"
CHANGE_REJECT: Final = "change_reject"

# The `/pilot create` modal (handlers/create.py); each field's block id is also its action id.
CREATE_PILOT: Final = "pilot_create"
CREATE_PILOT_TAKEN: Final = "pilot_create_taken"  # shown instead when the channel has a pilot
CREATE_NAME: Final = "create_name"
CREATE_CUSTOMER: Final = "create_customer"
CREATE_TYPE: Final = "create_type"
CREATE_START: Final = "create_start"
CREATE_WEEKS: Final = "create_weeks"
CREATE_RAMP: Final = "create_ramp"
CREATE_RAMP_QUESTIONS: Final = "create_ramp_questions"
CREATE_CUSTOM_RAMP: Final = "create_custom_ramp"
CREATE_TZ: Final = "create_tz"
CREATE_CHECKIN: Final = "create_checkin"
CREATE_REVIEW_DAY: Final = "create_review_day"
CREATE_REVIEW_TIME: Final = "create_review_time"
CREATE_HOLIDAYS: Final = "create_holidays"
CREATE_OVERRIDE: Final = "create_override"

# The daily check-in thread's buttons; their value is "<pilot id>:<check-in date>".
CHECKIN_POST_STATUS: Final = "checkin_post_status"
CHECKIN_FLAG_ISSUE: Final = "checkin_flag_issue"
CHECKIN_STATUS_MODAL: Final = "checkin_status"  # private metadata: pilot, day, channel, thread
CHECKIN_STATUS: Final = "checkin_status_color"  # radio: green, yellow, red
CHECKIN_NOTE: Final = "checkin_status_note"

# Issue flags (handlers/flags.py). The announcement's buttons carry "<pilot id>:<number>".
FLAG_ACKNOWLEDGE: Final = "flag_acknowledge"
FLAG_RESOLVE: Final = "flag_resolve"
FLAG_MODAL: Final = "flag_raise"  # private metadata: pilot ("" from /pilot flag), channel, thread
FLAG_SEVERITY: Final = "flag_severity"
FLAG_CATEGORY: Final = "flag_category"
FLAG_DESCRIPTION: Final = "flag_description"
FLAG_RESOLVE_MODAL: Final = "flag_resolve_form"  # private metadata: pilot "<pilot id>:<number>"
FLAG_RESOLUTION: Final = "flag_resolution"
FLAG_NO_PILOT_MODAL: Final = "flag_no_pilot"  # /pilot flag's form in a channel with no pilot

# Reviews (handlers/review.py, ramp.py, phase.py). Buttons carry "<pilot id>[:...]".
REVIEW_RECORD_METRICS: Final = "review_record_metrics"  # value "<pilot id>"
REVIEW_SET_PRIORITIES: Final = "review_set_priorities"  # value "<pilot id>:w<week>"
METRICS_MODAL: Final = "review_metrics"  # one input per criterion, block "metric_<id>"
METRIC_BLOCK_PREFIX: Final = "metric_"
PRIORITIES_MODAL: Final = "review_priorities"
PRIORITIES_TEXT: Final = "review_priorities_text"
RAMP_APPLIED: Final = "ramp_applied"  # value "<pilot id>:<week>:<pct>"
RAMP_HOLD: Final = "ramp_hold"  # value "<pilot id>:<week>"
RAMP_HOLD_MODAL: Final = "ramp_hold_form"
RAMP_HOLD_RAMP: Final = "ramp_hold_ramp"
RAMP_HOLD_REASON: Final = "ramp_hold_reason"
# Checklists: block id "checklist:<pilot id>:<checklist>:<group>", option values "d1", "e2".
CHECKLIST_DELIVERABLES: Final = "checklist_deliverables"
CHECKLIST_EXIT_CRITERIA: Final = "checklist_exit_criteria"
CHECKLIST_POST_PILOT: Final = "checklist_post_pilot"
PHASE_GO: Final = "phase_go"  # value "<pilot id>:<phase>"
PHASE_NO_GO: Final = "phase_no_go"
NO_GO_MODAL: Final = "phase_no_go_form"
NO_GO_REASON: Final = "phase_no_go_reason"
NO_GO_WEEKS: Final = "phase_no_go_weeks"
LESSONS_ADD: Final = "lessons_add"  # value "<pilot id>:<phase>"
LESSONS_MODAL: Final = "lessons"
LESSONS_TEXT: Final = "lessons_text"
RECOMMENDATION_RECORD: Final = "recommendation_record"  # value "<pilot id>"
RECOMMENDATION_MODAL: Final = "recommendation"
RECOMMENDATION_CHOICE: Final = "recommendation_choice"
RECOMMENDATION_RATIONALE: Final = "recommendation_rationale"

# Documentation (handlers/docs.py, signoff.py, notes.py).
DOCS_TICK: Final = "docs_tick"  # an item's button on the docs post: "<pilot id>:<list>:<item>"
SCOPE_SIGN_OFF: Final = "scope_sign_off"  # the scope document's button: "<pilot id>:<version>"
NOTES_ADD: Final = "notes_add"  # Add notes on a weekly or phase review: "<pilot id>"
NOTES_MODAL: Final = "meeting_notes"  # private metadata: pilot, review (its outbox key)
NOTES_TEXT: Final = "meeting_notes_text"

# Until the release after this one: these three modals' callback ids used to equal their
# buttons' action ids. A modal opened before the bot restarted still submits under the old
# callback id, so its listener answers to both; drop the old ones a release later.
OLD_CALLBACK_IDS: Final = {
    FLAG_RESOLVE_MODAL: "flag_resolve",
    RAMP_HOLD_MODAL: "ramp_hold",
    NO_GO_MODAL: "phase_no_go",
}


def callback_ids(callback_id: str) -> tuple[str, ...]:
    """The callback ids a modal's submission may arrive under: its own, and an old one."""
    old = OLD_CALLBACK_IDS.get(callback_id)
    return (callback_id,) if old is None else (callback_id, old)


# ----- button values ----------------------------------------------------------------------
# A button's value (and a modal's "pilot" metadata) is its parts joined by ":", the first
# always a pilot id, e.g. "12:3" for F-3 of pilot 12. Encoded and decoded only here.

OUT_OF_DATE: Final = "This button is out of date; use the latest post in the channel."
SEPARATOR: Final = ":"


def button_value(*parts: int | str) -> str:
    """The value a button carries: its parts, the first a pilot id."""
    return SEPARATOR.join(str(part) for part in parts)


def button_parts(value: str, count: int) -> list[str]:
    """``value`` split into its ``count`` parts, the first a real pilot id; anything else
    was built by another version of the bot (or by hand) and is refused."""
    found = value.split(SEPARATOR)
    if len(found) != count:
        raise Refusal(OUT_OF_DATE)
    parse_id(found[0])  # the pilot's id: a real id, or a refusal in the user's words
    return found


def button_pilot(value: str, count: int = 1) -> int:
    """The pilot id a ``count``-part value starts with."""
    return parse_id(button_parts(value, count)[0])


# Each checkbox group of a checklist: the action id it carries, and its items' key prefix.
CHECKLIST_GROUP_PREFIX: Final = {
    CHECKLIST_DELIVERABLES: "d",
    CHECKLIST_EXIT_CRITERIA: "e",
    CHECKLIST_POST_PILOT: "p",
}


def checklist_block(block_id: str) -> tuple[int, str]:
    """(pilot id, checklist name) of a checklist's block id."""
    parts = block_id.split(SEPARATOR)
    if len(parts) != 4 or parts[0] != "checklist":
        raise Refusal("This checklist is out of date; use the latest post in the channel.")
    return parse_id(parts[1]), parts[2]


def change_value(value: str) -> int | None:
    """The change request id an Approve / Reject button carries (None: not one)."""
    if not (value.isascii() and value.isdigit() and len(value) <= 10) or int(value) > MAX_ID:
        return None
    return int(value)


def docs_tick_parts(value: str) -> tuple[int, str, str, bool | None]:
    """(pilot id, checklist, item, untick) of a documentation item's button. Its value is
    "pilot:list:item:tick|untick"; a post from before the intent was in the value
    ("pilot:list:item") toggles (untick None)."""
    four = value.count(SEPARATOR) == 3
    pilot_id, name, key, *intent = button_parts(value, 4 if four else 3)
    if intent and intent[0] not in ("tick", "untick"):
        raise Refusal(DOCS_OUT_OF_DATE)
    return parse_id(pilot_id), name, key, (intent[0] == "untick") if intent else None


DOCS_OUT_OF_DATE: Final = "This checklist is out of date; post it again with `/pilot docs post`."
