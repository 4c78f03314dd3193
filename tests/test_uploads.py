"""Uploads through the outbox and delivery, against the Slack emulator: each file shared
exactly once, with the stored bytes, through faults on every step, dead workers and
expired uploads; files rendered just before delivery, once, within a budget."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.request import Request, urlopen

import pytest
from sqlmodel import select

from schedules import uploads
from schedules.delivery import LEASE, deliver
from slack_emulator.files import UPLOAD_URL
from storage import outbox
from storage.db import unit_of_work
from storage.files import files_of, record_file_ids, store_rendered
from storage.models import OutboxMessage, Pilot
from storage.outbox import (
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    UNKNOWN,
    UPLOAD,
    OwedFile,
    claim,
    owe,
    owe_upload,
)
from tests.cadence_helpers import rows, slack_client
from tests.helpers import acme_plan, store_pilot

NOW = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
REPORT = OwedFile("acme-poc-weekly-week-1.md", "Weekly report, week 1", b"# Week 1\n| a | b |\n")
CHART = OwedFile("acme-poc-week-1.png", "Week 1 chart", b"\x89PNG\r\n\x1a\nnot really", "C-1: 52%")
CSV = OwedFile("acme-poc-issues.csv", "Issue log", b"id,severity\nF-1,major\n")


def a_pilot(engine, channel: str = "C0001") -> Pilot:
    return store_pilot(engine, acme_plan(name=f"Pilot {channel}"), channel_id=channel)


def owe_files(engine, pilot: Pilot, key: str = "report:1", files=(REPORT,), **options) -> None:
    options.setdefault("comment", "Weekly report for <@U0001>")
    with unit_of_work(engine) as session:
        assert owe_upload(
            session=session, pilot=pilot, key=key, kind="report", files=files, now=NOW, **options
        )


def run(engine, emulator, now: datetime = NOW, *, timeout: float = 3, **options):
    client = slack_client(emulator, timeout=timeout)
    return deliver(engine=engine, client=client, now=now, channel_interval=0, **options)


def shared(emulator, channel: str = "C0001"):
    return emulator.files(channel)


def the_row(engine) -> OutboxMessage:
    [row] = rows(engine, kind="report")
    return row


# ----- the happy path ----------------------------------------------------------------------


def test_an_owed_upload_shares_its_file_once_with_its_bytes_name_title_and_alt_text(
    engine, emulator
):
    owe_files(engine, a_pilot(engine), files=[CHART])
    report = run(engine, emulator)
    assert report.sent == ["report:1"]
    [file] = shared(emulator)
    assert (file.name, file.title, file.alt_txt, file.content) == (
        CHART.filename,
        CHART.title,
        CHART.alt_txt,
        CHART.content,
    )
    [share] = file.shares
    assert share.channel == "C0001" and share.thread_ts is None
    [message] = emulator.messages("C0001")
    assert message["ts"] == share.ts and message["text"] == "Weekly report for <@U0001>"
    assert [f["id"] for f in message["files"]] == [file.id]
    [step1] = emulator.calls_to("files.getUploadURLExternal")
    assert step1.params["length"] in (len(CHART.content), str(len(CHART.content)))
    assert step1.params["alt_txt"] == CHART.alt_txt
    [upload] = emulator.calls_to(UPLOAD_URL)
    assert any(k.lower() == "x-pilot-bot-delivery" for k in upload.headers)
    row = the_row(engine)
    assert row.status == SENT and row.attempts == 1 and row.claimed_by == ""
    with unit_of_work(engine) as session:
        [stored] = files_of(session=session, message_ids=[row.id])[row.id]
    assert stored.file_id == file.id  # recorded before it was shared
    # Another round (or another instance): nothing more.
    assert run(engine, emulator, NOW + LEASE * 2).leased == 0
    assert len(emulator.calls_to("files.completeUploadExternal")) == 1


def test_several_files_are_shared_together_in_one_message_in_the_thread(engine, emulator):
    root = slack_client(emulator).chat_postMessage(channel="C0001", text="Weekly review")["ts"]
    owe_files(engine, a_pilot(engine), files=[REPORT, CHART, CSV], thread_ts=root)
    assert run(engine, emulator).sent == ["report:1"]
    [complete] = emulator.calls_to("files.completeUploadExternal")
    assert complete.params["thread_ts"] == root
    files = shared(emulator)
    assert [f.content for f in files] == [REPORT.content, CHART.content, CSV.content]
    assert len({f.shares for f in files}) == 1  # one message carries all three
    [reply] = emulator.thread("C0001", root)[1:]
    assert [f["name"] for f in reply["files"]] == [REPORT.filename, CHART.filename, CSV.filename]
    assert files[0].shares[0].thread_ts == root


def test_an_upload_after_a_post_goes_in_that_posts_thread_and_keeps_the_pace(engine, emulator):
    pilot = a_pilot(engine)
    with unit_of_work(engine) as session:
        owe(session=session, pilot=pilot, key="review:1", kind="note", message={"text": "Hi"},
            now=NOW)
    owe_files(engine, pilot, after_key="review:1")
    waits: list[float] = []
    client = slack_client(emulator)
    report = deliver(engine=engine, client=client, now=NOW, sleep=waits.append)
    assert report.sent == ["review:1", "report:1"]
    [post] = emulator.messages("C0001")
    [file] = shared(emulator)
    assert file.shares[0].thread_ts == post["ts"]
    assert len(waits) == 1 and 0.5 < waits[0] <= 1.0  # a file is a post: one a second


def test_an_upload_is_owed_once_per_key_and_files_slack_would_refuse_are_not_owed(engine):
    pilot = a_pilot(engine)
    owe_files(engine, pilot, files=[REPORT, CSV])
    too_long = OwedFile("chart.png", "Chart", b"png", "x" * 1001)
    refused = [[], [REPORT] * 11, [OwedFile("", "t", b"x")], [OwedFile("a.md", "t", b"")],
               [too_long], None]
    with unit_of_work(engine) as session:
        again = dict(session=session, pilot=pilot, kind="report", comment="", now=NOW)
        assert not owe_upload(key="report:1", files=[CHART], **again)
        for files in refused:
            with pytest.raises(ValueError):
                owe_upload(key="report:2", files=files, **again)
    row = the_row(engine)
    assert row.method == UPLOAD and outbox.payload_of(row) == {
        "comment": "Weekly report for <@U0001>",
        "files": 2,
    }
    with unit_of_work(engine) as session:
        stored = files_of(session=session, message_ids=[row.id])[row.id]
    assert [(f.filename, f.title, f.content, f.file_id) for f in stored] == [
        (REPORT.filename, REPORT.title, REPORT.content, ""),
        (CSV.filename, CSV.title, CSV.content, ""),
    ]


# ----- faults ------------------------------------------------------------------------------


# Each step's faults: (the step, the fault, what the row is left as). Nothing the fault
# hits is shared; a 500 on the complete step may have been, so Slack is asked first.
FAULTS = {
    "429 on step 1": ("files.getUploadURLExternal", {"retry_after": 30}, PENDING),
    "429 on the upload URL": (UPLOAD_URL, {"retry_after": 30}, PENDING),
    "500 on the upload URL": (UPLOAD_URL, {"status": 500}, PENDING),
    "429 on complete": ("files.completeUploadExternal", {"retry_after": 30}, PENDING),
    "503 on complete": ("files.completeUploadExternal", {"status": 503}, PENDING),
    "500 on complete": ("files.completeUploadExternal", {"status": 500}, UNKNOWN),
    "connection refused": ("", {}, PENDING),
}


def test_under_faults_on_each_step_the_file_is_shared_once_with_the_same_bytes(
    engine, emulator
):
    for number, (fault, (method, how, left)) in enumerate(FAULTS.items(), start=1):
        channel = f"C{number:04d}"  # a pilot and a channel per fault, in one database
        owe_files(engine, a_pilot(engine, channel), key=f"report:{number}", files=[REPORT, CSV])
        emulator.reset_calls()
        if method:
            emulator.fail(method, **how)
        else:
            emulator.go_offline()
        try:
            report = run(engine, emulator)
        finally:
            emulator.go_online()
        assert report.sent == [] and shared(emulator, channel) == [], fault
        [row] = rows(engine, status=left)
        assert row.key == f"report:{number}" and row.next_attempt_at is not None, fault
        if how.get("retry_after"):
            assert row.next_attempt_at == NOW + timedelta(seconds=30), fault  # Retry-After
            assert run(engine, emulator, NOW + timedelta(seconds=29)).leased == 0, fault
        report = run(engine, emulator, row.next_attempt_at)
        assert report.sent == [f"report:{number}"], fault
        assert [f.content for f in shared(emulator, channel)] == [REPORT.content, CSV.content]
        completed = [c for c in emulator.calls_to("files.completeUploadExternal") if c.ok]
        assert len(completed) == 1, fault
        if left == UNKNOWN:  # Slack was asked first, and did not know the file
            [info] = emulator.calls_to("files.info")
            assert info.response == {"ok": False, "error": "file_not_found"}, fault
        else:
            assert emulator.calls_to("files.info") == [], fault
    assert {row.status for row in rows(engine)} == {SENT}


def test_a_complete_that_timed_out_but_was_shared_is_found_not_shared_again(engine, emulator):
    owe_files(engine, a_pilot(engine))
    emulator.slow("files.completeUploadExternal", 0.6)  # shared, but answered too late
    report = run(engine, emulator, timeout=0.3)
    assert report.unknown == ["report:1"]
    row = the_row(engine)
    assert row.status == UNKNOWN and row.next_attempt_at is not None
    report = run(engine, emulator, row.next_attempt_at)
    assert report.found_in_history == ["report:1"]
    [file] = emulator.files()
    assert len(file.shares) == 1 and file.content == REPORT.content
    assert len(emulator.calls_to("files.completeUploadExternal")) == 1
    assert the_row(engine).sent_ts == file.shares[0].ts


def dead_worker_upload(engine, emulator, *, shared_in: str | None) -> str:
    """A worker leased the row, recorded its file id, maybe shared the file (``shared_in``
    a channel, or "" for nowhere), and died."""
    with unit_of_work(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.method == UPLOAD)).one()
        claim(session=session, ids=[row.id], worker="dead", now=NOW, until=NOW + LEASE)
    client = slack_client(emulator)
    step1 = client.files_getUploadURLExternal(filename=REPORT.filename, length=len(REPORT.content))
    with unit_of_work(engine) as session:
        assert record_file_ids(
            session=session, message_id=row.id, worker="dead", file_ids=[(0, step1["file_id"])]
        )
    if shared_in is not None:
        request = Request(step1["upload_url"], data=REPORT.content, method="POST")
        with urlopen(request) as answer:
            assert answer.read() == f"OK - {len(REPORT.content)}".encode()
        client.files_completeUploadExternal(
            files=[{"id": step1["file_id"], "title": REPORT.title}], channel_id=shared_in or None
        )
    return str(step1["file_id"])


def test_a_worker_that_died_after_sharing_is_found_by_files_info_not_shared_again(
    engine, emulator
):
    owe_files(engine, a_pilot(engine))
    file_id = dead_worker_upload(engine, emulator, shared_in="C0001")
    assert run(engine, emulator).leased == 0  # its lease still holds
    report = run(engine, emulator, NOW + LEASE)
    assert report.found_in_history == ["report:1"]
    [info] = emulator.calls_to("files.info")
    assert info.params["file"] == file_id
    assert len(emulator.calls_to("files.completeUploadExternal")) == 1  # the dead one's
    [file] = shared(emulator)
    assert file.id == file_id and len(file.shares) == 1
    assert the_row(engine).status == SENT and the_row(engine).sent_ts == file.shares[0].ts


def test_an_upload_slack_never_completed_starts_over_with_a_new_upload(engine, emulator):
    owe_files(engine, a_pilot(engine))
    stale = dead_worker_upload(engine, emulator, shared_in=None)  # died before sharing
    report = run(engine, emulator, NOW + LEASE)
    assert report.sent == ["report:1"]
    [info] = emulator.calls_to("files.info")
    assert info.params["file"] == stale and info.error == "file_not_found"
    [file] = shared(emulator)
    assert file.id != stale and file.content == REPORT.content
    assert emulator.file(stale) is not None and emulator.file(stale).shares == ()
    with unit_of_work(engine) as session:
        [stored] = files_of(session=session, message_ids=[the_row(engine).id])[the_row(engine).id]
    assert stored.file_id == file.id


def test_a_file_slack_knows_but_shows_unshared_is_waited_for_then_uploaded_anew(
    engine, emulator
):
    owe_files(engine, a_pilot(engine))
    known = dead_worker_upload(engine, emulator, shared_in="")  # completed, shared nowhere
    at = NOW + LEASE
    for _ in range(uploads.SHARE_CHECKS):  # as if its share were on its way
        report = run(engine, emulator, at)
        assert report.unknown == ["report:1"] and the_row(engine).last_error == "not shared yet"
        at = the_row(engine).next_attempt_at
    assert run(engine, emulator, at).sent == ["report:1"]
    [file] = shared(emulator)
    assert file.id != known and file.content == REPORT.content


def test_a_refused_upload_is_failed_with_the_error_and_counted(engine, emulator):
    emulator.add_channel("C0001", is_member=False)
    pilot = a_pilot(engine)
    owe_files(engine, pilot)
    report = run(engine, emulator)
    assert report.failed == ["report:1"]
    row = the_row(engine)
    assert row.status == FAILED and row.last_error == "not_in_channel"
    with unit_of_work(engine) as session:
        assert session.get(Pilot, pilot.id).refused_count == 1
    assert shared(emulator) == [] and run(engine, emulator, NOW + LEASE).leased == 0


# ----- rendered later ----------------------------------------------------------------------


def owe_later(engine, pilot: Pilot, key: str = "report:1", week: int = 1) -> None:
    with unit_of_work(engine) as session:
        assert owe_upload(session=session, pilot=pilot, key=key, kind="report", comment="",
                          files=None, render={"week": week}, now=NOW)


class Renderer:
    """A renderer for the tests' "report" kind that counts its calls."""

    def __init__(self, answer=None, *, fails: int = 0, gate: threading.Event | None = None):
        self.calls: list[dict] = []
        self.answer, self.fails, self.gate = answer, fails, gate
        self.entered = threading.Event()

    def __call__(self, session, row, now):
        self.calls.append(uploads.render_args(row))
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        assert session.get(Pilot, row.pilot_id) is not None  # it may read the record
        if len(self.calls) <= self.fails:
            raise RuntimeError("the chart would not draw")
        if self.answer is not None:
            return self.answer
        week = self.calls[-1]["week"]
        return f"Week {week} report", [OwedFile(f"week-{week}.md", f"Week {week}", b"# report")]


