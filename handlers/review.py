"""The weekly review: `/pilot review` (posts it now), Record metrics and Set priorities
(bot/features/reviews.py does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import Reply, ids
from bot.blocks.review import metrics_recorded, no_criteria_reply, priorities_saved
from bot.core.errors import DomainError
from bot.features import reviews
from bot.features.access import Named
from handlers.answers import work
from handlers.clicks import Click, Submission, on_button, on_submit, tell_in_channel
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_PRIORITIES = 2000


def review_command(request: CommandRequest) -> Reply | None:
    """Post the weekly review in the channel now; the schedule does not change."""
    with work(request.services) as session:
        reviews.post_review(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            # Asking twice posts twice; Slack retrying this one request posts once.
            key=request.once_key("review"),
        )
    request.ack()
    return None


# ----- Record metrics -----------------------------------------------------------------------


@on_button
def open_metrics(click: Click, client: WebClient) -> str | None:
    with unit_of_work(click.services.engine) as session:
        view = reviews.metrics_form(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            user_id=click.user_id,
        )
    if view is None:
        return no_criteria_reply().text
    client.views_open(trigger_id=click.trigger_id, view=view)
    return None


@on_submit()  # a refusal shows on the form's first field
def record_metrics(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    with work(click.services, wake=False) as session:
        done = reviews.record_metrics(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            user_id=click.user_id,
            typed={block_id: form.text(block_id) for block_id in form.values},
            page=_page(form.metadata),
        )
    if done.errors:
        ack(response_action="errors", errors=dict(done.errors))
        return
    if done.following is not None:
        ack(response_action="update", view=done.following)
    else:
        ack()
    if done.lines:
        tell_in_channel(client, done.channel_id, click.user_id, metrics_recorded(list(done.lines)))


def _page(metadata: dict[str, Any]) -> int:
    page = metadata.get("page", 1)
    return page if isinstance(page, int) and page >= 1 else 1


# ----- Set priorities -----------------------------------------------------------------------


@on_button
def open_priorities(click: Click, client: WebClient) -> None:
    _, period = click.parts(2)
    with unit_of_work(click.services.engine) as session:
        view = reviews.priorities_form(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id(2)),
            user_id=click.user_id,
            period=period,
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit(field=ids.PRIORITIES_TEXT)
def save_priorities(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    text = form.lines(ids.PRIORITIES_TEXT)
    if not text:
        raise DomainError("Write at least one.")
    if len(text) > MAX_PRIORITIES:
        raise DomainError(f"Keep them under {MAX_PRIORITIES} characters.")
    with work(click.services, wake=False) as session:
        channel_id = reviews.save_priorities(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            user_id=click.user_id,
            period=str(form.metadata.get("period") or ""),
            text=text,
        )
    ack()
    tell_in_channel(client, channel_id, click.user_id, priorities_saved(text))


def register(app: App) -> None:
    app.action(ids.REVIEW_RECORD_METRICS)(open_metrics)
    app.view(ids.METRICS_MODAL)(record_metrics)
    app.action(ids.REVIEW_SET_PRIORITIES)(open_priorities)
    app.view(ids.PRIORITIES_MODAL)(save_priorities)
