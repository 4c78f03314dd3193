"""`/pilot report`: the pilot's record read as of now (or a week's end), and the rendered
documents owed as an upload into its channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.blocks.text import literal
from bot.core.reviews import WeeklyReview
from bot.documents.kinds import Document, ReportKind
from bot.documents.record import PilotRecord
from bot.features.access import Where, pilot_at
from schedules.documents import owed_files, pilot_record, report_week, week_end, weekly_of
from storage.db import Session
from storage.documentation import REPORT_ASKED_KIND
from storage.files import owe_upload
from storage.pilots import plan_of

REPORT_KIND = REPORT_ASKED_KIND  # the outbox kind of a document someone asked for


@dataclass(frozen=True)
class ReportRead:
    """What a document is rendered from: the record, and for a weekly report its week."""

    record: PilotRecord
    week: int | None = None
    review: WeeklyReview | None = None


def read_report(
    *, session: Session, now: datetime, where: Where, kind: ReportKind, week: int | None
) -> ReportRead:
    """The record as of now; for the weekly report, as of the week's end (``week``: the
    one asked for, else the last completed)."""
    pilot = pilot_at(session=session, where=where)
    if kind is not ReportKind.WEEKLY:
        return ReportRead(pilot_record(session, pilot, now))
    plan = plan_of(pilot)
    covered = report_week(plan, now, week)
    as_of = min(now, week_end(plan, covered))
    return ReportRead(
        pilot_record(session, pilot, as_of), covered, weekly_of(session, pilot, covered, now)
    )


def owe_report(
    *,
    session: Session,
    now: datetime,
    where: Where,
    files: Sequence[Document],
    key: str,
    user_id: str,
) -> None:
    """The documents owed as one upload; delivery shares them in the channel once."""
    pilot = pilot_at(session=session, where=where)
    owe_upload(
        session=session,
        pilot=pilot,
        key=key,
        kind=REPORT_KIND,
        comment=f"{literal(files[0].title)}, asked for by <@{user_id}>",
        files=owed_files(files),
        now=now,
    )
