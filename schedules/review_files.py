"""The files a weekly review's thread gets: the chart and the report of the week that
just ended. The tick owes them with the review (rendered later: a chart takes a while,
and a Monday morning may owe hundreds); delivery renders them just before sending."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from bot.blocks.text import literal
from bot.documents.kinds import weekly_report
from bot.names import known_names
from schedules.documents import owed_files, pilot_record, week_end, weekly_of
from storage.documentation import REVIEW_FILES_KIND
from storage.files import OwedFile, owe_upload
from storage.models import OutboxMessage, Pilot
from storage.outbox import payload_of
from storage.outbox_key import OutboxKey
from storage.pilots import pilot_by_id, plan_of

KIND = REVIEW_FILES_KIND


def owe_review_files(session: Session, pilot: Pilot, review_key: str, now: datetime) -> bool:
    """Owe, in the thread of the weekly review ``review_key`` (``weekly_review:w3``), the
    chart and report of the week before it (week 2), once."""
    review = OutboxKey.parse(review_key, parts=2)  # weekly_review, w3
    digits = review.part(1).removeprefix("w")
    week = int(digits) - 1 if digits.isascii() and digits.isdigit() else 0
    if week < 1:
        return False
    return owe_upload(
        session=session,
        pilot=pilot,
        key=str(review.then("files")),
        kind=KIND,
        comment=_comment(pilot, week),
        files=None,
        now=now,
        after_key=review_key,
        render={"week": week},
    )


def _comment(pilot: Pilot, week: int) -> str:
    return f"Week {week} in figures: the chart and the weekly report of {literal(pilot.name)}."


def render_review_files(
    session: Session, row: OutboxMessage, now: datetime
) -> tuple[str, list[OwedFile]] | str:
    """The chart and report, with the record as of the reviewed week's end."""
    pilot = pilot_by_id(session=session, pilot_id=row.pilot_id)
    if pilot is None:
        return "the pilot is gone"
    spec = payload_of(row).get("render")  # the arguments it was owed with
    week = spec.get("week") if isinstance(spec, dict) else None
    if not isinstance(week, int) or week < 1:
        return "the files of this review name no week"
    plan = plan_of(pilot)
    as_of = min(now, week_end(plan, week))
    record = pilot_record(session, pilot, as_of)
    named = replace(record, names=known_names(record.people))
    files = weekly_report(named, weekly_of(session, pilot, week, now), week, chart=True)
    return _comment(pilot, week), owed_files(files)