@pytest.fixture
def renderer(monkeypatch):
    def install(renderer: Renderer) -> Renderer:
        monkeypatch.setitem(uploads.RENDERERS, "report", renderer)
        return renderer

    return install


def test_an_upload_rendered_later_is_rendered_in_a_full_round_and_holds_its_channel(
    engine, emulator, renderer
):
    render = renderer(Renderer())
    pilot = a_pilot(engine)
    owe_later(engine, pilot, week=3)
    with unit_of_work(engine) as session:
        owe(session=session, pilot=pilot, key="after", kind="note", message={"text": "next"},
            now=NOW)
    # A listener's round (only this conversation) renders nothing: both wait.
    report = run(engine, emulator, conversations=[("T0001", "C0001", "")])
    assert report.leased == 0 and render.calls == [] and emulator.messages("C0001") == []
    report = run(engine, emulator)
    assert render.calls == [{"week": 3}] and report.rendered == ["report:1"]
    assert report.sent == ["report:1", "after"]
    file_message, post = emulator.messages("C0001")
    assert file_message["text"] == "Week 3 report" and post["text"] == "next"
    assert [f.content for f in shared(emulator)] == [b"# report"]


def test_two_instances_render_a_row_once(engine, emulator, renderer, second_engine):
    gate = threading.Event()
    render = renderer(Renderer(gate=gate))
    owe_later(engine, a_pilot(engine))
    first: list = []
    worker = threading.Thread(
        target=lambda: first.append(run(engine, emulator, worker_id="one")), daemon=True
    )
    worker.start()
    try:
        assert render.entered.wait(10)
        second = run(second_engine, emulator, worker_id="two")  # finds it being rendered
        assert second.rendered == [] and second.leased == 0
    finally:
        gate.set()
        worker.join(10)
    assert len(render.calls) == 1 and first[0].sent == ["report:1"]
    assert len(shared(emulator)) == 1
    # Had both rendered it, the second one's files would not be stored.
    row = the_row(engine)
    stale = row.model_copy(update={"payload": '{"comment":"","render":{"week":1}}'})
    with unit_of_work(engine) as session:
        assert not store_rendered(session=session, message=stale, comment="x", files=[CSV])
        assert [f.filename for f in files_of(session=session, message_ids=[row.id])[row.id]] == [
            "week-1.md"
        ]


