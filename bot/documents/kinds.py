"""Which documents there are, in which formats, and what their files are called."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import DomainError
from bot.core.localtime import local_date
from bot.core.reviews import WeeklyReview
from bot.documents import charts, final, logs, weekly
from bot.documents.formats import slug
from bot.documents.record import PilotRecord


class ReportKind(StrEnum):
    WEEKLY = "weekly"
    ISSUES = "issues"
    CHANGES = "changes"
    RISKS = "risks"
    SCOPE = "scope"
    METRICS = "metrics"
    FINAL = "final"

    @property
    def formats(self) -> tuple[str, ...]:
        """Markdown for every document; CSV as well for the tabular ones."""
        return ("md", "csv") if self in _TABULAR else ("md",)

    @property
    def label(self) -> str:
        return _TITLES[self]

    @classmethod
    def parse(cls, text: str) -> ReportKind:
        key = text.strip().lower()
        for kind in cls:
            if kind.value == key:
                return kind
        raise DomainError(
            f"'{text.strip()[:40]}' is not a report. Use one of: {', '.join(k.value for k in cls)}."
        )


_TABULAR = frozenset({ReportKind.ISSUES, ReportKind.CHANGES, ReportKind.RISKS, ReportKind.METRICS})
_TITLES = {
    ReportKind.WEEKLY: "weekly metrics report",
    ReportKind.ISSUES: "issue log",
    ReportKind.CHANGES: "change log",
    ReportKind.RISKS: "risk register",
    ReportKind.SCOPE: "scope document",
    ReportKind.METRICS: "recorded metrics",
    ReportKind.FINAL: "final report",
}
_MARKDOWN = {
    ReportKind.ISSUES: logs.issues_md,
    ReportKind.CHANGES: logs.changes_md,
    ReportKind.RISKS: logs.risks_md,
    ReportKind.SCOPE: logs.scope_md,
    ReportKind.METRICS: logs.metrics_md,
}
_CSV = {
    ReportKind.ISSUES: logs.issues_csv,
    ReportKind.CHANGES: logs.changes_csv,
    ReportKind.RISKS: logs.risks_csv,
    ReportKind.METRICS: logs.metrics_csv,
}


@dataclass(frozen=True)
class Document:
    filename: str
    title: str
    content: bytes
    alt_txt: str = ""  # images only


def check_format(kind: ReportKind, fmt: str) -> str:
    fmt = fmt.strip().lower()
    if fmt not in kind.formats:
        raise DomainError(
            f"The {kind.label} comes as {' or '.join(kind.formats)}, not '{fmt[:20]}'."
        )
    return fmt


def report(record: PilotRecord, kind: ReportKind, fmt: str = "md") -> list[Document]:
    """The files a `/pilot report <kind>` uploads (not ``weekly``: see ``weekly_report``)."""
    fmt = check_format(kind, fmt)
    name = slug(record.plan.name)
    if kind is ReportKind.FINAL:
        return final_report(record)
    build = _CSV[kind] if fmt == "csv" else _MARKDOWN[kind]
    return [Document(f"{name}-{kind.value}.{fmt}", f"{record.plan.name}: {kind.label}",
                     build(record))]


def weekly_report(
    record: PilotRecord, review: WeeklyReview, week: int, *, chart: bool = False
) -> list[Document]:
    """Week ``week``'s report, and its chart when the weekly review's thread gets it."""
    name = slug(record.plan.name)
    files = [
        Document(
            f"{name}-weekly-week-{week}.md",
            f"{record.plan.name}: weekly metrics report, week {week}",
            weekly.weekly_md(record, review, week),
        )
    ]
    if chart:
        shown = charts.chart_of(
            record, through_week=week, title=f"{record.plan.name}: week {week}", flags=False
        )
        files.insert(0, _image(f"{name}-week-{week}-chart.png", shown))
    return files


def final_report(record: PilotRecord) -> list[Document]:
    """The final report (a draft before Evaluation) with the whole pilot's chart."""
    name = slug(record.plan.name)
    draft = final.is_draft(record)
    today = local_date(record.as_of, record.plan.zone)
    suffix = f"-draft-{today:%Y-%m-%d}" if draft else ""
    through = min(
        record.plan.total_weeks,
        max(1, (today - record.plan.start).days // 7 + 1),
    )
    shown = charts.chart_of(
        record,
        through_week=through,
        title=f"{record.plan.name}: the pilot " + ("so far" if draft else "as a whole"),
        flags=True,
    )
    title = f"{record.plan.name}: final report" + (" (draft)" if draft else "")
    return [
        Document(f"{name}-final{suffix}.md", title, final.final_md(record)),
        _image(f"{name}-final{suffix}-chart.png", shown),
    ]


def _image(filename: str, chart: charts.Chart) -> Document:
    return Document(filename, chart.title, charts.png(chart), alt_txt=charts.alt_text(chart))
