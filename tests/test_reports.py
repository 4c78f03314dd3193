"""`/pilot report` over signed HTTP: each kind and format uploads exactly one document
through delivery, named after the pilot and the kind, holding the seeded record; bad
input gets the usage and uploads nothing; under Slack faults the file is shared once;
each weekly review's thread gets its chart and report once, also across a restart."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from matplotlib.image import imread

from schedules.delivery import deliver
from tests.cadence_helpers import schedule_pilot, slack_client
from tests.helpers import CHANNEL
from tests.plan_helpers import answer
from tests.report_helpers import LEAD, ny, seed_record
from tests.review_helpers import bot_posts, idle, run_at, walk

NOW = ny(12, 24, 12)  # Thursday of week 3
STRANGER = "U0009"


@pytest.fixture
def seeded(bot):
    bot.clock.set(NOW)
    bot.emulator.add_user(LEAD, "carol", real_name="Carol Lead")
    pilot = schedule_pilot(bot.engine, NOW)
    seed_record(bot.engine, pilot)
    return pilot


def ask(bot, text: str, user: str = STRANGER) -> str:
    said = answer(bot, f"report {text}", user_id=user)
    idle(bot)  # the Sender delivers what the request owed
    return said


def shared(bot) -> list:
    return bot.emulator.files(CHANNEL)


CASES = [
    ("issues", "acme-poc-issues.md"),
    ("issues format=csv", "acme-poc-issues.csv"),
    ("changes", "acme-poc-changes.md"),
    ("changes format=csv", "acme-poc-changes.csv"),
    ("risks format=csv", "acme-poc-risks.csv"),
    ("risks format=md", "acme-poc-risks.md"),
    ("scope", "acme-poc-scope.md"),
    ("metrics format=csv", "acme-poc-metrics.csv"),
    ("metrics", "acme-poc-metrics.md"),
    ("weekly", "acme-poc-weekly-week-2.md"),
    ("weekly week=1", "acme-poc-weekly-week-1.md"),
    ("weekly week=3", "acme-poc-weekly-week-3.md"),
]


def test_each_kind_and_format_uploads_one_file_named_for_it(bot, seeded):
    for text, name in CASES:
        before = {f.id for f in shared(bot)}
        said = ask(bot, text)
        assert f"`{name}`" in said and "On its way" in said, text
        new = [f for f in shared(bot) if f.id not in before]
        assert [f.name for f in new] == [name], text
        (share,) = new[0].shares
        assert share.channel == CHANNEL and share.thread_ts is None
    comments = [m.get("text", "") for m in bot.emulator.messages(CHANNEL) if m.get("files")]
    assert len(comments) == len(CASES)
    assert all(f"asked for by <@{STRANGER}>" in c for c in comments)


def test_the_files_hold_the_seeded_record(bot, seeded):
    ask(bot, "issues format=csv")
    ask(bot, "weekly")
    ask(bot, "risks format=csv")
    files = {f.name: f.content for f in shared(bot)}
    rows = list(csv.DictReader(io.StringIO(files["acme-poc-issues.csv"].decode("utf-8"))))
    assert [(r["Flag"], r["Severity"]) for r in rows] == [("F-1", "critical"), ("F-2", "minor")]
    assert rows[0]["Resolution"] == "Patched the SSO callback"
    assert rows[0]["Raised by"] == "Carol Lead (U0003)"  # named from users.info
    assert rows[1]["Description"] == "'-2 errors in the export"  # no formula
    weekly = files["acme-poc-weekly-week-2.md"].decode()
    assert "## Success criteria" in weekly
    criteria = weekly.split("## Success criteria")[1].split("##")[0]
    assert "52%" in criteria and "40%" in criteria
    issues = weekly.split("## Issues this week")[1].split("##")[0]
    assert "- Resolved: F-1" in issues and "- Still open: F-2" in issues
    risks = list(csv.DictReader(io.StringIO(files["acme-poc-risks.csv"].decode())))
    assert any(r["Description"] == "'@here the API may throttle" for r in risks)


def test_the_final_report_is_a_draft_before_evaluation_with_its_chart(bot, seeded):
    said = ask(bot, "final", user=LEAD)
    assert "acme-poc-final-draft-2026-12-24.md" in said
    files = {f.name: f for f in shared(bot)}
    report = files["acme-poc-final-draft-2026-12-24.md"]
    assert report.content.decode().startswith("# Acme POC: final report (DRAFT, 2026-12-24)")
    chart = files["acme-poc-final-draft-2026-12-24-chart.png"]
    assert imread(io.BytesIO(chart.content), format="png").shape[:2] == (700, 1200)
    assert "C-1 Adoption: 3 values, latest 63" in chart.alt_txt
    # Both in one message.
    assert report.shares[0].ts == chart.shares[0].ts


BAD = [
    ("", "Which document?"),
    ("bogus", "'bogus' is not a report"),
    ("scope format=csv", "comes as md"),
    ("weekly week=9", "weeks 1 to 7"),
    ("weekly week=0", "weeks 1 to 7"),
    ("weekly week=5", "nothing to report yet"),
    ("weekly week=two", "is not a week"),
    ("issues week=2", "Only the weekly report"),
    ("issues colour=red", "colour"),
]


def test_bad_input_gets_the_usage_and_uploads_nothing(bot, seeded):
    for text, says in BAD:
        said = ask(bot, text)
        assert says in said, text
        assert "/pilot report <weekly" in said, text
    assert shared(bot) == []


def test_no_pilot_here_uploads_nothing(bot):
    said = answer(bot, "report issues", channel_id="C0OTHER")
    assert "no pilot" in said.lower()
    assert bot.emulator.files() == []


@pytest.mark.parametrize(
    "method, fault",
    [
        ("files.getUploadURLExternal", {"status": 429}),
        ("files.completeUploadExternal", {"status": 503}),
        ("files.completeUploadExternal", {"status": 500}),
    ],
)
def test_under_slack_faults_the_file_is_shared_once(bot, seeded, method, fault):
    bot.emulator.fail(method, **fault)
    ask(bot, "issues format=csv")
    client = slack_client(bot.emulator)
    for later in (30, 120, 600):
        deliver(engine=bot.engine, client=client, now=NOW + timedelta(seconds=later),
                channel_interval=0)
    names = [f.name for f in shared(bot)]
    assert names == ["acme-poc-issues.csv"]
    assert len(shared(bot)[0].shares) == 1


def test_each_weekly_review_thread_gets_its_chart_and_report_once(bot):
    start = datetime(2026, 12, 1, 15, 0, tzinfo=NOW.tzinfo)
    bot.clock.set(start)
    pilot = schedule_pilot(bot.engine, start)
    seed_record(bot.engine, pilot)
    walk(bot, ny(12, 28, 10, 30))  # through week 4's review (Mon Dec 28, 10:00)
    reviews = {p.key: p for p in bot_posts(bot.emulator) if p.key.startswith("weekly_review:")}
    assert set(reviews) == {"weekly_review:w2", "weekly_review:w3", "weekly_review:w4"}
    files = shared(bot)
    by_thread = {}
    for f in files:
        (share,) = f.shares
        by_thread.setdefault(share.thread_ts, []).append(f.name)
    assert by_thread == {
        reviews["weekly_review:w2"].ts: ["acme-poc-week-1-chart.png", "acme-poc-weekly-week-1.md"],
        reviews["weekly_review:w3"].ts: ["acme-poc-week-2-chart.png", "acme-poc-weekly-week-2.md"],
        reviews["weekly_review:w4"].ts: ["acme-poc-week-3-chart.png", "acme-poc-weekly-week-3.md"],
    }
    chart = next(f for f in files if f.name == "acme-poc-week-3-chart.png")
    assert imread(io.BytesIO(chart.content), format="png").shape[:2] == (700, 1200)
    # The scheduler and delivery running again (as after a restart) share nothing twice.
    run_at(bot, ny(12, 28, 11))
    run_at(bot, ny(12, 28, 12))
    assert len(shared(bot)) == 6
