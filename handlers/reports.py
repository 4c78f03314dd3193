"""`/pilot report <kind> [format=md|csv] [week=<n>]`: a document of the pilot's record,
uploaded into its channel as a file through delivery (bot/features/reports.py reads the
record and owes the upload; this module asks Slack for names and renders)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.blocks.common import section
from bot.blocks.text import literal
from bot.core.errors import DomainError
from bot.documents.kinds import ReportKind, check_format, report, weekly_report
from bot.features import reports
from bot.names import display_names
from handlers.answers import work
from storage.db import read_session

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


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
        read = reports.read_report(
            session=session,
            now=now,
            where=request.where,
            kind=kind,
            week=_week(parsed.options.get("week")),
        )
    record = replace(read.record, names=display_names(request.client, read.record.people))
    if read.review is not None and read.week is not None:
        files = weekly_report(record, read.review, read.week)
    else:
        files = report(record, kind, fmt)
    with work(request.services) as session:
        reports.owe_report(
            session=session,
            now=now,
            where=request.where,
            files=files,
            key=request.once_key(f"report:{kind.value}"),
            user_id=request.user_id,
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
