"""The documents themselves, from a pilot with a known record in a real database: each
section holds the seeded values, Markdown and CSV keep people's words as data, the
charts plot the seeded series in the pilot's zone."""

from __future__ import annotations

import csv
import io

import pytest
from matplotlib.image import imread

from bot.core.escalation import Severity
from bot.documents import charts
from bot.documents.final import final_md
from bot.documents.formats import csv_safe, md_cell
from bot.documents.kinds import ReportKind, final_report, report, weekly_report
from schedules.documents import pilot_record, report_week, weekly_of
from storage.db import unit_of_work
from storage.documentation import add_meeting_note
from storage.models import Pilot
from storage.pilots import plan_of
from storage.signoff import add_scope_document, sign_scope_document
from tests.helpers import store_pilot
from tests.report_helpers import LEAD, NY, ny, seed_record

NOW = ny(12, 24, 12)  # Thursday of week 3


@pytest.fixture
def seeded(engine):
    pilot = store_pilot(engine)
    ids = seed_record(engine, pilot)
    return pilot, ids


def record_at(engine, pilot, as_of=NOW):
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        return pilot_record(session, row, as_of, names={LEAD: "Carol Lead"})


def text_of(files, index=0) -> str:
    return files[index].content.decode("utf-8")


def test_markdown_cells_and_csv_cells_keep_words_as_data():
    assert md_cell("a | b\nc") == "a \\| b c"
    assert md_cell("[click](http://x) <b>") == "\\[click\\](http://x) \\<b\\>"
    for formula in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1"):
        assert csv_safe(formula).startswith("'")
    assert csv_safe("ok") == "ok"


def test_the_issue_log_holds_each_flag_and_its_history(engine, seeded):
    pilot, _ = seeded
    record = record_at(engine, pilot)
    (md,) = report(record, ReportKind.ISSUES, "md")
    assert md.filename == "acme-poc-issues.md"
    body = text_of([md])
    assert "2 flags: 1 open, 1 resolved." in body
    row = next(line for line in body.splitlines() if line.startswith("| F-1 "))
    assert "Login \\| fails for SSO users" in row  # one cell: the pipe is escaped
    assert "Patched the SSO callback" in row
    assert "Carol Lead (U0003)" in row
    assert "2026-12-15 10:00 EST" in row

    (table,) = report(record, ReportKind.ISSUES, "csv")
    assert table.filename == "acme-poc-issues.csv"
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8"))))
    assert [r["Flag"] for r in rows] == ["F-1", "F-2"]
    assert rows[0]["Description"] == "Login | fails\nfor SSO users"
    assert rows[1]["Description"] == "'-2 errors in the export"  # not a formula
    assert rows[0]["Resolved"] == "2026-12-16 10:00 EST"


def test_the_other_logs_hold_their_records(engine, seeded):
    pilot, _ = seeded
    record = record_at(engine, pilot)
    changes = text_of(report(record, ReportKind.CHANGES, "md"))
    assert "CH-1" in changes and "Extend to 7 weeks" in changes and "approved" in changes
    risks = list(csv.DictReader(io.StringIO(
        report(record, ReportKind.RISKS, "csv")[0].content.decode())))
    throttle = next(r for r in risks if "throttle" in r["Description"])
    assert throttle["Description"] == "'@here the API may throttle"
    assert throttle["Mitigation"].startswith("'=cmd")
    scope = text_of(report(record, ReportKind.SCOPE, "md"))
    assert "**Use cases**: Support deflection \\| tier 1" in scope
    assert "P2-1: Add the SMS channel" in scope
    metrics = list(csv.DictReader(io.StringIO(
        report(record, ReportKind.METRICS, "csv")[0].content.decode())))
    assert [(m["Criterion"], m["Value"]) for m in metrics] == [
        ("C-1", "40%"), ("C-1", "52%"), ("C-2", "20%"), ("C-1", "63%")]
    with pytest.raises(Exception, match="md"):
        report(record, ReportKind.SCOPE, "csv")