def test_the_render_budget_leaves_later_renders_to_the_next_round(engine, emulator, renderer):
    render = renderer(Renderer())
    for number, channel in enumerate(["C0001", "C0002", "C0003"], start=1):
        owe_later(engine, a_pilot(engine, channel), key=f"report:{number}", week=number)
    rendered = [run(engine, emulator, render_budget=0).rendered for _ in range(3)]
    assert rendered == [["report:1"], ["report:2"], ["report:3"]]
    assert [c["week"] for c in render.calls] == [1, 2, 3]
    assert sorted(f.name for f in emulator.files()) == ["week-1.md", "week-2.md", "week-3.md"]


def test_a_renderer_that_gives_a_reason_skips_the_row_with_it(engine, emulator, renderer):
    renderer(Renderer("no metrics recorded yet"))
    pilot = a_pilot(engine)
    owe_later(engine, pilot)
    with unit_of_work(engine) as session:
        owe(session=session, pilot=pilot, key="after", kind="note", message={"text": "next"},
            now=NOW)
    report = run(engine, emulator)
    assert report.skipped == ["report:1"] and report.sent == ["after"]
    row = the_row(engine)
    assert row.status == SKIPPED and row.skipped_reason == "no metrics recorded yet"
    assert emulator.files() == []


def test_a_renderer_that_raises_is_tried_again_later_and_the_round_goes_on(
    engine, emulator, renderer, caplog
):
    render = renderer(Renderer(fails=1))
    owe_later(engine, a_pilot(engine))
    with unit_of_work(engine) as session:
        other = a_pilot(engine, "C0002")
        owe(session=session, pilot=other, key="other", kind="note", message={"text": "hi"},
            now=NOW)
    report = run(engine, emulator)
    assert report.sent == ["other"] and report.retrying == ["report:1"]
    assert "the chart would not draw" in caplog.text
    row = the_row(engine)
    assert row.status == PENDING and row.attempts == 1
    assert row.last_error.startswith("rendering failed: RuntimeError")
    assert row.next_attempt_at is not None and row.next_attempt_at > NOW
    assert run(engine, emulator, NOW + timedelta(seconds=1)).rendered == []  # backing off
    report = run(engine, emulator, row.next_attempt_at)
    assert report.rendered == ["report:1"] and report.sent == ["report:1"]
    assert len(render.calls) == 2 and len(shared(emulator)) == 1


@pytest.fixture
def second_engine(database_url, request):
    from storage.db import make_engine

    engine = make_engine(database_url, schema=getattr(request.node, "pg_schema", None))
    yield engine
    engine.dispose()
