"""Uploads through the outbox and delivery, against the Slack emulator: each file shared
exactly once, with the stored bytes, in its channel or thread, through faults on every
step, dead workers and expired uploads (rendering later: test_upload_renders.py)."""

from __future__ import annotations

from datetime import timedelta
from urllib.request import Request, urlopen

import pytest
from sqlmodel import select

from schedules import uploads
from schedules.attempts import LEASE
from schedules.delivery import deliver
from slack_emulator.files import UPLOAD_URL
from storage import outbox
from storage.db import unit_of_work
from storage.files import files_of, record_file_ids
from storage.leases import claim
from storage.models import OutboxMessage, Pilot
from storage.outbox import FAILED, PENDING, SENT, UNKNOWN, UPLOAD, OwedFile, owe, owe_upload
from tests.cadence_helpers import rows, slack_client
from tests.upload_helpers import CHART, CSV, NOW, REPORT, a_pilot, owe_files, run, shared, the_row

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