def test_the_weekly_report_covers_its_week(engine, seeded):
    pilot, _ = seeded
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        week = report_week(plan_of(row), NOW, None)
        assert week == 2  # the last completed week
        review = weekly_of(session, row, week, NOW)
    record = record_at(engine, pilot, as_of=ny(12, 21, 0))
    (doc,) = weekly_report(record, review, week)
    assert doc.filename == "acme-poc-weekly-week-2.md"
    body = doc.content.decode()
    adoption = next(line for line in body.splitlines() if line.startswith("| C-1 Adoption"))
    assert "52%" in adoption and "40%" in adoption and "up (toward the target)" in adoption
    assert "below target" in adoption
    assert "- Raised: F-1, F-2" in body
    assert "- Resolved: F-1" in body
    assert "- Still open: F-2" in body
    assert "- Mean time to resolve: 24.0 h" in body
    assert "- Planned for week 2: 25%" in body
    assert "Confirmed applied: 25% by Carol Lead (U0003)" in body
    assert "> Fix the export" in body and "> Train tier 1" in body
    assert "63%" not in body  # recorded in week 3: not this week's report


def test_the_final_report_before_evaluation_is_a_dated_draft(engine, seeded):
    pilot, _ = seeded
    md, chart = final_report(record_at(engine, pilot))
    assert md.filename == "acme-poc-final-draft-2026-12-24.md"
    first, _, second = md.content.decode().splitlines()[:3]
    assert "final report (DRAFT, 2026-12-24)" in first
    assert second.startswith("**Draft as of 2026-12-24:**")
    body = md.content.decode()
    assert "C-1 Adoption (target \\>= 60%): **met**, 63%" in body
    assert "C-2 Ticket deflection (target \\>= 30%): **not met**, 20%" in body
    assert "### Setup" in body and "Plan SSO early" in body
    assert "F-2 (minor" in body
    assert "1 change request: 1 approved." in body
    assert chart.filename.endswith(".png") and chart.alt_txt


def test_the_chart_plots_the_seeded_series_in_the_pilots_zone(engine, seeded):
    pilot, _ = seeded
    record = record_at(engine, pilot)
    shown = charts.chart_of(record, through_week=3, title="Acme", flags=True)
    adoption = next(s for s in shown.criteria if s.label == "C-1 Adoption")
    assert [v for _, v in adoption.points] == [40.0, 52.0, 63.0]
    assert all(at.tzinfo == NY for at, _ in adoption.points)
    assert adoption.target == 60.0
    assert shown.without_values == ('C-3 =HYPERLINK("http://x")',)
    assert shown.planned == (10, 25, 40)
    assert shown.confirmed == (None, 25, None)
    # At the end of week 2, F-1 (resolved Dec 16) is closed and F-2 (raised Dec 17) open.
    assert shown.open_flags is not None
    assert shown.open_flags[1][Severity.MINOR] == 1 and shown.open_flags[1][Severity.CRITICAL] == 0
    assert "No values yet: C-3" in charts.alt_text(shown)
    assert len(charts.alt_text(shown)) <= 1000

    figure = charts.figure(shown)
    panel = next(ax for ax in figure.axes if ax.get_title() == "C-1 Adoption")
    recorded, target = panel.get_lines()
    assert list(recorded.get_ydata()) == [40.0, 52.0, 63.0]
    assert list(target.get_ydata()) == [60.0, 60.0]
    assert panel.xaxis.get_major_formatter().tz == NY
    image = imread(io.BytesIO(charts.png(shown)), format="png")
    assert image.shape[:2] == (700, 1200)


def test_the_final_report_holds_every_meeting_note_and_the_scope_report_its_sign_off(
    engine, seeded
):
    pilot, _ = seeded
    with unit_of_work(engine) as session:
        for key, text, at in (("phase_review:setup", "Go | agreed", ny(12, 11, 10)),
                              ("weekly_review:w3", "Fix the *export*", ny(12, 21, 10))):
            add_meeting_note(session=session, pilot_id=pilot.id, review_key=key, text=text,
                             user_id=LEAD, at=at)
        document = add_scope_document(session=session, pilot_id=pilot.id, scope={}, why="",
                                      user_id=LEAD, at=ny(12, 7, 9))
        sign_scope_document(session=session, document=document, user_id=LEAD,
                            role="project_lead", at=ny(12, 7, 10))
    record = record_at(engine, pilot)
    notes = final_md(record).decode().split("## Meeting notes")[1].split("\n## ")[0]
    assert "**End of Setup review**, by Carol Lead (U0003) (2026-12-11 10:00 EST):" in notes
    assert "> Go \\| agreed" in notes and "**Weekly review, week 3**" in notes
    assert "> Fix the \\*export\\*" in notes
    (scope,) = report(record, ReportKind.SCOPE, "md")
    assert ("Version 1 signed off by Carol Lead (U0003) (project lead) on 2026-12-07 10:00 EST."
            in text_of([scope]))
