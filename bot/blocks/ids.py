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
