"""`/pilot create`: the one-line form, and the modal (opened first, checked on submission)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Services
from bot.blocks import Reply, ids
from bot.blocks.create import (
    COMMAND_OVERRIDE_HINT,
    CUSTOM,
    FIELD_BLOCKS,
    MODAL_OVERRIDE_HINT,
    OVERRIDE_YES,
    ModalDefaults,
    channel_taken_modal,
    create_modal,
)
from bot.core.creation import (
    DEFAULT_TZ,
    SUGGESTED,
    PlanField,
    PlanRequest,
    PlanRequestError,
    RampAnswers,
    plan_from_request,
)
from bot.core.errors import DomainError
from bot.core.grammar import ParsedCommand
from bot.core.inputs import next_monday, parse_timezone, parse_yes_no
from bot.core.localtime import local_date
from bot.features import create
from bot.features.access import InChannel
from handlers.answers import guarded, slack_error_code, work
from storage.db import unit_of_work
from storage.scope import installation_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

# One-line option -> PlanRequest field; options left out keep the request's defaults.
_LINE_FIELDS = {
    "customer": "customer",
    "type": "pilot_type",
    "start": "start",
    "ramp": "ramp",
    "weeks": "weeks",
    "tz": "tz",
    "checkin": "checkin",
    "review": "review",
    "holidays": "holidays",
}
_REQUIRED = ("customer", "type", "start")


def create_command(request: CommandRequest) -> Reply | None:
    parsed = request.parsed
    if not parsed.args and not parsed.options:
        _open_form(request)
        return None
    new = plan_from_request(
        _request_from_line(parsed),
        now=request.services.clock.now(),
        override_hint=COMMAND_OVERRIDE_HINT,
    )
    with work(request.services) as session:  # ChannelTaken: answered without the usage
        create.create_pilot(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            owner_id=request.user_id,
            new=new,
        )
    request.ack()  # the announcement in the channel is the answer
    return None


def _request_from_line(parsed: ParsedCommand) -> PlanRequest:
    options = parsed.options
    if not parsed.args.get("name", "").strip():
        raise DomainError(
            'Give the pilot a name, in quotes if it has spaces: `/pilot create "Acme POC"'
            " customer=Acme type=business start=2026-12-07`."
        )
    missing = [key for key in _REQUIRED if not options.get(key, "").strip()]
    if missing:
        needed = ", ".join(f"`{key}=`" for key in missing)
        raise DomainError(f"`/pilot create` needs {needed} too.")
    given: dict[str, Any] = {f: options[k] for k, f in _LINE_FIELDS.items() if k in options}
    return PlanRequest(
        name=parsed.args["name"],
        override=parse_yes_no(options.get("override", "no")),
        **given,
    )


# ----- the modal ----------------------------------------------------------------------------


def _open_form(request: CommandRequest) -> None:
    # The trigger_id dies 3 s after Slack sent the command: open the form before anything
    # else (no database, no lookups), then refine it with views.update.
    request.ack()
    client, services = request.client, request.services
    now = services.clock.now()
    defaults = ModalDefaults(
        start=next_monday(local_date(now, ZoneInfo(DEFAULT_TZ))), tz=DEFAULT_TZ
    )
    opened = client.views_open(
        trigger_id=request.trigger_id,
        view=create_modal(channel_id=request.channel_id, defaults=defaults),
    )
    view = opened["view"]
    with unit_of_work(services.engine) as session:
        taken_by = create.live_pilot_here(session=session, where=request.where)
    if taken_by is not None:
        _update_form(client, view, channel_taken_modal(*taken_by))
        return
    tz = _user_timezone(client, request.user_id)
    if tz is not None and tz != DEFAULT_TZ:
        local = ModalDefaults(start=next_monday(local_date(now, ZoneInfo(tz))), tz=tz)
        _update_form(client, view, create_modal(channel_id=request.channel_id, defaults=local))


def _update_form(client: WebClient, opened: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except SlackApiError as error:
        # The user keeps the first form; submitting it is checked all the same.
        log.warning("could not refine the create form: %s", slack_error_code(error))


def _user_timezone(client: WebClient, user_id: str) -> str | None:
    """The user's own timezone from their Slack profile, if it is a zone we know."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        log.info("no timezone for %s: %s", user_id, slack_error_code(error))
        return None
    try:
        return parse_timezone(str(user.get("tz") or ""))
    except DomainError:
        return None


