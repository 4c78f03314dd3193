"""The weekly review: `/pilot review` (posts it now), Record metrics and Set priorities."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import Reply, ids
from bot.blocks.review import (
    BAD_VALUE,
    NO_VALUES,
    criterion_label,
    metrics_modal,
    metrics_pages,
    metrics_recorded,
    no_criteria_reply,
    priorities_modal,
    priorities_saved,
    weekly_review_message,
)
from bot.blocks.text import literal
from bot.core import commands as catalog
from bot.core.criteria import parse_measurement
from bot.core.errors import DomainError
from bot.core.inputs import parse_id
from handlers.editing import answers_with_usage, channel_pilot
from handlers.reviewing import (
    Click,
    Submission,
    first_block,
    load_pilot,
    modal_pilot,
    on_button,
    on_submit,
    require_record_keeper,
    tell,
    tell_in_channel,
)
from schedules.reviews import weekly_review_of
from storage.db import unit_of_work
from storage.outbox import owe
from storage.pilots import plan_of
from storage.reviews import (
    PRIORITIES,
    add_note,
    criteria_as_of,
    latest_note,
    record_values,
)

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

MAX_PRIORITIES = 2000


@answers_with_usage(catalog.REVIEW)
def review_command(request: CommandRequest) -> Reply | None:
    """Post the weekly review in the channel now; the schedule does not change."""
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        plan = plan_of(pilot)
        reply = weekly_review_message(weekly_review_of(session, pilot, plan, now, on_demand=True))
        # Asking twice posts twice; Slack retrying this one request posts once.
        owe(
            session=session,
            pilot=pilot,
            key=request.once_key("review"),
            kind="review_asked",
            message=reply.message(),
            now=now,
        )
    request.ack()
    return None


# ----- Record metrics -----------------------------------------------------------------------


@on_button
def open_metrics(click: Click, client: WebClient, respond: Respond) -> None:
    (pilot_id,) = click.parts(1)
    now = click.services.clock.now()
    with unit_of_work(click.services.engine) as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        require_record_keeper(session, pilot, click.user_id, "record metrics")
        plan = plan_of(pilot)
        review = weekly_review_of(session, pilot, plan, now)
        view = metrics_modal(
            pilot_id=parse_id(pilot_id),
            pilot_name=pilot.name,
            channel_id=pilot.channel_id,
            progress=review.progress,
            plan=plan,
        )
    if not review.progress:
        tell(respond, no_criteria_reply().text)
        return
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit
def record_metrics(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    now = click.services.clock.now()
    errors: dict[str, str] = {}
    with unit_of_work(click.services.engine) as session:
        pilot = modal_pilot(session, click, ack, "record metrics", first_block(form.values))
        if pilot is None:
            return
        assert pilot.id is not None
        criteria = criteria_as_of(session=session, pilot_id=pilot.id, as_of=now)
        readings: list[tuple[int, Decimal, str]] = []
        lines = []
        for criterion in criteria:
            block_id = f"{ids.METRIC_BLOCK_PREFIX}{criterion.id}"
            typed = form.text(block_id)
            if not typed:
                continue
            try:
                value = parse_measurement(typed)
            except DomainError as error:
                errors[block_id] = error.message[:2000] or BAD_VALUE
                continue
            readings.append((criterion.id, value, typed))
            target = criterion.target
            verdict = ""
            if target is not None:
                verdict = ": meets the target" if target.met(value) else ": below the target"
            lines.append(
                f"{literal(criterion_label(criterion))} = {literal(typed)}"
                f" (target {literal(criterion.target_text)}){verdict}"
            )
        plan = plan_of(pilot)
        progress = weekly_review_of(session, pilot, plan, now).progress
        pages, page = metrics_pages(progress), _page(form.metadata)
        if not readings and not errors and pages == 1:
            first = criteria[0].id if criteria else 0
            errors[f"{ids.METRIC_BLOCK_PREFIX}{first}"] = NO_VALUES
        if errors:
            ack(response_action="errors", errors=errors)
            return
        if readings:
            record_values(
                session=session, pilot_id=pilot.id, values=readings, user_id=click.user_id, at=now
            )
        channel_id = pilot.channel_id
        following = None
        if page < pages:  # the next page of criteria, in the same form
            following = metrics_modal(
                pilot_id=pilot.id,
                pilot_name=pilot.name,
                channel_id=channel_id,
                progress=progress,
                plan=plan,
                page=page + 1,
            )
    if following is not None:
        ack(response_action="update", view=following)
    else:
        ack()
    if lines:
        tell_in_channel(client, channel_id, click.user_id, metrics_recorded(lines))


def _page(metadata: dict[str, Any]) -> int:
    page = metadata.get("page", 1)
    return page if isinstance(page, int) and page >= 1 else 1


# ----- Set priorities -----------------------------------------------------------------------


@on_button
def open_priorities(click: Click, client: WebClient, respond: Respond) -> None:
    pilot_id, period = click.parts(2)
    now = click.services.clock.now()
    with unit_of_work(click.services.engine) as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        require_record_keeper(session, pilot, click.user_id, "set the priorities")
        current = latest_note(
            session=session, pilot_id=parse_id(pilot_id), kind=PRIORITIES, as_of=now, period=period
        )
        view = priorities_modal(
            pilot_id=parse_id(pilot_id),
            pilot_name=pilot.name,
            channel_id=pilot.channel_id,
            period=period,
            current=current.text if current is not None else "",
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit
def save_priorities(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    text = form.lines(ids.PRIORITIES_TEXT)
    if not text:
        ack(response_action="errors", errors={ids.PRIORITIES_TEXT: "Write at least one."})
        return
    if len(text) > MAX_PRIORITIES:
        problem = f"Keep them under {MAX_PRIORITIES} characters."
        ack(response_action="errors", errors={ids.PRIORITIES_TEXT: problem})
        return
    period = str(form.metadata.get("period") or "")
    now = click.services.clock.now()
    with unit_of_work(click.services.engine) as session:
        pilot = modal_pilot(session, click, ack, "set the priorities", ids.PRIORITIES_TEXT)
        if pilot is None:
            return
        assert pilot.id is not None
        add_note(
            session=session,
            pilot_id=pilot.id,
            kind=PRIORITIES,
            period=period,
            text=text,
            user_id=click.user_id,
            at=now,
        )
        channel_id = pilot.channel_id
    ack()
    tell_in_channel(client, channel_id, click.user_id, priorities_saved(text))


def register(app: App) -> None:
    app.action(ids.REVIEW_RECORD_METRICS)(open_metrics)
    app.view(ids.METRICS_MODAL)(record_metrics)
    app.action(ids.REVIEW_SET_PRIORITIES)(open_priorities)
    app.view(ids.PRIORITIES_MODAL)(save_priorities)
