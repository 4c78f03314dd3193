"""Uploads whose files are rendered just before delivery: in full rounds only, once even
with two instances, within a time budget per round; a reason skips the row, a failure is
tried again later, and an unrendered upload holds its channel's queue."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from schedules import uploads
from storage.db import make_engine, unit_of_work
from storage.files import OwedFile, files_of, owe_upload, store_rendered
from storage.models import Pilot
from storage.outbox import PENDING, SKIPPED, owe
from tests.upload_helpers import CSV, NOW, a_pilot, run, shared, the_row


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
    engine = make_engine(database_url, schema=getattr(request.node, "pg_schema", None))
    yield engine
    engine.dispose()


def test_a_weekly_reviews_files_are_skipped_with_the_review_never_posted_alone(engine, emulator):
    """The chart and report go in the review's thread: a review skipped (its pilot paused
    before Slack took it) takes its files with it, rather than leave them alone in the
    channel."""
    from schedules.review_files import owe_review_files

    pilot = a_pilot(engine)
    with unit_of_work(engine) as session:
        owe(session=session, pilot=pilot, key="weekly_review:w2", kind="weekly_review",
            message={"text": "Weekly review"}, now=NOW)
        assert owe_review_files(session, pilot, "weekly_review:w2", NOW)
        stored = session.get(Pilot, pilot.id)
        assert stored is not None
        stored.state = "paused"
        session.add(stored)
    report = run(engine, emulator)
    assert sorted(report.skipped) == ["weekly_review:w2", "weekly_review:w2:files"]
    assert emulator.messages("C0001") == [] and shared(emulator) == []
