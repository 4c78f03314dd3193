"""`/pilot report <kind> [format=md|csv] [week=<n>]`: a document of the pilot's record,
uploaded into its channel as a file through delivery."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.blocks.common import section
from bot.blocks.text import literal
from bot.core.errors import DomainError
from bot.documents.kinds import ReportKind, check_format, report, weekly_report
from bot.documents.record import PilotRecord
from bot.names import display_names
from handlers.editing import channel_pilot
from schedules.documents import owed_files, pilot_record, report_week, week_end, weekly_of
from storage.db import read_session
from storage.documentation import REPORT_ASKED_KIND
from storage.files import owe_upload
from storage.pilots import plan_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

REPORT_KIND = REPORT_ASKED_KIND  # the outbox kind of a document someone asked for


def report_command(request: CommandRequest) -> Reply | None:
    """Render the document now (the record as of this moment), owe its upload, and say
    it is on its way; delivery shares it in the channel once."""
    parsed = request.parsed
    if not parsed.args.get("kind"):
        raise DomainError(
            "Which document? Name one of: " + ", ".join(kind.value for kind in ReportKind) + "."
        )
    kind = ReportKind.parse(parsed.args["kind"])
    fmt = check_format(kind, parsed.options.get("format", "md"))
    if "week" in parsed.options and kind is not ReportKind.WEEKLY:
        raise DomainError("Only the weekly report takes `week=<n>`.")
    now = request.services.clock.now()
    # Read and render outside the unit of work: looking names up in Slack and drawing take
    # a while, and a write transaction held meanwhile would hold up every other writer.
    with read_session(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        plan = plan_of(pilot)
        as_of, week = now, None
        if kind is ReportKind.WEEKLY:
            week = report_week(plan, now, _week(parsed.options.get("week")))
            as_of = min(now, week_end(plan, week))
        record = pilot_record(session, pilot, as_of)
        review = weekly_of(session, pilot, week, now) if week is not None else None
    record = _with_names(request, record)
    if review is not None and week is not None:
        files = weekly_report(record, review, week)
    else:
        files = report(record, kind, fmt)
    with request.services.work() as session:
        pilot = channel_pilot(session, request)  # the same pilot, in the unit of work
        owe_upload(
            session=session,
            pilot=pilot,
            key=request.once_key(f"report:{kind.value}"),
            kind=REPORT_KIND,
            comment=f"{literal(files[0].title)}, asked for by <@{request.user_id}>",
            files=owed_files(files),
            now=now,
        )
    names = ", ".join(f"`{literal(f.filename)}`" for f in files)
    text = f"On its way: {names} will appear in this channel in a moment."
    return Reply(text, [section(text)])


def _week(text: str | None) -> int | None:
    if text is None:
        return None
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= 3):
        raise DomainError(f"'{literal(cleaned, 20)}' is not a week: use week=1, week=2, ...")
    return int(cleaned)


def _with_names(request: CommandRequest, record: PilotRecord) -> PilotRecord:
    return replace(record, names=display_names(request.client, record.people))