@guarded(field=ids.CREATE_NAME)
def create_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    services: Services = context["services"]
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    channel_id = view.get("private_metadata") or ""
    owner_id = body["user"]["id"]
    custom = _selected(values, ids.CREATE_RAMP) == CUSTOM
    try:
        new = plan_from_request(
            _request_from_form(values),
            now=services.clock.now(),
            override_hint=MODAL_OVERRIDE_HINT,
        )
    except PlanRequestError as error:
        ack(response_action="errors", errors=_block_errors(error.problems, custom=custom))
        return
    if not channel_id:
        problem = "Open this form with `/pilot create` in the pilot's channel."
        ack(response_action="errors", errors={ids.CREATE_NAME: problem})
        return
    with work(services) as session:
        create.create_pilot(
            session=session,
            now=services.clock.now(),
            where=InChannel(installation_of(context, body), channel_id),
            owner_id=owner_id,
            new=new,
            name_field=ids.CREATE_NAME,
        )
    ack()  # closes the modal; the announcement follows in the channel


def _request_from_form(values: dict[str, Any]) -> PlanRequest:
    choice = _selected(values, ids.CREATE_RAMP) or SUGGESTED
    ramp = _text(values, ids.CREATE_CUSTOM_RAMP) if choice == CUSTOM else choice
    if choice == CUSTOM and not ramp.strip():
        raise PlanRequestError(
            {PlanField.RAMP: "Enter weekly percentages such as 5,10,20,40, or pick another ramp."}
        )
    weekday = _selected(values, ids.CREATE_REVIEW_DAY) or "mon"
    return PlanRequest(
        name=_text(values, ids.CREATE_NAME),
        customer=_text(values, ids.CREATE_CUSTOMER),
        pilot_type=_selected(values, ids.CREATE_TYPE),
        start=_element(values, ids.CREATE_START).get("selected_date") or "",
        ramp=ramp,
        weeks=_text(values, ids.CREATE_WEEKS),
        tz=_text(values, ids.CREATE_TZ),
        checkin=_element(values, ids.CREATE_CHECKIN).get("selected_time") or "",
        review=f"{weekday} {_element(values, ids.CREATE_REVIEW_TIME).get('selected_time') or ''}",
        holidays=_text(values, ids.CREATE_HOLIDAYS),
        override=OVERRIDE_YES in _ticked(values, ids.CREATE_OVERRIDE),
        answers=RampAnswers.from_keys(_ticked(values, ids.CREATE_RAMP_QUESTIONS)),
    )


def _block_errors(problems: dict[PlanField, str], *, custom: bool) -> dict[str, str]:
    errors = {}
    for field, problem in problems.items():
        block = FIELD_BLOCKS[field]
        if field is PlanField.RAMP and custom:
            block = ids.CREATE_CUSTOM_RAMP
        errors[block] = problem
    return errors


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    actions = values.get(block_id) or {}
    return actions.get(block_id) or next(iter(actions.values()), {}) or {}


def _text(values: dict[str, Any], block_id: str) -> str:
    return str(_element(values, block_id).get("value") or "")


def _selected(values: dict[str, Any], block_id: str) -> str:
    option = _element(values, block_id).get("selected_option") or {}
    return str(option.get("value") or "")


def _ticked(values: dict[str, Any], block_id: str) -> frozenset[str]:
    options = _element(values, block_id).get("selected_options") or []
    return frozenset(str(option.get("value")) for option in options)


def register(app: App) -> None:
    app.view(ids.CREATE_PILOT)(create_submission)
