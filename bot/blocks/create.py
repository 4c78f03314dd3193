"""`/pilot create`: the creation modal, the answer when the channel already runs a
pilot, and the announcement of the new pilot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.blocks import ids
from bot.blocks.common import Reply, context, fields, header, section, where_in_pilot
from bot.blocks.forms import option, plain
from bot.blocks.plan import dates_line, ramp_by_week, schedule_line, type_line
from bot.blocks.text import guarded, literal
from bot.core.calendar import PlanSnapshot
from bot.core.creation import RAMP_QUESTIONS, SUGGESTED, PlanField
from bot.core.inputs import WEEKDAY_KEYS
from bot.core.pilot_types import PilotType
from bot.core.plan import MAX_WEEKS, WEEKDAYS, Plan
from bot.core.ramps import PRESET_STEPS

CUSTOM = "custom"
OVERRIDE_YES = "override"
# Where each field's problem is shown (a custom ramp's problem goes to its own field).
FIELD_BLOCKS: dict[PlanField, str] = {
    PlanField.NAME: ids.CREATE_NAME,
    PlanField.CUSTOMER: ids.CREATE_CUSTOMER,
    PlanField.TYPE: ids.CREATE_TYPE,
    PlanField.RAMP: ids.CREATE_RAMP,
    PlanField.START: ids.CREATE_START,
    PlanField.WEEKS: ids.CREATE_WEEKS,
    PlanField.TZ: ids.CREATE_TZ,
    PlanField.CHECKIN: ids.CREATE_CHECKIN,
    PlanField.REVIEW: ids.CREATE_REVIEW_TIME,
    PlanField.HOLIDAYS: ids.CREATE_HOLIDAYS,
}
MODAL_OVERRIDE_HINT = "Tick Override at the bottom to keep it anyway."
COMMAND_OVERRIDE_HINT = "Add override=yes to keep it anyway."


@dataclass(frozen=True)
class ModalDefaults:
    start: date
    tz: str


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def _type_options() -> list[dict[str, Any]]:
    return [
        option(
            kind.value,
            kind.guide.title,
            f"{kind.guide.weeks_label}, {kind.guide.band_label} traffic",
        )
        for kind in PilotType
    ]


def _ramp_options() -> list[dict[str, Any]]:
    options = [option(SUGGESTED, "Suggested from the questions below")]
    for kind, steps in PRESET_STEPS.items():
        options.append(option(kind.value, f"{kind.value.title()}: {_pcts(steps)}"))
    options.append(option(CUSTOM, "Custom: the percentages below"))
    return options


def _pcts(steps: Sequence[int]) -> str:
    return ", ".join(f"{pct}%" for pct in steps)


def create_modal(*, channel_id: str, defaults: ModalDefaults) -> dict[str, Any]:
    """The `/pilot create` modal, every field filled with a sensible default."""
    business = next(o for o in _type_options() if o["value"] == PilotType.BUSINESS.value)
    ramp_options = _ramp_options()
    weekdays = [option(key, WEEKDAYS[i]) for i, key in enumerate(WEEKDAY_KEYS)]
    blocks: list[dict[str, Any]] = [
        _input(
            ids.CREATE_NAME,
            "Pilot name",
            {"type": "plain_text_input", "max_length": 200, "placeholder": plain("Acme POC")},
        ),
        _input(
            ids.CREATE_CUSTOMER,
            "Customer",
            {"type": "plain_text_input", "max_length": 200, "placeholder": plain("Acme")},
        ),
        _input(
            ids.CREATE_TYPE,
            "Pilot type",
            {"type": "static_select", "options": _type_options(), "initial_option": business},
        ),
        _input(
            ids.CREATE_START,
            "Start date (week 1 starts here)",
            {"type": "datepicker", "initial_date": defaults.start.isoformat()},
        ),
        _input(
            ids.CREATE_WEEKS,
            "Length in weeks",
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(MAX_WEEKS),
            },
            optional=True,
            hint="Empty: the type's shortest (technical 2, business 4, full 6).",
        ),
        section(
            "*Traffic ramp*\nTick what applies and keep *Suggested*, or pick a ramp. The"
            " ramp's peak must fit the type's traffic band."
        ),
        _input(
            ids.CREATE_RAMP,
            "Ramp",
            {"type": "static_select", "options": ramp_options, "initial_option": ramp_options[0]},
        ),
        _input(
            ids.CREATE_RAMP_QUESTIONS,
            "What applies to this pilot?",
            {
                "type": "checkboxes",
                "options": [
                    option(
                        key,
                        label,
                        "Suggests the conservative ramp"
                        if index < 3
                        else "Suggests the aggressive ramp",
                    )
                    for index, (key, label) in enumerate(RAMP_QUESTIONS.items())
                ],
            },
            optional=True,
            hint="None of these: the standard ramp. Any conservative reason wins.",
        ),
        _input(
            ids.CREATE_CUSTOM_RAMP,
            "Custom weekly percentages",
            {"type": "plain_text_input", "placeholder": plain("5,10,20,40")},
            optional=True,
            hint="Only with Custom: one percentage per week; the last one holds.",
        ),
        {"type": "divider"},
        _input(
            ids.CREATE_TZ,
            "Timezone",
            {"type": "plain_text_input", "initial_value": defaults.tz},
            hint="An IANA name such as America/New_York or Europe/Berlin.",
        ),
        _input(
            ids.CREATE_CHECKIN,
            "Daily check-in time",
            {"type": "timepicker", "initial_time": "09:30"},
        ),
        _input(
            ids.CREATE_REVIEW_DAY,
            "Weekly review day",
            {"type": "static_select", "options": weekdays, "initial_option": weekdays[0]},
        ),
        _input(
            ids.CREATE_REVIEW_TIME,
            "Weekly review time",
            {"type": "timepicker", "initial_time": "10:00"},
        ),
        _input(
            ids.CREATE_HOLIDAYS,
            "Public holidays of",
            {"type": "plain_text_input", "max_length": 8, "placeholder": plain("US")},
            optional=True,
            hint="A two-letter country code; empty: only weekends are off.",
        ),
        _input(
            ids.CREATE_OVERRIDE,
            "Override",
            {
                "type": "checkboxes",
                "options": [
                    option(
                        OVERRIDE_YES,
                        "Keep the plan even if it leaves the type's bands",
                        "It is then shown with a warning",
                    )
                ],
            },
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": ids.CREATE_PILOT,
        "private_metadata": channel_id,
        "title": plain("New pilot"),
        "submit": plain("Create"),
        "close": plain("Cancel"),
        "blocks": guarded(blocks),
    }


def channel_taken_modal(pilot_name: str, owner_id: str) -> dict[str, Any]:
    """Shown in place of the form when the channel already runs a pilot."""
    return {
        "type": "modal",
        "callback_id": ids.CREATE_PILOT_TAKEN,
        "title": plain("New pilot"),
        "close": plain("Close"),
        "blocks": guarded([section(channel_taken_text(pilot_name, owner_id))]),
    }


def channel_taken_text(pilot_name: str, owner_id: str) -> str:
    return (
        f"This channel already runs *{literal(pilot_name)}* (owner <@{owner_id}>), and a"
        " channel holds"
        " one pilot. Create the new pilot in its own channel, or end this one first with"
        ' `/pilot end reason="..."`.'
    )


def _warning_notes(warnings: Sequence[str]) -> list[str]:
    return [f":warning: {w} (kept with override)" for w in warnings]


def created_announcement(
    plan: Plan,
    snap: PlanSnapshot,
    *,
    owner_id: str,
    warnings: Sequence[str],
    suggestion: str | None,
) -> Reply:
    title = f":rocket: New pilot: {literal(plan.name)} · {literal(plan.customer)}"
    pairs = [
        ("Type", type_line(plan)),
        ("Dates", dates_line(plan)),
        ("Now", where_in_pilot(snap)),
        ("Ramp", f"{plan.ramp.label}: {ramp_by_week(plan)}"),
        ("Owner", f"<@{owner_id}>"),
        ("Schedule", schedule_line(plan)),
    ]
    blocks: list[dict[str, Any]] = [header(title), fields(pairs)]
    notes = _warning_notes(warnings)
    if suggestion:
        notes.insert(0, f":bulb: {suggestion}")
    if notes:
        blocks.append(context(*notes))
    follow = (
        "Next: `/pilot team add @user role` to staff the team, `/pilot plan` for the"
        " week-by-week calendar, `/pilot settings` for check-in and review times."
    )
    blocks.append(context(follow))
    text = f"{title}. " + " ".join(f"{k}: {v}." for k, v in pairs)
    if notes:
        text += " " + " ".join(notes)
    return Reply(text=text, blocks=blocks)
