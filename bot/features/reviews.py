"""The weekly review: posted on demand (`/pilot review`), metrics recorded against the
success criteria, and the next period's priorities set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.blocks import ids
from bot.blocks.review import (
    BAD_VALUE,
    NO_VALUES,
    criterion_label,
    metrics_modal,
    metrics_pages,
    priorities_modal,
    weekly_review_message,
)
from bot.blocks.text import literal
from bot.core.criteria import parse_measurement
from bot.core.errors import DomainError
from bot.features.access import Named, Where, pilot_at, require_record_keeper
from schedules.reviews import weekly_review_of
from storage.db import Session
from storage.models import Pilot
from storage.outbox import owe
from storage.pilots import plan_of
from storage.readings import criteria_as_of, record_values
from storage.review_notes import PRIORITIES, add_note, latest_note


def post_review(*, session: Session, now: datetime, where: Where, key: str) -> None:
    """The weekly review owed in the channel now; the schedule does not change."""
    pilot = pilot_at(session=session, where=where)
    plan = plan_of(pilot)
    reply = weekly_review_message(weekly_review_of(session, pilot, plan, now, on_demand=True))
    owe(
        session=session, pilot=pilot, key=key, kind="review_asked", message=reply.message(), now=now
    )


def _keeper(session: Session, where: Named, user_id: str, action: str) -> Pilot:
    pilot = pilot_at(session=session, where=where)
    require_record_keeper(session=session, pilot=pilot, user_id=user_id, action=action)
    assert pilot.id is not None
    return pilot


# ----- Record metrics -----------------------------------------------------------------------


def metrics_form(
    *, session: Session, now: datetime, where: Named, user_id: str
) -> dict[str, Any] | None:
    """The form with one field per success criterion (None: the pilot has none)."""
    pilot = _keeper(session, where, user_id, "record metrics")
    plan = plan_of(pilot)
    review = weekly_review_of(session, pilot, plan, now)
    if not review.progress:
        return None
    return metrics_modal(
        pilot_id=where.pilot_id,
        pilot_name=pilot.name,
        channel_id=pilot.channel_id,
        progress=review.progress,
        plan=plan,
    )


@dataclass(frozen=True)
class MetricsRecorded:
    """A page of the metrics form submitted: ``errors`` per field (then nothing was
    recorded), the lines to tell the recorder, and the form's next page, if any."""

    errors: Mapping[str, str] = field(default_factory=dict)
    lines: tuple[str, ...] = ()
    channel_id: str = ""
    following: dict[str, Any] | None = None


def record_metrics(
    *,
    session: Session,
    now: datetime,
    where: Named,
    user_id: str,
    typed: Mapping[str, str],
    page: int,
) -> MetricsRecorded:
    """Each criterion's value as typed (``typed``: by field), checked, then recorded."""
    pilot = _keeper(session, where, user_id, "record metrics")
    assert pilot.id is not None
    criteria = criteria_as_of(session=session, pilot_id=pilot.id, as_of=now)
    errors: dict[str, str] = {}
    readings: list[tuple[int, Decimal, str]] = []
    lines = []
    for criterion in criteria:
        block_id = f"{ids.METRIC_BLOCK_PREFIX}{criterion.id}"
        text = typed.get(block_id, "")
        if not text:
            continue
        try:
            value = parse_measurement(text)
        except DomainError as error:  # each field's own problem, all shown at once
            errors[block_id] = error.message[:2000] or BAD_VALUE
            continue
        readings.append((criterion.id, value, text))
        target = criterion.target
        verdict = ""
        if target is not None:
            verdict = ": meets the target" if target.met(value) else ": below the target"
        lines.append(
            f"{literal(criterion_label(criterion))} = {literal(text)}"
            f" (target {literal(criterion.target_text)}){verdict}"
        )
    plan = plan_of(pilot)
    progress = weekly_review_of(session, pilot, plan, now).progress
    pages = metrics_pages(progress)
    if not readings and not errors and pages == 1:
        first = criteria[0].id if criteria else 0
        errors[f"{ids.METRIC_BLOCK_PREFIX}{first}"] = NO_VALUES
    if errors:
        return MetricsRecorded(errors=errors)
    if readings:
        record_values(session=session, pilot_id=pilot.id, values=readings, user_id=user_id, at=now)
    following = None
    if page < pages:  # the next page of criteria, in the same form
        following = metrics_modal(
            pilot_id=pilot.id,
            pilot_name=pilot.name,
            channel_id=pilot.channel_id,
            progress=progress,
            plan=plan,
            page=page + 1,
        )
    return MetricsRecorded(lines=tuple(lines), channel_id=pilot.channel_id, following=following)


# ----- Set priorities -----------------------------------------------------------------------


def priorities_form(
    *, session: Session, now: datetime, where: Named, user_id: str, period: str
) -> dict[str, Any]:
    pilot = _keeper(session, where, user_id, "set the priorities")
    current = latest_note(
        session=session, pilot_id=where.pilot_id, kind=PRIORITIES, as_of=now, period=period
    )
    return priorities_modal(
        pilot_id=where.pilot_id,
        pilot_name=pilot.name,
        channel_id=pilot.channel_id,
        period=period,
        current=current.text if current is not None else "",
    )


def save_priorities(
    *, session: Session, now: datetime, where: Named, user_id: str, period: str, text: str
) -> str:
    """The period's priorities saved; returns the channel to tell the person in."""
    pilot = _keeper(session, where, user_id, "set the priorities")
    assert pilot.id is not None
    add_note(
        session=session,
        pilot_id=pilot.id,
        kind=PRIORITIES,
        period=period,
        text=text,
        user_id=user_id,
        at=now,
    )
    return pilot.channel_id
