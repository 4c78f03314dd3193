"""Action ids and callback ids: constants, so blocks and listeners cannot drift apart."""

from __future__ import annotations

from typing import Final

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
FLAG_RESOLVE_MODAL: Final = "flag_resolve"  # private metadata: pilot "<pilot id>:<number>"
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
RAMP_HOLD_MODAL: Final = "ramp_hold"
RAMP_HOLD_RAMP: Final = "ramp_hold_ramp"
RAMP_HOLD_REASON: Final = "ramp_hold_reason"
# Checklists: block id "checklist:<pilot id>:<checklist>", option values "d1", "e2", "p3".
CHECKLIST_DELIVERABLES: Final = "checklist_deliverables"
CHECKLIST_EXIT_CRITERIA: Final = "checklist_exit_criteria"
CHECKLIST_POST_PILOT: Final = "checklist_post_pilot"
PHASE_GO: Final = "phase_go"  # value "<pilot id>:<phase>"
PHASE_NO_GO: Final = "phase_no_go"
NO_GO_MODAL: Final = "phase_no_go"
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
